/*
 * libclaims: ingesting X12 837P / 837I / 835 files into the store
 * (spec/x12.md §1, §9, §10).
 *
 * A file is either ingested completely or refused with the reason; it is
 * recorded in ingest_files with its SHA-256 and bytes either way (except
 * FILE_TOO_LARGE).  Refusal is decided by a first pass that reads and maps
 * the whole file without writing; storing then uses one database
 * transaction per transaction set.  The same bytes again are answered as a
 * duplicate of the earlier file, adding nothing.
 */
#ifndef CLAIMS_INGEST_H
#define CLAIMS_INGEST_H

#include "common.h"
#include "db.h"
#include "x12.h"

CLAIMS_BEGIN_DECLS

/** IngestCounts (spec/x12.md §10).  Amounts are cents. */
typedef struct claims_ingest_counts {
	int64_t interchanges, groups, transactions, transactions_skipped;
	int64_t claims_parsed, claims_created, claims_updated, claims_voided, claims_unchanged;
	int64_t claim_lines, diagnoses;
	int64_t total_charge_cents, line_charge_total_cents;
	int64_t remittances_parsed, remittances_created, remittances_unchanged;
	int64_t service_lines, adjustments, provider_adjustments;
	int64_t total_paid_cents, total_patient_responsibility_cents, bpr_total_cents, plb_total_cents;
	int64_t episodes_linked;
	int64_t issues, errors, warnings;
} claims_ingest_counts;

/** Outcome of one file. */
typedef enum claims_ingest_status {
	/** Stored (possibly with issues). */
	CLAIMS_INGEST_INGESTED = 0,
	/** The same bytes were ingested before: nothing added. */
	CLAIMS_INGEST_DUPLICATE = 1,
	/** Refused as a whole (error_code says why); nothing but the file
	 *  record and its issues stored. */
	CLAIMS_INGEST_REFUSED = 2,
} claims_ingest_status;

/** Which family the caller accepts (claims import --type, upload route). */
typedef enum claims_ingest_expect {
	/** 837, 835 and mixed files (default). */
	CLAIMS_INGEST_ANY = 0,
	/** Only 837P / 837I; an 835 is refused with WRONG_FILE_TYPE (also
	 *  when the same bytes were ingested before without this restriction:
	 *  that row is left as it is). */
	CLAIMS_INGEST_837 = 1,
	/** Only 835; an 837 is refused with WRONG_FILE_TYPE. */
	CLAIMS_INGEST_835 = 2,
} claims_ingest_expect;

/** Called while a file is read: @p done of @p total bytes (total 0 when unknown). */
typedef void (*claims_ingest_progress_cb)(int64_t done, int64_t total, void *payload);

/** What an ingest event reports (claims_ingest_options.event_cb). */
typedef enum claims_ingest_event_type {
	/** A claim of a committed transaction set (created, replaced, voided
	 *  or resubmitted unchanged): claim_id, claim_control_number, status. */
	CLAIMS_INGEST_EVENT_CLAIM = 1,
	/** A remittance (CLP) of a committed set, new or already stored:
	 *  remittance_id, claim_control_number, payment, status. */
	CLAIMS_INGEST_EVENT_REMITTANCE = 2,
	/** An episode made by the linking after a set (engine.md §1.1):
	 *  episode_id, claim_id, remittance_id, status. */
	CLAIMS_INGEST_EVENT_EPISODE = 3,
	/** A transaction set was stored (or rolled back, when its SE was
	 *  missing): sets_done of sets_total. */
	CLAIMS_INGEST_EVENT_SET = 4,
} claims_ingest_event_type;

/**
 * One event of an ingest, reported after the transaction it is about has
 * committed (nothing is reported about a set that was rolled back but its
 * SET event).  For each set: its CLAIM or REMITTANCE events in file order,
 * then its EPISODE events, then the SET event.  Statuses are read after the
 * set's linking.  Fields a type does not name are 0 / NULL.  The strings are
 * the library's, valid only during the callback.
 */
typedef struct claims_ingest_event {
	claims_ingest_event_type type;
	int64_t claim_id;
	int64_t remittance_id;
	int64_t episode_id;
	/** CLM01 / CLP01. */
	const char *claim_control_number;
	/** claims.status, remittances.status or claim_episodes.status. */
	const char *status;
	/** REMITTANCE: CLP04 in cents; has_payment false when absent. */
	bool has_payment;
	int64_t payment_cents;
	/** SET: the sets stored so far and the supported sets the first pass
	 *  found in the file. */
	int64_t sets_done, sets_total;
} claims_ingest_event;

/** Called with each event of a storing ingest.  It must not use the
 *  database handle of the ingest. */
typedef void (*claims_ingest_event_cb)(const claims_ingest_event *event, void *payload);

#define CLAIMS_INGEST_OPTIONS_VERSION 1

/** Options of claims_ingest_*().  Start from CLAIMS_INGEST_OPTIONS_INIT. */
typedef struct claims_ingest_options {
	/** CLAIMS_INGEST_OPTIONS_VERSION. */
	unsigned version;
	/** Tolerant (default) or strict (spec/x12.md §1). */
	claims_x12_mode mode;
	/** Accepted family.  Default CLAIMS_INGEST_ANY. */
	claims_ingest_expect expect;
	/** The file name as received, stored and used in issues.  Default
	 *  NULL: the path's base name, else "unknown". */
	const char *filename;
	/** practice_configs.practice_id to tag the file and its claims with.
	 *  Default NULL. */
	const char *practice_id;
	/** Who uploaded it (ingest_files.uploaded_by).  Default NULL. */
	const char *uploaded_by;
	/** MAX_FILE_BYTES, MAX_SEGMENT_BYTES, MAX_ELEMENTS (0 = the defaults of
	 *  x12.h) and MAX_ISSUES_STORED (0 = 10000). */
	int64_t max_file_bytes;
	size_t max_segment_bytes;
	size_t max_elements;
	size_t max_issues_stored;
	/** Optional progress callback and payload.  Default NULL. */
	claims_ingest_progress_cb progress_cb;
	void *progress_payload;
	/** Skip the automatic linking after each stored transaction set
	 *  (engine.md §1.1; claims import --no-link).  Default false. */
	bool no_link;
	/** Engine settings for that linking (see claims/engine.h), or NULL
	 *  (default) for the defaults.  Must outlive the call. */
	const struct claims_engine_config *engine;
	/** The descriptor given to claims_ingest_fd(), claims_ingest_refuse_fd()
	 *  or claims_job_create() is a spool file sealed with this handle's data
	 *  key (claims_spool_writer_sealed(), claims/raw.h): it is decrypted
	 *  while read, and CLAIMS_EDECRYPT refuses it (nothing stored) when it
	 *  does not verify.  Needs a data key on the handle.  Default false. */
	bool sealed;
	/** Optional event callback and payload (claims_ingest_event): what
	 *  was stored, linked, and how many sets are done, as it happens.
	 *  Each CLAIM or REMITTANCE event costs one indexed read.  Default
	 *  NULL. */
	claims_ingest_event_cb event_cb;
	void *event_payload;
	/** At most this many CLAIM events and this many REMITTANCE events per
	 *  file, the first ones (e.g. 100); 0 (default) = every one. */
	size_t event_records_max;
} claims_ingest_options;

#define CLAIMS_INGEST_OPTIONS_INIT \
	{ CLAIMS_INGEST_OPTIONS_VERSION, CLAIMS_X12_TOLERANT, CLAIMS_INGEST_ANY, NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, false, NULL, false, NULL, NULL, 0 }

/** One stored issue (spec/x12.md §4), owned by its result. */
typedef struct claims_ingest_issue {
	char *code;
	claims_x12_severity severity;
	int64_t interchange, transaction, segment_index; /* 0 = null */
	int64_t byte_offset;                             /* -1 = null */
	char *segment_id, *element;                      /* NULL = null */
	char *message;
	char *details; /* JSON object text */
} claims_ingest_issue;

/** What happened to one file.  Free with claims_ingest_result_free(). */
typedef struct claims_ingest_result {
	claims_ingest_status status;
	/** ingest_files.id of this file (the earlier file's for a duplicate). */
	int64_t ingest_file_id;
	/** "837P", "837I", "835", "mixed" or "unknown". */
	char detected_type[8];
	/** Counts of this ingest (the earlier ingest's for a duplicate). */
	claims_ingest_counts counts;
	/** For CLAIMS_INGEST_REFUSED: the fatal code ("NO_ISA", "WRONG_FILE_TYPE",
	 *  the first refusing issue's code in strict mode, ...) and a sentence.
	 *  NULL otherwise. */
	char *error_code;
	char *error_message;
	/** The first 100 issues in file order, and how many there were. */
	claims_ingest_issue *issues;
	size_t n_issues;
	int64_t issues_total;
} claims_ingest_result;

/**
 * Ingest a file by path.
 *
 * @param out receives the result (also for refused and duplicate files);
 *        NULL on failure.  Yours: free it with claims_ingest_result_free().
 * @param db the database
 * @param path file name; "-" is not special here
 * @param opts options, or NULL for the defaults
 * @return CLAIMS_OK (see (*out)->status); CLAIMS_EINVAL; CLAIMS_EIO (cannot
 *         read the file); CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.  A
 *         database failure mid-file leaves every committed transaction set
 *         stored and the file record "failed"; ingesting it again completes it.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_file(claims_ingest_result **out, claims_db *db,
						     const char *path,
						     const claims_ingest_options *opts);

/**
 * Ingest from an open descriptor (read from its current position; a pipe is
 * first copied to a private temporary file, because ingest reads twice).
 * The descriptor is not closed.  Otherwise as claims_ingest_file().
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_fd(claims_ingest_result **out, claims_db *db,
						   int fd, const claims_ingest_options *opts);

/** Ingest bytes in memory (copied into the file record).  As claims_ingest_file(). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_mem(claims_ingest_result **out, claims_db *db,
						    const void *data, size_t len,
						    const claims_ingest_options *opts);

/**
 * The type of the first supported transaction set in @p data (an upload's
 * first 64 KiB, spec/api.md §4.1), read with the default reader limits.
 * Unsupported sets are passed over; nothing is stored.
 *
 * @param out receives CLAIMS_X12_TYPE_837P, _837I or _835; _837_PENDING
 *        for an 837 whose kind is not known within @p data; _NONE when no
 *        supported set starts in it (no ISA, bad envelope, ...)
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM.
 * Thread-safety: safe (no shared state).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_sniff(claims_x12_type *out, const void *data,
						      size_t len);

/**
 * The earlier ingest of the bytes whose SHA-256 is @p sha256 (64 lower-case
 * hex digits), as claims_ingest_file() reports a duplicate: status
 * CLAIMS_INGEST_DUPLICATE, that file's id, detected type and counts, no
 * issues.  Only files in status "ingested" count.
 *
 * @param out receives the result; yours: claims_ingest_result_free()
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND (no ingested file has these bytes);
 *         CLAIMS_EINVAL; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_lookup(claims_ingest_result **out, claims_db *db,
						       const char *sha256);

/**
 * Record the file read from @p fd (from its current position, as
 * claims_ingest_fd()) as refused with @p code and @p message without
 * reading it as X12, e.g. an upload whose first transaction set is of the
 * other family (WRONG_FILE_TYPE, spec/api.md §4.1).  The row gets the
 * bytes, @p detected_type ("837P", "837I", "835", "mixed", "unknown"; NULL
 * = "unknown") and zero counts.  Bytes already ingested keep their row
 * unchanged (the SHA-256 is unique); the result then names that row.
 *
 * @param out receives a CLAIMS_INGEST_REFUSED result; yours
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EIO; CLAIMS_EBUSY; CLAIMS_EDB;
 *         CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_ingest_refuse_fd(claims_ingest_result **out,
							  claims_db *db, int fd,
							  const char *code, const char *message,
							  const char *detected_type,
							  const claims_ingest_options *opts);

/** Free a result.  NULL is accepted. */
CLAIMS_API void claims_ingest_result_free(claims_ingest_result *result);

/** "ingested", "duplicate", "refused"; "unknown" otherwise.  Static.  Thread-safe. */
CLAIMS_API const char *claims_ingest_status_to_str(claims_ingest_status status);

/** "claim", "remittance", "episode", "set"; "unknown" otherwise.  Static.  Thread-safe. */
CLAIMS_API const char *claims_ingest_event_type_to_str(claims_ingest_event_type type);

/** "any", "837", "835" (ingest_jobs.expected_type, the upload's file_type);
 *  NULL for any other value.  Static.  Thread-safe. */
CLAIMS_API const char *claims_ingest_expect_to_str(claims_ingest_expect expect);

CLAIMS_END_DECLS

#endif /* CLAIMS_INGEST_H */
