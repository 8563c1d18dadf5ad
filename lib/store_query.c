/*
 * libclaims store: what every list route shares.  The statements of a route
 * are built once per filter combination, each naming the index that serves
 * it (INDEXED BY), so a plan never depends on statistics: a filter always
 * reads its index, never the whole table.  Count and page run in one read
 * transaction so that the total describes the page.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "query.h"
#include "store.h"

static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;

/* Append @p s to the buffer at *p (space is pre-computed by the caller). */
static char *
put(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* @p tmpl with "{IDX}" replaced by @p idx (" INDEXED BY name" or ""). */
static char *
put_tmpl(char *p, const char *tmpl, const char *idx)
{
	const char *mark = strstr(tmpl, "{IDX}");

	if (!mark)
		return put(p, tmpl);
	memcpy(p, tmpl, (size_t)(mark - tmpl));
	p += mark - tmpl;
	p = put(p, idx);
	return put(p, mark + 5);
}

static char *
put_where(char *p, const struct claims__route_sql *r, unsigned mask)
{
	bool first = true;

	if (r->fixed_where) {
		p = put(p, " WHERE ");
		p = put(p, r->fixed_where);
		first = false;
	}
	for (unsigned i = 0; i < r->n_filters; i++) {
		if (!(mask & (1u << i)))
			continue;
		p = put(p, first ? " WHERE " : " AND ");
		p = put(p, r->filters[i].predicate);
		first = false;
	}
	return p;
}

static bool
build(struct claims__route_sql *r)
{
	unsigned n = 1u << r->n_filters;
	size_t per = strlen(r->select) + strlen(r->count_from) + strlen(r->order) + 256 +
		     (r->fixed_where ? strlen(r->fixed_where) : 0);
	struct claims__sql_pair *pairs;
	char *text, *p;

	for (unsigned i = 0; i < r->n_filters; i++)
		per += 2 * (strlen(r->filters[i].predicate) + 8);
	pairs = claims__calloc(n, sizeof(*pairs));
	text = claims__malloc((size_t)n * per);
	if (!pairs || !text) {
		claims__free(pairs);
		claims__free(text);
		return false;
	}
	p = text;
	for (unsigned mask = 0; mask < n; mask++) {
		char idx[128] = "";

		for (unsigned k = 0; k < r->n_rules; k++) {
			if ((mask & r->rules[k].mask) == r->rules[k].mask) {
				snprintf(idx, sizeof(idx), " INDEXED BY %s", r->rules[k].index);
				break;
			}
		}
		pairs[mask].list = p;
		p = put_tmpl(p, r->select, idx);
		p = put_where(p, r, mask);
		p = put(p, r->order);
		*p++ = '\0';
		pairs[mask].count = p;
		p = put_tmpl(p, r->count_from, idx);
		p = put_where(p, r, mask);
		*p++ = '\0';
	}
	r->pairs = pairs;
	r->text = text;
	return true;
}

const struct claims__sql_pair *
claims__route_sql_get(struct claims__route_sql *r, unsigned mask)
{
	const struct claims__sql_pair *pair = NULL;

	pthread_mutex_lock(&build_lock);
	if (r->pairs || build(r))
		pair = &r->pairs[mask & ((1u << r->n_filters) - 1)];
	pthread_mutex_unlock(&build_lock);
	return pair;
}

int
claims__read_begin(claims_db *db)
{
	static const char sql[] = "SAVEPOINT claims_read";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	return claims__step_done(db, s, "starting a read");
}

void
claims__read_end(claims_db *db)
{
	static const char sql[] = "RELEASE claims_read";
	sqlite3_stmt *s;

	if (claims__stmt(&s, db, sql) == CLAIMS_OK) {
		sqlite3_step(s);
		sqlite3_reset(s);
	}
}

static int
count_in(claims_db *db, const char *sql, claims__bind_fn bind, const void *query, int64_t *out)
{
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	bind(s, query);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "counting rows");
	}
	sqlite3_reset(s);
	return rc;
}

int
claims__run_count(claims_db *db, const char *sql, claims__bind_fn bind, const void *query,
		  int64_t *out)
{
	int rc;

	*out = 0;
	rc = count_in(db, sql, bind, query, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

bool
claims__page_valid(const claims_page *p)
{
	return p->skip >= 0 && p->limit >= 1 && p->limit <= CLAIMS_PAGE_MAX_LIMIT;
}

void *
claims__list_model_run(claims_db *db, const struct claims__sql_pair *sql, claims__bind_fn bind,
		       const void *query, const int64_t *known_total, size_t list_size, size_t elem,
		       claims__row_fn row, struct claims__list_run *run, int *rc)
{
	void *l = sql ? claims__model_new(list_size) : NULL;

	if (!l) {
		*rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		return NULL;
	}
	*rc = claims__run_list(db, claims__model_arena(l), sql, bind, query, known_total, elem, row,
			       run);
	if (*rc < 0) {
		claims__model_free(l);
		return NULL;
	}
	return l;
}

int
claims__run_list(claims_db *db, struct claims__arena *a, const struct claims__sql_pair *sql,
		 claims__bind_fn bind, const void *query, const int64_t *known_total, size_t elem,
		 claims__row_fn row, struct claims__list_run *out)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = claims__read_begin(db);
	if (rc < 0)
		return rc;
	if (known_total)
		out->total = *known_total;
	else if ((rc = count_in(db, sql->count, bind, query, &out->total)) < 0)
		goto done;
	rc = claims__stmt(&s, db, sql->list);
	if (rc < 0)
		goto done;
	bind(s, query);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		void *item = claims__model_push(a, &out->items, &out->count, &out->cap, elem);

		if (!item || !row(a, s, item)) {
			sqlite3_reset(s);
			rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
			goto done;
		}
	}
	if (rc != SQLITE_DONE)
		rc = claims__sqlite_error(db, rc, "reading a page");
	else
		rc = CLAIMS_OK;
	sqlite3_reset(s);
done:
	claims__read_end(db);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}
