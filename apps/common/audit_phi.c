/*
 * The hashed identifiers of the audit trail (spec/security.md §4); the rules
 * are stated in audit_phi.h.  Documents are parsed with cJSON; the walk and
 * the canonical writer are ours, so that key order, escapes and numbers are
 * fixed here and do not depend on the parser's printer.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "audit_phi.h"
#include "json.h"

struct entry {
	char *path;
	char hash[AUDIT_PHI_HEX + 1];
};

struct audit_phi_map {
	const unsigned char *key;
	size_t key_len;
	struct entry entries[AUDIT_PHI_MAX_ENTRIES];
	size_t n;
};

/* A growable text; ok turns false on the first failed allocation. */
struct sbuf {
	char *p;
	size_t len, cap;
	bool ok;
};

static void
sb_put(struct sbuf *b, const void *s, size_t n)
{
	if (!b->ok)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);

		if (!p) {
			b->ok = false;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_puts(struct sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* The text, or NULL (freed) after a failure. */
static char *
sb_take(struct sbuf *b)
{
	if (!b->ok || !b->p) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* ---- names */

static const char *const phi_names[] = {
	"patient", "first_name", "last_name", "dob", "birth", "ssn", "member_id", "subscriber",
	"control_number", "medical_record", "mrn", "npi", "phone", "email", "address", "zip",
	"policy", "group_number", "account", "password", "token", "secret", "authorization",
};

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool
audit_phi_name_matches(const char *name, size_t len)
{
	for (size_t k = 0; k < sizeof(phi_names) / sizeof(phi_names[0]); k++) {
		const char *needle = phi_names[k];
		size_t nl = strlen(needle);

		for (size_t i = 0; i + nl <= len; i++) {
			size_t j = 0;

			while (j < nl && lower(name[i + j]) == needle[j])
				j++;
			if (j == nl)
				return true;
		}
	}
	return false;
}

/* ---- text helpers */

/* The length of the UTF-8 character at @p s (at most @p n bytes), or 0 when
 * the bytes there are not one. */
static size_t
utf8_char(const unsigned char *s, size_t n)
{
	size_t want;

	if (s[0] < 0x80)
		return 1;
	want = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (want == 0 || want > n || !json_is_valid_utf8((const char *)s, want))
		return 0;
	return want;
}

/* A JSON string literal of @p s (@p n bytes). */
static void
put_string(struct sbuf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	sb_put(b, "\"", 1);
	while (i < n && b->ok) {
		unsigned char c = p[i];
		size_t k;
		char esc[8];

		switch (c) {
		case '"': sb_put(b, "\\\"", 2); i++; continue;
		case '\\': sb_put(b, "\\\\", 2); i++; continue;
		case '\b': sb_put(b, "\\b", 2); i++; continue;
		case '\f': sb_put(b, "\\f", 2); i++; continue;
		case '\n': sb_put(b, "\\n", 2); i++; continue;
		case '\r': sb_put(b, "\\r", 2); i++; continue;
		case '\t': sb_put(b, "\\t", 2); i++; continue;
		default: break;
		}
		if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			sb_put(b, esc, 6);
			i++;
			continue;
		}
		k = utf8_char(p + i, n - i);
		if (k == 0) {
			sb_put(b, "\xef\xbf\xbd", 3); /* U+FFFD */
			i++;
		} else {
			sb_put(b, p + i, k);
			i += k;
		}
	}
	sb_put(b, "\"", 1);
}

/* @p s (@p n bytes) with each byte that is not part of a UTF-8 character
 * replaced by U+FFFD, NUL-terminated, malloc'd; *out_len its length.  NULL
 * when out of memory. */
static char *
utf8_clean(const char *s, size_t n, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct sbuf b = { NULL, 0, 0, true };
	size_t i = 0;

	sb_put(&b, "", 0);
	while (i < n && b.ok) {
		size_t k = utf8_char(p + i, n - i);

		if (k == 0) {
			sb_put(&b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			sb_put(&b, p + i, k);
			i += k;
		}
	}
	*out_len = b.len;
	return sb_take(&b);
}

/* The JSON rendering of a finite number: %.15g when it reads back exactly,
 * else %.17g (always exact for a double). */
static void
number_text(char out[32], double d)
{
	snprintf(out, 32, "%.15g", d);
	if (strtod(out, NULL) != d)
		snprintf(out, 32, "%.17g", d);
}

/* ---- canonical JSON */

/* A member and its name as written (UTF-8), by which members are sorted, so
 * that canonical JSON read back sorts the same way. */
struct member {
	const cJSON *item;
	size_t index;
	char *key;
	size_t key_len;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	if (c)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static void
canon(struct sbuf *b, const cJSON *n)
{
	char num[32];

	if (!b->ok)
		return;
	if (cJSON_IsObject(n)) {
		struct member *m;
		size_t count = 0, i = 0;

		for (const cJSON *c = n->child; c; c = c->next)
			count++;
		m = count ? malloc(count * sizeof(*m)) : NULL;
		if (count && !m) {
			b->ok = false;
			return;
		}
		for (const cJSON *c = n->child; c; c = c->next, i++) {
			const char *k = c->string ? c->string : "";

			m[i].item = c;
			m[i].index = i;
			m[i].key = utf8_clean(k, strlen(k), &m[i].key_len);
			if (!m[i].key)
				b->ok = false;
		}
		if (count && b->ok)
			qsort(m, count, sizeof(*m), member_cmp);
		sb_put(b, "{", 1);
		for (i = 0; i < count && b->ok; i++) {
			if (i)
				sb_put(b, ",", 1);
			put_string(b, m[i].key, m[i].key_len);
			sb_put(b, ":", 1);
			canon(b, m[i].item);
		}
		sb_put(b, "}", 1);
		for (i = 0; i < count; i++)
			free(m[i].key);
		free(m);
	} else if (cJSON_IsArray(n)) {
		sb_put(b, "[", 1);
		for (const cJSON *c = n->child; c; c = c->next) {
			if (c != n->child)
				sb_put(b, ",", 1);
			canon(b, c);
		}
		sb_put(b, "]", 1);
	} else if (cJSON_IsString(n)) {
		put_string(b, n->valuestring, strlen(n->valuestring));
	} else if (cJSON_IsNumber(n)) {
		if (isfinite(n->valuedouble)) {
			number_text(num, n->valuedouble);
			sb_puts(b, num);
		} else {
			sb_puts(b, "null");
		}
	} else if (cJSON_IsTrue(n)) {
		sb_puts(b, "true");
	} else if (cJSON_IsFalse(n)) {
		sb_puts(b, "false");
	} else {
		sb_puts(b, "null");
	}
}

static cJSON *
parse(const char *json, size_t len)
{
	/* cJSON wants a NUL at the end to check that nothing follows the value. */
	char *copy = malloc(len + 1);
	cJSON *doc;

	if (!json_depth_ok(json, len, JSON_MAX_DEPTH)) {
		free(copy);
		return NULL;
	}
	if (!copy)
		return NULL;
	memcpy(copy, json, len);
	copy[len] = '\0';
	doc = cJSON_ParseWithOpts(copy, NULL, true);
	free(copy);
	return doc;
}

char *
audit_phi_canonical_json(const char *json, size_t len)
{
	struct sbuf b = { NULL, 0, 0, true };
	cJSON *doc = json ? parse(json, len) : NULL;

	if (!doc)
		return NULL;
	canon(&b, doc);
	cJSON_Delete(doc);
	return sb_take(&b);
}

/* ---- hashing */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* @p text trimmed: *start and *len. */
static void
trim(const char *text, size_t len, size_t *start, size_t *out_len)
{
	size_t a = 0, z = len;

	while (a < z && is_space(text[a]))
		a++;
	while (z > a && is_space(text[z - 1]))
		z--;
	*start = a;
	*out_len = z - a;
}

bool
audit_phi_hash(char out[AUDIT_PHI_HEX + 1], const unsigned char *key, size_t key_len,
	       const char *text, size_t len)
{
	unsigned char digest[32];
	size_t a, n;
	char *low;

	out[0] = '\0';
	trim(text, len, &a, &n);
	low = malloc(n ? n : 1);
	if (!low)
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = lower(text[a + i]);
	if (crypto_generichash(digest, sizeof(digest), (const unsigned char *)low, n, key,
			       key_len) != 0) {
		free(low);
		return false;
	}
	free(low);
	sodium_bin2hex(out, AUDIT_PHI_HEX + 1, digest, sizeof(digest));
	return true;
}

/* ---- the map */

struct audit_phi_map *
audit_phi_map_new(const unsigned char *key, size_t key_len)
{
	struct audit_phi_map *m;

	if (key && (key_len < crypto_generichash_KEYBYTES_MIN ||
		    key_len > crypto_generichash_KEYBYTES_MAX))
		return NULL;
	if (sodium_init() < 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->key = key;
	m->key_len = key ? key_len : 0;
	return m;
}

void
audit_phi_map_free(struct audit_phi_map *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->entries[i].path);
	free(m);
}

size_t
audit_phi_map_count(const struct audit_phi_map *m)
{
	return m ? m->n : 0;
}

const char *
audit_phi_map_path(const struct audit_phi_map *m, size_t i)
{
	return m && i < m->n ? m->entries[i].path : NULL;
}

const char *
audit_phi_map_hash(const struct audit_phi_map *m, size_t i)
{
	return m && i < m->n ? m->entries[i].hash : NULL;
}

static bool
full(const struct audit_phi_map *m)
{
	return !m->key || m->n >= AUDIT_PHI_MAX_ENTRIES;
}

/* Record path -> h(text), unless the text is empty after trimming or the
 * path is already there.  -1 when out of memory. */
static int
record(struct audit_phi_map *m, const char *path, size_t path_len, const char *text, size_t len)
{
	struct entry *e;
	size_t a, n, clean_len;
	char *clean;

	trim(text, len, &a, &n);
	if (n == 0 || full(m))
		return 0;
	/* The path as it will be written: UTF-8, at most AUDIT_PHI_PATH_MAX
	 * bytes, cut before a partial character. */
	clean = utf8_clean(path, path_len, &clean_len);
	if (!clean)
		return -1;
	if (clean_len > AUDIT_PHI_PATH_MAX) {
		clean_len = AUDIT_PHI_PATH_MAX;
		while (clean_len > 0 && ((unsigned char)clean[clean_len] & 0xc0) == 0x80)
			clean_len--;
		clean[clean_len] = '\0';
	}
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->entries[i].path, clean) == 0) {
			free(clean);
			return 0;
		}
	}
	e = &m->entries[m->n];
	e->path = clean;
	if (!audit_phi_hash(e->hash, m->key, m->key_len, text + a, n)) {
		free(e->path);
		e->path = NULL;
		return -1;
	}
	m->n++;
	return 0;
}

int
audit_phi_add_params(struct audit_phi_map *m, const claims_param *params, size_t n)
{
	char path[AUDIT_PHI_PATH_MAX + 1];

	if (!m)
		return -1;
	for (size_t i = 0; i < n && !full(m); i++) {
		const char *name = params[i].name ? params[i].name : "";
		int len;

		if (!params[i].value || !audit_phi_name_matches(name, strlen(name)))
			continue;
		len = snprintf(path, sizeof(path), "query.%s", name);
		if (len < 0)
			continue;
		if ((size_t)len > AUDIT_PHI_PATH_MAX)
			len = AUDIT_PHI_PATH_MAX;
		if (record(m, path, (size_t)len, params[i].value, strlen(params[i].value)) < 0)
			return -1;
	}
	return 0;
}

/* The path being walked; text past AUDIT_PHI_PATH_MAX bytes is cut. */
struct pathbuf {
	char text[AUDIT_PHI_PATH_MAX + 1];
	size_t len;
};

static void
path_put(struct pathbuf *p, const char *s, size_t n)
{
	size_t room = AUDIT_PHI_PATH_MAX - p->len;

	if (n > room)
		n = room;
	memcpy(p->text + p->len, s, n);
	p->len += n;
	p->text[p->len] = '\0';
}

/* Record a matching value: its text, or its canonical JSON. */
static int
record_value(struct audit_phi_map *m, const struct pathbuf *path, const cJSON *v)
{
	char num[32];

	if (cJSON_IsString(v))
		return record(m, path->text, path->len, v->valuestring, strlen(v->valuestring));
	if (cJSON_IsNumber(v)) {
		if (!isfinite(v->valuedouble))
			return 0;
		number_text(num, v->valuedouble);
		return record(m, path->text, path->len, num, strlen(num));
	}
	if (cJSON_IsTrue(v))
		return record(m, path->text, path->len, "true", 4);
	if (cJSON_IsFalse(v))
		return record(m, path->text, path->len, "false", 5);
	if ((cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child) {
		struct sbuf b = { NULL, 0, 0, true };
		char *text;
		int rc;

		canon(&b, v);
		text = sb_take(&b);
		if (!text)
			return -1;
		rc = record(m, path->text, path->len, text, strlen(text));
		free(text);
		return rc;
	}
	return 0; /* null, empty container */
}

/* Walk the container @p node at @p depth (the root is 1). */
static int
walk(struct audit_phi_map *m, const cJSON *node, struct pathbuf *path, int depth)
{
	size_t index = 0;

	if (depth > AUDIT_PHI_MAX_DEPTH)
		return 0;
	for (const cJSON *c = node->child; c && !full(m); c = c->next, index++) {
		size_t saved = path->len;
		bool container = cJSON_IsObject(c) || cJSON_IsArray(c);
		int rc = 0;

		if (cJSON_IsObject(node)) {
			const char *name = c->string ? c->string : "";
			size_t nlen = strlen(name);

			if (path->len)
				path_put(path, ".", 1);
			path_put(path, name, nlen);
			if (audit_phi_name_matches(name, nlen))
				rc = record_value(m, path, c);
			else if (container)
				rc = walk(m, c, path, depth + 1);
		} else if (container) {
			char idx[32];

			snprintf(idx, sizeof(idx), "[%zu]", index);
			path_put(path, idx, strlen(idx));
			rc = walk(m, c, path, depth + 1);
		}
		path->len = saved;
		path->text[saved] = '\0';
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
audit_phi_add_json(struct audit_phi_map *m, const char *json, size_t len)
{
	struct pathbuf path = { "", 0 };
	cJSON *doc;
	int rc;

	if (!m)
		return -1;
	if (!json)
		return 1;
	if (full(m))
		return 0;
	doc = parse(json, len);
	if (!doc)
		return 1; /* not JSON (or out of memory while parsing: nothing to add either way) */
	rc = cJSON_IsObject(doc) || cJSON_IsArray(doc) ? walk(m, doc, &path, 1) : 0;
	cJSON_Delete(doc);
	return rc;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

char *
audit_phi_map_json(const struct audit_phi_map *m)
{
	const struct entry *sorted[AUDIT_PHI_MAX_ENTRIES];
	struct sbuf b = { NULL, 0, 0, true };
	size_t n = m ? m->n : 0;

	for (size_t i = 0; i < n; i++)
		sorted[i] = &m->entries[i];
	qsort(sorted, n, sizeof(sorted[0]), entry_cmp);
	sb_put(&b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_put(&b, ",", 1);
		put_string(&b, sorted[i]->path, strlen(sorted[i]->path));
		sb_put(&b, ":\"", 2);
		sb_put(&b, sorted[i]->hash, AUDIT_PHI_HEX);
		sb_put(&b, "\"", 1);
	}
	sb_put(&b, "}", 1);
	return sb_take(&b);
}

bool
audit_phi_map_identifier(const struct audit_phi_map *m, char out[AUDIT_PHI_HEX + 1])
{
	char *json;
	bool ok;

	out[0] = '\0';
	if (!m || m->n == 0)
		return false;
	json = audit_phi_map_json(m);
	if (!json)
		return false;
	ok = audit_phi_hash(out, m->key, m->key_len, json, strlen(json));
	free(json);
	return ok;
}

void
audit_phi_clean_path(char *out, const char *path, size_t max)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t n = strlen(path), i = 0;

	while (i < n && i < max) {
		size_t k = utf8_char(p + i, n - i);

		if (k == 0) {
			out[i++] = '?';
			continue;
		}
		if (i + k > max)
			break; /* a character cut by the limit is left out */
		memcpy(out + i, p + i, k);
		i += k;
	}
	out[i] = '\0';
}
