/*
 * claimsd: answers read through the shared cache (spec/cache.md).  The
 * cache holds the rendered JSON, so a hit is byte-identical to a miss.
 * The generation is taken on the miss, before the database is read, so an
 * answer read before a concurrent write's invalidation is never stored.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

int
serve_cached(struct request *req, const char *key, build_fn build, void *ctx)
{
	claims_cache_gen gen = 0;
	char *value = NULL, *body = NULL;
	size_t len;
	int status;

	if (claims_cache_get(&value, &len, &gen, app.cache, key) == CLAIMS_OK) {
		status = http_send_json(req->conn, 200, value, NULL);
		claims_cache_value_free(value);
		return status;
	}
	status = build(req, ctx, &body);
	if (status < 0) /* the builder answered already (an error) */
		return -status;
	if (status == 200 && body) {
		int rc = claims_cache_put(app.cache, key, body, strlen(body), gen);

		(void)rc; /* an answer that cannot be kept is still an answer */
	}
	return http_send_owned(req->conn, status, body);
}

void
count_lookup(const char *key, int64_t *total, bool *have, claims_cache_gen *gen)
{
	char *value = NULL, *end;
	size_t len;

	*have = false;
	*total = 0;
	*gen = 0;
	if (claims_cache_get(&value, &len, gen, app.cache, key) != CLAIMS_OK)
		return;
	*total = strtoll(value, &end, 10);
	*have = end != value && *end == '\0' && *total >= 0;
	claims_cache_value_free(value);
}

void
count_store(const char *key, int64_t total, claims_cache_gen gen)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, total);
	int rc = claims_cache_put(app.cache, key, buf, (size_t)n, gen);

	(void)rc;
}
