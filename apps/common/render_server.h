/*
 * JSON of claimsd's own answers (cache statistics, detailed health, plain
 * messages).  Each function returns a malloc'd string (free()) or NULL when
 * out of memory.
 */
#ifndef CLAIMS_APP_RENDER_SERVER_H
#define CLAIMS_APP_RENDER_SERVER_H

#include <stdbool.h>

#include <claims/claims.h>

/* GET /api/v1/cache/stats (cache.md §5). */
char *render_cache_stats(const claims_cache_stats *s);
/* GET /api/v1/cache/stats?key=K: {"hit_rate", "hits", "key", "misses", "total", "tracked"} */
char *render_cache_key_stats(const char *key, const claims_cache_counts *c, bool tracked);
/* {"message": message} */
char *render_message(const char *message);

/* What GET /api/v1/health/detailed reports. */
struct health_report {
	bool db_ok;
	double db_response_ms;
	int schema_version;
	const char *db_error;
	uint64_t cache_entries, cache_bytes;
	bool worker_ok;
	int worker_threads;
	int64_t queued_jobs, running_jobs;
	const char *timestamp; /* UTC, ISO-8601 with Z */
};

char *render_health_detailed(const struct health_report *h);

#endif
