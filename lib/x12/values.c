/*
 * libclaims: X12 value rules (spec/x12.md §5).
 *
 * Amounts are converted to integer cents from their decimal digits, never
 * through a binary float; dates are checked against the Gregorian calendar;
 * code patterns are matched by hand-written scanners (no regex engine).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "values.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

int
claims__parse_amount(const char *s, size_t n, int64_t *cents)
{
	size_t i = 0, int_digits = 0, frac_digits = 0;
	bool neg = false, rounded = false;
	int64_t whole = 0, frac = 0;

	*cents = 0;
	if (n == 0)
		return CLAIMS__AMOUNT_INVALID;
	if (s[0] == '-') {
		neg = true;
		i++;
	}
	for (; i < n && is_digit(s[i]); i++) {
		if (++int_digits > 15)
			return CLAIMS__AMOUNT_INVALID;
		whole = whole * 10 + (s[i] - '0');
	}
	if (i < n && s[i] == '.') {
		i++;
		for (; i < n && is_digit(s[i]); i++) {
			frac_digits++;
			if (frac_digits <= 2) {
				frac = frac * 10 + (s[i] - '0');
			} else if (frac_digits == 3) {
				if (s[i] >= '5')
					frac++; /* half away from zero (sign applied below) */
				if (s[i] != '0')
					rounded = true;
			} else if (s[i] != '0') {
				rounded = true;
			}
		}
		if (int_digits == 0 && frac_digits == 0)
			return CLAIMS__AMOUNT_INVALID; /* "." or "-." */
	} else if (int_digits == 0) {
		return CLAIMS__AMOUNT_INVALID;
	}
	if (i != n)
		return CLAIMS__AMOUNT_INVALID;
	if (frac_digits == 1)
		frac *= 10;
	*cents = whole * 100 + frac;
	if (neg)
		*cents = -*cents;
	return rounded ? CLAIMS__AMOUNT_ROUNDED : CLAIMS__AMOUNT_OK;
}

bool
claims__parse_quantity(const char *s, size_t n, double *out)
{
	char buf[64];
	int64_t cents;
	char *end;

	/* Same grammar as an amount, any number of decimals. */
	if (n == 0 || n >= sizeof(buf) || claims__parse_amount(s, n, &cents) == CLAIMS__AMOUNT_INVALID)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*out = strtod(buf, &end);
	return *end == '\0';
}

static int
num(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static bool
valid_ymd(int y, int m, int d)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max;

	if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
		return false;
	max = days[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

bool
claims__parse_d8(const char *s, size_t n, char out[static 11])
{
	if (n != 8 || !all_digits(s, 8) || !valid_ymd(num(s, 4), num(s + 4, 2), num(s + 6, 2)))
		return false;
	memcpy(out, s, 4);
	out[4] = '-';
	memcpy(out + 5, s + 4, 2);
	out[7] = '-';
	memcpy(out + 8, s + 6, 2);
	out[10] = '\0';
	return true;
}

bool
claims__parse_rd8(const char *s, size_t n, char from[static 11], char to[static 11])
{
	if (n != 17 || s[8] != '-')
		return false;
	if (!claims__parse_d8(s, 8, from) || !claims__parse_d8(s + 9, 8, to))
		return false;
	return strcmp(from, to) <= 0;
}

bool
claims__parse_dt(const char *s, size_t n, char date[static 11], char hhmm[static 5])
{
	if (n != 12 || !all_digits(s, 12) || !claims__parse_d8(s, 8, date))
		return false;
	if (num(s + 8, 2) > 23 || num(s + 10, 2) > 59)
		return false;
	memcpy(hhmm, s + 8, 4);
	hhmm[4] = '\0';
	return true;
}

bool
claims__valid_tm(const char *s, size_t n)
{
	if ((n != 4 && n != 6) || !all_digits(s, n))
		return false;
	if (num(s, 2) > 23 || num(s + 2, 2) > 59)
		return false;
	return n == 4 || num(s + 4, 2) <= 59;
}

bool
claims__valid_npi(const char *s, size_t n)
{
	/* Luhn over "80840" followed by the ten digits (the card-issuer prefix
	 * the NPI standard assigns), from the rightmost digit. */
	static const char prefix[] = "80840";
	char digits[15];
	int sum = 0;

	if (n != 10 || !all_digits(s, 10))
		return false;
	memcpy(digits, prefix, 5);
	memcpy(digits + 5, s, 10);
	for (int i = 14, pos = 0; i >= 0; i--, pos++) {
		int d = digits[i] - '0';
		if (pos % 2 == 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

int
claims__normalize_code(const char *s, size_t n, char *out, size_t outlen, bool *changed)
{
	size_t len = 0;

	*changed = false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '.') {
			*changed = true;
			continue;
		}
		if (c >= 'a' && c <= 'z') {
			c = (char)(c - 'a' + 'A');
			*changed = true;
		}
		if (len + 1 >= outlen)
			return -1;
		out[len++] = c;
	}
	out[len] = '\0';
	return (int)len;
}

static bool
is_alnum_upper(char c)
{
	return is_digit(c) || is_upper(c);
}

bool
claims__valid_code(enum claims__code_system system, const char *c, size_t n)
{
	switch (system) {
	case CLAIMS__ICD10CM:
		/* [A-Z][0-9][0-9A-Z][0-9A-Z]{0,4} */
		if (n < 3 || n > 7 || !is_upper(c[0]) || !is_digit(c[1]))
			return false;
		for (size_t i = 2; i < n; i++)
			if (!is_alnum_upper(c[i]))
				return false;
		return true;
	case CLAIMS__ICD9CM:
		/* [0-9]{3,5} | V[0-9]{2,4} | E[0-9]{3,4} */
		if (n >= 3 && n <= 5 && all_digits(c, n))
			return true;
		if (n >= 3 && n <= 5 && c[0] == 'V' && all_digits(c + 1, n - 1))
			return true;
		return n >= 4 && n <= 5 && c[0] == 'E' && all_digits(c + 1, n - 1);
	case CLAIMS__ICD10PCS:
		/* [0-9A-HJ-NP-Z]{7}: letters I and O are never used */
		if (n != 7)
			return false;
		for (size_t i = 0; i < n; i++)
			if (!is_alnum_upper(c[i]) || c[i] == 'I' || c[i] == 'O')
				return false;
		return true;
	case CLAIMS__ICD9PCS:
		return n >= 2 && n <= 4 && all_digits(c, n);
	}
	return false;
}

bool
claims__valid_hcpcs(const char *s, size_t n)
{
	if (n != 5)
		return false;
	if (all_digits(s, 5))
		return true; /* CPT */
	if (all_digits(s, 4) && (s[4] == 'F' || s[4] == 'T'))
		return true; /* CPT category II / III */
	return s[0] >= 'A' && s[0] <= 'V' && all_digits(s + 1, 4); /* HCPCS level II */
}

bool
claims__valid_modifier(const char *s, size_t n)
{
	return n == 2 && is_alnum_upper(s[0]) && is_alnum_upper(s[1]);
}

bool
claims__normalize_revenue_code(const char *s, size_t n, char out[static 5])
{
	if (n == 4 && all_digits(s, 4)) {
		memcpy(out, s, 4);
	} else if (n == 3 && all_digits(s, 3)) {
		out[0] = '0';
		memcpy(out + 1, s, 3);
	} else {
		return false;
	}
	out[4] = '\0';
	return true;
}
