/*
 * Fuzz target: token verification (claims_token_verify) and the strict
 * flat-JSON reader under it.
 *
 * Each input is used three ways:
 *  1. as a token, verified with a fixed key: random bytes almost never get
 *     past the signature, so this covers steps 3 to 5;
 *  2. as a payload, signed here with the same key under the HS256 header,
 *     so that steps 6 and 7 (expiry, issued-at, sub, jti) see every input;
 *  3. as a header, with a fixed valid payload, signed the same way (step 4).
 * Invariants: the reader never reads past its input or writes past its
 * storage (ASan); a token accepted has a sub and jti of 1..64 bytes without
 * NUL, exp > now, iat <= now + 60; an accepted payload parses on its own;
 * verifying twice gives the same answer; and a token signed with another key
 * is never accepted.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include <claims/claims.h>

#include "jsonr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW ((int64_t)1700000000)
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const unsigned char key[32] = "fuzz-key-0123456789abcdefghijklm";
static const unsigned char other[32] = "fuzz-key-0123456789abcdefghijkln";

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static void
check_accepted(const claims_token_claims *c)
{
	size_t ns = strnlen(c->sub, sizeof(c->sub)), nj = strnlen(c->jti, sizeof(c->jti));

	check(ns >= 1 && ns <= CLAIMS_USERNAME_MAX);
	check(nj >= 1 && nj <= CLAIMS_USERNAME_MAX);
	check(c->exp > NOW);
	check(c->iat <= NOW + 60);
}

static claims_token_status
verify_checked(const unsigned char *k, const char *tok, size_t len)
{
	claims_token_claims c, again;
	claims_token_status st = claims_token_verify(&c, k, 32, tok, len, NOW);

	check(st == CLAIMS_TOKEN_OK || st == CLAIMS_TOKEN_INVALID || st == CLAIMS_TOKEN_EXPIRED);
	if (st == CLAIMS_TOKEN_OK)
		check_accepted(&c);
	check(claims_token_verify(&again, k, 32, tok, len, NOW) == st);
	check(memcmp(&c, &again, sizeof(c)) == 0);
	return st;
}

/* b64(header) "." b64(payload) "." b64(HMAC), NUL-terminated (free()). */
static char *
sign(const void *header, size_t hlen, const void *payload, size_t plen, size_t *len)
{
	size_t h64 = sodium_base64_ENCODED_LEN(hlen, B64URL);
	size_t p64 = sodium_base64_ENCODED_LEN(plen, B64URL);
	size_t s64 = sodium_base64_ENCODED_LEN(32, B64URL);
	char *tok = malloc(h64 + p64 + s64 + 2), *at;
	unsigned char mac[32];
	crypto_auth_hmacsha256_state st;

	if (!tok)
		abort();
	sodium_bin2base64(tok, h64, header, hlen, B64URL);
	at = tok + strlen(tok);
	*at++ = '.';
	sodium_bin2base64(at, p64, payload, plen, B64URL);
	at += strlen(at);
	crypto_auth_hmacsha256_init(&st, key, sizeof(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, (size_t)(at - tok));
	crypto_auth_hmacsha256_final(&st, mac);
	*at++ = '.';
	sodium_bin2base64(at, s64, mac, sizeof(mac), B64URL);
	*len = strlen(tok);
	return tok;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	static const char payload[] =
		"{\"sub\":\"alice\",\"iat\":1700000000,\"exp\":1700003600,\"jti\":\"j\"}";
	struct claims__jsonr_object o;
	char *storage, *tok;
	size_t len;

	if (sodium_init() < 0)
		abort();

	/* 1: the input as a token. */
	verify_checked(key, (const char *)data, size);

	/* The reader alone, with storage of exactly the size it asks for. */
	storage = malloc(size + 1);
	if (!storage)
		abort();
	if (claims__jsonr_parse(&o, (const char *)data, size, storage, size + 1)) {
		check(o.count <= CLAIMS__JSONR_MAX_MEMBERS);
		for (size_t i = 0; i < o.count; i++) {
			check(strlen(o.members[i].name) == o.members[i].name_len);
			check(claims__utf8_valid(o.members[i].name, o.members[i].name_len));
			if (o.members[i].type == CLAIMS__JSONR_STRING) {
				check(strlen(o.members[i].str) == o.members[i].str_len);
				check(claims__utf8_valid(o.members[i].str, o.members[i].str_len));
			}
			check(claims__jsonr_get(&o, o.members[i].name) == &o.members[i]);
		}
	}
	free(storage);

	if (size > 3000)
		return 0; /* a signed token of it would pass 4096 bytes */

	/* 2: the input as a signed payload. */
	tok = sign(header, strlen(header), data, size, &len);
	if (verify_checked(key, tok, len) == CLAIMS_TOKEN_OK) {
		storage = malloc(size + 1);
		if (!storage)
			abort();
		check(claims__jsonr_parse(&o, (const char *)data, size, storage, size + 1));
		free(storage);
	}
	check(verify_checked(other, tok, len) == CLAIMS_TOKEN_INVALID);
	free(tok);

	/* 3: the input as a signed header. */
	tok = sign(data, size, payload, strlen(payload), &len);
	verify_checked(key, tok, len);
	check(verify_checked(other, tok, len) == CLAIMS_TOKEN_INVALID);
	free(tok);
	return 0;
}
