/*
 * libclaims: the X12 envelope walker (spec/x12.md §3).
 *
 * On top of the tokenizer, a small state machine tracks the open ISA, GS
 * and ST, checks every control number and count of §3.1 and types each
 * transaction set (§3.2).  Each segment read becomes zero or more events
 * (an ISA met while a set is open closes the set, the group and the
 * interchange before opening the new one); they wait in a fixed queue and
 * are returned one per call, all before the next segment is read, so the
 * segment they point to is still valid.
 *
 * While a segment is processed, the issues found are rendered into the
 * same queue, between the events they are about (MISSING_SE just before
 * the incomplete TRANSACTION_END, SE_COUNT before the completed one), and
 * the segment's own lexing issues (INVALID_CHARACTER...) are reported when
 * the queue reaches them, just before the segment's event.  So each issue
 * reaches the callback during the call that returns its event.  Issues
 * raised by the mapping between two calls are delivered at once.  Every
 * issue carries its location; those about a set (MISSING_SE, SE_COUNT...)
 * carry the set's ordinal.
 *
 * The SV2 rule of §3.2: an 837 of unknown version is 837I when its first
 * service line is SV2, else 837P.  Service lines come after the claim
 * header, so the type cannot be known at the ST without buffering the set
 * (unbounded).  The set starts as CLAIMS_X12_TYPE_837_PENDING and a
 * TRANSACTION_TYPE event gives its variant just before its first SV1/SV2
 * segment, or before its end (837P) when it has none.  The 837 mapping
 * reads both variants with one state machine and applies the variant-
 * specific rules when the claim is stored, which happens at the next CLM,
 * HL or SE, always after the first service line of the first claim.
 *
 * DUPLICATE_CONTROL_NUMBER needs the ST02s of the current group.  They are
 * kept as 64-bit hashes in an open-addressing table that grows to at most
 * 65536 slots (512 KiB, 32768 sets); later sets of a larger group are
 * checked against the table but not added.  A collision of two different
 * ST02 has probability ~2^-64 per pair.
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "x12_internal.h"

#define ST02_SET_MIN 64
#define ST02_SET_MAX 65536

enum level { LEVEL_ST, LEVEL_GS, LEVEL_ISA };

/* ---- small helpers */

static void
ctl_set(claims__x12_ctlnum *c, claims_x12_slice s)
{
	size_t n = s.len < sizeof(c->v) - 1 ? s.len : sizeof(c->v) - 1;

	memcpy(c->v, s.ptr, n);
	c->v[n] = '\0';
	c->len = s.len;
}

static bool
ctl_eq(const claims__x12_ctlnum *c, claims_x12_slice s)
{
	size_t n = s.len < sizeof(c->v) - 1 ? s.len : sizeof(c->v) - 1;

	return c->len == s.len && memcmp(c->v, s.ptr, n) == 0;
}

/* Copy a value into a 64-byte field, cut at a UTF-8 boundary. */
static void
copy_cut(char dst[64], claims_x12_slice s)
{
	size_t n = s.len < 63 ? s.len : 63;

	while (n > 0 && n < s.len && ((unsigned char)s.ptr[n] & 0xC0) == 0x80)
		n--;
	memcpy(dst, s.ptr, n);
	dst[n] = '\0';
}

/* A count element: its value when it is 1-18 digits, else -1. */
static int64_t
count_value(claims_x12_slice s)
{
	int64_t v = 0;

	if (s.len == 0 || s.len > 18)
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		if (s.ptr[i] < '0' || s.ptr[i] > '9')
			return -1;
		v = v * 10 + (s.ptr[i] - '0');
	}
	return v;
}

static bool
has_prefix(claims_x12_slice s, const char *prefix)
{
	size_t n = strlen(prefix);

	return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static bool
id_is(const claims_x12_segment *seg, const char *id)
{
	return strcmp(seg->id, id) == 0;
}

static struct claims__x12_item *
push_item(struct claims__x12_walker *w, enum claims__x12_item_kind kind)
{
	struct claims__x12_item *item;

	/* at most 9 items per segment (x12_internal.h) */
	assert(w->qlen < CLAIMS__X12_QUEUE);
	item = &w->queue[(w->qhead + w->qlen++) % CLAIMS__X12_QUEUE];
	item->kind = kind;
	return item;
}

/* The lexing issues of the segment just read, reported when reached. */
static void
push_diag(struct claims__x12_walker *w)
{
	(void)push_item(w, CLAIMS__X12_ITEM_DIAG);
}

static void
push(struct claims__x12_walker *w, claims_x12_event_type type, const claims_x12_segment *seg,
     const claims_x12_transaction *txn, bool completed)
{
	claims_x12_event *ev = &push_item(w, CLAIMS__X12_ITEM_EVENT)->event;

	ev->type = type;
	ev->segment = seg;
	ev->transaction = txn;
	ev->completed = completed;
}

/* Location for an issue found at @p seg (NULL: the end of the data). */
static claims_x12_location
loc_at(const claims_x12_reader *r, const claims_x12_segment *seg, int64_t interchange,
       int64_t transaction)
{
	claims_x12_location loc;

	loc.interchange = interchange;
	loc.transaction = transaction;
	loc.segment_index = seg ? seg->loc.segment_index : 0;
	loc.byte_offset = seg ? seg->loc.byte_offset : r->stats.bytes;
	return loc;
}

static const char *
closer_name(const claims_x12_segment *seg)
{
	if (!seg)
		return "the end of the data";
	if (id_is(seg, "ISA"))
		return "the next ISA segment";
	if (id_is(seg, "GS"))
		return "the next GS segment";
	if (id_is(seg, "ST"))
		return "the next ST segment";
	if (id_is(seg, "GE"))
		return "the GE segment";
	return "the IEA segment";
}

/* ---- ST02 set */

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 1099511628211ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return h ? h : 1;
}

static void
st02_clear(struct claims__x12_walker *w)
{
	if (w->st02_cap > 1024) {
		claims__free(w->st02_set);
		w->st02_set = NULL;
		w->st02_cap = 0;
	} else if (w->st02_set) {
		memset(w->st02_set, 0, w->st02_cap * sizeof(*w->st02_set));
	}
	w->st02_len = 0;
}

static bool
st02_find(const struct claims__x12_walker *w, uint64_t h, size_t *slot)
{
	size_t mask = w->st02_cap - 1, i = (size_t)h & mask;

	while (w->st02_set[i]) {
		if (w->st02_set[i] == h) {
			*slot = i;
			return true;
		}
		i = (i + 1) & mask;
	}
	*slot = i;
	return false;
}

/* 1 when @p s was seen in this group (else it is added), or an error. */
static int
st02_seen(struct claims__x12_walker *w, claims_x12_slice s)
{
	uint64_t h = hash_bytes(s.ptr, s.len);
	size_t slot;

	if (!w->st02_set) {
		w->st02_set = claims__calloc(ST02_SET_MIN, sizeof(*w->st02_set));
		if (!w->st02_set)
			return CLAIMS_ENOMEM;
		w->st02_cap = ST02_SET_MIN;
		w->st02_len = 0;
	}
	if (st02_find(w, h, &slot))
		return 1;
	if ((w->st02_len + 1) * 2 > w->st02_cap) {
		uint64_t *old = w->st02_set, *grown;
		size_t old_cap = w->st02_cap;

		if (old_cap >= ST02_SET_MAX)
			return 0; /* full: check only */
		grown = claims__calloc(old_cap * 2, sizeof(*grown));
		if (!grown)
			return CLAIMS_ENOMEM;
		w->st02_set = grown;
		w->st02_cap = old_cap * 2;
		for (size_t i = 0; i < old_cap; i++) {
			size_t k;

			if (old[i] && !st02_find(w, old[i], &k))
				w->st02_set[k] = old[i];
		}
		claims__free(old);
		(void)st02_find(w, h, &slot);
	}
	w->st02_set[slot] = h;
	w->st02_len++;
	return 0;
}

void
claims__x12_walker_free(struct claims__x12_walker *w)
{
	claims__free(w->st02_set);
	w->st02_set = NULL;
	w->st02_cap = 0;
}

/* ---- closing */

static int
close_txn(claims_x12_reader *r, const claims_x12_segment *seg, bool completed)
{
	struct claims__x12_walker *w = &r->w;
	bool was_pending = w->txn.type == CLAIMS_X12_TYPE_837_PENDING;

	if (was_pending) {
		w->txn.type = CLAIMS_X12_TYPE_837P;
		r->stats.transactions_837p++;
	}
	if (completed && w->txn_supported)
		r->stats.transactions_completed++;
	else
		r->stats.transactions_skipped++;
	w->txn_end = w->txn;
	if (was_pending)
		push(w, CLAIMS_X12_EVENT_TRANSACTION_TYPE, seg, &w->txn_end, false);
	push(w, CLAIMS_X12_EVENT_TRANSACTION_END, completed ? seg : NULL, &w->txn_end, completed);
	w->in_st = false;
	r->loc_transaction = 0;
	return CLAIMS_OK;
}

/* Close what is open up to @p level because @p seg (NULL: end of data)
 * arrived, reporting MISSING_SE / MISSING_GE / MISSING_IEA. */
static int
close_open(claims_x12_reader *r, const claims_x12_segment *seg, enum level level)
{
	struct claims__x12_walker *w = &r->w;
	int64_t ich = w->in_isa ? w->isa_ordinal : 0;
	claims__x12_json j;
	claims_x12_location loc;
	int rc;

	if (w->in_st) {
		loc = loc_at(r, seg, ich, w->txn.ordinal);
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "control_number", w->st02.v, strlen(w->st02.v));
		claims__x12_json_end(&j);
		rc = claims__x12_report_at(r, CLAIMS_X12_MISSING_SE, &loc, seg ? seg->id : NULL, NULL,
					   r->details,
					   "Transaction set %s was not closed by SE before %s; it is not stored",
					   w->txn.control_number, closer_name(seg));
		if (rc)
			return rc;
		rc = close_txn(r, NULL, false);
		if (rc)
			return rc;
	}
	if (level >= LEVEL_GS && w->in_gs) {
		loc = loc_at(r, seg, ich, 0);
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "control_number", w->gs06.v, strlen(w->gs06.v));
		claims__x12_json_end(&j);
		rc = claims__x12_report_at(r, CLAIMS_X12_MISSING_GE, &loc, seg ? seg->id : NULL, NULL,
					   r->details,
					   "Functional group %s was not closed by GE before %s",
					   w->gs06.v, closer_name(seg));
		if (rc)
			return rc;
		w->in_gs = false;
		push(w, CLAIMS_X12_EVENT_GROUP_END, NULL, NULL, false);
	}
	if (level >= LEVEL_ISA && w->in_isa) {
		loc = loc_at(r, seg, ich, 0);
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "control_number", w->isa13.v, strlen(w->isa13.v));
		claims__x12_json_end(&j);
		rc = claims__x12_report_at(r, CLAIMS_X12_MISSING_IEA, &loc, seg ? seg->id : NULL, NULL,
					   r->details,
					   "Interchange %s was not closed by IEA before %s",
					   w->isa13.v, closer_name(seg));
		if (rc)
			return rc;
		w->in_isa = false;
		push(w, CLAIMS_X12_EVENT_INTERCHANGE_END, NULL, NULL, false);
	}
	r->loc_interchange = w->in_isa ? w->isa_ordinal : 0;
	return CLAIMS_OK;
}

/* ---- trailer checks */

/* A count trailer element (SE01, GE01, IEA01) against what was counted. */
static int
check_count(claims_x12_reader *r, const claims_x12_segment *seg, claims_x12_code code,
	    const char *element, size_t n, int64_t counted, const char *what)
{
	claims_x12_slice v = claims_x12_segment_element(seg, n);
	claims__x12_json j;
	char q[64];

	if (count_value(v) == counted)
		return CLAIMS_OK;
	claims__x12_json_begin(&j, r->details, sizeof(r->details));
	claims__x12_json_int(&j, "expected", counted);
	claims__x12_json_num_or_str(&j, "actual", v.ptr, v.len);
	claims__x12_json_end(&j);
	if (count_value(v) >= 0)
		return claims__x12_report(r, code, seg, element, r->details,
					  "%s says %" PRId64 " %s, counted %" PRId64, element,
					  count_value(v), what, counted);
	return claims__x12_report(r, code, seg, element, r->details,
				  "%s says %s %s, counted %" PRId64, element,
				  v.len ? claims__x12_quote(q, sizeof(q), NULL, v.ptr, v.len) : "nothing",
				  what, counted);
}

/* A control number trailer element (SE02, GE02, IEA02) against its header. */
static int
check_control(claims_x12_reader *r, const claims_x12_segment *seg, claims_x12_code code,
	      const char *element, size_t n, const claims__x12_ctlnum *header,
	      const char *header_name)
{
	claims_x12_slice v = claims_x12_segment_element(seg, n);
	claims__x12_json j;
	char q1[64], q2[64];

	if (ctl_eq(header, v))
		return CLAIMS_OK;
	claims__x12_json_begin(&j, r->details, sizeof(r->details));
	claims__x12_json_str(&j, "header", header->v, strlen(header->v));
	claims__x12_json_str(&j, "trailer", v.ptr, v.len);
	claims__x12_json_end(&j);
	return claims__x12_report(r, code, seg, element, r->details,
				  "%s %s does not match %s %s", element,
				  claims__x12_quote(q1, sizeof(q1), NULL, v.ptr, v.len), header_name,
				  claims__x12_quote(q2, sizeof(q2), NULL, header->v, strlen(header->v)));
}

/* ---- opening */

/* §3.2: the type of the set whose ST is @p seg. */
static int
detect_type(claims_x12_reader *r, const claims_x12_segment *seg)
{
	struct claims__x12_walker *w = &r->w;
	claims_x12_slice st01 = claims_x12_segment_element(seg, 1);
	claims_x12_slice st03 = claims_x12_segment_element(seg, 3);
	claims_x12_slice gs08 = { w->gs08.v, w->in_gs ? strlen(w->gs08.v) : 0 };
	claims_x12_slice version = st03.len ? st03 : gs08;
	const char *velem = st03.len ? "ST03" : gs08.len ? "GS08" : "ST03";
	bool is837 = claims_x12_slice_eq(st01, "837"), is835 = claims_x12_slice_eq(st01, "835");
	claims__x12_json j;
	char q1[64], q2[64];
	int rc;

	copy_cut(w->txn.version, version);
	if (st03.len && gs08.len && !ctl_eq(&w->gs08, st03)) {
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "gs08", gs08.ptr, gs08.len);
		claims__x12_json_str(&j, "st03", st03.ptr, st03.len);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_VERSION_MISMATCH, seg, "ST03", r->details,
					"ST03 version %s differs from GS08 version %s; ST03 is used",
					claims__x12_quote(q1, sizeof(q1), NULL, st03.ptr, st03.len),
					claims__x12_quote(q2, sizeof(q2), NULL, gs08.ptr, gs08.len));
		if (rc)
			return rc;
	}
	if ((is837 || is835) && w->in_gs) {
		const char *want = is837 ? "HC" : "HP";

		if (strcmp(w->gs01, want) != 0) {
			claims__x12_json_begin(&j, r->details, sizeof(r->details));
			claims__x12_json_str(&j, "expected", want, 2);
			claims__x12_json_str(&j, "actual", w->gs01, strlen(w->gs01));
			claims__x12_json_end(&j);
			rc = claims__x12_report(r, CLAIMS_X12_FUNCTIONAL_ID_MISMATCH, seg, "GS01",
						r->details,
						"GS01 is %s but an %s transaction set belongs in a %s group",
						claims__x12_quote(q1, sizeof(q1), NULL, w->gs01,
								  strlen(w->gs01)),
						is837 ? "837" : "835", want);
			if (rc)
				return rc;
		}
	}

	if (is837 && (has_prefix(version, "005010X222") || has_prefix(version, "004010X098"))) {
		w->txn.type = CLAIMS_X12_TYPE_837P;
		r->stats.transactions_837p++;
	} else if (is837 && (has_prefix(version, "005010X223") || has_prefix(version, "004010X096"))) {
		w->txn.type = CLAIMS_X12_TYPE_837I;
		r->stats.transactions_837i++;
	} else if (is835 && (has_prefix(version, "005010X221") || has_prefix(version, "004010X091"))) {
		w->txn.type = CLAIMS_X12_TYPE_835;
		r->stats.transactions_835++;
	} else if (is837 && (has_prefix(version, "005010X224") || has_prefix(version, "004010X097"))) {
		w->txn.type = CLAIMS_X12_TYPE_UNSUPPORTED;
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "transaction_set", "837", 3);
		claims__x12_json_str(&j, "version", version.ptr, version.len);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_UNSUPPORTED_TRANSACTION, seg, velem, r->details,
					"Dental 837 (version %s) is not supported; transaction set skipped",
					claims__x12_quote(q1, sizeof(q1), NULL, version.ptr, version.len));
		if (rc)
			return rc;
	} else if (is837 || is835) {
		w->txn.type = is837 ? CLAIMS_X12_TYPE_837_PENDING : CLAIMS_X12_TYPE_835;
		if (is835)
			r->stats.transactions_835++;
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "version", version.ptr, version.len);
		claims__x12_json_end(&j);
		if (version.len)
			rc = claims__x12_report(r, CLAIMS_X12_UNKNOWN_VERSION, seg, velem, r->details,
						"Version %s of the %s transaction set is unknown; read as %s",
						claims__x12_quote(q1, sizeof(q1), NULL, version.ptr,
								  version.len),
						is837 ? "837" : "835",
						is837 ? "837I if its first service line is SV2, else 837P" : "835");
		else
			rc = claims__x12_report(r, CLAIMS_X12_UNKNOWN_VERSION, seg, velem, r->details,
						"The %s transaction set has no version (ST03 or GS08); read as %s",
						is837 ? "837" : "835",
						is837 ? "837I if its first service line is SV2, else 837P" : "835");
		if (rc)
			return rc;
	} else {
		w->txn.type = CLAIMS_X12_TYPE_UNSUPPORTED;
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "transaction_set", st01.ptr, st01.len);
		claims__x12_json_str(&j, "version", version.ptr, version.len);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_UNSUPPORTED_TRANSACTION, seg, "ST01", r->details,
					"Transaction set %s is not supported; skipped",
					claims__x12_quote(q1, sizeof(q1), NULL, st01.ptr, st01.len));
		if (rc)
			return rc;
	}
	w->txn_supported = w->txn.type != CLAIMS_X12_TYPE_UNSUPPORTED;
	return CLAIMS_OK;
}

static int
open_txn(claims_x12_reader *r, claims_x12_segment *seg)
{
	struct claims__x12_walker *w = &r->w;
	claims_x12_slice st02 = claims_x12_segment_element(seg, 2);
	int rc;

	w->in_st = true;
	w->txn.ordinal = ++w->txn_counter;
	w->txn.segment_count = 1;
	w->txn.type = CLAIMS_X12_TYPE_NONE;
	copy_cut(w->txn.transaction_id, claims_x12_segment_element(seg, 1));
	copy_cut(w->txn.control_number, st02);
	w->txn.version[0] = '\0';
	ctl_set(&w->st02, st02);
	r->stats.transactions++;
	if (w->in_gs)
		w->st_in_gs++;
	r->loc_transaction = w->txn.ordinal;
	seg->loc.transaction = w->txn.ordinal;

	rc = detect_type(r, seg);
	if (rc)
		return rc;
	rc = st02_seen(w, st02);
	if (rc < 0)
		return claims__x12_fail(r, rc);
	if (rc == 1) {
		claims__x12_json j;
		char q[64];

		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "control_number", st02.ptr, st02.len);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_DUPLICATE_CONTROL_NUMBER, seg, "ST02", r->details,
					"ST02 %s is used by an earlier transaction set of this group",
					claims__x12_quote(q, sizeof(q), NULL, st02.ptr, st02.len));
		if (rc)
			return rc;
	}
	return CLAIMS_OK;
}

static int
outside(claims_x12_reader *r, const claims_x12_segment *seg)
{
	const char *where;

	if (id_is(seg, "ISA") || id_is(seg, "IEA") || id_is(seg, "GS"))
		where = "outside an interchange";
	else if (id_is(seg, "GE") || id_is(seg, "ST"))
		where = "outside a functional group";
	else if (id_is(seg, "SE"))
		where = "without an open transaction set";
	else
		where = "outside a transaction set";
	/* a stray GS/GE/IEA inside a set without envelope is one of its
	 * skipped segments */
	if (r->w.in_st)
		r->w.txn.segment_count++;
	return claims__x12_report(r, CLAIMS_X12_SEGMENT_OUTSIDE_ENVELOPE, seg, NULL, NULL,
				  "%s segment %s; skipped", seg->id, where);
}

/* Turn one segment into issues and queued events. */
static int
on_segment(claims_x12_reader *r, claims_x12_segment *seg)
{
	struct claims__x12_walker *w = &r->w;
	int rc;

	seg->loc.interchange = w->in_isa ? w->isa_ordinal : 0;
	seg->loc.transaction = w->in_st ? w->txn.ordinal : 0;

	if (seg->skipped) {
		if (w->in_st)
			w->txn.segment_count++;
		push_diag(w);
		return CLAIMS_OK;
	}

	if (r->id_code == CLAIMS__X12_ID('I', 'S', 'A')) {
		if (!r->diag.is_isa)
			return outside(r, seg);
		rc = close_open(r, seg, LEVEL_ISA);
		if (rc)
			return rc;
		w->in_isa = true;
		w->isa_ordinal = r->isa_count;
		ctl_set(&w->isa13, claims_x12_segment_element(seg, 13));
		w->gs_in_isa = 0;
		r->stats.interchanges++;
		r->loc_interchange = w->isa_ordinal;
		seg->loc.interchange = w->isa_ordinal;
		seg->loc.transaction = 0;
		push_diag(w);
		push(w, CLAIMS_X12_EVENT_INTERCHANGE_START, seg, NULL, false);
		return CLAIMS_OK;
	}
	if (r->id_code == CLAIMS__X12_ID('I', 'E', 'A')) {
		if (!w->in_isa)
			return outside(r, seg);
		rc = close_open(r, seg, LEVEL_GS);
		if (rc)
			return rc;
		seg->loc.transaction = 0;
		push_diag(w);
		rc = check_count(r, seg, CLAIMS_X12_IEA_COUNT, "IEA01", 1, w->gs_in_isa,
					 "functional groups");
		if (!rc)
			rc = check_control(r, seg, CLAIMS_X12_ISA_IEA_MISMATCH, "IEA02", 2, &w->isa13,
					   "ISA13");
		if (rc)
			return rc;
		w->in_isa = false;
		r->loc_interchange = 0;
		push(w, CLAIMS_X12_EVENT_INTERCHANGE_END, seg, NULL, true);
		return CLAIMS_OK;
	}
	if (r->id_code == CLAIMS__X12_ID('G', 'S', 0)) {
		if (!w->in_isa)
			return outside(r, seg);
		rc = close_open(r, seg, LEVEL_GS);
		if (rc)
			return rc;
		w->in_gs = true;
		w->gs_in_isa++;
		w->st_in_gs = 0;
		ctl_set(&w->gs06, claims_x12_segment_element(seg, 6));
		ctl_set(&w->gs08, claims_x12_segment_element(seg, 8));
		{
			claims_x12_slice gs01 = claims_x12_segment_element(seg, 1);
			size_t n = gs01.len < sizeof(w->gs01) - 1 ? gs01.len : sizeof(w->gs01) - 1;

			memcpy(w->gs01, gs01.ptr, n);
			w->gs01[n] = '\0';
		}
		st02_clear(w);
		r->stats.groups++;
		seg->loc.transaction = 0;
		push_diag(w);
		push(w, CLAIMS_X12_EVENT_GROUP_START, seg, NULL, false);
		return CLAIMS_OK;
	}
	if (r->id_code == CLAIMS__X12_ID('G', 'E', 0)) {
		if (!w->in_gs)
			return outside(r, seg);
		rc = close_open(r, seg, LEVEL_ST);
		if (rc)
			return rc;
		seg->loc.transaction = 0;
		push_diag(w);
		rc = check_count(r, seg, CLAIMS_X12_GE_COUNT, "GE01", 1, w->st_in_gs,
					 "transaction sets");
		if (!rc)
			rc = check_control(r, seg, CLAIMS_X12_GS_GE_MISMATCH, "GE02", 2, &w->gs06,
					   "GS06");
		if (rc)
			return rc;
		w->in_gs = false;
		push(w, CLAIMS_X12_EVENT_GROUP_END, seg, NULL, true);
		return CLAIMS_OK;
	}
	if (r->id_code == CLAIMS__X12_ID('S', 'T', 0)) {
		if (!w->in_gs && !(r->no_envelope && !w->in_isa))
			return outside(r, seg);
		rc = close_open(r, seg, LEVEL_ST);
		if (rc)
			return rc;
		rc = open_txn(r, seg);
		if (rc)
			return rc;
		push_diag(w);
		push(w, CLAIMS_X12_EVENT_TRANSACTION_START, seg, &w->txn, false);
		return CLAIMS_OK;
	}
	if (r->id_code == CLAIMS__X12_ID('S', 'E', 0)) {
		if (!w->in_st)
			return outside(r, seg);
		w->txn.segment_count++;
		push_diag(w);
		rc = check_count(r, seg, CLAIMS_X12_SE_COUNT, "SE01", 1, w->txn.segment_count,
					 "segments");
		if (!rc)
			rc = check_control(r, seg, CLAIMS_X12_ST_SE_MISMATCH, "SE02", 2, &w->st02,
					   "ST02");
		if (rc)
			return rc;
		return close_txn(r, seg, true);
	}

	if (!w->in_st)
		return outside(r, seg);
	w->txn.segment_count++;
	push_diag(w);
	if (w->txn.type == CLAIMS_X12_TYPE_837_PENDING &&
	    (r->id_code == CLAIMS__X12_ID('S', 'V', '1') ||
	     r->id_code == CLAIMS__X12_ID('S', 'V', '2'))) {
		if (r->id_code == CLAIMS__X12_ID('S', 'V', '2')) {
			w->txn.type = CLAIMS_X12_TYPE_837I;
			r->stats.transactions_837i++;
		} else {
			w->txn.type = CLAIMS_X12_TYPE_837P;
			r->stats.transactions_837p++;
		}
		push(w, CLAIMS_X12_EVENT_TRANSACTION_TYPE, seg, &w->txn, false);
	}
	if (w->txn_supported)
		push(w, CLAIMS_X12_EVENT_SEGMENT, seg, &w->txn, false);
	return CLAIMS_OK;
}

int
claims_x12_reader_next(const claims_x12_event **out, claims_x12_reader *r)
{
	struct claims__x12_walker *w;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!r || r->layer == CLAIMS__X12_LAYER_SEGMENTS)
		return CLAIMS_EINVAL;
	r->layer = CLAIMS__X12_LAYER_EVENTS;
	w = &r->w;
	for (;;) {
		claims_x12_segment *seg;

		if (r->state == CLAIMS__X12_ST_FAILED)
			return r->fail_rc;
		while (w->qlen) {
			struct claims__x12_item *item = &w->queue[w->qhead];

			w->qhead = (w->qhead + 1) % CLAIMS__X12_QUEUE;
			w->qlen--;
			switch (item->kind) {
			case CLAIMS__X12_ITEM_EVENT:
				w->cur = item->event;
				*out = &w->cur;
				return CLAIMS_OK;
			case CLAIMS__X12_ITEM_ISSUE:
				rc = claims__x12_deliver_item(r, item);
				break;
			case CLAIMS__X12_ITEM_DIAG:
				rc = claims__x12_segment_issues(r, &r->seg);
				break;
			}
			if (rc)
				return rc;
		}
		if (w->ended) {
			r->stats.finished = true;
			return CLAIMS_OK;
		}
		rc = claims__x12_scan(&seg, r);
		if (rc)
			return rc;
		r->defer_issues = true;
		if (!seg) {
			rc = close_open(r, NULL, LEVEL_ISA);
			w->ended = true;
		} else {
			rc = on_segment(r, seg);
		}
		r->defer_issues = false;
		if (rc)
			return rc;
	}
}
