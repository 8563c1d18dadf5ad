/*
 * libclaims store: the meta table (schema.md §2), here the write epoch that
 * tells a running server another process changed the database (cache.md §7).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

int
claims__store_meta_write_epoch(claims_db *db, int64_t *out)
{
	static const char sql[] = "SELECT value FROM meta WHERE key = 'write_epoch'";
	sqlite3_stmt *s;
	int rc;

	*out = 0;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(s, 0);

		*out = v ? strtoll(v, NULL, 10) : 0;
	} else if (rc != SQLITE_DONE) {
		rc = claims__sqlite_error(db, rc, "reading the write epoch");
		claims__stmt_done(s);
		return rc;
	}
	claims__stmt_done(s);
	return CLAIMS_OK;
}

int
claims__store_meta_bump_write_epoch(claims_db *db)
{
	static const char sql[] =
		"INSERT INTO meta (key, value) VALUES ('write_epoch', '1') "
		"ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	return claims__step_done(db, s, "bumping the write epoch");
}

int
claims_db_write_epoch(int64_t *out, claims_db *db)
{
	int rc;

	if (out)
		*out = 0;
	if (!out || !db)
		return CLAIMS_EINVAL;
	rc = claims__store_meta_write_epoch(db, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

int
claims_db_write_epoch_bump(claims_db *db)
{
	int rc;

	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__store_meta_bump_write_epoch(db);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

int
claims__commit(claims_db *db)
{
	int rc;

	if (db->opts.bump_write_epoch) {
		rc = claims__store_meta_bump_write_epoch(db);
		if (rc < 0)
			return rc;
	}
	rc = claims__exec(db, "COMMIT");
	if (rc == CLAIMS_OK)
		claims__inval_flush(db);
	return rc;
}

void
claims__rollback(claims_db *db)
{
	(void)sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
	claims__inval_discard(db);
}
