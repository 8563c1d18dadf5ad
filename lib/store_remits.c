/*
 * libclaims store: remittances (claim payments), their service lines and
 * adjustments, and provider-level adjustments (x12.md §7, §9.3).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ingest/arena.h"
#include "crypt.h"
#include "jsonw.h"
#include "store.h"

static int
insert_adjustments(claims_db *db, int64_t remit_id, int64_t line_id, const char *level,
		   const struct claims__adjustment_rec *adj, size_t n)
{
	static const char sql[] =
		"INSERT INTO adjustments (remittance_id, service_line_id, level, group_code, "
		"reason_code, amount_cents, quantity, segment_ordinal, triplet_index) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *s;
	int rc;

	for (size_t i = 0; i < n; i++) {
		rc = claims__stmt(&s, db, sql);
		if (rc < 0)
			return rc;
		sqlite3_bind_int64(s, 1, remit_id);
		claims__bind_id(s, 2, line_id);
		claims__bind_text(s, 3, level);
		claims__bind_text(s, 4, adj[i].group_code);
		claims__bind_text(s, 5, adj[i].reason_code);
		sqlite3_bind_int64(s, 6, adj[i].amount_cents);
		if (adj[i].has_quantity)
			sqlite3_bind_double(s, 7, adj[i].quantity);
		else
			sqlite3_bind_null(s, 7);
		sqlite3_bind_int(s, 8, adj[i].segment_ordinal);
		sqlite3_bind_int(s, 9, adj[i].triplet_index);
		rc = claims__step_done(db, s, "storing an adjustment");
		if (rc < 0)
			return rc;
	}
	return CLAIMS_OK;
}

static int
insert_service(claims_db *db, int64_t remit_id, const struct claims__service_rec *v)
{
	static const char sql[] =
		"INSERT INTO remittance_service_lines (remittance_id, line_number, "
		"procedure_qualifier, procedure_code, modifiers, revenue_code, charge_cents, "
		"paid_cents, units, original_procedure, original_units, service_date, "
		"service_date_to, line_item_control_number, allowed_cents, remark_codes) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
	char *mods = claims__codes_json(v->modifiers, (size_t)(v->n_modifiers > 4 ? 4 : v->n_modifiers));
	char *remarks = claims__codes_json(v->remark_codes, v->n_remark_codes);
	sqlite3_stmt *s;
	int rc;

	if (!mods || !remarks) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		goto out;
	sqlite3_bind_int64(s, 1, remit_id);
	sqlite3_bind_int(s, 2, v->line_number);
	claims__bind_text(s, 3, v->procedure_qualifier);
	claims__bind_text(s, 4, v->procedure_code);
	claims__bind_text(s, 5, mods);
	claims__bind_text(s, 6, v->revenue_code);
	claims__bind_money(s, 7, v->charge);
	claims__bind_money(s, 8, v->paid);
	if (v->has_units)
		sqlite3_bind_double(s, 9, v->units);
	else
		sqlite3_bind_null(s, 9);
	claims__bind_text(s, 10, v->original_procedure);
	if (v->has_original_units)
		sqlite3_bind_double(s, 11, v->original_units);
	else
		sqlite3_bind_null(s, 11);
	claims__bind_text(s, 12, v->service_date);
	claims__bind_text(s, 13, v->service_date_to);
	claims__bind_text(s, 14, v->line_item_control_number);
	claims__bind_money(s, 15, v->allowed);
	claims__bind_text(s, 16, remarks);
	rc = claims__step_done(db, s, "storing a service line");
	if (rc == CLAIMS_OK)
		rc = insert_adjustments(db, remit_id, sqlite3_last_insert_rowid(db->sql), "service",
					v->adjustments, v->n_adjustments);
out:
	claims__free(mods);
	claims__free(remarks);
	return rc;
}

int
claims__store_remit_put(claims_db *db, const struct claims__remit_rec *r, int64_t payer_id,
			int64_t ingest_file_id, const char *file_name, int64_t *id_out,
			bool *created)
{
	static const char find[] = "SELECT id FROM remittances WHERE dedup_key = ?1";
	static const char ins[] =
		"INSERT INTO remittances (ingest_file_id, dedup_key, payer_id, claim_control_number, "
		"pcn_key, patient_key, claim_status_code, claim_charge_cents, payment_amount_cents, "
		"patient_responsibility_cents, claim_filing_indicator, payer_claim_control_number, "
		"facility_type_code, claim_frequency_type, drg_code, payer_name, check_number, "
		"trace_originator, handling_code, total_payment_cents, credit_debit, payment_method, "
		"payment_date, payee_name, payee_npi, payee_tax_id, patient_last_name, "
		"patient_first_name, patient_member_id, rendering_provider_npi, crossover_payer_name, "
		"service_date_from, service_date_to, received_date, remark_codes, amounts, "
		"interchange_control_number, transaction_control_number, is_incomplete, "
		"parsing_warnings, raw_edi, raw_encrypted) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
		"?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, "
		"?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42)";
	const struct claims__remit_header *h = r->header;
	char *remarks = NULL, *warnings = NULL;
	struct claims__raw raw = { 0 };
	sqlite3_stmt *s;
	int rc;

	*id_out = 0;
	*created = false;
	/* Ingest of an 835 set (spec/cache.md §6). */
	claims__inval_prefix(db, "count:remittance");
	claims__inval_prefix(db, "count:payer");
	rc = claims__stmt(&s, db, find);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, r->dedup_key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id_out = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
		return CLAIMS_OK;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "looking up a remittance");

	remarks = claims__codes_json(r->remark_codes, r->n_remark_codes);
	warnings = claims__issues_json(&r->issues, file_name);
	if (!remarks || !warnings) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	rc = claims__raw_prepare(db, &raw, CLAIMS__AD_REMITTANCE, r->raw_edi, r->raw_edi_len);
	if (rc < 0)
		goto out;
	rc = claims__stmt(&s, db, ins);
	if (rc < 0)
		goto out;
	claims__bind_id(s, 1, ingest_file_id);
	sqlite3_bind_text(s, 2, r->dedup_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, payer_id);
	claims__bind_text(s, 4, r->claim_control_number);
	claims__bind_text(s, 5, r->pcn_key ? r->pcn_key : "");
	claims__bind_text(s, 6, r->patient_key);
	claims__bind_text(s, 7, r->claim_status_code);
	claims__bind_money(s, 8, r->claim_charge);
	claims__bind_money(s, 9, r->payment);
	claims__bind_money(s, 10, r->patient_responsibility);
	claims__bind_text(s, 11, r->claim_filing_indicator);
	claims__bind_text(s, 12, r->payer_claim_control_number);
	claims__bind_text(s, 13, r->facility_type_code);
	claims__bind_text(s, 14, r->claim_frequency_type);
	claims__bind_text(s, 15, r->drg_code);
	claims__bind_text(s, 16, h->payer_name);
	claims__bind_text(s, 17, h->check_number);
	claims__bind_text(s, 18, h->trace_originator);
	claims__bind_text(s, 19, h->handling_code);
	claims__bind_money(s, 20, h->total_payment);
	claims__bind_text(s, 21, h->credit_debit);
	claims__bind_text(s, 22, h->payment_method);
	claims__bind_text(s, 23, h->payment_date);
	claims__bind_text(s, 24, h->payee_name);
	claims__bind_text(s, 25, h->payee_npi);
	claims__bind_text(s, 26, h->payee_tax_id);
	claims__bind_text(s, 27, r->patient_last_name);
	claims__bind_text(s, 28, r->patient_first_name);
	claims__bind_text(s, 29, r->patient_member_id);
	claims__bind_text(s, 30, r->rendering_provider_npi);
	claims__bind_text(s, 31, r->crossover_payer_name);
	claims__bind_text(s, 32, r->service_date_from);
	claims__bind_text(s, 33, r->service_date_to);
	claims__bind_text(s, 34, r->received_date);
	claims__bind_text(s, 35, remarks);
	claims__bind_text(s, 36, r->amounts_json ? r->amounts_json : "{}");
	claims__bind_text(s, 37, h->interchange_control_number);
	claims__bind_text(s, 38, h->transaction_control_number);
	sqlite3_bind_int(s, 39, r->is_incomplete ? 1 : 0);
	claims__bind_text(s, 40, warnings);
	claims__raw_bind(s, 41, 42, &raw);
	rc = claims__step_done(db, s, "storing a remittance");
	if (rc < 0)
		goto out;
	*id_out = sqlite3_last_insert_rowid(db->sql);
	*created = true;
	rc = insert_adjustments(db, *id_out, 0, "claim", r->adjustments, r->n_adjustments);
	for (size_t i = 0; rc == CLAIMS_OK && i < r->n_services; i++)
		rc = insert_service(db, *id_out, &r->services[i]);
out:
	claims__raw_clear(&raw);
	claims__free(remarks);
	claims__free(warnings);
	return rc;
}

int
claims__store_plb_put(claims_db *db, const struct claims__plb_rec *p, int64_t payer_id,
		      int64_t ingest_file_id, bool *created)
{
	static const char sql[] =
		"INSERT INTO provider_adjustments (ingest_file_id, dedup_key, payer_id, "
		"provider_identifier, fiscal_period_date, reason_code, reference_id, amount_cents, "
		"check_number, transaction_control_number, pair_index) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
		"ON CONFLICT (dedup_key) DO NOTHING";
	sqlite3_stmt *s;
	int rc;

	*created = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_id(s, 1, ingest_file_id);
	sqlite3_bind_text(s, 2, p->dedup_key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, payer_id);
	claims__bind_text(s, 4, p->provider_identifier ? p->provider_identifier : "");
	claims__bind_text(s, 5, p->fiscal_period_date);
	claims__bind_text(s, 6, p->reason_code ? p->reason_code : "");
	claims__bind_text(s, 7, p->reference_id);
	sqlite3_bind_int64(s, 8, p->amount_cents);
	claims__bind_text(s, 9, p->header ? p->header->check_number : NULL);
	claims__bind_text(s, 10, p->header ? p->header->transaction_control_number : NULL);
	sqlite3_bind_int(s, 11, p->pair_index);
	rc = claims__step_done(db, s, "storing a provider adjustment");
	if (rc == CLAIMS_OK)
		*created = sqlite3_changes(db->sql) > 0;
	return rc;
}
