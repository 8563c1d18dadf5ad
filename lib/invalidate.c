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
apply(claims_db *db, char kind, const char *key)
{
	int rc = kind == 'p' ? claims_cache_delete_prefix(db->cache, key)
			     : claims_cache_delete(db->cache, key);

	/* Deleting can only fail for want of memory (a prefix's generation
	 * record); clearing everything needs none. */
	if (rc < 0)
		clear_all(db);
}

static bool
pending_has(const struct claims__inval *p, char kind, const char *key)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i][0] == kind && strcmp(p->items[i] + 1, key) == 0)
			return true;
	return false;
}

static void
record(claims_db *db, char kind, const char *key)
{
	struct claims__inval *p = &db->inval;
	size_t len;
	char *item;

	if (!db->cache)
		return;
	if (sqlite3_get_autocommit(db->sql)) {
		apply(db, kind, key);
		return;
	}
	if (p->all)
		return;
	/* Prefixes repeat for every row of a set; there are few of them. */
	if (kind == 'p' && pending_has(p, kind, key))
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		char **items = claims__realloc(p->items, cap * sizeof(*items));

		if (!items) {
			p->all = true;
			return;
		}
		p->items = items;
		p->cap = cap;
	}
	len = strlen(key);
	item = claims__malloc(len + 2);
	if (!item) {
		p->all = true;
		return;
	}
	item[0] = kind;
	memcpy(item + 1, key, len + 1);
	p->items[p->n++] = item;
}

void
claims__inval_key(claims_db *db, const char *prefix, int64_t id)
{
	char key[64];

	if (!db->cache)
		return;
	snprintf(key, sizeof(key), "%s:%lld", prefix, (long long)id);
	record(db, 'k', key);
}

void
claims__inval_prefix(claims_db *db, const char *prefix)
{
	record(db, 'p', prefix);
}

void
claims__inval_flush(claims_db *db)
{
	struct claims__inval *p = &db->inval;

	if (db->cache) {
		if (p->all)
			clear_all(db);
		else
			for (size_t i = 0; i < p->n; i++)
				apply(db, p->items[i][0], p->items[i] + 1);
	}
	claims__inval_discard(db);
}

void
claims__inval_discard(claims_db *db)
{
	struct claims__inval *p = &db->inval;

	for (size_t i = 0; i < p->n; i++)
		claims__free(p->items[i]);
	claims__free(p->items);
	memset(p, 0, sizeof(*p));
}
