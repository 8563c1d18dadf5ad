/*
 * A test implementation of the adapter interface (claims/adapter.h),
 * loaded by claimsd through CLAIMS_ADAPTER_MODULES in
 * test_integrations.py.  It stands in for an outside EHR and
 * clearinghouse without any network:
 *
 * (ehr, epic)
 *   connect: accepts any settings; remembers whether one named "endpoint"
 *     was given (and never its value).
 *   test_connection: connected once a connect gave an "endpoint".
 *   fetch_claims: the claims of a fixed list whose service_date lies in
 *     [start, end], each as {"external_id", "service_date",
 *     "total_charge_amount", "filters"} with the filters text it received;
 *     filters holding "fail_adapter" make it fail, "bad_claim" make it emit
 *     a text that is not a JSON object.
 * (clearinghouse, change_healthcare)
 *   connect: refuses settings with a key named "reject".
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <claims/claims.h>

struct epic {
	pthread_mutex_t lock;
	bool has_endpoint;
};

static const struct {
	const char *id, *date, *charge;
} records[] = {
	{ "EHR-1001", "2024-01-05", "125.00" },
	{ "EHR-1002", "2024-01-20", "80.50" },
	{ "EHR-1003", "2024-02-11", "300.00" },
	{ "EHR-1004", "2024-03-01", "42.10" },
};

static int
epic_connect(void *payload, const claims_adapter_setting *settings, size_t n)
{
	struct epic *e = payload;
	bool endpoint = false;

	for (size_t i = 0; i < n; i++)
		if (strcmp(settings[i].key, "endpoint") == 0 && settings[i].value[0])
			endpoint = true;
	pthread_mutex_lock(&e->lock);
	e->has_endpoint = endpoint;
	pthread_mutex_unlock(&e->lock);
	return CLAIMS_OK;
}

static int
epic_test(void *payload, bool *connected)
{
	struct epic *e = payload;

	pthread_mutex_lock(&e->lock);
	*connected = e->has_endpoint;
	pthread_mutex_unlock(&e->lock);
	return CLAIMS_OK;
}

static int
epic_fetch(void *payload, const char *start, const char *end, const char *filters,
	   claims_adapter_claim_cb emit, void *emit_payload)
{
	(void)payload;
	if (strstr(filters, "fail_adapter"))
		return CLAIMS_ERROR;
	if (strstr(filters, "bad_claim"))
		return emit("[1, 2]", emit_payload);
	for (size_t i = 0; i < sizeof(records) / sizeof(records[0]); i++) {
		char *json;
		size_t len;
		int rc;

		if (strcmp(records[i].date, start) < 0 || strcmp(records[i].date, end) > 0)
			continue;
		len = strlen(filters) + 160;
		json = malloc(len);
		if (!json)
			return CLAIMS_ENOMEM;
		snprintf(json, len,
			 "{\"external_id\": \"%s\", \"service_date\": \"%s\", "
			 "\"total_charge_amount\": %s, \"filters\": %s}",
			 records[i].id, records[i].date, records[i].charge, filters);
		rc = emit(json, emit_payload);
		free(json);
		if (rc < 0)
			return rc;
	}
	return CLAIMS_OK;
}

static void
epic_release(void *payload)
{
	struct epic *e = payload;

	pthread_mutex_destroy(&e->lock);
	free(e);
}

static int
ch_connect(void *payload, const claims_adapter_setting *settings, size_t n)
{
	(void)payload;
	for (size_t i = 0; i < n; i++)
		if (strcmp(settings[i].key, "reject") == 0)
			return CLAIMS_EINVAL;
	return CLAIMS_OK;
}

int claims_adapter_module_init(claims_adapters *registry, char *errbuf, size_t errlen);

__attribute__((visibility("default"))) int
claims_adapter_module_init(claims_adapters *registry, char *errbuf, size_t errlen)
{
	static const claims_adapter_impl epic_impl = {
		.version = CLAIMS_ADAPTER_IMPL_VERSION,
		.connect = epic_connect,
		.test_connection = epic_test,
		.fetch_claims = epic_fetch,
		.release = epic_release,
	};
	static const claims_adapter_impl ch_impl = {
		.version = CLAIMS_ADAPTER_IMPL_VERSION,
		.connect = ch_connect,
	};
	struct epic *e = calloc(1, sizeof(*e));
	int rc;

	if (!e || pthread_mutex_init(&e->lock, NULL) != 0) {
		free(e);
		snprintf(errbuf, errlen, "out of memory");
		return CLAIMS_ENOMEM;
	}
	rc = claims_adapter_register(registry, "EHR", "Epic", &epic_impl, e);
	if (rc < 0) {
		epic_release(e);
		snprintf(errbuf, errlen, "registering epic: %s", claims_strerror(rc));
		return rc;
	}
	rc = claims_adapter_register(registry, "clearinghouse", "change_healthcare", &ch_impl,
				     NULL);
	if (rc < 0)
		snprintf(errbuf, errlen, "registering change_healthcare: %s", claims_strerror(rc));
	return rc;
}
