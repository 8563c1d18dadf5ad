/*
 * claimsd: linking, episode status, risk and pattern routes (spec/api.md
 * §4.4-§4.7).  The library invalidates the cached answers its writes
 * change (cache.md §6) on the worker's handle; a new risk score is then
 * stored under risk_score:{claim_id}.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "notify.h"
#include "render.h"
#include "render_engine.h"
#include "server.h"

/* 404 for a missing @p resource, else the library's status. */
static int
send_failure(struct request *req, int rc, const char *resource, int64_t id)
{
	if (rc == CLAIMS_ENOTFOUND && resource)
		return http_send_owned(req->conn, 404, render_not_found(resource, id));
	return http_send_db_error(req, rc);
}

int
handle_remit_link(struct request *req)
{
	claims_link_result *r = NULL;
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "remittance_id", &id))
		return 422;
	rc = claims_link_remittance(&r, req->db, id, &app.engine);
	if (rc < 0)
		return send_failure(req, rc, "Remittance", id);
	if (r->outcome == CLAIMS_LINK_LINKED && r->episode)
		notify_episode_linked(r->episode->id, r->episode->claim_id,
				      r->episode->remittance_id, r->episode->status);
	status = http_send_owned(req->conn, 200, render_api_remit_link(r));
	claims_link_result_free(r);
	return status;
}

int
handle_episode_link(struct request *req)
{
	claims_validation v = { 0 };
	claims_episode *e = NULL;
	int64_t ignored, claim_id = 0, remit_id = 0;
	bool created = false;
	int rc, status;

	/* The path id must be an integer and is otherwise unused. */
	if (!request_path_id(req, 0, "episode_id", &ignored))
		return 422;
	rc = claims_param_int(&claim_id, req->params, req->nparams, "claim_id", 1, INT64_MAX,
			      "must be greater than or equal to 1", true, &v);
	if (claims_param_int(&remit_id, req->params, req->nparams, "remittance_id", 1,
			     INT64_MAX, "must be greater than or equal to 1", true, &v) < 0 ||
	    rc < 0)
		return request_send_validation(req, &v);
	rc = claims_episode_link(&e, &created, req->db, claim_id, remit_id);
	if (rc < 0)
		return http_send_db_error(req, rc); /* the message names what is missing */
	if (created)
		notify_episode_linked(e->id, e->claim_id, e->remittance_id, e->status);
	status = http_send_owned(req->conn, 200, render_api_episode_linked(e));
	claims_episode_free(e);
	return status;
}

/* episode_completed when the new status is complete, else
 * episode_status_changed (spec/api.md §4.5). */
static void
notify_status_set(const claims_episode *before, const claims_episode *e)
{
	if (strcmp(e->status, "complete") == 0)
		notify_episode_completed(e->id, e->claim_id, e->remittance_id);
	else
		notify_episode_status_changed(e->id, e->claim_id, before ? before->status : NULL,
					      e->status);
}

int
handle_episode_status(struct request *req)
{
	claims_validation v = { .count = 1 };
	claims_episode *e = NULL, *before = NULL;
	char *body = NULL, *value = NULL;
	size_t len;
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "episode_id", &id))
		return 422;
	status = request_read_body(req, &body, &len);
	if (status)
		return status;
	rc = json_body_string(body, "status", &value);
	free(body);
	switch (rc) {
	case JSON_BODY_OK:
		break;
	case JSON_BODY_NOMEM:
		return http_send_owned(req->conn, 500, NULL);
	case JSON_BODY_INVALID:
		v.errors[0] = (claims_validation_error){ "body", NULL, "json_invalid",
							  "the body is not valid JSON" };
		return request_send_validation(req, &v);
	case JSON_BODY_NOT_OBJECT:
		v.errors[0] = (claims_validation_error){ "body", NULL, "json_invalid",
							  "the body must be a JSON object" };
		return request_send_validation(req, &v);
	case JSON_BODY_MISSING:
		v.errors[0] = (claims_validation_error){ "body", "status", "missing",
							  "is required" };
		return request_send_validation(req, &v);
	default:
		v.errors[0] = (claims_validation_error){ "body", "status", "string_type",
							  "must be a string" };
		return request_send_validation(req, &v);
	}
	/* The status before, for episode_status_changed (a change racing this
	 * one may make it stale; the new status is the library's answer). */
	if (notify_active() && claims_episode_get(&before, req->db, id) < 0)
		before = NULL;
	rc = claims_episode_set_status(&e, req->db, id, value);
	free(value);
	if (rc == CLAIMS_EINVAL) {
		claims_episode_free(before);
		v.errors[0] = (claims_validation_error){
			"body", "status", "enum",
			"must be one of: pending, linked, complete, denied, reversed"
		};
		return request_send_validation(req, &v);
	}
	if (rc < 0) {
		claims_episode_free(before);
		return send_failure(req, rc, "Episode", id);
	}
	notify_status_set(before, e);
	claims_episode_free(before);
	status = http_send_owned(req->conn, 200, render_api_episode_status(e, "Episode status updated"));
	claims_episode_free(e);
	return status;
}

int
handle_episode_complete(struct request *req)
{
	claims_episode *e = NULL;
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "episode_id", &id))
		return 422;
	rc = claims_episode_complete(&e, req->db, id);
	if (rc < 0)
		return send_failure(req, rc, "Episode", id);
	notify_episode_completed(e->id, e->claim_id, e->remittance_id);
	status = http_send_owned(req->conn, 200,
				 render_api_episode_status(e, "Episode marked as complete"));
	claims_episode_free(e);
	return status;
}

/* ---- risk */

/* The newest score; "not yet calculated" is answered but never cached. */
static int
risk_build(struct request *req, void *ctx, char **body)
{
	int64_t id = *(int64_t *)ctx;
	claims_risk_score *s = NULL;
	int rc = claims_risk_latest(&s, req->db, id);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Claim", id);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	if (!s)
		return -http_send_owned(req->conn, 200, render_risk_none(id));
	*body = render_risk_score(s);
	claims_risk_score_free(s);
	return 200;
}

int
handle_risk_get(struct request *req)
{
	char key[64];
	int64_t id;

	if (!request_path_id(req, 0, "claim_id", &id))
		return 422;
	snprintf(key, sizeof(key), "risk_score:%lld", (long long)id);
	return serve_cached(req, key, risk_build, &id);
}

int
handle_risk_calculate(struct request *req)
{
	claims_risk_score *s = NULL;
	char key[64], *full;
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "claim_id", &id))
		return 422;
	rc = claims_risk_calculate(&s, req->db, id, &app.engine);
	if (rc < 0)
		return send_failure(req, rc, "Claim", id);
	/* The write invalidated the key; the new score is now the current one. */
	full = render_risk_score(s);
	if (full) {
		snprintf(key, sizeof(key), "risk_score:%lld", (long long)id);
		rc = claims_cache_put(app.cache, key, full, strlen(full), CLAIMS_CACHE_GEN_ANY);
		(void)rc;
		free(full);
	}
	notify_risk_score(s);
	status = http_send_owned(req->conn, 200, render_risk_calculated(s));
	claims_risk_score_free(s);
	return status;
}

/* ---- patterns */

/* days_back: 1..365, default 90. */
static bool
days_back(struct request *req, int *out)
{
	claims_validation v = { 0 };
	int64_t days = 90;

	if (claims_param_int(&days, req->params, req->nparams, "days_back", 1, 365,
			     "must be between 1 and 365", false, &v) < 0) {
		request_send_validation(req, &v);
		return false;
	}
	*out = (int)days;
	return true;
}

int
handle_patterns_detect(struct request *req)
{
	claims_pattern_list *l = NULL;
	int64_t payer;
	int days, rc, status;

	if (!request_path_id(req, 0, "payer_id", &payer) || !days_back(req, &days))
		return 422;
	rc = claims_patterns_detect(&l, req->db, payer, days, &app.engine);
	if (rc < 0)
		return send_failure(req, rc, "Payer", payer);
	status = http_send_owned(req->conn, 200, render_pattern_list(l, true));
	claims_pattern_list_free(l);
	return status;
}

int
handle_patterns_detect_all(struct request *req)
{
	claims_pattern_detect_summary *sum = NULL;
	int days, rc, status;

	if (!days_back(req, &days))
		return 422;
	rc = claims_patterns_detect_all(&sum, req->db, days, &app.engine);
	if (rc < 0)
		return http_send_db_error(req, rc);
	status = http_send_owned(req->conn, 200, render_pattern_detect_all(sum));
	claims_pattern_detect_summary_free(sum);
	return status;
}

static int
patterns_build(struct request *req, void *ctx, char **body)
{
	int64_t payer = *(int64_t *)ctx;
	claims_pattern_list *l = NULL;
	int rc = claims_patterns_list(&l, req->db, payer);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Payer", payer);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	*body = render_pattern_list(l, false);
	claims_pattern_list_free(l);
	return 200;
}

int
handle_patterns_payer(struct request *req)
{
	char key[64];
	int64_t payer;

	if (!request_path_id(req, 0, "payer_id", &payer))
		return 422;
	snprintf(key, sizeof(key), "pattern:payer:%lld", (long long)payer);
	return serve_cached(req, key, patterns_build, &payer);
}

static int
analysis_build(struct request *req, void *ctx, char **body)
{
	int64_t claim = *(int64_t *)ctx;
	claims_pattern_analysis *a = NULL;
	int rc = claims_patterns_analyze_claim(&a, req->db, claim);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Claim", claim);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	*body = render_pattern_analysis(a);
	claims_pattern_analysis_free(a);
	return 200;
}

int
handle_patterns_analyze(struct request *req)
{
	char key[64];
	int64_t claim;

	if (!request_path_id(req, 0, "claim_id", &claim))
		return 422;
	snprintf(key, sizeof(key), "pattern:analysis:%lld", (long long)claim);
	return serve_cached(req, key, analysis_build, &claim);
}
