/*
 * Users, passwords and tokens (claims/auth.h, security.md §1): the token
 * round trip and every refusal of verification steps 3 to 7 with a crafted
 * token, the password policy bounds, logins (unknown, wrong, disabled,
 * rehash), revocation through tokens_valid_after (step 8), and the strict
 * flat-JSON reader the tokens use.
 */
#include "testutil.h"

#include <time.h>

#include <sodium.h>

#include "claims/claims.h"
#include "jsonr.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const unsigned char key[32] = "0123456789abcdef0123456789ABCDEF";
static const unsigned char other_key[32] = "0123456789abcdef0123456789ABCDEG";

/* ------------------------------------------------------------- crafting */

static char *
b64(const void *p, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, B64URL);
	char *s = malloc(cap);

	assert_non_null(s);
	sodium_bin2base64(s, cap, p, n, B64URL);
	return s;
}

static void
hmac(unsigned char mac[32], const unsigned char *k, size_t klen, const char *data, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, k, klen);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, n);
	crypto_auth_hmacsha256_final(&st, mac);
}

/* base64url(header) "." base64url(payload) "." base64url(HMAC with @p k). */
static char *
craft_key(const char *header, const char *payload, const unsigned char *k, size_t klen)
{
	char *h = b64(header, strlen(header)), *p = b64(payload, strlen(payload)), *s, *out;
	unsigned char mac[32];
	size_t n = strlen(h) + strlen(p) + 2;
	char *signing = malloc(n);

	assert_non_null(signing);
	snprintf(signing, n, "%s.%s", h, p);
	hmac(mac, k, klen, signing, strlen(signing));
	s = b64(mac, sizeof(mac));
	out = malloc(strlen(signing) + strlen(s) + 2);
	assert_non_null(out);
	sprintf(out, "%s.%s", signing, s);
	free(h);
	free(p);
	free(s);
	free(signing);
	return out;
}

static char *
craft(const char *header, const char *payload)
{
	return craft_key(header, payload, key, sizeof(key));
}

static const char hs256[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
#define NOW ((int64_t)1700000000)

static char *
payload_of(const char *sub, int64_t iat, int64_t exp, const char *jti)
{
	char *s = malloc(512);

	assert_non_null(s);
	snprintf(s, 512, "{\"sub\":\"%s\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"%s\"}", sub,
		 (long long)iat, (long long)exp, jti);
	return s;
}

static claims_token_status
verify(const char *tok, claims_token_claims *c)
{
	return claims_token_verify(c, key, sizeof(key), tok, strlen(tok), NOW);
}

/* Verify header + payload signed with the right key. */
static claims_token_status
verify_crafted(const char *header, const char *payload)
{
	char *tok = craft(header, payload);
	claims_token_status st = verify(tok, NULL);

	free(tok);
	return st;
}

/* ----------------------------------------------------------------- tokens */

static void
test_round_trip(void **state)
{
	claims_token_claims c;
	char *tok = NULL, *hdr = b64(hs256, strlen(hs256));
	const char *dot;

	(void)state;
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "alice", NOW, NOW + 3600),
			 CLAIMS_OK);
	assert_non_null(tok);
	/* The header part is exactly base64url({"alg":"HS256","typ":"JWT"}). */
	dot = strchr(tok, '.');
	assert_non_null(dot);
	assert_int_equal((size_t)(dot - tok), strlen(hdr));
	assert_memory_equal(tok, hdr, strlen(hdr));
	assert_null(strchr(tok, '='));
	assert_int_equal(verify(tok, &c), CLAIMS_TOKEN_OK);
	assert_string_equal(c.sub, "alice");
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.exp, NOW + 3600);
	assert_int_equal(strlen(c.jti), 22);
	for (const char *p = c.jti; *p; p++)
		assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
				   *p) != NULL);
	/* Another token for the same claims has another jti. */
	{
		claims_token_claims c2;
		char *tok2 = NULL;

		assert_int_equal(claims_token_sign(&tok2, key, sizeof(key), "alice", NOW,
						   NOW + 3600), CLAIMS_OK);
		assert_int_equal(verify(tok2, &c2), CLAIMS_TOKEN_OK);
		assert_string_not_equal(c.jti, c2.jti);
		claims_token_free(tok2);
	}
	/* The same claims crafted here verify too (the format is the spec's). */
	{
		char *p = payload_of("alice", NOW, NOW + 3600, c.jti);

		assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_OK);
		free(p);
	}
	/* Wrong key. */
	assert_int_equal(claims_token_verify(&c, other_key, sizeof(other_key), tok, strlen(tok),
					     NOW),
			 CLAIMS_TOKEN_INVALID);
	assert_string_equal(c.sub, "");
	claims_token_free(tok);
	free(hdr);
}

static void
test_sign_arguments(void **state)
{
	char *tok = (char *)1;
	char name65[66];

	(void)state;
	memset(name65, 'a', 65);
	name65[65] = '\0';
	assert_int_equal(claims_token_sign(&tok, key, 31, "alice", NOW, NOW + 60), CLAIMS_EINVAL);
	assert_null(tok);
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "", NOW, NOW + 60),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), name65, NOW, NOW + 60),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "a\nb", NOW, NOW + 60),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_token_sign(&tok, NULL, 32, "alice", NOW, NOW + 60), CLAIMS_EINVAL);
	assert_int_equal(claims_token_sign(NULL, key, sizeof(key), "alice", NOW, NOW + 60),
			 CLAIMS_EINVAL);
	/* A short key verifies nothing. */
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "alice", NOW, NOW + 60),
			 CLAIMS_OK);
	assert_int_equal(claims_token_verify(NULL, key, 31, tok, strlen(tok), NOW),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(claims_token_verify(NULL, NULL, 32, tok, strlen(tok), NOW),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(claims_token_verify(NULL, key, sizeof(key), NULL, 0, NOW),
			 CLAIMS_TOKEN_INVALID);
	claims_token_free(tok);
	claims_token_free(NULL);
}

/* The whole key keys the HMAC, whatever its length (RFC 2104 hashes a key
 * longer than the block; nothing is cut). */
static void
test_long_key(void **state)
{
	unsigned char k1[100], k2[100], mac[32];
	char *tok = NULL, *sig;
	const char *dot;

	(void)state;
	memset(k1, 7, sizeof(k1));
	k1[0] = 1;
	memcpy(k2, k1, sizeof(k2));
	k2[99] ^= 1;
	assert_int_equal(claims_token_sign(&tok, k1, sizeof(k1), "bob", NOW, NOW + 60), CLAIMS_OK);
	assert_int_equal(claims_token_verify(NULL, k1, sizeof(k1), tok, strlen(tok), NOW),
			 CLAIMS_TOKEN_OK);
	assert_int_equal(claims_token_verify(NULL, k2, sizeof(k2), tok, strlen(tok), NOW),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(claims_token_verify(NULL, k1, 64, tok, strlen(tok), NOW),
			 CLAIMS_TOKEN_INVALID);
	dot = strrchr(tok, '.');
	hmac(mac, k1, sizeof(k1), tok, (size_t)(dot - tok));
	sig = b64(mac, sizeof(mac));
	assert_string_equal(dot + 1, sig);
	free(sig);
	claims_token_free(tok);
}

static void
test_expired(void **state)
{
	char *p;

	(void)state;
	p = payload_of("alice", NOW - 100, NOW, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_EXPIRED);
	free(p);
	p = payload_of("alice", NOW - 100, NOW - 1, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_EXPIRED);
	free(p);
	p = payload_of("alice", NOW - 100, NOW + 1, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_OK);
	free(p);
	/* Step 6 comes before step 7: expired and issued in the future. */
	p = payload_of("alice", NOW + 1000, NOW - 1, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_EXPIRED);
	free(p);
	/* Step 5 comes before step 6: expired with a bad signature. */
	{
		char *tok;

		p = payload_of("alice", NOW - 100, NOW - 1, "j");
		tok = craft_key(hs256, p, other_key, sizeof(other_key));
		assert_int_equal(verify(tok, NULL), CLAIMS_TOKEN_INVALID);
		free(tok);
		free(p);
	}
	/* exp missing, not an integer. */
	assert_int_equal(verify_crafted(hs256, "{\"sub\":\"a\",\"iat\":1,\"jti\":\"j\"}"),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					"{\"sub\":\"a\",\"iat\":1,\"exp\":1.8e9,\"jti\":\"j\"}"),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					"{\"sub\":\"a\",\"iat\":1,\"exp\":\"1800000000\",\"jti\":\"j\"}"),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					"{\"sub\":\"a\",\"iat\":1,\"exp\":99999999999999999999,\"jti\":\"j\"}"),
			 CLAIMS_TOKEN_INVALID);
}

/* Replace part @p idx (0..2) of @p tok with @p repl. */
static char *
with_part(const char *tok, int idx, const char *repl)
{
	const char *d1 = strchr(tok, '.'), *d2 = strchr(d1 + 1, '.');
	const char *parts[3][2] = { { tok, d1 }, { d1 + 1, d2 }, { d2 + 1, tok + strlen(tok) } };
	size_t n = strlen(tok) + strlen(repl) + 3;
	char *out = malloc(n);
	size_t len = 0;

	assert_non_null(out);
	for (int i = 0; i < 3; i++) {
		if (i)
			out[len++] = '.';
		if (i == idx) {
			memcpy(out + len, repl, strlen(repl));
			len += strlen(repl);
		} else {
			memcpy(out + len, parts[i][0], (size_t)(parts[i][1] - parts[i][0]));
			len += (size_t)(parts[i][1] - parts[i][0]);
		}
	}
	out[len] = '\0';
	return out;
}

static void
test_tampered(void **state)
{
	char *tok = NULL, *p, *p64, *bad;
	unsigned char sig[32];
	size_t siglen;
	const char *dot;

	(void)state;
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "alice", NOW, NOW + 600),
			 CLAIMS_OK);
	assert_int_equal(verify(tok, NULL), CLAIMS_TOKEN_OK);

	/* Another payload under the original signature. */
	p = payload_of("admin", NOW, NOW + 600, "jjjjjjjjjjjjjjjjjjjjjj");
	p64 = b64(p, strlen(p));
	bad = with_part(tok, 1, p64);
	assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
	free(bad);
	free(p64);
	free(p);

	/* One signature byte changed, each byte in turn. */
	dot = strrchr(tok, '.');
	assert_int_equal(sodium_base642bin(sig, sizeof(sig), dot + 1, strlen(dot + 1), NULL,
					   &siglen, NULL, B64URL), 0);
	assert_int_equal(siglen, 32);
	for (size_t i = 0; i < 32; i++) {
		char *s64;

		sig[i] ^= 0x01;
		s64 = b64(sig, sizeof(sig));
		bad = with_part(tok, 2, s64);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
		free(s64);
		sig[i] ^= 0x01;
	}
	/* A signature of 31 or 33 bytes. */
	{
		unsigned char longer[33] = { 0 };
		char *s64;

		memcpy(longer, sig, 32);
		s64 = b64(longer, 33);
		bad = with_part(tok, 2, s64);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
		free(s64);
		s64 = b64(sig, 31);
		bad = with_part(tok, 2, s64);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
		free(s64);
	}
	/* No signature at all. */
	bad = with_part(tok, 2, "");
	assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
	free(bad);
	claims_token_free(tok);
}

static void
test_header_rules(void **state)
{
	char *p = payload_of("alice", NOW, NOW + 600, "j"), *tok, *p64, *h64;

	(void)state;
	/* alg none with an empty signature. */
	h64 = b64("{\"alg\":\"none\"}", 14);
	p64 = b64(p, strlen(p));
	tok = malloc(strlen(h64) + strlen(p64) + 3);
	assert_non_null(tok);
	sprintf(tok, "%s.%s.", h64, p64);
	assert_int_equal(verify(tok, NULL), CLAIMS_TOKEN_INVALID);
	free(tok);
	free(h64);
	free(p64);
	/* alg none, HS512, RS256, hs256, even with a valid HS256 signature. */
	assert_int_equal(verify_crafted("{\"alg\":\"none\",\"typ\":\"JWT\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"hs256\"}", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256 \"}", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"typ\":\"JWT\"}", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":null}", p), CLAIMS_TOKEN_INVALID);
	/* typ: absent or JWT; anything else refused. */
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\"}", p), CLAIMS_TOKEN_OK);
	assert_int_equal(verify_crafted(" { \"typ\" : \"JWT\" , \"alg\" : \"HS256\" } ", p),
			 CLAIMS_TOKEN_OK);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\",\"typ\":\"JWS\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\",\"typ\":\"jwt\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\",\"typ\":null}", p),
			 CLAIMS_TOKEN_INVALID);
	/* Not an object, nested, duplicated, trailing bytes. */
	assert_int_equal(verify_crafted("[\"HS256\"]", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("\"HS256\"", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\",\"jwk\":{\"k\":\"x\"}}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\",\"alg\":\"none\"}", p),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\"}x", p), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted("{\"alg\":\"HS256\"", p), CLAIMS_TOKEN_INVALID);
	free(p);
}

static void
test_encoding_rules(void **state)
{
	char *tok = NULL, *bad;
	size_t n;

	(void)state;
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), "alice", NOW, NOW + 600),
			 CLAIMS_OK);
	n = strlen(tok);
	/* Padding on any part. */
	bad = malloc(n + 3);
	assert_non_null(bad);
	sprintf(bad, "%s=", tok);
	assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
	{
		/* The signature part is 43 characters; 32 bytes pad with one '='. */
		assert_int_equal(strlen(strrchr(tok, '.') + 1), 43);
	}
	free(bad);
	{
		const char *d1 = strchr(tok, '.');
		char *h = strndup(tok, (size_t)(d1 - tok)), *padded = malloc(strlen(h) + 3);

		assert_non_null(padded);
		/* The header's 36 characters need no padding: "==" is junk. */
		sprintf(padded, "%s==", h);
		bad = with_part(tok, 0, padded);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
		free(padded);
		free(h);
	}
	/* Standard base64 characters, junk, spaces, a length of 4k+1. */
	{
		char *mod = strdup(tok);
		const char *dot = strrchr(tok, '.');
		size_t sig_at = (size_t)(dot + 1 - tok);

		mod[sig_at] = '+';
		assert_int_equal(verify(mod, NULL), CLAIMS_TOKEN_INVALID);
		mod[sig_at] = '/';
		assert_int_equal(verify(mod, NULL), CLAIMS_TOKEN_INVALID);
		mod[sig_at] = '*';
		assert_int_equal(verify(mod, NULL), CLAIMS_TOKEN_INVALID);
		mod[sig_at] = ' ';
		assert_int_equal(verify(mod, NULL), CLAIMS_TOKEN_INVALID);
		free(mod);
		bad = with_part(tok, 1, "eyJzdWIiOiJhIn0x");
		/* 16 characters decode; 17 cannot be base64. */
		free(bad);
		bad = with_part(tok, 1, "eyJzdWIiOiJhIn0xx");
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
	}
	/* Non-zero unused bits in the last character of the signature (43
	 * characters carry 258 bits for 256): not canonical. */
	{
		char *mod = strdup(tok);
		char *last = mod + n - 1;
		static const char alphabet[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		int v = (int)(strchr(alphabet, *last) - alphabet);

		assert_int_equal(v & 3, 0);
		*last = alphabet[v | 1];
		assert_int_equal(verify(mod, NULL), CLAIMS_TOKEN_INVALID);
		free(mod);
	}
	/* Two parts, four parts, empty parts, no dots. */
	{
		const char *dot = strrchr(tok, '.');
		char *two = strndup(tok, (size_t)(dot - tok));

		assert_int_equal(verify(two, NULL), CLAIMS_TOKEN_INVALID);
		bad = malloc(n + 8);
		assert_non_null(bad);
		sprintf(bad, "%s.", tok);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		sprintf(bad, "%s.AAAA", tok);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		sprintf(bad, "%s.", two);
		assert_int_equal(verify(bad, NULL), CLAIMS_TOKEN_INVALID);
		free(bad);
		free(two);
		assert_int_equal(verify("..", NULL), CLAIMS_TOKEN_INVALID);
		assert_int_equal(verify("", NULL), CLAIMS_TOKEN_INVALID);
		assert_int_equal(verify("abc", NULL), CLAIMS_TOKEN_INVALID);
	}
	/* A NUL inside the token is not base64url. */
	{
		char *mod = strdup(tok);

		mod[3] = '\0';
		assert_int_equal(claims_token_verify(NULL, key, sizeof(key), mod, n, NOW),
				 CLAIMS_TOKEN_INVALID);
		free(mod);
	}
	/* The length given is what is verified: the token without its last
	 * character, and the token followed by more bytes, are refused. */
	assert_int_equal(claims_token_verify(NULL, key, sizeof(key), tok, n - 1, NOW),
			 CLAIMS_TOKEN_INVALID);
	claims_token_free(tok);
}

/* A signed token of exactly @p total bytes (an extra "pad" claim). */
static char *
token_of_length(size_t total)
{
	size_t pad = 0;

	for (;;) {
		char *payload = malloc(pad + 200), *tok;

		assert_non_null(payload);
		snprintf(payload, pad + 200,
			 "{\"sub\":\"alice\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\",\"pad\":\"%*s\"}",
			 (long long)NOW, (long long)NOW + 60, (int)pad, "");
		tok = craft(hs256, payload);
		free(payload);
		if (strlen(tok) == total)
			return tok;
		assert_true(strlen(tok) < total);
		free(tok);
		pad++;
	}
}

static void
test_size_limit(void **state)
{
	char *tok;

	(void)state;
	/* 4096 bytes are accepted, 4097 refused (both reachable lengths:
	 * unpadded base64 has every length but 4k + 1). */
	tok = token_of_length(4096);
	assert_int_equal(verify(tok, NULL), CLAIMS_TOKEN_OK);
	free(tok);
	tok = token_of_length(4097);
	assert_int_equal(verify(tok, NULL), CLAIMS_TOKEN_INVALID);
	free(tok);
}

static void
test_payload_rules(void **state)
{
	char *p;
	char sub64[65], sub65[66], buf[512];

	(void)state;
	memset(sub64, 's', 64);
	sub64[64] = '\0';
	memset(sub65, 's', 65);
	sub65[65] = '\0';
#define PAYLOAD(fmt, ...) (snprintf(buf, sizeof(buf), fmt, __VA_ARGS__), buf)
	/* sub and jti: non-empty strings of at most 64 bytes. */
	assert_int_equal(verify_crafted(hs256, PAYLOAD("{\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
						       (long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":7,\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":null,\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\"}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	p = payload_of("", NOW, NOW + 60, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_INVALID);
	free(p);
	p = payload_of(sub65, NOW, NOW + 60, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_INVALID);
	free(p);
	p = payload_of(sub64, NOW, NOW + 60, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_OK);
	free(p);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":%lld,\"exp\":%lld}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":%lld,\"exp\":%lld,\"jti\":1}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	p = payload_of("a", NOW, NOW + 60, "");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_INVALID);
	free(p);
	/* Escapes decode: "\u0061lice" is alice. */
	{
		claims_token_claims c;
		char *tok = craft(hs256, PAYLOAD("{\"sub\":\"\\u0061lice\",\"iat\":%lld,\"exp\":%lld,"
						 "\"jti\":\"j\"}",
						 (long long)NOW, (long long)NOW + 60));

		assert_int_equal(verify(tok, &c), CLAIMS_TOKEN_OK);
		assert_string_equal(c.sub, "alice");
		free(tok);
	}
	/* \u0000 cannot be a C string: refused. */
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\\u0000b\",\"iat\":%lld,\"exp\":%lld,"
						"\"jti\":\"j\"}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	/* iat: an integer at most now + 60. */
	p = payload_of("a", NOW + 60, NOW + 600, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_OK);
	free(p);
	p = payload_of("a", NOW + 61, NOW + 600, "j");
	assert_int_equal(verify_crafted(hs256, p), CLAIMS_TOKEN_INVALID);
	free(p);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"exp\":%lld,\"jti\":\"j\"}",
						(long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":\"%lld\",\"exp\":%lld,\"jti\":\"j\"}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":%lld.0,\"exp\":%lld,\"jti\":\"j\"}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\","
						"\"iat\":1}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_INVALID);
	/* A payload that is not an object. */
	assert_int_equal(verify_crafted(hs256, "[1,2]"), CLAIMS_TOKEN_INVALID);
	assert_int_equal(verify_crafted(hs256, "null"), CLAIMS_TOKEN_INVALID);
	/* Unknown claims of every scalar kind are fine. */
	assert_int_equal(verify_crafted(hs256,
					PAYLOAD("{\"sub\":\"a\",\"iat\":%lld,\"exp\":%lld,\"jti\":\"j\","
						"\"x\":true,\"y\":false,\"z\":null,\"w\":-1.5e-3}",
						(long long)NOW, (long long)NOW + 60)),
			 CLAIMS_TOKEN_OK);
#undef PAYLOAD
}

static void
test_status_names(void **state)
{
	claims_role r = CLAIMS_ROLE_USER;

	(void)state;
	assert_string_equal(claims_token_status_to_str(CLAIMS_TOKEN_OK), "ok");
	assert_string_equal(claims_token_status_to_str(CLAIMS_TOKEN_INVALID), "invalid");
	assert_string_equal(claims_token_status_to_str(CLAIMS_TOKEN_EXPIRED), "expired");
	assert_string_equal(claims_role_to_str(CLAIMS_ROLE_ADMIN), "admin");
	assert_string_equal(claims_role_to_str(CLAIMS_ROLE_USER), "user");
	assert_int_equal(claims_role_from_str(&r, "admin"), CLAIMS_OK);
	assert_int_equal(r, CLAIMS_ROLE_ADMIN);
	assert_int_equal(claims_role_from_str(&r, "Admin"), CLAIMS_EINVAL);
	assert_int_equal(claims_role_from_str(&r, "root"), CLAIMS_EINVAL);
	assert_int_equal(r, CLAIMS_ROLE_ADMIN);
	assert_string_equal(claims_strerror(CLAIMS_EAUTH), "authentication failed");
	assert_string_equal(claims_error_to_str(CLAIMS_EAUTH), "CLAIMS_EAUTH");
}

/* ----------------------------------------------------------- JSON reader */

static bool
jparse(const char *s)
{
	struct claims__jsonr_object o;
	char *storage = malloc(strlen(s) + 1);
	bool ok;

	assert_non_null(storage);
	ok = claims__jsonr_parse(&o, s, strlen(s), storage, strlen(s) + 1);
	free(storage);
	return ok;
}

static void
test_json_reader(void **state)
{
	struct claims__jsonr_object o;
	const struct claims__jsonr_member *m;
	const char *text = "{\"a\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\",\"b\":-0,"
			   "\"c\":9223372036854775807,\"d\":-9223372036854775808,"
			   "\"e\":9223372036854775808,\"f\":1e2,\"\":true}";
	char storage[256];

	(void)state;
	assert_true(claims__jsonr_parse(&o, text, strlen(text), storage, sizeof(storage)));
	assert_int_equal(o.count, 7);
	m = claims__jsonr_get(&o, "a");
	assert_non_null(m);
	assert_int_equal(m->type, CLAIMS__JSONR_STRING);
	assert_string_equal(m->str, "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
	m = claims__jsonr_get(&o, "b");
	assert_int_equal(m->type, CLAIMS__JSONR_INT);
	assert_int_equal(m->i, 0);
	m = claims__jsonr_get(&o, "c");
	assert_int_equal(m->type, CLAIMS__JSONR_INT);
	assert_true(m->i == INT64_MAX);
	m = claims__jsonr_get(&o, "d");
	assert_int_equal(m->type, CLAIMS__JSONR_INT);
	assert_true(m->i == INT64_MIN);
	assert_int_equal(claims__jsonr_get(&o, "e")->type, CLAIMS__JSONR_NUMBER);
	assert_int_equal(claims__jsonr_get(&o, "f")->type, CLAIMS__JSONR_NUMBER);
	assert_int_equal(claims__jsonr_get(&o, "")->type, CLAIMS__JSONR_TRUE);
	assert_null(claims__jsonr_get(&o, "g"));
	/* Storage smaller than the text plus one is refused outright. */
	assert_false(claims__jsonr_parse(&o, "{}", 2, storage, 2));
	assert_true(claims__jsonr_parse(&o, "{}", 2, storage, 3));
	assert_int_equal(o.count, 0);

	assert_true(jparse(" {\n\t\"a\" : 1 }\r\n"));
	assert_false(jparse("{\"a\":01}"));
	assert_false(jparse("{\"a\":+1}"));
	assert_false(jparse("{\"a\":1.}"));
	assert_false(jparse("{\"a\":.5}"));
	assert_false(jparse("{\"a\":1e}"));
	assert_false(jparse("{\"a\":-}"));
	assert_false(jparse("{\"a\":tru}"));
	assert_false(jparse("{\"a\":nul}"));
	assert_false(jparse("{\"a\":[]}"));
	assert_false(jparse("{\"a\":{}}"));
	assert_false(jparse("{\"a\":1,}"));
	assert_false(jparse("{,}"));
	assert_false(jparse("{\"a\" 1}"));
	assert_false(jparse("{a:1}"));
	assert_false(jparse("{'a':1}"));
	assert_false(jparse("{\"a\":\"\t\"}"));       /* raw control character */
	assert_false(jparse("{\"a\":\"\\x\"}"));      /* bad escape */
	assert_false(jparse("{\"a\":\"\\u12\"}"));    /* short \u */
	assert_false(jparse("{\"a\":\"\\ud800\"}"));  /* lone high surrogate */
	assert_false(jparse("{\"a\":\"\\udc00\"}"));  /* lone low surrogate */
	assert_false(jparse("{\"a\":\"\\ud800\\u0041\"}"));
	assert_false(jparse("{\"a\":\"\xc0\xaf\"}")); /* overlong */
	assert_false(jparse("{\"a\":\"\xed\xa0\x80\"}")); /* encoded surrogate */
	assert_false(jparse("{\"a\":\"\xf4\x90\x80\x80\"}")); /* above U+10FFFF */
	assert_false(jparse("{\"a\":\"\xff\"}"));
	assert_false(jparse("{\"a\":\"abc"));
	assert_false(jparse("{\"a\":1}{"));
	assert_false(jparse("{\"a\":1,\"a\":2}"));
	assert_false(jparse(""));
	assert_false(jparse("   "));
	assert_false(jparse("1"));
	assert_true(jparse("{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,"
			   "\"9\":9,\"10\":0,\"11\":1,\"12\":2,\"13\":3,\"14\":4,\"15\":5,\"16\":6}"));
	assert_false(jparse("{\"1\":1,\"2\":2,\"3\":3,\"4\":4,\"5\":5,\"6\":6,\"7\":7,\"8\":8,"
			    "\"9\":9,\"10\":0,\"11\":1,\"12\":2,\"13\":3,\"14\":4,\"15\":5,\"16\":6,"
			    "\"17\":7}"));
	/* A NUL byte inside the text. */
	assert_false(claims__jsonr_parse(&o, "{\"a\":1}\0", 8, storage, sizeof(storage)));
	assert_true(claims__utf8_valid("h\xc3\xa9llo", 6));
	assert_false(claims__utf8_valid("\xe2\x82", 2));
}

/* ------------------------------------------------------------------ users */

struct fx {
	char *dir;
	claims_db *db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *path;

	assert_non_null(f);
	f->dir = tu_tmpdir();
	path = tu_path(f->dir, "t.db");
	assert_int_equal(claims_db_open(&f->db, path, NULL), CLAIMS_OK);
	free(path);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	claims_db_close(f->db);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void
test_password_policy(void **state)
{
	struct fx *f = *state;
	char *p11 = repeat('p', 11), *p12 = repeat('q', 12), *p1024 = repeat('r', 1024),
	     *p1025 = repeat('s', 1025), *p15 = repeat('t', 15);
	claims_user *u = NULL;

	assert_int_equal(claims_password_check(p11, 0), CLAIMS_EINVAL);
	assert_int_equal(claims_password_check(p12, 0), CLAIMS_OK);
	assert_int_equal(claims_password_check(p1024, 0), CLAIMS_OK);
	assert_int_equal(claims_password_check(p1025, 0), CLAIMS_EINVAL);
	assert_int_equal(claims_password_check(p12, 16), CLAIMS_EINVAL);
	assert_int_equal(claims_password_check(p11, 11), CLAIMS_OK);
	assert_int_equal(claims_password_check(p12, 1025), CLAIMS_EINVAL);
	assert_int_equal(claims_password_check(NULL, 0), CLAIMS_EINVAL);
	/* No composition rule: twelve spaces are a password. */
	assert_int_equal(claims_password_check("            ", 0), CLAIMS_OK);

	assert_int_equal(claims_user_add(f->db, "u11", p11, CLAIMS_ROLE_USER, 12), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(f->db),
			    "the password must be at least 12 bytes long (got 11)");
	assert_int_equal(claims_user_add(f->db, "u1025", p1025, CLAIMS_ROLE_USER, 12),
			 CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(f->db),
			    "the password must be at most 1024 bytes long (got 1025)");
	assert_int_equal(claims_user_add(f->db, "u12", p12, CLAIMS_ROLE_USER, 12), CLAIMS_OK);
	assert_int_equal(claims_user_add(f->db, "u1024", p1024, CLAIMS_ROLE_ADMIN, 0), CLAIMS_OK);
	assert_int_equal(claims_user_add(f->db, "u15", p15, CLAIMS_ROLE_USER, 16), CLAIMS_EINVAL);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM users"), 2);
	/* The stored hash is argon2id with the interactive limits. */
	{
		char *h = tu_query_text(f->db, "SELECT password_hash FROM users WHERE username='u12'");

		assert_int_equal(strncmp(h, "$argon2id$", 10), 0);
		assert_int_equal(crypto_pwhash_str_needs_rehash(h,
								 crypto_pwhash_OPSLIMIT_INTERACTIVE,
								 crypto_pwhash_MEMLIMIT_INTERACTIVE),
				 0);
		assert_int_equal(crypto_pwhash_str_verify(h, p12, 12), 0);
		free(h);
	}
	assert_int_equal(claims_user_login(&u, f->db, "u1024", p1024), CLAIMS_OK);
	assert_int_equal(u->role, CLAIMS_ROLE_ADMIN);
	claims_user_free(u);
	/* set_password follows the same policy. */
	assert_int_equal(claims_user_set_password(f->db, "u12", p11, 0), CLAIMS_EINVAL);
	assert_int_equal(claims_user_set_password(f->db, "u12", p1025, 0), CLAIMS_EINVAL);
	assert_int_equal(claims_user_set_password(f->db, "nobody", p12, 0), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(f->db), "User not found: nobody");
	free(p11);
	free(p12);
	free(p1024);
	free(p1025);
	free(p15);
}

static void
test_user_records(void **state)
{
	struct fx *f = *state;
	claims_user *u = NULL;
	claims_user_list *l = NULL;
	char *name64 = repeat('n', 64), *name65 = repeat('n', 65);

	assert_int_equal(claims_user_add(f->db, "Alice", "correct horse battery", CLAIMS_ROLE_ADMIN,
					 0),
			 CLAIMS_OK);
	assert_int_equal(claims_user_add(f->db, "alice", "correct horse battery", CLAIMS_ROLE_USER,
					 0),
			 CLAIMS_EEXISTS);
	assert_string_equal(claims_db_errmsg(f->db), "User already exists: alice");
	assert_int_equal(claims_user_add(f->db, "", "correct horse battery", CLAIMS_ROLE_USER, 0),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_user_add(f->db, name65, "correct horse battery", CLAIMS_ROLE_USER,
					 0),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_user_add(f->db, "a\tb", "correct horse battery", CLAIMS_ROLE_USER,
					 0),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_user_add(f->db, "bad\xff", "correct horse battery",
					 CLAIMS_ROLE_USER, 0),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_user_add(f->db, "x", "correct horse battery", (claims_role)7, 0),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_user_add(f->db, name64, "correct horse battery", CLAIMS_ROLE_USER,
					 0),
			 CLAIMS_OK);

	assert_int_equal(claims_user_get(&u, f->db, "ALICE"), CLAIMS_OK);
	assert_string_equal(u->username, "Alice");
	assert_int_equal(u->role, CLAIMS_ROLE_ADMIN);
	assert_true(u->is_active);
	assert_null(u->tokens_valid_after);
	assert_int_equal(u->tokens_valid_after_unix, 0);
	assert_null(u->last_login_at);
	assert_int_equal(strlen(u->created_at), 20);
	assert_int_equal(u->id, 1);
	claims_user_free(u);
	assert_int_equal(claims_user_get(&u, f->db, "bob"), CLAIMS_ENOTFOUND);
	assert_null(u);
	assert_string_equal(claims_db_errmsg(f->db), "User not found: bob");

	assert_int_equal(claims_user_set_active(f->db, "alice", false), CLAIMS_OK);
	assert_int_equal(claims_user_set_active(f->db, "bob", false), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_user_list_get(&l, f->db), CLAIMS_OK);
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0].username, "Alice");
	assert_false(l->items[0].is_active);
	assert_non_null(l->items[0].tokens_valid_after);
	assert_true(l->items[0].tokens_valid_after_unix > NOW);
	assert_string_equal(l->items[1].username, name64);
	assert_true(l->items[1].is_active);
	assert_int_equal(l->items[1].role, CLAIMS_ROLE_USER);
	claims_user_list_free(l);
	claims_user_list_free(NULL);
	claims_user_free(NULL);
	free(name64);
	free(name65);
}

static void
test_login(void **state)
{
	struct fx *f = *state;
	claims_user *u = (claims_user *)1;

	assert_int_equal(claims_auth_init(), CLAIMS_OK);
	assert_int_equal(claims_user_add(f->db, "carol", "carol's password", CLAIMS_ROLE_USER, 0),
			 CLAIMS_OK);

	assert_int_equal(claims_user_login(&u, f->db, "nobody", "carol's password"), CLAIMS_EAUTH);
	assert_null(u);
	assert_string_equal(claims_db_errmsg(f->db), "Invalid username or password");
	assert_int_equal(claims_user_login(&u, f->db, "carol", "wrong password!"), CLAIMS_EAUTH);
	assert_null(u);
	assert_string_equal(claims_db_errmsg(f->db), "Invalid username or password");
	assert_int_equal(tu_query_int(f->db, "SELECT last_login_at IS NULL FROM users"), 1);
	assert_int_equal(claims_user_login(&u, f->db, "CAROL", "carol's password"), CLAIMS_OK);
	assert_non_null(u);
	assert_string_equal(u->username, "carol");
	assert_non_null(u->last_login_at);
	{
		char *stored = tu_query_text(f->db, "SELECT last_login_at FROM users");

		assert_string_equal(stored, u->last_login_at);
		free(stored);
	}
	claims_user_free(u);

	assert_int_equal(claims_user_set_active(f->db, "carol", false), CLAIMS_OK);
	assert_int_equal(claims_user_login(&u, f->db, "carol", "carol's password"), CLAIMS_EAUTH);
	assert_null(u);
	assert_int_equal(claims_user_set_active(f->db, "carol", true), CLAIMS_OK);
	assert_int_equal(claims_user_login(&u, f->db, "carol", "carol's password"), CLAIMS_OK);
	claims_user_free(u);

	/* A changed password: the old one no longer works. */
	assert_int_equal(claims_user_set_password(f->db, "Carol", "a brand new password", 0),
			 CLAIMS_OK);
	assert_int_equal(claims_user_login(&u, f->db, "carol", "carol's password"), CLAIMS_EAUTH);
	assert_int_equal(claims_user_login(&u, f->db, "carol", "a brand new password"), CLAIMS_OK);
	claims_user_free(u);
	assert_int_equal(claims_user_login(&u, NULL, "carol", "x"), CLAIMS_EINVAL);
	assert_int_equal(claims_user_login(&u, f->db, NULL, "x"), CLAIMS_EINVAL);
	assert_int_equal(claims_user_login(&u, f->db, "carol", NULL), CLAIMS_EINVAL);
}

/* A hash made with weaker limits is replaced on the next good login. */
static void
test_rehash(void **state)
{
	struct fx *f = *state;
	char weak[crypto_pwhash_STRBYTES], sql[512], *h;
	claims_user *u = NULL;

	assert_int_equal(crypto_pwhash_str(weak, "an old password", 15, crypto_pwhash_OPSLIMIT_MIN,
					   crypto_pwhash_MEMLIMIT_MIN),
			 0);
	snprintf(sql, sizeof(sql),
		 "INSERT INTO users (username, password_hash, role) VALUES ('dave', '%s', 'user')",
		 weak);
	tu_exec(f->db, sql);
	/* A wrong password changes nothing. */
	assert_int_equal(claims_user_login(&u, f->db, "dave", "not the password"), CLAIMS_EAUTH);
	h = tu_query_text(f->db, "SELECT password_hash FROM users WHERE username='dave'");
	assert_string_equal(h, weak);
	free(h);
	assert_int_equal(claims_user_login(&u, f->db, "dave", "an old password"), CLAIMS_OK);
	claims_user_free(u);
	h = tu_query_text(f->db, "SELECT password_hash FROM users WHERE username='dave'");
	assert_string_not_equal(h, weak);
	assert_int_equal(crypto_pwhash_str_needs_rehash(h, crypto_pwhash_OPSLIMIT_INTERACTIVE,
							 crypto_pwhash_MEMLIMIT_INTERACTIVE),
			 0);
	assert_int_equal(crypto_pwhash_str_verify(h, "an old password", 15), 0);
	/* The rehash is not a password change: tokens stay valid. */
	assert_int_equal(tu_query_int(f->db, "SELECT tokens_valid_after IS NULL FROM users "
					     "WHERE username='dave'"),
			 1);
	free(h);
	assert_int_equal(claims_user_login(&u, f->db, "dave", "an old password"), CLAIMS_OK);
	claims_user_free(u);
}

static claims_token_claims
claims_for(const char *sub, int64_t iat)
{
	claims_token_claims c;

	memset(&c, 0, sizeof(c));
	snprintf(c.sub, sizeof(c.sub), "%s", sub);
	snprintf(c.jti, sizeof(c.jti), "jti");
	c.iat = iat;
	c.exp = iat + 3600;
	return c;
}

static void
test_revocation(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL);
	claims_token_claims old = claims_for("erin", now - 10), cur;
	claims_user *u = NULL;

	assert_int_equal(claims_user_add(f->db, "erin", "erin's password", CLAIMS_ROLE_ADMIN, 0),
			 CLAIMS_OK);
	assert_int_equal(claims_user_check_token(&u, f->db, &old), CLAIMS_OK);
	assert_non_null(u);
	assert_int_equal(u->role, CLAIMS_ROLE_ADMIN);
	claims_user_free(u);
	/* Case-insensitive like every lookup by name. */
	cur = claims_for("ERIN", now - 10);
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_OK);
	claims_user_free(u);

	/* A password change revokes what was issued before it. */
	assert_int_equal(claims_user_set_password(f->db, "erin", "erin's new password", 0),
			 CLAIMS_OK);
	assert_int_equal(claims_user_check_token(&u, f->db, &old), CLAIMS_EAUTH);
	assert_null(u);
	assert_string_equal(claims_db_errmsg(f->db), "Invalid token");
	assert_int_equal(claims_user_get(&u, f->db, "erin"), CLAIMS_OK);
	assert_true(u->tokens_valid_after_unix >= now - 1);
	assert_true(u->tokens_valid_after_unix <= (int64_t)time(NULL));
	cur = claims_for("erin", u->tokens_valid_after_unix);
	claims_user_free(u);
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_OK);
	claims_user_free(u);
	cur.iat -= 1;
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_EAUTH);

	/* Disabling refuses every token; enabling again keeps the older ones out. */
	tu_exec(f->db, "UPDATE users SET tokens_valid_after = '2020-01-01T00:00:00Z'");
	old = claims_for("erin", now - 10);
	assert_int_equal(claims_user_check_token(&u, f->db, &old), CLAIMS_OK);
	claims_user_free(u);
	assert_int_equal(claims_user_set_active(f->db, "erin", false), CLAIMS_OK);
	cur = claims_for("erin", (int64_t)time(NULL) + 5);
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_EAUTH);
	assert_int_equal(claims_user_set_active(f->db, "erin", true), CLAIMS_OK);
	assert_int_equal(claims_user_check_token(&u, f->db, &old), CLAIMS_EAUTH);
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_OK);
	claims_user_free(u);

	/* Unknown user. */
	cur = claims_for("frank", now);
	assert_int_equal(claims_user_check_token(&u, f->db, &cur), CLAIMS_EAUTH);
	assert_null(u);
	assert_int_equal(claims_user_check_token(&u, f->db, NULL), CLAIMS_EINVAL);
}

/* A token from the library checks end to end against a user. */
static void
test_token_for_user(void **state)
{
	struct fx *f = *state;
	int64_t now = (int64_t)time(NULL);
	claims_token_claims c;
	claims_user *u = NULL;
	char *tok = NULL;

	assert_int_equal(claims_user_add(f->db, "gina", "gina's password", CLAIMS_ROLE_USER, 0),
			 CLAIMS_OK);
	assert_int_equal(claims_user_login(&u, f->db, "gina", "gina's password"), CLAIMS_OK);
	assert_int_equal(claims_token_sign(&tok, key, sizeof(key), u->username, now, now + 60),
			 CLAIMS_OK);
	claims_user_free(u);
	assert_int_equal(claims_token_verify(&c, key, sizeof(key), tok, strlen(tok), now),
			 CLAIMS_TOKEN_OK);
	assert_int_equal(claims_user_check_token(&u, f->db, &c), CLAIMS_OK);
	assert_int_equal(u->role, CLAIMS_ROLE_USER);
	claims_user_free(u);
	assert_int_equal(claims_token_verify(&c, key, sizeof(key), tok, strlen(tok), now + 60),
			 CLAIMS_TOKEN_EXPIRED);
	claims_token_free(tok);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_sign_arguments),
		cmocka_unit_test(test_long_key),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_encoding_rules),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_payload_rules),
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_json_reader),
		cmocka_unit_test_setup_teardown(test_password_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_for_user, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
