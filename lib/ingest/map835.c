/*
 * libclaims: the 835 mapping (spec/x12.md §7, §8, §9.3, §10).
 *
 * The mapper is a small state machine over the segments of one 835 set:
 *
 *   header context   BPR, TRN, DTM*405, N1*PR / N1*PE and their REF*2U /
 *                    REF*TJ fill the set's claims__remit_header; LX, TS3,
 *                    TS2 and other 1000-loop segments are read past;
 *   payment context  opened by each CLP (with or without LX), closed by the
 *                    next CLP, LX, PLB, a repeated N1*PR / N1*PE, BPR, TRN
 *                    or the SE: CAS before the first SVC are claim-level,
 *                    every SVC opens a service payment that owns the CAS,
 *                    DTM*472/150/151, REF*6R, AMT*B6 and LQ after it.
 *
 * A payment is built in its own arena (pa) and handed to on_remit when it
 * closes, after its balancing checks (§8) and its identity (§9.3); the arena
 * is then reset, so the payments of a set never accumulate.  The header
 * lives in the set arena (sa), reset at every ST.  The per-segment path is a
 * switch on the segment id's bytes.
 *
 * Issues raised while a payment is open are located in its segments (or are
 * its balancing checks) and are deep-copied into it; reader issues are
 * queued by segment index and attached the same way when their segment is
 * processed.  The header's payer-id resolution is done lazily, when a CLP or
 * PLB needs the header or at the SE, and again after a repeated header loop.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ingest/arena.h"
#include "ingest/keys.h"
#include "ingest/map835.h"
#include "ingest/records.h"
#include "x12/codes.h"
#include "x12/values.h"

#define ID3(a, b, c) (((uint32_t)(unsigned char)(a) << 16) | ((uint32_t)(unsigned char)(b) << 8) | \
		      (uint32_t)(unsigned char)(c))
#define ID2(a, b) ID3(a, b, 0)

/* The separator of the fields of a dedup key (U+001F). */
#define KEY_SEP '\x1f'

/* An occurrence counter per payment / PLB identity of a set: the first 16
 * bytes of the SHA-256 of the identity without its occurrence, and how many
 * were seen.  Open addressing, n == 0 = empty slot. */
struct occ_entry {
	unsigned char k[16];
	uint32_t n;
};

struct occ {
	struct occ_entry *e;
	size_t cap, len;
};

/* What a service payment needs besides its record. */
struct svc_x {
	claims_x12_location loc; /* of the SVC */
	int64_t cas_sum;         /* Σ its CAS */
	size_t cap_adj, cap_rarc;
};

struct amt_entry {
	char q[4];
	int64_t cents;
};

/* The payment being built. */
struct pay {
	bool open;
	bool skip; /* CLP01 empty: parsed and counted, not emitted */
	struct claims__remit_rec r;
	claims_x12_location clp_loc;
	const char *clp07; /* CLP07 as sent (identity) */
	const char *ref1k;
	const char *qc_member, *il_member;
	struct svc_x *sx; /* parallel to r.services */
	size_t cap_svc, cap_adj, cap_rarc, cap_issues;
	struct amt_entry *amts;
	size_t n_amts, cap_amts;
	int cas_ordinal;
	int64_t claim_cas, svc_cas, svc_paid;
};

/* Where the header's values came from (for the lazy resolution). */
struct hdr_src {
	const char *ref2u, *n1pr_id; /* payer id candidates (TRN03 is hdr.trace_originator) */
	const char *bpr16, *dtm405;  /* valid dates, ISO */
	const char *pe_fi, *ref_tj;  /* payee tax id candidates */
	claims_x12_location st_loc, bpr_loc, trn_loc, n1pr_loc;
	bool has_bpr, has_trn, has_n1pr;
	bool dirty;
	int last_src; /* 0 = not resolved yet, 1 REF*2U, 2 N104, 3 TRN03, 4 none */
	const char *last_id;
};

struct set {
	bool active;
	bool seen_clp;
	struct claims__map835_counts c; /* this set's counts, added at its SE */
};

struct claims__map835 {
	struct claims__map835_callbacks cb;

	struct claims__arena pa; /* the open payment */
	struct claims__arena sa; /* the set's header */
	struct claims__arena qa; /* queued reader issues */
	struct claims__arena xa; /* one PLB segment */
	struct claims__buf raw;  /* the open payment's segments */
	struct claims__buf key;  /* dedup key input */

	char *isa13;
	int64_t isa_ordinal;

	/* The set's header, in the set arena.  Once handed out with a payment
	 * or PLB it is not changed: a later change (repeated header loop)
	 * works on a copy, so a header pointer always names one content. */
	struct claims__remit_header *hdr;
	bool hdr_used;
	struct claims__remit_header hdr_oom; /* used only when the arena failed */
	struct hdr_src hs;
	struct pay pay;
	struct set set;
	struct occ occ_clp, occ_plb;

	struct claims__issue_copy *q;
	size_t qn, qcap;

	struct claims__map835_counts total;
	bool oom;

	char msg[512];
	char details[192];
	char v1[128], v2[128];
};

/* ------------------------------------------------------------ slices */

static const claims_x12_slice empty_slice = { "", 0 };

static inline claims_x12_slice
el(const claims_x12_segment *seg, size_t n)
{
	return n < seg->count ? seg->elements[n] : empty_slice;
}

static inline bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static inline claims_x12_slice
trim(claims_x12_slice s)
{
	while (s.len && is_blank(s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && is_blank(s.ptr[s.len - 1]))
		s.len--;
	return s;
}

static inline bool
eq(claims_x12_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* Split element n on the segment's component separator; returns the count
 * (0 for an empty element), at most max (the last holds the rest). */
static size_t
split(claims_x12_slice *out, size_t max, const claims_x12_segment *seg, size_t n)
{
	claims_x12_slice s = el(seg, n);
	const char c = (char)seg->delimiters.component;
	size_t k = 0, start = 0;

	if (s.len == 0)
		return 0;
	for (size_t i = 0; i < s.len && k + 1 < max; i++) {
		if (s.ptr[i] == c) {
			out[k].ptr = s.ptr + start;
			out[k].len = i - start;
			k++;
			start = i + 1;
		}
	}
	out[k].ptr = s.ptr + start;
	out[k].len = s.len - start;
	return k + 1;
}

static uint32_t
seg_id(const claims_x12_segment *seg)
{
	const char *id = seg->id;

	if (!id[0] || !id[1])
		return 0;
	return ID3(id[0], id[1], id[2]);
}

/* ------------------------------------------------------------ strings */

static char *
dup_n(struct claims__map835 *m, struct claims__arena *a, const char *s, size_t n)
{
	char *p = claims__arena_strndup(a, s, n);

	if (!p)
		m->oom = true;
	return p;
}

static const char *
dup_str(struct claims__map835 *m, struct claims__arena *a, const char *s)
{
	return s ? dup_n(m, a, s, strlen(s)) : NULL;
}

/* A trimmed text value; NULL when empty. */
static const char *
txt(struct claims__map835 *m, struct claims__arena *a, claims_x12_slice s)
{
	s = trim(s);
	if (s.len == 0)
		return NULL;
	return dup_n(m, a, s.ptr, s.len);
}

static void
fmt_cents(char *buf, size_t cap, int64_t cents)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, cap, "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "", mag / 100,
		 (unsigned)(mag % 100));
}

/* A value for a message (claims__x12_quote): quoted, cut to 40 bytes on a
 * UTF-8 boundary; never the value of a patient segment. */
static const char *
quote(char *buf, size_t cap, const claims_x12_segment *seg, claims_x12_slice v)
{
	return claims__x12_quote(buf, cap, seg, v.ptr, v.len);
}

/* ------------------------------------------------------------ issues */

static bool
copy_issue(struct claims__map835 *m, struct claims__arena *a, struct claims__issue_copy *d,
	   const struct claims__issue_copy *s)
{
	bool was = m->oom;

	*d = *s;
	d->code = dup_str(m, a, s->code);
	d->segment_id = dup_str(m, a, s->segment_id);
	d->element = dup_str(m, a, s->element);
	d->message = dup_str(m, a, s->message ? s->message : "");
	d->details = dup_str(m, a, s->details ? s->details : "{}");
	return m->oom == was;
}

static void
issue_to_copy(struct claims__issue_copy *d, const claims_x12_issue *s)
{
	d->code_id = s->code_id;
	d->code = s->code;
	d->severity = s->severity;
	d->interchange = s->interchange;
	d->transaction = s->transaction;
	d->segment_index = s->segment_index;
	d->byte_offset = s->byte_offset;
	d->segment_id = s->segment_id;
	d->element = s->element;
	d->message = s->message;
	d->details = s->details;
}

/* Keep a deep copy of an issue on the open payment. */
static void
attach(struct claims__map835 *m, const struct claims__issue_copy *c)
{
	struct pay *p = &m->pay;
	struct claims__issue_list *l = &p->r.issues;

	if (l->count == p->cap_issues) {
		size_t ncap = p->cap_issues ? 2 * p->cap_issues : 8;
		void *n = claims__arena_grow(&m->pa, l->items, l->count, ncap, sizeof(*l->items));

		if (!n) {
			m->oom = true;
			return;
		}
		l->items = n;
		p->cap_issues = ncap;
	}
	if (!copy_issue(m, &m->pa, &l->items[l->count], c))
		return;
	l->count++;
	if (c->severity == CLAIMS_X12_ERROR)
		p->r.is_incomplete = true;
}

static void raise_at(struct claims__map835 *m, claims_x12_code code, const claims_x12_location *loc,
		     const char *segment_id, const char *element, const char *details,
		     const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Raise an issue: on_issue, and a copy on the open payment. */
static void
raise_at(struct claims__map835 *m, claims_x12_code code, const claims_x12_location *loc,
	 const char *segment_id, const char *element, const char *details, const char *fmt, ...)
{
	claims_x12_issue is;
	va_list ap;

	claims__x12_issue_init(&is, code, m->cb.mode);
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	if (loc) {
		is.interchange = loc->interchange;
		is.transaction = loc->transaction;
		is.segment_index = loc->segment_index;
		is.byte_offset = loc->byte_offset;
	}
	is.segment_id = segment_id;
	is.element = element;
	is.message = m->msg;
	is.details = details ? details : "{}";
	if (m->cb.on_issue)
		m->cb.on_issue(&is, m->cb.payload);
	if (m->pay.open) {
		struct claims__issue_copy c;

		issue_to_copy(&c, &is);
		attach(m, &c);
	}
}

#define RAISE(m, code, seg, element, ...) \
	raise_at((m), (code), &(seg)->loc, (seg)->id[0] ? (seg)->id : NULL, (element), NULL, \
		 __VA_ARGS__)

/* ------------------------------------------------------------ reader issue queue */

int
claims__map835_reader_issue(struct claims__map835 *m, const claims_x12_issue *issue)
{
	struct claims__issue_copy c;

	if (!m || !issue)
		return CLAIMS_EINVAL;
	if (m->qn == m->qcap) {
		size_t ncap = m->qcap ? 2 * m->qcap : 8;
		struct claims__issue_copy *n = claims__realloc(m->q, ncap * sizeof(*n));

		if (!n)
			return CLAIMS_ENOMEM;
		m->q = n;
		m->qcap = ncap;
	}
	issue_to_copy(&c, issue);
	if (!copy_issue(m, &m->qa, &m->q[m->qn], &c)) {
		m->oom = false;
		return CLAIMS_ENOMEM;
	}
	m->qn++;
	return CLAIMS_OK;
}

static void
queue_clear(struct claims__map835 *m)
{
	m->qn = 0;
	claims__arena_reset(&m->qa);
}

/* Attach the queued issues about segments before @p idx (before = true) or
 * about segment @p idx itself to the open payment; drop them otherwise. */
static void
queue_flush(struct claims__map835 *m, int64_t idx, bool before)
{
	size_t k = 0;

	if (!m->qn)
		return;
	for (size_t i = 0; i < m->qn; i++) {
		struct claims__issue_copy *c = &m->q[i];
		bool take = before ? c->segment_index < idx : c->segment_index == idx;

		if (!take) {
			m->q[k++] = *c;
			continue;
		}
		if (m->pay.open && c->segment_index > 0)
			attach(m, c);
	}
	m->qn = k;
	if (!k)
		claims__arena_reset(&m->qa);
}

/* ------------------------------------------------------------ values */

/* An amount element.  Empty: MISSING_ELEMENT when required, else NULL
 * silently.  Not a decimal: INVALID_AMOUNT, NULL.  More than two decimals:
 * AMOUNT_PRECISION, rounded. */
static struct claims__money
amount(struct claims__map835 *m, const claims_x12_segment *seg, size_t n, const char *element,
       bool required)
{
	struct claims__money v = { false, 0 };
	claims_x12_slice s = el(seg, n);
	int rc;

	if (s.len == 0) {
		if (required)
			RAISE(m, CLAIMS_X12_MISSING_ELEMENT, seg, element, "%s is empty", element);
		return v;
	}
	rc = claims__parse_amount(s.ptr, s.len, &v.cents);
	if (rc == CLAIMS__AMOUNT_INVALID) {
		RAISE(m, CLAIMS_X12_INVALID_AMOUNT, seg, element, "%s is not a valid amount: %s",
		      element, quote(m->v1, sizeof(m->v1), seg, s));
		v.cents = 0;
		return v;
	}
	if (rc == CLAIMS__AMOUNT_ROUNDED) {
		fmt_cents(m->v2, sizeof(m->v2), v.cents);
		RAISE(m, CLAIMS_X12_AMOUNT_PRECISION, seg, element,
		      "%s %s has more than two decimals; rounded to %s", element,
		      quote(m->v1, sizeof(m->v1), seg, s), seg->patient ? "(withheld)" : m->v2);
	}
	v.has = true;
	return v;
}

/* A D8 date element into the arena; NULL when empty or invalid (then
 * INVALID_DATE, also for an empty value when @p empty_is_invalid). */
static const char *
date8(struct claims__map835 *m, struct claims__arena *a, const claims_x12_segment *seg, size_t n,
      const char *element, bool empty_is_invalid)
{
	claims_x12_slice s = trim(el(seg, n));
	char iso[11];

	if (s.len == 0) {
		if (empty_is_invalid)
			RAISE(m, CLAIMS_X12_INVALID_DATE, seg, element, "%s is empty", element);
		return NULL;
	}
	if (!claims__parse_d8(s.ptr, s.len, iso)) {
		RAISE(m, CLAIMS_X12_INVALID_DATE, seg, element, "%s is not a valid date: %s",
		      element, quote(m->v1, sizeof(m->v1), seg, s));
		return NULL;
	}
	return dup_n(m, a, iso, 10);
}

static void
check_npi(struct claims__map835 *m, const claims_x12_segment *seg, size_t n, const char *element)
{
	claims_x12_slice s = trim(el(seg, n));

	if (s.len && !claims__valid_npi(s.ptr, s.len))
		RAISE(m, CLAIMS_X12_INVALID_NPI, seg, element, "%s is not a valid NPI: %s", element,
		      quote(m->v1, sizeof(m->v1), seg, s));
}

/* ------------------------------------------------------------ identities (§9.3) */

static void
occ_reset(struct occ *o)
{
	if (o->cap > 4096) {
		claims__free(o->e);
		o->e = NULL;
		o->cap = 0;
	} else if (o->e) {
		memset(o->e, 0, o->cap * sizeof(*o->e));
	}
	o->len = 0;
}

static size_t
occ_slot(const struct occ_entry *e, size_t cap, const unsigned char k[16])
{
	uint64_t h;
	size_t i;

	memcpy(&h, k, sizeof(h));
	i = (size_t)h & (cap - 1);
	while (e[i].n && memcmp(e[i].k, k, 16) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Count one more of identity @p k; *out = its occurrence (1, 2, ...). */
static int
occ_bump(struct occ *o, const unsigned char k[16], int *out)
{
	size_t i;

	if (2 * (o->len + 1) > o->cap) {
		size_t ncap = o->cap ? 2 * o->cap : 64;
		struct occ_entry *n = claims__calloc(ncap, sizeof(*n));

		if (!n)
			return CLAIMS_ENOMEM;
		for (size_t j = 0; j < o->cap; j++)
			if (o->e[j].n)
				n[occ_slot(n, ncap, o->e[j].k)] = o->e[j];
		claims__free(o->e);
		o->e = n;
		o->cap = ncap;
	}
	i = occ_slot(o->e, o->cap, k);
	if (!o->e[i].n) {
		memcpy(o->e[i].k, k, 16);
		o->len++;
	}
	o->e[i].n++;
	*out = (int)o->e[i].n;
	return CLAIMS_OK;
}

static void
key_str(struct claims__buf *b, const char *s, bool sep)
{
	if (s)
		claims__buf_append(b, s, strlen(s));
	if (sep)
		claims__buf_putc(b, KEY_SEP);
}

static void
key_cents(struct claims__buf *b, struct claims__money v, bool sep)
{
	char num[32];

	if (v.has) {
		int n = snprintf(num, sizeof(num), "%" PRId64, v.cents);

		claims__buf_append(b, num, (size_t)n);
	}
	if (sep)
		claims__buf_putc(b, KEY_SEP);
}

static int
hexval(char c)
{
	return c <= '9' ? c - '0' : c - 'a' + 10;
}

/* m->key holds the identity fields joined by U+001F: number it among the
 * identical ones of the set and hash it with its occurrence. */
static int
finish_key(struct claims__map835 *m, struct occ *o, int *occurrence, char out[65])
{
	char hex[65], num[24];
	unsigned char k[16];
	int rc, n;

	if (m->key.oom)
		return CLAIMS_ENOMEM;
	claims__sha256_hex(hex, m->key.data ? m->key.data : "", m->key.len);
	for (int i = 0; i < 16; i++)
		k[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	rc = occ_bump(o, k, occurrence);
	if (rc)
		return rc;
	claims__buf_putc(&m->key, KEY_SEP);
	n = snprintf(num, sizeof(num), "%d", *occurrence);
	claims__buf_append(&m->key, num, (size_t)n);
	if (m->key.oom)
		return CLAIMS_ENOMEM;
	claims__sha256_hex(out, m->key.data, m->key.len);
	return CLAIMS_OK;
}

/* ------------------------------------------------------------ header */

/* The header, made safe to change: a copy when the current one was handed
 * out already. */
static struct claims__remit_header *
hdr_w(struct claims__map835 *m)
{
	struct claims__remit_header *h;

	if (!m->hdr_used)
		return m->hdr;
	h = claims__arena_alloc(&m->sa, sizeof(*h));
	if (!h) {
		m->oom = true;
		return m->hdr;
	}
	*h = *m->hdr;
	m->hdr = h;
	m->hdr_used = false;
	return h;
}

/* Settle payer id, payment date and payee tax id from what the header said;
 * raise PAYER_ID_FROM_TRACE / PAYER_ID_MISSING when the outcome changes. */
static void
resolve_header(struct claims__map835 *m)
{
	struct hdr_src *h = &m->hs;
	const char *id;
	int src;

	if (!h->dirty)
		return;
	h->dirty = false;
	(void)hdr_w(m);
	m->hdr->payment_date = h->bpr16 ? h->bpr16 : h->dtm405;
	m->hdr->payee_tax_id = h->pe_fi ? h->pe_fi : h->ref_tj;
	if (h->ref2u) {
		src = 1;
		id = h->ref2u;
	} else if (h->n1pr_id) {
		src = 2;
		id = h->n1pr_id;
	} else if (m->hdr->trace_originator) {
		src = 3;
		id = m->hdr->trace_originator;
	} else {
		src = 4;
		id = NULL;
	}
	m->hdr->payer_id = id;
	if (src == h->last_src && (id == h->last_id || (id && h->last_id && !strcmp(id, h->last_id))))
		return;
	h->last_src = src;
	h->last_id = id;
	if (src == 3) {
		raise_at(m, CLAIMS_X12_PAYER_ID_FROM_TRACE, h->has_trn ? &h->trn_loc : &h->st_loc,
			 h->has_trn ? "TRN" : "ST", h->has_trn ? "TRN03" : NULL, NULL,
			 "No REF*2U or N1*PR N104: the payer id is taken from TRN03 \"%.40s\"", id);
	} else if (src == 4) {
		const claims_x12_location *loc = h->has_n1pr ? &h->n1pr_loc : &h->st_loc;

		raise_at(m, CLAIMS_X12_PAYER_ID_MISSING, loc, h->has_n1pr ? "N1" : "ST", NULL, NULL,
			 "No payer id in REF*2U, N1*PR N104 or TRN03; the payer is matched by name %s%.60s%s",
			 m->hdr->payer_name ? "\"" : "", m->hdr->payer_name ? m->hdr->payer_name : "(none)",
			 m->hdr->payer_name ? "\"" : "");
	}
}

static void
seg_bpr(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct hdr_src *h = &m->hs;
	claims_x12_slice s16;

	(void)hdr_w(m);
	m->hdr->handling_code = txt(m, &m->sa, el(seg, 1));
	m->hdr->total_payment = amount(m, seg, 2, "BPR02", false);
	m->hdr->credit_debit = txt(m, &m->sa, el(seg, 3));
	if (m->hdr->total_payment.has && eq(trim(el(seg, 3)), "D"))
		m->hdr->total_payment.cents = -m->hdr->total_payment.cents;
	m->hdr->payment_method = txt(m, &m->sa, el(seg, 4));
	h->bpr16 = NULL;
	s16 = trim(el(seg, 16));
	if (s16.len)
		h->bpr16 = date8(m, &m->sa, seg, 16, "BPR16", false);
	h->bpr_loc = seg->loc;
	h->has_bpr = true;
	h->dirty = true;
}

static void
seg_trn(struct claims__map835 *m, const claims_x12_segment *seg)
{
	(void)hdr_w(m);
	m->hdr->check_number = txt(m, &m->sa, el(seg, 2));
	m->hdr->trace_originator = txt(m, &m->sa, el(seg, 3));
	m->hs.trn_loc = seg->loc;
	m->hs.has_trn = true;
	m->hs.dirty = true;
}

static int close_payment(struct claims__map835 *m);

static int
seg_n1(struct claims__map835 *m, const claims_x12_segment *seg)
{
	claims_x12_slice who = trim(el(seg, 1)), q;
	bool pr = eq(who, "PR"), pe = eq(who, "PE");
	int rc;

	if (!pr && !pe)
		return CLAIMS_OK;
	if (m->set.seen_clp) {
		rc = close_payment(m);
		if (rc)
			return rc;
		RAISE(m, CLAIMS_X12_HEADER_LOOP_REPEATED, seg, "N101",
		      "N1*%s after the first claim payment of the set; it applies to the payments that follow",
		      pr ? "PR" : "PE");
	}
	q = trim(el(seg, 3));
	(void)hdr_w(m);
	if (pr) {
		m->hdr->payer_name = txt(m, &m->sa, el(seg, 2));
		m->hs.n1pr_id = q.len ? txt(m, &m->sa, el(seg, 4)) : NULL;
		if (m->set.seen_clp)
			m->hs.ref2u = NULL;
		m->hs.n1pr_loc = seg->loc;
		m->hs.has_n1pr = true;
	} else {
		m->hdr->payee_name = txt(m, &m->sa, el(seg, 2));
		m->hdr->payee_npi = NULL;
		m->hs.pe_fi = NULL;
		if (m->set.seen_clp)
			m->hs.ref_tj = NULL;
		if (eq(q, "XX")) {
			m->hdr->payee_npi = txt(m, &m->sa, el(seg, 4));
			check_npi(m, seg, 4, "N104");
		} else if (eq(q, "FI")) {
			m->hs.pe_fi = txt(m, &m->sa, el(seg, 4));
		}
	}
	m->hs.dirty = true;
	return CLAIMS_OK;
}

static void
seg_ref_header(struct claims__map835 *m, const claims_x12_segment *seg)
{
	claims_x12_slice q = trim(el(seg, 1));

	if (eq(q, "2U")) {
		m->hs.ref2u = txt(m, &m->sa, el(seg, 2));
		m->hs.dirty = true;
	} else if (eq(q, "TJ")) {
		m->hs.ref_tj = txt(m, &m->sa, el(seg, 2));
		m->hs.dirty = true;
	}
}

/* DTM qualifiers of payments and service payments. */
static bool
payment_dtm(claims_x12_slice q)
{
	return eq(q, "232") || eq(q, "233") || eq(q, "050") || eq(q, "472") || eq(q, "150") ||
	       eq(q, "151") || eq(q, "036");
}

static void
orphan(struct claims__map835 *m, const claims_x12_segment *seg)
{
	RAISE(m, CLAIMS_X12_ORPHAN_SEGMENT, seg, NULL,
	      "%s segment before any claim payment (CLP); skipped", seg->id);
}

static void
seg_dtm_header(struct claims__map835 *m, const claims_x12_segment *seg)
{
	claims_x12_slice q = trim(el(seg, 1));

	if (eq(q, "405")) {
		m->hs.dtm405 = date8(m, &m->sa, seg, 2, "DTM02", true);
		m->hs.dirty = true;
	} else if (payment_dtm(q)) {
		orphan(m, seg);
	}
}

/* ------------------------------------------------------------ payment */

static void
pay_discard(struct claims__map835 *m)
{
	memset(&m->pay, 0, sizeof(m->pay));
	claims__arena_reset(&m->pa);
	claims__buf_reset(&m->raw);
}

static bool
valid_clp02(claims_x12_slice s)
{
	static const char *const codes[] = { "1", "2", "3", "4", "19", "20", "21", "22", "23", "25" };

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (eq(s, codes[i]))
			return true;
	return false;
}

static int
seg_clp(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct pay *p;
	struct claims__remit_rec *r;
	claims_x12_slice s;
	int rc;

	rc = close_payment(m);
	if (rc)
		return rc;
	resolve_header(m);

	p = &m->pay;
	r = &p->r;
	p->open = true;
	r->header = m->hdr;
	r->first_segment_index = seg->loc.segment_index;
	p->clp_loc = seg->loc;
	m->set.seen_clp = true;
	m->set.c.remittances_parsed++;

	s = trim(el(seg, 1));
	if (s.len == 0) {
		p->skip = true;
		m->set.c.remittances_skipped++;
		RAISE(m, CLAIMS_X12_MISSING_ELEMENT, seg, "CLP01",
		      "CLP01 (patient control number) is empty; the claim payment is skipped");
	} else {
		r->claim_control_number = dup_n(m, &m->pa, s.ptr, s.len);
		if (r->claim_control_number)
			r->pcn_key = claims__pcn_key(&m->pa, r->claim_control_number, &m->oom);
	}

	s = trim(el(seg, 2));
	r->claim_status_code = txt(m, &m->pa, s);
	if (s.len == 0)
		RAISE(m, CLAIMS_X12_MISSING_ELEMENT, seg, "CLP02", "CLP02 (claim status) is empty");
	else if (!valid_clp02(s))
		RAISE(m, CLAIMS_X12_INVALID_CODE, seg, "CLP02", "CLP02 %s is not a claim status code",
		      quote(m->v1, sizeof(m->v1), seg, s));

	r->claim_charge = amount(m, seg, 3, "CLP03", true);
	r->payment = amount(m, seg, 4, "CLP04", true);
	r->patient_responsibility = amount(m, seg, 5, "CLP05", false);
	m->set.c.total_charge_cents += r->claim_charge.cents;
	m->set.c.total_paid_cents += r->payment.cents;
	m->set.c.total_patient_responsibility_cents += r->patient_responsibility.cents;

	r->claim_filing_indicator = txt(m, &m->pa, el(seg, 6));
	p->clp07 = txt(m, &m->pa, el(seg, 7));
	r->facility_type_code = txt(m, &m->pa, el(seg, 8));
	r->claim_frequency_type = txt(m, &m->pa, el(seg, 9));
	r->drg_code = txt(m, &m->pa, el(seg, 11));
	return CLAIMS_OK;
}

/* Append a distinct remark code to a list. */
static void
rarc_add(struct claims__map835 *m, const char ***list, size_t *n, size_t *cap, claims_x12_slice s)
{
	const char *v;

	s = trim(s);
	if (!s.len)
		return;
	for (size_t i = 0; i < *n; i++)
		if (eq(s, (*list)[i]))
			return;
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4;
		void *nl = claims__arena_grow(&m->pa, (void *)*list, *n, ncap, sizeof(**list));

		if (!nl) {
			m->oom = true;
			return;
		}
		*list = nl;
		*cap = ncap;
	}
	v = dup_n(m, &m->pa, s.ptr, s.len);
	if (v)
		(*list)[(*n)++] = v;
}

static struct claims__service_rec *
cur_service(struct claims__map835 *m)
{
	struct claims__remit_rec *r = &m->pay.r;

	return r->n_services ? &r->services[r->n_services - 1] : NULL;
}

static void
seg_svc(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct pay *p = &m->pay;
	struct claims__remit_rec *r = &p->r;
	struct claims__service_rec *sv;
	claims_x12_slice c[CLAIMS_X12_MAX_COMPONENTS], s;
	size_t nc;

	if (r->n_services == p->cap_svc) {
		size_t ncap = p->cap_svc ? 2 * p->cap_svc : 8;
		void *ns = claims__arena_grow(&m->pa, r->services, r->n_services, ncap,
					      sizeof(*r->services));
		void *nx = claims__arena_grow(&m->pa, p->sx, r->n_services, ncap, sizeof(*p->sx));

		if (!ns || !nx) {
			m->oom = true;
			return;
		}
		r->services = ns;
		p->sx = nx;
		p->cap_svc = ncap;
	}
	sv = &r->services[r->n_services];
	memset(sv, 0, sizeof(*sv));
	memset(&p->sx[r->n_services], 0, sizeof(p->sx[0]));
	p->sx[r->n_services].loc = seg->loc;
	r->n_services++;
	sv->line_number = (int)r->n_services;
	m->set.c.service_lines++;

	nc = split(c, CLAIMS_X12_MAX_COMPONENTS, seg, 1);
	if (nc == 0) {
		RAISE(m, CLAIMS_X12_MISSING_ELEMENT, seg, "SVC01", "SVC01 (procedure) is empty");
	} else if (nc == 1) {
		RAISE(m, CLAIMS_X12_COMPOSITE_UNSPLIT, seg, "SVC01",
		      "SVC01 %s has no component separator '%c'; procedure fields are left empty",
		      quote(m->v1, sizeof(m->v1), seg, el(seg, 1)),
		      (char)seg->delimiters.component);
	} else {
		sv->procedure_qualifier = txt(m, &m->pa, c[0]);
		sv->procedure_code = txt(m, &m->pa, c[1]);
		for (size_t i = 2; i < nc && i < 6; i++) {
			const char *mod = txt(m, &m->pa, c[i]);

			if (mod)
				sv->modifiers[sv->n_modifiers++] = mod;
		}
	}

	sv->charge = amount(m, seg, 2, "SVC02", true);
	sv->paid = amount(m, seg, 3, "SVC03", true);
	p->svc_paid += sv->paid.cents;

	s = trim(el(seg, 4));
	if (s.len) {
		char rev[5];

		if (claims__normalize_revenue_code(s.ptr, s.len, rev)) {
			sv->revenue_code = dup_n(m, &m->pa, rev, 4);
		} else {
			RAISE(m, CLAIMS_X12_INVALID_CODE, seg, "SVC04",
			      "SVC04 %s is not a revenue code", quote(m->v1, sizeof(m->v1), seg, s));
			sv->revenue_code = dup_n(m, &m->pa, s.ptr, s.len);
		}
	}

	s = trim(el(seg, 5));
	if (s.len == 0) {
		sv->has_units = true;
		sv->units = 1;
	} else {
		sv->has_units = claims__parse_quantity(s.ptr, s.len, &sv->units);
	}

	s = trim(el(seg, 6));
	if (s.len) {
		char *t = dup_n(m, &m->pa, s.ptr, s.len);

		if (t)
			for (char *q = t; *q; q++)
				if ((unsigned char)*q == seg->delimiters.component)
					*q = ':';
		sv->original_procedure = t;
	}
	s = trim(el(seg, 7));
	if (s.len)
		sv->has_original_units = claims__parse_quantity(s.ptr, s.len, &sv->original_units);
}

static const char *const cas_el[20] = {
	"CAS00", "CAS01", "CAS02", "CAS03", "CAS04", "CAS05", "CAS06", "CAS07", "CAS08", "CAS09",
	"CAS10", "CAS11", "CAS12", "CAS13", "CAS14", "CAS15", "CAS16", "CAS17", "CAS18", "CAS19",
};

static bool
add_adjustment(struct claims__map835 *m, struct claims__adjustment_rec **arr, size_t *n,
	       size_t *cap, const struct claims__adjustment_rec *a)
{
	if (*n == *cap) {
		size_t ncap = *cap ? 2 * *cap : 4;
		void *na = claims__arena_grow(&m->pa, *arr, *n, ncap, sizeof(**arr));

		if (!na) {
			m->oom = true;
			return false;
		}
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = *a;
	return true;
}

static void
seg_cas(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct pay *p = &m->pay;
	struct claims__service_rec *sv = cur_service(m);
	claims_x12_slice g = trim(el(seg, 1));
	const char *group;
	int ordinal = ++p->cas_ordinal;

	if (!(eq(g, "CO") || eq(g, "PR") || eq(g, "OA") || eq(g, "PI") || eq(g, "CR"))) {
		RAISE(m, CLAIMS_X12_INVALID_CODE, seg, "CAS01",
		      "CAS01 %s is not a claim adjustment group code (CO, PR, OA, PI, CR); segment skipped",
		      quote(m->v1, sizeof(m->v1), seg, g));
		return;
	}
	group = dup_n(m, &m->pa, g.ptr, g.len);
	for (int t = 0; t < 6; t++) {
		size_t ri = 2 + 3 * (size_t)t, ai = ri + 1, qi = ri + 2;
		claims_x12_slice rs = trim(el(seg, ri)), as = el(seg, ai), qs = trim(el(seg, qi));
		struct claims__adjustment_rec a;
		struct claims__money v;

		if (!rs.len && !as.len)
			continue;
		if (!rs.len || !as.len) {
			RAISE(m, CLAIMS_X12_CAS_INCOMPLETE_TRIPLET, seg, cas_el[rs.len ? ai : ri],
			      "CAS triplet %d has %s without %s; skipped", t + 1,
			      rs.len ? "a reason" : "an amount", rs.len ? "an amount" : "a reason");
			continue;
		}
		v = amount(m, seg, ai, cas_el[ai], true);
		if (!v.has)
			continue;
		memset(&a, 0, sizeof(a));
		a.group_code = group;
		a.reason_code = dup_n(m, &m->pa, rs.ptr, rs.len);
		a.amount_cents = v.cents;
		if (qs.len)
			a.has_quantity = claims__parse_quantity(qs.ptr, qs.len, &a.quantity);
		a.segment_ordinal = ordinal;
		a.triplet_index = t + 1;
		if (sv) {
			struct svc_x *x = &p->sx[p->r.n_services - 1];

			if (!add_adjustment(m, &sv->adjustments, &sv->n_adjustments, &x->cap_adj, &a))
				return;
			x->cas_sum += v.cents;
			p->svc_cas += v.cents;
		} else {
			if (!add_adjustment(m, &p->r.adjustments, &p->r.n_adjustments, &p->cap_adj, &a))
				return;
			p->claim_cas += v.cents;
		}
		m->set.c.adjustments++;
	}
}

static void
seg_nm1(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct claims__remit_rec *r = &m->pay.r;
	claims_x12_slice q = trim(el(seg, 1));

	if (eq(q, "QC")) {
		r->patient_last_name = txt(m, &m->pa, el(seg, 3));
		r->patient_first_name = txt(m, &m->pa, el(seg, 4));
		m->pay.qc_member = txt(m, &m->pa, el(seg, 9));
	} else if (eq(q, "IL")) {
		m->pay.il_member = txt(m, &m->pa, el(seg, 9));
	} else if (eq(q, "82")) {
		if (eq(trim(el(seg, 8)), "XX")) {
			r->rendering_provider_npi = txt(m, &m->pa, el(seg, 9));
			check_npi(m, seg, 9, "NM109");
		}
	} else if (eq(q, "TT")) {
		r->crossover_payer_name = txt(m, &m->pa, el(seg, 3));
	}
}

static void
seg_mia_moa(struct claims__map835 *m, const claims_x12_segment *seg, bool mia)
{
	static const size_t mia_el[] = { 5, 20, 21, 22, 23 };
	static const size_t moa_el[] = { 3, 4, 5, 6, 7 };
	const size_t *e = mia ? mia_el : moa_el;
	struct claims__remit_rec *r = &m->pay.r;

	for (size_t i = 0; i < 5; i++)
		rarc_add(m, &r->remark_codes, &r->n_remark_codes, &m->pay.cap_rarc, el(seg, e[i]));
}

static bool
claim_amt_qualifier(claims_x12_slice q)
{
	static const char *const quals[] = { "AU", "D8", "DY", "F5", "I", "NL", "T",
					     "T2", "ZK", "ZL", "ZM", "ZN", "ZO" };

	for (size_t i = 0; i < sizeof(quals) / sizeof(quals[0]); i++)
		if (eq(q, quals[i]))
			return true;
	return false;
}

static void
seg_amt(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct pay *p = &m->pay;
	struct claims__service_rec *sv = cur_service(m);
	claims_x12_slice q = trim(el(seg, 1));
	struct claims__money v;
	size_t i;

	if (sv) {
		if (eq(q, "B6"))
			sv->allowed = amount(m, seg, 2, "AMT02", false);
		return;
	}
	if (!claim_amt_qualifier(q))
		return;
	v = amount(m, seg, 2, "AMT02", false);
	if (!v.has)
		return;
	for (i = 0; i < p->n_amts; i++)
		if (eq(q, p->amts[i].q))
			break;
	if (i == p->n_amts) {
		if (p->n_amts == p->cap_amts) {
			size_t ncap = p->cap_amts ? 2 * p->cap_amts : 4;
			void *na = claims__arena_grow(&m->pa, p->amts, p->n_amts, ncap,
						      sizeof(*p->amts));

			if (!na) {
				m->oom = true;
				return;
			}
			p->amts = na;
			p->cap_amts = ncap;
		}
		memcpy(p->amts[i].q, q.ptr, q.len);
		p->amts[i].q[q.len] = '\0';
		p->n_amts++;
	}
	p->amts[i].cents = v.cents;
}

static void
seg_dtm_payment(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct claims__remit_rec *r = &m->pay.r;
	struct claims__service_rec *sv = cur_service(m);
	claims_x12_slice q = trim(el(seg, 1));

	if (eq(q, "232")) {
		r->service_date_from = date8(m, &m->pa, seg, 2, "DTM02", true);
	} else if (eq(q, "233")) {
		r->service_date_to = date8(m, &m->pa, seg, 2, "DTM02", true);
	} else if (eq(q, "050")) {
		r->received_date = date8(m, &m->pa, seg, 2, "DTM02", true);
	} else if (sv && eq(q, "472")) {
		claims_x12_slice d6 = trim(el(seg, 6));
		char from[11], to[11];

		if (trim(el(seg, 2)).len == 0 && d6.len && eq(trim(el(seg, 5)), "RD8")) {
			if (claims__parse_rd8(d6.ptr, d6.len, from, to)) {
				sv->service_date = dup_n(m, &m->pa, from, 10);
				sv->service_date_to = dup_n(m, &m->pa, to, 10);
			} else {
				RAISE(m, CLAIMS_X12_INVALID_DATE, seg, "DTM06",
				      "DTM06 is not a valid date range: %s",
				      quote(m->v1, sizeof(m->v1), seg, d6));
			}
			return;
		}
		sv->service_date = date8(m, &m->pa, seg, 2, "DTM02", true);
	} else if (sv && eq(q, "150")) {
		sv->service_date = date8(m, &m->pa, seg, 2, "DTM02", true);
	} else if (sv && eq(q, "151")) {
		sv->service_date_to = date8(m, &m->pa, seg, 2, "DTM02", true);
	}
}

static void
seg_ref_payment(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct claims__service_rec *sv = cur_service(m);
	claims_x12_slice q = trim(el(seg, 1));

	if (eq(q, "1K") && !sv)
		m->pay.ref1k = txt(m, &m->pa, el(seg, 2));
	else if (eq(q, "6R") && sv)
		sv->line_item_control_number = txt(m, &m->pa, el(seg, 2));
}

static void
seg_lq(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct claims__service_rec *sv = cur_service(m);
	claims_x12_slice q = trim(el(seg, 1));

	if (!sv || !(eq(q, "HE") || eq(q, "RX")))
		return;
	rarc_add(m, &sv->remark_codes, &sv->n_remark_codes,
		 &m->pay.sx[m->pay.r.n_services - 1].cap_rarc, el(seg, 2));
}

/* ------------------------------------------------------------ closing a payment */

static const char *
bal_details(struct claims__map835 *m, int64_t expected, int64_t actual)
{
	char e[32], a[32], d[32];

	fmt_cents(e, sizeof(e), expected);
	fmt_cents(a, sizeof(a), actual);
	fmt_cents(d, sizeof(d), actual - expected);
	snprintf(m->details, sizeof(m->details),
		 "{\"expected\": %s, \"actual\": %s, \"difference\": %s}", e, a, d);
	return m->details;
}

static void
balance_payment(struct claims__map835 *m)
{
	struct pay *p = &m->pay;
	struct claims__remit_rec *r = &p->r;
	char e[32], a[32];

	for (size_t i = 0; i < r->n_services; i++) {
		const struct claims__service_rec *sv = &r->services[i];
		int64_t actual, expected = p->sx[i].cas_sum;

		if (!sv->charge.has || !sv->paid.has)
			continue;
		actual = sv->charge.cents - sv->paid.cents;
		if (actual == expected)
			continue;
		fmt_cents(a, sizeof(a), actual);
		fmt_cents(e, sizeof(e), expected);
		raise_at(m, CLAIMS_X12_BAL_835_LINE, &p->sx[i].loc, "SVC", NULL,
			 bal_details(m, expected, actual),
			 "Service line %zu: SVC02 - SVC03 is %s but its adjustments total %s", i + 1,
			 a, e);
	}
	if (r->claim_charge.has && r->payment.has) {
		int64_t actual = r->claim_charge.cents - r->payment.cents;
		int64_t expected = p->claim_cas + p->svc_cas;

		if (actual != expected) {
			fmt_cents(a, sizeof(a), actual);
			fmt_cents(e, sizeof(e), expected);
			raise_at(m, CLAIMS_X12_BAL_835_CLAIM, &p->clp_loc, "CLP", NULL,
				 bal_details(m, expected, actual),
				 "CLP03 - CLP04 is %s but the claim and service adjustments total %s",
				 a, e);
		}
	}
	if (r->n_services && r->payment.has) {
		int64_t actual = r->payment.cents;
		int64_t expected = p->svc_paid - p->claim_cas;

		if (actual != expected) {
			fmt_cents(a, sizeof(a), actual);
			fmt_cents(e, sizeof(e), expected);
			raise_at(m, CLAIMS_X12_BAL_835_SVC_PAID, &p->clp_loc, "CLP", "CLP04",
				 bal_details(m, expected, actual),
				 "CLP04 is %s but the service payments less claim adjustments are %s",
				 a, e);
		}
	}
}

static const char *
amounts_json(struct claims__map835 *m)
{
	struct pay *p = &m->pay;
	size_t cap = 3 + p->n_amts * 48, o = 0;
	char *out;

	if (!p->n_amts)
		return "{}";
	out = claims__arena_alloc(&m->pa, cap);
	if (!out) {
		m->oom = true;
		return "{}";
	}
	out[o++] = '{';
	for (size_t i = 0; i < p->n_amts; i++) {
		char num[32];

		fmt_cents(num, sizeof(num), p->amts[i].cents);
		o += (size_t)snprintf(out + o, cap - o, "%s\"%s\": %s", i ? ", " : "", p->amts[i].q,
				      num);
	}
	out[o++] = '}';
	out[o] = '\0';
	return out;
}

static void
service_dates(struct claims__remit_rec *r)
{
	const char *lo = NULL, *hi = NULL;

	if (r->service_date_from && r->service_date_to)
		return;
	for (size_t i = 0; i < r->n_services; i++) {
		const struct claims__service_rec *sv = &r->services[i];
		const char *a = sv->service_date ? sv->service_date : sv->service_date_to;
		const char *b = sv->service_date_to ? sv->service_date_to : sv->service_date;

		if (a && (!lo || strcmp(a, lo) < 0))
			lo = a;
		if (b && (!hi || strcmp(b, hi) > 0))
			hi = b;
	}
	if (!r->service_date_from)
		r->service_date_from = lo;
	if (!r->service_date_to)
		r->service_date_to = hi;
}

static int
remit_key(struct claims__map835 *m)
{
	struct claims__remit_rec *r = &m->pay.r;
	struct claims__buf *b = &m->key;

	claims__buf_reset(b);
	key_str(b, m->hdr->payer_id, true);
	key_str(b, m->hdr->check_number, true);
	key_str(b, r->claim_control_number, true);
	key_str(b, r->claim_status_code, true);
	key_cents(b, r->claim_charge, true);
	key_cents(b, r->payment, true);
	key_str(b, m->pay.clp07, false);
	return finish_key(m, &m->occ_clp, &r->occurrence, r->dedup_key);
}

/* Finish the open payment and hand it on; then forget it. */
static int
close_payment(struct claims__map835 *m)
{
	struct pay *p = &m->pay;
	struct claims__remit_rec *r = &p->r;
	int rc = CLAIMS_OK;

	if (!p->open)
		return CLAIMS_OK;
	if (p->skip)
		goto out;
	r->payer_claim_control_number = p->clp07 ? p->clp07 : p->ref1k;
	r->patient_member_id = p->qc_member ? p->qc_member : p->il_member;
	r->patient_key = claims__patient_key(&m->pa, r->patient_last_name, r->patient_first_name,
					     &m->oom);
	service_dates(r);
	r->amounts_json = amounts_json(m);
	balance_payment(m);
	rc = remit_key(m);
	if (rc)
		goto out;
	if (m->oom || m->raw.oom) {
		rc = CLAIMS_ENOMEM;
		goto out;
	}
	r->raw_edi = m->raw.data ? m->raw.data : "";
	r->raw_edi_len = m->raw.len;
	m->hdr_used = true;
	if (m->cb.on_remit)
		rc = m->cb.on_remit(r, m->cb.payload);
out:
	pay_discard(m);
	return rc;
}

/* ------------------------------------------------------------ PLB */

static const char *const plb_el[15] = {
	"PLB00", "PLB01", "PLB02", "PLB03", "PLB04", "PLB05", "PLB06", "PLB07",
	"PLB08", "PLB09", "PLB10", "PLB11", "PLB12", "PLB13", "PLB14",
};

static int
seg_plb(struct claims__map835 *m, const claims_x12_segment *seg)
{
	struct claims__plb_rec rec;
	const char *provider, *period, *period_raw;
	int rc = CLAIMS_OK;

	rc = close_payment(m);
	if (rc)
		return rc;
	resolve_header(m);
	provider = txt(m, &m->xa, el(seg, 1));
	period_raw = txt(m, &m->xa, el(seg, 2));
	period = date8(m, &m->xa, seg, 2, "PLB02", false);

	for (int i = 0; i < 6; i++) {
		size_t ci = 3 + 2 * (size_t)i, ai = ci + 1;
		claims_x12_slice c[CLAIMS_X12_MAX_COMPONENTS], as = el(seg, ai);
		size_t nc = split(c, CLAIMS_X12_MAX_COMPONENTS, seg, ci);
		struct claims__money v;

		if (!nc && !as.len)
			continue;
		if (!as.len) {
			RAISE(m, CLAIMS_X12_INVALID_AMOUNT, seg, plb_el[ai],
			      "%s (adjustment amount) is empty; the adjustment is not stored",
			      plb_el[ai]);
			continue;
		}
		v = amount(m, seg, ai, plb_el[ai], true);
		if (!v.has)
			continue;
		memset(&rec, 0, sizeof(rec));
		rec.header = m->hdr;
		rec.provider_identifier = provider;
		rec.fiscal_period_date = period;
		rec.reason_code = nc > 0 ? txt(m, &m->xa, c[0]) : NULL;
		rec.reference_id = nc > 1 ? txt(m, &m->xa, c[1]) : NULL;
		rec.amount_cents = v.cents;
		rec.pair_index = i + 1;
		m->set.c.provider_adjustments++;
		m->set.c.plb_total_cents += v.cents;

		claims__buf_reset(&m->key);
		key_str(&m->key, m->hdr->payer_id, true);
		key_str(&m->key, m->hdr->check_number, true);
		key_str(&m->key, provider, true);
		key_str(&m->key, period_raw, true);
		key_str(&m->key, rec.reason_code, true);
		key_str(&m->key, rec.reference_id, true);
		key_cents(&m->key, v, false);
		rc = finish_key(m, &m->occ_plb, &rec.occurrence, rec.dedup_key);
		if (rc)
			break;
		if (m->oom) {
			rc = CLAIMS_ENOMEM;
			break;
		}
		m->hdr_used = true;
		if (m->cb.on_plb) {
			rc = m->cb.on_plb(&rec, m->cb.payload);
			if (rc)
				break;
		}
	}
	claims__arena_reset(&m->xa);
	return rc;
}

/* ------------------------------------------------------------ events */

static void
set_discard(struct claims__map835 *m)
{
	pay_discard(m);
	queue_clear(m);
	memset(&m->set, 0, sizeof(m->set));
}

static int
set_start(struct claims__map835 *m, const claims_x12_event *ev)
{
	const claims_x12_segment *seg = ev->segment;

	set_discard(m);
	claims__arena_reset(&m->sa);
	occ_reset(&m->occ_clp);
	occ_reset(&m->occ_plb);
	m->hdr = claims__arena_alloc(&m->sa, sizeof(*m->hdr));
	m->hdr_used = false;
	if (!m->hdr) {
		m->hdr = &m->hdr_oom;
		memset(m->hdr, 0, sizeof(*m->hdr));
		m->oom = true;
	}
	memset(&m->hs, 0, sizeof(m->hs));
	m->set.active = true;
	m->hs.dirty = true;
	if (seg) {
		m->hs.st_loc = seg->loc;
		m->hdr->interchange = seg->loc.interchange;
		m->hdr->transaction = seg->loc.transaction;
		m->hdr->transaction_control_number = txt(m, &m->sa, el(seg, 2));
	}
	if (ev->transaction) {
		m->hdr->transaction = ev->transaction->ordinal;
		if (!m->hdr->transaction_control_number && ev->transaction->control_number[0])
			m->hdr->transaction_control_number =
				dup_str(m, &m->sa, ev->transaction->control_number);
	}
	if (m->hdr->interchange && m->isa13 && m->hdr->interchange == m->isa_ordinal)
		m->hdr->interchange_control_number = dup_str(m, &m->sa, m->isa13);
	if (m->oom) {
		m->oom = false;
		return CLAIMS_ENOMEM;
	}
	return CLAIMS_OK;
}

static int
set_end(struct claims__map835 *m, const claims_x12_event *ev)
{
	struct claims__map835_counts *c = &m->set.c, *t = &m->total;
	int rc;

	if (!m->set.active)
		return CLAIMS_OK;
	if (!ev->completed || !ev->segment) {
		set_discard(m);
		return CLAIMS_OK;
	}
	queue_flush(m, ev->segment->loc.segment_index, true);
	rc = close_payment(m);
	if (rc)
		goto out;
	resolve_header(m);
	if (m->hdr->total_payment.has) {
		int64_t actual = m->hdr->total_payment.cents;
		int64_t expected = c->total_paid_cents - c->plb_total_cents;

		if (actual != expected) {
			char a[32], e[32];

			fmt_cents(a, sizeof(a), actual);
			fmt_cents(e, sizeof(e), expected);
			raise_at(m, CLAIMS_X12_BAL_835_TRANSACTION, m->hs.has_bpr ? &m->hs.bpr_loc : NULL,
				 m->hs.has_bpr ? "BPR" : NULL, "BPR02", bal_details(m, expected, actual),
				 "BPR02 is %s but the claim payments less provider adjustments are %s",
				 a, e);
		}
		c->bpr_total_cents = actual;
	}
	if (m->oom) {
		rc = CLAIMS_ENOMEM;
		goto out;
	}
	t->transactions++;
	t->remittances_parsed += c->remittances_parsed;
	t->remittances_skipped += c->remittances_skipped;
	t->service_lines += c->service_lines;
	t->adjustments += c->adjustments;
	t->provider_adjustments += c->provider_adjustments;
	t->total_charge_cents += c->total_charge_cents;
	t->total_paid_cents += c->total_paid_cents;
	t->total_patient_responsibility_cents += c->total_patient_responsibility_cents;
	t->bpr_total_cents += c->bpr_total_cents;
	t->plb_total_cents += c->plb_total_cents;
out:
	set_discard(m);
	m->oom = false;
	return rc;
}

static int
on_segment(struct claims__map835 *m, const claims_x12_segment *seg)
{
	int64_t idx = seg->loc.segment_index;
	bool open;
	int rc = CLAIMS_OK;

	if (!m->set.active || seg->skipped)
		return CLAIMS_OK;
	queue_flush(m, idx, true);
	open = m->pay.open;

	switch (seg_id(seg)) {
	case ID3('C', 'L', 'P'):
		rc = seg_clp(m, seg);
		break;
	case ID2('L', 'X'):
		rc = close_payment(m);
		break;
	case ID3('P', 'L', 'B'):
		rc = seg_plb(m, seg);
		break;
	case ID2('N', '1'):
		rc = seg_n1(m, seg);
		break;
	case ID3('B', 'P', 'R'):
		rc = close_payment(m);
		if (!rc)
			seg_bpr(m, seg);
		break;
	case ID3('T', 'R', 'N'):
		rc = close_payment(m);
		if (!rc)
			seg_trn(m, seg);
		break;
	case ID3('C', 'A', 'S'):
		if (open)
			seg_cas(m, seg);
		else
			orphan(m, seg);
		break;
	case ID3('S', 'V', 'C'):
		if (open)
			seg_svc(m, seg);
		else
			orphan(m, seg);
		break;
	case ID3('N', 'M', '1'):
		if (open)
			seg_nm1(m, seg);
		else
			orphan(m, seg);
		break;
	case ID3('M', 'I', 'A'):
	case ID3('M', 'O', 'A'):
		if (open)
			seg_mia_moa(m, seg, seg->id[1] == 'I');
		else
			orphan(m, seg);
		break;
	case ID3('A', 'M', 'T'):
		if (open)
			seg_amt(m, seg);
		else
			orphan(m, seg);
		break;
	case ID2('L', 'Q'):
		if (open)
			seg_lq(m, seg);
		else
			orphan(m, seg);
		break;
	case ID3('Q', 'T', 'Y'):
		if (!open)
			orphan(m, seg);
		break;
	case ID3('D', 'T', 'M'):
		if (open)
			seg_dtm_payment(m, seg);
		else
			seg_dtm_header(m, seg);
		break;
	case ID3('R', 'E', 'F'):
		if (open)
			seg_ref_payment(m, seg);
		else
			seg_ref_header(m, seg);
		break;
	default:
		break;
	}
	if (rc)
		return rc;
	if (m->pay.open)
		claims__buf_segment(&m->raw, seg);
	queue_flush(m, idx, false);
	if (m->oom || m->raw.oom) {
		m->oom = false;
		return CLAIMS_ENOMEM;
	}
	return CLAIMS_OK;
}

int
claims__map835_event(struct claims__map835 *m, const claims_x12_event *ev)
{
	if (!m || !ev)
		return CLAIMS_EINVAL;
	switch (ev->type) {
	case CLAIMS_X12_EVENT_INTERCHANGE_START:
		if (ev->segment) {
			claims_x12_slice s = trim(el(ev->segment, 13));
			char *n = claims__realloc(m->isa13, s.len + 1);

			if (!n)
				return CLAIMS_ENOMEM;
			memcpy(n, s.ptr, s.len);
			n[s.len] = '\0';
			m->isa13 = n;
			m->isa_ordinal = ev->segment->loc.interchange;
		}
		return CLAIMS_OK;
	case CLAIMS_X12_EVENT_TRANSACTION_START:
		return set_start(m, ev);
	case CLAIMS_X12_EVENT_SEGMENT:
		return ev->segment ? on_segment(m, ev->segment) : CLAIMS_OK;
	case CLAIMS_X12_EVENT_TRANSACTION_END:
		return set_end(m, ev);
	default:
		return CLAIMS_OK;
	}
}

/* ------------------------------------------------------------ lifecycle */

int
claims__map835_new(struct claims__map835 **out, const struct claims__map835_callbacks *cb)
{
	struct claims__map835 *m;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!cb)
		return CLAIMS_EINVAL;
	m = claims__calloc(1, sizeof(*m));
	if (!m)
		return CLAIMS_ENOMEM;
	m->cb = *cb;
	m->hdr = &m->hdr_oom;
	claims__arena_init(&m->pa, 16384);
	claims__arena_init(&m->sa, 2048);
	claims__arena_init(&m->qa, 2048);
	claims__arena_init(&m->xa, 1024);
	*out = m;
	return CLAIMS_OK;
}

void
claims__map835_free(struct claims__map835 *m)
{
	if (!m)
		return;
	claims__arena_free(&m->pa);
	claims__arena_free(&m->sa);
	claims__arena_free(&m->qa);
	claims__arena_free(&m->xa);
	claims__buf_free(&m->raw);
	claims__buf_free(&m->key);
	claims__free(m->occ_clp.e);
	claims__free(m->occ_plb.e);
	claims__free(m->q);
	claims__free(m->isa13);
	claims__free(m);
}

void
claims__map835_counts(const struct claims__map835 *m, struct claims__map835_counts *out)
{
	if (!out)
		return;
	if (!m) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = m->total;
}
