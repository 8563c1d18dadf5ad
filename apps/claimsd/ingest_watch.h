/*
 * claimsd: what an upload or a job tells about its ingest while it runs
 * (spec/api.md §5): file_progress (at most once a second, plus once per
 * stage; progress never goes back), claim_processed / remittance_processed
 * (the first 100 of each per file), episode_linked, and at the end
 * file_processed or job_failed; plus the ingest counters of /metrics.
 *
 * Stages: "parsing" (the library's first pass: progress 0..0.49, current /
 * total = bytes read / file size), "saving" (the second pass: up to 0.98,
 * current / total = transaction sets stored / sets in the file), "linking"
 * (0.99: the ingest call returned) and "complete" (1).
 *
 * One watch belongs to one ingest, on one thread.
 */
#ifndef CLAIMSD_INGEST_WATCH_H
#define CLAIMSD_INGEST_WATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <claims/claims.h>

#include "render_notify.h"

#define INGEST_WATCH_RECORDS_MAX 100

struct ingest_watch {
	struct notify_file file;
	const char *stage; /* NULL before the first report */
	double progress;
	double last_sent; /* metrics_now() of the last file_progress */
	int64_t bytes_done, bytes_total;
	int64_t sets_done, sets_total;
	int claims_sent, remits_sent;
	/* Told of every change of stage or progress (the job persists it);
	 * NULL for none. */
	void (*changed)(void *payload, const char *stage, double progress, bool stage_changed);
	void *payload;
};

/* @p filename and @p file_type ("837", "835") must outlive the watch;
 * @p job_id 0 for an upload processed in its request. */
void ingest_watch_init(struct ingest_watch *w, const char *filename, const char *file_type,
		       int64_t job_id);

/* Route @p opts' progress and event callbacks to the watch. */
void ingest_watch_attach(struct ingest_watch *w, claims_ingest_options *opts);

/* Move to @p stage at @p progress (never backwards). */
void ingest_watch_stage(struct ingest_watch *w, const char *stage, double progress);

/* The ingest returned @p rc with @p r: counts it for /metrics; for a stored
 * file moves to "linking".  Returns whether the file was ingested (then
 * call ingest_watch_done() once the outcome is recorded). */
bool ingest_watch_finish(struct ingest_watch *w, int rc, const claims_ingest_result *r);

/* "complete" and file_processed of an ingested file. */
void ingest_watch_done(struct ingest_watch *w, const claims_ingest_result *r);

#endif
