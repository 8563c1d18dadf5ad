/*
 * claims loadtest: base URL, schedule, HTTP response parser and statistics
 * (loadtest.h).  No I/O and no global state: the workers of loadtest.c call
 * the parser concurrently, each on its own struct loadtest_http.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loadtest.h"

/* ------------------------------------------------------------ base URL */

static bool
host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

static bool
ipv6_char(char c)
{
	return isxdigit((unsigned char)c) || c == ':' || c == '.' || c == '%';
}

const char *
loadtest_url_parse(struct loadtest_url *out, const char *url)
{
	const char *p, *host, *host_end;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (strncasecmp(url, "https://", 8) == 0)
		return "https is not supported: the load test speaks plain http:// only";
	if (strncasecmp(url, "http://", 7) != 0)
		return "the base URL must start with http://";
	p = url + 7;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return "the IPv6 address in the base URL has no closing ']'";
		for (const char *c = host; c < host_end; c++)
			if (!ipv6_char(*c))
				return "bad IPv6 address in the base URL";
		p = host_end + 1;
		out->ipv6_literal = true;
	} else {
		host = p;
		while (host_char(*p))
			p++;
		host_end = p;
		if (*p == '@' || strchr(p, '@'))
			return "user information in the base URL is not supported";
	}
	n = (size_t)(host_end - host);
	if (n == 0)
		return "the base URL has no host";
	if (n >= sizeof(out->host))
		return "the host name in the base URL is too long";
	memcpy(out->host, host, n);

	strcpy(out->port, "80");
	if (*p == ':') {
		long port = 0;
		const char *digits = ++p;

		while (*p >= '0' && *p <= '9' && p - digits < 6)
			port = port * 10 + (*p++ - '0');
		if (p == digits || (*p >= '0' && *p <= '9') || port < 1 || port > 65535)
			return "the port of the base URL must be 1..65535";
		(void)snprintf(out->port, sizeof(out->port), "%ld", port);
	}
	if (*p && *p != '/')
		return "unexpected character after the host in the base URL";
	n = strlen(p);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c <= ' ' || c == 0x7f || c == '?' || c == '#')
			return "the path of the base URL may not contain spaces, controls, '?' or '#'";
	}
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n >= sizeof(out->prefix))
		return "the path of the base URL is too long";
	memcpy(out->prefix, p, n);
	return NULL;
}

/* ------------------------------------------------------------ schedule */

int
loadtest_schedule_init(struct loadtest_schedule *s, const uint64_t *counts, size_t n)
{
	uint64_t prev = 0, first = 0;
	size_t off = 0;

	memset(s, 0, sizeof(*s));
	if (n == 0 || n > UINT32_MAX)
		return -1;
	s->segments = calloc(n, sizeof(*s->segments));
	s->active = calloc(n * n, sizeof(*s->active));
	if (!s->segments || !s->active) {
		loadtest_schedule_free(s);
		return -1;
	}
	for (;;) {
		uint64_t next = UINT64_MAX;
		bool found = false;
		struct loadtest_segment *seg;

		/* The next smallest count: endpoints owed more stay in the round. */
		for (size_t i = 0; i < n; i++) {
			if (counts[i] > prev && counts[i] <= next) {
				next = counts[i];
				found = true;
			}
		}
		if (!found)
			break;
		seg = &s->segments[s->n_segments++];
		seg->first = first;
		seg->rounds = next - prev;
		seg->active_off = off;
		for (size_t i = 0; i < n; i++)
			if (counts[i] >= next)
				s->active[off++] = (uint32_t)i;
		seg->n_active = off - seg->active_off;
		first += seg->rounds * seg->n_active;
		prev = next;
	}
	s->total = first;
	return 0;
}

uint32_t
loadtest_schedule_at(const struct loadtest_schedule *s, uint64_t k)
{
	for (size_t i = 0; i < s->n_segments; i++) {
		const struct loadtest_segment *seg = &s->segments[i];

		if (k < seg->first + seg->rounds * seg->n_active)
			return s->active[seg->active_off + (k - seg->first) % seg->n_active];
	}
	return 0;
}

void
loadtest_schedule_free(struct loadtest_schedule *s)
{
	free(s->segments);
	free(s->active);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------- HTTP responses */

enum http_state {
	ST_HEAD,
	ST_BODY_LENGTH,
	ST_CHUNK_SIZE,
	ST_CHUNK_DATA,
	ST_CHUNK_END,
	ST_TRAILER,
	ST_BODY_UNTIL_CLOSE,
	ST_DONE,
};

/* Longest head or chunk-size line accepted. */
#define MAX_LINE 8192

void
loadtest_http_reset(struct loadtest_http *h)
{
	memset(h, 0, sizeof(*h));
	h->state = ST_HEAD;
}

/* One line from p (at most len bytes): its length without CR LF in *line_len
 * and the bytes it occupies in *total; false when no LF is there yet. */
static bool
next_line(const char *p, size_t len, size_t *line_len, size_t *total)
{
	const char *nl = memchr(p, '\n', len);
	size_t n;

	if (!nl)
		return false;
	n = (size_t)(nl - p);
	*total = n + 1;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line_len = n;
	return true;
}

static bool
token_eq(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

/* Does the comma-separated list p[0..n) contain @p tok (any case)? */
static bool
list_has(const char *p, size_t n, const char *tok, bool last_only)
{
	bool found = false;
	size_t i = 0;

	while (i < n) {
		size_t a, b;

		while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
			i++;
		a = i;
		while (i < n && p[i] != ',')
			i++;
		b = i;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (b > a)
			found = token_eq(p + a, b - a, tok) ? true : (last_only ? false : found);
	}
	return found;
}

/* Parse a complete head p[0..n) (status line and headers, without the
 * empty line).  Sets the next state. */
static int
parse_head(struct loadtest_http *h, const char *p, size_t n)
{
	size_t line, total, pos;
	bool chunked = false, has_length = false, conn_close = false, keep_alive = false;
	bool te = false;
	uint64_t length = 0;
	int minor, status;

	if (!next_line(p, n, &line, &total) || line < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)p[7]) || p[8] != ' ' || !isdigit((unsigned char)p[9]) ||
	    !isdigit((unsigned char)p[10]) || !isdigit((unsigned char)p[11]) ||
	    (line > 12 && p[12] != ' '))
		return LOADTEST_HTTP_BAD;
	minor = p[7] - '0';
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (status < 100)
		return LOADTEST_HTTP_BAD;

	for (pos = total; pos < n; pos += total) {
		const char *l = p + pos, *colon, *v;
		size_t name_len, vlen;

		if (!next_line(l, n - pos, &line, &total))
			return LOADTEST_HTTP_BAD;
		colon = memchr(l, ':', line);
		if (!colon || colon == l)
			return LOADTEST_HTTP_BAD;
		name_len = (size_t)(colon - l);
		v = colon + 1;
		vlen = line - name_len - 1;
		while (vlen > 0 && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (token_eq(l, name_len, "content-length")) {
			uint64_t len = 0;

			if (vlen == 0 || vlen > 18)
				return LOADTEST_HTTP_BAD;
			for (size_t i = 0; i < vlen; i++) {
				if (!isdigit((unsigned char)v[i]))
					return LOADTEST_HTTP_BAD;
				len = len * 10 + (uint64_t)(v[i] - '0');
			}
			if (has_length && len != length)
				return LOADTEST_HTTP_BAD;
			has_length = true;
			length = len;
		} else if (token_eq(l, name_len, "transfer-encoding")) {
			te = true;
			chunked = list_has(v, vlen, "chunked", true);
		} else if (token_eq(l, name_len, "connection")) {
			conn_close = conn_close || list_has(v, vlen, "close", false);
			keep_alive = keep_alive || list_has(v, vlen, "keep-alive", false);
		}
	}

	if (status < 200) {
		/* 101 would switch protocols, which a GET of ours never asks for;
		 * other 1xx are interim: the real response follows. */
		if (status == 101)
			return LOADTEST_HTTP_BAD;
		{
			void (*on_body)(void *, const char *, size_t) = h->on_body;
			void *payload = h->body_payload;

			loadtest_http_reset(h);
			h->on_body = on_body;
			h->body_payload = payload;
		}
		return LOADTEST_HTTP_MORE;
	}
	h->status = status;
	h->close = conn_close || (minor == 0 && !keep_alive);
	if (status == 204 || status == 304) {
		h->state = ST_DONE;
	} else if (te) {
		/* Transfer-Encoding wins over Content-Length (RFC 9112 §6.3). */
		if (chunked) {
			h->state = ST_CHUNK_SIZE;
		} else {
			h->state = ST_BODY_UNTIL_CLOSE;
			h->close = true;
		}
	} else if (has_length) {
		h->remaining = length;
		h->state = length ? ST_BODY_LENGTH : ST_DONE;
	} else {
		h->state = ST_BODY_UNTIL_CLOSE;
		h->close = true;
	}
	return LOADTEST_HTTP_MORE;
}

/* Find the end of the head: the first empty line.  *head_len excludes the
 * empty line, *total includes it. */
static bool
find_head_end(const char *p, size_t len, size_t *head_len, size_t *total)
{
	size_t pos = 0, line, n;

	while (next_line(p + pos, len - pos, &line, &n)) {
		if (line == 0 && pos > 0) {
			*head_len = pos;
			*total = pos + n;
			return true;
		}
		pos += n;
	}
	return false;
}

static int
parse_chunk_size(struct loadtest_http *h, const char *p, size_t line)
{
	uint64_t size = 0;
	size_t i = 0;

	while (i < line && isxdigit((unsigned char)p[i])) {
		int c = p[i];
		int d = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);

		if (i >= 15)
			return LOADTEST_HTTP_BAD;
		size = size * 16 + (uint64_t)d;
		i++;
	}
	if (i == 0)
		return LOADTEST_HTTP_BAD;
	while (i < line && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < line && p[i] != ';')
		return LOADTEST_HTTP_BAD;
	h->remaining = size;
	h->state = size ? ST_CHUNK_DATA : ST_TRAILER;
	return LOADTEST_HTTP_MORE;
}

int
loadtest_http_parse(struct loadtest_http *h, const char *buf, size_t len, size_t *used)
{
	size_t pos = 0;
	int rc = LOADTEST_HTTP_MORE;

	for (;;) {
		const char *p = buf + pos;
		size_t avail = len - pos, line, n, take;

		switch ((enum http_state)h->state) {
		case ST_HEAD:
			if (!find_head_end(p, avail, &line, &n)) {
				if (avail > MAX_LINE * 2)
					rc = LOADTEST_HTTP_BAD;
				goto out;
			}
			rc = parse_head(h, p, line);
			if (rc != LOADTEST_HTTP_MORE)
				goto out;
			pos += n;
			break;
		case ST_BODY_LENGTH:
		case ST_CHUNK_DATA:
			take = avail < h->remaining ? avail : (size_t)h->remaining;
			if (h->on_body && take)
				h->on_body(h->body_payload, p, take);
			pos += take;
			h->remaining -= take;
			if (h->remaining > 0)
				goto out;
			h->state = h->state == ST_BODY_LENGTH ? ST_DONE : ST_CHUNK_END;
			break;
		case ST_CHUNK_SIZE:
		case ST_TRAILER:
		case ST_CHUNK_END:
			if (!next_line(p, avail, &line, &n)) {
				if (avail > MAX_LINE)
					rc = LOADTEST_HTTP_BAD;
				goto out;
			}
			pos += n;
			if (h->state == ST_CHUNK_SIZE) {
				rc = parse_chunk_size(h, p, line);
				if (rc != LOADTEST_HTTP_MORE)
					goto out;
			} else if (h->state == ST_CHUNK_END) {
				if (line != 0) {
					rc = LOADTEST_HTTP_BAD;
					goto out;
				}
				h->state = ST_CHUNK_SIZE;
			} else if (line == 0) {
				h->state = ST_DONE;
			}
			break;
		case ST_BODY_UNTIL_CLOSE:
			if (h->on_body && avail)
				h->on_body(h->body_payload, p, avail);
			pos = len;
			goto out;
		case ST_DONE:
			rc = LOADTEST_HTTP_DONE;
			goto out;
		default:
			rc = LOADTEST_HTTP_BAD;
			goto out;
		}
	}
out:
	*used = pos;
	return rc;
}

int
loadtest_http_eof(const struct loadtest_http *h)
{
	if (h->state == ST_BODY_UNTIL_CLOSE || h->state == ST_DONE)
		return LOADTEST_HTTP_DONE;
	return LOADTEST_HTTP_BAD;
}

/* ----------------------------------------------------------- statistics */

size_t
loadtest_rank(unsigned pct, size_t n)
{
	uint64_t r;

	if (n == 0)
		return 0;
	r = ((uint64_t)pct * n + 99) / 100;
	if (r < 1)
		r = 1;
	if (r > n)
		r = n;
	return (size_t)r;
}

double
loadtest_round2(double v)
{
	return round(v * 100.0) / 100.0;
}

double
loadtest_percent2(uint64_t part, uint64_t whole)
{
	if (whole == 0)
		return 0.0;
	if (part <= UINT64_MAX / 20000 && whole <= UINT64_MAX / 4)
		return (double)((part * 20000 + whole) / (2 * whole)) / 100.0;
	return loadtest_round2(100.0 * (double)part / (double)whole);
}

/* num / den nanoseconds as milliseconds, rounded half up to 2 decimals
 * (units of 10 µs), exactly while the integers allow it. */
static double
ms2(uint64_t num, uint64_t den)
{
	if (den <= UINT64_MAX / 10000 && num <= UINT64_MAX - den * 5000)
		return (double)((num + den * 5000) / (den * 10000)) / 100.0;
	return loadtest_round2((double)num / (double)den / 1e6);
}

void
loadtest_latency_sorted(struct loadtest_latency *out, const uint64_t *s, size_t n)
{
	uint64_t sum = 0, a, b;
	bool overflow = false;
	long double mean, acc = 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return;
	out->min = ms2(s[0], 1);
	out->max = ms2(s[n - 1], 1);
	if (n % 2) {
		out->median = ms2(s[n / 2], 1);
	} else {
		a = s[n / 2 - 1];
		b = s[n / 2];
		out->median = b <= UINT64_MAX - a ? ms2(a + b, 2) : loadtest_round2(((double)a + (double)b) / 2e6);
	}
	out->p95 = ms2(s[loadtest_rank(95, n) - 1], 1);
	out->p99 = ms2(s[loadtest_rank(99, n) - 1], 1);
	for (size_t i = 0; i < n && !overflow; i++)
		overflow = __builtin_add_overflow(sum, s[i], &sum);
	if (!overflow) {
		out->mean = ms2(sum, n);
		mean = (long double)sum / (long double)n;
	} else {
		mean = 0;
		for (size_t i = 0; i < n; i++)
			mean += (long double)s[i] / (long double)n;
		out->mean = loadtest_round2((double)(mean / 1e6L));
	}
	if (n >= 2) {
		for (size_t i = 0; i < n; i++) {
			long double d = (long double)s[i] - mean;

			acc += d * d;
		}
		out->stddev = loadtest_round2((double)(sqrtl(acc / (long double)(n - 1)) / 1e6L));
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

void
loadtest_latency_compute(struct loadtest_latency *out, uint64_t *ns, size_t n)
{
	if (n > 1)
		qsort(ns, n, sizeof(*ns), cmp_u64);
	loadtest_latency_sorted(out, ns, n);
}
