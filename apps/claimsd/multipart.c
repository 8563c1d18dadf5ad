/*
 * claimsd: streaming multipart/form-data parser (multipart.h).
 *
 * The body is a preamble, then parts, each introduced by a delimiter line
 * "--BOUNDARY" and ended by the next "\r\n--BOUNDARY"; the last delimiter
 * is followed by "--".  The parser matches "\r\n--BOUNDARY" byte by byte
 * across the pieces it is fed, pretending the body starts after a CRLF so
 * the first delimiter needs no special case.  Bytes that started to match
 * and then did not are part data after all: they are the delimiter's own
 * prefix, so they are passed on from the delimiter text.  That is exact
 * because the delimiter has a single CR, at its start (a boundary cannot
 * contain CR), so no later position of a partial match can begin another.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "multipart.h"

enum state {
	S_PREAMBLE,   /* before the first delimiter: discarded */
	S_AFTER_DELIM,/* just after a delimiter: "--", or padding then CRLF */
	S_CLOSE_DASH, /* seen one '-' after a delimiter */
	S_DELIM_LF,   /* seen CR after a delimiter */
	S_HEADERS,    /* a part's header lines */
	S_HEADER_LF,  /* seen CR in a header line */
	S_BODY,       /* a part's content */
	S_DONE,       /* after the closing delimiter: the epilogue is ignored */
};

/* RFC 2046 bchars, space allowed except last. */
static bool
bchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       strchr("'()+_,-./:=? ", c) != NULL;
}

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Parse "key=value" parameters after the first ';' of a header value,
 * calling @p fn for each (value unquoted into @p buf).  Returns false on a
 * malformed list. */
typedef void (*param_fn)(void *payload, const char *key, size_t klen, const char *value);

static bool
each_param(const char *p, char *buf, size_t buflen, param_fn fn, void *payload)
{
	p = strchr(p, ';');
	while (p && *p == ';') {
		const char *key;
		size_t klen, n = 0;

		p = skip_ws(p + 1);
		if (!*p)
			break; /* a trailing ';' */
		key = p;
		while (*p && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
			p++;
		klen = (size_t)(p - key);
		p = skip_ws(p);
		if (*p != '=' || klen == 0)
			return false;
		p = skip_ws(p + 1);
		if (*p == '"') {
			p++;
			while (*p && *p != '"') {
				/* \" and \\ are escapes; any other backslash is kept
				 * (browsers send Windows paths unescaped). */
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (n + 1 < buflen)
					buf[n++] = *p;
				p++;
			}
			if (*p != '"')
				return false;
			p++;
		} else {
			while (*p && *p != ';' && *p != ' ' && *p != '\t') {
				if (n + 1 < buflen)
					buf[n++] = *p;
				p++;
			}
		}
		buf[n] = '\0';
		fn(payload, key, klen, buf);
		p = skip_ws(p);
		if (*p && *p != ';')
			return false;
	}
	return true;
}

static bool
key_is(const char *key, size_t klen, const char *name)
{
	return strlen(name) == klen && strncasecmp(key, name, klen) == 0;
}

struct boundary_out {
	char *out;
	size_t outlen;
	bool found, ok;
};

static void
boundary_param(void *payload, const char *key, size_t klen, const char *value)
{
	struct boundary_out *b = payload;
	size_t n = strlen(value);

	if (!key_is(key, klen, "boundary"))
		return;
	b->found = true;
	b->ok = n >= 1 && n <= MULTIPART_BOUNDARY_MAX && n < b->outlen && value[n - 1] != ' ';
	for (size_t i = 0; b->ok && i < n; i++)
		b->ok = bchar(value[i]);
	if (b->ok)
		memcpy(b->out, value, n + 1);
}

bool
multipart_boundary(const char *content_type, char *out, size_t outlen)
{
	static const char type[] = "multipart/form-data";
	char buf[MULTIPART_BOUNDARY_MAX + 2];
	struct boundary_out b = { out, outlen, false, false };
	const char *p;

	if (!content_type || !out || outlen == 0)
		return false;
	p = skip_ws(content_type);
	if (strncasecmp(p, type, sizeof(type) - 1) != 0)
		return false;
	p = skip_ws(p + sizeof(type) - 1);
	if (*p != ';')
		return false;
	if (!each_param(p, buf, sizeof(buf), boundary_param, &b))
		return false;
	return b.found && b.ok;
}

void
multipart_init(struct multipart *m, const char *boundary, const struct multipart_callbacks *cb,
	       void *payload)
{
	size_t n = strlen(boundary);

	memset(m, 0, sizeof(*m));
	m->cb = cb;
	m->payload = payload;
	if (n > MULTIPART_BOUNDARY_MAX)
		n = MULTIPART_BOUNDARY_MAX;
	memcpy(m->delim, "\r\n--", 4);
	memcpy(m->delim + 4, boundary, n);
	m->delim_len = 4 + n;
	m->delim[m->delim_len] = '\0';
	m->state = S_PREAMBLE;
	m->matched = 2; /* the body starts as if after a CRLF */
}

/* Content-Disposition: form-data; name="..."; filename="..." (filename*
 * in RFC 5987 form, UTF-8''percent-encoded, wins over filename). */
struct disposition {
	struct multipart *m;
	bool ext_filename;
};

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
disposition_param(void *payload, const char *key, size_t klen, const char *value)
{
	struct disposition *d = payload;
	struct multipart *m = d->m;

	if (key_is(key, klen, "name")) {
		snprintf(m->name, sizeof(m->name), "%s", value);
	} else if (key_is(key, klen, "filename") && !d->ext_filename) {
		snprintf(m->filename, sizeof(m->filename), "%s", value);
		m->has_filename = true;
	} else if (key_is(key, klen, "filename*")) {
		const char *q = strstr(value, "''");
		size_t n = 0;

		if (!q)
			return;
		for (q += 2; *q && n + 1 < sizeof(m->filename); q++) {
			if (*q == '%' && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
				m->filename[n++] = (char)(hexval(q[1]) * 16 + hexval(q[2]));
				q += 2;
			} else {
				m->filename[n++] = *q;
			}
		}
		m->filename[n] = '\0';
		m->has_filename = true;
		d->ext_filename = true;
	}
}

static int
header_line(struct multipart *m)
{
	static const char cd[] = "content-disposition";
	char vbuf[MULTIPART_LINE_MAX];
	const char *colon, *v;

	m->line[m->line_len] = '\0';
	if (m->line_len == 0) {
		/* End of the headers: the part begins. */
		m->state = S_BODY;
		m->matched = 0;
		m->in_part = true;
		if (m->cb->part_begin)
			return m->cb->part_begin(m->payload, m->name,
						 m->has_filename ? m->filename : NULL);
		return MULTIPART_OK;
	}
	colon = strchr(m->line, ':');
	if (!colon || colon == m->line)
		return MULTIPART_EMALFORMED;
	if ((size_t)(colon - m->line) == sizeof(cd) - 1 &&
	    strncasecmp(m->line, cd, sizeof(cd) - 1) == 0) {
		struct disposition d = { m, false };

		v = skip_ws(colon + 1);
		if (strncasecmp(v, "form-data", 9) != 0)
			return MULTIPART_EMALFORMED;
		m->name[0] = '\0';
		m->filename[0] = '\0';
		m->has_filename = false;
		if (!each_param(v + 9, vbuf, sizeof(vbuf), disposition_param, &d))
			return MULTIPART_EMALFORMED;
	}
	m->line_len = 0;
	return MULTIPART_OK;
}

static int
emit(struct multipart *m, const char *data, size_t len)
{
	if (m->state != S_BODY || len == 0 || !m->cb->part_data)
		return MULTIPART_OK;
	return m->cb->part_data(m->payload, data, len);
}

/* A whole delimiter was matched. */
static int
delimiter(struct multipart *m)
{
	int rc = MULTIPART_OK;

	if (m->state == S_BODY) {
		m->in_part = false;
		if (m->cb->part_end)
			rc = m->cb->part_end(m->payload);
	}
	m->state = S_AFTER_DELIM;
	m->matched = 0;
	return rc;
}

static int
feed(struct multipart *m, const char *data, size_t len)
{
	size_t i = 0;
	int rc;

	while (i < len) {
		char c;

		switch (m->state) {
		case S_PREAMBLE:
		case S_BODY:
			if (m->matched == 0) {
				const char *cr = memchr(data + i, '\r', len - i);
				size_t end = cr ? (size_t)(cr - data) : len;

				rc = emit(m, data + i, end - i);
				if (rc < 0)
					return rc;
				i = end;
				if (!cr)
					return MULTIPART_OK;
				m->matched = 1;
				i++;
				continue;
			}
			c = data[i];
			if (c == m->delim[m->matched]) {
				m->matched++;
				i++;
				if (m->matched == m->delim_len) {
					rc = delimiter(m);
					if (rc < 0)
						return rc;
				}
				continue;
			}
			/* Not a delimiter: what matched was data; look at c again. */
			rc = emit(m, m->delim, m->matched);
			if (rc < 0)
				return rc;
			m->matched = 0;
			continue;
		case S_AFTER_DELIM:
			c = data[i++];
			if (c == '-')
				m->state = S_CLOSE_DASH;
			else if (c == '\r')
				m->state = S_DELIM_LF;
			else if (c != ' ' && c != '\t')
				return MULTIPART_EMALFORMED;
			continue;
		case S_CLOSE_DASH:
			if (data[i++] != '-')
				return MULTIPART_EMALFORMED;
			m->state = S_DONE;
			continue;
		case S_DELIM_LF:
			if (data[i++] != '\n')
				return MULTIPART_EMALFORMED;
			m->state = S_HEADERS;
			m->line_len = 0;
			m->header_bytes = 0;
			m->name[0] = '\0';
			m->filename[0] = '\0';
			m->has_filename = false;
			continue;
		case S_HEADERS:
			c = data[i++];
			if (++m->header_bytes > MULTIPART_HEADERS_MAX)
				return MULTIPART_EMALFORMED;
			if (c == '\r') {
				m->state = S_HEADER_LF;
				continue;
			}
			if (c == '\n' || c == '\0' || m->line_len + 1 >= sizeof(m->line))
				return MULTIPART_EMALFORMED;
			m->line[m->line_len++] = c;
			continue;
		case S_HEADER_LF:
			if (data[i++] != '\n')
				return MULTIPART_EMALFORMED;
			m->state = S_HEADERS;
			rc = header_line(m);
			if (rc < 0)
				return rc;
			continue;
		case S_DONE:
		default:
			return MULTIPART_OK;
		}
	}
	return MULTIPART_OK;
}

int
multipart_feed(struct multipart *m, const char *data, size_t len)
{
	if (m->error)
		return m->error;
	m->error = feed(m, data, len);
	return m->error;
}

int
multipart_finish(struct multipart *m)
{
	if (m->error)
		return m->error;
	if (m->state != S_DONE)
		m->error = MULTIPART_ETRUNCATED;
	return m->error;
}
