/*
 * libclaims store: reading one stored claim back as the record the 837
 * mapping produced (struct claims__claim_rec, lib/ingest/records.h), for
 * the 837 writer (lib/x12/write837.c).  Unlike the read models of query.h
 * this reads every stored field, patient data included: the writer needs
 * them to rebuild the claim, and they leave the library only inside the
 * generated X12.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "query.h"
#include "store.h"
#include "x12/values.h"

/* The claim's columns, in the order read_claim() reads them. */
#define EXPORT_CLAIM_COLS                                                                       \
	"c.transaction_type, c.provider_key, c.payer_key, c.claim_control_number, c.pcn_key, "   \
	"c.patient_key, c.total_charge_cents, c.facility_type_code, c.facility_code_qualifier, " \
	"c.claim_frequency_type, c.provider_signature, c.assignment_code, "                      \
	"c.benefits_assignment, c.release_of_info, c.related_causes, c.delay_reason_code, "      \
	"c.original_reference_number, c.prior_authorization, c.referral_number, "                \
	"c.medical_record_number, c.statement_date, c.statement_date_to, c.admission_date, "     \
	"c.admission_hour, c.discharge_date, c.discharge_hour, c.service_date, "                 \
	"c.service_date_to, c.onset_date, c.last_menstrual_date, c.submitted_date, "             \
	"c.admission_type, c.admission_source, c.patient_status, c.principal_diagnosis, "        \
	"c.payer_responsibility, c.relationship_code, c.claim_filing_indicator, "                \
	"c.subscriber_member_id, c.patient_last_name, c.patient_first_name, c.patient_dob, "     \
	"c.patient_gender, c.billing_provider_npi, c.billing_tax_id, c.rendering_provider_npi, " \
	"c.attending_provider_npi, c.operating_provider_npi, c.referring_provider_npi, "         \
	"c.service_facility_npi, c.is_incomplete, c.version, "                                   \
	"p.npi, p.tax_id, p.name, p.entity_type, p.taxonomy_code, p.npi_valid, "                 \
	"y.payer_id, y.name"

static int
read_claim(claims_db *db, struct claims__arena *a, int64_t id, struct claims__claim_rec *c,
	   int64_t *version, bool *found)
{
	static const char sql[] =
		"SELECT " EXPORT_CLAIM_COLS " FROM claims AS c "
		"LEFT JOIN providers AS p ON p.id = c.provider_id "
		"LEFT JOIN payers AS y ON y.id = c.payer_id WHERE c.id = ?1";
	const char **text[] = {
		&c->facility_type_code, &c->facility_code_qualifier, &c->claim_frequency_type,
		&c->provider_signature, &c->assignment_code, &c->benefits_assignment,
		&c->release_of_info, &c->related_causes, &c->delay_reason_code,
		&c->original_reference_number, &c->prior_authorization, &c->referral_number,
		&c->medical_record_number, &c->statement_date, &c->statement_date_to,
		&c->admission_date, &c->admission_hour, &c->discharge_date, &c->discharge_hour,
		&c->service_date, &c->service_date_to, &c->onset_date, &c->last_menstrual_date,
		&c->submitted_date, &c->admission_type, &c->admission_source, &c->patient_status,
		&c->principal_diagnosis, &c->payer_responsibility, &c->relationship_code,
		&c->claim_filing_indicator, &c->subscriber_member_id, &c->patient_last_name,
		&c->patient_first_name, &c->patient_dob, &c->patient_gender,
		&c->billing_provider_npi, &c->billing_tax_id, &c->rendering_provider_npi,
		&c->attending_provider_npi, &c->operating_provider_npi, &c->referring_provider_npi,
		&c->service_facility_npi,
	};
	sqlite3_stmt *s;
	bool oom = false;
	const char *type;
	int rc, i = 0;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a claim", found);
	if (rc < 0 || !*found)
		return rc;
	type = (const char *)sqlite3_column_text(s, i++);
	c->type = type && strcmp(type, "837I") == 0 ? CLAIMS_X12_TYPE_837I : CLAIMS_X12_TYPE_837P;
	c->provider_key = claims__col_text(a, s, i++, &oom);
	c->payer_key = claims__col_text(a, s, i++, &oom);
	c->claim_control_number = claims__col_text(a, s, i++, &oom);
	c->pcn_key = claims__col_text(a, s, i++, &oom);
	c->patient_key = claims__col_text(a, s, i++, &oom);
	c->total_charge.has = sqlite3_column_type(s, i) != SQLITE_NULL;
	c->total_charge.cents = sqlite3_column_int64(s, i++);
	for (size_t k = 0; k < sizeof(text) / sizeof(text[0]); k++)
		*text[k] = claims__col_text(a, s, i++, &oom);
	c->is_incomplete = sqlite3_column_int(s, i++) != 0;
	*version = sqlite3_column_int64(s, i++);
	c->provider.npi = claims__col_text(a, s, i++, &oom);
	c->provider.tax_id = claims__col_text(a, s, i++, &oom);
	c->provider.name = claims__col_text(a, s, i++, &oom);
	c->provider.entity_type = (int)sqlite3_column_int(s, i++);
	c->provider.taxonomy_code = claims__col_text(a, s, i++, &oom);
	c->provider.npi_valid = sqlite3_column_int(s, i++) != 0;
	c->payer.payer_id = claims__col_text(a, s, i++, &oom);
	c->payer.name = claims__col_text(a, s, i++, &oom);
	sqlite3_reset(s);
	return oom ? claims__set_error(db, CLAIMS_ENOMEM, "out of memory") : CLAIMS_OK;
}

/* An amount kept as JSON number text (other_payers.paid_amount); NULL and
 * anything that is not a plain decimal read as absent. */
static struct claims__money
json_amount(sqlite3_stmt *s, int col)
{
	struct claims__money m = { false, 0 };
	const char *t = (const char *)sqlite3_column_text(s, col);

	if (sqlite3_column_type(s, col) == SQLITE_NULL || !t)
		return m;
	if (claims__parse_amount(t, strlen(t), &m.cents) != CLAIMS__AMOUNT_INVALID)
		m.has = true;
	else
		m.cents = 0;
	return m;
}

static int
read_other_payers(claims_db *db, struct claims__arena *a, int64_t id, struct claims__claim_rec *c)
{
	/* "->" keeps a number's JSON text, so the cents are read exactly. */
	static const char sql[] =
		"SELECT j.value ->> '$.responsibility', j.value ->> '$.payer_id', "
		"j.value ->> '$.payer_name', j.value -> '$.paid_amount' "
		"FROM claims AS c, json_each(c.other_payers) AS j WHERE c.id = ?1 ORDER BY j.key";
	size_t cap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct claims__other_payer_rec *o;

		if (c->n_other_payers == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			void *p = claims__arena_grow(a, c->other_payers, c->n_other_payers, ncap,
						     sizeof(*o));

			if (!p) {
				oom = true;
				break;
			}
			c->other_payers = p;
			cap = ncap;
		}
		o = &c->other_payers[c->n_other_payers++];
		o->responsibility = claims__col_text(a, s, 0, &oom);
		o->payer_id = claims__col_text(a, s, 1, &oom);
		o->payer_name = claims__col_text(a, s, 2, &oom);
		o->paid = json_amount(s, 3);
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading other payers");
}

static int
read_diagnoses(claims_db *db, struct claims__arena *a, int64_t id, struct claims__claim_rec *c)
{
	static const char sql[] =
		"SELECT sequence, diagnosis_pointer, qualifier, code, code_system, role, poa, "
		"code_date, amount_cents, is_valid FROM claim_diagnoses WHERE claim_id = ?1 "
		"ORDER BY sequence";
	size_t cap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct claims__diagnosis_rec *d;

		if (c->n_diagnoses == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *p = claims__arena_grow(a, c->diagnoses, c->n_diagnoses, ncap,
						     sizeof(*d));

			if (!p) {
				oom = true;
				break;
			}
			c->diagnoses = p;
			cap = ncap;
		}
		d = &c->diagnoses[c->n_diagnoses++];
		d->sequence = sqlite3_column_int(s, 0);
		d->pointer = (int)claims__col_id(s, 1);
		d->qualifier = claims__col_text(a, s, 2, &oom);
		d->code = claims__col_text(a, s, 3, &oom);
		d->code_system = claims__col_text(a, s, 4, &oom);
		d->role = claims__col_text(a, s, 5, &oom);
		d->poa = claims__col_text(a, s, 6, &oom);
		d->code_date = claims__col_text(a, s, 7, &oom);
		d->amount.has = sqlite3_column_type(s, 8) != SQLITE_NULL;
		d->amount.cents = sqlite3_column_int64(s, 8);
		d->is_valid = sqlite3_column_int(s, 9) != 0;
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading diagnoses");
}

/* The elements of a line's JSON array column (modifiers, pointers). */
static int
read_line_arrays(claims_db *db, struct claims__arena *a, int64_t claim_id,
		 struct claims__claim_rec *c)
{
	static const char sql[] =
		"SELECT l.line_number, 0, j.key, j.value FROM claim_lines AS l, "
		"json_each(l.modifiers) AS j WHERE l.claim_id = ?1 "
		"UNION ALL "
		"SELECT l.line_number, 1, j.key, j.value FROM claim_lines AS l, "
		"json_each(l.diagnosis_pointers) AS j WHERE l.claim_id = ?1 "
		"ORDER BY 1, 2, 3";
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t n = sqlite3_column_int64(s, 0);
		struct claims__line_rec *l = NULL;

		for (size_t i = 0; i < c->n_lines; i++)
			if (c->lines[i].line_number == n)
				l = &c->lines[i];
		if (!l)
			continue;
		if (sqlite3_column_int(s, 1) == 0) {
			if (l->n_modifiers < 4)
				l->modifiers[l->n_modifiers++] = claims__col_text(a, s, 3, &oom);
		} else if (l->n_pointers < 4) {
			l->diagnosis_pointers[l->n_pointers++] = sqlite3_column_int(s, 3);
		}
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	return rc == SQLITE_DONE ? CLAIMS_OK : claims__sqlite_error(db, rc, "reading claim lines");
}

static int
read_lines(claims_db *db, struct claims__arena *a, int64_t id, struct claims__claim_rec *c)
{
	static const char sql[] =
		"SELECT line_number, lx_number, revenue_code, procedure_qualifier, procedure_code, "
		"charge_cents, unit_type, unit_count, place_of_service, service_date, "
		"service_date_to, line_item_control_number, rendering_provider_npi, "
		"procedure_code_valid FROM claim_lines WHERE claim_id = ?1 ORDER BY line_number";
	size_t cap = 0;
	sqlite3_stmt *s;
	bool oom = false;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	while (!oom && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct claims__line_rec *l;

		if (c->n_lines == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *p = claims__arena_grow(a, c->lines, c->n_lines, ncap, sizeof(*l));

			if (!p) {
				oom = true;
				break;
			}
			c->lines = p;
			cap = ncap;
		}
		l = &c->lines[c->n_lines++];
		l->line_number = sqlite3_column_int(s, 0);
		l->lx_number = (int)claims__col_id(s, 1);
		l->revenue_code = claims__col_text(a, s, 2, &oom);
		l->procedure_qualifier = claims__col_text(a, s, 3, &oom);
		l->procedure_code = claims__col_text(a, s, 4, &oom);
		l->charge.has = sqlite3_column_type(s, 5) != SQLITE_NULL;
		l->charge.cents = sqlite3_column_int64(s, 5);
		l->unit_type = claims__col_text(a, s, 6, &oom);
		l->has_unit_count = sqlite3_column_type(s, 7) != SQLITE_NULL;
		l->unit_count = sqlite3_column_double(s, 7);
		l->place_of_service = claims__col_text(a, s, 8, &oom);
		l->service_date = claims__col_text(a, s, 9, &oom);
		l->service_date_to = claims__col_text(a, s, 10, &oom);
		l->line_item_control_number = claims__col_text(a, s, 11, &oom);
		l->rendering_provider_npi = claims__col_text(a, s, 12, &oom);
		l->procedure_code_valid = sqlite3_column_type(s, 13) == SQLITE_NULL
						  ? -1
						  : sqlite3_column_int(s, 13) != 0;
	}
	sqlite3_reset(s);
	if (oom)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "reading claim lines");
	return read_line_arrays(db, a, id, c);
}

int
claims__store_claim_record(claims_db *db, struct claims__arena *a, int64_t id,
			   struct claims__claim_rec *out, int64_t *version_out)
{
	bool found = false;
	int rc;

	memset(out, 0, sizeof(*out));
	*version_out = 0;
	if (id < 1)
		return claims__not_found(db, "Claim", id);
	rc = claims__read_begin(db);
	if (rc < 0)
		return rc;
	rc = read_claim(db, a, id, out, version_out, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__not_found(db, "Claim", id);
	if (rc == CLAIMS_OK)
		rc = read_other_payers(db, a, id, out);
	if (rc == CLAIMS_OK)
		rc = read_diagnoses(db, a, id, out);
	if (rc == CLAIMS_OK)
		rc = read_lines(db, a, id, out);
	claims__read_end(db);
	return rc;
}
