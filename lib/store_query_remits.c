/*
 * libclaims store: reading remittances (spec/api.md §4.4): a remittance with
 * its service lines and adjustments, the derived denial reasons (spec/
 * engine.md §1.3) and filtered pages.  Patient names and member ids are
 * never selected.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "store.h"

#define SUMMARY_COLS                                                                         \
	"r.id, r.payer_claim_control_number, r.claim_control_number, "                        \
	"coalesce(r.payer_name, p.name), r.payment_amount_cents, r.claim_status_code, "       \
	"r.payment_date, r.status, r.created_at"
#define FROM_REMITS " FROM remittances AS r{IDX} JOIN payers AS p ON p.id = r.payer_id"

enum { F_STATUS, F_PAYER, F_CCN, F_FROM, F_TO };

static const struct claims__filter_def remit_filters[] = {
	{ "r.status = ?1" },
	{ "r.payer_id = ?2" },
	{ "r.claim_control_number = ?3" },
	{ "r.payment_date >= ?4" },
	{ "r.payment_date <= ?5" },
};

static const struct claims__index_rule remit_rules[] = {
	{ 1u << F_CCN, "ix_remittances_claim_control_number" },
	{ 1u << F_PAYER | 1u << F_FROM, "ix_remittances_payer_payment_date" },
	{ 1u << F_PAYER | 1u << F_TO, "ix_remittances_payer_payment_date" },
	{ 1u << F_PAYER, "ix_remittances_payer_id" },
	{ 1u << F_STATUS, "ix_remittances_status" },
	{ 1u << F_FROM, "ix_remittances_payment_date" },
	{ 1u << F_TO, "ix_remittances_payment_date" },
};

struct claims__route_sql claims__remit_route = {
	.select = "SELECT " SUMMARY_COLS FROM_REMITS,
	.count_from = "SELECT count(*) FROM remittances AS r{IDX}",
	.order = " ORDER BY r.id LIMIT ?7 OFFSET ?8",
	.filters = remit_filters,
	.n_filters = 5,
	.rules = remit_rules,
	.n_rules = sizeof(remit_rules) / sizeof(remit_rules[0]),
};

static unsigned
remit_mask(const claims_remit_query *q)
{
	unsigned m = 0;

	if (q->status)
		m |= 1u << F_STATUS;
	if (q->payer_id)
		m |= 1u << F_PAYER;
	if (q->claim_control_number)
		m |= 1u << F_CCN;
	if (q->payment_date_from[0])
		m |= 1u << F_FROM;
	if (q->payment_date_to[0])
		m |= 1u << F_TO;
	return m;
}

static void
bind_remit_query(sqlite3_stmt *s, const void *query)
{
	const claims_remit_query *q = query;

	if (q->status)
		sqlite3_bind_text(s, 1, q->status, -1, SQLITE_STATIC);
	if (q->payer_id)
		sqlite3_bind_int64(s, 2, q->payer_id);
	if (q->claim_control_number)
		sqlite3_bind_text(s, 3, q->claim_control_number, -1, SQLITE_STATIC);
	if (q->payment_date_from[0])
		sqlite3_bind_text(s, 4, q->payment_date_from, -1, SQLITE_STATIC);
	if (q->payment_date_to[0])
		sqlite3_bind_text(s, 5, q->payment_date_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

static bool
read_summary(struct claims__arena *a, sqlite3_stmt *s, claims_remit_summary *r)
{
	bool oom = false;

	r->id = sqlite3_column_int64(s, 0);
	r->remittance_control_number = claims__col_text(a, s, 1, &oom);
	r->claim_control_number = claims__col_text(a, s, 2, &oom);
	r->payer_name = claims__col_text(a, s, 3, &oom);
	r->payment = claims__col_amount(s, 4);
	r->claim_status_code = claims__col_text(a, s, 5, &oom);
	r->payment_date = claims__col_text(a, s, 6, &oom);
	r->status = claims__col_text(a, s, 7, &oom);
	r->created_at = claims__col_text(a, s, 8, &oom);
	return !oom;
}

static bool
row_summary(struct claims__arena *a, sqlite3_stmt *s, void *item)
{
	return read_summary(a, s, item);
}

int
claims_remit_count(int64_t *out, claims_db *db, const claims_remit_query *q)
{
	const struct claims__sql_pair *sql;

	if (!out || !db || !q)
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__remit_route, remit_mask(q));
	if (!sql)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return claims__run_count(db, sql->count, bind_remit_query, q, out);
}

int
claims_remit_list_get(claims_remit_list **out, claims_db *db, const claims_remit_query *q,
		      const int64_t *known_total)
{
	const struct claims__sql_pair *sql;
	struct claims__list_run run;
	claims_remit_list *l;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db || !q || !claims__page_valid(&q->page))
		return CLAIMS_EINVAL;
	sql = claims__route_sql_get(&claims__remit_route, remit_mask(q));
	l = claims__list_model_run(db, sql, bind_remit_query, q, known_total, sizeof(*l),
				   sizeof(claims_remit_summary), row_summary, &run, &rc);
	if (!l)
		return rc;
	CLAIMS__LIST_FROM_RUN(l, run, q->page);
	*out = l;
	return CLAIMS_OK;
}

/* ---- one remittance */

/* spec/x12.md §7.2: the meaning of CLP02. */
static const char *
status_desc(const char *code)
{
	static const struct {
		const char *code, *desc;
	} map[] = {
		{ "1", "processed as primary" },
		{ "2", "processed as secondary" },
		{ "3", "processed as tertiary" },
		{ "4", "denied" },
		{ "19", "processed as primary, forwarded to additional payer(s)" },
		{ "20", "processed as secondary, forwarded to additional payer(s)" },
		{ "21", "processed as tertiary, forwarded to additional payer(s)" },
		{ "22", "reversal of previous payment" },
		{ "23", "not our claim, forwarded to additional payer(s)" },
		{ "25", "predetermination pricing only, no payment" },
	};

	for (size_t i = 0; code && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].code, code) == 0)
			return map[i].desc;
	return NULL;
}

static int
read_remit_row(claims_db *db, struct claims__arena *a, claims_remit *r, int64_t id, bool *found)
{
	static const char sql[] =
		"SELECT " SUMMARY_COLS ", r.payer_id, r.payer_claim_control_number, r.check_number, "
		"r.claim_charge_cents, r.patient_responsibility_cents, r.remark_codes, "
		"r.parsing_warnings, r.updated_at, "
		"(SELECT e.id FROM claim_episodes AS e WHERE e.remittance_id = r.id) "
		"FROM remittances AS r JOIN payers AS p ON p.id = r.payer_id WHERE r.id = ?1";
	sqlite3_stmt *s;
	bool oom = false;
	int rc, i = 9;

	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a remittance", found);
	if (rc < 0 || !*found)
		return rc;
	if (!read_summary(a, s, &r->summary))
		oom = true;
	r->payer_id = sqlite3_column_int64(s, i++);
	r->payer_claim_control_number = claims__col_text(a, s, i++, &oom);
	r->check_number = claims__col_text(a, s, i++, &oom);
	r->claim_charge = claims__col_amount(s, i++);
	r->patient_responsibility = claims__col_amount(s, i++);
	r->remark_codes_json = claims__col_text(a, s, i++, &oom);
	r->parsing_warnings_json = claims__col_text(a, s, i++, &oom);
	r->updated_at = claims__col_text(a, s, i++, &oom);
	r->episode_id = claims__col_id(s, i++);
	r->claim_status_desc = status_desc(r->summary.claim_status_code);
	sqlite3_reset(s);
	return oom ? claims__set_error(db, CLAIMS_ENOMEM, "out of memory") : CLAIMS_OK;
}

static int
read_service_lines(claims_db *db, struct claims__arena *a, claims_remit *r, int64_t **ids)
{
	static const char sql[] =
		"SELECT id, line_number, procedure_qualifier, procedure_code, modifiers, revenue_code, "
		"charge_cents, paid_cents, allowed_cents, units, service_date, "
		"line_item_control_number, remark_codes FROM remittance_service_lines "
		"WHERE remittance_id = ?1 ORDER BY line_number";
	size_t cap = 0, idcap = 0, nids = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	*ids = NULL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->summary.id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_service_line *l = claims__model_push(a, (void **)&r->service_lines,
							    &r->n_service_lines, &cap, sizeof(*l));
		int64_t *idp = claims__model_push(a, (void **)ids, &nids, &idcap, sizeof(int64_t));

		if (!l || !idp) {
			oom = true;
			break;
		}
		*idp = sqlite3_column_int64(s, 0);
		l->line_number = sqlite3_column_int64(s, 1);
		l->procedure_qualifier = claims__col_text(a, s, 2, &oom);
		l->procedure_code = claims__col_text(a, s, 3, &oom);
		l->modifiers_json = claims__col_text(a, s, 4, &oom);
		l->revenue_code = claims__col_text(a, s, 5, &oom);
		l->charge = claims__col_amount(s, 6);
		l->payment = claims__col_amount(s, 7);
		l->allowed = claims__col_amount(s, 8);
		l->has_units = sqlite3_column_type(s, 9) != SQLITE_NULL;
		l->units = sqlite3_column_double(s, 9);
		l->service_date = claims__col_text(a, s, 10, &oom);
		l->line_item_control_number = claims__col_text(a, s, 11, &oom);
		l->remark_codes_json = claims__col_text(a, s, 12, &oom);
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading service lines");
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Adjustments in file order (claim level first), each also attached to its
 * service line; then the sorted distinct denial reasons. */
static int
read_adjustments(claims_db *db, struct claims__arena *a, claims_remit *r, const int64_t *line_ids)
{
	static const char sql[] =
		"SELECT a.group_code, a.reason_code, a.amount_cents, a.quantity, a.level, "
		"sl.line_number, coalesce(k.category, 'other'), "
		"a.group_code IN ('CO', 'OA', 'PI') AND coalesce(k.is_denial, 0), "
		"coalesce(a.service_line_id, 0) "
		"FROM adjustments AS a "
		"LEFT JOIN remittance_service_lines AS sl ON sl.id = a.service_line_id "
		"LEFT JOIN carc_codes AS k ON k.code = a.reason_code "
		"WHERE a.remittance_id = ?1 "
		"ORDER BY a.level = 'service', a.segment_ordinal, a.triplet_index, a.id";
	size_t cap = 0, nline_ids = r->n_service_lines, *line_of = NULL, nreasons = 0;
	size_t nlo = 0, locap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->summary.id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_adjustment *j = claims__model_push(a, (void **)&r->adjustments,
							  &r->n_adjustments, &cap, sizeof(*j));
		size_t *lp;

		if (!j) {
			oom = true;
			break;
		}
		j->group_code = claims__col_text(a, s, 0, &oom);
		j->reason_code = claims__col_text(a, s, 1, &oom);
		j->amount_cents = sqlite3_column_int64(s, 2);
		j->has_quantity = sqlite3_column_type(s, 3) != SQLITE_NULL;
		j->quantity = sqlite3_column_double(s, 3);
		j->level = claims__col_text(a, s, 4, &oom);
		j->service_line_number = claims__col_id(s, 5);
		j->category = claims__col_text(a, s, 6, &oom);
		j->is_denial = sqlite3_column_int(s, 7) != 0;
		/* Which service line (index), or SIZE_MAX for claim level. */
		lp = claims__model_push(a, (void **)&line_of, &nlo, &locap, sizeof(size_t));
		if (!lp) {
			oom = true;
			break;
		}
		*lp = SIZE_MAX;
		for (size_t k = 0; k < nline_ids; k++)
			if (line_ids[k] == sqlite3_column_int64(s, 8))
				*lp = k;
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "reading adjustments");

	/* Per-line arrays: count, allocate, fill (file order kept). */
	for (size_t i = 0; i < r->n_adjustments; i++)
		if (line_of[i] != SIZE_MAX)
			r->service_lines[line_of[i]].n_adjustments++;
	for (size_t k = 0; k < r->n_service_lines; k++) {
		claims_service_line *l = &r->service_lines[k];

		if (!l->n_adjustments)
			continue;
		l->adjustments = claims__arena_alloc(a, l->n_adjustments * sizeof(*l->adjustments));
		if (!l->adjustments)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		l->n_adjustments = 0;
	}
	for (size_t i = 0; i < r->n_adjustments; i++) {
		claims_service_line *l;

		if (line_of[i] == SIZE_MAX)
			continue;
		l = &r->service_lines[line_of[i]];
		l->adjustments[l->n_adjustments++] = r->adjustments[i];
	}

	/* denial_reasons: sorted distinct group + reason of the denial ones. */
	r->denial_reasons = claims__arena_alloc(a, (r->n_adjustments + 1) * sizeof(char *));
	if (!r->denial_reasons)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	for (size_t i = 0; i < r->n_adjustments; i++) {
		const claims_adjustment *j = &r->adjustments[i];
		size_t gl, rl;
		char *code;

		if (!j->is_denial)
			continue;
		gl = strlen(j->group_code);
		rl = strlen(j->reason_code);
		code = claims__arena_alloc(a, gl + rl + 1);
		if (!code)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		memcpy(code, j->group_code, gl);
		memcpy(code + gl, j->reason_code, rl + 1);
		r->denial_reasons[nreasons++] = code;
	}
	qsort((void *)r->denial_reasons, nreasons, sizeof(char *), cmp_str);
	r->n_denial_reasons = 0;
	for (size_t i = 0; i < nreasons; i++)
		if (i == 0 || strcmp(r->denial_reasons[i], r->denial_reasons[i - 1]) != 0)
			r->denial_reasons[r->n_denial_reasons++] = r->denial_reasons[i];
	if (r->n_denial_reasons == 0 && r->summary.claim_status_code &&
	    strcmp(r->summary.claim_status_code, "4") == 0)
		r->denial_reasons[r->n_denial_reasons++] = "CLAIM_DENIED";
	return CLAIMS_OK;
}

int
claims_remit_get(claims_remit **out, claims_db *db, int64_t id)
{
	struct claims__arena *a;
	claims_remit *r;
	int64_t *line_ids = NULL;
	bool found = false;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return CLAIMS_EINVAL;
	if (id < 1)
		return claims__not_found(db, "Remittance", id);
	r = claims__model_new(sizeof(*r));
	if (!r)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	a = claims__model_arena(r);
	rc = claims__read_begin(db);
	if (rc < 0)
		goto fail;
	rc = read_remit_row(db, a, r, id, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__not_found(db, "Remittance", id);
	if (rc == CLAIMS_OK)
		rc = read_service_lines(db, a, r, &line_ids);
	if (rc == CLAIMS_OK)
		rc = read_adjustments(db, a, r, line_ids);
	claims__read_end(db);
	if (rc < 0)
		goto fail;
	claims__clear_error(db);
	*out = r;
	return CLAIMS_OK;
fail:
	claims__model_free(r);
	return rc;
}
