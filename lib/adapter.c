/*
 * libclaims: the adapter registry (include/claims/adapter.h).
 *
 * Only the three known adapters exist, so the registry is a fixed table of
 * three slots under one mutex: a slot holds the registered implementation
 * (never replaced once set) and the settings of the last connect.  A call
 * copies what it needs out of its slot under the lock and runs the
 * implementation's callback after unlocking, so a slow outside system
 * never holds up the other threads; the copy stays valid because a
 * registration is never undone before the registry is freed.
 */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "claims/adapter.h"
#include "internal.h"
#include "x12/values.h"
#include "x12/write837.h"

static const struct known {
	const char *type, *name;
	bool builtin; /* needs no implementation */
} known[] = {
	{ "ehr", "epic", false },
	{ "clearinghouse", "change_healthcare", false },
	{ "clearinghouse", "x12", true },
};

#define N_KNOWN (sizeof(known) / sizeof(known[0]))

struct slot {
	bool registered;
	claims_adapter_impl impl;
	void *payload;
	char **keys, **values;
	size_t n;
};

struct claims_adapters {
	pthread_mutex_t lock;
	struct slot slots[N_KNOWN];
};

static bool
ieq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a, y = *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

/* Index of the known pair, -1 unknown type, -2 unknown name. */
static int
find(const char *type, const char *name)
{
	bool type_known = false;

	if (!type || !name)
		return -1;
	for (size_t i = 0; i < N_KNOWN; i++) {
		if (!ieq(type, known[i].type))
			continue;
		type_known = true;
		if (ieq(name, known[i].name))
			return (int)i;
	}
	return type_known ? -2 : -1;
}

int
claims_adapter_lookup(const char **type_out, const char **name_out, const char *type,
		      const char *name)
{
	int i = find(type, name);

	if (type_out)
		*type_out = NULL;
	if (name_out)
		*name_out = NULL;
	if (i == -1)
		return CLAIMS_EINVAL;
	if (i == -2)
		return CLAIMS_ENOTFOUND;
	if (type_out)
		*type_out = known[i].type;
	if (name_out)
		*name_out = known[i].name;
	return CLAIMS_OK;
}

static void
add_problem(claims_validation *v, const char *where, const char *param, const char *type,
	    const char *msg)
{
	if (!v || v->count >= CLAIMS_VALIDATION_MAX)
		return;
	v->errors[v->count++] = (claims_validation_error){ where, param, type, msg };
}

int
claims_adapter_check(const char **type_out, const char **name_out, const char *type,
		     const char *type_where, const char *type_param, const char *name,
		     const char *name_where, const char *name_param, claims_validation *v)
{
	int rc = claims_adapter_lookup(type_out, name_out, type, name);

	if (rc == CLAIMS_EINVAL)
		add_problem(v, type_where, type_param, "unknown_adapter",
			    "must be one of: ehr, clearinghouse");
	else if (rc == CLAIMS_ENOTFOUND)
		add_problem(v, name_where, name_param, "unknown_adapter",
			    ieq(type, "ehr") ? "must be one of: epic"
					     : "must be one of: change_healthcare, x12");
	return rc == CLAIMS_OK ? CLAIMS_OK : CLAIMS_EINVAL;
}

int
claims_adapters_new(claims_adapters **out)
{
	claims_adapters *r;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	r = claims__calloc(1, sizeof(*r));
	if (!r)
		return CLAIMS_ENOMEM;
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		claims__free(r);
		return CLAIMS_ENOMEM;
	}
	*out = r;
	return CLAIMS_OK;
}

static void
settings_free(struct slot *s)
{
	for (size_t i = 0; i < s->n; i++) {
		/* keep no copy of a secret in freed memory */
		if (s->values[i])
			memset(s->values[i], 0, strlen(s->values[i]));
		claims__free(s->keys[i]);
		claims__free(s->values[i]);
	}
	claims__free(s->keys);
	claims__free(s->values);
	s->keys = s->values = NULL;
	s->n = 0;
}

void
claims_adapters_free(claims_adapters *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < N_KNOWN; i++) {
		struct slot *s = &r->slots[i];

		if (s->registered && s->impl.release)
			s->impl.release(s->payload);
		settings_free(s);
	}
	pthread_mutex_destroy(&r->lock);
	claims__free(r);
}

int
claims_adapter_register(claims_adapters *r, const char *type, const char *name,
			const claims_adapter_impl *impl, void *impl_payload)
{
	int i, rc = CLAIMS_OK;

	if (!r || !impl || impl->version != CLAIMS_ADAPTER_IMPL_VERSION)
		return CLAIMS_EINVAL;
	i = find(type, name);
	if (i < 0 || known[i].builtin)
		return CLAIMS_EINVAL;
	pthread_mutex_lock(&r->lock);
	if (r->slots[i].registered) {
		rc = CLAIMS_EEXISTS;
	} else {
		r->slots[i].registered = true;
		r->slots[i].impl = *impl;
		r->slots[i].payload = impl_payload;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

bool
claims_adapter_is_registered(claims_adapters *r, const char *type, const char *name)
{
	int i = find(type, name);
	bool reg;

	if (!r || i < 0)
		return false;
	pthread_mutex_lock(&r->lock);
	reg = r->slots[i].registered;
	pthread_mutex_unlock(&r->lock);
	return reg;
}

/* The registered implementation of slot @p i, copied; false when none. */
static bool
impl_of(claims_adapters *r, int i, claims_adapter_impl *impl, void **payload)
{
	bool reg;

	pthread_mutex_lock(&r->lock);
	reg = r->slots[i].registered;
	if (reg) {
		*impl = r->slots[i].impl;
		*payload = r->slots[i].payload;
	}
	pthread_mutex_unlock(&r->lock);
	return reg;
}

static int
refuse(char *errbuf, size_t errlen, const char *msg)
{
	if (errbuf && errlen)
		snprintf(errbuf, errlen, "%s", msg);
	return CLAIMS_EINVAL;
}

/* The keys the library itself reads from a clearinghouse's settings. */
static int
check_clearinghouse(const claims_adapter_setting *s, size_t n, char *errbuf, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(s[i].key, "usage_indicator") == 0 && strcmp(s[i].value, "T") != 0 &&
		    strcmp(s[i].value, "P") != 0)
			return refuse(errbuf, errlen, "usage_indicator must be T or P");
		if ((strcmp(s[i].key, "sender_id") == 0 || strcmp(s[i].key, "receiver_id") == 0) &&
		    !claims__valid_interchange_id(s[i].value))
			return refuse(errbuf, errlen,
				      "sender_id and receiver_id must be 1 to 15 letters, digits, "
				      "spaces or .-_/");
	}
	return CLAIMS_OK;
}

int
claims_adapter_connect(claims_adapters *r, const char *type, const char *name,
		       const claims_adapter_setting *settings, size_t n, char *errbuf,
		       size_t errlen)
{
	claims_adapter_impl impl;
	void *payload = NULL;
	struct slot fresh = { 0 };
	int i, rc;

	if (errbuf && errlen)
		errbuf[0] = '\0';
	if (!r || (n && !settings))
		return refuse(errbuf, errlen, "invalid arguments");
	i = find(type, name);
	if (i < 0)
		return refuse(errbuf, errlen, "unknown adapter");
	if (n > CLAIMS_ADAPTER_MAX_SETTINGS)
		return refuse(errbuf, errlen, "at most 64 settings are accepted");
	for (size_t k = 0; k < n; k++) {
		const char *key = settings[k].key, *value = settings[k].value;

		if (!key || !*key)
			return refuse(errbuf, errlen, "a setting has an empty name");
		if (!value)
			return refuse(errbuf, errlen, "a setting has no value");
		if (strlen(key) > CLAIMS_ADAPTER_MAX_KEY)
			return refuse(errbuf, errlen, "a setting name is longer than 128 bytes");
		if (strlen(value) > CLAIMS_ADAPTER_MAX_VALUE)
			return refuse(errbuf, errlen, "a setting value is longer than 4096 bytes");
		for (size_t j = 0; j < k; j++)
			if (strcmp(settings[j].key, key) == 0)
				return refuse(errbuf, errlen, "a setting name is repeated");
	}
	if (strcmp(known[i].type, "clearinghouse") == 0) {
		rc = check_clearinghouse(settings, n, errbuf, errlen);
		if (rc < 0)
			return rc;
	}
	if (impl_of(r, i, &impl, &payload) && impl.connect) {
		rc = impl.connect(payload, settings, n);
		if (rc == CLAIMS_EINVAL)
			return refuse(errbuf, errlen, "the adapter refused the settings");
		if (rc < 0)
			return rc;
	}

	/* Copy, then swap in under the lock. */
	if (n) {
		fresh.keys = claims__calloc(n, sizeof(char *));
		fresh.values = claims__calloc(n, sizeof(char *));
		if (!fresh.keys || !fresh.values) {
			settings_free(&fresh);
			return CLAIMS_ENOMEM;
		}
		fresh.n = n;
		for (size_t k = 0; k < n; k++) {
			fresh.keys[k] = claims__strdup(settings[k].key);
			fresh.values[k] = claims__strdup(settings[k].value);
			if (!fresh.keys[k] || !fresh.values[k]) {
				settings_free(&fresh);
				return CLAIMS_ENOMEM;
			}
		}
	}
	pthread_mutex_lock(&r->lock);
	{
		struct slot *s = &r->slots[i];
		struct slot old = { .keys = s->keys, .values = s->values, .n = s->n };

		s->keys = fresh.keys;
		s->values = fresh.values;
		s->n = fresh.n;
		pthread_mutex_unlock(&r->lock);
		settings_free(&old);
	}
	return CLAIMS_OK;
}

int
claims_adapter_setting_get(char *buf, size_t len, claims_adapters *r, const char *type,
			   const char *name, const char *key)
{
	int i = find(type, name);
	int rc = CLAIMS_ENOTFOUND;

	if (!buf || !len || !r || !key || i < 0)
		return CLAIMS_EINVAL;
	buf[0] = '\0';
	pthread_mutex_lock(&r->lock);
	for (size_t k = 0; k < r->slots[i].n; k++) {
		if (strcmp(r->slots[i].keys[k], key) != 0)
			continue;
		if (strlen(r->slots[i].values[k]) >= len) {
			rc = CLAIMS_EINVAL;
		} else {
			snprintf(buf, len, "%s", r->slots[i].values[k]);
			rc = CLAIMS_OK;
		}
		break;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

int
claims_adapter_test(bool *connected, claims_adapters *r, const char *type, const char *name)
{
	claims_adapter_impl impl;
	void *payload = NULL;
	int i = find(type, name), rc = CLAIMS_OK;
	bool ok;

	if (!connected)
		return CLAIMS_EINVAL;
	*connected = false;
	if (!r || i < 0)
		return CLAIMS_EINVAL;
	if (known[i].builtin) {
		*connected = true;
		return CLAIMS_OK;
	}
	if (!impl_of(r, i, &impl, &payload))
		return CLAIMS_OK;
	if (!impl.test_connection) {
		*connected = true;
		return CLAIMS_OK;
	}
	ok = false;
	rc = impl.test_connection(payload, &ok);
	*connected = rc == CLAIMS_OK && ok;
	return rc;
}

/* "YYYY-MM-DD" that is a real date (years 1900..2199, as D8 values). */
static bool
valid_date(const char *s)
{
	char d8[8], out[11];

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	memcpy(d8, s, 4);
	memcpy(d8 + 4, s + 5, 2);
	memcpy(d8 + 6, s + 8, 2);
	return claims__parse_d8(d8, 8, out);
}

int
claims_adapter_fetch_claims(claims_adapters *r, const char *name, const char *start_date,
			    const char *end_date, const char *filters_json,
			    claims_adapter_claim_cb emit, void *emit_payload)
{
	claims_adapter_impl impl;
	void *payload = NULL;
	int i = find("ehr", name);

	if (!r || i < 0 || !emit || !valid_date(start_date) || !valid_date(end_date) ||
	    strcmp(start_date, end_date) > 0)
		return CLAIMS_EINVAL;
	if (!impl_of(r, i, &impl, &payload) || !impl.fetch_claims)
		return CLAIMS_ENOTFOUND;
	return impl.fetch_claims(payload, start_date, end_date,
				 filters_json && *filters_json ? filters_json : "{}", emit,
				 emit_payload);
}

/* ---- POST /api/v1/integrations/ehr/fetch-claims parameters */

/* The single value of @p name: NULL when absent; "repeated" when twice. */
static const char *
one_param(const claims_param *params, size_t n, const char *name, bool *repeated)
{
	const char *v = NULL;
	size_t seen = 0;

	*repeated = false;
	for (size_t i = 0; i < n; i++) {
		if (!params[i].name || strcmp(params[i].name, name) != 0)
			continue;
		if (seen++ == 0)
			v = params[i].value ? params[i].value : "";
	}
	*repeated = seen > 1;
	return v;
}

static bool
date_param(const claims_param *params, size_t n, const char *name, char out[11],
	   claims_validation *v)
{
	bool repeated;
	const char *text = one_param(params, n, name, &repeated);

	out[0] = '\0';
	if (repeated) {
		add_problem(v, "query", name, "repeated", "must be given at most once");
		return false;
	}
	if (!text || !*text) {
		add_problem(v, "query", name, "missing", "is required");
		return false;
	}
	if (!valid_date(text)) {
		add_problem(v, "query", name, "date_parsing", "must be a date (YYYY-MM-DD)");
		return false;
	}
	memcpy(out, text, 11);
	return true;
}

int
claims_adapter_fetch_query_parse(claims_adapter_fetch_query *out, const claims_param *params,
				 size_t n, claims_validation *v)
{
	bool repeated, ok = true, start_ok, end_ok;
	const char *name;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	memset(out, 0, sizeof(*out));
	name = one_param(params, n, "adapter_name", &repeated);
	if (repeated) {
		add_problem(v, "query", "adapter_name", "repeated", "must be given at most once");
		ok = false;
	} else if (!name || !*name) {
		add_problem(v, "query", "adapter_name", "missing", "is required");
		ok = false;
	} else if (claims_adapter_check(NULL, &out->adapter_name, "ehr", "query", "adapter_type",
					name, "query", "adapter_name", v) < 0) {
		ok = false;
	}
	start_ok = date_param(params, n, "start_date", out->start_date, v);
	end_ok = date_param(params, n, "end_date", out->end_date, v);
	if (start_ok && end_ok && strcmp(out->start_date, out->end_date) > 0) {
		add_problem(v, "query", "end_date", "range", "must not be before start_date");
		end_ok = false;
	}
	return ok && start_ok && end_ok ? CLAIMS_OK : CLAIMS_EINVAL;
}
