/*
 * Benchmark: the engine on generated databases, each case next to a bare
 * SQLite pass over the same rows measured in the same run.
 *
 *   link      N claims and N remittances (one payment each, same payer and
 *             claim number) inserted unlinked; claims_link_all() links them.
 *             Baseline: per remittance, in its own transaction, the rule A
 *             lookup and the episode insert and status update, nothing else.
 *   risk      claims_risk_calculate() for every claim of the linked database
 *             (each its own transaction, stored); mean, p50, p99.
 *             Baseline: per claim, read the claim, its lines and diagnoses
 *             and insert a risk_scores row, in its own transaction.
 *   patterns  M episodes (claims, lines, remittances, adjustments, episodes
 *             inserted directly) over 5 payers and the last 365 days;
 *             claims_patterns_detect_all(365).  Baseline: one GROUP BY over
 *             the same rows giving each payer's count per denial code.
 *
 *   build-rel/tests/bench/bench_engine /tmp/be 100000 1000000
 *
 * Databases are written as DIR-link.db, DIR-patterns.db (replaced each run).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include <claims/claims.h>

#include "internal.h"

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
	fprintf(stderr, "bench_engine: %s: %s\n", what, db ? claims_db_errmsg(db) : "");
	exit(1);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

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
		fprintf(stderr, "bench_engine: %s\n%s\n", sqlite3_errmsg(sql), text);
		exit(1);
	}
	return s;
}

static void
exec(sqlite3 *sql, const char *text)
{
	char *err = NULL;

	if (sqlite3_exec(sql, text, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "bench_engine: %s\n%s\n", err ? err : "", text);
		exit(1);
	}
}

static void
step_done(sqlite3 *sql, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "bench_engine: %s\n%s\n", sqlite3_errmsg(sql), sqlite3_sql(s));
		exit(1);
	}
	sqlite3_reset(s);
}

static claims_db *
open_fresh(const char *path)
{
	claims_db *db = NULL;
	char p[4096];

	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
	unlink(path);
	if (claims_db_open(&db, path, NULL) < 0)
		die("open", db);
	return db;
}

static void
date_minus(char out[11], int days)
{
	time_t t = time(NULL) - (time_t)days * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static const char *const procs[] = { "99213", "99214", "97110", "97140", "97530", "97112" };
static const char *const dxs[] = { "E119", "I10", "M5450", "M6281", "G8929", "R262" };
/* Denial reasons, weighted: 50 half the time, then 16, 197, 97, 18. */
static const char *const denials[] = { "50", "50", "50", "50", "16", "16", "197", "97" };

/*
 * Insert n claims (1-3 lines, one principal diagnosis) and for each one
 * remittance of the same payer and claim number with 1-2 adjustments;
 * with @p episodes, the episode too (status linked / denied) and the
 * remittance processed.  Payment dates spread over the last 360 days.
 */
static void
populate(claims_db *db, int64_t n, bool episodes)
{
	sqlite3 *q = db->sql;
	sqlite3_stmt *payer = prep(q, "INSERT INTO payers (payer_id, name) VALUES (?1, ?2)");
	sqlite3_stmt *claim = prep(
		q, "INSERT INTO claims (transaction_type, provider_key, payer_key, "
		   "claim_control_number, patient_control_number, pcn_key, patient_key, payer_id, "
		   "total_charge_cents, facility_type_code, claim_frequency_type, assignment_code, "
		   "service_date, principal_diagnosis, subscriber_member_id, patient_last_name, "
		   "patient_first_name, billing_provider_npi, content_sha256, status) "
		   "VALUES ('837P', '1234567893', ?1, ?2, ?2, ?2, ?3, ?4, ?5, '11', '1', 'A', ?6, ?7, "
		   "?8, ?9, 'PAT', '1234567893', ?2, ?10)");
	sqlite3_stmt *line = prep(
		q, "INSERT INTO claim_lines (claim_id, line_number, procedure_qualifier, "
		   "procedure_code, charge_cents, unit_type, unit_count, diagnosis_pointers, "
		   "service_date, procedure_code_valid) "
		   "VALUES (?1, ?2, 'HC', ?3, ?4, 'UN', 1, '[1]', ?5, 1)");
	sqlite3_stmt *dx = prep(
		q, "INSERT INTO claim_diagnoses (claim_id, sequence, diagnosis_pointer, qualifier, "
		   "code, code_system, role, is_valid) VALUES (?1, 1, 1, 'ABK', ?2, 'ICD10CM', "
		   "'principal', 1)");
	sqlite3_stmt *remit = prep(
		q, "INSERT INTO remittances (dedup_key, payer_id, claim_control_number, pcn_key, "
		   "patient_key, claim_status_code, claim_charge_cents, payment_amount_cents, "
		   "payer_claim_control_number, check_number, payment_date, payee_npi, "
		   "patient_last_name, patient_first_name, patient_member_id, service_date_from, "
		   "status) VALUES (?1, ?2, ?1, ?1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '1234567893', ?10, "
		   "'PAT', ?11, ?12, ?13)");
	sqlite3_stmt *adj = prep(
		q, "INSERT INTO adjustments (remittance_id, level, group_code, reason_code, "
		   "amount_cents, segment_ordinal, triplet_index) VALUES (?1, 'claim', ?2, ?3, ?4, "
		   "?5, 1)");
	sqlite3_stmt *ep = prep(
		q, "INSERT INTO claim_episodes (claim_id, remittance_id, status, link_method, "
		   "linked_at, payment_amount_cents, denial_count, adjustment_count) "
		   "VALUES (?1, ?2, ?3, 'control_number', '2026-01-01T00:00:00Z', ?4, ?5, ?6)");
	char pcn[32], pk[48], member[32], last[32], date[11], icn[32], check[32];

	exec(q, "BEGIN");
	for (int p = 1; p <= 5; p++) {
		char id[16], name[32];

		snprintf(id, sizeof(id), "P%05d", p);
		snprintf(name, sizeof(name), "PAYER %d", p);
		sqlite3_bind_text(payer, 1, id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(payer, 2, name, -1, SQLITE_TRANSIENT);
		step_done(q, payer);
	}
	for (int64_t i = 1; i <= n; i++) {
		int64_t payer_id = 1 + (int64_t)(rnd() % 5), total = 0, paid;
		int n_lines = 1 + (int)(rnd() % 3), days = (int)(rnd() % 360);
		const char *lp[3];
		int64_t lc[3];
		bool denied = rnd() % 100 < 20, full;
		const char *reason = denials[rnd() % 8];
		int n_adj;

		for (int l = 0; l < n_lines; l++) {
			lp[l] = procs[rnd() % 6];
			lc[l] = 5000 + (int64_t)(rnd() % 20000);
			total += lc[l];
		}
		snprintf(pcn, sizeof(pcn), "BE%010" PRId64, i);
		snprintf(last, sizeof(last), "LAST%" PRId64, i % 20000);
		snprintf(pk, sizeof(pk), "%s|PAT", last);
		snprintf(member, sizeof(member), "M%08" PRId64, i % 20000);
		date_minus(date, days + 20);
		sqlite3_bind_text(claim, 1, "P", -1, SQLITE_STATIC);
		sqlite3_bind_text(claim, 2, pcn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(claim, 3, pk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(claim, 4, payer_id);
		sqlite3_bind_int64(claim, 5, total);
		sqlite3_bind_text(claim, 6, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(claim, 7, dxs[rnd() % 6], -1, SQLITE_STATIC);
		sqlite3_bind_text(claim, 8, member, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(claim, 9, last, -1, SQLITE_TRANSIENT);
		full = denied && rnd() % 2;
		sqlite3_bind_text(claim, 10, !episodes ? "pending" : full ? "denied" : "processed",
				  -1, SQLITE_STATIC);
		step_done(q, claim);
		for (int l = 0; l < n_lines; l++) {
			sqlite3_bind_int64(line, 1, i);
			sqlite3_bind_int(line, 2, l + 1);
			sqlite3_bind_text(line, 3, lp[l], -1, SQLITE_STATIC);
			sqlite3_bind_int64(line, 4, lc[l]);
			sqlite3_bind_text(line, 5, date, -1, SQLITE_TRANSIENT);
			step_done(q, line);
		}
		sqlite3_bind_int64(dx, 1, i);
		sqlite3_bind_text(dx, 2, dxs[rnd() % 6], -1, SQLITE_STATIC);
		step_done(q, dx);

		paid = full ? 0 : total * 7 / 10;
		snprintf(icn, sizeof(icn), "ICN%012" PRId64, i);
		snprintf(check, sizeof(check), "CHK%d", days / 7);
		date_minus(date, days);
		sqlite3_bind_text(remit, 1, pcn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(remit, 2, payer_id);
		sqlite3_bind_text(remit, 3, pk, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 4, full ? "4" : "1", -1, SQLITE_STATIC);
		sqlite3_bind_int64(remit, 5, total);
		sqlite3_bind_int64(remit, 6, paid);
		sqlite3_bind_text(remit, 7, icn, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 8, check, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 9, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 10, last, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 11, member, -1, SQLITE_TRANSIENT);
		date_minus(date, days + 20);
		sqlite3_bind_text(remit, 12, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(remit, 13, episodes ? "processed" : "pending", -1, SQLITE_STATIC);
		step_done(q, remit);
		n_adj = 0;
		if (!full) {
			sqlite3_bind_int64(adj, 1, i);
			sqlite3_bind_text(adj, 2, "CO", -1, SQLITE_STATIC);
			sqlite3_bind_text(adj, 3, "45", -1, SQLITE_STATIC);
			sqlite3_bind_int64(adj, 4, total - paid);
			sqlite3_bind_int(adj, 5, ++n_adj);
			step_done(q, adj);
		}
		if (denied) {
			sqlite3_bind_int64(adj, 1, i);
			sqlite3_bind_text(adj, 2, "CO", -1, SQLITE_STATIC);
			sqlite3_bind_text(adj, 3, reason, -1, SQLITE_STATIC);
			sqlite3_bind_int64(adj, 4, full ? total : 0);
			sqlite3_bind_int(adj, 5, ++n_adj);
			step_done(q, adj);
		}
		if (episodes) {
			sqlite3_bind_int64(ep, 1, i);
			sqlite3_bind_int64(ep, 2, i);
			sqlite3_bind_text(ep, 3, full ? "denied" : "linked", -1, SQLITE_STATIC);
			sqlite3_bind_int64(ep, 4, paid);
			sqlite3_bind_int(ep, 5, denied ? 1 : 0);
			sqlite3_bind_int(ep, 6, n_adj);
			step_done(q, ep);
		}
		if (i % 50000 == 0) {
			exec(q, "COMMIT");
			exec(q, "BEGIN");
		}
	}
	exec(q, "COMMIT");
	sqlite3_finalize(payer);
	sqlite3_finalize(claim);
	sqlite3_finalize(line);
	sqlite3_finalize(dx);
	sqlite3_finalize(remit);
	sqlite3_finalize(adj);
	sqlite3_finalize(ep);
	exec(q, "ANALYZE");
}

/* ---------------------------------------------------------------- link */

/* Per remittance: rule A's lookup, the episode insert and the status update. */
static double
link_baseline(const char *path, int64_t n)
{
	claims_db *db = NULL;
	sqlite3_stmt *r, *c, *e, *u;
	double t;

	if (claims_db_open(&db, path, NULL) < 0)
		die("open baseline", db);
	r = prep(db->sql, "SELECT pcn_key, payer_id FROM remittances WHERE id = ?1");
	c = prep(db->sql, "SELECT id, payer_id, total_charge_cents, service_date, "
			  "service_date_to, billing_provider_npi FROM claims WHERE pcn_key = ?1");
	e = prep(db->sql, "INSERT INTO claim_episodes (claim_id, remittance_id, status, "
			  "link_method) VALUES (?1, ?2, 'linked', 'control_number')");
	u = prep(db->sql, "UPDATE remittances SET status = 'processed' WHERE id = ?1");
	t = now();
	for (int64_t i = 1; i <= n; i++) {
		int64_t claim = 0;

		exec(db->sql, "BEGIN IMMEDIATE");
		sqlite3_bind_int64(r, 1, i);
		if (sqlite3_step(r) == SQLITE_ROW) {
			sqlite3_bind_text(c, 1, (const char *)sqlite3_column_text(r, 0), -1,
					  SQLITE_TRANSIENT);
			while (sqlite3_step(c) == SQLITE_ROW)
				if (sqlite3_column_int64(c, 1) == sqlite3_column_int64(r, 1))
					claim = sqlite3_column_int64(c, 0);
			sqlite3_reset(c);
		}
		sqlite3_reset(r);
		sqlite3_bind_int64(e, 1, claim);
		sqlite3_bind_int64(e, 2, i);
		step_done(db->sql, e);
		sqlite3_bind_int64(u, 1, i);
		step_done(db->sql, u);
		exec(db->sql, "COMMIT");
	}
	t = now() - t;
	sqlite3_finalize(r);
	sqlite3_finalize(c);
	sqlite3_finalize(e);
	sqlite3_finalize(u);
	claims_db_close(db);
	return t;
}

static void
bench_link(const char *dir, int64_t n)
{
	char path[4096], copy[4096], q[4200];
	claims_link_summary s;
	claims_db *db;
	double t, tb;

	snprintf(path, sizeof(path), "%s-link.db", dir);
	snprintf(copy, sizeof(copy), "%s-link-bare.db", dir);
	db = open_fresh(copy);
	claims_db_close(db);
	unlink(copy);
	db = open_fresh(path);
	t = now();
	populate(db, n, false);
	printf("link: inserted %" PRId64 " claims and %" PRId64 " remittances in %.1f s\n", n, n,
	       now() - t);
	snprintf(q, sizeof(q), "VACUUM INTO '%s'", copy);
	exec(db->sql, q);
	t = now();
	if (claims_link_all(&s, db, NULL) < 0)
		die("link_all", db);
	t = now() - t;
	if (s.linked != n)
		fprintf(stderr, "bench_engine: only %" PRId64 " of %" PRId64 " linked\n", s.linked, n);
	claims_db_close(db);
	tb = link_baseline(copy, n);
	unlink(copy);
	printf("link: claims_link_all  %.2f s  %.0f remittances/s  (%.1f us each)\n", t,
	       (double)n / t, t * 1e6 / (double)n);
	printf("link: bare SQLite      %.2f s  %.0f remittances/s  (lookup + insert + update, "
	       "one transaction each)\n", tb, (double)n / tb);
	printf("link: ratio            %.2fx\n", t / tb);
}

/* ---------------------------------------------------------------- risk */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
risk_baseline(claims_db *db, int64_t n)
{
	sqlite3_stmt *c = prep(db->sql, "SELECT * FROM claims WHERE id = ?1");
	sqlite3_stmt *l = prep(db->sql, "SELECT * FROM claim_lines WHERE claim_id = ?1");
	sqlite3_stmt *d = prep(db->sql, "SELECT * FROM claim_diagnoses WHERE claim_id = ?1");
	sqlite3_stmt *ins = prep(
		db->sql, "INSERT INTO risk_scores (claim_id, claim_version, overall_score, "
			 "risk_level, coding_risk, documentation_risk, payer_risk, historical_risk, "
			 "pattern_risk, risk_factors, recommendations, weights, model_version, "
			 "calculated_at) VALUES (?1, 1, 3, 'low', 0, 0, 0, 20, 0, '[]', '[]', '{}', "
			 "'bare', '2026-01-01T00:00:00Z')");
	volatile int64_t sink = 0;
	double t = now();

	for (int64_t i = 1; i <= n; i++) {
		exec(db->sql, "BEGIN IMMEDIATE");
		sqlite3_bind_int64(c, 1, i);
		sqlite3_bind_int64(l, 1, i);
		sqlite3_bind_int64(d, 1, i);
		while (sqlite3_step(c) == SQLITE_ROW)
			sink += sqlite3_column_bytes(c, 3);
		while (sqlite3_step(l) == SQLITE_ROW)
			sink += sqlite3_column_int64(l, 6);
		while (sqlite3_step(d) == SQLITE_ROW)
			sink += sqlite3_column_bytes(d, 5);
		sqlite3_reset(c);
		sqlite3_reset(l);
		sqlite3_reset(d);
		sqlite3_bind_int64(ins, 1, i);
		step_done(db->sql, ins);
		exec(db->sql, "COMMIT");
	}
	t = now() - t;
	sqlite3_finalize(c);
	sqlite3_finalize(l);
	sqlite3_finalize(d);
	sqlite3_finalize(ins);
	return t;
}

static void
bench_risk(const char *dir, int64_t n)
{
	char path[4096];
	claims_db *db = NULL;
	double *us = malloc((size_t)n * sizeof(*us)), total = 0, tb;
	int64_t levels[4] = { 0 };

	if (!us)
		exit(1);
	snprintf(path, sizeof(path), "%s-link.db", dir);
	if (claims_db_open(&db, path, NULL) < 0)
		die("open", db);
	for (int64_t i = 1; i <= n; i++) {
		claims_risk_score *s = NULL;
		double t = now();

		if (claims_risk_calculate(&s, db, i, NULL) < 0)
			die("risk", db);
		us[i - 1] = (now() - t) * 1e6;
		total += us[i - 1];
		levels[s->overall_score >= 75 ? 3 : s->overall_score >= 50 ? 2
						: s->overall_score >= 25 ? 1 : 0]++;
		claims_risk_score_free(s);
	}
	qsort(us, (size_t)n, sizeof(*us), cmp_double);
	tb = risk_baseline(db, n);
	claims_db_close(db);
	printf("risk: %" PRId64 " claims scored and stored (low %" PRId64 ", medium %" PRId64
	       ", high %" PRId64 ", critical %" PRId64 ")\n", n, levels[0], levels[1], levels[2],
	       levels[3]);
	printf("risk: claims_risk_calculate  mean %.1f us  p50 %.1f us  p99 %.1f us  max %.1f us\n",
	       total / (double)n, us[n / 2], us[(n * 99) / 100], us[n - 1]);
	printf("risk: bare SQLite            mean %.1f us  (read claim, lines, diagnoses; insert "
	       "a score; one transaction each)\n", tb * 1e6 / (double)n);
	printf("risk: ratio                  %.2fx\n", total / (tb * 1e6));
	free(us);
}

/* ---------------------------------------------------------------- patterns */

static void
bench_patterns(const char *dir, int64_t n)
{
	char path[4096], from[11];
	claims_pattern_detect_summary *s = NULL;
	claims_db *db;
	sqlite3_stmt *g;
	double t, tb;
	int64_t groups = 0;

	snprintf(path, sizeof(path), "%s-patterns.db", dir);
	db = open_fresh(path);
	t = now();
	populate(db, n, true);
	printf("patterns: inserted %" PRId64 " episodes (claims, lines, remittances, "
	       "adjustments) in %.1f s\n", n, now() - t);
	t = now();
	if (claims_patterns_detect_all(&s, db, 365, NULL) < 0)
		die("detect_all", db);
	t = now() - t;
	date_minus(from, 365);
	g = prep(db->sql,
		 "SELECT r.payer_id, a.group_code || a.reason_code, count(DISTINCT e.id) "
		 "FROM remittances r JOIN claim_episodes e ON e.remittance_id = r.id "
		 "JOIN adjustments a ON a.remittance_id = r.id "
		 "JOIN carc_codes k ON k.code = a.reason_code "
		 "WHERE r.payment_date >= ?1 AND e.status NOT IN ('pending', 'reversed') "
		 "AND a.group_code IN ('CO', 'OA', 'PI') AND k.is_denial = 1 GROUP BY 1, 2");
	sqlite3_bind_text(g, 1, from, -1, SQLITE_STATIC);
	tb = now();
	while (sqlite3_step(g) == SQLITE_ROW)
		groups++;
	tb = now() - tb;
	sqlite3_finalize(g);
	printf("patterns: claims_patterns_detect_all  %.2f s  %.0f episodes/s  (%zu payers, %" PRId64
	       " patterns)\n", t, (double)n / t, s->n_payers, s->total_patterns);
	printf("patterns: bare SQLite GROUP BY        %.2f s  (%" PRId64 " payer/code counts, no "
	       "conditions)\n", tb, groups);
	printf("patterns: ratio                       %.2fx\n", t / tb);
	claims_pattern_detect_summary_free(s);
	claims_db_close(db);
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp/claims-bench-engine";
	int64_t n = argc > 2 ? strtoll(argv[2], NULL, 10) : 100000;
	int64_t m = argc > 3 ? strtoll(argv[3], NULL, 10) : 1000000;
	const char *only = getenv("BENCH_ONLY");

	if (n < 1 || m < 1) {
		fprintf(stderr, "usage: bench_engine [DIR_PREFIX] [N_LINK] [N_PATTERN_EPISODES]\n");
		return 2;
	}
	if (!only || strcmp(only, "link") == 0 || strcmp(only, "risk") == 0)
		bench_link(dir, n);
	if (!only || strcmp(only, "risk") == 0)
		bench_risk(dir, n);
	if (!only || strcmp(only, "patterns") == 0)
		bench_patterns(dir, m);
	return 0;
}
