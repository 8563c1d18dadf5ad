/*
 * JSON of uploads and jobs (spec/api.md §2 Job, §4.1, §4.2).  Each function
 * returns malloc'd text (free()), or NULL when out of memory.
 */
#ifndef CLAIMS_APP_RENDER_JOBS_H
#define CLAIMS_APP_RENDER_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include <claims/claims.h>

/* What an upload answers (the success body of §4.1). */
struct upload_view {
	const char *message;
	int64_t job_id;              /* 0 = null (task_id null too) */
	int64_t ingest_file_id;
	const char *filename;
	int64_t size_bytes;          /* file_size_mb = bytes / 1048576, 2 decimals */
	const char *processing_mode; /* in-request background duplicate */
	const char *status;          /* succeeded queued duplicate */
	const char *file_type;       /* 837 835 */
	const char *detected_type;
	const claims_ingest_result *result; /* counts and issues; NULL = counts null, no issues */
	const char *status_url;      /* 202 only; NULL = absent */
};
char *render_upload(const struct upload_view *u);

/* The Job object; without issues for lists. */
char *render_job(const claims_job *j);
/* {"jobs": [Job without issues], "total", "skip", "limit"} */
char *render_job_list(const claims_job_list *l);

/* 422 WRONG_FILE_TYPE: details {"expected": "837", "detected": ["835"]}. */
char *render_wrong_file_type(const char *expected, const char *detected, const char *message);
/* 422 EDI_REFUSED: details {"code", "ingest_file_id", "issues": [...]}. */
char *render_edi_refused(const char *filename, const claims_ingest_result *r);

#endif
