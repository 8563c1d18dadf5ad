/*
 * Every filter combination of every list route (spec/api.md §4.3-§4.5,
 * §4.10) reads its index, page and count alike, even where the planner would
 * rather scan: the statistics loaded here (sqlite_stat1) describe a 100,000
 * row table whose indexes each hold two distinct values, and control
 * queries show that the planner then scans a date range in id order when
 * left to itself.
 *
 * The expected index of each combination is written out again here, from
 * spec/schema.md §4, independently of the library's rule table.
 */
#include "testutil.h"

#include "query.h"

/* Statistics that make every index look useless. */
static void
load_unselective_stats(claims_db *db)
{
	static const char *const tables[] = { "claims", "remittances", "claim_episodes",
					      "parser_logs", "payers", "ingest_files",
					      "audit_logs" };
	sqlite3_stmt *idx;

	tu_exec(db, "ANALYZE sqlite_schema");
	tu_exec(db, "DELETE FROM sqlite_stat1");
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		char sql[512];

		snprintf(sql, sizeof(sql),
			 "INSERT INTO sqlite_stat1 VALUES ('%s', NULL, '100000')", tables[t]);
		tu_exec(db, sql);
		snprintf(sql, sizeof(sql),
			 "SELECT name, (SELECT count(*) FROM pragma_index_info(name)) FROM "
			 "sqlite_schema WHERE type = 'index' AND tbl_name = '%s'",
			 tables[t]);
		assert_int_equal(sqlite3_prepare_v2(db->sql, sql, -1, &idx, NULL), SQLITE_OK);
		while (sqlite3_step(idx) == SQLITE_ROW) {
			char stat[128] = "100000", ins[512];
			int ncol = sqlite3_column_int(idx, 1);

			for (int i = 0; i < ncol; i++)
				strcat(stat, " 50000");
			snprintf(ins, sizeof(ins), "INSERT INTO sqlite_stat1 VALUES ('%s', '%s', '%s')",
				 tables[t], (const char *)sqlite3_column_text(idx, 0), stat);
			tu_exec(db, ins);
		}
		sqlite3_finalize(idx);
	}
	tu_exec(db, "ANALYZE sqlite_schema");
}

static void
plan_of(claims_db *db, const char *sql, char *plan, size_t len)
{
	char q[4096];
	sqlite3_stmt *s;

	plan[0] = '\0';
	snprintf(q, sizeof(q), "EXPLAIN QUERY PLAN %s", sql);
	if (sqlite3_prepare_v2(db->sql, q, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s\n%s", sqlite3_errmsg(db->sql), sql);
	while (sqlite3_step(s) == SQLITE_ROW) {
		strncat(plan, (const char *)sqlite3_column_text(s, 3), len - strlen(plan) - 2);
		strcat(plan, "\n");
	}
	sqlite3_finalize(s);
}

/* A plan line "SCAN <alias>" without an index. */
static bool
scans(const char *plan, const char *alias)
{
	char pat[32];
	const char *p = plan;

	snprintf(pat, sizeof(pat), "SCAN %s", alias);
	while ((p = strstr(p, pat))) {
		const char *eol = strchr(p, '\n');
		size_t n = strlen(pat);
		char line[512];

		snprintf(line, sizeof(line), "%.*s", (int)(eol ? eol - p : (long)strlen(p)), p);
		if ((p == plan || p[-1] == '\n') && (p[n] == '\n' || p[n] == ' ') &&
		    !strstr(line, "INDEX"))
			return true;
		p += n;
	}
	return false;
}

static bool
uses(const char *plan, const char *index)
{
	char a[128], b[128];

	snprintf(a, sizeof(a), "USING INDEX %s ", index);
	snprintf(b, sizeof(b), "USING COVERING INDEX %s ", index);
	if (strstr(plan, a) || strstr(plan, b))
		return true;
	/* The index name may end the line. */
	snprintf(a, sizeof(a), "USING INDEX %s\n", index);
	snprintf(b, sizeof(b), "USING COVERING INDEX %s\n", index);
	return strstr(plan, a) || strstr(plan, b);
}

static void
check(claims_db *db, const char *route, unsigned mask, const char *sql, const char *alias,
      const char *index)
{
	char plan[4096];

	plan_of(db, sql, plan, sizeof(plan));
	if (index && !uses(plan, index))
		fail_msg("%s mask %u: does not use %s\n%s\n%s", route, mask, index, sql, plan);
	if (index && scans(plan, alias))
		fail_msg("%s mask %u: scans %s\n%s\n%s", route, mask, alias, sql, plan);
}

static void
check_route(claims_db *db, const char *name, struct claims__route_sql *r, const char *alias,
	    const char *(*expect)(unsigned mask))
{
	for (unsigned mask = 0; mask < (1u << r->n_filters); mask++) {
		const struct claims__sql_pair *p = claims__route_sql_get(r, mask);
		const char *index = expect(mask);

		assert_non_null(p);
		check(db, name, mask, p->list, alias, index);
		check(db, name, mask, p->count, alias, index);
	}
}

/* claims: status payer provider practice from to (bits 0..5) */
static const char *
expect_claims(unsigned m)
{
	if ((m & 3u) == 3u)
		return "ix_claims_payer_status";
	if (m & 2u)
		return "ix_claims_payer_id";
	if (m & 4u)
		return "ix_claims_provider_id";
	if (m & 8u)
		return "ix_claims_practice_id";
	if (m & 1u)
		return "ix_claims_status";
	if (m & 48u)
		return "ix_claims_service_date";
	return NULL;
}

/* remits: status payer claim_control_number from to (bits 0..4) */
static const char *
expect_remits(unsigned m)
{
	if (m & 4u)
		return "ix_remittances_claim_control_number";
	if ((m & 2u) && (m & 24u))
		return "ix_remittances_payer_payment_date";
	if (m & 2u)
		return "ix_remittances_payer_id";
	if (m & 1u)
		return "ix_remittances_status";
	if (m & 24u)
		return "ix_remittances_payment_date";
	return NULL;
}

/* episodes: claim_id remittance_id status (bits 0..2) */
static const char *
expect_episodes(unsigned m)
{
	if (m & 2u)
		return "ix_claim_episodes_remittance_id";
	if (m & 1u)
		return "ix_claim_episodes_claim_id";
	if (m & 4u)
		return "ix_claim_episodes_status";
	return NULL;
}

/* parser logs: ingest_file_id level issue claim remittance; the most
 * selective filter given picks the index. */
static const char *
expect_logs(unsigned m)
{
	if (m & 1u)
		return "ix_parser_logs_ingest_file_id";
	if (m & 8u)
		return "ix_parser_logs_claim_id";
	if (m & 16u)
		return "ix_parser_logs_remittance_id";
	if (m & 4u)
		return "ix_parser_logs_issue_type";
	if (m & 2u)
		return "ix_parser_logs_log_level";
	return NULL;
}

/* audit logs: method path status user ip start end (bits 0..6).  An exact
 * filter's index (user, status, method); otherwise the created_at index,
 * which serves the window and the newest-first order (a path substring and
 * the client address have no index that could serve them). */
static const char *
expect_audit(unsigned m)
{
	if (m & 8u)
		return "ix_audit_logs_user_id";
	if (m & 4u)
		return "ix_audit_logs_status_code";
	if (m & 1u)
		return "ix_audit_logs_method";
	return "ix_audit_logs_created_at";
}

/* payers: q is a substring match, which no index serves. */
static const char *
expect_payers(unsigned m)
{
	(void)m;
	return NULL;
}

static void
test_every_combination(void **state)
{
	claims_db *db = NULL;
	char plan[4096];

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	load_unselective_stats(db);

	/* Control: with these statistics the planner scans when free to choose. */
	plan_of(db, "SELECT c.id, c.claim_control_number, c.total_charge_cents FROM claims AS c "
		"WHERE c.service_date >= ?5 ORDER BY c.id LIMIT 100", plan,
		sizeof(plan));
	if (!scans(plan, "c"))
		fail_msg("control query does not scan; the statistics have no effect:\n%s", plan);
	plan_of(db,
		"SELECT r.id, r.claim_control_number FROM remittances AS r WHERE r.payment_date >= ?1 "
		"ORDER BY r.id LIMIT 100",
		plan, sizeof(plan));
	if (!scans(plan, "r"))
		fail_msg("control query does not scan:\n%s", plan);

	check_route(db, "claims", &claims__claim_route, "c", expect_claims);
	check_route(db, "remits", &claims__remit_route, "r", expect_remits);
	check_route(db, "episodes", &claims__episode_route, "e", expect_episodes);
	check_route(db, "parser logs", &claims__log_route, "l", expect_logs);
	check_route(db, "payers", &claims__payer_route, "p", expect_payers);
	/* Audit logs: an unfiltered count(*) is SQLite's own count of the
	 * smallest index, whatever INDEXED BY says; every other statement reads
	 * its index. */
	for (unsigned mask = 0; mask < (1u << claims__audit_route.n_filters); mask++) {
		const struct claims__sql_pair *p = claims__route_sql_get(&claims__audit_route, mask);

		assert_non_null(p);
		check(db, "audit logs", mask, p->list, "a", expect_audit(mask));
		check(db, "audit logs", mask, p->count, "a", mask ? expect_audit(mask) : NULL);
	}
	plan_of(db, claims__audit_route.pairs[0].count, plan, sizeof(plan));
	assert_true(strstr(plan, "COVERING INDEX") != NULL);

	/* Payers' counts per payer read the payer indexes. */
	plan_of(db, claims__payer_route.pairs[0].list, plan, sizeof(plan));
	assert_true(uses(plan, "ix_claims_payer_id"));
	assert_true(uses(plan, "ix_remittances_payer_id"));

	/* Unlinked claims: the outer scan in id order is allowed; the probe
	 * uses the episodes' claim index. */
	plan_of(db, claims__unlinked_sql.list, plan, sizeof(plan));
	assert_true(uses(plan, "ix_claim_episodes_claim_id"));
	plan_of(db, claims__unlinked_sql.count, plan, sizeof(plan));
	assert_true(uses(plan, "ix_claim_episodes_claim_id"));
	claims_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_combination),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
