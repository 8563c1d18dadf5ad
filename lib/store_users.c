/*
 * libclaims store: the users table (spec/schema.md §2, security.md §1.1).
 *
 * The username column is COLLATE NOCASE, so every lookup by name and the
 * unique constraint ignore ASCII case.  Timestamps written here come from
 * the caller (the same clock the tokens use), updated_at included.
 */
#include "config.h"

#include <string.h>

#include "store.h"
#include "store_users.h"

#define USER_COLUMNS                                                                             \
	"id, username, role, is_active, tokens_valid_after, "                                   \
	"CAST(strftime('%s', tokens_valid_after) AS INTEGER), last_login_at, created_at, "      \
	"updated_at, password_hash FROM users "

static char *
col_dup(sqlite3_stmt *s, int i, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *c;

	if (!t)
		return NULL;
	c = claims__strdup((const char *)t);
	if (!c)
		*oom = true;
	return c;
}

/* One row of USER_COLUMNS into @p u (zeroed first); false when out of memory
 * (what was copied is left for the caller to free). */
static bool
user_from_row(claims_user *u, sqlite3_stmt *s)
{
	const char *role = (const char *)sqlite3_column_text(s, 2);
	bool oom = false;

	memset(u, 0, sizeof(*u));
	u->id = sqlite3_column_int64(s, 0);
	u->username = col_dup(s, 1, &oom);
	u->role = role && strcmp(role, "admin") == 0 ? CLAIMS_ROLE_ADMIN : CLAIMS_ROLE_USER;
	u->is_active = sqlite3_column_int(s, 3) != 0;
	u->tokens_valid_after = col_dup(s, 4, &oom);
	u->tokens_valid_after_unix = sqlite3_column_int64(s, 5);
	u->last_login_at = col_dup(s, 6, &oom);
	u->created_at = col_dup(s, 7, &oom);
	u->updated_at = col_dup(s, 8, &oom);
	return !oom && u->username && u->created_at && u->updated_at;
}

static void
user_clear(claims_user *u)
{
	claims__free(u->username);
	claims__free(u->tokens_valid_after);
	claims__free(u->last_login_at);
	claims__free(u->created_at);
	claims__free(u->updated_at);
	memset(u, 0, sizeof(*u));
}

int
claims__store_user_insert(claims_db *db, const char *username, const char *hash, claims_role role)
{
	static const char sql[] =
		"INSERT INTO users (username, password_hash, role, is_active) VALUES (?1, ?2, ?3, 1)";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, username);
	claims__bind_text(s, 2, hash);
	claims__bind_text(s, 3, claims_role_to_str(role));
	rc = sqlite3_step(s);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(s);
		return CLAIMS_OK;
	}
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		sqlite3_reset(s);
		return claims__set_error(db, CLAIMS_EEXISTS, "User already exists: %s", username);
	}
	return claims__step_error(db, s, rc, "adding the user");
}

int
claims__store_user_find(claims_db *db, const char *username, claims_user **out, char **hash_out)
{
	static const char sql[] = "SELECT " USER_COLUMNS "WHERE username = ?1";
	sqlite3_stmt *s;
	claims_user *u;
	bool found;
	int rc;

	*out = NULL;
	if (hash_out)
		*hash_out = NULL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, username);
	rc = claims__step_one(db, s, "reading the user", &found);
	if (rc < 0 || !found)
		return rc;
	u = claims__calloc(1, sizeof(*u));
	if (!u || !user_from_row(u, s)) {
		if (u)
			user_clear(u);
		claims__free(u);
		return claims__stmt_oom(db, s);
	}
	if (hash_out) {
		bool oom = false;

		*hash_out = col_dup(s, 9, &oom);
		if (!*hash_out) {
			user_clear(u);
			claims__free(u);
			return claims__stmt_oom(db, s);
		}
	}
	sqlite3_reset(s);
	*out = u;
	return CLAIMS_OK;
}

/* Step an UPDATE of one user; *found from the number of changed rows. */
static int
update_one(claims_db *db, sqlite3_stmt *s, const char *what, bool *found)
{
	int rc = claims__step_done(db, s, what);

	*found = rc == CLAIMS_OK && sqlite3_changes(db->sql) > 0;
	return rc;
}

int
claims__store_user_set_hash(claims_db *db, const char *username, const char *hash, bool revoke,
			    const char *now, bool *found)
{
	static const char sql[] =
		"UPDATE users SET password_hash = ?2, updated_at = ?3, "
		"tokens_valid_after = CASE WHEN ?4 THEN ?3 ELSE tokens_valid_after END "
		"WHERE username = ?1";
	sqlite3_stmt *s;
	int rc;

	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, username);
	claims__bind_text(s, 2, hash);
	claims__bind_text(s, 3, now);
	sqlite3_bind_int(s, 4, revoke ? 1 : 0);
	return update_one(db, s, "changing the password", found);
}

int
claims__store_user_set_active(claims_db *db, const char *username, bool active, const char *now,
			      bool *found)
{
	static const char sql[] =
		"UPDATE users SET is_active = ?2, updated_at = ?3, "
		"tokens_valid_after = CASE WHEN ?2 THEN tokens_valid_after ELSE ?3 END "
		"WHERE username = ?1";
	sqlite3_stmt *s;
	int rc;

	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, username);
	sqlite3_bind_int(s, 2, active ? 1 : 0);
	claims__bind_text(s, 3, now);
	return update_one(db, s, active ? "enabling the user" : "disabling the user", found);
}

int
claims__store_user_logged_in(claims_db *db, int64_t id, const char *now, const char *new_hash)
{
	static const char sql[] =
		"UPDATE users SET last_login_at = ?2, updated_at = ?2, "
		"password_hash = coalesce(?3, password_hash) WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, now);
	claims__bind_text(s, 3, new_hash);
	return claims__step_done(db, s, "recording the login");
}

int
claims__store_user_list(claims_db *db, claims_user_list **out)
{
	static const char sql[] = "SELECT " USER_COLUMNS "ORDER BY id";
	claims_user_list *l;
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	*out = NULL;
	l = claims__calloc(1, sizeof(*l));
	if (!l)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__stmt(&s, db, sql);
	if (rc < 0) {
		claims__free(l);
		return rc;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (l->count == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			claims_user *items = claims__realloc(l->items, ncap * sizeof(*items));

			if (!items)
				goto oom;
			l->items = items;
			cap = ncap;
		}
		if (!user_from_row(&l->items[l->count], s)) {
			user_clear(&l->items[l->count]);
			goto oom;
		}
		l->count++;
	}
	if (rc != SQLITE_DONE) {
		rc = claims__step_error(db, s, rc, "listing the users");
		claims_user_list_free(l);
		return rc;
	}
	sqlite3_reset(s);
	*out = l;
	return CLAIMS_OK;
oom:
	claims_user_list_free(l);
	return claims__stmt_oom(db, s);
}

void
claims_user_free(claims_user *user)
{
	if (!user)
		return;
	user_clear(user);
	claims__free(user);
}

void
claims_user_list_free(claims_user_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->count; i++)
		user_clear(&list->items[i]);
	claims__free(list->items);
	claims__free(list);
}
