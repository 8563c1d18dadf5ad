/*
 * Secrets from the environment or a key file (apps/common/secrets.c,
 * security.md §2): which text is hex and which base64 or base64url,
 * padding optional, all-equal and change-me values refused, length bounds,
 * and the key file's rules (owner-only mode, both forms set refused, one
 * trailing newline allowed).  Messages name the variable, never the value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "secrets.h"

/* The 32 bytes 0x00, 0x01, ..., 0x1f in each encoding. */
static const char seq_hex[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
static const char seq_b64[] = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/* 0xfb 0xff 0xbf repeated: base64 '+' and '/' versus base64url '-' and '_'. */
static const char std_b64[] = "+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/+/"; /* 44 chars */
static const char url_b64[] = "-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_-_";

static int
decode(struct secret *s, const char *text, size_t min, size_t max, char *err, size_t errlen)
{
	return secret_decode(s, "TEST_KEY", text, strlen(text), min, max, err, errlen);
}

static void
assert_seq(const struct secret *s)
{
	assert_non_null(s->bytes);
	assert_int_equal(s->len, 32);
	for (size_t i = 0; i < 32; i++)
		assert_int_equal(s->bytes[i], i);
}

static void
test_hex_or_base64(void **state)
{
	struct secret s;
	char err[256], upper[sizeof(seq_hex)];

	(void)state;
	assert_int_equal(decode(&s, seq_hex, 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	assert_null(s.bytes);
	/* Upper-case hex is hex too. */
	for (size_t i = 0; i < sizeof(seq_hex); i++)
		upper[i] = (char)(seq_hex[i] >= 'a' && seq_hex[i] <= 'f' ? seq_hex[i] - 32 : seq_hex[i]);
	assert_int_equal(decode(&s, upper, 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	/* Base64 with and without its padding. */
	assert_int_equal(decode(&s, seq_b64, 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	{
		char unpadded[sizeof(seq_b64)];

		memcpy(unpadded, seq_b64, sizeof(seq_b64));
		unpadded[strlen(unpadded) - 1] = '\0';
		assert_int_equal(decode(&s, unpadded, 32, 64, err, sizeof(err)), 0);
		assert_seq(&s);
		secret_free(&s);
	}
	/* Standard and URL-safe alphabets give the same bytes. */
	{
		struct secret u;

		assert_int_equal(decode(&s, std_b64, 32, 64, err, sizeof(err)), 0);
		assert_int_equal(decode(&u, url_b64, 32, 64, err, sizeof(err)), 0);
		assert_int_equal(s.len, 33);
		assert_int_equal(u.len, 33);
		assert_memory_equal(s.bytes, u.bytes, 33);
		assert_int_equal(s.bytes[0], 0xfb);
		secret_free(&s);
		secret_free(&u);
	}
	/* 62 hex digits are not "hex of length >= 64": read as base64 (the
	 * last character, A, leaves the unused bits zero). */
	{
		char short_hex[80];

		snprintf(short_hex, sizeof(short_hex), "%.60s0A", seq_hex);
		assert_int_equal(strlen(short_hex), 62);
		assert_int_equal(decode(&s, short_hex, 32, 64, err, sizeof(err)), 0);
		assert_int_equal(s.len, 46);
		secret_free(&s);
	}
	/* 66 hex digits are hex: 33 bytes. */
	{
		char longer[80];

		snprintf(longer, sizeof(longer), "%s20", seq_hex);
		assert_int_equal(decode(&s, longer, 32, 64, err, sizeof(err)), 0);
		assert_int_equal(s.len, 33);
		assert_int_equal(s.bytes[32], 0x20);
		secret_free(&s);
	}
	/* 65 hex digits: odd, so base64, and 65 characters are not base64. */
	{
		char odd[80];

		snprintf(odd, sizeof(odd), "%s2", seq_hex);
		assert_int_equal(decode(&s, odd, 32, 64, err, sizeof(err)), -1);
		assert_string_equal(err, "TEST_KEY is not valid hex or base64");
		assert_null(s.bytes);
	}
}

static void
test_refusals(void **state)
{
	struct secret s;
	char err[256];

	(void)state;
	/* Mixed alphabets, junk, spaces, too much padding, nothing. */
	assert_int_equal(decode(&s, "+/-_+/-_+/-_+/-_+/-_+/-_+/-_+/-_+/-_+/-_+/-_", 32, 64, err,
				sizeof(err)), -1);
	assert_string_equal(err, "TEST_KEY is not valid hex or base64");
	assert_int_equal(decode(&s, "not base64 at all, is it? not base64 at all!!", 32, 64, err,
				sizeof(err)), -1);
	assert_int_equal(decode(&s, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8===", 32, 64, err,
				sizeof(err)), -1);
	assert_int_equal(decode(&s, "", 32, 64, err, sizeof(err)), -1);
	assert_null(s.bytes);
	/* All bytes equal, in either encoding. */
	assert_int_equal(decode(&s, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", 32, 64, err,
				sizeof(err)), -1);
	assert_string_equal(err, "TEST_KEY is refused: all its bytes are equal");
	assert_int_equal(decode(&s,
				"abababababababababababababababababababababababababababababababab",
				32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_KEY is refused: all its bytes are equal");
	/* A placeholder. */
	assert_int_equal(decode(&s, "change-me-to-a-real-secret-of-forty-four-chars", 32, 64, err,
				sizeof(err)), -1);
	assert_string_equal(err, "TEST_KEY is a placeholder (starts with change-me)");
	assert_int_equal(decode(&s, "change-me", 1, 64, err, sizeof(err)), -1);
	/* Lengths: 31 bytes are too few, 32 to 64 fine, 65 too many. */
	{
		unsigned char bytes[65];
		char text[200];

		for (size_t i = 0; i < sizeof(bytes); i++)
			bytes[i] = (unsigned char)(i * 7 + 1);
		sodium_bin2base64(text, sizeof(text), bytes, 31, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(decode(&s, text, 32, 64, err, sizeof(err)), -1);
		assert_string_equal(err, "TEST_KEY must decode to 32..64 bytes (got 31)");
		assert_null(strstr(err, text));
		sodium_bin2base64(text, sizeof(text), bytes, 64, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(decode(&s, text, 32, 64, err, sizeof(err)), 0);
		assert_int_equal(s.len, 64);
		secret_free(&s);
		sodium_bin2base64(text, sizeof(text), bytes, 65, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(decode(&s, text, 32, 64, err, sizeof(err)), -1);
		assert_string_equal(err, "TEST_KEY must decode to 32..64 bytes (got 65)");
		sodium_bin2base64(text, sizeof(text), bytes, 33, sodium_base64_VARIANT_ORIGINAL);
		assert_int_equal(decode(&s, text, 32, 32, err, sizeof(err)), -1);
		assert_string_equal(err, "TEST_KEY must decode to exactly 32 bytes (got 33)");
	}
}

/* ------------------------------------------------------------ variables */

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/claims-secrets-XXXXXX");
	assert_non_null(mkdtemp(dir));
	unsetenv("TEST_SECRET");
	unsetenv("TEST_SECRET_FILE");
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	unsetenv("TEST_SECRET");
	unsetenv("TEST_SECRET_FILE");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static char *
key_file(const char *name, const char *content, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_variable(void **state)
{
	struct secret s = { (unsigned char *)1, 1 };
	char err[256];

	(void)state;
	/* Neither set: no secret, no error. */
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	assert_null(s.bytes);
	assert_int_equal(s.len, 0);
	/* Empty counts as not set. */
	setenv("TEST_SECRET", "", 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	assert_null(s.bytes);
	setenv("TEST_SECRET", seq_b64, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	setenv("TEST_SECRET", "change-me", 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET is a placeholder (starts with change-me)");
}

static void
test_file(void **state)
{
	struct secret s;
	char err[256], text[128];
	const char *path;

	(void)state;
	/* Owner-only, with one trailing newline. */
	snprintf(text, sizeof(text), "%s\n", seq_hex);
	path = key_file("k1", text, 0600);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	/* Without a newline, and with CR LF. */
	path = key_file("k2", seq_b64, 0400);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	assert_seq(&s);
	secret_free(&s);
	snprintf(text, sizeof(text), "%s\r\n", seq_b64);
	path = key_file("k3", text, 0600);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), 0);
	secret_free(&s);
	/* Two newlines: the second is part of the value, which is then junk. */
	snprintf(text, sizeof(text), "%s\n\n", seq_hex);
	path = key_file("k4", text, 0600);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET_FILE is not valid hex or base64");
	/* Group- or world-readable: refused. */
	path = key_file("k5", seq_b64, 0644);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET_FILE: the key file is readable by group or others "
				 "(chmod 600)");
	assert_null(s.bytes);
	path = key_file("k6", seq_b64, 0640);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	path = key_file("k7", seq_b64, 0602);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	/* Missing file, a directory, a symbolic link. */
	snprintf(text, sizeof(text), "%s/none", dir);
	setenv("TEST_SECRET_FILE", text, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET_FILE: cannot open the key file: No such file or "
				 "directory");
	setenv("TEST_SECRET_FILE", dir, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET_FILE: the key file is not a regular file");
	path = key_file("k8", seq_b64, 0600);
	snprintf(text, sizeof(text), "%s/link", dir);
	assert_int_equal(symlink(path, text), 0);
	setenv("TEST_SECRET_FILE", text, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	/* The value's rules apply to the file's text; messages never show it. */
	path = key_file("k9", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", 0600);
	setenv("TEST_SECRET_FILE", path, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET_FILE is refused: all its bytes are equal");
	/* Both set: refused, whatever the values. */
	path = key_file("k10", seq_b64, 0600);
	setenv("TEST_SECRET_FILE", path, 1);
	setenv("TEST_SECRET", seq_hex, 1);
	assert_int_equal(secret_load(&s, "TEST_SECRET", 32, 64, err, sizeof(err)), -1);
	assert_string_equal(err, "TEST_SECRET and TEST_SECRET_FILE are both set; set one");
	assert_null(s.bytes);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: loading a key file must not need libsodium started by
		 * anything else (sodium_malloc aborts before sodium_init). */
		cmocka_unit_test_setup_teardown(test_file, setup, teardown),
		cmocka_unit_test(test_hex_or_base64),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test_setup_teardown(test_variable, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
