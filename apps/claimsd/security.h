/*
 * claimsd: what happens around every handler (spec/api.md §1, security.md).
 *
 * Order of checks for every request: CORS preflight -> token verification
 * (result kept) -> rate limit -> authentication decision (401/403) -> route
 * and method (404/405) -> parameter validation (422) -> handler.  Every
 * response, errors included, carries the security and CORS headers (written
 * by http_send_body() from the exchange in progress on its thread) and is
 * recorded in the audit trail, the metrics and the log.
 */
#ifndef CLAIMSD_SECURITY_H
#define CLAIMSD_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <civetweb.h>

#include <claims/claims.h>

#include "netaddr.h"
#include "ratelimit.h"
#include "secrets.h"

struct worker;

#define SECURITY_MAX_LIST 64

/* The settings of security.md (§1-§3, §6), read once at startup. */
struct security_settings {
	bool require_auth;
	/* AUTH_EXEMPT_PATHS: exact paths; an entry ending in a slash and a
	 * star is a prefix. */
	char *exempt_buf;
	const char *exempt[SECURITY_MAX_LIST];
	size_t n_exempt;
	/* CORS_ORIGINS: exact origins. */
	char *cors_buf;
	const char *cors[SECURITY_MAX_LIST];
	size_t n_cors;
	bool rate_enabled;
	long per_minute, per_hour, max_clients;
	struct netaddr_net *trusted;
	size_t n_trusted;
	/* JWT_SECRET_KEY and JWT_ACCESS_TOKEN_EXPIRE_MINUTES. */
	struct secret jwt_key;
	long token_minutes;
	/* PHI_HASH_KEY (the audit trail's key). */
	struct secret phi_key;
};

/*
 * Read the settings from the environment.  Every problem is printed on
 * stderr, one line each ("claimsd: ..."); returns how many there were.
 * @p loopback says whether the listen address is a loopback one.
 */
int security_settings_load(struct security_settings *s, bool loopback);
void security_settings_free(struct security_settings *s);

/* Start the rate limiter; false when out of memory. */
bool security_start(void);
void security_stop(void);

/* One request and its answer, as the checks and the audit trail see them. */
struct exchange {
	struct mg_connection *conn;
	const struct mg_request_info *info;
	const char *method;         /* "-" when CivetWeb could not read one */
	const char *path;
	const char *route;          /* the matched template, NULL until known */
	double t0;                  /* metrics_now() at the start */
	char client_ip[64];
	const char *origin;         /* the request's Origin when allowed, else NULL */
	bool limited;               /* a rate-limited route: headers to send */
	struct ratelimit_result rate;
	bool has_user;              /* a valid token was presented */
	char user[72];
	bool admin;
	int64_t token_exp;
	int status;                 /* the status sent, 0 before */
	bool measured;              /* counted in the metrics already */
	/* Copies kept for the audit trail (only with a PHI key). */
	char *request_body;
	size_t request_len;
	char *response_body;
	size_t response_len;
	char upload_sha256[65];
	const claims_param *params;
	size_t nparams;
};

/* Begin an exchange on this thread (the one http_send_body() consults). */
void security_begin(struct exchange *ex, struct mg_connection *conn);

/*
 * The checks before routing.  Returns 0 when the request may go on, or the
 * status of the answer already sent (204 preflight, 401, 403, 429).
 * A token's user (step 8) is read through the worker's database, opened
 * then if it is not yet.
 */
int security_check(struct exchange *ex, struct worker *w);

/* After the answer: audit, metrics, log; the exchange ends. */
void security_end(struct exchange *ex);

/*
 * Append the headers every answer carries for the current exchange
 * (security, CORS, rate limit, Cache-Control by path) to @p buf, and note
 * @p status as sent.  Returns the length written.
 */
size_t security_headers(char *buf, size_t cap, int status);

/* Keep the bodies the audit trail examines (copied; no-op without a key). */
void security_note_request_body(const char *body, size_t len);
void security_note_response_body(const char *body, size_t len);
/* The SHA-256 (lower-case hex) of an uploaded file. */
void security_note_upload(const char *sha256_hex);

/*
 * Begin @p ex for a WebSocket upgrade and run the checks of a request on it
 * (token from ?token= or the Authorization header, rate limit, the 401).
 * Returns 0 or the status of the refusal sent.  The caller sets ex->status
 * to 101 when it accepts, and ends the exchange with security_end() either
 * way (the upgrade is audited like any answer).
 */
int security_ws_check(struct exchange *ex, struct mg_connection *conn, struct worker *w);

/* The most a request line and its headers may take (security.md §6).
 * CivetWeb is given more room (REQUEST_BUFFER_BYTES) so that a request
 * beyond this is still read and answered 413 here: CivetWeb itself calls
 * a request that fills its buffer "malformed" (400). */
#define REQUEST_HEAD_MAX 16384
#define REQUEST_BUFFER_BYTES "65536"

/* CivetWeb's own errors (request too large, malformed) as JSON. */
int security_http_error(struct mg_connection *conn, int status, const char *msg);

#endif
