/*
 * libclaims internal: a small JSON text writer for what the library itself
 * stores as JSON (claim snapshots, issue details, parsing_warnings).  The
 * library does not link cJSON; front ends render their responses with it.
 */
#ifndef CLAIMS_JSONW_H
#define CLAIMS_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "ingest/arena.h"

/* Writer state: commas are inserted automatically. */
struct claims__jsonw {
	struct claims__buf *buf;
	int depth;
	bool need_comma[32];
};

void claims__jsonw_init(struct claims__jsonw *w, struct claims__buf *buf);
void claims__jsonw_object_begin(struct claims__jsonw *w);
void claims__jsonw_object_end(struct claims__jsonw *w);
void claims__jsonw_array_begin(struct claims__jsonw *w);
void claims__jsonw_array_end(struct claims__jsonw *w);
/* A key inside an object; the value follows with one of the calls below. */
void claims__jsonw_key(struct claims__jsonw *w, const char *key);
void claims__jsonw_string(struct claims__jsonw *w, const char *s); /* NULL -> null */
void claims__jsonw_stringn(struct claims__jsonw *w, const char *s, size_t n);
void claims__jsonw_int(struct claims__jsonw *w, int64_t v);
void claims__jsonw_null(struct claims__jsonw *w);
/* Money: cents as a number with two decimals ("-0.01"). */
void claims__jsonw_cents(struct claims__jsonw *w, int64_t cents);
/* Pre-rendered JSON (an object text, for example); NULL -> null. */
void claims__jsonw_raw(struct claims__jsonw *w, const char *json);

/* Shorthands: key + value. */
void claims__jsonw_kv_string(struct claims__jsonw *w, const char *key, const char *s);
void claims__jsonw_kv_int(struct claims__jsonw *w, const char *key, int64_t v);
void claims__jsonw_kv_cents(struct claims__jsonw *w, const char *key, int64_t cents);
/* key + value, or key + null when !present. */
void claims__jsonw_kv_int_or_null(struct claims__jsonw *w, const char *key, bool present, int64_t v);
void claims__jsonw_kv_cents_or_null(struct claims__jsonw *w, const char *key, bool present,
				    int64_t cents);

/* Format cents as "123.45" / "-0.01" into buf (at least 32 bytes). */
void claims__format_cents(char buf[static 32], int64_t cents);

#endif
