/*
 * The in-process cache (cache.md): LRU order, TTL on a fake clock, bounds,
 * counting rules, hit-rate rounding, bounded per-key statistics and their
 * resets, the stale re-cache guard, configuration from a variable table, the
 * write epoch, and exact statistics under many threads.
 *
 * Run with --unit or --concurrency for one group (the concurrency group is
 * also its own meson suite, run under ThreadSanitizer); without an argument
 * both run.
 */
#include "testutil.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "claims/cache.h"

/* ---- a fake clock, in milliseconds */

static _Atomic int64_t fake_now;

static int64_t
fake_clock(void *payload)
{
	(void)payload;
	return atomic_load(&fake_now);
}

static claims_cache *
new_cache(uint64_t max_entries, uint64_t max_bytes, uint64_t max_keys)
{
	claims_cache_options o = CLAIMS_CACHE_OPTIONS_INIT;
	claims_cache *c = NULL;

	o.max_entries = max_entries;
	o.max_bytes = max_bytes;
	o.max_tracked_keys = max_keys;
	o.clock = fake_clock;
	atomic_store(&fake_now, 1000000);
	assert_int_equal(claims_cache_new(&c, &o), CLAIMS_OK);
	assert_non_null(c);
	return c;
}

static void
put_str(claims_cache *c, const char *key, const char *value)
{
	assert_int_equal(claims_cache_put(c, key, value, strlen(value), CLAIMS_CACHE_GEN_ANY),
			 CLAIMS_OK);
}

/* A lookup that must hit with @p expect (NULL: must miss). */
static void
expect_get(claims_cache *c, const char *key, const char *expect)
{
	char *v = (char *)"sentinel";
	size_t len = 99;
	int rc = claims_cache_get(&v, &len, NULL, c, key);

	if (expect) {
		assert_int_equal(rc, CLAIMS_OK);
		assert_non_null(v);
		assert_int_equal(len, strlen(expect));
		assert_string_equal(v, expect);
	} else {
		assert_int_equal(rc, CLAIMS_ENOTFOUND);
		assert_null(v);
		assert_int_equal(len, 0);
	}
	claims_cache_value_free(v);
}

static claims_cache_stats *
stats(claims_cache *c)
{
	claims_cache_stats *s = NULL;

	assert_int_equal(claims_cache_stats_get(&s, c), CLAIMS_OK);
	assert_non_null(s);
	return s;
}

static const claims_cache_prefix_stats *
find_prefix(const claims_cache_stats *s, const char *name)
{
	for (size_t i = 0; i < s->n_prefixes; i++)
		if (strcmp(s->by_prefix[i].prefix, name) == 0)
			return &s->by_prefix[i];
	return NULL;
}

static const claims_cache_key_stats *
find_key(const claims_cache_stats *s, const char *key)
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (strcmp(s->by_key[i].key, key) == 0)
			return &s->by_key[i];
	return NULL;
}

/* overall = sum of prefixes, total = hits + misses, sorted arrays. */
static void
check_invariants(const claims_cache_stats *s)
{
	uint64_t h = 0, m = 0, e = 0;

	for (size_t i = 0; i < s->n_prefixes; i++) {
		const claims_cache_prefix_stats *p = &s->by_prefix[i];

		h += p->counts.hits;
		m += p->counts.misses;
		e += p->entries;
		assert_int_equal(p->counts.total, p->counts.hits + p->counts.misses);
		if (i > 0)
			assert_true(strcmp(s->by_prefix[i - 1].prefix, p->prefix) < 0);
	}
	assert_int_equal(h, s->overall.hits);
	assert_int_equal(m, s->overall.misses);
	assert_int_equal(e, s->entries);
	assert_int_equal(s->overall.total, s->overall.hits + s->overall.misses);
	for (size_t i = 1; i < s->n_keys; i++)
		assert_true(strcmp(s->by_key[i - 1].key, s->by_key[i].key) < 0);
	assert_true(s->n_keys <= s->max_tracked_keys);
	assert_true(s->entries <= s->max_entries);
	assert_true(s->bytes <= s->max_bytes);
}

/* ---- unit group */

static void
test_bad_arguments(void **state)
{
	claims_cache_options o = CLAIMS_CACHE_OPTIONS_INIT;
	claims_cache *c = (claims_cache *)&o;
	char *v = (char *)"x";
	claims_cache_counts counts;
	claims_cache_stats *s = (claims_cache_stats *)&o;

	(void)state;
	assert_int_equal(claims_cache_new(NULL, NULL), CLAIMS_EINVAL);
	o.version = 99;
	assert_int_equal(claims_cache_new(&c, &o), CLAIMS_EINVAL);
	assert_null(c);
	o.version = CLAIMS_CACHE_OPTIONS_VERSION;
	o.max_entries = 0;
	assert_int_equal(claims_cache_new(&c, &o), CLAIMS_EINVAL);
	o.max_entries = 1;
	o.max_bytes = 0;
	assert_int_equal(claims_cache_new(&c, &o), CLAIMS_EINVAL);
	claims_cache_free(NULL);
	claims_cache_stats_free(NULL);
	claims_cache_value_free(NULL);

	c = new_cache(10, 100000, 10);
	assert_int_equal(claims_cache_get(&v, NULL, NULL, c, NULL), CLAIMS_EINVAL);
	assert_null(v);
	assert_int_equal(claims_cache_get(NULL, NULL, NULL, c, "claim:1"), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_get(&v, NULL, NULL, NULL, "claim:1"), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_put(c, NULL, "x", 1, CLAIMS_CACHE_GEN_ANY), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_put(c, "k", NULL, 1, CLAIMS_CACHE_GEN_ANY), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_put(NULL, "k", "x", 1, CLAIMS_CACHE_GEN_ANY),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_cache_delete(c, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_delete_prefix(c, ""), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_delete_prefix(c, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_clear(NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_stats_get(&s, NULL), CLAIMS_EINVAL);
	assert_null(s);
	assert_int_equal(claims_cache_key_stats_get(&counts, NULL, c, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_stats_reset(NULL, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_cache_sync_epoch(c, NULL), CLAIMS_EINVAL);
	assert_false(claims_cache_contains(c, NULL));

	/* nothing above was counted */
	s = stats(c);
	assert_int_equal(s->overall.total, 0);
	assert_int_equal(s->n_prefixes, 0);
	claims_cache_stats_free(s);

	/* an empty value is a value */
	assert_int_equal(claims_cache_put(c, "k", NULL, 0, CLAIMS_CACHE_GEN_ANY), CLAIMS_OK);
	expect_get(c, "k", "");
	claims_cache_free(c);
}

static void
test_lru_order(void **state)
{
	claims_cache *c = new_cache(3, 1 << 20, 100);
	claims_cache_stats *s;

	(void)state;
	put_str(c, "claim:1", "a");
	put_str(c, "claim:2", "b");
	put_str(c, "claim:3", "c");
	expect_get(c, "claim:1", "a"); /* 1 becomes most recently used: order 1 3 2 */
	put_str(c, "claim:4", "d");    /* evicts 2 */
	assert_false(claims_cache_contains(c, "claim:2"));
	assert_true(claims_cache_contains(c, "claim:1"));
	assert_true(claims_cache_contains(c, "claim:3"));
	assert_true(claims_cache_contains(c, "claim:4"));
	/* contains() does not change the order: 3 is the next victim */
	put_str(c, "claim:5", "e");
	assert_false(claims_cache_contains(c, "claim:3"));
	/* order 5 4 1; replacing a key moves it to the front too: 1 5 4 */
	put_str(c, "claim:1", "A");
	put_str(c, "claim:6", "f"); /* evicts 4 */
	assert_false(claims_cache_contains(c, "claim:4"));
	expect_get(c, "claim:1", "A");
	expect_get(c, "claim:5", "e");
	expect_get(c, "claim:6", "f");

	s = stats(c);
	assert_int_equal(s->evictions, 3);
	assert_int_equal(s->expirations, 0);
	assert_int_equal(s->entries, 3);
	assert_int_equal(s->overall.hits, 4);
	assert_int_equal(s->overall.misses, 0);
	assert_int_equal(s->bytes, 3 * (7 + 1 + 64));
	check_invariants(s);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_ttl_expiry(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;
	const claims_cache_prefix_stats *p;

	(void)state;
	put_str(c, "claim:1", "v");                                         /* 1800 s */
	put_str(c, "count:claim", "7");                                     /* 300 s */
	put_str(c, "payer:3", "p");                                         /* 86400 s */
	assert_int_equal(claims_cache_put_ttl(c, "claim:2", "w", 1, CLAIMS_CACHE_GEN_ANY, 0),
			 CLAIMS_OK); /* never */
	assert_int_equal(claims_cache_put_ttl(c, "claim:3", "x", 1, CLAIMS_CACHE_GEN_ANY, 5),
			 CLAIMS_OK);

	atomic_fetch_add(&fake_now, 4999);
	expect_get(c, "claim:3", "x");
	atomic_fetch_add(&fake_now, 1);
	expect_get(c, "claim:3", NULL); /* exactly 5 s: expired */

	atomic_fetch_add(&fake_now, 300 * 1000 - 5000 - 1);
	expect_get(c, "count:claim", "7");
	atomic_fetch_add(&fake_now, 1);
	expect_get(c, "count:claim", NULL);

	atomic_fetch_add(&fake_now, 1500 * 1000 - 1);
	expect_get(c, "claim:1", "v");
	atomic_fetch_add(&fake_now, 1);
	expect_get(c, "claim:1", NULL);
	expect_get(c, "payer:3", "p");
	atomic_fetch_add(&fake_now, (int64_t)1000 * 1000 * 1000);
	expect_get(c, "claim:2", "w");
	expect_get(c, "payer:3", NULL);

	s = stats(c);
	assert_int_equal(s->expirations, 4);
	assert_int_equal(s->evictions, 0);
	assert_int_equal(s->overall.hits, 5);
	assert_int_equal(s->overall.misses, 4);
	assert_int_equal(s->entries, 1);
	assert_int_equal(s->bytes, 7 + 1 + 64);
	p = find_prefix(s, "claim");
	assert_non_null(p);
	assert_int_equal(p->counts.hits, 3);
	assert_int_equal(p->counts.misses, 2);
	assert_int_equal(p->entries, 1);
	check_invariants(s);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_evicting_expired_victim_counts_expiration(void **state)
{
	claims_cache *c = new_cache(2, 1 << 20, 100);
	claims_cache_stats *s;

	(void)state;
	assert_int_equal(claims_cache_put_ttl(c, "claim:1", "a", 1, CLAIMS_CACHE_GEN_ANY, 10),
			 CLAIMS_OK);
	put_str(c, "claim:2", "b");
	atomic_fetch_add(&fake_now, 20 * 1000);
	put_str(c, "claim:3", "c"); /* victim claim:1, expired */
	put_str(c, "claim:4", "d"); /* victim claim:2, live */
	s = stats(c);
	assert_int_equal(s->expirations, 1);
	assert_int_equal(s->evictions, 1);
	assert_int_equal(s->entries, 2);
	assert_int_equal(s->overall.total, 0);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_byte_bound(void **state)
{
	/* max_bytes 1600: values up to 100 bytes are stored; each entry of a
	 * 7-byte key and a 100-byte value counts 171 bytes, so 9 fit. */
	claims_cache *c = new_cache(1000, 1600, 100);
	char v100[101], v101[102];
	char key[32];
	claims_cache_stats *s;

	(void)state;
	memset(v100, 'x', 100);
	v100[100] = '\0';
	memset(v101, 'y', 101);
	v101[101] = '\0';
	for (int i = 0; i < 10; i++) {
		snprintf(key, sizeof(key), "claim:%d", i);
		put_str(c, key, v100);
	}
	s = stats(c);
	assert_int_equal(s->entries, 9);
	assert_int_equal(s->bytes, 9 * 171);
	assert_int_equal(s->evictions, 1);
	claims_cache_stats_free(s);
	assert_false(claims_cache_contains(c, "claim:0"));
	assert_true(claims_cache_contains(c, "claim:9"));

	/* 101 bytes > 1600 / 16: not stored, and the lookup is a miss */
	put_str(c, "claim:big", v101);
	assert_false(claims_cache_contains(c, "claim:big"));
	expect_get(c, "claim:big", NULL);
	/* an oversized replacement drops the old value */
	put_str(c, "claim:9", v101);
	assert_false(claims_cache_contains(c, "claim:9"));
	s = stats(c);
	assert_int_equal(s->entries, 8);
	assert_int_equal(s->bytes, 8 * 171);
	assert_int_equal(s->overall.misses, 1);
	assert_int_equal(s->overall.hits, 0);
	assert_int_equal(s->evictions, 1);
	check_invariants(s);
	claims_cache_stats_free(s);

	/* replacing a value adjusts the bytes */
	put_str(c, "claim:8", "short");
	s = stats(c);
	assert_int_equal(s->bytes, 7 * 171 + 7 + 5 + 64);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_entry_bound_with_many_keys(void **state)
{
	claims_cache *c = new_cache(50, 1 << 20, 10);
	char key[32];
	claims_cache_stats *s;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "episode:%d", i);
		put_str(c, key, key);
	}
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "episode:%d", i);
		assert_int_equal(claims_cache_contains(c, key), i >= 950);
	}
	s = stats(c);
	assert_int_equal(s->entries, 50);
	assert_int_equal(s->evictions, 950);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_hit_rate_rounding(void **state)
{
	claims_cache *c = new_cache(10, 1 << 20, 10);
	claims_cache_stats *s;

	(void)state;
	s = stats(c);
	assert_int_equal(s->overall.hit_rate_centi, 0);
	assert_true(s->overall.hit_rate == 0.0);
	claims_cache_stats_free(s);

	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:2", NULL);
	s = stats(c);
	assert_int_equal(s->overall.hit_rate_centi, 6667);
	assert_true(s->overall.hit_rate == 66.67);
	claims_cache_stats_free(s);

	expect_get(c, "claim:3", NULL);
	expect_get(c, "claim:4", NULL);
	s = stats(c);
	assert_int_equal(s->overall.hits, 2);
	assert_int_equal(s->overall.misses, 3);
	assert_int_equal(s->overall.hit_rate_centi, 4000);
	assert_true(s->overall.hit_rate == 40.0);
	claims_cache_stats_free(s);

	/* 1 hit in 8: 12.5 exactly; 1 in 3: 33.333 -> 33.33; 2 in 3 up */
	put_str(c, "payer:1", "p");
	expect_get(c, "payer:1", "p");
	for (int i = 0; i < 7; i++)
		expect_get(c, "payer:2", NULL);
	s = stats(c);
	assert_int_equal(find_prefix(s, "payer")->counts.hit_rate_centi, 1250);
	assert_int_equal(find_key(s, "payer:1")->counts.hit_rate_centi, 10000);
	assert_int_equal(find_key(s, "payer:2")->counts.hit_rate_centi, 0);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_prefix_rules(void **state)
{
	static const char *const keys[] = {
		"claim:17",
		"remittance:4",
		"episode:9",
		"risk_score:17",
		"payer:3",
		"provider:1",
		"practice_config:NORTH",
		"count:claim",
		"count:episode:claim_id=5",
		"count:claim:payer_id=3:status=denied",
		"count:remittance:status=paid",
		"count:payer",
		"pattern:payer:3",
		"pattern:analysis:17",
		"claim:",               /* empty id: own prefix */
		"claim:1:2",            /* an id holding ':' */
		"count:claim:from=10:00:to=11:00",
		"count:claims",         /* unknown model: own prefix */
		"count:claim:status",   /* filter without '=': own prefix */
		"count:claim:=x",       /* empty filter name: own prefix */
		"weird",
	};
	static const char *const expect[] = {
		"claim",
		"claim:",
		"count:claim",
		"count:claim:=x",
		"count:claim:status",
		"count:claims",
		"count:episode",
		"count:payer",
		"count:remittance",
		"episode",
		"pattern:analysis",
		"pattern:payer",
		"payer",
		"practice_config",
		"provider",
		"remittance",
		"risk_score",
		"weird",
	};
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_get(c, keys[i], NULL);
	s = stats(c);
	assert_int_equal(s->n_prefixes, sizeof(expect) / sizeof(expect[0]));
	for (size_t i = 0; i < s->n_prefixes; i++)
		assert_string_equal(s->by_prefix[i].prefix, expect[i]);
	assert_int_equal(find_prefix(s, "claim")->counts.misses, 2);
	assert_int_equal(find_prefix(s, "count:claim")->counts.misses, 3);
	assert_int_equal(s->n_keys, sizeof(keys) / sizeof(keys[0]));
	check_invariants(s);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_tracked_keys_bounded(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 2);
	claims_cache_counts k;
	claims_cache_stats *s;
	bool tracked = true;

	(void)state;
	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:2", NULL);
	expect_get(c, "claim:3", NULL); /* claim:1 drops out of the key LRU */
	assert_int_equal(claims_cache_key_stats_get(&k, &tracked, c, "claim:1"), CLAIMS_OK);
	assert_false(tracked);
	assert_int_equal(k.hits, 0);
	assert_int_equal(k.total, 0);
	/* its value stays cached; its lookups stay in the prefix and overall */
	assert_true(claims_cache_contains(c, "claim:1"));
	s = stats(c);
	assert_int_equal(s->n_keys, 2);
	assert_string_equal(s->by_key[0].key, "claim:2");
	assert_string_equal(s->by_key[1].key, "claim:3");
	assert_int_equal(s->overall.hits, 2);
	assert_int_equal(s->overall.misses, 2);
	assert_int_equal(find_prefix(s, "claim")->counts.total, 4);
	assert_int_equal(s->max_tracked_keys, 2);
	claims_cache_stats_free(s);

	/* looked up again: tracked from zero */
	expect_get(c, "claim:1", "a");
	assert_int_equal(claims_cache_key_stats_get(&k, &tracked, c, "claim:1"), CLAIMS_OK);
	assert_true(tracked);
	assert_int_equal(k.hits, 1);
	assert_int_equal(k.misses, 0);
	assert_int_equal(k.hit_rate_centi, 10000);
	assert_int_equal(claims_cache_key_stats_get(&k, &tracked, c, "claim:2"), CLAIMS_OK);
	assert_false(tracked);
	claims_cache_free(c);

	/* max 0: no key is tracked, prefixes still count */
	c = new_cache(100, 1 << 20, 0);
	expect_get(c, "claim:1", NULL);
	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	s = stats(c);
	assert_int_equal(s->n_keys, 0);
	assert_int_equal(find_prefix(s, "claim")->counts.total, 2);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_key_order_is_bytewise(void **state)
{
	static const char *const keys[] = { "payer:b", "payer:B", "payer:\xc3\xa9", "payer:a",
					    "payer:_" };
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;

	(void)state;
	for (size_t i = 0; i < 5; i++)
		expect_get(c, keys[i], NULL);
	s = stats(c);
	assert_int_equal(s->n_keys, 5);
	assert_string_equal(s->by_key[0].key, "payer:B");
	assert_string_equal(s->by_key[1].key, "payer:_");
	assert_string_equal(s->by_key[2].key, "payer:a");
	assert_string_equal(s->by_key[3].key, "payer:b");
	assert_string_equal(s->by_key[4].key, "payer:\xc3\xa9");
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_reset_unknown_key_is_noop(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 1);
	claims_cache_stats *a, *b;

	(void)state;
	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:2", NULL); /* claim:1 no longer tracked */
	a = stats(c);
	assert_int_equal(claims_cache_stats_reset(c, "claim:404"), CLAIMS_OK);
	assert_int_equal(claims_cache_stats_reset(c, "claim:1"), CLAIMS_OK); /* untracked */
	b = stats(c);
	assert_int_equal(a->overall.hits, b->overall.hits);
	assert_int_equal(a->overall.misses, b->overall.misses);
	assert_int_equal(a->n_prefixes, b->n_prefixes);
	assert_int_equal(b->overall.hits, 1);
	assert_int_equal(b->overall.misses, 1);
	assert_int_equal(find_prefix(b, "claim")->counts.total, 2);
	assert_int_equal(b->n_keys, 1);
	assert_string_equal(b->by_key[0].key, "claim:2");
	claims_cache_stats_free(a);
	claims_cache_stats_free(b);
	claims_cache_free(c);
}

static void
test_reset_key_subtracts(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;
	claims_cache_counts k;
	bool tracked = true;

	(void)state;
	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	expect_get(c, "claim:2", NULL);
	expect_get(c, "claim:2", NULL);
	expect_get(c, "payer:1", NULL);

	assert_int_equal(claims_cache_stats_reset(c, "claim:1"), CLAIMS_OK);
	s = stats(c);
	assert_int_equal(s->overall.hits, 0);
	assert_int_equal(s->overall.misses, 3);
	assert_int_equal(find_prefix(s, "claim")->counts.hits, 0);
	assert_int_equal(find_prefix(s, "claim")->counts.misses, 2);
	assert_int_equal(find_prefix(s, "claim")->entries, 1);
	assert_int_equal(find_prefix(s, "payer")->counts.misses, 1);
	assert_null(find_key(s, "claim:1"));
	assert_non_null(find_key(s, "claim:2"));
	assert_int_equal(s->entries, 1);
	check_invariants(s);
	claims_cache_stats_free(s);
	assert_int_equal(claims_cache_key_stats_get(&k, &tracked, c, "claim:1"), CLAIMS_OK);
	assert_false(tracked);
	assert_int_equal(k.total, 0);
	assert_int_equal(k.hit_rate_centi, 0);
	/* the value stays */
	expect_get(c, "claim:1", "a");

	/* reset everything: counters 0, gauges and values stay */
	assert_int_equal(claims_cache_put_ttl(c, "claim:9", "z", 1, CLAIMS_CACHE_GEN_ANY, 1),
			 CLAIMS_OK);
	atomic_fetch_add(&fake_now, 2000);
	expect_get(c, "claim:9", NULL); /* one expiration */
	assert_int_equal(claims_cache_stats_reset(c, ""), CLAIMS_OK);
	s = stats(c);
	assert_int_equal(s->overall.total, 0);
	assert_int_equal(s->expirations, 0);
	assert_int_equal(s->evictions, 0);
	assert_int_equal(s->entries, 1);
	assert_int_equal(s->bytes, 7 + 1 + 64);
	assert_int_equal(s->n_keys, 0);
	assert_int_equal(find_prefix(s, "claim")->counts.total, 0);
	assert_int_equal(find_prefix(s, "claim")->entries, 1);
	check_invariants(s);
	claims_cache_stats_free(s);
	expect_get(c, "claim:1", "a");
	assert_int_equal(claims_cache_stats_reset(c, NULL), CLAIMS_OK);
	s = stats(c);
	assert_int_equal(s->overall.total, 0);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_delete_and_delete_prefix(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;

	(void)state;
	put_str(c, "count:claim", "1");
	put_str(c, "count:claim:status=paid", "2");
	put_str(c, "count:claim:payer_id=3:status=denied", "3");
	put_str(c, "count:claims", "4");
	put_str(c, "count:remittance", "5");
	put_str(c, "claim:1", "6");
	put_str(c, "pattern:analysis:1", "7");
	put_str(c, "pattern:analysis:2", "8");
	put_str(c, "pattern:payer:1", "9");

	assert_int_equal(claims_cache_delete_prefix(c, "count:claim:payer_id=3"), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "count:claim:payer_id=3:status=denied"));
	assert_true(claims_cache_contains(c, "count:claim:status=paid"));
	assert_int_equal(claims_cache_delete_prefix(c, "count:claim"), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "count:claim"));
	assert_false(claims_cache_contains(c, "count:claim:status=paid"));
	assert_true(claims_cache_contains(c, "count:claims"));
	assert_true(claims_cache_contains(c, "count:remittance"));
	assert_int_equal(claims_cache_delete_prefix(c, "pattern:analysis"), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "pattern:analysis:1"));
	assert_false(claims_cache_contains(c, "pattern:analysis:2"));
	assert_true(claims_cache_contains(c, "pattern:payer:1"));
	assert_int_equal(claims_cache_delete(c, "claim:1"), CLAIMS_OK);
	assert_int_equal(claims_cache_delete(c, "claim:1"), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "claim:1"));

	s = stats(c);
	assert_int_equal(s->entries, 3);
	assert_int_equal(s->evictions, 0);
	assert_int_equal(s->expirations, 0);
	assert_int_equal(s->overall.total, 0);
	assert_int_equal(s->bytes, (12 + 1 + 64) + (16 + 1 + 64) + (15 + 1 + 64));
	check_invariants(s);
	claims_cache_stats_free(s);

	/* the next read is a miss */
	expect_get(c, "count:claim", NULL);
	assert_int_equal(claims_cache_clear(c), CLAIMS_OK);
	s = stats(c);
	assert_int_equal(s->entries, 0);
	assert_int_equal(s->bytes, 0);
	assert_int_equal(s->overall.misses, 1);
	claims_cache_stats_free(s);
	claims_cache_free(c);
}

static void
test_stale_recache_guard(void **state)
{
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_gen g1 = 0, g2 = 0, g3 = 0;
	char *v = NULL;

	(void)state;
	/* miss, a writer invalidates, the reader's old value is discarded */
	assert_int_equal(claims_cache_get(&v, NULL, &g1, c, "claim:1"), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_delete(c, "claim:1"), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "claim:1", "old", 3, g1), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "claim:1"));
	/* the next miss gets the new generation and may store */
	assert_int_equal(claims_cache_get(&v, NULL, &g2, c, "claim:1"), CLAIMS_ENOTFOUND);
	assert_true(g2 != g1);
	assert_int_equal(claims_cache_put(c, "claim:1", "new", 3, g2), CLAIMS_OK);
	expect_get(c, "claim:1", "new");

	/* by prefix, also for a narrower prefix than the key's pattern */
	assert_int_equal(claims_cache_get(&v, NULL, &g1, c, "count:claim:status=paid"),
			 CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_get(&v, NULL, &g2, c, "count:claim:payer_id=3:status=x"),
			 CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_get(&v, NULL, &g3, c, "count:remittance"),
			 CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_delete_prefix(c, "count:claim:payer_id=3"), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "count:claim:payer_id=3:status=x", "1", 1, g2),
			 CLAIMS_OK);
	assert_false(claims_cache_contains(c, "count:claim:payer_id=3:status=x"));
	assert_int_equal(claims_cache_put(c, "count:remittance", "2", 1, g3), CLAIMS_OK);
	assert_true(claims_cache_contains(c, "count:remittance"));

	/* a key that is its own prefix, invalidated by a wider prefix */
	assert_int_equal(claims_cache_get(&v, NULL, &g1, c, "count:claim:odd"), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_delete_prefix(c, "count"), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "count:claim:odd", "1", 1, g1), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "count:claim:odd"));
	assert_false(claims_cache_contains(c, "count:remittance"));

	/* clear() bumps every generation */
	assert_int_equal(claims_cache_get(&v, NULL, &g1, c, "episode:1"), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_clear(c), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "episode:1", "e", 1, g1), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "episode:1"));

	/* an invalidation of another prefix does not discard */
	assert_int_equal(claims_cache_get(&v, NULL, &g1, c, "episode:1"), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_cache_delete(c, "claim:1"), CLAIMS_OK);
	assert_int_equal(claims_cache_delete_prefix(c, "count:episode"), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "episode:1", "e", 1, g1), CLAIMS_OK);
	assert_true(claims_cache_contains(c, "episode:1"));

	/* a writer's own value (risk calculate): invalidate, then store */
	assert_int_equal(claims_cache_delete(c, "risk_score:1"), CLAIMS_OK);
	assert_int_equal(claims_cache_put(c, "risk_score:1", "r", 1, CLAIMS_CACHE_GEN_ANY),
			 CLAIMS_OK);
	expect_get(c, "risk_score:1", "r");
	claims_cache_free(c);
}

/* ---- configuration from a variable table */

struct env_table {
	const char *const *pairs; /* name, value, ..., NULL */
};

static const char *
table_lookup(const char *name, void *payload)
{
	const struct env_table *t = payload;

	for (size_t i = 0; t->pairs[i]; i += 2)
		if (strcmp(t->pairs[i], name) == 0)
			return t->pairs[i + 1];
	return NULL;
}

struct warnings {
	int n;
	char last[256];
};

static void
collect_warning(const char *message, void *payload)
{
	struct warnings *w = payload;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", message);
}

static void
test_config_from_env(void **state)
{
	static const char *const pairs[] = {
		"CACHE_TTL_CLAIM", "abc",
		"CACHE_TTL_REMITTANCE", "60",
		"CACHE_TTL_EPISODE", "+7",
		"CACHE_TTL_RISK_SCORE", "-5",
		"CACHE_TTL_COUNT", "0",
		"CACHE_TTL_PROVIDER", " 10",
		"CACHE_TTL_PRACTICE_CONFIG", "99999999999999999999",
		"CACHE_MAX_ENTRIES", "20",
		"CACHE_STATS_MAX_KEYS", "0",
		NULL,
	};
	struct env_table t = { pairs };
	struct warnings w = { 0 };
	claims_cache_options o;
	claims_cache *c = NULL;
	claims_cache_stats *s;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.clock = fake_clock;
	assert_int_equal(claims_cache_config_from_env(&o, table_lookup, &t, collect_warning, &w),
			 CLAIMS_OK);
	assert_int_equal(o.version, CLAIMS_CACHE_OPTIONS_VERSION);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.last, "CACHE_TTL_PRACTICE_CONFIG: \"99999999999999999999\" is not "
				    "a decimal integer, using the default 86400");
	assert_int_equal(o.ttl_claim, 1800);
	assert_int_equal(o.ttl_remittance, 60);
	assert_int_equal(o.ttl_episode, 7);
	assert_int_equal(o.ttl_risk_score, -5);
	assert_int_equal(o.ttl_payer, 86400);
	assert_int_equal(o.ttl_provider, 3600);
	assert_int_equal(o.ttl_practice_config, 86400);
	assert_int_equal(o.ttl_count, 0);
	assert_int_equal(o.ttl_other, 3600);
	assert_int_equal(o.max_entries, 20);
	assert_int_equal(o.max_bytes, 67108864);
	assert_int_equal(o.max_tracked_keys, 0);
	assert_true(o.clock == fake_clock);

	atomic_store(&fake_now, 0);
	assert_int_equal(claims_cache_new(&c, &o), CLAIMS_OK);
	put_str(c, "claim:1", "a");            /* invalid variable: 1800 */
	put_str(c, "remittance:1", "b");       /* 60 */
	put_str(c, "count:claim", "c");        /* 0: never */
	put_str(c, "risk_score:1", "d");       /* -5: never */
	put_str(c, "something:1", "e");        /* unknown prefix: 3600 */
	put_str(c, "pattern:payer:1", "f");    /* CACHE_TTL_PAYER */
	put_str(c, "pattern:analysis:1", "g"); /* CACHE_TTL_CLAIM */
	atomic_store(&fake_now, 60 * 1000);
	assert_false(claims_cache_contains(c, "remittance:1"));
	assert_true(claims_cache_contains(c, "claim:1"));
	atomic_store(&fake_now, 1800 * 1000);
	assert_false(claims_cache_contains(c, "claim:1"));
	assert_false(claims_cache_contains(c, "pattern:analysis:1"));
	assert_true(claims_cache_contains(c, "something:1"));
	atomic_store(&fake_now, 3600 * 1000 - 1);
	assert_true(claims_cache_contains(c, "something:1"));
	atomic_store(&fake_now, 3600 * 1000);
	assert_false(claims_cache_contains(c, "something:1"));
	assert_true(claims_cache_contains(c, "pattern:payer:1"));
	atomic_store(&fake_now, (int64_t)86400 * 1000);
	assert_false(claims_cache_contains(c, "pattern:payer:1"));
	atomic_store(&fake_now, (int64_t)1000 * 1000 * 1000 * 1000);
	assert_true(claims_cache_contains(c, "count:claim"));
	assert_true(claims_cache_contains(c, "risk_score:1"));
	s = stats(c);
	assert_int_equal(s->max_entries, 20);
	assert_int_equal(s->max_tracked_keys, 0);
	claims_cache_stats_free(s);
	claims_cache_free(c);

	/* bad limits and an empty value warn; no lookup gives the defaults */
	{
		static const char *const bad[] = {
			"CACHE_MAX_ENTRIES", "0",
			"CACHE_MAX_BYTES", "12x",
			"CACHE_STATS_MAX_KEYS", "-1",
			"CACHE_TTL_PAYER", "",
			NULL,
		};
		struct env_table tb = { bad };

		w.n = 0;
		assert_int_equal(claims_cache_config_from_env(&o, table_lookup, &tb,
							      collect_warning, &w),
				 CLAIMS_OK);
		assert_int_equal(w.n, 4);
		assert_int_equal(o.max_entries, 10000);
		assert_int_equal(o.max_bytes, 67108864);
		assert_int_equal(o.max_tracked_keys, 1000);
		assert_int_equal(o.ttl_payer, 86400);
		/* without a warning sink: the same values, silently */
		assert_int_equal(claims_cache_config_from_env(&o, table_lookup, &tb, NULL, NULL),
				 CLAIMS_OK);
		assert_int_equal(o.max_entries, 10000);
	}
	assert_int_equal(claims_cache_config_from_env(&o, NULL, NULL, NULL, NULL), CLAIMS_OK);
	assert_int_equal(o.ttl_claim, 1800);
	assert_int_equal(claims_cache_config_from_env(NULL, NULL, NULL, NULL, NULL), CLAIMS_EINVAL);
}

/* ---- the write epoch */

static void
test_write_epoch_sync(void **state)
{
	claims_db *db = NULL;
	claims_cache *c = new_cache(100, 1 << 20, 100);
	claims_cache_stats *s;
	int64_t e = -1;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	assert_int_equal(claims_db_write_epoch(&e, db), CLAIMS_OK);
	assert_int_equal(e, 0);
	assert_int_equal(claims_db_write_epoch_bump(db), CLAIMS_OK);
	tu_exec(db, "BEGIN IMMEDIATE");
	assert_int_equal(claims_db_write_epoch_bump(db), CLAIMS_OK);
	tu_exec(db, "COMMIT");
	assert_int_equal(claims_db_write_epoch(&e, db), CLAIMS_OK);
	assert_int_equal(e, 2);
	assert_int_equal(tu_query_int(db, "SELECT value = '2' FROM meta WHERE key = 'write_epoch'"),
			 1);
	/* a rolled-back bump leaves it */
	tu_exec(db, "BEGIN IMMEDIATE");
	assert_int_equal(claims_db_write_epoch_bump(db), CLAIMS_OK);
	tu_exec(db, "ROLLBACK");
	assert_int_equal(claims_db_write_epoch(&e, db), CLAIMS_OK);
	assert_int_equal(e, 2);

	/* the first sync reads the epoch and starts from an empty cache */
	put_str(c, "claim:1", "a");
	expect_get(c, "claim:1", "a");
	assert_int_equal(claims_cache_sync_epoch(c, db), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "claim:1"));
	put_str(c, "claim:1", "a");
	/* unchanged epoch: entries stay */
	atomic_fetch_add(&fake_now, 1000);
	assert_int_equal(claims_cache_sync_epoch(c, db), CLAIMS_OK);
	assert_true(claims_cache_contains(c, "claim:1"));

	/* another process commits: not seen within the second */
	assert_int_equal(claims_db_write_epoch_bump(db), CLAIMS_OK);
	atomic_fetch_add(&fake_now, 999);
	assert_int_equal(claims_cache_sync_epoch(c, db), CLAIMS_OK);
	assert_true(claims_cache_contains(c, "claim:1"));
	/* a second after the last read: dropped, counters stay */
	atomic_fetch_add(&fake_now, 1);
	assert_int_equal(claims_cache_sync_epoch(c, db), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "claim:1"));
	s = stats(c);
	assert_int_equal(s->overall.hits, 1);
	assert_int_equal(s->entries, 0);
	assert_int_equal(s->bytes, 0);
	assert_int_equal(find_prefix(s, "claim")->entries, 0);
	claims_cache_stats_free(s);

	/* a missing row reads as 0 (a change from 3) */
	put_str(c, "claim:2", "b");
	tu_exec(db, "DELETE FROM meta WHERE key = 'write_epoch'");
	atomic_fetch_add(&fake_now, 1000);
	assert_int_equal(claims_cache_sync_epoch(c, db), CLAIMS_OK);
	assert_false(claims_cache_contains(c, "claim:2"));
	assert_int_equal(claims_db_write_epoch_bump(db), CLAIMS_OK);
	assert_int_equal(claims_db_write_epoch(&e, db), CLAIMS_OK);
	assert_int_equal(e, 1);

	assert_int_equal(claims_db_write_epoch(NULL, db), CLAIMS_EINVAL);
	assert_int_equal(claims_db_write_epoch_bump(NULL), CLAIMS_EINVAL);
	claims_db_close(db);
	claims_cache_free(c);
}

/* Every allocation failing in turn (in a -Dfault_injection=true build; a
 * plain run elsewhere): only documented codes, no crash, no leak, and the
 * statistics stay consistent. */
static void
test_out_of_memory(void **state)
{
	(void)state;
	for (long n = 0; n < 200; n++) {
		claims_cache *c = NULL;
		claims_cache_stats *s = NULL;
		claims_cache_counts k;
		char *v = NULL;
		int rc;

		claims__alloc_fail_after(n);
		rc = claims_cache_new(&c, NULL);
		if (rc != CLAIMS_OK) {
			assert_int_equal(rc, CLAIMS_ENOMEM);
			assert_null(c);
			continue;
		}
		for (int i = 0; i < 3; i++) {
			char key[32];

			snprintf(key, sizeof(key), i == 2 ? "odd%d" : "claim:%d", i);
			rc = claims_cache_get(&v, NULL, NULL, c, key);
			assert_true(rc == CLAIMS_ENOTFOUND || rc == CLAIMS_ENOMEM);
			rc = claims_cache_put(c, key, "value", 5, CLAIMS_CACHE_GEN_ANY);
			assert_true(rc == CLAIMS_OK || rc == CLAIMS_ENOMEM);
			rc = claims_cache_get(&v, NULL, NULL, c, key);
			assert_true(rc == CLAIMS_OK || rc == CLAIMS_ENOTFOUND || rc == CLAIMS_ENOMEM);
			claims_cache_value_free(v);
			v = NULL;
		}
		rc = claims_cache_stats_get(&s, c);
		assert_true(rc == CLAIMS_OK || rc == CLAIMS_ENOMEM);
		claims_cache_stats_free(s);
		assert_int_equal(claims_cache_key_stats_get(&k, NULL, c, "claim:0"), CLAIMS_OK);
		assert_int_equal(claims_cache_delete_prefix(c, "claim"), CLAIMS_OK);
		assert_int_equal(claims_cache_stats_reset(c, "claim:1"), CLAIMS_OK);
		claims__alloc_fail_after(-1);
		s = stats(c);
		check_invariants(s);
		claims_cache_stats_free(s);
		claims_cache_free(c);
	}
	claims__alloc_fail_after(-1);
}

/* ---- concurrency group */

#define KEYS 64

static char g_keys[KEYS][32];
static char g_value[1024];

static void
init_keys(void)
{
	for (int i = 0; i < KEYS; i++) {
		switch (i % 4) {
		case 0:
			snprintf(g_keys[i], sizeof(g_keys[i]), "claim:%d", i);
			break;
		case 1:
			snprintf(g_keys[i], sizeof(g_keys[i]), "remittance:%d", i);
			break;
		case 2:
			snprintf(g_keys[i], sizeof(g_keys[i]), "count:claim:status=s%d", i);
			break;
		default:
			snprintf(g_keys[i], sizeof(g_keys[i]), "pattern:payer:%d", i);
			break;
		}
	}
	memset(g_value, 'v', sizeof(g_value) - 1);
	g_value[sizeof(g_value) - 1] = '\0';
}

struct lookup_worker {
	claims_cache *cache;
	unsigned seed;
	int n;
	uint64_t lookups[KEYS];
	uint64_t hits;
	int bad;
};

static void *
lookup_thread(void *arg)
{
	struct lookup_worker *w = arg;

	for (int i = 0; i < w->n; i++) {
		int k = (int)(rand_r(&w->seed) % KEYS);
		char *v = NULL;
		size_t len = 0;
		claims_cache_gen gen = 0;
		int rc = claims_cache_get(&v, &len, &gen, w->cache, g_keys[k]);

		w->lookups[k]++;
		if (rc == CLAIMS_OK) {
			w->hits++;
			if (len != sizeof(g_value) - 1 || memcmp(v, g_value, len) != 0)
				w->bad++;
			claims_cache_value_free(v);
		} else if (rc == CLAIMS_ENOTFOUND) {
			if (claims_cache_put(w->cache, g_keys[k], g_value, sizeof(g_value) - 1,
					     gen) != CLAIMS_OK)
				w->bad++;
		} else {
			w->bad++;
		}
	}
	return NULL;
}

static void
test_16_threads_exact_lookups(void **state)
{
	enum { THREADS = 16, PER_THREAD = 10000 };
	/* 48 entries held for 64 keys: hits, misses and evictions all happen */
	claims_cache *c = new_cache(48, 1 << 20, 1000);
	struct lookup_worker *w = calloc(THREADS, sizeof(*w));
	pthread_t tid[THREADS];
	uint64_t per_key[KEYS] = { 0 };
	uint64_t hits = 0;
	claims_cache_stats *s;

	(void)state;
	assert_non_null(w);
	init_keys();
	for (int t = 0; t < THREADS; t++) {
		w[t].cache = c;
		w[t].seed = 1234u + (unsigned)t;
		w[t].n = PER_THREAD;
		assert_int_equal(pthread_create(&tid[t], NULL, lookup_thread, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(tid[t], NULL), 0);
		assert_int_equal(w[t].bad, 0);
		hits += w[t].hits;
		for (int k = 0; k < KEYS; k++)
			per_key[k] += w[t].lookups[k];
	}
	s = stats(c);
	assert_int_equal(s->overall.total, (uint64_t)THREADS * PER_THREAD);
	assert_int_equal(s->overall.hits, hits);
	assert_int_equal(s->n_keys, KEYS);
	for (int k = 0; k < KEYS; k++) {
		const claims_cache_key_stats *ks = find_key(s, g_keys[k]);

		assert_non_null(ks);
		assert_int_equal(ks->counts.hits + ks->counts.misses, per_key[k]);
	}
	assert_true(s->evictions > 0);
	assert_int_equal(s->entries, 48);
	check_invariants(s);
	claims_cache_stats_free(s);
	free(w);
	claims_cache_free(c);
}

struct mixed_worker {
	claims_cache *cache;
	unsigned seed;
	int n;
	int bad;
};

static void *
mixed_thread(void *arg)
{
	struct mixed_worker *w = arg;

	for (int i = 0; i < w->n; i++) {
		unsigned op = rand_r(&w->seed) % 100;
		int k = (int)(rand_r(&w->seed) % KEYS);
		claims_cache_stats *s = NULL;
		char *v = NULL;
		claims_cache_gen gen;
		claims_cache_counts counts;
		bool tracked;

		if (op < 50) {
			int rc = claims_cache_get(&v, NULL, &gen, w->cache, g_keys[k]);

			if (rc == CLAIMS_ENOTFOUND)
				rc = claims_cache_put(w->cache, g_keys[k], g_value, 100 + k, gen);
			claims_cache_value_free(v);
			w->bad += rc != CLAIMS_OK;
		} else if (op < 65) {
			w->bad += claims_cache_put(w->cache, g_keys[k], g_value, 50 + k,
						   CLAIMS_CACHE_GEN_ANY) != CLAIMS_OK;
		} else if (op < 75) {
			w->bad += claims_cache_delete(w->cache, g_keys[k]) != CLAIMS_OK;
		} else if (op < 80) {
			w->bad += claims_cache_delete_prefix(w->cache,
							     k % 2 ? "count:claim" : "claim") !=
				  CLAIMS_OK;
		} else if (op < 90) {
			uint64_t h = 0, m = 0, e = 0;

			if (claims_cache_stats_get(&s, w->cache) != CLAIMS_OK) {
				w->bad++;
				continue;
			}
			for (size_t p = 0; p < s->n_prefixes; p++) {
				h += s->by_prefix[p].counts.hits;
				m += s->by_prefix[p].counts.misses;
				e += s->by_prefix[p].entries;
			}
			w->bad += h != s->overall.hits || m != s->overall.misses ||
				  e != s->entries || s->entries > s->max_entries ||
				  s->n_keys > s->max_tracked_keys ||
				  s->overall.total != h + m;
			claims_cache_stats_free(s);
		} else if (op < 97) {
			w->bad += claims_cache_key_stats_get(&counts, &tracked, w->cache,
							     g_keys[k]) != CLAIMS_OK;
			w->bad += counts.total != counts.hits + counts.misses;
		} else if (op < 99) {
			w->bad += claims_cache_stats_reset(w->cache, g_keys[k]) != CLAIMS_OK;
		} else {
			w->bad += claims_cache_stats_reset(w->cache, NULL) != CLAIMS_OK;
		}
	}
	return NULL;
}

static void
test_8_threads_mixed(void **state)
{
	enum { THREADS = 8, PER_THREAD = 5000 };
	claims_cache *c = new_cache(40, 40 * 400, 16);
	struct mixed_worker w[THREADS];
	pthread_t tid[THREADS];
	struct lookup_worker *lw = calloc(THREADS, sizeof(*lw));
	claims_cache_stats *s;

	(void)state;
	assert_non_null(lw);
	init_keys();
	for (int t = 0; t < THREADS; t++) {
		w[t].cache = c;
		w[t].seed = 99u + (unsigned)t;
		w[t].n = PER_THREAD;
		w[t].bad = 0;
		assert_int_equal(pthread_create(&tid[t], NULL, mixed_thread, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(pthread_join(tid[t], NULL), 0);
		assert_int_equal(w[t].bad, 0);
	}
	s = stats(c);
	check_invariants(s);
	claims_cache_stats_free(s);

	/* after a reset, lookups are counted exactly again */
	assert_int_equal(claims_cache_stats_reset(c, NULL), CLAIMS_OK);
	for (int t = 0; t < THREADS; t++) {
		lw[t].cache = c;
		lw[t].seed = 7u + (unsigned)t;
		lw[t].n = 1000;
		assert_int_equal(pthread_create(&tid[t], NULL, lookup_thread, &lw[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_join(tid[t], NULL), 0);
	s = stats(c);
	assert_int_equal(s->overall.total, (uint64_t)THREADS * 1000);
	check_invariants(s);
	claims_cache_stats_free(s);
	free(lw);
	claims_cache_free(c);
}

/* Readers miss, read the "database" and store what they read; writers
 * commit a new version and then invalidate.  A hit may never show a version
 * older than one whose invalidation had completed before the lookup. */
static atomic_long db_version;
static atomic_long invalidated;
static atomic_int readers_done;

struct stale_worker {
	claims_cache *cache;
	int n;
	int bad;
};

static void *
stale_reader(void *arg)
{
	struct stale_worker *w = arg;

	/* at least n lookups, and at least 1000 writes meanwhile */
	for (int i = 0; i < w->n || atomic_load(&db_version) < 1000; i++) {
		long floor = atomic_load(&invalidated);
		char *v = NULL;
		claims_cache_gen gen = 0;
		int rc = claims_cache_get(&v, NULL, &gen, w->cache, "claim:1");

		if (rc == CLAIMS_OK) {
			w->bad += strtol(v, NULL, 10) < floor;
			claims_cache_value_free(v);
		} else {
			char buf[32];
			long version = atomic_load(&db_version); /* the read */

			snprintf(buf, sizeof(buf), "%ld", version);
			sched_yield(); /* let a writer commit and invalidate meanwhile */
			w->bad += claims_cache_put(w->cache, "claim:1", buf, strlen(buf), gen) !=
				  CLAIMS_OK;
		}
	}
	atomic_fetch_add(&readers_done, 1);
	return NULL;
}

static void *
stale_writer(void *arg)
{
	struct stale_worker *w = arg;

	while (atomic_load(&readers_done) < 6) {
		long version = atomic_fetch_add(&db_version, 1) + 1; /* commit */
		long cur;

		w->bad += claims_cache_delete(w->cache, "claim:1") != CLAIMS_OK;
		/* later lookups must see at least this version */
		cur = atomic_load(&invalidated);
		while (cur < version && !atomic_compare_exchange_weak(&invalidated, &cur, version))
			;
		sched_yield();
	}
	return NULL;
}

static void
test_no_stale_recache_under_threads(void **state)
{
	enum { READERS = 6, WRITERS = 2 };
	claims_cache *c = new_cache(100, 1 << 20, 100);
	struct stale_worker w[READERS + WRITERS];
	pthread_t tid[READERS + WRITERS];
	char *v = NULL;

	(void)state;
	atomic_store(&db_version, 0);
	atomic_store(&invalidated, 0);
	atomic_store(&readers_done, 0);
	for (int t = 0; t < READERS + WRITERS; t++) {
		w[t].cache = c;
		w[t].n = 20000;
		w[t].bad = 0;
		assert_int_equal(pthread_create(&tid[t], NULL,
						t < READERS ? stale_reader : stale_writer, &w[t]),
				 0);
	}
	for (int t = 0; t < READERS + WRITERS; t++) {
		assert_int_equal(pthread_join(tid[t], NULL), 0);
		assert_int_equal(w[t].bad, 0);
	}
	assert_true(atomic_load(&db_version) >= 1000);
	/* what stays cached is the last version */
	if (claims_cache_get(&v, NULL, NULL, c, "claim:1") == CLAIMS_OK)
		assert_int_equal(strtol(v, NULL, 10), atomic_load(&db_version));
	claims_cache_value_free(v);
	claims_cache_free(c);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest unit[] = {
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_lru_order),
		cmocka_unit_test(test_ttl_expiry),
		cmocka_unit_test(test_evicting_expired_victim_counts_expiration),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_entry_bound_with_many_keys),
		cmocka_unit_test(test_hit_rate_rounding),
		cmocka_unit_test(test_prefix_rules),
		cmocka_unit_test(test_tracked_keys_bounded),
		cmocka_unit_test(test_key_order_is_bytewise),
		cmocka_unit_test(test_reset_unknown_key_is_noop),
		cmocka_unit_test(test_reset_key_subtracts),
		cmocka_unit_test(test_delete_and_delete_prefix),
		cmocka_unit_test(test_stale_recache_guard),
		cmocka_unit_test(test_config_from_env),
		cmocka_unit_test(test_write_epoch_sync),
		cmocka_unit_test(test_out_of_memory),
	};
	const struct CMUnitTest concurrency[] = {
		cmocka_unit_test(test_16_threads_exact_lookups),
		cmocka_unit_test(test_8_threads_mixed),
		cmocka_unit_test(test_no_stale_recache_under_threads),
	};
	bool run_unit = argc < 2 || strcmp(argv[1], "--unit") == 0;
	bool run_conc = argc < 2 || strcmp(argv[1], "--concurrency") == 0;
	int failed = 0;

	if (run_unit)
		failed += cmocka_run_group_tests_name("cache", unit, NULL, NULL);
	if (run_conc)
		failed += cmocka_run_group_tests_name("cache_concurrency", concurrency, NULL, NULL);
	return failed;
}
