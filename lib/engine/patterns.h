/* libclaims internal: pattern matching shared by patterns.c and risk.c. */
#ifndef CLAIMS_ENGINE_PATTERNS_H
#define CLAIMS_ENGINE_PATTERNS_H

#include <stdbool.h>
#include <stdint.h>

#include "claims/engine.h"
#include "internal.h"

/* Wilson lower bound of k/n, z = 1.96 (engine.md §4.1 step 5); 0 for n = 0. */
double claims__wilson_lower(uint64_t k, uint64_t n);

/* engine.md §4.3 match_score of a claim against a pattern, rounded to 4 decimals. */
double claims__pattern_match_score(const claims_pattern *p, const char *principal,
				   const char *facility, bool has_total, int64_t total_cents,
				   char *const *procs, size_t n_procs);

/* The claim's matches (ENOTFOUND for no claim); *out is the caller's. */
int claims__patterns_analyze(claims_db *db, int64_t claim_id, claims_pattern_analysis **out);

#endif
