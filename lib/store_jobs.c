/*
 * libclaims store: ingest_jobs (spec/schema.md), read as the Job object of
 * spec/api.md §2.  (An ingest file's bytes are read back in store_raw.c.)
 *
 * A job's filename, detected type, counts and issues are its file's: they
 * are read from ingest_files and parser_logs, never copied into the job.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "claims/jobs.h"
#include "query.h"
#include "store.h"
#include "store_jobs.h"

#define JOB_ISSUES_MAX 100
#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* Linking writes its own logs against the file (engine.md §1.2); they are
 * not issues of the file. */
#define NOT_LINK_LOG "issue_type NOT IN ('LINK_NO_MATCH','LINK_AMBIGUOUS','REVERSAL_WITHOUT_ORIGINAL')"

#define JOB_COLUMNS                                                                              \
	"j.id, j.status, j.stage, j.progress, f.filename, j.expected_type, f.detected_type, "   \
	"j.ingest_file_id, f.mode, f.practice_id, f.counts, f.status, j.error, j.created_at, "  \
	"j.started_at, j.finished_at, f.issue_count "                                           \
	"FROM ingest_jobs j JOIN ingest_files f ON f.id = j.ingest_file_id "

int
claims__store_job_insert(claims_db *db, int64_t *id_out, int64_t file_id, const char *expected)
{
	static const char sql[] = "INSERT INTO ingest_jobs (ingest_file_id, expected_type, status, "
				  "stage, progress) VALUES (?1, ?2, 'queued', 'queued', 0)";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, file_id);
	claims__bind_text(s, 2, expected);
	rc = claims__step_done(db, s, "queueing the job");
	if (rc == CLAIMS_OK)
		*id_out = sqlite3_last_insert_rowid(db->sql);
	return rc;
}

int
claims__store_file_receive_again(claims_db *db, int64_t id, const char *filename,
				 const char *mode, const char *practice_id)
{
	static const char sql[] =
		"UPDATE ingest_files SET status = 'received', filename = ?2, mode = ?3, "
		"practice_id = ?4, error_code = NULL, error_message = NULL, completed_at = NULL, "
		"updated_at = " NOW " WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, filename);
	claims__bind_text(s, 3, mode);
	claims__bind_text(s, 4, practice_id);
	return claims__step_done(db, s, "receiving the file again");
}

int
claims__store_job_active_for_file(claims_db *db, int64_t file_id, int64_t *job_out)
{
	static const char sql[] = "SELECT id FROM ingest_jobs WHERE ingest_file_id = ?1 "
				  "AND status IN ('queued','running') ORDER BY id LIMIT 1";
	sqlite3_stmt *s;
	bool found;
	int rc;

	*job_out = 0;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, file_id);
	rc = claims__step_one(db, s, "looking up the file's job", &found);
	if (rc == CLAIMS_OK && found) {
		*job_out = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return rc;
}

/* ---- reading jobs */

static char *
col_dup(sqlite3_stmt *s, int i, bool *oom)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	char *c;

	if (!t)
		return NULL;
	c = claims__strdup((const char *)t);
	if (!c)
		*oom = true;
	return c;
}

static void
job_clear(claims_job *j)
{
	claims__free(j->status);
	claims__free(j->stage);
	claims__free(j->filename);
	claims__free(j->file_type);
	claims__free(j->detected_type);
	claims__free(j->mode);
	claims__free(j->practice_id);
	claims__free(j->error_json);
	claims__free(j->created_at);
	claims__free(j->started_at);
	claims__free(j->finished_at);
	for (size_t i = 0; i < j->n_issues; i++) {
		claims_ingest_issue *is = &j->issues[i];

		claims__free(is->code);
		claims__free(is->segment_id);
		claims__free(is->element);
		claims__free(is->message);
		claims__free(is->details);
	}
	claims__free(j->issues);
	memset(j, 0, sizeof(*j));
}

/* One row of JOB_COLUMNS into @p j; false when out of memory. */
static bool
job_from_row(claims_job *j, sqlite3_stmt *s)
{
	bool oom = false;
	const char *file_status = (const char *)sqlite3_column_text(s, 11);
	const char *counts = (const char *)sqlite3_column_text(s, 10);

	memset(j, 0, sizeof(*j));
	j->id = sqlite3_column_int64(s, 0);
	j->status = col_dup(s, 1, &oom);
	j->stage = col_dup(s, 2, &oom);
	j->progress = sqlite3_column_double(s, 3);
	j->filename = col_dup(s, 4, &oom);
	j->file_type = col_dup(s, 5, &oom);
	j->detected_type = col_dup(s, 6, &oom);
	j->ingest_file_id = sqlite3_column_int64(s, 7);
	j->mode = col_dup(s, 8, &oom);
	j->practice_id = col_dup(s, 9, &oom);
	/* Counts belong to a finished job whose file got them. */
	if ((strcmp(j->status ? j->status : "", "succeeded") == 0 ||
	     strcmp(j->status ? j->status : "", "failed") == 0) &&
	    file_status && (strcmp(file_status, "ingested") == 0 || strcmp(file_status, "refused") == 0) &&
	    counts && strcmp(counts, "{}") != 0) {
		j->has_counts = true;
		claims__ingest_counts_from_json(&j->counts, counts);
	}
	j->error_json = col_dup(s, 12, &oom);
	j->created_at = col_dup(s, 13, &oom);
	j->started_at = col_dup(s, 14, &oom);
	j->finished_at = col_dup(s, 15, &oom);
	j->issues_total = sqlite3_column_int64(s, 16);
	return !oom;
}

static claims_x12_severity
severity_from(const char *s)
{
	if (s && strcmp(s, "error") == 0)
		return CLAIMS_X12_ERROR;
	if (s && strcmp(s, "warning") == 0)
		return CLAIMS_X12_WARNING;
	return CLAIMS_X12_INFO;
}

/* The file's first stored issues in the order they were written (file
 * order within each transaction set). */
static int
job_read_issues(claims_db *db, claims_job *j)
{
	static const char sql[] =
		"SELECT issue_type, log_level, json_extract(details, '$.interchange'), "
		"json_extract(details, '$.transaction'), json_extract(details, '$.segment_index'), "
		"json_extract(details, '$.byte_offset'), segment_type, "
		"json_extract(details, '$.element'), message, "
		"coalesce(json_extract(details, '$.details'), '{}') "
		"FROM parser_logs WHERE ingest_file_id = ?1 AND " NOT_LINK_LOG
		" ORDER BY id LIMIT 100";
	sqlite3_stmt *s;
	int rc;

	j->issues = claims__calloc(JOB_ISSUES_MAX, sizeof(*j->issues));
	if (!j->issues)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, j->ingest_file_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && j->n_issues < JOB_ISSUES_MAX) {
		claims_ingest_issue *is = &j->issues[j->n_issues++];
		bool oom = false;

		is->code = col_dup(s, 0, &oom);
		is->severity = severity_from((const char *)sqlite3_column_text(s, 1));
		is->interchange = sqlite3_column_int64(s, 2);
		is->transaction = sqlite3_column_int64(s, 3);
		is->segment_index = sqlite3_column_int64(s, 4);
		is->byte_offset = sqlite3_column_type(s, 5) == SQLITE_NULL ? -1
									    : sqlite3_column_int64(s, 5);
		is->segment_id = col_dup(s, 6, &oom);
		is->element = col_dup(s, 7, &oom);
		is->message = col_dup(s, 8, &oom);
		is->details = col_dup(s, 9, &oom);
		if (oom || !is->code || !is->message || !is->details)
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, "reading the job's issues");
	sqlite3_reset(s);
	return CLAIMS_OK;
}

int
claims_job_get(claims_job **out, claims_db *db, int64_t id)
{
	static const char sql[] = "SELECT " JOB_COLUMNS "WHERE j.id = ?1";
	claims_job *j;
	sqlite3_stmt *s;
	bool found, ok;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading the job", &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "Job not found (id: %lld)",
					 (long long)id);
	j = claims__calloc(1, sizeof(*j));
	ok = j && job_from_row(j, s);
	sqlite3_reset(s);
	if (!ok) {
		claims_job_free(j);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	rc = job_read_issues(db, j);
	if (rc < 0) {
		claims_job_free(j);
		return rc;
	}
	*out = j;
	return CLAIMS_OK;
}

int
claims_job_count(int64_t *out, claims_db *db, const char *status)
{
	static const char sql[] = "SELECT count(*) FROM ingest_jobs WHERE ?1 IS NULL OR status = ?1";
	sqlite3_stmt *s;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, status);
	rc = claims__step_one(db, s, "counting jobs", &found);
	if (rc == CLAIMS_OK && found) {
		*out = sqlite3_column_int64(s, 0);
		sqlite3_reset(s);
	}
	return rc;
}

int
claims_job_list_get(claims_job_list **out, claims_db *db, const claims_job_query *q)
{
	static const char sql[] = "SELECT " JOB_COLUMNS "WHERE ?1 IS NULL OR j.status = ?1 "
				  "ORDER BY j.id DESC LIMIT ?2 OFFSET ?3";
	claims_job_list *l;
	sqlite3_stmt *s;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || !q || q->page.limit < 1 || q->page.skip < 0)
		return CLAIMS_EINVAL;
	l = claims__calloc(1, sizeof(*l));
	if (!l)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	l->skip = q->page.skip;
	l->limit = q->page.limit;
	/* The count and the page in one snapshot, so that they agree. */
	rc = claims__read_begin(db);
	if (rc < 0)
		goto fail;
	rc = claims_job_count(&l->total, db, q->status);
	if (rc < 0)
		goto fail_read;
	l->items = claims__calloc((size_t)(l->limit < l->total ? l->limit : l->total) + 1,
				  sizeof(*l->items));
	if (!l->items) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto fail_read;
	}
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		goto fail_read;
	claims__bind_text(s, 1, q->status);
	sqlite3_bind_int64(s, 2, q->page.limit);
	sqlite3_bind_int64(s, 3, q->page.skip);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if ((int64_t)l->count >= l->total)
			break; /* the array's bound; the snapshot keeps to it */
		if (!job_from_row(&l->items[l->count++], s)) {
			rc = claims__stmt_oom(db, s);
			goto fail_read;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		rc = claims__step_error(db, s, rc, "listing jobs");
		goto fail_read;
	}
	sqlite3_reset(s);
	claims__read_end(db);
	*out = l;
	return CLAIMS_OK;
fail_read:
	claims__read_end(db);
fail:
	claims_job_list_free(l);
	return rc;
}

int
claims_job_find_active(int64_t *out, claims_db *db, const char *sha256)
{
	static const char sql[] =
		"SELECT j.id FROM ingest_jobs j JOIN ingest_files f ON f.id = j.ingest_file_id "
		"WHERE f.sha256 = ?1 AND j.status IN ('queued','running') ORDER BY j.id LIMIT 1";
	sqlite3_stmt *s;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	if (!db || !sha256)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	claims__bind_text(s, 1, sha256);
	rc = claims__step_one(db, s, "looking up an active job", &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "no active job for these bytes");
	*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* ---- the worker's writes */

int
claims_job_requeue(int64_t *out, claims_db *db)
{
	static const char sql[] = "UPDATE ingest_jobs SET status = 'queued', stage = 'queued', "
				  "updated_at = " NOW " WHERE status = 'running'";
	sqlite3_stmt *s;
	int rc;

	if (out)
		*out = 0;
	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	rc = claims__step_done(db, s, "requeueing jobs");
	if (rc == CLAIMS_OK && out)
		*out = sqlite3_changes(db->sql);
	return rc;
}

int
claims_job_next(int64_t *out, claims_db *db)
{
	static const char sql[] =
		"UPDATE ingest_jobs SET status = 'running', stage = 'parsing', "
		"started_at = coalesce(started_at, " NOW "), updated_at = " NOW " "
		"WHERE id = (SELECT id FROM ingest_jobs WHERE status = 'queued' ORDER BY id LIMIT 1) "
		"RETURNING id";
	sqlite3_stmt *s;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	rc = claims__step_one(db, s, "taking the next job", &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "no queued job");
	*out = sqlite3_column_int64(s, 0);
	/* Step to the end so the write completes before the reset. */
	while (sqlite3_step(s) == SQLITE_ROW)
		;
	sqlite3_reset(s);
	return CLAIMS_OK;
}

static bool
stage_valid(const char *stage)
{
	static const char *const stages[] = { "queued", "parsing", "saving", "linking", "complete" };

	for (size_t i = 0; stage && i < sizeof(stages) / sizeof(stages[0]); i++)
		if (strcmp(stage, stages[i]) == 0)
			return true;
	return false;
}

int
claims_job_progress(claims_db *db, int64_t id, const char *stage, double progress)
{
	static const char sql[] = "UPDATE ingest_jobs SET stage = ?2, progress = max(progress, ?3), "
				  "updated_at = " NOW " WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	if (!db || !stage_valid(stage) || !(progress >= 0.0 && progress <= 1.0))
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, stage);
	sqlite3_bind_double(s, 3, progress);
	rc = claims__step_done(db, s, "recording the job's progress");
	if (rc == CLAIMS_OK && sqlite3_changes(db->sql) == 0)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "Job not found (id: %lld)",
					 (long long)id);
	return rc;
}

int
claims_job_finish(claims_db *db, int64_t id, bool succeeded, const char *error_json)
{
	static const char sql[] =
		"UPDATE ingest_jobs SET status = ?2, "
		"stage = CASE WHEN ?2 = 'succeeded' THEN 'complete' ELSE stage END, "
		"progress = CASE WHEN ?2 = 'succeeded' THEN 1 ELSE progress END, error = ?3, "
		"finished_at = " NOW ", updated_at = " NOW " WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	if (!db || (!succeeded && !error_json))
		return CLAIMS_EINVAL;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, succeeded ? "succeeded" : "failed");
	claims__bind_text(s, 3, succeeded ? NULL : error_json);
	rc = claims__step_done(db, s, "finishing the job");
	if (rc == CLAIMS_OK && sqlite3_changes(db->sql) == 0)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "Job not found (id: %lld)",
					 (long long)id);
	return rc;
}

void
claims_job_free(claims_job *job)
{
	if (!job)
		return;
	job_clear(job);
	claims__free(job);
}

void
claims_job_list_free(claims_job_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; list->items && i < list->count; i++)
		job_clear(&list->items[i]);
	claims__free(list->items);
	claims__free(list);
}
