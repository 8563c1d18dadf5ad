/*
 * claimsd's failed-login windows (apps/claimsd/login_guard.c,
 * security.md §1.1): five failures then refusals until the window that
 * opened at the first failure closes, refusals not counted, a success
 * clearing the name, names compared without ASCII case, the bound on names
 * tracked, and exactness under threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <cmocka.h>

#include "login_guard.h"

#define T0 ((int64_t)1700000000)

static struct login_guard *
guard(long max, size_t entries)
{
	struct login_guard *g = NULL;

	assert_int_equal(login_guard_new(&g, max, LOGIN_WINDOW_SECONDS, entries), 0);
	return g;
}

static void
fail_once(struct login_guard *g, const char *name, int64_t now)
{
	assert_int_equal(login_guard_begin(g, name, now), 0);
	login_guard_end(g, name, LOGIN_FAILED, now);
}

static void
test_window(void **state)
{
	struct login_guard *g = guard(5, 100);

	(void)state;
	/* Five failures spread over the window are all counted. */
	for (int i = 0; i < 5; i++)
		fail_once(g, "alice", T0 + i * 60);
	/* The sixth attempt is refused until 900 s after the first failure,
	 * and refusals are not counted (nothing to end). */
	assert_int_equal(login_guard_begin(g, "alice", T0 + 240), 660);
	assert_int_equal(login_guard_begin(g, "ALICE", T0 + 899), 1);
	assert_int_equal(login_guard_begin(g, "Alice", T0 + 600), 300);
	/* Other names are not affected. */
	assert_int_equal(login_guard_begin(g, "bob", T0 + 600), 0);
	login_guard_end(g, "bob", LOGIN_SUCCEEDED, T0 + 600);
	/* The window closes: counting starts again. */
	assert_int_equal(login_guard_begin(g, "alice", T0 + 900), 0);
	login_guard_end(g, "alice", LOGIN_FAILED, T0 + 900);
	for (int i = 1; i < 5; i++)
		fail_once(g, "alice", T0 + 900 + i);
	assert_int_equal(login_guard_begin(g, "alice", T0 + 905), 895);
	login_guard_free(g);
}

static void
test_success_resets(void **state)
{
	struct login_guard *g = guard(5, 100);

	(void)state;
	for (int i = 0; i < 4; i++)
		fail_once(g, "carol", T0 + i);
	assert_int_equal(login_guard_begin(g, "CAROL", T0 + 10), 0);
	login_guard_end(g, "CAROL", LOGIN_SUCCEEDED, T0 + 10);
	assert_int_equal(login_guard_size(g), 0);
	for (int i = 0; i < 4; i++)
		fail_once(g, "carol", T0 + 20 + i);
	/* An aborted attempt (database failure) counts nothing. */
	assert_int_equal(login_guard_begin(g, "carol", T0 + 30), 0);
	login_guard_end(g, "carol", LOGIN_ABORTED, T0 + 30);
	fail_once(g, "carol", T0 + 31);
	assert_int_equal(login_guard_begin(g, "carol", T0 + 32), 900 - 12);
	login_guard_free(g);
}

/* Attempts in progress hold their place: no more than the limit of
 * passwords is ever checked at once. */
static void
test_in_flight(void **state)
{
	struct login_guard *g = guard(2, 100);

	(void)state;
	assert_int_equal(login_guard_begin(g, "dave", T0), 0);
	assert_int_equal(login_guard_begin(g, "dave", T0), 0);
	/* No window yet: retry in a second. */
	assert_int_equal(login_guard_begin(g, "dave", T0), 1);
	login_guard_end(g, "dave", LOGIN_FAILED, T0 + 1);
	assert_int_equal(login_guard_begin(g, "dave", T0 + 2), 899);
	login_guard_end(g, "dave", LOGIN_SUCCEEDED, T0 + 3);
	assert_int_equal(login_guard_size(g), 0);
	assert_int_equal(login_guard_begin(g, "dave", T0 + 4), 0);
	login_guard_end(g, "dave", LOGIN_SUCCEEDED, T0 + 4);
	login_guard_free(g);
}

static void
test_bounded(void **state)
{
	struct login_guard *g = guard(3, 4);
	char name[16];

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "u%d", i);
		fail_once(g, name, T0 + i);
	}
	assert_int_equal(login_guard_size(g), 4);
	/* Full: the name with the oldest window (u0) makes room. */
	fail_once(g, "new", T0 + 10);
	assert_int_equal(login_guard_size(g), 4);
	fail_once(g, "u1", T0 + 11);
	fail_once(g, "u1", T0 + 12);
	assert_int_equal(login_guard_begin(g, "u1", T0 + 13), 900 - 12);
	/* u0 was forgotten: it starts from nothing. */
	fail_once(g, "u0", T0 + 14);
	fail_once(g, "u0", T0 + 15);
	assert_int_equal(login_guard_begin(g, "u0", T0 + 16), 0);
	login_guard_end(g, "u0", LOGIN_ABORTED, T0 + 16);
	/* Closed windows are dropped before any open one. */
	fail_once(g, "late", T0 + 2000);
	assert_int_equal(login_guard_size(g), 1);
	login_guard_free(g);
}

struct worker_arg {
	struct login_guard *g;
	int checked;
};

static void *
worker(void *p)
{
	struct worker_arg *a = p;

	for (int i = 0; i < 50; i++) {
		if (login_guard_begin(a->g, "eve", T0) == 0) {
			a->checked++;
			login_guard_end(a->g, "eve", LOGIN_FAILED, T0);
		}
	}
	return NULL;
}

/* Eight threads hammering one name: exactly the limit of passwords is
 * checked in the window. */
static void
test_threads(void **state)
{
	struct login_guard *g = guard(5, 100);
	struct worker_arg args[8];
	pthread_t th[8];
	int total = 0;

	(void)state;
	for (int i = 0; i < 8; i++) {
		args[i] = (struct worker_arg){ g, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		total += args[i].checked;
	}
	assert_int_equal(total, 5);
	login_guard_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_success_resets),
		cmocka_unit_test(test_in_flight),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
