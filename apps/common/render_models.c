/*
 * The API objects of spec/api.md §2 built with cJSON from the library's read
 * models.  With json.c, the only translation units that include cJSON.
 * Field order follows the tables of §2.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "render.h"

void
render_format_cents(char buf[static 32], int64_t cents)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, 32, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", mag / 100, mag % 100);
}

/* ---- building blocks; each add_* returns false once anything failed */

struct obj {
	cJSON *o;
	bool ok;
};

static struct obj
obj_new(void)
{
	struct obj b = { cJSON_CreateObject(), true };

	b.ok = b.o != NULL;
	return b;
}

static void
add(struct obj *b, const char *key, cJSON *item)
{
	if (!b->ok || !item || !cJSON_AddItemToObject(b->o, key, item)) {
		cJSON_Delete(item);
		b->ok = false;
	}
}

cJSON *
render_money(int64_t cents)
{
	char buf[32];

	render_format_cents(buf, cents);
	return cJSON_CreateRaw(buf);
}

static void
add_str(struct obj *b, const char *key, const char *s)
{
	add(b, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void
add_int(struct obj *b, const char *key, int64_t v)
{
	char buf[32];

	/* Exact for every int64 (a double is not). */
	snprintf(buf, sizeof(buf), "%" PRId64, v);
	add(b, key, cJSON_CreateRaw(buf));
}

/* A nullable id: 0 is null. */
static void
add_id(struct obj *b, const char *key, int64_t v)
{
	if (v)
		add_int(b, key, v);
	else
		add(b, key, cJSON_CreateNull());
}

static void
add_bool(struct obj *b, const char *key, bool v)
{
	add(b, key, cJSON_CreateBool(v));
}

static void
add_amount(struct obj *b, const char *key, claims_amount a)
{
	add(b, key, a.present ? render_money(a.cents) : cJSON_CreateNull());
}

static void
add_number(struct obj *b, const char *key, bool present, double v)
{
	add(b, key, present ? cJSON_CreateNumber(v) : cJSON_CreateNull());
}

/* Stored JSON text (valid by the schema's CHECK); @p fallback when NULL. */
static void
add_json(struct obj *b, const char *key, const char *json, const char *fallback)
{
	add(b, key, cJSON_CreateRaw(json ? json : fallback));
}

static cJSON *
obj_take(struct obj *b)
{
	if (!b->ok) {
		cJSON_Delete(b->o);
		return NULL;
	}
	return b->o;
}

static char *
print(cJSON *o)
{
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

/* ---- claims */

static void
claim_summary_fields(struct obj *b, const claims_claim_summary *c)
{
	add_int(b, "id", c->id);
	add_str(b, "claim_control_number", c->claim_control_number);
	add_str(b, "patient_control_number", c->patient_control_number);
	add_amount(b, "total_charge_amount", c->total_charge);
	add_str(b, "status", c->status);
	add_bool(b, "is_incomplete", c->is_incomplete);
	add_id(b, "payer_id", c->payer_id);
	add_str(b, "service_date", c->service_date);
	add_str(b, "created_at", c->created_at);
}

static cJSON *
claim_summary(const void *item)
{
	const claims_claim_summary *c = item;
	struct obj b = obj_new();

	claim_summary_fields(&b, c);
	return obj_take(&b);
}

static cJSON *
unlinked_item(const void *item)
{
	const claims_claim_summary *c = item;
	struct obj b = obj_new();

	add_int(&b, "id", c->id);
	add_str(&b, "claim_control_number", c->claim_control_number);
	add_amount(&b, "total_charge_amount", c->total_charge);
	add_str(&b, "service_date", c->service_date);
	add_str(&b, "payer_name", c->payer_name);
	return obj_take(&b);
}

static cJSON *
diagnosis(const void *item)
{
	const claims_diagnosis *d = item;
	struct obj b = obj_new();

	add_int(&b, "sequence", d->sequence);
	add_str(&b, "qualifier", d->qualifier);
	add_str(&b, "qualifier_desc", d->qualifier_desc);
	add_str(&b, "code", d->code);
	add_str(&b, "code_system", d->code_system);
	add_str(&b, "role", d->role);
	add_bool(&b, "is_valid", d->is_valid);
	add_str(&b, "poa", d->poa);
	add_id(&b, "diagnosis_pointer", d->diagnosis_pointer);
	return obj_take(&b);
}

static cJSON *
claim_line(const void *item)
{
	const claims_claim_line *l = item;
	struct obj b = obj_new();

	add_int(&b, "id", l->id);
	add_int(&b, "line_number", l->line_number);
	add_str(&b, "revenue_code", l->revenue_code);
	add_str(&b, "procedure_qualifier", l->procedure_qualifier);
	add_str(&b, "procedure_code", l->procedure_code);
	add_str(&b, "procedure_modifier", l->procedure_modifier);
	add_json(&b, "modifiers", l->modifiers_json, "[]");
	add_amount(&b, "charge_amount", l->charge);
	add_str(&b, "unit_type", l->unit_type);
	add_number(&b, "unit_count", l->has_unit_count, l->unit_count);
	add_str(&b, "place_of_service", l->place_of_service);
	add_json(&b, "diagnosis_pointers", l->diagnosis_pointers_json, "[]");
	add_str(&b, "service_date", l->service_date);
	add_str(&b, "service_date_to", l->service_date_to);
	add_str(&b, "line_item_control_number", l->line_item_control_number);
	add(&b, "procedure_code_valid",
	    l->procedure_code_valid < 0 ? cJSON_CreateNull() : cJSON_CreateBool(l->procedure_code_valid));
	return obj_take(&b);
}

/* An array of n items of @p elem bytes each, made by @p make (NULL on failure). */
static cJSON *
array_of(const void *items, size_t n, size_t elem, cJSON *(*make)(const void *))
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++) {
		cJSON *it = make((const unsigned char *)items + i * elem);

		if (!it || !cJSON_AddItemToArray(a, it)) {
			cJSON_Delete(it);
			cJSON_Delete(a);
			a = NULL;
		}
	}
	return a;
}

#define ARRAY_OF(arr, n, make) array_of((arr), (n), sizeof(*(arr)), make)

char *
render_claim(const claims_claim *c)
{
	struct obj b = obj_new();

	claim_summary_fields(&b, &c->summary);
	add_str(&b, "transaction_type", c->transaction_type);
	add_id(&b, "provider_id", c->provider_id);
	add_str(&b, "payer_name", c->payer_name);
	add_str(&b, "practice_id", c->practice_id);
	add_str(&b, "facility_type_code", c->facility_type_code);
	add_str(&b, "facility_code_qualifier", c->facility_code_qualifier);
	add_str(&b, "claim_frequency_type", c->claim_frequency_type);
	add_str(&b, "assignment_code", c->assignment_code);
	add_str(&b, "statement_date", c->statement_date);
	add_str(&b, "statement_date_to", c->statement_date_to);
	add_str(&b, "admission_date", c->admission_date);
	add_str(&b, "discharge_date", c->discharge_date);
	add_str(&b, "service_date_to", c->service_date_to);
	add_str(&b, "original_reference_number", c->original_reference_number);
	add_str(&b, "principal_diagnosis", c->principal_diagnosis);
	add(&b, "diagnosis_codes", ARRAY_OF(c->diagnoses, c->n_diagnoses, diagnosis));
	add(&b, "claim_lines", ARRAY_OF(c->lines, c->n_lines, claim_line));
	add_str(&b, "billing_provider_npi", c->billing_provider_npi);
	add_str(&b, "rendering_provider_npi", c->rendering_provider_npi);
	add_str(&b, "attending_provider_npi", c->attending_provider_npi);
	add_str(&b, "operating_provider_npi", c->operating_provider_npi);
	add_str(&b, "referring_provider_npi", c->referring_provider_npi);
	add_json(&b, "parsing_warnings", c->parsing_warnings_json, "[]");
	add_int(&b, "version", c->version);
	add_int(&b, "submission_count", c->submission_count);
	add_id(&b, "current_episode_id", c->current_episode_id);
	add_str(&b, "updated_at", c->updated_at);
	return print(obj_take(&b));
}

/* {"<name>": items, "total", "skip", "limit"} */
static char *
envelope(const char *name, cJSON *items, int64_t total, int64_t skip, int64_t limit)
{
	struct obj b = obj_new();

	add(&b, name, items);
	add_int(&b, "total", total);
	add_int(&b, "skip", skip);
	add_int(&b, "limit", limit);
	return print(obj_take(&b));
}

char *
render_claim_list(const claims_claim_list *l)
{
	return envelope("claims", ARRAY_OF(l->items, l->count, claim_summary), l->total, l->skip,
			l->limit);
}

char *
render_unlinked_list(const claims_claim_list *l)
{
	return envelope("claims", ARRAY_OF(l->items, l->count, unlinked_item), l->total, l->skip,
			l->limit);
}

/* ---- remittances */

static void
remit_summary_fields(struct obj *b, const claims_remit_summary *r)
{
	add_int(b, "id", r->id);
	add_str(b, "remittance_control_number", r->remittance_control_number);
	add_str(b, "claim_control_number", r->claim_control_number);
	add_str(b, "payer_name", r->payer_name);
	add_amount(b, "payment_amount", r->payment);
	add_str(b, "claim_status_code", r->claim_status_code);
	add_str(b, "payment_date", r->payment_date);
	add_str(b, "status", r->status);
	add_str(b, "created_at", r->created_at);
}

static cJSON *
remit_summary(const void *item)
{
	const claims_remit_summary *r = item;
	struct obj b = obj_new();

	remit_summary_fields(&b, r);
	return obj_take(&b);
}

static cJSON *
adjustment(const void *item)
{
	const claims_adjustment *j = item;
	struct obj b = obj_new();

	add_str(&b, "group_code", j->group_code);
	add_str(&b, "reason_code", j->reason_code);
	add(&b, "amount", render_money(j->amount_cents));
	add_number(&b, "quantity", j->has_quantity, j->quantity);
	add_str(&b, "level", j->level);
	add_id(&b, "service_line_number", j->service_line_number);
	add_str(&b, "category", j->category);
	add_bool(&b, "is_denial", j->is_denial);
	return obj_take(&b);
}

static cJSON *
service_line(const void *item)
{
	const claims_service_line *l = item;
	struct obj b = obj_new();

	add_int(&b, "line_number", l->line_number);
	add_str(&b, "procedure_qualifier", l->procedure_qualifier);
	add_str(&b, "procedure_code", l->procedure_code);
	add_json(&b, "modifiers", l->modifiers_json, "[]");
	add_str(&b, "revenue_code", l->revenue_code);
	add_amount(&b, "charge_amount", l->charge);
	add_amount(&b, "payment_amount", l->payment);
	add_amount(&b, "allowed_amount", l->allowed);
	add_number(&b, "units", l->has_units, l->units);
	add_str(&b, "service_date", l->service_date);
	add_str(&b, "line_item_control_number", l->line_item_control_number);
	add_json(&b, "remark_codes", l->remark_codes_json, "[]");
	add(&b, "adjustments", ARRAY_OF(l->adjustments, l->n_adjustments, adjustment));
	return obj_take(&b);
}

static cJSON *
string_item(const void *item)
{
	return cJSON_CreateString(*(const char *const *)item);
}

char *
render_remit(const claims_remit *r)
{
	struct obj b = obj_new();

	remit_summary_fields(&b, &r->summary);
	add_int(&b, "payer_id", r->payer_id);
	add_str(&b, "payer_claim_control_number", r->payer_claim_control_number);
	add_str(&b, "check_number", r->check_number);
	add_str(&b, "claim_status_desc", r->claim_status_desc);
	add_amount(&b, "claim_charge_amount", r->claim_charge);
	add_amount(&b, "patient_responsibility_amount", r->patient_responsibility);
	add(&b, "denial_reasons", ARRAY_OF(r->denial_reasons, r->n_denial_reasons, string_item));
	add(&b, "adjustment_reasons", ARRAY_OF(r->adjustments, r->n_adjustments, adjustment));
	add(&b, "service_lines", ARRAY_OF(r->service_lines, r->n_service_lines, service_line));
	add_json(&b, "remark_codes", r->remark_codes_json, "[]");
	add_id(&b, "episode_id", r->episode_id);
	add_json(&b, "parsing_warnings", r->parsing_warnings_json, "[]");
	add_str(&b, "updated_at", r->updated_at);
	return print(obj_take(&b));
}

char *
render_remit_list(const claims_remit_list *l)
{
	return envelope("remits", ARRAY_OF(l->items, l->count, remit_summary), l->total, l->skip,
			l->limit);
}

/* ---- episodes, payers, logs, files */

static cJSON *
episode(const void *item)
{
	const claims_episode *e = item;
	struct obj b = obj_new();

	add_int(&b, "id", e->id);
	add_int(&b, "claim_id", e->claim_id);
	add_int(&b, "remittance_id", e->remittance_id);
	add_str(&b, "status", e->status);
	add_amount(&b, "payment_amount", e->payment);
	add_int(&b, "denial_count", e->denial_count);
	add_int(&b, "adjustment_count", e->adjustment_count);
	add_str(&b, "link_method", e->link_method);
	add_id(&b, "reversed_by_episode_id", e->reversed_by_episode_id);
	add_str(&b, "linked_at", e->linked_at);
	add_str(&b, "created_at", e->created_at);
	add_str(&b, "updated_at", e->updated_at);
	return obj_take(&b);
}

cJSON *
render_episode_item(const claims_episode *e)
{
	return episode(e);
}

char *
render_episode(const claims_episode *e)
{
	return print(episode(e));
}

char *
render_episode_list(const claims_episode_list *l)
{
	return envelope("episodes", ARRAY_OF(l->items, l->count, episode), l->total, l->skip,
			l->limit);
}

static cJSON *
payer(const void *item)
{
	const claims_payer *p = item;
	struct obj b = obj_new();

	add_int(&b, "id", p->id);
	add_str(&b, "payer_id", p->payer_id);
	add_str(&b, "name", p->name);
	add_str(&b, "payer_type", p->payer_type);
	add_json(&b, "rules_config", p->rules_config_json, "{}");
	add_int(&b, "claim_count", p->claim_count);
	add_int(&b, "remittance_count", p->remittance_count);
	add_str(&b, "created_at", p->created_at);
	return obj_take(&b);
}

char *
render_payer(const claims_payer *p)
{
	return print(payer(p));
}

char *
render_payer_list(const claims_payer_list *l)
{
	return envelope("payers", ARRAY_OF(l->items, l->count, payer), l->total, l->skip, l->limit);
}

static cJSON *
parser_log(const void *item)
{
	const claims_parser_log *l = item;
	struct obj b = obj_new();

	add_int(&b, "id", l->id);
	add_id(&b, "ingest_file_id", l->ingest_file_id);
	add_str(&b, "file_name", l->file_name);
	add_str(&b, "file_type", l->file_type);
	add_str(&b, "log_level", l->log_level);
	add_str(&b, "segment_type", l->segment_type);
	add_str(&b, "issue_type", l->issue_type);
	add_str(&b, "message", l->message);
	add_json(&b, "details", l->details_json, "{}");
	add_str(&b, "claim_control_number", l->claim_control_number);
	add_str(&b, "practice_id", l->practice_id);
	add_id(&b, "claim_id", l->claim_id);
	add_id(&b, "remittance_id", l->remittance_id);
	add_str(&b, "created_at", l->created_at);
	return obj_take(&b);
}

char *
render_parser_log_list(const claims_parser_log_list *l)
{
	return envelope("logs", ARRAY_OF(l->items, l->count, parser_log), l->total, l->skip,
			l->limit);
}

/* ---- audit logs */

static cJSON *
audit_log(const void *item)
{
	const claims_audit_log *a = item;
	struct obj b = obj_new();

	add_int(&b, "id", a->id);
	add_str(&b, "method", a->method);
	add_str(&b, "path", a->path);
	add_int(&b, "status_code", a->status_code);
	add_number(&b, "duration", true, a->duration);
	add_str(&b, "user_id", a->user_id);
	add_str(&b, "client_ip", a->client_ip);
	add_str(&b, "request_identifier", a->request_identifier);
	add_str(&b, "response_identifier", a->response_identifier);
	add_str(&b, "created_at", a->created_at);
	return obj_take(&b);
}

char *
render_audit_log_list(const claims_audit_log_list *l)
{
	return envelope("logs", ARRAY_OF(l->items, l->count, audit_log), l->total, l->skip,
			l->limit);
}

/* {"<key>": count, ...} in the given (sorted) order. */
static cJSON *
count_map(const claims_audit_count *items, size_t n)
{
	struct obj b = obj_new();

	for (size_t i = 0; i < n; i++)
		add_int(&b, items[i].key, items[i].count);
	return obj_take(&b);
}

static cJSON *
fixed(double v, int places)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", places, v);
	return cJSON_CreateRaw(buf);
}

char *
render_audit_stats(const claims_audit_stats *s)
{
	struct obj b = obj_new();

	add_int(&b, "period_days", s->period_days);
	add_str(&b, "start_date", s->start_date);
	add_str(&b, "end_date", s->end_date);
	add_int(&b, "total_requests", s->total_requests);
	add(&b, "requests_by_method", count_map(s->by_method, s->n_methods));
	add(&b, "requests_by_status", count_map(s->by_status, s->n_statuses));
	add_int(&b, "unique_users", s->unique_users);
	add_int(&b, "unique_ip_addresses", s->unique_ip_addresses);
	add(&b, "average_duration_seconds",
	    s->has_average ? fixed(s->average_duration_seconds, 4) : cJSON_CreateNull());
	add(&b, "requests_per_day", fixed(s->requests_per_day, 2));
	return print(obj_take(&b));
}

/* ---- errors */

static cJSON *
validation_item(const void *item)
{
	const claims_validation_error *e = item;
	struct obj b = obj_new();
	cJSON *loc = cJSON_CreateArray();

	/* A problem of the body as a whole has no name: ["body"]. */
	if (loc && (!cJSON_AddItemToArray(loc, cJSON_CreateString(e->where)) ||
		    (e->name && !cJSON_AddItemToArray(loc, cJSON_CreateString(e->name))))) {
		cJSON_Delete(loc);
		loc = NULL;
	}
	add(&b, "loc", loc);
	add_str(&b, "msg", e->msg);
	add_str(&b, "type", e->type);
	return obj_take(&b);
}

char *
render_validation_error(const claims_validation *v)
{
	struct obj b = obj_new();

	add_str(&b, "error", "VALIDATION_ERROR");
	add_str(&b, "message", "Invalid parameters");
	add(&b, "details", ARRAY_OF(v->errors, v->count, validation_item));
	return print(obj_take(&b));
}

char *
render_not_found(const char *resource, int64_t id)
{
	struct obj b = obj_new(), d = obj_new();
	char msg[128];

	snprintf(msg, sizeof(msg), "%s not found (id: %" PRId64 ")", resource, id);
	add_str(&b, "error", "NOT_FOUND");
	add_str(&b, "message", msg);
	add_str(&d, "resource", resource);
	add_int(&d, "id", id);
	add(&b, "details", obj_take(&d));
	return print(obj_take(&b));
}

void
render_utc_now(char out[static 32])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
