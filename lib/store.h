/*
 * libclaims internal: the store.  Every SQL statement that reads or writes
 * a model lives in one lib/store_*.c file per model family, so that a second
 * backend is a contained piece of work.
 */
#ifndef CLAIMS_STORE_H
#define CLAIMS_STORE_H

#include <stdint.h>

#include "internal.h"
#include "ingest/arena.h"
#include "ingest/records.h"

/* ---- store_ingest.c: ingest_files and parser_logs */

struct claims__file_row {
	int64_t id;
	char status[16];        /* received processing ingested refused failed */
	char *counts_json;      /* owned; claims__free */
	char detected_type[8];
};

/* The ingest_files row with this SHA-256, if any (*found false otherwise). */
int claims__store_file_find(claims_db *db, const char *sha256, bool *found,
			    struct claims__file_row *row);

/* Insert a new file row (@p status: processing, or received for a file
 * waiting for its job) with its @p size bytes, read by @p read_cb (to its
 * end, which must follow) into 1 MiB rows of ingest_file_chunks; sealed
 * into one stream (crypt.h) with raw_encrypted = 1 when the handle has a
 * data key.  A CLAIMS_EDECRYPT of @p read_cb keeps the message it set. */
typedef int (*claims__blob_read_cb)(void *buf, size_t len, size_t *got, void *payload);
int claims__store_file_insert(claims_db *db, int64_t *id_out, const char *sha256,
			      const char *status, const char *filename, int64_t size,
			      const char *mode,
			      const char *practice_id, const char *uploaded_by,
			      claims__blob_read_cb read_cb, void *payload);

/* Start another attempt of an existing row: status processing,
 * attempt_count + 1, earlier parser logs removed. */
int claims__store_file_retry(claims_db *db, int64_t id, const char *mode);

/* Final state of a file row. */
int claims__store_file_finish(claims_db *db, int64_t id, const char *status,
			      const char *detected_type, const char *counts_json,
			      int64_t issue_count, const char *error_code,
			      const char *error_message);

/* IngestCounts from the flat JSON object stored in ingest_files.counts
 * (ingest.c); missing keys read as 0. */
void claims__ingest_counts_from_json(claims_ingest_counts *c, const char *json);

/* One parser_logs row. */
struct claims__log_ctx {
	int64_t ingest_file_id;
	const char *file_name;
	const char *file_type;   /* 837P 837I 835 or NULL */
	const char *practice_id;
	const char *claim_control_number;
	int64_t claim_id;        /* 0 = null */
	int64_t remittance_id;   /* 0 = null */
};
int claims__store_log_issue(claims_db *db, const struct claims__log_ctx *ctx,
			    const claims_x12_issue *issue);

/* ---- store_claims.c: providers, payers, claims and their children */

/* Payer by external id; created with @p name (or the id) when new. */
int claims__store_payer_ensure(claims_db *db, int64_t *id_out, const char *payer_id,
			       const char *name);
/* 835 payer without id (x12.md §7.1): by exact upper-cased name, else
 * created as NAME:<UPPER NAME>. */
int claims__store_payer_by_name(claims_db *db, int64_t *id_out, const char *name);
/* Billing provider by NPI, else by tax id; *id_out 0 when it has neither. */
int claims__store_provider_ensure(claims_db *db, int64_t *id_out,
				  const struct claims__provider_rec *p);

enum claims__claim_action {
	CLAIMS__CLAIM_CREATED,
	CLAIMS__CLAIM_UPDATED,
	CLAIMS__CLAIM_VOIDED,
	CLAIMS__CLAIM_UNCHANGED,
};

/* Upsert one parsed claim per x12.md §9.2; raises ORIGINAL_CLAIM_NOT_FOUND
 * and CLAIM_KEY_REUSED through @p issue_cb. */
int claims__store_claim_put(claims_db *db, const struct claims__claim_rec *c,
			    int64_t ingest_file_id, const char *practice_id, const char *file_name,
			    claims_x12_mode mode, claims_x12_issue_cb issue_cb, void *payload,
			    int64_t *id_out, enum claims__claim_action *action_out);

/* ---- store_export.c: a stored claim read back as the record the 837
 * mapping produced (every stored field, patient data included), its
 * strings in @p a; *version_out receives claims.version.  CLAIMS_ENOTFOUND
 * ("Claim not found (id: N)") when there is no such claim. */
int claims__store_claim_record(claims_db *db, struct claims__arena *a, int64_t id,
			       struct claims__claim_rec *out, int64_t *version_out);
/* A claim's claim_control_number (*ccn, claims__free it) and status, for
 * ingest events; *found false (and *ccn NULL) when there is no such claim. */
int claims__store_claim_brief(claims_db *db, int64_t id, char **ccn, char status[static 16],
			      bool *found);

/* ---- store_remits.c: remittances, service lines, adjustments, PLB */

/* Insert a payment unless its dedup_key exists (*created false then). */
int claims__store_remit_put(claims_db *db, const struct claims__remit_rec *r, int64_t payer_id,
			    int64_t ingest_file_id, const char *file_name, int64_t *id_out,
			    bool *created);
int claims__store_plb_put(claims_db *db, const struct claims__plb_rec *p, int64_t payer_id,
			  int64_t ingest_file_id, bool *created);

/* ---- store_meta.c: the write epoch (cache.md §7) */

/* meta.write_epoch, 0 when the row is missing. */
int claims__store_meta_write_epoch(claims_db *db, int64_t *out);
/* Increment meta.write_epoch (inside the caller's write transaction). */
int claims__store_meta_bump_write_epoch(claims_db *db);

/* ---- shared helpers (store_util.c) */
int claims__bind_text(sqlite3_stmt *s, int i, const char *v);
int claims__bind_money(sqlite3_stmt *s, int i, struct claims__money m);
int claims__bind_id(sqlite3_stmt *s, int i, int64_t id); /* 0 -> NULL */
/* Step a write statement to completion; map and record errors. */
int claims__step_done(claims_db *db, sqlite3_stmt *s, const char *what);
/* Record a failed step of @p s (claims__sqlite_error) and reset it. */
int claims__step_error(claims_db *db, sqlite3_stmt *s, int rc, const char *what);
/* Reset @p s (may be NULL) and record CLAIMS_ENOMEM. */
int claims__stmt_oom(claims_db *db, sqlite3_stmt *s);
/* Step a bound query to its single row.  *found true: the row is current
 * and the caller reads it, then resets @p s.  *found false or an error: @p s
 * is already reset. */
int claims__step_one(claims_db *db, sqlite3_stmt *s, const char *what, bool *found);
/* A growable array of owned strings: append a copy of @p v (NULL -> ""),
 * false when out of memory; free the array and its strings. */
bool claims__strv_push(char ***arr, size_t *n, const char *v);
void claims__strv_free(char **a, size_t n);
/* The four location keys of an issue (x12.md §4), null where absent
 * (0 ordinals, negative offset). */
struct claims__jsonw;
void claims__jsonw_location(struct claims__jsonw *w, int64_t interchange, int64_t transaction,
			    int64_t segment_index, int64_t byte_offset);
/* A raw_edi value as stored (security.md §5): the plaintext as given, or
 * sealed with the handle's data key and additional data @p ad (crypt.h)
 * into memory owned here.  claims__raw_bind() binds the bytes (NULL data:
 * SQL NULL) and raw_encrypted; keep @p r until the statement is stepped,
 * then claims__raw_clear(). */
struct claims__raw {
	const void *data;
	size_t len;
	unsigned char *owned;
	bool sealed;
};
int claims__raw_prepare(claims_db *db, struct claims__raw *r, const char *ad, const void *data,
			size_t len);
void claims__raw_bind(sqlite3_stmt *s, int i_data, int i_flag, const struct claims__raw *r);
void claims__raw_clear(struct claims__raw *r);
/* A JSON array of strings (NULL entries as null); claims__free the result. */
char *claims__codes_json(const char *const *codes, size_t n);
/* Render a record's issues as the parsing_warnings JSON array. */
char *claims__issues_json(const struct claims__issue_list *issues, const char *file_name);

#endif
