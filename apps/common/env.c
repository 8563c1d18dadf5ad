/* Settings from the environment and the .env file. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "env.h"

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

static bool
valid_key(const char *k)
{
	if (!*k || !(isalpha((unsigned char)*k) || *k == '_'))
		return false;
	for (; *k; k++)
		if (!(isalnum((unsigned char)*k) || *k == '_'))
			return false;
	return true;
}

int
env_load_file(const char *path, char *errbuf, size_t errlen)
{
	const char *file = path;
	bool optional = false;
	char line[8192];
	FILE *f;
	int lineno = 0;

	if (!file) {
		file = getenv("CLAIMS_ENV_FILE");
		if (!file || !*file) {
			file = ".env";
			optional = true;
		}
	}
	f = fopen(file, "r");
	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(errbuf, errlen, "cannot read %s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s, *eq, *key, *value;
		size_t vlen;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(errbuf, errlen, "%s:%d: line too long", file, lineno);
			fclose(f);
			return -1;
		}
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		if (strncmp(s, "export ", 7) == 0)
			s = trim(s + 7);
		eq = strchr(s, '=');
		if (!eq) {
			snprintf(errbuf, errlen, "%s:%d: expected KEY=VALUE", file, lineno);
			fclose(f);
			return -1;
		}
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		if (!valid_key(key)) {
			snprintf(errbuf, errlen, "%s:%d: invalid variable name", file, lineno);
			fclose(f);
			return -1;
		}
		vlen = strlen(value);
		if (vlen >= 2 && (value[0] == '"' || value[0] == '\'') && value[vlen - 1] == value[0]) {
			value[vlen - 1] = '\0';
			value++;
		}
		if (setenv(key, value, 0) != 0) {
			snprintf(errbuf, errlen, "%s:%d: %s", file, lineno, strerror(errno));
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

bool
env_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool
env_parse_bool(const char *s, bool *out)
{
	if (!s)
		return false;
	if (strcasecmp(s, "true") == 0) {
		*out = true;
		return true;
	}
	if (strcasecmp(s, "false") == 0) {
		*out = false;
		return true;
	}
	return false;
}

bool
env_int(const char *name, long min, long max, long *out, char *err, size_t errlen,
	const char *range)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return true;
	if (!env_parse_int(v, min, max, out)) {
		snprintf(err, errlen, "%s must be %s", name, range);
		return false;
	}
	return true;
}

int
env_ingest_options(claims_ingest_options *o, char *err, size_t errlen)
{
	const char *v = getenv("INGEST_MODE");
	long file = o->max_file_bytes, seg = (long)o->max_segment_bytes,
	     elems = (long)o->max_elements, issues = (long)o->max_issues_stored;

	if (v && *v) {
		if (strcasecmp(v, "strict") == 0) {
			o->mode = CLAIMS_X12_STRICT;
		} else if (strcasecmp(v, "tolerant") == 0) {
			o->mode = CLAIMS_X12_TOLERANT;
		} else {
			snprintf(err, errlen, "INGEST_MODE must be tolerant or strict");
			return -1;
		}
	}
	if (!env_int("MAX_FILE_BYTES", 1, LONG_MAX, &file, err, errlen, "a positive integer") ||
	    !env_int("MAX_SEGMENT_BYTES", 256, 1 << 30, &seg, err, errlen, "256..1073741824") ||
	    !env_int("MAX_ELEMENTS", 16, 100000, &elems, err, errlen, "16..100000") ||
	    !env_int("MAX_ISSUES_STORED", 1, 100000000, &issues, err, errlen,
		   "a positive integer"))
		return -1;
	o->max_file_bytes = file;
	o->max_segment_bytes = (size_t)seg;
	o->max_elements = (size_t)elems;
	o->max_issues_stored = (size_t)issues;
	return 0;
}
