/*
 * claimsd: GET /metrics and the counters behind it (metrics.h).
 *
 * Series table.  A series is one (method, route, status).  The table is a
 * fixed array of atomic pointers probed linearly from the hash of the key;
 * a series is created once (its first response), published with a
 * compare-and-swap, and never removed, so lookups take no lock.  Routes
 * are templates and statuses a small set, so a few hundred series is the
 * realistic most; beyond SERIES_MAX a response is counted in no series
 * (claims_http_series_dropped_total says how many).
 *
 * Shards.  Each series holds SHARDS copies of its counters, each on its own
 * cache lines; a thread always uses the shard of its number, so request
 * threads seldom write the same line.  Buckets are stored per bucket and
 * made cumulative when scraped.  Durations are summed in nanoseconds.
 */
#include "config.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "audit.h"
#include "metrics.h"
#include "notify.h"
#include "server.h"

#define SERIES_MAX 4096 /* slots; a power of two */
#define SHARDS 8

/* Upper bounds (seconds) of the latency buckets; +Inf is implied. */
static const double bucket_le[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				    0.025,  0.05,    0.1,    0.25,  0.5,    1.0,   2.5,
				    5.0,    10.0 };
#define N_BUCKETS (sizeof(bucket_le) / sizeof(bucket_le[0]) + 1) /* with +Inf */

struct shard {
	_Atomic uint64_t count;
	_Atomic uint64_t sum_ns;
	_Atomic uint64_t buckets[N_BUCKETS];
} __attribute__((aligned(64)));

struct series {
	char method[8];
	char route[96];
	int status;
	struct shard shards[SHARDS];
};

static _Atomic(struct series *) table[SERIES_MAX];
static _Atomic uint64_t series_dropped;
static _Atomic uint64_t rate_limited;

/* Ingest counters (rare: plain atomics). */
static const char *const ingest_statuses[] = { "ingested", "duplicate", "refused", "failed" };
#define N_INGEST (sizeof(ingest_statuses) / sizeof(ingest_statuses[0]))
static _Atomic uint64_t ingest_files[N_INGEST];
static _Atomic uint64_t ingest_claims;
static _Atomic uint64_t ingest_remits;

static atomic_uint next_thread;
static _Thread_local unsigned thread_shard = UINT32_MAX;

double
metrics_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned
my_shard(void)
{
	if (thread_shard == UINT32_MAX)
		thread_shard = atomic_fetch_add(&next_thread, 1) % SHARDS;
	return thread_shard;
}

static const char *
method_label(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
					     "OPTIONS" };

	for (size_t i = 0; m && i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(m, known[i]) == 0)
			return known[i];
	return "OTHER";
}

static uint64_t
hash_key(const char *method, const char *route, int status)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (const char *p = method; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (const char *p = route; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	h = (h ^ (uint64_t)status) * 1099511628211ULL;
	return h;
}

static bool
same(const struct series *s, const char *method, const char *route, int status)
{
	return s->status == status && strcmp(s->method, method) == 0 &&
	       strcmp(s->route, route) == 0;
}

static struct series *
find_or_add(const char *method, const char *route, int status)
{
	size_t i = (size_t)hash_key(method, route, status) & (SERIES_MAX - 1);
	struct series *fresh = NULL;

	for (size_t probe = 0; probe < SERIES_MAX; probe++, i = (i + 1) & (SERIES_MAX - 1)) {
		struct series *s = atomic_load_explicit(&table[i], memory_order_acquire);

		if (!s) {
			if (!fresh) {
				fresh = calloc(1, sizeof(*fresh));
				if (!fresh)
					return NULL;
				snprintf(fresh->method, sizeof(fresh->method), "%s", method);
				snprintf(fresh->route, sizeof(fresh->route), "%s", route);
				fresh->status = status;
			}
			if (atomic_compare_exchange_strong_explicit(&table[i], &s, fresh,
								    memory_order_acq_rel,
								    memory_order_acquire))
				return fresh;
			/* Someone else took the slot: s is theirs. */
		}
		if (same(s, method, route, status)) {
			free(fresh);
			return s;
		}
	}
	free(fresh);
	return NULL;
}

void
metrics_observe_request(const char *method, const char *route, int status, double seconds)
{
	const char *m = method_label(method);
	struct series *s;
	struct shard *sh;
	size_t b = 0;

	if (!route)
		route = METRICS_ROUTE_UNMATCHED;
	s = find_or_add(m, route, status);
	if (!s) {
		atomic_fetch_add_explicit(&series_dropped, 1, memory_order_relaxed);
		return;
	}
	if (seconds < 0)
		seconds = 0;
	while (b < N_BUCKETS - 1 && seconds > bucket_le[b])
		b++;
	sh = &s->shards[my_shard()];
	atomic_fetch_add_explicit(&sh->buckets[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->sum_ns, (uint64_t)(seconds * 1e9 + 0.5), memory_order_relaxed);
	atomic_fetch_add_explicit(&sh->count, 1, memory_order_relaxed);
}

void
metrics_count_rate_limited(void)
{
	atomic_fetch_add_explicit(&rate_limited, 1, memory_order_relaxed);
}


void
metrics_count_ingest(const char *status, int64_t claims, int64_t remittances)
{
	for (size_t i = 0; i < N_INGEST; i++) {
		if (strcmp(status, ingest_statuses[i]) != 0)
			continue;
		atomic_fetch_add_explicit(&ingest_files[i], 1, memory_order_relaxed);
		break;
	}
	if (claims > 0)
		atomic_fetch_add_explicit(&ingest_claims, (uint64_t)claims, memory_order_relaxed);
	if (remittances > 0)
		atomic_fetch_add_explicit(&ingest_remits, (uint64_t)remittances,
					  memory_order_relaxed);
}

/* ------------------------------------------------------------ the exposition */

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
};

static void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->failed)
		return;
	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->buf ? o->buf + o->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->failed = true;
			return;
		}
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		size_t cap = o->cap ? o->cap * 2 : 16384;

		while (cap - o->len <= (size_t)n)
			cap *= 2;
		char *nb = realloc(o->buf, cap);

		if (!nb) {
			o->failed = true;
			return;
		}
		o->buf = nb;
		o->cap = cap;
	}
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped (the format's rule). */
static void
label_value(char *dst, size_t size, const char *v)
{
	size_t n = 0;

	for (; *v && n + 3 < size; v++) {
		if (*v == '\\' || *v == '"') {
			dst[n++] = '\\';
			dst[n++] = *v;
		} else if (*v == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else {
			dst[n++] = *v;
		}
	}
	dst[n] = '\0';
}

static int
cmp_series(const void *a, const void *b)
{
	const struct series *x = *(const struct series *const *)a;
	const struct series *y = *(const struct series *const *)b;
	int c = strcmp(x->route, y->route);

	if (c == 0)
		c = strcmp(x->method, y->method);
	if (c == 0)
		c = (x->status > y->status) - (x->status < y->status);
	return c;
}

/* A series' counters summed over its shards. */
struct totals {
	uint64_t count, sum_ns, buckets[N_BUCKETS];
};

static void
sum_series(const struct series *s, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (int k = 0; k < SHARDS; k++) {
		const struct shard *sh = &s->shards[k];

		for (size_t b = 0; b < N_BUCKETS; b++)
			t->buckets[b] += atomic_load_explicit(&sh->buckets[b], memory_order_relaxed);
		t->sum_ns += atomic_load_explicit(&sh->sum_ns, memory_order_relaxed);
	}
	/* The count is the buckets' sum: _count always equals the +Inf
	 * bucket, even while a request is being added. */
	for (size_t b = 0; b < N_BUCKETS; b++)
		t->count += t->buckets[b];
}

static void
http_families(struct out *o)
{
	struct series **all = NULL;
	size_t n = 0;

	all = malloc(SERIES_MAX * sizeof(*all));
	if (!all) {
		o->failed = true;
		return;
	}
	for (size_t i = 0; i < SERIES_MAX; i++) {
		struct series *s = atomic_load_explicit(&table[i], memory_order_acquire);

		if (s)
			all[n++] = s;
	}
	qsort(all, n, sizeof(*all), cmp_series);

	family(o, "claims_http_requests_total", "counter",
	       "HTTP responses by method, route template and status.");
	for (size_t i = 0; i < n; i++) {
		struct totals t;
		char route[200];

		sum_series(all[i], &t);
		label_value(route, sizeof(route), all[i]->route);
		out_printf(o, "claims_http_requests_total{method=\"%s\",route=\"%s\",status=\"%d\"} %" PRIu64 "\n",
			   all[i]->method, route, all[i]->status, t.count);
	}
	family(o, "claims_http_request_duration_seconds", "histogram",
	       "Time from dispatch until the response is written, by method, route template "
	       "and status.");
	for (size_t i = 0; i < n; i++) {
		struct totals t;
		char route[200], labels[300];
		uint64_t cum = 0;

		sum_series(all[i], &t);
		label_value(route, sizeof(route), all[i]->route);
		snprintf(labels, sizeof(labels), "method=\"%s\",route=\"%s\",status=\"%d\"",
			 all[i]->method, route, all[i]->status);
		for (size_t b = 0; b < N_BUCKETS; b++) {
			cum += t.buckets[b];
			if (b < N_BUCKETS - 1)
				out_printf(o,
					   "claims_http_request_duration_seconds_bucket{%s,le=\"%g\"} %" PRIu64 "\n",
					   labels, bucket_le[b], cum);
			else
				out_printf(o,
					   "claims_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n",
					   labels, cum);
		}
		out_printf(o, "claims_http_request_duration_seconds_sum{%s} %.9f\n", labels,
			   (double)t.sum_ns / 1e9);
		out_printf(o, "claims_http_request_duration_seconds_count{%s} %" PRIu64 "\n", labels,
			   t.count);
	}
	family(o, "claims_http_series_dropped_total", "counter",
	       "Responses not counted because the series table was full.");
	out_printf(o, "claims_http_series_dropped_total %" PRIu64 "\n",
		   atomic_load(&series_dropped));
	free(all);
}

static void
simple(struct out *o, const char *name, const char *type, const char *help, uint64_t v)
{
	family(o, name, type, help);
	out_printf(o, "%s %" PRIu64 "\n", name, v);
}

int
handle_metrics(struct request *req)
{
	static const char *const job_statuses[] = { "queued", "running", "succeeded", "failed" };
	struct out o = { 0 };
	claims_cache_stats *cs = NULL;
	int64_t jobs[4];
	bool jobs_ok = true;
	int status;

	/* Read what can fail first: a failure is a 500, never half an answer. */
	if (claims_cache_stats_get(&cs, app.cache) < 0)
		return http_send_owned(req->conn, 500, NULL);
	for (size_t i = 0; i < 4 && jobs_ok; i++)
		jobs_ok = claims_job_count(&jobs[i], req->db, job_statuses[i]) == CLAIMS_OK;
	if (!jobs_ok) {
		claims_cache_stats_free(cs);
		return http_send_db_error(req, CLAIMS_EDB);
	}

	http_families(&o);

	simple(&o, "claims_cache_hits_total", "counter", "Cache lookups that found a live entry.",
	       cs->overall.hits);
	simple(&o, "claims_cache_misses_total", "counter", "Cache lookups that found none.",
	       cs->overall.misses);
	simple(&o, "claims_cache_evictions_total", "counter",
	       "Cache entries evicted to respect a bound.", cs->evictions);
	simple(&o, "claims_cache_expirations_total", "counter", "Expired cache entries removed.",
	       cs->expirations);
	simple(&o, "claims_cache_entries", "gauge", "Entries in the cache.", cs->entries);
	simple(&o, "claims_cache_bytes", "gauge", "Bytes held by the cache.", cs->bytes);
	claims_cache_stats_free(cs);

	family(&o, "claims_ingest_files_total", "counter",
	       "Files uploaded to this process and processed, by outcome.");
	for (size_t i = 0; i < N_INGEST; i++)
		out_printf(&o, "claims_ingest_files_total{status=\"%s\"} %" PRIu64 "\n",
			   ingest_statuses[i], atomic_load(&ingest_files[i]));
	simple(&o, "claims_ingest_claims_total", "counter",
	       "Claims stored by this process's uploads and jobs.", atomic_load(&ingest_claims));
	simple(&o, "claims_ingest_remittances_total", "counter",
	       "Remittances stored by this process's uploads and jobs.",
	       atomic_load(&ingest_remits));

	family(&o, "claims_jobs", "gauge", "Background ingest jobs in the database, by status.");
	for (size_t i = 0; i < 4; i++)
		out_printf(&o, "claims_jobs{status=\"%s\"} %" PRId64 "\n", job_statuses[i], jobs[i]);

	simple(&o, "claims_ws_clients", "gauge", "WebSocket notification clients connected.",
	       (uint64_t)notify_clients());
	family(&o, "claims_ws_disconnects_total", "counter",
	       "WebSocket clients gone, by reason.");
	for (int r = 0; r < NOTIFY_N_REASONS; r++)
		out_printf(&o, "claims_ws_disconnects_total{reason=\"%s\"} %" PRIu64 "\n",
			   notify_reason_name((enum notify_reason)r),
			   notify_disconnects((enum notify_reason)r));
	simple(&o, "claims_rate_limited_total", "counter",
	       "Requests refused by the rate limiter.", atomic_load(&rate_limited));
	simple(&o, "claims_audit_dropped_total", "counter",
	       "Audit records dropped because the audit queue was full.",
	       audit_dropped_total());

	if (o.failed) {
		free(o.buf);
		return http_send_owned(req->conn, 500, NULL);
	}
	status = http_send_body(req->conn, 200, "text/plain; version=0.0.4", o.buf,
				o.len, NULL);
	free(o.buf);
	return status;
}
