/*
 * libclaims internal: the 837 writer (spec/api.md §4.9).  Turns a claim
 * record (struct claims__claim_rec, as the 837 mapping produces and
 * lib/store_export.c reads back) into one 5010 interchange.
 */
#ifndef CLAIMS_X12_WRITE837_H
#define CLAIMS_X12_WRITE837_H

#include <stddef.h>
#include <stdint.h>

#include "claims/export.h"
#include "ingest/arena.h"
#include "ingest/records.h"

struct claims__write837_info {
	size_t segment_count;     /* ISA .. IEA */
	size_t st_segment_count;  /* SE01 */
	char control_number[10];  /* ISA13 */
	char tracking_id[48];     /* BHT03 */
};

/* An interchange id for ISA06 / ISA08 and GS02 / GS03: 1..15 letters,
 * digits, spaces or ".-_/", not starting with a space. */
bool claims__valid_interchange_id(const char *s);

/*
 * Append the interchange for @p c (claim @p claim_id at @p version) to @p b.
 * @p opts has been checked (usage indicator T or P, ids of at most 15 safe
 * characters); @p created is the creation time in seconds since 1970 UTC.
 * An append failure leaves b->oom set.
 */
void claims__write837(struct claims__buf *b, const struct claims__claim_rec *c, int64_t claim_id,
		      int64_t version, const claims_export_options *opts, int64_t created,
		      struct claims__write837_info *info);

#endif
