/*
 * JSON of the integration routes (spec/api.md §4.9) and of `claims
 * export-837 --json`; reading the connect and fetch-claims bodies.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "render_integrations.h"

static char *
finish(cJSON *o, bool ok)
{
	char *out = ok && o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return out;
}

char *
render_export_837(const claims_export *e)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddStringToObject(o, "status", "generated");
	ok = ok && cJSON_AddStringToObject(o, "tracking_id", e->tracking_id);
	ok = ok && cJSON_AddStringToObject(o, "transaction_type", e->transaction_type);
	ok = ok && cJSON_AddStringToObject(o, "x12", e->x12);
	ok = ok && cJSON_AddNumberToObject(o, "segment_count", (double)e->segment_count);
	return finish(o, ok);
}

static char *
adapter_answer(bool connected, const char *message, const char *type, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && cJSON_AddBoolToObject(o, "connected", connected);
	ok = ok && cJSON_AddStringToObject(o, "message", message);
	ok = ok && cJSON_AddStringToObject(o, "adapter_name", name);
	ok = ok && cJSON_AddStringToObject(o, "adapter_type", type);
	return finish(o, ok);
}

char *
render_adapter_connected(const char *type, const char *name)
{
	return adapter_answer(true, "Connected successfully", type, name);
}

char *
render_adapter_test(bool connected, const char *type, const char *name)
{
	return adapter_answer(connected,
			      connected ? "Connection test succeeded" : "Connection test failed",
			      type, name);
}

/* ---- bodies */

static void
problem(claims_validation *v, const char *name, const char *type, const char *msg)
{
	if (v->count < CLAIMS_VALIDATION_MAX)
		v->errors[v->count++] = (claims_validation_error){ "body", name, type, msg };
}

/* A required string member; false with a problem, or *oom. */
static bool
body_string(cJSON *doc, const char *key, char **out, claims_validation *v, bool *oom)
{
	cJSON *it = cJSON_GetObjectItemCaseSensitive(doc, key);

	if (!it || cJSON_IsNull(it)) {
		problem(v, key, "missing", "is required");
		return false;
	}
	if (!cJSON_IsString(it)) {
		problem(v, key, "string_type", "must be a string");
		return false;
	}
	*out = strdup(it->valuestring);
	if (!*out)
		*oom = true;
	return *out != NULL;
}

void
connect_body_free(struct connect_body *b)
{
	if (!b)
		return;
	free(b->adapter_type);
	free(b->adapter_name);
	for (size_t i = 0; i < b->n_settings; i++) {
		char *value = (char *)b->settings[i].value;

		/* the config may hold secrets: no copy is left in freed memory */
		if (value)
			memset(value, 0, strlen(value));
		free((char *)b->settings[i].key);
		free(value);
	}
	free(b->settings);
	memset(b, 0, sizeof(*b));
}

int
connect_body_parse(const char *body, struct connect_body *out, claims_validation *v)
{
	cJSON *doc, *config;
	bool oom = false;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	doc = cJSON_Parse(body);
	if (!doc || !cJSON_IsObject(doc)) {
		problem(v, NULL, "json_invalid",
			doc ? "the body must be a JSON object" : "the body is not valid JSON");
		cJSON_Delete(doc);
		return -1;
	}
	if (!body_string(doc, "adapter_type", &out->adapter_type, v, &oom))
		rc = -1;
	if (!body_string(doc, "adapter_name", &out->adapter_name, v, &oom))
		rc = -1;
	config = cJSON_GetObjectItemCaseSensitive(doc, "config");
	if (config && !cJSON_IsNull(config)) {
		if (!cJSON_IsObject(config)) {
			problem(v, "config", "dict_type", "must be an object of strings");
			rc = -1;
		} else {
			size_t n = (size_t)cJSON_GetArraySize(config), i = 0;
			cJSON *it;

			out->settings = calloc(n ? n : 1, sizeof(*out->settings));
			if (!out->settings)
				oom = true;
			cJSON_ArrayForEach(it, config)
			{
				if (oom)
					break;
				if (!cJSON_IsString(it)) {
					problem(v, "config", "string_type",
						"every value must be a string");
					rc = -1;
					break;
				}
				out->settings[i].key = strdup(it->string);
				out->settings[i].value = strdup(it->valuestring);
				out->n_settings = ++i;
				if (!out->settings[i - 1].key || !out->settings[i - 1].value)
					oom = true;
			}
		}
	}
	cJSON_Delete(doc);
	if (oom)
		rc = -2;
	if (rc < 0)
		connect_body_free(out);
	return rc;
}

int
filters_body_parse(const char *body, size_t len, char **out, claims_validation *v)
{
	cJSON *doc;
	size_t i = 0;

	*out = NULL;
	while (body && i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' ||
				   body[i] == '\n'))
		i++;
	if (!body || i == len) {
		*out = strdup("{}");
		return *out ? 0 : -2;
	}
	doc = cJSON_Parse(body);
	if (!doc || !cJSON_IsObject(doc)) {
		problem(v, NULL, "json_invalid",
			doc ? "the filters must be a JSON object" : "the body is not valid JSON");
		cJSON_Delete(doc);
		return -1;
	}
	*out = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return *out ? 0 : -2;
}

/* ---- fetched claims */

struct fetch_render {
	cJSON *claims;
	size_t count;
	bool invalid;
};

struct fetch_render *
fetch_render_new(void)
{
	struct fetch_render *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->claims = cJSON_CreateArray();
	if (!f->claims) {
		free(f);
		return NULL;
	}
	return f;
}

int
fetch_render_add(const char *claim_json, void *payload)
{
	struct fetch_render *f = payload;
	cJSON *item = claim_json ? cJSON_Parse(claim_json) : NULL;

	if (!item || !cJSON_IsObject(item)) {
		cJSON_Delete(item);
		f->invalid = true;
		return CLAIMS_EINVAL;
	}
	if (!cJSON_AddItemToArray(f->claims, item)) {
		cJSON_Delete(item);
		return CLAIMS_ENOMEM;
	}
	f->count++;
	return CLAIMS_OK;
}

bool
fetch_render_invalid(const struct fetch_render *f)
{
	return f->invalid;
}

char *
fetch_render_finish(struct fetch_render *f)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	size_t n = f->count;

	if (ok && cJSON_AddItemToObject(o, "claims", f->claims))
		f->claims = NULL;
	else
		ok = false;
	ok = ok && cJSON_AddNumberToObject(o, "count", (double)n);
	fetch_render_free(f);
	return finish(o, ok);
}

void
fetch_render_free(struct fetch_render *f)
{
	if (!f)
		return;
	cJSON_Delete(f->claims);
	free(f);
}
