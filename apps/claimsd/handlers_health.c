/* claimsd: GET /, health, detailed health and the cache statistics routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "json.h"
#include "metrics.h"
#include "render_server.h"
#include "render.h"
#include "server.h"

int
handle_root(struct request *req)
{
	return http_send_owned(req->conn, 200, json_root_info());
}

int
handle_health(struct request *req)
{
	return http_send_owned(req->conn, 200, json_health());
}

int
handle_health_detailed(struct request *req)
{
	struct health_report h = { 0 };
	struct jobs_counts jc;
	claims_cache_stats *cs = NULL;
	char ts[32];
	double t0 = metrics_now();
	int status;

	/* Always 200: a component that fails is reported, not raised. */
	h.db_ok = claims_db_schema_version(&h.schema_version, req->db) == CLAIMS_OK;
	h.db_response_ms = (metrics_now() - t0) * 1000.0;
	if (!h.db_ok)
		h.db_error = claims_db_errmsg(req->db);
	if (claims_cache_stats_get(&cs, app.cache) == CLAIMS_OK) {
		h.cache_entries = cs->entries;
		h.cache_bytes = cs->bytes;
	}
	claims_cache_stats_free(cs);
	jobs_get_counts(app.jobs, &jc);
	h.worker_ok = jc.threads > 0;
	h.worker_threads = jc.threads;
	h.queued_jobs = jc.queued;
	h.running_jobs = jc.running;
	render_utc_now(ts);
	h.timestamp = ts;
	status = http_send_owned(req->conn, 200, render_health_detailed(&h));
	return status;
}

int
handle_cache_stats(struct request *req)
{
	const char *key = request_param(req, "key");
	claims_cache_stats *s = NULL;
	int status;

	if (key && *key) {
		claims_cache_counts c;
		bool tracked;

		if (claims_cache_key_stats_get(&c, &tracked, app.cache, key) < 0)
			return http_send_owned(req->conn, 500, NULL);
		return http_send_owned(req->conn, 200, render_cache_key_stats(key, &c, tracked));
	}
	/* A failure inside the statistics is a 500, never a 200 with an error. */
	if (claims_cache_stats_get(&s, app.cache) < 0)
		return http_send_owned(req->conn, 500, NULL);
	status = http_send_owned(req->conn, 200, render_cache_stats(s));
	claims_cache_stats_free(s);
	return status;
}

int
handle_cache_stats_reset(struct request *req)
{
	const char *key = request_param(req, "key");
	char msg[600];

	if (key && !*key)
		key = NULL; /* key= means all */
	if (claims_cache_stats_reset(app.cache, key) < 0)
		return http_send_owned(req->conn, 500, NULL);
	if (key)
		snprintf(msg, sizeof(msg), "Cache statistics reset for key: %s", key);
	else
		snprintf(msg, sizeof(msg), "Cache statistics reset for all keys");
	return http_send_owned(req->conn, 200, render_message(msg));
}
