/*
 * claimsd: the audit trail (spec/security.md §4).  One audit_logs row per
 * HTTP response, written by one background thread so that a request is
 * never slowed by it.
 *
 * The request thread calls audit_record() once per response: it copies what
 * the row needs into one allocation and appends it to a bounded queue under
 * a mutex held for a few instructions (query parameters and bodies are
 * copied only when a PHI key is set, bodies only up to max_body_bytes).  A
 * full queue (queue_size records, or AUDIT_QUEUE_MAX_BYTES held) drops the
 * record and counts it (audit_dropped_total(), the metric
 * claims_audit_dropped_total).  The writer thread, with its own database
 * connection, parses the JSON bodies, builds the hashed-identifier maps
 * (apps/common/audit_phi.h) and inserts in transactions of up to
 * AUDIT_BATCH_MAX rows, at least every AUDIT_FLUSH_MS.  audit_stop()
 * flushes what is queued for up to AUDIT_STOP_FLUSH_SECONDS; records left
 * then are dropped and counted.
 *
 * Log lines (stderr) carry counts and database errors only, never a value
 * of a request.  At stop: "claimsd: audit: W records written, D records
 * dropped".
 */
#ifndef CLAIMSD_AUDIT_H
#define CLAIMSD_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <claims/claims.h>

#define AUDIT_BATCH_MAX 500
#define AUDIT_FLUSH_MS 200
#define AUDIT_STOP_FLUSH_SECONDS 5
/* Bytes the queue may hold (copies of paths, parameters and bodies). */
#define AUDIT_QUEUE_MAX_BYTES ((size_t)64 << 20)

struct audit_settings {
	bool enabled;                 /* AUDIT_ENABLED (true) */
	long queue_size;              /* AUDIT_QUEUE_SIZE (10000, 1..1000000) */
	long max_body_bytes;          /* AUDIT_MAX_BODY_BYTES (1048576, 0..1073741824) */
	const unsigned char *phi_key; /* NULL: maps {} and identifiers null */
	size_t phi_key_len;           /* 32..64 */
};

/*
 * AUDIT_ENABLED (true|false), AUDIT_QUEUE_SIZE, AUDIT_MAX_BODY_BYTES from
 * the environment into @p out, defaults for unset ones; phi_key is left to
 * the caller (NULL here).  0, or -1 with "<NAME> must be ..." in @p err.
 */
int audit_settings_from_env(struct audit_settings *out, char *err, size_t errlen);

/*
 * Open a database connection of its own on @p db_path (already migrated)
 * and start the writer thread.  With s->enabled false nothing is started
 * and audit_record() does nothing.  The key s->phi_key points to must
 * outlive audit_stop().  0, or -1 with the reason on stderr.
 */
int audit_start(const char *db_path, const struct audit_settings *s);

/* One response, as the dispatcher saw it.  Every pointer is borrowed for the
 * call only. */
struct audit_event {
	const char *method;
	const char *path;            /* without the query string; cut to 500 bytes here */
	int status;
	double duration;             /* seconds, request start to last byte */
	const char *user_id;         /* token sub, or NULL */
	const char *client_ip;       /* resolved per security.md §3, or NULL */
	const claims_param *params;  /* decoded query parameters, in order */
	size_t nparams;
	const char *request_body;    /* JSON body of POST/PUT/PATCH, or NULL */
	size_t request_len;
	const char *response_body;   /* JSON response body, or NULL */
	size_t response_len;
	const char *upload_sha256;   /* lower-case hex SHA-256 of an uploaded file, or NULL */
};

/* Queue a record of @p ev; never blocks beyond a short mutex; a full queue
 * drops it and counts it.  Thread-safe.  Does nothing when not started. */
void audit_record(const struct audit_event *ev);

/* Records lost so far: queue full, left at stop, or refused by the database. */
uint64_t audit_dropped_total(void);

/* Flush for up to 5 s, stop the writer, close its connection and print the
 * counts.  Safe to call when not started, and twice. */
void audit_stop(void);

#endif
