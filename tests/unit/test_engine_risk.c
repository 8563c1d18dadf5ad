/*
 * Risk scoring (spec/engine.md §3) and the worked examples of §5: the
 * overall score and its levels, every rule of the coding, documentation and
 * payer components, the historical rates from linked episodes, the pattern
 * component, recommendations, and the stored history of scores.
 */
#include "engine_fixture.h"

#include <time.h>

#include "claims/engine.h"
#include "engine/engine_internal.h"
#include "engine/risk.h"

static const double default_w[5] = { 0.20, 0.25, 0.20, 0.15, 0.20 };

/* ================================================================ pure parts */

/* The engine's dates: only real calendar days (2023-02-29 is not one). */
static void
test_dates(void **state)
{
	int64_t a, b;

	(void)state;
	assert_true(claims__date_days("2024-02-29", &a));
	assert_true(claims__date_days("2024-03-01", &b));
	assert_int_equal(b - a, 1);
	assert_false(claims__date_days("2023-02-29", &a));
	assert_false(claims__date_days("1900-02-29", &a));
	assert_true(claims__date_days("2000-02-29", &a));
	assert_false(claims__date_days("2024-04-31", &a));
	assert_false(claims__date_days("2024-1-01", &a));
}

static void
test_example_1_overall(void **state)
{
	const double comp[5] = { 10, 20, 30, 40, 0 };

	(void)state;
	assert_true(claims__risk_overall(comp, default_w) == 19.00);
	assert_string_equal(claims__risk_level(19.00), "low");
}

static void
test_example_2_pattern_risk(void **state)
{
	const double comp[5] = { 0, 0, 0, 0, 72.0 };

	(void)state;
	assert_true(claims__round2(100.0 * 0.8 * 0.9) == 72.00);
	assert_true(claims__risk_overall(comp, default_w) == 14.40);
}

static void
test_levels_take_the_higher_at_boundaries(void **state)
{
	(void)state;
	assert_string_equal(claims__risk_level(25.0), "medium");
	assert_string_equal(claims__risk_level(50.0), "high");
	assert_string_equal(claims__risk_level(75.0), "critical");
	assert_string_equal(claims__risk_level(24.99), "low");
	assert_string_equal(claims__risk_level(49.99), "medium");
	assert_string_equal(claims__risk_level(74.99), "high");
	assert_string_equal(claims__risk_level(24.996), "medium"); /* rounds to 25.00 */
	assert_string_equal(claims__risk_level(100.0), "critical");
}

static void
test_example_5_historical(void **state)
{
	const int64_t n[1] = { 20 }, d[1] = { 8 };
	const int64_t n2[2] = { 20, 0 }, d2[2] = { 8, 0 };

	(void)state;
	assert_true(claims__risk_historical(40, 10, true, n, d, 1) == 30.22);
	/* No history: 20.00; no payer and no codes: the prior 0.2. */
	assert_true(claims__risk_historical(0, 0, true, NULL, NULL, 0) == 20.00);
	assert_true(claims__risk_historical(0, 0, false, NULL, NULL, 0) == 20.00);
	/* q is the highest code rate: (0+1)/(0+5) = 0.2 < 9/25. */
	assert_true(claims__risk_historical(40, 10, true, n2, d2, 2) == 30.22);
	/* Weighted mean with other weights. */
	{
		const double comp[5] = { 100, 0, 0, 0, 0 };
		const double w[5] = { 0.5, 0.5, 0, 0, 0 };

		assert_true(claims__risk_overall(comp, w) == 50.00);
	}
}

static void
test_rounding_follows_the_binary_value(void **state)
{
	(void)state;
	/* 100 x 0.1250 x 0.1419 is stored just below 1.77375. */
	assert_true(claims__round2(100.0 * 0.125 * 0.1419) == 1.77);
	assert_true(claims__round2(100.0 * 1.0 * 0.1419) == 14.19);
	assert_true(claims__round4(0.14186967895549518) == 0.1419);
}

/* ================================================================ claims */

/* An 837P with one claim; @p clm is the whole 2300 loop. */
static void
ingest_claim_text(claims_db *db, const char *npi, const char *payer, const char *member,
		  const char *clm)
{
	struct tx b = { 0 };
	claims_ingest_result *r;

	fx_837_head(&b, npi);
	fx_837_subscriber(&b, 2, payer, member, "DOE", "JANE");
	tu_text_put(&b.s, &b.len, &b.cap, clm, strlen(clm));
	r = fx_ingest(db, "HC", b.s, false);
	claims_ingest_result_free(r);
	tx_free(&b);
}

static claims_risk_score *
calc(claims_db *db, int64_t claim_id, const claims_engine_config *cfg)
{
	claims_risk_score *s = NULL;

	if (claims_risk_calculate(&s, db, claim_id, cfg) != CLAIMS_OK)
		fail_msg("risk: %s", claims_db_errmsg(db));
	return s;
}

/* "CODE:points" of every factor, comma-separated. */
static const char *
factor_list(const claims_risk_score *s)
{
	static char out[2048];
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < s->n_factors; i++)
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s:%g", i ? "," : "",
					s->factors[i].code, s->factors[i].points);
	return out;
}

static void
test_example_3_clean_claim(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s;

	cfg.today = "2024-01-20";
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1",
			  "CLM*EX3*150***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~"
			  "SV1*HC:99213*150*UN*1***1~DTP*472*D8*20231231~");
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "");
	assert_true(s->coding_risk == 0 && s->documentation_risk == 0 && s->payer_risk == 0);
	assert_true(s->historical_risk == 20.00);
	assert_true(s->pattern_risk == 0);
	assert_true(s->overall_score == 3.00);
	assert_string_equal(s->risk_level, "low");
	assert_int_equal(s->n_recommendations, 0);
	assert_string_equal(s->model_version, "rules-1");
	assert_true(s->model_confidence == 0.0);
	assert_int_equal(s->claim_version, 1);
	claims_risk_score_free(s);
}

static void
test_example_4_bad_claim(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s;

	cfg.today = "2024-01-20";
	ingest_claim_text(db, "1234567890", "87726", "MEMBER1",
			  "CLM*EX4*150***11:B:7*Y*A*Y*Y~LX*1~"
			  "SV1*HC:99213*150*UN*1***1~DTP*472*D8*20231231~");
	/* Few warnings on the claim itself (ORIGINAL_CLAIM_NOT_FOUND and the NPI
	 * issue are file-level): no MANY_WARNINGS. */
	assert_string_equal(fx_text(db, "SELECT group_concat(json_extract(value, '$.code'), ',') "
					"FROM json_each((SELECT parsing_warnings FROM claims))"),
			    "MISSING_DIAGNOSIS,BAD_DIAGNOSIS_POINTER,MISSING_ORIGINAL_REFERENCE");
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s),
			    "NO_DIAGNOSIS:50,NO_PRINCIPAL_DIAGNOSIS:40,BAD_DIAGNOSIS_POINTER:10,"
			    "INVALID_NPI:25,MISSING_ORIGINAL_REFERENCE:30");
	assert_true(s->coding_risk == 100.0);
	assert_true(s->documentation_risk == 55.0);
	assert_true(s->payer_risk == 0.0);
	assert_true(s->historical_risk == 20.0);
	assert_true(s->overall_score == 39.00);
	assert_string_equal(s->risk_level, "medium");
	assert_int_equal(s->n_recommendations, 5);
	assert_string_equal(s->recommendations[0], "Review procedure codes and modifiers for accuracy");
	assert_string_equal(s->recommendations[1], "Verify diagnosis codes match procedure codes");
	assert_string_equal(s->recommendations[2], "Ensure all required documentation is attached");
	assert_string_equal(s->recommendations[3], "Verify provider signatures are present");
	assert_string_equal(s->recommendations[4],
			    "CRITICAL: Address high-priority issues before submission");
	assert_string_equal(s->factors[0].type, "coding");
	assert_string_equal(s->factors[0].severity, "critical");
	assert_string_equal(s->factors[3].type, "documentation");
	assert_string_equal(s->factors[3].message,
			    "The billing provider NPI 1234567890 fails the check digit");
	assert_string_equal(s->factors[2].message, "Line 1 points to diagnosis 1 but the claim has 0");
	claims_risk_score_free(s);
}

static void
test_coding_and_documentation_rules(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s;

	cfg.today = "2024-01-20";
	/* 13 diagnoses (one invalid), lines: bad modifiers, invalid procedure,
	 * no pointer, no procedure; CLM02 differs from the lines; no CLM07. */
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1",
			  "CLM*R1*100***11:B:1*Y**Y*Y~"
			  "HI*ABK:E119*ABF:I10*ABF:E785*ABF:123*ABF:J449*ABF:K219*ABF:M545*"
			  "ABF:N390*ABF:R05*ABF:Z0000*ABF:F329*ABF:G4700~HI*ABF:L309~"
			  "LX*1~SV1*HC:99213:2*40*UN*1***1~DTP*472*D8*20240105~"
			  "LX*2~SV1*HC:ABCDE*30*UN*1***~DTP*472*D8*20240105~"
			  "LX*3~SV1*HC:99214:25:X*20*UN*1***14~DTP*472*D8*20240105~");
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s),
			    "TOO_MANY_DIAGNOSES:20,INVALID_DIAGNOSIS:10,INVALID_PROCEDURE:10,"
			    "INVALID_MODIFIER:5,INVALID_MODIFIER:5,BAD_DIAGNOSIS_POINTER:10,"
			    "BAD_DIAGNOSIS_POINTER:10,MISSING_ASSIGNMENT:10,TOTAL_MISMATCH:20");
	assert_true(s->coding_risk == 70.0);
	assert_true(s->documentation_risk == 30.0);
	assert_string_equal(s->factors[1].message, "Diagnosis code 123 is not a valid code");
	assert_string_equal(s->factors[3].message, "Modifier 2 on line 1 is not valid");
	assert_string_equal(s->factors[8].message,
			    "The claim total 100.00 differs from the sum of its lines 90.00");
	/* coding > 50: its two recommendations, no critical factor. */
	assert_int_equal(s->n_recommendations, 2);
	claims_risk_score_free(s);
}

static void
test_payer_rules(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s;
	const char *clm = "CLM*PR1*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~"
			  "SV1*HC:99213*100*UN*1***1~DTP*472*D8*20230120~";

	cfg.today = "2024-01-20";
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1", clm);
	/* Service 2023-01-20, submitted 2024-01-10 (BHT04): 355 days; limit 365: near. */
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_NEAR:15");
	assert_string_equal(s->factors[0].message, "Submitted 355 days after the service date "
						   "2023-01-20, near the 365-day filing limit");
	claims_risk_score_free(s);
	cfg.timely_filing_days = 300;
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_EXCEEDED:40");
	claims_risk_score_free(s);
	cfg.timely_filing_days = 365;

	tu_exec(db, "UPDATE payers SET rules_config = '{\"allowed_frequency_types\": [\"7\"], "
		    "\"restricted_facility_types\": [\"11\"], \"timely_filing_days\": 1000, "
		    "\"prior_auth_procedure_codes\": [\"99213\"], \"other\": 1}'");
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "FREQUENCY_NOT_ALLOWED:25,FACILITY_RESTRICTED:30,"
					    "PRIOR_AUTH_MISSING:25");
	assert_true(s->payer_risk == 80.0);
	assert_int_equal(s->n_recommendations, 2);
	assert_string_equal(s->recommendations[0],
			    "Check payer-specific requirements before submission");
	claims_risk_score_free(s);
	/* Wrong types are ignored. */
	tu_exec(db, "UPDATE payers SET rules_config = '{\"allowed_frequency_types\": \"7\", "
		    "\"restricted_facility_types\": [11], \"timely_filing_days\": \"10\", "
		    "\"prior_auth_procedure_codes\": {}}'");
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_NEAR:15");
	claims_risk_score_free(s);
	tu_exec(db, "UPDATE payers SET rules_config = '{}'");

	/* The same claim again: submission_count 2 with frequency 1. */
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1", clm);
	s = calc(db, 1, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_NEAR:15,DUPLICATE_SUBMISSION:30");
	claims_risk_score_free(s);

	/* Another claim number with the same provider, member, date, total and
	 * procedures is a duplicate of it; a voided one is not. */
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1",
			  "CLM*PR2*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~"
			  "SV1*HC:99213*100*UN*1***1~DTP*472*D8*20230120~");
	s = calc(db, 2, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_NEAR:15,DUPLICATE_SUBMISSION:30");
	claims_risk_score_free(s);
	tu_exec(db, "UPDATE claims SET status = 'void' WHERE id = 1");
	s = calc(db, 2, &cfg);
	assert_string_equal(factor_list(s), "TIMELY_FILING_NEAR:15");
	claims_risk_score_free(s);

	/* No payer: exactly 30, nothing else of the payer runs. */
	tu_exec(db, "UPDATE claims SET payer_id = NULL WHERE id = 2");
	s = calc(db, 2, &cfg);
	assert_string_equal(factor_list(s), "NO_PAYER:30");
	assert_true(s->payer_risk == 30.0);
	claims_risk_score_free(s);
}

/* ================================================================ history */

static void
ingest_payment(claims_db *db, const char *trace, const char *pcn, const char *status,
	       const char *paid)
{
	struct tx b = { 0 };

	fx_835_head(&b, "87726", trace, "20240201");
	fx_835_clp(&b, pcn, status, "100", paid, "I1", "DOE", "JANE", "MEMBER1", "20240105",
		   NULL);
	assert_int_equal(fx_ingest_linked(db, "HP", &b, false), 1);
}

static void
test_historical_from_linked_episodes(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s;
	const char *pcns[4] = { "H1", "H2", "H3", "H4" };

	cfg.today = "2024-03-01";
	for (int i = 0; i < 4; i++) {
		char clm[512];

		snprintf(clm, sizeof(clm),
			 "CLM*%s*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC:%s*100*UN*1***1~"
			 "DTP*472*D8*2024010%d~",
			 pcns[i], i == 3 ? "99214" : "99213", i + 1);
		ingest_claim_text(db, "1234567893", "87726", "MEMBER1", clm);
	}
	ingest_payment(db, "T1", "H1", "4", "0");
	ingest_payment(db, "T2", "H2", "4", "0");
	ingest_payment(db, "T3", "H3", "1", "100");
	ingest_payment(db, "T4", "H4", "4", "0"); /* its own outcome never counts */
	/* Claim H4 (99214): payer 3 others, 2 denied → 3/8; no 99214 history → 0.2. */
	s = calc(db, 4, &cfg);
	assert_true(s->historical_risk == 28.75);
	assert_true(s->model_confidence == 0.06);
	claims_risk_score_free(s);
	/* Claim H3 (99213): payer: H1, H2 denied, H4 denied → (3+1)/(3+5); code: H1, H2 → 3/7. */
	s = calc(db, 3, &cfg);
	assert_true(s->historical_risk == claims__round2(100 * (0.5 * 4.0 / 8 + 0.5 * 3.0 / 7)));
	assert_true(s->historical_risk == 46.43);
	assert_string_equal(factor_list(s), "HISTORICAL_DENIALS:46.43");
	assert_string_equal(s->factors[0].severity, "medium");
	claims_risk_score_free(s);
	/* Outside the window: no history. */
	cfg.today = "2025-06-01";
	s = calc(db, 3, &cfg);
	assert_true(s->historical_risk == 20.0);
	claims_risk_score_free(s);
	/* A reversed payment is not adjudicated. */
	cfg.today = "2024-03-01";
	tu_exec(db, "UPDATE claim_episodes SET status = 'reversed' WHERE claim_id IN (1, 2)");
	s = calc(db, 4, &cfg);
	assert_true(s->historical_risk == claims__round2(100 * (0.5 * 1.0 / 6 + 0.5 * 0.2)));
	claims_risk_score_free(s);
}

/* The historical totals are kept on the connection between scores; a commit
 * by another connection (or by this one) must be seen by the next score. */
static void
test_historical_sees_other_connections(void **state)
{
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	char *dir = tu_tmpdir(), *path = tu_path(dir, "h.db");
	claims_db *a = NULL, *b = NULL;
	claims_risk_score *s;

	(void)state;
	cfg.today = "2024-03-01";
	assert_int_equal(claims_db_open(&a, path, NULL), CLAIMS_OK);
	assert_int_equal(claims_db_open(&b, path, NULL), CLAIMS_OK);
	ingest_claim_text(a, "1234567893", "87726", "MEMBER1",
			  "CLM*O1*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC:99213*100*UN*1***1~"
			  "DTP*472*D8*20240101~");
	ingest_claim_text(a, "1234567893", "87726", "MEMBER1",
			  "CLM*O2*100***11:B:1*Y*A*Y*Y~HI*ABK:E119~LX*1~SV1*HC:99213*100*UN*1***1~"
			  "DTP*472*D8*20240102~");
	ingest_payment(a, "T1", "O1", "4", "0");
	/* O2: payer 1 of 1 denied → 2/6; 99213 the same → 2/6. */
	s = calc(a, 2, &cfg);
	assert_true(s->historical_risk == 33.33);
	claims_risk_score_free(s);
	s = calc(a, 2, &cfg); /* from the kept totals */
	assert_true(s->historical_risk == 33.33);
	claims_risk_score_free(s);
	/* Another connection reverses the denial: no history left. */
	tu_exec(b, "UPDATE claim_episodes SET status = 'reversed'");
	s = calc(a, 2, &cfg);
	assert_true(s->historical_risk == 20.0);
	claims_risk_score_free(s);
	/* This connection links a paid episode: payer 1 of 1, not denied → 1/6. */
	ingest_payment(a, "T2", "O1", "1", "100");
	s = calc(a, 2, &cfg);
	assert_true(s->historical_risk == claims__round2(100 * (1.0 / 6)));
	claims_risk_score_free(s);
	/* The other connection sees the same. */
	s = calc(b, 2, &cfg);
	assert_true(s->historical_risk == 16.67);
	claims_risk_score_free(s);
	claims_db_close(a);
	claims_db_close(b);
	free(path);
	tu_tmpdir_free(dir);
}

/* ================================================================ persistence */

static void
test_history_of_scores(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	claims_risk_score *s, *latest = NULL;

	cfg.today = "2024-01-20";
	ingest_claim_text(db, "1234567890", "87726", "MEMBER1",
			  "CLM*HS1*150***11:B:7*Y*A*Y*Y~LX*1~"
			  "SV1*HC:99213*150*UN*1***1~DTP*472*D8*20231231~");
	assert_int_equal(claims_risk_latest(&latest, db, 1), CLAIMS_OK);
	assert_null(latest);
	assert_int_equal(claims_risk_latest(&latest, db, 2), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_risk_calculate(&s, db, 2, &cfg), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "claim 2 not found");
	assert_int_equal(claims_risk_calculate(&s, db, 0, &cfg), CLAIMS_EINVAL);

	s = calc(db, 1, &cfg);
	assert_int_equal(claims_risk_latest(&latest, db, 1), CLAIMS_OK);
	assert_non_null(latest);
	assert_int_equal(latest->id, s->id);
	assert_true(latest->overall_score == s->overall_score);
	assert_string_equal(latest->risk_level, s->risk_level);
	assert_string_equal(latest->calculated_at, s->calculated_at);
	assert_int_equal(latest->n_factors, s->n_factors);
	for (size_t i = 0; i < s->n_factors; i++) {
		assert_string_equal(latest->factors[i].code, s->factors[i].code);
		assert_string_equal(latest->factors[i].message, s->factors[i].message);
		assert_true(latest->factors[i].points == s->factors[i].points);
	}
	assert_int_equal(latest->n_recommendations, s->n_recommendations);
	assert_string_equal(latest->recommendations[4], s->recommendations[4]);
	assert_true(latest->weights[1] == 0.25);
	assert_string_equal(fx_text(db, "SELECT weights FROM risk_scores"),
			    "{\"payer\":0.2,\"coding\":0.25,\"documentation\":0.2,"
			    "\"historical\":0.15,\"pattern\":0.2}");
	assert_string_equal(fx_text(db, "SELECT json_extract(risk_factors, '$[0]') FROM risk_scores"),
			    "{\"type\":\"coding\",\"code\":\"NO_DIAGNOSIS\",\"severity\":\"critical\","
			    "\"message\":\"The claim has no diagnosis code\",\"points\":50.00}");
	claims_risk_score_free(latest);
	claims_risk_score_free(s);

	/* A second score is the current one; an older calculated_at loses even
	 * with a higher id. */
	s = calc(db, 1, &cfg);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM risk_scores"), 2);
	tu_exec(db, "UPDATE risk_scores SET calculated_at = '2000-01-01T00:00:00Z', "
		    "overall_score = 1 WHERE id = 2");
	assert_int_equal(claims_risk_latest(&latest, db, 1), CLAIMS_OK);
	assert_int_equal(latest->id, 1);
	claims_risk_score_free(latest);
	claims_risk_score_free(s);
	claims_risk_score_free(NULL);

	/* Weights summing to 0 are refused. */
	cfg.weight_payer = cfg.weight_coding = cfg.weight_doc = cfg.weight_historical =
		cfg.weight_pattern = 0;
	assert_int_equal(claims_risk_calculate(&s, db, 1, &cfg), CLAIMS_EINVAL);
}

/* Figures: microseconds per score of one claim, prepared statements warm. */
static void
test_speed(void **state)
{
	claims_db *db = *state;
	claims_engine_config cfg = CLAIMS_ENGINE_CONFIG_INIT;
	struct timespec a, b;
	const int rounds = 2000;
	double us;

	cfg.today = "2024-01-20";
	ingest_claim_text(db, "1234567893", "87726", "MEMBER1",
			  "CLM*SP1*150***11:B:1*Y*A*Y*Y~HI*ABK:E119*ABF:I10~LX*1~"
			  "SV1*HC:99213*100*UN*1***1~DTP*472*D8*20231231~LX*2~"
			  "SV1*HC:97530*50*UN*1***2~DTP*472*D8*20231231~");
	claims_risk_score_free(calc(db, 1, &cfg));
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < rounds; i++)
		claims_risk_score_free(calc(db, 1, &cfg));
	clock_gettime(CLOCK_MONOTONIC, &b);
	us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / rounds;
	fprintf(stderr, "risk score of one claim (calculate and store): %.1f us\n", us);
	assert_int_equal(fx_int(db, "SELECT count(*) FROM risk_scores"), rounds + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_example_1_overall),
		cmocka_unit_test(test_example_2_pattern_risk),
		cmocka_unit_test(test_levels_take_the_higher_at_boundaries),
		cmocka_unit_test(test_example_5_historical),
		cmocka_unit_test(test_rounding_follows_the_binary_value),
		cmocka_unit_test_setup_teardown(test_example_3_clean_claim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_example_4_bad_claim, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_coding_and_documentation_rules, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_payer_rules, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_historical_from_linked_episodes, fx_setup,
						fx_teardown),
		cmocka_unit_test(test_historical_sees_other_connections),
		cmocka_unit_test_setup_teardown(test_history_of_scores, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_speed, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
