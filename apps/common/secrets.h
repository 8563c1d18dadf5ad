/*
 * Secrets from the environment or a key file (spec/security.md §2), shared by
 * both programs: JWT_SECRET_KEY, PHI_HASH_KEY, DATA_KEY.
 *
 * A value made only of hex digits, of even length >= 64, is hex; any other
 * value is base64 or base64url, padding optional.  Refused: a value that
 * does not decode, one whose bytes are all equal, one starting with
 * "change-me", and a length outside the caller's bounds.  NAME_FILE names a
 * regular file owned by this process's user with no group or other
 * permission bits, holding the same encoding (one trailing newline allowed);
 * setting both NAME and NAME_FILE is refused.
 *
 * The bytes live in libsodium's guarded memory and are wiped by
 * secret_free().  Messages name the variable, never the value.
 */
#ifndef CLAIMS_APP_SECRETS_H
#define CLAIMS_APP_SECRETS_H

#include <stdbool.h>
#include <stddef.h>

struct secret {
	unsigned char *bytes; /* NULL when not configured */
	size_t len;
};

/*
 * Decode @p text (@p len bytes) into @p s.  Returns 0, or -1 with the reason
 * ("<what> is not valid hex or base64", ...) in @p err; @p what names the
 * value in messages.
 */
int secret_decode(struct secret *s, const char *what, const char *text, size_t len,
		  size_t min_len, size_t max_len, char *err, size_t errlen);

/*
 * Load the variable @p name or the file named by @p name + "_FILE".  Neither
 * set: returns 0 with s->bytes NULL.  Returns 0 with the decoded bytes, or -1
 * with the problem in @p err.
 */
int secret_load(struct secret *s, const char *name, size_t min_len, size_t max_len, char *err,
		size_t errlen);

/* Wipe and release; safe on an empty secret. */
void secret_free(struct secret *s);

#endif
