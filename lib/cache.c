/*
 * libclaims: the in-process cache (cache.md).
 *
 * Design.  One mutex guards everything: the hash table of records, the LRU
 * list of entries, the LRU list of tracked keys, the prefix table and every
 * counter.  That is what makes the LRU order exact across the whole cache and
 * every statistics snapshot consistent (hits + misses = lookups, overall =
 * sum of prefixes) without any merging.  Sharding the table would need a
 * global order anyway (a shared list or a global clock with a scan on
 * eviction), so it would either keep one lock on the hot path or give up the
 * exact order; instead the critical section is kept short:
 *
 *  - the key's hash (keyed SipHash, resisting crafted-key flooding) and the
 *    clock are computed before the lock is taken;
 *  - a key has one record holding both its value (when cached) and its
 *    counters (when tracked), so a lookup is one probe of one table;
 *  - values are immutable refcounted blobs: a hit takes a reference under
 *    the lock and copies the bytes out after releasing it, and a put builds
 *    its blob before taking the lock.
 *
 * A record exists while it holds a value or is tracked; it is freed when it
 * has neither.  Prefixes are never freed (their counters must stay), each
 * with a generation that invalidations bump (the stale re-cache guard).
 */
/* pthread_mutexattr_settype(PTHREAD_MUTEX_ADAPTIVE_NP) */
#define _GNU_SOURCE
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "internal.h"
#include "store.h"

struct link {
	struct link *prev;
	struct link *next;
};

struct blob {
	atomic_uint refs;
	size_t len;
	char data[]; /* len bytes and a NUL */
};

struct rec {
	struct rec *hnext;
	uint64_t hash;
	struct link lru;   /* entry LRU, when val != NULL */
	struct link slru;  /* tracked-key LRU, when tracked */
	struct blob *val;
	int64_t expires;   /* INT64_MAX: never */
	uint64_t hits;
	uint64_t misses;
	uint32_t prefix;
	bool tracked;
	size_t klen;
	char key[];
};

enum ttl_class {
	TTL_CLAIM,
	TTL_REMITTANCE,
	TTL_EPISODE,
	TTL_RISK_SCORE,
	TTL_PAYER,
	TTL_PROVIDER,
	TTL_PRACTICE_CONFIG,
	TTL_COUNT,
	TTL_OTHER,
	TTL_CLASSES
};

struct prefix {
	char *name;
	size_t len;
	uint64_t hash;
	uint64_t hits;
	uint64_t misses;
	uint64_t entries;
	uint64_t gen;
	int64_t ttl_ms; /* <= 0: never expires */
};

struct claims_cache {
	pthread_mutex_t lock;
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	claims_cache_options opts;
	int64_t ttl_ms[TTL_CLASSES];

	struct rec **buckets;
	size_t nbuckets; /* a power of two */
	size_t nrecs;
	struct link lru;  /* next = most recently used */
	struct link slru;

	struct prefix *pfx;
	uint32_t npfx;
	uint32_t cappfx;
	uint32_t *pidx; /* open addressing: index + 1, 0 empty */
	size_t pidx_cap;

	uint64_t hits;
	uint64_t misses;
	uint64_t evictions;
	uint64_t expirations;
	uint64_t entries;
	uint64_t bytes;
	uint64_t tracked;

	pthread_mutex_t epoch_lock;
	_Atomic int64_t epoch_next; /* clock value from which the epoch is read again */
	bool epoch_known;
	int64_t epoch;
};

#define ENTRY_OVERHEAD 64
#define REC_OF(l, field) ((struct rec *)(void *)((char *)(l) - offsetof(struct rec, field)))

/* ---- small helpers */

static int64_t
default_clock(void *payload)
{
	struct timespec ts;

	(void)payload;
#ifdef CLOCK_MONOTONIC_COARSE
	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) != 0)
#endif
		(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
now_ms(const claims_cache *c)
{
	return c->opts.clock(c->opts.clock_payload);
}

static uint64_t
hash_bytes(const claims_cache *c, const char *s, size_t n)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h;

	(void)crypto_shorthash(out, (const unsigned char *)s, n, c->hkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

static void
link_init(struct link *l)
{
	l->prev = l->next = l;
}

static void
link_remove(struct link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
	l->prev = l->next = l;
}

static void
link_push_front(struct link *head, struct link *l)
{
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
}

static void
link_move_front(struct link *head, struct link *l)
{
	if (head->next == l)
		return;
	l->prev->next = l->next;
	l->next->prev = l->prev;
	link_push_front(head, l);
}

static void
blob_release(struct blob *b)
{
	if (b && atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) == 1)
		claims__free(b);
}

static uint64_t
entry_size(const struct rec *r)
{
	return (uint64_t)r->klen + (uint64_t)r->val->len + ENTRY_OVERHEAD;
}

static void
counts_fill(claims_cache_counts *out, uint64_t hits, uint64_t misses)
{
	out->hits = hits;
	out->misses = misses;
	out->total = hits + misses;
	/* round half up: floor(10000 * hits / total + 1/2) */
	out->hit_rate_centi =
		out->total ? (uint32_t)((hits * 10000 + out->total / 2) / out->total) : 0;
	out->hit_rate = out->hit_rate_centi / 100.0;
}

/* ---- prefixes (cache.md §4) */

/* A variable part: non-empty (it may hold ':', as an id from a request
 * might; the key still belongs to its pattern, so such keys cannot grow the
 * prefix table). */
static bool
var_ok(const char *s, size_t n)
{
	(void)s;
	return n > 0;
}

/* Filters "k=v[:k=v...]": non-empty, the first one with a non-empty k.
 * Values may hold ':' (a timestamp), so only the first '=' is looked for. */
static bool
filters_ok(const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t seg = colon ? (size_t)(colon - s) : n;
	const char *eq = memchr(s, '=', seg);

	return eq != NULL && eq != s;
}

static bool
starts_with(const char *s, size_t n, const char *lit, size_t litlen)
{
	return n >= litlen && memcmp(s, lit, litlen) == 0;
}

/* Length of @p key's prefix (a leading part of it, or all of it) and its TTL class. */
static size_t
prefix_of(const char *key, size_t klen, enum ttl_class *cls)
{
	static const struct {
		const char *name;
		size_t len;
		enum ttl_class cls;
	} simple[] = {
		{ "claim", 5, TTL_CLAIM },
		{ "remittance", 10, TTL_REMITTANCE },
		{ "episode", 7, TTL_EPISODE },
		{ "risk_score", 10, TTL_RISK_SCORE },
		{ "payer", 5, TTL_PAYER },
		{ "provider", 8, TTL_PROVIDER },
		{ "practice_config", 15, TTL_PRACTICE_CONFIG },
	};
	static const struct {
		const char *name;
		size_t len;
	} models[] = { { "claim", 5 }, { "remittance", 10 }, { "episode", 7 }, { "payer", 5 } };

	if (starts_with(key, klen, "count:", 6)) {
		const char *rest = key + 6;
		size_t rn = klen - 6;

		for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
			size_t ml = models[i].len;

			if (!starts_with(rest, rn, models[i].name, ml))
				continue;
			if (rn == ml ||
			    (rest[ml] == ':' && filters_ok(rest + ml + 1, rn - ml - 1))) {
				*cls = TTL_COUNT;
				return 6 + ml;
			}
		}
	} else if (starts_with(key, klen, "pattern:payer:", 14)) {
		if (var_ok(key + 14, klen - 14)) {
			*cls = TTL_PAYER;
			return 13;
		}
	} else if (starts_with(key, klen, "pattern:analysis:", 17)) {
		if (var_ok(key + 17, klen - 17)) {
			*cls = TTL_CLAIM;
			return 16;
		}
	} else {
		for (size_t i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
			size_t nl = simple[i].len;

			if (klen > nl && memcmp(key, simple[i].name, nl) == 0 && key[nl] == ':' &&
			    var_ok(key + nl + 1, klen - nl - 1)) {
				*cls = simple[i].cls;
				return nl;
			}
		}
	}
	*cls = TTL_OTHER;
	return klen;
}

static struct prefix *
prefix_find(claims_cache *c, const char *name, size_t len, uint64_t h)
{
	size_t mask = c->pidx_cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t v = c->pidx[i];
		struct prefix *p;

		if (v == 0)
			return NULL;
		p = &c->pfx[v - 1];
		if (p->hash == h && p->len == len && memcmp(p->name, name, len) == 0)
			return p;
	}
}

static int
pidx_grow(claims_cache *c)
{
	size_t cap = c->pidx_cap * 2;
	uint32_t *n = claims__calloc(cap, sizeof(*n));

	if (!n)
		return CLAIMS_ENOMEM;
	for (uint32_t k = 0; k < c->npfx; k++) {
		size_t i = c->pfx[k].hash & (cap - 1);

		while (n[i])
			i = (i + 1) & (cap - 1);
		n[i] = k + 1;
	}
	claims__free(c->pidx);
	c->pidx = n;
	c->pidx_cap = cap;
	return CLAIMS_OK;
}

/* The prefix record of @p key, created when new; NULL when out of memory.
 * Returned as an index: the array may move when it grows. */
static int
prefix_get(claims_cache *c, const char *key, size_t klen, uint32_t *idx_out)
{
	enum ttl_class cls;
	size_t len = prefix_of(key, klen, &cls);
	uint64_t h = hash_bytes(c, key, len);
	struct prefix *p = prefix_find(c, key, len, h);
	size_t i;

	if (p) {
		*idx_out = (uint32_t)(p - c->pfx);
		return CLAIMS_OK;
	}
	if (c->npfx == UINT32_MAX - 1)
		return CLAIMS_ENOMEM;
	if ((size_t)(c->npfx + 1) * 2 > c->pidx_cap && pidx_grow(c) < 0)
		return CLAIMS_ENOMEM;
	if (c->npfx == c->cappfx) {
		uint32_t cap = c->cappfx ? c->cappfx * 2 : 16;
		struct prefix *n = claims__realloc(c->pfx, (size_t)cap * sizeof(*n));

		if (!n)
			return CLAIMS_ENOMEM;
		c->pfx = n;
		c->cappfx = cap;
	}
	p = &c->pfx[c->npfx];
	memset(p, 0, sizeof(*p));
	p->name = claims__strndup(key, len);
	if (!p->name)
		return CLAIMS_ENOMEM;
	p->len = len;
	p->hash = h;
	p->ttl_ms = c->ttl_ms[cls];
	for (i = h & (c->pidx_cap - 1); c->pidx[i]; i = (i + 1) & (c->pidx_cap - 1))
		;
	c->pidx[i] = c->npfx + 1;
	*idx_out = c->npfx++;
	return CLAIMS_OK;
}

/* Whether one of @p a, @p b is the other or a leading run of its
 * ':'-separated segments. */
static bool
segment_related(const char *a, size_t an, const char *b, size_t bn)
{
	size_t n = an < bn ? an : bn;

	if (memcmp(a, b, n) != 0)
		return false;
	if (an == bn)
		return true;
	return (an > bn ? a[n] : b[n]) == ':';
}

/* ---- records */

static struct rec *
rec_find(claims_cache *c, const char *key, size_t klen, uint64_t h)
{
	struct rec *r = c->buckets[h & (c->nbuckets - 1)];

	for (; r; r = r->hnext)
		if (r->hash == h && r->klen == klen && memcmp(r->key, key, klen) == 0)
			return r;
	return NULL;
}

static void
table_grow(claims_cache *c)
{
	size_t cap = c->nbuckets * 2;
	struct rec **n = claims__calloc(cap, sizeof(*n));

	if (!n)
		return; /* keep the longer chains */
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct rec *r = c->buckets[i];

		while (r) {
			struct rec *next = r->hnext;
			size_t b = r->hash & (cap - 1);

			r->hnext = n[b];
			n[b] = r;
			r = next;
		}
	}
	claims__free(c->buckets);
	c->buckets = n;
	c->nbuckets = cap;
}

static struct rec *
rec_new(claims_cache *c, const char *key, size_t klen, uint64_t h, uint32_t prefix)
{
	struct rec *r = claims__malloc(sizeof(*r) + klen + 1);
	size_t b;

	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->hash = h;
	link_init(&r->lru);
	link_init(&r->slru);
	r->expires = INT64_MAX;
	r->prefix = prefix;
	r->klen = klen;
	memcpy(r->key, key, klen);
	r->key[klen] = '\0';
	if (c->nrecs >= c->nbuckets)
		table_grow(c);
	b = h & (c->nbuckets - 1);
	r->hnext = c->buckets[b];
	c->buckets[b] = r;
	c->nrecs++;
	return r;
}

/* Free a record that holds no value and is not tracked. */
static void
rec_free(claims_cache *c, struct rec *r)
{
	struct rec **pp = &c->buckets[r->hash & (c->nbuckets - 1)];

	while (*pp != r)
		pp = &(*pp)->hnext;
	*pp = r->hnext;
	c->nrecs--;
	claims__free(r);
}

static void
rec_free_if_unused(claims_cache *c, struct rec *r)
{
	if (!r->val && !r->tracked)
		rec_free(c, r);
}

/* Drop a record's value (uncounted: the caller counts evictions etc.). */
static void
value_remove(claims_cache *c, struct rec *r)
{
	c->entries--;
	c->bytes -= entry_size(r);
	c->pfx[r->prefix].entries--;
	link_remove(&r->lru);
	blob_release(r->val);
	r->val = NULL;
	r->expires = INT64_MAX;
}

static void
untrack(claims_cache *c, struct rec *r)
{
	link_remove(&r->slru);
	r->tracked = false;
	r->hits = r->misses = 0;
	c->tracked--;
}

/* Make @p r the most recently looked-up tracked key, tracking it when it was
 * not, and drop the least recently looked-up ones past the bound. */
static void
touch_tracked(claims_cache *c, struct rec *r)
{
	if (r->tracked) {
		link_move_front(&c->slru, &r->slru);
		return;
	}
	if (c->opts.max_tracked_keys == 0)
		return;
	r->tracked = true;
	r->hits = r->misses = 0;
	link_push_front(&c->slru, &r->slru);
	c->tracked++;
	while (c->tracked > c->opts.max_tracked_keys) {
		struct rec *victim = REC_OF(c->slru.prev, slru);

		untrack(c, victim);
		rec_free_if_unused(c, victim);
	}
}

static void
remove_all_values(claims_cache *c)
{
	while (c->lru.next != &c->lru) {
		struct rec *r = REC_OF(c->lru.next, lru);

		value_remove(c, r);
		rec_free_if_unused(c, r);
	}
	for (uint32_t i = 0; i < c->npfx; i++)
		c->pfx[i].gen++;
}

/* ---- configuration */

static bool
parse_int64(const char *s, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	uint64_t v = 0;

	if (*p == '+' || *p == '-') {
		neg = *p == '-';
		p++;
	}
	if (*p == '\0')
		return false;
	for (; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return false;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_C(1) << 63) / 10 || v * 10 + d > (UINT64_C(1) << 63))
			return false;
		v = v * 10 + d;
	}
	if (!neg && v > (uint64_t)INT64_MAX)
		return false;
	*out = neg ? (v == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

static void
warn_invalid(claims_cache_warn_fn warn, void *payload, const char *name, const char *value,
	     const char *rule, int64_t def)
{
	char msg[256];

	if (!warn)
		return;
	snprintf(msg, sizeof(msg), "%s: \"%.64s%s\" is not %s, using the default %lld", name,
		 value, strlen(value) > 64 ? "..." : "", rule, (long long)def);
	warn(msg, payload);
}

int
claims_cache_config_from_env(claims_cache_options *opts, claims_cache_env_fn lookup,
			     void *lookup_payload, claims_cache_warn_fn warn, void *warn_payload)
{
	static const claims_cache_options defaults = CLAIMS_CACHE_OPTIONS_INIT;
	claims_cache_clock_fn clock_fn;
	void *clock_payload;

	if (!opts)
		return CLAIMS_EINVAL;
	clock_fn = opts->clock;
	clock_payload = opts->clock_payload;
	*opts = defaults;
	opts->clock = clock_fn;
	opts->clock_payload = clock_payload;
	if (!lookup)
		return CLAIMS_OK;

	const struct {
		const char *name;
		int64_t *ttl;
	} ttls[] = {
		{ "CACHE_TTL_CLAIM", &opts->ttl_claim },
		{ "CACHE_TTL_REMITTANCE", &opts->ttl_remittance },
		{ "CACHE_TTL_EPISODE", &opts->ttl_episode },
		{ "CACHE_TTL_RISK_SCORE", &opts->ttl_risk_score },
		{ "CACHE_TTL_PAYER", &opts->ttl_payer },
		{ "CACHE_TTL_PROVIDER", &opts->ttl_provider },
		{ "CACHE_TTL_PRACTICE_CONFIG", &opts->ttl_practice_config },
		{ "CACHE_TTL_COUNT", &opts->ttl_count },
	};
	for (size_t i = 0; i < sizeof(ttls) / sizeof(ttls[0]); i++) {
		const char *v = lookup(ttls[i].name, lookup_payload);
		int64_t n;

		if (!v)
			continue;
		if (parse_int64(v, &n))
			*ttls[i].ttl = n;
		else
			warn_invalid(warn, warn_payload, ttls[i].name, v, "a decimal integer",
				     *ttls[i].ttl);
	}

	const struct {
		const char *name;
		uint64_t *field;
		int64_t min;
	} limits[] = {
		{ "CACHE_MAX_ENTRIES", &opts->max_entries, 1 },
		{ "CACHE_MAX_BYTES", &opts->max_bytes, 1 },
		{ "CACHE_STATS_MAX_KEYS", &opts->max_tracked_keys, 0 },
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		const char *v = lookup(limits[i].name, lookup_payload);
		int64_t n;

		if (!v)
			continue;
		if (parse_int64(v, &n) && n >= limits[i].min)
			*limits[i].field = (uint64_t)n;
		else
			warn_invalid(warn, warn_payload, limits[i].name, v,
				     limits[i].min ? "a decimal integer >= 1"
						   : "a decimal integer >= 0",
				     (int64_t)*limits[i].field);
	}
	return CLAIMS_OK;
}

/* ---- life cycle */

/* The main lock spins briefly before sleeping where the system offers it:
 * its critical sections are a few dozen nanoseconds, far shorter than a
 * sleep and wake-up. */
static int
init_lock(pthread_mutex_t *m)
{
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_t a;
	int rc;

	if (pthread_mutexattr_init(&a) != 0)
		return -1;
	(void)pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
	rc = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	return rc;
#else
	return pthread_mutex_init(m, NULL);
#endif
}

static int64_t
ttl_to_ms(int64_t s)
{
	if (s <= 0)
		return 0;
	if (s > INT64_MAX / 4000)
		return 0; /* beyond any clock: never expires */
	return s * 1000;
}

int
claims_cache_new(claims_cache **out, const claims_cache_options *opts)
{
	static const claims_cache_options defaults = CLAIMS_CACHE_OPTIONS_INIT;
	claims_cache *c;
	uint64_t want;
	size_t nb = 64;

	if (out)
		*out = NULL;
	if (!out)
		return CLAIMS_EINVAL;
	if (!opts)
		opts = &defaults;
	if (opts->version != CLAIMS_CACHE_OPTIONS_VERSION || opts->max_entries == 0 ||
	    opts->max_bytes == 0)
		return CLAIMS_EINVAL;
	if (sodium_init() < 0)
		return CLAIMS_ERROR;
	c = claims__calloc(1, sizeof(*c));
	if (!c)
		return CLAIMS_ENOMEM;
	c->opts = *opts;
	if (!c->opts.clock) {
		c->opts.clock = default_clock;
		c->opts.clock_payload = NULL;
	}
	c->ttl_ms[TTL_CLAIM] = ttl_to_ms(opts->ttl_claim);
	c->ttl_ms[TTL_REMITTANCE] = ttl_to_ms(opts->ttl_remittance);
	c->ttl_ms[TTL_EPISODE] = ttl_to_ms(opts->ttl_episode);
	c->ttl_ms[TTL_RISK_SCORE] = ttl_to_ms(opts->ttl_risk_score);
	c->ttl_ms[TTL_PAYER] = ttl_to_ms(opts->ttl_payer);
	c->ttl_ms[TTL_PROVIDER] = ttl_to_ms(opts->ttl_provider);
	c->ttl_ms[TTL_PRACTICE_CONFIG] = ttl_to_ms(opts->ttl_practice_config);
	c->ttl_ms[TTL_COUNT] = ttl_to_ms(opts->ttl_count);
	c->ttl_ms[TTL_OTHER] = ttl_to_ms(opts->ttl_other);
	crypto_shorthash_keygen(c->hkey);

	/* Records are bounded by entries + tracked keys: size the table for
	 * that up front (up to a million buckets; it grows past that). */
	want = opts->max_entries + opts->max_tracked_keys;
	while (nb < want && nb < ((size_t)1 << 20))
		nb *= 2;
	c->buckets = claims__calloc(nb, sizeof(*c->buckets));
	c->nbuckets = nb;
	c->pidx_cap = 64;
	c->pidx = claims__calloc(c->pidx_cap, sizeof(*c->pidx));
	link_init(&c->lru);
	link_init(&c->slru);
	c->epoch_next = INT64_MIN;
	if (!c->buckets || !c->pidx) {
		claims__free(c->buckets);
		claims__free(c->pidx);
		claims__free(c);
		return CLAIMS_ENOMEM;
	}
	if (init_lock(&c->lock) != 0) {
		claims__free(c->buckets);
		claims__free(c->pidx);
		claims__free(c);
		return CLAIMS_ERROR;
	}
	if (pthread_mutex_init(&c->epoch_lock, NULL) != 0) {
		pthread_mutex_destroy(&c->lock);
		claims__free(c->buckets);
		claims__free(c->pidx);
		claims__free(c);
		return CLAIMS_ERROR;
	}
	*out = c;
	return CLAIMS_OK;
}

void
claims_cache_free(claims_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct rec *r = c->buckets[i];

		while (r) {
			struct rec *next = r->hnext;

			blob_release(r->val);
			claims__free(r);
			r = next;
		}
	}
	for (uint32_t i = 0; i < c->npfx; i++)
		claims__free(c->pfx[i].name);
	claims__free(c->pfx);
	claims__free(c->pidx);
	claims__free(c->buckets);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->epoch_lock);
	claims__free(c);
}

/* ---- lookups and writes */

int
claims_cache_get(char **value_out, size_t *len_out, claims_cache_gen *gen_out,
		 claims_cache *c, const char *key)
{
	struct blob *b = NULL;
	struct rec *r;
	struct prefix *p;
	size_t klen;
	uint64_t h;
	int64_t now;
	char *copy;

	if (value_out)
		*value_out = NULL;
	if (len_out)
		*len_out = 0;
	if (gen_out)
		*gen_out = 0;
	if (!value_out || !c || !key)
		return CLAIMS_EINVAL;
	klen = strlen(key);
	h = hash_bytes(c, key, klen);
	now = now_ms(c);

	pthread_mutex_lock(&c->lock);
	r = rec_find(c, key, klen, h);
	if (!r) {
		uint32_t pi;

		if (prefix_get(c, key, klen, &pi) < 0) {
			pthread_mutex_unlock(&c->lock);
			return CLAIMS_ENOMEM;
		}
		p = &c->pfx[pi];
		c->misses++;
		p->misses++;
		if (gen_out)
			*gen_out = p->gen;
		if (c->opts.max_tracked_keys > 0) {
			/* out of memory here only leaves the key untracked */
			r = rec_new(c, key, klen, h, pi);
			if (r) {
				touch_tracked(c, r);
				r->misses++;
			}
		}
		pthread_mutex_unlock(&c->lock);
		return CLAIMS_ENOTFOUND;
	}
	p = &c->pfx[r->prefix];
	if (r->val && r->expires <= now) {
		value_remove(c, r);
		c->expirations++;
	}
	if (r->val) {
		b = r->val;
		atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
		link_move_front(&c->lru, &r->lru);
		c->hits++;
		p->hits++;
		touch_tracked(c, r);
		if (r->tracked)
			r->hits++;
	} else {
		c->misses++;
		p->misses++;
		if (gen_out)
			*gen_out = p->gen;
		touch_tracked(c, r);
		if (r->tracked)
			r->misses++;
		else
			rec_free(c, r);
	}
	pthread_mutex_unlock(&c->lock);
	if (!b)
		return CLAIMS_ENOTFOUND;

	copy = claims__malloc(b->len + 1);
	if (copy) {
		memcpy(copy, b->data, b->len + 1);
		if (len_out)
			*len_out = b->len;
	}
	blob_release(b);
	if (!copy)
		return CLAIMS_ENOMEM;
	*value_out = copy;
	return CLAIMS_OK;
}

void
claims_cache_value_free(char *value)
{
	claims__free(value);
}

static int
put_impl(claims_cache *c, const char *key, const void *value, size_t len, claims_cache_gen gen,
	 bool default_ttl, int64_t ttl_seconds)
{
	struct blob *b = NULL;
	struct blob *old = NULL;
	struct rec *r;
	struct prefix *p;
	uint32_t pi;
	size_t klen;
	uint64_t h;
	int64_t now, ttl_ms;
	bool too_big;

	if (!c || !key || (!value && len > 0))
		return CLAIMS_EINVAL;
	klen = strlen(key);
	too_big = len > c->opts.max_bytes / 16;
	if (!too_big) {
		b = claims__malloc(sizeof(*b) + len + 1);
		if (!b)
			return CLAIMS_ENOMEM;
		atomic_init(&b->refs, 1);
		b->len = len;
		if (len)
			memcpy(b->data, value, len);
		b->data[len] = '\0';
	}
	h = hash_bytes(c, key, klen);
	now = now_ms(c);

	pthread_mutex_lock(&c->lock);
	r = rec_find(c, key, klen, h);
	if (too_big) {
		/* not stored; a value the key had is no longer current */
		if (r && r->val) {
			value_remove(c, r);
			rec_free_if_unused(c, r);
		}
		pthread_mutex_unlock(&c->lock);
		return CLAIMS_OK;
	}
	if (r) {
		pi = r->prefix;
	} else if (prefix_get(c, key, klen, &pi) < 0) {
		pthread_mutex_unlock(&c->lock);
		blob_release(b);
		return CLAIMS_ENOMEM;
	}
	p = &c->pfx[pi];
	if (gen != CLAIMS_CACHE_GEN_ANY && gen != p->gen) {
		/* an invalidation happened after the miss: the value may be older */
		pthread_mutex_unlock(&c->lock);
		blob_release(b);
		return CLAIMS_OK;
	}
	if (!r) {
		r = rec_new(c, key, klen, h, pi);
		if (!r) {
			pthread_mutex_unlock(&c->lock);
			blob_release(b);
			return CLAIMS_ENOMEM;
		}
	}
	if (r->val) {
		c->entries--;
		c->bytes -= entry_size(r);
		p->entries--;
		old = r->val;
		link_remove(&r->lru);
	}
	ttl_ms = default_ttl ? p->ttl_ms : ttl_to_ms(ttl_seconds);
	r->val = b;
	r->expires = (ttl_ms > 0 && now <= INT64_MAX - ttl_ms) ? now + ttl_ms : INT64_MAX;
	link_push_front(&c->lru, &r->lru);
	c->entries++;
	c->bytes += entry_size(r);
	p->entries++;

	while (c->entries > c->opts.max_entries || c->bytes > c->opts.max_bytes) {
		struct rec *victim = REC_OF(c->lru.prev, lru);

		if (victim->expires <= now)
			c->expirations++;
		else
			c->evictions++;
		value_remove(c, victim);
		rec_free_if_unused(c, victim);
	}
	pthread_mutex_unlock(&c->lock);
	blob_release(old);
	return CLAIMS_OK;
}

int
claims_cache_put(claims_cache *c, const char *key, const void *value, size_t len,
		 claims_cache_gen gen)
{
	return put_impl(c, key, value, len, gen, true, 0);
}

int
claims_cache_put_ttl(claims_cache *c, const char *key, const void *value, size_t len,
		     claims_cache_gen gen, int64_t ttl_seconds)
{
	return put_impl(c, key, value, len, gen, false, ttl_seconds);
}

bool
claims_cache_contains(claims_cache *c, const char *key)
{
	struct rec *r;
	size_t klen;
	uint64_t h;
	int64_t now;
	bool found;

	if (!c || !key)
		return false;
	klen = strlen(key);
	h = hash_bytes(c, key, klen);
	now = now_ms(c);
	pthread_mutex_lock(&c->lock);
	r = rec_find(c, key, klen, h);
	found = r && r->val && r->expires > now;
	pthread_mutex_unlock(&c->lock);
	return found;
}

int
claims_cache_delete(claims_cache *c, const char *key)
{
	enum ttl_class cls;
	struct prefix *p;
	struct rec *r;
	size_t klen, plen;
	uint64_t h, ph;

	if (!c || !key)
		return CLAIMS_EINVAL;
	klen = strlen(key);
	h = hash_bytes(c, key, klen);
	plen = prefix_of(key, klen, &cls);
	ph = hash_bytes(c, key, plen);

	pthread_mutex_lock(&c->lock);
	/* A reader can only hold a generation of a prefix that exists. */
	p = prefix_find(c, key, plen, ph);
	if (p)
		p->gen++;
	r = rec_find(c, key, klen, h);
	if (r && r->val) {
		value_remove(c, r);
		rec_free_if_unused(c, r);
	}
	pthread_mutex_unlock(&c->lock);
	return CLAIMS_OK;
}

int
claims_cache_delete_prefix(claims_cache *c, const char *prefix)
{
	size_t n;
	struct link *l;

	if (!c || !prefix || !*prefix)
		return CLAIMS_EINVAL;
	n = strlen(prefix);

	pthread_mutex_lock(&c->lock);
	/* Every key removed has a prefix that is a segment-prefix of it, as
	 * @p prefix is: one of the two is a segment-prefix of the other. */
	for (uint32_t i = 0; i < c->npfx; i++)
		if (segment_related(c->pfx[i].name, c->pfx[i].len, prefix, n))
			c->pfx[i].gen++;
	for (l = c->lru.next; l != &c->lru;) {
		struct rec *r = REC_OF(l, lru);

		l = l->next;
		if (r->klen >= n && memcmp(r->key, prefix, n) == 0 &&
		    (r->klen == n || r->key[n] == ':')) {
			value_remove(c, r);
			rec_free_if_unused(c, r);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return CLAIMS_OK;
}

int
claims_cache_clear(claims_cache *c)
{
	if (!c)
		return CLAIMS_EINVAL;
	pthread_mutex_lock(&c->lock);
	remove_all_values(c);
	pthread_mutex_unlock(&c->lock);
	return CLAIMS_OK;
}

/* ---- statistics */

static int
cmp_prefix(const void *a, const void *b)
{
	return strcmp(((const claims_cache_prefix_stats *)a)->prefix,
		      ((const claims_cache_prefix_stats *)b)->prefix);
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(((const claims_cache_key_stats *)a)->key,
		      ((const claims_cache_key_stats *)b)->key);
}

int
claims_cache_stats_get(claims_cache_stats **out, claims_cache *c)
{
	claims_cache_stats *s;
	size_t strbytes = 0, size;
	char *pool;
	struct link *l;
	size_t k = 0;

	if (out)
		*out = NULL;
	if (!out || !c)
		return CLAIMS_EINVAL;

	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < c->npfx; i++)
		strbytes += c->pfx[i].len + 1;
	for (l = c->slru.next; l != &c->slru; l = l->next)
		strbytes += REC_OF(l, slru)->klen + 1;
	size = sizeof(*s) + (size_t)c->npfx * sizeof(claims_cache_prefix_stats) +
	       (size_t)c->tracked * sizeof(claims_cache_key_stats) + strbytes;
	/* one block: the struct, both arrays and the strings */
	s = claims__malloc(size);
	if (!s) {
		pthread_mutex_unlock(&c->lock);
		return CLAIMS_ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->by_prefix = (claims_cache_prefix_stats *)(void *)(s + 1);
	s->n_prefixes = c->npfx;
	s->by_key = (claims_cache_key_stats *)(void *)(s->by_prefix + c->npfx);
	s->n_keys = (size_t)c->tracked;
	pool = (char *)(s->by_key + c->tracked);

	counts_fill(&s->overall, c->hits, c->misses);
	s->evictions = c->evictions;
	s->expirations = c->expirations;
	s->entries = c->entries;
	s->bytes = c->bytes;
	s->max_entries = c->opts.max_entries;
	s->max_bytes = c->opts.max_bytes;
	s->max_tracked_keys = c->opts.max_tracked_keys;
	for (uint32_t i = 0; i < c->npfx; i++) {
		const struct prefix *p = &c->pfx[i];
		claims_cache_prefix_stats *o = &s->by_prefix[i];

		o->prefix = pool;
		memcpy(pool, p->name, p->len + 1);
		pool += p->len + 1;
		counts_fill(&o->counts, p->hits, p->misses);
		o->entries = p->entries;
	}
	for (l = c->slru.next; l != &c->slru; l = l->next, k++) {
		const struct rec *r = REC_OF(l, slru);
		claims_cache_key_stats *o = &s->by_key[k];

		o->key = pool;
		memcpy(pool, r->key, r->klen + 1);
		pool += r->klen + 1;
		counts_fill(&o->counts, r->hits, r->misses);
	}
	pthread_mutex_unlock(&c->lock);

	qsort(s->by_prefix, s->n_prefixes, sizeof(*s->by_prefix), cmp_prefix);
	qsort(s->by_key, s->n_keys, sizeof(*s->by_key), cmp_key);
	*out = s;
	return CLAIMS_OK;
}

void
claims_cache_stats_free(claims_cache_stats *stats)
{
	claims__free(stats);
}

int
claims_cache_key_stats_get(claims_cache_counts *out, bool *tracked_out, claims_cache *c,
			   const char *key)
{
	struct rec *r;
	size_t klen;
	uint64_t h;
	uint64_t hits = 0, misses = 0;
	bool tracked = false;

	if (out)
		counts_fill(out, 0, 0);
	if (tracked_out)
		*tracked_out = false;
	if (!out || !c || !key)
		return CLAIMS_EINVAL;
	klen = strlen(key);
	h = hash_bytes(c, key, klen);
	pthread_mutex_lock(&c->lock);
	r = rec_find(c, key, klen, h);
	if (r && r->tracked) {
		tracked = true;
		hits = r->hits;
		misses = r->misses;
	}
	pthread_mutex_unlock(&c->lock);
	counts_fill(out, hits, misses);
	if (tracked_out)
		*tracked_out = tracked;
	return CLAIMS_OK;
}

int
claims_cache_stats_reset(claims_cache *c, const char *key)
{
	if (!c)
		return CLAIMS_EINVAL;
	if (!key || !*key) {
		pthread_mutex_lock(&c->lock);
		c->hits = c->misses = c->evictions = c->expirations = 0;
		for (uint32_t i = 0; i < c->npfx; i++)
			c->pfx[i].hits = c->pfx[i].misses = 0;
		while (c->slru.next != &c->slru) {
			struct rec *r = REC_OF(c->slru.next, slru);

			untrack(c, r);
			rec_free_if_unused(c, r);
		}
		pthread_mutex_unlock(&c->lock);
		return CLAIMS_OK;
	}

	size_t klen = strlen(key);
	uint64_t h = hash_bytes(c, key, klen);
	struct rec *r;

	pthread_mutex_lock(&c->lock);
	r = rec_find(c, key, klen, h);
	if (r && r->tracked) {
		struct prefix *p = &c->pfx[r->prefix];

		p->hits -= r->hits;
		p->misses -= r->misses;
		c->hits -= r->hits;
		c->misses -= r->misses;
		untrack(c, r);
		rec_free_if_unused(c, r);
	}
	pthread_mutex_unlock(&c->lock);
	return CLAIMS_OK;
}

/* ---- the write epoch (cache.md §7) */

int
claims_cache_sync_epoch(claims_cache *c, claims_db *db)
{
	int64_t now, epoch = 0;
	int rc;

	if (!c || !db)
		return CLAIMS_EINVAL;
	now = now_ms(c);
	if (now < atomic_load_explicit(&c->epoch_next, memory_order_acquire))
		return CLAIMS_OK;

	/* Callers arriving while the epoch is read wait for it, so none of
	 * them serves an entry the new epoch would have dropped. */
	pthread_mutex_lock(&c->epoch_lock);
	if (now < atomic_load_explicit(&c->epoch_next, memory_order_acquire)) {
		pthread_mutex_unlock(&c->epoch_lock);
		return CLAIMS_OK;
	}
	rc = claims__store_meta_write_epoch(db, &epoch);
	if (rc < 0) {
		pthread_mutex_unlock(&c->epoch_lock);
		return rc;
	}
	if (!c->epoch_known || epoch != c->epoch) {
		pthread_mutex_lock(&c->lock);
		remove_all_values(c);
		pthread_mutex_unlock(&c->lock);
		c->epoch = epoch;
		c->epoch_known = true;
	}
	atomic_store_explicit(&c->epoch_next, now > INT64_MAX - 1000 ? INT64_MAX : now + 1000,
			      memory_order_release);
	pthread_mutex_unlock(&c->epoch_lock);
	return CLAIMS_OK;
}
