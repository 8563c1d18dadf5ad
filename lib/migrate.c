/*
 * libclaims: schema migrations.
 *
 * The numbered files of sql/ are compiled into the library (sql/embed_sql.py).
 * PRAGMA user_version holds the number of the last one applied.  Each pending
 * migration runs in its own BEGIN IMMEDIATE transaction together with its
 * schema_migrations row and the user_version bump, so a failure leaves the
 * database at the previous version.  A database newer than the library is
 * refused rather than touched: there are no down-migrations.
 */
#include "config.h"

#include <stdio.h>

#include "internal.h"
#include "migrations.h"

int
claims_migration_count(void)
{
	return claims__migration_count;
}

const char *
claims_migration_name(int version)
{
	if (version < 1 || version > claims__migration_count)
		return NULL;
	return claims__migrations[version - 1].name;
}

static int
read_user_version(claims_db *db, int *out)
{
	sqlite3_stmt *stmt = NULL;
	int rc;

	rc = sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return claims__sqlite_error(db, rc, "reading the schema version");
	}
	*out = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return CLAIMS_OK;
}

int
claims__migrate_check_version(claims_db *db, int *version_out)
{
	int rc = read_user_version(db, version_out);

	if (rc < 0)
		return rc;
	if (*version_out > claims__migration_count || *version_out < 0)
		return claims__set_error(db, CLAIMS_ESCHEMA,
					 "database version %d is newer than this library (%d)",
					 *version_out, claims__migration_count);
	return CLAIMS_OK;
}

int
claims_db_schema_version(int *out, claims_db *db)
{
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	if (!db)
		return CLAIMS_EINVAL;
	rc = read_user_version(db, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

/* Apply one migration: 0 when applied, 1 when it was already there. */
static int
apply_one(claims_db *db, const struct claims__migration *m)
{
	char ts[21], sql[160];
	sqlite3_stmt *stmt = NULL;
	int rc, current = 0;

	rc = sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		claims__sqlite_error(db, rc, m->name);
		return claims__map_sqlite(rc) == CLAIMS_EBUSY ? CLAIMS_EBUSY : CLAIMS_ESCHEMA;
	}

	/* Another connection may have applied it while we waited for the lock. */
	rc = read_user_version(db, &current);
	if (rc < 0) {
		(void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
		return rc;
	}
	if (current >= m->version) {
		(void)sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
		return 1;
	}

	rc = sqlite3_exec(db->sql, m->sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;

	claims__now_ts(ts);
	rc = sqlite3_prepare_v2(db->sql,
				"INSERT INTO schema_migrations (version, name, applied_at) "
				"VALUES (?1, ?2, ?3)",
				-1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int(stmt, 1, m->version);
		sqlite3_bind_text(stmt, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 3, ts, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(stmt);
	if (rc != SQLITE_OK)
		goto fail;

	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", m->version);
	rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	rc = sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	return CLAIMS_OK;

fail:
	claims__set_error(db, CLAIMS_ESCHEMA, "migration %s failed: %s", m->name,
			  sqlite3_errmsg(db->sql));
	db->sqlite_errcode = sqlite3_extended_errcode(db->sql);
	(void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	return CLAIMS_ESCHEMA;
}

int
claims_db_migrate(claims_db *db, int target, claims_migrate_cb cb, void *payload)
{
	int rc, version = 0;

	if (!db)
		return CLAIMS_EINVAL;
	if (target < 0 || target > claims__migration_count)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "no migration %d (this library knows 1 to %d)", target,
					 claims__migration_count);
	if (target == 0)
		target = claims__migration_count;

	rc = claims__migrate_check_version(db, &version);
	if (rc < 0)
		return rc;
	if (target < version)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "database is at %s, above %s: there are no down-migrations",
					 claims__migrations[version - 1].name,
					 claims__migrations[target - 1].name);

	for (int v = version + 1; v <= target; v++) {
		const struct claims__migration *m = &claims__migrations[v - 1];

		rc = apply_one(db, m);
		if (rc < 0)
			return rc;
		if (rc > 0)
			continue; /* applied meanwhile by another connection */
		claims__log(db, CLAIMS_LOG_INFO, "applied migration %s", m->name);
		if (cb)
			cb(m->version, m->name, payload);
	}
	claims__clear_error(db);
	return CLAIMS_OK;
}
