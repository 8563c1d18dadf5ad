/*
 * JSON rendering of the engine's results (spec/api.md §2).  Numbers typed
 * num2 / num4 are written with exactly 2 / 4 decimals, as raw number text.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "render.h"
#include "render_engine.h"

static cJSON *
fixed(double v, int places)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", places, v);
	return cJSON_CreateRaw(buf);
}

static cJSON *
int_or_null(int64_t v)
{
	return v ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

static cJSON *
str_or_null(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static char *
finish(cJSON *o)
{
	char *out = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return out;
}

static cJSON *
string_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static cJSON *
components(const claims_risk_score *s)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddItemToObject(c, "coding_risk", fixed(s->coding_risk, 2));
	cJSON_AddItemToObject(c, "documentation_risk", fixed(s->documentation_risk, 2));
	cJSON_AddItemToObject(c, "payer_risk", fixed(s->payer_risk, 2));
	cJSON_AddItemToObject(c, "historical_risk", fixed(s->historical_risk, 2));
	cJSON_AddItemToObject(c, "pattern_risk", fixed(s->pattern_risk, 2));
	return c;
}

char *
render_risk_score(const claims_risk_score *s)
{
	cJSON *o = cJSON_CreateObject(), *factors = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "claim_id", (double)s->claim_id);
	cJSON_AddItemToObject(o, "overall_score", fixed(s->overall_score, 2));
	cJSON_AddStringToObject(o, "risk_level", s->risk_level);
	cJSON_AddItemToObject(o, "component_scores", components(s));
	for (size_t i = 0; i < s->n_factors; i++) {
		const claims_risk_factor *f = &s->factors[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "type", f->type);
		cJSON_AddStringToObject(x, "code", f->code);
		cJSON_AddStringToObject(x, "severity", f->severity);
		cJSON_AddStringToObject(x, "message", f->message);
		cJSON_AddItemToObject(x, "points", fixed(f->points, 2));
		if (f->pattern_id) {
			cJSON_AddNumberToObject(x, "pattern_id", (double)f->pattern_id);
			cJSON_AddItemToObject(x, "denial_reason_code",
					      str_or_null(f->denial_reason_code));
			cJSON_AddItemToObject(x, "match_score", fixed(f->match_score, 4));
			cJSON_AddItemToObject(x, "confidence", fixed(f->confidence, 4));
		}
		cJSON_AddItemToArray(factors, x);
	}
	cJSON_AddItemToObject(o, "risk_factors", factors);
	cJSON_AddItemToObject(o, "recommendations",
			      string_array(s->recommendations, s->n_recommendations));
	cJSON_AddStringToObject(o, "model_version", s->model_version);
	cJSON_AddNumberToObject(o, "claim_version", (double)s->claim_version);
	cJSON_AddStringToObject(o, "calculated_at", s->calculated_at);
	return finish(o);
}

char *
render_risk_calculated(const claims_risk_score *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "claim_id", (double)s->claim_id);
	cJSON_AddItemToObject(o, "overall_score", fixed(s->overall_score, 2));
	cJSON_AddStringToObject(o, "risk_level", s->risk_level);
	cJSON_AddStringToObject(o, "status", "calculated");
	cJSON_AddItemToObject(o, "component_scores", components(s));
	cJSON_AddStringToObject(o, "calculated_at", s->calculated_at);
	return finish(o);
}

char *
render_risk_none(int64_t claim_id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "claim_id", (double)claim_id);
	cJSON_AddStringToObject(o, "message", "Risk score not yet calculated");
	return finish(o);
}

static cJSON *
conditions(const claims_pattern_conditions *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "procedure_codes",
			      string_array(c->procedure_codes, c->n_procedure_codes));
	cJSON_AddItemToObject(o, "principal_diagnoses",
			      string_array(c->principal_diagnoses, c->n_principal_diagnoses));
	cJSON_AddItemToObject(o, "facility_types",
			      string_array(c->facility_types, c->n_facility_types));
	cJSON_AddItemToObject(o, "charge_amount_min",
			      c->has_charge_range ? render_money(c->charge_min_cents) : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "charge_amount_max",
			      c->has_charge_range ? render_money(c->charge_max_cents) : cJSON_CreateNull());
	return o;
}

static cJSON *
pattern(const claims_pattern *p)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)p->id);
	cJSON_AddStringToObject(o, "pattern_type", p->pattern_type);
	cJSON_AddStringToObject(o, "pattern_description", p->pattern_description);
	cJSON_AddStringToObject(o, "denial_reason_code", p->denial_reason_code);
	cJSON_AddNumberToObject(o, "occurrence_count", (double)p->occurrence_count);
	cJSON_AddNumberToObject(o, "adjudicated_count", (double)p->adjudicated_count);
	cJSON_AddItemToObject(o, "frequency", fixed(p->frequency, 4));
	cJSON_AddItemToObject(o, "confidence_score", fixed(p->confidence_score, 4));
	cJSON_AddItemToObject(o, "conditions", conditions(&p->conditions));
	cJSON_AddStringToObject(o, "first_seen", p->first_seen);
	cJSON_AddStringToObject(o, "last_seen", p->last_seen);
	return o;
}

char *
render_pattern_list(const claims_pattern_list *l, bool detected)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "payer_id", (double)l->payer_id);
	cJSON_AddItemToObject(o, "payer_name", str_or_null(l->payer_name));
	if (detected)
		cJSON_AddNumberToObject(o, "patterns_detected", (double)l->count);
	for (size_t i = 0; i < l->count; i++)
		cJSON_AddItemToArray(a, pattern(&l->items[i]));
	cJSON_AddItemToObject(o, "patterns", a);
	return finish(o);
}

char *
render_pattern_detect_all(const claims_pattern_detect_summary *s)
{
	cJSON *o = cJSON_CreateObject(), *by = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "payers_processed", (double)s->n_payers);
	cJSON_AddNumberToObject(o, "total_patterns", (double)s->total_patterns);
	for (size_t i = 0; i < s->n_payers; i++) {
		char key[32];

		snprintf(key, sizeof(key), "%" PRId64, s->payer_ids[i]);
		cJSON_AddNumberToObject(by, key, (double)s->pattern_counts[i]);
	}
	cJSON_AddItemToObject(o, "patterns_by_payer", by);
	return finish(o);
}

char *
render_pattern_analysis(const claims_pattern_analysis *a)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();

	cJSON_AddNumberToObject(o, "claim_id", (double)a->claim_id);
	cJSON_AddItemToObject(o, "payer_id", int_or_null(a->payer_id));
	cJSON_AddNumberToObject(o, "matching_patterns_count", (double)a->count);
	for (size_t i = 0; i < a->count; i++) {
		const claims_pattern_match *m = &a->matches[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "pattern_id", (double)m->pattern.id);
		cJSON_AddStringToObject(x, "pattern_type", m->pattern.pattern_type);
		cJSON_AddStringToObject(x, "pattern_description", m->pattern.pattern_description);
		cJSON_AddStringToObject(x, "denial_reason_code", m->pattern.denial_reason_code);
		cJSON_AddItemToObject(x, "match_score", fixed(m->match_score, 4));
		cJSON_AddItemToObject(x, "confidence_score", fixed(m->pattern.confidence_score, 4));
		cJSON_AddItemToObject(x, "frequency", fixed(m->pattern.frequency, 4));
		cJSON_AddItemToObject(x, "conditions", conditions(&m->pattern.conditions));
		cJSON_AddItemToObject(x, "pattern_risk", fixed(m->pattern_risk, 2));
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddItemToObject(o, "matching_patterns", arr);
	return finish(o);
}

char *
render_link_result(const claims_link_result *r)
{
	cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray();
	bool has_episode = r->outcome == CLAIMS_LINK_LINKED ||
			   r->outcome == CLAIMS_LINK_ALREADY_LINKED;

	cJSON_AddNumberToObject(o, "remittance_id", (double)r->remittance_id);
	cJSON_AddStringToObject(o, "outcome", claims_link_outcome_to_str(r->outcome));
	cJSON_AddItemToObject(o, "episode",
			      has_episode && r->episode ? render_episode_item(r->episode)
						    : cJSON_CreateNull());
	for (size_t i = 0; i < r->n_candidates; i++)
		cJSON_AddItemToArray(c, cJSON_CreateNumber((double)r->candidates[i]));
	cJSON_AddItemToObject(o, "candidates", c);
	return finish(o);
}

char *
render_risk_summary(const claims_risk_summary *s, int64_t payer_id)
{
	cJSON *o = cJSON_CreateObject(), *l = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "claims_scored", (double)s->claims);
	if (payer_id > 0)
		cJSON_AddNumberToObject(o, "payer_id", (double)payer_id);
	else
		cJSON_AddNullToObject(o, "payer_id");
	cJSON_AddNumberToObject(l, "low", (double)s->low);
	cJSON_AddNumberToObject(l, "medium", (double)s->medium);
	cJSON_AddNumberToObject(l, "high", (double)s->high);
	cJSON_AddNumberToObject(l, "critical", (double)s->critical);
	cJSON_AddItemToObject(o, "risk_levels", l);
	return finish(o);
}

char *
render_link_summary(const claims_link_summary *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "remittances", (double)s->remittances);
	cJSON_AddNumberToObject(o, "linked", (double)s->linked);
	cJSON_AddNumberToObject(o, "already_linked", (double)s->already_linked);
	cJSON_AddNumberToObject(o, "ambiguous", (double)s->ambiguous);
	cJSON_AddNumberToObject(o, "unmatched", (double)s->unmatched);
	return finish(o);
}

/* ---- route answers of spec/api.md §4.4-§4.5 */

/* {id, claim_id, remittance_id?, status}: the episode as the write routes
 * answer it. */
static cJSON *
episode_brief(const claims_episode *e, bool with_remittance)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", (double)e->id);
	cJSON_AddNumberToObject(o, "claim_id", (double)e->claim_id);
	if (with_remittance)
		cJSON_AddNumberToObject(o, "remittance_id", (double)e->remittance_id);
	cJSON_AddStringToObject(o, "status", e->status);
	return o;
}

char *
render_api_remit_link(const claims_link_result *r)
{
	cJSON *o = cJSON_CreateObject(), *c = cJSON_CreateArray(), *eps = cJSON_CreateArray();
	bool linked = r->outcome == CLAIMS_LINK_LINKED;

	cJSON_AddStringToObject(o, "message", "Episode linking completed");
	cJSON_AddNumberToObject(o, "remittance_id", (double)r->remittance_id);
	cJSON_AddNumberToObject(o, "episodes_linked", linked ? 1 : 0);
	cJSON_AddStringToObject(o, "link_result", claims_link_outcome_to_str(r->outcome));
	for (size_t i = 0; i < r->n_candidates; i++)
		cJSON_AddItemToArray(c, cJSON_CreateNumber((double)r->candidates[i]));
	cJSON_AddItemToObject(o, "candidates", c);
	if (r->episode)
		cJSON_AddItemToArray(eps, episode_brief(r->episode, false));
	cJSON_AddItemToObject(o, "episodes", eps);
	return finish(o);
}

char *
render_api_episode_linked(const claims_episode *e)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", "Episode linked successfully");
	cJSON_AddItemToObject(o, "episode", episode_brief(e, true));
	return finish(o);
}

char *
render_api_episode_status(const claims_episode *e, const char *message)
{
	cJSON *o = cJSON_CreateObject(), *ep = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", message);
	cJSON_AddNumberToObject(ep, "id", (double)e->id);
	cJSON_AddStringToObject(ep, "status", e->status);
	cJSON_AddItemToObject(o, "episode", ep);
	return finish(o);
}
