/*
 * libclaims internal: the 837P / 837I mapping (spec/x12.md §6, §8
 * BAL_837_CLAIM, §9.2 identity and content hash).
 *
 * The mapper is fed the envelope walker's events of one 837 transaction
 * set after another and hands each complete claim (struct claims__claim_rec,
 * lib/ingest/records.h) to a callback.  A claim starts at a CLM and ends at
 * the next CLM, HL or SE; it inherits the loop contexts before it (BHT,
 * 2000A billing provider, 2000B subscriber and payer, 2000C patient).
 *
 * Memory depends on the largest claim and the largest context, never on
 * the number of claims in a set: a claim is built in an arena that is reset
 * once the callback has returned.
 *
 * Issues.  Every issue the mapper raises goes to on_issue at the moment it
 * is found (borrowed, as for the reader's callback).  Those located in a
 * claim's own segments (CLM to the segment before the next CLM, HL or SE)
 * and the claim-level checks (MISSING_PAYER, MISSING_DIAGNOSIS,
 * BAD_DIAGNOSIS_POINTER, MISSING_ORIGINAL_REFERENCE, BAL_837_CLAIM) are also
 * deep-copied into the claim's issues; issues about context segments (an
 * INVALID_NPI in 2010AA, an INVALID_DATE in a DMG) are not.  Issues the
 * reader raised reach a claim through claims__map837_reader_issue().
 *
 * A mapper belongs to one thread at a time.
 */
#ifndef CLAIMS_INGEST_MAP837_H
#define CLAIMS_INGEST_MAP837_H

#include <stdint.h>

#include "claims/x12.h"
#include "records.h"

struct claims__map837;

struct claims__map837_callbacks {
	/* A complete claim (at the next CLM, HL or SE).  The record and all it
	 * points to are valid only during the call.  Return 0, or a negative
	 * claims_error to abort (propagated by claims__map837_event()).  May
	 * be NULL. */
	int (*on_claim)(const struct claims__claim_rec *claim, void *payload);
	/* Every issue the mapper raises (also copied into the claim's issues
	 * when located in a claim).  Borrowed for the call.  May be NULL. */
	claims_x12_issue_cb on_issue;
	void *payload;
	/* Sets claims_x12_issue.refuses of the mapper's issues. */
	claims_x12_mode mode;
};

/* Counts of one transaction set (x12.md §10 names).  Claims skipped for an
 * empty CLM01 are in claims_parsed and claims_skipped, and their lines,
 * diagnoses and amounts are counted like the others' (totals are over
 * parsed values).  A missing or invalid amount adds 0. */
struct claims__map837_counts {
	int64_t claims_parsed;  /* CLM segments */
	int64_t claims_skipped; /* CLM with an empty CLM01 (not emitted) */
	int64_t claim_lines;    /* SV1 + SV2 inside claims */
	int64_t diagnoses;      /* HI entries stored as diagnosis records */
	int64_t total_charge_cents;      /* sum of CLM02 */
	int64_t line_charge_total_cents; /* sum of SV102 / SV203 */
};

/*
 * A new mapper.
 *
 * @param out receives the mapper; NULL on failure.  Release it with
 *        claims__map837_free().
 * @param cb callbacks and mode; copied.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument); CLAIMS_ENOMEM.
 */
int claims__map837_new(struct claims__map837 **out, const struct claims__map837_callbacks *cb);

/* Release a mapper; NULL is accepted.  A pending claim is dropped. */
void claims__map837_free(struct claims__map837 *m);

/*
 * Feed one walker event of an 837 set.  Events of a set come in order:
 * TRANSACTION_START (resets every per-set state and the counts),
 * [TRANSACTION_TYPE], SEGMENT..., TRANSACTION_END.  Other event types are
 * ignored.  On TRANSACTION_END with completed = true the pending claim is
 * emitted; with completed = false it is discarded (nothing emitted).
 *
 * @return CLAIMS_OK; the negative code returned by on_claim; CLAIMS_EINVAL
 *         (NULL argument, a SEGMENT event without segment); CLAIMS_ENOMEM
 *         (the mapper must then be freed or restarted at a
 *         TRANSACTION_START).
 */
int claims__map837_event(struct claims__map837 *m, const claims_x12_event *ev);

/*
 * An issue the READER raised inside the current set (INVALID_CHARACTER,
 * BAD_SEGMENT_ID, ...; transaction != 0), passed before the segment event
 * it precedes.  The mapper keeps a copy and, when the segment with its
 * segment_index (or the next segment event, for a skipped segment) is
 * processed, attaches it to the claim containing that segment: it then
 * lands in the claim's issues and, for an error, sets is_incomplete.
 * Issues about segments outside any claim are dropped.  The mapper does
 * not pass these to on_issue (the reader already delivered them).
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument); CLAIMS_ENOMEM.
 */
int claims__map837_reader_issue(struct claims__map837 *m, const claims_x12_issue *issue);

/* Counts of the current or last set (reset at TRANSACTION_START). */
void claims__map837_counts(const struct claims__map837 *m, struct claims__map837_counts *out);

#endif /* CLAIMS_INGEST_MAP837_H */
