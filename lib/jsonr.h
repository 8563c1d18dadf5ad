/*
 * libclaims internal: a strict reader for flat JSON objects, the shape a
 * token's header and payload take (claims/auth.h).  The library does not
 * link cJSON; this reads only what it needs and refuses everything else.
 *
 * Accepted: one object, optional JSON whitespace around every token, at most
 * CLAIMS__JSONR_MAX_MEMBERS members whose values are strings, numbers,
 * true, false or null.  Refused: nesting (objects, arrays), duplicate
 * names, anything after the object, strings with raw control characters,
 * invalid escapes, \u0000, lone surrogates or invalid UTF-8, numbers that
 * are not RFC 8259 numbers.  A number is an integer when it has neither
 * fraction nor exponent and fits int64_t; any other number is only "a
 * number".
 */
#ifndef CLAIMS_JSONR_H
#define CLAIMS_JSONR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLAIMS__JSONR_MAX_MEMBERS 16

enum claims__jsonr_type {
	CLAIMS__JSONR_STRING,
	CLAIMS__JSONR_INT,    /* an integer within int64_t */
	CLAIMS__JSONR_NUMBER, /* any other number */
	CLAIMS__JSONR_TRUE,
	CLAIMS__JSONR_FALSE,
	CLAIMS__JSONR_NULL,
};

struct claims__jsonr_member {
	const char *name;     /* decoded, NUL-terminated, in the caller's storage */
	size_t name_len;
	enum claims__jsonr_type type;
	const char *str;      /* CLAIMS__JSONR_STRING: decoded, NUL-terminated */
	size_t str_len;
	int64_t i;            /* CLAIMS__JSONR_INT */
};

struct claims__jsonr_object {
	struct claims__jsonr_member members[CLAIMS__JSONR_MAX_MEMBERS];
	size_t count;
};

/*
 * Parse @p len bytes of @p text as a flat object.  Decoded names and strings
 * are written into @p storage, which must hold at least @p len + 1 bytes
 * (decoding never lengthens the text, and every string has two quotes that
 * leave room for its NUL).  Returns true, or false for anything refused.
 */
bool claims__jsonr_parse(struct claims__jsonr_object *out, const char *text, size_t len,
			 char *storage, size_t cap);

/* The member named @p name, or NULL. */
const struct claims__jsonr_member *claims__jsonr_get(const struct claims__jsonr_object *o,
						     const char *name);

/* Whether @p s (@p n bytes) is valid UTF-8: no overlong forms, surrogates or
 * code points above U+10FFFF. */
bool claims__utf8_valid(const char *s, size_t n);

#endif
