/* libclaims internal: shared pieces of the engine (lib/engine/). */
#ifndef CLAIMS_ENGINE_INTERNAL_H
#define CLAIMS_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "claims/engine.h"
#include "internal.h"

/* The caller's config, or the defaults when NULL; CLAIMS_EINVAL for a bad
 * version or values out of range (message on the handle). */
int claims__engine_config(claims_db *db, const claims_engine_config *in, claims_engine_config *out);

/* Today's UTC date "YYYY-MM-DD" (cfg->today when set). */
void claims__engine_today(const claims_engine_config *cfg, char out[static 11]);

/* Days from civil date "YYYY-MM-DD" since 1970-01-01; false if malformed. */
bool claims__date_days(const char *date, int64_t *days);
/* The civil date of a day number. */
void claims__days_date(int64_t days, char out[static 11]);

/* Round half away from zero to 2 / 4 decimals. */
double claims__round2(double v);
double claims__round4(double v);

/* Told of each episode a linking made, after its transaction committed:
 * the episode, its claim and remittance, and its status then. */
typedef void (*claims__linked_cb)(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
				  const char *status, void *payload);

/*
 * Automatic linking after an ingested transaction set was committed
 * (engine.md §1.1): for an 835 set, @p ids are its new remittances; for an
 * 837 set, its claims (the remittances waiting for them are linked).
 * Each remittance in its own transaction.  *linked counts new episodes;
 * @p on_linked (may be NULL) is told of each.
 */
int claims__engine_link_after_set(claims_db *db, bool is_835, const int64_t *ids, size_t n,
				  const claims_engine_config *cfg, int64_t *linked,
				  claims__linked_cb on_linked, void *payload);

#endif
