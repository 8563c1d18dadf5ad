/*
 * The API objects of spec/api.md §2 rendered from the library's read models
 * (claims/query.h), shared by claimsd and claims --json.  apps/common/json.c
 * and apps/common/render_*.c are the only files that include cJSON.
 *
 * Every function returns a malloc'd NUL-terminated JSON text (free with
 * free()), or NULL when out of memory.  Money has two decimals, timestamps
 * are the stored UTC text with Z, nullable fields are null; no patient name,
 * date of birth or member id is in any model, so none is rendered.
 */
#ifndef CLAIMS_APP_RENDER_H
#define CLAIMS_APP_RENDER_H

#include <claims/claims.h>

/* Objects. */
char *render_claim(const claims_claim *c);                 /* Claim */
char *render_remit(const claims_remit *r);                 /* Remit */
char *render_episode(const claims_episode *e);             /* Episode */
/* The Episode object as a cJSON item, for renderers that embed it (a link
 * result); NULL when out of memory. */
struct cJSON *render_episode_item(const claims_episode *e);
char *render_payer(const claims_payer *p);                 /* Payer */

/* Lists: {"<items>": [...], "total", "skip", "limit"} (spec/README.md). */
char *render_claim_list(const claims_claim_list *l);       /* "claims": [ClaimSummary] */
char *render_unlinked_list(const claims_claim_list *l);    /* "claims": [{id, claim_control_number,
							      total_charge_amount, service_date,
							      payer_name}] */
char *render_remit_list(const claims_remit_list *l);       /* "remits": [RemitSummary] */
char *render_episode_list(const claims_episode_list *l);   /* "episodes": [Episode] */
char *render_payer_list(const claims_payer_list *l);       /* "payers": [Payer] */
char *render_parser_log_list(const claims_parser_log_list *l); /* "logs": [ParserLog] */
char *render_audit_log_list(const claims_audit_log_list *l); /* "logs": [AuditLog] */

/* GET /api/v1/audit-logs/stats (spec/api.md §4.8): {"period_days",
 * "start_date", "end_date", "total_requests", "requests_by_method",
 * "requests_by_status" (keys sorted), "unique_users", "unique_ip_addresses",
 * "average_duration_seconds" (4 decimals, null without requests),
 * "requests_per_day" (2 decimals)}. */
char *render_audit_stats(const claims_audit_stats *s);

/* GET /api/v1/stats/summary: {"claims", "remittances", "episodes",
 * "paid_amount", "adjudicated_episodes", "denied_episodes", "denial_rate",
 * "claims_by_status": {...}, "risk_levels": {...}, "denial_rate_by_payer":
 * [...], "top_denial_codes": [...], "generated_at"}. */
char *render_stats_summary(const claims_stats_summary *s, const char *generated_at);

/* Errors (spec/README.md "Errors"). */
/* 422 {"error": "VALIDATION_ERROR", "message": "Invalid parameters",
 *      "details": [{"loc": [where, name], "msg", "type"}]} */
char *render_validation_error(const claims_validation *v);
/* 404 {"error": "NOT_FOUND", "message": "<Resource> not found (id: N)",
 *      "details": {"resource", "id"}} */
char *render_not_found(const char *resource, int64_t id);

/* Money in cents as text with two decimals ("-0.01"), for human output. */
void render_format_cents(char buf[static 32], int64_t cents);
/* Money as a JSON number with exactly two decimals (cJSON alone would print
 * 1500.00 as 1500); NULL when out of memory.  The one money renderer of
 * json.c and render_*.c. */
struct cJSON *render_money(int64_t cents);

/* The current time as "YYYY-MM-DDTHH:MM:SSZ". */
void render_utc_now(char out[static 32]);

#endif
