/*
 * libclaims: a strict reader for flat JSON objects (jsonr.h).
 *
 * A recursive-descent reader over one object, with no recursion needed: the
 * values it accepts are scalars.  Strings are decoded into the caller's
 * storage as they are read; a \uXXXX escape becomes its UTF-8 bytes, a
 * surrogate pair one code point.
 */
#include "config.h"

#include <string.h>

#include "jsonr.h"

struct reader {
	const unsigned char *p, *end;
	char *out, *out_end;
};

/* Length of the UTF-8 sequence at s (n bytes available), 0 when invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

bool
claims__utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t k = utf8_seq(p + i, n - i);

		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

static void
skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool
put(struct reader *r, const void *b, size_t n)
{
	if ((size_t)(r->out_end - r->out) < n)
		return false;
	memcpy(r->out, b, n);
	r->out += n;
	return true;
}

/* Four hex digits at r->p into *v. */
static bool
hex4(struct reader *r, unsigned *v)
{
	unsigned x = 0;

	if (r->end - r->p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		unsigned char c = r->p[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		x = x * 16 + d;
	}
	r->p += 4;
	*v = x;
	return true;
}

static bool
put_code_point(struct reader *r, unsigned cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return put(r, b, n);
}

/* A string starting at the opening quote, decoded and NUL-terminated into
 * the storage. */
static bool
read_string(struct reader *r, const char **s, size_t *len)
{
	char *start;

	if (r->p >= r->end || *r->p != '"')
		return false;
	r->p++;
	start = r->out;
	for (;;) {
		unsigned char c;

		if (r->p >= r->end)
			return false;
		c = *r->p;
		if (c == '"') {
			r->p++;
			break;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			unsigned cp, lo;
			char e;

			if (r->end - r->p < 2)
				return false;
			c = r->p[1];
			r->p += 2;
			switch (c) {
			case '"': e = '"'; break;
			case '\\': e = '\\'; break;
			case '/': e = '/'; break;
			case 'b': e = '\b'; break;
			case 'f': e = '\f'; break;
			case 'n': e = '\n'; break;
			case 'r': e = '\r'; break;
			case 't': e = '\t'; break;
			case 'u':
				if (!hex4(r, &cp) || cp == 0)
					return false;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return false; /* lone low surrogate */
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
						return false;
					r->p += 2;
					if (!hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return false;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				if (!put_code_point(r, cp))
					return false;
				continue;
			default:
				return false;
			}
			if (!put(r, &e, 1))
				return false;
			continue;
		}
		{
			size_t k = utf8_seq(r->p, (size_t)(r->end - r->p));

			if (k == 0 || !put(r, r->p, k))
				return false;
			r->p += k;
		}
	}
	*len = (size_t)(r->out - start);
	if (!put(r, "", 1))
		return false;
	*s = start;
	return true;
}

/* An RFC 8259 number; an integer fitting int64_t sets *is_int. */
static bool
read_number(struct reader *r, bool *is_int, int64_t *v)
{
	const unsigned char *p = r->p;
	bool neg = false, frac = false, overflow = false;
	uint64_t acc = 0;

	if (p < r->end && *p == '-') {
		neg = true;
		p++;
	}
	if (p >= r->end || *p < '0' || *p > '9')
		return false;
	if (*p == '0') {
		p++;
		if (p < r->end && *p >= '0' && *p <= '9')
			return false; /* leading zero */
	} else {
		while (p < r->end && *p >= '0' && *p <= '9') {
			unsigned d = (unsigned)(*p - '0');

			if (acc > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				acc = acc * 10 + d;
			p++;
		}
	}
	if (p < r->end && *p == '.') {
		frac = true;
		p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return false;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		frac = true;
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return false;
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	r->p = p;
	*is_int = false;
	if (frac || overflow)
		return true;
	if (neg) {
		if (acc > (uint64_t)INT64_MAX + 1)
			return true;
		*v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	} else {
		if (acc > (uint64_t)INT64_MAX)
			return true;
		*v = (int64_t)acc;
	}
	*is_int = true;
	return true;
}

static bool
literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool
read_value(struct reader *r, struct claims__jsonr_member *m)
{
	bool is_int;

	if (r->p >= r->end)
		return false;
	switch (*r->p) {
	case '"':
		m->type = CLAIMS__JSONR_STRING;
		return read_string(r, &m->str, &m->str_len);
	case 't':
		m->type = CLAIMS__JSONR_TRUE;
		return literal(r, "true");
	case 'f':
		m->type = CLAIMS__JSONR_FALSE;
		return literal(r, "false");
	case 'n':
		m->type = CLAIMS__JSONR_NULL;
		return literal(r, "null");
	default:
		if (!read_number(r, &is_int, &m->i))
			return false;
		m->type = is_int ? CLAIMS__JSONR_INT : CLAIMS__JSONR_NUMBER;
		return true;
	}
}

static bool
parse_object(struct claims__jsonr_object *out, const char *text, size_t len, char *storage,
	     size_t cap)
{
	struct reader r = {
		.p = (const unsigned char *)text,
		.end = (const unsigned char *)text + len,
		.out = storage,
		.out_end = storage + cap,
	};

	skip_ws(&r);
	if (r.p >= r.end || *r.p != '{')
		return false;
	r.p++;
	skip_ws(&r);
	if (r.p < r.end && *r.p == '}') {
		r.p++;
		goto end;
	}
	for (;;) {
		struct claims__jsonr_member *m;

		if (out->count == CLAIMS__JSONR_MAX_MEMBERS)
			return false;
		m = &out->members[out->count];
		if (!read_string(&r, &m->name, &m->name_len))
			return false;
		for (size_t i = 0; i < out->count; i++)
			if (out->members[i].name_len == m->name_len &&
			    memcmp(out->members[i].name, m->name, m->name_len) == 0)
				return false; /* duplicate name */
		skip_ws(&r);
		if (r.p >= r.end || *r.p != ':')
			return false;
		r.p++;
		skip_ws(&r);
		if (!read_value(&r, m))
			return false;
		out->count++;
		skip_ws(&r);
		if (r.p >= r.end)
			return false;
		if (*r.p == '}') {
			r.p++;
			break;
		}
		if (*r.p != ',')
			return false;
		r.p++;
		skip_ws(&r);
	}
end:
	skip_ws(&r);
	return r.p == r.end;
}

bool
claims__jsonr_parse(struct claims__jsonr_object *out, const char *text, size_t len, char *storage,
		    size_t cap)
{
	memset(out, 0, sizeof(*out));
	if (!text || !storage || cap < len + 1)
		return false;
	if (parse_object(out, text, len, storage, cap))
		return true;
	memset(out, 0, sizeof(*out));
	return false;
}

const struct claims__jsonr_member *
claims__jsonr_get(const struct claims__jsonr_object *o, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < o->count; i++)
		if (o->members[i].name_len == n && memcmp(o->members[i].name, name, n) == 0)
			return &o->members[i];
	return NULL;
}
