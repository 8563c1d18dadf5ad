/*
 * claimsd: the route table and dispatcher.
 *
 * One CivetWeb handler receives every request.  The table maps (method,
 * path template) to a handler; a template segment "{name}" matches any one
 * non-empty segment and is handed to the handler as text (handlers parse
 * and refuse ids themselves, so /claims/abc is a 422, not a 404).  Literal
 * routes come before the templates they overlap (/claims/unlinked before
 * /claims/{claim_id}).  An unknown path is a 404 and a known path with
 * another method a 405 with an Allow header, both as JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "server.h"

struct route {
	const char *method;
	const char *path;
	handler_fn fn;
};

static const struct route routes[] = {
	{ "GET", "/", handle_root },
	{ "GET", "/api/v1/health", handle_health },
	{ "GET", "/api/v1/health/detailed", handle_health_detailed },
	{ "GET", "/api/v1/cache/stats", handle_cache_stats },
	{ "POST", "/api/v1/cache/stats/reset", handle_cache_stats_reset },
	{ "GET", "/api/v1/claims", handle_claims_list },
	{ "GET", "/api/v1/claims/unlinked", handle_claims_unlinked },
	{ "GET", "/api/v1/claims/{claim_id}", handle_claim_get },
	{ "GET", "/api/v1/remits", handle_remits_list },
	{ "GET", "/api/v1/remits/{remit_id}", handle_remit_get },
	{ "POST", "/api/v1/remits/{remittance_id}/link", handle_remit_link },
	{ "GET", "/api/v1/episodes", handle_episodes_list },
	{ "GET", "/api/v1/episodes/{episode_id}", handle_episode_get },
	{ "POST", "/api/v1/episodes/{episode_id}/link", handle_episode_link },
	{ "PATCH", "/api/v1/episodes/{episode_id}/status", handle_episode_status },
	{ "POST", "/api/v1/episodes/{episode_id}/complete", handle_episode_complete },
	{ "GET", "/api/v1/risk/{claim_id}", handle_risk_get },
	{ "POST", "/api/v1/risk/{claim_id}/calculate", handle_risk_calculate },
	{ "POST", "/api/v1/patterns/detect-all", handle_patterns_detect_all },
	{ "POST", "/api/v1/patterns/detect/{payer_id}", handle_patterns_detect },
	{ "GET", "/api/v1/patterns/payer/{payer_id}", handle_patterns_payer },
	{ "POST", "/api/v1/patterns/analyze-claim/{claim_id}", handle_patterns_analyze },
	{ "GET", "/api/v1/payers", handle_payers_list },
	{ "GET", "/api/v1/parser-logs", handle_parser_logs },
	{ "POST", "/api/v1/claims/upload", handle_claims_upload },
	{ "POST", "/api/v1/remits/upload", handle_remits_upload },
	{ "GET", "/api/v1/jobs", handle_jobs_list },
	{ "GET", "/api/v1/jobs/{job_id}", handle_job_get },
	{ "GET", "/metrics", handle_metrics },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

size_t
routes_count(void)
{
	return N_ROUTES;
}

void
routes_get(size_t i, const char **method, const char **path)
{
	*method = routes[i].method;
	*path = routes[i].path;
}

/* Whether @p path matches @p tmpl; the variables' text goes to @p req
 * (pointers into req->path_buf-like storage owned by the caller). */
static bool
match(const char *tmpl, const char *path, char args[ROUTE_MAX_ARGS][64], int *nargs)
{
	const char *t = tmpl, *p = path;

	*nargs = 0;
	while (*t && *p) {
		if (*t == '{') {
			const char *tend = strchr(t, '}');
			size_t n = strcspn(p, "/");

			if (!tend || n == 0 || *nargs == ROUTE_MAX_ARGS)
				return false;
			/* Longer than any id: kept cut, the handler refuses it. */
			snprintf(args[*nargs], 64, "%.*s", (int)(n < 63 ? n : 63), p);
			(*nargs)++;
			t = tend + 1;
			p += n;
			continue;
		}
		if (*t != *p)
			return false;
		t++;
		p++;
	}
	return *t == '\0' && *p == '\0';
}

static bool
method_is(const struct mg_request_info *info, const char *method)
{
	return strcmp(info->request_method, method) == 0 ||
	       (strcmp(method, "GET") == 0 && strcmp(info->request_method, "HEAD") == 0);
}

/* Run the handler with a worker's database; the write epoch of other
 * processes is looked at first (at most once a second, cache.md §7). */
static int
run(struct mg_connection *conn, const struct mg_request_info *info, const struct route *r,
    char args[ROUTE_MAX_ARGS][64], int nargs)
{
	struct request req = {
		.conn = conn,
		.info = info,
		.worker = mg_get_thread_pointer(conn),
		.route = r->path,
		.nargs = nargs,
	};
	int status;

	for (int i = 0; i < nargs; i++)
		req.args[i] = args[i];
	req.db = worker_db(req.worker);
	if (!req.db)
		return http_send_error(conn, 503, "DATABASE_UNAVAILABLE",
				       "The database cannot be opened", "Retry-After: 5\r\n");
	if (claims_cache_sync_epoch(app.cache, req.db) < 0)
		fprintf(stderr, "claimsd: reading the write epoch: %s\n", claims_db_errmsg(req.db));
	if (request_parse_query(&req) < 0)
		return http_send_owned(conn, 500, NULL);
	status = r->fn(&req);
	request_free(&req);
	return status;
}

/* Find the route and answer; *route_out names the template that matched
 * (NULL when none did).  Returns the status sent. */
static int
dispatch(struct mg_connection *conn, const struct mg_request_info *info, const char **route_out)
{
	const char *path = info->local_uri ? info->local_uri : "/";
	char args[ROUTE_MAX_ARGS][64];
	char allow[128] = "";
	bool path_known = false;
	int nargs;

	*route_out = NULL;
	for (size_t i = 0; i < N_ROUTES; i++) {
		if (!match(routes[i].path, path, args, &nargs))
			continue;
		if (method_is(info, routes[i].method)) {
			*route_out = routes[i].path;
			return run(conn, info, &routes[i], args, nargs);
		}
		path_known = true;
		if (!strstr(allow, routes[i].method)) {
			if (allow[0])
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, routes[i].method, sizeof(allow) - strlen(allow) - 1);
		}
	}
	if (path_known) {
		char header[160], msg[160];

		snprintf(header, sizeof(header), "Allow: %s\r\n", allow);
		snprintf(msg, sizeof(msg), "Method %s not allowed on this path", info->request_method);
		return http_send_error(conn, 405, "METHOD_NOT_ALLOWED", msg, header);
	}
	return http_send_error(conn, 404, "NOT_FOUND", "No route for this path", NULL);
}

int
routes_dispatch(struct mg_connection *conn, void *cbdata)
{
	const struct mg_request_info *info = mg_get_request_info(conn);
	double t0 = metrics_now();
	const char *route;
	int status;

	(void)cbdata;
	while (sem_wait(&app.request_slots) != 0 && errno == EINTR)
		;
	status = dispatch(conn, info, &route);
	sem_post(&app.request_slots);
	/* Every response, by its template (never the raw path). */
	metrics_observe_request(info->request_method, route ? route : METRICS_ROUTE_UNMATCHED,
				status, metrics_now() - t0);
	return status;
}
