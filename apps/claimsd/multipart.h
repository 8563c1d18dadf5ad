/*
 * claimsd: a streaming multipart/form-data parser (RFC 7578, RFC 2046 §5.1).
 *
 * The body is fed in pieces of any size as it arrives; part headers are
 * kept (bounded), part contents are handed to the caller as they pass and
 * never held.  The parser allocates nothing: its state is this struct.
 * It knows no HTTP library, so the fuzz target drives it directly.
 */
#ifndef CLAIMSD_MULTIPART_H
#define CLAIMSD_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

#define MULTIPART_BOUNDARY_MAX 70   /* RFC 2046 */
#define MULTIPART_LINE_MAX 2048     /* one part header line */
#define MULTIPART_HEADERS_MAX 16384 /* all header lines of one part */
#define MULTIPART_NAME_MAX 256
#define MULTIPART_FILENAME_MAX 1024

enum {
	MULTIPART_OK = 0,
	/* Not multipart as announced: bad delimiter line, header too long,
	 * data after the part headers that is not a header, ... */
	MULTIPART_EMALFORMED = -1,
	/* The body ended before the closing delimiter. */
	MULTIPART_ETRUNCATED = -2,
	/* A callback's own negative code is returned as is (below -16). */
};

/* Callbacks return 0 to go on, or a negative code (< -16) that stops the
 * parser and is returned by multipart_feed(). */
struct multipart_callbacks {
	/* A part starts: its form field name ("" when none) and file name
	 * (NULL when the part has no filename parameter). */
	int (*part_begin)(void *payload, const char *name, const char *filename);
	int (*part_data)(void *payload, const char *data, size_t len);
	int (*part_end)(void *payload);
};

struct multipart {
	const struct multipart_callbacks *cb;
	void *payload;
	int state;
	int error;
	/* "\r\n--" + boundary */
	char delim[4 + MULTIPART_BOUNDARY_MAX + 1];
	size_t delim_len;
	size_t matched; /* bytes of delim matched so far */
	/* current header line and the part's parameters */
	char line[MULTIPART_LINE_MAX];
	size_t line_len;
	size_t header_bytes;
	char name[MULTIPART_NAME_MAX];
	char filename[MULTIPART_FILENAME_MAX];
	bool has_filename;
	bool in_part;
};

/* The boundary parameter of a multipart/form-data Content-Type value into
 * @p out (1..70 characters of RFC 2046's set, quotes removed).  False when
 * @p content_type is not multipart/form-data or its boundary is missing or
 * invalid. */
bool multipart_boundary(const char *content_type, char *out, size_t outlen);

/* Start parsing a body with this boundary (as multipart_boundary() gave). */
void multipart_init(struct multipart *m, const char *boundary, const struct multipart_callbacks *cb,
		    void *payload);

/* Feed the next @p len bytes.  MULTIPART_OK, or the first error (sticky:
 * later calls return it again without reading). */
int multipart_feed(struct multipart *m, const char *data, size_t len);

/* The body has ended: MULTIPART_OK when the closing delimiter was seen,
 * else MULTIPART_ETRUNCATED (or the earlier error). */
int multipart_finish(struct multipart *m);

#endif
