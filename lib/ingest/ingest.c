/*
 * libclaims: ingest driver (spec/x12.md §1, §9, §10).
 *
 * Two passes over the file with the streaming reader:
 *
 *  1. validate: read and map everything, write nothing; hash the bytes.
 *     Decides refusal (fatal codes, NO_TRANSACTIONS, WRONG_FILE_TYPE, and in
 *     strict mode every refusing issue) before any claim is written.
 *  2. store: the same events again, one BEGIN IMMEDIATE ... COMMIT per
 *     transaction set holding its payers, providers, claims, remittances,
 *     lines, adjustments, PLB and parser logs.  A set the reader reports as
 *     not closed by its SE is rolled back whole.
 *
 * The file row (ingest_files, with the bytes) is written between the passes
 * and becomes "ingested" last, so a crash leaves a "processing" row that the
 * next attempt with the same bytes completes without duplicates (claims and
 * remittances are upserted by identity).
 *
 * Issues: every issue of the pass is counted; the first 100 are copied into
 * the result; up to max_issues_stored are written to parser_logs (those of a
 * set inside its transaction, attached to the claim or remittance whose
 * segments they are about).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "claims/ingest.h"
#include "crypt.h"
#include "internal.h"
#include "jsonw.h"
#include "store.h"
#include "x12/codes.h"
#include "x12/values.h"
#include "arena.h"
#include "engine/engine_internal.h"
#include "store_engine.h"
#include "map835.h"
#include "map837.h"

#define RESULT_ISSUES_MAX 100

/* Bytes in memory, or a regular file as it is or sealed (crypt.h). */
struct source {
	bool is_mem;
	const unsigned char *mem;
	size_t mem_len;
	struct claims__fd_source file;
	int64_t size; /* plaintext bytes */
};

/* A heap copy of an issue waiting to be written to parser_logs. */
struct pending_issue {
	claims_x12_issue is; /* strings below are owned */
	char *strings;       /* one allocation holding every string */
	int64_t claim_id, remittance_id;
	char *ccn;
};

struct ingest {
	claims_db *db;
	const claims_ingest_options *opts;
	const char *filename;
	struct source src;
	int pass; /* 1 validate, 2 store */

	/* reading */
	crypto_hash_sha256_state sha;
	bool hashing;
	int64_t pos;

	/* mappers and the current set */
	struct claims__map837 *m837;
	struct claims__map835 *m835;
	claims_x12_type set_type;
	bool in_set, in_txn;
	/* storage outcomes of the current set, added to counts at its COMMIT */
	claims_ingest_counts set_counts;
	const struct claims__remit_header *payer_header;
	int64_t payer_db_id;

	/* outcome */
	int64_t file_id;
	claims_ingest_counts counts;
	claims_ingest_result *result;
	int64_t stored_issues;
	bool truncated;
	claims_x12_code first_refusal;
	char first_refusal_msg[256];
	int store_rc; /* first store error of pass 2 */

	/* issues waiting for parser_logs (current set, or file level) */
	struct pending_issue *pending;
	size_t n_pending, cap_pending;

	/* the current set's claims or new remittances, linked after its COMMIT */
	struct claims__ids link_ids;

	/* events (opts->event_cb): the set's stored claims or remittances and
	 * the episodes its linking made, reported after the COMMIT */
	struct claims__ids ev_ids;
	struct linked_ev *ev_eps;
	size_t n_eps, cap_eps;
	int64_t sets_total, sets_done;
	size_t claims_reported, remits_reported; /* CLAIM / REMITTANCE events so far */
};

struct linked_ev {
	int64_t episode_id, claim_id, remittance_id;
	const char *status; /* static text of the engine */
};

/* Remember a stored claim or new remittance of the set for linking. */
static int
link_later(struct ingest *ing, int64_t id)
{
	if (ing->opts->no_link || claims__ids_push(&ing->link_ids, id) == CLAIMS_OK)
		return CLAIMS_OK;
	ing->store_rc = claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	return ing->store_rc;
}

/* Keep an episode the set's linking made, for its event. */
static void
on_linked(int64_t episode_id, int64_t claim_id, int64_t remittance_id, const char *status,
	  void *payload)
{
	struct ingest *ing = payload;

	if (ing->n_eps == ing->cap_eps) {
		size_t cap = ing->cap_eps ? ing->cap_eps * 2 : 16;
		struct linked_ev *v = claims__realloc(ing->ev_eps, cap * sizeof(*v));

		if (!v)
			return; /* out of memory: that event is not reported */
		ing->ev_eps = v;
		ing->cap_eps = cap;
	}
	ing->ev_eps[ing->n_eps++] = (struct linked_ev){ episode_id, claim_id, remittance_id, status };
}

/* Linking after a committed set (engine.md §1.1), in its own transactions.
 * A failure leaves the remittances waiting for "claims link --all"; the
 * file stays ingested. */
static void
link_set(struct ingest *ing)
{
	int64_t linked = 0;
	int rc;

	if (ing->link_ids.n == 0)
		return;
	rc = claims__engine_link_after_set(ing->db, ing->set_type == CLAIMS_X12_TYPE_835,
					   ing->link_ids.v, ing->link_ids.n, ing->opts->engine,
					   &linked, ing->opts->event_cb ? on_linked : NULL, ing);
	ing->counts.episodes_linked += linked;
	if (rc < 0)
		claims__log(ing->db, CLAIMS_LOG_WARNING, "linking after %s stopped: %s",
			    ing->filename, claims_db_errmsg(ing->db));
	ing->link_ids.n = 0;
}

/* The events of a set that has just been stored (or rolled back: its SET
 * event only).  A failed read stops the set's record events; the ingest
 * goes on. */
static void
report_set(struct ingest *ing, bool stored)
{
	claims_ingest_event_cb cb = ing->opts->event_cb;
	void *payload = ing->opts->event_payload;
	claims_ingest_event ev;
	int rc = CLAIMS_OK;

	ing->sets_done++;
	if (!cb)
		return;
	for (size_t i = 0; stored && rc == CLAIMS_OK && i < ing->ev_ids.n; i++) {
		memset(&ev, 0, sizeof(ev));
		if (ing->set_type == CLAIMS_X12_TYPE_835) {
			struct claims__link_remit r;
			bool found;

			rc = claims__store_link_remit_load(ing->db, ing->ev_ids.v[i], &r, &found);
			if (rc < 0 || !found)
				continue;
			ev.type = CLAIMS_INGEST_EVENT_REMITTANCE;
			ev.remittance_id = r.id;
			ev.claim_control_number = r.claim_control_number;
			ev.status = r.status;
			ev.has_payment = r.has_payment;
			ev.payment_cents = r.payment_cents;
			cb(&ev, payload);
			claims__link_remit_clear(&r);
		} else {
			char status[16], *ccn = NULL;
			bool found;

			rc = claims__store_claim_brief(ing->db, ing->ev_ids.v[i], &ccn, status, &found);
			if (rc < 0 || !found)
				continue;
			ev.type = CLAIMS_INGEST_EVENT_CLAIM;
			ev.claim_id = ing->ev_ids.v[i];
			ev.claim_control_number = ccn;
			ev.status = status;
			cb(&ev, payload);
			claims__free(ccn);
		}
	}
	if (rc < 0)
		claims__log(ing->db, CLAIMS_LOG_WARNING, "reading back %s for its events: %s",
			    ing->filename, claims_db_errmsg(ing->db));
	for (size_t i = 0; stored && i < ing->n_eps; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = CLAIMS_INGEST_EVENT_EPISODE;
		ev.episode_id = ing->ev_eps[i].episode_id;
		ev.claim_id = ing->ev_eps[i].claim_id;
		ev.remittance_id = ing->ev_eps[i].remittance_id;
		ev.status = ing->ev_eps[i].status;
		cb(&ev, payload);
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = CLAIMS_INGEST_EVENT_SET;
	ev.sets_done = ing->sets_done;
	ev.sets_total = ing->sets_total > ing->sets_done ? ing->sets_total : ing->sets_done;
	cb(&ev, payload);
}

/* Remember a stored claim or remittance of the set for its event (the
 * first event_records_max of the file). */
static int
report_later(struct ingest *ing, int64_t id)
{
	size_t max = ing->opts->event_records_max;
	size_t *reported = ing->set_type == CLAIMS_X12_TYPE_835 ? &ing->remits_reported
								: &ing->claims_reported;

	if (!ing->opts->event_cb || (max && *reported >= max))
		return CLAIMS_OK;
	if (claims__ids_push(&ing->ev_ids, id) == CLAIMS_OK) {
		(*reported)++;
		return CLAIMS_OK;
	}
	ing->store_rc = claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	return ing->store_rc;
}

/* ------------------------------------------------------------ issues */

static size_t
max_stored(const struct ingest *ing)
{
	return ing->opts->max_issues_stored ? ing->opts->max_issues_stored : 10000;
}

static void
free_result_issue(claims_ingest_issue *o)
{
	claims__free(o->code);
	claims__free(o->segment_id);
	claims__free(o->element);
	claims__free(o->message);
	claims__free(o->details);
	memset(o, 0, sizeof(*o));
}

static int
copy_to_result(struct ingest *ing, const claims_x12_issue *is)
{
	claims_ingest_result *r = ing->result;
	claims_ingest_issue *o;

	r->issues_total++;
	if (r->n_issues >= RESULT_ISSUES_MAX)
		return CLAIMS_OK;
	o = &r->issues[r->n_issues];
	memset(o, 0, sizeof(*o));
	o->code = claims__strdup(is->code);
	o->severity = is->severity;
	o->interchange = is->interchange;
	o->transaction = is->transaction;
	o->segment_index = is->segment_index;
	o->byte_offset = is->byte_offset;
	o->segment_id = claims__strdup(is->segment_id);
	o->element = claims__strdup(is->element);
	o->message = claims__strdup(is->message ? is->message : "");
	o->details = claims__strdup(is->details && *is->details ? is->details : "{}");
	r->n_issues++;
	if (!o->code || !o->message || !o->details)
		return CLAIMS_ENOMEM;
	return CLAIMS_OK;
}

static int
queue_issue(struct ingest *ing, const claims_x12_issue *is)
{
	struct pending_issue *p;
	const char *parts[5] = { is->code, is->segment_id, is->element, is->message, is->details };
	size_t total = 0;
	char *q;

	if (ing->n_pending == ing->cap_pending) {
		size_t cap = ing->cap_pending ? ing->cap_pending * 2 : 64;
		struct pending_issue *n = claims__realloc(ing->pending, cap * sizeof(*n));
		if (!n)
			return CLAIMS_ENOMEM;
		ing->pending = n;
		ing->cap_pending = cap;
	}
	for (int i = 0; i < 5; i++)
		total += parts[i] ? strlen(parts[i]) + 1 : 0;
	p = &ing->pending[ing->n_pending];
	memset(p, 0, sizeof(*p));
	p->is = *is;
	p->strings = claims__malloc(total ? total : 1);
	if (!p->strings)
		return CLAIMS_ENOMEM;
	q = p->strings;
	for (int i = 0; i < 5; i++) {
		const char **dst[5] = { &p->is.code, &p->is.segment_id, &p->is.element,
					&p->is.message, &p->is.details };
		if (!parts[i]) {
			*dst[i] = NULL;
			continue;
		}
		size_t n = strlen(parts[i]) + 1;
		memcpy(q, parts[i], n);
		*dst[i] = q;
		q += n;
	}
	ing->n_pending++;
	return CLAIMS_OK;
}

static void
clear_pending(struct ingest *ing)
{
	for (size_t i = 0; i < ing->n_pending; i++) {
		claims__free(ing->pending[i].strings);
		claims__free(ing->pending[i].ccn);
	}
	ing->n_pending = 0;
}

/* Every issue of the pass comes through here. */
static void
record_issue(struct ingest *ing, const claims_x12_issue *is)
{
	int rc;

	ing->counts.issues++;
	if (is->severity == CLAIMS_X12_ERROR)
		ing->counts.errors++;
	else if (is->severity == CLAIMS_X12_WARNING)
		ing->counts.warnings++;
	if (is->refuses && ing->first_refusal == CLAIMS_X12_CODE_NONE) {
		ing->first_refusal = is->code_id;
		snprintf(ing->first_refusal_msg, sizeof(ing->first_refusal_msg), "%s",
			 is->message ? is->message : is->code);
	}
	rc = copy_to_result(ing, is);
	if (rc < 0 && ing->store_rc == CLAIMS_OK)
		ing->store_rc = rc;

	if ((size_t)ing->stored_issues >= max_stored(ing)) {
		if (!ing->truncated) {
			claims_x12_issue t;

			ing->truncated = true;
			claims__x12_issue_init(&t, CLAIMS_X12_ISSUES_TRUNCATED, ing->opts->mode);
			t.message = "More issues were found than are stored; they are counted only";
			ing->counts.issues++;
			(void)copy_to_result(ing, &t);
			rc = queue_issue(ing, &t);
			if (rc < 0 && ing->store_rc == CLAIMS_OK)
				ing->store_rc = rc;
		}
		return;
	}
	ing->stored_issues++;
	rc = queue_issue(ing, is);
	if (rc < 0 && ing->store_rc == CLAIMS_OK)
		ing->store_rc = rc;
}

static void
on_reader_issue(const claims_x12_issue *is, void *payload)
{
	struct ingest *ing = payload;

	record_issue(ing, is);
	if (is->transaction == 0 || !ing->in_set)
		return;
	/* Let the mapping attach it to the claim or payment it is about. */
	if (ing->set_type == CLAIMS_X12_TYPE_835)
		(void)claims__map835_reader_issue(ing->m835, is);
	else if (ing->set_type != CLAIMS_X12_TYPE_UNSUPPORTED)
		(void)claims__map837_reader_issue(ing->m837, is);
}

static void
on_mapper_issue(const claims_x12_issue *is, void *payload)
{
	record_issue(payload, is);
}

/* Mark the queued copies of a stored record's issues with its ids. */
static void
attach_issues(struct ingest *ing, const struct claims__issue_list *list, int64_t claim_id,
	      int64_t remit_id, const char *ccn)
{
	for (size_t i = 0; i < list->count; i++) {
		const struct claims__issue_copy *c = &list->items[i];

		for (size_t k = ing->n_pending; k-- > 0;) {
			struct pending_issue *p = &ing->pending[k];

			if (p->claim_id || p->remittance_id || p->is.code_id != c->code_id ||
			    p->is.segment_index != c->segment_index)
				continue;
			p->claim_id = claim_id;
			p->remittance_id = remit_id;
			p->ccn = claims__strdup(ccn);
			break;
		}
	}
}

static const char *
type_name(claims_x12_type t)
{
	switch (t) {
	case CLAIMS_X12_TYPE_837P: return "837P";
	case CLAIMS_X12_TYPE_837I: return "837I";
	case CLAIMS_X12_TYPE_835: return "835";
	default: return NULL;
	}
}

static int
flush_pending(struct ingest *ing)
{
	struct claims__log_ctx ctx = {
		.ingest_file_id = ing->file_id,
		.file_name = ing->filename,
		.practice_id = ing->opts->practice_id,
	};
	int rc = CLAIMS_OK;

	for (size_t i = 0; i < ing->n_pending && rc == CLAIMS_OK; i++) {
		struct pending_issue *p = &ing->pending[i];

		ctx.file_type = type_name(ing->set_type);
		ctx.claim_id = p->claim_id;
		ctx.remittance_id = p->remittance_id;
		ctx.claim_control_number = p->ccn;
		rc = claims__store_log_issue(ing->db, &ctx, &p->is);
	}
	clear_pending(ing);
	return rc;
}

/* ------------------------------------------------------------ storing */

static int
on_claim(const struct claims__claim_rec *c, void *payload)
{
	struct ingest *ing = payload;
	enum claims__claim_action action;
	int64_t id;
	int rc;

	if (ing->pass == 1 || ing->store_rc < 0)
		return CLAIMS_OK;
	rc = claims__store_claim_put(ing->db, c, ing->file_id, ing->opts->practice_id, ing->filename,
				     ing->opts->mode, on_mapper_issue, ing, &id, &action);
	if (rc < 0) {
		ing->store_rc = rc;
		return rc;
	}
	switch (action) {
	case CLAIMS__CLAIM_CREATED: ing->set_counts.claims_created++; break;
	case CLAIMS__CLAIM_UPDATED: ing->set_counts.claims_updated++; break;
	case CLAIMS__CLAIM_VOIDED: ing->set_counts.claims_voided++; break;
	case CLAIMS__CLAIM_UNCHANGED: ing->set_counts.claims_unchanged++; break;
	}
	attach_issues(ing, &c->issues, id, 0, c->claim_control_number);
	rc = report_later(ing, id);
	return rc < 0 ? rc : link_later(ing, id);
}

static int
remit_payer(struct ingest *ing, const struct claims__remit_header *h, int64_t *id)
{
	int rc;

	if (h == ing->payer_header && ing->payer_db_id) {
		*id = ing->payer_db_id;
		return CLAIMS_OK;
	}
	if (h->payer_id && *h->payer_id)
		rc = claims__store_payer_ensure(ing->db, id, h->payer_id, h->payer_name);
	else
		rc = claims__store_payer_by_name(ing->db, id, h->payer_name);
	if (rc == CLAIMS_OK) {
		ing->payer_header = h;
		ing->payer_db_id = *id;
	}
	return rc;
}

static int
on_remit(const struct claims__remit_rec *r, void *payload)
{
	struct ingest *ing = payload;
	int64_t payer = 0, id = 0;
	bool created = false;
	int rc;

	if (ing->pass == 1 || ing->store_rc < 0)
		return CLAIMS_OK;
	rc = remit_payer(ing, r->header, &payer);
	if (rc == CLAIMS_OK)
		rc = claims__store_remit_put(ing->db, r, payer, ing->file_id, ing->filename, &id,
					     &created);
	if (rc < 0) {
		ing->store_rc = rc;
		return rc;
	}
	if (created)
		ing->set_counts.remittances_created++;
	else
		ing->set_counts.remittances_unchanged++;
	attach_issues(ing, &r->issues, 0, id, r->claim_control_number);
	rc = report_later(ing, id);
	if (rc < 0)
		return rc;
	return created ? link_later(ing, id) : CLAIMS_OK;
}

static int
on_plb(const struct claims__plb_rec *p, void *payload)
{
	struct ingest *ing = payload;
	int64_t payer = 0;
	bool created;
	int rc;

	if (ing->pass == 1 || ing->store_rc < 0)
		return CLAIMS_OK;
	rc = remit_payer(ing, p->header, &payer);
	if (rc == CLAIMS_OK)
		rc = claims__store_plb_put(ing->db, p, payer, ing->file_id, &created);
	if (rc < 0)
		ing->store_rc = rc;
	return rc;
}

/* ------------------------------------------------------------ sets */

static int
begin_set(struct ingest *ing)
{
	int rc;

	ing->payer_header = NULL;
	ing->payer_db_id = 0;
	memset(&ing->set_counts, 0, sizeof(ing->set_counts));
	ing->link_ids.n = 0;
	ing->ev_ids.n = 0;
	ing->n_eps = 0;
	if (ing->pass == 1) {
		ing->sets_total++;
		return CLAIMS_OK;
	}
	rc = claims__exec(ing->db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	ing->in_txn = true;
	return CLAIMS_OK;
}

/* 837 counts are per set (added when the set completes); the 835 mapping
 * keeps totals over its completed sets (added once at the end of a pass). */
static void
add_837_counts(struct ingest *ing)
{
	struct claims__map837_counts c;

	claims__map837_counts(ing->m837, &c);
	ing->counts.claims_parsed += c.claims_parsed;
	ing->counts.claim_lines += c.claim_lines;
	ing->counts.diagnoses += c.diagnoses;
	ing->counts.total_charge_cents += c.total_charge_cents;
	ing->counts.line_charge_total_cents += c.line_charge_total_cents;
}

static void
add_835_counts(struct ingest *ing)
{
	struct claims__map835_counts c;

	claims__map835_counts(ing->m835, &c);
	ing->counts.remittances_parsed += c.remittances_parsed;
	ing->counts.service_lines += c.service_lines;
	ing->counts.adjustments += c.adjustments;
	ing->counts.provider_adjustments += c.provider_adjustments;
	ing->counts.total_charge_cents += c.total_charge_cents;
	ing->counts.total_paid_cents += c.total_paid_cents;
	ing->counts.total_patient_responsibility_cents += c.total_patient_responsibility_cents;
	ing->counts.bpr_total_cents += c.bpr_total_cents;
	ing->counts.plb_total_cents += c.plb_total_cents;
}

static int
end_set(struct ingest *ing, bool completed)
{
	int rc = CLAIMS_OK;

	if (completed && ing->set_type != CLAIMS_X12_TYPE_835)
		add_837_counts(ing);
	ing->in_set = false;
	if (ing->pass == 1)
		return CLAIMS_OK;
	if (ing->store_rc < 0) {
		claims__rollback(ing->db);
		ing->in_txn = false;
		return ing->store_rc;
	}
	if (completed) {
		rc = flush_pending(ing);
		if (rc == CLAIMS_OK)
			rc = claims__commit(ing->db);
		if (rc < 0) {
			claims__rollback(ing->db);
		} else {
			const claims_ingest_counts *sc = &ing->set_counts;

			ing->counts.claims_created += sc->claims_created;
			ing->counts.claims_updated += sc->claims_updated;
			ing->counts.claims_voided += sc->claims_voided;
			ing->counts.claims_unchanged += sc->claims_unchanged;
			ing->counts.remittances_created += sc->remittances_created;
			ing->counts.remittances_unchanged += sc->remittances_unchanged;
		}
		ing->in_txn = false;
		if (rc == CLAIMS_OK) {
			link_set(ing);
			report_set(ing, true);
		}
		return rc;
	}
	/* Not closed by its SE: nothing of it stays, but its issues do, no
	 * longer tied to the claims and payments that were rolled back. */
	claims__rollback(ing->db);
	ing->in_txn = false;
	for (size_t i = 0; i < ing->n_pending; i++) {
		ing->pending[i].claim_id = 0;
		ing->pending[i].remittance_id = 0;
	}
	report_set(ing, false);
	return CLAIMS_OK;
}

static int
dispatch(struct ingest *ing, const claims_x12_event *ev)
{
	int rc = CLAIMS_OK;

	switch (ev->type) {
	case CLAIMS_X12_EVENT_INTERCHANGE_START:
		return claims__map835_event(ing->m835, ev);
	case CLAIMS_X12_EVENT_TRANSACTION_START:
		ing->set_type = ev->transaction->type;
		if (ing->set_type == CLAIMS_X12_TYPE_UNSUPPORTED || ing->set_type == CLAIMS_X12_TYPE_NONE)
			return CLAIMS_OK;
		if (ing->pass == 2 && ing->n_pending) {
			/* File-level issues before this set: their own transaction. */
			rc = claims__exec(ing->db, "BEGIN IMMEDIATE");
			if (rc == CLAIMS_OK)
				rc = flush_pending(ing);
			if (rc == CLAIMS_OK)
				rc = claims__commit(ing->db);
			if (rc < 0)
				return rc;
		}
		ing->in_set = true;
		rc = begin_set(ing);
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_END:
		if (!ing->in_set)
			return CLAIMS_OK;
		break;
	default:
		if (!ing->in_set)
			return CLAIMS_OK;
		break;
	}
	if (rc < 0)
		return rc;
	if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_TYPE)
		ing->set_type = ev->transaction->type;
	if (ing->set_type == CLAIMS_X12_TYPE_835)
		rc = claims__map835_event(ing->m835, ev);
	else
		rc = claims__map837_event(ing->m837, ev);
	if (rc < 0 && ing->store_rc == CLAIMS_OK)
		ing->store_rc = rc;
	if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_END) {
		int erc = end_set(ing, ev->completed);
		if (erc < 0)
			return erc;
	}
	return ing->store_rc;
}

/* ------------------------------------------------------------ reading */

static int
decrypt_error(struct ingest *ing)
{
	return claims__set_error(ing->db, CLAIMS_EDECRYPT, "cannot decrypt the spool file of %s: %s",
				 ing->filename, claims__fd_source_why(&ing->src.file));
}

/* Plaintext of the source.  Errors: CLAIMS_EIO (the caller words it) and
 * CLAIMS_EDECRYPT (recorded here). */
static int
read_source(size_t *out, void *buf, size_t len, void *payload)
{
	struct ingest *ing = payload;
	size_t n = 0;

	*out = 0;
	if (ing->src.is_mem) {
		size_t left = ing->src.mem_len - (size_t)ing->pos;

		n = left < len ? left : len;
		memcpy(buf, ing->src.mem + ing->pos, n);
	} else {
		int rc = claims__fd_source_read(buf, len, &n, &ing->src.file);

		if (rc == CLAIMS_EDECRYPT)
			return decrypt_error(ing);
		if (rc < 0)
			return CLAIMS_EIO;
	}
	if (ing->hashing && n > 0)
		crypto_hash_sha256_update(&ing->sha, buf, (unsigned long long)n);
	ing->pos += (int64_t)n;
	*out = n;
	if (ing->opts->progress_cb) {
		int64_t total = ing->src.size * 2;
		int64_t done = (ing->pass == 1 ? 0 : ing->src.size) + ing->pos;
		ing->opts->progress_cb(done, total, ing->opts->progress_payload);
	}
	return CLAIMS_OK;
}

/* Back to the first byte; failures are recorded on the handle. */
static int
rewind_source(struct ingest *ing)
{
	int rc;

	ing->pos = 0;
	if (ing->src.is_mem)
		return CLAIMS_OK;
	rc = claims__fd_source_rewind(&ing->src.file);
	if (rc == CLAIMS_EDECRYPT)
		return decrypt_error(ing);
	if (rc == CLAIMS_ENOMEM)
		return claims__set_error(ing->db, rc, "out of memory");
	if (rc < 0)
		return claims__set_error(ing->db, rc, "cannot re-read %s", ing->filename);
	return CLAIMS_OK;
}

static int
blob_read(void *buf, size_t len, size_t *got, void *payload)
{
	return read_source(got, buf, len, payload);
}

static int
run_pass(struct ingest *ing, int pass, claims_x12_stats *stats)
{
	claims_x12_reader_options ro = CLAIMS_X12_READER_OPTIONS_INIT;
	struct claims__map837_callbacks cb837 = { on_claim, on_mapper_issue, ing, ing->opts->mode };
	struct claims__map835_callbacks cb835 = { on_remit, on_plb, on_mapper_issue, ing,
						  ing->opts->mode };
	claims_x12_reader *reader = NULL;
	const claims_x12_event *ev;
	int rc;

	ing->pass = pass;
	ing->in_set = ing->in_txn = false;
	ing->set_type = CLAIMS_X12_TYPE_NONE;
	rc = rewind_source(ing);
	if (rc < 0)
		return rc;

	ro.mode = ing->opts->mode;
	if (ing->opts->max_file_bytes > 0)
		ro.max_file_bytes = ing->opts->max_file_bytes;
	if (ing->opts->max_segment_bytes)
		ro.max_segment_bytes = ing->opts->max_segment_bytes;
	if (ing->opts->max_elements)
		ro.max_elements = ing->opts->max_elements;
	ro.issue_cb = on_reader_issue;
	ro.issue_payload = ing;

	rc = claims__map837_new(&ing->m837, &cb837);
	if (rc == CLAIMS_OK)
		rc = claims__map835_new(&ing->m835, &cb835);
	if (rc == CLAIMS_OK)
		rc = claims_x12_reader_new_cb(&reader, read_source, ing, &ro);
	if (rc < 0) {
		rc = claims__set_error(ing->db, rc, "cannot start reading: %s", claims_strerror(rc));
		goto out;
	}
	for (;;) {
		rc = claims_x12_reader_next(&ev, reader);
		if (rc < 0 || !ev)
			break;
		rc = dispatch(ing, ev);
		if (rc < 0)
			break;
	}
	add_835_counts(ing);
	if (claims_x12_reader_stats(stats, reader) < 0)
		memset(stats, 0, sizeof(*stats));
	if (rc == CLAIMS_EREFUSED)
		rc = CLAIMS_OK; /* a fatal issue: the caller decides from the stats */
	else if (rc == CLAIMS_EIO)
		rc = claims__set_error(ing->db, CLAIMS_EIO, "cannot read %s", ing->filename);
out:
	if (ing->in_txn) {
		claims__rollback(ing->db);
		ing->in_txn = false;
	}
	claims_x12_reader_free(reader);
	claims__map837_free(ing->m837);
	claims__map835_free(ing->m835);
	ing->m837 = NULL;
	ing->m835 = NULL;
	return rc;
}

/* ------------------------------------------------------------ results */

static void
detected_type(const claims_x12_stats *st, char out[8])
{
	int kinds = (st->transactions_837p > 0) + (st->transactions_837i > 0) +
		    (st->transactions_835 > 0);

	if (kinds > 1)
		snprintf(out, 8, "mixed");
	else if (st->transactions_837p)
		snprintf(out, 8, "837P");
	else if (st->transactions_837i)
		snprintf(out, 8, "837I");
	else if (st->transactions_835)
		snprintf(out, 8, "835");
	else
		snprintf(out, 8, "unknown");
}

#define COUNT_FIELDS(X)                                                                          \
	X(interchanges) X(groups) X(transactions) X(transactions_skipped) X(claims_parsed)        \
	X(claims_created) X(claims_updated) X(claims_voided) X(claims_unchanged) X(claim_lines)   \
	X(diagnoses) X(remittances_parsed) X(remittances_created) X(remittances_unchanged)        \
	X(service_lines) X(adjustments) X(provider_adjustments) X(episodes_linked) X(issues)      \
	X(errors) X(warnings)
#define MONEY_FIELDS(X)                                                                          \
	X(total_charge) X(line_charge_total) X(total_paid) X(total_patient_responsibility)         \
	X(bpr_total) X(plb_total)

static char *
counts_json(const claims_ingest_counts *c)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_object_begin(&w);
#define X(f) claims__jsonw_kv_int(&w, #f, c->f);
	COUNT_FIELDS(X)
#undef X
#define X(f) claims__jsonw_kv_cents(&w, #f, c->f##_cents);
	MONEY_FIELDS(X)
#undef X
	claims__jsonw_object_end(&w);
	return claims__buf_take(&b);
}

/* Read back the flat counts object written by counts_json(). */
static int64_t
json_number_cents(const char *json, const char *key, bool money)
{
	char pat[64];
	const char *p;
	int64_t cents = 0;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = json ? strstr(json, pat) : NULL;
	if (!p)
		return 0;
	p += strlen(pat);
	{
		const char *end = p;
		while (*end && *end != ',' && *end != '}')
			end++;
		if (money) {
			if (claims__parse_amount(p, (size_t)(end - p), &cents) == CLAIMS__AMOUNT_INVALID)
				return 0;
			return cents;
		}
		return strtoll(p, NULL, 10);
	}
}

void
claims__ingest_counts_from_json(claims_ingest_counts *c, const char *json)
{
#define X(f) c->f = json_number_cents(json, #f, false);
	COUNT_FIELDS(X)
#undef X
#define X(f) c->f##_cents = json_number_cents(json, #f, true);
	MONEY_FIELDS(X)
#undef X
}

static void
envelope_counts(struct ingest *ing, const claims_x12_stats *st)
{
	ing->counts.interchanges = st->interchanges;
	ing->counts.groups = st->groups;
	ing->counts.transactions = st->transactions;
	ing->counts.transactions_skipped = st->transactions_skipped;
}

/* The last transaction of a file: the issues still queued and the row's
 * final state. */
static int
finish_file(struct ingest *ing, const char *status, const char *error_code,
	    const char *error_message)
{
	char *counts = counts_json(&ing->counts);
	int rc;

	if (!counts)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	ing->set_type = CLAIMS_X12_TYPE_NONE;
	rc = claims__exec(ing->db, "BEGIN IMMEDIATE");
	if (rc == CLAIMS_OK)
		rc = flush_pending(ing);
	if (rc == CLAIMS_OK)
		rc = claims__store_file_finish(ing->db, ing->file_id, status,
					       ing->result->detected_type, counts,
					       ing->result->issues_total, error_code, error_message);
	if (rc == CLAIMS_OK)
		rc = claims__commit(ing->db);
	else
		claims__rollback(ing->db);
	claims__free(counts);
	return rc;
}

static int
refuse(struct ingest *ing, const char *code, const char *message)
{
	claims_ingest_result *r = ing->result;

	r->status = CLAIMS_INGEST_REFUSED;
	r->error_code = claims__strdup(code);
	r->error_message = claims__strdup(message);
	if (!r->error_code || !r->error_message)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	if (strcmp(code, "FILE_TOO_LARGE") == 0) {
		clear_pending(ing);
		return CLAIMS_OK; /* nothing is written for a file over the limit */
	}
	return finish_file(ing, "refused", code, message);
}

static void
wrong_type_message(const struct ingest *ing, char *buf, size_t len)
{
	snprintf(buf, len, "Expected an %s file, found %s",
		 ing->opts->expect == CLAIMS_INGEST_837 ? "837" : "835", ing->result->detected_type);
}

/* The result of a WRONG_FILE_TYPE refusal that writes nothing. */
static int
wrong_type_result(struct ingest *ing)
{
	claims_ingest_result *r = ing->result;
	char msg[160];

	wrong_type_message(ing, msg, sizeof(msg));
	r->status = CLAIMS_INGEST_REFUSED;
	r->error_code = claims__strdup("WRONG_FILE_TYPE");
	r->error_message = claims__strdup(msg);
	if (!r->error_code || !r->error_message)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	return CLAIMS_OK;
}

/* Write (or restart) the file row with its bytes.  *duplicate is set when
 * the same bytes were ingested before (the result then describes that). */
static int
record_file(struct ingest *ing, const char *sha, bool wrong_type, bool *duplicate)
{
	struct claims__file_row row;
	bool found;
	int rc;

	*duplicate = false;
	rc = claims__exec(ing->db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	/* Looked up inside the write lock: two processes with the same bytes
	 * are serialised here and the second sees the first's row. */
	rc = claims__store_file_find(ing->db, sha, &found, &row);
	if (rc < 0)
		goto fail;
	if (found && strcmp(row.status, "ingested") == 0 && wrong_type) {
		/* The same bytes came through the other family before: refused
		 * here all the same; the row stays as it is (its SHA is unique). */
		*duplicate = true;
		ing->result->ingest_file_id = row.id;
		claims__free(row.counts_json);
		rc = wrong_type_result(ing);
		if (rc < 0) {
			claims__rollback(ing->db);
			return rc;
		}
		return claims__exec(ing->db, "COMMIT");
	}
	if (found && strcmp(row.status, "ingested") == 0) {
		claims_ingest_result *r = ing->result;

		*duplicate = true;
		r->status = CLAIMS_INGEST_DUPLICATE;
		r->ingest_file_id = row.id;
		snprintf(r->detected_type, sizeof(r->detected_type), "%s", row.detected_type);
		claims__ingest_counts_from_json(&r->counts, row.counts_json);
		claims__free(row.counts_json);
		/* Nothing was written: end the lock without a write-epoch bump. */
		return claims__exec(ing->db, "COMMIT");
	}
	if (found) {
		claims__free(row.counts_json);
		ing->file_id = row.id;
		rc = claims__store_file_retry(ing->db, row.id, claims_x12_mode_to_str(ing->opts->mode));
	} else {
		rc = rewind_source(ing);
		if (rc == CLAIMS_OK) {
			ing->hashing = false;
			rc = claims__store_file_insert(ing->db, &ing->file_id, sha, "processing",
						       ing->filename, ing->src.size,
						       claims_x12_mode_to_str(ing->opts->mode),
						       ing->opts->practice_id, ing->opts->uploaded_by,
						       blob_read, ing);
		}
	}
	if (rc < 0)
		goto fail;
	return claims__commit(ing->db);
fail:
	claims__rollback(ing->db);
	return rc;
}

static int
ingest_run(struct ingest *ing)
{
	claims_ingest_result *r = ing->result;
	claims_x12_stats st;
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[65];
	bool duplicate, wrong;
	int rc;

	/* Pass 1: validate and hash. */
	crypto_hash_sha256_init(&ing->sha);
	ing->hashing = true;
	rc = run_pass(ing, 1, &st);
	if (rc < 0)
		return rc;
	if (ing->store_rc < 0)
		return claims__set_error(ing->db, ing->store_rc, "reading %s: %s", ing->filename,
					 claims_strerror(ing->store_rc));
	crypto_hash_sha256_final(&ing->sha, digest);
	ing->hashing = false;
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
	detected_type(&st, r->detected_type);

	/* The limit is checked before anything is written. */
	if (st.refused && st.refusal_code == CLAIMS_X12_FILE_TOO_LARGE)
		return refuse(ing, "FILE_TOO_LARGE", ing->first_refusal_msg);

	wrong = (ing->opts->expect == CLAIMS_INGEST_837 && st.transactions_835 > 0) ||
		(ing->opts->expect == CLAIMS_INGEST_835 &&
		 st.transactions_837p + st.transactions_837i > 0);
	rc = record_file(ing, sha, wrong, &duplicate);
	if (rc < 0 || duplicate) {
		clear_pending(ing);
		return rc;
	}
	r->ingest_file_id = ing->file_id;
	envelope_counts(ing, &st);

	if (st.refused && claims__x12_code_info(st.refusal_code)->fatal)
		return refuse(ing, claims_x12_code_to_str(st.refusal_code),
			      ing->first_refusal_msg);
	if (st.transactions_completed == 0) {
		claims_x12_issue is;

		claims__x12_issue_init(&is, CLAIMS_X12_NO_TRANSACTIONS, ing->opts->mode);
		is.message = "No supported transaction set in the file was read completely";
		record_issue(ing, &is);
		return refuse(ing, "NO_TRANSACTIONS", is.message);
	}
	if (wrong) {
		char msg[160];

		wrong_type_message(ing, msg, sizeof(msg));
		return refuse(ing, "WRONG_FILE_TYPE", msg);
	}
	if (ing->first_refusal != CLAIMS_X12_CODE_NONE)
		return refuse(ing, claims_x12_code_to_str(ing->first_refusal),
			      ing->first_refusal_msg);

	/* Pass 2: store, one transaction per set. */
	clear_pending(ing);
	memset(&ing->counts, 0, sizeof(ing->counts));
	r->n_issues = 0;
	for (size_t i = 0; i < RESULT_ISSUES_MAX; i++)
		free_result_issue(&r->issues[i]);
	r->issues_total = 0;
	ing->stored_issues = 0;
	ing->truncated = false;
	rc = run_pass(ing, 2, &st);
	if (rc == CLAIMS_OK)
		rc = ing->store_rc;
	if (rc == CLAIMS_OK) {
		envelope_counts(ing, &st);
		rc = finish_file(ing, "ingested", NULL, NULL);
	}
	if (rc < 0) {
		char msg[CLAIMS_ERRBUF_SIZE];

		snprintf(msg, sizeof(msg), "%s", claims_db_errmsg(ing->db));
		clear_pending(ing);
		(void)claims__store_file_finish(ing->db, ing->file_id, "failed", r->detected_type,
						"{}", r->issues_total, "STORE_FAILED", msg);
		claims__set_error(ing->db, rc, "%s", msg);
		return rc;
	}
	r->status = CLAIMS_INGEST_INGESTED;
	return CLAIMS_OK;
}

static const char *
base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/* What to do with a source: ingest it, or record it refused. */
struct refusal {
	const char *code, *message, *detected_type;
};

static int refuse_run(struct ingest *ing, const struct refusal *why);

static int
ingest_source(claims_ingest_result **out, claims_db *db, struct source *src,
	      const char *default_name, const claims_ingest_options *opts,
	      const struct refusal *why)
{
	static const claims_ingest_options defaults = CLAIMS_INGEST_OPTIONS_INIT;
	struct ingest ing;
	claims_ingest_result *r;
	int rc;

	if (!opts)
		opts = &defaults;
	if (opts->version != CLAIMS_INGEST_OPTIONS_VERSION ||
	    (opts->mode != CLAIMS_X12_TOLERANT && opts->mode != CLAIMS_X12_STRICT))
		return claims__set_error(db, CLAIMS_EINVAL, "invalid ingest options");
	r = claims__calloc(1, sizeof(*r));
	if (r)
		r->issues = claims__calloc(RESULT_ISSUES_MAX, sizeof(*r->issues));
	if (!r || !r->issues) {
		claims_ingest_result_free(r);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	memset(&ing, 0, sizeof(ing));
	ing.db = db;
	ing.opts = opts;
	ing.src = *src;
	ing.result = r;
	ing.filename = opts->filename ? opts->filename : (default_name ? default_name : "unknown");
	snprintf(r->detected_type, sizeof(r->detected_type), "unknown");

	rc = why ? refuse_run(&ing, why) : ingest_run(&ing);
	if (!ing.src.is_mem)
		claims__fd_source_close(&ing.src.file);
	clear_pending(&ing);
	claims__free(ing.pending);
	claims__ids_free(&ing.link_ids);
	claims__ids_free(&ing.ev_ids);
	claims__free(ing.ev_eps);
	if (rc < 0) {
		claims_ingest_result_free(r);
		return rc;
	}
	if (r->status != CLAIMS_INGEST_DUPLICATE)
		r->counts = ing.counts;
	claims__clear_error(db);
	*out = r;
	return CLAIMS_OK;
}

int
claims_ingest_mem(claims_ingest_result **out, claims_db *db, const void *data, size_t len,
		  const claims_ingest_options *opts)
{
	struct source src = { .is_mem = true, .mem = data, .mem_len = len, .size = (int64_t)len };

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || (!data && len))
		return CLAIMS_EINVAL;
	return ingest_source(out, db, &src, NULL, opts, NULL);
}

struct spool_out {
	claims_db *db;
	int fd;
};

/* Every byte to the spool file (a claims__crypt_sink). */
static int
spool_write(const void *data, size_t len, void *payload)
{
	struct spool_out *o = payload;
	const char *p = data;

	while (len > 0) {
		ssize_t w = write(o->fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return claims__set_error(o->db, CLAIMS_EIO, "cannot spool the input: %s",
						 strerror(errno));
		p += w;
		len -= (size_t)w;
	}
	return CLAIMS_OK;
}

/* Copy a pipe to an unlinked private temporary file so it can be read
 * twice; sealed (crypt.h, AD "spool") when the handle has a data key, so
 * plaintext never rests on disk. */
static int
spool(claims_db *db, int fd, int *tmp_out)
{
	char path[] = "/tmp/claims-ingest-XXXXXX";
	const char *dir = getenv("CLAIMS_SPOOL_DIR");
	char dpath[4096];
	struct claims__crypt_writer w;
	struct spool_out o = { db, -1 };
	char *buf;
	int rc = CLAIMS_OK;
	enum { BUF = 65536 }; /* on the heap: server threads have small stacks */

	if (dir && *dir) {
		snprintf(dpath, sizeof(dpath), "%s/claims-ingest-XXXXXX", dir);
		o.fd = mkstemp(dpath);
		if (o.fd >= 0)
			unlink(dpath);
	} else {
		o.fd = mkstemp(path);
		if (o.fd >= 0)
			unlink(path);
	}
	if (o.fd < 0)
		return claims__set_error(db, CLAIMS_EIO, "cannot create a spool file: %s",
					 strerror(errno));
	buf = claims__malloc(BUF);
	if (!buf) {
		close(o.fd);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	if (db->data_key)
		rc = claims__crypt_writer_init(&w, db->data_key, CLAIMS__AD_SPOOL, spool_write, &o);
	while (rc == CLAIMS_OK) {
		ssize_t n = read(fd, buf, BUF);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = claims__set_error(db, CLAIMS_EIO, "cannot read the input: %s",
					       strerror(errno));
			break;
		}
		if (n == 0)
			break;
		rc = db->data_key ? claims__crypt_writer_write(&w, buf, (size_t)n)
				  : spool_write(buf, (size_t)n, &o);
	}
	if (rc == CLAIMS_OK && db->data_key)
		rc = claims__crypt_writer_finish(&w);
	if (db->data_key)
		claims__crypt_writer_clear(&w);
	sodium_memzero(buf, BUF);
	claims__free(buf);
	if (rc == CLAIMS_ENOMEM)
		rc = claims__set_error(db, rc, "out of memory");
	if (rc < 0) {
		close(o.fd);
		return rc;
	}
	*tmp_out = o.fd;
	return CLAIMS_OK;
}

static int
ingest_fd_named(claims_ingest_result **out, claims_db *db, int fd, const char *name,
		const claims_ingest_options *opts, const struct refusal *why)
{
	struct source src = { 0 };
	const unsigned char *key = NULL;
	const char *bad = NULL;
	struct stat st;
	int64_t start;
	int tmp = -1, rc;

	if (fstat(fd, &st) != 0)
		return claims__set_error(db, CLAIMS_EIO, "cannot stat the input: %s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return claims__set_error(db, CLAIMS_EIO, "%s is a directory", name ? name : "input");
	start = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
	if (opts && opts->sealed) {
		/* A sealed spool is a regular file written for this handle. */
		if (!db->data_key)
			return claims__set_error(db, CLAIMS_EINVAL,
						 "a sealed spool file needs the data key");
		if (start < 0)
			return claims__set_error(db, CLAIMS_EINVAL,
						 "a sealed spool must be a regular file");
		key = db->data_key;
	}
	if (start < 0) {
		rc = spool(db, fd, &tmp);
		if (rc < 0)
			return rc;
		if (fstat(tmp, &st) != 0) {
			close(tmp);
			return claims__set_error(db, CLAIMS_EIO, "cannot stat the spool file");
		}
		fd = tmp;
		start = 0;
		key = db->data_key; /* spool() sealed it with this key */
	}
	rc = claims__fd_source_open(&src.file, fd, start, (int64_t)st.st_size - start, key, &bad);
	if (rc < 0) {
		rc = claims__set_error(db, rc, "cannot decrypt the spool file of %s: %s",
				       opts && opts->filename ? opts->filename : name ? name : "input",
				       bad);
	} else {
		src.size = src.file.size;
		rc = ingest_source(out, db, &src, name, opts, why);
	}
	if (tmp >= 0)
		close(tmp);
	return rc;
}

int
claims_ingest_fd(claims_ingest_result **out, claims_db *db, int fd, const claims_ingest_options *opts)
{
	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || fd < 0)
		return CLAIMS_EINVAL;
	return ingest_fd_named(out, db, fd, NULL, opts, NULL);
}

int
claims_ingest_file(claims_ingest_result **out, claims_db *db, const char *path,
		   const claims_ingest_options *opts)
{
	int fd, rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || !path)
		return CLAIMS_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return claims__set_error(db, CLAIMS_EIO, "cannot open %s: %s", path, strerror(errno));
	rc = ingest_fd_named(out, db, fd, base_name(path), opts, NULL);
	close(fd);
	return rc;
}

/* Record the source refused with @p why, without reading it as X12: hash
 * it, then insert (or restart and finish) its row with the bytes.  Bytes
 * already ingested keep their row. */
static int
refuse_run(struct ingest *ing, const struct refusal *why)
{
	claims_ingest_result *r = ing->result;
	struct claims__file_row row;
	unsigned char digest[crypto_hash_sha256_BYTES];
	unsigned char *buf;
	char sha[65];
	char *counts = NULL;
	bool found;
	int rc;
	enum { BUF = 65536 }; /* on the heap: server threads have small stacks */

	if (strlen(why->detected_type) >= sizeof(r->detected_type))
		return claims__set_error(ing->db, CLAIMS_EINVAL, "invalid detected type");
	snprintf(r->detected_type, sizeof(r->detected_type), "%s", why->detected_type);
	r->status = CLAIMS_INGEST_REFUSED;
	r->error_code = claims__strdup(why->code);
	r->error_message = claims__strdup(why->message);
	if (!r->error_code || !r->error_message)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");

	buf = claims__malloc(BUF);
	if (!buf)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	crypto_hash_sha256_init(&ing->sha);
	ing->hashing = true;
	rc = rewind_source(ing);
	for (;;) {
		size_t got = 0;

		if (rc == CLAIMS_OK) {
			rc = read_source(&got, buf, BUF, ing);
			if (rc == CLAIMS_EIO)
				rc = claims__set_error(ing->db, rc, "cannot read %s", ing->filename);
		}
		if (rc < 0) {
			claims__free(buf);
			return rc;
		}
		if (got == 0)
			break;
	}
	claims__free(buf);
	ing->hashing = false;
	crypto_hash_sha256_final(&ing->sha, digest);
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));

	counts = counts_json(&ing->counts);
	if (!counts)
		return claims__set_error(ing->db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__exec(ing->db, "BEGIN IMMEDIATE");
	if (rc < 0)
		goto out;
	rc = claims__store_file_find(ing->db, sha, &found, &row);
	if (rc < 0)
		goto fail;
	claims__free(row.counts_json);
	if (found && strcmp(row.status, "ingested") == 0) {
		r->ingest_file_id = row.id;
		rc = claims__exec(ing->db, "COMMIT"); /* nothing written */
		goto out;
	}
	if (found) {
		ing->file_id = row.id;
		rc = claims__store_file_retry(ing->db, row.id,
					      claims_x12_mode_to_str(ing->opts->mode));
	} else {
		rc = rewind_source(ing);
		if (rc == CLAIMS_OK)
			rc = claims__store_file_insert(ing->db, &ing->file_id, sha, "processing",
						       ing->filename, ing->src.size,
						       claims_x12_mode_to_str(ing->opts->mode),
						       ing->opts->practice_id, ing->opts->uploaded_by,
						       blob_read, ing);
	}
	if (rc == CLAIMS_OK)
		rc = claims__store_file_finish(ing->db, ing->file_id, "refused", r->detected_type,
					       counts, 0, why->code, why->message);
	if (rc < 0)
		goto fail;
	rc = claims__commit(ing->db);
	r->ingest_file_id = ing->file_id;
	goto out;
fail:
	claims__rollback(ing->db);
out:
	claims__free(counts);
	return rc;
}

int
claims_ingest_refuse_fd(claims_ingest_result **out, claims_db *db, int fd, const char *code,
			const char *message, const char *detected_type,
			const claims_ingest_options *opts)
{
	struct refusal why = { code, message, detected_type ? detected_type : "unknown" };

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || fd < 0 || !code || !*code || !message)
		return CLAIMS_EINVAL;
	return ingest_fd_named(out, db, fd, NULL, opts, &why);
}

int
claims_ingest_lookup(claims_ingest_result **out, claims_db *db, const char *sha256)
{
	struct claims__file_row row;
	claims_ingest_result *r;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db || !sha256 || strlen(sha256) != 64)
		return CLAIMS_EINVAL;
	rc = claims__store_file_find(db, sha256, &found, &row);
	if (rc < 0)
		return rc;
	if (!found || strcmp(row.status, "ingested") != 0) {
		claims__free(row.counts_json);
		return claims__set_error(db, CLAIMS_ENOTFOUND, "no ingested file has this SHA-256");
	}
	r = claims__calloc(1, sizeof(*r));
	if (!r) {
		claims__free(row.counts_json);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	r->status = CLAIMS_INGEST_DUPLICATE;
	r->ingest_file_id = row.id;
	snprintf(r->detected_type, sizeof(r->detected_type), "%s", row.detected_type);
	claims__ingest_counts_from_json(&r->counts, row.counts_json);
	claims__free(row.counts_json);
	claims__clear_error(db);
	*out = r;
	return CLAIMS_OK;
}

int
claims_ingest_sniff(claims_x12_type *out, const void *data, size_t len)
{
	claims_x12_reader_options ro = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *reader = NULL;
	const claims_x12_event *ev;
	claims_x12_type found = CLAIMS_X12_TYPE_NONE;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = CLAIMS_X12_TYPE_NONE;
	if (!data && len)
		return CLAIMS_EINVAL;
	if (len == 0)
		return CLAIMS_OK;
	rc = claims_x12_reader_new_mem(&reader, data, len, &ro);
	if (rc < 0)
		return rc;
	for (;;) {
		rc = claims_x12_reader_next(&ev, reader);
		if (rc < 0 || !ev)
			break;
		if (ev->type != CLAIMS_X12_EVENT_TRANSACTION_START &&
		    ev->type != CLAIMS_X12_EVENT_TRANSACTION_TYPE &&
		    ev->type != CLAIMS_X12_EVENT_TRANSACTION_END)
			continue;
		found = ev->transaction->type;
		if (found == CLAIMS_X12_TYPE_837P || found == CLAIMS_X12_TYPE_837I ||
		    found == CLAIMS_X12_TYPE_835)
			break;
		/* An unresolved 837 at its end (or the end of the data) stays
		 * an 837 of unknown kind; unsupported sets are passed over. */
		if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_END && found == CLAIMS_X12_TYPE_837_PENDING)
			break;
		found = found == CLAIMS_X12_TYPE_837_PENDING ? found : CLAIMS_X12_TYPE_NONE;
	}
	claims_x12_reader_free(reader);
	if (rc == CLAIMS_ENOMEM)
		return rc;
	*out = found;
	return CLAIMS_OK;
}

void
claims_ingest_result_free(claims_ingest_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->issues && i < RESULT_ISSUES_MAX; i++)
		free_result_issue(&r->issues[i]);
	claims__free(r->issues);
	claims__free(r->error_code);
	claims__free(r->error_message);
	claims__free(r);
}

const char *
claims_ingest_status_to_str(claims_ingest_status status)
{
	switch (status) {
	case CLAIMS_INGEST_INGESTED: return "ingested";
	case CLAIMS_INGEST_DUPLICATE: return "duplicate";
	case CLAIMS_INGEST_REFUSED: return "refused";
	}
	return "unknown";
}

const char *
claims_ingest_event_type_to_str(claims_ingest_event_type type)
{
	switch (type) {
	case CLAIMS_INGEST_EVENT_CLAIM: return "claim";
	case CLAIMS_INGEST_EVENT_REMITTANCE: return "remittance";
	case CLAIMS_INGEST_EVENT_EPISODE: return "episode";
	case CLAIMS_INGEST_EVENT_SET: return "set";
	}
	return "unknown";
}

const char *
claims_ingest_expect_to_str(claims_ingest_expect expect)
{
	switch (expect) {
	case CLAIMS_INGEST_ANY: return "any";
	case CLAIMS_INGEST_837: return "837";
	case CLAIMS_INGEST_835: return "835";
	}
	return NULL;
}
