/*
 * claimsd: the read routes of claims, remittances, episodes, payers and
 * parser logs (spec/api.md §4.3-§4.5, §4.10).
 *
 * Lists: the library parses and validates the parameters (422 with every
 * problem), the total comes from the count key of the cache when it is
 * there (pages themselves are never cached), and the page is rendered by
 * the shared renderers.  Objects by id are read through the cache as
 * rendered JSON.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "render.h"
#include "server.h"

/* ---- lists */

/* One list route: each function wraps the library's typed one. */
struct list_route {
	/* Parse the parameters into the query (storage of the caller). */
	int (*parse)(struct request *req, void *query, claims_validation *v);
	/* The count key, or CLAIMS_ENOTFOUND when the query's total is not cached. */
	int (*count_key)(const void *query, char *buf, size_t len);
	int (*list)(void **out, claims_db *db, const void *query, const int64_t *known);
	int64_t (*total)(const void *list);
	char *(*render)(const void *list);
	void (*free)(void *list);
};

union any_query {
	claims_claim_query claim;
	claims_page page;
	claims_remit_query remit;
	claims_episode_query episode;
	claims_payer_query payer;
	claims_parser_log_query log;
	claims_audit_query audit;
};

static int
serve_list(struct request *req, const struct list_route *r)
{
	union any_query q;
	claims_validation v = { 0 };
	claims_cache_gen gen = 0;
	char key[512];
	int64_t total = 0;
	bool have = false, cached;
	void *list = NULL;
	int rc, status;

	rc = r->parse(req, &q, &v);
	if (rc == CLAIMS_EINVAL && v.count)
		return request_send_validation(req, &v);
	if (rc < 0)
		return http_send_db_error(req, rc);
	cached = r->count_key && r->count_key(&q, key, sizeof(key)) == CLAIMS_OK;
	if (cached)
		count_lookup(key, &total, &have, &gen);
	rc = r->list(&list, req->db, &q, have ? &total : NULL);
	if (rc < 0)
		return http_send_db_error(req, rc);
	if (cached && !have)
		count_store(key, r->total(list), gen);
	status = http_send_owned(req->conn, 200, r->render(list));
	r->free(list);
	return status;
}

/*
 * The typed wrappers of one model's list: NAME_list, NAME_total,
 * NAME_render, NAME_free.
 */
#define LIST_WRAPPERS(NAME, LTYPE, QTYPE, LIST_FN, RENDER_FN, FREE_FN)                     \
	static int NAME##_list(void **out, claims_db *db, const void *q, const int64_t *known) \
	{                                                                                      \
		LTYPE *l = NULL;                                                               \
		int rc = LIST_FN(&l, db, (const QTYPE *)q, known);                             \
                                                                                               \
		*out = l;                                                                      \
		return rc;                                                                     \
	}                                                                                      \
	static int64_t NAME##_total(const void *l)                                            \
	{                                                                                      \
		return ((const LTYPE *)l)->total;                                              \
	}                                                                                      \
	static char *NAME##_render(const void *l)                                             \
	{                                                                                      \
		return RENDER_FN((const LTYPE *)l);                                            \
	}                                                                                      \
	static void NAME##_free(void *l)                                                      \
	{                                                                                      \
		FREE_FN((LTYPE *)l);                                                           \
	}

LIST_WRAPPERS(claims, claims_claim_list, claims_claim_query, claims_claim_list_get,
	      render_claim_list, claims_claim_list_free)
LIST_WRAPPERS(unlinked, claims_claim_list, claims_page, claims_unlinked_list_get,
	      render_unlinked_list, claims_claim_list_free)
LIST_WRAPPERS(remits, claims_remit_list, claims_remit_query, claims_remit_list_get,
	      render_remit_list, claims_remit_list_free)
LIST_WRAPPERS(episodes, claims_episode_list, claims_episode_query, claims_episode_list_get,
	      render_episode_list, claims_episode_list_free)
LIST_WRAPPERS(payers, claims_payer_list, claims_payer_query, claims_payer_list_get,
	      render_payer_list, claims_payer_list_free)
LIST_WRAPPERS(logs, claims_parser_log_list, claims_parser_log_query, claims_parser_log_list_get,
	      render_parser_log_list, claims_parser_log_list_free)
LIST_WRAPPERS(audit, claims_audit_log_list, claims_audit_query, claims_audit_log_list_get,
	      render_audit_log_list, claims_audit_log_list_free)

/* Parameters; claims: practice_id must name a configured practice. */
static int
claims_parse(struct request *req, void *query, claims_validation *v)
{
	claims_claim_query *q = query;
	int rc = claims_claim_query_parse(q, req->params, req->nparams, v);

	if (rc == CLAIMS_OK && q->practice_id)
		rc = claims_practice_check(req->db, q->practice_id, "query", "practice_id", v);
	return rc;
}

static int
unlinked_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_page_parse(query, req->params, req->nparams, v);
}

static int
remits_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_remit_query_parse(query, req->params, req->nparams, v);
}

static int
episodes_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_episode_query_parse(query, req->params, req->nparams, v);
}

static int
payers_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_payer_query_parse(query, req->params, req->nparams, v);
}

static int
logs_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_parser_log_query_parse(query, req->params, req->nparams, v);
}

static int
audit_parse(struct request *req, void *query, claims_validation *v)
{
	return claims_audit_query_parse(query, req->params, req->nparams, v);
}

/* Count keys (cache.md §1); parser and audit logs are not counted through
 * the cache. */
static int
claims_key(const void *q, char *buf, size_t len)
{
	return claims_claim_query_count_key(q, buf, len);
}

static int
unlinked_key(const void *q, char *buf, size_t len)
{
	(void)q;
	return (size_t)snprintf(buf, len, "count:claim:unlinked=true") < len ? CLAIMS_OK
									      : CLAIMS_EINVAL;
}

static int
remits_key(const void *q, char *buf, size_t len)
{
	return claims_remit_query_count_key(q, buf, len);
}

static int
episodes_key(const void *q, char *buf, size_t len)
{
	return claims_episode_query_count_key(q, buf, len);
}

static int
payers_key(const void *q, char *buf, size_t len)
{
	return claims_payer_query_count_key(q, buf, len);
}

#define LIST_ROUTE(NAME, KEY) \
	{ NAME##_parse, KEY, NAME##_list, NAME##_total, NAME##_render, NAME##_free }

int
handle_claims_list(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(claims, claims_key);

	return serve_list(req, &r);
}

int
handle_claims_unlinked(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(unlinked, unlinked_key);

	return serve_list(req, &r);
}

int
handle_remits_list(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(remits, remits_key);

	return serve_list(req, &r);
}

int
handle_episodes_list(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(episodes, episodes_key);

	return serve_list(req, &r);
}

int
handle_payers_list(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(payers, payers_key);

	return serve_list(req, &r);
}

int
handle_parser_logs(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(logs, NULL);

	return serve_list(req, &r);
}

/* GET /api/v1/audit-logs (spec/api.md §4.8; the admin role is checked
 * before the handler). */
int
handle_audit_logs(struct request *req)
{
	static const struct list_route r = LIST_ROUTE(audit, NULL);

	return serve_list(req, &r);
}

/* GET /api/v1/audit-logs/stats?days=7 (1..365). */
int
handle_audit_stats(struct request *req)
{
	claims_validation v = { 0 };
	claims_audit_stats *st = NULL;
	int64_t days = 7;
	int rc, status;

	if (claims_param_int(&days, req->params, req->nparams, "days", 1, 365,
			     "must be between 1 and 365", false, &v) < 0)
		return request_send_validation(req, &v);
	rc = claims_audit_stats_get(&st, req->db, days, (int64_t)time(NULL));
	if (rc < 0)
		return http_send_db_error(req, rc);
	status = http_send_owned(req->conn, 200, render_audit_stats(st));
	claims_audit_stats_free(st);
	return status;
}

/* ---- objects by id, through the cache */

struct by_id {
	int64_t id;
};

static int
claim_build(struct request *req, void *ctx, char **body)
{
	claims_claim *c = NULL;
	int rc = claims_claim_get(&c, req->db, ((struct by_id *)ctx)->id);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Claim", ((struct by_id *)ctx)->id);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	*body = render_claim(c);
	claims_claim_free(c);
	return 200;
}

static int
remit_build(struct request *req, void *ctx, char **body)
{
	claims_remit *r = NULL;
	int rc = claims_remit_get(&r, req->db, ((struct by_id *)ctx)->id);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Remittance", ((struct by_id *)ctx)->id);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	*body = render_remit(r);
	claims_remit_free(r);
	return 200;
}

static int
episode_build(struct request *req, void *ctx, char **body)
{
	claims_episode *e = NULL;
	int rc = claims_episode_get(&e, req->db, ((struct by_id *)ctx)->id);

	if (rc == CLAIMS_ENOTFOUND) {
		*body = render_not_found("Episode", ((struct by_id *)ctx)->id);
		return 404;
	}
	if (rc < 0)
		return -http_send_db_error(req, rc);
	*body = render_episode(e);
	claims_episode_free(e);
	return 200;
}

/* GET <prefix>/{id}: the path id, then the cache key "<key>:<id>". */
static int
serve_by_id(struct request *req, const char *name, const char *key_prefix, build_fn build)
{
	struct by_id ctx;
	char key[64];

	if (!request_path_id(req, 0, name, &ctx.id))
		return 422;
	snprintf(key, sizeof(key), "%s:%lld", key_prefix, (long long)ctx.id);
	return serve_cached(req, key, build, &ctx);
}

int
handle_claim_get(struct request *req)
{
	return serve_by_id(req, "claim_id", "claim", claim_build);
}

int
handle_remit_get(struct request *req)
{
	return serve_by_id(req, "remit_id", "remittance", remit_build);
}

int
handle_episode_get(struct request *req)
{
	return serve_by_id(req, "episode_id", "episode", episode_build);
}
