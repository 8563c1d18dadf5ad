/* claimsd: failed logins per user name (login_guard.h). */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "login_guard.h"

#define KEY_BYTES 16

struct entry {
	unsigned char key[KEY_BYTES];
	int64_t window_start; /* 0: no window open */
	long failures;
	long in_flight;
};

struct login_guard {
	pthread_mutex_t lock;
	long max_failures;
	int64_t window;
	size_t max_entries;
	struct entry *entries;
	size_t n, cap;
	unsigned char hash_key[crypto_generichash_KEYBYTES];
};

int
login_guard_new(struct login_guard **out, long max_failures, int64_t window_seconds,
		size_t max_entries)
{
	struct login_guard *g;

	*out = NULL;
	if (sodium_init() < 0 || max_failures < 1 || window_seconds < 1 || max_entries < 1)
		return -1;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -1;
	if (pthread_mutex_init(&g->lock, NULL) != 0) {
		free(g);
		return -1;
	}
	g->max_failures = max_failures;
	g->window = window_seconds;
	g->max_entries = max_entries;
	crypto_generichash_keygen(g->hash_key);
	*out = g;
	return 0;
}

void
login_guard_free(struct login_guard *g)
{
	if (!g)
		return;
	pthread_mutex_destroy(&g->lock);
	free(g->entries);
	sodium_memzero(g, sizeof(*g));
	free(g);
}

/* The keyed hash of the ASCII-lower-cased name. */
static void
name_key(const struct login_guard *g, const char *name, unsigned char key[KEY_BYTES])
{
	crypto_generichash_state st;
	unsigned char buf[256];
	size_t n = strlen(name);

	crypto_generichash_init(&st, g->hash_key, sizeof(g->hash_key), KEY_BYTES);
	for (size_t off = 0; off < n; off += sizeof(buf)) {
		size_t k = n - off < sizeof(buf) ? n - off : sizeof(buf);

		for (size_t i = 0; i < k; i++) {
			unsigned char c = (unsigned char)name[off + i];

			buf[i] = c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
		}
		crypto_generichash_update(&st, buf, k);
	}
	crypto_generichash_final(&st, key, KEY_BYTES);
}

static struct entry *
find(struct login_guard *g, const unsigned char key[KEY_BYTES])
{
	for (size_t i = 0; i < g->n; i++)
		if (memcmp(g->entries[i].key, key, KEY_BYTES) == 0)
			return &g->entries[i];
	return NULL;
}

static void
remove_at(struct login_guard *g, size_t i)
{
	g->entries[i] = g->entries[--g->n];
}

/* A closed window counts nothing any more. */
static void
expire(const struct login_guard *g, struct entry *e, int64_t now)
{
	if (e->window_start && now >= e->window_start + g->window) {
		e->window_start = 0;
		e->failures = 0;
	}
}

/* Room for one more entry: drop idle names with nothing counted, then the
 * idle name with the oldest window.  False when every name is in use. */
static bool
make_room(struct login_guard *g, int64_t now)
{
	size_t oldest = g->n;

	if (g->n < g->max_entries)
		return true;
	for (size_t i = 0; i < g->n;) {
		struct entry *e = &g->entries[i];

		expire(g, e, now);
		if (e->in_flight == 0 && e->failures == 0) {
			remove_at(g, i);
			continue;
		}
		i++;
	}
	if (g->n < g->max_entries)
		return true;
	for (size_t i = 0; i < g->n; i++)
		if (g->entries[i].in_flight == 0 &&
		    (oldest == g->n || g->entries[i].window_start < g->entries[oldest].window_start))
			oldest = i;
	if (oldest == g->n)
		return false;
	remove_at(g, oldest);
	return true;
}

static struct entry *
add(struct login_guard *g, const unsigned char key[KEY_BYTES], int64_t now)
{
	struct entry *e;

	if (!make_room(g, now))
		return NULL;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		struct entry *arr;

		if (cap > g->max_entries)
			cap = g->max_entries;
		arr = realloc(g->entries, cap * sizeof(*arr));
		if (!arr)
			return NULL;
		g->entries = arr;
		g->cap = cap;
	}
	e = &g->entries[g->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, KEY_BYTES);
	return e;
}

int64_t
login_guard_begin(struct login_guard *g, const char *username, int64_t now)
{
	unsigned char key[KEY_BYTES];
	struct entry *e;
	int64_t retry = 0;

	name_key(g, username, key);
	pthread_mutex_lock(&g->lock);
	e = find(g, key);
	if (e)
		expire(g, e, now);
	if (e && e->failures + e->in_flight >= g->max_failures) {
		retry = e->window_start ? e->window_start + g->window - now : 1;
		if (retry < 1)
			retry = 1;
	} else {
		if (!e)
			e = add(g, key, now);
		/* Without room (out of memory, every name busy) the attempt
		 * goes ahead untracked rather than locking everyone out. */
		if (e)
			e->in_flight++;
	}
	pthread_mutex_unlock(&g->lock);
	return retry;
}

void
login_guard_end(struct login_guard *g, const char *username, enum login_outcome outcome,
		int64_t now)
{
	unsigned char key[KEY_BYTES];
	struct entry *e;

	name_key(g, username, key);
	pthread_mutex_lock(&g->lock);
	e = find(g, key);
	if (!e && outcome == LOGIN_FAILED)
		e = add(g, key, now);
	if (e) {
		if (e->in_flight > 0)
			e->in_flight--;
		expire(g, e, now);
		if (outcome == LOGIN_FAILED) {
			if (!e->window_start)
				e->window_start = now;
			e->failures++;
		} else if (outcome == LOGIN_SUCCEEDED) {
			e->failures = 0;
			e->window_start = 0;
		}
		if (e->failures == 0 && e->in_flight == 0)
			remove_at(g, (size_t)(e - g->entries));
	}
	pthread_mutex_unlock(&g->lock);
}

size_t
login_guard_size(struct login_guard *g)
{
	size_t n;

	pthread_mutex_lock(&g->lock);
	n = g->n;
	pthread_mutex_unlock(&g->lock);
	return n;
}
