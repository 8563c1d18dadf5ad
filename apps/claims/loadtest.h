/*
 * claims loadtest: the parts that do no I/O, kept pure so the unit tests
 * (tests/unit/test_loadtest.c) can pin them: the base URL, the round-robin
 * endpoint schedule, the incremental HTTP/1.1 response parser and the
 * statistics of spec/cli.md §2.
 */
#ifndef CLAIMS_CLI_LOADTEST_H
#define CLAIMS_CLI_LOADTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render_loadtest.h"

/* ------------------------------------------------------------ base URL */

struct loadtest_url {
	char host[256];     /* name or address; an IPv6 literal without its brackets */
	char port[6];       /* decimal, "80" when the URL has none */
	char prefix[1024];  /* "" or "/a/b" (no trailing slash), put before every path */
	bool ipv6_literal;  /* the host was written [addr] */
};

/* Parse "http://HOST[:PORT][/PREFIX]"; HOST is a name, an IPv4 address or
 * a bracketed IPv6 address.  Returns NULL, or a static message naming the
 * problem (https, another scheme, user info, bad port, ...). */
const char *loadtest_url_parse(struct loadtest_url *out, const char *url);

/* ------------------------------------------------------------ schedule */

/* Endpoint i is requested counts[i] times; request k of the run goes to
 * loadtest_schedule_at(s, k): round r visits, in list order, every endpoint
 * still owed a request (so with counts 2,2,1 the order is 0 1 2 0 1). */
struct loadtest_schedule {
	uint64_t total;
	size_t n_segments;
	struct loadtest_segment {
		uint64_t first;      /* first request index of the segment */
		uint64_t rounds;     /* rounds in the segment */
		size_t n_active;     /* endpoints visited per round */
		size_t active_off;   /* their indexes start at active[active_off] */
	} *segments;
	uint32_t *active;
};

/* Returns 0, or -1 when out of memory or n is 0.  Free with
 * loadtest_schedule_free(), which accepts a zeroed structure. */
int loadtest_schedule_init(struct loadtest_schedule *s, const uint64_t *counts, size_t n);
/* The endpoint of request @p k (k < s->total). */
uint32_t loadtest_schedule_at(const struct loadtest_schedule *s, uint64_t k);
void loadtest_schedule_free(struct loadtest_schedule *s);

/* ------------------------------------------------------- HTTP responses */

enum {
	LOADTEST_HTTP_BAD = -1,  /* not a valid HTTP/1.x response */
	LOADTEST_HTTP_MORE = 0,  /* needs more bytes */
	LOADTEST_HTTP_DONE = 1,  /* the response ended (body discarded) */
};

struct loadtest_http {
	int state;
	int status;           /* the final status, once the head is parsed */
	bool close;           /* the connection must be closed after this response */
	uint64_t remaining;   /* body or chunk bytes still to skip */
	/* Optional, set after loadtest_http_reset(): receives the body's bytes
	 * (de-chunked) as they are parsed; the load test leaves it NULL. */
	void (*on_body)(void *payload, const char *p, size_t n);
	void *body_payload;
};

/* Start a new response; on_body and body_payload are cleared too. */
void loadtest_http_reset(struct loadtest_http *h);
/* Feed @p len bytes; *used says how many were consumed.  Bytes not consumed
 * (an incomplete head or chunk-size line) must be offered again, followed by
 * more, on the next call.  Handles Content-Length, chunked bodies (with
 * trailers), bodies delimited by the end of the connection, interim 1xx
 * responses, and no-body statuses (1xx, 204, 304). */
int loadtest_http_parse(struct loadtest_http *h, const char *buf, size_t len, size_t *used);
/* The peer closed the connection: LOADTEST_HTTP_DONE when that ends the
 * response (a body delimited by close), LOADTEST_HTTP_BAD otherwise. */
int loadtest_http_eof(const struct loadtest_http *h);

/* ----------------------------------------------------------- statistics */

/* Nearest rank: the 1-based position ceil(pct/100 * n) in a sorted list of
 * n values, at least 1; 0 when n is 0. */
size_t loadtest_rank(unsigned pct, size_t n);

/* Round half away from zero to 2 decimals. */
double loadtest_round2(double v);

/* 100 * part / whole rounded half up to 2 decimals, computed exactly;
 * 0 when whole is 0. */
double loadtest_percent2(uint64_t part, uint64_t whole);

/* Statistics of @p n latencies in nanoseconds, sorted ascending, in
 * milliseconds with 2 decimals: mean, median (mean of the two middle values
 * when n is even), nearest-rank p95 and p99, min, max, and the sample
 * standard deviation (n - 1; 0 when n < 2).  Every value but stddev is
 * rounded exactly (half up) from the integer nanoseconds.  All 0 when n is 0. */
void loadtest_latency_sorted(struct loadtest_latency *out, const uint64_t *sorted_ns, size_t n);

/* Sort @p ns in place, then loadtest_latency_sorted(). */
void loadtest_latency_compute(struct loadtest_latency *out, uint64_t *ns, size_t n);

#endif
