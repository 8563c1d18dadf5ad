/* Settings from the environment and the .env file, shared by both programs. */
#ifndef CLAIMS_APP_ENV_H
#define CLAIMS_APP_ENV_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Load KEY=VALUE lines from @p path into the environment without replacing
 * variables already set.  `#` starts a comment line, `export ` is allowed
 * before a key, values may be wrapped in single or double quotes (no
 * interpolation).  When @p path is NULL, CLAIMS_ENV_FILE or ./.env is used
 * and a missing file is fine.  Returns 0, or -1 with a message in errbuf
 * (a named file that cannot be read, or a malformed line with its number).
 */
int env_load_file(const char *path, char *errbuf, size_t errlen);

/* Parse a decimal integer in [min, max]; returns false on any junk. */
bool env_parse_int(const char *s, long min, long max, long *out);

/* Parse true/false (any case). */
bool env_parse_bool(const char *s, bool *out);

/*
 * The integer variable @p name within min..max into *out; unset or empty
 * keeps *out.  Otherwise false, with "<name> must be <range>" in @p err.
 */
bool env_int(const char *name, long min, long max, long *out, char *err, size_t errlen,
	     const char *range);

#include <claims/ingest.h>

/*
 * The ingest settings of the environment into @p o (spec/cli.md §4):
 * INGEST_MODE (tolerant|strict), MAX_FILE_BYTES, MAX_SEGMENT_BYTES,
 * MAX_ELEMENTS, MAX_ISSUES_STORED; unset ones keep their value.  Returns 0,
 * or -1 with the problem in @p err.
 */
int env_ingest_options(claims_ingest_options *o, char *err, size_t errlen);

#endif
