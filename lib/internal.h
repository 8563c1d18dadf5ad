/*
 * libclaims internals shared across the library's translation units.
 * Names here use the claims__ prefix; nothing here is exported.
 */
#ifndef CLAIMS_INTERNAL_H
#define CLAIMS_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "claims/claims.h"

/* ---- allocation (alloc.c): every library allocation goes through these,
 * so that fault-injection builds can fail the Nth one. */
void *claims__malloc(size_t n);
void *claims__calloc(size_t count, size_t size);
void *claims__realloc(void *p, size_t n);
char *claims__strdup(const char *s);
char *claims__strndup(const char *s, size_t n);
void claims__free(void *p);

/* Fault injection: after claims__alloc_fail_after(n), allocation number n+1
 * (and every later one until reset with -1) fails.  Only built with
 * -Dfault_injection=true; a no-op otherwise. */
void claims__alloc_fail_after(long n);
long claims__alloc_count(void);

/* ---- prepared statements kept per connection (stmt.c) */
struct claims__stmt_cache;
void claims__stmt_cache_free(struct claims__stmt_cache *cache);

/* ---- the handle (db.c) */
struct claims__history_cache;
/* Free the engine's cached historical totals (store_risk.c).  NULL is accepted. */
void claims__history_cache_free(struct claims__history_cache *h);

/* Invalidations recorded during the open write transaction (invalidate.c):
 * exact keys (copies), count prefixes (static text, a few per transaction),
 * and all = clear everything (recording ran out of memory or room). */
#define CLAIMS__INVAL_MAX_PREFIXES 8
struct claims__inval {
	char **keys;
	size_t n, cap;
	const char *prefixes[CLAIMS__INVAL_MAX_PREFIXES];
	size_t n_prefixes;
	bool all;
};

struct claims_db {
	sqlite3 *sql;
	char *path;
	claims_db_options opts;
	struct claims__stmt_cache *stmts;
	/* The engine's historical totals (store_risk.c); NULL until first used. */
	struct claims__history_cache *history;
	int sqlite_errcode;
	char errmsg[CLAIMS_ERRBUF_SIZE];
	claims_cache *cache;        /* claims_db_set_cache(); NULL = none */
	struct claims__inval inval;
	/* claims_db_set_data_key(): 32 bytes in sodium_malloc memory (read-only
	 * between changes, wiped by sodium_free), NULL = none (security.md §5). */
	unsigned char *data_key;
};

/* Map a SQLite result code to a claims_error. */
int claims__map_sqlite(int rc);

/* Record an error on the handle and return @p code.  The message is the
 * printf-style text; nothing else is added. */
int claims__set_error(claims_db *db, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record a SQLite failure: the message is "<context>: <sqlite message>" and
 * the return value claims__map_sqlite(rc). */
int claims__sqlite_error(claims_db *db, int rc, const char *context);

/* Clear the handle's error state (on success of a public call). */
void claims__clear_error(claims_db *db);

/* Debug text to the optional log callback. */
void claims__log(const claims_db *db, claims_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A prepared statement for @p sql, kept on the connection and reset with its
 * bindings cleared, ready to bind.  @p sql should be a string literal: the
 * cache is keyed by its address.  Do not finalize it; call
 * claims__stmt_done() (sqlite3_reset) when finished with it.
 */
int claims__stmt(sqlite3_stmt **out, claims_db *db, const char *sql);
void claims__stmt_done(sqlite3_stmt *stmt);

/* Run one or more statements without results. */
int claims__exec(claims_db *db, const char *sql);

/* Commit the open write transaction; first increments meta.write_epoch when
 * the handle was opened with bump_write_epoch (spec/cache.md §7).  Every
 * library write transaction ends here. */
int claims__commit(claims_db *db);

/* Roll back the open transaction after a failure, keeping the handle's
 * error (the failure's reason, not the rollback's).  A failed ROLLBACK
 * means SQLite already ended the transaction; nothing more to do. */
void claims__rollback(claims_db *db);

/* ---- cache invalidation (invalidate.c, spec/cache.md §6).  Record that
 * the open transaction changes "<prefix>:<id>" / every "count:X*" key (the
 * prefix is static text); the record reaches the attached cache after
 * claims__commit() succeeds and is dropped by claims__rollback().  No-ops
 * without a cache. */
void claims__inval_key(claims_db *db, const char *prefix, int64_t id);
void claims__inval_prefix(claims_db *db, const char *prefix);
void claims__inval_flush(claims_db *db);
void claims__inval_discard(claims_db *db);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into buf (at least 21 bytes). */
void claims__now_ts(char buf[static 21]);

/* ---- migrations (migrate.c; the array is generated from sql/) */
int claims__migrate_check_version(claims_db *db, int *version_out);

#endif /* CLAIMS_INTERNAL_H */
