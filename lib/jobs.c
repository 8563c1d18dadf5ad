/*
 * libclaims: creating a background ingest job (claims/jobs.h).  The file
 * is read twice from its descriptor, once to hash it and once to store its
 * bytes, so memory stays bounded whatever its size; the file row and the
 * job are written in one transaction.  A sealed spool (opts->sealed) is
 * decrypted as it is read (crypt.h).
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "claims/jobs.h"
#include "crypt.h"
#include "store.h"
#include "store_jobs.h"

static bool
is_sha256_hex(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

/* A failure of @p src recorded on the handle. */
static int
source_error(claims_db *db, const struct claims__fd_source *src, int rc)
{
	if (rc == CLAIMS_EDECRYPT)
		return claims__set_error(db, rc, "cannot decrypt the spool file: %s",
					 claims__fd_source_why(src));
	if (rc == CLAIMS_ENOMEM)
		return claims__set_error(db, rc, "out of memory");
	return claims__set_error(db, rc, "cannot read the file: %s", strerror(errno));
}

/* SHA-256 of the source's plaintext, as 64 hex digits. */
static int
hash_source(claims_db *db, struct claims__fd_source *src, char sha[65])
{
	crypto_hash_sha256_state st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char *buf;
	int64_t total = 0;
	int rc;
	enum { BUF = 65536 }; /* on the heap: server threads have small stacks */

	rc = claims__fd_source_rewind(src);
	if (rc < 0)
		return source_error(db, src, rc);
	buf = claims__malloc(BUF);
	if (!buf)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	crypto_hash_sha256_init(&st);
	for (;;) {
		size_t got = 0;

		rc = claims__fd_source_read(buf, BUF, &got, src);
		if (rc < 0) {
			sodium_memzero(buf, BUF);
			claims__free(buf);
			return source_error(db, src, rc);
		}
		if (got == 0)
			break;
		crypto_hash_sha256_update(&st, buf, got);
		total += (int64_t)got;
	}
	sodium_memzero(buf, BUF);
	claims__free(buf);
	if (total != src->size)
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
	struct claims__fd_source src;
	const char *why = NULL;
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
	if (opts->sealed && !db->data_key)
		return claims__set_error(db, CLAIMS_EINVAL, "a sealed spool file needs the data key");
	if (sha256 && !is_sha256_hex(sha256))
		return claims__set_error(db, CLAIMS_EINVAL, "sha256 must be 64 lower-case hex digits");
	/* A sealed spool is read decrypted (AD "spool"); the SHA-256 and the
	 * stored bytes are the plaintext's. */
	rc = claims__fd_source_open(&src, fd, start, (int64_t)st.st_size - start,
				    opts->sealed ? db->data_key : NULL, &why);
	if (rc < 0)
		return claims__set_error(db, rc, "cannot decrypt the spool file: %s", why);
	if (sha256) {
		memcpy(sha, sha256, sizeof(sha));
	} else {
		rc = hash_source(db, &src, sha);
		if (rc < 0)
			goto out;
	}
	mode = claims_x12_mode_to_str(opts->mode);
	filename = opts->filename && *opts->filename ? opts->filename : "unknown";

	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto out;
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
			rc = claims__set_error(db, CLAIMS_EEXISTS,
					       active ? "the file already has a job"
						      : "the file is already ingested");
			goto out;
		}
		rc = claims__store_file_receive_again(db, file_id, filename, mode,
						      opts->practice_id);
	} else {
		rc = claims__fd_source_rewind(&src);
		if (rc < 0) {
			rc = source_error(db, &src, rc);
			goto fail;
		}
		rc = claims__store_file_insert(db, &file_id, sha, "received", filename, src.size,
					       mode, opts->practice_id, opts->uploaded_by,
					       claims__fd_source_read, &src);
		if (rc == CLAIMS_EDECRYPT)
			rc = source_error(db, &src, rc);
	}
	if (rc == CLAIMS_OK)
		rc = claims__store_job_insert(db, job_out, file_id, claims_ingest_expect_to_str(expect));
	if (rc < 0)
		goto fail;
	rc = claims__commit(db);
	if (rc < 0) {
		*job_out = 0;
		goto out;
	}
	if (file_out)
		*file_out = file_id;
	rc = CLAIMS_OK;
	goto out;
fail:
	claims__rollback(db);
	*job_out = 0;
out:
	claims__fd_source_close(&src);
	return rc;
}
