/*
 * Denial-pattern learning and claim analysis (spec/engine.md §4) with the
 * worked examples of §4.2 and §5 (6, 7): true rates, the Wilson confidence,
 * learned conditions, re-detection keeping first_seen, deactivation, the
 * payment-date window, detect-all, and the match rules with the pattern
 * component of the risk score.
 */
#include "engine_fixture.h"

#include "claims/engine.h"
#include "engine/engine_internal.h"
#include "engine/patterns.h"

static void
claim(struct tx *b, const char *pcn, int charge, const char *proc, const char *principal)
{
	TX_PRINTF(b, "CLM*%s*%d***11:B:1*Y*A*Y*Y~HI*ABK:%s~LX*1~SV1*HC:%s*%d*UN*1***1~"
		     "DTP*472*D8*20240105~",
		  pcn, charge, principal, proc, charge);
}

/*
 * engine.md §4.2: 40 adjudicated episodes of payer 87726; CO50 in 10 (the
 * first lists it at claim and line level), CO97 in 1, PR2 and OA23 in 6;
 * 97530 on 7 of the CO50 claims and on 12 claims in all; the CO50 claims
 * charge 120.00 .. 480.00.
 */
static void
build_42(claims_db *db)
{
	struct tx b = { 0 };

	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, "87726", "MEMBER1", "DOE", "JANE");
	for (int i = 0; i < 40; i++) {
		char pcn[16];
		bool p97530 = i < 7 || (i >= 10 && i < 15);

		snprintf(pcn, sizeof(pcn), "PT%02d", i);
		claim(&b, pcn, i < 10 ? 120 + i * 40 : 100, p97530 ? "97530" : "99213", "E119");
	}
	assert_int_equal(fx_ingest_linked(db, "HC", &b, false), 0);

	fx_835_head(&b, "87726", "T1", "20240201");
	for (int i = 0; i < 40; i++) {
		char pcn[16], charge[16], extra[256] = "";
		int c = i < 10 ? 120 + i * 40 : 100;

		snprintf(pcn, sizeof(pcn), "PT%02d", i);
		snprintf(charge, sizeof(charge), "%d", c);
		if (i < 10)
			snprintf(extra, sizeof(extra), "CAS*CO*50*%d~", c);
		if (i == 0)
			snprintf(extra, sizeof(extra), "CAS*CO*50*20~SVC*HC:97530*120*0**1~"
							"DTM*472*20240105~CAS*CO*50*100~");
		if (i == 20)
			snprintf(extra, sizeof(extra), "CAS*CO*97*100~");
		if (i >= 30 && i < 36)
			snprintf(extra, sizeof(extra), "CAS*PR*2*10~CAS*OA*23*90~");
		fx_835_clp(&b, pcn, "1", charge, "0", "I1", "DOE", "JANE", "MEMBER1", "20240105",
			   extra);
	}
	assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 40);
}

static void
test_example_42_detection(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_pattern_list *l = NULL;
	const claims_pattern *p;

	build_42(db);
	cfg.today = "2024-03-01";
	assert_int_equal(claims_patterns_detect(&l, db, 1, 90, &cfg), CLAIMS_OK);
	assert_int_equal(l->payer_id, 1);
	assert_string_equal(l->payer_name, "PAYER 87726");
	assert_int_equal(l->count, 1);
	p = &l->items[0];
	assert_string_equal(p->denial_reason_code, "CO50");
	assert_string_equal(p->pattern_type, "denial_reason");
	assert_string_equal(p->pattern_description,
			    "Denial reason code: CO50 (not medically necessary per payer)");
	assert_int_equal(p->occurrence_count, 10);
	assert_int_equal(p->adjudicated_count, 40);
	assert_true(p->frequency == 0.25);
	assert_true(p->confidence_score == 0.1419);
	assert_string_equal(p->conditions_json,
			    "{\"procedure_codes\":[\"97530\"],\"principal_diagnoses\":[],"
			    "\"facility_types\":[],\"charge_amount_min\":120.00,"
			    "\"charge_amount_max\":480.00}");
	assert_int_equal(p->conditions.n_procedure_codes, 1);
	assert_string_equal(p->conditions.procedure_codes[0], "97530");
	assert_true(p->conditions.has_charge_range);
	assert_int_equal(p->conditions.charge_min_cents, 12000);
	assert_int_equal(p->conditions.charge_max_cents, 48000);
	assert_int_equal(p->window_days, 90);
	assert_true(p->is_active);
	assert_string_equal(p->first_seen, p->last_seen);
	claims_pattern_list_free(l);
	/* Frequencies are rates: never above 1 (a code on two lines counts once). */
	assert_int_equal(fx_int(db, "SELECT count(*) FROM denial_patterns WHERE frequency > 1"), 0);
	assert_true(claims__round4(claims__wilson_lower(10, 40)) == 0.1419);
}

static void
test_redetection_keeps_first_seen_and_deactivates(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_pattern_list *l = NULL;
	claims_pattern_detect_summary *sum = NULL;

	build_42(db);
	cfg.today = "2024-03-01";
	assert_int_equal(claims_patterns_detect(NULL, db, 1, 90, &cfg), CLAIMS_OK);
	tu_exec(db, "UPDATE denial_patterns SET first_seen = '2020-01-01T00:00:00Z', "
		    "last_seen = '2020-01-01T00:00:00Z', occurrence_count = 0");
	assert_int_equal(claims_patterns_detect(&l, db, 1, 30, &cfg), CLAIMS_OK);
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0].first_seen, "2020-01-01T00:00:00Z");
	assert_string_not_equal(l->items[0].last_seen, "2020-01-01T00:00:00Z");
	assert_int_equal(l->items[0].occurrence_count, 10);
	assert_int_equal(l->items[0].window_days, 30);
	claims_pattern_list_free(l);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM denial_patterns"), 1);

	/* The window is by payment date (2024-02-01), not upload time: from a
	 * later today nothing is in it and the pattern goes inactive. */
	cfg.today = "2024-06-01";
	assert_int_equal(claims_patterns_detect(&l, db, 1, 90, &cfg), CLAIMS_OK);
	assert_int_equal(l->count, 0);
	claims_pattern_list_free(l);
	assert_int_equal(fx_int(db, "SELECT is_active FROM denial_patterns"), 0);
	assert_int_equal(claims_patterns_list(&l, db, 1), CLAIMS_OK);
	assert_int_equal(l->count, 0);
	claims_pattern_list_free(l);
	/* One day past the window's edge: 2024-02-01 is exactly today - 31. */
	cfg.today = "2024-03-03";
	assert_int_equal(claims_patterns_detect(&l, db, 1, 31, &cfg), CLAIMS_OK);
	assert_int_equal(l->count, 1);
	claims_pattern_list_free(l);
	cfg.today = "2024-03-04";
	assert_int_equal(claims_patterns_detect(&l, db, 1, 31, &cfg), CLAIMS_OK);
	assert_int_equal(l->count, 0);
	claims_pattern_list_free(l);

	/* detect-all: every payer by id ascending. */
	cfg.today = "2024-03-01";
	tu_exec(db, "INSERT INTO payers (payer_id, name) VALUES ('60054', 'AETNA')");
	assert_int_equal(claims_patterns_detect_all(&sum, db, 90, &cfg), CLAIMS_OK);
	assert_int_equal(sum->n_payers, 2);
	assert_int_equal(sum->payer_ids[0], 1);
	assert_int_equal(sum->pattern_counts[0], 1);
	assert_int_equal(sum->payer_ids[1], 2);
	assert_int_equal(sum->pattern_counts[1], 0);
	assert_int_equal(sum->total_patterns, 1);
	claims_pattern_detect_summary_free(sum);
	claims_pattern_detect_summary_free(NULL);
	claims_pattern_list_free(NULL);

	assert_int_equal(claims_patterns_detect(&l, db, 1, 0, &cfg), CLAIMS_EINVAL);
	assert_int_equal(claims_patterns_detect(&l, db, 1, 366, &cfg), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(db), "days_back must be 1..365");
	assert_int_equal(claims_patterns_detect(&l, db, 99, 90, &cfg), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "payer 99 not found");
	assert_int_equal(claims_patterns_list(&l, db, 99), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_patterns_detect_all(&sum, db, 400, &cfg), CLAIMS_EINVAL);
}

static void
test_thresholds_and_conditions(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_pattern_list *l = NULL;
	struct tx b = { 0 };

	/* 3 episodes, each denying CO16 twice (claim and line); two also
	 * CO18; the diagnosis M545 on the CO18 claims only. */
	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, "87726", "MEMBER1", "DOE", "JANE");
	claim(&b, "A1", 100, "99213", "M545");
	claim(&b, "A2", 200, "99213", "M545");
	claim(&b, "A3", 300, "99214", "E119");
	assert_int_equal(fx_ingest_linked(db, "HC", &b, false), 0);
	fx_835_head(&b, "87726", "T1", "20240201");
	fx_835_clp(&b, "A1", "4", "100", "0", "I1", "DOE", "JANE", "MEMBER1", "20240105",
		   "CAS*CO*16*50*1*18*50~SVC*HC:99213*100*0**1~CAS*CO*16*0~");
	fx_835_clp(&b, "A2", "4", "200", "0", "I1", "DOE", "JANE", "MEMBER1", "20240105",
		   "CAS*CO*16*100*1*18*100~SVC*HC:99213*200*0**1~CAS*CO*16*0~");
	fx_835_clp(&b, "A3", "4", "300", "0", "I1", "DOE", "JANE", "MEMBER1", "20240105",
		   "CAS*CO*16*300~SVC*HC:99214*300*0**1~CAS*CO*16*0~");
	assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 3);
	cfg.today = "2024-02-02";
	assert_int_equal(claims_patterns_detect(&l, db, 1, 90, &cfg), CLAIMS_OK);
	assert_int_equal(l->count, 2);
	/* CO16 in every episode: frequency 1 (never 2). */
	assert_string_equal(l->items[0].denial_reason_code, "CO16");
	assert_true(l->items[0].frequency == 1.0);
	assert_true(l->items[0].confidence_score ==
		    claims__round4(claims__wilson_lower(3, 3)));
	assert_string_equal(l->items[0].conditions_json,
			    "{\"procedure_codes\":[],\"principal_diagnoses\":[],"
			    "\"facility_types\":[],\"charge_amount_min\":100.00,"
			    "\"charge_amount_max\":300.00}");
	/* CO18 in 2 of 3: 99213 and M545 in both of its episodes, 2 of 3 overall:
	 * 2*2*3 = 12 >= 3*2*2 = 12, kept. */
	assert_string_equal(l->items[1].denial_reason_code, "CO18");
	assert_int_equal(l->items[1].occurrence_count, 2);
	assert_string_equal(l->items[1].pattern_description,
			    "Denial reason code: CO18 (exact duplicate claim or service)");
	assert_string_equal(l->items[1].conditions_json,
			    "{\"procedure_codes\":[\"99213\"],\"principal_diagnoses\":[\"M545\"],"
			    "\"facility_types\":[],\"charge_amount_min\":100.00,"
			    "\"charge_amount_max\":200.00}");
	claims_pattern_list_free(l);
}

/* ================================================================ analysis */

static void
insert_pattern(claims_db *db, int payer, const char *code, double freq, double conf,
	       const char *cond)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO denial_patterns (payer_id, pattern_description, denial_reason_code, "
		 "occurrence_count, adjudicated_count, frequency, confidence_score, conditions, "
		 "window_days, first_seen, last_seen) VALUES (%d, 'Denial reason code: %s', '%s', "
		 "1, 4, %.4f, %.4f, '%s', 90, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
		 payer, code, code, freq, conf, cond);
	tu_exec(db, sql);
}

static void
test_examples_6_and_7_analysis(void **state)
{
	claims_db *db = *state;
	claims_pattern_analysis *a = NULL;
	claims_risk_score *s = NULL;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	struct tx b = { 0 };

	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, "87726", "MEMBER1", "DOE", "JANE");
	claim(&b, "X1", 150, "97530", "E119");
	claim(&b, "X2", 150, "99213", "M545");
	assert_int_equal(fx_ingest_linked(db, "HC", &b, false), 0);
	insert_pattern(db, 1, "CO50", 0.25, 0.1419,
		       "{\"procedure_codes\":[\"97530\"],\"principal_diagnoses\":[],"
		       "\"facility_types\":[],\"charge_amount_min\":120.00,"
		       "\"charge_amount_max\":480.00}");
	insert_pattern(db, 1, "CO16", 0.25, 0.1419,
		       "{\"procedure_codes\":[\"97530\"],\"principal_diagnoses\":[\"M5450\"],"
		       "\"facility_types\":[],\"charge_amount_min\":120.00,"
		       "\"charge_amount_max\":480.00}");
	/* No conditions: the match is the frequency. */
	insert_pattern(db, 1, "CO97", 0.3, 0.25,
		       "{\"procedure_codes\":[],\"principal_diagnoses\":[],\"facility_types\":[],"
		       "\"charge_amount_min\":null,\"charge_amount_max\":null}");
	/* Never matched: inactive, or another payer's; a facility not satisfied. */
	insert_pattern(db, 1, "CO4", 0.5, 0.5,
		       "{\"procedure_codes\":[],\"principal_diagnoses\":[],\"facility_types\":[\"21\"],"
		       "\"charge_amount_min\":null,\"charge_amount_max\":null}");
	tu_exec(db, "INSERT INTO payers (payer_id, name) VALUES ('60054', 'AETNA')");
	insert_pattern(db, 2, "CO50", 0.9, 0.9, "{}");
	insert_pattern(db, 1, "CO11", 0.9, 0.9, "{}");
	tu_exec(db, "UPDATE denial_patterns SET is_active = 0 WHERE denial_reason_code = 'CO11'");

	/* Example 6: procedure and range present and satisfied. */
	assert_int_equal(claims_patterns_analyze_claim(&a, db, 1), CLAIMS_OK);
	assert_int_equal(a->payer_id, 1);
	assert_int_equal(a->count, 3);
	assert_string_equal(a->matches[0].pattern.denial_reason_code, "CO50");
	assert_true(a->matches[0].match_score == 1.0);
	assert_true(a->matches[0].pattern_risk == 14.19);
	assert_string_equal(a->matches[1].pattern.denial_reason_code, "CO97");
	assert_true(a->matches[1].match_score == 0.3);
	assert_true(a->matches[1].pattern_risk == 7.5);
	assert_string_equal(a->matches[2].pattern.denial_reason_code, "CO16");
	assert_true(a->matches[2].match_score == 0.5);
	assert_true(a->matches[2].pattern_risk == 7.09);
	claims_pattern_analysis_free(a);

	/* Example 7: principal M545 is not M5450, no 97530, range satisfied. */
	assert_int_equal(claims_patterns_analyze_claim(&a, db, 2), CLAIMS_OK);
	assert_int_equal(a->count, 3);
	assert_string_equal(a->matches[0].pattern.denial_reason_code, "CO97");
	assert_string_equal(a->matches[1].pattern.denial_reason_code, "CO50");
	assert_true(a->matches[1].match_score == 0.25);
	assert_true(a->matches[1].pattern_risk == 3.55);
	assert_string_equal(a->matches[2].pattern.denial_reason_code, "CO16");
	assert_true(a->matches[2].match_score == 0.125);
	assert_true(a->matches[2].pattern_risk == 1.77);
	claims_pattern_analysis_free(a);

	/* Pattern component of the risk score: the best match, top 3 as factors. */
	cfg.today = "2024-01-20";
	assert_int_equal(claims_risk_calculate(&s, db, 1, &cfg), CLAIMS_OK);
	assert_true(s->pattern_risk == 14.19);
	assert_int_equal(s->n_factors, 3);
	assert_string_equal(s->factors[0].type, "pattern_match");
	assert_string_equal(s->factors[0].code, "PATTERN_MATCH");
	assert_string_equal(s->factors[0].severity, "high");
	assert_string_equal(s->factors[0].message,
			    "Matches denial pattern: Denial reason code: CO50");
	assert_true(s->factors[0].points == 14.19);
	assert_int_equal(s->factors[0].pattern_id, 1);
	assert_string_equal(s->factors[0].denial_reason_code, "CO50");
	assert_true(s->factors[0].match_score == 1.0);
	assert_true(s->factors[0].confidence == 0.1419);
	assert_string_equal(s->factors[1].severity, "medium");
	/* 0.15 x 20 + 0.20 x 14.19 = 5.838 */
	assert_true(s->overall_score == 5.84);
	claims_risk_score_free(s);
	s = NULL;
	/* Read back from the stored row. */
	assert_int_equal(claims_risk_latest(&s, db, 1), CLAIMS_OK);
	assert_int_equal(s->factors[0].pattern_id, 1);
	assert_string_equal(s->factors[0].denial_reason_code, "CO50");
	assert_true(s->factors[0].match_score == 1.0);
	claims_risk_score_free(s);

	/* A pattern risk over 50 recommends reviewing the top pattern. */
	tu_exec(db, "UPDATE denial_patterns SET confidence_score = 0.9 WHERE id = 1");
	assert_int_equal(claims_risk_calculate(&s, db, 1, &cfg), CLAIMS_OK);
	assert_true(s->pattern_risk == 90.0);
	assert_int_equal(s->n_recommendations, 1);
	assert_string_equal(s->recommendations[0],
			    "Review denial pattern CO50 for this payer before submission");
	claims_risk_score_free(s);

	/* A claim without payer has no matches. */
	tu_exec(db, "UPDATE claims SET payer_id = NULL WHERE id = 2");
	assert_int_equal(claims_patterns_analyze_claim(&a, db, 2), CLAIMS_OK);
	assert_int_equal(a->payer_id, 0);
	assert_int_equal(a->count, 0);
	claims_pattern_analysis_free(a);
	assert_int_equal(claims_patterns_analyze_claim(&a, db, 9), CLAIMS_ENOTFOUND);
	assert_null(a);
	claims_pattern_analysis_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example_42_detection, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_redetection_keeps_first_seen_and_deactivates,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_thresholds_and_conditions, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_examples_6_and_7_analysis, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
