/*
 * libclaims: the in-process cache (TTL + exact LRU, with statistics).
 *
 * One claims_cache is shared by every thread of a process.  It holds opaque
 * byte strings (the rendered JSON of an entity or a count) under keys such as
 * "claim:17" or "count:claim:payer_id=3:status=denied", bounded by a number of
 * entries and by bytes (key length + value length + 64 per entry), evicting
 * the least recently used entry first.  Each entry has a TTL taken from its
 * key's prefix (CACHE_TTL_* defaults below) unless one is given.
 *
 * Statistics: every lookup counts exactly one hit or one miss for the
 * overall totals, for its key's prefix and for the key itself (per-key
 * counters are kept for the max_tracked_keys most recently looked-up keys
 * only).  Everything is exact under any concurrency: all state is guarded by
 * one lock, and a snapshot is taken under it.
 *
 * Prefixes: the key's pattern without its variable parts.  "claim:{id}",
 * "remittance:{id}", "episode:{id}", "risk_score:{claim_id}", "payer:{id}",
 * "provider:{id}", "practice_config:{practice_id}" -> the name before ':';
 * "pattern:payer:{id}" -> "pattern:payer", "pattern:analysis:{id}" ->
 * "pattern:analysis"; "count:<model>[:k=v...]" with <model> one of claim,
 * remittance, episode, payer -> "count:<model>".  A variable part is any
 * non-empty text; filters start with "k=" (a non-empty k).  A key matching no
 * pattern is its own prefix (so each distinct such key adds one prefix for
 * the life of the cache: use the keys of cache.md §1).
 *
 * No stale re-cache: a miss hands back a generation (claims_cache_gen) taken
 * under the lock.  Every invalidation (delete, delete by prefix, clear, an
 * epoch change) bumps the generation of the prefixes it concerns before it
 * removes anything, and a put carrying an older generation is discarded.  So
 * a reader that missed, read the database, and raced with a writer that
 * committed and then invalidated cannot store the value it read before.
 *
 * Thread-safety: every function taking a claims_cache may be called from any
 * thread at any time, except claims_cache_free().
 */
#ifndef CLAIMS_CACHE_H
#define CLAIMS_CACHE_H

#include "common.h"
#include "db.h"
#include "errors.h"

CLAIMS_BEGIN_DECLS

/** A shared cache.  Opaque; see claims_cache_new(). */
typedef struct claims_cache claims_cache;

/** The generation a miss hands back, to be passed to claims_cache_put(). */
typedef uint64_t claims_cache_gen;

/** A generation that is never stale: the put is unconditional (a writer that
 *  stores the value it has just committed). */
#define CLAIMS_CACHE_GEN_ANY UINT64_MAX

/**
 * A monotonic clock in milliseconds.  Called with the lock not held, often
 * (once per lookup); it must be thread-safe and never go backwards.
 */
typedef int64_t (*claims_cache_clock_fn)(void *payload);

#define CLAIMS_CACHE_OPTIONS_VERSION 1

/** Options of claims_cache_new().  Start from CLAIMS_CACHE_OPTIONS_INIT, or
 *  fill with claims_cache_config_from_env(). */
typedef struct claims_cache_options {
	/** CLAIMS_CACHE_OPTIONS_VERSION. */
	unsigned version;
	/** Entries held at most (CACHE_MAX_ENTRIES).  Default 10000; at least 1. */
	uint64_t max_entries;
	/** Bytes held at most, counted as key length + value length + 64 per
	 *  entry (CACHE_MAX_BYTES).  Default 67108864 (64 MiB); at least 1.
	 *  A value longer than max_bytes / 16 is never stored. */
	uint64_t max_bytes;
	/** Keys with their own counters (CACHE_STATS_MAX_KEYS).  Default 1000;
	 *  0 keeps no per-key counters. */
	uint64_t max_tracked_keys;
	/** TTLs in seconds by prefix; a value <= 0 means the entries never
	 *  expire (they can still be evicted).  Defaults: claim 1800 (also
	 *  pattern:analysis), remittance 1800, episode 1800, risk_score 3600,
	 *  payer 86400 (also pattern:payer), provider 3600, practice_config
	 *  86400, count:* 300, any other prefix 3600 (ttl_other). */
	int64_t ttl_claim;
	int64_t ttl_remittance;
	int64_t ttl_episode;
	int64_t ttl_risk_score;
	int64_t ttl_payer;
	int64_t ttl_provider;
	int64_t ttl_practice_config;
	int64_t ttl_count;
	int64_t ttl_other;
	/** Clock and its payload.  Default NULL: CLOCK_MONOTONIC (coarse where
	 *  the system has it), in milliseconds.  Tests pass a fake clock. */
	claims_cache_clock_fn clock;
	void *clock_payload;
} claims_cache_options;

#define CLAIMS_CACHE_OPTIONS_INIT                                                        \
	{ CLAIMS_CACHE_OPTIONS_VERSION, 10000, 67108864, 1000, 1800, 1800, 1800, 3600, 86400, \
	  3600, 86400, 300, 3600, NULL, NULL }

/** A getenv-like lookup: the value of @p name, or NULL when it is not set. */
typedef const char *(*claims_cache_env_fn)(const char *name, void *payload);

/** Receives one warning message (e.g. an invalid variable); the library never prints. */
typedef void (*claims_cache_warn_fn)(const char *message, void *payload);

/**
 * Fill @p opts from environment-like variables, without the library reading
 * the environment itself: the caller passes a lookup (a wrapper of getenv in
 * an application, a table in a test).
 *
 * Variables: CACHE_TTL_CLAIM, CACHE_TTL_REMITTANCE, CACHE_TTL_EPISODE,
 * CACHE_TTL_RISK_SCORE, CACHE_TTL_PAYER, CACHE_TTL_PROVIDER,
 * CACHE_TTL_PRACTICE_CONFIG, CACHE_TTL_COUNT (seconds, a decimal integer with
 * an optional sign; <= 0 means no expiry), CACHE_MAX_ENTRIES and
 * CACHE_MAX_BYTES (decimal integers >= 1), CACHE_STATS_MAX_KEYS (>= 0).  An
 * unset variable keeps the default; an invalid one (not a decimal integer,
 * out of range, empty) keeps the default and gives one call of @p warn.
 * @p opts is reset to CLAIMS_CACHE_OPTIONS_INIT first (the clock is kept).
 *
 * @param opts receives the options
 * @param lookup the variable lookup; NULL means no variable is set
 * @param warn optional warning sink
 * @return CLAIMS_OK (also when there were warnings); CLAIMS_EINVAL (@p opts NULL).
 * Thread-safe when @p lookup and @p warn are.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_config_from_env(claims_cache_options *opts,
							       claims_cache_env_fn lookup,
							       void *lookup_payload,
							       claims_cache_warn_fn warn,
							       void *warn_payload);

/**
 * Create a cache.
 *
 * @param out receives the cache; NULL on failure.  Yours: free it with
 *        claims_cache_free() once no thread uses it any more.
 * @param opts options, or NULL for CLAIMS_CACHE_OPTIONS_INIT
 * @return CLAIMS_OK; CLAIMS_EINVAL (bad version, max_entries or max_bytes 0);
 *         CLAIMS_ENOMEM; CLAIMS_ERROR (the random hash key could not be set up).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_new(claims_cache **out,
						   const claims_cache_options *opts);

/** Free a cache and every value in it.  NULL is accepted.  Not thread-safe:
 *  no other call on the cache may be running or follow. */
CLAIMS_API void claims_cache_free(claims_cache *cache);

/**
 * Look up @p key, counting one hit or one miss.
 *
 * A hit moves the entry to the most recently used end.  An expired entry is
 * removed and counted as one expiration and one miss.
 *
 * @param value_out on a hit, receives a copy of the value with a NUL byte
 *        after it (not counted in the length).  Yours: free it with
 *        claims_cache_value_free().  NULL on a miss or failure.
 * @param len_out optional; the value's length on a hit, 0 otherwise
 * @param gen_out optional; on a miss, the generation to pass to
 *        claims_cache_put() with the value read from the database.  Take it
 *        (miss) before the read transaction starts.
 * @return CLAIMS_OK (hit); CLAIMS_ENOTFOUND (miss); CLAIMS_EINVAL (NULL cache,
 *         key or value_out; nothing counted); CLAIMS_ENOMEM (no copy could be
 *         made of a hit, which was counted; or no room for a new prefix,
 *         nothing counted).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_get(char **value_out, size_t *len_out,
						   claims_cache_gen *gen_out, claims_cache *cache,
						   const char *key);

/** Free a value returned by claims_cache_get().  NULL is accepted. */
CLAIMS_API void claims_cache_value_free(char *value);

/**
 * Store @p value (copied) under @p key with the TTL of the key's prefix,
 * replacing any value and TTL the key had, at the most recently used end;
 * then evict least recently used entries while a bound is exceeded (an
 * expired victim counts as an expiration, any other as an eviction).
 *
 * Nothing is stored, and CLAIMS_OK is returned, when @p gen is older than
 * the generation of the key's prefix (an invalidation happened since the
 * miss that gave it), or when @p len exceeds max_bytes / 16 (an existing
 * value of the key is then removed, as it is no longer current).
 *
 * @param gen from the miss of claims_cache_get(), or CLAIMS_CACHE_GEN_ANY
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL cache or key, or NULL value with a
 *         non-zero length); CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_put(claims_cache *cache, const char *key,
						   const void *value, size_t len,
						   claims_cache_gen gen);

/**
 * As claims_cache_put(), with an explicit TTL in seconds (<= 0: never
 * expires) instead of the prefix's.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_put_ttl(claims_cache *cache, const char *key,
						       const void *value, size_t len,
						       claims_cache_gen gen, int64_t ttl_seconds);

/**
 * Whether @p key holds a value that has not expired.  Counts nothing and
 * changes no order (for diagnostics and tests).
 */
CLAIMS_API bool claims_cache_contains(claims_cache *cache, const char *key);

/**
 * Invalidate @p key: bump its prefix's generation, then remove its value
 * (counted neither as an eviction nor as an expiration).  Call it after the
 * database transaction that changed the answer has committed.
 *
 * @return CLAIMS_OK (also when the key held nothing); CLAIMS_EINVAL; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_delete(claims_cache *cache, const char *key);

/**
 * Invalidate every key equal to @p prefix or starting with @p prefix followed
 * by ':' ("count:claim" removes "count:claim" and "count:claim:status=paid",
 * not "count:claims").  Generations are bumped first, as by claims_cache_delete().
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL or empty prefix); CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_delete_prefix(claims_cache *cache,
							     const char *prefix);

/**
 * Remove every entry (counted neither as evictions nor as expirations) and
 * bump every generation.  Counters stay.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_clear(claims_cache *cache);

/** Hits, misses and their rate. */
typedef struct claims_cache_counts {
	uint64_t hits;
	uint64_t misses;
	/** hits + misses */
	uint64_t total;
	/** 100 * hits / total rounded half up to 2 decimals; 0.00 with no lookup */
	double hit_rate;
	/** the same rate in hundredths of a percent (66.67 -> 6667), for exact rendering */
	uint32_t hit_rate_centi;
} claims_cache_counts;

/** One prefix of a snapshot. */
typedef struct claims_cache_prefix_stats {
	/** the prefix, e.g. "count:claim" (owned by the snapshot) */
	char *prefix;
	claims_cache_counts counts;
	/** entries held with this prefix now */
	uint64_t entries;
} claims_cache_prefix_stats;

/** One tracked key of a snapshot. */
typedef struct claims_cache_key_stats {
	/** the key (owned by the snapshot) */
	char *key;
	claims_cache_counts counts;
} claims_cache_key_stats;

/** A consistent snapshot of the statistics (every number read under one lock). */
typedef struct claims_cache_stats {
	/** overall lookups; overall hits (misses) = the sum over by_prefix */
	claims_cache_counts overall;
	/** entries evicted to respect a bound (not expired ones) */
	uint64_t evictions;
	/** expired entries removed (on lookup, or as an eviction victim) */
	uint64_t expirations;
	/** gauges: entries and bytes held now */
	uint64_t entries;
	uint64_t bytes;
	uint64_t max_entries;
	uint64_t max_bytes;
	/** every prefix seen since the cache was created, in ascending byte order */
	claims_cache_prefix_stats *by_prefix;
	size_t n_prefixes;
	/** the tracked keys, in ascending byte order (n_keys = tracked_keys) */
	claims_cache_key_stats *by_key;
	size_t n_keys;
	uint64_t max_tracked_keys;
} claims_cache_stats;

/**
 * A consistent snapshot of the statistics: hits + misses equals the number
 * of counted lookups made before it, overall equals the sum of the prefixes.
 *
 * @param out receives the snapshot; NULL on failure.  Yours: free it with
 *        claims_cache_stats_free().
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_stats_get(claims_cache_stats **out,
							 claims_cache *cache);

/** Free a snapshot.  NULL is accepted. */
CLAIMS_API void claims_cache_stats_free(claims_cache_stats *stats);

/**
 * The counters of one key.  A key that is not tracked gives zeros, 0.00 and
 * *tracked_out false.
 *
 * @param out receives the counters (a value; nothing to free)
 * @param tracked_out optional; whether the key has its own counters
 * @return CLAIMS_OK; CLAIMS_EINVAL.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_key_stats_get(claims_cache_counts *out,
							     bool *tracked_out,
							     claims_cache *cache,
							     const char *key);

/**
 * Reset statistics.  With @p key NULL or empty: every counter (overall,
 * prefixes, evictions, expirations) becomes 0 and no key stays tracked;
 * entries, bytes and values stay.  With a key: its counters are subtracted
 * from its prefix and from the overall totals, and it is no longer tracked;
 * an unknown or untracked key changes nothing.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL cache).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_stats_reset(claims_cache *cache,
							   const char *key);

/**
 * Drop every entry when another process changed the database: reads
 * meta.write_epoch through @p db at most once per second of the cache's
 * clock (the first call after the second has passed; the other calls return
 * at once), and when it differs from the value seen before (or on the first
 * read), removes every entry and bumps every generation as claims_cache_clear()
 * does.  Counters stay.  Call it at the start of each request, before any
 * lookup, outside any transaction.
 *
 * @param db a handle of the calling thread
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EDB / CLAIMS_EBUSY from the read
 *         (detail in claims_db_errmsg(db); the next call retries).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_cache_sync_epoch(claims_cache *cache, claims_db *db);

/**
 * The value of meta.write_epoch (0 when the row is missing).
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EDB; CLAIMS_EBUSY.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_write_epoch(int64_t *out, claims_db *db);

/**
 * Increment meta.write_epoch.  Every write transaction made by a process
 * that does not share the server's cache (the CLI) calls it inside that
 * transaction, before COMMIT, so that a running server drops its cached
 * answers within a second.  Called outside a transaction it runs in its own.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EDB; CLAIMS_EBUSY.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_db_write_epoch_bump(claims_db *db);

/**
 * Attach @p cache to @p db (NULL detaches).  From then on every write the
 * library makes through @p db removes the cached answers it changes, as
 * spec/cache.md §6 lists them, right after its transaction commits; a
 * rolled-back transaction removes nothing.  Invalidation bumps the
 * prefixes' generations, so a reader that missed before the commit cannot
 * store the old answer afterwards (claims_cache_put's @p gen).
 *
 * The cache must outlive its use by @p db.  Each handle belongs to one
 * thread; many handles may share one cache.
 */
CLAIMS_API void claims_db_set_cache(claims_db *db, claims_cache *cache);

CLAIMS_END_DECLS

#endif /* CLAIMS_CACHE_H */
