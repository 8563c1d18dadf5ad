/*
 * libclaims store: what risk scoring reads (claims, lines, payer rules,
 * episode history) and the risk_scores history (spec/engine.md §3).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "store.h"
#include "store_engine.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* Roles that count as diagnoses (x12.md §6.4). */
#define DIAGNOSIS_ROLES "('principal', 'other', 'admitting', 'reason_for_visit', 'external_cause')"

/* ---------------------------------------------------------------- the claim */

void
claims__risk_claim_clear(struct claims__risk_claim *c)
{
	claims__free(c->principal_diagnosis);
	claims__free(c->assignment_code);
	claims__free(c->frequency);
	claims__free(c->original_reference);
	claims__free(c->facility_type_code);
	claims__free(c->prior_authorization);
	for (int i = 0; i < 6; i++)
		claims__free(c->npi[i]);
	memset(c, 0, sizeof(*c));
}

int
claims__store_risk_claim_load(claims_db *db, int64_t id, struct claims__risk_claim *c, bool *found)
{
	static const char sql[] =
		"SELECT c.payer_id, c.version, c.submission_count, c.transaction_type, "
		"c.principal_diagnosis, c.assignment_code, c.claim_frequency_type, "
		"c.original_reference_number, c.facility_type_code, c.prior_authorization, "
		"c.billing_provider_npi, c.rendering_provider_npi, c.attending_provider_npi, "
		"c.operating_provider_npi, c.referring_provider_npi, c.service_facility_npi, "
		"c.service_date, c.statement_date, c.submitted_date, substr(c.created_at, 1, 10), "
		"c.is_incomplete, c.total_charge_cents, "
		"(SELECT count(*) FROM claim_diagnoses d WHERE d.claim_id = c.id "
		" AND d.role IN " DIAGNOSIS_ROLES "), "
		"(SELECT count(*) FROM claim_lines l WHERE l.claim_id = c.id), "
		"(SELECT coalesce(sum(l.charge_cents), 0) FROM claim_lines l WHERE l.claim_id = c.id), "
		"(SELECT count(*) FROM json_each(c.parsing_warnings) w "
		" WHERE json_extract(w.value, '$.severity') IN ('warning', 'error')), "
		"EXISTS (SELECT 1 FROM claims o WHERE o.service_date = c.service_date "
		" AND o.id <> c.id AND o.status <> 'void' AND o.provider_key = c.provider_key "
		" AND o.subscriber_member_id = c.subscriber_member_id "
		" AND o.total_charge_cents = c.total_charge_cents "
		" AND (SELECT group_concat(p, char(31)) FROM (SELECT DISTINCT procedure_code AS p "
		"      FROM claim_lines WHERE claim_id = o.id AND procedure_code IS NOT NULL "
		"      ORDER BY 1)) "
		"   IS (SELECT group_concat(p, char(31)) FROM (SELECT DISTINCT procedure_code AS p "
		"      FROM claim_lines WHERE claim_id = c.id AND procedure_code IS NOT NULL "
		"      ORDER BY 1))) "
		"FROM claims c WHERE c.id = ?1";
	sqlite3_stmt *s;
	int rc;

	memset(c, 0, sizeof(*c));
	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a claim", found);
	if (rc < 0 || !*found)
		return rc;
	c->id = id;
	c->payer_id = sqlite3_column_int64(s, 0);
	c->version = sqlite3_column_int64(s, 1);
	c->submission_count = sqlite3_column_int64(s, 2);
	claims__col_copy(s, 3, c->type, sizeof(c->type));
	c->principal_diagnosis = claims__col_strdup(s, 4);
	c->assignment_code = claims__col_strdup(s, 5);
	c->frequency = claims__col_strdup(s, 6);
	c->original_reference = claims__col_strdup(s, 7);
	c->facility_type_code = claims__col_strdup(s, 8);
	c->prior_authorization = claims__col_strdup(s, 9);
	for (int i = 0; i < 6; i++)
		c->npi[i] = claims__col_strdup(s, 10 + i);
	claims__col_copy(s, 16, c->service_date, sizeof(c->service_date));
	claims__col_copy(s, 17, c->statement_date, sizeof(c->statement_date));
	claims__col_copy(s, 18, c->submitted_date, sizeof(c->submitted_date));
	claims__col_copy(s, 19, c->created_date, sizeof(c->created_date));
	c->is_incomplete = sqlite3_column_int(s, 20) != 0;
	c->has_total = sqlite3_column_type(s, 21) != SQLITE_NULL;
	c->total_cents = sqlite3_column_int64(s, 21);
	c->n_diagnoses = sqlite3_column_int64(s, 22);
	c->n_lines = sqlite3_column_int64(s, 23);
	c->line_charge_cents = sqlite3_column_int64(s, 24);
	c->n_warnings = sqlite3_column_int64(s, 25);
	c->duplicate = sqlite3_column_int(s, 26) != 0;
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_risk_invalid_diagnoses(claims_db *db, int64_t claim_id, char **codes, size_t max,
				     size_t *n)
{
	static const char sql[] =
		"SELECT code FROM claim_diagnoses WHERE claim_id = ?1 AND is_valid = 0 "
		"AND role IN " DIAGNOSIS_ROLES " ORDER BY sequence LIMIT ?2";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*n = 0;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	sqlite3_bind_int64(s, 2, (int64_t)max);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		codes[*n] = claims__col_strdup(s, 0);
		if (!codes[*n])
			return claims__stmt_oom(db, s);
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading diagnoses");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- lines */

void
claims__risk_lines_free(struct claims__risk_lines *l)
{
	for (size_t i = 0; i < l->n; i++) {
		claims__free(l->v[i].procedure_code);
		claims__free(l->v[i].revenue_code);
		claims__free(l->v[i].rendering_npi);
		claims__strv_free(l->v[i].modifiers, l->v[i].n_modifiers);
	}
	claims__free(l->v);
	memset(l, 0, sizeof(*l));
}

int
claims__store_risk_lines(claims_db *db, int64_t claim_id, struct claims__risk_lines *out)
{
	static const char lines[] =
		"SELECT l.line_number, l.procedure_code, l.revenue_code, l.rendering_provider_npi, "
		"l.procedure_code_valid, "
		"(SELECT count(*) FROM json_each(l.diagnosis_pointers)), "
		"(SELECT max(value) FROM json_each(l.diagnosis_pointers)) "
		"FROM claim_lines l WHERE l.claim_id = ?1 ORDER BY l.line_number";
	static const char mods[] =
		"SELECT l.line_number, m.value FROM claim_lines l, json_each(l.modifiers) m "
		"WHERE l.claim_id = ?1 ORDER BY l.line_number, m.key";
	sqlite3_stmt *s;
	size_t cap = 0, k = 0;
	int rc = claims__stmt(&s, db, lines);

	memset(out, 0, sizeof(*out));
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct claims__risk_line *l;

		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct claims__risk_line *v = claims__realloc(out->v, ncap * sizeof(*v));

			if (!v)
				return claims__stmt_oom(db, s);
			out->v = v;
			cap = ncap;
		}
		l = &out->v[out->n++];
		memset(l, 0, sizeof(*l));
		l->line_number = sqlite3_column_int64(s, 0);
		l->procedure_code = claims__col_strdup(s, 1);
		l->revenue_code = claims__col_strdup(s, 2);
		l->rendering_npi = claims__col_strdup(s, 3);
		l->procedure_code_valid =
			sqlite3_column_type(s, 4) == SQLITE_NULL ? -1 : sqlite3_column_int(s, 4);
		l->n_pointers = sqlite3_column_int64(s, 5);
		l->max_pointer = sqlite3_column_int64(s, 6);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading claim lines");
	sqlite3_reset(s);

	rc = claims__stmt(&s, db, mods);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t ln = sqlite3_column_int64(s, 0);
		const unsigned char *v = sqlite3_column_text(s, 1);

		while (k < out->n && out->v[k].line_number < ln)
			k++;
		if (k == out->n)
			break;
		if (!claims__strv_push(&out->v[k].modifiers, &out->v[k].n_modifiers, (const char *)v))
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return claims__step_error(db, s, rc, "reading line modifiers");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- payer rules */

void
claims__payer_rules_clear(struct claims__payer_rules *r)
{
	claims__strv_free(r->allowed_frequency_types, r->n_allowed);
	claims__strv_free(r->restricted_facility_types, r->n_restricted);
	claims__strv_free(r->prior_auth_procedure_codes, r->n_prior_auth);
	memset(r, 0, sizeof(*r));
}

/* A list of strings at @p path: NULL when absent; *bad when not an array of strings. */
static int
rules_list(claims_db *db, int64_t payer_id, const char *path, char ***out, size_t *n, bool *bad)
{
	static const char sql[] =
		"SELECT json_type(p.rules_config, ?2), j.type, j.value FROM payers p "
		"LEFT JOIN json_each(p.rules_config, ?2) j "
		"WHERE p.id = ?1 AND json_valid(p.rules_config) ORDER BY j.key";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*out = NULL;
	*n = 0;
	*bad = false;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, payer_id);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *type = sqlite3_column_text(s, 0);

		if (!type)
			continue; /* absent */
		if (strcmp((const char *)type, "array") != 0) {
			*bad = true;
			continue;
		}
		if (sqlite3_column_type(s, 1) == SQLITE_NULL)
			continue; /* empty array */
		if (strcmp((const char *)sqlite3_column_text(s, 1), "text") != 0) {
			*bad = true;
			continue;
		}
		if (!claims__strv_push(out, n, (const char *)sqlite3_column_text(s, 2)))
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading payer rules");
	sqlite3_reset(s);
	if (*bad) {
		claims__strv_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return CLAIMS_OK;
}

int
claims__store_payer_rules(claims_db *db, int64_t payer_id, struct claims__payer_rules *r)
{
	static const char sql[] =
		"SELECT json_type(rules_config, '$.timely_filing_days'), "
		"json_extract(rules_config, '$.timely_filing_days') FROM payers "
		"WHERE id = ?1 AND json_valid(rules_config)";
	sqlite3_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = rules_list(db, payer_id, "$.allowed_frequency_types", &r->allowed_frequency_types,
			&r->n_allowed, &r->allowed_bad);
	if (rc == CLAIMS_OK)
		rc = rules_list(db, payer_id, "$.restricted_facility_types",
				&r->restricted_facility_types, &r->n_restricted, &r->restricted_bad);
	if (rc == CLAIMS_OK)
		rc = rules_list(db, payer_id, "$.prior_auth_procedure_codes",
				&r->prior_auth_procedure_codes, &r->n_prior_auth, &r->prior_auth_bad);
	if (rc == CLAIMS_OK)
		rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, payer_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *type = sqlite3_column_text(s, 0);
		int64_t v = sqlite3_column_int64(s, 1);

		if (type && (strcmp((const char *)type, "integer") != 0 || v < 1 || v > 3650))
			r->timely_bad = true;
		else if (type)
			r->timely_filing_days = (int)v;
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading payer rules");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- history */

#define IN_WINDOW "coalesce(r.payment_date, substr(r.created_at, 1, 10)) BETWEEN ?1 AND ?2"

/* Totals per key, sorted by key (payer id, or procedure code in byte order). */
struct history_totals {
	int64_t *ids;
	char **codes;
	int64_t *n, *d;
	size_t count, cap;
};

struct claims__history_cache {
	bool valid, used;
	unsigned version;
	char from[11], to[11];
	struct history_totals payers, codes;
};

static void
totals_clear(struct history_totals *t)
{
	if (t->codes)
		claims__strv_free(t->codes, t->count);
	claims__free(t->ids);
	claims__free(t->n);
	claims__free(t->d);
	memset(t, 0, sizeof(*t));
}

void
claims__history_cache_free(struct claims__history_cache *h)
{
	if (!h)
		return;
	totals_clear(&h->payers);
	totals_clear(&h->codes);
	claims__free(h);
}

static unsigned
data_version(claims_db *db)
{
	unsigned v = 0;

	(void)sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_DATA_VERSION, &v);
	return v;
}

static bool
totals_push(struct history_totals *t, bool by_code, sqlite3_stmt *s)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		int64_t *n = claims__realloc(t->n, cap * sizeof(*n));

		if (!n)
			return false;
		t->n = n;
		n = claims__realloc(t->d, cap * sizeof(*n));
		if (!n)
			return false;
		t->d = n;
		if (by_code) {
			char **c = claims__realloc(t->codes, cap * sizeof(*c));

			if (!c)
				return false;
			t->codes = c;
		} else {
			n = claims__realloc(t->ids, cap * sizeof(*n));
			if (!n)
				return false;
			t->ids = n;
		}
		t->cap = cap;
	}
	if (by_code) {
		t->codes[t->count] = claims__col_strdup(s, 0);
		if (!t->codes[t->count])
			return false;
	} else {
		t->ids[t->count] = sqlite3_column_int64(s, 0);
	}
	t->n[t->count] = sqlite3_column_int64(s, 1);
	t->d[t->count] = sqlite3_column_int64(s, 2);
	t->count++;
	return true;
}

static int
read_totals(claims_db *db, const char *sql, bool by_code, const char *from, const char *to,
	    struct history_totals *t)
{
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (!totals_push(t, by_code, s))
			return claims__stmt_oom(db, s);
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading the denial history");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_history_totals(claims_db *db, const char *from, const char *to)
{
	static const char by_payer[] =
		"SELECT r.payer_id, count(*), coalesce(sum(e.denial_count > 0), 0) "
		"FROM remittances r JOIN claim_episodes e ON e.remittance_id = r.id "
		"WHERE " CLAIMS__SQL_ADJUDICATED " AND " IN_WINDOW " GROUP BY r.payer_id ORDER BY r.payer_id";
	static const char by_code[] =
		"SELECT l.procedure_code, count(*), coalesce(sum(e.denial_count > 0), 0) "
		"FROM (SELECT DISTINCT claim_id, procedure_code FROM claim_lines "
		"      WHERE procedure_code IS NOT NULL) l "
		"JOIN claim_episodes e ON e.claim_id = l.claim_id "
		"JOIN remittances r ON r.id = e.remittance_id "
		"WHERE " CLAIMS__SQL_ADJUDICATED " AND " IN_WINDOW
		" GROUP BY l.procedure_code ORDER BY l.procedure_code";
	struct claims__history_cache *h = db->history;
	unsigned v = data_version(db);
	int rc;

	if (h && h->valid && h->version == v && strcmp(h->from, from) == 0 &&
	    strcmp(h->to, to) == 0) {
		h->used = true;
		return CLAIMS_OK;
	}
	if (!h) {
		h = claims__calloc(1, sizeof(*h));
		if (!h)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		db->history = h;
	}
	h->valid = h->used = false;
	totals_clear(&h->payers);
	totals_clear(&h->codes);
	rc = read_totals(db, by_payer, false, from, to, &h->payers);
	if (rc == CLAIMS_OK)
		rc = read_totals(db, by_code, true, from, to, &h->codes);
	if (rc < 0)
		return rc;
	snprintf(h->from, sizeof(h->from), "%s", from);
	snprintf(h->to, sizeof(h->to), "%s", to);
	h->version = v;
	h->valid = h->used = true;
	return CLAIMS_OK;
}

void
claims__history_payer_totals(const claims_db *db, int64_t payer_id, int64_t *n, int64_t *d)
{
	const struct history_totals *t = &db->history->payers;
	size_t lo = 0, hi = t->count;

	*n = *d = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (t->ids[mid] < payer_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->count && t->ids[lo] == payer_id) {
		*n = t->n[lo];
		*d = t->d[lo];
	}
}

void
claims__history_code_totals(const claims_db *db, const char *code, int64_t *n, int64_t *d)
{
	const struct history_totals *t = &db->history->codes;
	size_t lo = 0, hi = t->count;

	*n = *d = 0;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(t->codes[mid], code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->count && strcmp(t->codes[lo], code) == 0) {
		*n = t->n[lo];
		*d = t->d[lo];
	}
}

int
claims__store_history_own(claims_db *db, int64_t claim_id, int64_t payer_id, const char *from,
			  const char *to, int64_t *n, int64_t *d, int64_t *n_payer, int64_t *d_payer)
{
	static const char sql[] =
		"SELECT count(*), coalesce(sum(e.denial_count > 0), 0), "
		"coalesce(sum(r.payer_id = ?4), 0), "
		"coalesce(sum(r.payer_id = ?4 AND e.denial_count > 0), 0) "
		"FROM claim_episodes e JOIN remittances r ON r.id = e.remittance_id "
		"WHERE e.claim_id = ?3 AND " CLAIMS__SQL_ADJUDICATED " AND " IN_WINDOW;
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*n = *d = *n_payer = *d_payer = 0;
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, claim_id);
	sqlite3_bind_int64(s, 4, payer_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(s, 0);
		*d = sqlite3_column_int64(s, 1);
		*n_payer = sqlite3_column_int64(s, 2);
		*d_payer = sqlite3_column_int64(s, 3);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading a claim's own history");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

void
claims__history_keep(claims_db *db)
{
	struct claims__history_cache *h = db->history;

	if (h && h->valid && h->used)
		h->version = data_version(db);
	if (h)
		h->used = false;
}

int
claims__store_claim_ids_for_risk(claims_db *db, int64_t payer_id, struct claims__ids *out)
{
	static const char all[] = "SELECT id FROM claims WHERE status <> 'void' ORDER BY id";
	static const char of_payer[] =
		"SELECT id FROM claims WHERE payer_id = ?1 AND status <> 'void' ORDER BY id";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, payer_id > 0 ? of_payer : all);

	if (rc < 0)
		return rc;
	if (payer_id > 0)
		sqlite3_bind_int64(s, 1, payer_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (claims__ids_push(out, sqlite3_column_int64(s, 0)) < 0)
			return claims__stmt_oom(db, s);
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "listing claims to score");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- risk_scores */

int
claims__store_risk_insert(claims_db *db, const claims_risk_score *r, const char *factors_json,
			  const char *recommendations_json, const char *weights_json, int64_t *id_out)
{
	static const char sql[] =
		"INSERT INTO risk_scores (claim_id, claim_version, overall_score, risk_level, "
		"coding_risk, documentation_risk, payer_risk, historical_risk, pattern_risk, "
		"risk_factors, recommendations, weights, model_version, model_confidence, "
		"calculated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
		"?15)";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	claims__inval_key(db, "risk_score", r->claim_id);
	sqlite3_bind_int64(s, 1, r->claim_id);
	sqlite3_bind_int64(s, 2, r->claim_version);
	sqlite3_bind_double(s, 3, r->overall_score);
	sqlite3_bind_text(s, 4, r->risk_level, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 5, r->coding_risk);
	sqlite3_bind_double(s, 6, r->documentation_risk);
	sqlite3_bind_double(s, 7, r->payer_risk);
	sqlite3_bind_double(s, 8, r->historical_risk);
	sqlite3_bind_double(s, 9, r->pattern_risk);
	sqlite3_bind_text(s, 10, factors_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, recommendations_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, weights_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, r->model_version, -1, SQLITE_STATIC);
	sqlite3_bind_double(s, 14, r->model_confidence);
	sqlite3_bind_text(s, 15, r->calculated_at, -1, SQLITE_STATIC);
	rc = claims__step_done(db, s, "storing a risk score");
	if (rc == CLAIMS_OK)
		*id_out = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

int
claims__store_risk_latest(claims_db *db, int64_t claim_id, claims_risk_score *r, bool *found)
{
	static const char head[] =
		"SELECT id, claim_version, overall_score, risk_level, coding_risk, "
		"documentation_risk, payer_risk, historical_risk, pattern_risk, model_version, "
		"model_confidence, calculated_at, json_extract(weights, '$.payer'), "
		"json_extract(weights, '$.coding'), json_extract(weights, '$.documentation'), "
		"json_extract(weights, '$.historical'), json_extract(weights, '$.pattern') "
		"FROM risk_scores WHERE claim_id = ?1 ORDER BY calculated_at DESC, id DESC LIMIT 1";
	static const char factors[] =
		"SELECT json_extract(f.value, '$.type'), json_extract(f.value, '$.code'), "
		"json_extract(f.value, '$.severity'), json_extract(f.value, '$.message'), "
		"json_extract(f.value, '$.points'), json_extract(f.value, '$.pattern_id'), "
		"json_extract(f.value, '$.denial_reason_code'), json_extract(f.value, '$.match_score'), "
		"json_extract(f.value, '$.confidence') "
		"FROM risk_scores r, json_each(r.risk_factors) f WHERE r.id = ?1 ORDER BY f.key";
	static const char recs[] =
		"SELECT f.value FROM risk_scores r, json_each(r.recommendations) f WHERE r.id = ?1 "
		"ORDER BY f.key";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, head);

	*found = false;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = claims__step_one(db, s, "reading a risk score", found);
	if (rc < 0 || !*found)
		return rc;
	r->id = sqlite3_column_int64(s, 0);
	r->claim_id = claim_id;
	r->claim_version = sqlite3_column_int64(s, 1);
	r->overall_score = sqlite3_column_double(s, 2);
	claims__col_copy(s, 3, r->risk_level, sizeof(r->risk_level));
	r->coding_risk = sqlite3_column_double(s, 4);
	r->documentation_risk = sqlite3_column_double(s, 5);
	r->payer_risk = sqlite3_column_double(s, 6);
	r->historical_risk = sqlite3_column_double(s, 7);
	r->pattern_risk = sqlite3_column_double(s, 8);
	claims__col_copy(s, 9, r->model_version, sizeof(r->model_version));
	r->model_confidence = sqlite3_column_double(s, 10);
	claims__col_copy(s, 11, r->calculated_at, sizeof(r->calculated_at));
	for (int i = 0; i < 5; i++)
		r->weights[i] = sqlite3_column_double(s, 12 + i);
	sqlite3_reset(s);

	rc = claims__stmt(&s, db, factors);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_risk_factor *f;
		claims_risk_factor *v = claims__realloc(r->factors, (r->n_factors + 1) * sizeof(*v));

		if (!v)
			return claims__stmt_oom(db, s);
		r->factors = v;
		f = &v[r->n_factors++];
		memset(f, 0, sizeof(*f));
		f->type = claims__col_strdup(s, 0);
		f->code = claims__col_strdup(s, 1);
		f->severity = claims__col_strdup(s, 2);
		f->message = claims__col_strdup(s, 3);
		f->points = sqlite3_column_double(s, 4);
		f->pattern_id = sqlite3_column_int64(s, 5);
		f->denial_reason_code = claims__col_strdup(s, 6);
		f->match_score = sqlite3_column_double(s, 7);
		f->confidence = sqlite3_column_double(s, 8);
		if (!f->type || !f->code || !f->severity || !f->message)
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading risk factors");
	sqlite3_reset(s);

	rc = claims__stmt(&s, db, recs);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, r->id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!claims__strv_push(&r->recommendations, &r->n_recommendations,
			      (const char *)sqlite3_column_text(s, 0)))
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading recommendations");
	sqlite3_reset(s);
	return CLAIMS_OK;
}
