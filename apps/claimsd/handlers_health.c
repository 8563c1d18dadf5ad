/* claimsd: GET / and GET /api/v1/health. */
#include "config.h"

#include <stdlib.h>

#include "json.h"
#include "server.h"

static int
send_owned(struct request *req, char *body)
{
	int rc;

	if (!body)
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", NULL);
	rc = http_send_json(req->conn, 200, body, NULL);
	free(body);
	return rc;
}

int
handle_root(struct request *req)
{
	return send_owned(req, json_root_info());
}

int
handle_health(struct request *req)
{
	return send_owned(req, json_health());
}
