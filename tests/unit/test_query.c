/*
 * The read layer (claims/query.h): parameter validation with the spec's
 * error shape, count keys, paging edge cases, filters, deterministic order,
 * true totals, get-by-id with children, derived denial reasons and the
 * current episode, payer rules.  Rows are inserted with plain SQL.
 */
#include "testutil.h"

#include "query.h"

/* ---- parameters */

#define P(n, v) { (n), (v) }

static void
expect_one_error(int rc, const claims_validation *v, const char *name, const char *type,
		 const char *msg)
{
	assert_int_equal(rc, CLAIMS_EINVAL);
	assert_int_equal(v->count, 1);
	assert_string_equal(v->errors[0].where, "query");
	assert_string_equal(v->errors[0].name, name);
	assert_string_equal(v->errors[0].type, type);
	assert_string_equal(v->errors[0].msg, msg);
}

static void
test_page_rules(void **state)
{
	static const struct {
		const char *name, *value, *type, *msg;
	} bad[] = {
		{ "limit", "0", "range", "must be between 1 and 1000" },
		{ "limit", "-10", "range", "must be between 1 and 1000" },
		{ "limit", "1001", "range", "must be between 1 and 1000" },
		{ "limit", "99999999999999999999", "range", "must be between 1 and 1000" },
		{ "limit", "abc", "int_parsing", "must be an integer" },
		{ "limit", "1.5", "int_parsing", "must be an integer" },
		{ "limit", "", "int_parsing", "must be an integer" },
		{ "limit", " 5", "int_parsing", "must be an integer" },
		{ "limit", "+5", "int_parsing", "must be an integer" },
		{ "limit", NULL, "int_parsing", "must be an integer" },
		{ "skip", "-1", "range", "must be greater than or equal to 0" },
		{ "skip", "x", "int_parsing", "must be an integer" },
	};
	claims_page page;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		claims_param p[] = { P(bad[i].name, bad[i].value) };
		claims_validation v = { 0 };

		expect_one_error(claims_page_parse(&page, p, 1, &v), &v, bad[i].name, bad[i].type,
				 bad[i].msg);
	}
	{
		claims_validation v = { 0 };

		assert_int_equal(claims_page_parse(&page, NULL, 0, &v), CLAIMS_OK);
		assert_int_equal(page.skip, 0);
		assert_int_equal(page.limit, 100);
		assert_int_equal(v.count, 0);
	}
	{
		claims_param p[] = { P("limit", "1000"), P("skip", "0"), P("other", "x"),
				     P("other", "y") };
		assert_int_equal(claims_page_parse(&page, p, 4, NULL), CLAIMS_OK);
		assert_int_equal(page.limit, 1000);
		assert_int_equal(page.skip, 0);
	}
	{
		/* A repeated known parameter is refused; unknown repeats are ignored. */
		claims_param p[] = { P("limit", "5"), P("limit", "5") };
		claims_validation v = { 0 };

		expect_one_error(claims_page_parse(&page, p, 2, &v), &v, "limit", "repeated",
				 "must be given at most once");
	}
	{
		/* Every problem is reported, in the route's parameter order. */
		claims_param p[] = { P("status", "lost"), P("limit", "0"), P("skip", "-3") };
		claims_validation v = { 0 };
		claims_claim_query q;

		assert_int_equal(claims_claim_query_parse(&q, p, 3, &v), CLAIMS_EINVAL);
		assert_int_equal(v.count, 3);
		assert_string_equal(v.errors[0].name, "skip");
		assert_string_equal(v.errors[1].name, "limit");
		assert_string_equal(v.errors[2].name, "status");
		assert_string_equal(v.errors[2].type, "enum");
		assert_string_equal(v.errors[2].msg,
				    "must be one of: pending, processed, denied, reversed, void");
	}
}

static void
test_claim_filters_parse(void **state)
{
	claims_claim_query q;
	claims_validation v = { 0 };

	(void)state;
	{
		claims_param p[] = { P("status", "denied"), P("payer_id", "3"),
				     P("provider_id", "7"), P("practice_id", "NORTH"),
				     P("service_date_from", "2024-01-01"),
				     P("service_date_to", "2024-01-31T23:59:59Z") };
		assert_int_equal(claims_claim_query_parse(&q, p, 6, &v), CLAIMS_OK);
		assert_string_equal(q.status, "denied");
		assert_int_equal(q.payer_id, 3);
		assert_int_equal(q.provider_id, 7);
		assert_string_equal(q.practice_id, "NORTH");
		assert_string_equal(q.service_date_from, "2024-01-01");
		assert_string_equal(q.service_date_to, "2024-01-31");
	}
	{
		/* An offset is converted to UTC; a date counts as its midnight UTC, so
		 * "from" rounds up to the next whole day and "to" down. */
		claims_param p[] = { P("service_date_from", "2024-01-01T01:00:00+02:00"),
				     P("service_date_to", "2024-03-01T00:30:00.250+01:00") };
		assert_int_equal(claims_claim_query_parse(&q, p, 2, &v), CLAIMS_OK);
		assert_string_equal(q.service_date_from, "2024-01-01"); /* 2023-12-31T23:00Z */
		assert_string_equal(q.service_date_to, "2024-02-29");   /* 2024-02-29T23:30Z */
	}
	{
		claims_param p[] = { P("service_date_from", "2024-01-01T00:00:01Z") };
		assert_int_equal(claims_claim_query_parse(&q, p, 1, &v), CLAIMS_OK);
		assert_string_equal(q.service_date_from, "2024-01-02");
	}
	{
		static const char *const bad[] = { "2024-02-30", "2023-02-29", "20240101", "2024-1-01",
						   "2024-01-01T25:00:00Z", "2024-01-01T10:00:00",
						   "2024-01-01T10:00:00+2", "yesterday", "" };
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			claims_param p[] = { P("service_date_to", bad[i]) };
			claims_validation w = { 0 };

			expect_one_error(claims_claim_query_parse(&q, p, 1, &w), &w,
					 "service_date_to", "date_parsing",
					 "must be a date (YYYY-MM-DD) or an ISO-8601 timestamp");
		}
	}
	{
		/* from > to: range on the second. */
		claims_param p[] = { P("service_date_from", "2024-02-01"),
				     P("service_date_to", "2024-01-31") };
		claims_validation w = { 0 };

		expect_one_error(claims_claim_query_parse(&q, p, 2, &w), &w, "service_date_to",
				 "range", "must not be before service_date_from");
	}
	{
		claims_param p[] = { P("payer_id", "0") };
		claims_validation w = { 0 };

		expect_one_error(claims_claim_query_parse(&q, p, 1, &w), &w, "payer_id", "range",
				 "must be greater than or equal to 1");
	}
	{
		claims_param p[] = { P("provider_id", "abc") };
		claims_validation w = { 0 };

		expect_one_error(claims_claim_query_parse(&q, p, 1, &w), &w, "provider_id",
				 "int_parsing", "must be an integer");
	}
	{
		claims_param p[] = { P("status", "PENDING") };
		claims_validation w = { 0 };

		expect_one_error(claims_claim_query_parse(&q, p, 1, &w), &w, "status", "enum",
				 "must be one of: pending, processed, denied, reversed, void");
	}
}

static void
test_other_parsers(void **state)
{
	claims_validation v = { 0 };
	claims_remit_query rq;
	claims_episode_query eq;
	claims_payer_query pq;
	claims_parser_log_query lq;
	char longq[300];

	(void)state;
	{
		claims_param p[] = { P("status", "unmatched"), P("payer_id", "2"),
				     P("claim_control_number", "A B"),
				     P("payment_date_from", "2024-05-01"),
				     P("payment_date_to", "2024-05-01") };
		assert_int_equal(claims_remit_query_parse(&rq, p, 5, &v), CLAIMS_OK);
		assert_string_equal(rq.status, "unmatched");
		assert_string_equal(rq.claim_control_number, "A B");
		assert_string_equal(rq.payment_date_from, "2024-05-01");
		assert_string_equal(rq.payment_date_to, "2024-05-01");
	}
	{
		claims_param p[] = { P("status", "denied") };
		claims_validation w = { 0 };

		expect_one_error(claims_remit_query_parse(&rq, p, 1, &w), &w, "status", "enum",
				 "must be one of: pending, processed, unmatched, ambiguous");
	}
	{
		claims_param p[] = { P("payment_date_from", "2024-05-02"),
				     P("payment_date_to", "2024-05-01") };
		claims_validation w = { 0 };

		expect_one_error(claims_remit_query_parse(&rq, p, 2, &w), &w, "payment_date_to",
				 "range", "must not be before payment_date_from");
	}
	{
		/* claim_id 0 means no filter; remittance_id must be >= 1. */
		claims_param p[] = { P("claim_id", "0"), P("status", "complete") };
		assert_int_equal(claims_episode_query_parse(&eq, p, 2, &v), CLAIMS_OK);
		assert_int_equal(eq.claim_id, 0);
		assert_string_equal(eq.status, "complete");
	}
	{
		claims_param p[] = { P("claim_id", "-1") };
		claims_validation w = { 0 };

		expect_one_error(claims_episode_query_parse(&eq, p, 1, &w), &w, "claim_id", "range",
				 "must be greater than or equal to 0");
	}
	{
		claims_param p[] = { P("remittance_id", "0") };
		claims_validation w = { 0 };

		expect_one_error(claims_episode_query_parse(&eq, p, 1, &w), &w, "remittance_id",
				 "range", "must be greater than or equal to 1");
	}
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	{
		claims_param p[] = { P("q", longq) };
		claims_validation w = { 0 };

		expect_one_error(claims_payer_query_parse(&pq, p, 1, &w), &w, "q", "too_long",
				 "must be at most 200 characters");
	}
	{
		claims_param p[] = { P("log_level", "debug") };
		claims_validation w = { 0 };

		expect_one_error(claims_parser_log_query_parse(&lq, p, 1, &w), &w, "log_level",
				 "enum", "must be one of: info, warning, error");
	}
}

static void
test_parse_id(void **state)
{
	static const struct {
		const char *text, *type;
	} bad[] = { { "abc", "int_parsing" }, { "1.5", "int_parsing" }, { "", "int_parsing" },
		    { "0", "range" },          { "-4", "range" },           { "99999999999999999999", "int_parsing" } };
	int64_t id = 9;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		claims_validation v = { 0 };

		assert_int_equal(claims_parse_id(&id, bad[i].text, "path", "claim_id", &v),
				 CLAIMS_EINVAL);
		assert_int_equal(id, 0);
		assert_int_equal(v.count, 1);
		assert_string_equal(v.errors[0].where, "path");
		assert_string_equal(v.errors[0].name, "claim_id");
		assert_string_equal(v.errors[0].type, bad[i].type);
	}
	assert_int_equal(claims_parse_id(&id, "9223372036854775807", "path", "id", NULL), CLAIMS_OK);
	assert_true(id == INT64_MAX);
	assert_int_equal(claims_parse_id(&id, "42", "path", "id", NULL), CLAIMS_OK);
	assert_int_equal(id, 42);
}

static void
test_count_keys(void **state)
{
	claims_claim_query cq;
	claims_remit_query rq;
	claims_episode_query eq;
	claims_payer_query pq;
	char key[256], tiny[12];

	(void)state;
	claims_claim_query_init(&cq);
	assert_int_equal(claims_claim_query_count_key(&cq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:claim");
	{
		claims_param p[] = { P("status", "denied"), P("payer_id", "3"), P("limit", "5"),
				     P("skip", "10") };
		assert_int_equal(claims_claim_query_parse(&cq, p, 4, NULL), CLAIMS_OK);
	}
	assert_int_equal(claims_claim_query_count_key(&cq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:claim:payer_id=3:status=denied");
	assert_int_equal(claims_claim_query_count_key(&cq, tiny, sizeof(tiny)), CLAIMS_EINVAL);
	assert_string_equal(tiny, "");
	{
		claims_param p[] = { P("service_date_to", "2024-02-01T10:00:00+00:00"),
				     P("practice_id", "NORTH"), P("provider_id", "9"),
				     P("service_date_from", "2024-01-01") };
		assert_int_equal(claims_claim_query_parse(&cq, p, 4, NULL), CLAIMS_OK);
	}
	assert_int_equal(claims_claim_query_count_key(&cq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:claim:practice_id=NORTH:provider_id=9:"
				 "service_date_from=2024-01-01:service_date_to=2024-02-01");
	{
		claims_param p[] = { P("status", "pending"), P("payment_date_from", "2024-01-01"),
				     P("claim_control_number", "PCN1"), P("payer_id", "2") };
		assert_int_equal(claims_remit_query_parse(&rq, p, 4, NULL), CLAIMS_OK);
	}
	assert_int_equal(claims_remit_query_count_key(&rq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:remittance:claim_control_number=PCN1:payer_id=2:"
				 "payment_date_from=2024-01-01:status=pending");
	{
		claims_param p[] = { P("claim_id", "0") };
		assert_int_equal(claims_episode_query_parse(&eq, p, 1, NULL), CLAIMS_OK);
	}
	assert_int_equal(claims_episode_query_count_key(&eq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:episode");
	{
		claims_param p[] = { P("claim_id", "5"), P("status", "linked") };
		assert_int_equal(claims_episode_query_parse(&eq, p, 2, NULL), CLAIMS_OK);
	}
	assert_int_equal(claims_episode_query_count_key(&eq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:episode:claim_id=5:status=linked");
	claims_payer_query_init(&pq);
	assert_int_equal(claims_payer_query_count_key(&pq, key, sizeof(key)), CLAIMS_OK);
	assert_string_equal(key, "count:payer");
	pq.q = "acme";
	assert_int_equal(claims_payer_query_count_key(&pq, key, sizeof(key)), CLAIMS_ENOTFOUND);
}

/* ---- the database */

static claims_db *
fixture(void)
{
	claims_db *db = NULL;

	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	tu_exec(db,
		"INSERT INTO payers (id, payer_id, name, created_at) VALUES "
		"(1, 'P1', 'Acme Health', '2024-01-01T00:00:00Z'), "
		"(2, 'P2', 'Beta Care', '2024-01-02T00:00:00Z'), "
		"(3, 'P3', '100%_Plan', '2024-01-03T00:00:00Z');"
		"INSERT INTO providers (id, npi, name) VALUES (1, '1234567893', 'Clinic');"
		"INSERT INTO practice_configs (practice_id, practice_name) VALUES ('NORTH', 'North');");
	/* Ten claims: payer 1 for odd ids, 2 for even; statuses cycle; the
	 * tenth has no service date. */
	for (int i = 1; i <= 10; i++) {
		static const char *const st[] = { "pending", "processed", "denied", "pending", "void" };
		char sql[1024], date[16];

		if (i < 10)
			snprintf(date, sizeof(date), "'2024-01-%02d'", i);
		else
			snprintf(date, sizeof(date), "NULL");
		snprintf(sql, sizeof(sql),
			 "INSERT INTO claims (id, transaction_type, provider_key, payer_key, "
			 "claim_control_number, patient_control_number, pcn_key, content_sha256, "
			 "payer_id, provider_id, practice_id, status, service_date, total_charge_cents, "
			 "patient_last_name, patient_first_name, subscriber_member_id, patient_dob, "
			 "created_at, updated_at) VALUES (%d, '837P', 'PRV', 'P%d', 'C%d', 'C%d', "
			 "'C%d', 'x', %d, %s, %s, '%s', %s, %d, 'DOE', 'JANE', 'M123', '1980-01-01', "
			 "'2024-02-01T10:00:00Z', '2024-02-01T10:00:00Z')",
			 i, 2 - i % 2, i, i, i, 2 - i % 2, i <= 3 ? "1" : "NULL",
			 i == 2 ? "'NORTH'" : "NULL", st[(i - 1) % 5], date, i * 1000 + 1);
		tu_exec(db, sql);
	}
	return db;
}

static claims_claim_list *
list_claims(claims_db *db, const claims_param *p, size_t n)
{
	claims_claim_query q;
	claims_claim_list *l = NULL;

	assert_int_equal(claims_claim_query_parse(&q, p, n, NULL), CLAIMS_OK);
	assert_int_equal(claims_claim_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_non_null(l);
	return l;
}

static void
assert_ids(const claims_claim_list *l, const int64_t *ids, size_t n)
{
	assert_int_equal(l->count, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(l->items[i].id, ids[i]);
}

static void
test_claim_lists(void **state)
{
	claims_db *db = fixture();
	claims_claim_list *l;

	(void)state;
	l = list_claims(db, NULL, 0);
	assert_int_equal(l->total, 10);
	assert_int_equal(l->skip, 0);
	assert_int_equal(l->limit, 100);
	assert_int_equal(l->count, 10);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(l->items[i].id, (int64_t)i + 1);
	assert_string_equal(l->items[0].claim_control_number, "C1");
	assert_true(l->items[0].total_charge.present);
	assert_int_equal(l->items[0].total_charge.cents, 1001);
	assert_string_equal(l->items[0].service_date, "2024-01-01");
	assert_null(l->items[9].service_date);
	assert_string_equal(l->items[0].created_at, "2024-02-01T10:00:00Z");
	assert_null(l->items[0].payer_name);
	claims_claim_list_free(l);

	{
		claims_param p[] = { P("skip", "3"), P("limit", "2") };
		static const int64_t ids[] = { 4, 5 };

		l = list_claims(db, p, 2);
		assert_int_equal(l->total, 10);
		assert_int_equal(l->skip, 3);
		assert_int_equal(l->limit, 2);
		assert_ids(l, ids, 2);
		claims_claim_list_free(l);
	}
	{
		/* Past the end: an empty page with the true total. */
		claims_param p[] = { P("skip", "10") };

		l = list_claims(db, p, 1);
		assert_int_equal(l->total, 10);
		assert_int_equal(l->count, 0);
		assert_null(l->items);
		claims_claim_list_free(l);
	}
	{
		claims_param p[] = { P("payer_id", "1"), P("status", "pending") };
		static const int64_t ids[] = { 1, 9 };

		l = list_claims(db, p, 2);
		assert_int_equal(l->total, 2);
		assert_ids(l, ids, 2);
		claims_claim_list_free(l);
	}
	{
		claims_param p[] = { P("status", "pending") };
		static const int64_t ids[] = { 1, 4, 6, 9 };

		l = list_claims(db, p, 1);
		assert_int_equal(l->total, 4);
		assert_ids(l, ids, 4);
		claims_claim_list_free(l);
	}
	{
		claims_param p[] = { P("provider_id", "1") };
		static const int64_t ids[] = { 1, 2, 3 };

		l = list_claims(db, p, 1);
		assert_int_equal(l->total, 3);
		assert_ids(l, ids, 3);
		claims_claim_list_free(l);
	}
	{
		claims_param p[] = { P("practice_id", "NORTH") };
		static const int64_t ids[] = { 2 };

		l = list_claims(db, p, 1);
		assert_ids(l, ids, 1);
		claims_claim_list_free(l);
	}
	{
		/* Inclusive bounds; claim 10 (no service date) excluded. */
		claims_param p[] = { P("service_date_from", "2024-01-03"),
				     P("service_date_to", "2024-01-05T12:00:00Z") };
		static const int64_t ids[] = { 3, 4, 5 };

		l = list_claims(db, p, 2);
		assert_int_equal(l->total, 3);
		assert_ids(l, ids, 3);
		claims_claim_list_free(l);
	}
	{
		claims_param p[] = { P("service_date_to", "2024-01-02") };
		static const int64_t ids[] = { 1, 2 };

		l = list_claims(db, p, 1);
		assert_ids(l, ids, 2);
		claims_claim_list_free(l);
	}
	{
		/* A total from elsewhere (a cache) is used as given. */
		claims_claim_query q;
		int64_t total = 0, known = 77;

		claims_claim_query_init(&q);
		q.page.limit = 1;
		assert_int_equal(claims_claim_count(&total, db, &q), CLAIMS_OK);
		assert_int_equal(total, 10);
		assert_int_equal(claims_claim_list_get(&l, db, &q, &known), CLAIMS_OK);
		assert_int_equal(l->total, 77);
		assert_int_equal(l->count, 1);
		claims_claim_list_free(l);
		/* An unvalidated page is refused. */
		q.page.limit = 0;
		assert_int_equal(claims_claim_list_get(&l, db, &q, NULL), CLAIMS_EINVAL);
		assert_null(l);
		q.page.limit = 1001;
		assert_int_equal(claims_claim_list_get(&l, db, &q, NULL), CLAIMS_EINVAL);
		q.page.limit = 1;
		q.page.skip = -1;
		assert_int_equal(claims_claim_list_get(&l, db, &q, NULL), CLAIMS_EINVAL);
	}
	claims_claim_list_free(NULL);
	claims_db_close(db);
}

static void
add_remits(claims_db *db)
{
	tu_exec(db,
		"INSERT INTO remittances (id, dedup_key, payer_id, claim_control_number, pcn_key, "
		"claim_status_code, claim_charge_cents, payment_amount_cents, "
		"patient_responsibility_cents, payer_claim_control_number, payer_name, check_number, "
		"payment_date, status, patient_last_name, patient_member_id, remark_codes, "
		"created_at, updated_at) VALUES "
		"(1, 'd1', 1, 'C1', 'C1', '1', 1001, 500, 100, 'ICN1', NULL, 'CHK1', '2024-03-01', "
		" 'processed', 'DOE', 'M123', '[\"N130\"]', '2024-03-02T00:00:00Z', "
		" '2024-03-02T00:00:00Z'), "
		"(2, 'd2', 1, 'C1', 'C1', '4', 1001, 0, NULL, NULL, 'ACME', 'CHK2', '2024-03-05', "
		" 'processed', 'DOE', 'M123', '[]', '2024-03-06T00:00:00Z', '2024-03-06T00:00:00Z'), "
		"(3, 'd3', 2, 'C2', 'C2', '22', -2002, -1000, NULL, NULL, NULL, 'CHK3', NULL, "
		" 'unmatched', NULL, NULL, '[]', '2024-03-07T00:00:00Z', '2024-03-07T00:00:00Z'), "
		"(4, 'd4', 2, 'C4', 'C4', '1', 4001, 4001, 0, NULL, NULL, 'CHK4', '2024-04-01', "
		" 'processed', NULL, NULL, '[]', '2024-04-02T00:00:00Z', '2024-04-02T00:00:00Z');"
		"INSERT INTO remittance_service_lines (id, remittance_id, line_number, "
		"procedure_qualifier, procedure_code, modifiers, charge_cents, paid_cents, "
		"allowed_cents, units, service_date, remark_codes) VALUES "
		"(10, 1, 1, 'HC', '99213', '[\"25\"]', 601, 300, 400, 1, '2024-01-01', '[\"M15\"]'), "
		"(11, 1, 2, 'HC', '87070', '[]', 400, 200, NULL, NULL, NULL, '[]');"
		/* File order: claim CO-45, line 1 CO-50 then PR-1, line 2 CO-50 again
		 * and OA-23 with a quantity; one more claim-level CR-16 after. */
		"INSERT INTO adjustments (remittance_id, service_line_id, level, group_code, "
		"reason_code, amount_cents, quantity, segment_ordinal, triplet_index) VALUES "
		"(1, 11, 'service', 'CO', '50', 100, NULL, 30, 1), "
		"(1, 10, 'service', 'PR', '1', 100, NULL, 20, 2), "
		"(1, 10, 'service', 'CO', '50', 101, NULL, 20, 1), "
		"(1, NULL, 'claim', 'CO', '45', 1, NULL, 10, 1), "
		"(1, 11, 'service', 'OA', '23', 100, 2.5, 31, 1), "
		"(1, NULL, 'claim', 'CR', '16', 0, NULL, 10, 2), "
		"(3, NULL, 'claim', 'PR', '2', -5, NULL, 10, 1);"
		"INSERT INTO claim_episodes (id, claim_id, remittance_id, status, link_method, "
		"linked_at, payment_amount_cents, denial_count, adjustment_count, created_at, "
		"updated_at) VALUES "
		"(1, 1, 1, 'linked', 'control_number', '2024-03-02T00:00:00Z', 500, 1, 6, "
		" '2024-03-02T00:00:00Z', '2024-03-02T00:00:00Z'), "
		"(2, 1, 2, 'denied', 'control_number', '2024-03-06T00:00:00Z', 0, 1, 0, "
		" '2024-03-06T00:00:00Z', '2024-03-06T00:00:00Z'), "
		"(3, 2, 3, 'reversed', 'manual', NULL, -1000, 0, 1, "
		" '2024-03-07T00:00:00Z', '2024-03-07T00:00:00Z'), "
		"(4, 4, 4, 'pending', 'patient_match', NULL, 4001, 0, 0, "
		" '2024-04-02T00:00:00Z', '2024-04-02T00:00:00Z');");
}

static void
test_claim_get(void **state)
{
	claims_db *db = fixture();
	claims_claim *c = NULL;

	(void)state;
	add_remits(db);
	tu_exec(db,
		"UPDATE claims SET transaction_type = '837I', facility_type_code = '13', "
		"parsing_warnings = '[{\"code\":\"X\"}]', version = 2, submission_count = 3 "
		"WHERE id = 1;"
		"INSERT INTO claim_diagnoses (claim_id, sequence, diagnosis_pointer, qualifier, code, "
		"code_system, role, poa, is_valid) VALUES "
		"(1, 2, 2, 'ABF', 'E119', 'ICD10CM', 'other', NULL, 1), "
		"(1, 1, 1, 'ABK', 'I10', 'ICD10CM', 'principal', 'Y', 1), "
		"(1, 3, NULL, 'BH', 'A1', 'NUBC', 'occurrence', NULL, 0), "
		"(1, 4, NULL, 'ZZ', 'Q', 'OTHER', 'unknown', NULL, 0);"
		"INSERT INTO claim_lines (claim_id, line_number, procedure_qualifier, procedure_code, "
		"modifiers, charge_cents, unit_count, diagnosis_pointers, procedure_code_valid) VALUES "
		"(1, 2, 'HC', '87070', '[]', NULL, NULL, '[]', NULL), "
		"(1, 1, 'HC', '99213', '[\"25\",\"59\"]', 601, 1.5, '[1,2]', 1);");
	assert_int_equal(claims_claim_get(&c, db, 1), CLAIMS_OK);
	assert_int_equal(c->summary.id, 1);
	assert_string_equal(c->transaction_type, "837I");
	assert_string_equal(c->payer_name, "Acme Health");
	assert_int_equal(c->provider_id, 1);
	assert_string_equal(c->facility_type_code, "13");
	assert_string_equal(c->parsing_warnings_json, "[{\"code\":\"X\"}]");
	assert_int_equal(c->version, 2);
	assert_int_equal(c->submission_count, 3);
	assert_string_equal(c->updated_at, "2024-02-01T10:00:00Z");
	/* Current episode: adjudicated (not pending/reversed, CLP02 not 22/25)
	 * with the latest payment date: episode 2 (2024-03-05). */
	assert_int_equal(c->current_episode_id, 2);
	assert_int_equal(c->n_diagnoses, 4);
	assert_int_equal(c->diagnoses[0].sequence, 1);
	assert_string_equal(c->diagnoses[0].code, "I10");
	assert_string_equal(c->diagnoses[0].qualifier_desc, "Principal Diagnosis");
	assert_string_equal(c->diagnoses[0].poa, "Y");
	assert_int_equal(c->diagnoses[0].diagnosis_pointer, 1);
	assert_string_equal(c->diagnoses[1].qualifier_desc, "Other Diagnosis");
	assert_string_equal(c->diagnoses[2].qualifier_desc, "Occurrence");
	assert_int_equal(c->diagnoses[2].diagnosis_pointer, 0);
	assert_false(c->diagnoses[2].is_valid);
	assert_string_equal(c->diagnoses[3].qualifier_desc, "Unknown");
	assert_int_equal(c->n_lines, 2);
	assert_int_equal(c->lines[0].line_number, 1);
	assert_string_equal(c->lines[0].modifiers_json, "[\"25\",\"59\"]");
	assert_int_equal(c->lines[0].charge.cents, 601);
	assert_true(c->lines[0].has_unit_count);
	assert_true(c->lines[0].unit_count == 1.5);
	assert_string_equal(c->lines[0].diagnosis_pointers_json, "[1,2]");
	assert_int_equal(c->lines[0].procedure_code_valid, 1);
	assert_false(c->lines[1].charge.present);
	assert_false(c->lines[1].has_unit_count);
	assert_int_equal(c->lines[1].procedure_code_valid, -1);
	claims_claim_free(c);

	/* Claim 2's only episode is reversed; claim 4's is pending: no current one. */
	assert_int_equal(claims_claim_get(&c, db, 2), CLAIMS_OK);
	assert_int_equal(c->current_episode_id, 0);
	assert_int_equal(c->n_lines, 0);
	assert_null(c->lines);
	claims_claim_free(c);
	/* Without a payment date an episode sorts before every dated one. */
	tu_exec(db, "UPDATE remittances SET payment_date = NULL WHERE id = 2");
	assert_int_equal(claims_claim_get(&c, db, 1), CLAIMS_OK);
	assert_int_equal(c->current_episode_id, 1);
	claims_claim_free(c);

	c = (claims_claim *)1;
	assert_int_equal(claims_claim_get(&c, db, 99999), CLAIMS_ENOTFOUND);
	assert_null(c);
	assert_string_equal(claims_db_errmsg(db), "Claim not found (id: 99999)");
	assert_int_equal(claims_claim_get(&c, db, 0), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "Claim not found (id: 0)");
	assert_int_equal(claims_claim_get(NULL, db, 1), CLAIMS_EINVAL);
	claims_claim_free(NULL);
	claims_db_close(db);
}

static void
test_unlinked(void **state)
{
	claims_db *db = fixture();
	claims_claim_list *l = NULL;
	claims_page page = { 0, 100 };
	int64_t total = 0;

	(void)state;
	add_remits(db);
	/* Linked: 1, 2, 4; void: 5 and 10. */
	assert_int_equal(claims_unlinked_count(&total, db), CLAIMS_OK);
	assert_int_equal(total, 5);
	assert_int_equal(claims_unlinked_list_get(&l, db, &page, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 5);
	assert_int_equal(l->count, 5);
	assert_int_equal(l->items[0].id, 3);
	assert_string_equal(l->items[0].payer_name, "Acme Health");
	assert_int_equal(l->items[1].id, 6);
	assert_string_equal(l->items[1].payer_name, "Beta Care");
	assert_int_equal(l->items[4].id, 9);
	claims_claim_list_free(l);
	/* skip is honoured; total stays. */
	page.skip = 3;
	page.limit = 1;
	assert_int_equal(claims_unlinked_list_get(&l, db, &page, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 5);
	assert_int_equal(l->count, 1);
	assert_int_equal(l->items[0].id, 8);
	claims_claim_list_free(l);
	claims_db_close(db);
}

static void
test_remit_get(void **state)
{
	claims_db *db = fixture();
	claims_remit *r = NULL;

	(void)state;
	add_remits(db);
	assert_int_equal(claims_remit_get(&r, db, 1), CLAIMS_OK);
	assert_string_equal(r->summary.remittance_control_number, "ICN1");
	assert_string_equal(r->payer_claim_control_number, "ICN1");
	assert_string_equal(r->summary.payer_name, "Acme Health"); /* from the payer row */
	assert_int_equal(r->summary.payment.cents, 500);
	assert_string_equal(r->claim_status_desc, "processed as primary");
	assert_int_equal(r->claim_charge.cents, 1001);
	assert_int_equal(r->patient_responsibility.cents, 100);
	assert_string_equal(r->remark_codes_json, "[\"N130\"]");
	assert_int_equal(r->episode_id, 1);
	assert_int_equal(r->payer_id, 1);
	/* Claim level first, then file order. */
	assert_int_equal(r->n_adjustments, 6);
	assert_string_equal(r->adjustments[0].reason_code, "45");
	assert_string_equal(r->adjustments[0].level, "claim");
	assert_string_equal(r->adjustments[0].category, "contractual");
	assert_false(r->adjustments[0].is_denial);
	assert_int_equal(r->adjustments[0].service_line_number, 0);
	assert_string_equal(r->adjustments[1].group_code, "CR");
	assert_string_equal(r->adjustments[1].category, "missing_information"); /* a denial CARC */
	assert_false(r->adjustments[1].is_denial);                /* ...but CR never denies */
	assert_string_equal(r->adjustments[2].group_code, "CO");
	assert_int_equal(r->adjustments[2].amount_cents, 101);
	assert_int_equal(r->adjustments[2].service_line_number, 1);
	assert_string_equal(r->adjustments[2].category, "medical_necessity");
	assert_true(r->adjustments[2].is_denial);
	assert_string_equal(r->adjustments[3].group_code, "PR");
	assert_false(r->adjustments[3].is_denial);
	assert_int_equal(r->adjustments[4].service_line_number, 2);
	assert_true(r->adjustments[5].has_quantity);
	assert_true(r->adjustments[5].quantity == 2.5);
	/* Sorted distinct. */
	assert_int_equal(r->n_denial_reasons, 1);
	assert_string_equal(r->denial_reasons[0], "CO50");
	/* Lines with their own adjustments. */
	assert_int_equal(r->n_service_lines, 2);
	assert_int_equal(r->service_lines[0].n_adjustments, 2);
	assert_string_equal(r->service_lines[0].adjustments[0].reason_code, "50");
	assert_string_equal(r->service_lines[0].adjustments[1].reason_code, "1");
	assert_int_equal(r->service_lines[1].n_adjustments, 2);
	assert_string_equal(r->service_lines[1].adjustments[1].reason_code, "23");
	assert_int_equal(r->service_lines[0].allowed.cents, 400);
	assert_false(r->service_lines[1].allowed.present);
	assert_true(r->service_lines[0].has_units);
	assert_false(r->service_lines[1].has_units);
	assert_string_equal(r->service_lines[0].modifiers_json, "[\"25\"]");
	assert_string_equal(r->service_lines[0].remark_codes_json, "[\"M15\"]");
	claims_remit_free(r);

	/* CLP02 4 without denial adjustments: CLAIM_DENIED; payer_name as sent. */
	assert_int_equal(claims_remit_get(&r, db, 2), CLAIMS_OK);
	assert_int_equal(r->n_denial_reasons, 1);
	assert_string_equal(r->denial_reasons[0], "CLAIM_DENIED");
	assert_string_equal(r->summary.payer_name, "ACME");
	assert_string_equal(r->claim_status_desc, "denied");
	assert_false(r->patient_responsibility.present);
	claims_remit_free(r);

	assert_int_equal(claims_remit_get(&r, db, 3), CLAIMS_OK);
	assert_int_equal(r->n_denial_reasons, 0);
	assert_int_equal(r->summary.payment.cents, -1000);
	assert_null(r->summary.payment_date);
	assert_string_equal(r->claim_status_desc, "reversal of previous payment");
	claims_remit_free(r);

	assert_int_equal(claims_remit_get(&r, db, 5), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "Remittance not found (id: 5)");
	claims_db_close(db);
}

static void
test_remit_lists(void **state)
{
	claims_db *db = fixture();
	claims_remit_list *l = NULL;
	claims_remit_query q;

	(void)state;
	add_remits(db);
	{
		claims_param p[] = { P("payer_id", "1") };
		assert_int_equal(claims_remit_query_parse(&q, p, 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_remit_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 2);
		assert_int_equal(l->items[0].id, 1);
		assert_int_equal(l->items[1].id, 2);
		claims_remit_list_free(l);
	}
	{
		claims_param p[] = { P("claim_control_number", "C1"), P("status", "processed"),
				     P("limit", "1"), P("skip", "1") };
		assert_int_equal(claims_remit_query_parse(&q, p, 4, NULL), CLAIMS_OK);
		assert_int_equal(claims_remit_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 2);
		assert_int_equal(l->count, 1);
		assert_int_equal(l->items[0].id, 2);
		claims_remit_list_free(l);
	}
	{
		/* Payment-date window; the remittance without a date is excluded. */
		claims_param p[] = { P("payment_date_from", "2024-03-01"),
				     P("payment_date_to", "2024-03-31") };
		assert_int_equal(claims_remit_query_parse(&q, p, 2, NULL), CLAIMS_OK);
		assert_int_equal(claims_remit_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 2);
		claims_remit_list_free(l);
	}
	{
		claims_param p[] = { P("payer_id", "2"), P("payment_date_from", "2024-03-15") };
		assert_int_equal(claims_remit_query_parse(&q, p, 2, NULL), CLAIMS_OK);
		assert_int_equal(claims_remit_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 1);
		assert_int_equal(l->items[0].id, 4);
		assert_string_equal(l->items[0].status, "processed");
		assert_string_equal(l->items[0].payer_name, "Beta Care");
		claims_remit_list_free(l);
	}
	{
		claims_param p[] = { P("status", "unmatched"), P("skip", "5") };
		assert_int_equal(claims_remit_query_parse(&q, p, 2, NULL), CLAIMS_OK);
		assert_int_equal(claims_remit_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 1);
		assert_int_equal(l->count, 0);
		claims_remit_list_free(l);
	}
	claims_db_close(db);
}

static void
test_episodes(void **state)
{
	claims_db *db = fixture();
	claims_episode_list *l = NULL;
	claims_episode_query q;
	claims_episode *e = NULL;

	(void)state;
	add_remits(db);
	tu_exec(db, "UPDATE claim_episodes SET reversed_by_episode_id = 3 WHERE id = 1");
	assert_int_equal(claims_episode_get(&e, db, 1), CLAIMS_OK);
	assert_int_equal(e->claim_id, 1);
	assert_int_equal(e->remittance_id, 1);
	assert_string_equal(e->status, "linked");
	assert_int_equal(e->payment.cents, 500);
	assert_int_equal(e->denial_count, 1);
	assert_int_equal(e->adjustment_count, 6);
	assert_string_equal(e->link_method, "control_number");
	assert_int_equal(e->reversed_by_episode_id, 3);
	assert_string_equal(e->linked_at, "2024-03-02T00:00:00Z");
	claims_episode_free(e);
	assert_int_equal(claims_episode_get(&e, db, 3), CLAIMS_OK);
	assert_null(e->linked_at);
	assert_int_equal(e->reversed_by_episode_id, 0);
	claims_episode_free(e);
	assert_int_equal(claims_episode_get(&e, db, 9), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "Episode not found (id: 9)");

	{
		claims_param p[] = { P("claim_id", "1") };
		assert_int_equal(claims_episode_query_parse(&q, p, 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_episode_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 2);
		assert_int_equal(l->items[0].id, 1);
		assert_int_equal(l->items[1].id, 2);
		claims_episode_list_free(l);
	}
	{
		/* Unknown claim: empty, total 0.  claim_id=0: no filter. */
		claims_param p[] = { P("claim_id", "12345") };
		assert_int_equal(claims_episode_query_parse(&q, p, 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_episode_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 0);
		assert_int_equal(l->count, 0);
		claims_episode_list_free(l);
		p[0].value = "0";
		assert_int_equal(claims_episode_query_parse(&q, p, 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_episode_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 4);
		claims_episode_list_free(l);
	}
	{
		claims_param p[] = { P("remittance_id", "3"), P("status", "reversed") };
		assert_int_equal(claims_episode_query_parse(&q, p, 2, NULL), CLAIMS_OK);
		assert_int_equal(claims_episode_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 1);
		assert_int_equal(l->items[0].id, 3);
		claims_episode_list_free(l);
	}
	claims_db_close(db);
}

static void
test_payers(void **state)
{
	claims_db *db = fixture();
	claims_payer_list *l = NULL;
	claims_payer_query q;
	claims_payer *p = NULL;
	int64_t epoch;

	(void)state;
	add_remits(db);
	claims_payer_query_init(&q);
	assert_int_equal(claims_payer_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 3);
	assert_string_equal(l->items[0].payer_id, "P1");
	assert_int_equal(l->items[0].claim_count, 5);
	assert_int_equal(l->items[0].remittance_count, 2);
	assert_string_equal(l->items[0].rules_config_json, "{}");
	assert_null(l->items[0].payer_type);
	assert_int_equal(l->items[2].claim_count, 0);
	claims_payer_list_free(l);
	/* q: case-insensitive substring, '%' and '_' literal. */
	q.q = "BETA";
	assert_int_equal(claims_payer_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 1);
	assert_int_equal(l->items[0].id, 2);
	claims_payer_list_free(l);
	q.q = "%_";
	assert_int_equal(claims_payer_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 1);
	assert_int_equal(l->items[0].id, 3);
	claims_payer_list_free(l);
	q.q = "_";
	assert_int_equal(claims_payer_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 1);
	claims_payer_list_free(l);

	/* Rules. */
	static const struct {
		const char *json, *msg;
	} bad[] = {
		{ "{", "rules must be valid JSON" },
		{ "[]", "rules must be a JSON object" },
		{ "{\"allowed_frequency_types\": \"1\"}",
		  "allowed_frequency_types must be an array of strings" },
		{ "{\"allowed_frequency_types\": [1]}",
		  "allowed_frequency_types must be an array of strings" },
		{ "{\"restricted_facility_types\": {}}",
		  "restricted_facility_types must be an array of strings" },
		{ "{\"prior_auth_procedure_codes\": [\"99213\", null]}",
		  "prior_auth_procedure_codes must be an array of strings" },
		{ "{\"timely_filing_days\": 0}",
		  "timely_filing_days must be an integer between 1 and 3650" },
		{ "{\"timely_filing_days\": 3651}",
		  "timely_filing_days must be an integer between 1 and 3650" },
		{ "{\"timely_filing_days\": 90.5}",
		  "timely_filing_days must be an integer between 1 and 3650" },
		{ "{\"timely_filing_days\": \"90\"}",
		  "timely_filing_days must be an integer between 1 and 3650" },
	};
	epoch = tu_query_int(db, "SELECT value FROM meta WHERE key = 'write_epoch'");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(claims_payer_set_rules(db, 1, bad[i].json), CLAIMS_EINVAL);
		assert_string_equal(claims_db_errmsg(db), bad[i].msg);
	}
	assert_int_equal(claims_payer_set_rules(db, 99, "{}"), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "Payer not found (id: 99)");
	assert_int_equal(tu_query_int(db, "SELECT value FROM meta WHERE key = 'write_epoch'"), epoch);
	assert_int_equal(claims_payer_set_rules(db, 1,
						"{ \"timely_filing_days\": 90, \"other\": true,\n"
						"  \"allowed_frequency_types\": [\"1\", \"7\"] }"),
			 CLAIMS_OK);
	assert_int_equal(tu_query_int(db, "SELECT value FROM meta WHERE key = 'write_epoch'"),
			 epoch + 1);
	assert_int_equal(claims_payer_get(&p, db, 1), CLAIMS_OK);
	assert_string_equal(p->rules_config_json,
			    "{\"timely_filing_days\":90,\"other\":true,"
			    "\"allowed_frequency_types\":[\"1\",\"7\"]}");
	claims_payer_free(p);
	assert_int_equal(claims_payer_get(&p, db, 7), CLAIMS_ENOTFOUND);
	claims_db_close(db);
}

static void
test_logs_and_files(void **state)
{
	claims_db *db = fixture();
	claims_parser_log_list *l = NULL;
	claims_parser_log_query q;
	claims_file_list *fl = NULL;
	claims_file *f = NULL;
	claims_page page = { 0, 100 };

	(void)state;
	tu_exec(db,
		"INSERT INTO ingest_files (id, sha256, filename, size_bytes, mode, status, "
		"received_at, counts) VALUES "
		"(1, printf('%064d', 1), 'a.edi', 10, 'tolerant', 'ingested', "
		" '2024-01-01T00:00:00Z', '{\"claims_parsed\":1}'), "
		"(2, printf('%064d', 2), 'b.edi', 20, 'strict', 'refused', "
		" '2024-01-02T00:00:00Z', '{}');"
		"INSERT INTO parser_logs (ingest_file_id, file_name, file_type, log_level, "
		"segment_type, issue_type, message, details, claim_id) VALUES "
		"(1, 'a.edi', '837P', 'warning', 'SE', 'SE_COUNT', 'm1', '{\"a\":1}', NULL), "
		"(1, 'a.edi', '837P', 'info', NULL, 'DIAGNOSIS_DECIMAL', 'm2', '{}', 1), "
		"(2, 'b.edi', NULL, 'error', NULL, 'NO_ISA', 'm3', '{}', NULL);");
	claims_parser_log_query_init(&q);
	assert_int_equal(claims_parser_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 3);
	assert_int_equal(l->items[0].id, 3); /* newest first */
	assert_int_equal(l->items[2].id, 1);
	assert_string_equal(l->items[2].details_json, "{\"a\":1}");
	assert_string_equal(l->items[2].segment_type, "SE");
	assert_null(l->items[0].file_type);
	claims_parser_log_list_free(l);
	{
		claims_param p[] = { P("ingest_file_id", "1"), P("log_level", "info") };
		assert_int_equal(claims_parser_log_query_parse(&q, p, 2, NULL), CLAIMS_OK);
		assert_int_equal(claims_parser_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 1);
		assert_int_equal(l->items[0].claim_id, 1);
		claims_parser_log_list_free(l);
	}
	{
		claims_param p[] = { P("issue_type", "NO_ISA") };
		assert_int_equal(claims_parser_log_query_parse(&q, p, 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_parser_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
		assert_int_equal(l->total, 1);
		assert_int_equal(l->items[0].ingest_file_id, 2);
		claims_parser_log_list_free(l);
	}
	assert_int_equal(claims_file_list_get(&fl, db, &page), CLAIMS_OK);
	assert_int_equal(fl->total, 2);
	assert_int_equal(fl->items[0].id, 2);
	assert_string_equal(fl->items[1].counts_json, "{\"claims_parsed\":1}");
	claims_file_list_free(fl);
	assert_int_equal(claims_file_get(&f, db, 1), CLAIMS_OK);
	assert_string_equal(f->filename, "a.edi");
	assert_int_equal(f->size_bytes, 10);
	assert_string_equal(f->status, "ingested");
	assert_null(f->detected_type);
	claims_file_free(f);
	assert_int_equal(claims_file_get(&f, db, 3), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(db), "File not found (id: 3)");
	claims_db_close(db);
}

static void
test_practice_check(void **state)
{
	claims_db *db = fixture();
	claims_validation v = { 0 };

	(void)state;
	assert_int_equal(claims_practice_check(db, NULL, "query", "practice_id", &v), CLAIMS_OK);
	assert_int_equal(claims_practice_check(db, "NORTH", "query", "practice_id", &v), CLAIMS_OK);
	assert_int_equal(v.count, 0);
	assert_int_equal(claims_practice_check(db, "SOUTH", "query", "practice_id", &v),
			 CLAIMS_EINVAL);
	assert_int_equal(v.count, 1);
	assert_string_equal(v.errors[0].type, "enum");
	assert_string_equal(v.errors[0].name, "practice_id");
	assert_string_equal(v.errors[0].msg, "must be a configured practice");
	claims_db_close(db);
}

/* Every allocation failure gives CLAIMS_ENOMEM and no result, never a crash
 * or a leak (effective in -Dfault_injection=true builds). */
static void
test_out_of_memory(void **state)
{
	claims_db *db = fixture();
	long n;

	(void)state;
	add_remits(db);
	for (n = 0;; n++) {
		claims_claim *c = NULL;
		claims_remit *r = NULL;
		claims_claim_list *l = NULL;
		claims_claim_query q;
		int rc;

		claims_claim_query_init(&q);
		q.status = "pending";
		claims__alloc_fail_after(n);
		rc = claims_claim_get(&c, db, 1);
		if (rc == CLAIMS_OK)
			rc = claims_remit_get(&r, db, 1);
		if (rc == CLAIMS_OK)
			rc = claims_claim_list_get(&l, db, &q, NULL);
		claims__alloc_fail_after(-1);
		claims_claim_free(c);
		claims_remit_free(r);
		if (rc == CLAIMS_OK) {
			if (getenv("QUERY_VERBOSE"))
				fprintf(stderr, "out of memory: %ld failure points\n", n);
			assert_int_equal(l->total, 4);
			claims_claim_list_free(l);
			break;
		}
		assert_int_equal(rc, CLAIMS_ENOMEM);
		assert_null(l);
	}
	claims_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_rules),
		cmocka_unit_test(test_claim_filters_parse),
		cmocka_unit_test(test_other_parsers),
		cmocka_unit_test(test_parse_id),
		cmocka_unit_test(test_count_keys),
		cmocka_unit_test(test_claim_lists),
		cmocka_unit_test(test_claim_get),
		cmocka_unit_test(test_unlinked),
		cmocka_unit_test(test_remit_get),
		cmocka_unit_test(test_remit_lists),
		cmocka_unit_test(test_episodes),
		cmocka_unit_test(test_payers),
		cmocka_unit_test(test_logs_and_files),
		cmocka_unit_test(test_practice_check),
		cmocka_unit_test(test_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
