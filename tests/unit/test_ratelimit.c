/*
 * The rate limiter's windows and the client address rules
 * (spec/security.md §3), with the clock given by the test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "netaddr.h"
#include "ratelimit.h"

/* 2026-11-24T10:00:00Z: the start of an hour, so of a minute too. */
#define T0 INT64_C(1795514400)

static void
test_minute_window_exact(void **state)
{
	struct ratelimit *rl = ratelimit_new(3, 100, 10);
	struct ratelimit_result r;

	(void)state;
	for (int i = 0; i < 3; i++) {
		ratelimit_check(rl, "ip:1.2.3.4", T0 + 10, &r);
		assert_true(r.allowed);
		assert_int_equal(r.remaining_minute, 2 - i);
		assert_int_equal(r.remaining_hour, 99 - i);
		assert_int_equal(r.reset, 50);
	}
	/* The fourth is refused and counts nothing. */
	ratelimit_check(rl, "ip:1.2.3.4", T0 + 59, &r);
	assert_false(r.allowed);
	assert_string_equal(r.window, "minute");
	assert_int_equal(r.retry_after, 1);
	assert_int_equal(r.remaining_minute, 0);
	assert_int_equal(r.remaining_hour, 97);
	/* The next minute opens a new window: a fixed window, not a
	 * sliding one restarted by the refused request. */
	ratelimit_check(rl, "ip:1.2.3.4", T0 + 60, &r);
	assert_true(r.allowed);
	assert_int_equal(r.remaining_minute, 2);
	assert_int_equal(r.remaining_hour, 96);
	ratelimit_free(rl);
}

static void
test_hour_window(void **state)
{
	struct ratelimit *rl = ratelimit_new(5, 5, 10);
	struct ratelimit_result r;

	(void)state;
	for (int i = 0; i < 5; i++) {
		ratelimit_check(rl, "user:ann", T0 + 120 * i, &r);
		assert_true(r.allowed);
	}
	ratelimit_check(rl, "user:ann", T0 + 1200, &r);
	assert_false(r.allowed);
	assert_string_equal(r.window, "hour");
	assert_int_equal(r.retry_after, 3600 - 1200);
	ratelimit_check(rl, "user:ann", T0 + 3600, &r);
	assert_true(r.allowed);
	ratelimit_free(rl);
}

static void
test_clients_apart(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 10, 10);
	struct ratelimit_result r;

	(void)state;
	ratelimit_check(rl, "ip:10.0.0.1", T0, &r);
	assert_true(r.allowed);
	ratelimit_check(rl, "ip:10.0.0.1", T0, &r);
	assert_false(r.allowed);
	ratelimit_check(rl, "ip:10.0.0.2", T0, &r);
	assert_true(r.allowed);
	ratelimit_check(rl, "user:10.0.0.1", T0, &r);
	assert_true(r.allowed);
	ratelimit_free(rl);
}

static void
test_bounded_clients(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 10, 3);
	struct ratelimit_result r;

	(void)state;
	/* a seen in an earlier hour; b and c in this one. */
	ratelimit_check(rl, "a", T0 - 10, &r);
	ratelimit_check(rl, "b", T0, &r);
	ratelimit_check(rl, "c", T0 + 1, &r);
	assert_int_equal(ratelimit_clients(rl), 3);
	/* d arrives at the bound: a (hour passed) goes, b and c stay
	 * refused for this minute. */
	ratelimit_check(rl, "d", T0 + 2, &r);
	assert_true(r.allowed);
	assert_int_equal(ratelimit_clients(rl), 3);
	ratelimit_check(rl, "b", T0 + 3, &r);
	assert_false(r.allowed);
	ratelimit_check(rl, "c", T0 + 3, &r);
	assert_false(r.allowed);
	/* Then the least recently seen: d (b and c were just seen). */
	ratelimit_check(rl, "e", T0 + 4, &r);
	assert_true(r.allowed);
	ratelimit_check(rl, "d", T0 + 5, &r);
	assert_true(r.allowed); /* forgotten, so new */
	ratelimit_free(rl);
}

struct race {
	struct ratelimit *rl;
	int allowed;
};

static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;

static void *
racer(void *arg)
{
	struct race *race = arg;
	struct ratelimit_result r;

	ratelimit_check(race->rl, "ip:127.0.0.1", T0 + 30, &r);
	if (r.allowed) {
		pthread_mutex_lock(&race_lock);
		race->allowed++;
		pthread_mutex_unlock(&race_lock);
	}
	return NULL;
}

static void
test_exact_under_concurrency(void **state)
{
	struct race race = { ratelimit_new(60, 1000, 100), 0 };
	pthread_t t[100];

	(void)state;
	for (int i = 0; i < 100; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer, &race), 0);
	for (int i = 0; i < 100; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(race.allowed, 60);
	ratelimit_free(race.rl);
}

static void
test_trusted_proxies(void **state)
{
	struct netaddr_net *nets = NULL;
	char err[128], ip[64];
	int n;

	(void)state;
	n = netaddr_parse_list("10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8", &nets, err, sizeof(err));
	assert_int_equal(n, 4);
	/* Not from a trusted proxy: the header is ignored. */
	netaddr_client("203.0.113.9", "1.2.3.4", nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "203.0.113.9");
	/* From one: right to left, trusted hops skipped. */
	netaddr_client("10.1.2.3", "6.6.6.6, 1.2.3.4, 192.168.1.7", nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "1.2.3.4");
	netaddr_client("::1", "2001:db8::5", nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "2001:db8::5");
	/* Every hop trusted: the leftmost. */
	netaddr_client("10.1.2.3", "10.9.9.9,192.168.1.7", nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "10.9.9.9");
	/* A malformed entry stops the walk at the last trusted hop. */
	netaddr_client("10.1.2.3", "1.2.3.4, junk", nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "10.1.2.3");
	netaddr_client("10.1.2.3", NULL, nets, 4, ip, sizeof(ip));
	assert_string_equal(ip, "10.1.2.3");
	free(nets);

	assert_int_equal(netaddr_parse_list("10.0.0.0/33", &nets, err, sizeof(err)), -1);
	assert_int_equal(netaddr_parse_list("nothost", &nets, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "nothost"));
	assert_int_equal(netaddr_parse_list("", &nets, err, sizeof(err)), 0);
	assert_null(nets);
}

static void
test_loopback(void **state)
{
	(void)state;
	assert_true(netaddr_is_loopback("127.0.0.1"));
	assert_true(netaddr_is_loopback("127.8.9.10"));
	assert_true(netaddr_is_loopback("::1"));
	assert_true(netaddr_is_loopback("localhost"));
	assert_false(netaddr_is_loopback("0.0.0.0"));
	assert_false(netaddr_is_loopback("::"));
	assert_false(netaddr_is_loopback("10.0.0.1"));
	assert_false(netaddr_is_loopback("128.0.0.1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minute_window_exact),
		cmocka_unit_test(test_hour_window),
		cmocka_unit_test(test_clients_apart),
		cmocka_unit_test(test_bounded_clients),
		cmocka_unit_test(test_exact_under_concurrency),
		cmocka_unit_test(test_trusted_proxies),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
