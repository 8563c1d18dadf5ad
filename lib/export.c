/*
 * libclaims: claims_export_837() (include/claims/export.h): read the
 * stored claim (store_export.c) and write it (x12/write837.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "claims/export.h"
#include "internal.h"
#include "store.h"
#include "x12/write837.h"

int
claims_export_837(claims_export **out, claims_db *db, int64_t claim_id,
		  const claims_export_options *opts)
{
	claims_export_options o = CLAIMS_EXPORT_OPTIONS_INIT;
	struct claims__arena a;
	struct claims__claim_rec c;
	struct claims__write837_info info;
	struct claims__buf b = { 0 };
	claims_export *e;
	int64_t version, created;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return CLAIMS_EINVAL;
	if (opts)
		o = *opts;
	if (o.usage_indicator != 'T' && o.usage_indicator != 'P')
		return claims__set_error(db, CLAIMS_EINVAL, "usage indicator must be T or P");
	if ((o.sender_id && !claims__valid_interchange_id(o.sender_id)) ||
	    (o.receiver_id && !claims__valid_interchange_id(o.receiver_id)))
		return claims__set_error(db, CLAIMS_EINVAL,
					 "sender and receiver ids must be 1 to 15 letters, digits, "
					 "spaces or .-_/");
	created = o.created_at > 0 ? o.created_at : (int64_t)time(NULL);

	claims__arena_init(&a, 8192);
	rc = claims__store_claim_record(db, &a, claim_id, &c, &version);
	if (rc < 0)
		goto out;
	claims__write837(&b, &c, claim_id, version, &o, created, &info);
	e = claims__calloc(1, sizeof(*e));
	if (!e || b.oom) {
		claims__free(e);
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	e->claim_id = claim_id;
	e->claim_version = version;
	e->transaction_type = c.type == CLAIMS_X12_TYPE_837I ? "837I" : "837P";
	memcpy(e->tracking_id, info.tracking_id, sizeof(e->tracking_id));
	memcpy(e->control_number, info.control_number, sizeof(e->control_number));
	e->len = b.len;
	e->x12 = claims__buf_take(&b);
	e->segment_count = info.segment_count;
	e->transaction_segment_count = info.st_segment_count;
	if (!e->x12) {
		claims_export_free(e);
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	claims__clear_error(db);
	*out = e;
	rc = CLAIMS_OK;
out:
	claims__buf_free(&b);
	claims__arena_free(&a);
	return rc;
}

void
claims_export_free(claims_export *e)
{
	if (!e)
		return;
	claims__free(e->x12);
	claims__free(e);
}
