/*
 * JSON of the integration routes (spec/api.md §4.9) and `claims
 * export-837 --json`, and the reading of their request bodies.  Each
 * render_* function returns a malloc'd string (free()) or NULL when out of
 * memory.
 */
#ifndef CLAIMS_APP_RENDER_INTEGRATIONS_H
#define CLAIMS_APP_RENDER_INTEGRATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include <claims/claims.h>

/* {"status": "generated", "tracking_id", "transaction_type", "x12",
 *  "segment_count"} */
char *render_export_837(const claims_export *e);

/* {"connected": true, "message": "Connected successfully", "adapter_name",
 *  "adapter_type"}; never the settings. */
char *render_adapter_connected(const char *type, const char *name);

/* {"connected", "message": "Connection test succeeded" | "Connection test
 *  failed", "adapter_name", "adapter_type"} */
char *render_adapter_test(bool connected, const char *type, const char *name);

/* The body of POST /api/v1/integrations/connect, read. */
struct connect_body {
	char *adapter_type, *adapter_name;
	claims_adapter_setting *settings; /* key and value strings owned */
	size_t n_settings;
};

/* Read {"adapter_type": str, "adapter_name": str, "config": {str: str}}
 * ("config" may be absent: no settings).  Problems go to @p v (where
 * "body"): json_invalid for a body that is not a JSON object, missing,
 * string_type for a non-string name, dict_type for a config that is not an
 * object, string_type on "config" for a value that is not a string.
 * Returns 0, -1 with the problems in @p v, or -2 when out of memory. */
int connect_body_parse(const char *body, struct connect_body *out, claims_validation *v);
void connect_body_free(struct connect_body *b);

/* The optional filters body of fetch-claims: an empty body is "{}"; a JSON
 * object is kept as its minified text in *out (free()).  Returns 0, -1 when
 * the body is not a JSON object (a json_invalid problem in @p v), -2 when
 * out of memory. */
int filters_body_parse(const char *body, size_t len, char **out, claims_validation *v);

/* Collects fetched claims into {"claims": [...], "count": n}. */
struct fetch_render;
struct fetch_render *fetch_render_new(void);
/* A claims_adapter_claim_cb: takes one JSON object text; CLAIMS_EINVAL (and
 * fetch_render_invalid() true) when it is not a JSON object, CLAIMS_ENOMEM. */
int fetch_render_add(const char *claim_json, void *payload);
bool fetch_render_invalid(const struct fetch_render *f);
/* Render and free the collector. */
char *fetch_render_finish(struct fetch_render *f);
void fetch_render_free(struct fetch_render *f);

#endif
