/*
 * Background ingest jobs (claims/jobs.h) and the ingest additions the
 * upload path uses: sniffing the first set, the duplicate lookup, recording
 * a file refused, and WRONG_FILE_TYPE over an earlier ingest.
 */
#include "testutil.h"

#include <fcntl.h>

#include "claims/claims.h"

#define ISA "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\n"

static const char f837[] =
	ISA "GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\n"
	"BHT*0019*00*0123*20240110*1200*CH~\nNM1*41*2*CLINIC*****46*TGJ23~\n"
	"PER*IC*JERRY*TE*3055552222~\nNM1*40*2*PAYER*****46*66783JJT~\nHL*1**20*1~\n"
	"NM1*85*2*CLINIC*****XX*1234567893~\nN3*1 MAIN ST~\nN4*CITY*ST*12345~\nREF*EI*123456789~\n"
	"HL*2*1*22*0~\nSBR*P*18*******CI~\nNM1*IL*1*DOE*JANE****MI*MEMBER1~\nDMG*D8*19800101*F~\n"
	"NM1*PR*2*UNITED HEALTHCARE*****PI*87726~\nCLM*PCN1*100.00***11:B:1*Y*A*Y*Y~\n"
	"HI*ABK:E119~\nLX*1~\nSV1*HC:99213*100.00*UN*1***1~\nDTP*472*D8*20240105~\n"
	"SE*21*0001~\nGE*1*1~\nIEA*1*000000001~\n";

static const char f835[] =
	ISA "GS*HP*SENDER*RECEIVER*20240101*1200*1*X*005010X221A1~\nST*835*0001*005010X221A1~\n"
	"BPR*I*80.00*C*CHK************20240201~\nTRN*1*TRACE1*1512345678~\nREF*2U*87726~\n"
	"N1*PR*UNITED HEALTHCARE~\nN1*PE*CLINIC*XX*1234567893~\nLX*1~\n"
	"CLP*PCN1*1*100.00*80.00*20.00*12*ICN1*11*1~\nNM1*QC*1*DOE*JANE****MI*MEMBER1~\n"
	"CAS*PR*1*20.00~\nSE*11*0001~\nGE*1*1~\nIEA*1*000000001~\n";

struct fx {
	char *dir;
	claims_db *db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char *path;

	f->dir = tu_tmpdir();
	path = tu_path(f->dir, "t.db");
	assert_int_equal(claims_db_open(&f->db, path, NULL), CLAIMS_OK);
	free(path);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	claims_db_close(f->db);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

/* A file in the fixture's directory holding @p text, opened for reading. */
static int
file_fd(struct fx *f, const char *name, const char *text)
{
	char *path = tu_path(f->dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	free(path);
	return fd;
}

static void
test_sniff(void **state)
{
	claims_x12_type t;
	char buf[sizeof(f835) + 64];

	(void)state;
	assert_int_equal(claims_ingest_sniff(&t, f837, strlen(f837)), CLAIMS_OK);
	assert_int_equal(t, CLAIMS_X12_TYPE_837P);
	assert_int_equal(claims_ingest_sniff(&t, f835, strlen(f835)), CLAIMS_OK);
	assert_int_equal(t, CLAIMS_X12_TYPE_835);
	/* Cut inside the set: the type is known from its start. */
	assert_int_equal(claims_ingest_sniff(&t, f835, 200), CLAIMS_OK);
	assert_int_equal(t, CLAIMS_X12_TYPE_835);
	assert_int_equal(claims_ingest_sniff(&t, "hello", 5), CLAIMS_OK);
	assert_int_equal(t, CLAIMS_X12_TYPE_NONE);
	assert_int_equal(claims_ingest_sniff(&t, NULL, 0), CLAIMS_OK);
	assert_int_equal(t, CLAIMS_X12_TYPE_NONE);
	snprintf(buf, sizeof(buf), "%s", f835);
	assert_int_equal(claims_ingest_sniff(NULL, buf, 10), CLAIMS_EINVAL);
}

static void
test_lookup_and_refuse(void **state)
{
	struct fx *f = *state;
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL, *d = NULL;
	int fd = file_fd(f, "a.835", f835);
	char sha[65];

	/* Recorded refused without parsing; then ingested through the right family. */
	o.filename = "a.835";
	assert_int_equal(claims_ingest_refuse_fd(&r, f->db, fd, "WRONG_FILE_TYPE",
						 "Expected an 837 file, found 835", "835", &o),
			 CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_REFUSED);
	assert_string_equal(r->error_code, "WRONG_FILE_TYPE");
	assert_true(r->ingest_file_id > 0);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM ingest_files WHERE status = "
					     "'refused' AND detected_type = '835'"),
			 1);
	assert_int_equal(tu_query_int(f->db, "SELECT sum(length(data)) FROM ingest_file_chunks"),
			 (int64_t)strlen(f835));
	claims_ingest_result_free(r);
	r = NULL;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	o.expect = CLAIMS_INGEST_835;
	assert_int_equal(claims_ingest_fd(&r, f->db, fd, &o), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);

	{
		sqlite3_stmt *s;

		assert_int_equal(sqlite3_prepare_v2(f->db->sql, "SELECT sha256 FROM ingest_files",
						    -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		snprintf(sha, sizeof(sha), "%s", sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
	}
	assert_int_equal(claims_ingest_lookup(&d, f->db, sha), CLAIMS_OK);
	assert_int_equal(d->status, CLAIMS_INGEST_DUPLICATE);
	assert_int_equal(d->ingest_file_id, r->ingest_file_id);
	assert_memory_equal(&d->counts, &r->counts, sizeof(d->counts));
	claims_ingest_result_free(d);
	d = NULL;
	assert_int_equal(claims_ingest_lookup(&d, f->db, "00"), CLAIMS_EINVAL);
	assert_int_equal(claims_ingest_lookup(&d, f->db,
					      "0000000000000000000000000000000000000000000000000000000000000000"),
			 CLAIMS_ENOTFOUND);
	assert_null(d);
	claims_ingest_result_free(r);
	r = NULL;

	/* The same bytes as an 837: WRONG_FILE_TYPE, not a duplicate; the row stays ingested. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	o.expect = CLAIMS_INGEST_837;
	assert_int_equal(claims_ingest_fd(&r, f->db, fd, &o), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_REFUSED);
	assert_string_equal(r->error_code, "WRONG_FILE_TYPE");
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM ingest_files WHERE status = "
					     "'ingested'"),
			 1);
	claims_ingest_result_free(r);
	r = NULL;
	/* Refusing bytes already ingested writes nothing. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(claims_ingest_refuse_fd(&r, f->db, fd, "WRONG_FILE_TYPE", "x", "835", &o),
			 CLAIMS_OK);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM ingest_files WHERE status = "
					     "'ingested'"),
			 1);
	claims_ingest_result_free(r);
	close(fd);
}

static void
test_job_lifecycle(void **state)
{
	struct fx *f = *state;
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	claims_job *job = NULL;
	claims_job_list *l = NULL;
	claims_job_query q;
	claims_param p[] = { { "status", "queued" } };
	claims_validation v = { 0 };
	int fd = file_fd(f, "b.837", f837), copy;
	int64_t id = 0, file_id = 0, again = 0, n = 0, next = 0, active = 0;
	char *path;

	o.filename = "b.837";
	o.mode = CLAIMS_X12_STRICT;
	assert_int_equal(claims_job_create(&id, &file_id, f->db, fd, NULL, CLAIMS_INGEST_837, &o),
			 CLAIMS_OK);
	assert_true(id > 0 && file_id > 0);
	/* The same bytes again: the job exists already. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(claims_job_create(&again, NULL, f->db, fd, NULL, CLAIMS_INGEST_837, &o),
			 CLAIMS_EEXISTS);
	assert_int_equal(again, id);
	/* The same with the digest an upload computed: the file is not hashed
	 * again, and the stored row is found by it. */
	{
		sqlite3_stmt *s = NULL;
		char sha[65];

		assert_int_equal(sqlite3_prepare_v2(f->db->sql, "SELECT sha256 FROM ingest_files "
							       "WHERE id = ?1", -1, &s, NULL),
				 SQLITE_OK);
		sqlite3_bind_int64(s, 1, file_id);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		snprintf(sha, sizeof(sha), "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		again = 0;
		assert_int_equal(claims_job_create(&again, NULL, f->db, fd, sha, CLAIMS_INGEST_837,
						   &o),
				 CLAIMS_EEXISTS);
		assert_int_equal(again, id);
		assert_int_equal(claims_job_create(&again, NULL, f->db, fd, "ABC", CLAIMS_INGEST_837,
						   &o),
				 CLAIMS_EINVAL);
	}

	assert_int_equal(claims_job_get(&job, f->db, id), CLAIMS_OK);
	assert_string_equal(job->status, "queued");
	assert_string_equal(job->stage, "queued");
	assert_string_equal(job->file_type, "837");
	assert_string_equal(job->filename, "b.837");
	assert_string_equal(job->mode, "strict");
	assert_null(job->detected_type);
	assert_false(job->has_counts);
	assert_null(job->started_at);
	claims_job_free(job);
	job = NULL;

	assert_int_equal(claims_job_query_parse(&q, p, 1, &v), CLAIMS_OK);
	assert_int_equal(claims_job_list_get(&l, f->db, &q), CLAIMS_OK);
	assert_int_equal(l->total, 1);
	assert_int_equal(l->items[0].id, id);
	claims_job_list_free(l);
	p[0].value = "done";
	assert_int_equal(claims_job_query_parse(&q, p, 1, &v), CLAIMS_EINVAL);
	assert_string_equal(v.errors[0].type, "enum");

	/* A worker takes it; a restart makes it queued again, progress kept. */
	assert_int_equal(claims_job_next(&next, f->db), CLAIMS_OK);
	assert_int_equal(next, id);
	assert_int_equal(claims_job_next(&next, f->db), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_job_progress(f->db, id, "saving", 0.5), CLAIMS_OK);
	assert_int_equal(claims_job_progress(f->db, id, "saving", 0.25), CLAIMS_OK);
	assert_int_equal(claims_job_progress(f->db, id, "bogus", 0.25), CLAIMS_EINVAL);
	assert_int_equal(claims_job_progress(f->db, 999, "saving", 0.25), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_job_requeue(&n, f->db), CLAIMS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(claims_job_count(&n, f->db, "queued"), CLAIMS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(claims_job_next(&next, f->db), CLAIMS_OK);
	assert_int_equal(claims_job_get(&job, f->db, id), CLAIMS_OK);
	assert_true(job->progress == 0.5);
	assert_non_null(job->started_at);
	claims_job_free(job);
	job = NULL;

	/* The bytes read back from the database, then ingested. */
	path = tu_path(f->dir, "copy");
	copy = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	free(path);
	assert_true(copy >= 0);
	assert_int_equal(claims_file_copy_to_fd(f->db, file_id, copy), CLAIMS_OK);
	assert_int_equal(lseek(copy, 0, SEEK_CUR), (off_t)strlen(f837));
	assert_int_equal(lseek(copy, 0, SEEK_SET), 0);
	assert_int_equal(claims_file_copy_to_fd(f->db, 999, copy), CLAIMS_ENOTFOUND);
	o.expect = CLAIMS_INGEST_837;
	assert_int_equal(claims_ingest_fd(&r, f->db, copy, &o), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	close(copy);
	assert_int_equal(claims_job_finish(f->db, id, true, NULL), CLAIMS_OK);
	assert_int_equal(claims_job_get(&job, f->db, id), CLAIMS_OK);
	assert_string_equal(job->status, "succeeded");
	assert_string_equal(job->stage, "complete");
	assert_true(job->progress == 1.0);
	assert_true(job->has_counts);
	assert_memory_equal(&job->counts, &r->counts, sizeof(r->counts));
	assert_string_equal(job->detected_type, "837P");
	assert_int_equal(job->issues_total, r->issues_total);
	assert_int_equal((int64_t)job->n_issues, r->issues_total < 100 ? r->issues_total : 100);
	assert_non_null(job->finished_at);
	assert_int_equal(tu_query_int(f->db, "SELECT attempt_count FROM ingest_files"), 1);
	claims_job_free(job);
	claims_ingest_result_free(r);

	/* Ingested now: no new job; no active one either. */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(claims_job_create(&again, NULL, f->db, fd, NULL, CLAIMS_INGEST_837, &o),
			 CLAIMS_EEXISTS);
	assert_int_equal(again, 0);
	{
		sqlite3_stmt *s;
		char sha[65];

		assert_int_equal(sqlite3_prepare_v2(f->db->sql, "SELECT sha256 FROM ingest_files",
						    -1, &s, NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		snprintf(sha, sizeof(sha), "%s", sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		assert_int_equal(claims_job_find_active(&active, f->db, sha), CLAIMS_ENOTFOUND);
	}
	assert_int_equal(claims_job_get(&job, f->db, 999), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(f->db), "Job not found (id: 999)");
	assert_int_equal(claims_job_finish(f->db, id, false, NULL), CLAIMS_EINVAL);
	close(fd);
}

static void
test_failed_job(void **state)
{
	struct fx *f = *state;
	claims_job *job = NULL;
	int fd = file_fd(f, "c.835", f835);
	int64_t id = 0, next = 0;

	assert_int_equal(claims_job_create(&id, NULL, f->db, fd, NULL, CLAIMS_INGEST_837, NULL), CLAIMS_OK);
	assert_int_equal(claims_job_next(&next, f->db), CLAIMS_OK);
	assert_int_equal(claims_job_finish(f->db, id, false,
					   "{\"error\":\"WRONG_FILE_TYPE\",\"message\":\"m\","
					   "\"details\":{}}"),
			 CLAIMS_OK);
	assert_int_equal(claims_job_get(&job, f->db, id), CLAIMS_OK);
	assert_string_equal(job->status, "failed");
	assert_string_equal(job->filename, "unknown");
	assert_non_null(strstr(job->error_json, "WRONG_FILE_TYPE"));
	claims_job_free(job);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sniff),
		cmocka_unit_test_setup_teardown(test_lookup_and_refuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_job_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_job, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
