/*
 * JSON of users and tokens (spec/api.md §4.10, security.md §1) for claimsd
 * and claims.  Each function returns a malloc'd string (free()) or NULL
 * when out of memory.
 */
#ifndef CLAIMS_APP_RENDER_AUTH_H
#define CLAIMS_APP_RENDER_AUTH_H

#include <stdint.h>

#include <claims/claims.h>

/* {"id", "username", "role", "is_active", "tokens_valid_after",
 *  "last_login_at", "created_at", "updated_at"}: never the password hash. */
char *render_user(const claims_user *u);

/* {"users": [User], "total", "skip": 0, "limit": total}: every user, id
 * ascending, in the API's list shape. */
char *render_user_list(const claims_user_list *l);

/* POST /api/v1/auth/token: {"access_token", "token_type": "bearer",
 * "expires_in": seconds}. */
char *render_token(const char *token, int64_t expires_in);

/* A 429 body: {"error": "RATE_LIMIT_EXCEEDED", "message", "details":
 * {"window", "limit", "retry_after"}} (security.md §1.1, §3). */
char *render_rate_limit_error(const char *message, const char *window, int64_t limit,
			      int64_t retry_after);

/* claims keygen --json: {"key": key} */
char *render_key(const char *key);

#endif
