/*
 * Episode linking (spec/engine.md §1) and denial signals (§2): rules A, B
 * and C, the fallback that never links more than one claim, automatic
 * linking after ingest in either order, secondary payments, reversals and
 * corrections in either order, frequency 7/8 chains, episode counts, manual
 * links, status changes, concurrency, and the shipped CARC table.
 */
#include "engine_fixture.h"

#include <pthread.h>

#include "claims/engine.h"

/* One 837 of one subscriber (payer, member MEMBER1, DOE JANE) with the given claims. */
static int64_t
ingest_837(claims_db *db, const char *payer, const char *claims_segs, bool no_link)
{
	struct tx b = { 0 };

	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, payer, "MEMBER1", "DOE", "JANE");
	tu_text_put(&b.s, &b.len, &b.cap, claims_segs, strlen(claims_segs));
	return fx_ingest_linked(db, "HC", &b, no_link);
}

static char *
claim_segs(const char *pcn, const char *charge, const char *freq, const char *ref,
	   const char *date)
{
	struct tx b = { 0 };

	fx_837_claim(&b, pcn, charge, freq, ref, date);
	return b.s;
}

static int64_t
ingest_claim(claims_db *db, const char *payer, const char *pcn, const char *charge)
{
	char *c = claim_segs(pcn, charge, "1", NULL, "20240105");
	int64_t n = ingest_837(db, payer, c, false);

	free(c);
	return n;
}

/* One 835 check with one CLP for DOE JANE MEMBER1 on 2024-01-05. */
static int64_t
ingest_payment(claims_db *db, const char *payer, const char *trace, const char *date,
	       const char *pcn, const char *status, const char *charge, const char *paid,
	       const char *icn, const char *extra, bool no_link)
{
	struct tx b = { 0 };

	fx_835_head(&b, payer, trace, date);
	fx_835_clp(&b, pcn, status, charge, paid, icn, "DOE", "JANE", "MEMBER1", "20240105", extra);
	return fx_ingest_linked(db, "HP", &b, no_link);
}

static int64_t
remit_id(claims_db *db, const char *pcn, const char *status_code)
{
	return fx_int(db, "SELECT max(id) FROM remittances WHERE claim_control_number = '%s' "
			  "AND claim_status_code = '%s'", pcn, status_code);
}

/* ================================================================ rule A */

static void
test_primary_match_links_on_ingest(void **state)
{
	claims_db *db = *state;
	int64_t ep, claim;

	assert_int_equal(ingest_claim(db, "87726", "P1", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "P1", "1", "100", "80",
					"ICN1", "CAS*CO*45*20~", false),
			 1);
	claim = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'P1'");
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 1);
	assert_string_equal(fx_text(db, "SELECT link_method || ' ' || status || ' ' || "
					"payment_amount_cents || ' ' || denial_count || ' ' || "
					"adjustment_count || ' ' || (linked_at IS NOT NULL) "
					"FROM claim_episodes"),
			    "control_number linked 8000 0 1 1");
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "processed");
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	assert_int_equal(claims_claim_current_episode(&ep, db, claim), CLAIMS_OK);
	assert_int_equal(ep, fx_int(db, "SELECT id FROM claim_episodes"));
	/* The ingest file's stored counts carry the linked episode. */
	assert_string_equal(fx_text(db, "SELECT json_extract(counts, '$.episodes_linked') FROM "
					"ingest_files ORDER BY id DESC LIMIT 1"),
			    "1");
}

static void
test_remittance_first_then_claim(void **state)
{
	claims_db *db = *state;

	/* The payment arrives first: no claim, unmatched, LINK_NO_MATCH (info). */
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "Q1", "1", "100", "80",
					"ICN1", NULL, false),
			 0);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "unmatched");
	assert_string_equal(fx_text(db, "SELECT log_level || ' ' || segment_type || ' ' || "
					"remittance_id FROM parser_logs WHERE issue_type = "
					"'LINK_NO_MATCH'"),
			    "info CLP 1");
	/* The claim's 837 links it. */
	assert_int_equal(ingest_claim(db, "87726", "Q1", "100"), 1);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "processed");
	assert_string_equal(fx_text(db, "SELECT link_method FROM claim_episodes"), "control_number");
}

static void
test_no_link_then_link_all(void **state)
{
	claims_db *db = *state;
	claims_link_summary sum;
	claims_link_result *res = NULL;

	assert_int_equal(ingest_claim(db, "87726", "N1", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "N1", "1", "100", "80",
					"ICN1", NULL, true),
			 0);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "pending");
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 0);
	assert_int_equal(claims_link_all(&sum, db, NULL), CLAIMS_OK);
	assert_int_equal(sum.remittances, 1);
	assert_int_equal(sum.linked, 1);
	/* Idempotent: nothing left, and one remittance reports already_linked. */
	assert_int_equal(claims_link_all(&sum, db, NULL), CLAIMS_OK);
	assert_int_equal(sum.remittances, 0);
	assert_int_equal(claims_link_remittance(&res, db, 1, NULL), CLAIMS_OK);
	assert_int_equal(res->outcome, CLAIMS_LINK_ALREADY_LINKED);
	assert_int_equal(res->episode->remittance_id, 1);
	assert_string_equal(claims_link_outcome_to_str(res->outcome), "already_linked");
	claims_link_result_free(res);
	assert_int_equal(claims_link_remittance(&res, db, 99, NULL), CLAIMS_ENOTFOUND);
	assert_null(res);
	assert_string_equal(claims_db_errmsg(db), "remittance 99 not found");
	assert_int_equal(claims_link_remittance(&res, db, 0, NULL), CLAIMS_EINVAL);
}

/* ================================================================ fallbacks */

static void
test_fallback_never_links_every_claim_of_a_payer(void **state)
{
	claims_db *db = *state;
	char segs[4096] = "";

	/* Five claims of the payer for the same patient, other PCNs and charges. */
	for (int i = 0; i < 5; i++) {
		char pcn[16], charge[16];
		char *c;

		snprintf(pcn, sizeof(pcn), "Z%d", i);
		snprintf(charge, sizeof(charge), "%d", 200 + i);
		c = claim_segs(pcn, charge, "1", NULL, "20240105");
		strcat(segs, c);
		free(c);
	}
	assert_int_equal(ingest_837(db, "87726", segs, false), 0);
	/* A payment for an unknown PCN whose charge matches none: no link at all. */
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "UNKNOWN", "1", "100",
					"80", "ICN1", NULL, false),
			 0);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 0);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "unmatched");
}

static void
test_patient_match_and_ambiguity(void **state)
{
	claims_db *db = *state;
	claims_link_result *res = NULL;
	char segs[4096] = "";
	char *c;

	c = claim_segs("PM1", "150", "1", NULL, "20240105");
	strcat(segs, c);
	free(c);
	c = claim_segs("PM2", "150", "1", NULL, "20240105");
	strcat(segs, c);
	free(c);
	c = claim_segs("PM3", "175", "1", NULL, "20240105");
	strcat(segs, c);
	free(c);
	assert_int_equal(ingest_837(db, "87726", segs, false), 0);

	/* Rule C: same patient, member, date; charge 175 matches PM3 only. */
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "OTHER1", "1", "175", "100",
					"ICN1", NULL, false),
			 1);
	assert_string_equal(fx_text(db, "SELECT c.claim_control_number || ' ' || e.link_method "
					"FROM claim_episodes e JOIN claims c ON c.id = e.claim_id"),
			    "PM3 patient_match");

	/* Charge 150 matches PM1 and PM2: ambiguous, no link, candidates ascending. */
	assert_int_equal(ingest_payment(db, "87726", "T2", "20240202", "OTHER2", "1", "150", "100",
					"ICN2", NULL, false),
			 0);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 1);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances WHERE "
					"claim_control_number = 'OTHER2'"),
			    "ambiguous");
	assert_string_equal(fx_text(db, "SELECT log_level || ' ' || json_extract(details, "
					"'$.details.candidates') FROM parser_logs WHERE "
					"issue_type = 'LINK_AMBIGUOUS'"),
			    "warning [1,2]");
	assert_int_equal(claims_link_remittance(&res, db, remit_id(db, "OTHER2", "1"), NULL),
			 CLAIMS_OK);
	assert_int_equal(res->outcome, CLAIMS_LINK_AMBIGUOUS);
	assert_int_equal(res->n_candidates, 2);
	assert_int_equal(res->candidates[0], 1);
	assert_int_equal(res->candidates[1], 2);
	claims_link_result_free(res);
	/* Linking again logs nothing new. */
	assert_int_equal(fx_int(db, "SELECT count(*) FROM parser_logs WHERE issue_type = "
				    "'LINK_AMBIGUOUS'"),
			 1);

	/* Another member id: no patient match. */
	{
		struct tx b = { 0 };

		fx_835_head(&b, "87726", "T3", "20240203");
		fx_835_clp(&b, "OTHER3", "1", "175", "100", "ICN3", "DOE", "JANE", "MEMBER9",
			   "20240105", NULL);
		assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 0);
	}
	assert_string_equal(fx_text(db, "SELECT status FROM remittances WHERE "
					"claim_control_number = 'OTHER3'"),
			    "unmatched");
	/* Every remittance has at most one episode; every claim at most what was linked. */
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 1);
}

static void
test_rule_a_narrows_by_charge(void **state)
{
	claims_db *db = *state;
	struct tx b = { 0 };

	/* The same PCN under two billing providers of the same payer. */
	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, "87726", "MEMBER1", "DOE", "JANE");
	fx_837_claim(&b, "DUP1", "100", "1", NULL, "20240105");
	assert_int_equal(fx_ingest_linked(db, "HC", &b, false), 0);
	fx_837_head(&b, "1245319599");
	fx_837_subscriber(&b, 2, "87726", "MEMBER1", "DOE", "JANE");
	fx_837_claim(&b, "DUP1", "120", "1", NULL, "20240105");
	assert_int_equal(fx_ingest_linked(db, "HC", &b, false), 0);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claims"), 2);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "DUP1", "1", "120", "100",
					"ICN1", NULL, false),
			 1);
	assert_int_equal(fx_int(db, "SELECT claim_id FROM claim_episodes"), 2);
	/* Both at 100 and 100 would be narrowed by the payee NPI. */
}

/* ================================================================ secondary */

static void
test_secondary_payment_is_another_episode(void **state)
{
	claims_db *db = *state;
	int64_t ep;

	assert_int_equal(ingest_claim(db, "87726", "SECONDARY01", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "SECONDARY01", "1", "100",
					"70", "ICN1", NULL, false),
			 1);
	/* Another payer, CLP02 2: rule B (exact PCN, any payer). */
	assert_int_equal(ingest_payment(db, "60054", "T2", "20240301", "SECONDARY01", "2", "100",
					"20", "ICN2", NULL, false),
			 1);
	/* A third payer with a longer PCN (prefix of >= 10 characters): rule B. */
	assert_int_equal(ingest_payment(db, "99999", "T3", "20240401", "SECONDARY01X", "3", "100",
					"10", "ICN3", NULL, false),
			 1);
	assert_string_equal(fx_text(db, "SELECT group_concat(link_method, ',') FROM (SELECT "
					"link_method FROM claim_episodes ORDER BY id)"),
			    "control_number,control_number_any_payer,control_number_any_payer");
	assert_int_equal(fx_int(db, "SELECT count(DISTINCT claim_id) FROM claim_episodes"), 1);
	assert_int_equal(claims_claim_current_episode(&ep, db, 1), CLAIMS_OK);
	assert_int_equal(ep, 3);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	/* A prefix shorter than 10 characters never links across payers. */
	assert_int_equal(ingest_claim(db, "87726", "SHORT1", "50"), 0);
	assert_int_equal(ingest_payment(db, "60054", "T4", "20240301", "SHORT", "2", "50", "20",
					"ICN4", NULL, false),
			 1); /* rule C (same patient, charge, date) */
	assert_string_equal(fx_text(db, "SELECT link_method FROM claim_episodes ORDER BY id DESC"),
			    "patient_match");
}

/* ================================================================ reversals */

static void
test_reversal_and_correction(void **state)
{
	claims_db *db = *state;
	struct tx b = { 0 };
	int64_t ep;

	assert_int_equal(ingest_claim(db, "87726", "R1", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "R1", "1", "100", "80",
					"ICN9", NULL, false),
			 1);
	/* Reversal and corrected payment in one later check. */
	fx_835_head(&b, "87726", "T2", "20240301");
	fx_835_clp(&b, "R1", "22", "-100", "-80", "ICN9", "DOE", "JANE", "MEMBER1", "20240105",
		   NULL);
	fx_835_clp(&b, "R1", "1", "100", "90", "ICN9", "DOE", "JANE", "MEMBER1", "20240105", NULL);
	assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 2);
	assert_string_equal(fx_text(db, "SELECT group_concat(x, ',') FROM (SELECT status || ':' "
					"|| coalesce(reversed_by_episode_id, '-') AS x FROM "
					"claim_episodes ORDER BY id)"),
			    "reversed:2,reversed:-,linked:-");
	assert_int_equal(claims_claim_current_episode(&ep, db, 1), CLAIMS_OK);
	assert_int_equal(ep, 3);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	assert_int_equal(fx_int(db, "SELECT count(*) FROM parser_logs WHERE issue_type = "
				    "'REVERSAL_WITHOUT_ORIGINAL'"),
			 0);
}

static void
test_reversal_before_original(void **state)
{
	claims_db *db = *state;

	assert_int_equal(ingest_claim(db, "87726", "R2", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T2", "20240301", "R2", "22", "-100", "-80",
					"ICN8", NULL, false),
			 1);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM parser_logs WHERE issue_type = "
				    "'REVERSAL_WITHOUT_ORIGINAL' AND log_level = 'warning'"),
			 1);
	/* Only a reversal: the claim is reversed. */
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "reversed");
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "R2", "1", "100", "80",
					"ICN8", NULL, false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ':' || reversed_by_episode_id FROM "
					"claim_episodes WHERE id = 2"),
			    "reversed:1");
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "reversed");
	/* A reversal that does not mirror the payment reverses nothing. */
	assert_int_equal(ingest_payment(db, "87726", "T3", "20240401", "R2", "22", "-100", "-70",
					"ICN8", NULL, false),
			 1);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM parser_logs WHERE issue_type = "
				    "'REVERSAL_WITHOUT_ORIGINAL'"),
			 2);
}

static void
test_replacement_and_void_chain(void **state)
{
	claims_db *db = *state;
	char *c;

	assert_int_equal(ingest_claim(db, "87726", "C7", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "C7", "1", "100", "80",
					"PAYERICN1", NULL, false),
			 1);
	/* Frequency 7 with another charge replaces the row in place. */
	c = claim_segs("C7", "90", "7", "PAYERICN1", "20240105");
	assert_int_equal(ingest_837(db, "87726", c, false), 0);
	free(c);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claims"), 1);
	/* The payer reverses the original and pays the corrected claim. */
	{
		struct tx b = { 0 };

		fx_835_head(&b, "87726", "T2", "20240301");
		fx_835_clp(&b, "C7", "22", "-100", "-80", "PAYERICN1", "DOE", "JANE", "MEMBER1",
			   "20240105", NULL);
		fx_835_clp(&b, "C7", "1", "90", "75", "PAYERICN2", "DOE", "JANE", "MEMBER1",
			   "20240105", NULL);
		assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 2);
	}
	assert_int_equal(fx_int(db, "SELECT count(DISTINCT claim_id) FROM claim_episodes"), 1);
	assert_string_equal(fx_text(db, "SELECT group_concat(status, ',') FROM (SELECT status FROM "
					"claim_episodes ORDER BY id)"),
			    "reversed,reversed,linked");
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	/* Frequency 8 voids it; a later reversal still links and it stays void. */
	c = claim_segs("C7", "90", "8", "PAYERICN2", "20240105");
	assert_int_equal(ingest_837(db, "87726", c, false), 0);
	free(c);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "void");
	assert_int_equal(ingest_payment(db, "87726", "T3", "20240401", "C7", "22", "-90", "-75",
					"PAYERICN2", NULL, false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ':' || reversed_by_episode_id FROM "
					"claim_episodes WHERE id = 3"),
			    "reversed:4");
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "void");
}

/* ================================================================ counts and denials */

static void
test_episode_counts_without_double_counting(void **state)
{
	claims_db *db = *state;

	assert_int_equal(ingest_claim(db, "87726", "D1", "100"), 0);
	assert_int_equal(ingest_claim(db, "87726", "D2", "100"), 0);
	assert_int_equal(ingest_claim(db, "87726", "D3", "100"), 0);
	assert_int_equal(ingest_claim(db, "87726", "D4", "100"), 0);
	/* Claim-level CO50 and the same CO50 on a line, PR1, CO45: 4 adjustments,
	 * one denial reason; paid 0 with a denial: denied. */
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "D1", "1", "100", "0", "I1",
					"CAS*CO*50*60~SVC*HC:99213*100*0**1~DTM*472*20240105~"
					"CAS*CO*50*20~CAS*PR*1*10~CAS*CO*45*10~",
					false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ' ' || denial_count || ' ' || "
					"adjustment_count FROM claim_episodes WHERE remittance_id = 1"),
			    "denied 1 4");
	/* CLP02 4 without denial CARCs: CLAIM_DENIED, one denial. */
	assert_int_equal(ingest_payment(db, "87726", "T2", "20240201", "D2", "4", "100", "0", "I2",
					NULL, false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ' ' || denial_count || ' ' || "
					"adjustment_count FROM claim_episodes WHERE remittance_id = 2"),
			    "denied 1 0");
	/* PR, CR and contractual groups are never denials; a negative amount is not one. */
	assert_int_equal(ingest_payment(db, "87726", "T3", "20240201", "D3", "1", "100", "0", "I3",
					"CAS*PR*1*50~CAS*PR*50*30~CAS*CO*45*-20~CAS*OA*23*40~",
					false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ' ' || denial_count || ' ' || "
					"adjustment_count FROM claim_episodes WHERE remittance_id = 3"),
			    "linked 0 4");
	/* OA and PI with denial CARCs count, distinct by group + reason. */
	assert_int_equal(ingest_payment(db, "87726", "T4", "20240201", "D4", "1", "100", "10", "I4",
					"CAS*OA*18*30~CAS*PI*197*30~CAS*CO*16*30~", false),
			 1);
	assert_string_equal(fx_text(db, "SELECT status || ' ' || denial_count || ' ' || "
					"adjustment_count FROM claim_episodes WHERE remittance_id = 4"),
			    "linked 3 3");
	assert_string_equal(fx_text(db, "SELECT group_concat(status, ',') FROM (SELECT status FROM "
					"claims ORDER BY id)"),
			    "denied,denied,processed,processed");
}

/* The shipped CARC table equals engine.md §2.2, row for row. */
static void
test_carc_seed_matches_spec(void **state)
{
	static const char *const rows[][3] = {
		{ "1", "patient_responsibility", "deductible" },
		{ "2", "patient_responsibility", "coinsurance" },
		{ "3", "patient_responsibility", "co-payment" },
		{ "66", "patient_responsibility", "blood deductible" },
		{ "24", "contractual", "covered by a capitation or managed-care agreement" },
		{ "45", "contractual", "charge above fee schedule / maximum allowable" },
		{ "59", "contractual", "reduced under multiple/concurrent procedure rules" },
		{ "94", "contractual", "processed in excess of charges" },
		{ "131", "contractual", "claim-specific negotiated discount" },
		{ "237", "contractual", "legislated or regulatory penalty" },
		{ "253", "contractual", "sequestration (federal reduction)" },
		{ "23", "other", "effect of a prior payer's adjudication" },
		{ "100", "other", "payment made to the patient" },
		{ "225", "other", "penalty or interest paid by the payer" },
		{ "4", "coding", "modifier inconsistent with procedure, or missing" },
		{ "5", "coding", "procedure or bill type inconsistent with place of service" },
		{ "6", "coding", "procedure inconsistent with patient age" },
		{ "7", "coding", "procedure inconsistent with patient gender" },
		{ "11", "coding", "diagnosis inconsistent with procedure" },
		{ "146", "coding", "diagnosis invalid for the date of service" },
		{ "181", "coding", "procedure code invalid on the date of service" },
		{ "182", "coding", "modifier invalid on the date of service" },
		{ "189", "coding", "unlisted code billed where a specific code exists" },
		{ "199", "coding", "revenue code and procedure code do not match" },
		{ "97", "bundling", "paid as part of another adjudicated service" },
		{ "231", "bundling", "mutually exclusive procedures, same day" },
		{ "234", "bundling", "procedure not paid separately" },
		{ "236", "bundling", "code or modifier combination not allowed with another same-day procedure" },
		{ "26", "eligibility", "service before coverage began" },
		{ "27", "eligibility", "service after coverage ended" },
		{ "31", "eligibility", "patient not identified as insured" },
		{ "32", "eligibility", "dependent not eligible" },
		{ "33", "eligibility", "no dependent coverage" },
		{ "140", "eligibility", "member id and name do not match" },
		{ "177", "eligibility", "eligibility requirements not met" },
		{ "200", "eligibility", "service during a lapse in coverage" },
		{ "15", "authorization", "authorization number missing, invalid or not matching" },
		{ "39", "authorization", "denied when authorization was requested" },
		{ "197", "authorization", "precertification / authorization absent" },
		{ "198", "authorization", "precertification / authorization exceeded" },
		{ "50", "medical_necessity", "not medically necessary per payer" },
		{ "55", "medical_necessity", "experimental or investigational" },
		{ "56", "medical_necessity", "not proven effective" },
		{ "150", "medical_necessity", "documentation does not support the level of service" },
		{ "151", "medical_necessity", "documentation does not support the number or frequency of services" },
		{ "167", "medical_necessity", "diagnosis not covered" },
		{ "29", "timely_filing", "filing time limit expired" },
		{ "18", "duplicate", "exact duplicate claim or service" },
		{ "19", "coordination_of_benefits", "work injury, workers' compensation liable" },
		{ "22", "coordination_of_benefits", "may be covered by another payer (COB)" },
		{ "109", "coordination_of_benefits", "not covered by this payer, send to the correct one" },
		{ "35", "non_covered", "lifetime benefit maximum reached" },
		{ "49", "non_covered", "routine or preventive service not covered" },
		{ "96", "non_covered", "non-covered charges" },
		{ "119", "non_covered", "benefit maximum for the period reached" },
		{ "185", "non_covered", "rendering provider not eligible for this service" },
		{ "204", "non_covered", "not covered by the current benefit plan" },
		{ "16", "missing_information", "claim lacks information or has billing errors" },
		{ "206", "missing_information", "NPI missing" },
		{ "207", "missing_information", "NPI invalid" },
		{ "208", "missing_information", "NPI not matched" },
		{ "226", "missing_information", "requested information not sent by the provider" },
		{ "227", "missing_information", "requested information not sent by the patient" },
		{ "252", "missing_information", "attachment or documentation required" },
	};
	claims_db *db = *state;
	size_t n = sizeof(rows) / sizeof(rows[0]);
	sqlite3_stmt *s = NULL;

	assert_int_equal(n, 64);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM carc_codes"), (int64_t)n);
	assert_int_equal(sqlite3_prepare_v2(db->sql, "SELECT category, description, is_denial FROM "
						     "carc_codes WHERE code = ?1",
					    -1, &s, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < n; i++) {
		bool denial = strcmp(rows[i][1], "contractual") != 0 &&
			      strcmp(rows[i][1], "patient_responsibility") != 0 &&
			      strcmp(rows[i][1], "other") != 0;

		sqlite3_bind_text(s, 1, rows[i][0], -1, SQLITE_STATIC);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), rows[i][1]);
		assert_string_equal((const char *)sqlite3_column_text(s, 1), rows[i][2]);
		assert_int_equal(sqlite3_column_int(s, 2), denial ? 1 : 0);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
}

/* ================================================================ manual, status */

static void
test_manual_link(void **state)
{
	claims_db *db = *state;
	claims_episode *ep = NULL;
	bool created = true;

	assert_int_equal(ingest_claim(db, "87726", "M1", "100"), 0);
	assert_int_equal(ingest_claim(db, "87726", "M2", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "ZZZ", "1", "300", "80",
					"I1", NULL, false),
			 0);
	assert_int_equal(claims_episode_link(&ep, &created, db, 9, 1), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "claim 9 not found");
	assert_int_equal(claims_episode_link(&ep, &created, db, 1, 9), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "remittance 9 not found");
	assert_int_equal(claims_episode_link(&ep, &created, db, 0, 1), CLAIMS_EINVAL);
	assert_null(ep);

	assert_int_equal(claims_episode_link(&ep, &created, db, 1, 1), CLAIMS_OK);
	assert_true(created);
	assert_string_equal(ep->link_method, "manual");
	assert_string_equal(ep->status, "linked");
	assert_int_equal(ep->payment.cents, 8000);
	assert_true(ep->payment.present);
	assert_int_equal(ep->reversed_by_episode_id, 0);
	assert_int_equal(strlen(ep->linked_at), 20);
	claims_episode_free(ep);
	assert_string_equal(fx_text(db, "SELECT status FROM remittances"), "processed");
	assert_string_equal(fx_text(db, "SELECT status FROM claims WHERE id = 1"), "processed");

	/* The same pair again: the existing episode. */
	assert_int_equal(claims_episode_link(&ep, &created, db, 1, 1), CLAIMS_OK);
	assert_false(created);
	assert_int_equal(ep->id, 1);
	claims_episode_free(ep);
	/* Another claim: conflict. */
	assert_int_equal(claims_episode_link(&ep, &created, db, 2, 1), CLAIMS_EEXISTS);
	assert_string_equal(claims_db_errmsg(db), "remittance 1 is linked to claim 1");
	assert_null(ep);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 1);
	claims_episode_free(NULL);
}

static void
test_status_changes(void **state)
{
	claims_db *db = *state;
	claims_episode *ep = NULL;
	static const char *const values[] = { "pending", "linked", "complete", "denied",
					       "reversed" };

	assert_int_equal(ingest_claim(db, "87726", "S1", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "S1", "1", "100", "80",
					"I1", NULL, false),
			 1);
	assert_int_equal(claims_episode_set_status(&ep, db, 1, "bogus"), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(db),
			    "status must be one of pending, linked, complete, denied, reversed");
	assert_int_equal(claims_episode_set_status(&ep, db, 1, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_episode_set_status(&ep, db, 1, ""), CLAIMS_EINVAL);
	assert_int_equal(claims_episode_set_status(&ep, db, 7, "linked"), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "episode 7 not found");

	/* Pending: no adjudicated episode, the claim is pending again. */
	assert_int_equal(claims_episode_set_status(&ep, db, 1, "PENDING"), CLAIMS_OK);
	assert_string_equal(ep->status, "pending");
	claims_episode_free(ep);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "pending");
	/* Complete keeps linked_at; a cleared one is set again. */
	tu_exec(db, "UPDATE claim_episodes SET linked_at = NULL");
	assert_int_equal(claims_episode_complete(&ep, db, 1), CLAIMS_OK);
	assert_string_equal(ep->status, "complete");
	assert_int_equal(strlen(ep->linked_at), 20);
	claims_episode_free(ep);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	/* Any transition is allowed. */
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(claims_episode_set_status(NULL, db, 1, values[i]), CLAIMS_OK);
		assert_string_equal(fx_text(db, "SELECT status FROM claim_episodes"), values[i]);
	}
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "reversed");
	assert_int_equal(claims_episode_set_status(NULL, db, 1, "Denied"), CLAIMS_OK);
	assert_string_equal(fx_text(db, "SELECT status FROM claims"), "processed");
	assert_int_equal(claims_episode_get(&ep, db, 1), CLAIMS_OK);
	assert_string_equal(ep->status, "denied");
	claims_episode_free(ep);
	assert_int_equal(claims_episode_get(&ep, db, 2), CLAIMS_ENOTFOUND);
}

/* ================================================================ concurrency */

struct racer {
	const char *path;
	claims_link_summary sum;
	int rc;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	claims_db *db = NULL;

	r->rc = claims_db_open(&db, r->path, NULL);
	if (r->rc == CLAIMS_OK)
		r->rc = claims_link_all(&r->sum, db, NULL);
	claims_db_close(db);
	return NULL;
}

static void
test_concurrent_linking_never_duplicates(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "race.db");
	claims_db *db = NULL;
	struct racer a = { .path = path }, b = { .path = path };
	pthread_t ta, tb;
	struct tx body = { 0 };
	claims_episode *ep = NULL;
	claims_db *db2 = NULL;
	int64_t total;

	(void)state;
	assert_int_equal(claims_db_open(&db, path, NULL), CLAIMS_OK);
	for (int i = 0; i < 40; i++) {
		char pcn[16];
		char *c;

		snprintf(pcn, sizeof(pcn), "K%02d", i);
		c = claim_segs(pcn, "100", "1", NULL, "20240105");
		tu_text_put(&body.s, &body.len, &body.cap, c, strlen(c));
		free(c);
	}
	assert_int_equal(ingest_837(db, "87726", body.s, true), 0);
	tx_free(&body);
	fx_835_head(&body, "87726", "T1", "20240201");
	for (int i = 0; i < 40; i++) {
		char pcn[16];

		snprintf(pcn, sizeof(pcn), "K%02d", i);
		fx_835_clp(&body, pcn, "1", "100", "80", "I1", "DOE", "JANE", "MEMBER1", "20240105",
			   NULL);
	}
	assert_int_equal(fx_ingest_linked(db, "HP", &body, true), 0);
	assert_int_equal(pthread_create(&ta, NULL, race, &a), 0);
	assert_int_equal(pthread_create(&tb, NULL, race, &b), 0);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	assert_int_equal(a.rc, CLAIMS_OK);
	assert_int_equal(b.rc, CLAIMS_OK);
	total = a.sum.linked + b.sum.linked;
	assert_int_equal(total, 40);
	assert_int_equal(a.sum.linked + a.sum.already_linked, a.sum.remittances);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes"), 40);
	assert_int_equal(fx_int(db, "SELECT count(DISTINCT remittance_id) FROM claim_episodes"), 40);

	/* Two connections linking one remittance by hand to two claims: one wins. */
	tu_exec(db, "DELETE FROM claim_episodes WHERE remittance_id = 1");
	assert_int_equal(claims_db_open(&db2, path, NULL), CLAIMS_OK);
	assert_int_equal(claims_episode_link(&ep, NULL, db, 2, 1), CLAIMS_OK);
	claims_episode_free(ep);
	assert_int_equal(claims_episode_link(&ep, NULL, db2, 3, 1), CLAIMS_EEXISTS);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM claim_episodes WHERE remittance_id = 1"),
			 1);
	claims_db_close(db2);
	claims_db_close(db);
	free(path);
	tu_tmpdir_free(dir);
}

/* ================================================================ configuration */

static const char *
fake_env(const char *name, void *payload)
{
	const char *const *kv = payload;

	for (size_t i = 0; kv[i]; i += 2)
		if (strcmp(kv[i], name) == 0)
			return kv[i + 1];
	return NULL;
}

static void
count_log(claims_log_level level, const char *message, void *payload)
{
	(void)level;
	(void)message;
	(*(int *)payload)++;
}

static void
test_config_from_env(void **state)
{
	const char *env1[] = { "RISK_WEIGHT_PAYER", "0.5", "RISK_WEIGHT_CODING", "abc",
			       "RISK_WEIGHT_DOC", "1.5", "TIMELY_FILING_DAYS", "90",
			       "HISTORY_DAYS", "0", "LINK_CHARGE_TOLERANCE_CENTS", "5", NULL };
	const char *env0[] = { "RISK_WEIGHT_PAYER", "0", "RISK_WEIGHT_CODING", "0",
			       "RISK_WEIGHT_DOC", "0", "RISK_WEIGHT_HISTORICAL", "0",
			       "RISK_WEIGHT_PATTERN", "0", NULL };
	claims_engine_config c;
	int warnings = 0;

	(void)state;
	assert_int_equal(claims_engine_config_from_env(&c, fake_env, env1, count_log, &warnings),
			 CLAIMS_OK);
	assert_true(c.weight_payer == 0.5);
	assert_true(c.weight_coding == 0.25);
	assert_true(c.weight_doc == 0.20);
	assert_true(c.weight_historical == 0.15);
	assert_true(c.weight_pattern == 0.20);
	assert_int_equal(c.timely_filing_days, 90);
	assert_int_equal(c.history_days, 365);
	assert_int_equal(c.link_charge_tolerance_cents, 5);
	assert_int_equal(warnings, 3);
	assert_int_equal(claims_engine_config_from_env(&c, fake_env, env0, NULL, NULL),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_engine_config_from_env(NULL, fake_env, env0, NULL, NULL),
			 CLAIMS_EINVAL);
}

static void
test_charge_tolerance(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_link_result *res = NULL;

	assert_int_equal(ingest_claim(db, "87726", "TOL1", "100"), 0);
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "OTHERTOL", "1", "100.05",
					"80", "I1", NULL, false),
			 0);
	cfg.link_charge_tolerance_cents = 5;
	assert_int_equal(claims_link_remittance(&res, db, 1, &cfg), CLAIMS_OK);
	assert_int_equal(res->outcome, CLAIMS_LINK_LINKED);
	assert_string_equal(res->episode->link_method, "patient_match");
	claims_link_result_free(res);
	cfg.version = 99;
	assert_int_equal(claims_link_remittance(&res, db, 1, &cfg), CLAIMS_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_primary_match_links_on_ingest, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_remittance_first_then_claim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_no_link_then_link_all, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fallback_never_links_every_claim_of_a_payer,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_patient_match_and_ambiguity, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_rule_a_narrows_by_charge, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_secondary_payment_is_another_episode, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_reversal_and_correction, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reversal_before_original, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replacement_and_void_chain, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_episode_counts_without_double_counting, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_carc_seed_matches_spec, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_manual_link, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_status_changes, fx_setup, fx_teardown),
		cmocka_unit_test(test_concurrent_linking_never_duplicates),
		cmocka_unit_test(test_config_from_env),
		cmocka_unit_test_setup_teardown(test_charge_tolerance, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
