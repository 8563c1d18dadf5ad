/*
 * libclaims store: reading episodes, payers, parser logs and ingest files,
 * and writing a payer's rules_config (spec/api.md §4.5, §4.10).
 */
#include "config.h"

#include <string.h>

#include "query.h"
#include "store.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* One row by id through @p sql; *found false when there is none. */
static int
get_one(claims_db *db, const char *sql, int64_t id, struct claims__arena *a, claims__row_fn row,
	void *item, bool *found)
{
	sqlite3_stmt *s;
	int rc;

	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = true;
		rc = row(a, s, item) ? CLAIMS_OK : claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	} else if (rc == SQLITE_DONE) {
		rc = CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "reading a row");
	}
	sqlite3_reset(s);
	return rc;
}

/* A get-by-id model: allocate, read, map "not found". */
static int
get_model(claims_db *db, void **out, size_t size, const char *sql, int64_t id,
	  claims__row_fn row, const char *resource)
{
	void *m;
	bool found;
	int rc;

	*out = NULL;
	if (id < 1)
		return claims__not_found(db, resource, id);
	m = claims__model_new(size);
	if (!m)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = get_one(db, sql, id, claims__model_arena(m), row, m, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__not_found(db, resource, id);
	if (rc < 0) {
		claims__model_free(m);
		return rc;
	}
	claims__clear_error(db);
	*out = m;
	return CLAIMS_OK;
}

/* ------------------------------------------------------------------ */
/* Episodes                                                            */

#define EPISODE_COLS                                                                        \
	"e.id, e.claim_id, e.remittance_id, e.status, e.payment_amount_cents, e.denial_count, " \
	"e.adjustment_count, e.link_method, e.reversed_by_episode_id, e.linked_at, "          \
	"e.created_at, e.updated_at"

static bool
row_episode(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_episode *e = item;
	bool oom = false;

	e->id = sqlite3_column_int64(s, 0);
	e->claim_id = sqlite3_column_int64(s, 1);
	e->remittance_id = sqlite3_column_int64(s, 2);
	e->status = claims__col_text(a, s, 3, &oom);
	e->payment = claims__col_amount(s, 4);
	e->denial_count = sqlite3_column_int64(s, 5);
	e->adjustment_count = sqlite3_column_int64(s, 6);
	e->link_method = claims__col_text(a, s, 7, &oom);
	e->reversed_by_episode_id = claims__col_id(s, 8);
	e->linked_at = claims__col_text(a, s, 9, &oom);
	e->created_at = claims__col_text(a, s, 10, &oom);
	e->updated_at = claims__col_text(a, s, 11, &oom);
	return !oom;
}

enum { E_CLAIM, E_REMIT, E_STATUS };

static const struct claims__filter_def episode_filters[] = {
	{ "e.claim_id = ?1" },
	{ "e.remittance_id = ?2" },
	{ "e.status = ?3" },
};

static const struct claims__index_rule episode_rules[] = {
	{ 1u << E_REMIT, "ix_claim_episodes_remittance_id" },
	{ 1u << E_CLAIM, "ix_claim_episodes_claim_id" },
	{ 1u << E_STATUS, "ix_claim_episodes_status" },
};

struct claims__route_sql claims__episode_route = {
	.select = "SELECT " EPISODE_COLS " FROM claim_episodes AS e{IDX}",
	.count_from = "SELECT count(*) FROM claim_episodes AS e{IDX}",
	.order = " ORDER BY e.id LIMIT ?7 OFFSET ?8",
	.filters = episode_filters,
	.n_filters = 3,
	.rules = episode_rules,
	.n_rules = 3,
};

static unsigned
episode_mask(const claims_episode_query *q)
{
	return (q->claim_id ? 1u << E_CLAIM : 0) | (q->remittance_id ? 1u << E_REMIT : 0) |
	       (q->status ? 1u << E_STATUS : 0);
}

static void
bind_episode_query(sqlite3_stmt *s, const void *query)
{
	const claims_episode_query *q = query;

	if (q->claim_id)
		sqlite3_bind_int64(s, 1, q->claim_id);
	if (q->remittance_id)
		sqlite3_bind_int64(s, 2, q->remittance_id);
	if (q->status)
		sqlite3_bind_text(s, 3, q->status, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

int
claims_episode_count(int64_t *out, claims_db *db, const claims_episode_query *q)
{
	const struct claims__sql_pair *sql;

	if (!out || !db || !q)
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__episode_route, episode_mask(q));
	if (!sql)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return claims__run_count(db, sql->count, bind_episode_query, q, out);
}

int
claims_episode_list_get(claims_episode_list **out, claims_db *db, const claims_episode_query *q,
			const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_episode_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__episode_route, episode_mask(q));
	l = claims__list_model_run(db, sql, bind_episode_query, q, known_total, sizeof(*l),
				   sizeof(claims_episode), row_episode, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

int
claims_episode_get(claims_episode **out, claims_db *db, int64_t id)
{
	static const char sql[] = "SELECT " EPISODE_COLS " FROM claim_episodes AS e WHERE e.id = ?1";

	if (!out || !db)
		return CLAIMS_EINVAL;
	return get_model(db, (void **)out, sizeof(claims_episode), sql, id, row_episode, "Episode");
}

/* ------------------------------------------------------------------ */
/* Payers                                                              */

#define PAYER_COLS                                                                          \
	"p.id, p.payer_id, p.name, p.payer_type, p.rules_config, "                           \
	"(SELECT count(*) FROM claims AS c INDEXED BY ix_claims_payer_id WHERE c.payer_id = p.id), " \
	"(SELECT count(*) FROM remittances AS r INDEXED BY ix_remittances_payer_id "           \
	"WHERE r.payer_id = p.id), p.created_at"

static bool
row_payer(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_payer *p = item;
	bool oom = false;

	p->id = sqlite3_column_int64(s, 0);
	p->payer_id = claims__col_text(a, s, 1, &oom);
	p->name = claims__col_text(a, s, 2, &oom);
	p->payer_type = claims__col_text(a, s, 3, &oom);
	p->rules_config_json = claims__col_text(a, s, 4, &oom);
	p->claim_count = sqlite3_column_int64(s, 5);
	p->remittance_count = sqlite3_column_int64(s, 6);
	p->created_at = claims__col_text(a, s, 7, &oom);
	return !oom;
}

/* q is a substring of the name in any (ASCII) case, '%' and '_' literal;
 * no index serves a substring, and the payers table is small. */
static const struct claims__filter_def payer_filters[] = {
	{ "instr(lower(p.name), lower(?1)) > 0" },
};

struct claims__route_sql claims__payer_route = {
	.select = "SELECT " PAYER_COLS " FROM payers AS p{IDX}",
	.count_from = "SELECT count(*) FROM payers AS p{IDX}",
	.order = " ORDER BY p.id LIMIT ?7 OFFSET ?8",
	.filters = payer_filters,
	.n_filters = 1,
};

static void
bind_payer_query(sqlite3_stmt *s, const void *query)
{
	const claims_payer_query *q = query;

	if (q->q)
		sqlite3_bind_text(s, 1, q->q, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

int
claims_payer_count(int64_t *out, claims_db *db, const claims_payer_query *q)
{
	const struct claims__sql_pair *sql;

	if (!out || !db || !q)
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__payer_route, q->q ? 1u : 0u);
	if (!sql)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return claims__run_count(db, sql->count, bind_payer_query, q, out);
}

int
claims_payer_list_get(claims_payer_list **out, claims_db *db, const claims_payer_query *q,
		      const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_payer_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__payer_route, q->q ? 1u : 0u);
	l = claims__list_model_run(db, sql, bind_payer_query, q, known_total, sizeof(*l),
				   sizeof(claims_payer), row_payer, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

int
claims_payer_get(claims_payer **out, claims_db *db, int64_t id)
{
	static const char sql[] = "SELECT " PAYER_COLS " FROM payers AS p WHERE p.id = ?1";

	if (!out || !db)
		return CLAIMS_EINVAL;
	return get_model(db, (void **)out, sizeof(claims_payer), sql, id, row_payer, "Payer");
}

int
claims_payer_rules_check(claims_db *db, const char *json)
{
	/* One row: the first problem found, or NULL. */
	static const char sql[] =
		"SELECT CASE "
		"WHEN NOT json_valid(?1) THEN 'rules must be valid JSON' "
		"WHEN json_type(?1) <> 'object' THEN 'rules must be a JSON object' "
		"WHEN coalesce(json_type(?1, '$.allowed_frequency_types'), 'array') <> 'array' "
		"  OR EXISTS (SELECT 1 FROM json_each(?1, '$.allowed_frequency_types') WHERE type <> 'text') "
		"  THEN 'allowed_frequency_types must be an array of strings' "
		"WHEN coalesce(json_type(?1, '$.restricted_facility_types'), 'array') <> 'array' "
		"  OR EXISTS (SELECT 1 FROM json_each(?1, '$.restricted_facility_types') WHERE type <> 'text') "
		"  THEN 'restricted_facility_types must be an array of strings' "
		"WHEN coalesce(json_type(?1, '$.prior_auth_procedure_codes'), 'array') <> 'array' "
		"  OR EXISTS (SELECT 1 FROM json_each(?1, '$.prior_auth_procedure_codes') WHERE type <> 'text') "
		"  THEN 'prior_auth_procedure_codes must be an array of strings' "
		"WHEN json_type(?1, '$.timely_filing_days') IS NOT NULL AND "
		"  (json_type(?1, '$.timely_filing_days') <> 'integer' OR "
		"   json_extract(?1, '$.timely_filing_days') NOT BETWEEN 1 AND 3650) "
		"  THEN 'timely_filing_days must be an integer between 1 and 3650' "
		"END";
	sqlite3_stmt *s;
	int rc;

	if (!db || !json)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *problem = (const char *)sqlite3_column_text(s, 0);

		rc = problem ? claims__set_error(db, CLAIMS_EINVAL, "%s", problem) : CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "checking rules");
	}
	sqlite3_reset(s);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

int
claims_payer_set_rules(claims_db *db, int64_t id, const char *json)
{
	static const char upd[] = "UPDATE payers SET rules_config = json(?2), updated_at = " NOW
				  " WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	if (!db || !json)
		return CLAIMS_EINVAL;
	rc = claims_payer_rules_check(db, json);
	if (rc < 0)
		return rc;
	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = claims__stmt(&s, db, upd);
	if (rc < 0)
		goto rollback;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, json, -1, SQLITE_STATIC);
	rc = claims__step_done(db, s, "storing payer rules");
	if (rc < 0)
		goto rollback;
	if (sqlite3_changes(db->sql) == 0) {
		rc = claims__not_found(db, "Payer", id);
		goto rollback;
	}
	claims__inval_key(db, "payer", id);
	/* Servers learn of new rules through the write epoch (cache.md §6),
	 * whatever the handle's options; claims__commit() bumps it otherwise. */
	if (!db->opts.bump_write_epoch) {
		rc = claims__store_meta_bump_write_epoch(db);
		if (rc < 0)
			goto rollback;
	}
	rc = claims__commit(db);
	if (rc < 0)
		goto rollback;
	claims__clear_error(db);
	return CLAIMS_OK;
rollback:
	claims__rollback(db);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Parser logs                                                         */

#define LOG_COLS                                                                            \
	"l.id, l.ingest_file_id, l.file_name, l.file_type, l.log_level, l.segment_type, "     \
	"l.issue_type, l.message, l.details, l.claim_control_number, l.practice_id, "         \
	"l.claim_id, l.remittance_id, l.created_at"

static bool
row_log(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_parser_log *l = item;
	bool oom = false;

	l->id = sqlite3_column_int64(s, 0);
	l->ingest_file_id = claims__col_id(s, 1);
	l->file_name = claims__col_text(a, s, 2, &oom);
	l->file_type = claims__col_text(a, s, 3, &oom);
	l->log_level = claims__col_text(a, s, 4, &oom);
	l->segment_type = claims__col_text(a, s, 5, &oom);
	l->issue_type = claims__col_text(a, s, 6, &oom);
	l->message = claims__col_text(a, s, 7, &oom);
	l->details_json = claims__col_text(a, s, 8, &oom);
	l->claim_control_number = claims__col_text(a, s, 9, &oom);
	l->practice_id = claims__col_text(a, s, 10, &oom);
	l->claim_id = claims__col_id(s, 11);
	l->remittance_id = claims__col_id(s, 12);
	l->created_at = claims__col_text(a, s, 13, &oom);
	return !oom;
}

enum { L_FILE, L_LEVEL, L_ISSUE, L_CLAIM, L_REMIT };

static const struct claims__filter_def log_filters[] = {
	{ "l.ingest_file_id = ?1" },
	{ "l.log_level = ?2" },
	{ "l.issue_type = ?3" },
	{ "l.claim_id = ?4" },
	{ "l.remittance_id = ?5" },
};

/* Most selective first: one file, one claim, one remittance, then an issue
 * code, then a level (sql/0009). */
static const struct claims__index_rule log_rules[] = {
	{ 1u << L_FILE, "ix_parser_logs_ingest_file_id" },
	{ 1u << L_CLAIM, "ix_parser_logs_claim_id" },
	{ 1u << L_REMIT, "ix_parser_logs_remittance_id" },
	{ 1u << L_ISSUE, "ix_parser_logs_issue_type" },
	{ 1u << L_LEVEL, "ix_parser_logs_log_level" },
};

struct claims__route_sql claims__log_route = {
	.select = "SELECT " LOG_COLS " FROM parser_logs AS l{IDX}",
	.count_from = "SELECT count(*) FROM parser_logs AS l{IDX}",
	.order = " ORDER BY l.id DESC LIMIT ?7 OFFSET ?8",
	.filters = log_filters,
	.n_filters = 5,
	.rules = log_rules,
	.n_rules = sizeof(log_rules) / sizeof(*log_rules),
};

static unsigned
log_mask(const claims_parser_log_query *q)
{
	return (q->ingest_file_id ? 1u << L_FILE : 0) | (q->log_level ? 1u << L_LEVEL : 0) |
	       (q->issue_type ? 1u << L_ISSUE : 0) | (q->claim_id ? 1u << L_CLAIM : 0) |
	       (q->remittance_id ? 1u << L_REMIT : 0);
}

static void
bind_log_query(sqlite3_stmt *s, const void *query)
{
	const claims_parser_log_query *q = query;

	if (q->ingest_file_id)
		sqlite3_bind_int64(s, 1, q->ingest_file_id);
	if (q->log_level)
		sqlite3_bind_text(s, 2, q->log_level, -1, SQLITE_STATIC);
	if (q->issue_type)
		sqlite3_bind_text(s, 3, q->issue_type, -1, SQLITE_STATIC);
	if (q->claim_id)
		sqlite3_bind_int64(s, 4, q->claim_id);
	if (q->remittance_id)
		sqlite3_bind_int64(s, 5, q->remittance_id);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

int
claims_parser_log_count(int64_t *out, claims_db *db, const claims_parser_log_query *q)
{
	const struct claims__sql_pair *sql;

	if (!out || !db || !q)
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__log_route, log_mask(q));
	if (!sql)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return claims__run_count(db, sql->count, bind_log_query, q, out);
}

int
claims_parser_log_list_get(claims_parser_log_list **out, claims_db *db,
			   const claims_parser_log_query *q, const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_parser_log_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__log_route, log_mask(q));
	l = claims__list_model_run(db, sql, bind_log_query, q, known_total, sizeof(*l),
				   sizeof(claims_parser_log), row_log, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

/* ------------------------------------------------------------------ */
/* Ingest files                                                        */

#define FILE_COLS                                                                           \
	"f.id, f.sha256, f.filename, f.size_bytes, f.detected_type, f.mode, f.status, "       \
	"f.error_code, f.error_message, f.counts, f.issue_count, f.attempt_count, "           \
	"f.practice_id, f.received_at, f.completed_at, f.created_at, f.updated_at"

static bool
row_file(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_file *f = item;
	bool oom = false;

	f->id = sqlite3_column_int64(s, 0);
	f->sha256 = claims__col_text(a, s, 1, &oom);
	f->filename = claims__col_text(a, s, 2, &oom);
	f->size_bytes = sqlite3_column_int64(s, 3);
	f->detected_type = claims__col_text(a, s, 4, &oom);
	f->mode = claims__col_text(a, s, 5, &oom);
	f->status = claims__col_text(a, s, 6, &oom);
	f->error_code = claims__col_text(a, s, 7, &oom);
	f->error_message = claims__col_text(a, s, 8, &oom);
	f->counts_json = claims__col_text(a, s, 9, &oom);
	f->issue_count = sqlite3_column_int64(s, 10);
	f->attempt_count = sqlite3_column_int64(s, 11);
	f->practice_id = claims__col_text(a, s, 12, &oom);
	f->received_at = claims__col_text(a, s, 13, &oom);
	f->completed_at = claims__col_text(a, s, 14, &oom);
	f->created_at = claims__col_text(a, s, 15, &oom);
	f->updated_at = claims__col_text(a, s, 16, &oom);
	return !oom;
}

static struct claims__route_sql file_sql = {
	.select = "SELECT " FILE_COLS " FROM ingest_files AS f{IDX}",
	.count_from = "SELECT count(*) FROM ingest_files AS f{IDX}",
	.order = " ORDER BY f.id DESC LIMIT ?7 OFFSET ?8",
	.n_filters = 0,
};

static void
bind_page(sqlite3_stmt *s, const void *query)
{
	const claims_page *p = query;

	sqlite3_bind_int64(s, 7, p->limit);
	sqlite3_bind_int64(s, 8, p->skip);
}

int
claims_file_list_get(claims_file_list **out, claims_db *db, const claims_page *page)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_file_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !page || !claims__page_valid(page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&file_sql, 0);
	l = claims__list_model_run(db, sql, bind_page, page, NULL, sizeof(*l),
				   sizeof(claims_file), row_file, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, *page);
	*out = l;
	return CLAIMS_OK;
}

int
claims_file_get(claims_file **out, claims_db *db, int64_t id)
{
	static const char sql[] = "SELECT " FILE_COLS " FROM ingest_files AS f WHERE f.id = ?1";

	if (!out || !db)
		return CLAIMS_EINVAL;
	return get_model(db, (void **)out, sizeof(claims_file), sql, id, row_file, "File");
}
