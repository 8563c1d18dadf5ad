/*
 * Fuzz target: claimsd's streaming multipart/form-data parser.
 *
 * Input: the Content-Type value up to the first '\n', then the body.  The
 * body is parsed three times, whole, one byte at a time and in pieces of
 * sizes taken from the input; the three must agree exactly (the same
 * parts, names, file names, contents and result), which checks that a
 * delimiter split across pieces is found and that data never leaks from
 * or into it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "multipart.h"

struct trace {
	char *buf;
	size_t len, cap;
};

static void
put(struct trace *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		size_t cap = (t->len + n) * 2 + 64;
		char *b = realloc(t->buf, cap);

		if (!b)
			abort();
		t->buf = b;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

static int
on_begin(void *payload, const char *name, const char *filename)
{
	struct trace *t = payload;

	put(t, "B", 1);
	put(t, name, strlen(name) + 1);
	if (filename)
		put(t, filename, strlen(filename) + 1);
	else
		put(t, "\xff", 1);
	return 0;
}

static int
on_data(void *payload, const char *data, size_t len)
{
	struct trace *t = payload;

	if (len == 0)
		abort(); /* never called empty */
	put(t, data, len); /* contents only: piece boundaries must not show */
	return 0;
}

static int
on_end(void *payload)
{
	put(payload, "E", 1);
	return 0;
}

static const struct multipart_callbacks cb = { on_begin, on_data, on_end };

static int
run(const char *boundary, const uint8_t *body, size_t len, const uint8_t *sizes, size_t nsizes,
    int mode, struct trace *t)
{
	struct multipart m;
	size_t off = 0, k = 0;
	int rc = 0;

	multipart_init(&m, boundary, &cb, t);
	while (off < len && rc == 0) {
		size_t n = mode == 0 ? len : mode == 1 ? 1 : (size_t)(nsizes ? sizes[k++ % nsizes] % 97 + 1 : 7);

		if (n > len - off)
			n = len - off;
		rc = multipart_feed(&m, (const char *)body + off, n);
		off += n;
	}
	if (rc == 0)
		rc = multipart_finish(&m);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	char ct[512], boundary[MULTIPART_BOUNDARY_MAX + 1];
	size_t ctlen = nl ? (size_t)(nl - data) : 0;
	const uint8_t *body = nl ? nl + 1 : data;
	size_t len = size - (size_t)(body - data);
	struct trace t[3] = { { 0 } };
	int rc[3];

	if (ctlen >= sizeof(ct))
		ctlen = sizeof(ct) - 1;
	memcpy(ct, data, ctlen);
	ct[ctlen] = '\0';
	if (memchr(ct, '\0', ctlen) || !multipart_boundary(ct, boundary, sizeof(boundary)))
		snprintf(boundary, sizeof(boundary), "XX");
	for (int mode = 0; mode < 3; mode++)
		rc[mode] = run(boundary, body, len, data, ctlen, mode, &t[mode]);
	for (int mode = 1; mode < 3; mode++) {
		if (rc[mode] != rc[0] || t[mode].len != t[0].len ||
		    (t[0].len && memcmp(t[mode].buf, t[0].buf, t[0].len) != 0)) {
			/* Errors may be found at different offsets only if the
			 * outcome is the same error: anything else is a bug. */
			fprintf(stderr, "multipart: piecewise parse differs (mode %d: %d vs %d)\n", mode,
				rc[mode], rc[0]);
			abort();
		}
	}
	for (int i = 0; i < 3; i++)
		free(t[i].buf);
	return 0;
}
