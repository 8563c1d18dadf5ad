/*
 * libclaims: users, passwords and tokens (claims/auth.h, security.md §1).
 *
 * Passwords: libsodium's crypto_pwhash_str (argon2id) with the interactive
 * limits.  A login that names no active user still performs one
 * verification, against a dummy hash made once per process with the same
 * limits, so that the answer's timing does not tell an unknown name from a
 * wrong password.
 *
 * Tokens: compact JWS with HS256 only.  Verification follows the order of
 * the table of security.md §1.2 and allocates nothing: the decoded parts
 * and the strings of their flat JSON objects live in one stack buffer each
 * (a token is at most 4096 bytes).
 */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "claims/auth.h"
#include "ingest/arena.h"
#include "internal.h"
#include "jsonr.h"
#include "jsonw.h"
#include "store_users.h"

#define PWHASH_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PWHASH_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE

/* base64url without padding */
#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

#define IAT_LEEWAY 60

static const char invalid_credentials[] = "Invalid username or password";

/* ------------------------------------------------------------------ roles */

const char *
claims_role_to_str(claims_role role)
{
	switch (role) {
	case CLAIMS_ROLE_USER: return "user";
	case CLAIMS_ROLE_ADMIN: return "admin";
	}
	return "unknown";
}

int
claims_role_from_str(claims_role *out, const char *s)
{
	if (!out || !s)
		return CLAIMS_EINVAL;
	if (strcmp(s, "user") == 0)
		*out = CLAIMS_ROLE_USER;
	else if (strcmp(s, "admin") == 0)
		*out = CLAIMS_ROLE_ADMIN;
	else
		return CLAIMS_EINVAL;
	return CLAIMS_OK;
}

const char *
claims_token_status_to_str(claims_token_status status)
{
	switch (status) {
	case CLAIMS_TOKEN_OK: return "ok";
	case CLAIMS_TOKEN_INVALID: return "invalid";
	case CLAIMS_TOKEN_EXPIRED: return "expired";
	}
	return "unknown";
}

/* ------------------------------------------------------------- the dummy */

static pthread_mutex_t dummy_lock = PTHREAD_MUTEX_INITIALIZER;
static bool dummy_ready;
static char dummy_hash[crypto_pwhash_STRBYTES];

int
claims_auth_init(void)
{
	unsigned char pw[32];
	int rc = CLAIMS_OK;

	if (sodium_init() < 0)
		return CLAIMS_ERROR;
	pthread_mutex_lock(&dummy_lock);
	if (!dummy_ready) {
		/* A random password nobody knows: every check against it fails. */
		randombytes_buf(pw, sizeof(pw));
		if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof(pw), PWHASH_OPS,
				      PWHASH_MEM) == 0)
			dummy_ready = true;
		else
			rc = CLAIMS_ENOMEM;
		sodium_memzero(pw, sizeof(pw));
	}
	pthread_mutex_unlock(&dummy_lock);
	return rc;
}

/* ------------------------------------------------------- names, passwords */

int
claims_password_check(const char *password, size_t min_len)
{
	size_t n;

	if (!password)
		return CLAIMS_EINVAL;
	if (min_len == 0)
		min_len = CLAIMS_PASSWORD_MIN_LENGTH;
	if (min_len > CLAIMS_PASSWORD_MAX_LENGTH)
		return CLAIMS_EINVAL;
	n = strlen(password);
	if (n < min_len || n > CLAIMS_PASSWORD_MAX_LENGTH)
		return CLAIMS_EINVAL;
	return CLAIMS_OK;
}

/* 1..64 bytes of UTF-8 without control characters. */
static bool
valid_name(const char *s, size_t n)
{
	if (n == 0 || n > CLAIMS_USERNAME_MAX || !claims__utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* The policy check with its reason on the handle. */
static int
check_password(claims_db *db, const char *password, size_t min_len)
{
	size_t n;

	if (!password)
		return claims__set_error(db, CLAIMS_EINVAL, "no password given");
	if (min_len == 0)
		min_len = CLAIMS_PASSWORD_MIN_LENGTH;
	if (min_len > CLAIMS_PASSWORD_MAX_LENGTH)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "the minimum password length must be at most %d bytes",
					 CLAIMS_PASSWORD_MAX_LENGTH);
	n = strlen(password);
	if (n < min_len)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "the password must be at least %zu bytes long (got %zu)",
					 min_len, n);
	if (n > CLAIMS_PASSWORD_MAX_LENGTH)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "the password must be at most %d bytes long (got %zu)",
					 CLAIMS_PASSWORD_MAX_LENGTH, n);
	return CLAIMS_OK;
}

/* crypto_pwhash_str of @p password into @p out. */
static int
hash_password(claims_db *db, char out[static crypto_pwhash_STRBYTES], const char *password)
{
	if (sodium_init() < 0)
		return claims__set_error(db, CLAIMS_ERROR, "libsodium cannot start");
	if (crypto_pwhash_str(out, password, strlen(password), PWHASH_OPS, PWHASH_MEM) != 0)
		return claims__set_error(db, CLAIMS_ENOMEM,
					 "hashing the password ran out of memory");
	return CLAIMS_OK;
}

/* ------------------------------------------------------------------ users */

int
claims_user_add(claims_db *db, const char *username, const char *password, claims_role role,
		size_t min_len)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;

	if (!db)
		return CLAIMS_EINVAL;
	if (!username || !valid_name(username, strlen(username)))
		return claims__set_error(db, CLAIMS_EINVAL,
					 "a user name is 1 to %d bytes of UTF-8 text without "
					 "control characters",
					 CLAIMS_USERNAME_MAX);
	if (role != CLAIMS_ROLE_USER && role != CLAIMS_ROLE_ADMIN)
		return claims__set_error(db, CLAIMS_EINVAL, "the role must be admin or user");
	rc = check_password(db, password, min_len);
	if (rc < 0)
		return rc;
	rc = hash_password(db, hash, password);
	if (rc < 0)
		return rc;
	rc = claims__store_user_insert(db, username, hash, role);
	sodium_memzero(hash, sizeof(hash));
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

static int
user_not_found(claims_db *db, const char *username)
{
	return claims__set_error(db, CLAIMS_ENOTFOUND, "User not found: %.*s", CLAIMS_USERNAME_MAX,
				 username);
}

int
claims_user_set_password(claims_db *db, const char *username, const char *password,
			 size_t min_len)
{
	char hash[crypto_pwhash_STRBYTES], now[21];
	bool found;
	int rc;

	if (!db || !username)
		return claims__set_error(db, CLAIMS_EINVAL, "no user name given");
	rc = check_password(db, password, min_len);
	if (rc < 0)
		return rc;
	rc = hash_password(db, hash, password);
	if (rc < 0)
		return rc;
	claims__now_ts(now);
	rc = claims__store_user_set_hash(db, username, hash, true, now, &found);
	sodium_memzero(hash, sizeof(hash));
	if (rc < 0)
		return rc;
	if (!found)
		return user_not_found(db, username);
	claims__clear_error(db);
	return CLAIMS_OK;
}

int
claims_user_set_active(claims_db *db, const char *username, bool active)
{
	char now[21];
	bool found;
	int rc;

	if (!db || !username)
		return claims__set_error(db, CLAIMS_EINVAL, "no user name given");
	claims__now_ts(now);
	rc = claims__store_user_set_active(db, username, active, now, &found);
	if (rc < 0)
		return rc;
	if (!found)
		return user_not_found(db, username);
	claims__clear_error(db);
	return CLAIMS_OK;
}

int
claims_user_get(claims_user **out, claims_db *db, const char *username)
{
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !username)
		return claims__set_error(db, CLAIMS_EINVAL, "invalid arguments");
	rc = claims__store_user_find(db, username, out, NULL);
	if (rc < 0)
		return rc;
	if (!*out)
		return user_not_found(db, username);
	claims__clear_error(db);
	return CLAIMS_OK;
}

int
claims_user_list_get(claims_user_list **out, claims_db *db)
{
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return claims__set_error(db, CLAIMS_EINVAL, "invalid arguments");
	rc = claims__store_user_list(db, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

/* Replace the timestamp string *field with a copy of @p now. */
static bool
set_ts(char **field, const char *now)
{
	char *c = claims__strdup(now);

	if (!c)
		return false;
	claims__free(*field);
	*field = c;
	return true;
}

int
claims_user_login(claims_user **out, claims_db *db, const char *username, const char *password)
{
	char new_hash[crypto_pwhash_STRBYTES], now[21];
	claims_user *u = NULL;
	char *hash = NULL;
	bool rehash = false;
	size_t pwlen;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !username || !password)
		return claims__set_error(db, CLAIMS_EINVAL, "invalid arguments");
	rc = claims_auth_init();
	if (rc < 0)
		return claims__set_error(db, rc, "cannot make the dummy password hash");
	rc = claims__store_user_find(db, username, &u, &hash);
	if (rc < 0)
		return rc;
	pwlen = strlen(password);
	if (!u || !u->is_active) {
		/* The same cost as a wrong password; the result does not matter
		 * (nobody knows the dummy's password). */
		if (crypto_pwhash_str_verify(dummy_hash, password, pwlen) == 0) {
		}
		rc = claims__set_error(db, CLAIMS_EAUTH, "%s", invalid_credentials);
		goto out;
	}
	if (crypto_pwhash_str_verify(hash, password, pwlen) != 0) {
		rc = claims__set_error(db, CLAIMS_EAUTH, "%s", invalid_credentials);
		goto out;
	}
	if (crypto_pwhash_str_needs_rehash(hash, PWHASH_OPS, PWHASH_MEM) != 0) {
		rc = hash_password(db, new_hash, password);
		if (rc < 0)
			goto out;
		rehash = true;
	}
	claims__now_ts(now);
	rc = claims__store_user_logged_in(db, u->id, now, rehash ? new_hash : NULL);
	if (rc < 0)
		goto out;
	if (!set_ts(&u->last_login_at, now) || !set_ts(&u->updated_at, now)) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	claims__clear_error(db);
	*out = u;
	u = NULL;
out:
	if (rehash)
		sodium_memzero(new_hash, sizeof(new_hash));
	claims_user_free(u);
	claims__free(hash);
	return rc;
}

int
claims_user_check_token(claims_user **out, claims_db *db, const claims_token_claims *c)
{
	claims_user *u = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !c || !c->sub[0])
		return claims__set_error(db, CLAIMS_EINVAL, "invalid arguments");
	rc = claims__store_user_find(db, c->sub, &u, NULL);
	if (rc < 0)
		return rc;
	if (!u || !u->is_active || (u->tokens_valid_after && c->iat < u->tokens_valid_after_unix)) {
		claims_user_free(u);
		return claims__set_error(db, CLAIMS_EAUTH, "Invalid token");
	}
	claims__clear_error(db);
	*out = u;
	return CLAIMS_OK;
}

/* ----------------------------------------------------------------- tokens */

static const char token_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

/* HMAC-SHA-256 of @p n bytes keyed with all @p keylen bytes of @p key. */
static void
hmac(unsigned char mac[static crypto_auth_hmacsha256_BYTES], const unsigned char *key,
     size_t keylen, const void *data, size_t n)
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, key, keylen);
	crypto_auth_hmacsha256_update(&st, data, n);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_memzero(&st, sizeof(st));
}

/* Append the unpadded base64url of @p n bytes. */
static void
put_b64(struct claims__buf *b, const void *bin, size_t n)
{
	size_t cap = sodium_base64_ENCODED_LEN(n, B64URL);
	char *tmp = claims__malloc(cap);

	if (!tmp) {
		b->oom = true;
		return;
	}
	sodium_bin2base64(tmp, cap, bin, n, B64URL);
	claims__buf_append(b, tmp, strlen(tmp));
	claims__free(tmp);
}

int
claims_token_sign(char **out, const unsigned char *key, size_t keylen, const char *sub,
		  int64_t iat, int64_t exp)
{
	unsigned char jti_bytes[16], mac[crypto_auth_hmacsha256_BYTES];
	char jti[sodium_base64_ENCODED_LEN(16, B64URL)];
	struct claims__buf payload = { 0 }, tok = { 0 };
	struct claims__jsonw w;

	if (out)
		*out = NULL;
	if (!out || !key || keylen < CLAIMS_TOKEN_MIN_KEY_BYTES || !sub ||
	    !valid_name(sub, strlen(sub)))
		return CLAIMS_EINVAL;
	if (sodium_init() < 0)
		return CLAIMS_ERROR;
	randombytes_buf(jti_bytes, sizeof(jti_bytes));
	sodium_bin2base64(jti, sizeof(jti), jti_bytes, sizeof(jti_bytes), B64URL);

	claims__jsonw_init(&w, &payload);
	claims__jsonw_object_begin(&w);
	claims__jsonw_kv_string(&w, "sub", sub);
	claims__jsonw_kv_int(&w, "iat", iat);
	claims__jsonw_kv_int(&w, "exp", exp);
	claims__jsonw_kv_string(&w, "jti", jti);
	claims__jsonw_object_end(&w);
	if (payload.oom) {
		claims__buf_free(&payload);
		return CLAIMS_ENOMEM;
	}

	put_b64(&tok, token_header, strlen(token_header));
	claims__buf_putc(&tok, '.');
	put_b64(&tok, payload.data, payload.len);
	claims__buf_free(&payload);
	if (tok.oom) {
		claims__buf_free(&tok);
		return CLAIMS_ENOMEM;
	}
	hmac(mac, key, keylen, tok.data, tok.len);
	claims__buf_putc(&tok, '.');
	put_b64(&tok, mac, sizeof(mac));
	*out = claims__buf_take(&tok);
	return *out ? CLAIMS_OK : CLAIMS_ENOMEM;
}

void
claims_token_free(char *token)
{
	claims__free(token);
}

/* Decode the unpadded base64url @p b64 (@p n characters) into @p bin;
 * canonical only (libsodium refuses non-zero unused bits, padding and any
 * other character). */
static bool
b64_decode(unsigned char *bin, size_t cap, const char *b64, size_t n, size_t *out_len)
{
	*out_len = 0;
	if (n == 0)
		return true;
	return sodium_base642bin(bin, cap, b64, n, NULL, out_len, NULL, B64URL) == 0;
}

/* A string member of 1..64 bytes copied into @p dst. */
static bool
copy_claim(char dst[static CLAIMS_USERNAME_MAX + 1], const struct claims__jsonr_member *m)
{
	if (!m || m->type != CLAIMS__JSONR_STRING || m->str_len == 0 ||
	    m->str_len > CLAIMS_USERNAME_MAX)
		return false;
	memcpy(dst, m->str, m->str_len);
	dst[m->str_len] = '\0';
	return true;
}

static bool
member_is(const struct claims__jsonr_member *m, const char *s)
{
	return m && m->type == CLAIMS__JSONR_STRING && m->str_len == strlen(s) &&
	       memcmp(m->str, s, m->str_len) == 0;
}

claims_token_status
claims_token_verify(claims_token_claims *out, const unsigned char *key, size_t keylen,
		    const char *token, size_t len, int64_t now)
{
	/* Decoded parts, then the strings of the two JSON objects. */
	unsigned char bin[CLAIMS_TOKEN_MAX_BYTES];
	char strings[CLAIMS_TOKEN_MAX_BYTES + 2];
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	struct claims__jsonr_object header, payload;
	const struct claims__jsonr_member *exp, *iat;
	const char *dot1, *dot2;
	size_t hlen, plen, slen, n1, n2, n3;
	claims_token_claims c;
	unsigned char *hbin, *pbin, *sbin;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!key || keylen < CLAIMS_TOKEN_MIN_KEY_BYTES || !token || sodium_init() < 0)
		return CLAIMS_TOKEN_INVALID;

	/* 3: size, three parts, each unpadded base64url. */
	if (len > CLAIMS_TOKEN_MAX_BYTES)
		return CLAIMS_TOKEN_INVALID;
	dot1 = memchr(token, '.', len);
	if (!dot1)
		return CLAIMS_TOKEN_INVALID;
	dot2 = memchr(dot1 + 1, '.', len - (size_t)(dot1 + 1 - token));
	if (!dot2 || memchr(dot2 + 1, '.', len - (size_t)(dot2 + 1 - token)))
		return CLAIMS_TOKEN_INVALID;
	n1 = (size_t)(dot1 - token);
	n2 = (size_t)(dot2 - dot1 - 1);
	n3 = len - (size_t)(dot2 + 1 - token);
	hbin = bin;
	if (!b64_decode(hbin, sizeof(bin), token, n1, &hlen))
		return CLAIMS_TOKEN_INVALID;
	pbin = hbin + hlen;
	if (!b64_decode(pbin, sizeof(bin) - hlen, dot1 + 1, n2, &plen))
		return CLAIMS_TOKEN_INVALID;
	sbin = pbin + plen;
	if (!b64_decode(sbin, sizeof(bin) - hlen - plen, dot2 + 1, n3, &slen))
		return CLAIMS_TOKEN_INVALID;

	/* 4: the header. */
	if (!claims__jsonr_parse(&header, (const char *)hbin, hlen, strings, hlen + 1))
		return CLAIMS_TOKEN_INVALID;
	if (!member_is(claims__jsonr_get(&header, "alg"), "HS256"))
		return CLAIMS_TOKEN_INVALID;
	if (claims__jsonr_get(&header, "typ") && !member_is(claims__jsonr_get(&header, "typ"), "JWT"))
		return CLAIMS_TOKEN_INVALID;

	/* 5: the signature, over the first two parts as sent. */
	if (slen != crypto_auth_hmacsha256_BYTES)
		return CLAIMS_TOKEN_INVALID;
	hmac(mac, key, keylen, token, (size_t)(dot2 - token));
	if (crypto_verify_32(sbin, mac) != 0)
		return CLAIMS_TOKEN_INVALID;

	/* 6: expiry. */
	if (!claims__jsonr_parse(&payload, (const char *)pbin, plen, strings + hlen + 1, plen + 1))
		return CLAIMS_TOKEN_INVALID;
	exp = claims__jsonr_get(&payload, "exp");
	if (!exp || exp->type != CLAIMS__JSONR_INT)
		return CLAIMS_TOKEN_INVALID;
	if (exp->i <= now)
		return CLAIMS_TOKEN_EXPIRED;

	/* 7: issued-at and the two strings. */
	iat = claims__jsonr_get(&payload, "iat");
	if (!iat || iat->type != CLAIMS__JSONR_INT)
		return CLAIMS_TOKEN_INVALID;
	if (iat->i > now && (uint64_t)iat->i - (uint64_t)now > IAT_LEEWAY)
		return CLAIMS_TOKEN_INVALID;
	memset(&c, 0, sizeof(c));
	if (!copy_claim(c.sub, claims__jsonr_get(&payload, "sub")) ||
	    !copy_claim(c.jti, claims__jsonr_get(&payload, "jti")))
		return CLAIMS_TOKEN_INVALID;
	c.iat = iat->i;
	c.exp = exp->i;
	if (out)
		*out = c;
	return CLAIMS_TOKEN_OK;
}
