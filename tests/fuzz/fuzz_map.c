/*
 * Fuzz target: the 837 and 835 mappings without a database.  The reader's
 * events go to the 837 mapper for 837 sets and to the 835 mapper for 835
 * sets, exactly as the loader routes them, so every input reaches a
 * mapping many times faster than through fuzz_ingest.
 *
 * The first byte chooses the mode (tolerant or strict); the rest is the
 * file.  Invariants checked on every input: no mapper call fails on input;
 * every emitted claim and payment has its control number and identity keys,
 * lines numbered 1..n in order, content hashes of 64 hex characters; the
 * emitted records never outnumber the CLP/CLM segments counted for them.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <claims/claims.h>

#include "internal.h"
#include "ingest/map835.h"
#include "ingest/map837.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

struct run {
	struct claims__map837 *m837;
	struct claims__map835 *m835;
	enum { NONE, IN_837, IN_835 } in;
	int64_t claims, remits, plbs;
};

static bool
is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static int
on_claim(const struct claims__claim_rec *c, void *payload)
{
	struct run *r = payload;

	check(c->type == CLAIMS_X12_TYPE_837P || c->type == CLAIMS_X12_TYPE_837I);
	check(c->claim_control_number && c->claim_control_number[0] != '\0');
	check(c->provider_key && c->payer_key && c->pcn_key);
	check(is_hex64(c->content_sha256));
	check(c->raw_edi_len > 0 && c->raw_edi != NULL); /* bytes, may hold NULs */
	for (size_t i = 0; i < c->n_lines; i++)
		check(c->lines[i].line_number == (int)i + 1);
	r->claims++;
	return CLAIMS_OK;
}

static int
on_remit(const struct claims__remit_rec *rm, void *payload)
{
	struct run *r = payload;

	check(rm->claim_control_number && rm->claim_control_number[0] != '\0');
	check(rm->pcn_key != NULL);
	r->remits++;
	return CLAIMS_OK;
}

static int
on_plb(const struct claims__plb_rec *p, void *payload)
{
	struct run *r = payload;

	/* An empty PLB03-1 gives a NULL reason (stored as ""); the amount counts. */
	check(p->header != NULL && p->pair_index >= 1 && p->pair_index <= 6);
	r->plbs++;
	return CLAIMS_OK;
}

static void
on_reader_issue(const claims_x12_issue *is, void *payload)
{
	struct run *r = payload;

	check(is->message != NULL && is->details != NULL);
	if (is->transaction == 0)
		return;
	if (r->in == IN_837)
		check(claims__map837_reader_issue(r->m837, is) == CLAIMS_OK);
	else if (r->in == IN_835)
		check(claims__map835_reader_issue(r->m835, is) == CLAIMS_OK);
}

static bool
type_is_837(claims_x12_type t)
{
	return t == CLAIMS_X12_TYPE_837P || t == CLAIMS_X12_TYPE_837I ||
	       t == CLAIMS_X12_TYPE_837_PENDING;
}

static void
route(struct run *r, const claims_x12_event *ev)
{
	if (ev->type == CLAIMS_X12_EVENT_INTERCHANGE_START) {
		check(claims__map835_event(r->m835, ev) == CLAIMS_OK);
		return;
	}
	if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_START) {
		claims_x12_type t = ev->transaction ? ev->transaction->type : CLAIMS_X12_TYPE_NONE;

		r->in = type_is_837(t) ? IN_837 : t == CLAIMS_X12_TYPE_835 ? IN_835 : NONE;
	}
	if (r->in == IN_837)
		check(claims__map837_event(r->m837, ev) == CLAIMS_OK);
	else if (r->in == IN_835)
		check(claims__map835_event(r->m835, ev) == CLAIMS_OK);
	if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_END)
		r->in = NONE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	claims_x12_mode mode;
	struct run r = { 0 };
	struct claims__map837_callbacks c837 = { on_claim, NULL, &r, CLAIMS_X12_TOLERANT };
	struct claims__map835_callbacks c835 = { on_remit, on_plb, NULL, &r, CLAIMS_X12_TOLERANT };
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *rd = NULL;
	const claims_x12_event *ev = NULL;
	struct claims__map837_counts n837;
	struct claims__map835_counts n835;
	int rc;

	if (size < 1)
		return 0;
	mode = (data[0] & 1) ? CLAIMS_X12_STRICT : CLAIMS_X12_TOLERANT;
	c837.mode = mode;
	c835.mode = mode;
	data++;
	size--;

	check(claims__map837_new(&r.m837, &c837) == CLAIMS_OK);
	check(claims__map835_new(&r.m835, &c835) == CLAIMS_OK);
	o.mode = mode;
	o.max_segment_bytes = 4096;
	o.issue_cb = on_reader_issue;
	o.issue_payload = &r;
	check(claims_x12_reader_new_mem(&rd, data, size, &o) == CLAIMS_OK);
	while ((rc = claims_x12_reader_next(&ev, rd)) == CLAIMS_OK && ev)
		route(&r, ev);
	/* Only a refusal stops the reader early; never ENOMEM or EINVAL. */
	check(rc == CLAIMS_OK || rc == CLAIMS_EREFUSED);

	claims__map837_counts(r.m837, &n837);
	claims__map835_counts(r.m835, &n835);
	check(n837.claims_skipped <= n837.claims_parsed);
	check(n835.remittances_skipped <= n835.remittances_parsed);
	check(n837.claim_lines >= 0 && n837.diagnoses >= 0);
	claims_x12_reader_free(rd);
	claims__map837_free(r.m837);
	claims__map835_free(r.m835);
	return 0;
}
