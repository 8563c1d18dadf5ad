/* libclaims store: ingest_files and parser_logs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

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
 * once and never updated (sql/0008), so memory stays bounded by one chunk
 * whatever the file size.
 */
enum { FILE_CHUNK_BYTES = 1 << 20 };

static int
store_file_chunks(claims_db *db, int64_t id, int64_t size, claims__blob_read_cb read_cb,
		  void *payload)
{
	static const char sql[] =
		"INSERT INTO ingest_file_chunks (ingest_file_id, seq, data) VALUES (?1, ?2, ?3)";
	sqlite3_stmt *s;
	char *chunk;
	int64_t off = 0, seq = 0;
	int rc = CLAIMS_OK;

	if (size == 0)
		return CLAIMS_OK;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	chunk = claims__malloc(FILE_CHUNK_BYTES);
	if (!chunk)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	while (off < size && rc == CLAIMS_OK) {
		size_t want = (size - off) < FILE_CHUNK_BYTES ? (size_t)(size - off) : FILE_CHUNK_BYTES;
		size_t have = 0;

		while (have < want) {
			size_t got = 0;

			rc = read_cb(chunk + have, want - have, &got, payload);
			if (rc < 0 || got == 0) {
				rc = claims__set_error(db, rc < 0 ? rc : CLAIMS_EIO,
						       "the file changed or could not be read "
						       "while storing it");
				break;
			}
			have += got;
		}
		if (rc < 0)
			break;
		sqlite3_bind_int64(s, 1, id);
		sqlite3_bind_int64(s, 2, seq++);
		sqlite3_bind_blob(s, 3, chunk, (int)have, SQLITE_STATIC);
		rc = claims__step_done(db, s, "storing the file's bytes");
		off += (int64_t)have;
	}
	sqlite3_clear_bindings(s);
	claims__free(chunk);
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
		"uploaded_by, practice_id, received_at, attempt_count) "
		"VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6, "
		"strftime('%Y-%m-%dT%H:%M:%SZ','now'), CASE ?7 WHEN 'received' THEN 0 ELSE 1 END)";
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
