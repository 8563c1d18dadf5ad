/*
 * claimsd: the counters behind GET /metrics (spec/api.md §4.10), in the
 * Prometheus text format 0.0.4.
 *
 * Request counters and latency histograms are kept per (method, route
 * template, status) series in a lock-free table; each series is split into
 * shards picked by thread, so request threads rarely share a cache line,
 * and a scrape only reads (relaxed atomics: a scrape racing a request may
 * see it in the count a moment before its bucket, never a torn value).
 * Everything else (cache, jobs, WebSocket clients) is read at scrape time.
 *
 * Ingest counters count what this process ingested (uploads and jobs), not
 * what the database holds: they start at 0 with the process, as Prometheus
 * counters do, and other processes (the CLI) are not included.
 */
#ifndef CLAIMSD_METRICS_H
#define CLAIMSD_METRICS_H

#include <stdint.h>

/* The route label of requests no route template matched (404, 405). */
#define METRICS_ROUTE_UNMATCHED "unmatched"

/*
 * Count one response: @p method as sent ("GET", "HEAD", ...; other methods
 * are counted as "OTHER"), @p route the template that matched (never the
 * raw path; NULL or METRICS_ROUTE_UNMATCHED when none did), @p status the
 * HTTP status, @p seconds from the start of dispatch until the answer is
 * about to be written (so that no client sees an answer not yet counted;
 * a WebSocket upgrade is counted at its 101).
 * Thread-safe, lock-free after the first response of a series.
 */
void metrics_observe_request(const char *method, const char *route, int status, double seconds);

/* A request refused by the rate limiter (claims_rate_limited_total). */
void metrics_count_rate_limited(void);


/* One file through an upload or a job: @p status "ingested", "duplicate",
 * "refused" or "failed" (claims_ingest_files_total{status}); for ingested
 * files the claims and remittances stored (claims_ingest_claims_total:
 * created + replaced + voided + resubmitted; claims_ingest_remittances_total:
 * new + already stored). */
void metrics_count_ingest(const char *status, int64_t claims, int64_t remittances);

/* Monotonic seconds, for durations. */
double metrics_now(void);

#endif
