/*
 * JSON rendering shared by claimsd and claims.  apps/common/json.c and
 * apps/common/render_*.c (the API objects, render.h) are the only
 * translation units that include cJSON; everything else passes plain C
 * values in and gets a malloc'd string out (free with free()).
 */
#ifndef CLAIMS_APP_JSON_H
#define CLAIMS_APP_JSON_H

#include <stdint.h>

/* {"name": "libclaims", "version": ..., "status": "running"} */
char *json_root_info(void);

/* {"status": "healthy", "version": ...} */
char *json_health(void);

/* {"error": code, "message": message, "details": {}} */
char *json_error(const char *code, const char *message);



/* claims migrate --json: {"version", "name", "head", "behind", "applied": [names]} */
char *json_migration_status(int version, const char *name, int head, const char *const *applied,
			    int n_applied);

#include <claims/ingest.h>

/* One file of `claims import --json` / an upload response:
 * {"filename", "status", "ingest_file_id", "detected_type", "counts",
 *  "issues_total", "issues": [...], "error": {code, message}?}.
 * Returns a cJSON object (opaque here) or NULL; see json_render_files(). */
void *json_ingest_file(const char *filename, const claims_ingest_result *r);

/* A file that could not be processed (I/O or database failure):
 * {"filename", "status": "failed", "error": {"code": "FAILED", "message"}}. */
void *json_ingest_failed(const char *filename, const char *message);

/* One Issue (x12.md §4) as a cJSON object; NULL when out of memory. */
void *json_ingest_issue(const char *filename, const claims_ingest_issue *is);

/* IngestCounts as a JSON object (x12.md §10). */
void *json_ingest_counts(const claims_ingest_counts *c);

/* {"files": [objects made by json_ingest_file()]} rendered; takes ownership
 * of the objects.  Returns a malloc'd string or NULL. */
char *json_render_files(void **files, size_t n);
/* ---- request bodies */
#include <stdbool.h>
#include <stddef.h>

/* Whether @p s is well-formed UTF-8 (no overlong forms or surrogates). */
bool json_is_valid_utf8(const char *s, size_t len);

/* The deepest nesting of arrays and objects any outside JSON may have.  The
 * parser recurses once per level, and CivetWeb's request threads have small
 * stacks: a body of 50,000 '[' overflowed one before this limit. */
#define JSON_MAX_DEPTH 100

/* Whether the arrays and objects of @p s (strings skipped) nest at most
 * @p max_depth deep.  A cheap scan, run before any parse of outside JSON. */
bool json_depth_ok(const char *s, size_t len, int max_depth);

/*
 * Whether the @p len bytes at @p s are exactly one JSON value (RFC 8259, any
 * type, whitespace around it allowed) in UTF-8.  When not, @p reason gets
 * why, e.g. "empty message", "not valid UTF-8", "expected ':' at position
 * 5", "unexpected end of input".  Iterative: the nesting depth costs heap,
 * not stack (at most @p len bytes).
 */
bool json_validate(const char *s, size_t len, char *reason, size_t reason_len);

enum {
	JSON_BODY_OK = 0,
	JSON_BODY_INVALID = -1,    /* not JSON */
	JSON_BODY_NOT_OBJECT = -2, /* JSON, but not an object */
	JSON_BODY_MISSING = -3,    /* no such key, or null */
	JSON_BODY_WRONG_TYPE = -4, /* not a string */
	JSON_BODY_NOMEM = -5,
};

/* The string member @p key of the JSON object @p body, copied into *out
 * (free()). */
int json_body_string(const char *body, const char *key, char **out);

#endif
