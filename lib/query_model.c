/*
 * libclaims: storage of the read models.  Each model returned by a get or
 * list lives in one arena together with everything it points to, so one
 * free releases it all.  No SQL here beyond reading columns.
 */
#include "config.h"

#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "query.h"

struct holder {
	struct claims__arena arena;
	alignas(max_align_t) unsigned char model[];
};

static struct holder *
holder_of(void *model)
{
	return (struct holder *)(void *)((unsigned char *)model - offsetof(struct holder, model));
}

void *
claims__model_new(size_t size)
{
	struct holder *h = claims__calloc(1, sizeof(*h) + size);

	if (!h)
		return NULL;
	claims__arena_init(&h->arena, 8192);
	return h->model;
}

struct claims__arena *
claims__model_arena(void *model)
{
	return &holder_of(model)->arena;
}

void
claims__model_free(void *model)
{
	struct holder *h;

	if (!model)
		return;
	h = holder_of(model);
	claims__arena_free(&h->arena);
	claims__free(h);
}

const char *
claims__col_text(struct claims__arena *a, sqlite3_stmt *s, int col, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	char *copy;

	if (!t)
		return NULL;
	copy = claims__arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(s, col));
	if (!copy)
		*oom = true;
	return copy;
}

int64_t
claims__col_id(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, col);
}

claims_amount
claims__col_amount(sqlite3_stmt *s, int col)
{
	claims_amount a = { 0, false };

	if (sqlite3_column_type(s, col) != SQLITE_NULL) {
		a.cents = sqlite3_column_int64(s, col);
		a.present = true;
	}
	return a;
}

void *
claims__model_push(struct claims__arena *a, void **items, size_t *count, size_t *cap, size_t elem)
{
	unsigned char *p;

	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *n = claims__arena_grow(a, *items, *count, ncap, elem);

		if (!n)
			return NULL;
		*items = n;
		*cap = ncap;
	}
	p = (unsigned char *)*items + *count * elem;
	memset(p, 0, elem);
	(*count)++;
	return p;
}

int
claims__not_found(claims_db *db, const char *resource, int64_t id)
{
	return claims__set_error(db, CLAIMS_ENOTFOUND, "%s not found (id: %lld)", resource,
				 (long long)id);
}

void
claims_claim_free(claims_claim *c)
{
	claims__model_free(c);
}

void
claims_claim_list_free(claims_claim_list *l)
{
	claims__model_free(l);
}

void
claims_remit_free(claims_remit *r)
{
	claims__model_free(r);
}

void
claims_remit_list_free(claims_remit_list *l)
{
	claims__model_free(l);
}

void
claims_episode_free(claims_episode *e)
{
	claims__model_free(e);
}

void
claims_episode_list_free(claims_episode_list *l)
{
	claims__model_free(l);
}

void
claims_payer_free(claims_payer *p)
{
	claims__model_free(p);
}

void
claims_payer_list_free(claims_payer_list *l)
{
	claims__model_free(l);
}

void
claims_parser_log_list_free(claims_parser_log_list *l)
{
	claims__model_free(l);
}

void
claims_file_free(claims_file *f)
{
	claims__model_free(f);
}

void
claims_file_list_free(claims_file_list *l)
{
	claims__model_free(l);
}
