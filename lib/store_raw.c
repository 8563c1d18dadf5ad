/*
 * libclaims store: raw EDI read back (claims/raw.h, claims_file_copy_to_fd,
 * claims_file_copy_to_spool), decrypted where it was stored encrypted
 * (crypt.h, spec/security.md §5).
 *
 * Nothing of a stream that fails is exposed:
 *  - claims_raw_get() opens the whole value into a private buffer and
 *    returns it only when every chunk and the end verified;
 *  - claims_file_copy_to_fd() reads an encrypted file twice inside one
 *    read transaction: the first pass authenticates every chunk and the
 *    final tag and discards the bytes, the second writes them.  Checking
 *    first works for any descriptor (a pipe cannot be truncated back) and
 *    costs one more decryption, about a millisecond per MiB;
 *  - claims_file_copy_to_spool() writes a sealed spool, which a failure
 *    leaves without its final chunk, so it never reads back.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "claims/jobs.h"
#include "claims/raw.h"
#include "crypt.h"
#include "store.h"

/* ---- a stored file's bytes, in order */

struct file_reader {
	claims_db *db;
	int64_t id;
	sqlite3_stmt *s;
	const unsigned char *p; /* the rest of the current row */
	size_t n;
	bool rows_done;
	bool sealed;
	struct claims__crypt_reader rd;
	bool rd_open;
};

/* A claims__crypt_source over the rows as stored. */
static int
rows_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct file_reader *r = payload;
	size_t k;

	*got = 0;
	while (r->n == 0 && !r->rows_done) {
		int rc = sqlite3_step(r->s);

		if (rc == SQLITE_DONE) {
			r->rows_done = true;
			break;
		}
		if (rc != SQLITE_ROW)
			return claims__step_error(r->db, r->s, rc, "reading the file's bytes");
		r->p = sqlite3_column_blob(r->s, 0);
		r->n = (size_t)sqlite3_column_bytes(r->s, 0);
	}
	k = r->n < len ? r->n : len;
	if (k)
		memcpy(buf, r->p, k);
	r->p += k;
	r->n -= k;
	*got = k;
	return CLAIMS_OK;
}

/* Whether file @p file_id is stored encrypted.  CLAIMS_ENOTFOUND. */
static int
file_sealed(claims_db *db, int64_t file_id, bool *sealed)
{
	static const char sql[] = "SELECT raw_encrypted FROM ingest_files WHERE id = ?1";
	sqlite3_stmt *s;
	bool found;
	int rc;

	*sealed = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, file_id);
	rc = claims__step_one(db, s, "looking up the file", &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "File not found (id: %lld)",
					 (long long)file_id);
	*sealed = sqlite3_column_int(s, 0) != 0;
	sqlite3_reset(s);
	return CLAIMS_OK;
}

static int
file_reader_open(struct file_reader *r, claims_db *db, int64_t id)
{
	static const char rows[] =
		"SELECT data FROM ingest_file_chunks WHERE ingest_file_id = ?1 ORDER BY seq";
	int rc;

	memset(r, 0, sizeof(*r));
	r->db = db;
	r->id = id;
	rc = file_sealed(db, id, &r->sealed);
	if (rc < 0)
		return rc;
	if (r->sealed && !db->data_key)
		return claims__set_error(db, CLAIMS_EDECRYPT,
					 "ingest file %lld is encrypted and no data key (DATA_KEY) "
					 "was given",
					 (long long)id);
	rc = claims__stmt(&r->s, db, rows);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(r->s, 1, id);
	if (!r->sealed)
		return CLAIMS_OK;
	r->rd_open = true;
	rc = claims__crypt_reader_init(&r->rd, db->data_key, CLAIMS__AD_FILE, rows_read, r);
	if (rc == CLAIMS_EDECRYPT)
		return claims__set_error(db, rc, "cannot decrypt ingest file %lld: %s",
					 (long long)id, r->rd.why);
	if (rc == CLAIMS_ENOMEM)
		return claims__set_error(db, rc, "out of memory");
	return rc;
}

/* The plaintext, in order; *got 0 at the (verified) end. */
static int
file_reader_read(struct file_reader *r, void *buf, size_t len, size_t *got)
{
	int rc;

	if (!r->sealed)
		return rows_read(buf, len, got, r);
	rc = claims__crypt_reader_read(&r->rd, buf, len, got);
	if (rc == CLAIMS_EDECRYPT)
		return claims__set_error(r->db, rc, "cannot decrypt ingest file %lld: %s",
					 (long long)r->id, r->rd.why);
	return rc;
}

static void
file_reader_close(struct file_reader *r)
{
	if (r->rd_open)
		claims__crypt_reader_clear(&r->rd);
	r->rd_open = false;
	if (r->s)
		sqlite3_reset(r->s);
	r->s = NULL;
}

static int
write_all(claims_db *db, int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return claims__set_error(db, CLAIMS_EIO, "cannot write the file: %s",
						 strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return CLAIMS_OK;
}

/* Pass @p file_id's plaintext to @p put, or with @p put NULL only check it. */
static int
file_each(claims_db *db, int64_t file_id, int (*put)(const unsigned char *, size_t, void *),
	  void *payload)
{
	struct file_reader r;
	unsigned char *buf;
	int rc;
	enum { BUF = 65536 }; /* on the heap: server threads have small stacks */

	buf = claims__malloc(BUF);
	if (!buf)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = file_reader_open(&r, db, file_id);
	while (rc == CLAIMS_OK) {
		size_t got = 0;

		rc = file_reader_read(&r, buf, BUF, &got);
		if (rc < 0 || got == 0)
			break;
		if (put)
			rc = put(buf, got, payload);
	}
	file_reader_close(&r);
	sodium_memzero(buf, BUF);
	claims__free(buf);
	return rc;
}

struct fd_put {
	claims_db *db;
	int fd;
};

static int
fd_put(const unsigned char *p, size_t n, void *payload)
{
	struct fd_put *f = payload;

	return write_all(f->db, f->fd, p, n);
}

int
claims_file_copy_to_fd(claims_db *db, int64_t file_id, int fd)
{
	struct fd_put f = { db, fd };
	bool own_txn, sealed = false;
	int rc;

	if (!db || fd < 0)
		return CLAIMS_EINVAL;
	/* One snapshot for both passes. */
	own_txn = sqlite3_get_autocommit(db->sql) != 0;
	if (own_txn) {
		rc = claims__exec(db, "BEGIN");
		if (rc < 0)
			return rc;
	}
	rc = file_sealed(db, file_id, &sealed);
	if (rc == CLAIMS_OK && sealed)
		rc = file_each(db, file_id, NULL, NULL); /* authenticate it all first */
	if (rc == CLAIMS_OK)
		rc = file_each(db, file_id, fd_put, &f);
	if (own_txn)
		(void)sqlite3_exec(db->sql, "COMMIT", NULL, NULL, NULL);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

static int
spool_put(const unsigned char *p, size_t n, void *payload)
{
	claims_spool_writer *w = payload;

	return claims_spool_writer_write(w, p, n);
}

int
claims_file_copy_to_spool(claims_db *db, int64_t file_id, int fd)
{
	claims_spool_writer *w = NULL;
	int rc;

	if (!db || fd < 0)
		return CLAIMS_EINVAL;
	rc = claims_spool_writer_new(&w, db, fd);
	if (rc == CLAIMS_OK)
		rc = file_each(db, file_id, spool_put, w);
	if (rc == CLAIMS_OK)
		rc = claims_spool_writer_finish(w);
	claims_spool_writer_free(w);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

/* ---- claims.raw_edi, claim_history.raw_edi, remittances.raw_edi */

const char *
claims_raw_source_to_str(claims_raw_source src)
{
	switch (src) {
	case CLAIMS_RAW_CLAIM: return "claim";
	case CLAIMS_RAW_CLAIM_HISTORY: return "claim_history";
	case CLAIMS_RAW_REMITTANCE: return "remittance";
	}
	return NULL;
}

int
claims_raw_get(void **out, size_t *len_out, claims_db *db, claims_raw_source src, int64_t id)
{
	static const char q_claim[] = "SELECT raw_edi, raw_encrypted FROM claims WHERE id = ?1";
	static const char q_hist[] =
		"SELECT raw_edi, raw_encrypted FROM claim_history WHERE id = ?1";
	static const char q_remit[] =
		"SELECT raw_edi, raw_encrypted FROM remittances WHERE id = ?1";
	const char *sql, *ad, *what;
	const unsigned char *data;
	unsigned char *copy = NULL;
	sqlite3_stmt *s;
	size_t n, plain_len = 0;
	bool found, sealed;
	const char *why = NULL;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (len_out)
		*len_out = 0;
	if (!db || !len_out)
		return CLAIMS_EINVAL;
	switch (src) {
	case CLAIMS_RAW_CLAIM:
		sql = q_claim, ad = CLAIMS__AD_CLAIM, what = "Claim";
		break;
	case CLAIMS_RAW_CLAIM_HISTORY:
		sql = q_hist, ad = CLAIMS__AD_CLAIM_HISTORY, what = "Claim history entry";
		break;
	case CLAIMS_RAW_REMITTANCE:
		sql = q_remit, ad = CLAIMS__AD_REMITTANCE, what = "Remittance";
		break;
	default:
		return claims__set_error(db, CLAIMS_EINVAL, "unknown raw EDI source");
	}
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading raw EDI", &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "%s not found (id: %lld)", what,
					 (long long)id);
	data = sqlite3_column_blob(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	sealed = sqlite3_column_int(s, 1) != 0;
	if (sqlite3_column_type(s, 0) == SQLITE_NULL) {
		sqlite3_reset(s);
		return claims__set_error(db, CLAIMS_ENOTFOUND, "%s %lld has no raw EDI", what,
					 (long long)id);
	}
	if (sealed && !db->data_key) {
		sqlite3_reset(s);
		return claims__set_error(db, CLAIMS_EDECRYPT,
					 "the raw EDI of %s %lld is encrypted and no data key "
					 "(DATA_KEY) was given",
					 claims_raw_source_to_str(src), (long long)id);
	}
	if (sealed) {
		rc = claims__crypt_open(&copy, &plain_len, db->data_key, ad, data, n, &why);
	} else {
		copy = claims__malloc(n ? n : 1);
		rc = copy ? CLAIMS_OK : CLAIMS_ENOMEM;
		if (copy && n)
			memcpy(copy, data, n);
		plain_len = n;
	}
	sqlite3_reset(s);
	if (rc == CLAIMS_EDECRYPT)
		return claims__set_error(db, rc, "cannot decrypt the raw EDI of %s %lld: %s",
					 claims_raw_source_to_str(src), (long long)id, why);
	if (rc < 0)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	claims__clear_error(db);
	*out = copy;
	*len_out = plain_len;
	return CLAIMS_OK;
}

void
claims_raw_free(void *raw)
{
	claims__free(raw);
}
