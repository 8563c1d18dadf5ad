/*
 * libclaims: background ingest jobs (spec/api.md §2 Job, §4.1, §4.2;
 * spec/schema.md ingest_jobs).
 *
 * A job is a row of ingest_jobs tied to a received file (ingest_files, its
 * bytes in ingest_file_chunks).  claims_job_create() records both; a worker
 * takes the oldest queued job with claims_job_next(), ingests the file
 * (claims_ingest_fd(), the bytes from claims_file_copy_to_spool() or its
 * own copy), reports its stage and progress with claims_job_progress() and ends
 * it with claims_job_finish().  Jobs left running by a process that stopped
 * are made queued again by claims_job_requeue(); ingest is idempotent, so
 * running one again is safe.
 *
 * The database is the queue: these functions keep no state of their own.
 */
#ifndef CLAIMS_JOBS_H
#define CLAIMS_JOBS_H

#include "common.h"
#include "db.h"
#include "ingest.h"
#include "query.h"

CLAIMS_BEGIN_DECLS

/** A job (the Job object of spec/api.md §2).  Free with claims_job_free(). */
typedef struct claims_job {
	int64_t id;
	char *status;          /**< queued running succeeded failed */
	char *stage;           /**< queued parsing saving linking complete */
	double progress;       /**< 0..1, non-decreasing; 1 on success */
	char *filename;
	char *file_type;       /**< expected family: "837", "835" or "any" */
	char *detected_type;   /**< the file's, NULL until known */
	int64_t ingest_file_id;
	char *mode;            /**< the file's ingest mode: tolerant or strict */
	char *practice_id;     /**< the file's practice, or NULL */
	/** The file's counts once the job has finished and the file has them. */
	bool has_counts;
	claims_ingest_counts counts;
	/** {"error", "message", "details"} JSON text of a failed job, or NULL. */
	char *error_json;
	char *created_at;
	char *started_at;      /**< NULL = null */
	char *finished_at;     /**< NULL = null */
	/** The file's first 100 stored issues (parser_logs, linking logs
	 *  excluded; claims_job_get() only) and how many it has. */
	claims_ingest_issue *issues;
	size_t n_issues;
	int64_t issues_total;
} claims_job;

/** A page of jobs, newest first (issues not read). */
typedef struct claims_job_list {
	claims_job *items;
	size_t count;
	int64_t total, skip, limit;
} claims_job_list;

/** GET /api/v1/jobs parameters, parsed. */
typedef struct claims_job_query {
	claims_page page;
	const char *status; /**< static text, or NULL = every status */
} claims_job_query;

/**
 * Parse skip, limit and status (queued running succeeded failed), with the
 * rules of claims_claim_query_parse().
 * @return CLAIMS_OK; CLAIMS_EINVAL with the problems in @p v (when given).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_query_parse(claims_job_query *out,
							 const claims_param *params, size_t n,
							 claims_validation *v);

/**
 * Record the file read from @p fd (from its current position to its end; a
 * regular file) as received, with its bytes, and queue a job for it, in one
 * transaction.  When the bytes are already recorded but not ingested (an
 * earlier refusal or failure), that row is reused.
 *
 * @param job_out receives the new job's id (0 on failure)
 * @param file_out receives the ingest_files id (may be NULL)
 * @param sha256 the bytes' SHA-256 as 64 lower-case hex digits when the
 *        caller computed it while receiving them (an upload), or NULL to
 *        read the file once more to compute it
 * @param expect the family the job accepts
 * @param opts filename, practice_id, uploaded_by and mode are recorded;
 *        NULL = defaults
 * @return CLAIMS_OK; CLAIMS_EEXISTS (the bytes are already ingested, or
 *         have a queued or running job: nothing written); CLAIMS_EINVAL;
 *         CLAIMS_EIO; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_create(int64_t *job_out, int64_t *file_out,
						    claims_db *db, int fd, const char *sha256,
						    claims_ingest_expect expect,
						    const claims_ingest_options *opts);

/**
 * A job by id, with its file's first 100 issues.
 * @param out yours: claims_job_free()
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND ("Job not found (id: N)");
 *         CLAIMS_EINVAL; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_get(claims_job **out, claims_db *db, int64_t id);

/** A page of jobs, id descending (newest first), without issues. */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_list_get(claims_job_list **out, claims_db *db,
						      const claims_job_query *q);

/**
 * The queued or running job of the file with SHA-256 @p sha256, if any.
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND; CLAIMS_EINVAL; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_find_active(int64_t *out, claims_db *db,
							 const char *sha256);

/** Number of jobs in @p status (NULL = all). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_count(int64_t *out, claims_db *db,
						   const char *status);

/**
 * Make every running job queued again (stage queued, progress kept), for a
 * process starting after another stopped mid-job.
 * @param out receives how many (may be NULL)
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_requeue(int64_t *out, claims_db *db);

/**
 * Take the oldest queued job: it becomes running, stage parsing.
 * @param out receives its id
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND (none queued); CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_next(int64_t *out, claims_db *db);

/**
 * Persist a running job's stage and progress (0..1).  Progress never goes
 * down: a smaller value keeps the stored one.
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_progress(claims_db *db, int64_t id,
						      const char *stage, double progress);

/**
 * End a job: succeeded (stage complete, progress 1) or failed with
 * @p error_json ({"error", "message", "details"} JSON text; required then).
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_job_finish(claims_db *db, int64_t id, bool succeeded,
						    const char *error_json);

/**
 * Write the stored bytes of ingest file @p file_id to @p fd (at its current
 * position), chunk by chunk: memory stays bounded whatever the size.  Bytes
 * stored encrypted (claims_db_set_data_key()) are decrypted; they are
 * first authenticated whole (every chunk and the final tag, in the same
 * read snapshot), so a wrong key or altered data writes nothing to @p fd.
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND; CLAIMS_EDECRYPT; CLAIMS_EIO;
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_file_copy_to_fd(claims_db *db, int64_t file_id, int fd);

/**
 * Write the stored bytes of ingest file @p file_id to @p fd as a spool file
 * (claims_spool_writer_new(): sealed when the handle has a data key), for
 * claims_ingest_fd() with claims_ingest_options.sealed set accordingly.
 * A failure part-way leaves a sealed spool without its final chunk, which
 * never reads back.
 * @return as claims_file_copy_to_fd().
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_file_copy_to_spool(claims_db *db, int64_t file_id,
							    int fd);

/** Free a job / a list.  NULL is accepted. */
CLAIMS_API void claims_job_free(claims_job *job);
CLAIMS_API void claims_job_list_free(claims_job_list *list);

CLAIMS_END_DECLS

#endif /* CLAIMS_JOBS_H */
