/*
 * The report of `claims loadtest` (spec/cli.md §2) as plain C values, and
 * its JSON rendering.  The command fills the structure (statistics already
 * rounded to 2 decimals, every list already in ascending key order); the
 * text output reads the same structure, so both outputs agree.
 */
#ifndef CLAIMS_APP_RENDER_LOADTEST_H
#define CLAIMS_APP_RENDER_LOADTEST_H

#include <stddef.h>
#include <stdint.h>

/* Latency statistics in milliseconds, each rounded to 2 decimals; all 0
 * when there was no response. */
struct loadtest_latency {
	double mean;
	double median;
	double p95;
	double p99;
	double min;
	double max;
	double stddev;
};

/* One key of status_distribution ("200") or error_messages. */
struct loadtest_count {
	const char *key;
	uint64_t n;
};

/* One path of per_endpoint. */
struct loadtest_endpoint_report {
	const char *path;
	uint64_t requests;     /* attempted */
	uint64_t success;      /* 2xx responses */
	double success_rate;   /* 2 decimals */
	struct loadtest_latency latency; /* stddev is not rendered per endpoint */
};

struct loadtest_report {
	uint64_t total_requests;
	uint64_t errors;
	uint64_t failures;
	double success_rate;
	double wall_seconds;
	double requests_per_second;
	struct loadtest_latency latency;
	const struct loadtest_count *statuses;  /* keys ascending */
	size_t n_statuses;
	const struct loadtest_count *messages;  /* keys ascending */
	size_t n_messages;
	const struct loadtest_endpoint_report *endpoints; /* paths ascending */
	size_t n_endpoints;
};

/* {"total_requests", "errors", "failures", "success_rate", "wall_seconds",
 *  "requests_per_second", "latency_ms": {mean, median, p95, p99, min, max,
 *  stddev}, "status_distribution": {"200": n}, "error_messages": {"msg": n},
 *  "per_endpoint": {"<path>": {requests, success, success_rate, mean_ms,
 *  median_ms, p95_ms, p99_ms, min_ms, max_ms}}}; decimals are written with
 *  exactly 2 places.  Returns a malloc'd string or NULL when out of memory. */
char *render_loadtest_report(const struct loadtest_report *r);

#endif
