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

/** Length of a data key: claims_db_set_data_key(). */
#define CLAIMS_DATA_KEY_BYTES 32

/**
 * Give the handle the key that encrypts raw EDI at rest (DATA_KEY,
 * spec/security.md §5), or take it away.
 *
 * With a key, every write of raw bytes through this handle is encrypted and
 * marked raw_encrypted = 1: a received file's bytes (ingest_file_chunks),
 * claims.raw_edi, claim_history.raw_edi, remittances.raw_edi, and the
 * spool files of claims_ingest_fd() and claims_spool_writer_new().  Each is
 * one crypto_secretstream_xchacha20poly1305 stream ("CLE1", the 24-byte
 * header, chunks of up to 65536 bytes with 17 bytes of overhead each, the
 * last with TAG_FINAL), authenticated with the name of its place
 * ("<table>.<column>", "spool") as additional data.  Reads decrypt; a row
 * stored encrypted and read without the key, with another key, altered,
 * cut short or lengthened fails with CLAIMS_EDECRYPT and returns nothing
 * of it.  Rows stored without a key (raw_encrypted = 0) stay readable with
 * or without one, so a database may hold both.
 *
 * @param key CLAIMS_DATA_KEY_BYTES bytes, copied into guarded memory
 *        (libsodium's sodium_malloc) and wiped when replaced or when the
 *        handle closes; NULL (with @p len 0) removes the key
 * @return CLAIMS_OK; CLAIMS_EINVAL (no handle, or @p len is not 32 for a
 *         key / not 0 for NULL); CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_set_data_key(claims_db *db, const unsigned char *key,
							 size_t len);

/** Whether the handle has a data key (false for NULL). */
CLAIMS_API bool claims_db_has_data_key(const claims_db *db);

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
