/*
 * claims loadtest [--base-url URL] [--concurrent N] [--requests N] [--endpoints P,...]
 *                 [--duration S] [--token T] [--timeout S] [--min-success PCT] [--json]
 *
 * spec/cli.md §2.  --concurrent worker threads each keep one HTTP/1.1
 * connection to the server (plain POSIX sockets, non-blocking, every wait
 * a poll() bounded by the request's deadline) and take request numbers from
 * one shared atomic counter; request k goes to the endpoint the round-robin
 * schedule gives it.  A worker reconnects when the server closed the
 * connection (Connection: close, an HTTP/1.0 answer, a body ended by close),
 * and retries a request once on a fresh connection when a kept-alive one
 * turns out to be closed before any byte of the answer came back.
 *
 * The hot path allocates nothing: requests are prebuilt, every worker reads
 * into its own fixed buffer and appends one 16-byte sample per request to
 * its own array (presized, doubled when a --duration run outgrows it).  The
 * main thread merges the arrays after joining the workers, so the only
 * state the threads share is the counter and an abort flag.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "env.h"
#include "loadtest.h"
#include "net.h"
#include "render_loadtest.h"

#define MAX_CONCURRENT 1000
#define MAX_REQUESTS 100000000L
#define MAX_ENDPOINTS 256
#define MAX_SECONDS 86400.0
#define READ_BUF_SIZE 16384
#define MAX_ERROR_KINDS 16
#define WORKER_STACK_SIZE (512 * 1024)

/* The default schedule (spec/cli.md §2): each path × --requests, the last
 * × ⌈requests / 2⌉. */
static const char *const default_paths[] = {
	"/api/v1/health", "/api/v1/claims", "/api/v1/remits", "/api/v1/episodes",
	"/api/v1/cache/stats",
};

/* Transport failures that have no errno of their own. */
enum {
	ERR_CLOSED = -1,     /* the server closed the connection mid-response */
	ERR_INVALID = -2,    /* not an HTTP/1.x response */
	ERR_TOO_LARGE = -3,  /* head or chunk line longer than the read buffer */
};

struct endpoint {
	const char *path;    /* borrowed from argv or default_paths */
	uint32_t uid;        /* index of the first endpoint with the same path */
	char *request;       /* the whole request, sent as is */
	size_t request_len;
};

struct sample {
	uint64_t ns;         /* connection or request start to the last byte */
	uint32_t endpoint;
	int16_t status;      /* HTTP status, or -1 for a transport error */
	uint16_t error;      /* transport errors: index into the worker's table */
};

struct run {
	const struct endpoint *endpoints;
	uint32_t n_endpoints;
	struct loadtest_schedule schedule;  /* --requests mode */
	bool duration_mode;
	int64_t deadline_ns;                /* --duration mode */
	int64_t timeout_ns;
	struct addrinfo *addrs;
	atomic_uint_fast64_t next;          /* the next request number */
	atomic_bool abort;                  /* a worker ran out of memory */
};

struct error_kind {
	char text[96];
	uint64_t n;
};

struct worker {
	struct run *run;
	pthread_t thread;
	int fd;
	bool reused;          /* fd has carried a complete response */
	char *buf;
	size_t start, end;    /* unparsed bytes of buf */
	struct sample *samples;
	size_t n, cap;
	struct error_kind errors[MAX_ERROR_KINDS];
	uint16_t n_errors;
	bool oom;
};

struct options {
	const char *base_url;
	long concurrent;
	long requests;
	double duration;      /* 0: --requests mode */
	double timeout;
	double min_success;   /* < 0: not given */
	const char *token;
	const char **paths;
	size_t n_paths;
};

/* Connect the worker to the first address that answers.  0 or an errno value. */
static int
connect_any(struct worker *w, int64_t deadline)
{
	int err = net_connect(w->run->addrs, deadline, &w->fd);

	if (err == 0)
		w->reused = false;
	return err;
}

static void
drop_connection(struct worker *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	w->reused = false;
}

/* --------------------------------------------------------------- workers */

static bool
push_sample(struct worker *w, uint32_t ep, int status, uint16_t error, int64_t ns)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 1024;
		struct sample *s = realloc(w->samples, cap * sizeof(*s));

		if (!s) {
			w->oom = true;
			atomic_store(&w->run->abort, true);
			return false;
		}
		w->samples = s;
		w->cap = cap;
	}
	w->samples[w->n++] = (struct sample){
		.ns = ns > 0 ? (uint64_t)ns : 0,
		.endpoint = ep,
		.status = (int16_t)status,
		.error = error,
	};
	return true;
}

static void
error_text(int err, char *buf, size_t len)
{
	const char *s = NULL;

	switch (err) {
	case ERR_CLOSED: s = "connection closed before the response ended"; break;
	case ERR_INVALID: s = "invalid HTTP response"; break;
	case ERR_TOO_LARGE: s = "response head too large"; break;
	case ECONNREFUSED: s = "connection refused"; break;
	case ECONNRESET:
	case EPIPE: s = "connection reset"; break;
	case ETIMEDOUT: s = "timeout"; break;
	case EHOSTUNREACH: s = "host unreachable"; break;
	case ENETUNREACH: s = "network unreachable"; break;
	case EADDRNOTAVAIL: s = "no local address available"; break;
	default: break;
	}
	if (s) {
		(void)snprintf(buf, len, "%s", s);
	} else if (strerror_r(err, buf, len) != 0) {
		(void)snprintf(buf, len, "error %d", err);
	}
}

static void
record_error(struct worker *w, uint32_t ep, int err, int64_t ns)
{
	char text[sizeof(w->errors[0].text)];
	uint16_t i;

	error_text(err, text, sizeof(text));
	for (i = 0; i < w->n_errors; i++)
		if (strcmp(w->errors[i].text, text) == 0)
			break;
	if (i == w->n_errors) {
		if (w->n_errors == MAX_ERROR_KINDS - 1) {
			/* The last slot gathers whatever does not fit. */
			i = MAX_ERROR_KINDS - 1;
			(void)snprintf(w->errors[i].text, sizeof(w->errors[i].text), "other errors");
		} else {
			(void)snprintf(w->errors[i].text, sizeof(w->errors[i].text), "%s", text);
			w->n_errors++;
		}
	}
	if (push_sample(w, ep, -1, i, ns))
		w->errors[i].n++;
}

/* One try of a request on the worker's connection (opened first when there
 * is none).  Returns 0 with the response parsed into *h, or the failure;
 * *stale says the failure is a kept-alive connection the server had already
 * closed (nothing of the answer came back), worth one more try. */
static int
attempt(struct worker *w, const struct endpoint *e, int64_t t0, struct loadtest_http *h,
	bool *stale)
{
	int64_t deadline = t0 + w->run->timeout_ns;
	bool kept_alive, got = false, wait_first = true;
	int err;

	*stale = false;
	if (w->fd < 0) {
		err = connect_any(w, deadline);
		if (err)
			return err;
	}
	kept_alive = w->reused;
	err = net_send_all(w->fd, e->request, e->request_len, deadline);
	if (err) {
		*stale = kept_alive && (err == EPIPE || err == ECONNRESET);
		return err;
	}

	loadtest_http_reset(h);
	w->start = w->end = 0;
	for (;;) {
		size_t used;
		ssize_t n;
		int rc = loadtest_http_parse(h, w->buf + w->start, w->end - w->start, &used);

		w->start += used;
		if (rc == LOADTEST_HTTP_DONE)
			return 0;
		if (rc == LOADTEST_HTTP_BAD)
			return ERR_INVALID;
		if (w->start == w->end) {
			w->start = w->end = 0;
		} else if (w->end == READ_BUF_SIZE) {
			if (w->start == 0)
				return ERR_TOO_LARGE;
			memmove(w->buf, w->buf + w->start, w->end - w->start);
			w->end -= w->start;
			w->start = 0;
		}
		if (wait_first) {
			int r = net_wait_fd(w->fd, POLLIN, deadline);

			if (r <= 0)
				return r == 0 ? ETIMEDOUT : errno;
		}
		n = recv(w->fd, w->buf + w->end, READ_BUF_SIZE - w->end, 0);
		if (n > 0) {
			/* A full read may leave more waiting: read again before polling. */
			wait_first = (size_t)n < READ_BUF_SIZE - w->end;
			w->end += (size_t)n;
			got = true;
			continue;
		}
		if (n == 0) {
			if (loadtest_http_eof(h) == LOADTEST_HTTP_DONE) {
				h->close = true;
				return 0;
			}
			*stale = kept_alive && !got;
			return ERR_CLOSED;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			wait_first = true;
			continue;
		}
		*stale = kept_alive && !got && errno == ECONNRESET;
		return errno;
	}
}

/* Send one request and read its response, record the sample; returns the
 * clock at its end.  The latency runs from the connection's start, or from
 * the request's start on a kept-alive connection. */
static int64_t
one_request(struct worker *w, uint32_t ep)
{
	const struct endpoint *e = &w->run->endpoints[ep];
	struct loadtest_http h;
	int64_t t0, t1;
	bool stale;
	int err;

	t0 = net_now_ns();
	err = attempt(w, e, t0, &h, &stale);
	if (err && stale) {
		/* The server closed the idle connection before this request
		 * reached it: once more on a new one, timed from its start. */
		drop_connection(w);
		t0 = net_now_ns();
		err = attempt(w, e, t0, &h, &stale);
	}
	t1 = net_now_ns();
	if (err) {
		drop_connection(w);
		record_error(w, ep, err, t1 - t0);
		return t1;
	}
	push_sample(w, ep, h.status, 0, t1 - t0);
	w->reused = true;
	if (h.close)
		drop_connection(w);
	return t1;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct run *run = w->run;
	int64_t t = net_now_ns();

	while (!atomic_load_explicit(&run->abort, memory_order_relaxed)) {
		uint64_t k;
		uint32_t ep;

		if (run->duration_mode) {
			if (t >= run->deadline_ns)
				break;
			k = atomic_fetch_add_explicit(&run->next, 1, memory_order_relaxed);
			ep = (uint32_t)(k % run->n_endpoints);
		} else {
			k = atomic_fetch_add_explicit(&run->next, 1, memory_order_relaxed);
			if (k >= run->schedule.total)
				break;
			ep = loadtest_schedule_at(&run->schedule, k);
		}
		t = one_request(w, ep);
	}
	drop_connection(w);
	return NULL;
}

/* --------------------------------------------------------------- options */

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: claims loadtest [--base-url URL] [--concurrent N] [--requests N]\n"
		"                       [--endpoints P,...] [--duration S] [--token T]\n"
		"                       [--timeout S] [--min-success PCT] [--json]\n"
		"\n"
		"  --base-url URL     server, http:// only (default http://127.0.0.1:8000)\n"
		"  --concurrent N     worker threads, one connection each, 1..1000 (default 10)\n"
		"  --requests N       requests per endpoint (default 100)\n"
		"  --endpoints P,...  GET paths, comma-separated or repeated (default: health,\n"
		"                     claims, remits, episodes, and cache/stats half as often)\n"
		"  --duration S       run for S seconds, cycling through the endpoints\n"
		"  --token T          sent as Authorization: Bearer (default $CLAIMS_TOKEN)\n"
		"  --timeout S        seconds per request (default 30)\n"
		"  --min-success PCT  exit 7 when the success rate is lower\n"
		"  --json             print the report as one JSON document\n");
}

/* A decimal number without sign or exponent ("5", "0.25") in [min, max]. */
static bool
parse_decimal(const char *s, double min, double max, double *out)
{
	size_t digits = 0, dots = 0;
	char *end;
	double v;

	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.')
			dots++;
		else
			return false;
	}
	if (digits == 0 || dots > 1)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
valid_path(const char *p, size_t n)
{
	if (n == 0 || p[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || c == '#')
			return false;
	}
	return true;
}

/* Split one --endpoints value into o->paths; the pieces are written into
 * @p value itself (the commas become NULs). */
static int
add_endpoints(struct cli *cli, struct options *o, char *value)
{
	char *p = value;

	for (;;) {
		char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (!valid_path(p, n))
			return cli_error(cli, CLI_USAGE,
					 "--endpoints: '%.*s' is not a path (it must start with '/' "
					 "and have no spaces)", (int)n, p);
		if (o->n_paths == MAX_ENDPOINTS)
			return cli_error(cli, CLI_USAGE, "--endpoints: at most %d paths",
					 MAX_ENDPOINTS);
		o->paths[o->n_paths++] = p;
		if (!comma)
			return CLI_OK;
		*comma = '\0';
		p = comma + 1;
	}
}

static int
parse_options(struct cli *cli, struct options *o, int argc, char **argv)
{
	static const char *const value_flags[] = {
		"--base-url", "--concurrent", "--requests", "--endpoints",
		"--duration", "--timeout", "--min-success", "--token",
	};

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *name = NULL;
		const char *v = NULL;

		if (strcmp(a, "--json") == 0) {
			cli->json = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return -1;
		}
		for (size_t k = 0; k < sizeof(value_flags) / sizeof(value_flags[0]); k++) {
			int f = cli_flag_value(argc, argv, &i, value_flags[k], &v);

			if (f < 0)
				return cli_error(cli, CLI_USAGE, "%s needs a value", value_flags[k]);
			if (f > 0) {
				name = value_flags[k];
				break;
			}
		}
		if (!name) {
			return cli_error(cli, CLI_USAGE, "unknown argument '%s' (see --help)", a);
		} else if (strcmp(name, "--base-url") == 0) {
			o->base_url = v;
		} else if (strcmp(name, "--concurrent") == 0) {
			if (!env_parse_int(v, 1, MAX_CONCURRENT, &o->concurrent))
				return cli_error(cli, CLI_USAGE,
						 "--concurrent must be an integer 1..%d, not '%s'",
						 MAX_CONCURRENT, v);
		} else if (strcmp(name, "--requests") == 0) {
			if (!env_parse_int(v, 1, MAX_REQUESTS, &o->requests))
				return cli_error(cli, CLI_USAGE,
						 "--requests must be an integer 1..%ld, not '%s'",
						 MAX_REQUESTS, v);
		} else if (strcmp(name, "--endpoints") == 0) {
			/* v points into argv, which is writable: the list is
			 * cut in place. */
			int rc = add_endpoints(cli, o, (char *)v);

			if (rc != CLI_OK)
				return rc;
		} else if (strcmp(name, "--duration") == 0) {
			if (!parse_decimal(v, 0.001, MAX_SECONDS, &o->duration))
				return cli_error(cli, CLI_USAGE,
						 "--duration must be a number of seconds in "
						 "0.001..86400, not '%s'", v);
		} else if (strcmp(name, "--timeout") == 0) {
			if (!parse_decimal(v, 0.001, MAX_SECONDS, &o->timeout))
				return cli_error(cli, CLI_USAGE,
						 "--timeout must be a number of seconds in "
						 "0.001..86400, not '%s'", v);
		} else if (strcmp(name, "--min-success") == 0) {
			if (!parse_decimal(v, 0, 100, &o->min_success))
				return cli_error(cli, CLI_USAGE,
						 "--min-success must be a percentage 0..100, not '%s'",
						 v);
		} else {
			o->token = v;
		}
	}
	if (!o->token)
		o->token = getenv("CLAIMS_TOKEN");
	if (o->token) {
		for (const char *p = o->token; *p; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				return cli_error(cli, CLI_USAGE,
						 "the token contains control characters");
	}
	return CLI_OK;
}

/* ---------------------------------------------------------------- report */

static int
cmp_count_key(const void *a, const void *b)
{
	return strcmp(((const struct loadtest_count *)a)->key,
		      ((const struct loadtest_count *)b)->key);
}

static int
cmp_endpoint_path(const void *a, const void *b)
{
	return strcmp(((const struct loadtest_endpoint_report *)a)->path,
		      ((const struct loadtest_endpoint_report *)b)->path);
}

static void
print_latency_line(const char *label, const struct loadtest_latency *l)
{
	printf("%-21s mean %.2f, median %.2f, p95 %.2f, p99 %.2f, min %.2f, max %.2f, "
	       "stddev %.2f\n",
	       label, l->mean, l->median, l->p95, l->p99, l->min, l->max, l->stddev);
}

static void
print_text(const struct options *o, const struct loadtest_report *r)
{
	int width = 0;

	printf("Load test: %" PRIu64 " requests, %ld concurrent, %s\n", r->total_requests,
	       o->concurrent, o->base_url);
	printf("%-21s %" PRIu64 "\n", "Total requests:", r->total_requests);
	printf("%-21s %" PRIu64 "\n", "Errors:", r->errors);
	printf("%-21s %" PRIu64 "\n", "Failures:", r->failures);
	printf("%-21s %.2f%%\n", "Success rate:", r->success_rate);
	printf("%-21s %.2f s\n", "Wall time:", r->wall_seconds);
	printf("%-21s %.2f\n", "Requests per second:", r->requests_per_second);
	print_latency_line("Latency (ms):", &r->latency);
	printf("%-21s", "Status distribution:");
	for (size_t i = 0; i < r->n_statuses; i++)
		printf("%s %s: %" PRIu64, i ? "," : "", r->statuses[i].key, r->statuses[i].n);
	printf("%s\n", r->n_statuses ? "" : " none");
	printf("%-21s", "Error messages:");
	for (size_t i = 0; i < r->n_messages; i++)
		printf("%s %s: %" PRIu64, i ? "," : "", r->messages[i].key, r->messages[i].n);
	printf("%s\n", r->n_messages ? "" : " none");
	printf("Per endpoint:\n");
	for (size_t i = 0; i < r->n_endpoints; i++) {
		int len = (int)strlen(r->endpoints[i].path);

		width = len > width ? len : width;
	}
	for (size_t i = 0; i < r->n_endpoints; i++) {
		const struct loadtest_endpoint_report *e = &r->endpoints[i];

		printf("  %-*s  %" PRIu64 " requests, %" PRIu64 " success (%.2f%%), ms: mean %.2f, "
		       "median %.2f, p95 %.2f, p99 %.2f, min %.2f, max %.2f\n",
		       width, e->path, e->requests, e->success, e->success_rate, e->latency.mean,
		       e->latency.median, e->latency.p95, e->latency.p99, e->latency.min,
		       e->latency.max);
	}
}

/* Merge the workers' samples into the report and print it; returns the
 * exit code. */
static int
report(struct cli *cli, const struct options *o, const struct run *run,
       const struct worker *workers, size_t n_workers, double wall)
{
	struct loadtest_report r = { 0 };
	uint64_t status_n[1000] = { 0 }, responses = 0, success = 0;
	uint64_t *ep_requests = NULL, *ep_success = NULL, *ep_responses = NULL, *ep_off = NULL;
	uint64_t *by_ep = NULL, *all = NULL;
	struct loadtest_count *statuses = NULL, *messages = NULL;
	struct loadtest_endpoint_report *eps = NULL;
	char (*status_keys)[4] = NULL;
	size_t n_eps = 0, n_messages = 0, max_messages = 0;
	uint32_t ne = run->n_endpoints;
	int code = CLI_INTERNAL;

	for (size_t t = 0; t < n_workers; t++) {
		r.total_requests += workers[t].n;
		max_messages += workers[t].n_errors + 1;
	}
	ep_requests = calloc(ne, sizeof(*ep_requests));
	ep_success = calloc(ne, sizeof(*ep_success));
	ep_responses = calloc(ne, sizeof(*ep_responses));
	ep_off = calloc(ne, sizeof(*ep_off));
	statuses = calloc(1000, sizeof(*statuses));
	status_keys = calloc(1000, sizeof(*status_keys));
	messages = calloc(max_messages, sizeof(*messages));
	eps = calloc(ne, sizeof(*eps));
	if (!ep_requests || !ep_success || !ep_responses || !ep_off || !statuses ||
	    !status_keys || !messages || !eps)
		goto oom;

	/* Counts per endpoint path (uid) and per status. */
	for (size_t t = 0; t < n_workers; t++) {
		const struct worker *w = &workers[t];

		for (size_t i = 0; i < w->n; i++) {
			const struct sample *s = &w->samples[i];
			uint32_t uid = run->endpoints[s->endpoint].uid;

			ep_requests[uid]++;
			if (s->status < 0) {
				r.errors++;
				continue;
			}
			responses++;
			ep_responses[uid]++;
			status_n[s->status < 1000 ? s->status : 999]++;
			if (s->status >= 200 && s->status <= 299) {
				success++;
				ep_success[uid]++;
			} else {
				r.failures++;
			}
		}
		for (uint16_t k = 0; k < MAX_ERROR_KINDS; k++) {
			size_t m;

			if (w->errors[k].n == 0)
				continue;
			for (m = 0; m < n_messages; m++)
				if (strcmp(messages[m].key, w->errors[k].text) == 0)
					break;
			if (m == n_messages) {
				messages[m].key = w->errors[k].text;
				n_messages++;
			}
			messages[m].n += w->errors[k].n;
		}
	}
	qsort(messages, n_messages, sizeof(*messages), cmp_count_key);
	for (int s = 0; s < 1000; s++) {
		if (!status_n[s])
			continue;
		(void)snprintf(status_keys[r.n_statuses], sizeof(status_keys[0]), "%03d", s);
		statuses[r.n_statuses].key = status_keys[r.n_statuses];
		statuses[r.n_statuses].n = status_n[s];
		r.n_statuses++;
	}

	/* Latencies grouped by path, and all of them. */
	by_ep = malloc((responses ? responses : 1) * sizeof(*by_ep));
	all = malloc((responses ? responses : 1) * sizeof(*all));
	if (!by_ep || !all)
		goto oom;
	for (uint64_t e = 0, off = 0; e < ne; e++) {
		ep_off[e] = off;
		off += ep_responses[e];
	}
	{
		size_t k = 0;

		for (size_t t = 0; t < n_workers; t++) {
			for (size_t i = 0; i < workers[t].n; i++) {
				const struct sample *s = &workers[t].samples[i];

				if (s->status < 0)
					continue;
				by_ep[ep_off[run->endpoints[s->endpoint].uid]++] = s->ns;
				all[k++] = s->ns;
			}
		}
	}
	for (uint32_t e = 0; e < ne; e++) {
		struct loadtest_endpoint_report *x;

		if (run->endpoints[e].uid != e)
			continue;
		x = &eps[n_eps++];
		x->path = run->endpoints[e].path;
		x->requests = ep_requests[e];
		x->success = ep_success[e];
		x->success_rate = loadtest_percent2(ep_success[e], ep_requests[e]);
		/* ep_off[e] now points past the path's group. */
		loadtest_latency_compute(&x->latency, by_ep + ep_off[e] - ep_responses[e],
					 ep_responses[e]);
	}
	qsort(eps, n_eps, sizeof(*eps), cmp_endpoint_path);
	loadtest_latency_compute(&r.latency, all, responses);

	r.success_rate = loadtest_percent2(success, r.total_requests);
	r.wall_seconds = loadtest_round2(wall);
	r.requests_per_second = wall > 0 ? loadtest_round2((double)r.total_requests / wall) : 0;
	r.statuses = statuses;
	r.messages = messages;
	r.n_messages = n_messages;
	r.endpoints = eps;
	r.n_endpoints = n_eps;

	if (cli->json) {
		code = cli_emit(cli, render_loadtest_report(&r));
		if (code != CLI_OK)
			goto out;
	} else {
		print_text(o, &r);
	}
	(void)fflush(stdout);
	if (r.total_requests > 0 && success == 0)
		code = cli_error(cli, CLI_UNREACHABLE,
				 "no request succeeded (%" PRIu64 " errors, %" PRIu64 " failures)",
				 r.errors, r.failures);
	else if (o->min_success >= 0 &&
		 (long double)success * 100.0L < (long double)o->min_success * r.total_requests)
		code = cli_error(cli, CLI_LOADTEST_FAILED,
				 "success rate %.2f%% is below --min-success %g%%", r.success_rate,
				 o->min_success);
	else
		code = CLI_OK;
	goto out;
oom:
	code = cli_error(cli, CLI_INTERNAL, "out of memory");
out:
	free(ep_requests);
	free(ep_success);
	free(ep_responses);
	free(ep_off);
	free(by_ep);
	free(all);
	free(statuses);
	free(status_keys);
	free(messages);
	free(eps);
	return code;
}

/* ------------------------------------------------------------------- run */

#define REQUEST_FORMAT                                                                       \
	"GET %s%s HTTP/1.1\r\n"                                                               \
	"Host: %s\r\n"                                                                        \
	"User-Agent: claims-loadtest/%s\r\n"                                                  \
	"Accept: application/json\r\n"                                                       \
	"%s%s%s"                                                                             \
	"\r\n"
#define REQUEST_ARGS                                                                         \
	url->prefix, e->path, host, claims_version(), token ? "Authorization: Bearer " : "",   \
		token ? token : "", token ? "\r\n" : ""

static int
build_endpoints(struct cli *cli, const struct options *o, const struct loadtest_url *url,
		struct endpoint *eps)
{
	char host[sizeof(url->host) + 16];
	const char *token = o->token && *o->token ? o->token : NULL;

	net_host_header(url, host, sizeof(host));
	for (size_t i = 0; i < o->n_paths; i++) {
		struct endpoint *e = &eps[i];
		int n;

		e->path = o->paths[i];
		e->uid = (uint32_t)i;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(o->paths[j], e->path) == 0) {
				e->uid = (uint32_t)j;
				break;
			}
		}
		n = snprintf(NULL, 0, REQUEST_FORMAT, REQUEST_ARGS);
		e->request = n < 0 ? NULL : malloc((size_t)n + 1);
		if (!e->request)
			return cli_error(cli, CLI_INTERNAL, "out of memory");
		(void)snprintf(e->request, (size_t)n + 1, REQUEST_FORMAT, REQUEST_ARGS);
		e->request_len = (size_t)n;
	}
	return CLI_OK;
}

static int
resolve(struct cli *cli, const struct loadtest_url *url, struct addrinfo **out)
{
	char err[512];

	if (net_resolve(url, out, err, sizeof(err)) < 0)
		return cli_error(cli, CLI_UNREACHABLE, "%s", err);
	return CLI_OK;
}

int
cmd_loadtest(struct cli *cli, int argc, char **argv)
{
	struct options o = {
		.base_url = "http://127.0.0.1:8000",
		.concurrent = 10,
		.requests = 100,
		.timeout = 30,
		.min_success = -1,
	};
	struct loadtest_url url;
	struct run run = { 0 };
	struct endpoint *eps = NULL;
	struct worker *workers = NULL;
	uint64_t counts[MAX_ENDPOINTS];
	pthread_attr_t attr;
	size_t started = 0;
	const char *msg;
	int64_t t0;
	double wall;
	int code;

	o.paths = calloc(MAX_ENDPOINTS, sizeof(*o.paths));
	if (!o.paths)
		return cli_error(cli, CLI_INTERNAL, "out of memory");
	code = parse_options(cli, &o, argc, argv);
	if (code != CLI_OK) {
		free(o.paths);
		return code < 0 ? CLI_OK : code;
	}
	msg = loadtest_url_parse(&url, o.base_url);
	if (msg) {
		free(o.paths);
		return cli_error(cli, CLI_USAGE, "--base-url '%s': %s", o.base_url, msg);
	}
	if (o.n_paths == 0) {
		for (size_t i = 0; i < sizeof(default_paths) / sizeof(default_paths[0]); i++) {
			o.paths[i] = default_paths[i];
			counts[i] = (uint64_t)o.requests;
		}
		o.n_paths = sizeof(default_paths) / sizeof(default_paths[0]);
		counts[o.n_paths - 1] = ((uint64_t)o.requests + 1) / 2;
	} else {
		for (size_t i = 0; i < o.n_paths; i++)
			counts[i] = (uint64_t)o.requests;
	}

	code = resolve(cli, &url, &run.addrs);
	if (code != CLI_OK)
		goto out;
	eps = calloc(o.n_paths, sizeof(*eps));
	workers = calloc((size_t)o.concurrent, sizeof(*workers));
	if (!eps || !workers) {
		code = cli_error(cli, CLI_INTERNAL, "out of memory");
		goto out;
	}
	code = build_endpoints(cli, &o, &url, eps);
	if (code != CLI_OK)
		goto out;
	run.endpoints = eps;
	run.n_endpoints = (uint32_t)o.n_paths;
	run.duration_mode = o.duration > 0;
	run.timeout_ns = (int64_t)llround(o.timeout * 1e9);
	atomic_init(&run.next, 0);
	atomic_init(&run.abort, false);
	if (!run.duration_mode && loadtest_schedule_init(&run.schedule, counts, o.n_paths) < 0) {
		code = cli_error(cli, CLI_INTERNAL, "out of memory");
		goto out;
	}

	for (long i = 0; i < o.concurrent; i++) {
		struct worker *w = &workers[i];
		/* Room for a fair share and a half before the first doubling. */
		uint64_t share = run.duration_mode
					 ? 4096
					 : run.schedule.total / (uint64_t)o.concurrent * 3 / 2 + 64;

		w->run = &run;
		w->fd = -1;
		w->buf = malloc(READ_BUF_SIZE);
		w->cap = (size_t)share;
		w->samples = malloc(w->cap * sizeof(*w->samples));
		if (!w->buf || !w->samples) {
			code = cli_error(cli, CLI_INTERNAL, "out of memory");
			goto out;
		}
	}

	if (pthread_attr_init(&attr) != 0) {
		code = cli_error(cli, CLI_INTERNAL, "cannot start worker threads");
		goto out;
	}
	(void)pthread_attr_setstacksize(&attr, WORKER_STACK_SIZE);
	t0 = net_now_ns();
	run.deadline_ns = t0 + (int64_t)llround(o.duration * 1e9);
	for (; started < (size_t)o.concurrent; started++) {
		if (pthread_create(&workers[started].thread, &attr, worker_main,
				   &workers[started]) != 0) {
			atomic_store(&run.abort, true);
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		(void)pthread_join(workers[i].thread, NULL);
	wall = (double)(net_now_ns() - t0) / 1e9;
	(void)pthread_attr_destroy(&attr);
	if (started < (size_t)o.concurrent) {
		code = cli_error(cli, CLI_INTERNAL, "cannot start %ld worker threads (started %zu)",
				 o.concurrent, started);
		goto out;
	}
	for (long i = 0; i < o.concurrent; i++) {
		if (workers[i].oom) {
			code = cli_error(cli, CLI_INTERNAL, "out of memory");
			goto out;
		}
	}
	code = report(cli, &o, &run, workers, (size_t)o.concurrent, wall);

out:
	if (workers) {
		for (long i = 0; i < o.concurrent; i++) {
			free(workers[i].buf);
			free(workers[i].samples);
		}
	}
	if (eps) {
		for (size_t i = 0; i < o.n_paths; i++)
			free(eps[i].request);
	}
	free(workers);
	free(eps);
	loadtest_schedule_free(&run.schedule);
	if (run.addrs)
		freeaddrinfo(run.addrs);
	free(o.paths);
	return code;
}
