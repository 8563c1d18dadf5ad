/* claimsd: writing responses. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "security.h"
#include "server.h"

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	}
	return "Unknown";
}

/* Whether this answer should end its keep-alive connection: only while
 * every request thread holds a connection, and after a few requests. */
static bool
end_keep_alive(const struct mg_connection *conn)
{
	uintptr_t n = (uintptr_t)mg_get_user_connection_data(conn) + 1;

	mg_set_user_connection_data(conn, (void *)n);
	return atomic_load(&app.held_connections) >= app.total_threads &&
	       n >= KEEPALIVE_BUSY_REQUESTS;
}

int
http_send_body(struct mg_connection *conn, int status, const char *content_type, const void *body,
	       size_t len, const char *extra_headers)
{
	char common[1024];

	security_headers(common, sizeof(common), status);
	if (strncmp(content_type, "application/json", 16) == 0)
		security_note_response_body(body, len);
	mg_printf(conn,
		  "HTTP/1.1 %d %s\r\n"
		  "Content-Type: %s\r\n"
		  "Content-Length: %zu\r\n"
		  "%s%s%s"
		  "\r\n",
		  status, http_reason(status), content_type, len, common,
		  end_keep_alive(conn) ? "Connection: close\r\n" : "",
		  extra_headers ? extra_headers : "");
	const char *method = mg_get_request_info(conn)->request_method;

	if (len && !(method && strcmp(method, "HEAD") == 0))
		mg_write(conn, body, len);
	return status;
}

int
http_send_json(struct mg_connection *conn, int status, const char *body, const char *extra_headers)
{
	return http_send_body(conn, status, "application/json; charset=utf-8", body, strlen(body),
			      extra_headers);
}

int
http_send_error(struct mg_connection *conn, int status, const char *code, const char *message,
		const char *extra_headers)
{
	char *body = json_error(code, message);
	int rc;

	if (!body) {
		/* Out of memory: a fixed body still keeps the contract. */
		return http_send_json(conn, 500,
				      "{\"error\":\"INTERNAL_ERROR\",\"message\":\"An unexpected "
				      "error occurred\",\"details\":{}}",
				      NULL);
	}
	rc = http_send_json(conn, status, body, extra_headers);
	free(body);
	return rc;
}

int
http_send_owned_headers(struct mg_connection *conn, int status, char *body,
			const char *extra_headers)
{
	int rc;

	if (!body)
		return http_send_error(conn, 500, "INTERNAL_ERROR", "An unexpected error occurred",
				       NULL);
	rc = http_send_json(conn, status, body, extra_headers);
	free(body);
	return rc;
}

int
http_send_owned(struct mg_connection *conn, int status, char *body)
{
	return http_send_owned_headers(conn, status, body, NULL);
}

int
http_send_db_error(struct request *req, int rc)
{
	const char *msg = claims_db_errmsg(req->db);

	switch (rc) {
	case CLAIMS_ENOTFOUND:
		return http_send_error(req->conn, 404, "NOT_FOUND", msg, NULL);
	case CLAIMS_EINVAL:
		return http_send_error(req->conn, 422, "VALIDATION_ERROR", msg, NULL);
	case CLAIMS_EEXISTS:
		return http_send_error(req->conn, 409, "CONFLICT", msg, NULL);
	case CLAIMS_EBUSY:
		return http_send_error(req->conn, 503, "DATABASE_BUSY",
				       "The database is busy; retry shortly", "Retry-After: 1\r\n");
	case CLAIMS_ENOMEM:
		return http_send_error(req->conn, 500, "INTERNAL_ERROR", "Out of memory", NULL);
	default:
		/* The route template, not the path (security.md §4). */
		fprintf(stderr, "claimsd: %s %s: %s\n", req->info->request_method, req->route,
			msg);
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", NULL);
	}
}
