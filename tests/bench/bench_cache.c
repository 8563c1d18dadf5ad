/*
 * Cache hit throughput (cache.md), next to a plain mutex-protected hash
 * table of the same size measured in the same run.
 *
 *   bench_cache [value_bytes] [lookups_per_thread]
 *
 * Both hold 10,000 keys "claim:N" with values of value_bytes (default 1024)
 * and are read at random keys; every lookup is a hit that hands the caller
 * its own copy of the value (malloc + memcpy, freed by the caller), as
 * claims_cache_get() does.  Printed: lookups per second on one thread and on
 * two threads, and the two-thread scaling factor.  The best of 3 runs each.
 */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claims/claims.h"

#define NKEYS 10000
#define IDX_MASK ((1u << 16) - 1)

static char keys[NKEYS][24];
static uint32_t order[IDX_MASK + 1];
static size_t value_len = 1024;
static long per_thread = 3000000;

/* ---- the plain table: chained, FNV-1a, one mutex, copy out under it */

struct plain_node {
	struct plain_node *next;
	char *key;
	char *value;
	size_t len;
};

static struct {
	pthread_mutex_t lock;
	struct plain_node *buckets[16384];
} plain = { .lock = PTHREAD_MUTEX_INITIALIZER };

static uint32_t
fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
plain_put(const char *key, const char *value, size_t len)
{
	struct plain_node *n = malloc(sizeof(*n));
	uint32_t b = fnv1a(key) & 16383;

	n->key = strdup(key);
	n->value = malloc(len + 1);
	memcpy(n->value, value, len + 1);
	n->len = len;
	n->next = plain.buckets[b];
	plain.buckets[b] = n;
}

static char *
plain_get(const char *key, size_t *len)
{
	uint32_t b = fnv1a(key) & 16383;
	char *copy = NULL;

	pthread_mutex_lock(&plain.lock);
	for (struct plain_node *n = plain.buckets[b]; n; n = n->next) {
		if (strcmp(n->key, key) == 0) {
			copy = malloc(n->len + 1);
			memcpy(copy, n->value, n->len + 1);
			*len = n->len;
			break;
		}
	}
	pthread_mutex_unlock(&plain.lock);
	return copy;
}

static void
plain_free_all(void)
{
	for (size_t i = 0; i < 16384; i++) {
		struct plain_node *n = plain.buckets[i];

		while (n) {
			struct plain_node *next = n->next;

			free(n->key);
			free(n->value);
			free(n);
			n = next;
		}
	}
}

/* ---- workers */

static claims_cache *cache;

struct worker {
	int use_plain;
	unsigned start;
	long misses;
	size_t sink;
};

static void *
run(void *arg)
{
	struct worker *w = arg;
	unsigned j = w->start;

	for (long i = 0; i < per_thread; i++, j++) {
		const char *k = keys[order[j & IDX_MASK]];
		char *v = NULL;
		size_t len = 0;

		if (w->use_plain) {
			v = plain_get(k, &len);
		} else if (claims_cache_get(&v, &len, NULL, cache, k) != CLAIMS_OK) {
			w->misses++;
			continue;
		}
		if (!v) {
			w->misses++;
			continue;
		}
		w->sink += (unsigned char)v[len / 2];
		claims_cache_value_free(v);
	}
	return NULL;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Lookups per second over @p threads threads, best of 3. */
static double
measure(int use_plain, int threads)
{
	double best = 0;

	for (int rep = 0; rep < 3; rep++) {
		pthread_t tid[2];
		struct worker w[2];
		double t0, t1, rate;

		memset(w, 0, sizeof(w));
		t0 = now_s();
		for (int t = 0; t < threads; t++) {
			w[t].use_plain = use_plain;
			w[t].start = (unsigned)t * 7919u;
			pthread_create(&tid[t], NULL, run, &w[t]);
		}
		for (int t = 0; t < threads; t++)
			pthread_join(tid[t], NULL);
		t1 = now_s();
		for (int t = 0; t < threads; t++) {
			if (w[t].misses) {
				fprintf(stderr, "unexpected misses: %ld\n", w[t].misses);
				exit(1);
			}
		}
		rate = (double)per_thread * threads / (t1 - t0);
		if (rate > best)
			best = rate;
	}
	return best;
}

int
main(int argc, char **argv)
{
	claims_cache_options o = CLAIMS_CACHE_OPTIONS_INIT;
	claims_cache_stats *s = NULL;
	char *value;
	uint32_t x = 2463534242u;
	double c1, c2, p1, p2;

	if (argc > 1)
		value_len = (size_t)strtoul(argv[1], NULL, 10);
	if (argc > 2)
		per_thread = strtol(argv[2], NULL, 10);
	value = malloc(value_len + 1);
	memset(value, 'v', value_len);
	value[value_len] = '\0';

	o.max_entries = NKEYS;
	if (claims_cache_new(&cache, &o) != CLAIMS_OK) {
		fprintf(stderr, "claims_cache_new failed\n");
		return 1;
	}
	for (int i = 0; i < NKEYS; i++) {
		snprintf(keys[i], sizeof(keys[i]), "claim:%d", 10000 + i);
		if (claims_cache_put(cache, keys[i], value, value_len, CLAIMS_CACHE_GEN_ANY) !=
		    CLAIMS_OK) {
			fprintf(stderr, "put failed\n");
			return 1;
		}
		plain_put(keys[i], value, value_len);
	}
	for (size_t i = 0; i <= IDX_MASK; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		order[i] = x % NKEYS;
	}

	c1 = measure(0, 1);
	p1 = measure(1, 1);
	c2 = measure(0, 2);
	p2 = measure(1, 2);

	printf("keys %d, value %zu bytes, %ld lookups per thread, best of 3\n", NKEYS, value_len,
	       per_thread);
	printf("%-28s %14s %14s %8s\n", "", "1 thread /s", "2 threads /s", "scaling");
	printf("%-28s %14.0f %14.0f %8.2f\n", "claims_cache_get (hits)", c1, c2, c2 / c1);
	printf("%-28s %14.0f %14.0f %8.2f\n", "plain mutex hash table", p1, p2, p2 / p1);

	if (claims_cache_stats_get(&s, cache) == CLAIMS_OK) {
		printf("cache stats: hits %llu, misses %llu, entries %llu, bytes %llu\n",
		       (unsigned long long)s->overall.hits, (unsigned long long)s->overall.misses,
		       (unsigned long long)s->entries, (unsigned long long)s->bytes);
		claims_cache_stats_free(s);
	}
	claims_cache_free(cache);
	plain_free_all();
	free(value);
	return 0;
}
