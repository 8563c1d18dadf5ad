/* claimsd internals shared by its translation units. */
#ifndef CLAIMSD_SERVER_H
#define CLAIMSD_SERVER_H

#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <civetweb.h>

#include <claims/claims.h>

struct jobs;

struct server_config {
	char listen_host[256];
	int listen_port;
	const char *db_path;
	int threads;
	/* MAX_JSON_BODY_BYTES (1 MiB). */
	int64_t max_json_body;
	/* INGEST_MODE and the MAX_* limits (env_ingest_options()). */
	claims_ingest_options ingest;
};

/* What every request thread shares; set up by main() before serving. */
struct app {
	struct server_config cfg;
	claims_cache *cache;
	claims_engine_config engine;
	struct jobs *jobs;
	struct mg_context *ctx;
	/* Connections a request thread holds now (CivetWeb keeps a thread
	 * for a keep-alive connection until it closes; a WebSocket holds one
	 * for its whole life). */
	atomic_int held_connections;
	/* CivetWeb's worker threads: cfg.threads + WS_MAX_CLIENTS. */
	int total_threads;
	/* cfg.threads permits: at most that many requests are handled at once,
	 * as before WebSockets took threads from the same pool (the others
	 * wait their turn here instead of in CivetWeb's queue). */
	sem_t request_slots;
};

/* When every request thread holds a connection, others wait in the
 * accept queue: a connection that has had this many requests is then
 * answered with "Connection: close", so that threads rotate among the
 * clients instead of serving the first ones forever. */
#define KEEPALIVE_BUSY_REQUESTS 32

extern struct app app;

/* The per-worker state CivetWeb keeps for us (mg_get_thread_pointer): one
 * database connection, with the shared cache attached. */
struct worker {
	claims_db *db;
};

/* The worker's connection, opened at its first use; NULL when it cannot be
 * opened (main.c). */
claims_db *worker_db(struct worker *w);

#define REQUEST_MAX_PARAMS 64
#define ROUTE_MAX_ARGS 2

/* A request as the route handlers see it. */
struct request {
	struct mg_connection *conn;
	const struct mg_request_info *info;
	struct worker *worker;
	claims_db *db;
	const char *route;               /* the route template that matched */
	const char *args[ROUTE_MAX_ARGS]; /* the path's {variables}, as text */
	int nargs;
	/* The query string's parameters, URL-decoded, in order (a repeated
	 * name appears twice; the library's parsers report it). */
	claims_param params[REQUEST_MAX_PARAMS];
	size_t nparams;
	char *query_buf;                 /* storage of params */
};

typedef int (*handler_fn)(struct request *req);

/* ---- http.c: responses.  Each returns the status it sent.  Every
 * response goes through http_send_body(), which writes the headers every
 * answer carries. */
int http_send_body(struct mg_connection *conn, int status, const char *content_type,
		   const void *body, size_t len, const char *extra_headers);
int http_send_json(struct mg_connection *conn, int status, const char *body,
		   const char *extra_headers);
/* Send @p body (owned: freed here); NULL (out of memory) is a 500. */
int http_send_owned(struct mg_connection *conn, int status, char *body);
int http_send_owned_headers(struct mg_connection *conn, int status, char *body,
			    const char *extra_headers);
int http_send_error(struct mg_connection *conn, int status, const char *code,
		    const char *message, const char *extra_headers);
/* A library failure as its status: ENOTFOUND 404 (the library's message),
 * EINVAL 422, EEXISTS 409, EBUSY 503 with Retry-After, anything else 500. */
int http_send_db_error(struct request *req, int rc);
const char *http_reason(int status);

/* ---- request.c */
/* Split and decode the query string into req->params. */
int request_parse_query(struct request *req);
void request_free(struct request *req);
/* The value of parameter @p name (the first one), or NULL. */
const char *request_param(const struct request *req, const char *name);
/* Path argument @p i as an id (>= 1); otherwise sends the 422 (loc
 * ["path", name]) and returns false. */
bool request_path_id(struct request *req, int i, const char *name, int64_t *out);
/* Send the 422 of @p v. */
int request_send_validation(struct request *req, const claims_validation *v);
/* Read a JSON body of at most MAX_JSON_BODY_BYTES into *out (NUL-
 * terminated; free()).  On failure the 413/422 has been sent and the
 * status is returned; 0 on success. */
int request_read_body(struct request *req, char **out, size_t *len);

/* ---- cached.c: read-through of rendered answers (spec/cache.md). */
/* Builds the answer of a cache miss: returns the HTTP status and sets
 * *body (malloc'd JSON; NULL = out of memory), or returns -status when it
 * sent an answer itself.  Only a 200 is cached. */
typedef int (*build_fn)(struct request *req, void *ctx, char **body);
int serve_cached(struct request *req, const char *key, build_fn build, void *ctx);
/* A list's total through the count key @p key: *have is set when the
 * cache had it.  After the list was read (with known_total = have ? total :
 * NULL), call count_store() with the true total and the generation. */
void count_lookup(const char *key, int64_t *total, bool *have, claims_cache_gen *gen);
void count_store(const char *key, int64_t total, claims_cache_gen gen);

/* ---- routes.c: the dispatcher registered for every path. */
int routes_dispatch(struct mg_connection *conn, void *cbdata);
/* Every (method, template) pair answered, for the OpenAPI check. */
size_t routes_count(void);
void routes_get(size_t i, const char **method, const char **path);

/* ---- handlers */
int handle_root(struct request *req);
int handle_health(struct request *req);
int handle_health_detailed(struct request *req);
int handle_cache_stats(struct request *req);
int handle_cache_stats_reset(struct request *req);
int handle_claims_list(struct request *req);
int handle_claims_unlinked(struct request *req);
int handle_claim_get(struct request *req);
int handle_remits_list(struct request *req);
int handle_remit_get(struct request *req);
int handle_remit_link(struct request *req);
int handle_episodes_list(struct request *req);
int handle_episode_get(struct request *req);
int handle_episode_link(struct request *req);
int handle_episode_status(struct request *req);
int handle_episode_complete(struct request *req);
int handle_risk_get(struct request *req);
int handle_risk_calculate(struct request *req);
int handle_patterns_detect(struct request *req);
int handle_patterns_detect_all(struct request *req);
int handle_patterns_payer(struct request *req);
int handle_patterns_analyze(struct request *req);
int handle_payers_list(struct request *req);
int handle_parser_logs(struct request *req);
/* metrics.c */
int handle_metrics(struct request *req);
/* handlers_upload.c */
int handle_claims_upload(struct request *req);
int handle_remits_upload(struct request *req);
int handle_jobs_list(struct request *req);
int handle_job_get(struct request *req);

#endif
