/*
 * The dashboard's aggregates (claims_stats_summary_get): totals, claims by
 * status, paid amount, adjudicated and denied episodes overall and by payer
 * (reversed episodes and reversals are not adjudicated), denial reasons
 * counted once per episode with CLAIM_DENIED for CLP02 4 without a denial
 * CARC, and risk levels from each claim's newest score.
 */
#include "engine_fixture.h"

#include "claims/engine.h"

/* One 837 of one subscriber of @p payer with one claim. */
static void
ingest_claim(claims_db *db, const char *payer, const char *pcn, const char *charge)
{
	struct tx b = { 0 };

	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, payer, "MEMBER1", "DOE", "JANE");
	fx_837_claim(&b, pcn, charge, "1", NULL, "20240105");
	(void)fx_ingest_linked(db, "HC", &b, false);
}

/* One 835 check with one CLP for DOE JANE MEMBER1; returns the episodes linked. */
static int64_t
ingest_payment(claims_db *db, const char *payer, const char *trace, const char *date,
	       const char *pcn, const char *status, const char *charge, const char *paid,
	       const char *extra)
{
	struct tx b = { 0 };

	fx_835_head(&b, payer, trace, date);
	fx_835_clp(&b, pcn, status, charge, paid, "ICN1", "DOE", "JANE", "MEMBER1", "20240105",
		   extra);
	return fx_ingest_linked(db, "HP", &b, false);
}

static void
add_score(claims_db *db, int64_t claim_id, const char *level, const char *at)
{
	char sql[1024];

	snprintf(sql, sizeof(sql),
		 "INSERT INTO risk_scores (claim_id, claim_version, overall_score, risk_level, "
		 "coding_risk, documentation_risk, payer_risk, historical_risk, pattern_risk, "
		 "risk_factors, recommendations, weights, model_version, calculated_at) "
		 "VALUES (%lld, 1, 10, '%s', 0, 0, 0, 0, 0, '[]', '[]', '[]', 'rules-1', '%s')",
		 (long long)claim_id, level, at);
	tu_exec(db, sql);
}

static void
test_empty_database(void **state)
{
	claims_db *db = *state;
	claims_stats_summary *s = NULL;

	if (claims_stats_summary_get(&s, db) != CLAIMS_OK)
		fail_msg("%s", claims_db_errmsg(db));
	assert_int_equal(s->claims, 0);
	assert_int_equal(s->remittances, 0);
	assert_int_equal(s->episodes, 0);
	assert_int_equal(s->paid_cents, 0);
	assert_int_equal(s->adjudicated, 0);
	assert_int_equal(s->denied, 0);
	assert_int_equal(s->risk_levels.unscored, 0);
	assert_int_equal(s->n_payers, 0);
	assert_null(s->payers);
	assert_int_equal(s->n_codes, 0);
	claims_stats_summary_free(s);
	claims_stats_summary_free(NULL);
}

static void
test_arguments(void **state)
{
	claims_db *db = *state;
	claims_stats_summary *s = (claims_stats_summary *)1;

	assert_int_equal(claims_stats_summary_get(&s, NULL), CLAIMS_EINVAL);
	assert_null(s);
	assert_int_equal(claims_stats_summary_get(NULL, db), CLAIMS_EINVAL);
}

static void
test_summary(void **state)
{
	claims_db *db = *state;
	claims_stats_summary *s = NULL;

	/* Payer 87726: four claims. */
	ingest_claim(db, "87726", "D1", "100");
	ingest_claim(db, "87726", "D2", "100");
	ingest_claim(db, "87726", "D3", "100");
	ingest_claim(db, "87726", "D4", "100");
	/* Payer 60054: two claims. */
	ingest_claim(db, "60054", "E1", "100");
	ingest_claim(db, "60054", "E2", "100");

	/* D1: CO50 at claim and line level (one reason), paid 0: denied. */
	assert_int_equal(ingest_payment(db, "87726", "T1", "20240201", "D1", "1", "100", "0",
					"CAS*CO*50*80~SVC*HC:99213*100*0**1~DTM*472*20240105~"
					"CAS*CO*50*20~"),
			 1);
	/* D2: CLP02 4 without any CAS: CLAIM_DENIED. */
	assert_int_equal(ingest_payment(db, "87726", "T2", "20240201", "D2", "4", "100", "0", NULL),
			 1);
	/* D3: contractual and patient responsibility only: not denied. */
	assert_int_equal(ingest_payment(db, "87726", "T3", "20240201", "D3", "1", "100", "0",
					"CAS*CO*45*60~CAS*PR*1*40~"),
			 1);
	/* D4: three denial reasons, paid 10: linked, denial_count 3. */
	assert_int_equal(ingest_payment(db, "87726", "T4", "20240201", "D4", "1", "100", "10",
					"CAS*OA*18*30~CAS*PI*197*30~CAS*CO*16*30~"),
			 1);
	/* E1: paid 80 with a CO50, then reversed: neither episode is adjudicated. */
	assert_int_equal(ingest_payment(db, "60054", "T5", "20240201", "E1", "1", "100", "80",
					"CAS*CO*50*20~"),
			 1);
	assert_int_equal(ingest_payment(db, "60054", "T6", "20240301", "E1", "22", "-100", "-80",
					"CAS*CO*50*-20~"),
			 1);
	/* E2: CO50, paid 0. */
	assert_int_equal(ingest_payment(db, "60054", "T7", "20240201", "E2", "1", "100", "0",
					"CAS*CO*50*100~"),
			 1);
	/* A payment for a claim that is not here. */
	assert_int_equal(ingest_payment(db, "60054", "T8", "20240201", "ZZZ", "1", "70", "55",
					"CAS*CO*45*15~"),
			 0);
	assert_string_equal(fx_text(db, "SELECT group_concat(status, ',') FROM (SELECT status "
					"FROM claim_episodes ORDER BY id)"),
			    "denied,denied,linked,linked,reversed,reversed,denied");

	/* Risk: claim 1 newer low over older critical; claim 2 two scores at the
	 * same time, the higher id (medium) wins; claim 3 high. */
	add_score(db, 1, "low", "2024-02-01T00:00:00Z");
	add_score(db, 1, "critical", "2024-01-01T00:00:00Z");
	add_score(db, 2, "high", "2024-03-01T00:00:00Z");
	add_score(db, 2, "medium", "2024-03-01T00:00:00Z");
	add_score(db, 3, "high", "2024-03-01T00:00:00Z");

	assert_int_equal(claims_stats_summary_get(&s, db), CLAIMS_OK);
	assert_int_equal(s->claims, 6);
	assert_int_equal(s->remittances, 8);
	assert_int_equal(s->episodes, 7);
	assert_int_equal(s->claims_by_status.pending, 0);
	assert_int_equal(s->claims_by_status.processed, 2);
	assert_int_equal(s->claims_by_status.denied, 3);
	assert_int_equal(s->claims_by_status.reversed, 1);
	assert_int_equal(s->claims_by_status.voided, 0);
	/* 0 + 0 + 0 + 10 + 80 - 80 + 0 + 55 */
	assert_int_equal(s->paid_cents, 6500);
	assert_int_equal(s->adjudicated, 5);
	assert_int_equal(s->denied, 4);

	assert_int_equal(s->risk_levels.low, 1);
	assert_int_equal(s->risk_levels.medium, 1);
	assert_int_equal(s->risk_levels.high, 1);
	assert_int_equal(s->risk_levels.critical, 0);
	assert_int_equal(s->risk_levels.unscored, 3);

	assert_int_equal(s->n_payers, 2);
	assert_int_equal(s->payers[0].id, fx_int(db, "SELECT id FROM payers WHERE payer_id = '87726'"));
	assert_string_equal(s->payers[0].name,
			    fx_text(db, "SELECT name FROM payers WHERE payer_id = '87726'"));
	assert_int_equal(s->payers[0].adjudicated, 4);
	assert_int_equal(s->payers[0].denied, 3);
	assert_int_equal(s->payers[1].id, fx_int(db, "SELECT id FROM payers WHERE payer_id = '60054'"));
	assert_int_equal(s->payers[1].adjudicated, 1);
	assert_int_equal(s->payers[1].denied, 1);

	assert_int_equal(s->n_codes, 5);
	assert_string_equal(s->codes[0].code, "CO50");
	assert_int_equal(s->codes[0].episodes, 2);
	assert_string_equal(s->codes[0].description,
			    fx_text(db, "SELECT description FROM carc_codes WHERE code = '50'"));
	assert_string_equal(s->codes[1].code, "CLAIM_DENIED");
	assert_null(s->codes[1].description);
	assert_int_equal(s->codes[1].episodes, 1);
	assert_string_equal(s->codes[2].code, "CO16");
	assert_string_equal(s->codes[3].code, "OA18");
	assert_string_equal(s->codes[4].code, "PI197");
	for (size_t i = 1; i < 5; i++)
		assert_int_equal(s->codes[i].episodes, 1);
	claims_stats_summary_free(s);
}

/* Many payers and codes: the lists stop at their bounds, in their order. */
static void
test_bounds(void **state)
{
	static const char *const carcs[] = { "4", "5", "6", "7", "11", "146", "181", "182",
					     "189", "199", "97", "231" };
	claims_db *db = *state;
	claims_stats_summary *s = NULL;
	char payer[16], pcn[16], trace[16], cas[64];

	for (int i = 0; i < CLAIMS_STATS_MAX_PAYERS + 3; i++) {
		snprintf(payer, sizeof(payer), "P%03d", i);
		snprintf(pcn, sizeof(pcn), "C%03d", i);
		snprintf(trace, sizeof(trace), "T%03d", i);
		snprintf(cas, sizeof(cas), "CAS*CO*%s*100~", carcs[i % 12]);
		ingest_claim(db, payer, pcn, "100");
		assert_int_equal(ingest_payment(db, payer, trace, "20240201", pcn, "1", "100", "0",
						cas),
				 1);
	}
	assert_int_equal(claims_stats_summary_get(&s, db), CLAIMS_OK);
	assert_int_equal(s->adjudicated, CLAIMS_STATS_MAX_PAYERS + 3);
	assert_int_equal(s->denied, CLAIMS_STATS_MAX_PAYERS + 3);
	assert_int_equal(s->n_payers, CLAIMS_STATS_MAX_PAYERS);
	/* All have one episode: by id ascending. */
	for (size_t i = 0; i < s->n_payers; i++)
		assert_int_equal(s->payers[i].id, (int64_t)i + 1);
	assert_int_equal(s->n_codes, CLAIMS_STATS_MAX_CODES);
	/* 23 episodes over 12 codes: the first 11 codes twice, then by code. */
	assert_string_equal(s->codes[0].code, "CO11");
	assert_int_equal(s->codes[0].episodes, 2);
	for (size_t i = 1; i < s->n_codes; i++) {
		assert_true(s->codes[i - 1].episodes > s->codes[i].episodes ||
			    (s->codes[i - 1].episodes == s->codes[i].episodes &&
			     strcmp(s->codes[i - 1].code, s->codes[i].code) < 0));
	}
	claims_stats_summary_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_database, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_arguments, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_summary, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bounds, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
