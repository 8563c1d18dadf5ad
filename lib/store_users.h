/* libclaims internal: the users table (store_users.c), used by lib/auth.c. */
#ifndef CLAIMS_STORE_USERS_H
#define CLAIMS_STORE_USERS_H

#include "claims/auth.h"
#include "internal.h"

/* Insert a user; CLAIMS_EEXISTS when the name (any case) is taken. */
int claims__store_user_insert(claims_db *db, const char *username, const char *hash,
			      claims_role role);

/* The user named @p username (ASCII case-insensitive) into *out (NULL and
 * CLAIMS_OK when there is none), and its password hash into *hash_out when
 * that is not NULL (claims__free; NULL when there is no user). */
int claims__store_user_find(claims_db *db, const char *username, claims_user **out,
			    char **hash_out);

/* Replace the password hash; with @p revoke, tokens_valid_after = @p now
 * too.  *found says whether the user exists. */
int claims__store_user_set_hash(claims_db *db, const char *username, const char *hash,
				bool revoke, const char *now, bool *found);

/* Set is_active; disabling also sets tokens_valid_after = @p now. */
int claims__store_user_set_active(claims_db *db, const char *username, bool active,
				  const char *now, bool *found);

/* A login succeeded: last_login_at = @p now, and the hash replaced when
 * @p new_hash is not NULL. */
int claims__store_user_logged_in(claims_db *db, int64_t id, const char *now,
				 const char *new_hash);

/* Every user, id ascending. */
int claims__store_user_list(claims_db *db, claims_user_list **out);

#endif
