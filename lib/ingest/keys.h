/*
 * The normalised keys linking compares (spec/engine.md §1.2), made once for
 * the 837 and the 835 mappings so that the two sides always agree.
 */
#ifndef CLAIMS_INGEST_KEYS_H
#define CLAIMS_INGEST_KEYS_H

#include <stdbool.h>

#include "arena.h"

/* A patient control number upper-cased with all whitespace removed, in
 * @p a; NULL for NULL, or with *oom set when out of memory. */
const char *claims__pcn_key(struct claims__arena *a, const char *pcn, bool *oom);

/* "LAST|FIRST" of the letters A-Z only, upper-cased, in @p a; NULL unless
 * both names keep at least one letter (or with *oom set). */
const char *claims__patient_key(struct claims__arena *a, const char *last, const char *first,
				bool *oom);

#endif
