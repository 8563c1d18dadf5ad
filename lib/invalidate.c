/*
 * Cache invalidation after writes (spec/cache.md §6).
 *
 * A handle with a cache attached (claims_db_set_cache) records, while a
 * write transaction is open, which cached answers the transaction changes:
 * exact keys ("claim:17") and count prefixes ("count:claim").  The record
 * is applied to the cache only after COMMIT succeeds, so a reader can never
 * re-read the old rows after the invalidation; a rollback discards it.  A
 * write made outside a transaction invalidates at once.
 *
 * When recording runs out of memory, the transaction is remembered as
 * "changed everything" and the whole cache is cleared after the commit:
 * over-invalidation is always safe, a missed one never is.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "internal.h"

void
claims_db_set_cache(claims_db *db, claims_cache *cache)
{
	if (!db)
		return;
	claims__inval_discard(db);
	db->cache = cache;
}

/* Drop every cached answer (fails only for a NULL cache). */
static void
clear_all(claims_db *db)
{
	int rc = claims_cache_clear(db->cache);

	(void)rc;
}

static void
apply(claims_db *db, bool prefix, const char *key)
{
	int rc = prefix ? claims_cache_delete_prefix(db->cache, key)
			: claims_cache_delete(db->cache, key);

	/* Deleting can only fail for want of memory (a prefix's generation
	 * record); clearing everything needs none. */
	if (rc < 0)
		clear_all(db);
}

/* Whether the write must wait for its commit; else it was applied now. */
static bool
deferred(claims_db *db, bool prefix, const char *key)
{
	if (!sqlite3_get_autocommit(db->sql))
		return true;
	apply(db, prefix, key);
	return false;
}

void
claims__inval_key(claims_db *db, const char *prefix, int64_t id)
{
	struct claims__inval *p = &db->inval;
	char key[64], *copy;

	if (!db->cache)
		return;
	snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)id);
	if (!deferred(db, false, key) || p->all)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **keys = claims__realloc(p->keys, cap * sizeof(*keys));

		if (!keys) {
			p->all = true;
			return;
		}
		p->keys = keys;
		p->cap = cap;
	}
	copy = claims__strdup(key);
	if (!copy) {
		p->all = true;
		return;
	}
	p->keys[p->n++] = copy;
}

void
claims__inval_prefix(claims_db *db, const char *prefix)
{
	struct claims__inval *p = &db->inval;

	if (!db->cache || !deferred(db, true, prefix) || p->all)
		return;
	/* The same few prefixes come with every row of a set. */
	for (size_t i = 0; i < p->n_prefixes; i++)
		if (strcmp(p->prefixes[i], prefix) == 0)
			return;
	if (p->n_prefixes == CLAIMS__INVAL_MAX_PREFIXES)
		p->all = true;
	else
		p->prefixes[p->n_prefixes++] = prefix;
}

void
claims__inval_flush(claims_db *db)
{
	struct claims__inval *p = &db->inval;

	if (db->cache) {
		if (p->all) {
			clear_all(db);
		} else {
			for (size_t i = 0; i < p->n_prefixes; i++)
				apply(db, true, p->prefixes[i]);
			for (size_t i = 0; i < p->n; i++)
				apply(db, false, p->keys[i]);
		}
	}
	claims__inval_discard(db);
}

void
claims__inval_discard(claims_db *db)
{
	struct claims__inval *p = &db->inval;

	for (size_t i = 0; i < p->n; i++)
		claims__free(p->keys[i]);
	claims__free(p->keys);
	memset(p, 0, sizeof(*p));
}
