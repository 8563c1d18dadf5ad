/*
 * claimsd: the web files compiled into the binary (apps/claimsd/web/, by
 * embed_assets.py) and the OpenAPI document (openapi.py).
 */
#ifndef CLAIMSD_ASSETS_H
#define CLAIMSD_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;         /* base name, [a-z0-9._-] */
	const char *content_type;
	const unsigned char *data; /* followed by a NUL not counted in len */
	size_t len;
};

/* The dashboard's files, served at /dashboard/{name}; the only names that
 * DASHBOARD_DIR may replace. */
extern const struct asset web_assets[];
extern const size_t web_assets_count;
/* GET /api/v1/openapi.json (never replaced). */
extern const struct asset openapi_asset;

/* The web asset named exactly @p name, or NULL. */
const struct asset *assets_find(const char *name);

#endif
