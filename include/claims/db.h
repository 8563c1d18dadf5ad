/*
 * libclaims: the database handle.
 *
 * A claims_db is one SQLite connection (WAL, foreign keys on, a busy
 * timeout) with its prepared statements.  It belongs to one thread at a time;
 * a server opens one per worker thread.  The schema is built by numbered
 * migrations compiled into the library.
 */
#ifndef CLAIMS_DB_H
#define CLAIMS_DB_H

#include "common.h"

CLAIMS_BEGIN_DECLS

/** An open database.  Opaque; see claims_db_open(). */
typedef struct claims_db claims_db;

/** What claims_db_open() does about pending migrations. */
typedef enum claims_migrate_mode {
	/** Apply every pending migration on open (the default). */
	CLAIMS_MIGRATE_AUTO = 0,
	/** Apply nothing; claims_db_migrate() does it on request.  A database
	 *  newer than the library is still refused. */
	CLAIMS_MIGRATE_NONE = 1,
} claims_migrate_mode;

/** Log levels passed to claims_log_cb. */
typedef enum claims_log_level {
	CLAIMS_LOG_DEBUG = 0,
	CLAIMS_LOG_INFO = 1,
	CLAIMS_LOG_WARNING = 2,
	CLAIMS_LOG_ERROR = 3,
} claims_log_level;

/** Receives the library's diagnostic text; the library itself never prints. */
typedef void (*claims_log_cb)(claims_log_level level, const char *message, void *payload);

/** Size of the buffer claims_db_options.errbuf must point to. */
#define CLAIMS_ERRBUF_SIZE 512

#define CLAIMS_DB_OPTIONS_VERSION 1

/** Options of claims_db_open().  Start from CLAIMS_DB_OPTIONS_INIT. */
typedef struct claims_db_options {
	/** CLAIMS_DB_OPTIONS_VERSION. */
	unsigned version;
	/** Pending migrations on open.  Default CLAIMS_MIGRATE_AUTO. */
	claims_migrate_mode migrate;
	/** Create the file (mode 0600) when it does not exist.  Default true. */
	bool create;
	/** Milliseconds to wait on a locked database before CLAIMS_EBUSY.
	 *  Default 5000; 0 means fail at once. */
	int busy_timeout_ms;
	/** Optional diagnostic sink and its payload.  Default NULL. */
	claims_log_cb log_cb;
	void *log_payload;
	/** Optional caller buffer of CLAIMS_ERRBUF_SIZE bytes that receives the
	 *  reason when claims_db_open() fails (there is no handle to ask then).
	 *  Default NULL. */
	char *errbuf;
	/** Increment meta.write_epoch in every write transaction the library
	 *  commits on this handle, so that a running claimsd notices writes
	 *  made by another process and drops its cached answers (spec/cache.md
	 *  §7).  Set by processes that do not share the server's cache (the
	 *  CLI); claimsd leaves it off and invalidates precisely instead.
	 *  Default false. */
	bool bump_write_epoch;
} claims_db_options;

#define CLAIMS_DB_OPTIONS_INIT \
	{ CLAIMS_DB_OPTIONS_VERSION, CLAIMS_MIGRATE_AUTO, true, 5000, NULL, NULL, NULL, false }

/**
 * Open (and by default create and migrate) a database file.
 *
 * @param out receives the handle; NULL on failure.  Yours: close it with
 *        claims_db_close().
 * @param path file name, or ":memory:" for a private in-memory database
 * @param opts options, or NULL for CLAIMS_DB_OPTIONS_INIT
 * @return CLAIMS_OK; CLAIMS_EINVAL (bad argument or options version);
 *         CLAIMS_EIO (cannot create the file); CLAIMS_EDB (cannot open);
 *         CLAIMS_ESCHEMA (database newer than the library, or a migration
 *         failed); CLAIMS_EBUSY; CLAIMS_ENOMEM.  The reason goes to
 *         opts->errbuf when given.
 * Thread-safety: the handle belongs to the calling thread until passed on.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_open(claims_db **out, const char *path,
						 const claims_db_options *opts);

/** Close a handle and finalize its statements.  NULL is accepted. */
CLAIMS_API void claims_db_close(claims_db *db);

/**
 * The message of the last failure on this handle ("not an error" when none).
 * Borrowed: valid until the next call on the handle.  Never NULL.
 */
CLAIMS_API const char *claims_db_errmsg(const claims_db *db);

/** The extended SQLite result code of the last failure, or 0. */
CLAIMS_API int claims_db_sqlite_errcode(const claims_db *db);

/** The path the handle was opened with.  Borrowed; never NULL for a valid handle. */
CLAIMS_API const char *claims_db_path(const claims_db *db);

/**
 * The schema version of the database (PRAGMA user_version): 0 for an empty
 * database, claims_migration_count() at head.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_schema_version(int *out, claims_db *db);

/** Called by claims_db_migrate() after each migration it applied. */
typedef void (*claims_migrate_cb)(int version, const char *name, void *payload);

/**
 * Apply pending migrations up to @p target (0 = the newest), each in its own
 * BEGIN IMMEDIATE transaction that also records it in schema_migrations and
 * sets PRAGMA user_version.  On failure that migration is rolled back and the
 * earlier ones stay applied; the message names the migration.
 *
 * @param target version to reach, 0 for head
 * @param cb optional, called once per applied migration
 * @return CLAIMS_OK (also when nothing was pending); CLAIMS_EINVAL (target
 *         out of range, or below the current version: there are no
 *         down-migrations); CLAIMS_ESCHEMA; CLAIMS_EBUSY.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_migrate(claims_db *db, int target,
						    claims_migrate_cb cb, void *payload);

/** Number of migrations compiled into the library (the head version). */
CLAIMS_API int claims_migration_count(void);

/**
 * Name of migration @p version ("0001_initial"), or NULL when out of range.
 * Static storage.  Thread-safe.
 */
CLAIMS_API const char *claims_migration_name(int version);

CLAIMS_END_DECLS

#endif /* CLAIMS_DB_H */
