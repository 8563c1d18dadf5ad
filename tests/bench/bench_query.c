/*
 * Benchmark: the read layer on a database of generated claims.  Get-by-id
 * (claim with lines and diagnoses) and filtered pages of 100 (count and
 * page), each next to the bare SQLite statements that read the same rows
 * through prepared statements in the same run (no copies, no model).
 * Prints microseconds per call for both and their ratio.
 *
 *   python3 tests/bench/gen_x12.py /tmp/q.x12 40       # about 100,000 claims
 *   build-rel/tests/bench/bench_query /tmp/q.x12 /tmp/q.db
 *
 * The database is built by ingesting the file with the library when it does
 * not exist yet; later runs reuse it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <claims/claims.h>

#include "internal.h"
#include "query.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what, claims_db *db)
{
	fprintf(stderr, "bench_query: %s: %s\n", what, db ? claims_db_errmsg(db) : "");
	exit(1);
}

static uint64_t rng_state = 88172645463325252ull;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static sqlite3_stmt *
prep(sqlite3 *sql, const char *text)
{
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v3(sql, text, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_query: %s\n%s\n", sqlite3_errmsg(sql), text);
		exit(1);
	}
	return s;
}

/* Step every row, touching every column (as a reader would). */
static int64_t
drain(sqlite3_stmt *s)
{
	int64_t sum = 0;

	while (sqlite3_step(s) == SQLITE_ROW) {
		int n = sqlite3_column_count(s);

		for (int i = 0; i < n; i++) {
			if (sqlite3_column_type(s, i) == SQLITE_TEXT)
				sum += sqlite3_column_bytes(s, i);
			else
				sum += sqlite3_column_int64(s, i);
		}
	}
	sqlite3_reset(s);
	return sum;
}

static volatile int64_t sink;

static void
report(const char *what, double lib_us, double bare_us)
{
	printf("%-44s %9.2f us   bare SQLite %9.2f us   ratio %.2f\n", what, lib_us, bare_us,
	       lib_us / bare_us);
}

/* ---- get by id */

static void
bench_get(claims_db *db, int64_t max_id, int iterations)
{
	static const char claim_sql[] =
		"SELECT c.id, c.claim_control_number, c.patient_control_number, c.total_charge_cents, "
		"c.status, c.is_incomplete, c.payer_id, c.service_date, c.created_at, "
		"c.transaction_type, c.provider_id, p.name, c.practice_id, c.facility_type_code, "
		"c.facility_code_qualifier, c.claim_frequency_type, c.assignment_code, "
		"c.statement_date, c.statement_date_to, c.admission_date, c.discharge_date, "
		"c.service_date_to, c.original_reference_number, c.principal_diagnosis, "
		"c.billing_provider_npi, c.rendering_provider_npi, c.attending_provider_npi, "
		"c.operating_provider_npi, c.referring_provider_npi, c.parsing_warnings, c.version, "
		"c.submission_count, c.updated_at FROM claims AS c LEFT JOIN payers AS p "
		"ON p.id = c.payer_id WHERE c.id = ?1";
	sqlite3_stmt *c = prep(db->sql, claim_sql);
	sqlite3_stmt *l = prep(db->sql, "SELECT id, line_number, revenue_code, procedure_qualifier, "
					"procedure_code, procedure_modifier, modifiers, charge_cents, "
					"unit_type, unit_count, place_of_service, diagnosis_pointers, "
					"service_date, service_date_to, line_item_control_number, "
					"procedure_code_valid FROM claim_lines WHERE claim_id = ?1 "
					"ORDER BY line_number");
	sqlite3_stmt *d = prep(db->sql, "SELECT sequence, qualifier, code, code_system, role, "
					"is_valid, poa, diagnosis_pointer FROM claim_diagnoses "
					"WHERE claim_id = ?1 ORDER BY sequence");
	double t0, t_lib, t_bare;
	int64_t sum = 0;

	rng_state = 42;
	t0 = now();
	for (int i = 0; i < iterations; i++) {
		claims_claim *cl = NULL;

		if (claims_claim_get(&cl, db, (int64_t)(rnd() % (uint64_t)max_id) + 1) < 0)
			die("claims_claim_get", db);
		sum += (int64_t)cl->n_lines;
		claims_claim_free(cl);
	}
	t_lib = now() - t0;

	rng_state = 42;
	t0 = now();
	for (int i = 0; i < iterations; i++) {
		int64_t id = (int64_t)(rnd() % (uint64_t)max_id) + 1;

		sqlite3_bind_int64(c, 1, id);
		sqlite3_bind_int64(l, 1, id);
		sqlite3_bind_int64(d, 1, id);
		sum += drain(c) + drain(l) + drain(d);
	}
	t_bare = now() - t0;
	sink = sum;
	report("claim by id (claim, lines, diagnoses)", t_lib * 1e6 / iterations,
	       t_bare * 1e6 / iterations);
	sqlite3_finalize(c);
	sqlite3_finalize(l);
	sqlite3_finalize(d);
}

/* ---- filtered pages */

struct page_case {
	const char *what;
	claims_param params[4];
	size_t n;
};

static void
bind_claim(sqlite3_stmt *s, const claims_claim_query *q)
{
	if (q->status)
		sqlite3_bind_text(s, 1, q->status, -1, SQLITE_STATIC);
	if (q->payer_id)
		sqlite3_bind_int64(s, 2, q->payer_id);
	if (q->provider_id)
		sqlite3_bind_int64(s, 3, q->provider_id);
	if (q->practice_id)
		sqlite3_bind_text(s, 4, q->practice_id, -1, SQLITE_STATIC);
	if (q->service_date_from[0])
		sqlite3_bind_text(s, 5, q->service_date_from, -1, SQLITE_STATIC);
	if (q->service_date_to[0])
		sqlite3_bind_text(s, 6, q->service_date_to, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 7, q->page.limit);
	sqlite3_bind_int64(s, 8, q->page.skip);
}

static unsigned
mask_of(const claims_claim_query *q)
{
	return (q->status ? 1u : 0) | (q->payer_id ? 2u : 0) | (q->provider_id ? 4u : 0) |
	       (q->practice_id ? 8u : 0) | (q->service_date_from[0] ? 16u : 0) |
	       (q->service_date_to[0] ? 32u : 0);
}

static void
bench_page(claims_db *db, const struct page_case *pc, int iterations)
{
	const struct claims__sql_pair *pair;
	claims_claim_query q;
	sqlite3_stmt *page, *count;
	double t0, t_lib, t_lib_page, t_bare, t_bare_page;
	int64_t sum = 0, total = 0;
	char label[128];

	if (claims_claim_query_parse(&q, pc->params, pc->n, NULL) < 0)
		die("parameters", NULL);
	pair = claims__route_sql_get(&claims__claim_route, mask_of(&q));
	page = prep(db->sql, pair->list);
	count = prep(db->sql, pair->count);

	t0 = now();
	for (int i = 0; i < iterations; i++) {
		claims_claim_list *l = NULL;

		if (claims_claim_list_get(&l, db, &q, NULL) < 0)
			die("claims_claim_list_get", db);
		sum += (int64_t)l->count;
		total = l->total;
		claims_claim_list_free(l);
	}
	t_lib = now() - t0;
	t0 = now();
	for (int i = 0; i < iterations; i++) {
		claims_claim_list *l = NULL;

		if (claims_claim_list_get(&l, db, &q, &total) < 0)
			die("claims_claim_list_get", db);
		sum += (int64_t)l->count;
		claims_claim_list_free(l);
	}
	t_lib_page = now() - t0;

	t0 = now();
	for (int i = 0; i < iterations; i++) {
		bind_claim(count, &q);
		bind_claim(page, &q);
		sum += drain(count) + drain(page);
	}
	t_bare = now() - t0;
	t0 = now();
	for (int i = 0; i < iterations; i++) {
		bind_claim(page, &q);
		sum += drain(page);
	}
	t_bare_page = now() - t0;
	sink = sum;
	snprintf(label, sizeof(label), "%s: count + page", pc->what);
	report(label, t_lib * 1e6 / iterations, t_bare * 1e6 / iterations);
	snprintf(label, sizeof(label), "%s: page only", pc->what);
	report(label, t_lib_page * 1e6 / iterations, t_bare_page * 1e6 / iterations);
	printf("%-44s total %" PRId64 "\n", "", total);
	sqlite3_finalize(page);
	sqlite3_finalize(count);
}

int
main(int argc, char **argv)
{
	claims_db *db = NULL;
	int64_t n_claims, some_payer;
	char payer[32];

	if (argc != 3) {
		fprintf(stderr, "usage: bench_query FILE.x12 DB\n");
		return 2;
	}
	if (access(argv[2], F_OK) != 0) {
		claims_ingest_result *r = NULL;
		double t0;

		if (claims_db_open(&db, argv[2], NULL) < 0)
			die("open", NULL);
		t0 = now();
		if (claims_ingest_file(&r, db, argv[1], NULL) < 0)
			die("ingest", db);
		printf("ingested %" PRId64 " claims in %.1f s\n", r->counts.claims_created,
		       now() - t0);
		claims_ingest_result_free(r);
		claims_db_close(db);
	}
	if (claims_db_open(&db, argv[2], NULL) < 0)
		die("open", NULL);
	{
		sqlite3_stmt *s = prep(db->sql, "SELECT max(id), (SELECT payer_id FROM claims "
						"GROUP BY payer_id ORDER BY count(*) DESC LIMIT 1) "
						"FROM claims");

		sqlite3_step(s);
		n_claims = sqlite3_column_int64(s, 0);
		some_payer = sqlite3_column_int64(s, 1);
		sqlite3_finalize(s);
	}
	snprintf(payer, sizeof(payer), "%" PRId64, some_payer);
	printf("database %s: %" PRId64 " claims; SQLite %s\n", argv[2], n_claims, sqlite3_libversion());

	bench_get(db, n_claims, 20000);
	{
		const struct page_case cases[] = {
			{ "no filter, first page", { { "limit", "100" } }, 1 },
			{ "no filter, skip 50000", { { "limit", "100" }, { "skip", "50000" } }, 2 },
			{ "status=pending, skip 1000",
			  { { "status", "pending" }, { "limit", "100" }, { "skip", "1000" } }, 3 },
			{ "payer_id (largest payer)", { { "payer_id", payer }, { "limit", "100" } }, 2 },
			{ "payer_id + status", { { "payer_id", payer }, { "status", "pending" },
						 { "limit", "100" } }, 3 },
			{ "service dates, one week",
			  { { "service_date_from", "2024-03-01" }, { "service_date_to", "2024-03-07" },
			    { "limit", "100" } }, 3 },
			{ "service dates, whole year",
			  { { "service_date_from", "2024-01-01" }, { "service_date_to", "2024-12-31" },
			    { "limit", "100" } }, 3 },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			bench_page(db, &cases[i], i >= 5 ? 50 : 500);
	}
	{
		/* Unlinked claims (outer scan with an index probe). */
		claims_page pg = { 0, 100 };
		claims_claim_list *l = NULL;
		double t0 = now();

		for (int i = 0; i < 50; i++) {
			if (claims_unlinked_list_get(&l, db, &pg, NULL) < 0)
				die("unlinked", db);
			claims_claim_list_free(l);
		}
		printf("%-44s %9.2f us\n", "unlinked claims: count + first page",
		       (now() - t0) * 1e6 / 50);
	}
	claims_db_close(db);
	return 0;
}
