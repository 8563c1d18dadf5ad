/* libclaims: a small JSON text writer (see jsonw.h). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "jsonw.h"

void
claims__format_cents(char buf[static 32], int64_t cents)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, 32, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "", mag / 100, mag % 100);
}

void
claims__jsonw_init(struct claims__jsonw *w, struct claims__buf *buf)
{
	memset(w, 0, sizeof(*w));
	w->buf = buf;
}

static void
before_value(struct claims__jsonw *w)
{
	if (w->need_comma[w->depth])
		claims__buf_putc(w->buf, ',');
	w->need_comma[w->depth] = true;
}

static void
open_(struct claims__jsonw *w, char c)
{
	before_value(w);
	claims__buf_putc(w->buf, c);
	if (w->depth < 31)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void
close_(struct claims__jsonw *w, char c)
{
	claims__buf_putc(w->buf, c);
	if (w->depth > 0)
		w->depth--;
}

void
claims__jsonw_object_begin(struct claims__jsonw *w)
{
	open_(w, '{');
}

void
claims__jsonw_object_end(struct claims__jsonw *w)
{
	close_(w, '}');
}

void
claims__jsonw_array_begin(struct claims__jsonw *w)
{
	open_(w, '[');
}

void
claims__jsonw_array_end(struct claims__jsonw *w)
{
	close_(w, ']');
}

static void
put_escaped(struct claims__buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t start = 0;

	claims__buf_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		claims__buf_append(b, s + start, i - start);
		start = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			u[0] = '\\';
			u[1] = 'u';
			u[2] = '0';
			u[3] = '0';
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			claims__buf_append(b, u, 6);
			continue;
		}
		claims__buf_append(b, esc, strlen(esc));
	}
	claims__buf_append(b, s + start, n - start);
	claims__buf_putc(b, '"');
}

void
claims__jsonw_key(struct claims__jsonw *w, const char *key)
{
	before_value(w);
	put_escaped(w->buf, key, strlen(key));
	claims__buf_putc(w->buf, ':');
	/* The value that follows must not add a comma. */
	w->need_comma[w->depth] = false;
}

static void
after_key_value(struct claims__jsonw *w)
{
	w->need_comma[w->depth] = true;
}

void
claims__jsonw_stringn(struct claims__jsonw *w, const char *s, size_t n)
{
	before_value(w);
	put_escaped(w->buf, s, n);
	after_key_value(w);
}

void
claims__jsonw_string(struct claims__jsonw *w, const char *s)
{
	if (!s)
		claims__jsonw_null(w);
	else
		claims__jsonw_stringn(w, s, strlen(s));
}

void
claims__jsonw_int(struct claims__jsonw *w, int64_t v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	before_value(w);
	claims__buf_append(w->buf, tmp, (size_t)n);
}

void
claims__jsonw_null(struct claims__jsonw *w)
{
	before_value(w);
	claims__buf_append(w->buf, "null", 4);
}

void
claims__jsonw_cents(struct claims__jsonw *w, int64_t cents)
{
	char tmp[32];

	claims__format_cents(tmp, cents);
	before_value(w);
	claims__buf_append(w->buf, tmp, strlen(tmp));
}

void
claims__jsonw_raw(struct claims__jsonw *w, const char *json)
{
	if (!json) {
		claims__jsonw_null(w);
		return;
	}
	before_value(w);
	claims__buf_append(w->buf, json, strlen(json));
}

void
claims__jsonw_kv_string(struct claims__jsonw *w, const char *key, const char *s)
{
	claims__jsonw_key(w, key);
	claims__jsonw_string(w, s);
}

void
claims__jsonw_kv_int(struct claims__jsonw *w, const char *key, int64_t v)
{
	claims__jsonw_key(w, key);
	claims__jsonw_int(w, v);
}

void
claims__jsonw_kv_cents(struct claims__jsonw *w, const char *key, int64_t cents)
{
	claims__jsonw_key(w, key);
	claims__jsonw_cents(w, cents);
}

void
claims__jsonw_kv_int_or_null(struct claims__jsonw *w, const char *key, bool present, int64_t v)
{
	claims__jsonw_key(w, key);
	if (present)
		claims__jsonw_int(w, v);
	else
		claims__jsonw_null(w);
}

void
claims__jsonw_kv_cents_or_null(struct claims__jsonw *w, const char *key, bool present,
			       int64_t cents)
{
	claims__jsonw_key(w, key);
	if (present)
		claims__jsonw_cents(w, cents);
	else
		claims__jsonw_null(w);
}
