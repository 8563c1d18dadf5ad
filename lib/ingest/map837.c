/*
 * libclaims: the 837P / 837I mapping (spec/x12.md §6, §8, §9.2).
 *
 * One pass over the segments of a transaction set with a small state
 * machine.  Outside claims the state is the loop context: BHT04, the
 * billing provider of the latest HL 20 (2000A/2010AA), the subscriber and
 * payer of the latest HL 22 (2000B/2010BA/2010BB) and the patient of the
 * latest HL 23 (2000C).  Each context keeps its strings in its own arena,
 * reset when an HL replaces it, and the re-serialised bytes of its SBR,
 * NM1*IL, DMG, NM1*PR, PAT and NM1*QC segments for the content hash.
 *
 * A CLM opens a claim, built in the claim arena; inside it the position is
 * one of CLAIM (2300/2310), OTHER_SUBSCRIBER (2320/2330: an SBR inside the
 * claim up to the next LX, whose NM1*PR and AMT*D describe another payer)
 * or LINE (2400, after an LX).  The next CLM, HL or SE completes the claim:
 * the claim-level checks run, the context is copied in, the identity and
 * the content hash are computed, and the record goes to the callback.
 * Then the claim arena is reset, so memory follows the largest claim.
 *
 * The per-segment dispatch switches on the id's bytes; nothing on the hot
 * path allocates except the copies of the values kept.
 *
 * Allocation failures set a sticky flag; the event call that saw one
 * returns CLAIMS_ENOMEM.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "arena.h"
#include "keys.h"
#include "map837.h"
#include "x12/codes.h"
#include "x12/values.h"

/* Where inside a claim the current segment is. */
enum pos {
	POS_CLAIM = 0,        /* 2300 and its 2310 provider loops */
	POS_OTHER_SUBSCRIBER, /* 2320 / 2330, until the next LX */
	POS_LINE,             /* 2400 and below, after an LX (or an SV without one) */
};

/* Things remembered about a line for checks made when the claim ends. */
struct line_extra {
	claims_x12_location loc; /* of its SV1 / SV2 */
	char id[4];
	unsigned char pointer_pos[4]; /* SV107 component of each stored pointer */
};

struct claims__map837 {
	struct claims__map837_callbacks cb;
	claims_x12_type type;
	struct claims__map837_counts counts;
	bool oom;

	/* BHT04 */
	char submitted_date[11];
	bool has_submitted;

	/* HL03 of the latest HL: 20, 22, 23; 0 before any; -1 another code */
	int hl;

	/* 2000A / 2010AA billing provider */
	struct claims__arena prov_arena;
	struct claims__provider_rec prov;
	bool in_2010aa; /* the latest NM1 outside claims was NM1*85 */

	/* 2000B subscriber and payer */
	struct claims__arena sub_arena;
	const char *sbr01, *sbr02, *sbr09;
	const char *sub_member_id, *sub_last, *sub_first, *sub_dob, *sub_gender;
	const char *payer_id, *payer_name;
	struct claims__buf sub_buf;

	/* 2000C patient */
	struct claims__arena pat_arena;
	bool has_pat;
	const char *pat_last, *pat_first, *pat_dob, *pat_gender;
	struct claims__buf pat_buf;

	/* the claim being built */
	bool in_claim, skipped;
	enum pos pos;
	struct claims__arena arena;
	struct claims__claim_rec c;
	claims_x12_location clm_loc;
	size_t lines_cap, dx_cap, op_cap, issues_cap;
	struct line_extra *extra; /* parallel to c.lines */
	int n_numbered;           /* diagnoses with a diagnosis_pointer */
	bool lx_open;             /* an LX opened the current line context */
	int lx_number;
	int sv_in_lx;
	long cur_line;            /* line described by line-level segments, -1 none */
	long cur_op;              /* other_payers entry of the open 2320 loop, -1 none */
	bool has_claim_472, has_096;
	struct claims__buf raw;   /* context segments, then the claim's */

	/* reader issues waiting for their segment */
	struct claims__issue_copy *queue;
	size_t qlen, qcap;
	struct claims__arena q_arena;

	char msg[384];
	char details[192];
};

/* ------------------------------------------------------------ helpers */

#define KEY2(a, b) (((unsigned)(unsigned char)(a) << 16) | ((unsigned)(unsigned char)(b) << 8))
#define KEY3(a, b, c) (KEY2(a, b) | (unsigned)(unsigned char)(c))

static const claims_x12_slice empty_slice = { "", 0 };

static inline claims_x12_slice
el(const claims_x12_segment *seg, size_t n)
{
	if (n < seg->count && seg->elements[n].ptr)
		return seg->elements[n];
	return empty_slice;
}

static inline bool
eq(claims_x12_slice s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* A two-character code in a slice, as an int for switches; 0 otherwise. */
static inline unsigned
code2(claims_x12_slice s)
{
	if (s.len == 2)
		return KEY2(s.ptr[0], s.ptr[1]);
	if (s.len == 3)
		return KEY3(s.ptr[0], s.ptr[1], s.ptr[2]);
	return 0;
}

static claims_x12_slice
trim(claims_x12_slice s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t')) {
		s.ptr++;
		s.len--;
	}
	while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* Split a composite on the component separator; returns the number of
 * components (0 for an empty element).  The last slot keeps the rest. */
static size_t
split(claims_x12_slice v, unsigned char sep, claims_x12_slice *out, size_t max)
{
	size_t n = 0;
	const char *p = v.ptr, *end = v.ptr + v.len;

	if (v.len == 0)
		return 0;
	while (n + 1 < max) {
		const char *q = memchr(p, sep, (size_t)(end - p));

		if (!q)
			break;
		out[n].ptr = p;
		out[n].len = (size_t)(q - p);
		n++;
		p = q + 1;
	}
	out[n].ptr = p;
	out[n].len = (size_t)(end - p);
	return n + 1;
}

static inline claims_x12_slice
comp(const claims_x12_slice *c, size_t n, size_t i)
{
	return i < n ? c[i] : empty_slice;
}

static const char *
sdup(struct claims__map837 *m, struct claims__arena *a, claims_x12_slice s)
{
	char *p;

	if (s.len == 0)
		return NULL;
	p = claims__arena_strndup(a, s.ptr, s.len);
	if (!p)
		m->oom = true;
	return p;
}

static const char *
cdup(struct claims__map837 *m, struct claims__arena *a, const char *s)
{
	char *p;

	if (!s)
		return NULL;
	p = claims__arena_strndup(a, s, strlen(s));
	if (!p)
		m->oom = true;
	return p;
}

static void *
grow(struct claims__map837 *m, void *old, size_t n, size_t *cap, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return old;
	ncap = *cap ? *cap * 2 : 8;
	p = claims__arena_grow(&m->arena, old, n, ncap, elem);
	if (!p) {
		m->oom = true;
		return NULL;
	}
	*cap = ncap;
	return p;
}

/* Amount text of cents: "999.60", "-2.54". */
static const char *
cents_str(char buf[static 32], int64_t cents)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(buf, 32, "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "", mag / 100,
		 (unsigned)(mag % 100));
	return buf;
}

/* Whether values of this segment may not be quoted (x12.md §4). */
static bool
is_patient_segment(const claims_x12_segment *seg)
{
	if (seg->patient)
		return true;
	switch (KEY3(seg->id[0], seg->id[1], seg->id[2])) {
	case KEY3('D', 'M', 'G'):
	case KEY3('P', 'A', 'T'):
		return true;
	case KEY3('N', 'M', '1'): {
		unsigned k = code2(el(seg, 1));

		return k == KEY2('I', 'L') || k == KEY2('Q', 'C') || k == KEY2('7', '4');
	}
	default:
		return false;
	}
}

/* A value for a message (claims__x12_quote), or a placeholder for patient
 * data: the mapping decides what a patient segment is, so segments built
 * without the reader are judged the same way. */
static const char *
quote(char *buf, size_t cap, const claims_x12_segment *seg, claims_x12_slice v)
{
	if (seg && is_patient_segment(seg)) {
		snprintf(buf, cap, "(patient data withheld)");
		return buf;
	}
	return claims__x12_quote(buf, cap, NULL, v.ptr, v.len);
}

/* ------------------------------------------------------------ issues */

static void
copy_issue_into(struct claims__map837 *m, struct claims__arena *a, struct claims__issue_copy *d,
		claims_x12_code code_id, const char *code, claims_x12_severity severity,
		int64_t interchange, int64_t transaction, int64_t segment_index,
		int64_t byte_offset, const char *segment_id, const char *element,
		const char *message, const char *details)
{
	d->code_id = code_id;
	d->code = code; /* static storage */
	d->severity = severity;
	d->interchange = interchange;
	d->transaction = transaction;
	d->segment_index = segment_index;
	d->byte_offset = byte_offset;
	d->segment_id = cdup(m, a, segment_id);
	d->element = cdup(m, a, element);
	d->message = cdup(m, a, message ? message : "");
	d->details = cdup(m, a, details ? details : "{}");
}

static void
claim_add_copy(struct claims__map837 *m, const struct claims__issue_copy *s)
{
	struct claims__claim_rec *c = &m->c;
	struct claims__issue_copy *items;

	items = grow(m, c->issues.items, c->issues.count, &m->issues_cap, sizeof(*items));
	if (!items)
		return;
	c->issues.items = items;
	copy_issue_into(m, &m->arena, &items[c->issues.count], s->code_id, s->code, s->severity,
			s->interchange, s->transaction, s->segment_index, s->byte_offset,
			s->segment_id, s->element, s->message, s->details);
	c->issues.count++;
}

static void report(struct claims__map837 *m, claims_x12_code code, const claims_x12_location *loc,
		   const char *segment_id, const char *element, const char *details,
		   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Raise an issue: to on_issue, and into the open claim. */
static void
report(struct claims__map837 *m, claims_x12_code code, const claims_x12_location *loc,
       const char *segment_id, const char *element, const char *details, const char *fmt, ...)
{
	claims_x12_issue is;
	va_list ap;

	claims__x12_issue_init(&is, code, m->cb.mode);
	va_start(ap, fmt);
	vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	is.interchange = loc->interchange;
	is.transaction = loc->transaction;
	is.segment_index = loc->segment_index;
	is.byte_offset = loc->byte_offset;
	is.segment_id = segment_id;
	is.element = element;
	is.message = m->msg;
	is.details = details ? details : "{}";
	if (m->cb.on_issue)
		m->cb.on_issue(&is, m->cb.payload);
	if (m->in_claim) {
		struct claims__issue_copy cp;

		/* strings are copied again by claim_add_copy */
		cp.code_id = is.code_id;
		cp.code = is.code;
		cp.severity = is.severity;
		cp.interchange = is.interchange;
		cp.transaction = is.transaction;
		cp.segment_index = is.segment_index;
		cp.byte_offset = is.byte_offset;
		cp.segment_id = is.segment_id;
		cp.element = is.element;
		cp.message = is.message;
		cp.details = is.details;
		claim_add_copy(m, &cp);
	}
}

#define SEG_ISSUE(m, code, seg, element, ...) \
	report((m), (code), &(seg)->loc, (seg)->id, (element), NULL, __VA_ARGS__)

/* ---- the reader's issues */

static void
queue_drop(struct claims__map837 *m, size_t n)
{
	if (n == 0)
		return;
	memmove(m->queue, m->queue + n, (m->qlen - n) * sizeof(*m->queue));
	m->qlen -= n;
	if (m->qlen == 0)
		claims__arena_reset(&m->q_arena);
}

/* Issues about segments before index k: into the open claim when they lie
 * inside it, else dropped. */
static void
queue_flush_before(struct claims__map837 *m, int64_t k)
{
	size_t i = 0;

	while (i < m->qlen && m->queue[i].segment_index < k) {
		if (m->in_claim && m->queue[i].segment_index >= m->clm_loc.segment_index)
			claim_add_copy(m, &m->queue[i]);
		i++;
	}
	queue_drop(m, i);
}

/* Issues about segment k itself: into the claim now containing it. */
static void
queue_attach_at(struct claims__map837 *m, int64_t k)
{
	size_t i = 0;

	while (i < m->qlen && m->queue[i].segment_index <= k) {
		if (m->in_claim)
			claim_add_copy(m, &m->queue[i]);
		i++;
	}
	queue_drop(m, i);
}

static void
queue_clear(struct claims__map837 *m)
{
	m->qlen = 0;
	claims__arena_reset(&m->q_arena);
}

int
claims__map837_reader_issue(struct claims__map837 *m, const claims_x12_issue *issue)
{
	struct claims__issue_copy *d;

	if (!m || !issue)
		return CLAIMS_EINVAL;
	if (issue->segment_index <= 0)
		return CLAIMS_OK;
	if (m->qlen == m->qcap) {
		size_t ncap = m->qcap ? m->qcap * 2 : 8;
		struct claims__issue_copy *q = claims__realloc(m->queue, ncap * sizeof(*q));

		if (!q)
			return CLAIMS_ENOMEM;
		m->queue = q;
		m->qcap = ncap;
	}
	d = &m->queue[m->qlen];
	copy_issue_into(m, &m->q_arena, d, issue->code_id, issue->code, issue->severity,
			issue->interchange, issue->transaction, issue->segment_index,
			issue->byte_offset, issue->segment_id, issue->element, issue->message,
			issue->details);
	if (m->oom)
		return CLAIMS_ENOMEM; /* sticky: the set fails */
	m->qlen++;
	return CLAIMS_OK;
}

/* ------------------------------------------------------------ typed values */

/* An amount element; MISSING_ELEMENT when required and empty. */
static struct claims__money
amount(struct claims__map837 *m, const claims_x12_segment *seg, claims_x12_slice v,
       const char *element, bool required)
{
	struct claims__money r = { false, 0 };
	char q[64], b[32];
	int64_t cents;
	int rc;

	if (v.len == 0) {
		if (required)
			SEG_ISSUE(m, CLAIMS_X12_MISSING_ELEMENT, seg, element, "%s is empty",
				  element);
		return r;
	}
	rc = claims__parse_amount(v.ptr, v.len, &cents);
	if (rc == CLAIMS__AMOUNT_INVALID) {
		SEG_ISSUE(m, CLAIMS_X12_INVALID_AMOUNT, seg, element, "%s %s is not a valid amount",
			  element, quote(q, sizeof(q), seg, v));
		return r;
	}
	if (rc == CLAIMS__AMOUNT_ROUNDED)
		SEG_ISSUE(m, CLAIMS_X12_AMOUNT_PRECISION, seg, element,
			  "%s %s has more than two decimals and was rounded to %s", element,
			  quote(q, sizeof(q), seg, v), is_patient_segment(seg) ? "a cent" :
			  cents_str(b, cents));
	r.has = true;
	r.cents = cents;
	return r;
}

/* A D8 value into the claim arena; INVALID_DATE when not a date. */
static const char *
date_d8(struct claims__map837 *m, struct claims__arena *a, const claims_x12_segment *seg,
	claims_x12_slice v, const char *element)
{
	char out[11], q[64];

	if (claims__parse_d8(v.ptr, v.len, out))
		return cdup(m, a, out);
	SEG_ISSUE(m, CLAIMS_X12_INVALID_DATE, seg, element, "%s %s is not a valid D8 date",
		  element, quote(q, sizeof(q), seg, v));
	return NULL;
}

/* An NPI (NM109 when NM108 = XX): stored as sent, INVALID_NPI when the
 * check digit fails. */
static const char *
npi(struct claims__map837 *m, struct claims__arena *a, const claims_x12_segment *seg,
    bool *valid)
{
	claims_x12_slice v = el(seg, 9);
	char q[64];
	bool ok;

	if (!eq(el(seg, 8), "XX") || v.len == 0) {
		if (valid)
			*valid = false;
		return NULL;
	}
	ok = claims__valid_npi(v.ptr, v.len);
	if (!ok)
		SEG_ISSUE(m, CLAIMS_X12_INVALID_NPI, seg, "NM109",
			  "NPI %s of NM1*%.*s fails the NPI check digit",
			  quote(q, sizeof(q), seg, v), (int)el(seg, 1).len, el(seg, 1).ptr);
	if (valid)
		*valid = ok;
	return sdup(m, a, v);
}

/* COMPOSITE_UNSPLIT: a composite that needs two or more components came
 * as one (the data uses another separator than ISA16); no field is
 * derived from it and no MISSING_ELEMENT is added. */
static void
unsplit(struct claims__map837 *m, const claims_x12_segment *seg, const char *element,
	claims_x12_slice v)
{
	unsigned char sep = seg->delimiters.component;
	char q[64], s[8];

	if (sep > 0x20 && sep < 0x7F)
		snprintf(s, sizeof(s), "'%c'", sep);
	else
		snprintf(s, sizeof(s), "0x%02X", (unsigned)sep);
	SEG_ISSUE(m, CLAIMS_X12_COMPOSITE_UNSPLIT, seg, element,
		  "%s %s is not split by the component separator %s", element,
		  quote(q, sizeof(q), seg, v), s);
}

/* ------------------------------------------------------------ contexts */

static void
clear_patient(struct claims__map837 *m)
{
	claims__arena_reset(&m->pat_arena);
	m->has_pat = false;
	m->pat_last = m->pat_first = m->pat_dob = m->pat_gender = NULL;
	claims__buf_reset(&m->pat_buf);
}

static void
clear_subscriber(struct claims__map837 *m)
{
	claims__arena_reset(&m->sub_arena);
	m->sbr01 = m->sbr02 = m->sbr09 = NULL;
	m->sub_member_id = m->sub_last = m->sub_first = m->sub_dob = m->sub_gender = NULL;
	m->payer_id = m->payer_name = NULL;
	claims__buf_reset(&m->sub_buf);
}

static void
clear_provider(struct claims__map837 *m)
{
	claims__arena_reset(&m->prov_arena);
	memset(&m->prov, 0, sizeof(m->prov));
	m->in_2010aa = false;
}

static void
reset_set(struct claims__map837 *m)
{
	memset(&m->counts, 0, sizeof(m->counts));
	m->has_submitted = false;
	m->submitted_date[0] = '\0';
	m->hl = 0;
	clear_provider(m);
	clear_subscriber(m);
	clear_patient(m);
	queue_clear(m);
}

/* ------------------------------------------------------------ the claim */

static void
claim_reset(struct claims__map837 *m)
{
	claims__arena_reset(&m->arena);
	memset(&m->c, 0, sizeof(m->c));
	m->in_claim = false;
	m->skipped = false;
	m->pos = POS_CLAIM;
	m->lines_cap = m->dx_cap = m->op_cap = m->issues_cap = 0;
	m->extra = NULL;
	m->n_numbered = 0;
	m->lx_open = false;
	m->lx_number = 0;
	m->sv_in_lx = 0;
	m->cur_line = -1;
	m->cur_op = -1;
	m->has_claim_472 = false;
	m->has_096 = false;
	claims__buf_reset(&m->raw);
}

/* The claim-level checks of a complete claim (located at its CLM). */
static void
claim_checks(struct claims__map837 *m)
{
	struct claims__claim_rec *c = &m->c;
	const claims_x12_location *loc = &m->clm_loc;
	const char *freq;
	int64_t sum = 0;

	if (!m->payer_id)
		report(m, CLAIMS_X12_MISSING_PAYER, loc, "CLM", NULL, NULL,
		       "claim has no payer id (2010BB NM1*PR NM109)");
	if (m->n_numbered == 0)
		report(m, CLAIMS_X12_MISSING_DIAGNOSIS, loc, "CLM", NULL, NULL,
		       "claim has no HI diagnosis");
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct claims__line_rec *l = &c->lines[i];
		const struct line_extra *x = &m->extra[i];

		for (int k = 0; k < l->n_pointers; k++) {
			char element[16];

			if (l->diagnosis_pointers[k] <= m->n_numbered)
				continue;
			snprintf(element, sizeof(element), "%s07-%u", x->id,
				 (unsigned)x->pointer_pos[k]);
			report(m, CLAIMS_X12_BAD_DIAGNOSIS_POINTER, &x->loc, x->id, element, NULL,
			       "line %d points to diagnosis %d but the claim has %d",
			       l->line_number, l->diagnosis_pointers[k], m->n_numbered);
		}
	}
	freq = c->claim_frequency_type;
	if (freq && (strcmp(freq, "7") == 0 || strcmp(freq, "8") == 0) &&
	    !c->original_reference_number)
		report(m, CLAIMS_X12_MISSING_ORIGINAL_REFERENCE, loc, "CLM", "CLM05-3", NULL,
		       "claim frequency %s without REF*F8 original reference number",
		       c->claim_frequency_type);
	if (c->n_lines > 0 && c->total_charge.has) {
		char a[32], e[32], d[32];

		for (size_t i = 0; i < c->n_lines; i++)
			if (c->lines[i].charge.has)
				sum += c->lines[i].charge.cents;
		if (sum != c->total_charge.cents) {
			int64_t diff = c->total_charge.cents - sum;

			snprintf(m->details, sizeof(m->details),
				 "{\"expected\": %s, \"actual\": %s, \"difference\": %s}",
				 cents_str(e, sum), cents_str(a, c->total_charge.cents),
				 cents_str(d, diff));
			report(m, CLAIMS_X12_BAL_837_CLAIM, loc, "CLM", "CLM02", m->details,
			       "CLM02 %s does not equal the sum of the line charges %s "
			       "(difference %s)", a, e, d);
		}
	}
}

/* Claim service dates (x12.md §6.3) and the 837I discharge date. */
void
claims__claim_derived_service_dates(const struct claims__claim_rec *c, const char **from,
				    const char **to)
{
	*from = *to = NULL;
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct claims__line_rec *l = &c->lines[i];
		const char *lto;

		if (!l->service_date)
			continue;
		lto = l->service_date_to ? l->service_date_to : l->service_date;
		if (!*from || strcmp(l->service_date, *from) < 0)
			*from = l->service_date;
		if (!*to || strcmp(lto, *to) > 0)
			*to = lto;
	}
	if (!*from && c->statement_date) {
		*from = c->statement_date;
		*to = c->statement_date_to;
	}
}

static void
claim_dates(struct claims__map837 *m)
{
	struct claims__claim_rec *c = &m->c;

	if (!m->has_claim_472)
		claims__claim_derived_service_dates(c, &c->service_date, &c->service_date_to);
	if (m->has_096 && c->type == CLAIMS_X12_TYPE_837I && !c->discharge_date)
		c->discharge_date = c->statement_date_to ? c->statement_date_to : c->statement_date;
}

/* Complete the open claim and hand it on (unless skipped). */
static int
claim_finish(struct claims__map837 *m)
{
	struct claims__claim_rec *c = &m->c;
	int rc = CLAIMS_OK;

	if (!m->in_claim)
		return CLAIMS_OK;
	if (m->skipped)
		goto out;

	if (m->type == CLAIMS_X12_TYPE_837P || m->type == CLAIMS_X12_TYPE_837I)
		c->type = m->type;
	else if ((c->facility_code_qualifier && strcmp(c->facility_code_qualifier, "A") == 0) ||
		 c->admission_type || c->statement_date)
		c->type = CLAIMS_X12_TYPE_837I; /* unresolved 837: guessed from the claim */
	else
		c->type = CLAIMS_X12_TYPE_837P;

	claim_checks(m);
	claim_dates(m);
	if (m->oom) {
		rc = CLAIMS_ENOMEM;
		goto out;
	}

	/* context */
	c->provider = m->prov;
	c->billing_provider_npi = m->prov.npi;
	c->billing_tax_id = m->prov.tax_id;
	if (m->prov.npi) {
		c->provider_key = m->prov.npi;
	} else if (m->prov.tax_id) {
		size_t n = strlen(m->prov.tax_id);
		char *k = claims__arena_alloc(&m->arena, n + 5);

		if (k) {
			memcpy(k, "TIN:", 4);
			memcpy(k + 4, m->prov.tax_id, n + 1);
		} else {
			m->oom = true;
		}
		c->provider_key = k;
	} else {
		c->provider_key = "UNKNOWN";
	}
	c->payer.payer_id = m->payer_id;
	c->payer.name = m->payer_name;
	c->payer_key = m->payer_id ? m->payer_id : "";
	c->submitted_date = m->has_submitted ? m->submitted_date : NULL;
	c->payer_responsibility = m->sbr01;
	c->relationship_code = m->sbr02;
	c->claim_filing_indicator = m->sbr09;
	c->subscriber_member_id = m->sub_member_id;
	if (m->has_pat) {
		c->patient_last_name = m->pat_last;
		c->patient_first_name = m->pat_first;
		c->patient_dob = m->pat_dob;
		c->patient_gender = m->pat_gender;
	} else if (m->sbr02 && strcmp(m->sbr02, "18") == 0) {
		c->patient_last_name = m->sub_last;
		c->patient_first_name = m->sub_first;
		c->patient_dob = m->sub_dob;
		c->patient_gender = m->sub_gender;
	}
	c->pcn_key = claims__pcn_key(&m->arena, c->claim_control_number, &m->oom);
	c->patient_key = claims__patient_key(&m->arena, c->patient_last_name,
					     c->patient_first_name, &m->oom);

	/* content hash and raw segments */
	c->raw_edi = m->raw.data ? m->raw.data : "";
	c->raw_edi_len = m->raw.len;
	if (m->raw.oom)
		m->oom = true;
	claims__sha256_hex(c->content_sha256, c->raw_edi, c->raw_edi_len);

	for (size_t i = 0; i < c->issues.count; i++)
		if (c->issues.items[i].severity == CLAIMS_X12_ERROR)
			c->is_incomplete = true;

	if (m->oom) {
		rc = CLAIMS_ENOMEM;
		goto out;
	}
	if (m->cb.on_claim)
		rc = m->cb.on_claim(c, m->cb.payload);
out:
	claim_reset(m);
	return rc;
}

/* ------------------------------------------------------------ segments */

static void
seg_bht(struct claims__map837 *m, const claims_x12_segment *seg)
{
	claims_x12_slice v = el(seg, 4);
	char q[64];

	if (v.len == 0)
		return;
	m->has_submitted = claims__parse_d8(v.ptr, v.len, m->submitted_date);
	if (!m->has_submitted)
		SEG_ISSUE(m, CLAIMS_X12_INVALID_DATE, seg, "BHT04",
			  "BHT04 %s is not a valid D8 date", quote(q, sizeof(q), seg, v));
}

static void
seg_hl(struct claims__map837 *m, const claims_x12_segment *seg)
{
	switch (code2(el(seg, 3))) {
	case KEY2('2', '0'):
		m->hl = 20;
		clear_provider(m);
		clear_subscriber(m);
		clear_patient(m);
		break;
	case KEY2('2', '2'):
		m->hl = 22;
		clear_subscriber(m);
		clear_patient(m);
		break;
	case KEY2('2', '3'):
		m->hl = 23;
		clear_patient(m);
		m->has_pat = true;
		break;
	default:
		m->hl = -1;
		break;
	}
	m->in_2010aa = false;
}

static void
seg_clm(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;
	claims_x12_slice id = trim(el(seg, 1)), v, parts[8];
	size_t n;
	char q[64];

	m->counts.claims_parsed++;
	if (id.len == 0) {
		m->skipped = true;
		m->counts.claims_skipped++;
		SEG_ISSUE(m, CLAIMS_X12_MISSING_ELEMENT, seg, "CLM01",
			  "CLM01 (patient control number) is empty; claim skipped");
	}
	c->claim_control_number = sdup(m, &m->arena, id);

	c->total_charge = amount(m, seg, el(seg, 2), "CLM02", true);
	if (c->total_charge.has)
		m->counts.total_charge_cents += c->total_charge.cents;

	v = el(seg, 5);
	n = split(v, seg->delimiters.component, parts, 8);
	if (n == 0) {
		SEG_ISSUE(m, CLAIMS_X12_MISSING_ELEMENT, seg, "CLM05", "CLM05 is empty");
	} else if (n == 1) {
		unsplit(m, seg, "CLM05", v);
	} else {
		claims_x12_slice f = comp(parts, n, 2);

		c->facility_type_code = sdup(m, &m->arena, parts[0]);
		c->facility_code_qualifier = sdup(m, &m->arena, parts[1]);
		c->claim_frequency_type = sdup(m, &m->arena, f);
		if (f.len && !(f.len == 1 && f.ptr[0] >= '0' && f.ptr[0] <= '9'))
			SEG_ISSUE(m, CLAIMS_X12_INVALID_CODE, seg, "CLM05-3",
				  "claim frequency %s in CLM05-3 is not a digit",
				  quote(q, sizeof(q), seg, f));
	}
	c->provider_signature = sdup(m, &m->arena, el(seg, 6));
	c->assignment_code = sdup(m, &m->arena, el(seg, 7));
	c->benefits_assignment = sdup(m, &m->arena, el(seg, 8));
	c->release_of_info = sdup(m, &m->arena, el(seg, 9));

	v = el(seg, 11);
	n = split(v, seg->delimiters.component, parts, 8);
	if (n) {
		char buf[128];
		size_t o = 0;

		for (size_t i = 0; i < n && i < 3; i++) { /* -4, -5: state, country */
			if (parts[i].len == 0 || o + parts[i].len + 1 >= sizeof(buf))
				continue;
			if (o)
				buf[o++] = ',';
			memcpy(buf + o, parts[i].ptr, parts[i].len);
			o += parts[i].len;
		}
		if (o)
			c->related_causes = sdup(m, &m->arena, (claims_x12_slice){ buf, o });
	}
	c->delay_reason_code = sdup(m, &m->arena, el(seg, 20));
}

/* Per HI qualifier: code system, role, numbered (diagnosis_pointer). */
struct hi_qual {
	const char *system;
	const char *role;
	bool numbered;
	bool icd;
	enum claims__code_system cs;
};

static bool
hi_qualifier(claims_x12_slice q, struct hi_qual *h)
{
	static const struct {
		char q[4];
		struct hi_qual h;
	} table[] = {
		{ "ABK", { "ICD10CM", "principal", true, true, CLAIMS__ICD10CM } },
		{ "BK", { "ICD9CM", "principal", true, true, CLAIMS__ICD9CM } },
		{ "ABF", { "ICD10CM", "other", true, true, CLAIMS__ICD10CM } },
		{ "BF", { "ICD9CM", "other", true, true, CLAIMS__ICD9CM } },
		{ "ABJ", { "ICD10CM", "admitting", true, true, CLAIMS__ICD10CM } },
		{ "BJ", { "ICD9CM", "admitting", true, true, CLAIMS__ICD9CM } },
		{ "APR", { "ICD10CM", "reason_for_visit", true, true, CLAIMS__ICD10CM } },
		{ "PR", { "ICD9CM", "reason_for_visit", true, true, CLAIMS__ICD9CM } },
		{ "ABN", { "ICD10CM", "external_cause", true, true, CLAIMS__ICD10CM } },
		{ "BN", { "ICD9CM", "external_cause", true, true, CLAIMS__ICD9CM } },
		{ "BBR", { "ICD10PCS", "principal_procedure", false, true, CLAIMS__ICD10PCS } },
		{ "BR", { "ICD9PCS", "principal_procedure", false, true, CLAIMS__ICD9PCS } },
		{ "BBQ", { "ICD10PCS", "other_procedure", false, true, CLAIMS__ICD10PCS } },
		{ "BQ", { "ICD9PCS", "other_procedure", false, true, CLAIMS__ICD9PCS } },
		{ "BH", { "NUBC", "occurrence", false, false, CLAIMS__ICD10CM } },
		{ "BI", { "NUBC", "occurrence_span", false, false, CLAIMS__ICD10CM } },
		{ "BE", { "NUBC", "value", false, false, CLAIMS__ICD10CM } },
		{ "BG", { "NUBC", "condition", false, false, CLAIMS__ICD10CM } },
		{ "DR", { "DRG", "drg", false, false, CLAIMS__ICD10CM } },
		{ "TC", { "NUBC", "treatment", false, false, CLAIMS__ICD10CM } },
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (eq(q, table[i].q)) {
			*h = table[i].h;
			return true;
		}
	}
	h->system = "OTHER";
	h->role = "unknown";
	h->numbered = false;
	h->icd = false;
	h->cs = CLAIMS__ICD10CM;
	return false;
}

static void
seg_hi(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;

	for (size_t e = 1; e <= 12 && e < seg->count; e++) {
		claims_x12_slice v = el(seg, e), parts[10] = { { 0 } }, qual, code;
		struct claims__diagnosis_rec *d, *dx;
		struct hi_qual h;
		char element[16], q[64], q2[64], norm[64];
		size_t n;
		bool known;

		if (v.len == 0)
			continue;
		n = split(v, seg->delimiters.component, parts, 10);
		if (n == 1) {
			snprintf(element, sizeof(element), "HI%02zu", e);
			unsplit(m, seg, element, v);
			continue;
		}
		qual = parts[0];
		code = parts[1];
		if (code.len == 0) {
			snprintf(element, sizeof(element), "HI%02zu-2", e);
			SEG_ISSUE(m, CLAIMS_X12_MISSING_ELEMENT, seg, element,
				  "%s (code of qualifier %s) is empty", element,
				  quote(q, sizeof(q), seg, qual));
			continue;
		}
		known = hi_qualifier(qual, &h);
		if (!known) {
			snprintf(element, sizeof(element), "HI%02zu-1", e);
			SEG_ISSUE(m, CLAIMS_X12_INVALID_CODE, seg, element,
				  "%s qualifier %s is not a known HI code list qualifier", element,
				  quote(q, sizeof(q), seg, qual));
		}

		dx = grow(m, c->diagnoses, c->n_diagnoses, &m->dx_cap, sizeof(*dx));
		if (!dx)
			return;
		c->diagnoses = dx;
		d = &dx[c->n_diagnoses++];
		m->counts.diagnoses++;
		d->sequence = (int)c->n_diagnoses;
		d->qualifier = sdup(m, &m->arena, qual);
		d->code_system = h.system;
		d->role = h.role;
		d->is_valid = known;
		if (h.icd) {
			bool changed;
			int len = claims__normalize_code(code.ptr, code.len, norm, sizeof(norm),
							 &changed);

			snprintf(element, sizeof(element), "HI%02zu-2", e);
			if (len < 0) {
				d->code = sdup(m, &m->arena, code);
				d->is_valid = false;
			} else {
				d->code = cdup(m, &m->arena, norm);
				d->is_valid = claims__valid_code(h.cs, norm, (size_t)len);
				if (changed)
					SEG_ISSUE(m, CLAIMS_X12_DIAGNOSIS_DECIMAL, seg, element,
						  "%s %s was stored as %s", element,
						  quote(q, sizeof(q), seg, code),
						  quote(q2, sizeof(q2), seg,
							(claims_x12_slice){ norm, (size_t)len }));
			}
			if (!d->is_valid)
				SEG_ISSUE(m, CLAIMS_X12_INVALID_DIAGNOSIS, seg, element,
					  "%s %s is not a valid %s code", element,
					  quote(q, sizeof(q), seg, code), h.system);
		} else {
			d->code = sdup(m, &m->arena, code);
		}
		if (h.numbered)
			d->pointer = ++m->n_numbered;
		if (!c->principal_diagnosis && strcmp(h.role, "principal") == 0)
			c->principal_diagnosis = d->code;
		if (eq(comp(parts, n, 2), "D8") && comp(parts, n, 3).len) {
			snprintf(element, sizeof(element), "HI%02zu-4", e);
			d->code_date = date_d8(m, &m->arena, seg, parts[3], element);
		}
		if (comp(parts, n, 4).len) {
			snprintf(element, sizeof(element), "HI%02zu-5", e);
			d->amount = amount(m, seg, parts[4], element, false);
		}
		d->poa = sdup(m, &m->arena, comp(parts, n, 8));
	}
}

/* Procedure composite (SV101 / SV202) into a line. */
static void
line_procedure(struct claims__map837 *m, const claims_x12_segment *seg, size_t e,
	       struct claims__line_rec *l)
{
	claims_x12_slice v = el(seg, e), parts[8];
	size_t n = split(v, seg->delimiters.component, parts, 8);
	char element[8];

	l->procedure_code_valid = -1;
	if (n == 0)
		return;
	snprintf(element, sizeof(element), "%s%02zu", seg->id, e);
	if (n == 1) {
		unsplit(m, seg, element, v);
		return;
	}
	l->procedure_qualifier = sdup(m, &m->arena, parts[0]);
	l->procedure_code = sdup(m, &m->arena, parts[1]);
	if (eq(parts[0], "HC") && parts[1].len)
		l->procedure_code_valid = claims__valid_hcpcs(parts[1].ptr, parts[1].len) ? 1 : 0;
	for (size_t i = 2; i < 6 && i < n; i++)
		if (parts[i].len)
			l->modifiers[l->n_modifiers++] = sdup(m, &m->arena, parts[i]);
}

static struct claims__line_rec *
line_new(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;
	struct claims__line_rec *lines, *l;
	struct line_extra *x;
	size_t cap = m->lines_cap;

	lines = grow(m, c->lines, c->n_lines, &m->lines_cap, sizeof(*lines));
	if (!lines)
		return NULL;
	if (m->lines_cap != cap || !m->extra) {
		x = claims__arena_grow(&m->arena, m->extra, c->n_lines, m->lines_cap, sizeof(*x));
		if (!x) {
			m->oom = true;
			return NULL;
		}
		m->extra = x;
	}
	c->lines = lines;
	l = &lines[c->n_lines];
	x = &m->extra[c->n_lines];
	memset(x, 0, sizeof(*x));
	x->loc = seg->loc;
	memcpy(x->id, seg->id, sizeof(x->id));
	c->n_lines++;
	m->counts.claim_lines++;
	l->line_number = (int)c->n_lines;
	l->procedure_code_valid = -1;

	if (!m->lx_open) {
		SEG_ISSUE(m, CLAIMS_X12_MISSING_LX, seg, NULL, "%s line %d has no LX", seg->id,
			  l->line_number);
	} else if (m->sv_in_lx > 0) {
		SEG_ISSUE(m, CLAIMS_X12_MULTIPLE_SV_PER_LX, seg, NULL,
			  "%s is the service line number %d under LX %d", seg->id,
			  m->sv_in_lx + 1, m->lx_number);
	}
	if (m->lx_open) {
		l->lx_number = m->lx_number;
		m->sv_in_lx++;
	}
	m->pos = POS_LINE;
	m->cur_line = (long)c->n_lines - 1;
	return l;
}

static void
line_charge(struct claims__map837 *m, const claims_x12_segment *seg, size_t e,
	    struct claims__line_rec *l)
{
	char element[8];

	snprintf(element, sizeof(element), "%s%02zu", seg->id, e);
	l->charge = amount(m, seg, el(seg, e), element, true);
	if (l->charge.has)
		m->counts.line_charge_total_cents += l->charge.cents;
}

static void
line_units(struct claims__map837 *m, const claims_x12_segment *seg, size_t type_e,
	   struct claims__line_rec *l)
{
	claims_x12_slice u = el(seg, type_e + 1);

	l->unit_type = sdup(m, &m->arena, el(seg, type_e));
	if (u.len)
		l->has_unit_count = claims__parse_quantity(u.ptr, u.len, &l->unit_count);
}

static void
seg_sv1(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__line_rec *l = line_new(m, seg);
	claims_x12_slice parts[8];
	size_t n;
	long idx = m->cur_line;

	if (!l)
		return;
	line_procedure(m, seg, 1, l);
	line_charge(m, seg, 2, l);
	line_units(m, seg, 3, l);
	l->place_of_service = sdup(m, &m->arena, el(seg, 5));
	n = split(el(seg, 7), seg->delimiters.component, parts, 8);
	for (size_t i = 0; i < n && i < 4; i++) {
		claims_x12_slice p = parts[i];
		int v = 0;
		bool ok = p.len >= 1 && p.len <= 2;
		char element[16], q[64];

		for (size_t k = 0; ok && k < p.len; k++) {
			if (p.ptr[k] < '0' || p.ptr[k] > '9')
				ok = false;
			else
				v = v * 10 + (p.ptr[k] - '0');
		}
		if (p.len == 0)
			continue;
		if (!ok || v < 1 || v > 12) {
			snprintf(element, sizeof(element), "SV107-%zu", i + 1);
			SEG_ISSUE(m, CLAIMS_X12_BAD_DIAGNOSIS_POINTER, seg, element,
				  "%s %s is not a diagnosis pointer (1-12)", element,
				  quote(q, sizeof(q), seg, p));
			continue;
		}
		m->extra[idx].pointer_pos[l->n_pointers] = (unsigned char)(i + 1);
		l->diagnosis_pointers[l->n_pointers++] = v;
	}
}

static void
seg_sv2(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__line_rec *l = line_new(m, seg);
	claims_x12_slice rev = el(seg, 1);
	char q[64], norm[5];

	if (!l)
		return;
	if (rev.len) {
		if (claims__normalize_revenue_code(rev.ptr, rev.len, norm)) {
			l->revenue_code = cdup(m, &m->arena, norm);
		} else {
			SEG_ISSUE(m, CLAIMS_X12_INVALID_CODE, seg, "SV201",
				  "revenue code %s in SV201 is not four digits",
				  quote(q, sizeof(q), seg, rev));
			l->revenue_code = sdup(m, &m->arena, rev);
		}
	}
	line_procedure(m, seg, 2, l);
	line_charge(m, seg, 3, l);
	line_units(m, seg, 4, l);
}

/* Date formats DTP02 may announce. */
enum {
	F_D8 = 1,
	F_RD8 = 2,
	F_DT = 4,
	F_TM = 8,
};

/*
 * Parse DTP02/DTP03 when DTP02 is one of @p allowed.  Returns the format
 * read (0 after an INVALID_DATE); from/to/hhmm receive the values.
 */
static int
dtp_value(struct claims__map837 *m, const claims_x12_segment *seg, int allowed, char from[11],
	  char to[11], char hhmm[5])
{
	claims_x12_slice f = el(seg, 2), v = el(seg, 3);
	int fmt = 0;
	char q[64], qf[64];

	if (eq(f, "D8"))
		fmt = F_D8;
	else if (eq(f, "RD8"))
		fmt = F_RD8;
	else if (eq(f, "DT"))
		fmt = F_DT;
	else if (eq(f, "TM"))
		fmt = F_TM;
	if (!(fmt & allowed)) {
		SEG_ISSUE(m, CLAIMS_X12_INVALID_DATE, seg, "DTP02",
			  "DTP*%.*s date format %s is not accepted here", (int)el(seg, 1).len,
			  el(seg, 1).ptr, quote(qf, sizeof(qf), seg, f));
		return 0;
	}
	from[0] = to[0] = hhmm[0] = '\0';
	switch (fmt) {
	case F_D8:
		if (claims__parse_d8(v.ptr, v.len, from))
			return fmt;
		break;
	case F_RD8:
		if (claims__parse_rd8(v.ptr, v.len, from, to))
			return fmt;
		/* a single date sent as RD8 (the TR3's own 837I example has
		 * DTP*434*RD8*19960911): read as D8 where D8 is accepted */
		if ((allowed & F_D8) && claims__parse_d8(v.ptr, v.len, from))
			return F_D8;
		break;
	case F_DT:
		if (claims__parse_dt(v.ptr, v.len, from, hhmm))
			return fmt;
		break;
	case F_TM:
		if (claims__valid_tm(v.ptr, v.len)) {
			size_t n = v.len < 4 ? v.len : 4;

			memcpy(hhmm, v.ptr, n);
			hhmm[n] = '\0';
			return fmt;
		}
		break;
	default:
		break;
	}
	SEG_ISSUE(m, CLAIMS_X12_INVALID_DATE, seg, "DTP03", "DTP03 %s is not a valid %.*s date",
		  quote(q, sizeof(q), seg, v), (int)f.len, f.ptr);
	return 0;
}

static void
seg_dtp(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;
	bool inst = m->type != CLAIMS_X12_TYPE_837P;
	bool prof = m->type != CLAIMS_X12_TYPE_837I;
	char from[11], to[11], hhmm[5];
	claims_x12_slice qual;
	int f;

	if (m->pos == POS_OTHER_SUBSCRIBER)
		return;
	if (m->pos == POS_LINE) {
		struct claims__line_rec *l;

		if (!eq(el(seg, 1), "472") || m->cur_line < 0)
			return;
		l = &c->lines[m->cur_line];
		f = dtp_value(m, seg, F_D8 | F_RD8, from, to, hhmm);
		if (f) {
			l->service_date = cdup(m, &m->arena, from);
			l->service_date_to = f == F_RD8 ? cdup(m, &m->arena, to) : NULL;
		}
		return;
	}
	qual = el(seg, 1);
	if (qual.len != 3)
		return;
	switch (KEY3(qual.ptr[0], qual.ptr[1], qual.ptr[2])) {
	case KEY3('4', '3', '4'):
		if (!inst)
			return;
		f = dtp_value(m, seg, F_D8 | F_RD8, from, to, hhmm);
		if (f) {
			c->statement_date = cdup(m, &m->arena, from);
			c->statement_date_to = f == F_RD8 ? cdup(m, &m->arena, to) : NULL;
		}
		break;
	case KEY3('4', '3', '5'):
		f = dtp_value(m, seg, inst ? F_D8 | F_DT : F_D8, from, to, hhmm);
		if (f) {
			c->admission_date = cdup(m, &m->arena, from);
			c->admission_hour = f == F_DT ? cdup(m, &m->arena, hhmm) : NULL;
		}
		break;
	case KEY3('0', '9', '6'):
		if (inst)
			m->has_096 = true;
		f = dtp_value(m, seg, (inst ? F_TM : 0) | (prof ? F_D8 : 0), from, to, hhmm);
		if (f == F_D8) {
			c->discharge_date = cdup(m, &m->arena, from);
		} else if (f == F_TM) {
			c->discharge_hour = cdup(m, &m->arena, hhmm);
		}
		break;
	case KEY3('4', '7', '2'):
		f = dtp_value(m, seg, F_D8 | F_RD8, from, to, hhmm);
		if (f) {
			c->service_date = cdup(m, &m->arena, from);
			c->service_date_to = f == F_RD8 ? cdup(m, &m->arena, to) : NULL;
			m->has_claim_472 = true;
		}
		break;
	case KEY3('4', '3', '1'):
		if (!prof)
			return;
		f = dtp_value(m, seg, F_D8, from, to, hhmm);
		if (f)
			c->onset_date = cdup(m, &m->arena, from);
		break;
	case KEY3('4', '8', '4'):
		if (!prof)
			return;
		f = dtp_value(m, seg, F_D8, from, to, hhmm);
		if (f)
			c->last_menstrual_date = cdup(m, &m->arena, from);
		break;
	default:
		break;
	}
}

/* NM1 inside a claim. */
static void
claim_nm1(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;
	unsigned k = code2(el(seg, 1));

	if (m->pos == POS_LINE) {
		if (k == KEY2('8', '2') && m->cur_line >= 0) {
			const char *v = npi(m, &m->arena, seg, NULL);

			if (v)
				c->lines[m->cur_line].rendering_provider_npi = v;
		}
		return;
	}
	if (m->pos == POS_OTHER_SUBSCRIBER && k == KEY2('P', 'R')) {
		if (m->cur_op >= 0) {
			struct claims__other_payer_rec *op = &c->other_payers[m->cur_op];

			op->payer_id = sdup(m, &m->arena, el(seg, 9));
			op->payer_name = sdup(m, &m->arena, el(seg, 3));
		}
		return;
	}
	/* 2310 provider loops; in 2330 such NM1 carry no NPI (no NM108 XX) */
	{
		const char **dst;
		const char *v;

		switch (k) {
		case KEY2('8', '2'):
			dst = &c->rendering_provider_npi;
			break;
		case KEY2('7', '1'):
			dst = &c->attending_provider_npi;
			break;
		case KEY2('7', '2'):
			dst = &c->operating_provider_npi;
			break;
		case KEY2('D', 'N'):
			dst = &c->referring_provider_npi;
			break;
		case KEY2('7', '7'):
			dst = &c->service_facility_npi;
			break;
		default:
			return;
		}
		v = npi(m, &m->arena, seg, NULL);
		if (v)
			*dst = v;
	}
}

/* NM1 outside claims: the contexts. */
static void
context_nm1(struct claims__map837 *m, const claims_x12_segment *seg)
{
	unsigned k = code2(el(seg, 1));

	m->in_2010aa = false;
	switch (k) {
	case KEY2('8', '5'): {
		struct claims__provider_rec *p = &m->prov;
		claims_x12_slice type = el(seg, 2), last = el(seg, 3), first = el(seg, 4);

		p->npi = p->tax_id = p->name = NULL;
		p->npi_valid = false;
		m->in_2010aa = true;
		p->entity_type = eq(type, "1") ? 1 : eq(type, "2") ? 2 : 0;
		if (p->entity_type == 1 && first.len && last.len) {
			char *s = claims__arena_alloc(&m->prov_arena, last.len + first.len + 2);

			if (s) {
				memcpy(s, last.ptr, last.len);
				s[last.len] = ' ';
				memcpy(s + last.len + 1, first.ptr, first.len);
				s[last.len + 1 + first.len] = '\0';
			} else {
				m->oom = true;
			}
			p->name = s;
		} else {
			p->name = sdup(m, &m->prov_arena, last);
		}
		p->npi = npi(m, &m->prov_arena, seg, &p->npi_valid);
		if (eq(el(seg, 8), "24"))
			p->tax_id = sdup(m, &m->prov_arena, el(seg, 9));
		break;
	}
	case KEY2('I', 'L'):
		if (m->hl != 22)
			return;
		m->sub_last = sdup(m, &m->sub_arena, el(seg, 3));
		m->sub_first = sdup(m, &m->sub_arena, el(seg, 4));
		m->sub_member_id = sdup(m, &m->sub_arena, el(seg, 9));
		claims__buf_segment(&m->sub_buf, seg);
		break;
	case KEY2('P', 'R'):
		if (m->hl != 22)
			return;
		m->payer_name = sdup(m, &m->sub_arena, el(seg, 3));
		m->payer_id = sdup(m, &m->sub_arena, el(seg, 9));
		claims__buf_segment(&m->sub_buf, seg);
		break;
	case KEY2('Q', 'C'):
		if (m->hl != 23)
			return;
		m->pat_last = sdup(m, &m->pat_arena, el(seg, 3));
		m->pat_first = sdup(m, &m->pat_arena, el(seg, 4));
		claims__buf_segment(&m->pat_buf, seg);
		break;
	default:
		break;
	}
}

static void
seg_dmg(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__arena *a;
	const char **dob, **gender;
	claims_x12_slice v = el(seg, 2);

	if (m->hl == 22) {
		a = &m->sub_arena;
		dob = &m->sub_dob;
		gender = &m->sub_gender;
		claims__buf_segment(&m->sub_buf, seg);
	} else if (m->hl == 23) {
		a = &m->pat_arena;
		dob = &m->pat_dob;
		gender = &m->pat_gender;
		claims__buf_segment(&m->pat_buf, seg);
	} else {
		return;
	}
	*dob = NULL;
	if (v.len) {
		if (!eq(el(seg, 1), "D8"))
			SEG_ISSUE(m, CLAIMS_X12_INVALID_DATE, seg, "DMG01",
				  "DMG01 date format is not D8");
		else
			*dob = date_d8(m, a, seg, v, "DMG02");
	}
	*gender = sdup(m, a, el(seg, 3));
}

static void
seg_sbr(struct claims__map837 *m, const claims_x12_segment *seg)
{
	if (m->in_claim) {
		struct claims__claim_rec *c = &m->c;
		struct claims__other_payer_rec *ops;

		m->pos = POS_OTHER_SUBSCRIBER;
		m->cur_line = -1;
		ops = grow(m, c->other_payers, c->n_other_payers, &m->op_cap, sizeof(*ops));
		if (!ops) {
			m->cur_op = -1;
			return;
		}
		c->other_payers = ops;
		m->cur_op = (long)c->n_other_payers++;
		ops[m->cur_op].responsibility = sdup(m, &m->arena, el(seg, 1));
		return;
	}
	if (m->hl != 22)
		return;
	m->sbr01 = sdup(m, &m->sub_arena, el(seg, 1));
	m->sbr02 = sdup(m, &m->sub_arena, el(seg, 2));
	m->sbr09 = sdup(m, &m->sub_arena, el(seg, 9));
	claims__buf_segment(&m->sub_buf, seg);
}

static void
seg_ref(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;
	claims_x12_slice q = el(seg, 1), v = el(seg, 2);
	const char **dst = NULL;

	if (!m->in_claim) {
		if (m->in_2010aa && eq(q, "EI") && v.len)
			m->prov.tax_id = sdup(m, &m->prov_arena, v);
		return; /* REF*SY (an SSN) and the rest are never stored */
	}
	if (v.len == 0)
		return;
	switch (m->pos) {
	case POS_LINE:
		if (eq(q, "6R") && m->cur_line >= 0)
			c->lines[m->cur_line].line_item_control_number = sdup(m, &m->arena, v);
		return;
	case POS_OTHER_SUBSCRIBER:
		return; /* 2330B REF*F8 etc. describe the other payer's claim */
	case POS_CLAIM:
		break;
	}
	switch (code2(q)) {
	case KEY2('F', '8'):
		dst = &c->original_reference_number;
		break;
	case KEY2('G', '1'):
		dst = &c->prior_authorization;
		break;
	case KEY2('9', 'F'):
		dst = &c->referral_number;
		break;
	case KEY2('E', 'A'):
		dst = &c->medical_record_number;
		break;
	default:
		return;
	}
	if (!*dst)
		*dst = sdup(m, &m->arena, v);
}

static void
seg_amt(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__other_payer_rec *op;

	if (m->pos != POS_OTHER_SUBSCRIBER || m->cur_op < 0 || !eq(el(seg, 1), "D"))
		return;
	op = &m->c.other_payers[m->cur_op];
	op->paid = amount(m, seg, el(seg, 2), "AMT02", false);
}

static void
seg_cl1(struct claims__map837 *m, const claims_x12_segment *seg)
{
	struct claims__claim_rec *c = &m->c;

	c->admission_type = sdup(m, &m->arena, el(seg, 1));
	c->admission_source = sdup(m, &m->arena, el(seg, 2));
	c->patient_status = sdup(m, &m->arena, el(seg, 3));
}

static void
seg_lx(struct claims__map837 *m, const claims_x12_segment *seg)
{
	claims_x12_slice v = el(seg, 1);
	int n = 0;

	for (size_t i = 0; i < v.len && i < 9; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9') {
			n = 0;
			break;
		}
		n = n * 10 + (v.ptr[i] - '0');
	}
	m->pos = POS_LINE;
	m->lx_open = true;
	m->lx_number = n;
	m->sv_in_lx = 0;
	m->cur_line = -1;
	m->cur_op = -1;
}

static void
orphan(struct claims__map837 *m, const claims_x12_segment *seg)
{
	SEG_ISSUE(m, CLAIMS_X12_ORPHAN_SEGMENT, seg, NULL,
		  "%s segment before any CLM; skipped", seg->id);
}

static int
on_segment(struct claims__map837 *m, const claims_x12_segment *seg)
{
	unsigned key = KEY3(seg->id[0], seg->id[1], seg->id[2]);
	int64_t k = seg->loc.segment_index;
	int rc = CLAIMS_OK;

	if (m->qlen)
		queue_flush_before(m, k);
	if (key == KEY3('C', 'L', 'M') || key == KEY2('H', 'L')) {
		rc = claim_finish(m);
		if (rc < 0)
			return rc;
		if (key == KEY3('C', 'L', 'M')) {
			m->in_claim = true;
			m->pos = POS_CLAIM;
			m->clm_loc = seg->loc;
			m->c.interchange = seg->loc.interchange;
			m->c.transaction = seg->loc.transaction;
			m->c.first_segment_index = k;
			if (m->sub_buf.len)
				claims__buf_append(&m->raw, m->sub_buf.data, m->sub_buf.len);
			if (m->pat_buf.len)
				claims__buf_append(&m->raw, m->pat_buf.data, m->pat_buf.len);
		}
	}
	if (m->qlen)
		queue_attach_at(m, k);
	if (m->in_claim)
		claims__buf_segment(&m->raw, seg);

	switch (key) {
	case KEY3('C', 'L', 'M'):
		seg_clm(m, seg);
		break;
	case KEY2('H', 'L'):
		seg_hl(m, seg);
		break;
	case KEY3('B', 'H', 'T'):
		if (!m->in_claim)
			seg_bht(m, seg);
		break;
	case KEY3('N', 'M', '1'):
		if (m->in_claim)
			claim_nm1(m, seg);
		else
			context_nm1(m, seg);
		break;
	case KEY3('P', 'R', 'V'):
		if (!m->in_claim && m->hl == 20 && eq(el(seg, 1), "BI"))
			m->prov.taxonomy_code = sdup(m, &m->prov_arena, el(seg, 3));
		break;
	case KEY3('R', 'E', 'F'):
		seg_ref(m, seg);
		break;
	case KEY3('S', 'B', 'R'):
		seg_sbr(m, seg);
		break;
	case KEY3('D', 'M', 'G'):
		if (!m->in_claim)
			seg_dmg(m, seg);
		break;
	case KEY3('P', 'A', 'T'):
		if (!m->in_claim && m->hl == 23)
			claims__buf_segment(&m->pat_buf, seg);
		break;
	case KEY3('D', 'T', 'P'):
		if (m->in_claim)
			seg_dtp(m, seg);
		break;
	case KEY3('A', 'M', 'T'):
		if (m->in_claim)
			seg_amt(m, seg);
		break;
	case KEY2('H', 'I'):
		if (m->in_claim)
			seg_hi(m, seg);
		else
			orphan(m, seg);
		break;
	case KEY3('C', 'L', '1'):
		if (m->in_claim)
			seg_cl1(m, seg);
		else
			orphan(m, seg);
		break;
	case KEY2('L', 'X'):
		if (m->in_claim)
			seg_lx(m, seg);
		else
			orphan(m, seg);
		break;
	case KEY3('S', 'V', '1'):
		if (m->in_claim)
			seg_sv1(m, seg);
		else
			orphan(m, seg);
		break;
	case KEY3('S', 'V', '2'):
		if (m->in_claim)
			seg_sv2(m, seg);
		else
			orphan(m, seg);
		break;
	default:
		break;
	}
	if (m->sub_buf.oom || m->pat_buf.oom || m->raw.oom)
		m->oom = true;
	return rc;
}

/* ------------------------------------------------------------ the API */

int
claims__map837_new(struct claims__map837 **out, const struct claims__map837_callbacks *cb)
{
	struct claims__map837 *m;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!cb)
		return CLAIMS_EINVAL;
	m = claims__calloc(1, sizeof(*m));
	if (!m)
		return CLAIMS_ENOMEM;
	m->cb = *cb;
	claims__arena_init(&m->arena, 16384);
	claims__arena_init(&m->prov_arena, 1024);
	claims__arena_init(&m->sub_arena, 1024);
	claims__arena_init(&m->pat_arena, 1024);
	claims__arena_init(&m->q_arena, 2048);
	claim_reset(m);
	*out = m;
	return CLAIMS_OK;
}

void
claims__map837_free(struct claims__map837 *m)
{
	if (!m)
		return;
	claims__arena_free(&m->arena);
	claims__arena_free(&m->prov_arena);
	claims__arena_free(&m->sub_arena);
	claims__arena_free(&m->pat_arena);
	claims__arena_free(&m->q_arena);
	claims__buf_free(&m->sub_buf);
	claims__buf_free(&m->pat_buf);
	claims__buf_free(&m->raw);
	claims__free(m->queue);
	claims__free(m);
}

int
claims__map837_event(struct claims__map837 *m, const claims_x12_event *ev)
{
	int rc = CLAIMS_OK;

	if (!m || !ev)
		return CLAIMS_EINVAL;
	switch (ev->type) {
	case CLAIMS_X12_EVENT_TRANSACTION_START:
		claim_reset(m);
		reset_set(m);
		m->oom = false;
		m->type = ev->transaction ? ev->transaction->type : CLAIMS_X12_TYPE_837_PENDING;
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_TYPE:
		if (ev->transaction)
			m->type = ev->transaction->type;
		break;
	case CLAIMS_X12_EVENT_SEGMENT:
		if (!ev->segment)
			return CLAIMS_EINVAL;
		rc = on_segment(m, ev->segment);
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_END:
		if (ev->completed) {
			if (ev->segment && m->qlen)
				queue_flush_before(m, ev->segment->loc.segment_index);
			rc = claim_finish(m);
		} else {
			claim_reset(m);
		}
		queue_clear(m);
		break;
	default:
		break;
	}
	if (rc == CLAIMS_OK && m->oom)
		rc = CLAIMS_ENOMEM;
	return rc;
}

void
claims__map837_counts(const struct claims__map837 *m, struct claims__map837_counts *out)
{
	if (!out)
		return;
	if (!m) {
		memset(out, 0, sizeof(*out));
		return;
	}
	*out = m->counts;
}
