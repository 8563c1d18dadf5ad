/*
 * The audit trail's hashed identifiers (spec/security.md §4,
 * apps/common/audit_phi.h): which names are PHI-like, paths with indices,
 * the depth limit, the 100-entry cap, canonical JSON, number rendering,
 * trimming and lower-casing, and the keyed hash itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit_phi.h"

static unsigned char key1[32], key2[32];

static int
setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++) {
		key1[i] = (unsigned char)i;
		key2[i] = (unsigned char)(i + 1);
	}
	return 0;
}

static void
h(char out[AUDIT_PHI_HEX + 1], const char *text)
{
	assert_true(audit_phi_hash(out, key1, sizeof(key1), text, strlen(text)));
}

/* The map of one JSON document. */
static struct audit_phi_map *
map_of(const char *json)
{
	struct audit_phi_map *m = audit_phi_map_new(key1, sizeof(key1));

	assert_non_null(m);
	assert_int_equal(audit_phi_add_json(m, json, strlen(json)), 0);
	return m;
}

/* Entry @p i must be @p path -> h(@p text). */
static void
expect_entry(const struct audit_phi_map *m, size_t i, const char *path, const char *text)
{
	char want[AUDIT_PHI_HEX + 1];

	assert_true(i < audit_phi_map_count(m));
	assert_string_equal(audit_phi_map_path(m, i), path);
	h(want, text);
	assert_string_equal(audit_phi_map_hash(m, i), want);
}

/* ---- the hash */

static void
test_hash_vector(void **state)
{
	char out[AUDIT_PHI_HEX + 1];

	(void)state;
	/* BLAKE2b, 32-byte output, keyed (RFC 7693; crypto_generichash). */
	h(out, "abc");
	assert_string_equal(out, "d63a32d3e44738d7907f964316c241adaba0abfeabc32349677578a15a203f7f");
	/* Trimmed and ASCII lower-cased before hashing. */
	h(out, "  John SMITH\t\n");
	assert_string_equal(out, "9edf69f8c7c6d637ad382db9fa1a60043a3bb433a1a6f264c4a4136c995f5ba3");
	h(out, "john smith");
	assert_string_equal(out, "9edf69f8c7c6d637ad382db9fa1a60043a3bb433a1a6f264c4a4136c995f5ba3");
}

static void
test_same_value_same_hash_other_key_other_hash(void **state)
{
	struct audit_phi_map *a = audit_phi_map_new(key1, 32), *b = audit_phi_map_new(key1, 32),
			     *c = audit_phi_map_new(key2, 32);
	const char *doc = "{\"patient_name\": \"Jane Roe\"}";

	(void)state;
	assert_int_equal(audit_phi_add_json(a, doc, strlen(doc)), 0);
	assert_int_equal(audit_phi_add_json(b, doc, strlen(doc)), 0);
	assert_int_equal(audit_phi_add_json(c, doc, strlen(doc)), 0);
	assert_string_equal(audit_phi_map_hash(a, 0), audit_phi_map_hash(b, 0));
	assert_string_not_equal(audit_phi_map_hash(a, 0), audit_phi_map_hash(c, 0));
	/* A different value under the same key differs too. */
	audit_phi_map_free(b);
	b = map_of("{\"patient_name\": \"Jane Doe\"}");
	assert_string_not_equal(audit_phi_map_hash(a, 0), audit_phi_map_hash(b, 0));
	audit_phi_map_free(a);
	audit_phi_map_free(b);
	audit_phi_map_free(c);
	/* Key lengths crypto_generichash does not take are refused. */
	assert_null(audit_phi_map_new(key1, 15));
	assert_null(audit_phi_map_new(key1, 65));
}

/* ---- names */

static void
test_every_listed_name(void **state)
{
	static const char *const names[] = {
		"patient", "first_name", "last_name", "dob", "birth", "ssn", "member_id",
		"subscriber", "control_number", "medical_record", "mrn", "npi", "phone", "email",
		"address", "zip", "policy", "group_number", "account", "password", "token",
		"secret", "authorization",
	};
	static const char *const others[] = { "status", "claim_id", "payer_id", "name", "limit",
					      "amount", "service_date", "code", "first", "" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char inside[64], upper[64], json[256], path[80];
		struct audit_phi_map *m;
		size_t k;

		/* As a substring, in any case. */
		snprintf(inside, sizeof(inside), "x_%s_y", names[i]);
		for (k = 0; inside[k]; k++)
			upper[k] = (char)(inside[k] >= 'a' && inside[k] <= 'z' ? inside[k] - 32
									       : inside[k]);
		upper[k] = '\0';
		assert_true(audit_phi_name_matches(names[i], strlen(names[i])));
		assert_true(audit_phi_name_matches(upper, strlen(upper)));

		snprintf(json, sizeof(json), "{\"%s\": \"v%zu\", \"other\": 1}", upper, i);
		m = map_of(json);
		assert_int_equal(audit_phi_map_count(m), 1);
		snprintf(json, sizeof(json), "v%zu", i);
		expect_entry(m, 0, upper, json);
		audit_phi_map_free(m);

		/* Query parameters: "query.<name>". */
		m = audit_phi_map_new(key1, 32);
		assert_int_equal(audit_phi_add_params(
					 m, (const claims_param[]){ { inside, "V" }, { "skip", "1" } },
					 2),
				 0);
		assert_int_equal(audit_phi_map_count(m), 1);
		snprintf(path, sizeof(path), "query.%s", inside);
		expect_entry(m, 0, path, "v");
		audit_phi_map_free(m);
	}
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_false(audit_phi_name_matches(others[i], strlen(others[i])));
}

/* ---- paths, depth, cap */

static void
test_paths_with_indices(void **state)
{
	struct audit_phi_map *m;

	(void)state;
	m = map_of("{\"claims\": [{\"id\": 1, \"status\": \"pending\"},"
		   " {\"patient_control_number\": \"PCN-7\", \"lines\": [{\"rendering_npi\": "
		   "\"1234567893\"}, {\"code\": \"99213\"}]}],"
		   " \"meta\": {\"subscriber\": {\"id\": \"M1\"}}, \"grid\": [[{\"ssn\": \"1\"}]]}");
	assert_int_equal(audit_phi_map_count(m), 4);
	expect_entry(m, 0, "claims[1].patient_control_number", "PCN-7");
	expect_entry(m, 1, "claims[1].lines[0].rendering_npi", "1234567893");
	/* A matching object is hashed whole (canonical JSON), not walked. */
	expect_entry(m, 2, "meta.subscriber", "{\"id\":\"M1\"}");
	expect_entry(m, 3, "grid[0][0].ssn", "1");
	audit_phi_map_free(m);

	/* A root array. */
	m = map_of("[{\"email\": \"a@example.com\"}, 5, {\"x\": {\"phone\": \"555\"}}]");
	assert_int_equal(audit_phi_map_count(m), 2);
	expect_entry(m, 0, "[0].email", "a@example.com");
	expect_entry(m, 1, "[2].x.phone", "555");
	audit_phi_map_free(m);

	/* A scalar document has no members. */
	m = map_of("\"patient\"");
	assert_int_equal(audit_phi_map_count(m), 0);
	audit_phi_map_free(m);
}

/* {"a": {"a": ... {"patient": "deep"}}} with the patient member in a
 * container at @p depth (the root is depth 1). */
static char *
nested(int depth, bool arrays)
{
	char *s = malloc(1024);
	size_t n = 0;

	assert_non_null(s);
	for (int i = 1; i < depth; i++)
		n += (size_t)sprintf(s + n, arrays ? "[" : "{\"a\":");
	n += (size_t)sprintf(s + n, "{\"patient\":\"deep\"}");
	for (int i = 1; i < depth; i++)
		n += (size_t)sprintf(s + n, arrays ? "]" : "}");
	return s;
}

static void
test_depth_limit(void **state)
{
	struct audit_phi_map *m;
	char *doc;

	(void)state;
	doc = nested(10, false);
	m = map_of(doc);
	assert_int_equal(audit_phi_map_count(m), 1);
	expect_entry(m, 0, "a.a.a.a.a.a.a.a.a.patient", "deep");
	audit_phi_map_free(m);
	free(doc);

	doc = nested(11, false);
	m = map_of(doc);
	assert_int_equal(audit_phi_map_count(m), 0);
	audit_phi_map_free(m);
	free(doc);

	/* Arrays count as levels too. */
	doc = nested(10, true);
	m = map_of(doc);
	assert_int_equal(audit_phi_map_count(m), 1);
	expect_entry(m, 0, "[0][0][0][0][0][0][0][0][0].patient", "deep");
	audit_phi_map_free(m);
	free(doc);
	doc = nested(11, true);
	m = map_of(doc);
	assert_int_equal(audit_phi_map_count(m), 0);
	audit_phi_map_free(m);
	free(doc);
}

static void
test_cap_first_100(void **state)
{
	char *doc = malloc(16384), name[32], value[32];
	claims_param params[60];
	char pnames[60][16];
	struct audit_phi_map *m;
	size_t n = 0;

	(void)state;
	assert_non_null(doc);
	n += (size_t)sprintf(doc + n, "{");
	for (int i = 0; i < 150; i++)
		n += (size_t)sprintf(doc + n, "%s\"email%d\": \"user%d@example.com\"", i ? ", " : "",
				     i, i);
	sprintf(doc + n, "}");
	m = map_of(doc);
	assert_int_equal(audit_phi_map_count(m), 100);
	expect_entry(m, 0, "email0", "user0@example.com");
	expect_entry(m, 99, "email99", "user99@example.com");
	/* A full map takes nothing more. */
	assert_int_equal(audit_phi_add_json(m, "{\"ssn\": \"1\"}", 12), 0);
	assert_int_equal(audit_phi_map_count(m), 100);
	audit_phi_map_free(m);

	/* Query parameters come first, then the body, up to 100 together. */
	for (int i = 0; i < 60; i++) {
		snprintf(pnames[i], sizeof(pnames[i]), "phone%d", i);
		params[i].name = pnames[i];
		params[i].value = "555";
	}
	m = audit_phi_map_new(key1, 32);
	assert_int_equal(audit_phi_add_params(m, params, 60), 0);
	assert_int_equal(audit_phi_add_json(m, doc, strlen(doc)), 0);
	assert_int_equal(audit_phi_map_count(m), 100);
	expect_entry(m, 59, "query.phone59", "555");
	snprintf(name, sizeof(name), "email%d", 39);
	snprintf(value, sizeof(value), "user%d@example.com", 39);
	expect_entry(m, 99, name, value);
	audit_phi_map_free(m);
	free(doc);
}

/* ---- values */

static void
test_canonical_json(void **state)
{
	char *c;
	struct audit_phi_map *a, *b;

	(void)state;
	c = audit_phi_canonical_json("{ \"b\" : 1, \"a\" : [ true, null, {\"d\": \"x\", \"c\": 2.50} ],"
				     " \"B\": \"\\u0001\\/\\\"\\u00e9\\n\" }",
				     strlen("{ \"b\" : 1, \"a\" : [ true, null, {\"d\": \"x\", \"c\": "
					    "2.50} ], \"B\": \"\\u0001\\/\\\"\\u00e9\\n\" }"));
	assert_non_null(c);
	/* Keys in byte order ("B" < "a" < "b"), no whitespace, \u0001 kept
	 * escaped, "/" plain, é as UTF-8. */
	assert_string_equal(c, "{\"B\":\"\\u0001/\\\"\xc3\xa9\\n\",\"a\":[true,null,{\"c\":2.5,\"d\":"
			       "\"x\"}],\"b\":1}");
	free(c);
	/* A byte that is not UTF-8 is written as U+FFFD. */
	c = audit_phi_canonical_json("[\"a\xff" "b\"]", strlen("[\"a\xff" "b\"]"));
	assert_string_equal(c, "[\"a\xef\xbf\xbd" "b\"]");
	free(c);
	assert_null(audit_phi_canonical_json("{\"a\":1} x", 9));
	assert_null(audit_phi_canonical_json("{", 1));

	/* An object value hashes as its canonical JSON: member order and
	 * whitespace do not matter; case does not either (h lower-cases). */
	a = map_of("{\"patient\": {\"last\": \"Doe\", \"first\": \"John\", \"ids\": [1, 2]}}");
	b = map_of("{\"patient\":{\"first\":\"JOHN\",\"ids\":[1,2.0],\"last\":\"doe\"}}");
	expect_entry(a, 0, "patient", "{\"first\":\"john\",\"ids\":[1,2],\"last\":\"doe\"}");
	assert_string_equal(audit_phi_map_hash(a, 0), audit_phi_map_hash(b, 0));
	audit_phi_map_free(a);
	audit_phi_map_free(b);
}

static void
test_numbers_and_words(void **state)
{
	struct audit_phi_map *m;

	(void)state;
	m = map_of("{\"member_id\": 12345, \"account\": 1.50, \"zip\": 1e2, \"policy\": 0.1,"
		   " \"npi\": 12345678901234567, \"token\": true, \"secret\": false, \"dob\": -7}");
	assert_int_equal(audit_phi_map_count(m), 8);
	expect_entry(m, 0, "member_id", "12345");
	expect_entry(m, 1, "account", "1.5");
	expect_entry(m, 2, "zip", "100");
	expect_entry(m, 3, "policy", "0.1");
	/* Past 2^53: the double's exact 17-digit rendering. */
	expect_entry(m, 4, "npi", "12345678901234568");
	expect_entry(m, 5, "token", "true");
	expect_entry(m, 6, "secret", "false");
	expect_entry(m, 7, "dob", "-7");
	audit_phi_map_free(m);
}

static void
test_trim_lower_and_skips(void **state)
{
	struct audit_phi_map *m;

	(void)state;
	m = map_of("{\"patient_name\": \"  John SMITH \\t\"}");
	expect_entry(m, 0, "patient_name", "john smith");
	audit_phi_map_free(m);

	/* Null, empty, blank, {} and [] are skipped. */
	m = map_of("{\"patient\": null, \"email\": \"\", \"phone\": \"  \\n \", \"ssn\": {},"
		   " \"mrn\": [], \"npi\": 1e999}");
	assert_int_equal(audit_phi_map_count(m), 0);
	audit_phi_map_free(m);

	m = audit_phi_map_new(key1, 32);
	assert_int_equal(audit_phi_add_params(m,
					      (const claims_param[]){ { "patient", NULL },
								      { "email", "" },
								      { "ssn", " 123-45-6789 " } },
					      3),
			 0);
	assert_int_equal(audit_phi_map_count(m), 1);
	expect_entry(m, 0, "query.ssn", "123-45-6789");
	audit_phi_map_free(m);
}

static void
test_duplicates_keep_first(void **state)
{
	struct audit_phi_map *m = map_of("{\"email\": \"a@x\", \"email\": \"b@x\"}");

	(void)state;
	assert_int_equal(audit_phi_map_count(m), 1);
	expect_entry(m, 0, "email", "a@x");
	assert_int_equal(audit_phi_add_params(m,
					      (const claims_param[]){ { "email", "q1" },
								      { "email", "q2" } },
					      2),
			 0);
	assert_int_equal(audit_phi_map_count(m), 2);
	expect_entry(m, 1, "query.email", "q1");
	audit_phi_map_free(m);
}

static void
test_map_json_and_identifier(void **state)
{
	struct audit_phi_map *m = map_of("{\"zip\": \"12345\", \"Email\": \"a@x\", \"address\": "
					 "{\"line\": \"1 Main St\"}}");
	char hz[AUDIT_PHI_HEX + 1], he[AUDIT_PHI_HEX + 1], ha[AUDIT_PHI_HEX + 1];
	char want[512], id[AUDIT_PHI_HEX + 1], want_id[AUDIT_PHI_HEX + 1];
	char *json;

	(void)state;
	h(hz, "12345");
	h(he, "a@x");
	h(ha, "{\"line\":\"1 main st\"}");
	json = audit_phi_map_json(m);
	/* Paths in byte order: "Email" < "address" < "zip". */
	snprintf(want, sizeof(want), "{\"Email\":\"%s\",\"address\":\"%s\",\"zip\":\"%s\"}", he, ha,
		 hz);
	assert_string_equal(json, want);
	assert_true(audit_phi_map_identifier(m, id));
	h(want_id, json);
	assert_string_equal(id, want_id);
	free(json);
	audit_phi_map_free(m);

	/* An empty map: {} and no identifier. */
	m = map_of("{\"status\": \"pending\"}");
	json = audit_phi_map_json(m);
	assert_string_equal(json, "{}");
	free(json);
	assert_false(audit_phi_map_identifier(m, id));
	assert_string_equal(id, "");
	audit_phi_map_free(m);
}

static void
test_no_key_records_nothing(void **state)
{
	struct audit_phi_map *m = audit_phi_map_new(NULL, 0);
	const char *doc = "{\"patient_name\": \"Jane Roe\"}";
	char id[AUDIT_PHI_HEX + 1], *json;

	(void)state;
	assert_non_null(m);
	assert_int_equal(audit_phi_add_json(m, doc, strlen(doc)), 0);
	assert_int_equal(audit_phi_add_params(m, (const claims_param[]){ { "ssn", "1" } }, 1), 0);
	assert_int_equal(audit_phi_map_count(m), 0);
	json = audit_phi_map_json(m);
	assert_string_equal(json, "{}");
	free(json);
	assert_false(audit_phi_map_identifier(m, id));
	audit_phi_map_free(m);
}

static void
test_not_json(void **state)
{
	struct audit_phi_map *m = audit_phi_map_new(key1, 32);

	(void)state;
	assert_int_equal(audit_phi_add_json(m, "patient=Jane", 12), 1);
	assert_int_equal(audit_phi_add_json(m, "{\"patient\": \"Jane\"} trailing", 28), 1);
	assert_int_equal(audit_phi_add_json(m, "{\"patient\": \"Jane\"", 18), 1);
	assert_int_equal(audit_phi_add_json(m, NULL, 0), 1);
	assert_int_equal(audit_phi_map_count(m), 0);
	/* Only @p len bytes are read. */
	assert_int_equal(audit_phi_add_json(m, "{\"patient\": \"Jane\"}xyz", 19), 0);
	assert_int_equal(audit_phi_map_count(m), 1);
	audit_phi_map_free(m);
}

static void
test_long_member_name(void **state)
{
	char *doc = malloc(2048), want[AUDIT_PHI_PATH_MAX + 1];
	struct audit_phi_map *m;
	size_t n;

	(void)state;
	n = (size_t)sprintf(doc, "{\"email_");
	memset(doc + n, 'k', 600);
	n += 600;
	n += (size_t)sprintf(doc + n, "\": \"x\"}");
	m = audit_phi_map_new(key1, 32);
	assert_int_equal(audit_phi_add_json(m, doc, n), 0);
	assert_int_equal(audit_phi_map_count(m), 1);
	memcpy(want, "email_", 6);
	memset(want + 6, 'k', AUDIT_PHI_PATH_MAX - 6);
	want[AUDIT_PHI_PATH_MAX] = '\0';
	expect_entry(m, 0, want, "x");
	audit_phi_map_free(m);
	free(doc);
}

static void
test_clean_path(void **state)
{
	char out[16];

	(void)state;
	audit_phi_clean_path(out, "/api/v1/claims", 10);
	assert_string_equal(out, "/api/v1/cl");
	audit_phi_clean_path(out, "/a\xff\xfe/b", 10);
	assert_string_equal(out, "/a?" "?/b");
	/* A character the limit would cut is left out whole. */
	audit_phi_clean_path(out, "/abc\xc3\xa9", 5);
	assert_string_equal(out, "/abc");
	audit_phi_clean_path(out, "/abc\xc3\xa9", 6);
	assert_string_equal(out, "/abc\xc3\xa9");
	/* Overlong forms and lone continuation bytes are not UTF-8. */
	audit_phi_clean_path(out, "\xc0\xaf\x80", 10);
	assert_string_equal(out, "???");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_vector),
		cmocka_unit_test(test_same_value_same_hash_other_key_other_hash),
		cmocka_unit_test(test_every_listed_name),
		cmocka_unit_test(test_paths_with_indices),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_cap_first_100),
		cmocka_unit_test(test_canonical_json),
		cmocka_unit_test(test_numbers_and_words),
		cmocka_unit_test(test_trim_lower_and_skips),
		cmocka_unit_test(test_duplicates_keep_first),
		cmocka_unit_test(test_map_json_and_identifier),
		cmocka_unit_test(test_no_key_records_nothing),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_long_member_name),
		cmocka_unit_test(test_clean_path),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
