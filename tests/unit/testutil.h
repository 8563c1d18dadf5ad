/* Small helpers shared by the unit tests. */
#ifndef CLAIMS_TESTUTIL_H
#define CLAIMS_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#include "internal.h"

/* A fresh temporary directory per test; removed by tu_tmpdir_free(). */
static inline char *
tu_tmpdir(void)
{
	char tmpl[] = "/tmp/claims-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	return strdup(dir);
}

static inline void
tu_tmpdir_free(char *dir)
{
	char cmd[512];

	if (!dir)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(dir);
}

static inline char *
tu_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	assert_non_null(p);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* The single integer answer of a query, failing the test on error. */
static inline int64_t
tu_query_int(claims_db *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

/* The single text answer of a query (malloc'd, "" for NULL), failing the test on error. */
static inline char *
tu_query_text(claims_db *db, const char *sql)
{
	sqlite3_stmt *stmt = NULL;
	const unsigned char *t;
	char *v;

	assert_int_equal(sqlite3_prepare_v2(db->sql, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	t = sqlite3_column_text(stmt, 0);
	v = strdup(t ? (const char *)t : "");
	assert_non_null(v);
	sqlite3_finalize(stmt);
	return v;
}

static inline void
tu_exec(claims_db *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &err);

	if (rc != SQLITE_OK)
		fail_msg("SQL failed: %s\n%s", err ? err : "?", sql);
}

/* Append n bytes to a growable NUL-terminated text (*s, *len, *cap). */
static inline void
tu_text_put(char **s, size_t *len, size_t *cap, const char *p, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*s = realloc(*s, *cap);
		assert_non_null(*s);
	}
	memcpy(*s + *len, p, n);
	*len += n;
	(*s)[*len] = '\0';
}

/* printf into a growable text; output past 1023 bytes is cut. */
static inline void tu_text_printf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void
tu_text_printf(char **s, size_t *len, size_t *cap, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tu_text_put(s, len, cap, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Source tree root (set by tests/meson.build), or "." */
static inline const char *
tu_source_root(void)
{
	const char *root = getenv("CLAIMS_SOURCE_ROOT");
	return root ? root : ".";
}

#endif
