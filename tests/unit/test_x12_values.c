/* X12 value rules (spec/x12.md §5). */
#include "testutil.h"

#include "x12/values.h"

#define S(lit) lit, sizeof(lit) - 1

static void
amount_is(const char *s, int rc, int64_t cents)
{
	int64_t got = 12345;
	int r = claims__parse_amount(s, strlen(s), &got);

	if (r != rc || got != cents)
		fail_msg("amount '%s': rc %d cents %lld, expected rc %d cents %lld", s, r,
			 (long long)got, rc, (long long)cents);
}

static void
test_amounts(void **state)
{
	(void)state;
	amount_is("1500", CLAIMS__AMOUNT_OK, 150000);
	amount_is("1500.00", CLAIMS__AMOUNT_OK, 150000);
	amount_is("89.93", CLAIMS__AMOUNT_OK, 8993);
	amount_is("0.5", CLAIMS__AMOUNT_OK, 50);
	amount_is(".5", CLAIMS__AMOUNT_OK, 50);
	amount_is("5.", CLAIMS__AMOUNT_OK, 500);
	amount_is("-0.01", CLAIMS__AMOUNT_OK, -1);
	amount_is("-12.3", CLAIMS__AMOUNT_OK, -1230);
	amount_is("0", CLAIMS__AMOUNT_OK, 0);
	amount_is("605.0000", CLAIMS__AMOUNT_OK, 60500); /* trailing zeros are not precision */
	amount_is("1.005", CLAIMS__AMOUNT_ROUNDED, 101);
	amount_is("1.004", CLAIMS__AMOUNT_ROUNDED, 100);
	amount_is("-1.005", CLAIMS__AMOUNT_ROUNDED, -101);
	amount_is("-1.0049", CLAIMS__AMOUNT_ROUNDED, -100);
	amount_is("2.9999", CLAIMS__AMOUNT_ROUNDED, 300);
	amount_is("0.0001", CLAIMS__AMOUNT_ROUNDED, 0);
	amount_is("999999999999999.99", CLAIMS__AMOUNT_OK, 99999999999999999LL);
	amount_is("1000000000000000", CLAIMS__AMOUNT_INVALID, 0); /* 16 integer digits */
	amount_is("", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("-", CLAIMS__AMOUNT_INVALID, 0);
	amount_is(".", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("-.", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("+5", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("1,000", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("12a", CLAIMS__AMOUNT_INVALID, 0);
	amount_is(" 12", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("1.2.3", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("1e5", CLAIMS__AMOUNT_INVALID, 0);
	amount_is("--1", CLAIMS__AMOUNT_INVALID, 0);
	/* A NUL inside the slice is not an end of string. */
	{
		int64_t c;
		assert_int_equal(claims__parse_amount("12\0" "3", 4, &c), CLAIMS__AMOUNT_INVALID);
	}
}

static void
test_quantity(void **state)
{
	double q;

	(void)state;
	assert_true(claims__parse_quantity(S("1"), &q));
	assert_true(q == 1.0);
	assert_true(claims__parse_quantity(S("2.5"), &q));
	assert_true(q == 2.5);
	assert_false(claims__parse_quantity(S("x"), &q));
	assert_false(claims__parse_quantity(S(""), &q));
}

static void
test_dates(void **state)
{
	char d[11], e[11], hm[5];

	(void)state;
	assert_true(claims__parse_d8(S("20240229"), d));
	assert_string_equal(d, "2024-02-29");
	assert_false(claims__parse_d8(S("20230229"), d)); /* not a leap year */
	assert_true(claims__parse_d8(S("20000229"), d));  /* 400-year rule */
	assert_false(claims__parse_d8(S("21000229"), d)); /* 100-year rule */
	assert_false(claims__parse_d8(S("20990080"), d));
	assert_false(claims__parse_d8(S("19461301"), d));
	assert_false(claims__parse_d8(S("18991231"), d));
	assert_true(claims__parse_d8(S("21991231"), d));
	assert_false(claims__parse_d8(S("22000101"), d));
	assert_false(claims__parse_d8(S("2024010"), d));
	assert_false(claims__parse_d8(S("2024-01-01"), d));
	assert_false(claims__parse_d8(S("20240431"), d));

	assert_true(claims__parse_rd8(S("20240101-20240105"), d, e));
	assert_string_equal(d, "2024-01-01");
	assert_string_equal(e, "2024-01-05");
	assert_true(claims__parse_rd8(S("20240101-20240101"), d, e));
	assert_false(claims__parse_rd8(S("20240105-20240101"), d, e));
	assert_false(claims__parse_rd8(S("20240101"), d, e));
	assert_false(claims__parse_rd8(S("20240101_20240105"), d, e));

	assert_true(claims__parse_dt(S("202401011330"), d, hm));
	assert_string_equal(d, "2024-01-01");
	assert_string_equal(hm, "1330");
	assert_false(claims__parse_dt(S("202401012400"), d, hm));
	assert_false(claims__parse_dt(S("202401011360"), d, hm));

	assert_true(claims__valid_tm(S("2359")));
	assert_true(claims__valid_tm(S("235959")));
	assert_false(claims__valid_tm(S("2400")));
	assert_false(claims__valid_tm(S("23595")));
	assert_false(claims__valid_tm(S("235960")));
}

static void
test_npi(void **state)
{
	(void)state;
	assert_true(claims__valid_npi(S("1234567893")));
	assert_false(claims__valid_npi(S("1234567890")));
	assert_false(claims__valid_npi(S("123456789")));
	assert_false(claims__valid_npi(S("12345678930")));
	assert_false(claims__valid_npi(S("2309-22220")));
	/* Each single-digit change of a valid NPI breaks the check. */
	for (int i = 0; i < 10; i++) {
		char npi[] = "1234567893";
		npi[i] = (char)(npi[i] == '9' ? '0' : npi[i] + 1);
		assert_false(claims__valid_npi(npi, 10));
	}
}

static void
test_codes(void **state)
{
	char out[16];
	bool changed;

	(void)state;
	assert_int_equal(claims__normalize_code(S("E11.9"), out, sizeof(out), &changed), 4);
	assert_string_equal(out, "E119");
	assert_true(changed);
	assert_int_equal(claims__normalize_code(S("s61212a"), out, sizeof(out), &changed), 7);
	assert_string_equal(out, "S61212A");
	assert_true(changed);
	assert_int_equal(claims__normalize_code(S("E119"), out, sizeof(out), &changed), 4);
	assert_false(changed);
	assert_int_equal(claims__normalize_code(S("ABCDEFGHIJKLMNOPQ"), out, 8, &changed), -1);

	assert_true(claims__valid_code(CLAIMS__ICD10CM, S("E119")));
	assert_true(claims__valid_code(CLAIMS__ICD10CM, S("S61212A")));
	assert_true(claims__valid_code(CLAIMS__ICD10CM, S("M1A0710")));
	assert_true(claims__valid_code(CLAIMS__ICD10CM, S("U071")));
	assert_true(claims__valid_code(CLAIMS__ICD10CM, S("Z00")));
	assert_false(claims__valid_code(CLAIMS__ICD10CM, S("123")));
	assert_false(claims__valid_code(CLAIMS__ICD10CM, S("E1")));
	assert_false(claims__valid_code(CLAIMS__ICD10CM, S("E1190123")));
	assert_false(claims__valid_code(CLAIMS__ICD10CM, S("EE19")));

	assert_true(claims__valid_code(CLAIMS__ICD9CM, S("250")));
	assert_true(claims__valid_code(CLAIMS__ICD9CM, S("25000")));
	assert_true(claims__valid_code(CLAIMS__ICD9CM, S("V700")));
	assert_true(claims__valid_code(CLAIMS__ICD9CM, S("V70")));
	assert_true(claims__valid_code(CLAIMS__ICD9CM, S("E8490")));
	assert_false(claims__valid_code(CLAIMS__ICD9CM, S("E84")));
	assert_false(claims__valid_code(CLAIMS__ICD9CM, S("25")));
	assert_false(claims__valid_code(CLAIMS__ICD9CM, S("250000")));

	assert_true(claims__valid_code(CLAIMS__ICD10PCS, S("0DTJ4ZZ")));
	assert_false(claims__valid_code(CLAIMS__ICD10PCS, S("0DTI4ZZ")));
	assert_false(claims__valid_code(CLAIMS__ICD10PCS, S("0DTO4ZZ")));
	assert_false(claims__valid_code(CLAIMS__ICD10PCS, S("0DTJ4Z")));
	assert_true(claims__valid_code(CLAIMS__ICD9PCS, S("8151")));
	assert_true(claims__valid_code(CLAIMS__ICD9PCS, S("81")));
	assert_false(claims__valid_code(CLAIMS__ICD9PCS, S("81511")));
}

static void
test_procedures_modifiers_revenue(void **state)
{
	char rev[5];

	(void)state;
	assert_true(claims__valid_hcpcs(S("99213")));
	assert_true(claims__valid_hcpcs(S("3074F")));
	assert_true(claims__valid_hcpcs(S("0042T")));
	assert_true(claims__valid_hcpcs(S("J1100")));
	assert_true(claims__valid_hcpcs(S("A0428")));
	assert_false(claims__valid_hcpcs(S("W1100")));
	assert_false(claims__valid_hcpcs(S("9921")));
	assert_false(claims__valid_hcpcs(S("99213A")));
	assert_false(claims__valid_hcpcs(S("3074X")));

	assert_true(claims__valid_modifier(S("25")));
	assert_true(claims__valid_modifier(S("GT")));
	assert_false(claims__valid_modifier(S("g")));
	assert_false(claims__valid_modifier(S("gt")));
	assert_false(claims__valid_modifier(S("GTX")));

	assert_true(claims__normalize_revenue_code(S("0450"), rev));
	assert_string_equal(rev, "0450");
	assert_true(claims__normalize_revenue_code(S("450"), rev));
	assert_string_equal(rev, "0450");
	assert_false(claims__normalize_revenue_code(S("45"), rev));
	assert_false(claims__normalize_revenue_code(S("04500"), rev));
	assert_false(claims__normalize_revenue_code(S("04A0"), rev));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amounts),
		cmocka_unit_test(test_quantity),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_npi),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_procedures_modifiers_revenue),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
