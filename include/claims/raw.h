/*
 * libclaims: raw EDI bytes at rest and in spool files (spec/security.md §5,
 * spec/api.md §4.1).
 *
 * With a data key on the handle (claims_db_set_data_key()) the raw bytes
 * the library stores are encrypted; the functions here read them back
 * decrypted, and write spool files (an upload being received) encrypted
 * with the same key, so plaintext EDI never rests on disk.  A received
 * file's bytes are read back with claims_file_copy_to_fd() and
 * claims_file_copy_to_spool() (claims/jobs.h).
 */
#ifndef CLAIMS_RAW_H
#define CLAIMS_RAW_H

#include "common.h"
#include "db.h"

CLAIMS_BEGIN_DECLS

/** The records that keep their raw EDI segments. */
typedef enum claims_raw_source {
	CLAIMS_RAW_CLAIM = 0,         /**< claims.raw_edi, by claim id */
	CLAIMS_RAW_CLAIM_HISTORY = 1, /**< claim_history.raw_edi, by history row id */
	CLAIMS_RAW_REMITTANCE = 2,    /**< remittances.raw_edi, by remittance id */
} claims_raw_source;

/** "claim", "claim_history", "remittance"; NULL for other values. */
CLAIMS_API const char *claims_raw_source_to_str(claims_raw_source src);

/**
 * The raw EDI segments stored with a record, decrypted when they were
 * stored encrypted.  Nothing is returned unless the whole value verified.
 *
 * @param out receives the bytes (not NUL-terminated); yours: claims_raw_free()
 * @param len_out receives their length
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND (no such record, or it has no raw
 *         EDI); CLAIMS_EDECRYPT (stored encrypted and the handle has no key,
 *         another key, or the value was altered, cut short or lengthened);
 *         CLAIMS_EINVAL; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_raw_get(void **out, size_t *len_out, claims_db *db,
						 claims_raw_source src, int64_t id);

/** Free what claims_raw_get() returned.  NULL is accepted. */
CLAIMS_API void claims_raw_free(void *raw);

/**
 * A spool file being written: with the handle's data key, the bytes are
 * sealed chunk by chunk (the format of claims_db_set_data_key(), additional
 * data "spool") as they arrive, so at most one 64 KiB chunk of plaintext
 * is ever in memory and none reaches the file; without a key they are
 * written as they are.  Such a descriptor is read back by claims_ingest_fd(),
 * claims_ingest_refuse_fd() and claims_job_create() with
 * claims_ingest_options.sealed set to claims_spool_writer_sealed().
 */
typedef struct claims_spool_writer claims_spool_writer;

/**
 * Start writing at @p fd's current position (the descriptor stays the
 * caller's; it is not closed).  The handle must outlive the writer; its
 * errors are reported on the handle.
 * @param out yours: claims_spool_writer_free()
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EIO; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_spool_writer_new(claims_spool_writer **out, claims_db *db,
							  int fd);

/** Append bytes.  CLAIMS_OK; CLAIMS_EIO (claims_db_errmsg() says why); CLAIMS_EINVAL
 *  (after claims_spool_writer_finish()). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_spool_writer_write(claims_spool_writer *w,
							    const void *data, size_t len);

/** End the file (a sealed one gets its final chunk; without it the file
 *  never reads back).  CLAIMS_OK; CLAIMS_EIO; CLAIMS_EINVAL (twice). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_spool_writer_finish(claims_spool_writer *w);

/** Whether the writer seals (the handle had a data key when it started). */
CLAIMS_API bool claims_spool_writer_sealed(const claims_spool_writer *w);

/** Wipe and free the writer.  NULL is accepted. */
CLAIMS_API void claims_spool_writer_free(claims_spool_writer *w);

CLAIMS_END_DECLS

#endif /* CLAIMS_RAW_H */
