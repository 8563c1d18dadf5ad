/*
 * JSON rendering shared by claimsd and claims (the CLI's --json uses the same
 * functions, so its output pins the HTTP format too).  The only file that
 * includes cJSON.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include <claims/claims.h>

#include "json.h"

static char *
render(cJSON *obj)
{
	char *out = NULL;

	if (obj)
		out = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return out;
}

char *
json_root_info(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "name", "libclaims") ||
	    !cJSON_AddStringToObject(o, "version", claims_version()) ||
	    !cJSON_AddStringToObject(o, "status", "running")) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

char *
json_health(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "status", "healthy") ||
	    !cJSON_AddStringToObject(o, "version", claims_version())) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

char *
json_error(const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "error", code) ||
	    !cJSON_AddStringToObject(o, "message", message) ||
	    !cJSON_AddObjectToObject(o, "details")) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

void
json_format_cents(char buf[static 32], int64_t cents)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, 32, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", mag / 100, mag % 100);
}

char *
json_migration_status(int version, const char *name, int head, const char *const *applied,
		      int n_applied)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *list;

	if (!cJSON_AddNumberToObject(o, "version", version) ||
	    !(name ? cJSON_AddStringToObject(o, "name", name) : cJSON_AddNullToObject(o, "name")) ||
	    !cJSON_AddNumberToObject(o, "head", head) ||
	    !cJSON_AddNumberToObject(o, "behind", head - version) ||
	    !(list = cJSON_AddArrayToObject(o, "applied"))) {
		cJSON_Delete(o);
		return NULL;
	}
	for (int i = 0; i < n_applied; i++) {
		cJSON *s = cJSON_CreateString(applied[i]);
		if (!s || !cJSON_AddItemToArray(list, s)) {
			cJSON_Delete(s);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return render(o);
}
