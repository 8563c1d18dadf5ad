/* JSON of users and tokens (render_auth.h). */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "render_auth.h"

/* Render @p o unless something failed on the way (@p ok false). */
static char *
finish(cJSON *o, bool ok)
{
	char *out = o && ok ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return out;
}

static bool
add_str_or_null(cJSON *o, const char *key, const char *v)
{
	return v ? cJSON_AddStringToObject(o, key, v) != NULL
		 : cJSON_AddNullToObject(o, key) != NULL;
}

static cJSON *
user_object(const claims_user *u)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddNumberToObject(o, "id", (double)u->id) &&
		  cJSON_AddStringToObject(o, "username", u->username) &&
		  cJSON_AddStringToObject(o, "role", claims_role_to_str(u->role)) &&
		  cJSON_AddBoolToObject(o, "is_active", u->is_active) &&
		  add_str_or_null(o, "tokens_valid_after", u->tokens_valid_after) &&
		  add_str_or_null(o, "last_login_at", u->last_login_at) &&
		  add_str_or_null(o, "created_at", u->created_at) &&
		  add_str_or_null(o, "updated_at", u->updated_at);

	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *
render_user(const claims_user *u)
{
	cJSON *o = user_object(u);

	return finish(o, o != NULL);
}

char *
render_user_list(const claims_user_list *l)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	bool ok = o && arr && cJSON_AddItemToObject(o, "users", arr);

	if (!ok)
		cJSON_Delete(arr);
	for (size_t i = 0; ok && i < l->count; i++) {
		cJSON *u = user_object(&l->items[i]);

		ok = u && cJSON_AddItemToArray(arr, u);
		if (!ok)
			cJSON_Delete(u);
	}
	ok = ok && cJSON_AddNumberToObject(o, "total", (double)l->count) &&
	     cJSON_AddNumberToObject(o, "skip", 0) &&
	     cJSON_AddNumberToObject(o, "limit", (double)l->count);
	return finish(o, ok);
}

char *
render_token(const char *token, int64_t expires_in)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddStringToObject(o, "access_token", token) &&
		  cJSON_AddStringToObject(o, "token_type", "bearer") &&
		  cJSON_AddNumberToObject(o, "expires_in", (double)expires_in);

	return finish(o, ok);
}

char *
render_rate_limit_error(const char *message, const char *window, int64_t limit,
			int64_t retry_after)
{
	cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateObject();
	bool ok = o && d && cJSON_AddStringToObject(o, "error", "RATE_LIMIT_EXCEEDED") &&
		  cJSON_AddStringToObject(o, "message", message) &&
		  cJSON_AddItemToObject(o, "details", d);

	if (!ok) {
		cJSON_Delete(d);
		cJSON_Delete(o);
		return NULL;
	}
	ok = cJSON_AddStringToObject(d, "window", window) &&
	     cJSON_AddNumberToObject(d, "limit", (double)limit) &&
	     cJSON_AddNumberToObject(d, "retry_after", (double)retry_after);
	return finish(o, ok);
}

char *
render_key(const char *key)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && cJSON_AddStringToObject(o, "key", key);

	return finish(o, ok);
}
