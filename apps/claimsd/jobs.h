/*
 * claimsd: background ingest jobs (spec/api.md §4.1-§4.2).  Uploads larger
 * than UPLOAD_SYNC_MAX_BYTES are recorded with a queued job (the library's
 * claims_job_create) and processed by the worker thread(s) here, each with
 * its own database connection; their state lives in ingest_jobs, so jobs a
 * stopped server left queued or running are run at the next start.
 *
 * Also here: the spool directory of uploads, and the per-SHA-256 lock that
 * makes concurrent uploads of the same bytes take their decisions one after
 * the other (the second sees the first's file or job).
 */
#ifndef CLAIMSD_JOBS_H
#define CLAIMSD_JOBS_H

#include <limits.h>
#include <stdint.h>

#include <claims/claims.h>

struct jobs;

struct jobs_counts {
	int threads;      /* worker threads running */
	int64_t queued;   /* jobs waiting */
	int64_t running;  /* jobs being processed */
};

/* Settings read from the environment by jobs_start(). */
struct jobs_config {
	/* UPLOAD_SYNC_MAX_BYTES: larger uploads go to a job.  Default 8 MiB. */
	int64_t sync_max_bytes;
	/* JOB_QUEUE_MAX: queued jobs beyond which uploads get 503.  Default 16. */
	int64_t queue_max;
	/* CLAIMS_WORKERS (claimsd --workers): worker threads, 1..16.  Default 1. */
	int workers;
	/* CLAIMS_SPOOL_DIR, else <tmp>/claimsd-spool-<uid> created 0700. */
	char spool_dir[PATH_MAX];
};

/* Read the settings, prepare the spool directory, requeue the jobs a
 * stopped server left running, and start the workers (each with its own
 * connection to @p db_path, @p cache attached, and @p data_key, 32 bytes
 * or NULL, given to it).  @p ingest (limits, mode), @p engine and
 * @p data_key must outlive the jobs.  0, or -1 with a message in @p err. */
int jobs_start(struct jobs **out, const char *db_path, claims_cache *cache,
	       const claims_ingest_options *ingest, const claims_engine_config *engine,
	       const unsigned char *data_key, char *err, size_t errlen);

/* Let the workers finish the job in hand (queued ones stay queued for the
 * next start), join them and free everything.  NULL is accepted. */
void jobs_stop(struct jobs *j);

const struct jobs_config *jobs_config(const struct jobs *j);

/* A new spool file in the spool directory: created 0600 with O_EXCL
 * (mkstemp) and unlinked at once, so it never outlives its descriptor.
 * Its bytes are written through claims_spool_writer (sealed with the data
 * key when there is one) and read with claims_ingest_options.sealed.
 * Returns the descriptor, or -1 with errno set. */
int jobs_spool_open(struct jobs *j);

/* Serialise the decisions about one SHA-256 (64 hex digits). */
void jobs_sha_lock(struct jobs *j, const char *sha256);
void jobs_sha_unlock(struct jobs *j, const char *sha256);

enum { JOBS_QUEUE_FULL = 1 };

/* Record the file read from @p fd (an unlinked spool file, kept open by the
 * job until it runs; @p sha256 its digest, computed while it was received)
 * and queue its job.  Returns 0 with the ids,
 * JOBS_QUEUE_FULL when JOB_QUEUE_MAX jobs wait (nothing recorded), or a
 * negative claims_error of claims_job_create() (CLAIMS_EEXISTS: the bytes
 * are already ingested or have a job). */
int jobs_submit(struct jobs *j, claims_db *db, int fd, const char *sha256,
		claims_ingest_expect expect,
		const claims_ingest_options *opts, int64_t *job_id, int64_t *file_id);

/* The detected type a WRONG_FILE_TYPE names: @p detected, or the other
 * family's name when that is "mixed" or "unknown". */
const char *jobs_wrong_detected(claims_ingest_expect expect, const char *detected);

/* The worker's numbers for health/detailed; all 0 for a NULL @p j. */
void jobs_get_counts(struct jobs *j, struct jobs_counts *out);

#endif
