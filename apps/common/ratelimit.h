/*
 * Fixed-window rate limits per client (spec/security.md §3).
 *
 * Windows: minute = floor(t / 60), hour = floor(t / 3600).  A request is
 * allowed when the client's count in the current minute is below the minute
 * limit and its count in the current hour below the hour limit; an allowed
 * request increments both, a refused one nothing.  At most max_clients
 * clients are tracked; when a new one arrives at the bound the least
 * recently seen is dropped, which is always one whose hour window has passed
 * when such a client exists (a client seen in the current hour was seen
 * after every client not seen in it).
 *
 * Exact under concurrency: one mutex guards the table (a lookup and two
 * increments; the request threads never hold it for longer).
 */
#ifndef CLAIMS_APP_RATELIMIT_H
#define CLAIMS_APP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ratelimit;

struct ratelimit_result {
	bool allowed;
	/* The window that refused ("minute" or "hour"), NULL when allowed. */
	const char *window;
	long limit_minute, limit_hour;
	/* max(0, limit - count after this request). */
	long remaining_minute, remaining_hour;
	/* Seconds until the minute window ends. */
	int reset;
	/* Refused: whole seconds until the blocking window ends (>= 1). */
	int retry_after;
};

/* NULL when out of memory. */
struct ratelimit *ratelimit_new(long per_minute, long per_hour, size_t max_clients);
void ratelimit_free(struct ratelimit *rl);

/* Count one request of client @p key at unix time @p now. */
void ratelimit_check(struct ratelimit *rl, const char *key, int64_t now,
		     struct ratelimit_result *out);

/* Clients tracked now. */
size_t ratelimit_clients(struct ratelimit *rl);

#endif
