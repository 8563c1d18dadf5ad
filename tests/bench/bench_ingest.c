/*
 * Benchmark: 837 ingest end to end (reader, mapping, balancing, claims,
 * lines, diagnoses, history and parser logs stored in a SQLite file), next
 * to a bare prepared-statement insert loop writing the same number of
 * claim, line, diagnosis and history rows in the same transaction pattern,
 * in the same run.  Prints claims/s for both, their ratio, and the peak RSS
 * of the process after the ingest (the baseline runs afterwards).
 *
 *   python3 tests/bench/gen_x12.py /tmp/b100.x12 100
 *   build-rel/tests/bench/bench_ingest /tmp/b100.x12 [/tmp/bench.db]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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
fresh(const char *path)
{
	char p[4096];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static void
die(const char *what, claims_db *db)
{
	fprintf(stderr, "bench_ingest: %s: %s\n", what, db ? claims_db_errmsg(db) : "");
	exit(1);
}

/* The same row counts as the ingest wrote, with the same transaction size
 * (claims per set), through plain prepared statements. */
static double
baseline(const char *path, int64_t claims, int64_t lines, int64_t diagnoses, int64_t per_set)
{
	claims_db *db = NULL;
	sqlite3_stmt *c, *l, *d, *h;
	double t0;
	int64_t line_left = lines, dx_left = diagnoses;

	fresh(path);
	if (claims_db_open(&db, path, NULL) < 0)
		die("open baseline", db);
	sqlite3_prepare_v2(db->sql,
			   "INSERT INTO claims (transaction_type, provider_key, payer_key, "
			   "claim_control_number, patient_control_number, pcn_key, total_charge_cents, "
			   "content_sha256) VALUES ('837P', '1234567893', '87726', ?1, ?1, ?1, 10000, "
			   "'0000000000000000000000000000000000000000000000000000000000000000')",
			   -1, &c, NULL);
	sqlite3_prepare_v2(db->sql,
			   "INSERT INTO claim_lines (claim_id, line_number, procedure_code, "
			   "charge_cents) VALUES (?1, ?2, '99213', 2500)",
			   -1, &l, NULL);
	sqlite3_prepare_v2(db->sql,
			   "INSERT INTO claim_diagnoses (claim_id, sequence, qualifier, code, "
			   "code_system, role) VALUES (?1, ?2, 'ABK', 'E119', 'ICD10CM', 'principal')",
			   -1, &d, NULL);
	sqlite3_prepare_v2(db->sql,
			   "INSERT INTO claim_history (claim_id, version, action, content_sha256, "
			   "snapshot) VALUES (?1, 1, 'created', 'x', '{}')",
			   -1, &h, NULL);
	t0 = now();
	for (int64_t i = 0; i < claims; i++) {
		char pcn[32];
		int64_t id;
		int64_t nl = (line_left + (claims - i) - 1) / (claims - i);
		int64_t nd = (dx_left + (claims - i) - 1) / (claims - i);

		if (i % per_set == 0)
			sqlite3_exec(db->sql, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		snprintf(pcn, sizeof(pcn), "PCN%" PRId64, i);
		sqlite3_bind_text(c, 1, pcn, -1, SQLITE_TRANSIENT);
		sqlite3_step(c);
		sqlite3_reset(c);
		id = sqlite3_last_insert_rowid(db->sql);
		for (int64_t k = 1; k <= nl; k++) {
			sqlite3_bind_int64(l, 1, id);
			sqlite3_bind_int64(l, 2, k);
			sqlite3_step(l);
			sqlite3_reset(l);
		}
		for (int64_t k = 1; k <= nd; k++) {
			sqlite3_bind_int64(d, 1, id);
			sqlite3_bind_int64(d, 2, k);
			sqlite3_step(d);
			sqlite3_reset(d);
		}
		sqlite3_bind_int64(h, 1, id);
		sqlite3_step(h);
		sqlite3_reset(h);
		line_left -= nl;
		dx_left -= nd;
		if (i % per_set == per_set - 1 || i == claims - 1)
			sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	}
	t0 = now() - t0;
	sqlite3_finalize(c);
	sqlite3_finalize(l);
	sqlite3_finalize(d);
	sqlite3_finalize(h);
	claims_db_close(db);
	return t0;
}

int
main(int argc, char **argv)
{
	const char *file, *dbpath;
	claims_ingest_options opts = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	claims_db *db = NULL;
	struct rusage ru;
	double t, tb, mb;
	int64_t per_set;
	FILE *f;
	long size;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_ingest FILE.x12 [DB]\n");
		return 2;
	}
	file = argv[1];
	dbpath = argc > 2 ? argv[2] : "/tmp/claims-bench-ingest.db";
	f = fopen(file, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		perror(file);
		return 1;
	}
	fclose(f);
	mb = (double)size / 1048576.0;

	fresh(dbpath);
	if (claims_db_open(&db, dbpath, NULL) < 0)
		die("open", db);
	if (getenv("BENCH_CACHE_KIB")) {
		char q[64];
		snprintf(q, sizeof(q), "PRAGMA cache_size = -%s", getenv("BENCH_CACHE_KIB"));
		sqlite3_exec(db->sql, q, NULL, NULL, NULL);
	}
	opts.max_file_bytes = (int64_t)size + 1;
	t = now();
	if (claims_ingest_file(&r, db, file, &opts) < 0)
		die("ingest", db);
	t = now() - t;
	getrusage(RUSAGE_SELF, &ru);
	if (r->status != CLAIMS_INGEST_INGESTED) {
		fprintf(stderr, "bench_ingest: file %s: %s\n", claims_ingest_status_to_str(r->status),
			r->error_message ? r->error_message : "");
		return 1;
	}
	printf("file            %.1f MiB, %" PRId64 " claims, %" PRId64 " lines, %" PRId64
	       " diagnoses, %" PRId64 " sets\n",
	       mb, r->counts.claims_parsed, r->counts.claim_lines, r->counts.diagnoses,
	       r->counts.transactions);
	printf("ingest          %.2f s  %.0f claims/s  %.1f MiB/s\n", t,
	       (double)r->counts.claims_parsed / t, mb / t);
	printf("peak RSS        %.1f MiB (after ingest)\n", (double)ru.ru_maxrss / 1024.0);
	claims_db_close(db);

	per_set = r->counts.transactions ? r->counts.claims_parsed / r->counts.transactions : 1000;
	if (per_set < 1)
		per_set = 1;
	tb = baseline(dbpath, r->counts.claims_parsed, r->counts.claim_lines, r->counts.diagnoses,
		      per_set);
	printf("bare inserts    %.2f s  %.0f claims/s (same rows, %" PRId64 " claims per transaction)\n",
	       tb, (double)r->counts.claims_parsed / tb, per_set);
	printf("ratio           ingest takes %.2fx the time of the bare inserts\n", t / tb);
	claims_ingest_result_free(r);
	fresh(dbpath);
	return 0;
}
