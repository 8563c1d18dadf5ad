/*
 * JSON rendering of the `claims loadtest` report (spec/cli.md §2).  Values
 * typed "2 decimals" are written as raw number text with exactly two places,
 * so 12.5 prints as 12.50 and 3 as 3.00.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "render_loadtest.h"

static bool
add(cJSON *o, const char *name, cJSON *item)
{
	if (!item)
		return false;
	return cJSON_AddItemToObject(o, name, item);
}

static cJSON *
fixed2(double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.2f", v);
	return cJSON_CreateRaw(buf);
}

static cJSON *
count(uint64_t n)
{
	return cJSON_CreateNumber((double)n);
}

static cJSON *
latency(const struct loadtest_latency *l)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && add(o, "mean", fixed2(l->mean));
	ok = ok && add(o, "median", fixed2(l->median));
	ok = ok && add(o, "p95", fixed2(l->p95));
	ok = ok && add(o, "p99", fixed2(l->p99));
	ok = ok && add(o, "min", fixed2(l->min));
	ok = ok && add(o, "max", fixed2(l->max));
	ok = ok && add(o, "stddev", fixed2(l->stddev));
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

static cJSON *
counts(const struct loadtest_count *c, size_t n)
{
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; o && i < n; i++) {
		if (!add(o, c[i].key, count(c[i].n))) {
			cJSON_Delete(o);
			return NULL;
		}
	}
	return o;
}

static cJSON *
endpoint(const struct loadtest_endpoint_report *e)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

	ok = ok && add(o, "requests", count(e->requests));
	ok = ok && add(o, "success", count(e->success));
	ok = ok && add(o, "success_rate", fixed2(e->success_rate));
	ok = ok && add(o, "mean_ms", fixed2(e->latency.mean));
	ok = ok && add(o, "median_ms", fixed2(e->latency.median));
	ok = ok && add(o, "p95_ms", fixed2(e->latency.p95));
	ok = ok && add(o, "p99_ms", fixed2(e->latency.p99));
	ok = ok && add(o, "min_ms", fixed2(e->latency.min));
	ok = ok && add(o, "max_ms", fixed2(e->latency.max));
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *
render_loadtest_report(const struct loadtest_report *r)
{
	cJSON *o = cJSON_CreateObject(), *per = NULL;
	char *out = NULL;
	bool ok = o != NULL;

	ok = ok && add(o, "total_requests", count(r->total_requests));
	ok = ok && add(o, "errors", count(r->errors));
	ok = ok && add(o, "failures", count(r->failures));
	ok = ok && add(o, "success_rate", fixed2(r->success_rate));
	ok = ok && add(o, "wall_seconds", fixed2(r->wall_seconds));
	ok = ok && add(o, "requests_per_second", fixed2(r->requests_per_second));
	ok = ok && add(o, "latency_ms", latency(&r->latency));
	ok = ok && add(o, "status_distribution", counts(r->statuses, r->n_statuses));
	ok = ok && add(o, "error_messages", counts(r->messages, r->n_messages));
	ok = ok && add(o, "per_endpoint", (per = cJSON_CreateObject()));
	for (size_t i = 0; ok && i < r->n_endpoints; i++)
		ok = add(per, r->endpoints[i].path, endpoint(&r->endpoints[i]));
	if (ok)
		out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}
