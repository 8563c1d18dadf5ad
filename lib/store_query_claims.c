/*
 * libclaims store: reading claims (spec/api.md §4.3): a claim with its
 * diagnoses and lines, filtered pages, unlinked claims.  Patient names, DOB
 * and member ids are never selected.
 */
#include "config.h"

#include <string.h>

#include "query.h"
#include "store.h"

#define SUMMARY_COLS                                                                        \
	"c.id, c.claim_control_number, c.patient_control_number, c.total_charge_cents, "     \
	"c.status, c.is_incomplete, c.payer_id, c.service_date, c.created_at"

/* Filters in bit order; parameters ?1..?6, page ?7 (limit) ?8 (skip). */
enum { F_STATUS, F_PAYER, F_PROVIDER, F_PRACTICE, F_FROM, F_TO };

static const struct claims__filter_def claim_filters[] = {
	{ "c.status = ?1" },
	{ "c.payer_id = ?2" },
	{ "c.provider_id = ?3" },
	{ "c.practice_id = ?4" },
	{ "c.service_date >= ?5" },
	{ "c.service_date <= ?6" },
};

/* First match wins: equality indexes keep id order (no sort). */
static const struct claims__index_rule claim_rules[] = {
	{ 1u << F_PAYER | 1u << F_STATUS, "ix_claims_payer_status" },
	{ 1u << F_PAYER, "ix_claims_payer_id" },
	{ 1u << F_PROVIDER, "ix_claims_provider_id" },
	{ 1u << F_PRACTICE, "ix_claims_practice_id" },
	{ 1u << F_STATUS, "ix_claims_status" },
	{ 1u << F_FROM, "ix_claims_service_date" },
	{ 1u << F_TO, "ix_claims_service_date" },
};

struct claims__route_sql claims__claim_route = {
	.select = "SELECT " SUMMARY_COLS " FROM claims AS c{IDX}",
	.count_from = "SELECT count(*) FROM claims AS c{IDX}",
	.order = " ORDER BY c.id LIMIT ?7 OFFSET ?8",
	.filters = claim_filters,
	.n_filters = 6,
	.rules = claim_rules,
	.n_rules = sizeof(claim_rules) / sizeof(claim_rules[0]),
};

static unsigned
claim_mask(const claims_claim_query *q)
{
	unsigned m = 0;

	if (q->status)
		m |= 1u << F_STATUS;
	if (q->payer_id)
		m |= 1u << F_PAYER;
	if (q->provider_id)
		m |= 1u << F_PROVIDER;
	if (q->practice_id)
		m |= 1u << F_PRACTICE;
	if (q->service_date_from[0])
		m |= 1u << F_FROM;
	if (q->service_date_to[0])
		m |= 1u << F_TO;
	return m;
}

static void
bind_claim_query(sqlite3_stmt *s, const void *query)
{
	const claims_claim_query *q = query;

	if (q->status)
		sqlite3_bind_text(s, 1, q->status, -1, SQLITE_STATIC);
	if (q->payer_id)
		sqlite3_bind_int64(s, 2, q->payer_id);
	if (q->provider_id)
		sqlite3_bind_int64(s, 3, q->provider_id);
	if (q->practice_id)
		sqlite3_bind_text(s, 4, q->practice_id, -1, SQLITE_STATIC);
	if (q->service_date_from[0])
		sqlite3_bind_text(s, 5, q->service_date_from, -1, SQLITE_STATIC);
	if (q->service_date_to[0])
		sqlite3_bind_text(s, 6, q->service_date_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

/* Columns 0..8 of SUMMARY_COLS. */
static bool
read_summary(struct claims__arena *a, sqlite3_stmt *s, claims_claim_summary *c)
{
	bool oom = false;

	c->id = sqlite3_column_int64(s, 0);
	c->claim_control_number = claims__col_text(a, s, 1, &oom);
	c->patient_control_number = claims__col_text(a, s, 2, &oom);
	c->total_charge = claims__col_amount(s, 3);
	c->status = claims__col_text(a, s, 4, &oom);
	c->is_incomplete = sqlite3_column_int(s, 5) != 0;
	c->payer_id = claims__col_id(s, 6);
	c->service_date = claims__col_text(a, s, 7, &oom);
	c->created_at = claims__col_text(a, s, 8, &oom);
	return !oom;
}

static bool
row_summary(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	return read_summary(a, s, item);
}

static bool
row_unlinked(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	claims_claim_summary *c = item;
	bool oom = false;

	if (!read_summary(a, s, c))
		return false;
	c->payer_name = claims__col_text(a, s, 9, &oom);
	return !oom;
}

int
claims_claim_count(int64_t *out, claims_db *db, const claims_claim_query *q)
{
	const struct claims__sql_pair *sql;

	if (!out || !db || !q)
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__claim_route, claim_mask(q));
	if (!sql)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return claims__run_count(db, sql->count, bind_claim_query, q, out);
}

int
claims_claim_list_get(claims_claim_list **out, claims_db *db, const claims_claim_query *q,
		      const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_claim_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__claim_route, claim_mask(q));
	l = claims__list_model_run(db, sql, bind_claim_query, q, known_total, sizeof(*l),
				   sizeof(claims_claim_summary), row_summary, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

/* ---- unlinked claims: the outer scan of claims in id order is allowed
 * (spec/schema.md §4); the NOT EXISTS probe uses ix_claim_episodes_claim_id. */

#define UNLINKED_WHERE                                                                      \
	" WHERE c.status <> 'void' AND NOT EXISTS (SELECT 1 FROM claim_episodes AS e "       \
	"INDEXED BY ix_claim_episodes_claim_id WHERE e.claim_id = c.id)"

static void
bind_page(sqlite3_stmt *s, const void *query)
{
	const claims_page *p = query;

	sqlite3_bind_int64(s, 7, p->limit);
	sqlite3_bind_int64(s, 8, p->skip);
}

const struct claims__sql_pair claims__unlinked_sql = {
	"SELECT " SUMMARY_COLS ", p.name FROM claims AS c LEFT JOIN payers AS p ON p.id = c.payer_id"
	UNLINKED_WHERE " ORDER BY c.id LIMIT ?7 OFFSET ?8",
	"SELECT count(*) FROM claims AS c" UNLINKED_WHERE,
};

int
claims_unlinked_count(int64_t *out, claims_db *db)
{
	claims_page p = { 0, 1 };

	if (!out || !db)
		return CLAIMS_EINVAL;
	return claims__run_count(db, claims__unlinked_sql.count, bind_page, &p, out);
}

int
claims_unlinked_list_get(claims_claim_list **out, claims_db *db, const claims_page *page,
			 const int64_t *known_total)
{
	struct claims__list_run run;
	claims_claim_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !page || !claims__page_valid(page))
		return CLAIMS_EINVAL;
	l = claims__list_model_run(db, &claims__unlinked_sql, bind_page, page, known_total, sizeof(*l),
				   sizeof(claims_claim_summary), row_unlinked, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, *page);
	*out = l;
	return CLAIMS_OK;
}

/* ---- one claim */

static const char *
qualifier_desc(const char *role)
{
	static const struct {
		const char *role, *desc;
	} map[] = {
		{ "principal", "Principal Diagnosis" },
		{ "other", "Other Diagnosis" },
		{ "admitting", "Admitting Diagnosis" },
		{ "reason_for_visit", "Patient Reason for Visit" },
		{ "external_cause", "External Cause of Injury" },
		{ "principal_procedure", "Principal Procedure" },
		{ "other_procedure", "Other Procedure" },
		{ "occurrence", "Occurrence" },
		{ "occurrence_span", "Occurrence Span" },
		{ "value", "Value" },
		{ "condition", "Condition" },
		{ "drg", "Diagnosis Related Group" },
		{ "treatment", "Treatment Code" },
	};

	for (size_t i = 0; role && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].role, role) == 0)
			return map[i].desc;
	return "Unknown";
}

static int
read_claim_row(claims_db *db, struct claims__arena *a, claims_claim *c, int64_t id, bool *found)
{
	static const char sql[] =
		"SELECT " SUMMARY_COLS ", c.transaction_type, c.provider_id, p.name, c.practice_id, "
		"c.facility_type_code, c.facility_code_qualifier, c.claim_frequency_type, "
		"c.assignment_code, c.statement_date, c.statement_date_to, c.admission_date, "
		"c.discharge_date, c.service_date_to, c.original_reference_number, "
		"c.principal_diagnosis, c.billing_provider_npi, c.rendering_provider_npi, "
		"c.attending_provider_npi, c.operating_provider_npi, c.referring_provider_npi, "
		"c.parsing_warnings, c.version, c.submission_count, c.updated_at, "
		"(SELECT e.id FROM claim_episodes AS e JOIN remittances AS r ON r.id = e.remittance_id "
		" WHERE e.claim_id = c.id AND e.status NOT IN ('pending', 'reversed') "
		" AND coalesce(r.claim_status_code, '') NOT IN ('22', '25') "
		" ORDER BY r.payment_date DESC, r.id DESC LIMIT 1) "
		"FROM claims AS c LEFT JOIN payers AS p ON p.id = c.payer_id WHERE c.id = ?1";
	sqlite3_stmt *s;
	bool oom = false;
	int rc, i = 9;

	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a claim", found);
	if (rc < 0 || !*found)
		return rc;
	if (!read_summary(a, s, &c->summary))
		oom = true;
	c->transaction_type = claims__col_text(a, s, i++, &oom);
	c->provider_id = claims__col_id(s, i++);
	c->payer_name = claims__col_text(a, s, i++, &oom);
	c->practice_id = claims__col_text(a, s, i++, &oom);
	c->facility_type_code = claims__col_text(a, s, i++, &oom);
	c->facility_code_qualifier = claims__col_text(a, s, i++, &oom);
	c->claim_frequency_type = claims__col_text(a, s, i++, &oom);
	c->assignment_code = claims__col_text(a, s, i++, &oom);
	c->statement_date = claims__col_text(a, s, i++, &oom);
	c->statement_date_to = claims__col_text(a, s, i++, &oom);
	c->admission_date = claims__col_text(a, s, i++, &oom);
	c->discharge_date = claims__col_text(a, s, i++, &oom);
	c->service_date_to = claims__col_text(a, s, i++, &oom);
	c->original_reference_number = claims__col_text(a, s, i++, &oom);
	c->principal_diagnosis = claims__col_text(a, s, i++, &oom);
	c->billing_provider_npi = claims__col_text(a, s, i++, &oom);
	c->rendering_provider_npi = claims__col_text(a, s, i++, &oom);
	c->attending_provider_npi = claims__col_text(a, s, i++, &oom);
	c->operating_provider_npi = claims__col_text(a, s, i++, &oom);
	c->referring_provider_npi = claims__col_text(a, s, i++, &oom);
	c->parsing_warnings_json = claims__col_text(a, s, i++, &oom);
	c->version = sqlite3_column_int64(s, i++);
	c->submission_count = sqlite3_column_int64(s, i++);
	c->updated_at = claims__col_text(a, s, i++, &oom);
	c->current_episode_id = claims__col_id(s, i++);
	sqlite3_reset(s);
	return oom ? claims__set_error(db, CLAIMS_ENOMEM, "out of memory") : CLAIMS_OK;
}

static int
read_diagnoses(claims_db *db, struct claims__arena *a, claims_claim *c)
{
	static const char sql[] =
		"SELECT sequence, qualifier, code, code_system, role, is_valid, poa, "
		"diagnosis_pointer FROM claim_diagnoses WHERE claim_id = ?1 ORDER BY sequence";
	size_t cap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, c->summary.id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_diagnosis *d = claims__model_push(a, (void **)&c->diagnoses, &c->n_diagnoses,
							 &cap, sizeof(*d));

		if (!d) {
			oom = true;
			break;
		}
		d->sequence = sqlite3_column_int64(s, 0);
		d->qualifier = claims__col_text(a, s, 1, &oom);
		d->code = claims__col_text(a, s, 2, &oom);
		d->code_system = claims__col_text(a, s, 3, &oom);
		d->role = claims__col_text(a, s, 4, &oom);
		d->qualifier_desc = qualifier_desc(d->role);
		d->is_valid = sqlite3_column_int(s, 5) != 0;
		d->poa = claims__col_text(a, s, 6, &oom);
		d->diagnosis_pointer = claims__col_id(s, 7);
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading diagnoses");
}

static int
read_lines(claims_db *db, struct claims__arena *a, claims_claim *c)
{
	static const char sql[] =
		"SELECT id, line_number, revenue_code, procedure_qualifier, procedure_code, "
		"procedure_modifier, modifiers, charge_cents, unit_type, unit_count, place_of_service, "
		"diagnosis_pointers, service_date, service_date_to, line_item_control_number, "
		"procedure_code_valid FROM claim_lines WHERE claim_id = ?1 ORDER BY line_number";
	size_t cap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, c->summary.id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_claim_line *l = claims__model_push(a, (void **)&c->lines, &c->n_lines, &cap,
							  sizeof(*l));

		if (!l) {
			oom = true;
			break;
		}
		l->id = sqlite3_column_int64(s, 0);
		l->line_number = sqlite3_column_int64(s, 1);
		l->revenue_code = claims__col_text(a, s, 2, &oom);
		l->procedure_qualifier = claims__col_text(a, s, 3, &oom);
		l->procedure_code = claims__col_text(a, s, 4, &oom);
		l->procedure_modifier = claims__col_text(a, s, 5, &oom);
		l->modifiers_json = claims__col_text(a, s, 6, &oom);
		l->charge = claims__col_amount(s, 7);
		l->unit_type = claims__col_text(a, s, 8, &oom);
		l->has_unit_count = sqlite3_column_type(s, 9) != SQLITE_NULL;
		l->unit_count = sqlite3_column_double(s, 9);
		l->place_of_service = claims__col_text(a, s, 10, &oom);
		l->diagnosis_pointers_json = claims__col_text(a, s, 11, &oom);
		l->service_date = claims__col_text(a, s, 12, &oom);
		l->service_date_to = claims__col_text(a, s, 13, &oom);
		l->line_item_control_number = claims__col_text(a, s, 14, &oom);
		l->procedure_code_valid = sqlite3_column_type(s, 15) == SQLITE_NULL
						  ? -1
						  : sqlite3_column_int(s, 15) != 0;
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading claim lines");
}

int
claims_claim_get(claims_claim **out, claims_db *db, int64_t id)
{
	struct claims__arena *a;
	claims_claim *c;
	bool found = false;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return CLAIMS_EINVAL;
	if (id < 1)
		return claims__not_found(db, "Claim", id);
	c = claims__model_new(sizeof(*c));
	if (!c)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	a = claims__model_arena(c);
	rc = claims__read_begin(db);
	if (rc < 0)
		goto fail;
	rc = read_claim_row(db, a, c, id, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__not_found(db, "Claim", id);
	if (rc == CLAIMS_OK)
		rc = read_diagnoses(db, a, c);
	if (rc == CLAIMS_OK)
		rc = read_lines(db, a, c);
	claims__read_end(db);
	if (rc < 0)
		goto fail;
	claims__clear_error(db);
	*out = c;
	return CLAIMS_OK;
fail:
	claims__model_free(c);
	return rc;
}

int
claims_practice_check(claims_db *db, const char *practice_id, const char *where, const char *name,
		      claims_validation *v)
{
	static const char sql[] = "SELECT 1 FROM practice_configs WHERE practice_id = ?1";
	sqlite3_stmt *s;
	int rc;

	if (!db)
		return CLAIMS_EINVAL;
	if (!practice_id)
		return CLAIMS_OK;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, practice_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		rc = CLAIMS_OK;
	} else if (rc == SQLITE_DONE) {
		if (v && v->count < CLAIMS_VALIDATION_MAX) {
			v->errors[v->count].where = where ? where : "query";
			v->errors[v->count].name = name ? name : "practice_id";
			v->errors[v->count].type = "enum";
			v->errors[v->count].msg = "must be a configured practice";
			v->count++;
		}
		rc = claims__set_error(db, CLAIMS_EINVAL, "practice '%s' is not configured",
				       practice_id);
	} else {
		rc = claims__sqlite_error(db, rc, "looking up a practice");
	}
	sqlite3_reset(s);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}
