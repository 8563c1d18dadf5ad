/*
 * libclaims: creating a background ingest job (claims/jobs.h).  The file
 * is read twice from its descriptor, once to hash it and once to store its
 * bytes, so memory stays bounded whatever its size; the file row and the
 * job are written in one transaction.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "claims/jobs.h"
#include "store.h"
#include "store_jobs.h"

struct fd_source {
	int fd;
	int64_t left; /* bytes still to read; the size fstat reported */
};

static int
fd_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct fd_source *src = payload;
	ssize_t n;

	*got = 0;
	if (src->left <= 0)
		return CLAIMS_OK;
	if ((int64_t)len > src->left)
		len = (size_t)src->left;
	do {
		n = read(src->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return CLAIMS_EIO;
	src->left -= n;
	*got = (size_t)n;
	return CLAIMS_OK;
}

static bool
is_sha256_hex(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

/* SHA-256 of the @p size bytes from @p start, as 64 hex digits. */
static int
hash_fd(claims_db *db, int fd, int64_t start, int64_t size, char sha[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char *buf;
	struct fd_source src = { fd, size };
	enum { BUF = 65536 }; /* on the heap: server threads have small stacks */

	if (lseek(fd, start, SEEK_SET) < 0)
		return claims__set_error(db, CLAIMS_EIO, "cannot read the file: %s", strerror(errno));
	buf = claims__malloc(BUF);
	if (!buf)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	crypto_hash_sha256_init(&st);
	for (;;) {
		size_t got = 0;

		if (fd_read(buf, BUF, &got, &src) < 0) {
			claims__free(buf);
			return claims__set_error(db, CLAIMS_EIO, "cannot read the file: %s",
						 strerror(errno));
		}
		if (got == 0)
			break;
		crypto_hash_sha256_update(&st, buf, got);
	}
	claims__free(buf);
	if (src.left != 0)
		return claims__set_error(db, CLAIMS_EIO, "the file changed while it was read");
	crypto_hash_sha256_final(&st, digest);
	sodium_bin2hex(sha, 65, digest, sizeof(digest));
	return CLAIMS_OK;
}

int
claims_job_create(int64_t *job_out, int64_t *file_out, claims_db *db, int fd,
		  const char *sha256, claims_ingest_expect expect, const claims_ingest_options *opts)
{
	static const claims_ingest_options defaults = CLAIMS_INGEST_OPTIONS_INIT;
	struct claims__file_row row;
	struct fd_source src;
	struct stat st;
	const char *mode, *filename;
	int64_t start, file_id = 0, active = 0;
	char sha[65];
	bool found;
	int rc;

	if (!job_out)
		return CLAIMS_EINVAL;
	*job_out = 0;
	if (file_out)
		*file_out = 0;
	if (!opts)
		opts = &defaults;
	if (!db || fd < 0 || !claims_ingest_expect_to_str(expect) || opts->version != CLAIMS_INGEST_OPTIONS_VERSION ||
	    (opts->mode != CLAIMS_X12_TOLERANT && opts->mode != CLAIMS_X12_STRICT))
		return CLAIMS_EINVAL;
	if (sodium_init() < 0)
		return claims__set_error(db, CLAIMS_ERROR, "libsodium cannot start");
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return claims__set_error(db, CLAIMS_EINVAL, "a job needs a regular file");
	start = lseek(fd, 0, SEEK_CUR);
	if (start < 0 || start > (int64_t)st.st_size)
		return claims__set_error(db, CLAIMS_EIO, "cannot read the file");
	src.fd = fd;
	src.left = (int64_t)st.st_size - start;
	if (sha256) {
		if (!is_sha256_hex(sha256))
			return claims__set_error(db, CLAIMS_EINVAL,
						 "sha256 must be 64 lower-case hex digits");
		memcpy(sha, sha256, sizeof(sha));
	} else {
		rc = hash_fd(db, fd, start, src.left, sha);
		if (rc < 0)
			return rc;
	}
	mode = claims_x12_mode_to_str(opts->mode);
	filename = opts->filename && *opts->filename ? opts->filename : "unknown";

	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = claims__store_file_find(db, sha, &found, &row);
	if (rc < 0)
		goto fail;
	claims__free(row.counts_json);
	if (found) {
		file_id = row.id;
		rc = claims__store_job_active_for_file(db, file_id, &active);
		if (rc < 0)
			goto fail;
		if (strcmp(row.status, "ingested") == 0 || active) {
			claims__rollback(db);
			*job_out = active;
			if (file_out)
				*file_out = file_id;
			return claims__set_error(db, CLAIMS_EEXISTS,
						 active ? "the file already has a job"
							: "the file is already ingested");
		}
		rc = claims__store_file_receive_again(db, file_id, filename, mode,
						      opts->practice_id);
	} else {
		if (lseek(fd, start, SEEK_SET) < 0) {
			rc = claims__set_error(db, CLAIMS_EIO, "cannot re-read the file");
			goto fail;
		}
		rc = claims__store_file_insert(db, &file_id, sha, "received", filename, src.left,
					       mode, opts->practice_id, opts->uploaded_by, fd_read,
					       &src);
	}
	if (rc == CLAIMS_OK)
		rc = claims__store_job_insert(db, job_out, file_id, claims_ingest_expect_to_str(expect));
	if (rc < 0)
		goto fail;
	rc = claims__commit(db);
	if (rc < 0) {
		*job_out = 0;
		return rc;
	}
	if (file_out)
		*file_out = file_id;
	return CLAIMS_OK;
fail:
	claims__rollback(db);
	*job_out = 0;
	return rc;
}
