/* libclaims internal: the pure parts of risk scoring (engine.md §3), for tests. */
#ifndef CLAIMS_ENGINE_RISK_H
#define CLAIMS_ENGINE_RISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Level of the score rounded to 2 decimals: >= 75 critical, >= 50 high, >= 25 medium, else low. */
const char *claims__risk_level(double score);
/* round2(sum w_i * round2(c_i) / sum w_i); order payer, coding, doc, historical, pattern. */
double claims__risk_overall(const double comp[5], const double w[5]);
/* engine.md §3.4 from the counts (payer rate 0.2 without payer, procedure rate 0.2 without codes). */
double claims__risk_historical(int64_t n_payer, int64_t d_payer, bool has_payer,
			       const int64_t *n_code, const int64_t *d_code, size_t n_codes);

#endif
