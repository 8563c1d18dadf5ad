/*
 * claimsd: failed logins per user name (spec/security.md §1.1).
 *
 * Failures are counted per user name (ASCII case-insensitive) in a window
 * that opens at the first failure and lasts LOGIN_WINDOW_SECONDS.  Once
 * max_failures are counted, every further attempt in the window is refused
 * without being counted, whatever its password; a success clears the name.
 *
 * An attempt reserves its place before its password is checked and ends
 * with its outcome, so concurrent attempts cannot check more than
 * max_failures passwords per window: while failures + attempts in progress
 * reach the limit, another attempt is refused too (retry after the window,
 * or after 1 s when the window has not opened yet).
 *
 * Bounded: at most max_entries names are tracked (names are kept as keyed
 * 16-byte BLAKE2b hashes); when full, names whose window has closed are
 * dropped first, then the one whose window is oldest.  Thread-safe: one
 * mutex guards everything.
 */
#ifndef CLAIMSD_LOGIN_GUARD_H
#define CLAIMSD_LOGIN_GUARD_H

#include <stddef.h>
#include <stdint.h>

#define LOGIN_WINDOW_SECONDS 900
#define LOGIN_GUARD_MAX_ENTRIES 10000

struct login_guard;

/* Returns 0, or -1 when out of memory or libsodium cannot start. */
int login_guard_new(struct login_guard **out, long max_failures, int64_t window_seconds,
		    size_t max_entries);
void login_guard_free(struct login_guard *g);

/* Before checking a password at time @p now (Unix seconds): 0 = go ahead,
 * and end the attempt with login_guard_end(); > 0 = refused, retry after
 * that many seconds (nothing counted, nothing to end). */
int64_t login_guard_begin(struct login_guard *g, const char *username, int64_t now);

enum login_outcome {
	LOGIN_SUCCEEDED, /* clears the name */
	LOGIN_FAILED,    /* counted; opens the window when none is open */
	LOGIN_ABORTED,   /* neither (a database failure) */
};

void login_guard_end(struct login_guard *g, const char *username, enum login_outcome outcome,
		     int64_t now);

/* Names tracked now (for tests and metrics). */
size_t login_guard_size(struct login_guard *g);

#endif
