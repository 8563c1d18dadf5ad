/*
 * libclaims internal: the 835 mapping (spec/x12.md §7 fields, §8 balancing,
 * §9.3 remittance and PLB identity, §10 counts).
 *
 * The mapper is fed the envelope walker's events of 835 transaction sets,
 * in order, and hands on one complete claim payment at a time (on_remit,
 * when the next CLP, LX, PLB, repeated N1*PR/N1*PE or the SE closes it),
 * each PLB pair as soon as its PLB is read (on_plb), and every issue it
 * raises (on_issue).  A payment is built in an arena that is reset after
 * on_remit returns, so memory depends on the largest payment, not on the
 * number of payments; the only per-set state that grows with the set is
 * the table of payment identities that numbers identical CLPs (§9.3),
 * 16 bytes and a counter per distinct CLP.
 *
 * Lifetimes: every pointer handed to a callback is valid only during that
 * callback.  Issues located in a payment's segments (those the mapper
 * raises and the reader's, passed through claims__map835_reader_issue())
 * and that payment's balancing checks are also deep-copied into the
 * payment's issues; is_incomplete = at least one of severity error.
 *
 * Threads: one mapper belongs to one thread at a time.
 */
#ifndef CLAIMS_INGEST_MAP835_H
#define CLAIMS_INGEST_MAP835_H

#include <stdint.h>

#include "claims/x12.h"
#include "ingest/records.h"

struct claims__map835;

struct claims__map835_callbacks {
	/* A complete claim payment.  Valid only during the call.  Return 0,
	 * or a negative claims_error to abort (claims__map835_event() then
	 * returns it).  Not called for a payment whose CLP01 is empty. */
	int (*on_remit)(const struct claims__remit_rec *remit, void *payload);
	/* Each valid PLB pair (stored as provider_adjustments).  Same rules. */
	int (*on_plb)(const struct claims__plb_rec *plb, void *payload);
	/* Every issue the mapper raises, at the moment it is raised (a
	 * payment's issues come before its on_remit).  May be NULL. */
	claims_x12_issue_cb on_issue;
	void *payload;
	/* Sets claims_x12_issue.refuses of the issues raised. */
	claims_x12_mode mode;
};

/* Totals over the completed transaction sets (x12.md §10 names).  Missing
 * or invalid amounts add 0. */
struct claims__map835_counts {
	int64_t transactions;         /* completed 835 sets */
	int64_t remittances_parsed;   /* every CLP */
	int64_t remittances_skipped;  /* CLPs with an empty CLP01 (not emitted) */
	int64_t service_lines;        /* SVC */
	int64_t adjustments;          /* CAS triplets stored (claim + service level) */
	int64_t provider_adjustments; /* PLB pairs stored */
	int64_t total_charge_cents;   /* Σ CLP03 */
	int64_t total_paid_cents;     /* Σ CLP04 */
	int64_t total_patient_responsibility_cents; /* Σ CLP05 */
	int64_t bpr_total_cents;      /* Σ signed BPR02, one per ST */
	int64_t plb_total_cents;      /* Σ PLB amounts */
};

/*
 * A new mapper.
 * @param out receives the mapper; NULL on failure.  Free with
 *        claims__map835_free().
 * @param cb callbacks; copied.  on_remit and on_plb may be NULL.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument); CLAIMS_ENOMEM.
 */
int claims__map835_new(struct claims__map835 **out, const struct claims__map835_callbacks *cb);

/* Release a mapper; NULL is accepted. */
void claims__map835_free(struct claims__map835 *m);

/*
 * Feed one walker event.  INTERCHANGE_START (ISA13 is remembered),
 * TRANSACTION_START (resets the per-set state), SEGMENT, TRANSACTION_END;
 * other events are ignored.  On TRANSACTION_END with completed = false the
 * open payment is dropped, nothing more is emitted for that set and its
 * counts are not added (the caller rolls back what it stored).
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument); CLAIMS_ENOMEM; or the
 *         negative code a callback returned.
 */
int claims__map835_event(struct claims__map835 *m, const claims_x12_event *ev);

/*
 * An issue the reader raised about a segment of the current set (call it
 * for each issue with transaction != 0, before the event it comes with).
 * A copy is queued and attached to the payment containing its
 * segment_index when that segment is processed; it is dropped when the
 * segment is not part of a payment.  The mapper does not call on_issue for
 * it (the caller already has it).
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM.
 */
int claims__map835_reader_issue(struct claims__map835 *m, const claims_x12_issue *issue);

/* The counts so far (completed sets only). */
void claims__map835_counts(const struct claims__map835 *m, struct claims__map835_counts *out);

#endif
