/*
 * claimsd: the route table and dispatcher.
 *
 * One CivetWeb handler receives every request; the table below maps
 * (method, path template) to a handler.  An unknown path is 404 and a known
 * path with another method is 405 with an Allow header, both as JSON.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "server.h"

struct route {
	const char *method;
	const char *path;
	handler_fn fn;
};

static const struct route routes[] = {
	{ "GET", "/", handle_root },
	{ "GET", "/api/v1/health", handle_health },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

int
routes_dispatch(struct mg_connection *conn, void *cbdata)
{
	const struct mg_request_info *info = mg_get_request_info(conn);
	const char *path = info->local_uri ? info->local_uri : "/";
	char allow[128] = "";
	bool path_known = false;

	(void)cbdata;
	for (size_t i = 0; i < N_ROUTES; i++) {
		if (strcmp(routes[i].path, path) != 0)
			continue;
		path_known = true;
		if (strcmp(routes[i].method, info->request_method) == 0 ||
		    (strcmp(info->request_method, "HEAD") == 0 &&
		     strcmp(routes[i].method, "GET") == 0)) {
			struct request req = {
				.conn = conn,
				.info = info,
				.worker = mg_get_thread_pointer(conn),
				.route = routes[i].path,
			};
			return routes[i].fn(&req);
		}
		if (allow[0])
			strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
		strncat(allow, routes[i].method, sizeof(allow) - strlen(allow) - 1);
	}
	if (path_known) {
		char header[160], msg[160];

		snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
		snprintf(msg, sizeof(msg), "Method %s not allowed on this path", info->request_method);
		return http_send_error(conn, 405, "METHOD_NOT_ALLOWED", msg, header);
	}
	return http_send_error(conn, 404, "NOT_FOUND", "No route for this path", NULL);
}
