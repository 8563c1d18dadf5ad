/*
 * libclaims: the database handle.
 *
 * One claims_db is one SQLite connection opened without SQLite's own mutex
 * (the handle belongs to one thread at a time), in WAL mode so that readers
 * on other connections never wait for a writer, with foreign keys enforced
 * and a busy timeout for writers.  Errors are kept on the handle, as
 * sqlite3_errmsg() does.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "internal.h"

const char *
claims_version(void)
{
	return CLAIMS_VERSION;
}

int
claims__map_sqlite(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return CLAIMS_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CLAIMS_EBUSY;
	case SQLITE_CONSTRAINT:
		return CLAIMS_ECONSTRAINT;
	case SQLITE_NOMEM:
		return CLAIMS_ENOMEM;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return CLAIMS_EIO;
	default:
		return CLAIMS_EDB;
	}
}

int
claims__set_error(claims_db *db, int code, const char *fmt, ...)
{
	va_list ap;

	if (!db)
		return code;
	va_start(ap, fmt);
	vsnprintf(db->errmsg, sizeof(db->errmsg), fmt, ap);
	va_end(ap);
	db->sqlite_errcode = 0;
	return code;
}

int
claims__sqlite_error(claims_db *db, int rc, const char *context)
{
	int code = claims__map_sqlite(rc);

	if (code == CLAIMS_OK)
		code = CLAIMS_EDB;
	if (!db)
		return code;
	snprintf(db->errmsg, sizeof(db->errmsg), "%s: %s", context,
		 db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
	db->sqlite_errcode = db->sql ? sqlite3_extended_errcode(db->sql) : rc;
	return code;
}

void
claims__clear_error(claims_db *db)
{
	if (!db)
		return;
	db->errmsg[0] = '\0';
	db->sqlite_errcode = 0;
}

void
claims__log(const claims_db *db, claims_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!db || !db->opts.log_cb)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	db->opts.log_cb(level, buf, db->opts.log_payload);
}

void
claims__now_ts(char buf[static 21])
{
	struct timespec now;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int
claims__exec(claims_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return claims__sqlite_error(db, rc, "executing SQL");
	return CLAIMS_OK;
}

static bool
is_memory_path(const char *path)
{
	return strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0 || path[0] == '\0';
}

/* Create the file with mode 0600 when it does not exist, so that a new
 * database (and its -wal and -shm files, which SQLite creates with the same
 * mode) is private to its owner from the first byte.
 *
 * Only a file this call creates (O_EXCL) is ever opened and closed here:
 * closing any descriptor of a file drops every POSIX lock the process holds
 * on it, so closing one of an existing database would silently release the
 * locks of this process's other connections (sqlite.org/howtocorrupt.html
 * §2.2), and another process could then checkpoint and delete the WAL under
 * them.  A file created here has no connection yet, as long as the first
 * open of a new database is not raced by another thread of the process
 * (claimsd and the CLI open it once before anything else). */
static int
create_private_file(claims_db *db, const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0 && errno == EEXIST) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			return claims__set_error(db, CLAIMS_EIO, "cannot open %s: %s", path,
						 strerror(EISDIR));
		return CLAIMS_OK;
	}
	if (fd < 0)
		return claims__set_error(db, CLAIMS_EIO, "cannot create %s: %s", path,
					 strerror(errno));
	close(fd);
	return CLAIMS_OK;
}

static int
configure(claims_db *db)
{
	static const char pragmas[] = "PRAGMA foreign_keys = ON;"
				      "PRAGMA synchronous = NORMAL;";
	sqlite3_stmt *stmt = NULL;
	int rc;

	sqlite3_extended_result_codes(db->sql, 1);
	rc = sqlite3_busy_timeout(db->sql, db->opts.busy_timeout_ms);
	if (rc != SQLITE_OK)
		return claims__sqlite_error(db, rc, "setting the busy timeout");

	/* journal_mode answers with a row; WAL may be refused only by an
	 * in-memory database, which reports "memory" and is fine. */
	rc = sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_ROW)
		return claims__sqlite_error(db, rc, "enabling WAL");

	rc = sqlite3_exec(db->sql, pragmas, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return claims__sqlite_error(db, rc, "configuring the connection");
	return CLAIMS_OK;
}

int
claims_db_open(claims_db **out, const char *path, const claims_db_options *opts)
{
	static const claims_db_options defaults = CLAIMS_DB_OPTIONS_INIT;
	claims_db *db = NULL;
	int flags, rc, version;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (!path || opts->version != CLAIMS_DB_OPTIONS_VERSION || opts->busy_timeout_ms < 0 ||
	    (opts->migrate != CLAIMS_MIGRATE_AUTO && opts->migrate != CLAIMS_MIGRATE_NONE)) {
		if (opts->errbuf)
			snprintf(opts->errbuf, CLAIMS_ERRBUF_SIZE, "invalid arguments to claims_db_open");
		return CLAIMS_EINVAL;
	}
	if (sodium_init() < 0) {
		if (opts->errbuf)
			snprintf(opts->errbuf, CLAIMS_ERRBUF_SIZE, "libsodium failed to initialise");
		return CLAIMS_ERROR;
	}

	db = claims__calloc(1, sizeof(*db));
	if (!db) {
		if (opts->errbuf)
			snprintf(opts->errbuf, CLAIMS_ERRBUF_SIZE, "out of memory");
		return CLAIMS_ENOMEM;
	}
	db->opts = *opts;
	db->path = claims__strdup(path);
	if (!db->path) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto fail;
	}

	if (!is_memory_path(path)) {
		if (opts->create) {
			rc = create_private_file(db, path);
			if (rc < 0)
				goto fail;
		} else if (access(path, F_OK) != 0) {
			rc = claims__set_error(db, CLAIMS_EIO, "cannot open %s: %s", path,
					       strerror(errno));
			goto fail;
		}
	}

	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
	if (opts->create)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &db->sql, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = claims__sqlite_error(db, rc, "opening the database");
		goto fail;
	}
	rc = configure(db);
	if (rc < 0)
		goto fail;

	rc = claims__migrate_check_version(db, &version);
	if (rc < 0)
		goto fail;
	if (opts->migrate == CLAIMS_MIGRATE_AUTO && version < claims_migration_count()) {
		rc = claims_db_migrate(db, 0, NULL, NULL);
		if (rc < 0)
			goto fail;
	}

	claims__clear_error(db);
	*out = db;
	return CLAIMS_OK;

fail:
	if (opts->errbuf)
		snprintf(opts->errbuf, CLAIMS_ERRBUF_SIZE, "%s", db->errmsg);
	claims_db_close(db);
	return rc;
}

void
claims_db_close(claims_db *db)
{
	if (!db)
		return;
	claims__inval_discard(db);
	claims__stmt_cache_free(db->stmts);
	claims__history_cache_free(db->history);
	if (db->data_key)
		sodium_free(db->data_key); /* wipes it */
	if (db->sql)
		sqlite3_close_v2(db->sql);
	claims__free(db->path);
	claims__free(db);
}

int
claims_db_set_data_key(claims_db *db, const unsigned char *key, size_t len)
{
	unsigned char *copy = NULL;

	if (!db || (key && len != CLAIMS_DATA_KEY_BYTES) || (!key && len != 0))
		return CLAIMS_EINVAL;
	if (key) {
		copy = sodium_malloc(CLAIMS_DATA_KEY_BYTES);
		if (!copy)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		memcpy(copy, key, CLAIMS_DATA_KEY_BYTES);
		(void)sodium_mprotect_readonly(copy);
	}
	if (db->data_key)
		sodium_free(db->data_key);
	db->data_key = copy;
	claims__clear_error(db);
	return CLAIMS_OK;
}

bool
claims_db_has_data_key(const claims_db *db)
{
	return db && db->data_key;
}

const char *
claims_db_errmsg(const claims_db *db)
{
	if (!db)
		return "invalid handle";
	return db->errmsg[0] ? db->errmsg : "not an error";
}

int
claims_db_sqlite_errcode(const claims_db *db)
{
	return db ? db->sqlite_errcode : 0;
}

const char *
claims_db_path(const claims_db *db)
{
	return db ? db->path : NULL;
}
