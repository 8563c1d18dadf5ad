/*
 * The "indexed schema" promise (spec/schema.md §4): for each query an index
 * is named for, EXPLAIN QUERY PLAN uses that index and does not scan the
 * filtered table.  Where the schema's own UNIQUE constraint gives an
 * equivalent index (the spec keeps some indexes "for their name"), the
 * planner may pick either.
 */
#include "testutil.h"

struct plan_case {
	const char *serves;
	const char *sql;
	const char *indexes[3]; /* acceptable indexes, first is the named one */
	const char *scan_ok;    /* table whose outer scan is allowed, or NULL */
};

static const struct plan_case cases[] = {
	{ "claims by payer", "SELECT id FROM claims WHERE payer_id = 1 ORDER BY id",
	  { "ix_claims_payer_id", "ix_claims_payer_status" } },
	{ "claims by provider", "SELECT id FROM claims WHERE provider_id = 1",
	  { "ix_claims_provider_id" } },
	{ "claims by practice", "SELECT id FROM claims WHERE practice_id = 'p1'",
	  { "ix_claims_practice_id" } },
	{ "recent claims", "SELECT id FROM claims WHERE created_at >= '2024-01-01T00:00:00Z'",
	  { "ix_claims_created_at" } },
	{ "claims by payer and status",
	  "SELECT count(*) FROM claims WHERE payer_id = 1 AND status = 'denied'",
	  { "ix_claims_payer_status" } },
	{ "remits by payer", "SELECT id FROM remittances WHERE payer_id = 1",
	  { "ix_remittances_payer_id", "ix_remittances_payer_created",
	    "ix_remittances_payer_payment_date" } },
	{ "recent remits", "SELECT id FROM remittances WHERE created_at >= '2024-01-01T00:00:00Z'",
	  { "ix_remittances_created_at" } },
	{ "episodes of a claim", "SELECT id FROM claim_episodes WHERE claim_id = 1",
	  { "ix_claim_episodes_claim_id", "sqlite_autoindex_claim_episodes_2" } },
	{ "episode of a remittance", "SELECT id FROM claim_episodes WHERE remittance_id = 1",
	  { "ix_claim_episodes_remittance_id", "sqlite_autoindex_claim_episodes_1",
	    "ix_claim_episodes_remittance_status" } },
	{ "recent episodes",
	  "SELECT id FROM claim_episodes WHERE created_at >= '2024-01-01T00:00:00Z'",
	  { "ix_claim_episodes_created_at" } },
	{ "lines of a claim", "SELECT id FROM claim_lines WHERE claim_id = 1 ORDER BY line_number",
	  { "ix_claim_lines_claim_id", "sqlite_autoindex_claim_lines_1" } },
	{ "newest score of a claim",
	  "SELECT id FROM risk_scores WHERE claim_id = 1 ORDER BY calculated_at DESC, id DESC LIMIT 1",
	  { "ix_risk_scores_claim_id" } },
	{ "recent scores",
	  "SELECT id FROM risk_scores WHERE calculated_at >= '2024-01-01T00:00:00Z'",
	  { "ix_risk_scores_calculated_at" } },
	{ "patterns of a payer",
	  "SELECT id FROM denial_patterns WHERE payer_id = 1 AND is_active = 1 "
	  "ORDER BY frequency DESC, id",
	  { "ix_denial_patterns_payer_id", "ix_denial_patterns_payer_reason",
	    "sqlite_autoindex_denial_patterns_1" } },
	{ "claims by service date",
	  "SELECT id FROM claims WHERE service_date BETWEEN '2024-01-01' AND '2024-12-31'",
	  { "ix_claims_service_date" } },
	{ "remits by payment date",
	  "SELECT id FROM remittances WHERE payment_date BETWEEN '2024-01-01' AND '2024-12-31'",
	  { "ix_remittances_payment_date" } },
	{ "lines by service date",
	  "SELECT id FROM claim_lines WHERE service_date >= '2024-01-01'",
	  { "ix_claim_lines_service_date" } },
	{ "per-payer recent remits",
	  "SELECT id FROM remittances WHERE payer_id = 1 ORDER BY created_at DESC LIMIT 20",
	  { "ix_remittances_payer_created" } },
	{ "denied episode counts",
	  "SELECT count(*) FROM claim_episodes WHERE status = 'denied' AND denial_count > 0",
	  { "ix_claim_episodes_status_denial" } },
	{ "status of a remittance's episode",
	  "SELECT status FROM claim_episodes WHERE remittance_id = 1 AND status = 'linked'",
	  { "ix_claim_episodes_remittance_status", "sqlite_autoindex_claim_episodes_1",
	    "ix_claim_episodes_remittance_id" } },
	{ "claims changed since",
	  "SELECT id FROM claims WHERE updated_at > '2024-01-01T00:00:00Z'",
	  { "ix_claims_updated_at" } },
	{ "remits changed since",
	  "SELECT id FROM remittances WHERE updated_at > '2024-01-01T00:00:00Z'",
	  { "ix_remittances_updated_at" } },
	{ "episodes changed since",
	  "SELECT id FROM claim_episodes WHERE updated_at > '2024-01-01T00:00:00Z'",
	  { "ix_claim_episodes_updated_at" } },
	{ "pattern upsert",
	  "SELECT id FROM denial_patterns WHERE payer_id = 1 AND denial_reason_code = '50'",
	  { "ix_denial_patterns_payer_reason", "sqlite_autoindex_denial_patterns_1" } },
	{ "audit by method", "SELECT id FROM audit_logs WHERE method = 'GET'",
	  { "ix_audit_logs_method" } },
	{ "audit by exact path", "SELECT id FROM audit_logs WHERE path = '/api/v1/claims'",
	  { "ix_audit_logs_path" } },
	{ "audit by status", "SELECT id FROM audit_logs WHERE status_code = 500",
	  { "ix_audit_logs_status_code" } },
	{ "audit by user", "SELECT id FROM audit_logs WHERE user_id = 'admin'",
	  { "ix_audit_logs_user_id" } },
	{ "audit stats window",
	  "SELECT count(*) FROM audit_logs WHERE created_at >= '2024-01-01T00:00:00Z'",
	  { "ix_audit_logs_created_at" } },
	{ "claims by PCN", "SELECT id FROM claims WHERE claim_control_number = 'PCN1'",
	  { "ix_claims_claim_control_number" } },
	{ "claims by patient control number",
	  "SELECT id FROM claims WHERE patient_control_number = 'PCN1'",
	  { "ix_claims_patient_control_number" } },
	{ "claims by status", "SELECT id FROM claims WHERE status = 'pending'",
	  { "ix_claims_status" } },
	{ "remits by status", "SELECT id FROM remittances WHERE status = 'pending'",
	  { "ix_remittances_status" } },
	{ "episodes by status", "SELECT id FROM claim_episodes WHERE status = 'linked'",
	  { "ix_claim_episodes_status", "ix_claim_episodes_status_denial" } },
	{ "remits by claim control number",
	  "SELECT id FROM remittances WHERE claim_control_number = 'PCN1' ORDER BY id",
	  { "ix_remittances_claim_control_number" } },
	{ "linking an 837 to stored remittances",
	  "SELECT id FROM remittances WHERE pcn_key = 'PCN1' AND payer_id = 1",
	  { "ix_remittances_payer_claim" } },
	{ "linking a remittance by PCN", "SELECT id FROM claims WHERE pcn_key = 'PCN1'",
	  { "ix_claims_pcn_key" } },
	{ "linking by PCN prefix",
	  "SELECT id FROM claims WHERE pcn_key >= 'PCN1' AND pcn_key < 'PCN2'",
	  { "ix_claims_pcn_key" } },
	{ "rule C patient match",
	  "SELECT id FROM claims WHERE patient_key = 'K' AND service_date = '2024-01-02'",
	  { "ix_claims_patient_match" } },
	{ "pattern-detection window",
	  "SELECT id FROM remittances WHERE payer_id = 1 AND payment_date BETWEEN '2024-01-01' "
	  "AND '2024-03-31'",
	  { "ix_remittances_payer_payment_date" } },
	{ "procedure denial rate", "SELECT claim_id FROM claim_lines WHERE procedure_code = '99213'",
	  { "ix_claim_lines_procedure_code" } },
	{ "denial counts per CARC",
	  "SELECT count(*) FROM adjustments WHERE group_code = 'CO' AND reason_code = '50'",
	  { "ix_adjustments_group_reason" } },
	{ "adjustments of a remittance", "SELECT id FROM adjustments WHERE remittance_id = 1",
	  { "ix_adjustments_remittance_id" } },
	{ "adjustments of a service line", "SELECT id FROM adjustments WHERE service_line_id = 1",
	  { "ix_adjustments_service_line_id" } },
	{ "PLB by payer", "SELECT id FROM provider_adjustments WHERE payer_id = 1",
	  { "ix_provider_adjustments_payer_id" } },
	{ "parser logs of a file", "SELECT id FROM parser_logs WHERE ingest_file_id = 1",
	  { "ix_parser_logs_ingest_file_id" } },
	{ "parser logs of a claim", "SELECT id FROM parser_logs WHERE claim_id = 1 ORDER BY id DESC",
	  { "ix_parser_logs_claim_id" } },
	{ "parser logs of a remittance",
	  "SELECT id FROM parser_logs WHERE remittance_id = 1 ORDER BY id DESC",
	  { "ix_parser_logs_remittance_id" } },
	{ "parser logs of an issue code",
	  "SELECT id FROM parser_logs WHERE issue_type = 'SE_COUNT' ORDER BY id DESC",
	  { "ix_parser_logs_issue_type" } },
	{ "parser logs of a level", "SELECT id FROM parser_logs WHERE log_level = 'error' ORDER BY id DESC",
	  { "ix_parser_logs_log_level" } },
	{ "recent parser logs",
	  "SELECT id FROM parser_logs WHERE created_at >= '2024-01-01T00:00:00Z'",
	  { "ix_parser_logs_created_at" } },
	{ "jobs by status", "SELECT id FROM ingest_jobs WHERE status = 'queued'",
	  { "ix_ingest_jobs_status" } },
	{ "history of a file", "SELECT id FROM claim_history WHERE ingest_file_id = 1",
	  { "ix_claim_history_ingest_file_id" } },
	{ "scores by level", "SELECT id FROM risk_scores WHERE risk_level = 'high'",
	  { "ix_risk_scores_risk_level" } },
	{ "unlinked claims (outer scan allowed)",
	  "SELECT c.id FROM claims c WHERE c.status <> 'void' AND NOT EXISTS "
	  "(SELECT 1 FROM claim_episodes e WHERE e.claim_id = c.id) ORDER BY c.id LIMIT 100",
	  { "ix_claim_episodes_claim_id", "sqlite_autoindex_claim_episodes_2" }, "c" },
};

static bool
mentions_index(const char *detail, const char *index)
{
	char a[160], b[160];

	snprintf(a, sizeof(a), "USING INDEX %s", index);
	snprintf(b, sizeof(b), "USING COVERING INDEX %s", index);
	return strstr(detail, a) || strstr(detail, b);
}

static void
check_case(claims_db *db, const struct plan_case *c)
{
	char sql[1024], plan[4096] = "";
	sqlite3_stmt *stmt = NULL;
	bool used = false;

	snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", c->sql);
	if (sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s\n%s", c->serves, sqlite3_errmsg(db->sql), c->sql);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *detail = (const char *)sqlite3_column_text(stmt, 3);

		strncat(plan, detail, sizeof(plan) - strlen(plan) - 2);
		strcat(plan, "\n");
		for (int i = 0; i < 3 && c->indexes[i]; i++)
			if (mentions_index(detail, c->indexes[i]))
				used = true;
		/* "SCAN t" with no index is a full scan of t. */
		if (strncmp(detail, "SCAN ", 5) == 0 && !strstr(detail, "INDEX")) {
			const char *table = detail + 5;
			size_t len = strcspn(table, " ");
			if (!c->scan_ok || strncmp(table, c->scan_ok, len) != 0 ||
			    strlen(c->scan_ok) != len)
				fail_msg("%s: full scan\n%s\n%s", c->serves, c->sql, plan);
		}
	}
	sqlite3_finalize(stmt);
	if (!used)
		fail_msg("%s: does not use %s\n%s\n%s", c->serves, c->indexes[0], c->sql, plan);
}

static void
test_query_plans(void **state)
{
	claims_db *db = NULL;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check_case(db, &cases[i]);
	claims_db_close(db);
}

/* Every index the schema creates is served by at least one case above. */
static void
test_every_index_is_exercised(void **state)
{
	claims_db *db = NULL;
	sqlite3_stmt *stmt;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	assert_int_equal(sqlite3_prepare_v2(db->sql,
					    "SELECT name FROM sqlite_schema WHERE type = 'index' AND "
					    "sql IS NOT NULL ORDER BY name",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(stmt, 0);
		bool found = false;

		if (strcmp(name, "ux_providers_tax_id") == 0)
			continue; /* a uniqueness rule, not a query path */
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !found; i++)
			found = strcmp(cases[i].indexes[0], name) == 0;
		if (!found)
			fail_msg("index %s has no query-plan case", name);
	}
	sqlite3_finalize(stmt);
	claims_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_plans),
		cmocka_unit_test(test_every_index_is_exercised),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
