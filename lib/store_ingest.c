/* libclaims store: ingest_files and parser_logs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crypt.h"
#include "jsonw.h"
#include "store.h"

int
claims__store_file_find(claims_db *db, const char *sha256, bool *found, struct claims__file_row *row)
{
	static const char sql[] = "SELECT id, status, counts, coalesce(detected_type, 'unknown') "
				  "FROM ingest_files WHERE sha256 = ?1";
	sqlite3_stmt *s;
	int rc;

	*found = false;
	memset(row, 0, sizeof(*row));
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*found = true;
		row->id = sqlite3_column_int64(s, 0);
		snprintf(row->status, sizeof(row->status), "%s", sqlite3_column_text(s, 1));
		row->counts_json = claims__strdup((const char *)sqlite3_column_text(s, 2));
		snprintf(row->detected_type, sizeof(row->detected_type), "%s",
			 sqlite3_column_text(s, 3));
		rc = row->counts_json ? CLAIMS_OK : claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	} else if (rc == SQLITE_DONE) {
		rc = CLAIMS_OK;
	} else {
		rc = claims__sqlite_error(db, rc, "looking up the file");
	}
	sqlite3_reset(s);
	return rc;
}

/*
 * The file's bytes go to ingest_file_chunks, rows of at most 1 MiB written
 * once and never updated (sql/0008), so memory stays bounded by one row
 * whatever the file size.  With the handle's data key the rows hold one
 * sealed stream of the whole file (crypt.h: AD "ingest_file_chunks.data"),
 * cut into rows as the plaintext was, and the file row says
 * raw_encrypted = 1.
 */
enum { FILE_CHUNK_BYTES = 1 << 20 };

struct rows {
	claims_db *db;
	sqlite3_stmt *s;
	int64_t id, seq;
	unsigned char *buf; /* FILE_CHUNK_BYTES */
	size_t have;
};

static int
rows_flush(struct rows *r)
{
	int rc;

	if (r->have == 0)
		return CLAIMS_OK;
	sqlite3_bind_int64(r->s, 1, r->id);
	sqlite3_bind_int64(r->s, 2, r->seq++);
	sqlite3_bind_blob(r->s, 3, r->buf, (int)r->have, SQLITE_STATIC);
	rc = claims__step_done(r->db, r->s, "storing the file's bytes");
	sqlite3_clear_bindings(r->s);
	r->have = 0;
	return rc;
}

/* A claims__crypt_sink: sealed bytes into full rows. */
static int
rows_put(const void *data, size_t len, void *payload)
{
	struct rows *r = payload;
	const unsigned char *p = data;

	while (len > 0) {
		size_t k = FILE_CHUNK_BYTES - r->have < len ? FILE_CHUNK_BYTES - r->have : len;
		int rc;

		memcpy(r->buf + r->have, p, k);
		r->have += k;
		p += k;
		len -= k;
		if (r->have == FILE_CHUNK_BYTES) {
			rc = rows_flush(r);
			if (rc < 0)
				return rc;
		}
	}
	return CLAIMS_OK;
}

/* The source is at its end (for a sealed one: its end verified). */
static int
read_end(claims_db *db, claims__blob_read_cb read_cb, void *payload)
{
	unsigned char extra;
	size_t got = 0;
	int rc = read_cb(&extra, 1, &got, payload);

	if (rc == CLAIMS_EDECRYPT)
		return rc;
	if (rc < 0 || got != 0)
		return claims__set_error(db, rc < 0 ? rc : CLAIMS_EIO,
					 "the file changed or could not be read while storing it");
	return CLAIMS_OK;
}

/* Exactly @p want bytes from @p read_cb into @p buf. */
static int
read_exactly(claims_db *db, claims__blob_read_cb read_cb, void *payload, void *buf, size_t want)
{
	size_t have = 0;

	while (have < want) {
		size_t got = 0;
		int rc = read_cb((char *)buf + have, want - have, &got, payload);

		if (rc == CLAIMS_EDECRYPT)
			return rc; /* the source recorded why */
		if (rc < 0 || got == 0)
			return claims__set_error(db, rc < 0 ? rc : CLAIMS_EIO,
						 "the file changed or could not be read "
						 "while storing it");
		have += got;
	}
	return CLAIMS_OK;
}

static int
store_file_chunks(claims_db *db, int64_t id, int64_t size, claims__blob_read_cb read_cb,
		  void *payload)
{
	static const char sql[] =
		"INSERT INTO ingest_file_chunks (ingest_file_id, seq, data) VALUES (?1, ?2, ?3)";
	struct rows rows = { .db = db, .id = id };
	struct claims__crypt_writer w;
	unsigned char *plain = NULL;
	int64_t off = 0;
	int rc;

	if (size == 0 && !db->data_key)
		return read_end(db, read_cb, payload);
	rc = claims__stmt(&rows.s, db, sql);
	if (rc < 0)
		return rc;
	rows.buf = claims__malloc(FILE_CHUNK_BYTES);
	if (!rows.buf)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	if (!db->data_key) {
		while (off < size && rc == CLAIMS_OK) {
			size_t want = (size - off) < FILE_CHUNK_BYTES ? (size_t)(size - off)
								      : FILE_CHUNK_BYTES;

			rc = read_exactly(db, read_cb, payload, rows.buf, want);
			if (rc == CLAIMS_OK) {
				rows.have = want;
				rc = rows_flush(&rows);
			}
			off += (int64_t)want;
		}
		if (rc == CLAIMS_OK)
			rc = read_end(db, read_cb, payload);
		goto out;
	}

	/* Sealed: plaintext in chunks of the stream, sealed bytes into rows. */
	plain = claims__malloc(CLAIMS__CRYPT_CHUNK);
	rc = plain ? claims__crypt_writer_init(&w, db->data_key, CLAIMS__AD_FILE, rows_put, &rows)
		   : CLAIMS_ENOMEM;
	while (rc == CLAIMS_OK && off < size) {
		size_t want = (size - off) < CLAIMS__CRYPT_CHUNK ? (size_t)(size - off)
								 : CLAIMS__CRYPT_CHUNK;

		rc = read_exactly(db, read_cb, payload, plain, want);
		if (rc == CLAIMS_OK)
			rc = claims__crypt_writer_write(&w, plain, want);
		off += (int64_t)want;
	}
	if (rc == CLAIMS_OK)
		rc = read_end(db, read_cb, payload);
	if (rc == CLAIMS_OK)
		rc = claims__crypt_writer_finish(&w);
	if (rc == CLAIMS_OK)
		rc = rows_flush(&rows);
	if (plain)
		claims__crypt_writer_clear(&w);
	if (rc == CLAIMS_ENOMEM)
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
out:
	if (plain) {
		sodium_memzero(plain, CLAIMS__CRYPT_CHUNK);
		claims__free(plain);
	}
	sodium_memzero(rows.buf, FILE_CHUNK_BYTES);
	claims__free(rows.buf);
	return rc;
}

int
claims__store_file_insert(claims_db *db, int64_t *id_out, const char *sha256, const char *status,
			  const char *filename, int64_t size, const char *mode,
			  const char *practice_id, const char *uploaded_by,
			  claims__blob_read_cb read_cb, void *payload)
{
	/* A row only received (waiting for its job) has had no attempt yet. */
	static const char sql[] =
		"INSERT INTO ingest_files (sha256, filename, size_bytes, mode, status, "
		"uploaded_by, practice_id, received_at, attempt_count, raw_encrypted) "
		"VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6, "
		"strftime('%Y-%m-%dT%H:%M:%SZ','now'), CASE ?7 WHEN 'received' THEN 0 ELSE 1 END, ?8)";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, sha256, -1, SQLITE_STATIC);
	claims__bind_text(s, 2, filename);
	sqlite3_bind_int64(s, 3, size);
	claims__bind_text(s, 4, mode);
	claims__bind_text(s, 5, uploaded_by);
	claims__bind_text(s, 6, practice_id);
	claims__bind_text(s, 7, status);
	sqlite3_bind_int(s, 8, db->data_key ? 1 : 0);
	rc = claims__step_done(db, s, "recording the file");
	if (rc < 0)
		return rc;
	*id_out = sqlite3_last_insert_rowid(db->sql);
	return store_file_chunks(db, *id_out, size, read_cb, payload);
}

int
claims__store_file_retry(claims_db *db, int64_t id, const char *mode)
{
	static const char upd[] =
		"UPDATE ingest_files SET status = 'processing', attempt_count = attempt_count + 1, "
		"mode = ?2, error_code = NULL, error_message = NULL, completed_at = NULL, "
		"updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";
	static const char del[] = "DELETE FROM parser_logs WHERE ingest_file_id = ?1";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, upd);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, mode);
	rc = claims__step_done(db, s, "restarting the file");
	if (rc < 0)
		return rc;
	rc = claims__stmt(&s, db, del);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	return claims__step_done(db, s, "clearing the earlier attempt's logs");
}

int
claims__store_file_finish(claims_db *db, int64_t id, const char *status, const char *detected_type,
			  const char *counts_json, int64_t issue_count, const char *error_code,
			  const char *error_message)
{
	static const char sql[] =
		"UPDATE ingest_files SET status = ?2, detected_type = ?3, counts = ?4, "
		"issue_count = ?5, error_code = ?6, error_message = ?7, "
		"completed_at = strftime('%Y-%m-%dT%H:%M:%SZ','now'), "
		"updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	claims__bind_text(s, 2, status);
	claims__bind_text(s, 3, detected_type);
	claims__bind_text(s, 4, counts_json ? counts_json : "{}");
	sqlite3_bind_int64(s, 5, issue_count);
	claims__bind_text(s, 6, error_code);
	claims__bind_text(s, 7, error_message);
	return claims__step_done(db, s, "finishing the file");
}

int
claims__store_log_issue(claims_db *db, const struct claims__log_ctx *ctx, const claims_x12_issue *is)
{
	static const char sql[] =
		"INSERT INTO parser_logs (ingest_file_id, file_name, file_type, log_level, "
		"segment_type, issue_type, message, details, claim_control_number, practice_id, "
		"claim_id, remittance_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";
	struct claims__buf b = { 0 };
	struct claims__jsonw w;
	sqlite3_stmt *s;
	int rc;

	claims__jsonw_init(&w, &b);
	claims__jsonw_object_begin(&w);
	claims__jsonw_location(&w, is->interchange, is->transaction, is->segment_index,
			       is->byte_offset);
	claims__jsonw_kv_string(&w, "element", is->element);
	claims__jsonw_key(&w, "details");
	claims__jsonw_raw(&w, is->details && is->details[0] ? is->details : "{}");
	claims__jsonw_object_end(&w);
	if (b.oom) {
		claims__buf_free(&b);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		goto out;
	claims__bind_id(s, 1, ctx->ingest_file_id);
	claims__bind_text(s, 2, ctx->file_name ? ctx->file_name : "unknown");
	claims__bind_text(s, 3, ctx->file_type);
	claims__bind_text(s, 4, claims_x12_severity_to_str(is->severity));
	claims__bind_text(s, 5, is->segment_id);
	claims__bind_text(s, 6, is->code);
	claims__bind_text(s, 7, is->message);
	sqlite3_bind_text(s, 8, b.data, (int)b.len, SQLITE_STATIC);
	claims__bind_text(s, 9, ctx->claim_control_number);
	claims__bind_text(s, 10, ctx->practice_id);
	claims__bind_id(s, 11, ctx->claim_id);
	claims__bind_id(s, 12, ctx->remittance_id);
	rc = claims__step_done(db, s, "storing a parser log");
out:
	claims__buf_free(&b);
	return rc;
}
