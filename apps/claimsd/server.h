/* claimsd internals shared by its translation units. */
#ifndef CLAIMSD_SERVER_H
#define CLAIMSD_SERVER_H

#include <stdbool.h>

#include <civetweb.h>

#include <claims/claims.h>

struct server_config {
	char listen_host[256];
	int listen_port;
	const char *db_path;
	int threads;
};

/* The per-worker state CivetWeb keeps for us (mg_get_thread_pointer). */
struct worker {
	claims_db *db;
};

/* A request as the route handlers see it. */
struct request {
	struct mg_connection *conn;
	const struct mg_request_info *info;
	struct worker *worker;
	const char *route;  /* the route template that matched */
};

typedef int (*handler_fn)(struct request *req);

/* http.c: responses.  Each returns the status it sent. */
int http_send_json(struct mg_connection *conn, int status, const char *body,
		   const char *extra_headers);
int http_send_error(struct mg_connection *conn, int status, const char *code,
		    const char *message, const char *extra_headers);
const char *http_reason(int status);

/* routes.c: the dispatcher registered for every path. */
int routes_dispatch(struct mg_connection *conn, void *cbdata);

/* handlers_*.c */
int handle_root(struct request *req);
int handle_health(struct request *req);

#endif
