/*
 * Migrations: every prefix, upgrades with data kept, refusal of newer
 * databases, rollback of a failing migration, concurrent migrators, and the
 * schema at head against the checked-in dump (tests/data/schema.expected;
 * regenerate with CLAIMS_UPDATE_GOLDEN=1 after adding a migration).
 */
#include "testutil.h"

static claims_db *
open_none(const char *path)
{
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	claims_db *db = NULL;

	opts.migrate = CLAIMS_MIGRATE_NONE;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_OK);
	return db;
}

static int
version_of(claims_db *db)
{
	int v = -1;

	assert_int_equal(claims_db_schema_version(&v, db), CLAIMS_OK);
	return v;
}

static void
test_names(void **state)
{
	static const char *expected[] = {
		"0001_initial",
		"0002_performance_indexes",
		"0003_date_indexes",
		"0004_composite_indexes",
		"0005_denial_patterns_reason_index",
		"0006_audit_log_indexes",
		"0007_linking_indexes",
		"0008_ingest_file_chunks",
		"0009_parser_log_filter_indexes",
	};
	(void)state;
	assert_int_equal(claims_migration_count(), 9);
	for (int i = 0; i < 9; i++)
		assert_string_equal(claims_migration_name(i + 1), expected[i]);
	assert_null(claims_migration_name(0));
	assert_null(claims_migration_name(10));
	assert_null(claims_migration_name(-1));
}

static void
count_cb(int version, const char *name, void *payload)
{
	int *seen = payload;

	assert_int_equal(version, *seen + 1);
	assert_string_equal(name, claims_migration_name(version));
	*seen = version;
}

/* Apply every prefix to an empty database, then the rest from there. */
static void
test_every_prefix_then_head(void **state)
{
	const int head = claims_migration_count();

	(void)state;
	for (int k = 1; k <= head; k++) {
		claims_db *db = open_none(":memory:");
		int seen = 0;

		assert_int_equal(version_of(db), 0);
		assert_int_equal(claims_db_migrate(db, k, count_cb, &seen), CLAIMS_OK);
		assert_int_equal(seen, k);
		assert_int_equal(version_of(db), k);
		assert_int_equal(tu_query_int(db, "SELECT count(*) FROM schema_migrations"), k);
		assert_int_equal(claims_db_migrate(db, 0, count_cb, &seen), CLAIMS_OK);
		assert_int_equal(seen, head);
		assert_int_equal(version_of(db), head);
		assert_int_equal(tu_query_int(db, "SELECT count(*) FROM schema_migrations"), head);
		assert_int_equal(tu_query_int(db, "SELECT max(version) FROM schema_migrations"), head);
		/* Migrating at head is a no-op. */
		assert_int_equal(claims_db_migrate(db, 0, count_cb, &seen), CLAIMS_OK);
		assert_int_equal(seen, head);
		claims_db_close(db);
	}
}

/* A database seeded at each earlier version keeps its rows on upgrade. */
static void
test_upgrade_keeps_data(void **state)
{
	const int head = claims_migration_count();
	char *dir = tu_tmpdir();

	(void)state;
	for (int k = 1; k < head; k++) {
		char name[32];
		char *path;
		claims_db *db;

		snprintf(name, sizeof(name), "v%d.db", k);
		path = tu_path(dir, name);
		db = open_none(path);
		assert_int_equal(claims_db_migrate(db, k, NULL, NULL), CLAIMS_OK);
		tu_exec(db, "INSERT INTO payers (payer_id, name) VALUES ('87726', 'UNITED HEALTHCARE');"
			    "INSERT INTO providers (npi, name, entity_type) VALUES ('1234567893', 'CLINIC', 2);"
			    "INSERT INTO claims (transaction_type, provider_key, payer_key, "
			    "  claim_control_number, patient_control_number, pcn_key, payer_id, provider_id, "
			    "  total_charge_cents, content_sha256, service_date) "
			    "VALUES ('837P', '1234567893', '87726', 'PCN-1', 'PCN-1', 'PCN1', 1, 1, 15000, "
			    "  '0000000000000000000000000000000000000000000000000000000000000000', '2024-01-02');"
			    "INSERT INTO claim_lines (claim_id, line_number, procedure_code, charge_cents) "
			    "VALUES (1, 1, '99213', 15000);");
		claims_db_close(db);

		/* Reopen with the default options: pending migrations apply on open. */
		assert_int_equal(claims_db_open(&db, path, NULL), CLAIMS_OK);
		assert_int_equal(version_of(db), head);
		assert_int_equal(tu_query_int(db, "SELECT total_charge_cents FROM claims WHERE id = 1"),
				 15000);
		assert_int_equal(tu_query_int(db, "SELECT count(*) FROM claim_lines"), 1);
		assert_int_equal(tu_query_int(db, "SELECT count(*) FROM payers"), 1);
		assert_int_equal(tu_query_int(db, "SELECT count(*) FROM schema_migrations"), head);
		claims_db_close(db);
		free(path);
	}
	tu_tmpdir_free(dir);
}

static char *
chunk_sizes(claims_db *db, int file_id)
{
	char sql[160];

	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(group_concat(length(data), ','), '') FROM (SELECT data FROM "
		 "ingest_file_chunks WHERE ingest_file_id = %d ORDER BY seq)",
		 file_id);
	return tu_query_text(db, sql);
}

/* 0008 moves each file's bytes into 1 MiB chunks: empty, small and multi-chunk files. */
static void
test_file_bytes_split_into_chunks(void **state)
{
	static const char *const expected[] = { "", "10", "1048576", "1048576,1048576,524288" };
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "chunks.db");
	claims_db *db;

	(void)state;
	db = open_none(path);
	assert_int_equal(claims_db_migrate(db, 7, NULL, NULL), CLAIMS_OK);
	tu_exec(db, "INSERT INTO ingest_files (id, sha256, filename, size_bytes, mode, status, raw_data, "
		    "  received_at) "
		    "SELECT n, printf('%064d', n), 'f' || n, s, 'tolerant', 'ingested', "
		    "  CASE s WHEN 0 THEN x'' ELSE randomblob(s) END, '2024-01-02T03:04:05Z' "
		    "FROM (SELECT 1 AS n, 0 AS s UNION ALL SELECT 2, 10 UNION ALL "
		    "      SELECT 3, 1048576 UNION ALL SELECT 4, 2621440);"
		    "CREATE TEMP TABLE before AS SELECT id, raw_data FROM ingest_files;");
	assert_int_equal(claims_db_migrate(db, 8, NULL, NULL), CLAIMS_OK);
	for (int id = 1; id <= 4; id++) {
		char *sizes = chunk_sizes(db, id);

		assert_string_equal(sizes, expected[id - 1]);
		free(sizes);
	}
	/* Reassembled in seq order, every file equals its old bytes. */
	assert_int_equal(tu_query_int(db,
				      "SELECT count(*) FROM before b WHERE hex(b.raw_data) IS NOT "
				      "(SELECT coalesce(group_concat(hex(data), ''), '') FROM "
				      " (SELECT data FROM ingest_file_chunks c "
				      "  WHERE c.ingest_file_id = b.id ORDER BY seq))"),
			 0);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM pragma_table_info('ingest_files') "
				      "WHERE name = 'raw_data'"),
			 0);
	claims_db_close(db);
	free(path);
	tu_tmpdir_free(dir);
}

static void
test_newer_database_refused(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "newer.db");
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE] = "", expected[128], setup[96];
	claims_db *db = NULL;
	sqlite3 *raw;

	(void)state;

	snprintf(setup, sizeof(setup), "CREATE TABLE keep (x); PRAGMA user_version = %d",
		 claims_migration_count() + 1);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	assert_int_equal(sqlite3_exec(raw, setup, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);

	opts.errbuf = errbuf;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_ESCHEMA);
	assert_null(db);
	snprintf(expected, sizeof(expected), "database version %d is newer than this library (%d)",
		 claims_migration_count() + 1, claims_migration_count());
	assert_string_equal(errbuf, expected);

	/* Also refused without auto-migration, and nothing was changed. */
	opts.migrate = CLAIMS_MIGRATE_NONE;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_ESCHEMA);
	assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
	{
		sqlite3_stmt *stmt;
		assert_int_equal(sqlite3_prepare_v2(raw,
						    "SELECT count(*) FROM sqlite_schema", -1, &stmt, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(stmt, 0), 1);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(raw);
	free(path);
	tu_tmpdir_free(dir);
}

static void
test_no_down_migration(void **state)
{
	claims_db *db = open_none(":memory:");

	(void)state;
	assert_int_equal(claims_db_migrate(db, 5, NULL, NULL), CLAIMS_OK);
	assert_int_equal(claims_db_migrate(db, 2, NULL, NULL), CLAIMS_EINVAL);
	assert_non_null(strstr(claims_db_errmsg(db), "no down-migrations"));
	assert_int_equal(version_of(db), 5);
	assert_int_equal(claims_db_migrate(db, 99, NULL, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_db_migrate(db, -1, NULL, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_db_migrate(NULL, 0, NULL, NULL), CLAIMS_EINVAL);
	claims_db_close(db);
}

/* A migration that fails rolls back whole and names itself; the earlier ones stay. */
static void
test_failed_migration_rolls_back(void **state)
{
	claims_db *db = open_none(":memory:");
	const char *msg;

	(void)state;
	assert_int_equal(claims_db_migrate(db, 2, NULL, NULL), CLAIMS_OK);
	/* Occupy a name 0003 will create, after it created its first index. */
	tu_exec(db, "CREATE INDEX ix_claim_lines_service_date ON claim_lines(line_number)");
	assert_int_equal(claims_db_migrate(db, 0, NULL, NULL), CLAIMS_ESCHEMA);
	msg = claims_db_errmsg(db);
	assert_non_null(strstr(msg, "0003_date_indexes"));
	assert_non_null(strstr(msg, "already exists"));
	assert_int_equal(version_of(db), 2);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM schema_migrations"), 2);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM sqlite_schema "
					  "WHERE name IN ('ix_claims_service_date', "
					  "'ix_remittances_payment_date')"),
			 0);
	claims_db_close(db);
}

/* Two connections racing to migrate: the loser finds the work done. */
static void
test_concurrent_migrators(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "race.db");
	claims_db *a, *b = NULL;

	(void)state;
	a = open_none(path);
	assert_int_equal(version_of(a), 0);
	assert_int_equal(claims_db_open(&b, path, NULL), CLAIMS_OK); /* migrates */
	assert_int_equal(claims_db_migrate(a, 0, NULL, NULL), CLAIMS_OK);
	assert_int_equal(version_of(a), claims_migration_count());
	assert_int_equal(tu_query_int(a, "SELECT count(*) FROM schema_migrations"),
			 claims_migration_count());
	claims_db_close(a);
	claims_db_close(b);
	free(path);
	tu_tmpdir_free(dir);
}

static void
test_performance_indexes(void **state)
{
	static const char *names[] = {
		"ix_claims_payer_id", "ix_claims_provider_id", "ix_claims_practice_id",
		"ix_claims_created_at", "ix_claims_payer_status", "ix_remittances_payer_id",
		"ix_remittances_created_at", "ix_claim_episodes_claim_id",
		"ix_claim_episodes_remittance_id", "ix_claim_episodes_created_at",
		"ix_claim_lines_claim_id", "ix_risk_scores_claim_id", "ix_risk_scores_calculated_at",
		"ix_denial_patterns_payer_id",
	};
	claims_db *db = open_none(":memory:");
	sqlite3_stmt *stmt;

	(void)state;
	assert_int_equal(claims_db_migrate(db, 1, NULL, NULL), CLAIMS_OK);
	for (size_t i = 0; i < 14; i++) {
		char q[160];
		snprintf(q, sizeof(q), "SELECT count(*) FROM sqlite_schema WHERE name = '%s'", names[i]);
		assert_int_equal(tu_query_int(db, q), 0);
	}
	assert_int_equal(claims_db_migrate(db, 2, NULL, NULL), CLAIMS_OK);
	for (size_t i = 0; i < 14; i++) {
		char q[160];
		snprintf(q, sizeof(q),
			 "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = '%s'",
			 names[i]);
		if (tu_query_int(db, q) != 1)
			fail_msg("index %s missing after 0002", names[i]);
	}
	/* 0002 created exactly these 14. */
	assert_int_equal(sqlite3_prepare_v2(db->sql,
					    "SELECT count(*) FROM sqlite_schema WHERE type = 'index' "
					    "AND sql IS NOT NULL",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	{
		int after2 = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
		claims_db_close(db);
		db = open_none(":memory:");
		assert_int_equal(claims_db_migrate(db, 1, NULL, NULL), CLAIMS_OK);
		assert_int_equal(after2 - tu_query_int(db, "SELECT count(*) FROM sqlite_schema WHERE "
							  "type = 'index' AND sql IS NOT NULL"),
				 14);
	}
	claims_db_close(db);
}

static void
test_seeds(void **state)
{
	claims_db *db = NULL;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	assert_int_equal(tu_query_int(db, "SELECT value = '0' FROM meta WHERE key = 'write_epoch'"), 1);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM carc_codes WHERE code = '50' AND "
					  "category = 'medical_necessity' AND is_denial = 1"),
			 1);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM carc_codes WHERE code = '45' AND "
					  "category = 'contractual' AND is_denial = 0"),
			 1);
	assert_int_equal(tu_query_int(db, "SELECT count(*) FROM carc_codes WHERE is_denial = "
					  "(category IN ('contractual','patient_responsibility','other'))"),
			 0);
	claims_db_close(db);
}

/* Constraints of the schema hold: STRICT types, CHECKs, foreign keys. */
static void
test_constraints(void **state)
{
	claims_db *db = NULL;
	char *err = NULL;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	/* STRICT: text in an INTEGER column. */
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO audit_logs (method, path, status_code, duration) "
				      "VALUES ('GET', '/', 'abc', 0.1)",
				      NULL, NULL, &err),
			 SQLITE_CONSTRAINT);
	sqlite3_free(err);
	err = NULL;
	assert_int_equal(sqlite3_extended_errcode(db->sql), SQLITE_CONSTRAINT_DATATYPE);
	/* Timestamps must be UTC ISO-8601 with Z. */
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO payers (payer_id, name, created_at) VALUES "
				      "('X', 'Y', '2024-01-01 10:00:00')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	/* Foreign key. */
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO plans (payer_id, plan_name) VALUES (999, 'x')", NULL,
				      NULL, NULL),
			 SQLITE_CONSTRAINT);
	/* Enumerations. */
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO users (username, password_hash, role) VALUES "
				      "('a', 'h', 'root')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	/* Usernames are unique without regard to case. */
	tu_exec(db, "INSERT INTO users (username, password_hash) VALUES ('Alice', 'h')");
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO users (username, password_hash) VALUES ('alice', 'h')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	/* A provider needs an NPI or a tax id; tax ids without NPI are unique. */
	assert_int_equal(0xff & sqlite3_exec(db->sql, "INSERT INTO providers (name) VALUES ('n')", NULL,
				      NULL, NULL),
			 SQLITE_CONSTRAINT);
	tu_exec(db, "INSERT INTO providers (tax_id, name) VALUES ('123456789', 'n')");
	assert_int_equal(0xff & sqlite3_exec(db->sql,
				      "INSERT INTO providers (tax_id, name) VALUES ('123456789', 'm')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	tu_exec(db, "INSERT INTO providers (npi, tax_id, name) VALUES ('1234567893', '123456789', 'o')");
	claims_db_close(db);
}

static char *
normalize(const char *sql)
{
	size_t n = strlen(sql);
	char *out = malloc(n + 1), *o = out;
	int space = 0;

	assert_non_null(out);
	for (const char *p = sql; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = 1;
			continue;
		}
		if (space && o != out)
			*o++ = ' ';
		space = 0;
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

static char *
schema_dump(claims_db *db)
{
	sqlite3_stmt *stmt;
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	buf[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db->sql,
					    "SELECT type, name, tbl_name, sql FROM sqlite_schema "
					    "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
					    -1, &stmt, NULL),
			 SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const char *sql = (const char *)sqlite3_column_text(stmt, 3);
		char *norm = normalize(sql ? sql : "");
		size_t need = strlen(norm) + 256;

		if (len + need > cap) {
			cap = (len + need) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		len += (size_t)snprintf(buf + len, cap - len, "%s|%s|%s|%s\n",
					sqlite3_column_text(stmt, 0), sqlite3_column_text(stmt, 1),
					sqlite3_column_text(stmt, 2), norm);
		free(norm);
	}
	sqlite3_finalize(stmt);
	return buf;
}

static char *
read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;
	char *buf;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
test_schema_matches_expected_dump(void **state)
{
	claims_db *db = NULL;
	char path[1024];
	char *actual, *expected;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/schema.expected", tu_source_root());
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	actual = schema_dump(db);
	claims_db_close(db);

	if (getenv("CLAIMS_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		fputs(actual, f);
		fclose(f);
	}
	expected = read_file(path);
	if (!expected)
		fail_msg("cannot read %s (regenerate with CLAIMS_UPDATE_GOLDEN=1)", path);
	if (strcmp(actual, expected) != 0) {
		const char *a = actual, *e = expected;
		int line = 1;
		while (*a && *a == *e) {
			if (*a == '\n')
				line++;
			a++;
			e++;
		}
		fail_msg("schema differs from %s at line %d:\n  expected: %.200s\n  actual:   %.200s",
			 path, line, e, a);
	}
	free(actual);
	free(expected);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_every_prefix_then_head),
		cmocka_unit_test(test_upgrade_keeps_data),
		cmocka_unit_test(test_file_bytes_split_into_chunks),
		cmocka_unit_test(test_newer_database_refused),
		cmocka_unit_test(test_no_down_migration),
		cmocka_unit_test(test_failed_migration_rolls_back),
		cmocka_unit_test(test_concurrent_migrators),
		cmocka_unit_test(test_performance_indexes),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_schema_matches_expected_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
