/*
 * JSON of the live notifications (spec/api.md §5, §6).  Every broadcast is
 * the envelope {"type", "timestamp", "data", "message"}; the replies to a
 * client's own frames are {"type", "message", "timestamp"}.  Each function
 * returns malloc'd text (free()), or NULL when out of memory.  @p ts is the
 * UTC timestamp with Z (render_utc_now()).
 */
#ifndef CLAIMS_APP_RENDER_NOTIFY_H
#define CLAIMS_APP_RENDER_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <claims/claims.h>

/* {"type": type, "message": message, "timestamp": ts}: connection, ack, error. */
char *render_notify_reply(const char *type, const char *message, const char *ts);

/* risk_score_calculated: claim_id, overall_score, risk_level, component_scores. */
char *render_notify_risk(const claims_risk_score *s, const char *ts);
/* claim_processed: claim_id, claim_control_number, status. */
char *render_notify_claim(int64_t claim_id, const char *ccn, const char *status, const char *ts);
/* remittance_processed: remittance_id, claim_control_number, payment_amount (null when
 * absent), status. */
char *render_notify_remittance(int64_t remittance_id, const char *ccn, bool has_payment,
			       int64_t payment_cents, const char *status, const char *ts);
/* episode_linked: episode_id, claim_id, remittance_id, status. */
char *render_notify_episode_linked(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
				   const char *status, const char *ts);
/* episode_completed: episode_id, claim_id, remittance_id. */
char *render_notify_episode_completed(int64_t episode_id, int64_t claim_id,
				      int64_t remittance_id, const char *ts);
/* episode_status_changed: episode_id, claim_id, old_status, new_status. */
char *render_notify_episode_status(int64_t episode_id, int64_t claim_id, const char *old_status,
				   const char *new_status, const char *ts);

/* What a file_progress or file_processed names. */
struct notify_file {
	const char *filename;
	const char *file_type; /* "837" | "835" */
	int64_t job_id;        /* 0 = processed in the request (task_id / job_id null) */
};

/* file_processed: filename, file_type, status, claims_created, remittances_created, job_id. */
char *render_notify_file_processed(const struct notify_file *f, const char *status,
				   int64_t claims_created, int64_t remittances_created,
				   const char *ts);
/* file_progress: filename, file_type, task_id, stage, progress (4 decimals), current, total;
 * message "Processing {name}: {stage} ({pct}%)". */
char *render_notify_file_progress(const struct notify_file *f, const char *stage,
				  double progress, int64_t current, int64_t total, const char *ts);
/* job_failed: job_id, filename, error (@p error_json: the job's {error, message,
 * details} object as text; NULL = null). */
char *render_notify_job_failed(int64_t job_id, const char *filename, const char *error_json,
			       const char *ts);

#endif
