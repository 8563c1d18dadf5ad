/* Linking keys shared by the 837 and 835 mappings (keys.h). */
#include "config.h"

#include <string.h>

#include "keys.h"

static char
upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

const char *
claims__pcn_key(struct claims__arena *a, const char *pcn, bool *oom)
{
	size_t n, k = 0;
	char *out;

	if (!pcn)
		return NULL;
	n = strlen(pcn);
	out = claims__arena_alloc(a, n + 1);
	if (!out) {
		*oom = true;
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = pcn[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
			continue;
		out[k++] = upper(c);
	}
	out[k] = '\0';
	return out;
}

/* The letters A-Z of @p s, upper-cased, written to @p out; their count. */
static size_t
name_letters(char *out, const char *s)
{
	size_t k = 0;

	for (; *s; s++) {
		char c = upper(*s);

		if (c >= 'A' && c <= 'Z')
			out[k++] = c;
	}
	return k;
}

const char *
claims__patient_key(struct claims__arena *a, const char *last, const char *first, bool *oom)
{
	size_t nl, nf;
	char *out;

	if (!last || !first)
		return NULL;
	out = claims__arena_alloc(a, strlen(last) + strlen(first) + 2);
	if (!out) {
		*oom = true;
		return NULL;
	}
	nl = name_letters(out, last);
	if (nl == 0)
		return NULL;
	out[nl] = '|';
	nf = name_letters(out + nl + 1, first);
	if (nf == 0)
		return NULL;
	out[nl + 1 + nf] = '\0';
	return out;
}
