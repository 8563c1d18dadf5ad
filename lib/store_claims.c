/*
 * libclaims store: payers, providers, claims and their lines, diagnoses and
 * history (x12.md §9.2: identity, upsert, corrections).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crypt.h"
#include "ingest/arena.h"
#include "jsonw.h"
#include "x12/codes.h"
#include "store.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

static int
lookup_id(claims_db *db, const char *sql, const char *arg, int64_t *id_out, bool *found)
{
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	*found = false;
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, arg);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(s, 0);
		*found = true;
		rc = CLAIMS_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "looking up a row");
	}
	sqlite3_reset(s);
	return rc;
}

int
claims__store_payer_ensure(claims_db *db, int64_t *id_out, const char *payer_id, const char *name)
{
	static const char find[] = "SELECT id FROM payers WHERE payer_id = ?1";
	static const char ins[] = "INSERT INTO payers (payer_id, name) VALUES (?1, ?2)";
	sqlite3_stmt *s;
	bool found;
	int rc;

	*id_out = 0;
	if (!payer_id || !*payer_id)
		return CLAIMS_OK;
	rc = lookup_id(db, find, payer_id, id_out, &found);
	if (rc < 0 || found)
		return rc;
	rc = claims__stmt(&s, db, ins);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, payer_id);
	claims__bind_text(s, 2, name && *name ? name : payer_id);
	rc = claims__step_done(db, s, "storing a payer");
	if (rc == CLAIMS_OK)
		*id_out = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

int
claims__store_payer_by_name(claims_db *db, int64_t *id_out, const char *name)
{
	static const char find[] = "SELECT id FROM payers WHERE upper(name) = ?1 ORDER BY id LIMIT 1";
	char upper[256], key[270];
	size_t n = 0;
	bool found;
	int rc;

	*id_out = 0;
	for (const char *p = name ? name : ""; *p && n + 1 < sizeof(upper); p++)
		upper[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p);
	upper[n] = '\0';
	if (n == 0)
		snprintf(upper, sizeof(upper), "UNKNOWN");
	rc = lookup_id(db, find, upper, id_out, &found);
	if (rc < 0 || found)
		return rc;
	snprintf(key, sizeof(key), "NAME:%s", upper);
	return claims__store_payer_ensure(db, id_out, key, name && *name ? name : upper);
}

int
claims__store_provider_ensure(claims_db *db, int64_t *id_out, const struct claims__provider_rec *p)
{
	static const char by_npi[] = "SELECT id FROM providers WHERE npi = ?1";
	static const char by_tin[] = "SELECT id FROM providers WHERE tax_id = ?1 AND npi IS NULL";
	static const char ins[] =
		"INSERT INTO providers (npi, tax_id, name, entity_type, taxonomy_code, npi_valid) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
	sqlite3_stmt *s;
	bool found;
	int rc;

	*id_out = 0;
	if (p->npi && *p->npi)
		rc = lookup_id(db, by_npi, p->npi, id_out, &found);
	else if (p->tax_id && *p->tax_id)
		rc = lookup_id(db, by_tin, p->tax_id, id_out, &found);
	else
		return CLAIMS_OK;
	if (rc < 0 || found)
		return rc;
	rc = claims__stmt(&s, db, ins);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, p->npi && *p->npi ? p->npi : NULL);
	claims__bind_text(s, 2, p->tax_id);
	claims__bind_text(s, 3, p->name && *p->name ? p->name : (p->npi ? p->npi : p->tax_id));
	if (p->entity_type == 1 || p->entity_type == 2)
		sqlite3_bind_int(s, 4, p->entity_type);
	else
		sqlite3_bind_null(s, 4);
	claims__bind_text(s, 5, p->taxonomy_code);
	sqlite3_bind_int(s, 6, p->npi_valid ? 1 : 0);
	rc = claims__step_done(db, s, "storing a provider");
	if (rc == CLAIMS_OK)
		*id_out = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

/* The content columns of a claim, bound from ?10 on by bind_content(). */
#define CLAIM_CONTENT_COLUMNS                                                                    \
	"transaction_type, pcn_key, patient_key, provider_id, payer_id, practice_id, "             \
	"total_charge_cents, facility_type_code, facility_code_qualifier, claim_frequency_type, "  \
	"provider_signature, assignment_code, benefits_assignment, release_of_info, "              \
	"related_causes, delay_reason_code, original_reference_number, prior_authorization, "      \
	"referral_number, medical_record_number, statement_date, statement_date_to, "             \
	"admission_date, admission_hour, discharge_date, discharge_hour, service_date, "           \
	"service_date_to, onset_date, last_menstrual_date, submitted_date, admission_type, "       \
	"admission_source, patient_status, principal_diagnosis, payer_responsibility, "            \
	"relationship_code, claim_filing_indicator, other_payers, subscriber_member_id, "          \
	"patient_last_name, patient_first_name, patient_dob, patient_gender, "                     \
	"billing_provider_npi, billing_tax_id, rendering_provider_npi, attending_provider_npi, "   \
	"operating_provider_npi, referring_provider_npi, service_facility_npi, is_incomplete, "    \
	"parsing_warnings, content_sha256, raw_edi, ingest_file_id, raw_encrypted"
#define CLAIM_CONTENT_PARAMS                                                                     \
	"?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, " \
	"?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, " \
	"?46, ?47, ?48, ?49, ?50, ?51, ?52, ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60, ?61, ?62, ?63, " \
	"?64, ?65, ?66"

struct claim_ctx {
	const struct claims__claim_rec *c;
	int64_t provider_id, payer_id, ingest_file_id;
	const char *practice_id;
	char *other_payers_json;
	char *warnings_json;
	struct claims__raw raw; /* claims.raw_edi as stored */
};

static void
bind_content(sqlite3_stmt *s, const struct claim_ctx *x)
{
	const struct claims__claim_rec *c = x->c;
	const char *text[] = {
		c->facility_type_code, c->facility_code_qualifier, c->claim_frequency_type,
		c->provider_signature, c->assignment_code, c->benefits_assignment,
		c->release_of_info, c->related_causes, c->delay_reason_code,
		c->original_reference_number, c->prior_authorization, c->referral_number,
		c->medical_record_number, c->statement_date, c->statement_date_to,
		c->admission_date, c->admission_hour, c->discharge_date, c->discharge_hour,
		c->service_date, c->service_date_to, c->onset_date, c->last_menstrual_date,
		c->submitted_date, c->admission_type, c->admission_source, c->patient_status,
		c->principal_diagnosis, c->payer_responsibility, c->relationship_code,
		c->claim_filing_indicator,
	};
	const char *text2[] = {
		c->subscriber_member_id, c->patient_last_name, c->patient_first_name,
		c->patient_dob, c->patient_gender, c->billing_provider_npi, c->billing_tax_id,
		c->rendering_provider_npi, c->attending_provider_npi, c->operating_provider_npi,
		c->referring_provider_npi, c->service_facility_npi,
	};
	int i = 10;

	claims__bind_text(s, i++, c->type == CLAIMS_X12_TYPE_837I ? "837I" : "837P");
	claims__bind_text(s, i++, c->pcn_key);
	claims__bind_text(s, i++, c->patient_key);
	claims__bind_id(s, i++, x->provider_id);
	claims__bind_id(s, i++, x->payer_id);
	claims__bind_text(s, i++, x->practice_id);
	claims__bind_money(s, i++, c->total_charge);
	for (size_t k = 0; k < sizeof(text) / sizeof(text[0]); k++)
		claims__bind_text(s, i++, text[k]);
	claims__bind_text(s, i++, x->other_payers_json ? x->other_payers_json : "[]");
	for (size_t k = 0; k < sizeof(text2) / sizeof(text2[0]); k++)
		claims__bind_text(s, i++, text2[k]);
	sqlite3_bind_int(s, i++, c->is_incomplete ? 1 : 0);
	claims__bind_text(s, i++, x->warnings_json ? x->warnings_json : "[]");
	claims__bind_text(s, i++, c->content_sha256);
	claims__raw_bind(s, i, i + 2, &x->raw);
	i++;
	claims__bind_id(s, i++, x->ingest_file_id);
}

static char *
other_payers_json(const struct claims__claim_rec *c)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_array_begin(&w);
	for (size_t i = 0; i < c->n_other_payers; i++) {
		const struct claims__other_payer_rec *o = &c->other_payers[i];

		claims__jsonw_object_begin(&w);
		claims__jsonw_kv_string(&w, "responsibility", o->responsibility);
		claims__jsonw_kv_string(&w, "payer_id", o->payer_id);
		claims__jsonw_kv_string(&w, "payer_name", o->payer_name);
		claims__jsonw_kv_cents_or_null(&w, "paid_amount", o->paid.has, o->paid.cents);
		claims__jsonw_object_end(&w);
	}
	claims__jsonw_array_end(&w);
	return claims__buf_take(&b);
}

static int
insert_children(claims_db *db, int64_t claim_id, const struct claims__claim_rec *c)
{
	static const char del_lines[] = "DELETE FROM claim_lines WHERE claim_id = ?1";
	static const char del_dx[] = "DELETE FROM claim_diagnoses WHERE claim_id = ?1";
	static const char ins_line[] =
		"INSERT INTO claim_lines (claim_id, line_number, lx_number, revenue_code, "
		"procedure_qualifier, procedure_code, procedure_modifier, modifiers, charge_cents, "
		"unit_type, unit_count, place_of_service, diagnosis_pointers, service_date, "
		"service_date_to, line_item_control_number, rendering_provider_npi, "
		"procedure_code_valid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		"?13, ?14, ?15, ?16, ?17, ?18)";
	static const char ins_dx[] =
		"INSERT INTO claim_diagnoses (claim_id, sequence, diagnosis_pointer, qualifier, code, "
		"code_system, role, poa, code_date, amount_cents, is_valid) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
	sqlite3_stmt *s;
	char *mods = NULL;
	int rc;

	rc = claims__stmt(&s, db, del_lines);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = claims__step_done(db, s, "replacing claim lines");
	if (rc < 0)
		return rc;
	rc = claims__stmt(&s, db, del_dx);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = claims__step_done(db, s, "replacing diagnoses");
	if (rc < 0)
		return rc;

	for (size_t i = 0; i < c->n_lines; i++) {
		const struct claims__line_rec *l = &c->lines[i];
		char ptrs[64];
		size_t plen = 0;

		claims__free(mods);
		mods = claims__codes_json(l->modifiers, (size_t)(l->n_modifiers > 4 ? 4 : l->n_modifiers));
		if (!mods) {
			rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
			goto out;
		}
		ptrs[plen++] = '[';
		for (int k = 0; k < l->n_pointers && k < 4; k++)
			plen += (size_t)snprintf(ptrs + plen, sizeof(ptrs) - plen, "%s%d", k ? "," : "",
						 l->diagnosis_pointers[k]);
		ptrs[plen++] = ']';
		ptrs[plen] = '\0';

		rc = claims__stmt(&s, db, ins_line);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(s, 1, claim_id);
		sqlite3_bind_int(s, 2, l->line_number);
		claims__bind_id(s, 3, l->lx_number);
		claims__bind_text(s, 4, l->revenue_code);
		claims__bind_text(s, 5, l->procedure_qualifier);
		claims__bind_text(s, 6, l->procedure_code);
		claims__bind_text(s, 7, l->n_modifiers > 0 ? l->modifiers[0] : NULL);
		sqlite3_bind_text(s, 8, mods, -1, SQLITE_TRANSIENT);
		claims__bind_money(s, 9, l->charge);
		claims__bind_text(s, 10, l->unit_type);
		if (l->has_unit_count)
			sqlite3_bind_double(s, 11, l->unit_count);
		else
			sqlite3_bind_null(s, 11);
		claims__bind_text(s, 12, l->place_of_service);
		sqlite3_bind_text(s, 13, ptrs, -1, SQLITE_TRANSIENT);
		claims__bind_text(s, 14, l->service_date);
		claims__bind_text(s, 15, l->service_date_to);
		claims__bind_text(s, 16, l->line_item_control_number);
		claims__bind_text(s, 17, l->rendering_provider_npi);
		if (l->procedure_code_valid >= 0)
			sqlite3_bind_int(s, 18, l->procedure_code_valid);
		else
			sqlite3_bind_null(s, 18);
		rc = claims__step_done(db, s, "storing a claim line");
		if (rc < 0)
			goto out;
	}
	for (size_t i = 0; i < c->n_diagnoses; i++) {
		const struct claims__diagnosis_rec *d = &c->diagnoses[i];

		rc = claims__stmt(&s, db, ins_dx);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(s, 1, claim_id);
		sqlite3_bind_int(s, 2, d->sequence);
		claims__bind_id(s, 3, d->pointer);
		claims__bind_text(s, 4, d->qualifier ? d->qualifier : "");
		claims__bind_text(s, 5, d->code ? d->code : "");
		claims__bind_text(s, 6, d->code_system ? d->code_system : "OTHER");
		claims__bind_text(s, 7, d->role ? d->role : "unknown");
		claims__bind_text(s, 8, d->poa);
		claims__bind_text(s, 9, d->code_date);
		claims__bind_money(s, 10, d->amount);
		sqlite3_bind_int(s, 11, d->is_valid ? 1 : 0);
		rc = claims__step_done(db, s, "storing a diagnosis");
		if (rc < 0)
			goto out;
	}
	rc = CLAIMS_OK;
out:
	claims__free(mods);
	return rc;
}

/* claim_history snapshot: the stored fields that identify the version. */
static char *
snapshot_json(const struct claims__claim_rec *c, const char *action)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_object_begin(&w);
	claims__jsonw_kv_string(&w, "action", action);
	claims__jsonw_kv_string(&w, "transaction_type",
				c->type == CLAIMS_X12_TYPE_837I ? "837I" : "837P");
	claims__jsonw_kv_string(&w, "claim_control_number", c->claim_control_number);
	claims__jsonw_kv_string(&w, "provider_key", c->provider_key);
	claims__jsonw_kv_string(&w, "payer_key", c->payer_key);
	claims__jsonw_kv_cents_or_null(&w, "total_charge_amount", c->total_charge.has,
				       c->total_charge.cents);
	claims__jsonw_kv_string(&w, "claim_frequency_type", c->claim_frequency_type);
	claims__jsonw_kv_string(&w, "facility_type_code", c->facility_type_code);
	claims__jsonw_kv_string(&w, "original_reference_number", c->original_reference_number);
	claims__jsonw_kv_string(&w, "service_date", c->service_date);
	claims__jsonw_kv_string(&w, "service_date_to", c->service_date_to);
	claims__jsonw_kv_string(&w, "principal_diagnosis", c->principal_diagnosis);
	claims__jsonw_kv_int(&w, "line_count", (int64_t)c->n_lines);
	claims__jsonw_kv_int(&w, "diagnosis_count", (int64_t)c->n_diagnoses);
	claims__jsonw_kv_string(&w, "content_sha256", c->content_sha256);
	claims__jsonw_object_end(&w);
	return claims__buf_take(&b);
}

static int
insert_history(claims_db *db, int64_t claim_id, int64_t version, int64_t ingest_file_id,
	       const char *action, const struct claims__claim_rec *c)
{
	static const char sql[] =
		"INSERT INTO claim_history (claim_id, version, ingest_file_id, action, "
		"claim_frequency_type, total_charge_cents, content_sha256, snapshot, raw_edi, "
		"raw_encrypted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
	char *snap = snapshot_json(c, action);
	struct claims__raw raw = { 0 };
	sqlite3_stmt *s;
	int rc;

	if (!snap)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__raw_prepare(db, &raw, CLAIMS__AD_CLAIM_HISTORY, c->raw_edi, c->raw_edi_len);
	if (rc == CLAIMS_OK)
		rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(s, 1, claim_id);
	sqlite3_bind_int64(s, 2, version);
	claims__bind_id(s, 3, ingest_file_id);
	claims__bind_text(s, 4, action);
	claims__bind_text(s, 5, c->claim_frequency_type);
	claims__bind_money(s, 6, c->total_charge);
	claims__bind_text(s, 7, c->content_sha256);
	claims__bind_text(s, 8, snap);
	claims__raw_bind(s, 9, 10, &raw);
	rc = claims__step_done(db, s, "storing claim history");
out:
	claims__raw_clear(&raw);
	claims__free(snap);
	return rc;
}

struct existing {
	bool found;
	int64_t id, version;
	char sha[65];
	char *member_id, *last, *first, *dob;
};

static void
existing_free(struct existing *e)
{
	claims__free(e->member_id);
	claims__free(e->last);
	claims__free(e->first);
	claims__free(e->dob);
	memset(e, 0, sizeof(*e));
}

static int
read_existing(claims_db *db, sqlite3_stmt *s, struct existing *e)
{
	int rc = sqlite3_step(s);

	memset(e, 0, sizeof(*e));
	if (rc == SQLITE_ROW) {
		e->found = true;
		e->id = sqlite3_column_int64(s, 0);
		e->version = sqlite3_column_int64(s, 1);
		snprintf(e->sha, sizeof(e->sha), "%s", sqlite3_column_text(s, 2));
		e->member_id = claims__strdup((const char *)sqlite3_column_text(s, 3));
		e->last = claims__strdup((const char *)sqlite3_column_text(s, 4));
		e->first = claims__strdup((const char *)sqlite3_column_text(s, 5));
		e->dob = claims__strdup((const char *)sqlite3_column_text(s, 6));
		rc = CLAIMS_OK;
	} else if (rc == SQLITE_DONE) {
		rc = CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "looking up a claim");
	}
	sqlite3_reset(s);
	return rc;
}

static bool
same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void
raise_issue(claims_x12_issue_cb cb, void *payload, claims_x12_mode mode, claims_x12_code code,
      const struct claims__claim_rec *c, const char *message)
{
	claims_x12_issue is;

	if (!cb)
		return;
	claims__x12_issue_init(&is, code, mode);
	is.interchange = c->interchange;
	is.transaction = c->transaction;
	is.segment_index = c->first_segment_index;
	is.segment_id = "CLM";
	is.message = message;
	cb(&is, payload);
}

int
claims__store_claim_put(claims_db *db, const struct claims__claim_rec *c, int64_t ingest_file_id,
			const char *practice_id, const char *file_name, claims_x12_mode mode, claims_x12_issue_cb issue_cb,
			void *payload, int64_t *id_out, enum claims__claim_action *action_out)
{
	static const char find[] =
		"SELECT id, version, content_sha256, subscriber_member_id, patient_last_name, "
		"patient_first_name, patient_dob FROM claims "
		"WHERE provider_key = ?1 AND claim_control_number = ?2 AND payer_key = ?3";
	static const char find_by_icn[] =
		"SELECT c.id, c.version, c.content_sha256, c.subscriber_member_id, "
		"c.patient_last_name, c.patient_first_name, c.patient_dob FROM claims c "
		"JOIN claim_episodes e ON e.claim_id = c.id "
		"JOIN remittances r ON r.id = e.remittance_id "
		"WHERE c.provider_key = ?1 AND c.payer_key = ?2 AND r.payer_claim_control_number = ?3 "
		"ORDER BY c.id LIMIT 1";
	static const char bump[] =
		"UPDATE claims SET submission_count = submission_count + 1, updated_at = " NOW
		" WHERE id = ?1";
	static const char ins[] =
		"INSERT INTO claims (provider_key, payer_key, claim_control_number, "
		"patient_control_number, status, voided_at, version, submission_count, "
		CLAIM_CONTENT_COLUMNS ") VALUES (?1, ?2, ?3, ?3, ?4, ?5, 1, 1, " CLAIM_CONTENT_PARAMS ")";
	static const char upd[] =
		"UPDATE claims SET (" CLAIM_CONTENT_COLUMNS ") = (" CLAIM_CONTENT_PARAMS "), "
		"version = version + 1, submission_count = submission_count + ?2, "
		"updated_at = " NOW " WHERE id = ?1";
	static const char void_sql[] =
		"UPDATE claims SET status = 'void', voided_at = " NOW ", claim_frequency_type = '8', "
		"version = version + 1, updated_at = " NOW " WHERE id = ?1";
	struct claim_ctx x = { .c = c, .ingest_file_id = ingest_file_id, .practice_id = practice_id };
	struct existing e = { 0 };
	sqlite3_stmt *s;
	const char *freq = c->claim_frequency_type;
	bool is_replacement = freq && strcmp(freq, "7") == 0;
	bool is_void = freq && strcmp(freq, "8") == 0;
	int rc;

	*id_out = 0;
	rc = claims__store_provider_ensure(db, &x.provider_id, &c->provider);
	if (rc < 0)
		return rc;
	rc = claims__store_payer_ensure(db, &x.payer_id, c->payer.payer_id, c->payer.name);
	if (rc < 0)
		return rc;
	/* Ingest of an 837 set (spec/cache.md §6). */
	claims__inval_prefix(db, "count:claim");
	claims__inval_prefix(db, "count:payer");

	rc = claims__stmt(&s, db, find);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, c->provider_key);
	claims__bind_text(s, 2, c->claim_control_number);
	claims__bind_text(s, 3, c->payer_key);
	rc = read_existing(db, s, &e);
	if (rc < 0)
		goto out;
	if (!e.found && (is_replacement || is_void) && c->original_reference_number) {
		rc = claims__stmt(&s, db, find_by_icn);
		if (rc < 0)
			goto out;
		claims__bind_text(s, 1, c->provider_key);
		claims__bind_text(s, 2, c->payer_key);
		claims__bind_text(s, 3, c->original_reference_number);
		rc = read_existing(db, s, &e);
		if (rc < 0)
			goto out;
	}

	if (e.found) {
		/* An existing claim changes even when its content does not
		 * (submission_count, updated_at). */
		claims__inval_key(db, "claim", e.id);
		claims__inval_key(db, "pattern:analysis", e.id);
		if (is_replacement || is_void)
			claims__inval_key(db, "risk_score", e.id);
	}
	if (e.found && strcmp(e.sha, c->content_sha256) == 0) {
		rc = claims__stmt(&s, db, bump);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(s, 1, e.id);
		rc = claims__step_done(db, s, "counting a resubmission");
		*id_out = e.id;
		*action_out = CLAIMS__CLAIM_UNCHANGED;
		goto out;
	}

	x.other_payers_json = other_payers_json(c);
	x.warnings_json = claims__issues_json(&c->issues, file_name);
	if (!x.other_payers_json || !x.warnings_json) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	rc = claims__raw_prepare(db, &x.raw, CLAIMS__AD_CLAIM, c->raw_edi, c->raw_edi_len);
	if (rc < 0)
		goto out;

	if (e.found && is_void) {
		rc = claims__stmt(&s, db, void_sql);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(s, 1, e.id);
		rc = claims__step_done(db, s, "voiding a claim");
		if (rc == CLAIMS_OK)
			rc = insert_history(db, e.id, e.version + 1, ingest_file_id, "voided", c);
		*id_out = e.id;
		*action_out = CLAIMS__CLAIM_VOIDED;
		goto out;
	}

	if (e.found) {
		if (!is_replacement &&
		    (!same_text(e.member_id, c->subscriber_member_id) ||
		     !same_text(e.last, c->patient_last_name) ||
		     !same_text(e.first, c->patient_first_name) || !same_text(e.dob, c->patient_dob)))
			raise_issue(issue_cb, payload, mode, CLAIMS_X12_CLAIM_KEY_REUSED, c,
			      "A stored claim with the same provider, claim number and payer belongs "
			      "to a different patient; it was replaced");
		rc = claims__stmt(&s, db, upd);
		if (rc < 0)
			goto out;
		sqlite3_bind_int64(s, 1, e.id);
		sqlite3_bind_int(s, 2, is_replacement ? 0 : 1);
		bind_content(s, &x);
		rc = claims__step_done(db, s, "replacing a claim");
		if (rc == CLAIMS_OK)
			rc = insert_children(db, e.id, c);
		if (rc == CLAIMS_OK)
			rc = insert_history(db, e.id, e.version + 1, ingest_file_id,
					    is_replacement ? "replaced" : "resubmitted", c);
		*id_out = e.id;
		*action_out = CLAIMS__CLAIM_UPDATED;
		goto out;
	}

	if (is_replacement || is_void)
		raise_issue(issue_cb, payload, mode, CLAIMS_X12_ORIGINAL_CLAIM_NOT_FOUND, c,
		      is_void ? "No stored claim to void: stored as a void claim"
			      : "No stored claim to replace: stored as a new claim");
	rc = claims__stmt(&s, db, ins);
	if (rc < 0)
		goto out;
	claims__bind_text(s, 1, c->provider_key);
	claims__bind_text(s, 2, c->payer_key);
	claims__bind_text(s, 3, c->claim_control_number);
	claims__bind_text(s, 4, is_void ? "void" : "pending");
	if (is_void) {
		char ts[21];

		claims__now_ts(ts);
		sqlite3_bind_text(s, 5, ts, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(s, 5);
	}
	bind_content(s, &x);
	rc = claims__step_done(db, s, "storing a claim");
	if (rc < 0)
		goto out;
	*id_out = sqlite3_last_insert_rowid(db->sql);
	rc = insert_children(db, *id_out, c);
	if (rc == CLAIMS_OK)
		rc = insert_history(db, *id_out, 1, ingest_file_id, "created", c);
	*action_out = CLAIMS__CLAIM_CREATED;
out:
	existing_free(&e);
	claims__free(x.other_payers_json);
	claims__free(x.warnings_json);
	claims__raw_clear(&x.raw);
	return rc;
}

int
claims__store_claim_brief(claims_db *db, int64_t id, char **ccn, char status[static 16],
			  bool *found)
{
	static const char sql[] = "SELECT claim_control_number, status FROM claims WHERE id = ?1";
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc;

	*ccn = NULL;
	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a claim", found);
	if (rc < 0 || !*found)
		return rc;
	t = sqlite3_column_text(s, 0);
	*ccn = claims__strdup(t ? (const char *)t : "");
	t = sqlite3_column_text(s, 1);
	snprintf(status, 16, "%s", t ? (const char *)t : "");
	sqlite3_reset(s);
	return *ccn ? CLAIMS_OK : claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
}
