/*
 * libclaims: writing a stored claim back out as an X12 5010 837P or 837I
 * interchange (spec/api.md §4.9, `claims export-837`).
 *
 * The output is one interchange (ISA/IEA) with one functional group
 * (GS/GE, GS01 HC) and one transaction set (ST/SE) holding the one claim,
 * with the delimiters '*' (element), ':' (component), '^' (repetition) and
 * '~' (segment, followed by a line feed), version 005010X222A1 (837P) or
 * 005010X223A2 (837I), ISA13 = (claim id x 100 + version) mod 10^9 with
 * nine digits, and SE01 / GE01 / IEA01 counted.
 *
 * Every stored field of the claim is written (spec/x12.md §6.1-§6.6: the
 * billing provider, subscriber, patient, payer, other payers, CLM, dates,
 * references, diagnoses, provider NPIs and lines), so that ingesting the
 * output into an empty database stores a claim whose fields equal this
 * one's.  Values the store does not keep (addresses, names of the
 * submitter, receiver and non-billing providers, the subscriber's name when
 * the subscriber is not the patient) are written as "UNKNOWN".  A stored
 * field that is null is left empty, as it was received, except two that
 * the 837 requires and that describe the file rather than the claim: BHT04
 * (submitted_date, else the creation date) and LX01 (lx_number, else the
 * line number).  Delimiter bytes
 * inside stored values (possible when a file used other delimiters) are
 * written as spaces: X12 data may not contain them.
 */
#ifndef CLAIMS_EXPORT_H
#define CLAIMS_EXPORT_H

#include "common.h"
#include "db.h"

CLAIMS_BEGIN_DECLS

#define CLAIMS_EXPORT_OPTIONS_VERSION 1

/** Options of claims_export_837().  Start from CLAIMS_EXPORT_OPTIONS_INIT. */
typedef struct claims_export_options {
	/** CLAIMS_EXPORT_OPTIONS_VERSION. */
	unsigned version;
	/** ISA15: 'T' test data (default) or 'P' production data. */
	char usage_indicator;
	/** ISA06, GS02 and the submitter's NM109 (1000A); at most 15
	 *  characters, letters, digits, space and ".-_/" only.  Default NULL:
	 *  "UNKNOWN". */
	const char *sender_id;
	/** ISA08, GS03 and the receiver's NM109 (1000B); as sender_id.
	 *  Default NULL: "UNKNOWN". */
	const char *receiver_id;
	/** The creation time written in ISA09/ISA10, GS04/GS05 and BHT05, in
	 *  seconds since 1970-01-01 UTC.  Default 0: now. */
	int64_t created_at;
} claims_export_options;

#define CLAIMS_EXPORT_OPTIONS_INIT { CLAIMS_EXPORT_OPTIONS_VERSION, 'T', NULL, NULL, 0 }

/** A generated 837.  Free with claims_export_free(). */
typedef struct claims_export {
	/** The claim's id and version (claims.version). */
	int64_t claim_id;
	int64_t claim_version;
	/** "837P" or "837I" (static text). */
	const char *transaction_type;
	/** "CLM-<id>-v<version>" (also BHT03). */
	char tracking_id[48];
	/** ISA13 / IEA02, nine digits. */
	char control_number[10];
	/** The interchange text, NUL-terminated; @p len bytes. */
	char *x12;
	size_t len;
	/** Segments in the interchange, ISA to IEA inclusive. */
	size_t segment_count;
	/** SE01: segments from ST to SE inclusive. */
	size_t transaction_segment_count;
} claims_export;

/**
 * Write stored claim @p claim_id as an 837 interchange.
 *
 * @param out receives the export; NULL on failure.  Yours: free it with
 *        claims_export_free().
 * @param db the database
 * @param claim_id the claim's database id
 * @param opts options, or NULL for the defaults
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND ("Claim not found (id: N)");
 *         CLAIMS_EINVAL (NULL argument, a bad usage indicator, sender or
 *         receiver id; the reason on the handle); CLAIMS_EBUSY; CLAIMS_EDB;
 *         CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_export_837(claims_export **out, claims_db *db,
						    int64_t claim_id,
						    const claims_export_options *opts);

/** Free an export.  NULL is accepted. */
CLAIMS_API void claims_export_free(claims_export *e);

CLAIMS_END_DECLS

#endif /* CLAIMS_EXPORT_H */
