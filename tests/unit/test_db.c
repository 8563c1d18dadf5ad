/* The database handle: open options, pragmas, errors, statement cache. */
#include "testutil.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_strerror_never_null(void **state)
{
	(void)state;
	for (int code = 5; code >= -20; code--) {
		assert_non_null(claims_strerror(code));
		assert_non_null(claims_error_to_str(code));
	}
	assert_string_equal(claims_strerror(CLAIMS_ENOTFOUND), "not found");
	assert_string_equal(claims_error_to_str(CLAIMS_ESCHEMA), "CLAIMS_ESCHEMA");
	assert_string_equal(claims_strerror(-999), "unknown error");
	assert_string_equal(claims_error_to_str(-999), "CLAIMS_UNKNOWN");
}

static void
test_version(void **state)
{
	(void)state;
	assert_string_equal(claims_version(), CLAIMS_VERSION);
}

static void
test_open_memory_migrates_to_head(void **state)
{
	claims_db *db = NULL;
	int version = -1;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	assert_non_null(db);
	assert_int_equal(claims_db_schema_version(&version, db), CLAIMS_OK);
	assert_int_equal(version, claims_migration_count());
	assert_string_equal(claims_db_path(db), ":memory:");
	assert_string_equal(claims_db_errmsg(db), "not an error");
	assert_int_equal(tu_query_int(db, "PRAGMA foreign_keys"), 1);
	claims_db_close(db);
}

static void
test_open_bad_arguments(void **state)
{
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	claims_db *db = (claims_db *)&opts; /* must be reset to NULL */
	char errbuf[CLAIMS_ERRBUF_SIZE] = "";

	(void)state;
	assert_int_equal(claims_db_open(NULL, ":memory:", NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_db_open(&db, NULL, NULL), CLAIMS_EINVAL);
	assert_null(db);

	opts.version = 99;
	opts.errbuf = errbuf;
	db = (claims_db *)&opts;
	assert_int_equal(claims_db_open(&db, ":memory:", &opts), CLAIMS_EINVAL);
	assert_null(db);
	assert_true(strlen(errbuf) > 0);

	opts.version = CLAIMS_DB_OPTIONS_VERSION;
	opts.busy_timeout_ms = -1;
	assert_int_equal(claims_db_open(&db, ":memory:", &opts), CLAIMS_EINVAL);

	/* NULL-safe accessors and close. */
	claims_db_close(NULL);
	assert_string_equal(claims_db_errmsg(NULL), "invalid handle");
	assert_int_equal(claims_db_sqlite_errcode(NULL), 0);
	assert_null(claims_db_path(NULL));
	{
		int v = 5;
		assert_int_equal(claims_db_schema_version(&v, NULL), CLAIMS_EINVAL);
		assert_int_equal(v, 0);
		assert_int_equal(claims_db_schema_version(NULL, NULL), CLAIMS_EINVAL);
	}
}

static void
test_new_file_private_wal(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "new.db");
	claims_db *db = NULL;
	struct stat st;
	sqlite3_stmt *stmt;

	(void)state;
	assert_int_equal(claims_db_open(&db, path, NULL), CLAIMS_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(sqlite3_prepare_v2(db->sql, "PRAGMA journal_mode", -1, &stmt, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	assert_int_equal(tu_query_int(db, "PRAGMA synchronous"), 1); /* NORMAL */
	assert_int_equal(tu_query_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(tu_query_int(db, "PRAGMA foreign_keys"), 1);
	claims_db_close(db);

	/* An existing file keeps its mode. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(claims_db_open(&db, path, NULL), CLAIMS_OK);
	claims_db_close(db);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);

	free(path);
	tu_tmpdir_free(dir);
}

static void
test_open_missing_without_create(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "absent.db");
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE] = "";
	claims_db *db = NULL;

	(void)state;
	opts.create = false;
	opts.errbuf = errbuf;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_EIO);
	assert_null(db);
	assert_non_null(strstr(errbuf, "absent.db"));
	assert_int_equal(access(path, F_OK), -1);

	/* A directory is not a database. */
	errbuf[0] = '\0';
	opts.create = true;
	assert_int_equal(claims_db_open(&db, dir, &opts), CLAIMS_EIO);
	assert_null(db);
	assert_non_null(strstr(errbuf, "Is a directory"));

	free(path);
	tu_tmpdir_free(dir);
}

static void
test_not_a_database(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "junk.db");
	char errbuf[CLAIMS_ERRBUF_SIZE] = "";
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	claims_db *db = NULL;
	FILE *f = fopen(path, "wb");

	(void)state;
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an sqlite database file ", f);
	fclose(f);
	opts.errbuf = errbuf;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_EDB);
	assert_null(db);
	assert_non_null(strstr(errbuf, "not a database"));
	free(path);
	tu_tmpdir_free(dir);
}

static void
test_stmt_cache_reuses_and_resets(void **state)
{
	static const char q1[] = "SELECT ?1 + 1";
	static const char q2[] = "SELECT count(*) FROM carc_codes";
	sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
	claims_db *db = NULL;

	(void)state;
	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	assert_int_equal(claims__stmt(&a, db, q1), CLAIMS_OK);
	sqlite3_bind_int(a, 1, 41);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/* Handed out again mid-step: reset, bindings cleared. */
	assert_int_equal(claims__stmt(&b, db, q1), CLAIMS_OK);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
	claims__stmt_done(b);

	assert_int_equal(claims__stmt(&c, db, q2), CLAIMS_OK);
	assert_ptr_not_equal(c, a);
	assert_int_equal(sqlite3_step(c), SQLITE_ROW);
	assert_true(sqlite3_column_int(c, 0) > 0);
	claims__stmt_done(c);

	/* Many distinct statements force the table to grow. */
	{
		static char texts[200][32];
		for (int i = 0; i < 200; i++) {
			sqlite3_stmt *s = NULL;
			snprintf(texts[i], sizeof(texts[i]), "SELECT %d", i);
			assert_int_equal(claims__stmt(&s, db, texts[i]), CLAIMS_OK);
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(s, 0), i);
			claims__stmt_done(s);
		}
		for (int i = 0; i < 200; i++) {
			sqlite3_stmt *s = NULL;
			assert_int_equal(claims__stmt(&s, db, texts[i]), CLAIMS_OK);
			assert_int_equal(sqlite3_step(s), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(s, 0), i);
			claims__stmt_done(s);
		}
	}

	/* A bad statement is an error on the handle, not a crash. */
	{
		static const char bad[] = "SELECT FROM nowhere";
		sqlite3_stmt *s = (sqlite3_stmt *)db;
		assert_int_equal(claims__stmt(&s, db, bad), CLAIMS_EDB);
		assert_null(s);
		assert_non_null(strstr(claims_db_errmsg(db), "syntax error"));
		assert_int_equal(claims_db_sqlite_errcode(db), SQLITE_ERROR);
	}
	claims_db_close(db);
}

static void
test_constraint_errors_map(void **state)
{
	(void)state;
	assert_int_equal(claims__map_sqlite(SQLITE_CONSTRAINT_UNIQUE), CLAIMS_ECONSTRAINT);
	assert_int_equal(claims__map_sqlite(SQLITE_CONSTRAINT_FOREIGNKEY), CLAIMS_ECONSTRAINT);
	assert_int_equal(claims__map_sqlite(SQLITE_BUSY_SNAPSHOT), CLAIMS_EBUSY);
	assert_int_equal(claims__map_sqlite(SQLITE_LOCKED), CLAIMS_EBUSY);
	assert_int_equal(claims__map_sqlite(SQLITE_NOMEM), CLAIMS_ENOMEM);
	assert_int_equal(claims__map_sqlite(SQLITE_IOERR_WRITE), CLAIMS_EIO);
	assert_int_equal(claims__map_sqlite(SQLITE_CORRUPT), CLAIMS_EDB);
	assert_int_equal(claims__map_sqlite(SQLITE_DONE), CLAIMS_OK);
}

static void
test_busy_maps_to_ebusy(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "busy.db");
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	claims_db *a = NULL, *b = NULL;
	int rc;

	(void)state;
	assert_int_equal(claims_db_open(&a, path, NULL), CLAIMS_OK);
	opts.busy_timeout_ms = 0;
	assert_int_equal(claims_db_open(&b, path, &opts), CLAIMS_OK);
	tu_exec(a, "BEGIN IMMEDIATE");
	rc = claims__exec(b, "BEGIN IMMEDIATE");
	assert_int_equal(rc, CLAIMS_EBUSY);
	assert_int_equal(claims_db_sqlite_errcode(b) & 0xff, SQLITE_BUSY);
	tu_exec(a, "ROLLBACK");
	claims_db_close(a);
	claims_db_close(b);
	free(path);
	tu_tmpdir_free(dir);
}

static void
count_applied(claims_log_level level, const char *msg, void *payload)
{
	if (level == CLAIMS_LOG_INFO && strncmp(msg, "applied migration ", 18) == 0)
		(*(int *)payload)++;
}

static void
test_log_callback(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "log.db");
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	claims_db *db = NULL;
	int lines = 0;

	(void)state;
	opts.log_cb = count_applied;
	opts.log_payload = &lines;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_OK);
	assert_int_equal(lines, claims_migration_count());
	claims_db_close(db);

	/* Nothing pending on the second open: nothing logged. */
	lines = 0;
	assert_int_equal(claims_db_open(&db, path, &opts), CLAIMS_OK);
	assert_int_equal(lines, 0);
	claims_db_close(db);
	free(path);
	tu_tmpdir_free(dir);
}

/* Run this program as another process that opens @p path with SQLite,
 * reads, and closes: the last connection to close checkpoints and removes
 * the -wal file, unless another process still holds its lock. */
static void
other_process_reads(const char *path)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;
	int status = -1;

	assert_true(n > 0);
	self[n] = '\0';
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(self, self, "--read-and-close", path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static int
read_and_close(const char *path)
{
	sqlite3 *s = NULL;
	int rc = sqlite3_open_v2(path, &s, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	sqlite3_close(s);
	return rc == SQLITE_OK ? 0 : 1;
}

/* Opening a second handle on a file this process already has open must not
 * drop the first one's locks (POSIX locks go with any close of the file):
 * another process would then take the database for itself, checkpoint and
 * remove the WAL under the first handle. */
static void
test_second_open_keeps_the_first_ones_locks(void **state)
{
	char *dir = tu_tmpdir();
	char *path = tu_path(dir, "locks.db");
	char wal[4200];
	claims_db *a = NULL, *b = NULL;

	(void)state;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(claims_db_open(&a, path, NULL), CLAIMS_OK);
	tu_exec(a, "CREATE TABLE lockcheck(x); INSERT INTO lockcheck VALUES (1)");
	assert_int_equal(access(wal, F_OK), 0);

	/* Without a second open, the other process cannot remove the WAL... */
	other_process_reads(path);
	assert_int_equal(access(wal, F_OK), 0);
	/* ...nor after one. */
	assert_int_equal(claims_db_open(&b, path, NULL), CLAIMS_OK);
	other_process_reads(path);
	assert_int_equal(access(wal, F_OK), 0);
	assert_int_equal(tu_query_int(a, "SELECT count(*) FROM lockcheck"), 1);

	claims_db_close(b);
	claims_db_close(a);
	free(path);
	tu_tmpdir_free(dir);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--read-and-close") == 0)
		return read_and_close(argv[2]);

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_never_null),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_open_memory_migrates_to_head),
		cmocka_unit_test(test_open_bad_arguments),
		cmocka_unit_test(test_new_file_private_wal),
		cmocka_unit_test(test_open_missing_without_create),
		cmocka_unit_test(test_not_a_database),
		cmocka_unit_test(test_stmt_cache_reuses_and_resets),
		cmocka_unit_test(test_constraint_errors_map),
		cmocka_unit_test(test_busy_maps_to_ebusy),
		cmocka_unit_test(test_log_callback),
		cmocka_unit_test(test_second_open_keeps_the_first_ones_locks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
