/*
 * libclaims: users, passwords and access tokens (spec/security.md §1).
 *
 * Users live in the users table.  Passwords are 12 (PASSWORD_MIN_LENGTH, the
 * caller's minimum) to 1024 bytes with no other rule, stored with
 * libsodium's crypto_pwhash_str (argon2id, OPSLIMIT_INTERACTIVE,
 * MEMLIMIT_INTERACTIVE) and rehashed on a successful login when
 * crypto_pwhash_str_needs_rehash says so.  Names are compared without regard
 * to ASCII case.  Changing a password or disabling a user sets
 * tokens_valid_after to now: tokens issued before stop being accepted.
 *
 * Tokens are JWTs signed with HMAC-SHA-256 (HS256 only) over
 * base64url(header) "." base64url(payload), keyed with the whole secret
 * whatever its length.  Header {"alg":"HS256","typ":"JWT"}, payload
 * {"sub","iat","exp","jti"}.  claims_token_verify() applies steps 3 to 7
 * of the verification table of security.md §1.2 in order;
 * claims_user_check_token() is step 8.
 *
 * Thread-safety: the token functions and claims_auth_init() may be called
 * from any thread; the user functions follow the rule of their handle.
 */
#ifndef CLAIMS_AUTH_H
#define CLAIMS_AUTH_H

#include "common.h"
#include "db.h"
#include "errors.h"

CLAIMS_BEGIN_DECLS

/** Default and bounds of a password's length in bytes. */
#define CLAIMS_PASSWORD_MIN_LENGTH 12
#define CLAIMS_PASSWORD_MAX_LENGTH 1024
/** Longest user name in bytes (schema: 1..64). */
#define CLAIMS_USERNAME_MAX 64
/** Shortest token key accepted, in bytes (security.md §2). */
#define CLAIMS_TOKEN_MIN_KEY_BYTES 32
/** Longest token accepted by claims_token_verify(), in bytes. */
#define CLAIMS_TOKEN_MAX_BYTES 4096

/** A user's role: admin may do everything, user all but the admin routes. */
typedef enum claims_role {
	CLAIMS_ROLE_USER = 0,
	CLAIMS_ROLE_ADMIN = 1,
} claims_role;

/** "user" or "admin"; "unknown" for other values.  Static.  Thread-safe. */
CLAIMS_API const char *claims_role_to_str(claims_role role);

/**
 * Parse "user" or "admin" (exact, lower case).
 * @return CLAIMS_OK; CLAIMS_EINVAL for anything else (*out unchanged).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_role_from_str(claims_role *out, const char *s);

/** A row of users (never its password hash).  Free with claims_user_free(). */
typedef struct claims_user {
	int64_t id;
	char *username;            /**< as stored (the case it was added with) */
	claims_role role;
	bool is_active;
	char *tokens_valid_after;  /**< timestamp, or NULL (never changed) */
	int64_t tokens_valid_after_unix; /**< the same in Unix seconds; 0 when NULL */
	char *last_login_at;       /**< timestamp, or NULL (never logged in) */
	char *created_at;
	char *updated_at;
} claims_user;

/** Every user, id ascending.  Free with claims_user_list_free(). */
typedef struct claims_user_list {
	claims_user *items;
	size_t count;
} claims_user_list;

/**
 * Make the dummy password hash that unknown and disabled users are checked
 * against (one crypto_pwhash_str with the parameters above).  Done once per
 * process; claims_user_login() does it on first use, so a server calls this
 * at startup to keep the first login as slow as the others.
 * @return CLAIMS_OK; CLAIMS_ENOMEM (hashing could not get its memory);
 *         CLAIMS_ERROR (libsodium cannot start).  Thread-safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_auth_init(void);

/**
 * Check a password against the policy: @p min_len to 1024 bytes, nothing
 * else.  @p min_len 0 means CLAIMS_PASSWORD_MIN_LENGTH.
 * @return CLAIMS_OK; CLAIMS_EINVAL (too short, too long, @p min_len above
 *         1024, NULL).  Thread-safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_password_check(const char *password, size_t min_len);

/**
 * Add a user.  @p username: 1..64 bytes of UTF-8 without control
 * characters; @p password: claims_password_check(password, min_len).
 * @return CLAIMS_OK; CLAIMS_EINVAL (name, password policy or role; the
 *         reason in claims_db_errmsg()); CLAIMS_EEXISTS (the name, in any
 *         case, is taken); CLAIMS_ENOMEM; CLAIMS_EBUSY; CLAIMS_EDB.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_add(claims_db *db, const char *username,
						  const char *password, claims_role role,
						  size_t min_len);

/**
 * Set a user's password (policy as claims_user_add()) and tokens_valid_after
 * to now.
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND ("User not found:
 *         NAME"); CLAIMS_ENOMEM; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_set_password(claims_db *db, const char *username,
							   const char *password, size_t min_len);

/**
 * Enable or disable a user.  Disabling sets tokens_valid_after to now (also
 * when the user was already disabled); enabling leaves it, so tokens issued
 * before a disable stay refused.
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_set_active(claims_db *db, const char *username,
							 bool active);

/**
 * A user by name (ASCII case-insensitive).
 * @param out yours: claims_user_free(); NULL on failure
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND; CLAIMS_EINVAL; CLAIMS_ENOMEM;
 *         CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_get(claims_user **out, claims_db *db,
						  const char *username);

/**
 * Every user, id ascending.
 * @param out yours: claims_user_list_free(); NULL on failure
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_list_get(claims_user_list **out, claims_db *db);

/** Free a user.  NULL is accepted. */
CLAIMS_API void claims_user_free(claims_user *user);
/** Free a list of users.  NULL is accepted. */
CLAIMS_API void claims_user_list_free(claims_user_list *list);

/**
 * Check a name and password.  An unknown or disabled user's password is
 * verified against the dummy hash (claims_auth_init()), so every failure
 * costs one argon2id verification like a wrong password.  On success
 * last_login_at (and updated_at) become now, and the stored hash is
 * replaced when its parameters are not the current ones.  No failure
 * counting here: that is the caller's (security.md §1.1).
 *
 * @param out the user on success (yours: claims_user_free()); NULL otherwise
 * @return CLAIMS_OK; CLAIMS_EAUTH (unknown user, disabled user or wrong
 *         password: "Invalid username or password"); CLAIMS_EINVAL (NULL
 *         arguments); CLAIMS_ENOMEM; CLAIMS_EBUSY; CLAIMS_EDB.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_login(claims_user **out, claims_db *db,
						    const char *username, const char *password);

/** What claims_token_verify() read from a token it accepted. */
typedef struct claims_token_claims {
	char sub[CLAIMS_USERNAME_MAX + 1]; /**< 1..64 bytes, NUL-terminated */
	char jti[CLAIMS_USERNAME_MAX + 1]; /**< 1..64 bytes, NUL-terminated */
	int64_t iat;
	int64_t exp;
} claims_token_claims;

/** The result of claims_token_verify(). */
typedef enum claims_token_status {
	CLAIMS_TOKEN_OK = 0,
	CLAIMS_TOKEN_INVALID = 1, /**< answer 401 "Invalid token" */
	CLAIMS_TOKEN_EXPIRED = 2, /**< answer 401 "Token expired" */
} claims_token_status;

/** "ok", "invalid", "expired".  Static.  Thread-safe. */
CLAIMS_API const char *claims_token_status_to_str(claims_token_status status);

/**
 * Sign a token for @p sub: header {"alg":"HS256","typ":"JWT"}, payload
 * {"sub","iat","exp","jti"} with a jti of 16 random bytes (22 base64url
 * characters), HMAC-SHA-256 keyed with all @p keylen bytes of @p key.
 *
 * @param out the token, NUL-terminated (yours: claims_token_free()); NULL
 *        on failure
 * @param key at least CLAIMS_TOKEN_MIN_KEY_BYTES bytes
 * @param sub 1..64 bytes of UTF-8 without control characters
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM; CLAIMS_ERROR (libsodium
 *         cannot start).  Thread-safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_token_sign(char **out, const unsigned char *key,
						    size_t keylen, const char *sub, int64_t iat,
						    int64_t exp);

/** Free a token from claims_token_sign().  NULL is accepted. */
CLAIMS_API void claims_token_free(char *token);

/**
 * Verify @p token (@p len bytes, no NUL needed), steps 3 to 7 of
 * security.md §1.2, in this order; the first failure decides:
 *  3. at most 4096 bytes, exactly three parts, each valid unpadded
 *     base64url (canonical: unused bits zero)  -> INVALID
 *  4. the header is a flat JSON object whose alg is exactly "HS256" and
 *     whose typ is absent or "JWT"  -> INVALID
 *  5. the signature is 32 bytes and equals the HMAC (crypto_verify_32)
 *     -> INVALID
 *  6. the payload is a flat JSON object (else INVALID) whose exp is an
 *     integer (else INVALID) greater than @p now  -> EXPIRED
 *  7. iat is an integer <= now + 60; sub and jti are non-empty strings of
 *     at most 64 bytes  -> INVALID
 * "Flat": members are strings, numbers, true, false or null; no nesting,
 * no duplicate names, strings are valid UTF-8 without NUL.
 *
 * @param out the claims of an accepted token; zeroed otherwise (may be NULL)
 * @param key the secret (at least CLAIMS_TOKEN_MIN_KEY_BYTES; a shorter or
 *        NULL key verifies nothing: INVALID)
 * @param now Unix seconds
 * @return a claims_token_status.  Allocates nothing.  Thread-safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED claims_token_status claims_token_verify(claims_token_claims *out,
								      const unsigned char *key,
								      size_t keylen,
								      const char *token, size_t len,
								      int64_t now);

/**
 * Step 8 of security.md §1.2 for claims claims_token_verify() accepted: the
 * user @p c->sub exists, is active, and c->iat >= its tokens_valid_after.
 *
 * @param out the user when accepted (its role decides admin routes; yours:
 *        claims_user_free()); NULL otherwise
 * @return CLAIMS_OK; CLAIMS_EAUTH (unknown, disabled or revoked: answer
 *         "Invalid token"); CLAIMS_EINVAL; CLAIMS_ENOMEM; CLAIMS_EBUSY;
 *         CLAIMS_EDB.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_user_check_token(claims_user **out, claims_db *db,
							  const claims_token_claims *c);

CLAIMS_END_DECLS

#endif /* CLAIMS_AUTH_H */
