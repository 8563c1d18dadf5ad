/*
 * libclaims internal: the value rules of X12 fields (spec/x12.md §5).
 *
 * Every function takes a slice (pointer + length, not NUL-terminated) and
 * never reads past it.  Nothing here allocates.
 */
#ifndef CLAIMS_X12_VALUES_H
#define CLAIMS_X12_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Result of parsing an amount. */
enum claims__amount_rc {
	CLAIMS__AMOUNT_OK = 0,
	CLAIMS__AMOUNT_ROUNDED = 1, /* a non-zero digit after the second decimal: rounded */
	CLAIMS__AMOUNT_INVALID = -1,
};

/*
 * Parse an X12 decimal amount (-?(digits[.digits*]|.digits), at most 15
 * integer digits) into cents exactly, rounding half away from zero past
 * the second decimal.  On CLAIMS__AMOUNT_INVALID *cents is 0.
 */
int claims__parse_amount(const char *s, size_t n, int64_t *cents);

/* A decimal quantity (units) as a double; false when not a decimal. */
bool claims__parse_quantity(const char *s, size_t n, double *out);

/* D8 (CCYYMMDD, a real date, year 1900..2199) into "YYYY-MM-DD". */
bool claims__parse_d8(const char *s, size_t n, char out[static 11]);

/* RD8 (D8-D8, from <= to). */
bool claims__parse_rd8(const char *s, size_t n, char from[static 11], char to[static 11]);

/* DT (CCYYMMDDHHMM): the date and "HHMM". */
bool claims__parse_dt(const char *s, size_t n, char date[static 11], char hhmm[static 5]);

/* TM (HHMM or HHMMSS). */
bool claims__valid_tm(const char *s, size_t n);

/* NPI: 10 digits whose Luhn check over "80840" + the digits passes. */
bool claims__valid_npi(const char *s, size_t n);

/* Code systems of diagnosis and procedure codes in HI. */
enum claims__code_system {
	CLAIMS__ICD10CM,
	CLAIMS__ICD9CM,
	CLAIMS__ICD10PCS,
	CLAIMS__ICD9PCS,
};

/*
 * Normalise a diagnosis/procedure code: '.' removed, lower case upper-cased,
 * into out (at most outlen - 1 bytes, NUL-terminated).  *changed tells
 * whether anything was removed or upper-cased.  Returns the length, or -1
 * when it does not fit.
 */
int claims__normalize_code(const char *s, size_t n, char *out, size_t outlen, bool *changed);

/* Whether a normalised code fits its code system's pattern. */
bool claims__valid_code(enum claims__code_system system, const char *code, size_t n);

/* Procedure code under qualifier HC: CPT, CPT category II/III or HCPCS. */
bool claims__valid_hcpcs(const char *s, size_t n);

/* Modifier: two characters from 0-9A-Z. */
bool claims__valid_modifier(const char *s, size_t n);

/*
 * Revenue code: four digits; three digits are left-padded with '0'.
 * Writes the normalised code into out; false when neither.
 */
bool claims__normalize_revenue_code(const char *s, size_t n, char out[static 5]);

#endif
