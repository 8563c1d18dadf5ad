/*
 * claimsd: live notifications over WebSocket (spec/api.md §5, §6).
 *
 * A hub of the clients connected to /ws/notifications.  Producers (request
 * threads, the job workers) only render a message once and append it to
 * every client's bounded queue (NOTIFY_QUEUE_MAX); each client has its own
 * writer thread, so a slow or stuck client never delays a producer or the
 * other clients.  A full queue closes its client with 1013.  The writer
 * also pings every WS_PING_INTERVAL_SECONDS and closes a client that has
 * not answered a ping within WS_PONG_TIMEOUT_SECONDS, or whose admission
 * expiry (struct ws_admission) has passed (4401).  A failed send removes
 * the client.
 *
 * Every producer is thread-safe and returns at once; with no client
 * connected it does not even render its message.
 */
#ifndef CLAIMSD_NOTIFY_H
#define CLAIMSD_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>

#include <claims/claims.h>

#include "render_notify.h"

#define NOTIFY_PATH "/ws/notifications"
/* Messages waiting per client; one more closes the client with 1013. */
#define NOTIFY_QUEUE_MAX 256
/* The largest client message accepted; a larger one gets an error, then
 * close 1009. */
#define NOTIFY_MESSAGE_MAX 65536

/* Settings (read once, before the server starts: CivetWeb needs a thread
 * per WebSocket, see notify_threads()). */
struct notify_config {
	/* WS_MAX_CLIENTS (1..10000, default 100): more get 503 before the upgrade. */
	int max_clients;
	/* WS_PING_INTERVAL_SECONDS (1..3600, default 30). */
	int ping_interval;
	/* WS_PONG_TIMEOUT_SECONDS (1..3600, default 60): a ping unanswered this
	 * long closes the client. */
	int pong_timeout;
};

/* Read the WS_* settings; 0, or -1 with "<NAME> must be <range>" in @p err. */
int notify_config_read(struct notify_config *cfg, char *err, size_t errlen);

/* CivetWeb threads the WebSockets need beyond the request threads: each
 * open WebSocket holds one worker thread for its reading. */
int notify_threads(const struct notify_config *cfg);

/* Register /ws/notifications on @p ctx (after mg_start). */
void notify_start(struct mg_context *ctx, const struct notify_config *cfg);

/* Close every client with 1001 and wait (up to a second) for the close
 * frames to leave; call before mg_stop(), which then ends the connections. */
void notify_stop(void);

/* Clients connected now (claims_ws_clients). */
int notify_clients(void);

/* Whether any client takes broadcasts now (a producer may skip the work of
 * preparing a message when not). */
bool notify_active(void);

/* The reasons a client went away, for claims_ws_disconnects_total{reason}. */
enum notify_reason {
	NOTIFY_CLOSED_BY_CLIENT, /* close frame or end of stream from the client */
	NOTIFY_OVERFLOW,         /* 1013: its queue was full */
	NOTIFY_TOO_LARGE,        /* 1009 */
	NOTIFY_PROTOCOL,         /* 1002: bad framing */
	NOTIFY_PING_TIMEOUT,     /* no pong in time */
	NOTIFY_EXPIRED,          /* 4401 */
	NOTIFY_SEND_FAILED,      /* a write to it failed */
	NOTIFY_SHUTDOWN,         /* 1001: the server stops */
	NOTIFY_N_REASONS
};
const char *notify_reason_name(enum notify_reason r);
/* How many clients went away for @p r since the start. */
uint64_t notify_disconnects(enum notify_reason r);

/* ---- producers (spec/api.md §5) */
void notify_risk_score(const claims_risk_score *s);
void notify_claim_processed(int64_t claim_id, const char *ccn, const char *status);
void notify_remittance_processed(int64_t remittance_id, const char *ccn, bool has_payment,
				 int64_t payment_cents, const char *status);
void notify_episode_linked(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
			   const char *status);
void notify_episode_completed(int64_t episode_id, int64_t claim_id, int64_t remittance_id);
void notify_episode_status_changed(int64_t episode_id, int64_t claim_id, const char *old_status,
				   const char *new_status);
void notify_file_processed(const struct notify_file *f, const char *status,
			   int64_t claims_created, int64_t remittances_created);
void notify_file_progress(const struct notify_file *f, const char *stage, double progress,
			  int64_t current, int64_t total);
void notify_job_failed(int64_t job_id, const char *filename, const char *error_json);

#endif
