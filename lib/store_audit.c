/*
 * libclaims store: the audit trail (spec/security.md §4, spec/api.md §4.8).
 * Every SQL statement that touches audit_logs is here.
 *
 * Writes come in batches from the server's one audit writer, each in one
 * transaction.  Audit rows change no cached answer, so the write epoch of
 * cache.md §7 is left alone (a plain COMMIT, not claims__commit()).
 *
 * The list shares the route runner of store_query.c: every filter
 * combination has its statement, naming the index that serves it.  The path
 * filter is a substring match through LIKE with '\', '%' and '_' escaped in
 * SQL from the bound text, so the text is matched literally whatever it
 * holds (spec/security.md §7).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "query.h"
#include "store.h"

/* ------------------------------------------------------------------ */
/* Insert                                                              */

/* "YYYY-MM-DDTHH:MM:SSZ", as the column's CHECK wants it. */
static bool
ts_form(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++) {
		if (form[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != form[i])
			return false;
	}
	return true;
}

static const char *
row_problem(const claims_audit_record *r)
{
	size_t mlen;

	if (!r->method || !r->path)
		return "method and path are required";
	mlen = strlen(r->method);
	if (mlen == 0 || mlen > 32)
		return "method must be 1..32 bytes";
	if (strlen(r->path) > CLAIMS_AUDIT_PATH_MAX)
		return "path must be at most 500 bytes";
	if (r->status_code < 100 || r->status_code > 599)
		return "status_code must be between 100 and 599";
	if (!isfinite(r->duration) || r->duration < 0)
		return "duration must be a finite number >= 0";
	if (r->created_at && !ts_form(r->created_at))
		return "created_at must be YYYY-MM-DDTHH:MM:SSZ";
	return NULL;
}

static void
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

int
claims_audit_insert(claims_db *db, const claims_audit_record *rows, size_t n)
{
	static const char ins[] =
		"INSERT INTO audit_logs (method, path, status_code, duration, user_id, client_ip, "
		"request_identifier, response_identifier, request_hashed_identifiers, "
		"response_hashed_identifiers, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, "
		"?6, ?7, ?8, coalesce(?9, '{}'), coalesce(?10, '{}'), "
		"coalesce(?11, strftime('%Y-%m-%dT%H:%M:%SZ','now')), "
		"coalesce(?11, strftime('%Y-%m-%dT%H:%M:%SZ','now')))";
	sqlite3_stmt *s;
	int rc;

	if (!db || (n && !rows))
		return CLAIMS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		const char *why = row_problem(&rows[i]);

		if (why)
			return claims__set_error(db, CLAIMS_EINVAL, "row %zu: %s", i, why);
	}
	if (n == 0) {
		claims__clear_error(db);
		return CLAIMS_OK;
	}
	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const claims_audit_record *r = &rows[i];

		rc = claims__stmt(&s, db, ins);
		if (rc < 0)
			goto rollback;
		sqlite3_bind_text(s, 1, r->method, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, r->path, -1, SQLITE_STATIC);
		sqlite3_bind_int(s, 3, r->status_code);
		sqlite3_bind_double(s, 4, r->duration);
		bind_text_or_null(s, 5, r->user_id);
		bind_text_or_null(s, 6, r->client_ip);
		bind_text_or_null(s, 7, r->request_identifier);
		bind_text_or_null(s, 8, r->response_identifier);
		bind_text_or_null(s, 9, r->request_hashed_identifiers);
		bind_text_or_null(s, 10, r->response_hashed_identifiers);
		bind_text_or_null(s, 11, r->created_at);
		rc = claims__step_done(db, s, "storing an audit row");
		if (rc < 0)
			goto rollback;
	}
	rc = claims__exec(db, "COMMIT");
	if (rc < 0)
		goto rollback;
	claims__clear_error(db);
	return CLAIMS_OK;
rollback:
	claims__rollback(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* List                                                                */

#define AUDIT_COLS                                                                          \
	"a.id, a.method, a.path, a.status_code, a.duration, a.user_id, a.client_ip, "         \
	"a.request_identifier, a.response_identifier, a.request_hashed_identifiers, "         \
	"a.response_hashed_identifiers, a.created_at"

static bool
row_audit(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_audit_log *l = item;
	bool oom = false;

	l->id = sqlite3_column_int64(s, 0);
	l->method = claims__col_text(a, s, 1, &oom);
	l->path = claims__col_text(a, s, 2, &oom);
	l->status_code = sqlite3_column_int(s, 3);
	l->duration = sqlite3_column_double(s, 4);
	l->user_id = claims__col_text(a, s, 5, &oom);
	l->client_ip = claims__col_text(a, s, 6, &oom);
	l->request_identifier = claims__col_text(a, s, 7, &oom);
	l->response_identifier = claims__col_text(a, s, 8, &oom);
	l->request_hashed_identifiers_json = claims__col_text(a, s, 9, &oom);
	l->response_hashed_identifiers_json = claims__col_text(a, s, 10, &oom);
	l->created_at = claims__col_text(a, s, 11, &oom);
	return !oom;
}

enum { A_METHOD, A_PATH, A_STATUS, A_USER, A_IP, A_START, A_END };

static const struct claims__filter_def audit_filters[] = {
	{ "a.method = ?1" },
	{ "a.path LIKE '%' || replace(replace(replace(?2, '\\', '\\\\'), '%', '\\%'), '_', '\\_') "
	  "|| '%' ESCAPE '\\'" },
	{ "a.status_code = ?3" },
	{ "a.user_id = ?4" },
	{ "a.client_ip = ?5" },
	{ "a.created_at >= ?6" },
	{ "a.created_at <= ?7" },
};

/* An exact filter's index first (a user, a status, a method); otherwise the
 * created_at index, which serves the date window and reads the newest rows
 * first, so a page stops early whatever the path or address filters
 * (client_ip has no index of its own; a substring none can serve). */
static const struct claims__index_rule audit_rules[] = {
	{ 1u << A_USER, "ix_audit_logs_user_id" },
	{ 1u << A_STATUS, "ix_audit_logs_status_code" },
	{ 1u << A_METHOD, "ix_audit_logs_method" },
	{ 0, "ix_audit_logs_created_at" },
};

struct claims__route_sql claims__audit_route = {
	.select = "SELECT " AUDIT_COLS " FROM audit_logs AS a{IDX}",
	.count_from = "SELECT count(*) FROM audit_logs AS a{IDX}",
	.order = " ORDER BY a.created_at DESC, a.id DESC LIMIT ?8 OFFSET ?9",
	.filters = audit_filters,
	.n_filters = 7,
	.rules = audit_rules,
	.n_rules = sizeof(audit_rules) / sizeof(*audit_rules),
};

static unsigned
audit_mask(const claims_audit_query *q)
{
	return (q->method[0] ? 1u << A_METHOD : 0) | (q->path ? 1u << A_PATH : 0) |
	       (q->status_code ? 1u << A_STATUS : 0) | (q->user_id ? 1u << A_USER : 0) |
	       (q->client_ip ? 1u << A_IP : 0) | (q->start[0] ? 1u << A_START : 0) |
	       (q->end[0] ? 1u << A_END : 0);
}

static void
bind_audit_query(sqlite3_stmt *s, const void *query)
{
	const claims_audit_query *q = query;

	if (q->method[0])
		sqlite3_bind_text(s, 1, q->method, -1, SQLITE_STATIC);
	if (q->path)
		sqlite3_bind_text(s, 2, q->path, -1, SQLITE_STATIC);
	if (q->status_code)
		sqlite3_bind_int(s, 3, q->status_code);
	if (q->user_id)
		sqlite3_bind_text(s, 4, q->user_id, -1, SQLITE_STATIC);
	if (q->client_ip)
		sqlite3_bind_text(s, 5, q->client_ip, -1, SQLITE_STATIC);
	if (q->start[0])
		sqlite3_bind_text(s, 6, q->start, -1, SQLITE_STATIC);
	if (q->end[0])
		sqlite3_bind_text(s, 7, q->end, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 8, q->page.limit);
	sqlite3_bind_int64(s, 9, q->page.skip);
}

int
claims_audit_log_list_get(claims_audit_log_list **out, claims_db *db, const claims_audit_query *q,
			  const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_audit_log_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__audit_route, audit_mask(q));
	l = claims__list_model_run(db, sql, bind_audit_query, q, known_total, sizeof(*l),
				   sizeof(claims_audit_log), row_audit, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

void
claims_audit_log_list_free(claims_audit_log_list *l)
{
	claims__model_free(l);
}

/* ------------------------------------------------------------------ */
/* Statistics                                                          */

#define WINDOW " FROM audit_logs INDEXED BY ix_audit_logs_created_at " \
	       "WHERE created_at >= ?1 AND created_at <= ?2"

static int
stats_totals(claims_db *db, claims_audit_stats *st)
{
	static const char sql[] = "SELECT count(*), count(DISTINCT user_id), "
				  "count(DISTINCT client_ip), avg(duration)" WINDOW;
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, st->start_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, st->end_date, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return claims__step_error(db, s, rc, "reading audit totals");
	st->total_requests = sqlite3_column_int64(s, 0);
	st->unique_users = sqlite3_column_int64(s, 1);
	st->unique_ip_addresses = sqlite3_column_int64(s, 2);
	st->has_average = sqlite3_column_type(s, 3) != SQLITE_NULL;
	st->average_duration_seconds = st->has_average ? claims__round4(sqlite3_column_double(s, 3))
						       : 0.0;
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* The (key, count) rows of @p sql into an arena array. */
static int
stats_map(claims_db *db, struct claims__arena *a, const char *sql, const claims_audit_stats *st,
	  claims_audit_count **items, size_t *n)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, st->start_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, st->end_date, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_audit_count *c =
			claims__model_push(a, (void **)items, n, &cap, sizeof(**items));
		bool oom = false;

		if (c) {
			c->key = claims__col_text(a, s, 0, &oom);
			c->count = sqlite3_column_int64(s, 1);
		}
		if (!c || oom || !c->key) {
			sqlite3_reset(s);
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		}
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading audit statistics");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims_audit_stats_get(claims_audit_stats **out, claims_db *db, int64_t days, int64_t now)
{
	/* Keys in ascending byte order (BINARY); statuses are three digits, so
	 * their text sorts as their numbers. */
	static const char by_method[] = "SELECT method, count(*)" WINDOW
					" GROUP BY method ORDER BY method";
	static const char by_status[] = "SELECT CAST(status_code AS TEXT), count(*)" WINDOW
					" GROUP BY status_code ORDER BY status_code";
	claims_audit_stats *st;
	struct claims__arena *a;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return CLAIMS_EINVAL;
	if (days < 1 || days > 365)
		return claims__set_error(db, CLAIMS_EINVAL, "days must be between 1 and 365");
	if (now < 0 || now > 253402300799) /* 1970 .. 9999-12-31T23:59:59Z */
		return claims__set_error(db, CLAIMS_EINVAL, "now is out of range");
	st = claims__model_new(sizeof(*st));
	if (!st)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	a = claims__model_arena(st);
	st->period_days = days;
	claims__ts_from_epoch(now - days * 86400, st->start_date);
	claims__ts_from_epoch(now, st->end_date);
	rc = claims__read_begin(db);
	if (rc < 0)
		goto fail;
	rc = stats_totals(db, st);
	if (rc == CLAIMS_OK)
		rc = stats_map(db, a, by_method, st, &st->by_method, &st->n_methods);
	if (rc == CLAIMS_OK)
		rc = stats_map(db, a, by_status, st, &st->by_status, &st->n_statuses);
	claims__read_end(db);
	if (rc < 0)
		goto fail;
	st->requests_per_day = claims__round2((double)st->total_requests / (double)days);
	claims__clear_error(db);
	*out = st;
	return CLAIMS_OK;
fail:
	claims__model_free(st);
	return rc;
}

void
claims_audit_stats_free(claims_audit_stats *s)
{
	claims__model_free(s);
}
