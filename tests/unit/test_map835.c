/*
 * The 835 mapping (spec/x12.md §7 fields, §8 balancing, §9.3 identities,
 * §10 counts, §11 corpus expectations).
 *
 * The mapper is fed events built by a small splitter of this file (literal
 * segments, or corpus files with delimiters found by counting ISA
 * separators), so these tests do not depend on the reader.  The corpus is
 * then replayed a second time through the real reader (claims_x12_reader_
 * next()) when it reads a known-good file; otherwise those tests skip.
 *
 * What the mapper hands out is valid only during its callbacks, so each
 * payment, PLB pair and issue is dumped to "key=value" lines and the tests
 * look values up by key.
 */
#include "testutil.h"

#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>

#include "ingest/arena.h"
#include "ingest/map835.h"

/* ================================================================ a string builder */

struct sb {
	char *p;
	size_t len, cap;
};

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (b->p && b->len + (size_t)n < b->cap)
			break;
		b->cap = (b->cap + (size_t)n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	b->len += (size_t)n;
}

static void
kv(struct sb *b, const char *prefix, const char *key, const char *v)
{
	sb_printf(b, "%s%s=%s\n", prefix, key, v ? v : "(null)");
}

static void
kv_money(struct sb *b, const char *prefix, const char *key, struct claims__money m)
{
	if (m.has)
		sb_printf(b, "%s%s=%" PRId64 "\n", prefix, key, m.cents);
	else
		sb_printf(b, "%s%s=NULL\n", prefix, key);
}

static void
kv_int(struct sb *b, const char *prefix, const char *key, int64_t v)
{
	sb_printf(b, "%s%s=%" PRId64 "\n", prefix, key, v);
}

static void
kv_num(struct sb *b, const char *prefix, const char *key, bool has, double v)
{
	if (has)
		sb_printf(b, "%s%s=%g\n", prefix, key, v);
	else
		sb_printf(b, "%s%s=NULL\n", prefix, key);
}

/* The value of "key=" in a dump (which starts with a newline). */
static const char *
get(const char *dump, const char *key)
{
	static char out[8][4096];
	static int slot;
	char pat[256];
	const char *p, *e;
	size_t n;

	snprintf(pat, sizeof(pat), "\n%s=", key);
	p = strstr(dump, pat);
	if (!p)
		fail_msg("no key %s in\n%s", key, dump);
	p += strlen(pat);
	e = strchr(p, '\n');
	n = e ? (size_t)(e - p) : strlen(p);
	slot = (slot + 1) % 8;
	if (n >= sizeof(out[0]))
		n = sizeof(out[0]) - 1;
	memcpy(out[slot], p, n);
	out[slot][n] = '\0';
	return out[slot];
}

static bool
has_key(const char *dump, const char *key)
{
	char pat[256];

	snprintf(pat, sizeof(pat), "\n%s=", key);
	return strstr(dump, pat) != NULL;
}

#define KV(dump, key, val) assert_string_equal(get((dump), (key)), (val))

/* ================================================================ collecting */

struct col {
	char **remits;
	size_t n_remits;
	char **plbs;
	size_t n_plbs;
	char **issues; /* every issue the mapper raised */
	size_t n_issues;
	size_t abort_at; /* on_remit returns CLAIMS_ECONSTRAINT at this remit (1-based) */
	/* pointers seen, for the memory test */
	const void *first_services, *first_pcn;
	bool same_memory;
};

/* Append to an array of strings, growing it geometrically. */
static void
push(char ***arr, size_t *n, char *s)
{
	if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow to the next power of two */
		*arr = realloc(*arr, (*n ? 2 * *n : 1) * sizeof(**arr));
		assert_non_null(*arr);
	}
	(*arr)[(*n)++] = s;
}

static void
dump_issue(struct sb *b, const char *p, const struct claims__issue_copy *is)
{
	kv(b, p, "code", is->code);
	sb_printf(b, "%sseverity=%s\n", p, claims_x12_severity_to_str(is->severity));
	kv_int(b, p, "interchange", is->interchange);
	kv_int(b, p, "transaction", is->transaction);
	kv_int(b, p, "segment_index", is->segment_index);
	kv_int(b, p, "byte_offset", is->byte_offset);
	kv(b, p, "segment_id", is->segment_id);
	kv(b, p, "element", is->element);
	kv(b, p, "message", is->message);
	kv(b, p, "details", is->details);
}

static void
dump_header(struct sb *b, const struct claims__remit_header *h)
{
	const char *p = "header.";

	sb_printf(b, "header.ptr=%p\n", (const void *)h);
	kv_int(b, p, "interchange", h->interchange);
	kv_int(b, p, "transaction", h->transaction);
	kv(b, p, "isa13", h->interchange_control_number);
	kv(b, p, "st02", h->transaction_control_number);
	kv(b, p, "handling_code", h->handling_code);
	kv_money(b, p, "total_payment", h->total_payment);
	kv(b, p, "credit_debit", h->credit_debit);
	kv(b, p, "payment_method", h->payment_method);
	kv(b, p, "payment_date", h->payment_date);
	kv(b, p, "check_number", h->check_number);
	kv(b, p, "trace_originator", h->trace_originator);
	kv(b, p, "payer_id", h->payer_id);
	kv(b, p, "payer_name", h->payer_name);
	kv(b, p, "payee_name", h->payee_name);
	kv(b, p, "payee_npi", h->payee_npi);
	kv(b, p, "payee_tax_id", h->payee_tax_id);
}

static void
dump_adj(struct sb *b, const char *p, const struct claims__adjustment_rec *a)
{
	kv(b, p, "group", a->group_code);
	kv(b, p, "reason", a->reason_code);
	kv_int(b, p, "amount", a->amount_cents);
	kv_num(b, p, "quantity", a->has_quantity, a->quantity);
	kv_int(b, p, "ordinal", a->segment_ordinal);
	kv_int(b, p, "triplet", a->triplet_index);
}

static void
join(struct sb *b, const char *p, const char *key, const char *const *list, size_t n)
{
	sb_printf(b, "%s%s=", p, key);
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%s%s", i ? "," : "", list[i]);
	sb_printf(b, "\n");
}

static char *
dump_remit(const struct claims__remit_rec *r)
{
	struct sb b = { 0 };
	char p[64];

	sb_printf(&b, "\n");
	dump_header(&b, r->header);
	kv_int(&b, "", "first_segment_index", r->first_segment_index);
	kv_int(&b, "", "occurrence", r->occurrence);
	kv(&b, "", "dedup_key", r->dedup_key);
	kv(&b, "", "pcn", r->claim_control_number);
	kv(&b, "", "pcn_key", r->pcn_key);
	kv(&b, "", "patient_key", r->patient_key);
	kv(&b, "", "status", r->claim_status_code);
	kv_money(&b, "", "charge", r->claim_charge);
	kv_money(&b, "", "paid", r->payment);
	kv_money(&b, "", "patient_resp", r->patient_responsibility);
	kv(&b, "", "filing", r->claim_filing_indicator);
	kv(&b, "", "icn", r->payer_claim_control_number);
	kv(&b, "", "facility", r->facility_type_code);
	kv(&b, "", "frequency", r->claim_frequency_type);
	kv(&b, "", "drg", r->drg_code);
	kv(&b, "", "last", r->patient_last_name);
	kv(&b, "", "first", r->patient_first_name);
	kv(&b, "", "member", r->patient_member_id);
	kv(&b, "", "rendering_npi", r->rendering_provider_npi);
	kv(&b, "", "crossover", r->crossover_payer_name);
	kv(&b, "", "from", r->service_date_from);
	kv(&b, "", "to", r->service_date_to);
	kv(&b, "", "received", r->received_date);
	join(&b, "", "remarks", r->remark_codes, r->n_remark_codes);
	kv(&b, "", "amounts", r->amounts_json);
	assert_int_equal(strlen(r->raw_edi), r->raw_edi_len);
	kv(&b, "", "raw", r->raw_edi);
	kv_int(&b, "", "incomplete", r->is_incomplete);
	kv_int(&b, "", "n_adj", (int64_t)r->n_adjustments);
	for (size_t i = 0; i < r->n_adjustments; i++) {
		snprintf(p, sizeof(p), "adj%zu.", i + 1);
		dump_adj(&b, p, &r->adjustments[i]);
	}
	kv_int(&b, "", "n_svc", (int64_t)r->n_services);
	for (size_t i = 0; i < r->n_services; i++) {
		const struct claims__service_rec *s = &r->services[i];

		snprintf(p, sizeof(p), "svc%zu.", i + 1);
		kv_int(&b, p, "line", s->line_number);
		kv(&b, p, "qual", s->procedure_qualifier);
		kv(&b, p, "code", s->procedure_code);
		join(&b, p, "mods", s->modifiers, (size_t)s->n_modifiers);
		kv(&b, p, "rev", s->revenue_code);
		kv_money(&b, p, "charge", s->charge);
		kv_money(&b, p, "paid", s->paid);
		kv_money(&b, p, "allowed", s->allowed);
		kv_num(&b, p, "units", s->has_units, s->units);
		kv(&b, p, "orig_proc", s->original_procedure);
		kv_num(&b, p, "orig_units", s->has_original_units, s->original_units);
		kv(&b, p, "date", s->service_date);
		kv(&b, p, "date_to", s->service_date_to);
		kv(&b, p, "lineid", s->line_item_control_number);
		join(&b, p, "remarks", s->remark_codes, s->n_remark_codes);
		kv_int(&b, p, "n_adj", (int64_t)s->n_adjustments);
		for (size_t j = 0; j < s->n_adjustments; j++) {
			char pp[96];

			snprintf(pp, sizeof(pp), "svc%zu.adj%zu.", i + 1, j + 1);
			dump_adj(&b, pp, &s->adjustments[j]);
		}
	}
	kv_int(&b, "", "n_issues", (int64_t)r->issues.count);
	for (size_t i = 0; i < r->issues.count; i++) {
		snprintf(p, sizeof(p), "issue%zu.", i + 1);
		dump_issue(&b, p, &r->issues.items[i]);
	}
	return b.p;
}

static int
on_remit(const struct claims__remit_rec *r, void *payload)
{
	struct col *c = payload;

	push(&c->remits, &c->n_remits, dump_remit(r));
	if (c->n_remits == 1) {
		c->first_services = r->services;
		c->first_pcn = r->claim_control_number;
		c->same_memory = true;
	} else if (r->services != c->first_services || (const void *)r->claim_control_number !=
								 c->first_pcn) {
		c->same_memory = false;
	}
	if (c->abort_at && c->n_remits == c->abort_at)
		return CLAIMS_ECONSTRAINT;
	return CLAIMS_OK;
}

static int
on_plb(const struct claims__plb_rec *p, void *payload)
{
	struct col *c = payload;
	struct sb b = { 0 };

	sb_printf(&b, "\n");
	dump_header(&b, p->header);
	kv(&b, "", "provider", p->provider_identifier);
	kv(&b, "", "period", p->fiscal_period_date);
	kv(&b, "", "reason", p->reason_code);
	kv(&b, "", "reference", p->reference_id);
	kv_int(&b, "", "amount", p->amount_cents);
	kv_int(&b, "", "pair", p->pair_index);
	kv_int(&b, "", "occurrence", p->occurrence);
	kv(&b, "", "dedup_key", p->dedup_key);
	push(&c->plbs, &c->n_plbs, b.p);
	return CLAIMS_OK;
}

static void
on_issue(const claims_x12_issue *is, void *payload)
{
	struct col *c = payload;
	struct claims__issue_copy copy = {
		is->code_id, is->code, is->severity, is->interchange, is->transaction,
		is->segment_index, is->byte_offset, is->segment_id, is->element, is->message,
		is->details,
	};
	struct sb b = { 0 };

	sb_printf(&b, "\n");
	dump_issue(&b, "", &copy);
	kv_int(&b, "", "refuses", is->refuses);
	push(&c->issues, &c->n_issues, b.p);
}

static void
col_free(struct col *c)
{
	for (size_t i = 0; i < c->n_remits; i++)
		free(c->remits[i]);
	for (size_t i = 0; i < c->n_plbs; i++)
		free(c->plbs[i]);
	for (size_t i = 0; i < c->n_issues; i++)
		free(c->issues[i]);
	free(c->remits);
	free(c->plbs);
	free(c->issues);
	memset(c, 0, sizeof(*c));
}

static size_t
n_issues(const struct col *c, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_issues; i++)
		if (!strcmp(get(c->issues[i], "code"), code))
			n++;
	return n;
}

/* The nth (1-based) issue with that code. */
static const char *
issue(const struct col *c, const char *code, size_t nth)
{
	for (size_t i = 0; i < c->n_issues; i++)
		if (!strcmp(get(c->issues[i], "code"), code) && --nth == 0)
			return c->issues[i];
	fail_msg("no issue %s", code);
	return NULL;
}

static void
print_issues(const struct col *c)
{
	for (size_t i = 0; i < c->n_issues; i++)
		fprintf(stderr, "  %s %s %s: %s %s\n", get(c->issues[i], "code"),
			get(c->issues[i], "segment_id"), get(c->issues[i], "element"),
			get(c->issues[i], "message"), get(c->issues[i], "details"));
}

/* ================================================================ a small X12 splitter */

struct tseg {
	claims_x12_segment seg;
	claims_x12_slice *el;
};

struct tdoc {
	char *data;
	size_t len;
	struct tseg *segs;
	size_t n, cap;
	claims_x12_delimiters d;
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Delimiters of the ISA at p (count 16 element separators). */
static bool
isa_delims(const char *p, size_t n, claims_x12_delimiters *d, size_t *isa_len)
{
	size_t i = 3, seps = 0;
	const char *e11 = NULL, *e12 = NULL;
	size_t l11 = 0;

	if (n < 4)
		return false;
	d->element = (unsigned char)p[3];
	for (; i < n && seps < 16; i++) {
		if ((unsigned char)p[i] == d->element) {
			seps++;
			if (seps == 11)
				e11 = p + i + 1;
			if (seps == 12) {
				l11 = (size_t)(p + i - e11);
				e12 = p + i + 1;
			}
		}
	}
	if (seps < 16 || i + 1 >= n)
		return false;
	d->component = (unsigned char)p[i];
	d->segment = (unsigned char)p[i + 1];
	d->has_repetition = l11 == 1 && strncmp(e12, "00501", 5) >= 0 && !isalnum((unsigned char)*e11) &&
			    (unsigned char)*e11 != d->element && (unsigned char)*e11 != d->component &&
			    (unsigned char)*e11 != d->segment;
	d->repetition = d->has_repetition ? (unsigned char)*e11 : 0;
	*isa_len = i + 1;
	return true;
}

static void
add_seg(struct tdoc *doc, size_t start, size_t end, bool isa)
{
	const char *p = doc->data + start;
	size_t len = end - start, ne = 1, k = 0, from = 0;
	struct tseg *t;

	while (len && is_ws(p[len - 1]))
		len--;
	if (!len)
		return;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)p[i] == doc->d.element)
			ne++;
	if (doc->n == doc->cap) {
		doc->cap = doc->cap ? 2 * doc->cap : 64;
		doc->segs = realloc(doc->segs, doc->cap * sizeof(*doc->segs));
		assert_non_null(doc->segs);
	}
	t = &doc->segs[doc->n++];
	memset(t, 0, sizeof(*t));
	t->el = calloc(ne, sizeof(*t->el));
	assert_non_null(t->el);
	for (size_t i = 0; i <= len; i++) {
		if (i == len || (unsigned char)p[i] == doc->d.element) {
			size_t l = i - from;

			if (isa)
				while (l && p[from + l - 1] == ' ')
					l--;
			t->el[k].ptr = p + from;
			t->el[k].len = l;
			k++;
			from = i + 1;
		}
	}
	t->seg.elements = t->el;
	t->seg.count = ne;
	t->seg.raw.ptr = p;
	t->seg.raw.len = len;
	t->seg.delimiters = doc->d;
	t->seg.loc.byte_offset = (int64_t)start;
	if (t->el[0].len >= 2 && t->el[0].len <= 3)
		memcpy(t->seg.id, t->el[0].ptr, t->el[0].len);
	if (!strcmp(t->seg.id, "NM1") && ne > 1 &&
	    (!strncmp(t->el[1].ptr, "QC", 2) || !strncmp(t->el[1].ptr, "IL", 2) ||
	     !strncmp(t->el[1].ptr, "74", 2)))
		t->seg.patient = true;
}

/* Split X12 text: delimiters from each ISA, a preamble before the first ISA
 * skipped, a bare ST..SE read with '*' ':' and '~' (or LF). */
static void
tdoc_init(struct tdoc *doc, const char *data, size_t len)
{
	size_t pos = 0, isa_len;

	memset(doc, 0, sizeof(*doc));
	doc->data = malloc(len + 1);
	assert_non_null(doc->data);
	memcpy(doc->data, data, len);
	doc->data[len] = '\0';
	doc->len = len;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		pos = 3;
	while (pos < len && is_ws(data[pos]))
		pos++;
	if (strncmp(data + pos, "ISA", 3) != 0) {
		const char *isa = NULL;

		for (size_t i = pos; i + 4 < len; i++)
			if (!memcmp(data + i, "ISA", 3) && !isalnum((unsigned char)data[i + 3]) &&
			    !is_ws(data[i + 3]) && isa_delims(data + i, len - i, &doc->d, &isa_len)) {
				isa = data + i;
				break;
			}
		if (isa) {
			pos = (size_t)(isa - data);
		} else {
			doc->d.element = (unsigned char)data[pos + 2];
			doc->d.component = ':';
			doc->d.segment = memchr(data, '~', len) ? '~' : '\n';
		}
	}
	while (pos < len) {
		const char *t;
		size_t end;

		while (pos < len && is_ws(data[pos]))
			pos++;
		if (pos >= len)
			break;
		if (len - pos > 4 && !strncmp(data + pos, "ISA", 3) &&
		    isa_delims(data + pos, len - pos, &doc->d, &isa_len)) {
			add_seg(doc, pos, pos + isa_len - 1, true);
			pos += isa_len;
			continue;
		}
		t = memchr(data + pos, doc->d.segment, len - pos);
		end = t ? (size_t)(t - data) : len;
		add_seg(doc, pos, end, false);
		pos = end + 1;
	}
}

static void
tdoc_text(struct tdoc *doc, const char *text)
{
	tdoc_init(doc, text, strlen(text));
}

static void
tdoc_free(struct tdoc *doc)
{
	for (size_t i = 0; i < doc->n; i++)
		free(doc->segs[i].el);
	free(doc->segs);
	free(doc->data);
	memset(doc, 0, sizeof(*doc));
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Called before each segment's event with its 1-based index. */
typedef void (*feed_hook)(struct claims__map835 *m, size_t index, void *arg);

/* Feed the envelope events of a split document to the mapper. */
static int
feed(struct tdoc *doc, struct claims__map835 *m, feed_hook hook, void *arg)
{
	int64_t isa = 0, st = 0;
	bool in_st = false;
	claims_x12_transaction txn;

	memset(&txn, 0, sizeof(txn));
	for (size_t i = 0; i < doc->n; i++) {
		claims_x12_segment *seg = &doc->segs[i].seg;
		claims_x12_event ev = { CLAIMS_X12_EVENT_NONE, seg, NULL, false };
		int rc;

		if (!strcmp(seg->id, "ISA"))
			isa++;
		if (!strcmp(seg->id, "ST")) {
			st++;
			in_st = true;
		}
		seg->loc.interchange = isa;
		seg->loc.transaction = in_st ? st : 0;
		seg->loc.segment_index = (int64_t)i + 1;
		if (hook)
			hook(m, i + 1, arg);
		if (seg->skipped)
			continue;
		if (!strcmp(seg->id, "ISA")) {
			ev.type = CLAIMS_X12_EVENT_INTERCHANGE_START;
		} else if (!strcmp(seg->id, "GS")) {
			ev.type = CLAIMS_X12_EVENT_GROUP_START;
		} else if (!strcmp(seg->id, "ST")) {
			ev.type = CLAIMS_X12_EVENT_TRANSACTION_START;
			txn.ordinal = st;
			txn.type = CLAIMS_X12_TYPE_835;
			snprintf(txn.control_number, sizeof(txn.control_number), "%.*s",
				 (int)seg->elements[2].len, seg->elements[2].ptr);
			ev.transaction = &txn;
		} else if (!strcmp(seg->id, "SE")) {
			ev.type = CLAIMS_X12_EVENT_TRANSACTION_END;
			ev.completed = true;
			ev.transaction = &txn;
			in_st = false;
		} else if (!strcmp(seg->id, "GE")) {
			ev.type = CLAIMS_X12_EVENT_GROUP_END;
			ev.completed = true;
		} else if (!strcmp(seg->id, "IEA")) {
			ev.type = CLAIMS_X12_EVENT_INTERCHANGE_END;
			ev.completed = true;
		} else if (in_st) {
			ev.type = CLAIMS_X12_EVENT_SEGMENT;
			ev.transaction = &txn;
		} else {
			continue;
		}
		rc = claims__map835_event(m, &ev);
		if (rc)
			return rc;
	}
	return CLAIMS_OK;
}

static struct claims__map835 *
mapper(struct col *c, claims_x12_mode mode)
{
	struct claims__map835_callbacks cb = { on_remit, on_plb, on_issue, c, mode };
	struct claims__map835 *m = NULL;

	assert_int_equal(claims__map835_new(&m, &cb), CLAIMS_OK);
	assert_non_null(m);
	return m;
}

/* Map X12 text; the counts go to *cnt when not NULL. */
static void
run_text(const char *text, struct col *c, struct claims__map835_counts *cnt)
{
	struct claims__map835 *m = mapper(c, CLAIMS_X12_TOLERANT);
	struct tdoc doc;

	tdoc_text(&doc, text);
	assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
	if (cnt)
		claims__map835_counts(m, cnt);
	claims__map835_free(m);
	tdoc_free(&doc);
}

#define ISA_HDR(n)                                                                             \
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*" \
	"00501*" n "*0*P*:~GS*HP*SENDER*RECEIVER*20240101*1200*1*X*005010X221A1~"
#define ISA_END "GE*1*1~IEA*1*000000001~"

static void
expect_sha(const char *got, const char *fields, size_t len)
{
	char hex[65];

	claims__sha256_hex(hex, fields, len);
	assert_string_equal(got, hex);
}

/* ================================================================ header (§7.1) */

static void
test_header_fields(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;
	const char *r, *bal;

	(void)state;
	run_text(ISA_HDR("000000777")
		 "ST*835*0001~"
		 "BPR*I*1234.56*D*ACH*CCP*01*999*DA*123*1234567890**01*999*DA*456*20240105~"
		 "TRN*1*CHK123*1999999999~"
		 "DTM*405*20240103~"
		 "N1*PR*ACME PAYER*XV*PAYER77~"
		 "N3*1 MAIN ST~"
		 "REF*2U*REF2U99~"
		 "N1*PE*GOOD CLINIC*XX*1234567893~"
		 "REF*TJ*111222333~"
		 "LX*1~"
		 "CLP*PCN1*1*100*80*20*12*ICN1~"
		 "CAS*PR*1*20~"
		 "SE*12*0001~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_remits, 1);
	r = c.remits[0];
	KV(r, "header.interchange", "1");
	KV(r, "header.transaction", "1");
	KV(r, "header.isa13", "000000777");
	KV(r, "header.st02", "0001");
	KV(r, "header.handling_code", "I");
	KV(r, "header.total_payment", "-123456"); /* BPR03 D: negated */
	KV(r, "header.credit_debit", "D");
	KV(r, "header.payment_method", "ACH");
	KV(r, "header.payment_date", "2024-01-05"); /* BPR16 wins over DTM*405 */
	KV(r, "header.check_number", "CHK123");
	KV(r, "header.trace_originator", "1999999999");
	KV(r, "header.payer_id", "REF2U99"); /* REF*2U before N1*PR N104 */
	KV(r, "header.payer_name", "ACME PAYER");
	KV(r, "header.payee_name", "GOOD CLINIC");
	KV(r, "header.payee_npi", "1234567893");
	KV(r, "header.payee_tax_id", "111222333"); /* REF*TJ */
	assert_int_equal(n_issues(&c, "PAYER_ID_FROM_TRACE"), 0);
	assert_int_equal(n_issues(&c, "PAYER_ID_MISSING"), 0);
	/* BPR -1234.56 vs Σ CLP04 80.00: located at the BPR, not on the payment */
	assert_int_equal(n_issues(&c, "BAL_835_TRANSACTION"), 1);
	bal = issue(&c, "BAL_835_TRANSACTION", 1);
	KV(bal, "details", "{\"expected\": 80.00, \"actual\": -1234.56, \"difference\": -1314.56}");
	KV(bal, "segment_id", "BPR");
	KV(bal, "element", "BPR02");
	KV(bal, "segment_index", "4");
	KV(bal, "transaction", "1");
	KV(bal, "severity", "warning");
	KV(r, "n_issues", "0");
	assert_int_equal(cnt.transactions, 1);
	assert_int_equal(cnt.bpr_total_cents, -123456);
	assert_int_equal(cnt.total_paid_cents, 8000);
	col_free(&c);
}

static void
test_payer_id_fallbacks(void **state)
{
	struct col c = { 0 };
	const char *is;

	(void)state;
	run_text(ISA_HDR("000000001")
		 /* set 1: N1*PR N104 */
		 "ST*835*1~BPR*I*10*C*CHK~TRN*1*C1*1111111111~"
		 "N1*PR*PAYER ONE*PI*N104ID~N1*PE*CLINIC*FI*TAX1~"
		 "CLP*A*1*10*10*0~SE*1*1~"
		 /* set 2: TRN03 */
		 "ST*835*2~BPR*I*10*C*CHK~TRN*1*C2*1888888888~"
		 "N1*PR*PAYER TWO~N1*PE*CLINIC*FI*TAX2~REF*TJ*IGNORED~"
		 "CLP*B*1*10*10*0~SE*1*2~"
		 /* set 3: none */
		 "ST*835*3~BPR*I*10*C*CHK~"
		 "N1*PR*Payer Three~"
		 "CLP*C*1*10*10*0~SE*1*3~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 3);
	KV(c.remits[0], "header.payer_id", "N104ID");
	KV(c.remits[0], "header.payee_tax_id", "TAX1");
	KV(c.remits[0], "header.payee_npi", "(null)");
	KV(c.remits[0], "header.check_number", "C1");
	KV(c.remits[0], "header.st02", "1");
	KV(c.remits[1], "header.payer_id", "1888888888");
	KV(c.remits[1], "header.payee_tax_id", "TAX2"); /* N1*PE FI before REF*TJ */
	KV(c.remits[1], "header.check_number", "C2");
	KV(c.remits[1], "header.st02", "2");
	KV(c.remits[2], "header.payer_id", "(null)");
	KV(c.remits[2], "header.payer_name", "Payer Three");
	KV(c.remits[2], "header.check_number", "(null)");
	KV(c.remits[2], "header.transaction", "3");
	assert_int_equal(n_issues(&c, "PAYER_ID_FROM_TRACE"), 1);
	is = issue(&c, "PAYER_ID_FROM_TRACE", 1);
	KV(is, "severity", "info");
	KV(is, "segment_id", "TRN");
	KV(is, "element", "TRN03");
	KV(is, "transaction", "2");
	assert_non_null(strstr(get(is, "message"), "1888888888"));
	assert_int_equal(n_issues(&c, "PAYER_ID_MISSING"), 1);
	is = issue(&c, "PAYER_ID_MISSING", 1);
	KV(is, "severity", "warning");
	KV(is, "segment_id", "N1");
	KV(is, "transaction", "3");
	/* header issues are not the payment's */
	KV(c.remits[1], "n_issues", "0");
	KV(c.remits[2], "n_issues", "0");
	assert_int_equal(c.n_issues, 2);
	col_free(&c);
}

static void
test_payment_date(void **state)
{
	struct col c = { 0 };
	const char *is;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*0*C*NON************20990080~DTM*405*20220805~"
		 "REF*2U*P~CLP*A*1*0*0~SE*1*1~"
		 "ST*835*2~BPR*I*0*C*NON~DTM*405*20220806~REF*2U*P~CLP*B*1*0*0~SE*1*2~"
		 "ST*835*3~BPR*I*0*C*NON************20220101~DTM*405*20220806~REF*2U*P~"
		 "CLP*C*1*0*0~SE*1*3~"
		 "ST*835*4~BPR*I*0*C*NON~DTM*405*11111111~REF*2U*P~CLP*D*1*0*0~SE*1*4~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 4);
	KV(c.remits[0], "header.payment_date", "2022-08-05");
	KV(c.remits[1], "header.payment_date", "2022-08-06");
	KV(c.remits[2], "header.payment_date", "2022-01-01");
	KV(c.remits[3], "header.payment_date", "(null)");
	assert_int_equal(n_issues(&c, "INVALID_DATE"), 2);
	is = issue(&c, "INVALID_DATE", 1);
	KV(is, "element", "BPR16");
	KV(is, "segment_id", "BPR");
	KV(is, "severity", "warning");
	assert_non_null(strstr(get(is, "message"), "20990080"));
	is = issue(&c, "INVALID_DATE", 2);
	KV(is, "element", "DTM02");
	KV(is, "segment_id", "DTM");
	KV(is, "transaction", "4");
	assert_int_equal(c.n_issues, 2);
	col_free(&c);
}

/* ================================================================ claim payment (§7.2) */

static void
test_clp_fields(void **state)
{
	struct col c = { 0 };
	const char *r;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*300*C*CHK~TRN*1*T1*1999999999~REF*2U*PAY~"
		 "LX*1~"
		 "CLP*ab c-1 *7*500*300*50*MC**13*1**DRG1~"
		 "CAS*PR*1*150**2*50~"
		 "NM1*QC*1*O'Brien*Mary-Ann****MI~"
		 "NM1*IL*1*SUBSCRIBER*SAM****MI*MEM123~"
		 "NM1*82*2*DOC*****XX*1234567893~"
		 "NM1*TT*2*CROSSOVER PLAN~"
		 "REF*1K*ICN-REF~"
		 "DTM*232*20240101~DTM*233*20240110~DTM*050*20240115~"
		 "MIA*0***100*MA01***************MA02*MA01*N1~"
		 "MOA*10*20*MA18*MA01*N2~"
		 "AMT*AU*912~AMT*D8*10.5~AMT*AU*913~AMT*ZZ*1~"
		 "SE*1*1~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 1);
	r = c.remits[0];
	KV(r, "pcn", "ab c-1");
	KV(r, "pcn_key", "ABC-1");
	KV(r, "status", "7");
	KV(r, "charge", "50000");
	KV(r, "paid", "30000");
	KV(r, "patient_resp", "5000");
	KV(r, "filing", "MC");
	KV(r, "icn", "ICN-REF"); /* CLP07 empty: REF*1K */
	KV(r, "facility", "13");
	KV(r, "frequency", "1");
	KV(r, "drg", "DRG1");
	KV(r, "last", "O'Brien");
	KV(r, "first", "Mary-Ann");
	KV(r, "patient_key", "OBRIEN|MARYANN");
	KV(r, "member", "MEM123"); /* QC has none: NM1*IL */
	KV(r, "rendering_npi", "1234567893");
	KV(r, "crossover", "CROSSOVER PLAN");
	KV(r, "from", "2024-01-01");
	KV(r, "to", "2024-01-10");
	KV(r, "received", "2024-01-15");
	KV(r, "remarks", "MA01,MA02,N1,MA18,N2");
	KV(r, "amounts", "{\"AU\": 913.00, \"D8\": 10.50}");
	KV(r, "n_adj", "2");
	KV(r, "adj1.group", "PR");
	KV(r, "adj1.reason", "1");
	KV(r, "adj1.amount", "15000");
	KV(r, "adj2.reason", "2");
	KV(r, "adj2.amount", "5000");
	KV(r, "adj2.triplet", "2");
	KV(r, "first_segment_index", "8");
	/* CLP02 7: INVALID_CODE, kept; a warning does not make it incomplete */
	assert_int_equal(n_issues(&c, "INVALID_CODE"), 1);
	KV(issue(&c, "INVALID_CODE", 1), "element", "CLP02");
	KV(r, "n_issues", "1");
	KV(r, "issue1.code", "INVALID_CODE");
	KV(r, "issue1.segment_index", "8");
	KV(r, "incomplete", "0");
	assert_int_equal(c.n_issues, 1);
	col_free(&c);

	/* CLP07 present wins over REF*1K; a QC member id wins over IL */
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*0*C*CHK~REF*2U*PAY~"
		 "CLP*X*19*0*0**MC*ICN7~NM1*QC*1*LAST*FIRST****MI*QCMEM~NM1*IL*1*A*B****MI*ILMEM~"
		 "REF*1K*OTHER~SE*1*1~" ISA_END,
		 &c, NULL);
	KV(c.remits[0], "icn", "ICN7");
	KV(c.remits[0], "member", "QCMEM");
	KV(c.remits[0], "patient_key", "LAST|FIRST");
	KV(c.remits[0], "amounts", "{}");
	KV(c.remits[0], "remarks", "");
	KV(c.remits[0], "patient_resp", "NULL");
	assert_int_equal(c.n_issues, 0);
	col_free(&c);
}

static void
test_every_clp_is_a_remittance(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*40*C*CHK~REF*2U*PAY~"
		 "LX*1~CLP*A*1*10*10~CLP*B*1*10*10~CLP*C*1*10*10~"
		 "LX*2~CLP*D*1*10*10~SE*1*1~"
		 "ST*835*2~BPR*I*20*C*CHK~REF*2U*PAY~"
		 "CLP*E*1*10*10~CLP*F*1*10*10~SE*1*2~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_remits, 6);
	KV(c.remits[0], "pcn", "A");
	KV(c.remits[1], "pcn", "B");
	KV(c.remits[2], "pcn", "C");
	KV(c.remits[3], "pcn", "D");
	KV(c.remits[4], "pcn", "E");
	KV(c.remits[5], "pcn", "F");
	KV(c.remits[1], "raw", "CLP*B*1*10*10~");
	assert_int_equal(cnt.remittances_parsed, 6);
	assert_int_equal(cnt.transactions, 2);
	assert_int_equal(cnt.total_charge_cents, 6000);
	assert_int_equal(cnt.bpr_total_cents, 6000);
	assert_int_equal(c.n_issues, 0);
	col_free(&c);
}

static void
test_patient_and_pcn_keys(void **state)
{
	struct col c = { 0 };

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~REF*2U*P~"
		 "CLP*\tpcn 00 12\t*1*0*0~NM1*QC*1*de la Cruz*J. R.~"
		 "CLP*Q*1*0*0~NM1*QC*1*Smith~"
		 "CLP*R*1*0*0~NM1*QC*1*123*Ann~"
		 "SE*1*1~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 3);
	KV(c.remits[0], "pcn", "pcn 00 12");
	KV(c.remits[0], "pcn_key", "PCN0012");
	KV(c.remits[0], "patient_key", "DELACRUZ|JR");
	KV(c.remits[1], "patient_key", "(null)"); /* no first name */
	KV(c.remits[2], "patient_key", "(null)"); /* no letters in the last name */
	col_free(&c);
}

/* ================================================================ CAS (§7.3) */

static void
test_cas(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;
	const char *r;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*100*C*CHK~REF*2U*PAY~"
		 "CLP*P1*1*1010*100*0*12*ICN~"
		 "CAS*XX*1*5~"
		 "CAS*CO*45*10*1*A1*20**B2*30*2*C3*40**D4*50**E5*60*3~"
		 "CAS*OA*23~"
		 "CAS*OA**5~"
		 "CAS*PR*1*1x~"
		 "SVC*HC:99213*1010*310~"
		 "CAS*CO*45*-100~"
		 "CAS*PR*2*800~"
		 "SE*1*1~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_remits, 1);
	r = c.remits[0];
	/* claim level: the six triplets of the CO segment */
	KV(r, "n_adj", "6");
	KV(r, "adj1.group", "CO");
	KV(r, "adj1.reason", "45");
	KV(r, "adj1.amount", "1000");
	KV(r, "adj1.quantity", "1");
	KV(r, "adj1.ordinal", "2");
	KV(r, "adj1.triplet", "1");
	KV(r, "adj2.reason", "A1");
	KV(r, "adj2.amount", "2000");
	KV(r, "adj2.quantity", "NULL");
	KV(r, "adj3.quantity", "2");
	KV(r, "adj4.reason", "C3");
	KV(r, "adj5.reason", "D4");
	KV(r, "adj6.reason", "E5");
	KV(r, "adj6.amount", "6000");
	KV(r, "adj6.quantity", "3");
	KV(r, "adj6.triplet", "6");
	KV(r, "adj6.ordinal", "2");
	/* service level, negative amount kept */
	KV(r, "n_svc", "1");
	KV(r, "svc1.n_adj", "2");
	KV(r, "svc1.adj1.group", "CO");
	KV(r, "svc1.adj1.amount", "-10000");
	KV(r, "svc1.adj1.ordinal", "6");
	KV(r, "svc1.adj2.group", "PR");
	KV(r, "svc1.adj2.amount", "80000");
	KV(r, "svc1.adj2.ordinal", "7");
	assert_int_equal(cnt.adjustments, 8);

	assert_int_equal(n_issues(&c, "INVALID_CODE"), 1);
	KV(issue(&c, "INVALID_CODE", 1), "element", "CAS01");
	assert_int_equal(n_issues(&c, "CAS_INCOMPLETE_TRIPLET"), 2);
	KV(issue(&c, "CAS_INCOMPLETE_TRIPLET", 1), "element", "CAS03");
	KV(issue(&c, "CAS_INCOMPLETE_TRIPLET", 2), "element", "CAS02");
	KV(issue(&c, "CAS_INCOMPLETE_TRIPLET", 2), "severity", "warning");
	assert_int_equal(n_issues(&c, "INVALID_AMOUNT"), 1);
	KV(issue(&c, "INVALID_AMOUNT", 1), "element", "CAS03");
	assert_non_null(strstr(get(issue(&c, "INVALID_AMOUNT", 1), "message"), "\"1x\""));
	/* balanced: 1010 - 100 = 210 claim + 700 service; 1010 - 310 = 700; 310 - 210 = 100 */
	assert_int_equal(n_issues(&c, "BAL_835_CLAIM"), 0);
	assert_int_equal(n_issues(&c, "BAL_835_LINE"), 0);
	assert_int_equal(n_issues(&c, "BAL_835_SVC_PAID"), 0);
	assert_int_equal(c.n_issues, 4);
	KV(r, "n_issues", "4");
	KV(r, "incomplete", "1"); /* INVALID_AMOUNT is an error */
	col_free(&c);
}

/* ================================================================ SVC (§7.4) */

static void
test_svc(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;
	const char *r;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~REF*2U*PAY~"
		 "CLP*P2*1*300*0*0*12*ICN~"
		 "SVC*HC:99213:25:59:GT:95:XX*100*80*450*2*HC:99214*3~"
		 "DTM*472*20240102~REF*6R*LINE1~AMT*B6*90~"
		 "LQ*HE*M1~LQ*RX*M2~LQ*HE*M1~LQ*XX*M3~"
		 "SVC*NU:0450*50**ABC~DTM*150*20240103~DTM*151*20240105~"
		 "SVC*99215*10*10~DTM*472****RD8*20240101-20240104~"
		 "SVC**10*10~"
		 "SVC*HC:1*1.005*1~"
		 "SE*1*1~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_remits, 1);
	r = c.remits[0];
	KV(r, "n_svc", "5");
	KV(r, "svc1.line", "1");
	KV(r, "svc1.qual", "HC");
	KV(r, "svc1.code", "99213");
	KV(r, "svc1.mods", "25,59,GT,95");
	KV(r, "svc1.charge", "10000");
	KV(r, "svc1.paid", "8000");
	KV(r, "svc1.rev", "0450");
	KV(r, "svc1.units", "2");
	KV(r, "svc1.orig_proc", "HC:99214");
	KV(r, "svc1.orig_units", "3");
	KV(r, "svc1.date", "2024-01-02");
	KV(r, "svc1.date_to", "(null)");
	KV(r, "svc1.lineid", "LINE1");
	KV(r, "svc1.allowed", "9000");
	KV(r, "svc1.remarks", "M1,M2");

	KV(r, "svc2.qual", "NU");
	KV(r, "svc2.code", "0450");
	KV(r, "svc2.mods", "");
	KV(r, "svc2.paid", "NULL");
	KV(r, "svc2.rev", "ABC");
	KV(r, "svc2.units", "1"); /* empty: 1 */
	KV(r, "svc2.date", "2024-01-03");
	KV(r, "svc2.date_to", "2024-01-05");
	KV(r, "svc2.allowed", "NULL");

	KV(r, "svc3.qual", "(null)"); /* COMPOSITE_UNSPLIT */
	KV(r, "svc3.code", "(null)");
	KV(r, "svc3.charge", "1000");
	KV(r, "svc3.date", "2024-01-01");
	KV(r, "svc3.date_to", "2024-01-04");
	KV(r, "svc4.code", "(null)");
	KV(r, "svc5.charge", "101"); /* 1.005 rounded half away from zero */
	KV(r, "svc5.line", "5");

	/* without DTM*232/233: min / max of the service dates */
	KV(r, "from", "2024-01-01");
	KV(r, "to", "2024-01-05");
	assert_int_equal(cnt.service_lines, 5);

	assert_int_equal(n_issues(&c, "MISSING_ELEMENT"), 2);
	KV(issue(&c, "MISSING_ELEMENT", 1), "element", "SVC03");
	KV(issue(&c, "MISSING_ELEMENT", 1), "segment_id", "SVC");
	KV(issue(&c, "MISSING_ELEMENT", 1), "segment_index", "14");
	KV(issue(&c, "MISSING_ELEMENT", 2), "element", "SVC01");
	assert_int_equal(n_issues(&c, "INVALID_CODE"), 1);
	KV(issue(&c, "INVALID_CODE", 1), "element", "SVC04");
	assert_int_equal(n_issues(&c, "COMPOSITE_UNSPLIT"), 1);
	KV(issue(&c, "COMPOSITE_UNSPLIT", 1), "element", "SVC01");
	assert_int_equal(n_issues(&c, "AMOUNT_PRECISION"), 1);
	KV(issue(&c, "AMOUNT_PRECISION", 1), "element", "SVC02");
	KV(issue(&c, "AMOUNT_PRECISION", 1), "severity", "info");
	assert_int_equal(n_issues(&c, "INVALID_DATE"), 0);
	/* not balanced on purpose: lines 1 and 5, the claim, the paid sum */
	assert_int_equal(n_issues(&c, "BAL_835_LINE"), 2);
	KV(issue(&c, "BAL_835_LINE", 2), "details",
	   "{\"expected\": 0.00, \"actual\": 0.01, \"difference\": 0.01}");
	assert_int_equal(n_issues(&c, "BAL_835_CLAIM"), 1);
	assert_int_equal(n_issues(&c, "BAL_835_SVC_PAID"), 1);
	assert_int_equal(c.n_issues, 9);
	KV(r, "incomplete", "1");
	col_free(&c);
}

/* ================================================================ structure */

static void
test_orphan_segments(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*20*C*CHK~TRN*1*T*1999999999~N1*PR*P*XV*PID~"
		 "CAS*CO*45*10~SVC*HC:1*1*1~NM1*QC*1*A*B~DTM*232*20240101~DTM*009*20240101~"
		 "LX*1~CLP*A*1*10*10~"
		 "LX*2~AMT*AU*5~MIA*0~CLP*B*1*10*10~"
		 "SE*1*1~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_remits, 2);
	assert_int_equal(n_issues(&c, "ORPHAN_SEGMENT"), 6);
	KV(issue(&c, "ORPHAN_SEGMENT", 1), "segment_id", "CAS");
	KV(issue(&c, "ORPHAN_SEGMENT", 1), "severity", "warning");
	KV(issue(&c, "ORPHAN_SEGMENT", 2), "segment_id", "SVC");
	KV(issue(&c, "ORPHAN_SEGMENT", 3), "segment_id", "NM1");
	KV(issue(&c, "ORPHAN_SEGMENT", 4), "segment_id", "DTM");
	KV(issue(&c, "ORPHAN_SEGMENT", 5), "segment_id", "AMT");
	KV(issue(&c, "ORPHAN_SEGMENT", 6), "segment_id", "MIA");
	KV(c.remits[0], "n_issues", "0");
	KV(c.remits[1], "n_issues", "0");
	KV(c.remits[1], "amounts", "{}");
	KV(c.remits[0], "raw", "CLP*A*1*10*10~");
	assert_int_equal(cnt.service_lines, 0);
	assert_int_equal(cnt.adjustments, 0);
	assert_int_equal(c.n_issues, 6);
	col_free(&c);
}

static void
test_header_loop_repeated(void **state)
{
	struct col c = { 0 };
	const char *a, *b, *is;
	char exp[256];
	int n;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*20*C*CHK~TRN*1*T9*1999999999~"
		 "N1*PR*FIRST PAYER*XV*P1~N1*PE*PE1*FI*T1~"
		 "LX*1~CLP*A*1*10*10*0*12*I1~NM1*QC*1*X*Y~"
		 "N1*PR*SECOND PAYER*XV*P2~N3*2 MAIN~N4*TOWN*ST*12345~"
		 "N1*PE*PE2*XX*1234567893~"
		 "LX*2~CLP*B*1*10*10*0*12*I2~"
		 "SE*1*1~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 2);
	a = c.remits[0];
	b = c.remits[1];
	KV(a, "header.payer_id", "P1");
	KV(a, "header.payer_name", "FIRST PAYER");
	KV(a, "header.payee_name", "PE1");
	KV(a, "header.payee_tax_id", "T1");
	KV(a, "raw", "CLP*A*1*10*10*0*12*I1~NM1*QC*1*X*Y~");
	KV(b, "header.payer_id", "P2");
	KV(b, "header.payer_name", "SECOND PAYER");
	KV(b, "header.payee_name", "PE2");
	KV(b, "header.payee_npi", "1234567893");
	KV(b, "header.payee_tax_id", "(null)");
	KV(b, "header.check_number", "T9");
	/* a changed header is a new header object */
	assert_string_not_equal(get(a, "header.ptr"), get(b, "header.ptr"));
	assert_int_equal(n_issues(&c, "HEADER_LOOP_REPEATED"), 2);
	is = issue(&c, "HEADER_LOOP_REPEATED", 1);
	KV(is, "segment_id", "N1");
	KV(is, "segment_index", "11");
	KV(is, "severity", "warning");
	KV(a, "n_issues", "0");
	KV(b, "n_issues", "0");
	/* the identity uses the payer of its own header */
	n = snprintf(exp, sizeof(exp), "P2\x1fT9\x1f" "B\x1f" "1\x1f" "1000\x1f" "1000\x1fI2\x1f" "1");
	expect_sha(get(b, "dedup_key"), exp, (size_t)n);
	col_free(&c);
}

/* ================================================================ PLB (§7.5) */

static void
test_plb(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;
	char exp[256];
	int n;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*H*12.46*D*NON~TRN*1*CHK*1999999999~REF*2U*PAY~"
		 "PLB*PROV1*20241231*CV:CP*-1.27*WO:12345*10*L6*0*72**FB*abc~"
		 "PLB*PROV1*20241231*CV:CP*-1.27~"
		 "PLB*PROV1*2024*CS*5~"
		 "SE*1*1~" ISA_END,
		 &c, &cnt);
	assert_int_equal(c.n_plbs, 5);
	KV(c.plbs[0], "provider", "PROV1");
	KV(c.plbs[0], "period", "2024-12-31");
	KV(c.plbs[0], "reason", "CV");
	KV(c.plbs[0], "reference", "CP");
	KV(c.plbs[0], "amount", "-127");
	KV(c.plbs[0], "pair", "1");
	KV(c.plbs[0], "occurrence", "1");
	KV(c.plbs[0], "header.payer_id", "PAY");
	KV(c.plbs[1], "reason", "WO");
	KV(c.plbs[1], "reference", "12345");
	KV(c.plbs[1], "amount", "1000");
	KV(c.plbs[1], "pair", "2");
	KV(c.plbs[2], "reason", "L6");
	KV(c.plbs[2], "reference", "(null)");
	KV(c.plbs[2], "amount", "0");
	KV(c.plbs[2], "pair", "3");
	/* the second identical pair of the set */
	KV(c.plbs[3], "reason", "CV");
	KV(c.plbs[3], "occurrence", "2");
	assert_string_not_equal(get(c.plbs[0], "dedup_key"), get(c.plbs[3], "dedup_key"));
	n = snprintf(exp, sizeof(exp), "PAY\x1f" "CHK\x1fPROV1\x1f" "20241231\x1f" "CV\x1f" "CP\x1f-127\x1f" "1");
	expect_sha(get(c.plbs[0], "dedup_key"), exp, (size_t)n);
	exp[n - 1] = '2';
	expect_sha(get(c.plbs[3], "dedup_key"), exp, (size_t)n);
	KV(c.plbs[4], "period", "(null)");
	KV(c.plbs[4], "amount", "500");

	assert_int_equal(n_issues(&c, "INVALID_AMOUNT"), 2);
	KV(issue(&c, "INVALID_AMOUNT", 1), "element", "PLB10");
	KV(issue(&c, "INVALID_AMOUNT", 2), "element", "PLB12");
	assert_int_equal(n_issues(&c, "INVALID_DATE"), 1);
	KV(issue(&c, "INVALID_DATE", 1), "element", "PLB02");
	assert_int_equal(cnt.provider_adjustments, 5);
	assert_int_equal(cnt.plb_total_cents, -127 + 1000 + 0 - 127 + 500);
	/* BPR -12.46 = 0 - 12.46: balanced */
	assert_int_equal(cnt.bpr_total_cents, -1246);
	assert_int_equal(n_issues(&c, "BAL_835_TRANSACTION"), 0);
	assert_int_equal(c.n_issues, 3);
	col_free(&c);
}

/* ================================================================ required values */

static void
test_clp_required(void **state)
{
	struct col c = { 0 };
	struct claims__map835_counts cnt;
	const char *r;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~REF*2U*PAY~"
		 "CLP**1*10*10~SVC*HC:1*10*10~CAS*CO*45*0~"
		 "CLP*P*~"
		 "CLP*Q*1*12a*1.005*-~"
		 "SE*1*1~" ISA_END,
		 &c, &cnt);
	/* empty CLP01: parsed and counted, not emitted */
	assert_int_equal(c.n_remits, 2);
	assert_int_equal(cnt.remittances_parsed, 3);
	assert_int_equal(cnt.remittances_skipped, 1);
	assert_int_equal(cnt.service_lines, 1);
	assert_int_equal(cnt.adjustments, 1);
	r = c.remits[0];
	KV(r, "pcn", "P");
	KV(r, "status", "(null)");
	KV(r, "charge", "NULL");
	KV(r, "paid", "NULL");
	KV(r, "incomplete", "1");
	KV(r, "n_issues", "3");
	KV(r, "issue1.element", "CLP02");
	KV(r, "issue2.element", "CLP03");
	KV(r, "issue3.element", "CLP04");
	r = c.remits[1];
	KV(r, "charge", "NULL");
	KV(r, "paid", "101");
	KV(r, "patient_resp", "NULL");
	KV(r, "n_issues", "3");
	KV(r, "issue1.code", "INVALID_AMOUNT");
	KV(r, "issue1.element", "CLP03");
	KV(r, "issue2.code", "AMOUNT_PRECISION");
	KV(r, "issue2.element", "CLP04");
	KV(r, "issue3.code", "INVALID_AMOUNT");
	KV(r, "issue3.element", "CLP05");
	assert_int_equal(n_issues(&c, "MISSING_ELEMENT"), 4);
	KV(issue(&c, "MISSING_ELEMENT", 1), "element", "CLP01");
	KV(issue(&c, "MISSING_ELEMENT", 1), "severity", "error");
	/* NULL operands: no balancing */
	assert_int_equal(n_issues(&c, "BAL_835_CLAIM"), 0);
	assert_int_equal(cnt.total_charge_cents, 1000);
	assert_int_equal(cnt.total_paid_cents, 1000 + 101);
	col_free(&c);
}

/* ================================================================ balancing (§8) */

static void
test_balancing(void **state)
{
	struct col c = { 0 };
	const char *r, *is;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*61*C*CHK~REF*2U*PAY~"
		 "CLP*B1*1*100*50*0~CAS*CO*45*40~SVC*HC:1*100*70~CAS*CO*45*20~"
		 "CLP*B2*1**10~SVC*HC:1*5*~"
		 "SE*1*1~"
		 "ST*835*2~BPR*I**C*CHK~REF*2U*PAY~CLP*B3*1*5*5~SE*1*2~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 3);
	r = c.remits[0];
	KV(r, "n_issues", "3");
	KV(r, "issue1.code", "BAL_835_LINE");
	KV(r, "issue1.details", "{\"expected\": 20.00, \"actual\": 30.00, \"difference\": 10.00}");
	KV(r, "issue1.segment_id", "SVC");
	KV(r, "issue1.segment_index", "8");
	KV(r, "issue1.severity", "warning");
	KV(r, "issue2.code", "BAL_835_CLAIM");
	KV(r, "issue2.details", "{\"expected\": 60.00, \"actual\": 50.00, \"difference\": -10.00}");
	KV(r, "issue2.segment_id", "CLP");
	KV(r, "issue2.segment_index", "6");
	KV(r, "issue3.code", "BAL_835_SVC_PAID");
	KV(r, "issue3.details", "{\"expected\": 30.00, \"actual\": 50.00, \"difference\": 20.00}");
	KV(r, "issue3.element", "CLP04");
	KV(r, "incomplete", "0");
	/* CLP03 NULL: no claim check; SVC03 NULL: no line check, 0 in the Σ SVC03 */
	r = c.remits[1];
	KV(r, "issue1.code", "MISSING_ELEMENT");
	KV(r, "issue2.code", "MISSING_ELEMENT");
	KV(r, "issue3.code", "BAL_835_SVC_PAID");
	KV(r, "issue3.details", "{\"expected\": 0.00, \"actual\": 10.00, \"difference\": 10.00}");
	KV(r, "n_issues", "3");
	/* Σ CLP04 60.00 vs BPR 61.00; not on any payment */
	assert_int_equal(n_issues(&c, "BAL_835_TRANSACTION"), 1);
	is = issue(&c, "BAL_835_TRANSACTION", 1);
	KV(is, "details", "{\"expected\": 60.00, \"actual\": 61.00, \"difference\": 1.00}");
	KV(is, "transaction", "1");
	/* set 2 has no BPR02: its check is skipped */
	KV(c.remits[2], "n_issues", "0");
	assert_int_equal(c.n_issues, 7);
	col_free(&c);
}

/* ================================================================ identity (§9.3) */

static void
test_dedup_keys(void **state)
{
	struct col c = { 0 };
	char exp[256];
	int n;

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~BPR*I*300*C*CHK~TRN*1*CHK1*1999999999~REF*2U*PAY1~"
		 "CLP*DUP*1*100*100*0*12*ICN9~CLP*DUP*1*100*100*0*12*ICN9~CLP*DUP*1*100*100*0*12*ICN8~"
		 "SE*1*1~" ISA_END ISA_HDR("000000002")
		 "ST*835*1~BPR*I*300*C*CHK~TRN*1*CHK1*1999999999~REF*2U*PAY1~"
		 "CLP*DUP*1*100*100*0*12*ICN9~CLP*DUP*1*100*100*0*12*ICN9~CLP*DUP*1*100*100*0*12*ICN8~"
		 "SE*1*1~"
		 "ST*835*2~TRN*1*CHK2~N1*PR*NAME ONLY~CLP*X*1*5*5~SE*1*2~" ISA_END,
		 &c, NULL);
	assert_int_equal(c.n_remits, 7);
	KV(c.remits[0], "occurrence", "1");
	KV(c.remits[1], "occurrence", "2");
	KV(c.remits[2], "occurrence", "1");
	n = snprintf(exp, sizeof(exp), "PAY1\x1f" "CHK1\x1f" "DUP\x1f" "1\x1f" "10000\x1f" "10000\x1fICN9\x1f" "1");
	expect_sha(get(c.remits[0], "dedup_key"), exp, (size_t)n);
	exp[n - 1] = '2';
	expect_sha(get(c.remits[1], "dedup_key"), exp, (size_t)n);
	assert_string_not_equal(get(c.remits[0], "dedup_key"), get(c.remits[1], "dedup_key"));
	assert_string_not_equal(get(c.remits[0], "dedup_key"), get(c.remits[2], "dedup_key"));
	/* the same ERA in another envelope: the same keys */
	KV(c.remits[3], "header.isa13", "000000002");
	KV(c.remits[3], "header.interchange", "2");
	for (int i = 0; i < 3; i++)
		KV(c.remits[3 + i], "dedup_key", get(c.remits[i], "dedup_key"));
	/* NULL payer id and CLP07 as empty strings */
	KV(c.remits[6], "header.payer_id", "(null)");
	n = snprintf(exp, sizeof(exp), "\x1f" "CHK2\x1fX\x1f" "1\x1f" "500\x1f" "500\x1f\x1f" "1");
	expect_sha(get(c.remits[6], "dedup_key"), exp, (size_t)n);
	col_free(&c);
}

/* ================================================================ raw_edi */

static void
test_raw_edi(void **state)
{
	struct col c = { 0 };

	(void)state;
	run_text(ISA_HDR("000000001")
		 "ST*835*1~REF*2U*P~LX*1~"
		 "CLP*R1*1*10*10*0*12*I~NM1*QC*1*DOE*JANE~SVC*HC:1*10*10~DTM*472*20240101*~"
		 "LX*2~CLP*R2*1*0*0~PLB*X*20240101*CS*0~SE*1*1~" ISA_END,
		 &c, NULL);
	KV(c.remits[0], "raw", "CLP*R1*1*10*10*0*12*I~NM1*QC*1*DOE*JANE~SVC*HC:1*10*10~DTM*472*20240101~");
	KV(c.remits[1], "raw", "CLP*R2*1*0*0~");
	col_free(&c);

	/* other delimiters are re-serialised with * : ^ ~ */
	run_text("ISA|00|          |00|          |ZZ|S              |ZZ|R              |240101|1200|!|"
		 "00501|000000001|0|P|>\n"
		 "GS|HP|S|R|20240101|1200|1|X|005010X221A1\n"
		 "ST|835|1\nREF|2U|P\n"
		 "CLP|R1|1|10|10||12|A!B\nSVC|HC>99213>25|10|10\n"
		 "SE|1|1\nGE|1|1\nIEA|1|000000001\n",
		 &c, NULL);
	assert_int_equal(c.n_remits, 1);
	KV(c.remits[0], "raw", "CLP*R1*1*10*10**12*A^B~SVC*HC:99213:25*10*10~");
	KV(c.remits[0], "svc1.code", "99213");
	KV(c.remits[0], "svc1.mods", "25");
	col_free(&c);
}

/* ================================================================ reader issues */

struct hook_arg {
	size_t clp_index, svc_index, n1_index, skipped_index;
};

static void
push_issue(struct claims__map835 *m, claims_x12_code code, size_t index, const char *segid)
{
	claims_x12_issue is;
	char msg[64];

	memset(&is, 0, sizeof(is));
	is.code = claims_x12_code_to_str(code);
	is.code_id = code;
	is.severity = code == CLAIMS_X12_INVALID_ENCODING ? CLAIMS_X12_INFO : CLAIMS_X12_ERROR;
	is.interchange = 1;
	is.transaction = 1;
	is.segment_index = (int64_t)index;
	is.byte_offset = 1000 + (int64_t)index;
	is.segment_id = segid;
	is.element = "SVC01";
	snprintf(msg, sizeof(msg), "reader says %zu", index);
	is.message = msg;
	is.details = "{\"x\": 1}";
	assert_int_equal(claims__map835_reader_issue(m, &is), CLAIMS_OK);
	/* the copy does not depend on the caller's buffers */
	memset(msg, 'Z', sizeof(msg) - 1);
}

static void
reader_hook(struct claims__map835 *m, size_t index, void *arg)
{
	struct hook_arg *a = arg;

	if (index == a->n1_index)
		push_issue(m, CLAIMS_X12_INVALID_ENCODING, index, "N1");
	if (index == a->svc_index)
		push_issue(m, CLAIMS_X12_INVALID_CHARACTER, index, "SVC");
	if (index == a->skipped_index)
		push_issue(m, CLAIMS_X12_BAD_SEGMENT_ID, index, "Nd4");
}

static void
test_reader_issues(void **state)
{
	struct col c = { 0 };
	struct claims__map835 *m = mapper(&c, CLAIMS_X12_TOLERANT);
	struct hook_arg a;
	struct tdoc doc;
	const char *r;

	(void)state;
	tdoc_text(&doc, ISA_HDR("000000001")
		  "ST*835*1~N1*PR*PAYER*XV*P~"                /* 3, 4 */
		  "CLP*A*1*10*10~SVC*HC:1*10*10~Nd4*X~DTM*472*20240101~" /* 5-8 */
		  "CLP*B*1*10*10~"                                      /* 9 */
		  "SE*1*1~" ISA_END);
	a.n1_index = 4;
	a.clp_index = 5;
	a.svc_index = 6;
	a.skipped_index = 7;
	doc.segs[6].seg.skipped = true; /* Nd4: the reader gives no event */
	assert_int_equal(feed(&doc, m, reader_hook, &a), CLAIMS_OK);
	assert_int_equal(c.n_remits, 2);
	r = c.remits[0];
	KV(r, "n_issues", "2");
	KV(r, "issue1.code", "INVALID_CHARACTER");
	KV(r, "issue1.segment_index", "6");
	KV(r, "issue1.byte_offset", "1006");
	KV(r, "issue1.message", "reader says 6");
	KV(r, "issue1.details", "{\"x\": 1}");
	KV(r, "issue1.element", "SVC01");
	KV(r, "issue2.code", "BAD_SEGMENT_ID");
	KV(r, "issue2.segment_id", "Nd4");
	KV(r, "incomplete", "1");
	KV(r, "raw", "CLP*A*1*10*10~SVC*HC:1*10*10~DTM*472*20240101~");
	KV(c.remits[1], "n_issues", "0");
	KV(c.remits[1], "incomplete", "0");
	/* the mapper does not re-announce reader issues */
	assert_int_equal(c.n_issues, 0);
	claims__map835_free(m);
	tdoc_free(&doc);
	col_free(&c);
}

/* ================================================================ sets */

static void
test_incomplete_set(void **state)
{
	struct col c = { 0 };
	struct claims__map835 *m = mapper(&c, CLAIMS_X12_TOLERANT);
	struct claims__map835_counts cnt;
	claims_x12_event end = { CLAIMS_X12_EVENT_TRANSACTION_END, NULL, NULL, false };
	struct tdoc doc;

	(void)state;
	tdoc_text(&doc, ISA_HDR("000000001")
		  "ST*835*1~BPR*I*99*C*CHK~REF*2U*P~CLP*A*1*10*10~CLP*B*1*10*10~SVC*HC:1*10*10~"
		  "PLB*X*20240101*CS*5~CLP*C*1*10*10~");
	assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
	/* A, B were handed on before the set broke; C is dropped */
	assert_int_equal(c.n_remits, 2);
	assert_int_equal(claims__map835_event(m, &end), CLAIMS_OK);
	assert_int_equal(c.n_remits, 2);
	claims__map835_counts(m, &cnt);
	assert_int_equal(cnt.transactions, 0);
	assert_int_equal(cnt.remittances_parsed, 0);
	assert_int_equal(cnt.plb_total_cents, 0);
	assert_int_equal(cnt.bpr_total_cents, 0);
	assert_int_equal(n_issues(&c, "BAL_835_TRANSACTION"), 0);
	tdoc_free(&doc);

	/* a complete set afterwards is mapped normally */
	tdoc_text(&doc, "ST*835*2~BPR*I*10*C*CHK~REF*2U*P~CLP*D*1*10*10~SE*1*2~");
	assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
	assert_int_equal(c.n_remits, 3);
	KV(c.remits[2], "pcn", "D");
	KV(c.remits[2], "header.isa13", "(null)"); /* no envelope */
	claims__map835_counts(m, &cnt);
	assert_int_equal(cnt.transactions, 1);
	assert_int_equal(cnt.remittances_parsed, 1);
	assert_int_equal(cnt.bpr_total_cents, 1000);
	claims__map835_free(m);
	tdoc_free(&doc);
	col_free(&c);
}

static void
test_callback_abort(void **state)
{
	struct col c = { 0 };
	struct claims__map835 *m = mapper(&c, CLAIMS_X12_TOLERANT);
	struct tdoc doc;

	(void)state;
	c.abort_at = 2;
	tdoc_text(&doc, "ST*835*1~REF*2U*P~CLP*A*1*1*1~CLP*B*1*1*1~CLP*C*1*1*1~SE*1*1~");
	assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_ECONSTRAINT);
	assert_int_equal(c.n_remits, 2);
	claims__map835_free(m);
	tdoc_free(&doc);
	col_free(&c);
}

static void
test_strict_mode(void **state)
{
	struct col c = { 0 };
	struct claims__map835 *m = mapper(&c, CLAIMS_X12_STRICT);
	struct tdoc doc;

	(void)state;
	tdoc_text(&doc, "ST*835*1~REF*2U*P~CLP*A*1**1~CAS*ZZ*1*1~SE*1*1~");
	assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
	KV(issue(&c, "MISSING_ELEMENT", 1), "refuses", "1");
	KV(issue(&c, "INVALID_CODE", 1), "refuses", "0");
	claims__map835_free(m);
	tdoc_free(&doc);
	col_free(&c);

	run_text("ST*835*1~REF*2U*P~CLP*A*1**1~SE*1*1~", &c, NULL);
	KV(issue(&c, "MISSING_ELEMENT", 1), "refuses", "0");
	col_free(&c);
}

/* Payments never accumulate: every payment of a long set is built in the
 * same arena memory. */
static void
test_memory_per_payment(void **state)
{
	struct col c = { 0 };
	struct sb text = { 0 };
	struct claims__map835_counts cnt;

	(void)state;
	sb_printf(&text, "ST*835*1~BPR*I*0*C*NON~REF*2U*P~");
	for (int i = 0; i < 3000; i++)
		sb_printf(&text,
			  "LX*%d~CLP*PCN%05d*1*100*0*0*12*ICN%05d~NM1*QC*1*DOE*JOHN~"
			  "SVC*HC:99213*60*0~DTM*472*20240101~CAS*CO*45*60~LQ*HE*M1~"
			  "SVC*HC:99214*40*0~CAS*CO*45*40~",
			  i + 1, i, i);
	sb_printf(&text, "SE*1*1~");
	run_text(text.p, &c, &cnt);
	assert_int_equal(c.n_remits, 3000);
	assert_true(c.same_memory);
	assert_int_equal(cnt.service_lines, 6000);
	assert_int_equal(cnt.adjustments, 6000);
	assert_int_equal(c.n_issues, 0);
	KV(c.remits[2999], "pcn", "PCN02999");
	KV(c.remits[2999], "svc2.adj1.amount", "4000");
	free(text.p);
	col_free(&c);
}

/* With -Dfault_injection=true: every allocation failure comes back as
 * CLAIMS_ENOMEM, without a crash or a leak (ASan).  Otherwise one pass. */
struct oom_arg {
	int rc;
};

static void
oom_hook(struct claims__map835 *m, size_t index, void *arg)
{
	struct oom_arg *a = arg;
	claims_x12_issue is;
	int rc;

	if (index != 9 && index != 14)
		return;
	memset(&is, 0, sizeof(is));
	is.code = "INVALID_CHARACTER";
	is.code_id = CLAIMS_X12_INVALID_CHARACTER;
	is.severity = CLAIMS_X12_ERROR;
	is.transaction = 1;
	is.segment_index = (int64_t)index;
	is.segment_id = "SVC";
	is.element = "SVC01";
	is.message = "control byte";
	is.details = "{}";
	rc = claims__map835_reader_issue(m, &is);
	if (rc && !a->rc)
		a->rc = rc;
}

static void
test_out_of_memory(void **state)
{
	struct tdoc doc;
	long n;

	(void)state;
	tdoc_text(&doc, ISA_HDR("000000001")
		  "ST*835*1~BPR*I*10*C*CHK************20240101~TRN*1*T*1999999999~DTM*405*20240101~"
		  "N1*PR*PAYER~N1*PE*CLINIC*XX*1234567893~REF*TJ*1~"
		  "LX*1~CLP*A*1*100*10*5*12*I~CAS*PR*1*5~NM1*QC*1*DOE*JOHN****MI*M~NM1*82*2*X*****XX*1~"
		  "MIA*0***1*MA01~AMT*AU*1~SVC*HC:1:25*50*5*450*1*HC:2~DTM*472*20240101~CAS*CO*45*45~"
		  "REF*6R*L~AMT*B6*5~LQ*HE*N1~SVC*HC:2*50*5~CAS*CO*45*45~"
		  "N1*PR*OTHER*XV*P2~CLP*B*4*1*0~CLP*B*4*1*0~CLP**1*1*1~"
		  "PLB*X*20240101*CV:CP*1*WO*x~SE*1*1~"
		  "ST*835*2~BPR*I*1*C*CHK~REF*2U*P~CLP*C*1*1*1~SE*1*2~" ISA_END);
	for (n = 0;; n++) {
		struct col c = { 0 };
		struct claims__map835_callbacks cb = { on_remit, on_plb, on_issue, &c,
							CLAIMS_X12_TOLERANT };
		struct claims__map835 *m = NULL;
		struct oom_arg a = { 0 };
		int rc;

		claims__alloc_fail_after(n);
		rc = claims__map835_new(&m, &cb);
		if (rc == CLAIMS_OK)
			rc = feed(&doc, m, oom_hook, &a);
		if (rc == CLAIMS_OK)
			rc = a.rc;
		claims__alloc_fail_after(-1);
		claims__map835_free(m);
		if (rc == CLAIMS_OK) {
			if (getenv("MAP835_VERBOSE"))
				fprintf(stderr, "out of memory: %ld failure points\n", n);
			assert_int_equal(c.n_remits, 4);
			col_free(&c);
			break;
		}
		assert_int_equal(rc, CLAIMS_ENOMEM);
		assert_true(n < 100000);
		col_free(&c);
	}
	tdoc_free(&doc);
}

static void
test_arguments(void **state)
{
	struct claims__map835_callbacks cb = { 0 };
	struct claims__map835 *m = (void *)1;
	struct claims__map835_counts cnt;
	claims_x12_issue is;

	(void)state;
	assert_int_equal(claims__map835_new(NULL, &cb), CLAIMS_EINVAL);
	assert_int_equal(claims__map835_new(&m, NULL), CLAIMS_EINVAL);
	assert_null(m);
	assert_int_equal(claims__map835_new(&m, &cb), CLAIMS_OK);
	assert_int_equal(claims__map835_event(m, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims__map835_event(NULL, NULL), CLAIMS_EINVAL);
	memset(&is, 0, sizeof(is));
	assert_int_equal(claims__map835_reader_issue(NULL, &is), CLAIMS_EINVAL);
	assert_int_equal(claims__map835_reader_issue(m, NULL), CLAIMS_EINVAL);
	claims__map835_counts(m, &cnt);
	assert_int_equal(cnt.remittances_parsed, 0);
	claims__map835_free(m);
	claims__map835_free(NULL);
}

/* ================================================================ corpus (§11) */

struct expect {
	const char *file;
	int64_t parsed, charge, paid, pt_resp, bpr, plb, svc;
	/* every balancing warning, in order: "CODE expected actual difference" */
	const char *bal[4];
	void (*extra)(const struct col *c);
};

static void
extra_moov1(const struct col *c)
{
	/* claim 1 carries its two checks; claim 2 none */
	KV(c->remits[0], "issue1.code", "INVALID_NPI"); /* NM1*82 XX "NPI Number" */
	assert_non_null(strstr(c->remits[0], "code=BAL_835_CLAIM"));
	assert_non_null(strstr(c->remits[0], "code=BAL_835_SVC_PAID"));
	assert_null(strstr(c->remits[1], "code=BAL_"));
	KV(c->remits[0], "header.total_payment", "-617350");
	KV(c->remits[1], "header.total_payment", "-617340");
	KV(c->remits[0], "svc1.qual", "HC");
	KV(c->remits[0], "svc1.code", "97001");
	assert_int_equal(c->n_plbs, 2);
	KV(c->plbs[0], "reason", "50");
	KV(c->plbs[0], "reference", "111");
}

static void
extra_moov2(const struct col *c)
{
	KV(c->remits[0], "header.payment_date", "2022-08-05");
	KV(issue(c, "INVALID_DATE", 1), "element", "BPR16");
	assert_int_equal(n_issues(c, "INVALID_DATE"), 1);
	KV(c->remits[0], "amounts", "{\"AU\": 4000.00}");
	KV(c->remits[0], "svc1.allowed", "119968");
	KV(c->remits[0], "svc1.n_adj", "2");
	KV(c->remits[0], "svc1.adj2.quantity", "4");
}

static void
extra_header_looping(const struct col *c)
{
	assert_true(n_issues(c, "HEADER_LOOP_REPEATED") >= 1);
	KV(issue(c, "INVALID_DATE", 1), "element", "DTM02");
	KV(c->remits[0], "pcn", get(c->remits[1], "pcn")); /* same CLP01 */
	KV(c->remits[0], "svc1.remarks", "N14");
	KV(c->remits[0], "header.payment_date", "2004-10-28");
}

static void
extra_blue_cross(const struct col *c)
{
	assert_int_equal(n_issues(c, "MISSING_ELEMENT"), 2);
	KV(issue(c, "MISSING_ELEMENT", 1), "element", "SVC02");
	KV(issue(c, "MISSING_ELEMENT", 2), "element", "SVC03");
	KV(c->remits[0], "svc3.charge", "NULL");
	KV(c->remits[0], "svc3.orig_units", "742");
	KV(c->remits[0], "svc1.orig_proc", "HC:59410");
	KV(c->remits[0], "incomplete", "1");
}

static void
extra_multi_claims(const struct col *c)
{
	/* all share CLP01: nine distinct identities */
	for (size_t i = 0; i < c->n_remits; i++)
		for (size_t j = i + 1; j < c->n_remits; j++)
			assert_string_not_equal(get(c->remits[i], "dedup_key"),
						get(c->remits[j], "dedup_key"));
}

static void
extra_profee(const struct col *c)
{
	/* 156 copies of the same ERA: three identities */
	for (size_t i = 3; i < c->n_remits; i++)
		KV(c->remits[i], "dedup_key", get(c->remits[i % 3], "dedup_key"));
	assert_string_not_equal(get(c->remits[0], "dedup_key"), get(c->remits[1], "dedup_key"));
}

static void
extra_reversals_checked(const struct col *c)
{
	assert_false(has_key(c->remits[0], "adj1.group"));
	KV(c->remits[0], "status", "22");
	KV(c->remits[0], "charge", "-31000");
	KV(c->remits[0], "svc1.adj1.group", "CR");
	KV(c->remits[0], "header.payer_id", "1382999999");
	assert_int_equal(n_issues(c, "PAYER_ID_FROM_TRACE"), 1);
}

static const struct expect corpus[] = {
	{ "835/stupidedi_dollars-and-data-sent-together.edi", 2, 22636697, 14999873, 0, 15000000,
	  -127, 0, { NULL }, NULL },
	{ "835/stupidedi_multiple-claims-single-check.edi", 9, 281900, 81080, 97020, 81080, 0, 33,
	  { NULL }, extra_multi_claims },
	{ "835/stupidedi_secondary-payments.edi", 2, 1107514, 122200, 22000, 122200, 0, 2,
	  { NULL }, NULL },
	{ "835/stupidedi_secondary-payment-with-higher-fee-schedule.edi", 1, 54100, 3400, 0, 3400, 0,
	  1, { NULL }, NULL },
	{ "835/moov_835_sample1.txt", 2, 77041, 0, 77040, -1234690, 1234690, 2,
	  { "BAL_835_CLAIM 385.20 385.21 0.01", "BAL_835_SVC_PAID 0.01 0.00 -0.01" }, extra_moov1 },
	{ "835/keiron_united_healthcare_legacy_sample.txt", 2, 115752, 34999, 22039, 34999, 0, 5,
	  { NULL }, NULL },
	{ "835/keiron_emedny_sample.txt", 3, 10250, 4575, 0, 4575, 0, 10, { NULL }, NULL },
	{ "835/tastypackets_multi-line-not-delimited.edi", 3, 10250, 4575, 0, 4575, 0, 10,
	  { NULL }, NULL },
	{ "835/tastypackets_profee-multiple.edi", 468, 1599000, 713700, 0, 713700, 0, 1560,
	  { NULL }, extra_profee },
	{ "835/pyx12_835id_reversals.txt", 3, -51025, -51025, 0, 595021, -97794, 3,
	  { "BAL_835_TRANSACTION 467.69 5950.21 5482.52" }, extra_reversals_checked },
	{ "835/oopfactory_4010_Example1_GripElements.txt", 9, 43999, 575, 20300, 575, -127, 9,
	  { "BAL_835_TRANSACTION 7.02 5.75 -1.27" }, NULL },
	{ "bad/keiron_blue_cross_nc_sample.txt", 1, 210000, 192286, 14254, 192286, 0, 3, { NULL },
	  extra_blue_cross },
	{ "bad/tastypackets_errorISA.edi", 2, 242447, 148199, 80500, 148199, 0, 0, { NULL }, NULL },
	{ "bad/stupidedi_4010_835_case1.edi", 1, 17800, 2061, 0, 2061, 0, 0, { NULL }, NULL },
	{ "bad/stupidedi_5010_835_case1.edi", 2, 22636697, 14999873, 0, 15000000, -127, 0,
	  { NULL }, NULL },
	{ "bad/stupidedi_5010_835_case3a.edi", 2, 1107514, 122200, 22000, 122200, -254, 2,
	  { "BAL_835_TRANSACTION 1224.54 1222.00 -2.54" }, NULL },
	{ "bad/moov_835_sample2.txt", 1, 419968, 400000, 120168, 400000, 0, 1,
	  { "BAL_835_CLAIM 1201.68 199.68 -1002.00", "BAL_835_SVC_PAID 2998.00 4000.00 1002.00" },
	  extra_moov2 },
	{ "bad/pyx12_bad_header_looping_835.txt", 2, 183078, 0, 0, 0, 0, 6, { NULL },
	  extra_header_looping },
};

static char *
corpus_path(const char *file)
{
	const char *dir = getenv("CLAIMS_CORPUS_DIR");
	char *p;

	if (!dir)
		dir = "../shared/corpus";
	p = malloc(strlen(dir) + strlen(file) + 2);
	assert_non_null(p);
	sprintf(p, "%s/%s", dir, file);
	return p;
}

static void
check_expect(const struct expect *e, const struct col *c, const struct claims__map835_counts *n)
{
	size_t nb = 0, k = 0;

	if (n->remittances_parsed != e->parsed || n->total_charge_cents != e->charge ||
	    n->total_paid_cents != e->paid || n->total_patient_responsibility_cents != e->pt_resp ||
	    n->bpr_total_cents != e->bpr || n->plb_total_cents != e->plb ||
	    n->service_lines != e->svc) {
		print_issues(c);
		fail_msg("%s: parsed %" PRId64 " charge %" PRId64 " paid %" PRId64 " pt %" PRId64
			 " bpr %" PRId64 " plb %" PRId64 " svc %" PRId64,
			 e->file, n->remittances_parsed, n->total_charge_cents, n->total_paid_cents,
			 n->total_patient_responsibility_cents, n->bpr_total_cents,
			 n->plb_total_cents, n->service_lines);
	}
	assert_int_equal(c->n_remits, (size_t)e->parsed);
	while (nb < 4 && e->bal[nb])
		nb++;
	for (size_t i = 0; i < c->n_issues; i++) {
		const char *code = get(c->issues[i], "code");
		char got[160], ex[32], ac[32], df[32];

		if (strncmp(code, "BAL_", 4) != 0)
			continue;
		if (sscanf(get(c->issues[i], "details"),
			   "{\"expected\": %31[^,], \"actual\": %31[^,], \"difference\": %31[^}]}", ex,
			   ac, df) != 3)
			fail_msg("%s: bad details %s", e->file, get(c->issues[i], "details"));
		snprintf(got, sizeof(got), "%s %s %s %s", code, ex, ac, df);
		if (k >= nb || strcmp(got, e->bal[k]) != 0) {
			print_issues(c);
			fail_msg("%s: balancing issue %zu is \"%s\", expected \"%s\"", e->file, k + 1,
				 got, k < nb ? e->bal[k] : "(none)");
		}
		k++;
	}
	if (k != nb) {
		print_issues(c);
		fail_msg("%s: %zu balancing issues, expected %zu", e->file, k, nb);
	}
	if (e->extra)
		e->extra(c);
}

static void
test_corpus_splitter(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct expect *e = &corpus[i];
		char *path = corpus_path(e->file), *data;
		struct col c = { 0 };
		struct claims__map835 *m = mapper(&c, CLAIMS_X12_TOLERANT);
		struct claims__map835_counts n;
		struct tdoc doc;
		size_t len;

		data = read_file(path, &len);
		tdoc_init(&doc, data, len);
		assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
		claims__map835_counts(m, &n);
		check_expect(e, &c, &n);
		claims__map835_free(m);
		tdoc_free(&doc);
		col_free(&c);
		free(data);
		free(path);
	}
}

/* Every 835 file of the corpus folder is listed above. */
static void
test_corpus_listed(void **state)
{
	char *dir = corpus_path("835");
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	(void)state;
	if (!d)
		fail_msg("cannot open %s", dir);
	while ((de = readdir(d)) != NULL) {
		char name[512];
		bool found = false;

		if (de->d_name[0] == '.')
			continue;
		snprintf(name, sizeof(name), "835/%s", de->d_name);
		for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
			if (!strcmp(corpus[i].file, name))
				found = true;
		if (!found)
			fail_msg("%s has no expectations", name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, 11);
	free(dir);
}

/* ---------------------------------------------------------------- through the real reader */

struct rctx {
	struct claims__map835 *m;
	struct col *c;
	size_t reader_issues;
	char codes[2048];
};

static void
reader_issue_cb(const claims_x12_issue *is, void *payload)
{
	struct rctx *x = payload;

	x->reader_issues++;
	if (strlen(x->codes) + strlen(is->code) + 2 < sizeof(x->codes)) {
		strcat(x->codes, is->code);
		strcat(x->codes, " ");
	}
	if (is->transaction && x->m)
		assert_int_equal(claims__map835_reader_issue(x->m, is), CLAIMS_OK);
}

/* Map a file through the reader; false when the reader fails. */
static bool
run_reader(const char *path, struct col *c, struct claims__map835_counts *n, char *codes,
	   size_t cap)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *rd = NULL;
	const claims_x12_event *ev;
	struct rctx x = { 0 };
	bool ok = true, in835 = false;
	char *data;
	size_t len;

	data = read_file(path, &len);
	x.m = mapper(c, CLAIMS_X12_TOLERANT);
	x.c = c;
	o.issue_cb = reader_issue_cb;
	o.issue_payload = &x;
	if (claims_x12_reader_new_mem(&rd, data, len, &o) != CLAIMS_OK) {
		ok = false;
		goto out;
	}
	for (;;) {
		if (claims_x12_reader_next(&ev, rd) != CLAIMS_OK) {
			ok = false;
			break;
		}
		if (!ev)
			break;
		if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_START)
			in835 = ev->transaction && ev->transaction->type == CLAIMS_X12_TYPE_835;
		if (ev->type == CLAIMS_X12_EVENT_INTERCHANGE_START || in835)
			assert_int_equal(claims__map835_event(x.m, ev), CLAIMS_OK);
		if (ev->type == CLAIMS_X12_EVENT_TRANSACTION_END)
			in835 = false;
	}
	claims__map835_counts(x.m, n);
	if (codes)
		snprintf(codes, cap, "%s", x.codes);
out:
	claims_x12_reader_free(rd);
	claims__map835_free(x.m);
	free(data);
	return ok;
}

static void
test_corpus_reader(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct expect *e = &corpus[i];
		char *path = corpus_path(e->file);
		struct col c = { 0 };
		struct claims__map835_counts n;
		char codes[2048];

		if (!run_reader(path, &c, &n, codes, sizeof(codes)))
			fail_msg("%s: the reader failed", e->file);
		if (getenv("MAP835_VERBOSE")) {
			fprintf(stderr, "%s: reader issues: %s\n", e->file, codes);
			print_issues(&c);
		}
		check_expect(e, &c, &n);
		if (!strcmp(e->file, "bad/keiron_blue_cross_nc_sample.txt"))
			assert_non_null(strstr(codes, "MISSING_ENVELOPE"));
		if (!strcmp(e->file, "bad/pyx12_bad_header_looping_835.txt") ||
		    !strcmp(e->file, "bad/stupidedi_5010_835_case3a.edi"))
			assert_non_null(strstr(codes, "SE_COUNT"));
		col_free(&c);
		free(path);
	}
}

/* tastypackets_multi-line-not-delimited.edi is keiron_emedny_sample.txt with
 * LF terminators: the same payments, identities and raw segments. */
static void
test_corpus_same_era(void **state)
{
	const char *files[2] = { "835/keiron_emedny_sample.txt",
				 "835/tastypackets_multi-line-not-delimited.edi" };
	struct col c[2] = { { 0 }, { 0 } };

	(void)state;
	/* Pass 0 through the mapping alone, pass 1 through the reader. */
	for (int pass = 0; pass < 2; pass++) {
		for (int f = 0; f < 2; f++) {
			char *path = corpus_path(files[f]);
			struct claims__map835_counts n;

			if (pass == 0) {
				struct claims__map835 *m = mapper(&c[f], CLAIMS_X12_TOLERANT);
				struct tdoc doc;
				size_t len;
				char *data = read_file(path, &len);

				tdoc_init(&doc, data, len);
				assert_int_equal(feed(&doc, m, NULL, NULL), CLAIMS_OK);
				claims__map835_free(m);
				tdoc_free(&doc);
				free(data);
			} else {
				assert_true(run_reader(path, &c[f], &n, NULL, 0));
			}
			free(path);
		}
		assert_int_equal(c[0].n_remits, 3);
		assert_int_equal(c[1].n_remits, 3);
		for (size_t i = 0; i < 3; i++) {
			KV(c[1].remits[i], "dedup_key", get(c[0].remits[i], "dedup_key"));
			KV(c[1].remits[i], "raw", get(c[0].remits[i], "raw"));
			KV(c[1].remits[i], "occurrence", "1");
		}
		KV(c[0].remits[0], "pcn_key", "PATIENTACCOUNTNUMBER");
		KV(c[0].remits[0], "patient_key", "SUBMITTEDLAST|SUBMITTEDFIRST");
		KV(c[0].remits[0], "header.payer_id", "1000000000"); /* TRN03 */
		KV(c[0].remits[0], "header.payee_npi", "9999999995");
		KV(c[0].remits[0], "header.payee_tax_id", "000000000");
		KV(c[0].remits[0], "svc1.mods", "RB");
		col_free(&c[0]);
		col_free(&c[1]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_payer_id_fallbacks),
		cmocka_unit_test(test_payment_date),
		cmocka_unit_test(test_clp_fields),
		cmocka_unit_test(test_every_clp_is_a_remittance),
		cmocka_unit_test(test_patient_and_pcn_keys),
		cmocka_unit_test(test_cas),
		cmocka_unit_test(test_svc),
		cmocka_unit_test(test_orphan_segments),
		cmocka_unit_test(test_header_loop_repeated),
		cmocka_unit_test(test_plb),
		cmocka_unit_test(test_clp_required),
		cmocka_unit_test(test_balancing),
		cmocka_unit_test(test_dedup_keys),
		cmocka_unit_test(test_raw_edi),
		cmocka_unit_test(test_reader_issues),
		cmocka_unit_test(test_incomplete_set),
		cmocka_unit_test(test_callback_abort),
		cmocka_unit_test(test_strict_mode),
		cmocka_unit_test(test_memory_per_payment),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_corpus_listed),
		cmocka_unit_test(test_corpus_splitter),
		cmocka_unit_test(test_corpus_same_era),
		cmocka_unit_test(test_corpus_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
