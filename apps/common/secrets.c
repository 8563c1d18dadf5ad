/* Secrets from the environment or a key file (spec/security.md §2). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "secrets.h"

/* A key file is a line or two of text; anything larger is not a key. */
#define SECRET_FILE_MAX 4096

static bool
is_hex_key(const char *t, size_t n)
{
	if (n < 64 || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f') ||
		      (t[i] >= 'A' && t[i] <= 'F')))
			return false;
	return true;
}

int
secret_decode(struct secret *s, const char *what, const char *text, size_t len, size_t min_len,
	      size_t max_len, char *err, size_t errlen)
{
	size_t cap = len, n = 0;
	unsigned char *buf;
	int rc;

	s->bytes = NULL;
	s->len = 0;
	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium cannot start", what);
		return -1;
	}
	if (len >= 9 && memcmp(text, "change-me", 9) == 0) {
		snprintf(err, errlen, "%s is a placeholder (starts with change-me)", what);
		return -1;
	}
	buf = sodium_malloc(cap ? cap : 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	if (is_hex_key(text, len)) {
		rc = sodium_hex2bin(buf, cap, text, len, NULL, &n, NULL);
	} else {
		/* base64 or base64url: padding is optional, so strip it and
		 * decode with the unpadded variant the alphabet names. */
		int variant = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
		size_t m = len;

		for (size_t i = 0; i < len; i++)
			if (text[i] == '-' || text[i] == '_')
				variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;

		while (m > 0 && text[m - 1] == '=' && len - m < 2)
			m--;
		rc = m ? sodium_base642bin(buf, cap, text, m, NULL, &n, NULL, variant) : -1;
	}
	if (rc != 0 || n == 0) {
		sodium_free(buf);
		snprintf(err, errlen, "%s is not valid hex or base64", what);
		return -1;
	}
	if (n < min_len || n > max_len) {
		sodium_free(buf);
		if (min_len == max_len)
			snprintf(err, errlen, "%s must decode to exactly %zu bytes (got %zu)", what,
				 min_len, n);
		else
			snprintf(err, errlen, "%s must decode to %zu..%zu bytes (got %zu)", what,
				 min_len, max_len, n);
		return -1;
	}
	{
		size_t i = 1;

		while (i < n && buf[i] == buf[0])
			i++;
		if (i == n) {
			sodium_free(buf);
			snprintf(err, errlen, "%s is refused: all its bytes are equal", what);
			return -1;
		}
	}
	s->bytes = buf;
	s->len = n;
	return 0;
}

/* Read the key file @p path into @p text (NUL-terminated), with the checks of
 * security.md §2. */
static int
read_key_file(const char *var, const char *path, char *text, size_t cap, size_t *len, char *err,
	      size_t errlen)
{
	struct stat st;
	ssize_t got;
	size_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open the key file: %s", var, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(err, errlen, "%s: the key file is not a regular file", var);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		snprintf(err, errlen, "%s: the key file is not owned by this user", var);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		snprintf(err, errlen, "%s: the key file is readable by group or others (chmod 600)",
			 var);
		return -1;
	}
	while ((got = read(fd, text + n, cap - 1 - n)) > 0) {
		n += (size_t)got;
		if (n == cap - 1)
			break;
	}
	close(fd);
	if (got < 0 || n == cap - 1) {
		snprintf(err, errlen, "%s: the key file cannot be read or is too large", var);
		return -1;
	}
	if (n > 0 && text[n - 1] == '\n')
		n--;
	if (n > 0 && text[n - 1] == '\r')
		n--;
	text[n] = '\0';
	*len = n;
	return 0;
}

int
secret_load(struct secret *s, const char *name, size_t min_len, size_t max_len, char *err,
	    size_t errlen)
{
	char file_var[128];
	const char *value = getenv(name), *file;
	int rc;

	s->bytes = NULL;
	s->len = 0;
	/* sodium_malloc() below aborts before libsodium is initialised. */
	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium cannot start", name);
		return -1;
	}
	snprintf(file_var, sizeof(file_var), "%s_FILE", name);
	file = getenv(file_var);
	if (value && !*value)
		value = NULL;
	if (file && !*file)
		file = NULL;
	if (value && file) {
		snprintf(err, errlen, "%s and %s are both set; set one", name, file_var);
		return -1;
	}
	if (value)
		return secret_decode(s, name, value, strlen(value), min_len, max_len, err, errlen);
	if (!file)
		return 0;
	/* sodium_malloc needs the library started (its page size). */
	if (sodium_init() < 0) {
		snprintf(err, errlen, "%s: libsodium cannot start", file_var);
		return -1;
	}
	{
		char *text = sodium_malloc(SECRET_FILE_MAX);
		size_t len = 0;

		if (!text) {
			snprintf(err, errlen, "%s: out of memory", file_var);
			return -1;
		}
		rc = read_key_file(file_var, file, text, SECRET_FILE_MAX, &len, err, errlen);
		if (rc == 0)
			rc = secret_decode(s, file_var, text, len, min_len, max_len, err, errlen);
		sodium_free(text); /* wipes */
	}
	return rc;
}

void
secret_free(struct secret *s)
{
	if (s->bytes)
		sodium_free(s->bytes);
	s->bytes = NULL;
	s->len = 0;
}
