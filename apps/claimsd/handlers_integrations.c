/*
 * claimsd: the integration routes (spec/api.md §4.9) and the loading of
 * adapter implementations.
 *
 * The registry (claims/adapter.h) lives for the whole run.  Implementations
 * come from shared modules named in CLAIMS_ADAPTER_MODULES (paths separated
 * by ':'), each exporting claims_adapter_module_init(), loaded once at
 * startup; a module that cannot be loaded or refuses to initialise stops
 * startup (exit 78).  Without modules the EHR and change_healthcare
 * adapters are known but not implemented: their routes answer 501, and
 * only the built-in x12 adapter is connected.
 *
 * Connection settings (the config of POST /connect) are handed to the
 * registry, which keeps them in memory only; nothing here prints or echoes
 * them.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "render_integrations.h"
#include "server.h"

#define MAX_MODULES 16

static void *modules[MAX_MODULES];
static size_t n_modules;

int
integrations_start(char *err, size_t errlen)
{
	const char *list = getenv("CLAIMS_ADAPTER_MODULES");
	char *copy, *save = NULL, *path;
	int rc = 0;

	if (claims_adapters_new(&app.adapters) < 0) {
		snprintf(err, errlen, "cannot create the adapter registry");
		return -1;
	}
	if (!list || !*list)
		return 0;
	copy = strdup(list);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (path = strtok_r(copy, ":", &save); path && rc == 0;
	     path = strtok_r(NULL, ":", &save)) {
		claims_adapter_module_init_fn init;
		char msg[256] = "";
		void *h;

		if (n_modules == MAX_MODULES) {
			snprintf(err, errlen, "CLAIMS_ADAPTER_MODULES names more than %d modules",
				 MAX_MODULES);
			rc = -1;
			break;
		}
		h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			snprintf(err, errlen, "CLAIMS_ADAPTER_MODULES: cannot load %s: %s", path,
				 dlerror());
			rc = -1;
			break;
		}
		modules[n_modules++] = h;
		/* The POSIX way to turn a symbol into a function pointer. */
		*(void **)&init = dlsym(h, "claims_adapter_module_init");
		if (!init) {
			snprintf(err, errlen,
				 "CLAIMS_ADAPTER_MODULES: %s has no claims_adapter_module_init", path);
			rc = -1;
		} else if (init(app.adapters, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "CLAIMS_ADAPTER_MODULES: %s failed to initialise%s%s",
				 path, msg[0] ? ": " : "", msg);
			rc = -1;
		}
	}
	free(copy);
	return rc;
}

void
integrations_stop(void)
{
	/* The implementations' release callbacks live in the modules. */
	claims_adapters_free(app.adapters);
	app.adapters = NULL;
	while (n_modules > 0)
		dlclose(modules[--n_modules]);
}

/* One query parameter given at most once; false after sending the 422. */
static bool
single_param(struct request *req, const char *name, const char **out)
{
	claims_validation v = { .count = 1 };
	size_t seen = 0;

	*out = NULL;
	for (size_t i = 0; i < req->nparams; i++) {
		if (strcmp(req->params[i].name, name) != 0)
			continue;
		if (seen++ == 0)
			*out = req->params[i].value ? req->params[i].value : "";
	}
	if (seen <= 1)
		return true;
	v.errors[0] = (claims_validation_error){ "query", name, "repeated",
						  "must be given at most once" };
	request_send_validation(req, &v);
	return false;
}

static int
send_adapter_failure(struct request *req, const char *message)
{
	return http_send_error(req->conn, 502, "ADAPTER_ERROR", message, NULL);
}

int
handle_integrations_connect(struct request *req)
{
	claims_validation v = { 0 };
	struct connect_body b;
	const char *type, *name;
	char *body = NULL, why[160];
	size_t len;
	int status, rc;

	status = request_read_body(req, &body, &len);
	if (status)
		return status;
	rc = connect_body_parse(body, &b, &v);
	free(body);
	if (rc == -2)
		return http_send_owned(req->conn, 500, NULL);
	if (rc < 0)
		return request_send_validation(req, &v);
	if (claims_adapter_check(&type, &name, b.adapter_type, "body", "adapter_type",
				 b.adapter_name, "body", "adapter_name", &v) < 0) {
		connect_body_free(&b);
		return request_send_validation(req, &v);
	}
	rc = claims_adapter_connect(app.adapters, type, name, b.settings, b.n_settings, why,
				    sizeof(why));
	connect_body_free(&b);
	if (rc == CLAIMS_EINVAL) {
		/* The reason names a key or a rule, never a value. */
		v.count = 1;
		v.errors[0] = (claims_validation_error){ "body", "config", "value_error", why };
		return request_send_validation(req, &v);
	}
	if (rc == CLAIMS_ENOMEM)
		return http_send_owned(req->conn, 500, NULL);
	if (rc < 0)
		return send_adapter_failure(req, "The adapter could not connect");
	return http_send_owned(req->conn, 200, render_adapter_connected(type, name));
}

int
handle_integrations_test(struct request *req)
{
	claims_validation v = { 0 };
	const char *type_param, *type, *name;
	bool connected = false;

	if (!single_param(req, "adapter_type", &type_param))
		return 422;
	if (claims_adapter_check(&type, &name, type_param ? type_param : "ehr", "query",
				 "adapter_type", req->args[0], "path", "adapter_name", &v) < 0)
		return request_send_validation(req, &v);
	/* A failing implementation counts as not connected (connected stays
	 * false); the library reports nothing else. */
	if (claims_adapter_test(&connected, app.adapters, type, name) < 0)
		connected = false;
	return http_send_owned(req->conn, 200, render_adapter_test(connected, type, name));
}

/* Whether the request carries a body at all. */
static bool
has_body(const struct request *req)
{
	const char *te = mg_get_header(req->conn, "Transfer-Encoding");

	return req->info->content_length > 0 || (req->info->content_length < 0 && te);
}

int
handle_ehr_fetch_claims(struct request *req)
{
	claims_validation v = { 0 };
	claims_adapter_fetch_query q;
	struct fetch_render *f;
	char *body = NULL, *filters = NULL;
	size_t len = 0;
	int status, rc;

	if (claims_adapter_fetch_query_parse(&q, req->params, req->nparams, &v) < 0)
		return request_send_validation(req, &v);
	if (has_body(req)) {
		status = request_read_body(req, &body, &len);
		if (status)
			return status;
	}
	rc = filters_body_parse(body, len, &filters, &v);
	free(body);
	if (rc == -2)
		return http_send_owned(req->conn, 500, NULL);
	if (rc < 0)
		return request_send_validation(req, &v);
	if (!claims_adapter_is_registered(app.adapters, "ehr", q.adapter_name)) {
		free(filters);
		return http_send_error(req->conn, 501, "NOT_IMPLEMENTED",
				       "No EHR adapter implementation is configured", NULL);
	}
	f = fetch_render_new();
	if (!f) {
		free(filters);
		return http_send_owned(req->conn, 500, NULL);
	}
	rc = claims_adapter_fetch_claims(app.adapters, q.adapter_name, q.start_date, q.end_date,
					 filters, fetch_render_add, f);
	free(filters);
	if (rc == CLAIMS_OK)
		return http_send_owned(req->conn, 200, fetch_render_finish(f));
	status = fetch_render_invalid(f);
	fetch_render_free(f);
	if (rc == CLAIMS_ENOTFOUND)
		return http_send_error(req->conn, 501, "NOT_IMPLEMENTED",
				       "The EHR adapter implementation does not fetch claims", NULL);
	if (rc == CLAIMS_ENOMEM)
		return http_send_owned(req->conn, 500, NULL);
	return send_adapter_failure(req, status ? "The EHR adapter returned a claim that is not "
						  "a JSON object"
						: "The EHR adapter failed to fetch claims");
}

/* The interchange settings of a clearinghouse's last connect. */
static void
export_options(claims_export_options *o, const char *name, char usage[2], char sender[16],
	       char receiver[16])
{
	if (claims_adapter_setting_get(usage, 2, app.adapters, "clearinghouse", name,
				       "usage_indicator") == CLAIMS_OK)
		o->usage_indicator = usage[0];
	if (claims_adapter_setting_get(sender, 16, app.adapters, "clearinghouse", name,
				       "sender_id") == CLAIMS_OK)
		o->sender_id = sender;
	if (claims_adapter_setting_get(receiver, 16, app.adapters, "clearinghouse", name,
				       "receiver_id") == CLAIMS_OK)
		o->receiver_id = receiver;
}

int
handle_clearinghouse_submit(struct request *req)
{
	claims_export_options o = CLAIMS_EXPORT_OPTIONS_INIT;
	claims_validation v = { 0 };
	claims_export *e = NULL;
	const char *name_param, *name;
	char usage[2], sender[16], receiver[16], msg[128];
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "claim_id", &id))
		return 422;
	if (!single_param(req, "adapter_name", &name_param))
		return 422;
	if (claims_adapter_check(NULL, &name, "clearinghouse", "query", "adapter_type",
				 name_param ? name_param : "x12", "query", "adapter_name", &v) < 0)
		return request_send_validation(req, &v);
	if (strcmp(name, "x12") != 0 &&
	    !claims_adapter_is_registered(app.adapters, "clearinghouse", name)) {
		snprintf(msg, sizeof(msg),
			 "No clearinghouse adapter implementation is configured for %s", name);
		return http_send_error(req->conn, 501, "NOT_IMPLEMENTED", msg, NULL);
	}
	export_options(&o, name, usage, sender, receiver);
	rc = claims_export_837(&e, req->db, id, &o);
	if (rc == CLAIMS_ENOTFOUND)
		return http_send_owned(req->conn, 404, render_not_found("Claim", id));
	if (rc < 0)
		return http_send_db_error(req, rc);
	/* Nothing is transmitted: the answer is the generated 837. */
	status = http_send_owned(req->conn, 200, render_export_837(e));
	claims_export_free(e);
	return status;
}
