/*
 * libclaims: prepared statements kept per connection.
 *
 * Statements are prepared once per connection with SQLITE_PREPARE_PERSISTENT
 * and found again by the address of their SQL text (always a string literal
 * in the library), in a small open-addressing table that doubles when it is
 * half full.  A statement handed out is reset and unbound; the caller resets
 * it again when done so that it holds no read transaction open.
 */
#include "config.h"

#include <stdint.h>

#include "internal.h"

struct slot {
	const char *sql;
	sqlite3_stmt *stmt;
};

struct claims__stmt_cache {
	size_t cap; /* power of two */
	size_t used;
	struct slot *slots;
};

static size_t
slot_of(const char *sql, size_t cap)
{
	uintptr_t h = (uintptr_t)sql;

	h ^= h >> 17;
	h *= (uintptr_t)0x9E3779B97F4A7C15ull;
	h ^= h >> 29;
	return (size_t)h & (cap - 1);
}

static int
grow(struct claims__stmt_cache *c)
{
	size_t ncap = c->cap ? c->cap * 2 : 64;
	struct slot *ns = claims__calloc(ncap, sizeof(*ns));

	if (!ns)
		return CLAIMS_ENOMEM;
	for (size_t i = 0; i < c->cap; i++) {
		size_t j;

		if (!c->slots[i].sql)
			continue;
		j = slot_of(c->slots[i].sql, ncap);
		while (ns[j].sql)
			j = (j + 1) & (ncap - 1);
		ns[j] = c->slots[i];
	}
	claims__free(c->slots);
	c->slots = ns;
	c->cap = ncap;
	return CLAIMS_OK;
}

int
claims__stmt(sqlite3_stmt **out, claims_db *db, const char *sql)
{
	struct claims__stmt_cache *c;
	sqlite3_stmt *stmt = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!db->stmts) {
		db->stmts = claims__calloc(1, sizeof(*db->stmts));
		if (!db->stmts)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	c = db->stmts;
	if (c->cap) {
		for (i = slot_of(sql, c->cap); c->slots[i].sql; i = (i + 1) & (c->cap - 1)) {
			if (c->slots[i].sql == sql) {
				sqlite3_reset(c->slots[i].stmt);
				sqlite3_clear_bindings(c->slots[i].stmt);
				*out = c->slots[i].stmt;
				return CLAIMS_OK;
			}
		}
	}

	if ((c->used + 1) * 2 > c->cap && grow(c) < 0)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return claims__sqlite_error(db, rc, "preparing a statement");
	}
	for (i = slot_of(sql, c->cap); c->slots[i].sql; i = (i + 1) & (c->cap - 1))
		;
	c->slots[i].sql = sql;
	c->slots[i].stmt = stmt;
	c->used++;
	*out = stmt;
	return CLAIMS_OK;
}

void
claims__stmt_done(sqlite3_stmt *stmt)
{
	if (stmt)
		sqlite3_reset(stmt);
}

void
claims__stmt_cache_free(struct claims__stmt_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].stmt)
			sqlite3_finalize(c->slots[i].stmt);
	claims__free(c->slots);
	claims__free(c);
}
