/*
 * JSON of GET /api/v1/stats/summary from claims_stats_summary_get(): the
 * dashboard's totals, claims by status, paid amount, denial rate overall and
 * by payer, top denial reasons and risk levels.  Rates are num4 (denied /
 * adjudicated, rounded half away from zero in integers; 0.0000 without
 * adjudicated episodes), money num2.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "render.h"

/* round4(num / den) as text; den 0 gives 0.0000. */
static cJSON *
rate(int64_t num, int64_t den)
{
	char buf[48];
	int64_t q = 0;

	if (den > 0 && num >= 0)
		q = (num * 20000 + den) / (2 * den);
	snprintf(buf, sizeof(buf), "%" PRId64 ".%04" PRId64, q / 10000, q % 10000);
	return cJSON_CreateRaw(buf);
}

static void
add_int(cJSON *o, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	cJSON_AddRawToObject(o, key, buf);
}

char *
render_stats_summary(const claims_stats_summary *s, const char *generated_at)
{
	cJSON *o = cJSON_CreateObject(), *st = cJSON_CreateObject(), *rl = cJSON_CreateObject(),
	      *payers = cJSON_CreateArray(), *codes = cJSON_CreateArray();
	char *out = NULL;

	if (!o || !st || !rl || !payers || !codes) {
		cJSON_Delete(st);
		cJSON_Delete(rl);
		cJSON_Delete(payers);
		cJSON_Delete(codes);
		goto done;
	}
	add_int(o, "claims", s->claims);
	add_int(o, "remittances", s->remittances);
	add_int(o, "episodes", s->episodes);
	cJSON_AddItemToObject(o, "paid_amount", render_money(s->paid_cents));
	add_int(o, "adjudicated_episodes", s->adjudicated);
	add_int(o, "denied_episodes", s->denied);
	cJSON_AddItemToObject(o, "denial_rate", rate(s->denied, s->adjudicated));

	add_int(st, "pending", s->claims_by_status.pending);
	add_int(st, "processed", s->claims_by_status.processed);
	add_int(st, "denied", s->claims_by_status.denied);
	add_int(st, "reversed", s->claims_by_status.reversed);
	add_int(st, "void", s->claims_by_status.voided);
	cJSON_AddItemToObject(o, "claims_by_status", st);

	add_int(rl, "low", s->risk_levels.low);
	add_int(rl, "medium", s->risk_levels.medium);
	add_int(rl, "high", s->risk_levels.high);
	add_int(rl, "critical", s->risk_levels.critical);
	add_int(rl, "unscored", s->risk_levels.unscored);
	cJSON_AddItemToObject(o, "risk_levels", rl);

	for (size_t i = 0; i < s->n_payers; i++) {
		const claims_stats_payer *p = &s->payers[i];
		cJSON *x = cJSON_CreateObject();

		if (!x)
			continue;
		add_int(x, "payer_id", p->id);
		cJSON_AddStringToObject(x, "payer_name", p->name ? p->name : "");
		add_int(x, "adjudicated_episodes", p->adjudicated);
		add_int(x, "denied_episodes", p->denied);
		cJSON_AddItemToObject(x, "denial_rate", rate(p->denied, p->adjudicated));
		cJSON_AddItemToArray(payers, x);
	}
	cJSON_AddItemToObject(o, "denial_rate_by_payer", payers);

	for (size_t i = 0; i < s->n_codes; i++) {
		const claims_stats_code *c = &s->codes[i];
		cJSON *x = cJSON_CreateObject();

		if (!x)
			continue;
		cJSON_AddStringToObject(x, "code", c->code);
		if (c->description)
			cJSON_AddStringToObject(x, "description", c->description);
		else
			cJSON_AddNullToObject(x, "description");
		add_int(x, "episodes", c->episodes);
		cJSON_AddItemToArray(codes, x);
	}
	cJSON_AddItemToObject(o, "top_denial_codes", codes);
	cJSON_AddStringToObject(o, "generated_at", generated_at);
	out = cJSON_PrintUnformatted(o);
done:
	cJSON_Delete(o);
	return out;
}
