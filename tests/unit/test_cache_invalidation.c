/*
 * The invalidation table of spec/cache.md §6, row by row, through the
 * library's own writes on a handle with a cache attached
 * (claims_db_set_cache): each test caches the keys a write must remove and
 * some it must keep, performs the write, then checks which are gone and
 * that reading a removed key again is a miss.  Also: a rolled-back write
 * removes nothing, and a reader that missed before a write cannot store
 * its old answer afterwards.
 */
#include "engine_fixture.h"

#include "claims/engine.h"

struct inv {
	claims_db *db;
	claims_cache *cache;
};

static int
setup(void **state)
{
	struct inv *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->db = fx_open_memory();
	assert_int_equal(claims_cache_new(&t->cache, NULL), CLAIMS_OK);
	claims_db_set_cache(t->db, t->cache);
	*state = t;
	return 0;
}

static int
teardown(void **state)
{
	struct inv *t = *state;

	claims_db_close(t->db);
	claims_cache_free(t->cache);
	free(t);
	return 0;
}

/* Cache every key of a NULL-terminated list. */
static void
seed(claims_cache *c, const char *const *keys)
{
	for (size_t i = 0; keys[i]; i++)
		assert_int_equal(claims_cache_put(c, keys[i], "{}", 2, CLAIMS_CACHE_GEN_ANY),
				 CLAIMS_OK);
}

/* "<prefix>:<id>" in one of 8 static buffers. */
static const char *
key_of(const char *prefix, int64_t id)
{
	static char buf[8][64];
	static int slot;

	slot = (slot + 1) % 8;
	snprintf(buf[slot], sizeof(buf[slot]), "%s:%lld", prefix, (long long)id);
	return buf[slot];
}

/* Every key of @p gone was removed, and reading it again is one miss;
 * every key of @p kept is still there. */
static void
check(claims_cache *c, const char *const *gone, const char *const *kept)
{
	for (size_t i = 0; gone[i]; i++) {
		claims_cache_counts before, after;
		char *v = NULL;
		size_t len;

		if (claims_cache_contains(c, gone[i]))
			fail_msg("%s should have been invalidated", gone[i]);
		assert_int_equal(claims_cache_key_stats_get(&before, NULL, c, gone[i]), CLAIMS_OK);
		assert_int_equal(claims_cache_get(&v, &len, NULL, c, gone[i]), CLAIMS_ENOTFOUND);
		assert_int_equal(claims_cache_key_stats_get(&after, NULL, c, gone[i]), CLAIMS_OK);
		assert_int_equal(after.misses, before.misses + 1);
	}
	for (size_t i = 0; kept[i]; i++)
		if (!claims_cache_contains(c, kept[i]))
			fail_msg("%s should have been kept", kept[i]);
}

/* The 837 of the engine fixture (payer P, DOE JANE) with one claim. */
static void
ingest_claim(claims_db *db, const char *payer, const char *pcn, const char *charge,
	     const char *freq, const char *ref)
{
	struct tx b = { 0 };

	fx_837_head(&b, "1234567893");
	fx_837_subscriber(&b, 2, payer, "MEMBER1", "DOE", "JANE");
	fx_837_claim(&b, pcn, charge, freq, ref, "20240105");
	(void)fx_ingest_linked(db, "HC", &b, true);
}

static void
ingest_payment(claims_db *db, const char *payer, const char *trace, const char *pcn,
	       const char *status, const char *charge, const char *paid, const char *extra)
{
	struct tx b = { 0 };

	fx_835_head(&b, payer, trace, "20240201");
	fx_835_clp(&b, pcn, status, charge, paid, "ICN1", "DOE", "JANE", "MEMBER1", "20240105",
		   extra);
	(void)fx_ingest_linked(db, "HP", &b, true);
}

static int64_t
link_one(claims_db *db, int64_t remit)
{
	claims_link_result *r = NULL;
	int64_t ep;

	assert_int_equal(claims_link_remittance(&r, db, remit, NULL), CLAIMS_OK);
	ep = r->episode ? r->episode->id : 0;
	claims_link_result_free(r);
	return ep;
}

/* Row: ingest of an 837 set. */
static void
test_ingest_837(void **state)
{
	struct inv *t = *state;

	ingest_claim(t->db, "87726", "A1", "100", "1", NULL);
	ingest_claim(t->db, "87726", "A2", "50", "1", NULL);
	seed(t->cache, (const char *const[]){ "count:claim", "count:claim:status=pending",
					       "count:payer", "claim:1", "pattern:analysis:1",
					       "claim:2", "pattern:analysis:2", "risk_score:1",
					       "count:remittance", "count:claimx", NULL });
	/* A1 again, unchanged: submission_count and updated_at move. */
	ingest_claim(t->db, "87726", "A1", "100", "1", NULL);
	assert_int_equal(fx_int(t->db, "SELECT submission_count FROM claims WHERE id = 1"), 2);
	check(t->cache,
	      (const char *const[]){ "count:claim", "count:claim:status=pending", "count:payer",
				     "claim:1", "pattern:analysis:1", NULL },
	      (const char *const[]){ "claim:2", "pattern:analysis:2", "risk_score:1",
				     "count:remittance", "count:claimx", NULL });
}

/* Row: claim replaced (frequency 7) or voided: as 837 ingest plus risk_score. */
static void
test_replace_and_void(void **state)
{
	struct inv *t = *state;

	ingest_claim(t->db, "87726", "B1", "100", "1", NULL);
	ingest_claim(t->db, "87726", "B2", "100", "1", NULL);
	seed(t->cache, (const char *const[]){ "claim:1", "risk_score:1", "pattern:analysis:1",
					       "claim:2", "risk_score:2", "count:claim", NULL });
	ingest_claim(t->db, "87726", "B1", "120", "7", NULL);
	assert_int_equal(fx_int(t->db, "SELECT version FROM claims WHERE id = 1"), 2);
	check(t->cache,
	      (const char *const[]){ "claim:1", "risk_score:1", "pattern:analysis:1",
				     "count:claim", NULL },
	      (const char *const[]){ "claim:2", "risk_score:2", NULL });

	seed(t->cache, (const char *const[]){ "claim:1", "risk_score:1", "count:claim", NULL });
	ingest_claim(t->db, "87726", "B2", "100", "8", NULL);
	assert_string_equal(fx_text(t->db, "SELECT status FROM claims WHERE id = 2"), "void");
	check(t->cache,
	      (const char *const[]){ "claim:2", "risk_score:2", "count:claim", NULL },
	      (const char *const[]){ "claim:1", "risk_score:1", NULL });
}

/* Row: ingest of an 835 set. */
static void
test_ingest_835(void **state)
{
	struct inv *t = *state;

	ingest_claim(t->db, "87726", "C1", "100", "1", NULL);
	seed(t->cache, (const char *const[]){ "count:remittance", "count:remittance:status=pending",
					       "count:payer", "count:claim", "claim:1", NULL });
	ingest_payment(t->db, "87726", "T1", "C1", "1", "100", "80", NULL);
	check(t->cache,
	      (const char *const[]){ "count:remittance", "count:remittance:status=pending",
				     "count:payer", NULL },
	      (const char *const[]){ "count:claim", "claim:1", NULL });
}

/* Row: a link attempt that leaves the remittance unmatched. */
static void
test_link_unmatched(void **state)
{
	struct inv *t = *state;

	ingest_payment(t->db, "87726", "T1", "NOSUCH", "1", "100", "80", NULL);
	seed(t->cache, (const char *const[]){ "remittance:1", "count:remittance",
					       "count:remittance:status=pending", "count:claim",
					       "count:episode", NULL });
	assert_int_equal(link_one(t->db, 1), 0);
	assert_string_equal(fx_text(t->db, "SELECT status FROM remittances"), "unmatched");
	check(t->cache,
	      (const char *const[]){ "remittance:1", "count:remittance",
				     "count:remittance:status=pending", NULL },
	      (const char *const[]){ "count:claim", "count:episode", NULL });
}

/* Row: an episode created ("link set"), automatically or by hand, and a
 * reversal that reverses another episode. */
static void
test_link_set(void **state)
{
	struct inv *t = *state;
	claims_episode *e = NULL;
	bool created;
	int64_t ep;

	ingest_claim(t->db, "87726", "D1", "100", "1", NULL);
	ingest_claim(t->db, "87726", "D2", "100", "1", NULL);
	ingest_payment(t->db, "87726", "T1", "D1", "1", "100", "80", NULL);
	seed(t->cache, (const char *const[]){ "episode:1", "count:episode",
					       "count:episode:claim_id=1", "claim:1",
					       "count:claim:unlinked=true", "remittance:1",
					       "count:remittance", "claim:2", "episode:2", NULL });
	assert_int_equal(link_one(t->db, 1), 1);
	check(t->cache,
	      (const char *const[]){ "episode:1", "count:episode", "count:episode:claim_id=1",
				     "claim:1", "count:claim:unlinked=true", "remittance:1",
				     "count:remittance", NULL },
	      (const char *const[]){ "claim:2", "episode:2", NULL });

	/* Manual link of a second payment to D2. */
	ingest_payment(t->db, "87726", "T2", "ZZZ", "1", "100", "80", NULL);
	seed(t->cache, (const char *const[]){ "claim:2", "remittance:2", "count:episode",
					       "claim:1", "episode:1", NULL });
	assert_int_equal(claims_episode_link(&e, &created, t->db, 2, 2), CLAIMS_OK);
	assert_true(created);
	claims_episode_free(e);
	check(t->cache, (const char *const[]){ "claim:2", "remittance:2", "count:episode", NULL },
	      (const char *const[]){ "claim:1", "episode:1", NULL });

	/* A reversal of D1's payment reverses episode 1. */
	ingest_payment(t->db, "87726", "T3", "D1", "22", "-100", "-80", NULL);
	seed(t->cache, (const char *const[]){ "episode:1", "claim:1", "episode:2", NULL });
	ep = link_one(t->db, 3);
	assert_int_equal(ep, 3);
	assert_string_equal(fx_text(t->db, "SELECT status FROM claim_episodes WHERE id = 1"),
			    "reversed");
	check(t->cache, (const char *const[]){ "episode:1", "claim:1", NULL },
	      (const char *const[]){ "episode:2", NULL });
}

/* Row: an episode's status changed, or completed ("status set"). */
static void
test_status_set(void **state)
{
	struct inv *t = *state;
	claims_episode *e = NULL;

	ingest_claim(t->db, "87726", "E1", "100", "1", NULL);
	ingest_payment(t->db, "87726", "T1", "E1", "1", "100", "80", NULL);
	assert_int_equal(link_one(t->db, 1), 1);
	seed(t->cache, (const char *const[]){ "episode:1", "count:episode",
					       "count:episode:status=linked", "claim:1",
					       "count:claim", "remittance:1", NULL });
	assert_int_equal(claims_episode_set_status(&e, t->db, 1, "denied"), CLAIMS_OK);
	claims_episode_free(e);
	check(t->cache,
	      (const char *const[]){ "episode:1", "count:episode", "count:episode:status=linked",
				     "claim:1", "count:claim", NULL },
	      (const char *const[]){ "remittance:1", NULL });

	seed(t->cache, (const char *const[]){ "episode:1", "claim:1", NULL });
	assert_int_equal(claims_episode_complete(&e, t->db, 1), CLAIMS_OK);
	claims_episode_free(e);
	check(t->cache, (const char *const[]){ "episode:1", "claim:1", NULL },
	      (const char *const[]){ "remittance:1", NULL });
}

/* Row: risk calculation. */
static void
test_risk_calculate(void **state)
{
	struct inv *t = *state;
	claims_risk_score *s = NULL;

	ingest_claim(t->db, "87726", "F1", "100", "1", NULL);
	ingest_claim(t->db, "87726", "F2", "100", "1", NULL);
	seed(t->cache, (const char *const[]){ "risk_score:1", "risk_score:2", "claim:1", NULL });
	assert_int_equal(claims_risk_calculate(&s, t->db, 1, NULL), CLAIMS_OK);
	claims_risk_score_free(s);
	check(t->cache, (const char *const[]){ "risk_score:1", NULL },
	      (const char *const[]){ "risk_score:2", "claim:1", NULL });
}

/* Row: pattern detection for a payer. */
static void
test_pattern_detection(void **state)
{
	struct inv *t = *state;
	claims_pattern_list *l = NULL;
	claims_pattern_detect_summary *sum = NULL;
	int64_t p1, p2;

	ingest_claim(t->db, "87726", "G1", "100", "1", NULL);
	ingest_claim(t->db, "60054", "G2", "100", "1", NULL);
	p1 = fx_int(t->db, "SELECT payer_id FROM claims WHERE claim_control_number = 'G1'");
	p2 = fx_int(t->db, "SELECT payer_id FROM claims WHERE claim_control_number = 'G2'");
	seed(t->cache, (const char *const[]){ key_of("pattern:payer", p1),
					       key_of("pattern:payer", p2),
					       "pattern:analysis:1", "pattern:analysis:2",
					       "claim:1", NULL });
	assert_int_equal(claims_patterns_detect(&l, t->db, p1, 90, NULL), CLAIMS_OK);
	claims_pattern_list_free(l);
	check(t->cache,
	      (const char *const[]){ key_of("pattern:payer", p1), "pattern:analysis:1",
				     "pattern:analysis:2", NULL },
	      (const char *const[]){ key_of("pattern:payer", p2), "claim:1", NULL });

	seed(t->cache, (const char *const[]){ key_of("pattern:payer", p1),
					       key_of("pattern:payer", p2),
					       "pattern:analysis:1", NULL });
	assert_int_equal(claims_patterns_detect_all(&sum, t->db, 90, NULL), CLAIMS_OK);
	claims_pattern_detect_summary_free(sum);
	check(t->cache,
	      (const char *const[]){ key_of("pattern:payer", p1),
				     key_of("pattern:payer", p2), "pattern:analysis:1",
				     NULL },
	      (const char *const[]){ "claim:1", NULL });
}

/* Row: payer rules changed: the payer's key, and the write epoch. */
static void
test_payer_rules(void **state)
{
	struct inv *t = *state;
	int64_t before, after, p;

	ingest_claim(t->db, "87726", "H1", "100", "1", NULL);
	p = fx_int(t->db, "SELECT payer_id FROM claims");
	seed(t->cache, (const char *const[]){ key_of("payer", p), "claim:1", NULL });
	assert_int_equal(claims_db_write_epoch(&before, t->db), CLAIMS_OK);
	assert_int_equal(claims_payer_set_rules(t->db, p, "{\"timely_filing_days\": 90}"),
			 CLAIMS_OK);
	assert_int_equal(claims_db_write_epoch(&after, t->db), CLAIMS_OK);
	assert_int_equal(after, before + 1);
	check(t->cache, (const char *const[]){ key_of("payer", p), NULL },
	      (const char *const[]){ "claim:1", NULL });
}

/* A write that fails and rolls back removes nothing. */
static void
test_rollback_removes_nothing(void **state)
{
	struct inv *t = *state;
	claims_episode *e = NULL;

	ingest_claim(t->db, "87726", "J1", "100", "1", NULL);
	ingest_payment(t->db, "87726", "T1", "J1", "1", "100", "80", NULL);
	ingest_claim(t->db, "87726", "J2", "100", "1", NULL);
	assert_int_equal(link_one(t->db, 1), 1);
	seed(t->cache, (const char *const[]){ "claim:2", "remittance:1", "count:episode",
					       "episode:1", NULL });
	/* Remittance 1 belongs to claim 1: linking it to claim 2 is refused
	 * after the transaction began. */
	assert_int_equal(claims_episode_link(&e, NULL, t->db, 2, 1), CLAIMS_EEXISTS);
	assert_int_equal(claims_episode_set_status(&e, t->db, 99, "denied"), CLAIMS_ENOTFOUND);
	check(t->cache, (const char *const[]){ NULL },
	      (const char *const[]){ "claim:2", "remittance:1", "count:episode", "episode:1",
				     NULL });
}

/* A reader that missed before a write cannot store what it read. */
static void
test_no_stale_recache(void **state)
{
	struct inv *t = *state;
	claims_episode *e = NULL;
	claims_cache_gen gen;
	char *v = NULL;
	size_t len;

	ingest_claim(t->db, "87726", "K1", "100", "1", NULL);
	ingest_payment(t->db, "87726", "T1", "K1", "1", "100", "80", NULL);
	assert_int_equal(link_one(t->db, 1), 1);
	assert_int_equal(claims_cache_get(&v, &len, &gen, t->cache, "episode:1"), CLAIMS_ENOTFOUND);
	/* ... the reader reads the old episode, then a writer commits ... */
	assert_int_equal(claims_episode_set_status(&e, t->db, 1, "complete"), CLAIMS_OK);
	claims_episode_free(e);
	/* ... and the reader's late store is discarded. */
	assert_int_equal(claims_cache_put(t->cache, "episode:1", "{\"old\":1}", 9, gen), CLAIMS_OK);
	assert_false(claims_cache_contains(t->cache, "episode:1"));
}

/* Without a cache attached, writes work as before. */
static void
test_detached(void **state)
{
	struct inv *t = *state;

	seed(t->cache, (const char *const[]){ "count:claim", NULL });
	claims_db_set_cache(t->db, NULL);
	ingest_claim(t->db, "87726", "L1", "100", "1", NULL);
	check(t->cache, (const char *const[]){ NULL }, (const char *const[]){ "count:claim", NULL });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ingest_837, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replace_and_void, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_835, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_unmatched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_risk_calculate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pattern_detection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_payer_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_removes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_stale_recache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_detached, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
