/*
 * JSON rendering shared by claimsd and claims (the CLI's --json uses the same
 * functions, so its output pins the HTTP format too).  With render_*.c
 * (render.h: the API objects), the only files that include cJSON.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include <claims/claims.h>

#include "json.h"
#include "render.h"

static char *
render(cJSON *obj)
{
	char *out = NULL;

	if (obj)
		out = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return out;
}

char *
json_root_info(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "name", "libclaims") ||
	    !cJSON_AddStringToObject(o, "version", claims_version()) ||
	    !cJSON_AddStringToObject(o, "status", "running")) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

char *
json_health(void)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "status", "healthy") ||
	    !cJSON_AddStringToObject(o, "version", claims_version())) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

char *
json_error(const char *code, const char *message)
{
	cJSON *o = cJSON_CreateObject();

	if (!cJSON_AddStringToObject(o, "error", code) ||
	    !cJSON_AddStringToObject(o, "message", message) ||
	    !cJSON_AddObjectToObject(o, "details")) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

char *
json_migration_status(int version, const char *name, int head, const char *const *applied,
		      int n_applied)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *list;

	if (!cJSON_AddNumberToObject(o, "version", version) ||
	    !(name ? cJSON_AddStringToObject(o, "name", name) : cJSON_AddNullToObject(o, "name")) ||
	    !cJSON_AddNumberToObject(o, "head", head) ||
	    !cJSON_AddNumberToObject(o, "behind", head - version) ||
	    !(list = cJSON_AddArrayToObject(o, "applied"))) {
		cJSON_Delete(o);
		return NULL;
	}
	for (int i = 0; i < n_applied; i++) {
		cJSON *s = cJSON_CreateString(applied[i]);
		if (!s || !cJSON_AddItemToArray(list, s)) {
			cJSON_Delete(s);
			cJSON_Delete(o);
			return NULL;
		}
	}
	return render(o);
}

static bool
add(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return false;
	if (!cJSON_AddItemToObject(obj, key, item)) {
		cJSON_Delete(item);
		return false;
	}
	return true;
}

static cJSON *
nullable_int(int64_t v, bool present)
{
	return present ? cJSON_CreateNumber((double)v) : cJSON_CreateNull();
}

static cJSON *
nullable_str(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

void *
json_ingest_counts(const claims_ingest_counts *c)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;

#define INT(f) ok = ok && add(o, #f, cJSON_CreateNumber((double)c->f));
#define MONEY(f) ok = ok && add(o, #f, render_money(c->f##_cents));
	INT(interchanges) INT(groups) INT(transactions) INT(transactions_skipped)
	INT(claims_parsed) INT(claims_created) INT(claims_updated) INT(claims_voided)
	INT(claims_unchanged) INT(claim_lines) INT(diagnoses)
	MONEY(total_charge) MONEY(line_charge_total)
	INT(remittances_parsed) INT(remittances_created) INT(remittances_unchanged)
	INT(service_lines) INT(adjustments) INT(provider_adjustments)
	MONEY(total_paid) MONEY(total_patient_responsibility) MONEY(bpr_total) MONEY(plb_total)
	INT(episodes_linked) INT(issues) INT(errors) INT(warnings)
#undef INT
#undef MONEY
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void *
json_ingest_issue(const char *filename, const claims_ingest_issue *is)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *details = cJSON_Parse(is->details ? is->details : "{}");
	bool ok = o && details;

	ok = ok && add(o, "file", cJSON_CreateString(filename));
	ok = ok && add(o, "interchange", nullable_int(is->interchange, is->interchange > 0));
	ok = ok && add(o, "transaction", nullable_int(is->transaction, is->transaction > 0));
	ok = ok && add(o, "segment_index", nullable_int(is->segment_index, is->segment_index > 0));
	ok = ok && add(o, "byte_offset", nullable_int(is->byte_offset, is->byte_offset >= 0));
	ok = ok && add(o, "segment_id", nullable_str(is->segment_id));
	ok = ok && add(o, "element", nullable_str(is->element));
	ok = ok && add(o, "code", cJSON_CreateString(is->code));
	ok = ok && add(o, "severity", cJSON_CreateString(claims_x12_severity_to_str(is->severity)));
	ok = ok && add(o, "message", cJSON_CreateString(is->message));
	if (ok) {
		ok = add(o, "details", details);
		details = NULL;
	}
	cJSON_Delete(details);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

void *
json_ingest_file(const char *filename, const claims_ingest_result *r)
{
	cJSON *o = cJSON_CreateObject(), *issues;
	bool ok = o != NULL;

	ok = ok && add(o, "filename", cJSON_CreateString(filename));
	ok = ok && add(o, "status", cJSON_CreateString(claims_ingest_status_to_str(r->status)));
	ok = ok && add(o, "ingest_file_id", nullable_int(r->ingest_file_id, r->ingest_file_id > 0));
	ok = ok && add(o, "detected_type", cJSON_CreateString(r->detected_type));
	ok = ok && add(o, "counts", json_ingest_counts(&r->counts));
	ok = ok && add(o, "issues_total", cJSON_CreateNumber((double)r->issues_total));
	ok = ok && (issues = cJSON_AddArrayToObject(o, "issues")) != NULL;
	for (size_t i = 0; ok && i < r->n_issues; i++) {
		cJSON *it = json_ingest_issue(filename, &r->issues[i]);
		ok = it && cJSON_AddItemToArray(issues, it);
		if (!ok)
			cJSON_Delete(it);
	}
	if (ok && r->error_code) {
		cJSON *err = cJSON_CreateObject();
		ok = add(o, "error", err) && add(err, "code", cJSON_CreateString(r->error_code)) &&
		     add(err, "message", cJSON_CreateString(r->error_message ? r->error_message : ""));
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *
json_render_files(void **files, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *list = o ? cJSON_AddArrayToObject(o, "files") : NULL;
	bool ok = list != NULL;

	for (size_t i = 0; i < n; i++) {
		if (ok && files[i] && cJSON_AddItemToArray(list, files[i]))
			continue;
		if (!files[i])
			ok = false;
		cJSON_Delete(files[i]);
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return render(o);
}

void *
json_ingest_failed(const char *filename, const char *message)
{
	cJSON *o = cJSON_CreateObject(), *err = cJSON_CreateObject();
	bool ok = o && err;

	ok = ok && add(o, "filename", cJSON_CreateString(filename));
	ok = ok && add(o, "status", cJSON_CreateString("failed"));
	ok = ok && add(o, "ingest_file_id", cJSON_CreateNull());
	ok = ok && add(o, "detected_type", cJSON_CreateString("unknown"));
	if (ok) {
		ok = add(o, "error", err);
		err = NULL;
	}
	ok = ok && add(cJSON_GetObjectItemCaseSensitive(o, "error"), "code",
		       cJSON_CreateString("FAILED"));
	ok = ok && add(cJSON_GetObjectItemCaseSensitive(o, "error"), "message",
		       cJSON_CreateString(message));
	cJSON_Delete(err);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* ---- request bodies */

bool
json_depth_ok(const char *s, size_t len, int max_depth)
{
	int depth = 0;
	bool in_string = false;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth)
				return false;
		} else if (c == ']' || c == '}') {
			depth--;
		}
	}
	return true;
}

bool
json_is_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p;
		size_t n;
		unsigned cp;

		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		/* Overlong forms, surrogates and values past U+10FFFF. */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}

/* ---- json_validate(): a state machine with an explicit stack */

struct jv {
	const char *s;
	size_t len, pos;
	char *reason;
	size_t reason_len;
};

static bool
jv_fail(struct jv *v, const char *what)
{
	if (v->pos >= v->len)
		snprintf(v->reason, v->reason_len, "unexpected end of input");
	else
		snprintf(v->reason, v->reason_len, "%s at position %zu", what, v->pos);
	return false;
}

static void
jv_space(struct jv *v)
{
	while (v->pos < v->len && (v->s[v->pos] == ' ' || v->s[v->pos] == '\t' ||
				   v->s[v->pos] == '\n' || v->s[v->pos] == '\r'))
		v->pos++;
}

static bool
jv_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
jv_string(struct jv *v)
{
	v->pos++; /* the opening quote */
	while (v->pos < v->len) {
		unsigned char c = (unsigned char)v->s[v->pos];

		if (c == '"') {
			v->pos++;
			return true;
		}
		if (c < 0x20)
			return jv_fail(v, "control character in a string");
		if (c != '\\') {
			v->pos++;
			continue;
		}
		v->pos++;
		if (v->pos >= v->len)
			break;
		c = (unsigned char)v->s[v->pos];
		if (c == 'u') {
			for (int i = 1; i <= 4; i++)
				if (v->pos + (size_t)i >= v->len || !jv_hex(v->s[v->pos + (size_t)i])) {
					v->pos += (size_t)i;
					return jv_fail(v, "invalid \\u escape");
				}
			v->pos += 5;
		} else if (strchr("\"\\/bfnrt", c) && c) {
			v->pos++;
		} else {
			return jv_fail(v, "invalid escape");
		}
	}
	return jv_fail(v, "unterminated string");
}

static bool
jv_digits(struct jv *v)
{
	size_t start = v->pos;

	while (v->pos < v->len && v->s[v->pos] >= '0' && v->s[v->pos] <= '9')
		v->pos++;
	return v->pos > start;
}

static bool
jv_number(struct jv *v)
{
	if (v->s[v->pos] == '-')
		v->pos++;
	if (v->pos < v->len && v->s[v->pos] == '0')
		v->pos++;
	else if (!jv_digits(v))
		return jv_fail(v, "invalid number");
	if (v->pos < v->len && v->s[v->pos] == '.') {
		v->pos++;
		if (!jv_digits(v))
			return jv_fail(v, "invalid number");
	}
	if (v->pos < v->len && (v->s[v->pos] == 'e' || v->s[v->pos] == 'E')) {
		v->pos++;
		if (v->pos < v->len && (v->s[v->pos] == '+' || v->s[v->pos] == '-'))
			v->pos++;
		if (!jv_digits(v))
			return jv_fail(v, "invalid number");
	}
	return true;
}

static bool
jv_literal(struct jv *v)
{
	static const char *const words[] = { "true", "false", "null" };

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(words[i]);

		if (v->len - v->pos >= n && memcmp(v->s + v->pos, words[i], n) == 0) {
			v->pos += n;
			return true;
		}
	}
	return jv_fail(v, "unexpected character");
}

bool
json_validate(const char *s, size_t len, char *reason, size_t reason_len)
{
	struct jv v = { s, len, 0, reason, reason_len };
	char *stack; /* '{' or '[' per open container */
	size_t depth = 0;
	enum { VALUE, KEY, AFTER } state = VALUE;
	bool ok = false;

	jv_space(&v);
	if (v.pos == len) {
		snprintf(reason, reason_len, "empty message");
		return false;
	}
	if (!json_is_valid_utf8(s, len)) {
		snprintf(reason, reason_len, "not valid UTF-8");
		return false;
	}
	stack = malloc(len);
	if (!stack) {
		snprintf(reason, reason_len, "out of memory");
		return false;
	}
	for (;;) {
		jv_space(&v);
		if (state == AFTER && depth == 0) {
			if (v.pos < len) {
				jv_fail(&v, "extra data after the value");
				break;
			}
			ok = true;
			break;
		}
		if (v.pos >= len) {
			jv_fail(&v, "");
			break;
		}
		char c = s[v.pos];

		if (state == KEY) {
			if (c != '"') {
				jv_fail(&v, "expected a string key");
				break;
			}
			if (!jv_string(&v))
				break;
			jv_space(&v);
			if (v.pos >= len || s[v.pos] != ':') {
				jv_fail(&v, "expected ':'");
				break;
			}
			v.pos++;
			state = VALUE;
		} else if (state == AFTER) {
			char top = stack[depth - 1];

			if (c == ',') {
				v.pos++;
				state = top == '{' ? KEY : VALUE;
			} else if ((top == '{' && c == '}') || (top == '[' && c == ']')) {
				v.pos++;
				depth--;
			} else {
				jv_fail(&v, top == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
				break;
			}
		} else if (c == '{' || c == '[') {
			stack[depth++] = c;
			v.pos++;
			jv_space(&v);
			if (v.pos < len && s[v.pos] == (c == '{' ? '}' : ']')) {
				v.pos++;
				depth--;
				state = AFTER;
			} else {
				state = c == '{' ? KEY : VALUE;
			}
		} else if (c == '"') {
			if (!jv_string(&v))
				break;
			state = AFTER;
		} else if (c == '-' || (c >= '0' && c <= '9')) {
			if (!jv_number(&v))
				break;
			state = AFTER;
		} else {
			if (!jv_literal(&v))
				break;
			state = AFTER;
		}
	}
	free(stack);
	return ok;
}

int
json_body_string(const char *body, const char *key, char **out)
{
	cJSON *doc, *v;
	int rc;

	*out = NULL;
	doc = cJSON_Parse(body);
	if (!doc)
		return JSON_BODY_INVALID;
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return JSON_BODY_NOT_OBJECT;
	}
	v = cJSON_GetObjectItemCaseSensitive(doc, key);
	if (!v || cJSON_IsNull(v))
		rc = JSON_BODY_MISSING;
	else if (!cJSON_IsString(v))
		rc = JSON_BODY_WRONG_TYPE;
	else if (!(*out = strdup(v->valuestring)))
		rc = JSON_BODY_NOMEM;
	else
		rc = JSON_BODY_OK;
	cJSON_Delete(doc);
	return rc;
}
