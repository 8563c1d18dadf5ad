/*
 * libclaims store: denial patterns and what learning them reads
 * (spec/engine.md §4).
 */
#include "config.h"

#include <string.h>

#include "store.h"
#include "store_engine.h"


/* ---------------------------------------------------------------- episodes */

void
claims__pattern_episodes_free(struct claims__pattern_episodes *e)
{
	for (size_t i = 0; i < e->n; i++) {
		claims__free(e->v[i].principal);
		claims__free(e->v[i].facility);
		claims__strv_free(e->v[i].codes, e->v[i].n_codes);
		claims__strv_free(e->v[i].procs, e->v[i].n_procs);
	}
	claims__free(e->v);
	memset(e, 0, sizeof(*e));
}

static void
bind_window(sqlite3_stmt *s, int64_t payer_id, const char *from, const char *to)
{
	sqlite3_bind_int64(s, 1, payer_id);
	sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
}

/* Rows (episode id, text) ascending by episode id: attach to the episodes. */
static int
attach_values(claims_db *db, sqlite3_stmt *s, struct claims__pattern_episodes *out, bool codes,
	      const char *what)
{
	size_t k = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct claims__pattern_episode *e;
		const char *v;

		while (k < out->n && out->v[k].id < id)
			k++;
		if (k == out->n || out->v[k].id != id)
			continue;
		e = &out->v[k];
		v = (const char *)sqlite3_column_text(s, 1);
		if (!(codes ? claims__strv_push(&e->codes, &e->n_codes, v)
			    : claims__strv_push(&e->procs, &e->n_procs, v)))
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, what);
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_pattern_episodes(claims_db *db, int64_t payer_id, const char *from, const char *to,
			       struct claims__pattern_episodes *out)
{
	static const char eps_claims[] =
		"SELECT e.id, c.principal_diagnosis, c.facility_type_code, c.total_charge_cents "
		"FROM remittances r JOIN claim_episodes e ON e.remittance_id = r.id "
		"JOIN claims c ON c.id = e.claim_id "
		"WHERE r.payer_id = ?1 AND " CLAIMS__SQL_ADJUDICATED " AND "
		"coalesce(r.payment_date, substr(r.created_at, 1, 10)) BETWEEN ?2 AND ?3 "
		"ORDER BY e.id";
	static const char denial_codes[] =
		"SELECT e.id, a.group_code || a.reason_code AS c "
		"FROM remittances r JOIN claim_episodes e ON e.remittance_id = r.id "
		"JOIN adjustments a ON a.remittance_id = r.id "
		"JOIN carc_codes k ON k.code = a.reason_code "
		"WHERE r.payer_id = ?1 AND " CLAIMS__SQL_ADJUDICATED " AND "
		"coalesce(r.payment_date, substr(r.created_at, 1, 10)) BETWEEN ?2 AND ?3 "
		"AND a.group_code IN ('CO', 'OA', 'PI') AND k.is_denial = 1 "
		"GROUP BY e.id, c ORDER BY e.id, c";
	static const char procs[] =
		"SELECT e.id, l.procedure_code AS p "
		"FROM remittances r JOIN claim_episodes e ON e.remittance_id = r.id "
		"JOIN claim_lines l ON l.claim_id = e.claim_id "
		"WHERE r.payer_id = ?1 AND " CLAIMS__SQL_ADJUDICATED " AND "
		"coalesce(r.payment_date, substr(r.created_at, 1, 10)) BETWEEN ?2 AND ?3 "
		"AND l.procedure_code IS NOT NULL GROUP BY e.id, p ORDER BY e.id, p";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = claims__stmt(&s, db, eps_claims);
	if (rc < 0)
		return rc;
	bind_window(s, payer_id, from, to);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct claims__pattern_episode *e;

		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct claims__pattern_episode *v = claims__realloc(out->v, ncap * sizeof(*v));

			if (!v)
				return claims__stmt_oom(db, s);
			out->v = v;
			cap = ncap;
		}
		e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		e->id = sqlite3_column_int64(s, 0);
		e->principal = claims__col_strdup(s, 1);
		e->facility = claims__col_strdup(s, 2);
		e->has_total = sqlite3_column_type(s, 3) != SQLITE_NULL;
		e->total_cents = sqlite3_column_int64(s, 3);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading episodes for patterns");
	sqlite3_reset(s);
	if (out->n == 0)
		return CLAIMS_OK;

	rc = claims__stmt(&s, db, denial_codes);
	if (rc < 0)
		return rc;
	bind_window(s, payer_id, from, to);
	rc = attach_values(db, s, out, true, "reading denial reasons for patterns");
	if (rc < 0)
		return rc;
	rc = claims__stmt(&s, db, procs);
	if (rc < 0)
		return rc;
	bind_window(s, payer_id, from, to);
	return attach_values(db, s, out, false, "reading procedure codes for patterns");
}

/* ---------------------------------------------------------------- payers, CARC */

int
claims__store_payer_get(claims_db *db, int64_t payer_id, char **name, bool *found)
{
	static const char sql[] = "SELECT name FROM payers WHERE id = ?1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*name = NULL;
	*found = false;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, payer_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = true;
		*name = claims__col_strdup(s, 0);
		if (!*name)
			return claims__stmt_oom(db, s);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading a payer");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_payer_ids(claims_db *db, struct claims__ids *out)
{
	static const char sql[] = "SELECT id FROM payers ORDER BY id";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (claims__ids_push(out, sqlite3_column_int64(s, 0)) < 0)
			return claims__stmt_oom(db, s);
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "listing payers");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_carc_description(claims_db *db, const char *reason, char **out)
{
	static const char sql[] = "SELECT description FROM carc_codes WHERE code = ?1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*out = NULL;
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, reason, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = claims__col_strdup(s, 0);
		if (!*out)
			return claims__stmt_oom(db, s);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading a CARC");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- patterns */

/* Pattern detection for a payer (spec/cache.md §6): its list, and every
 * analysis, which may have matched its old patterns. */
static void
invalidate_payer_patterns(claims_db *db, int64_t payer_id)
{
	claims__inval_key(db, "pattern:payer", payer_id);
	claims__inval_prefix(db, "pattern:analysis");
}

int
claims__store_pattern_upsert(claims_db *db, const struct claims__pattern_row *p, int64_t *id_out)
{
	static const char sql[] =
		"INSERT INTO denial_patterns (payer_id, pattern_type, pattern_description, "
		"denial_reason_code, occurrence_count, adjudicated_count, frequency, "
		"confidence_score, conditions, window_days, is_active, first_seen, last_seen) "
		"VALUES (?1, 'denial_reason', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1, ?10, ?10) "
		"ON CONFLICT (payer_id, pattern_type, denial_reason_code) DO UPDATE SET "
		"pattern_description = excluded.pattern_description, "
		"occurrence_count = excluded.occurrence_count, "
		"adjudicated_count = excluded.adjudicated_count, frequency = excluded.frequency, "
		"confidence_score = excluded.confidence_score, conditions = excluded.conditions, "
		"window_days = excluded.window_days, is_active = 1, last_seen = excluded.last_seen, "
		"updated_at = excluded.last_seen RETURNING id";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	invalidate_payer_patterns(db, p->payer_id);
	sqlite3_bind_int64(s, 1, p->payer_id);
	sqlite3_bind_text(s, 2, p->description, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, p->occurrences);
	sqlite3_bind_int64(s, 5, p->adjudicated);
	sqlite3_bind_double(s, 6, p->frequency);
	sqlite3_bind_double(s, 7, p->confidence);
	sqlite3_bind_text(s, 8, p->conditions_json, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 9, p->window_days);
	sqlite3_bind_text(s, 10, p->now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		return claims__step_error(db, s, rc, "storing a pattern");
	*id_out = sqlite3_column_int64(s, 0);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "storing a pattern");
	return CLAIMS_OK;
}

int
claims__store_patterns_deactivate(claims_db *db, int64_t payer_id, const char *keep_ids_json)
{
	static const char sql[] =
		"UPDATE denial_patterns SET is_active = 0, "
		"updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') "
		"WHERE payer_id = ?1 AND is_active = 1 "
		"AND id NOT IN (SELECT value FROM json_each(?2))";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	invalidate_payer_patterns(db, payer_id);
	sqlite3_bind_int64(s, 1, payer_id);
	sqlite3_bind_text(s, 2, keep_ids_json, -1, SQLITE_STATIC);
	return claims__step_done(db, s, "deactivating patterns");
}

void
claims__pattern_clear(claims_pattern *p)
{
	claims__free(p->pattern_type);
	claims__free(p->pattern_description);
	claims__free(p->denial_reason_code);
	claims__free(p->conditions_json);
	claims__strv_free(p->conditions.procedure_codes, p->conditions.n_procedure_codes);
	claims__strv_free(p->conditions.principal_diagnoses, p->conditions.n_principal_diagnoses);
	claims__strv_free(p->conditions.facility_types, p->conditions.n_facility_types);
	memset(p, 0, sizeof(*p));
}

/* The lists and range of a conditions object. */
static int
read_conditions(claims_db *db, claims_pattern *p)
{
	static const char lists[] =
		"SELECT 0, value FROM json_each(?1, '$.procedure_codes') "
		"UNION ALL SELECT 1, value FROM json_each(?1, '$.principal_diagnoses') "
		"UNION ALL SELECT 2, value FROM json_each(?1, '$.facility_types')";
	static const char range[] =
		"SELECT CAST(round(json_extract(?1, '$.charge_amount_min') * 100) AS INTEGER), "
		"CAST(round(json_extract(?1, '$.charge_amount_max') * 100) AS INTEGER)";
	claims_pattern_conditions *c = &p->conditions;
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, lists);

	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, p->conditions_json, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int which = sqlite3_column_int(s, 0);
		const char *v = (const char *)sqlite3_column_text(s, 1);
		bool ok = which == 0   ? claims__strv_push(&c->procedure_codes, &c->n_procedure_codes, v)
			  : which == 1 ? claims__strv_push(&c->principal_diagnoses, &c->n_principal_diagnoses, v)
				       : claims__strv_push(&c->facility_types, &c->n_facility_types, v);

		if (!ok)
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading pattern conditions");
	sqlite3_reset(s);
	rc = claims__stmt(&s, db, range);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, p->conditions_json, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		c->has_charge_range = sqlite3_column_type(s, 0) != SQLITE_NULL &&
				      sqlite3_column_type(s, 1) != SQLITE_NULL;
		c->charge_min_cents = sqlite3_column_int64(s, 0);
		c->charge_max_cents = sqlite3_column_int64(s, 1);
		rc = SQLITE_DONE;
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading pattern conditions");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims__store_patterns_active(claims_db *db, int64_t payer_id, claims_pattern **out, size_t *n)
{
	static const char sql[] =
		"SELECT id, payer_id, pattern_type, pattern_description, denial_reason_code, "
		"occurrence_count, adjudicated_count, frequency, confidence_score, conditions, "
		"window_days, is_active, first_seen, last_seen FROM denial_patterns "
		"WHERE payer_id = ?1 AND is_active = 1 ORDER BY frequency DESC, id";
	sqlite3_stmt *s;
	size_t cap = 0;
	int rc = claims__stmt(&s, db, sql);

	*out = NULL;
	*n = 0;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, payer_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		claims_pattern *p;

		if (*n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			claims_pattern *v = claims__realloc(*out, ncap * sizeof(*v));

			if (!v)
				return claims__stmt_oom(db, s);
			*out = v;
			cap = ncap;
		}
		p = &(*out)[(*n)++];
		memset(p, 0, sizeof(*p));
		p->id = sqlite3_column_int64(s, 0);
		p->payer_id = sqlite3_column_int64(s, 1);
		p->pattern_type = claims__col_strdup(s, 2);
		p->pattern_description = claims__col_strdup(s, 3);
		p->denial_reason_code = claims__col_strdup(s, 4);
		p->occurrence_count = sqlite3_column_int64(s, 5);
		p->adjudicated_count = sqlite3_column_int64(s, 6);
		p->frequency = sqlite3_column_double(s, 7);
		p->confidence_score = sqlite3_column_double(s, 8);
		p->conditions_json = claims__col_strdup(s, 9);
		p->window_days = sqlite3_column_int(s, 10);
		p->is_active = sqlite3_column_int(s, 11) != 0;
		claims__col_copy(s, 12, p->first_seen, sizeof(p->first_seen));
		claims__col_copy(s, 13, p->last_seen, sizeof(p->last_seen));
		if (!p->pattern_type || !p->pattern_description || !p->denial_reason_code ||
		    !p->conditions_json)
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "listing patterns");
	sqlite3_reset(s);
	for (size_t i = 0; i < *n; i++) {
		rc = read_conditions(db, &(*out)[i]);
		if (rc < 0)
			return rc;
	}
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- a claim */

void
claims__analysis_claim_clear(struct claims__analysis_claim *c)
{
	claims__free(c->principal);
	claims__free(c->facility);
	claims__strv_free(c->procs, c->n_procs);
	memset(c, 0, sizeof(*c));
}

int
claims__store_analysis_claim(claims_db *db, int64_t claim_id, struct claims__analysis_claim *c,
			     bool *found)
{
	static const char sql[] =
		"SELECT payer_id, principal_diagnosis, facility_type_code, total_charge_cents "
		"FROM claims WHERE id = ?1";
	static const char procs[] =
		"SELECT DISTINCT procedure_code FROM claim_lines WHERE claim_id = ?1 "
		"AND procedure_code IS NOT NULL ORDER BY 1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	memset(c, 0, sizeof(*c));
	*found = false;
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = claims__step_one(db, s, "reading a claim", found);
	if (rc < 0 || !*found)
		return rc;
	c->payer_id = sqlite3_column_int64(s, 0);
	c->principal = claims__col_strdup(s, 1);
	c->facility = claims__col_strdup(s, 2);
	c->has_total = sqlite3_column_type(s, 3) != SQLITE_NULL;
	c->total_cents = sqlite3_column_int64(s, 3);
	sqlite3_reset(s);
	rc = claims__stmt(&s, db, procs);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		if (!claims__strv_push(&c->procs, &c->n_procs,
				       (const char *)sqlite3_column_text(s, 0)))
			return claims__stmt_oom(db, s);
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading a claim's procedures");
	sqlite3_reset(s);
	return CLAIMS_OK;
}
