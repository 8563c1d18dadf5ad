/* claims loadtest: statistics, schedule, base URL and response parser
 * (apps/claims/loadtest.h; spec/cli.md §2). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#include "loadtest.h"

#define MS(x) ((uint64_t)((x) * 1000000.0 + 0.5))

static void
assert_2dp(double got, double want)
{
	/* Values are rounded to 2 decimals: compare in hundredths. */
	if (llround(got * 100) != llround(want * 100))
		fail_msg("got %.4f, expected %.2f", got, want);
}

/* ----------------------------------------------------------- statistics */

static void
test_rank(void **state)
{
	(void)state;
	assert_int_equal(loadtest_rank(95, 0), 0);
	assert_int_equal(loadtest_rank(95, 1), 1);
	assert_int_equal(loadtest_rank(99, 1), 1);
	assert_int_equal(loadtest_rank(95, 10), 10);  /* ceil(9.5) */
	assert_int_equal(loadtest_rank(95, 20), 19);  /* exactly 19 */
	assert_int_equal(loadtest_rank(95, 100), 95);
	assert_int_equal(loadtest_rank(99, 100), 99);
	assert_int_equal(loadtest_rank(95, 101), 96); /* ceil(95.95) */
	assert_int_equal(loadtest_rank(99, 101), 100); /* ceil(99.99) */
	assert_int_equal(loadtest_rank(50, 4), 2);
	assert_int_equal(loadtest_rank(0, 4), 1);
	assert_int_equal(loadtest_rank(100, 4), 4);
}

static void
test_empty(void **state)
{
	struct loadtest_latency l;

	(void)state;
	memset(&l, 0xff, sizeof(l));
	loadtest_latency_compute(&l, NULL, 0);
	assert_true(l.mean == 0 && l.median == 0 && l.p95 == 0 && l.p99 == 0 && l.min == 0 &&
		    l.max == 0 && l.stddev == 0);
	assert_true(loadtest_percent2(0, 0) == 0);
	assert_true(loadtest_percent2(5, 0) == 0);
}

static void
test_median_odd_even(void **state)
{
	uint64_t odd[] = { MS(3), MS(1), MS(2) };
	uint64_t even[] = { MS(4), MS(1), MS(3), MS(2) };
	uint64_t two[] = { MS(10), MS(20) };
	struct loadtest_latency l;

	(void)state;
	loadtest_latency_compute(&l, odd, 3);
	assert_2dp(l.median, 2.00);
	assert_2dp(l.min, 1.00);
	assert_2dp(l.max, 3.00);
	/* The input is sorted in place. */
	assert_true(odd[0] == MS(1) && odd[1] == MS(2) && odd[2] == MS(3));

	loadtest_latency_compute(&l, even, 4);
	assert_2dp(l.median, 2.50);
	assert_2dp(l.mean, 2.50);

	loadtest_latency_compute(&l, two, 2);
	assert_2dp(l.median, 15.00);
}

static void
test_percentiles_nearest_rank(void **state)
{
	uint64_t v[100], w[10], x[20];
	struct loadtest_latency l;

	(void)state;
	/* 100..1 ms, reversed: p95 is the 95th smallest, p99 the 99th. */
	for (int i = 0; i < 100; i++)
		v[i] = MS(100 - i);
	loadtest_latency_compute(&l, v, 100);
	assert_2dp(l.p95, 95.00);
	assert_2dp(l.p99, 99.00);
	assert_2dp(l.median, 50.50);
	assert_2dp(l.mean, 50.50);
	assert_2dp(l.min, 1.00);
	assert_2dp(l.max, 100.00);

	/* 10 values: rank ceil(9.5) = 10 and ceil(9.9) = 10, the maximum;
	 * no interpolation. */
	for (int i = 0; i < 10; i++)
		w[i] = MS(i + 1);
	loadtest_latency_compute(&l, w, 10);
	assert_2dp(l.p95, 10.00);
	assert_2dp(l.p99, 10.00);

	/* 20 values: rank 19 exactly for p95, 20 for p99. */
	for (int i = 0; i < 20; i++)
		x[i] = MS(i + 1);
	loadtest_latency_compute(&l, x, 20);
	assert_2dp(l.p95, 19.00);
	assert_2dp(l.p99, 20.00);
}

static void
test_stddev(void **state)
{
	uint64_t one[] = { MS(7) };
	uint64_t same[] = { MS(3), MS(3), MS(3) };
	uint64_t v[] = { MS(2), MS(4), MS(4), MS(4), MS(5), MS(5), MS(7), MS(9) };
	uint64_t two[] = { MS(1), MS(2) };
	struct loadtest_latency l;

	(void)state;
	/* n < 2: 0, whatever the value. */
	loadtest_latency_compute(&l, one, 1);
	assert_true(l.stddev == 0);
	assert_2dp(l.mean, 7.00);
	assert_2dp(l.median, 7.00);
	assert_2dp(l.p95, 7.00);
	assert_2dp(l.p99, 7.00);

	loadtest_latency_compute(&l, same, 3);
	assert_true(l.stddev == 0);

	/* Sample (n - 1): sqrt(32 / 7) = 2.138..., not the population 2.00. */
	loadtest_latency_compute(&l, v, 8);
	assert_2dp(l.mean, 5.00);
	assert_2dp(l.stddev, 2.14);

	/* sqrt(0.5) = 0.7071 */
	loadtest_latency_compute(&l, two, 2);
	assert_2dp(l.stddev, 0.71);
}

static void
test_rounding(void **state)
{
	uint64_t half[] = { 1005000 };            /* 1.005 ms: half up to 1.01 */
	uint64_t below[] = { 1004999 };           /* 1.004999 ms: 1.00 */
	uint64_t med[] = { 1000000, 1010000 };    /* median 1.005 ms exactly: 1.01 */
	uint64_t med2[] = { 1000000, 1000010 };   /* median 1.000005 ms: 1.00 */
	uint64_t mean3[] = { 1, 1, 2 };           /* mean 1.33 ns: 0.00 */
	uint64_t small[] = { 4999, 5000 };        /* 0.004999 and 0.005 ms */
	struct loadtest_latency l;

	(void)state;
	loadtest_latency_compute(&l, half, 1);
	assert_true(l.min == 1.01 && l.max == 1.01 && l.mean == 1.01 && l.median == 1.01);
	loadtest_latency_compute(&l, below, 1);
	assert_true(l.min == 1.00 && l.mean == 1.00);
	loadtest_latency_compute(&l, med, 2);
	assert_true(l.median == 1.01);
	assert_true(l.mean == 1.01);
	loadtest_latency_compute(&l, med2, 2);
	assert_true(l.median == 1.00);
	loadtest_latency_compute(&l, mean3, 3);
	assert_true(l.mean == 0.00);
	loadtest_latency_compute(&l, small, 2);
	assert_true(l.min == 0.00);
	assert_true(l.max == 0.01);

	assert_true(loadtest_round2(1.234) == 1.23);
	assert_true(loadtest_round2(1.235) == 1.24);
	assert_true(loadtest_round2(-1.235) == -1.24);
	assert_true(loadtest_round2(0.004) == 0.00);
	assert_true(loadtest_round2(12.5) == 12.50);

	assert_true(loadtest_percent2(1, 3) == 33.33);
	assert_true(loadtest_percent2(2, 3) == 66.67);
	assert_true(loadtest_percent2(1, 8) == 12.50);
	assert_true(loadtest_percent2(1, 32) == 3.13);  /* 3.125: half up */
	assert_true(loadtest_percent2(1, 200000) == 0.00);
	assert_true(loadtest_percent2(1, 20000) == 0.01); /* 0.005: half up */
	assert_true(loadtest_percent2(100, 450) == 22.22);
	assert_true(loadtest_percent2(7, 7) == 100.00);
	assert_true(loadtest_percent2(0, 7) == 0.00);
}

/* ------------------------------------------------------------ schedule */

static void
test_schedule(void **state)
{
	uint64_t c1[] = { 2, 2, 1 };
	uint32_t want1[] = { 0, 1, 2, 0, 1 };
	uint64_t c2[] = { 100, 100, 100, 100, 50 };  /* the default set, --requests 100 */
	uint64_t c3[] = { 3 };
	uint64_t c4[] = { 1, 3, 2 };
	uint32_t want4[] = { 0, 1, 2, 1, 2, 1 };
	uint64_t per[5] = { 0 };
	struct loadtest_schedule s;

	(void)state;
	assert_int_equal(loadtest_schedule_init(&s, c1, 3), 0);
	assert_int_equal(s.total, 5);
	for (uint64_t k = 0; k < 5; k++)
		assert_int_equal(loadtest_schedule_at(&s, k), want1[k]);
	loadtest_schedule_free(&s);

	assert_int_equal(loadtest_schedule_init(&s, c2, 5), 0);
	assert_int_equal(s.total, 450);
	for (uint64_t k = 0; k < 5; k++)
		assert_int_equal(loadtest_schedule_at(&s, k), k);
	assert_int_equal(loadtest_schedule_at(&s, 249), 4); /* round 49 ends with cache/stats */
	assert_int_equal(loadtest_schedule_at(&s, 250), 0); /* then four per round */
	assert_int_equal(loadtest_schedule_at(&s, 449), 3);
	for (uint64_t k = 0; k < 450; k++)
		per[loadtest_schedule_at(&s, k)]++;
	for (int i = 0; i < 5; i++)
		assert_int_equal(per[i], c2[i]);
	loadtest_schedule_free(&s);

	assert_int_equal(loadtest_schedule_init(&s, c3, 1), 0);
	assert_int_equal(s.total, 3);
	assert_int_equal(loadtest_schedule_at(&s, 2), 0);
	loadtest_schedule_free(&s);

	assert_int_equal(loadtest_schedule_init(&s, c4, 3), 0);
	assert_int_equal(s.total, 6);
	for (uint64_t k = 0; k < 6; k++)
		assert_int_equal(loadtest_schedule_at(&s, k), want4[k]);
	loadtest_schedule_free(&s);

	assert_int_equal(loadtest_schedule_init(&s, c1, 0), -1);
	loadtest_schedule_free(&s);
}

/* ------------------------------------------------------------ base URL */

static void
test_url(void **state)
{
	struct loadtest_url u;

	(void)state;
	assert_null(loadtest_url_parse(&u, "http://127.0.0.1:8000"));
	assert_string_equal(u.host, "127.0.0.1");
	assert_string_equal(u.port, "8000");
	assert_string_equal(u.prefix, "");
	assert_false(u.ipv6_literal);

	assert_null(loadtest_url_parse(&u, "HTTP://example.org"));
	assert_string_equal(u.host, "example.org");
	assert_string_equal(u.port, "80");

	assert_null(loadtest_url_parse(&u, "http://[::1]:9000/base/path//"));
	assert_string_equal(u.host, "::1");
	assert_string_equal(u.port, "9000");
	assert_string_equal(u.prefix, "/base/path");
	assert_true(u.ipv6_literal);

	assert_null(loadtest_url_parse(&u, "http://localhost/"));
	assert_string_equal(u.prefix, "");
	assert_null(loadtest_url_parse(&u, "http://h:00080"));
	assert_string_equal(u.port, "80");

	assert_non_null(strstr(loadtest_url_parse(&u, "https://127.0.0.1"), "https"));
	assert_non_null(loadtest_url_parse(&u, "ftp://x"));
	assert_non_null(loadtest_url_parse(&u, "127.0.0.1:8000"));
	assert_non_null(loadtest_url_parse(&u, "http://"));
	assert_non_null(loadtest_url_parse(&u, "http://:80"));
	assert_non_null(loadtest_url_parse(&u, "http://h:0"));
	assert_non_null(loadtest_url_parse(&u, "http://h:65536"));
	assert_non_null(loadtest_url_parse(&u, "http://h:"));
	assert_non_null(loadtest_url_parse(&u, "http://h:80x"));
	assert_non_null(loadtest_url_parse(&u, "http://user@h"));
	assert_non_null(loadtest_url_parse(&u, "http://[::1"));
	assert_non_null(loadtest_url_parse(&u, "http://[zz]"));
	assert_non_null(loadtest_url_parse(&u, "http://h/a b"));
	assert_non_null(loadtest_url_parse(&u, "http://h/?q=1"));
	assert_non_null(loadtest_url_parse(&u, "http://h?q"));
}

/* ------------------------------------------------------- HTTP responses */

/* Feed @p text in pieces of @p step bytes, as a socket would deliver it,
 * keeping unconsumed bytes; returns the final code and the bytes left. */
static int
feed(struct loadtest_http *h, const char *text, size_t step, size_t *left)
{
	char buf[4096];
	size_t len = strlen(text), have = 0, given = 0;
	int rc = LOADTEST_HTTP_MORE;

	loadtest_http_reset(h);
	while (rc == LOADTEST_HTTP_MORE) {
		size_t used, n = len - given < step ? len - given : step;

		if (n == 0 && given == len) {
			/* Everything offered and still more wanted. */
			break;
		}
		memcpy(buf + have, text + given, n);
		have += n;
		given += n;
		rc = loadtest_http_parse(h, buf, have, &used);
		assert_true(used <= have);
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	*left = have + (len - given);
	return rc;
}

static void
parses_in_every_split(const char *text, int want_rc, int want_status, bool want_close,
		      size_t want_left)
{
	for (size_t step = 1; step <= strlen(text); step++) {
		struct loadtest_http h;
		size_t left;
		int rc = feed(&h, text, step, &left);

		if (rc != want_rc || (want_rc == LOADTEST_HTTP_DONE &&
				       (h.status != want_status || h.close != want_close ||
					left != want_left)))
			fail_msg("step %zu: rc %d status %d close %d left %zu for <%s>", step, rc,
				 h.status, h.close, left, text);
	}
}

static void
test_http_responses(void **state)
{
	struct loadtest_http h;
	size_t left;

	(void)state;
	parses_in_every_split("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
			      LOADTEST_HTTP_DONE, 200, false, 0);
	parses_in_every_split("HTTP/1.1 404 Not Found\r\ncontent-length:0\r\n\r\n",
			      LOADTEST_HTTP_DONE, 404, false, 0);
	parses_in_every_split("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
			      LOADTEST_HTTP_DONE, 200, true, 0);
	parses_in_every_split("HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\n"
			      "Content-Length: 0\r\n\r\n",
			      LOADTEST_HTTP_DONE, 200, true, 0);
	/* HTTP/1.0 closes unless it says keep-alive. */
	parses_in_every_split("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", LOADTEST_HTTP_DONE,
			      200, true, 0);
	parses_in_every_split("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n"
			      "\r\nx",
			      LOADTEST_HTTP_DONE, 200, false, 0);
	/* Chunked, with an extension and trailers; Transfer-Encoding beats
	 * Content-Length. */
	parses_in_every_split("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
			      "Content-Length: 999\r\n\r\n"
			      "5\r\nhello\r\nA;x=y\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\n",
			      LOADTEST_HTTP_DONE, 200, false, 0);
	parses_in_every_split("HTTP/1.1 500 Oops\r\ntransfer-encoding: gzip, chunked\r\n\r\n"
			      "0\r\n\r\n",
			      LOADTEST_HTTP_DONE, 500, false, 0);
	/* Bare LF line ends are tolerated. */
	parses_in_every_split("HTTP/1.1 201 Created\nContent-Length: 3\n\nabc", LOADTEST_HTTP_DONE,
			      201, false, 0);
	/* An interim 100 Continue is skipped. */
	parses_in_every_split("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\n"
			      "Content-Length: 1\r\n\r\n!",
			      LOADTEST_HTTP_DONE, 202, false, 0);
	/* No body for 204 and 304, whatever the headers say. */
	parses_in_every_split("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n",
			      LOADTEST_HTTP_DONE, 204, false, 0);
	/* Bytes after the response are left for the caller. */
	parses_in_every_split("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA",
			      LOADTEST_HTTP_DONE, 200, false, 5);

	/* A body delimited by the end of the connection. */
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\n\r\nsome body", 4, &left),
			 LOADTEST_HTTP_MORE);
	assert_true(h.close);
	assert_int_equal(loadtest_http_eof(&h), LOADTEST_HTTP_DONE);
	/* A short body is cut. */
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 100, &left),
			 LOADTEST_HTTP_MORE);
	assert_int_equal(loadtest_http_eof(&h), LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nContent", 100, &left), LOADTEST_HTTP_MORE);
	assert_int_equal(loadtest_http_eof(&h), LOADTEST_HTTP_BAD);

	/* Not HTTP. */
	assert_int_equal(feed(&h, "SSH-2.0-OpenSSH\r\n\r\n", 100, &left), LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/2 200\r\n\r\n", 100, &left), LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 20 OK\r\n\r\n", 100, &left), LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", 100, &left),
			 LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", 100, &left),
			 LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
				  "\r\n",
			      100, &left),
			 LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
			      100, &left),
			 LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				  "2\r\nabX\r\n",
			      100, &left),
			 LOADTEST_HTTP_BAD);
	assert_int_equal(feed(&h, "HTTP/1.1 101 Switching\r\n\r\n", 100, &left),
			 LOADTEST_HTTP_BAD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rank),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_median_odd_even),
		cmocka_unit_test(test_percentiles_nearest_rank),
		cmocka_unit_test(test_stddev),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_schedule),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_http_responses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
