/*
 * JSON of the server's own answers: cache statistics (spec/cache.md §5)
 * and the detailed health (spec/api.md §4.10).  Object keys are written in
 * ascending byte order.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "render_server.h"

static char *
finish(cJSON *o)
{
	char *out = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return out;
}

static void
add_u64(cJSON *o, const char *key, uint64_t v)
{
	char buf[32];

	/* Raw text: a double would round counters past 2^53. */
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	cJSON_AddRawToObject(o, key, buf);
}

static void
add_rate(cJSON *o, const claims_cache_counts *c)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu32 ".%02" PRIu32, c->hit_rate_centi / 100,
		 c->hit_rate_centi % 100);
	cJSON_AddRawToObject(o, "hit_rate", buf);
}

/* {"hits", "hit_rate", "misses", "total"} into @p o (sorted with the
 * caller's other keys: see each caller). */
static void
add_counts(cJSON *o, const claims_cache_counts *c)
{
	add_rate(o, c);
	add_u64(o, "hits", c->hits);
	add_u64(o, "misses", c->misses);
	add_u64(o, "total", c->total);
}

char *
render_cache_stats(const claims_cache_stats *s)
{
	cJSON *o = cJSON_CreateObject(), *keys = cJSON_CreateObject(),
	      *pfx = cJSON_CreateObject(), *ov = cJSON_CreateObject();

	for (size_t i = 0; i < s->n_keys; i++) {
		cJSON *k = cJSON_CreateObject();

		add_counts(k, &s->by_key[i].counts);
		cJSON_AddItemToObject(keys, s->by_key[i].key, k);
	}
	for (size_t i = 0; i < s->n_prefixes; i++) {
		cJSON *p = cJSON_CreateObject();

		add_u64(p, "entries", s->by_prefix[i].entries);
		add_counts(p, &s->by_prefix[i].counts);
		cJSON_AddItemToObject(pfx, s->by_prefix[i].prefix, p);
	}
	add_u64(ov, "bytes", s->bytes);
	add_u64(ov, "entries", s->entries);
	add_u64(ov, "evictions", s->evictions);
	add_u64(ov, "expirations", s->expirations);
	add_rate(ov, &s->overall);
	add_u64(ov, "hits", s->overall.hits);
	add_u64(ov, "max_bytes", s->max_bytes);
	add_u64(ov, "max_entries", s->max_entries);
	add_u64(ov, "misses", s->overall.misses);
	add_u64(ov, "total", s->overall.total);

	cJSON_AddItemToObject(o, "by_key", keys);
	cJSON_AddItemToObject(o, "by_prefix", pfx);
	add_u64(o, "max_tracked_keys", s->max_tracked_keys);
	cJSON_AddItemToObject(o, "overall", ov);
	add_u64(o, "tracked_keys", s->n_keys);
	return finish(o);
}

char *
render_cache_key_stats(const char *key, const claims_cache_counts *c, bool tracked)
{
	cJSON *o = cJSON_CreateObject();

	add_rate(o, c);
	add_u64(o, "hits", c->hits);
	cJSON_AddStringToObject(o, "key", key);
	add_u64(o, "misses", c->misses);
	add_u64(o, "total", c->total);
	cJSON_AddBoolToObject(o, "tracked", tracked);
	return finish(o);
}

char *
render_message(const char *message)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "message", message);
	return finish(o);
}

char *
render_health_detailed(const struct health_report *h)
{
	cJSON *o = cJSON_CreateObject(), *comp = cJSON_CreateObject(),
	      *db = cJSON_CreateObject(), *cache = cJSON_CreateObject(),
	      *worker = cJSON_CreateObject();
	bool healthy = h->db_ok && h->worker_ok;
	char buf[32];

	if (h->db_ok) {
		snprintf(buf, sizeof(buf), "%.2f", h->db_response_ms);
		cJSON_AddRawToObject(db, "response_time_ms", buf);
		cJSON_AddNumberToObject(db, "schema_version", h->schema_version);
		cJSON_AddStringToObject(db, "status", "healthy");
	} else {
		cJSON_AddStringToObject(db, "error", h->db_error ? h->db_error : "unavailable");
		cJSON_AddStringToObject(db, "status", "unhealthy");
	}
	add_u64(cache, "bytes", h->cache_bytes);
	add_u64(cache, "entries", h->cache_entries);
	cJSON_AddStringToObject(cache, "status", "healthy");
	cJSON_AddNumberToObject(worker, "queued_jobs", (double)h->queued_jobs);
	cJSON_AddNumberToObject(worker, "running_jobs", (double)h->running_jobs);
	cJSON_AddStringToObject(worker, "status", h->worker_ok ? "healthy" : "unhealthy");
	cJSON_AddNumberToObject(worker, "threads", h->worker_threads);
	cJSON_AddItemToObject(comp, "cache", cache);
	cJSON_AddItemToObject(comp, "database", db);
	cJSON_AddItemToObject(comp, "worker", worker);

	cJSON_AddItemToObject(o, "components", comp);
	cJSON_AddStringToObject(o, "status", healthy ? "healthy" : "degraded");
	cJSON_AddStringToObject(o, "timestamp", h->timestamp);
	cJSON_AddStringToObject(o, "version", claims_version());
	return finish(o);
}
