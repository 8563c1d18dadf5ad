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

#include "audit.h"
#include "metrics.h"
#include "security.h"
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
	{ "GET", "/api/v1/audit-logs", handle_audit_logs },
	{ "GET", "/api/v1/audit-logs/stats", handle_audit_stats },
	{ "POST", "/api/v1/claims/upload", handle_claims_upload },
	{ "POST", "/api/v1/remits/upload", handle_remits_upload },
	{ "GET", "/api/v1/jobs", handle_jobs_list },
	{ "GET", "/api/v1/jobs/{job_id}", handle_job_get },
	{ "POST", "/api/v1/integrations/connect", handle_integrations_connect },
	{ "GET", "/api/v1/integrations/test/{adapter_name}", handle_integrations_test },
	{ "POST", "/api/v1/integrations/ehr/fetch-claims", handle_ehr_fetch_claims },
	{ "POST", "/api/v1/integrations/clearinghouse/submit/{claim_id}",
	  handle_clearinghouse_submit },
	{ "POST", "/api/v1/auth/token", handle_auth_token },
	{ "GET", "/api/v1/stats/summary", handle_stats_summary },
	{ "GET", "/api/v1/openapi.json", handle_openapi },
	{ "GET", "/openapi.json", handle_openapi },
	{ "GET", "/docs", handle_docs },
	{ "GET", "/redoc", handle_redoc },
	{ "GET", "/dashboard", handle_dashboard },
	{ "GET", "/dashboard/{asset}", handle_dashboard_asset },
	{ "GET", "/monitoring", handle_monitoring },
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
 * processes is looked at first (at most once a second, cache.md §7).
 * @p req, with its query parsed, lives in the dispatcher's frame, so that
 * the audit trail can read its parameters after the answer. */
static int
run(struct exchange *ex, struct request *req, const struct route *r,
    char args[ROUTE_MAX_ARGS][64], int nargs)
{
	req->conn = ex->conn;
	req->info = ex->info;
	req->worker = mg_get_thread_pointer(ex->conn);
	req->route = r->path;
	req->nargs = nargs;
	for (int i = 0; i < nargs; i++)
		req->args[i] = args[i];
	req->db = worker_db(req->worker);
	if (!req->db)
		return http_send_error(ex->conn, 503, "DATABASE_UNAVAILABLE",
				       "The database cannot be opened", "Retry-After: 5\r\n");
	if (claims_cache_sync_epoch(app.cache, req->db) < 0)
		fprintf(stderr, "claimsd: reading the write epoch: %s\n", claims_db_errmsg(req->db));
	return r->fn(req);
}

/* Route and method (404/405), then the handler. */
static int
route(struct exchange *ex, struct request *req)
{
	struct mg_connection *conn = ex->conn;
	const struct mg_request_info *info = ex->info;
	const char *path = ex->path;
	char args[ROUTE_MAX_ARGS][64];
	char allow[128] = "";
	bool path_known = false;
	int nargs;

	for (size_t i = 0; i < N_ROUTES; i++) {
		if (!match(routes[i].path, path, args, &nargs))
			continue;
		if (method_is(info, routes[i].method)) {
			ex->route = routes[i].path;
			return run(ex, req, &routes[i], args, nargs);
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
	struct worker *w = mg_get_thread_pointer(conn);
	struct request req = { 0 };
	struct exchange ex;
	int status;

	(void)cbdata;
	while (sem_wait(&app.request_slots) != 0)
		; /* EINTR */
	security_begin(&ex, conn);
	/* The query first: the audit trail examines it for every answer,
	 * refusals before a handler included. */
	req.info = ex.info;
	if (request_parse_query(&req) < 0) {
		status = http_send_owned(conn, 500, NULL);
		goto done;
	}
	ex.params = req.params;
	ex.nparams = req.nparams;
	status = security_check(&ex, w);
	if (status == 0)
		status = route(&ex, &req);
done:
	security_end(&ex);
	request_free(&req);
	sem_post(&app.request_slots);
	return status;
}
