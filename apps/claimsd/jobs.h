/*
 * claimsd: background ingest jobs (spec/api.md §4.1-§4.2).  Uploads larger
 * than UPLOAD_SYNC_MAX_BYTES are spooled and processed by the worker
 * thread(s) here; their state lives in ingest_jobs.
 */
#ifndef CLAIMSD_JOBS_H
#define CLAIMSD_JOBS_H

#include <stdint.h>

struct jobs;

struct jobs_counts {
	int threads;      /* worker threads running */
	int64_t queued;   /* jobs waiting */
	int64_t running;  /* jobs being processed */
};

/* The worker's numbers for health/detailed; all 0 for a NULL @p j. */
void jobs_get_counts(struct jobs *j, struct jobs_counts *out);

#endif
