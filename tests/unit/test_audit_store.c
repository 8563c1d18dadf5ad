/*
 * The audit store (spec/security.md §4, spec/api.md §4.8): batch inserts in
 * one transaction, every filter of GET /api/v1/audit-logs (a path holding
 * SQL metacharacters is matched literally), inclusive date bounds, the
 * newest-first order, and the exact figures of the statistics.
 */
#include "testutil.h"

#include "query.h"

static claims_db *
open_db(void)
{
	claims_db *db = NULL;

	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	return db;
}

static claims_audit_record
rec(const char *method, const char *path, int status, double duration, const char *user,
    const char *ip, const char *created_at)
{
	claims_audit_record r = { 0 };

	r.method = method;
	r.path = path;
	r.status_code = status;
	r.duration = duration;
	r.user_id = user;
	r.client_ip = ip;
	r.created_at = created_at;
	return r;
}

/* ---- inserts */

static void
test_insert_batch(void **state)
{
	claims_db *db = open_db();
	claims_audit_record rows[3];
	claims_audit_log_list *l = NULL;
	claims_audit_query q;
	char *text;

	(void)state;
	rows[0] = rec("GET", "/api/v1/claims", 200, 0.25, "alice", "127.0.0.1",
		      "2024-05-01T10:00:00Z");
	rows[1] = rec("POST", "/api/v1/claims/upload", 201, 1.5, NULL, NULL, "2024-05-01T10:00:01Z");
	rows[2] = rec("GET", "/", 200, 0.001, NULL, "::1", NULL);
	rows[1].request_identifier = "ab";
	rows[1].response_identifier = "cd";
	rows[1].request_hashed_identifiers = "{\"query.patient\":\"ab\"}";
	rows[1].response_hashed_identifiers = "{\"claims[0].patient_control_number\":\"ef\"}";
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_OK);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM audit_logs"), 3);

	claims_audit_query_init(&q);
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 3);
	assert_int_equal(l->count, 3);
	/* The row without created_at got the current time: the newest. */
	assert_string_equal(l->items[0].path, "/");
	assert_string_equal(l->items[0].client_ip, "::1");
	assert_null(l->items[0].user_id);
	assert_string_equal(l->items[0].request_hashed_identifiers_json, "{}");
	assert_int_equal(strlen(l->items[0].created_at), 20);
	assert_string_equal(l->items[1].method, "POST");
	assert_int_equal(l->items[1].status_code, 201);
	assert_true(l->items[1].duration == 1.5);
	assert_null(l->items[1].user_id);
	assert_null(l->items[1].client_ip);
	assert_string_equal(l->items[1].request_identifier, "ab");
	assert_string_equal(l->items[1].response_identifier, "cd");
	assert_string_equal(l->items[1].request_hashed_identifiers_json,
			    "{\"query.patient\":\"ab\"}");
	assert_string_equal(l->items[1].response_hashed_identifiers_json,
			    "{\"claims[0].patient_control_number\":\"ef\"}");
	assert_string_equal(l->items[1].created_at, "2024-05-01T10:00:01Z");
	assert_string_equal(l->items[2].user_id, "alice");
	assert_null(l->items[2].request_identifier);
	claims_audit_log_list_free(l);

	text = tu_query_text(db, "SELECT updated_at FROM audit_logs WHERE method = 'POST'");
	assert_string_equal(text, "2024-05-01T10:00:01Z");
	free(text);

	/* Nothing to insert is fine. */
	assert_int_equal(claims_audit_insert(db, NULL, 0), CLAIMS_OK);
	assert_int_equal(claims_audit_insert(NULL, rows, 1), CLAIMS_EINVAL);
	assert_int_equal(claims_audit_insert(db, NULL, 1), CLAIMS_EINVAL);
	claims_db_close(db);
}

/* One bad row refuses the batch; a failure inside the transaction leaves
 * none of its rows. */
static void
test_insert_all_or_nothing(void **state)
{
	claims_db *db = open_db();
	claims_audit_record rows[3];
	char path501[502];

	(void)state;
	rows[0] = rec("GET", "/a", 200, 0.1, NULL, NULL, NULL);
	rows[1] = rec("GET", "/b", 200, 0.1, NULL, NULL, NULL);
	rows[2] = rec("GET", "/c", 99, 0.1, NULL, NULL, NULL);
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(db), "row 2: status_code must be between 100 and 599");
	rows[2].status_code = 600;
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	rows[2].status_code = 200;
	rows[2].duration = -1;
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	rows[2].duration = 0;
	rows[2].created_at = "2024-05-01 10:00:00";
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(db), "row 2: created_at must be YYYY-MM-DDTHH:MM:SSZ");
	rows[2].created_at = NULL;
	rows[2].method = "";
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	rows[2].method = NULL;
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	rows[2].method = "GET";
	memset(path501, 'p', 501);
	path501[501] = '\0';
	rows[2].path = path501;
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(db), "row 2: path must be at most 500 bytes");
	path501[500] = '\0';
	/* The last row's map is not JSON: the database refuses it after the
	 * first two were written, and the transaction takes them back. */
	rows[2].request_hashed_identifiers = "{not json";
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_ECONSTRAINT);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM audit_logs"), 0);
	rows[2].request_hashed_identifiers = NULL;
	assert_int_equal(claims_audit_insert(db, rows, 3), CLAIMS_OK);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM audit_logs"), 3);
	assert_int_equal(tu_query_int(db, "SELECT max(length(path)) FROM audit_logs"), 500);
	claims_db_close(db);
}

/* ---- the list and its filters */

/* Rows 1..10 (ids in insert order). */
static claims_db *
seeded(void)
{
	claims_db *db = open_db();
	claims_audit_record r[10];

	r[0] = rec("GET", "/api/v1/claims", 200, 0.1, "alice", "10.0.0.1", "2024-01-01T00:00:00Z");
	r[1] = rec("POST", "/api/v1/claims/upload", 201, 0.2, "bob", "10.0.0.2",
		   "2024-01-02T12:00:00Z");
	r[2] = rec("GET", "/api/v1/claims/1", 404, 0.3, NULL, "10.0.0.1", "2024-01-03T00:00:00Z");
	r[3] = rec("GET", "/api/v1/a%' OR 1=1--", 404, 0.4, "alice", "10.0.0.3",
		   "2024-01-03T00:00:00Z");
	r[4] = rec("GET", "/api/v1/x_y", 404, 0.5, NULL, NULL, "2024-01-04T00:00:00Z");
	r[5] = rec("GET", "/api/v1/xzy", 404, 0.6, NULL, NULL, "2024-01-04T00:00:00Z");
	r[6] = rec("PATCH", "/api/v1/episodes/1/status", 422, 0.7, "bob", "10.0.0.2",
		   "2023-12-31T23:59:59Z");
	r[7] = rec("GET", "/api/v1/a\\b", 404, 0.8, NULL, NULL, "2024-01-02T11:59:59Z");
	r[8] = rec("get", "/api/v1/lower", 200, 0.9, NULL, NULL, "2024-01-02T12:00:01Z");
	r[9] = rec("GET", "/API/V1/CLAIMS", 200, 1.0, NULL, NULL, "2024-01-01T00:00:01Z");
	assert_int_equal(claims_audit_insert(db, r, 10), CLAIMS_OK);
	return db;
}

/* The ids the parameters select (newest first) must be @p want (0-ended),
 * with total = their number (skip/limit not given). */
static void
expect_ids(claims_db *db, const claims_param *p, size_t n, const int64_t *want)
{
	claims_audit_query q;
	claims_validation v = { 0 };
	claims_audit_log_list *l = NULL;
	size_t k = 0;

	assert_int_equal(claims_audit_query_parse(&q, p, n, &v), CLAIMS_OK);
	assert_int_equal(v.count, 0);
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	while (want[k])
		k++;
	if (l->count != k)
		fail_msg("%s=%s: %zu rows, expected %zu", p[0].name, p[0].value, l->count, k);
	for (size_t i = 0; i < k; i++)
		if (l->items[i].id != want[i])
			fail_msg("%s=%s: row %zu is id %lld, expected %lld", p[0].name, p[0].value,
				 i, (long long)l->items[i].id, (long long)want[i]);
	assert_int_equal(l->total, (int64_t)k);
	claims_audit_log_list_free(l);
}

#define P1(n, v) ((const claims_param[]){ { n, v } }), 1
#define IDS(...) ((const int64_t[]){ __VA_ARGS__, 0 })

static void
test_order_newest_first(void **state)
{
	claims_db *db = seeded();

	(void)state;
	/* created_at descending; equal times by id descending; the oldest
	 * time last even though its id is not the lowest. */
	expect_ids(db, NULL, 0, IDS(6, 5, 4, 3, 9, 2, 8, 10, 1, 7));
	claims_db_close(db);
}

static void
test_filter_method(void **state)
{
	claims_db *db = seeded();

	(void)state;
	expect_ids(db, P1("method", "patch"), IDS(7));
	expect_ids(db, P1("method", "POST"), IDS(2));
	/* Exact: GE is not GET; the row stored as "get" is not "GET". */
	expect_ids(db, P1("method", "Ge"), IDS(0));
	expect_ids(db, P1("method", "get"), IDS(6, 5, 4, 3, 8, 10, 1));
	/* Empty means no filter. */
	expect_ids(db, P1("method", ""), IDS(6, 5, 4, 3, 9, 2, 8, 10, 1, 7));
	claims_db_close(db);
}

static void
test_filter_path_literal(void **state)
{
	claims_db *db = seeded();

	(void)state;
	expect_ids(db, P1("path", "claims/"), IDS(3, 2));
	/* Substring; ASCII letters in any case (LIKE). */
	expect_ids(db, P1("path", "/api/v1/claims"), IDS(3, 2, 10, 1));
	/* spec/security.md §7: the text is matched literally. */
	expect_ids(db, P1("path", "%' OR 1=1--"), IDS(4));
	expect_ids(db, P1("path", "%"), IDS(4));
	expect_ids(db, P1("path", "' OR '1'='1"), IDS(0));
	/* '_' is a character, not "any character". */
	expect_ids(db, P1("path", "x_y"), IDS(5));
	expect_ids(db, P1("path", "_"), IDS(5));
	/* The escape character itself is literal too. */
	expect_ids(db, P1("path", "a\\b"), IDS(8));
	expect_ids(db, P1("path", "\\"), IDS(8));
	expect_ids(db, P1("path", "\\%"), IDS(0));
	expect_ids(db, P1("path", "nowhere"), IDS(0));
	claims_db_close(db);
}

static void
test_filter_exact(void **state)
{
	claims_db *db = seeded();

	(void)state;
	expect_ids(db, P1("status_code", "404"), IDS(6, 5, 4, 3, 8));
	expect_ids(db, P1("status_code", "201"), IDS(2));
	expect_ids(db, P1("status_code", "500"), IDS(0));
	expect_ids(db, P1("user_id", "alice"), IDS(4, 1));
	expect_ids(db, P1("user_id", "ali"), IDS(0));
	expect_ids(db, P1("client_ip", "10.0.0.1"), IDS(3, 1));
	expect_ids(db, P1("client_ip", "10.0.0"), IDS(0));
	/* Filters combine. */
	expect_ids(db, ((const claims_param[]){ { "method", "GET" }, { "client_ip", "10.0.0.1" } }), 2,
		   IDS(3, 1));
	expect_ids(db,
		   ((const claims_param[]){ { "user_id", "bob" }, { "status_code", "422" },
					    { "path", "episodes" } }),
		   3, IDS(7));
	claims_db_close(db);
}

static void
test_filter_dates_inclusive(void **state)
{
	claims_db *db = seeded();

	(void)state;
	/* Both bounds include the instant itself. */
	expect_ids(db, P1("start_date", "2024-01-02T12:00:00Z"), IDS(6, 5, 4, 3, 9, 2));
	expect_ids(db, P1("end_date", "2024-01-02T12:00:00Z"), IDS(2, 8, 10, 1, 7));
	expect_ids(db,
		   ((const claims_param[]){ { "start_date", "2024-01-02T12:00:00Z" },
					    { "end_date", "2024-01-02T12:00:00Z" } }),
		   2, IDS(2));
	/* A date is its midnight UTC. */
	expect_ids(db, P1("start_date", "2024-01-03"), IDS(6, 5, 4, 3));
	expect_ids(db, P1("end_date", "2024-01-01"), IDS(1, 7));
	/* An offset is converted to UTC. */
	expect_ids(db, P1("start_date", "2024-01-02T13:00:00+01:00"), IDS(6, 5, 4, 3, 9, 2));
	expect_ids(db, P1("end_date", "2023-12-31T20:00:00-04:00"), IDS(1, 7));
	expect_ids(db, P1("end_date", "2024-01-01T19:59:59-04:00"), IDS(10, 1, 7));
	/* A fraction after the start's second starts at the next second. */
	expect_ids(db, P1("start_date", "2024-01-02T12:00:00.5Z"), IDS(6, 5, 4, 3, 9));
	expect_ids(db, P1("end_date", "2024-01-02T12:00:00.5Z"), IDS(2, 8, 10, 1, 7));
	claims_db_close(db);
}

static void
test_paging(void **state)
{
	claims_db *db = seeded();
	claims_audit_query q;
	claims_audit_log_list *l = NULL;
	const claims_param p[] = { { "skip", "2" }, { "limit", "3" } };
	int64_t known = 42;

	(void)state;
	assert_int_equal(claims_audit_query_parse(&q, p, 2, NULL), CLAIMS_OK);
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->total, 10);
	assert_int_equal(l->skip, 2);
	assert_int_equal(l->limit, 3);
	assert_int_equal(l->count, 3);
	assert_int_equal(l->items[0].id, 4);
	assert_int_equal(l->items[2].id, 9);
	claims_audit_log_list_free(l);
	/* A known total is used as given. */
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, &known), CLAIMS_OK);
	assert_int_equal(l->total, 42);
	claims_audit_log_list_free(l);
	/* Past the end: empty page, true total. */
	q.page.skip = 100;
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	assert_int_equal(l->count, 0);
	assert_int_equal(l->total, 10);
	claims_audit_log_list_free(l);
	q.page.limit = 0;
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_EINVAL);
	assert_null(l);
	claims_db_close(db);
}

/* ---- parameter validation */

static void
expect_error(const claims_param *p, size_t n, const char *name, const char *type,
	     const char *msg)
{
	claims_audit_query q;
	claims_validation v = { 0 };

	assert_int_equal(claims_audit_query_parse(&q, p, n, &v), CLAIMS_EINVAL);
	assert_int_equal(v.count, 1);
	assert_string_equal(v.errors[0].where, "query");
	assert_string_equal(v.errors[0].name, name);
	assert_string_equal(v.errors[0].type, type);
	assert_string_equal(v.errors[0].msg, msg);
}

static void
test_validation(void **state)
{
	char path[502];
	claims_audit_query q;
	claims_validation v = { 0 };
	const claims_param many[] = { { "limit", "0" }, { "method", "G-T" },
				      { "status_code", "600" }, { "end_date", "x" } };

	(void)state;
	expect_error(P1("method", "G1"), "method", "enum",
		     "must be an HTTP method (at most 16 letters)");
	expect_error(P1("method", "GET;DROP"), "method", "enum",
		     "must be an HTTP method (at most 16 letters)");
	expect_error(P1("method", "ABCDEFGHIJKLMNOPQ"), "method", "enum",
		     "must be an HTTP method (at most 16 letters)");
	expect_error(P1("status_code", "99"), "status_code", "range",
		     "must be between 100 and 599");
	expect_error(P1("status_code", "600"), "status_code", "range",
		     "must be between 100 and 599");
	expect_error(P1("status_code", "2OO"), "status_code", "int_parsing", "must be an integer");
	expect_error(P1("status_code", "99999999999999999999"), "status_code", "range",
		     "must be between 100 and 599");
	expect_error(P1("start_date", "2024-13-01"), "start_date", "date_parsing",
		     "must be a date (YYYY-MM-DD) or an ISO-8601 timestamp");
	expect_error(P1("end_date", "yesterday"), "end_date", "date_parsing",
		     "must be a date (YYYY-MM-DD) or an ISO-8601 timestamp");
	expect_error(((const claims_param[]){ { "start_date", "2024-01-02T00:00:01Z" },
					      { "end_date", "2024-01-02" } }),
		     2, "end_date", "range", "must not be before start_date");
	expect_error(((const claims_param[]){ { "user_id", "a" }, { "user_id", "b" } }), 2,
		     "user_id", "repeated", "must be given at most once");
	expect_error(P1("limit", "1001"), "limit", "range", "must be between 1 and 1000");
	expect_error(P1("skip", "-1"), "skip", "range", "must be greater than or equal to 0");

	memset(path, 'a', 501);
	path[501] = '\0';
	expect_error(P1("path", path), "path", "too_long", "must be at most 500 characters");
	path[500] = '\0';
	assert_int_equal(claims_audit_query_parse(&q, P1("path", path), NULL), CLAIMS_OK);
	assert_int_equal(strlen(q.path), 500);

	/* Every problem, in the order of the parameters. */
	assert_int_equal(claims_audit_query_parse(&q, many, 4, &v), CLAIMS_EINVAL);
	assert_int_equal(v.count, 4);
	assert_string_equal(v.errors[0].name, "limit");
	assert_string_equal(v.errors[1].name, "method");
	assert_string_equal(v.errors[2].name, "status_code");
	assert_string_equal(v.errors[3].name, "end_date");

	/* Parsed values. */
	assert_int_equal(claims_audit_query_parse(
				 &q,
				 ((const claims_param[]){ { "method", "dElEtE" },
							  { "status_code", "503" },
							  { "start_date", "2024-02-29T23:30:00-01:00" },
							  { "end_date", "2024-03-02" },
							  { "client_ip", "" },
							  { "unknown", "x" } }),
				 6, NULL),
			 CLAIMS_OK);
	assert_string_equal(q.method, "DELETE");
	assert_int_equal(q.status_code, 503);
	assert_string_equal(q.start, "2024-03-01T00:30:00Z");
	assert_string_equal(q.end, "2024-03-02T00:00:00Z");
	assert_null(q.client_ip);
	assert_null(q.path);
	assert_int_equal(q.page.limit, 100);
	assert_int_equal(claims_audit_query_parse(NULL, NULL, 0, NULL), CLAIMS_EINVAL);
}

/* ---- statistics */

/* 2024-01-10T00:00:00Z */
#define NOW 1704844800

static void
test_stats_exact(void **state)
{
	claims_db *db = open_db();
	claims_audit_stats *s = NULL;
	claims_audit_record r[8];

	(void)state;
	/* The one-day window is [2024-01-09T00:00:00Z, 2024-01-10T00:00:00Z]. */
	r[0] = rec("GET", "/a", 200, 0.1, "alice", "10.0.0.1", "2024-01-09T00:00:00Z");
	r[1] = rec("GET", "/b", 404, 0.2, "alice", "10.0.0.2", "2024-01-09T12:00:00Z");
	r[2] = rec("POST", "/c", 201, 0.35, "bob", "10.0.0.1", "2024-01-10T00:00:00Z");
	r[3] = rec("DELETE", "/d", 500, 0.05, NULL, NULL, "2024-01-09T18:00:00Z");
	r[4] = rec("PATCH", "/e", 422, 0.3, NULL, "10.0.0.9", "2024-01-09T06:00:00Z");
	/* Outside: one second before the window, one after now. */
	r[5] = rec("GET", "/f", 200, 9.0, "carol", "10.0.0.5", "2024-01-08T23:59:59Z");
	r[6] = rec("GET", "/g", 200, 9.0, "dave", "10.0.0.6", "2024-01-10T00:00:01Z");
	/* Seven days back: inside the 7-day window only. */
	r[7] = rec("GET", "/h", 200, 1.0, "erin", "10.0.0.7", "2024-01-03T00:00:00Z");
	assert_int_equal(claims_audit_insert(db, r, 8), CLAIMS_OK);

	assert_int_equal(claims_audit_stats_get(&s, db, 1, NOW), CLAIMS_OK);
	assert_int_equal(s->period_days, 1);
	assert_string_equal(s->start_date, "2024-01-09T00:00:00Z");
	assert_string_equal(s->end_date, "2024-01-10T00:00:00Z");
	assert_int_equal(s->total_requests, 5);
	assert_int_equal(s->n_methods, 4);
	assert_string_equal(s->by_method[0].key, "DELETE");
	assert_int_equal(s->by_method[0].count, 1);
	assert_string_equal(s->by_method[1].key, "GET");
	assert_int_equal(s->by_method[1].count, 2);
	assert_string_equal(s->by_method[2].key, "PATCH");
	assert_string_equal(s->by_method[3].key, "POST");
	assert_int_equal(s->n_statuses, 5);
	assert_string_equal(s->by_status[0].key, "200");
	assert_string_equal(s->by_status[1].key, "201");
	assert_string_equal(s->by_status[2].key, "404");
	assert_string_equal(s->by_status[3].key, "422");
	assert_string_equal(s->by_status[4].key, "500");
	assert_int_equal(s->by_status[4].count, 1);
	assert_int_equal(s->unique_users, 2);
	assert_int_equal(s->unique_ip_addresses, 3);
	assert_true(s->has_average);
	/* (0.1 + 0.2 + 0.35 + 0.05 + 0.3) / 5 = 0.2 */
	assert_true(s->average_duration_seconds == 0.2);
	assert_true(s->requests_per_day == 5.0);
	claims_audit_stats_free(s);

	assert_int_equal(claims_audit_stats_get(&s, db, 7, NOW), CLAIMS_OK);
	assert_string_equal(s->start_date, "2024-01-03T00:00:00Z");
	assert_int_equal(s->total_requests, 7);
	assert_int_equal(s->unique_users, 4);
	assert_int_equal(s->unique_ip_addresses, 5);
	/* (1.0 + 9.0 + 0.1 + 0.2 + 0.35 + 0.05 + 0.3) / 7 = 1.5714285... */
	assert_true(s->average_duration_seconds == 1.5714);
	/* 7 / 7 */
	assert_true(s->requests_per_day == 1.0);
	assert_int_equal(s->by_method[1].count, 4);
	claims_audit_stats_free(s);

	/* Six requests over 3 days; all eight over 365 days: 0.0219... -> 0.02. */
	assert_int_equal(claims_audit_stats_get(&s, db, 3, NOW), CLAIMS_OK);
	assert_int_equal(s->total_requests, 6);
	assert_true(s->requests_per_day == 2.0);
	claims_audit_stats_free(s);
	assert_int_equal(claims_audit_stats_get(&s, db, 365, NOW + 86400 * 2), CLAIMS_OK);
	assert_int_equal(s->total_requests, 8);
	assert_true(s->requests_per_day == 0.02);
	claims_audit_stats_free(s);

	assert_int_equal(claims_audit_stats_get(&s, db, 0, NOW), CLAIMS_EINVAL);
	assert_null(s);
	assert_int_equal(claims_audit_stats_get(&s, db, 366, NOW), CLAIMS_EINVAL);
	assert_int_equal(claims_audit_stats_get(&s, NULL, 7, NOW), CLAIMS_EINVAL);
	claims_db_close(db);
}

static void
test_stats_rounding(void **state)
{
	claims_db *db = open_db();
	claims_audit_stats *s = NULL;
	claims_audit_record r[3];

	(void)state;
	r[0] = rec("GET", "/a", 200, 0.00005, NULL, NULL, "2024-01-09T00:00:00Z");
	r[1] = rec("GET", "/a", 200, 0.00005, NULL, NULL, "2024-01-09T00:00:00Z");
	r[2] = rec("GET", "/a", 200, 0.00005, NULL, NULL, "2024-01-09T00:00:00Z");
	assert_int_equal(claims_audit_insert(db, r, 3), CLAIMS_OK);
	/* 3 / 7 = 0.428... -> 0.43; the mean 0.00005 rounds half away -> 0.0001. */
	assert_int_equal(claims_audit_stats_get(&s, db, 7, NOW), CLAIMS_OK);
	assert_true(s->requests_per_day == 0.43);
	assert_true(s->average_duration_seconds == 0.0001);
	assert_int_equal(s->unique_users, 0);
	assert_int_equal(s->unique_ip_addresses, 0);
	claims_audit_stats_free(s);
	claims_db_close(db);
}

static void
test_stats_empty_window(void **state)
{
	claims_db *db = open_db();
	claims_audit_stats *s = NULL;
	claims_audit_record r = rec("GET", "/a", 200, 0.5, "alice", "10.0.0.1",
				    "2024-01-01T00:00:00Z");

	(void)state;
	assert_int_equal(claims_audit_stats_get(&s, db, 7, NOW), CLAIMS_OK);
	assert_int_equal(s->total_requests, 0);
	assert_false(s->has_average);
	claims_audit_stats_free(s);

	assert_int_equal(claims_audit_insert(db, &r, 1), CLAIMS_OK);
	assert_int_equal(claims_audit_stats_get(&s, db, 1, NOW), CLAIMS_OK);
	assert_int_equal(s->period_days, 1);
	assert_string_equal(s->start_date, "2024-01-09T00:00:00Z");
	assert_string_equal(s->end_date, "2024-01-10T00:00:00Z");
	assert_int_equal(s->total_requests, 0);
	assert_int_equal(s->n_methods, 0);
	assert_int_equal(s->n_statuses, 0);
	assert_int_equal(s->unique_users, 0);
	assert_int_equal(s->unique_ip_addresses, 0);
	assert_false(s->has_average);
	assert_true(s->requests_per_day == 0.0);
	claims_audit_stats_free(s);
	claims_db_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_batch),
		cmocka_unit_test(test_insert_all_or_nothing),
		cmocka_unit_test(test_order_newest_first),
		cmocka_unit_test(test_filter_method),
		cmocka_unit_test(test_filter_path_literal),
		cmocka_unit_test(test_filter_exact),
		cmocka_unit_test(test_filter_dates_inclusive),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_stats_exact),
		cmocka_unit_test(test_stats_rounding),
		cmocka_unit_test(test_stats_empty_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
