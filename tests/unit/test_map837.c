/*
 * The 837P / 837I mapping (spec/x12.md §6, §8 BAL_837_CLAIM, §9.2).
 *
 * Unit tests feed the mapper synthetic walker events: a small splitter in
 * this file cuts literal X12 text on its delimiters and builds the
 * claims_x12_segment values the reader would give (so they do not depend
 * on the reader).  Each emitted claim is rendered to a "key=value" text
 * dump and the tests assert on its lines.  The corpus tests run every 837
 * file of ../shared/corpus twice: through this file's splitter, and end to
 * end through the real reader (claims_x12_reader_next) when it works.
 */
#include "testutil.h"

#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "ingest/arena.h"
#include "ingest/map837.h"
#include "x12/codes.h"
#include "x12/values.h"

/* ------------------------------------------------------------ results */

struct result {
	char **claims; /* text dumps, malloc'd */
	size_t n_claims, cap_claims;
	char *issues;  /* one line per issue the mapper raised */
	size_t issues_len;
	FILE *issues_fp;
	size_t n_issues;
	struct claims__map837_counts totals; /* summed over completed sets */
	size_t sets_completed;
	int abort_rc;  /* returned by on_claim when non-zero */
	size_t abort_after;
	bool quiet;    /* do not keep dumps (big files) */
	size_t n_emitted;
	/* per emitted claim: has a BAL_837_CLAIM issue */
	bool *bal;
	size_t cap_bal;
};

static void
result_init(struct result *r)
{
	memset(r, 0, sizeof(*r));
	r->issues_fp = open_memstream(&r->issues, &r->issues_len);
	assert_non_null(r->issues_fp);
}

static void
result_free(struct result *r)
{
	for (size_t i = 0; i < r->n_claims; i++)
		free(r->claims[i]);
	free(r->claims);
	if (r->issues_fp)
		fclose(r->issues_fp);
	free(r->issues);
	free(r->bal);
}

static const char *
result_issues(struct result *r)
{
	fflush(r->issues_fp);
	return r->issues ? r->issues : "";
}

static void
ps(FILE *fp, const char *key, const char *v)
{
	fprintf(fp, "%s=%s\n", key, v ? v : "(null)");
}

static void
pm(FILE *fp, const char *key, struct claims__money v)
{
	if (!v.has) {
		fprintf(fp, "%s=(null)\n", key);
		return;
	}
	fprintf(fp, "%s=%s%lld.%02lld\n", key, v.cents < 0 ? "-" : "",
		(long long)(v.cents < 0 ? -v.cents : v.cents) / 100,
		(long long)(v.cents < 0 ? -v.cents : v.cents) % 100);
}

static char *
dump_claim(const struct claims__claim_rec *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
#define S(f) ps(fp, #f, c->f)
	ps(fp, "type", claims_x12_type_to_str(c->type));
	fprintf(fp, "interchange=%lld\ntransaction=%lld\nfirst_segment_index=%lld\n",
		(long long)c->interchange, (long long)c->transaction,
		(long long)c->first_segment_index);
	S(provider_key);
	S(payer_key);
	S(claim_control_number);
	S(pcn_key);
	S(patient_key);
	ps(fp, "provider.npi", c->provider.npi);
	ps(fp, "provider.tax_id", c->provider.tax_id);
	ps(fp, "provider.name", c->provider.name);
	fprintf(fp, "provider.entity_type=%d\n", c->provider.entity_type);
	ps(fp, "provider.taxonomy_code", c->provider.taxonomy_code);
	fprintf(fp, "provider.npi_valid=%d\n", c->provider.npi_valid);
	ps(fp, "payer.payer_id", c->payer.payer_id);
	ps(fp, "payer.name", c->payer.name);
	pm(fp, "total_charge", c->total_charge);
	S(facility_type_code);
	S(facility_code_qualifier);
	S(claim_frequency_type);
	S(provider_signature);
	S(assignment_code);
	S(benefits_assignment);
	S(release_of_info);
	S(related_causes);
	S(delay_reason_code);
	S(original_reference_number);
	S(prior_authorization);
	S(referral_number);
	S(medical_record_number);
	S(statement_date);
	S(statement_date_to);
	S(admission_date);
	S(admission_hour);
	S(discharge_date);
	S(discharge_hour);
	S(service_date);
	S(service_date_to);
	S(onset_date);
	S(last_menstrual_date);
	S(submitted_date);
	S(admission_type);
	S(admission_source);
	S(patient_status);
	S(principal_diagnosis);
	S(payer_responsibility);
	S(relationship_code);
	S(claim_filing_indicator);
	S(subscriber_member_id);
	S(patient_last_name);
	S(patient_first_name);
	S(patient_dob);
	S(patient_gender);
	S(billing_provider_npi);
	S(billing_tax_id);
	S(rendering_provider_npi);
	S(attending_provider_npi);
	S(operating_provider_npi);
	S(referring_provider_npi);
	S(service_facility_npi);
#undef S
	fprintf(fp, "n_other_payers=%zu\n", c->n_other_payers);
	for (size_t i = 0; i < c->n_other_payers; i++) {
		const struct claims__other_payer_rec *o = &c->other_payers[i];
		char k[64];

		snprintf(k, sizeof(k), "op%zu.responsibility", i + 1);
		ps(fp, k, o->responsibility);
		snprintf(k, sizeof(k), "op%zu.payer_id", i + 1);
		ps(fp, k, o->payer_id);
		snprintf(k, sizeof(k), "op%zu.payer_name", i + 1);
		ps(fp, k, o->payer_name);
		snprintf(k, sizeof(k), "op%zu.paid", i + 1);
		pm(fp, k, o->paid);
	}
	fprintf(fp, "n_diagnoses=%zu\n", c->n_diagnoses);
	for (size_t i = 0; i < c->n_diagnoses; i++) {
		const struct claims__diagnosis_rec *d = &c->diagnoses[i];
		char k[64];

		fprintf(fp, "dx%zu=%d|%d|%s|%s|%s|%s|%d\n", i + 1, d->sequence, d->pointer,
			d->qualifier ? d->qualifier : "(null)", d->code ? d->code : "(null)",
			d->code_system, d->role, d->is_valid);
		snprintf(k, sizeof(k), "dx%zu.poa", i + 1);
		ps(fp, k, d->poa);
		snprintf(k, sizeof(k), "dx%zu.code_date", i + 1);
		ps(fp, k, d->code_date);
		snprintf(k, sizeof(k), "dx%zu.amount", i + 1);
		pm(fp, k, d->amount);
	}
	fprintf(fp, "n_lines=%zu\n", c->n_lines);
	for (size_t i = 0; i < c->n_lines; i++) {
		const struct claims__line_rec *l = &c->lines[i];
		char k[64];

		fprintf(fp, "line%zu.line_number=%d\nline%zu.lx_number=%d\n", i + 1, l->line_number,
			i + 1, l->lx_number);
#define L(f)                                              \
	do {                                              \
		snprintf(k, sizeof(k), "line%zu." #f, i + 1); \
		ps(fp, k, l->f);                          \
	} while (0)
		L(revenue_code);
		L(procedure_qualifier);
		L(procedure_code);
		L(unit_type);
		L(place_of_service);
		L(service_date);
		L(service_date_to);
		L(line_item_control_number);
		L(rendering_provider_npi);
#undef L
		fprintf(fp, "line%zu.modifiers=", i + 1);
		for (int j = 0; j < l->n_modifiers; j++)
			fprintf(fp, "%s%s", j ? "," : "", l->modifiers[j]);
		fprintf(fp, "\nline%zu.pointers=", i + 1);
		for (int j = 0; j < l->n_pointers; j++)
			fprintf(fp, "%s%d", j ? "," : "", l->diagnosis_pointers[j]);
		fprintf(fp, "\n");
		snprintf(k, sizeof(k), "line%zu.charge", i + 1);
		pm(fp, k, l->charge);
		if (l->has_unit_count)
			fprintf(fp, "line%zu.unit_count=%g\n", i + 1, l->unit_count);
		else
			fprintf(fp, "line%zu.unit_count=(null)\n", i + 1);
		fprintf(fp, "line%zu.procedure_code_valid=%d\n", i + 1, l->procedure_code_valid);
	}
	fprintf(fp, "content_sha256=%s\n", c->content_sha256);
	fprintf(fp, "raw_edi=%.*s\n", (int)c->raw_edi_len, c->raw_edi);
	fprintf(fp, "is_incomplete=%d\n", c->is_incomplete);
	fprintf(fp, "n_issues=%zu\n", c->issues.count);
	for (size_t i = 0; i < c->issues.count; i++) {
		const struct claims__issue_copy *is = &c->issues.items[i];

		fprintf(fp, "issue%zu=%s|%s|%s|%lld|%s|%s\n", i + 1, is->code,
			is->element ? is->element : "-", is->segment_id ? is->segment_id : "-",
			(long long)is->segment_index, claims_x12_severity_to_str(is->severity),
			is->details);
		fprintf(fp, "issue%zu.message=%s\n", i + 1, is->message);
	}
	fclose(fp);
	return buf;
}

static int
on_claim(const struct claims__claim_rec *c, void *payload)
{
	struct result *r = payload;
	bool bal = false;

	for (size_t i = 0; i < c->issues.count; i++)
		if (c->issues.items[i].code_id == CLAIMS_X12_BAL_837_CLAIM)
			bal = true;
	if (r->n_emitted == r->cap_bal) {
		r->cap_bal = r->cap_bal ? r->cap_bal * 2 : 64;
		r->bal = realloc(r->bal, r->cap_bal * sizeof(*r->bal));
		assert_non_null(r->bal);
	}
	r->bal[r->n_emitted++] = bal;
	if (!r->quiet) {
		if (r->n_claims == r->cap_claims) {
			r->cap_claims = r->cap_claims ? r->cap_claims * 2 : 16;
			r->claims = realloc(r->claims, r->cap_claims * sizeof(*r->claims));
			assert_non_null(r->claims);
		}
		r->claims[r->n_claims++] = dump_claim(c);
	}
	if (r->abort_rc && r->n_emitted > r->abort_after)
		return r->abort_rc;
	return 0;
}

static void
on_issue(const claims_x12_issue *is, void *payload)
{
	struct result *r = payload;

	r->n_issues++;
	fprintf(r->issues_fp, "%s|%s|%s|%lld|%s|%s|%s\n", is->code, is->element ? is->element : "-",
		is->segment_id ? is->segment_id : "-", (long long)is->segment_index,
		claims_x12_severity_to_str(is->severity), is->message, is->details);
}

/* Whether @p text has the exact line @p line. */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, line, n) == 0)
			return true;
		p = e ? e + 1 : NULL;
	}
	return false;
}

#define EXPECT(text, line)                                                 \
	do {                                                               \
		if (!has_line((text), (line))) {                           \
			fprintf(stderr, "----\n%s----\n", (text));        \
			fail_msg("line '%s' not found in the dump above", (line)); \
		}                                                          \
	} while (0)

/* Issues of code @p code in a claim dump ("issueN=CODE|...") or in the
 * mapper's issue list ("CODE|..."). */
static int
count_code(const char *text, const char *code)
{
	int n = 0;
	size_t cl = strlen(code);

	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		const char *s = p;
		const char *eqs = memchr(p, '=', len);

		if (strncmp(p, "issue", 5) == 0 && eqs) {
			/* "issueN=CODE|..."; not "issueN.message=..." */
			if (memchr(p, '.', (size_t)(eqs - p)))
				s = NULL;
			else
				s = eqs + 1;
		}
		if (s && (size_t)(p + len - s) > cl && strncmp(s, code, cl) == 0 && s[cl] == '|')
			n++;
		p = e ? e + 1 : NULL;
	}
	return n;
}

/* ------------------------------------------------------------ feeding */

struct feeder;
typedef void (*before_cb)(struct feeder *f, const claims_x12_segment *seg, bool skipped);

struct feeder {
	struct claims__map837 *m;
	struct result *res;
	claims_x12_transaction txn;
	claims_x12_delimiters d;
	int64_t seg_index;
	int64_t offset;
	int64_t interchange;
	int64_t txn_count;
	char gs08[64];
	bool in_set;
	bool patient_ctx;
	int rc;          /* first non-OK rc of claims__map837_event */
	before_cb before; /* e.g. to pass reader issues */
	/* when set, every valid segment goes here instead of to the mapper */
	void (*sink)(struct feeder *f, const claims_x12_segment *seg);
	void *hook;
	claims_x12_slice el[300];
};

static void
feeder_init(struct feeder *f, struct result *res, claims_x12_mode mode)
{
	struct claims__map837_callbacks cb = { on_claim, on_issue, res, mode };

	memset(f, 0, sizeof(*f));
	f->res = res;
	f->d.element = '*';
	f->d.component = ':';
	f->d.segment = '~';
	f->d.repetition = '^';
	f->d.has_repetition = true;
	assert_int_equal(claims__map837_new(&f->m, &cb), CLAIMS_OK);
}

static void
feeder_free(struct feeder *f)
{
	claims__map837_free(f->m);
}

static void
send(struct feeder *f, claims_x12_event_type type, const claims_x12_segment *seg, bool completed)
{
	claims_x12_event ev = { type, seg, &f->txn, completed };
	int rc = claims__map837_event(f->m, &ev);

	if (rc != CLAIMS_OK && f->rc == CLAIMS_OK)
		f->rc = rc;
	if (type == CLAIMS_X12_EVENT_TRANSACTION_END && completed) {
		struct claims__map837_counts c;

		claims__map837_counts(f->m, &c);
		f->res->totals.claims_parsed += c.claims_parsed;
		f->res->totals.claims_skipped += c.claims_skipped;
		f->res->totals.claim_lines += c.claim_lines;
		f->res->totals.diagnoses += c.diagnoses;
		f->res->totals.total_charge_cents += c.total_charge_cents;
		f->res->totals.line_charge_total_cents += c.line_charge_total_cents;
		f->res->sets_completed++;
	}
}

static bool
slice_is(claims_x12_slice s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

static bool
valid_id(const char *p, size_t n)
{
	if (n < 2 || n > 3 || p[0] < 'A' || p[0] > 'Z')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
			return false;
	return true;
}

static claims_x12_type
type_of(const char *version, size_t n)
{
	char v[64];

	if (n >= sizeof(v))
		n = sizeof(v) - 1;
	memcpy(v, version, n);
	v[n] = '\0';
	if (strstr(v, "X222") || strstr(v, "X098"))
		return CLAIMS_X12_TYPE_837P;
	if (strstr(v, "X223") || strstr(v, "X096"))
		return CLAIMS_X12_TYPE_837I;
	return CLAIMS_X12_TYPE_837_PENDING;
}

/* One segment's bytes (terminator excluded, whitespace trimmed). */
static void
feed_segment(struct feeder *f, const char *p, size_t n)
{
	claims_x12_segment seg;
	size_t count = 0;
	const char *s = p, *end = p + n;
	bool skipped;

	memset(&seg, 0, sizeof(seg));
	while (count < 300) {
		const char *q = memchr(s, f->d.element, (size_t)(end - s));

		f->el[count].ptr = s;
		f->el[count].len = q ? (size_t)(q - s) : (size_t)(end - s);
		count++;
		if (!q)
			break;
		s = q + 1;
	}
	f->seg_index++;
	seg.elements = f->el;
	seg.count = count;
	seg.raw.ptr = p;
	seg.raw.len = n;
	seg.delimiters = f->d;
	seg.loc.interchange = f->interchange;
	seg.loc.transaction = f->in_set ? f->txn.ordinal : 0;
	seg.loc.segment_index = f->seg_index;
	seg.loc.byte_offset = f->offset;
	skipped = !valid_id(f->el[0].ptr, f->el[0].len);
	if (!skipped)
		memcpy(seg.id, f->el[0].ptr, f->el[0].len);

	/* the reader's patient flag: NM1*IL/QC/74, DMG, PAT and the
	 * N2/N3/N4/REF/PER after them */
	if (!skipped) {
		bool nm1p = strcmp(seg.id, "NM1") == 0 && count > 1 &&
			    (slice_is(f->el[1], "IL") || slice_is(f->el[1], "QC") ||
			     slice_is(f->el[1], "74"));

		if (nm1p || strcmp(seg.id, "DMG") == 0 || strcmp(seg.id, "PAT") == 0)
			f->patient_ctx = true;
		else if (strcmp(seg.id, "N2") && strcmp(seg.id, "N3") && strcmp(seg.id, "N4") &&
			 strcmp(seg.id, "REF") && strcmp(seg.id, "PER"))
			f->patient_ctx = false;
		seg.patient = f->patient_ctx;
	}
	seg.skipped = skipped;
	if (f->before && f->in_set)
		f->before(f, &seg, skipped);
	if (skipped)
		return;
	if (f->sink) {
		f->sink(f, &seg);
		return;
	}

	if (strcmp(seg.id, "ISA") == 0) {
		f->interchange++;
	} else if (strcmp(seg.id, "GS") == 0) {
		claims_x12_slice v = count > 8 ? f->el[8] : (claims_x12_slice){ "", 0 };
		size_t k = v.len < 63 ? v.len : 63;

		memcpy(f->gs08, v.ptr, k);
		f->gs08[k] = '\0';
	} else if (strcmp(seg.id, "ST") == 0) {
		claims_x12_slice st01 = count > 1 ? f->el[1] : (claims_x12_slice){ "", 0 };
		claims_x12_slice st03 = count > 3 ? f->el[3] : (claims_x12_slice){ "", 0 };

		memset(&f->txn, 0, sizeof(f->txn));
		f->txn.ordinal = ++f->txn_count;
		seg.loc.transaction = f->txn.ordinal;
		if (!slice_is(st01, "837")) {
			f->in_set = false;
			return;
		}
		f->txn.type = st03.len ? type_of(st03.ptr, st03.len) : type_of(f->gs08, strlen(f->gs08));
		f->in_set = true;
		send(f, CLAIMS_X12_EVENT_TRANSACTION_START, &seg, false);
	} else if (strcmp(seg.id, "SE") == 0) {
		if (f->in_set)
			send(f, CLAIMS_X12_EVENT_TRANSACTION_END, &seg, true);
		f->in_set = false;
	} else if (f->in_set && strcmp(seg.id, "GE") && strcmp(seg.id, "IEA")) {
		send(f, CLAIMS_X12_EVENT_SEGMENT, &seg, false);
	}
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool
is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Split X12 text and feed it.  At an "ISA" the delimiters are read from
 * it (element after ISA, component after the 16th element separator,
 * terminator after that). */
static void
feed_text(struct feeder *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *q;

		while (p < end && is_ws(*p))
			p++;
		if (p >= end)
			break;
		if (end - p > 4 && memcmp(p, "ISA", 3) == 0 && !is_alnum(p[3]) && !is_ws(p[3])) {
			char E = p[3];
			int seen = 0;

			for (q = p + 3; q < end && seen < 16; q++)
				if (*q == E)
					seen++;
			assert_true(seen == 16 && q + 1 < end);
			f->d.element = E;
			f->d.component = q[0];
			f->d.segment = q[1];
			f->d.has_repetition = false;
			{
				/* ISA11 when ISA12 >= 00501 */
				const char *e11 = p + 3;
				int k = 0;

				while (k < 10)
					if (*e11++ == E)
						k++;
				/* e11 now at ISA11 */
				if (e11[1] == E && !is_alnum(e11[0]) && e11[0] != ' ' &&
				    memcmp(e11 + 2, "00501", 5) >= 0 && e11[0] != q[0] && e11[0] != q[1]) {
					f->d.repetition = (unsigned char)e11[0];
					f->d.has_repetition = true;
				}
			}
			f->offset = p - text;
			feed_segment(f, p, (size_t)(q + 1 - p));
			p = q + 2;
			continue;
		}
		q = memchr(p, f->d.segment, (size_t)(end - p));
		if (!q)
			q = end;
		{
			const char *e = q;

			while (e > p && is_ws(e[-1]))
				e--;
			f->offset = p - text;
			if (e > p)
				feed_segment(f, p, (size_t)(e - p));
		}
		p = q < end ? q + 1 : end;
	}
}

/* Run a snippet (with ST..SE) through a fresh mapper. */
static void
run(struct result *r, const char *text)
{
	struct feeder f;

	feeder_init(&f, r, CLAIMS_X12_TOLERANT);
	feed_text(&f, text, strlen(text));
	assert_int_equal(f.rc, CLAIMS_OK);
	feeder_free(&f);
}

static char *
sha_hex(const char *s)
{
	static char out[65];

	claims__sha256_hex(out, s, strlen(s));
	return out;
}

/* ------------------------------------------------------------ snippets */

#define ST_P "ST*837*0001*005010X222A1~"
#define ST_I "ST*837*0001*005010X223A2~"
#define HDR                                       \
	"BHT*0019*00*1*20240105*1200*CH~"         \
	"NM1*41*2*SUBMITTER*****46*X~"            \
	"PER*IC*A*TE*5555555555~"                 \
	"NM1*40*2*RECEIVER*****46*Y~"             \
	"HL*1**20*1~"                             \
	"PRV*BI*PXC*207Q00000X~"                  \
	"NM1*85*2*ACME CLINIC*****XX*1234567893~" \
	"N3*1 MAIN ST~"                           \
	"N4*CITY*ST*12345~"                       \
	"REF*EI*123456789~"                       \
	"NM1*87*2~"                               \
	"N3*PO BOX 1~"
#define SUB                                   \
	"HL*2*1*22*0~"                        \
	"SBR*P*18*GRP1******CI~"              \
	"NM1*IL*1*DOE*JANE****MI*M123~"       \
	"N3*2 ELM~"                           \
	"DMG*D8*19800101*F~"                  \
	"NM1*PR*2*ACME INS*****PI*PAYER1~"    \
	"N3*PO BOX 9~"
#define SE "SE*99*0001~"
#define SUB_RAW                                \
	"SBR*P*18*GRP1******CI~"               \
	"NM1*IL*1*DOE*JANE****MI*M123~"        \
	"DMG*D8*19800101*F~"                   \
	"NM1*PR*2*ACME INS*****PI*PAYER1~"

/* ------------------------------------------------------------ 837P basics */

/* The claim of test_basic_837p: its input and, verbatim, its own part of raw_edi. */
#define BASIC_CLAIM \
	"CLM* pcn 1 *150***11:B:1*Y*A*Y*Y**AA:EM:ST*********1~" \
	"DTP*431*D8*20231201~" \
	"DTP*484*D8*20231101~" \
	"DTP*435*D8*20231220~" \
	"DTP*096*D8*20231222~" \
	"DTP*454*D8*20231220~" \
	"REF*G1*AUTH1~" \
	"REF*9F*REF9~" \
	"REF*EA*MRN1~" \
	"REF*D9*CLEARING~" \
	"HI*ABK:E11.9*ABF:i10~" \
	"NM1*DN*1*REFER*DOC****XX*1234567893~" \
	"NM1*82*1*REND*DOC****XX*1234567893~" \
	"PRV*PE*PXC*207Q00000X~" \
	"NM1*77*2*FACILITY*****XX*1234567893~" \
	"LX*1~" \
	"SV1*HC:99213:25:59*100*UN*2*11**1:2~" \
	"DTP*472*D8*20231226~" \
	"REF*6R*LINE1~" \
	"NM1*82*1*LINEREND*X****XX*1234567893~" \
	"LX*2~" \
	"SV1*HC:G0008*50*MJ*1.5***2~" \
	"DTP*472*RD8*20231227-20231228~"


static void
test_basic_837p(void **state)
{
	struct result r;
	const char *c;
	const char *raw;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		BASIC_CLAIM
		SE);
	assert_int_equal(r.n_claims, 1);
	c = r.claims[0];
	EXPECT(c, "type=837P");
	EXPECT(c, "submitted_date=2024-01-05");
	EXPECT(c, "provider.npi=1234567893");
	EXPECT(c, "provider.npi_valid=1");
	EXPECT(c, "provider.tax_id=123456789");
	EXPECT(c, "provider.name=ACME CLINIC");
	EXPECT(c, "provider.entity_type=2");
	EXPECT(c, "provider.taxonomy_code=207Q00000X");
	EXPECT(c, "billing_provider_npi=1234567893");
	EXPECT(c, "billing_tax_id=123456789");
	EXPECT(c, "provider_key=1234567893");
	EXPECT(c, "payer.payer_id=PAYER1");
	EXPECT(c, "payer.name=ACME INS");
	EXPECT(c, "payer_key=PAYER1");
	EXPECT(c, "claim_control_number=pcn 1");
	EXPECT(c, "pcn_key=PCN1");
	EXPECT(c, "payer_responsibility=P");
	EXPECT(c, "relationship_code=18");
	EXPECT(c, "claim_filing_indicator=CI");
	EXPECT(c, "subscriber_member_id=M123");
	EXPECT(c, "patient_last_name=DOE");
	EXPECT(c, "patient_first_name=JANE");
	EXPECT(c, "patient_dob=1980-01-01");
	EXPECT(c, "patient_gender=F");
	EXPECT(c, "patient_key=DOE|JANE");
	EXPECT(c, "total_charge=150.00");
	EXPECT(c, "facility_type_code=11");
	EXPECT(c, "facility_code_qualifier=B");
	EXPECT(c, "claim_frequency_type=1");
	EXPECT(c, "provider_signature=Y");
	EXPECT(c, "assignment_code=A");
	EXPECT(c, "benefits_assignment=Y");
	EXPECT(c, "release_of_info=Y");
	EXPECT(c, "related_causes=AA,EM,ST");
	EXPECT(c, "delay_reason_code=1");
	EXPECT(c, "prior_authorization=AUTH1");
	EXPECT(c, "referral_number=REF9");
	EXPECT(c, "medical_record_number=MRN1");
	EXPECT(c, "original_reference_number=(null)");
	EXPECT(c, "onset_date=2023-12-01");
	EXPECT(c, "last_menstrual_date=2023-11-01");
	EXPECT(c, "admission_date=2023-12-20");
	EXPECT(c, "admission_hour=(null)");
	EXPECT(c, "discharge_date=2023-12-22");
	EXPECT(c, "statement_date=(null)");
	/* no claim-level 472: earliest and latest line dates */
	EXPECT(c, "service_date=2023-12-26");
	EXPECT(c, "service_date_to=2023-12-28");
	EXPECT(c, "principal_diagnosis=E119");
	EXPECT(c, "n_diagnoses=2");
	EXPECT(c, "dx1=1|1|ABK|E119|ICD10CM|principal|1");
	EXPECT(c, "dx2=2|2|ABF|I10|ICD10CM|other|1");
	EXPECT(c, "referring_provider_npi=1234567893");
	EXPECT(c, "rendering_provider_npi=1234567893");
	EXPECT(c, "service_facility_npi=1234567893");
	EXPECT(c, "attending_provider_npi=(null)");
	EXPECT(c, "n_lines=2");
	EXPECT(c, "line1.line_number=1");
	EXPECT(c, "line1.lx_number=1");
	EXPECT(c, "line1.procedure_qualifier=HC");
	EXPECT(c, "line1.procedure_code=99213");
	EXPECT(c, "line1.procedure_code_valid=1");
	EXPECT(c, "line1.modifiers=25,59");
	EXPECT(c, "line1.charge=100.00");
	EXPECT(c, "line1.unit_type=UN");
	EXPECT(c, "line1.unit_count=2");
	EXPECT(c, "line1.place_of_service=11");
	EXPECT(c, "line1.pointers=1,2");
	EXPECT(c, "line1.service_date=2023-12-26");
	EXPECT(c, "line1.service_date_to=(null)");
	EXPECT(c, "line1.line_item_control_number=LINE1");
	EXPECT(c, "line1.rendering_provider_npi=1234567893");
	EXPECT(c, "line1.revenue_code=(null)");
	EXPECT(c, "line2.lx_number=2");
	EXPECT(c, "line2.procedure_code=G0008");
	EXPECT(c, "line2.procedure_code_valid=1");
	EXPECT(c, "line2.modifiers=");
	EXPECT(c, "line2.unit_type=MJ");
	EXPECT(c, "line2.unit_count=1.5");
	EXPECT(c, "line2.place_of_service=(null)");
	EXPECT(c, "line2.pointers=2");
	EXPECT(c, "line2.service_date=2023-12-27");
	EXPECT(c, "line2.service_date_to=2023-12-28");
	EXPECT(c, "line2.rendering_provider_npi=(null)");
	EXPECT(c, "n_other_payers=0");
	/* the only issues: the two normalised codes (info) */
	EXPECT(c, "n_issues=2");
	EXPECT(c, "issue1=DIAGNOSIS_DECIMAL|HI01-2|HI|31|info|{}");
	EXPECT(c, "issue2=DIAGNOSIS_DECIMAL|HI02-2|HI|31|info|{}");
	EXPECT(c, "is_incomplete=0");
	EXPECT(c, "first_segment_index=21");
	EXPECT(c, "transaction=1");

	/* content: the 2000B context segments, then the claim's own */
	raw = SUB_RAW
		BASIC_CLAIM;
	{
		char line[4096];

		snprintf(line, sizeof(line), "raw_edi=%s", raw);
		EXPECT(c, line);
		snprintf(line, sizeof(line), "content_sha256=%s", sha_hex(raw));
		EXPECT(c, line);
	}
	assert_int_equal(r.totals.claims_parsed, 1);
	assert_int_equal(r.totals.claims_skipped, 0);
	assert_int_equal(r.totals.claim_lines, 2);
	assert_int_equal(r.totals.diagnoses, 2);
	assert_int_equal(r.totals.total_charge_cents, 15000);
	assert_int_equal(r.totals.line_charge_total_cents, 15000);
	/* the mapper's issues are the claim's here */
	assert_int_equal(r.n_issues, 2);
	result_free(&r);
}

/* 2000C patient; several CLM under one subscriber are several claims;
 * HL 23 / HL 22 replace the contexts. */
static void
test_patient_and_several_claims(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR
		"HL*2*1*22*1~"
		"SBR*P**GRP******CI~"
		"NM1*IL*1*SMITH*JANE****MI*JS001~"
		"DMG*D8*19430501*F~"
		"NM1*PR*2*KEY INS*****PI*999996666~"
		"HL*3*2*23*0~"
		"PAT*19~"
		"NM1*QC*1*SMITH*TED~"
		"N3*236 MAIN~"
		"DMG*D8*19730501*M~"
		"CLM*A1*40***11:B:1~"
		"HI*BK:0340~"
		"LX*1~SV1*HC:99213*40*UN*1***1~"
		"CLM*A2*15***11:B:1~"
		"HI*BK:V7389~"
		"LX*1~SV1*HC:87070*15*UN*1***1~"
		"HL*4*2*23*0~"
		"PAT*01~"
		"NM1*QC*1*O'BRIEN-SMITH*ANNE MARIE~"
		"CLM*A3*10***11:B:1~"
		"HI*BK:0340~"
		"HL*5*1*22*0~"
		"SBR*S*18*******MC~"
		"NM1*IL*1*ROE*RICHARD****MI*R9~"
		"DMG*D8*19500202*M~"
		"CLM*A4*5***11:B:1~"
		"HI*BK:0340~"
		"HL*6*1*22*0~"
		"SBR*P*01*******CI~"
		"NM1*IL*1*POE*PAT****MI*P1~"
		"NM1*PR*2*P INS*****PI*PI1~"
		"CLM*A5*5***11:B:1~"
		"HI*BK:0340~"
		SE);
	assert_int_equal(r.n_claims, 5);
	/* 1: patient from 2000C, subscriber's member id */
	EXPECT(r.claims[0], "claim_control_number=A1");
	EXPECT(r.claims[0], "patient_last_name=SMITH");
	EXPECT(r.claims[0], "patient_first_name=TED");
	EXPECT(r.claims[0], "patient_dob=1973-05-01");
	EXPECT(r.claims[0], "patient_gender=M");
	EXPECT(r.claims[0], "patient_key=SMITH|TED");
	EXPECT(r.claims[0], "subscriber_member_id=JS001");
	EXPECT(r.claims[0], "relationship_code=(null)");
	EXPECT(r.claims[0], "payer.payer_id=999996666");
	EXPECT(r.claims[0], "n_lines=1");
	EXPECT(r.claims[0], "n_diagnoses=1");
	EXPECT(r.claims[0], "principal_diagnosis=0340");
	EXPECT(r.claims[0], "dx1=1|1|BK|0340|ICD9CM|principal|1");
	EXPECT(r.claims[0], "raw_edi=SBR*P**GRP******CI~NM1*IL*1*SMITH*JANE****MI*JS001~"
			    "DMG*D8*19430501*F~NM1*PR*2*KEY INS*****PI*999996666~PAT*19~"
			    "NM1*QC*1*SMITH*TED~DMG*D8*19730501*M~CLM*A1*40***11:B:1~"
			    "HI*BK:0340~LX*1~SV1*HC:99213*40*UN*1***1~");
	/* 2: same contexts, its own lines and diagnoses */
	EXPECT(r.claims[1], "claim_control_number=A2");
	EXPECT(r.claims[1], "patient_first_name=TED");
	EXPECT(r.claims[1], "n_lines=1");
	EXPECT(r.claims[1], "line1.procedure_code=87070");
	EXPECT(r.claims[1], "n_diagnoses=1");
	EXPECT(r.claims[1], "principal_diagnosis=V7389");
	/* 3: another patient of the same subscriber; names normalised */
	EXPECT(r.claims[2], "patient_last_name=O'BRIEN-SMITH");
	EXPECT(r.claims[2], "patient_dob=(null)");
	EXPECT(r.claims[2], "patient_key=OBRIENSMITH|ANNEMARIE");
	EXPECT(r.claims[2], "payer.payer_id=999996666");
	EXPECT(r.claims[2], "subscriber_member_id=JS001");
	/* 4: new subscriber, patient = subscriber (SBR02 18); no payer */
	EXPECT(r.claims[3], "patient_last_name=ROE");
	EXPECT(r.claims[3], "patient_first_name=RICHARD");
	EXPECT(r.claims[3], "patient_dob=1950-02-02");
	EXPECT(r.claims[3], "relationship_code=18");
	EXPECT(r.claims[3], "payer_responsibility=S");
	EXPECT(r.claims[3], "claim_filing_indicator=MC");
	EXPECT(r.claims[3], "payer.payer_id=(null)");
	EXPECT(r.claims[3], "payer_key=");
	EXPECT(r.claims[3], "issue1=MISSING_PAYER|-|CLM|41|warning|{}");
	/* 5: SBR02 01 and no 2000C: no patient */
	EXPECT(r.claims[4], "patient_last_name=(null)");
	EXPECT(r.claims[4], "patient_key=(null)");
	EXPECT(r.claims[4], "subscriber_member_id=P1");
	EXPECT(r.claims[4], "payer_key=PI1");
	assert_int_equal(r.totals.claims_parsed, 5);
	assert_int_equal(r.totals.claim_lines, 2);
	assert_int_equal(r.totals.diagnoses, 5);
	assert_int_equal(r.totals.total_charge_cents, 7500);
	assert_int_equal(r.totals.line_charge_total_cents, 5500);
	assert_int_equal(count_code(result_issues(&r), "MISSING_PAYER"), 1);
	assert_int_equal(count_code(result_issues(&r), "BAL_837_CLAIM"), 0);
	result_free(&r);
}

/* SBR inside a claim: 2320/2330 loops go to other_payers, never to the
 * claim's payer, subscriber, patient or references. */
static void
test_other_payers(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*COB1*79.04***11:B:7*Y*A*Y*I~"
		"REF*F8*ORIG1~"
		"HI*BK:4779~"
		"NM1*82*1*KILDARE*BEN****XX*1234567893~"
		"SBR*S*01*******CI~"
		"CAS*PR*1*21.89~"
		"AMT*D*39.15~"
		"AMT*EAF*36.89~"
		"DMG*D8*19270101*M~"
		"OI***Y*P**Y~"
		"NM1*IL*1*SMITH*JANE****MI*OTHERMEMBER~"
		"NM1*PR*2*KEY INSURANCE COMPANY*****PI*999996666~"
		"DTP*573*D8*20051015~"
		"REF*F8*OTHERICN~"
		"REF*G1*OTHERAUTH~"
		"NM1*82*1*OTHER*PROV~"
		"SBR*T*18**PAYER A*****11~"
		"AMT*D*bad~"
		"NM1*PR*2*PAYER A*****XV*552312313~"
		"LX*1~"
		"SV1*HC:99213*79.04*UN*1***1~"
		"DTP*472*D8*20051003~"
		"SVD*999996666*40*HC:99213**1~"
		"CAS*CO*42*3~"
		"DTP*573*D8*20051015~"
		SE);
	assert_int_equal(r.n_claims, 1);
	c = r.claims[0];
	EXPECT(c, "payer.payer_id=PAYER1");
	EXPECT(c, "payer.name=ACME INS");
	EXPECT(c, "subscriber_member_id=M123");
	EXPECT(c, "patient_dob=1980-01-01");
	EXPECT(c, "patient_first_name=JANE");
	EXPECT(c, "payer_responsibility=P");
	EXPECT(c, "original_reference_number=ORIG1");
	EXPECT(c, "prior_authorization=(null)");
	EXPECT(c, "rendering_provider_npi=1234567893");
	EXPECT(c, "claim_frequency_type=7");
	EXPECT(c, "n_other_payers=2");
	EXPECT(c, "op1.responsibility=S");
	EXPECT(c, "op1.payer_id=999996666");
	EXPECT(c, "op1.payer_name=KEY INSURANCE COMPANY");
	EXPECT(c, "op1.paid=39.15");
	EXPECT(c, "op2.responsibility=T");
	EXPECT(c, "op2.payer_id=552312313");
	EXPECT(c, "op2.payer_name=PAYER A");
	EXPECT(c, "op2.paid=(null)");
	/* the 2400 line after the 2320 loops; its 2430 DTP*573 ignored */
	EXPECT(c, "n_lines=1");
	EXPECT(c, "line1.lx_number=1");
	EXPECT(c, "line1.service_date=2005-10-03");
	EXPECT(c, "service_date=2005-10-03");
	assert_int_equal(count_code(c, "INVALID_AMOUNT"), 1);
	EXPECT(c, "is_incomplete=1");
	assert_int_equal(count_code(c, "MISSING_ORIGINAL_REFERENCE"), 0);
	assert_int_equal(count_code(c, "BAL_837_CLAIM"), 0);
	assert_int_equal(count_code(c, "MISSING_LX"), 0);
	result_free(&r);
}

/* LX / SV1 / SV2: MISSING_LX, MULTIPLE_SV_PER_LX, line numbering. */
static void
test_lx_rules(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*LX1*60***11:B:1~"
		"HI*BK:4779~"
		"SV1*HC:99211*10*UN*1***1~"
		"DTP*472*D8*20240101~"
		"LX*7~"
		"SV1*HC:99212*20*UN*1***1~"
		"SV1*HC:99213*30*UN*1***1~"
		"DTP*472*D8*20240103~"
		SE);
	c = r.claims[0];
	EXPECT(c, "n_lines=3");
	EXPECT(c, "line1.line_number=1");
	EXPECT(c, "line1.lx_number=0");
	EXPECT(c, "line1.service_date=2024-01-01");
	EXPECT(c, "line2.line_number=2");
	EXPECT(c, "line2.lx_number=7");
	EXPECT(c, "line2.service_date=(null)");
	EXPECT(c, "line3.line_number=3");
	EXPECT(c, "line3.lx_number=7");
	EXPECT(c, "line3.service_date=2024-01-03");
	EXPECT(c, "issue1=MISSING_LX|-|SV1|23|warning|{}");
	EXPECT(c, "issue2=MULTIPLE_SV_PER_LX|-|SV1|27|warning|{}");
	EXPECT(c, "n_issues=2");
	EXPECT(c, "is_incomplete=0");
	EXPECT(c, "service_date=2024-01-01");
	EXPECT(c, "service_date_to=2024-01-03");
	assert_int_equal(r.totals.claim_lines, 3);
	assert_int_equal(r.totals.line_charge_total_cents, 6000);
	result_free(&r);
}

/* HI: all twelve elements of every HI, the qualifier table, numbering,
 * normalisation and validation. */
static void
test_hi(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_I HDR SUB
		"CLM*HI1*100***11:A:1~"
		"HI*ABJ:R10.9*APR:R109*ABK:S61.212a:::::::Y*ABF:M1A0710*ABN:V0001XA*ABF:123"
		"*BF:4019*ABF:U071*ABF:E11.9*ABF:*XY:ABC*ABF:Z000~"
		"HI*BBR:0DTJ4ZZ:D8:20240102*BBQ:0DTJ4ZI*BR:4411:D8:20249999*BQ:44~"
		"HI*BH:A1:D8:19261111*BI:71:RD8:20240101-20240102*BE:A2:::15.31*BE:80:::1,00"
		"*BG:09*DR:470*TC:ABC*BK:25000~"
		"HI*ABK:E119~"
		"LX*1~SV2*0300*HC:81099*100*UN*1~"
		SE);
	c = r.claims[0];
	/* ABJ is not principal; the first ABK is */
	EXPECT(c, "principal_diagnosis=S61212A");
	EXPECT(c, "dx1=1|1|ABJ|R109|ICD10CM|admitting|1");
	EXPECT(c, "dx2=2|2|APR|R109|ICD10CM|reason_for_visit|1");
	EXPECT(c, "dx3=3|3|ABK|S61212A|ICD10CM|principal|1");
	EXPECT(c, "dx3.poa=Y");
	EXPECT(c, "dx4=4|4|ABF|M1A0710|ICD10CM|other|1");
	EXPECT(c, "dx5=5|5|ABN|V0001XA|ICD10CM|external_cause|1");
	EXPECT(c, "dx6=6|6|ABF|123|ICD10CM|other|0");
	EXPECT(c, "dx7=7|7|BF|4019|ICD9CM|other|1");
	EXPECT(c, "dx8=8|8|ABF|U071|ICD10CM|other|1");
	EXPECT(c, "dx9=9|9|ABF|E119|ICD10CM|other|1");
	/* HI10 ABF without code: MISSING_ELEMENT, no entry */
	EXPECT(c, "dx10=10|0|XY|ABC|OTHER|unknown|0");
	EXPECT(c, "dx11=11|10|ABF|Z000|ICD10CM|other|1");
	EXPECT(c, "dx12=12|0|BBR|0DTJ4ZZ|ICD10PCS|principal_procedure|1");
	EXPECT(c, "dx12.code_date=2024-01-02");
	EXPECT(c, "dx13=13|0|BBQ|0DTJ4ZI|ICD10PCS|other_procedure|0");
	EXPECT(c, "dx14=14|0|BR|4411|ICD9PCS|principal_procedure|1");
	EXPECT(c, "dx14.code_date=(null)");
	EXPECT(c, "dx15=15|0|BQ|44|ICD9PCS|other_procedure|1");
	EXPECT(c, "dx16=16|0|BH|A1|NUBC|occurrence|1");
	EXPECT(c, "dx16.code_date=1926-11-11");
	EXPECT(c, "dx17=17|0|BI|71|NUBC|occurrence_span|1");
	EXPECT(c, "dx17.code_date=(null)");
	EXPECT(c, "dx18=18|0|BE|A2|NUBC|value|1");
	EXPECT(c, "dx18.amount=15.31");
	EXPECT(c, "dx19=19|0|BE|80|NUBC|value|1");
	EXPECT(c, "dx19.amount=(null)");
	EXPECT(c, "dx20=20|0|BG|09|NUBC|condition|1");
	EXPECT(c, "dx21=21|0|DR|470|DRG|drg|1");
	EXPECT(c, "dx22=22|0|TC|ABC|NUBC|treatment|1");
	/* numbering goes on across HI segments */
	EXPECT(c, "dx23=23|11|BK|25000|ICD9CM|principal|1");
	EXPECT(c, "dx24=24|12|ABK|E119|ICD10CM|principal|1");
	EXPECT(c, "n_diagnoses=24");
	assert_int_equal(r.totals.diagnoses, 24);
	/* issues, in order */
	assert_int_equal(count_code(c, "DIAGNOSIS_DECIMAL"), 3); /* R10.9, S61.212a, E11.9 */
	assert_int_equal(count_code(c, "INVALID_DIAGNOSIS"), 2); /* 123, 0DTJ4ZI */
	assert_int_equal(count_code(c, "MISSING_ELEMENT"), 1);
	assert_int_equal(count_code(c, "INVALID_CODE"), 1);
	assert_int_equal(count_code(c, "INVALID_DATE"), 1);
	assert_int_equal(count_code(c, "INVALID_AMOUNT"), 1);
	assert_int_equal(count_code(c, "MISSING_DIAGNOSIS"), 0);
	EXPECT(c, "issue1=DIAGNOSIS_DECIMAL|HI01-2|HI|22|info|{}");
	EXPECT(c, "issue2=DIAGNOSIS_DECIMAL|HI03-2|HI|22|info|{}");
	EXPECT(c, "issue3=INVALID_DIAGNOSIS|HI06-2|HI|22|warning|{}");
	EXPECT(c, "issue4=DIAGNOSIS_DECIMAL|HI09-2|HI|22|info|{}");
	EXPECT(c, "issue5=MISSING_ELEMENT|HI10-2|HI|22|error|{}");
	EXPECT(c, "issue6=INVALID_CODE|HI11-1|HI|22|warning|{}");
	EXPECT(c, "issue7=INVALID_DIAGNOSIS|HI02-2|HI|23|warning|{}");
	EXPECT(c, "issue8=INVALID_DATE|HI03-4|HI|23|warning|{}");
	EXPECT(c, "issue9=INVALID_AMOUNT|HI04-5|HI|24|error|{}");
	EXPECT(c, "is_incomplete=1");
	EXPECT(c, "issue1.message=HI01-2 \"R10.9\" was stored as \"R109\"");
	EXPECT(c, "issue3.message=HI06-2 \"123\" is not a valid ICD10CM code");
	result_free(&r);
}

/* SV107 pointers: past the diagnoses, or not a pointer at all. */
static void
test_diagnosis_pointers(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*P1*30***11:B:1~"
		"HI*ABK:E119*ABF:I10*BH:A1:D8:20240101~"
		"LX*1~SV1*HC:99213*10*UN*1***1:2:3~"
		"LX*2~SV1*HC:99213*10*UN*1***X:0:13:2~"
		"LX*3~SV1*HC:99213*10*UN*1~"
		SE);
	c = r.claims[0];
	EXPECT(c, "line1.pointers=1,2,3");
	EXPECT(c, "line2.pointers=2");
	EXPECT(c, "line3.pointers=");
	/* three invalid pointers at the SV1, then pointer 3 > 2 at the end */
	EXPECT(c, "issue1=BAD_DIAGNOSIS_POINTER|SV107-1|SV1|26|warning|{}");
	EXPECT(c, "issue2=BAD_DIAGNOSIS_POINTER|SV107-2|SV1|26|warning|{}");
	EXPECT(c, "issue3=BAD_DIAGNOSIS_POINTER|SV107-3|SV1|26|warning|{}");
	EXPECT(c, "issue4=BAD_DIAGNOSIS_POINTER|SV107-3|SV1|24|warning|{}");
	EXPECT(c, "n_issues=4");
	EXPECT(c, "issue4.message=line 1 points to diagnosis 3 but the claim has 2");
	result_free(&r);
}

/* engine.md §5 example 4: no HI, frequency 7 without REF*F8, an invalid
 * billing NPI: the claim carries MISSING_DIAGNOSIS, BAD_DIAGNOSIS_POINTER
 * and MISSING_ORIGINAL_REFERENCE; the NPI issue sits in 2010AA, outside. */
static void
test_engine_example_4(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_P
		"BHT*0019*00*1*20240105*1200*CH~"
		"HL*1**20*1~"
		"NM1*85*2*ACME CLINIC*****XX*1234567890~"
		SUB
		"CLM*EX4*150***11:B:7*Y*A*Y*Y~"
		"LX*1~SV1*HC:99213*150*UN*1***1~DTP*472*D8*20231226~"
		SE);
	c = r.claims[0];
	EXPECT(c, "provider.npi=1234567890");
	EXPECT(c, "provider.npi_valid=0");
	EXPECT(c, "provider_key=1234567890");
	EXPECT(c, "principal_diagnosis=(null)");
	EXPECT(c, "n_issues=3");
	EXPECT(c, "issue1=MISSING_DIAGNOSIS|-|CLM|12|warning|{}");
	EXPECT(c, "issue2=BAD_DIAGNOSIS_POINTER|SV107-1|SV1|14|warning|{}");
	EXPECT(c, "issue3=MISSING_ORIGINAL_REFERENCE|CLM05-3|CLM|12|warning|{}");
	EXPECT(c, "is_incomplete=0");
	assert_int_equal(count_code(result_issues(&r), "INVALID_NPI"), 1);
	assert_int_equal(r.n_issues, 4);
	{
		/* the INVALID_NPI record: location and message */
		const char *all = result_issues(&r);

		assert_non_null(strstr(all, "INVALID_NPI|NM109|NM1|4|warning|NPI \"1234567890\" of "
					    "NM1*85 fails the NPI check digit|{}"));
	}
	result_free(&r);
}

/* BAL_837_CLAIM (x12.md §8). */
static void
test_balance(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*B1*999.6***11:B:1~HI*BK:29590~"
		"LX*1~SV1*HC:H2015*14.84*UN*6***1~"
		"CLM*B2*10***11:B:1~HI*BK:29590~"              /* no lines: no check */
		"CLM*B3*10***11:B:1~HI*BK:29590~"
		"LX*1~SV1*HC:H2015*4*UN*1***1~"
		"LX*2~SV1*HC:H2015*6*UN*1***1~"                /* balanced */
		"CLM*B4*10***11:B:1~HI*BK:29590~"
		"LX*1~SV1*HC:H2015**UN*1***1~"                 /* NULL counts 0 */
		"CLM*B5**UN**11:B:1~HI*BK:29590~"
		"LX*1~SV1*HC:H2015*5*UN*1***1~"                /* NULL stated: skipped */
		"CLM*B6*1***11:B:1~HI*BK:29590~"
		"LX*1~SV1*HC:H2015*1.5*UN*1***1~"              /* negative difference */
		SE);
	assert_int_equal(r.n_claims, 6);
	EXPECT(r.claims[0], "issue1=BAL_837_CLAIM|CLM02|CLM|21|warning|"
			    "{\"expected\": 14.84, \"actual\": 999.60, \"difference\": 984.76}");
	EXPECT(r.claims[0], "issue1.message=CLM02 999.60 does not equal the sum of the line "
			    "charges 14.84 (difference 984.76)");
	EXPECT(r.claims[1], "n_issues=0");
	EXPECT(r.claims[2], "n_issues=0");
	EXPECT(r.claims[3], "line1.charge=(null)");
	assert_int_equal(count_code(r.claims[3], "MISSING_ELEMENT"), 1);
	EXPECT(r.claims[3], "issue2=BAL_837_CLAIM|CLM02|CLM|33|warning|"
			    "{\"expected\": 0.00, \"actual\": 10.00, \"difference\": 10.00}");
	EXPECT(r.claims[3], "is_incomplete=1");
	EXPECT(r.claims[4], "total_charge=(null)");
	EXPECT(r.claims[4], "issue1=MISSING_ELEMENT|CLM02|CLM|37|error|{}");
	assert_int_equal(count_code(r.claims[4], "BAL_837_CLAIM"), 0);
	EXPECT(r.claims[5], "issue1=BAL_837_CLAIM|CLM02|CLM|41|warning|"
			    "{\"expected\": 1.50, \"actual\": 1.00, \"difference\": -0.50}");
	assert_int_equal(count_code(result_issues(&r), "BAL_837_CLAIM"), 3);
	assert_int_equal(r.totals.total_charge_cents, 99960 + 1000 + 1000 + 1000 + 100);
	assert_int_equal(r.totals.line_charge_total_cents, 1484 + 400 + 600 + 500 + 150);
	assert_int_equal(r.totals.claim_lines, 6);
	result_free(&r);
}

/* CLM elements: CLM01 empty (skipped), CLM02/CLM05 missing or invalid,
 * CLM05-3 not a digit, rounding. */
static void
test_clm_elements(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*  *100***11:B:1~HI*BK:4019~LX*1~SV1*HC:99213*100*UN*1***1~"
		"CLM*C2*12.345***11::8~HI*BK:4019~REF*F8*ICN1~"
		"CLM*C3*12,00****Y~HI*BK:4019~"
		"CLM*C4*1.005***11:B:X~HI*BK:4019~"
		"CLM*C5*7.999***95::******AA:::NY~HI*BK:4019~"
		SE);
	/* C1 skipped: counted, not emitted; its amounts are counted */
	assert_int_equal(r.n_claims, 4);
	assert_int_equal(r.totals.claims_parsed, 5);
	assert_int_equal(r.totals.claims_skipped, 1);
	assert_int_equal(r.totals.claim_lines, 1);
	assert_int_equal(r.totals.total_charge_cents, 10000 + 1235 + 101 + 800);
	assert_true(strstr(result_issues(&r), "MISSING_ELEMENT|CLM01|CLM|21|error|CLM01 (patient "
					      "control number) is empty; claim skipped|{}") != NULL);
	EXPECT(r.claims[0], "claim_control_number=C2");
	EXPECT(r.claims[0], "total_charge=12.35");
	EXPECT(r.claims[0], "issue1=AMOUNT_PRECISION|CLM02|CLM|25|info|{}");
	EXPECT(r.claims[0], "issue1.message=CLM02 \"12.345\" has more than two decimals and was "
			    "rounded to 12.35");
	EXPECT(r.claims[0], "facility_type_code=11");
	EXPECT(r.claims[0], "facility_code_qualifier=(null)");
	EXPECT(r.claims[0], "claim_frequency_type=8");
	EXPECT(r.claims[0], "original_reference_number=ICN1");
	EXPECT(r.claims[0], "n_issues=1");
	EXPECT(r.claims[0], "is_incomplete=0");
	EXPECT(r.claims[1], "total_charge=(null)");
	EXPECT(r.claims[1], "issue1=INVALID_AMOUNT|CLM02|CLM|28|error|{}");
	EXPECT(r.claims[1], "issue1.message=CLM02 \"12,00\" is not a valid amount");
	EXPECT(r.claims[1], "issue2=MISSING_ELEMENT|CLM05|CLM|28|error|{}");
	EXPECT(r.claims[1], "facility_type_code=(null)");
	EXPECT(r.claims[1], "claim_frequency_type=(null)");
	EXPECT(r.claims[1], "provider_signature=Y");
	EXPECT(r.claims[1], "is_incomplete=1");
	EXPECT(r.claims[2], "claim_frequency_type=X");
	EXPECT(r.claims[2], "issue2=INVALID_CODE|CLM05-3|CLM|30|warning|{}");
	EXPECT(r.claims[3], "facility_type_code=95");
	EXPECT(r.claims[3], "claim_frequency_type=(null)");
	EXPECT(r.claims[3], "total_charge=8.00");
	EXPECT(r.claims[3], "related_causes=AA");
	result_free(&r);
}

/* Billing provider identity: NPI, else TIN, else UNKNOWN; REF*EI only in
 * 2010AA; REF*SY never; persons' names; HL 20 clears the lower contexts. */
static void
test_provider_identity(void **state)
{
	struct result r;

	(void)state;
	result_init(&r);
	run(&r, "ST*837*0001*004010X098A1~"
		"BHT*0019*00*1*20240105*1200*CH~"
		"HL*1**20*1~"
		"PRV*BI*ZZ*101Y00000X~"
		"NM1*85*1*KILDARE*BEN****XX*1999996666~"
		"REF*SY*123456789~"
		"NM1*87*2~"
		"REF*EI*999999999~"
		SUB
		"CLM*T1*1***11:B:1~HI*BK:4019~"
		"HL*3**20*1~"
		"NM1*85*2*TAX ONLY*****24*555112222~"
		"REF*SY*111223333~"
		"CLM*T2*1***11:B:1~HI*BK:4019~"
		"HL*4**20*1~"
		"NM1*85*2*NOTHING~"
		"HL*5*4*22*0~"
		"SBR*P*18*******CI~"
		"NM1*PR*2*X INS*****PI*PX~"
		"CLM*T3*1***11:B:1~HI*BK:4019~"
		"HL*6**20*1~"
		"NM1*85*2*BOTH*****XX*1234567893~"
		"REF*EI*777777777~"
		"HL*7*6*22*0~"
		"CLM*T4*1***11:B:1~HI*BK:4019~"
		SE);
	assert_int_equal(r.n_claims, 4);
	EXPECT(r.claims[0], "type=837P");
	EXPECT(r.claims[0], "provider.name=KILDARE BEN");
	EXPECT(r.claims[0], "provider.entity_type=1");
	EXPECT(r.claims[0], "provider.npi=1999996666");
	EXPECT(r.claims[0], "provider.npi_valid=0"); /* stored anyway */
	EXPECT(r.claims[0], "provider.tax_id=(null)");
	EXPECT(r.claims[0], "provider.taxonomy_code=101Y00000X");
	EXPECT(r.claims[0], "provider_key=1999996666");
	EXPECT(r.claims[1], "provider.npi=(null)");
	EXPECT(r.claims[1], "provider.tax_id=555112222");
	EXPECT(r.claims[1], "billing_tax_id=555112222");
	EXPECT(r.claims[1], "provider.taxonomy_code=(null)");
	EXPECT(r.claims[1], "provider_key=TIN:555112222");
	/* HL 20 cleared the subscriber and payer */
	EXPECT(r.claims[1], "payer_key=");
	EXPECT(r.claims[1], "subscriber_member_id=(null)");
	EXPECT(r.claims[1], "patient_key=(null)");
	EXPECT(r.claims[1], "submitted_date=2024-01-05");
	EXPECT(r.claims[2], "provider_key=UNKNOWN");
	EXPECT(r.claims[2], "provider.name=NOTHING");
	EXPECT(r.claims[2], "payer_key=PX");
	EXPECT(r.claims[3], "provider_key=1234567893");
	EXPECT(r.claims[3], "provider.tax_id=777777777");
	EXPECT(r.claims[3], "payer_key=");
	EXPECT(r.claims[3], "payer.payer_id=(null)");
	assert_int_equal(count_code(result_issues(&r), "INVALID_NPI"), 1);
	/* an SSN is never stored anywhere */
	for (size_t i = 0; i < r.n_claims; i++) {
		assert_null(strstr(r.claims[i], "123456789\n"));
		assert_null(strstr(r.claims[i], "111223333"));
		assert_null(strstr(r.claims[i], "999999999"));
	}
	result_free(&r);
}

/* 837I: CL1, statement period, admission DT, discharge hour, SV2 lines,
 * claim-level provider loops, line REF*6R and NM1*82. */
static void
test_837i(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_I HDR SUB
		"CLM*I1*89.93***13:A:1**A*Y*Y~"
		"DTP*096*TM*1130~"
		"DTP*434*RD8*20240101-20240105~"
		"DTP*435*DT*202401010830~"
		"DTP*431*D8*20231201~"
		"DTP*484*D8*20231201~"
		"CL1*3*1*01~"
		"REF*G1*PA~"
		"REF*F8*ORIGX~"
		"HI*BK:3669~"
		"HI*BE:A2:::15.31~"
		"NM1*71*1*ATT*DOC****XX*1234567893~"
		"NM1*72*1*OPR*DOC****XX*1234567890~"
		"NM1*DN*1*REF*DOC****XX*1234567893~"
		"NM1*82*1*REN*DOC****XX*1234567893~"
		"NM1*77*2*FAC*****XX*1234567893~"
		"NM1*ZZ*1*OTHER*OP****XX*1999996666~"
		"LX*1~"
		"SV2*305*HC:85025*13.39*UN*1~"
		"DTP*472*D8*20240102~"
		"REF*6R*L1~"
		"NM1*82*1*LINE*REN****XX*1999996667~"
		"LX*2~"
		"SV2*0730*HC:93005:26*76.54*DA*3~"
		"DTP*472*RD8*20240103-20240104~"
		"LX*3~"
		"SV2*ABC**0*UN*1~"
		"LX*4~"
		"SV2*0250~"
		"CLM*I2*10***13:A:1~"
		"DTP*434*D8*20240201~"
		"DTP*096*TM*2500~"
		"HI*ABK:E119~"
		"LX*1~SV2*0450*HC:99283*10*UN*1~"
		"CLM*I3*10***13:A:1~"
		"DTP*472*D8*20240301~"
		"DTP*435*TM*0800~"
		"HI*ABK:E119~"
		"LX*1~SV2*0450*ZZ:X99*10*UN*1~DTP*472*RD8*20240305-20240306~"
		SE);
	assert_int_equal(r.n_claims, 3);
	c = r.claims[0];
	EXPECT(c, "type=837I");
	EXPECT(c, "facility_type_code=13");
	EXPECT(c, "facility_code_qualifier=A");
	EXPECT(c, "statement_date=2024-01-01");
	EXPECT(c, "statement_date_to=2024-01-05");
	EXPECT(c, "admission_date=2024-01-01");
	EXPECT(c, "admission_hour=0830");
	EXPECT(c, "discharge_hour=1130");
	EXPECT(c, "discharge_date=2024-01-05");
	EXPECT(c, "onset_date=(null)");
	EXPECT(c, "last_menstrual_date=(null)");
	EXPECT(c, "admission_type=3");
	EXPECT(c, "admission_source=1");
	EXPECT(c, "patient_status=01");
	EXPECT(c, "prior_authorization=PA");
	EXPECT(c, "original_reference_number=ORIGX");
	EXPECT(c, "principal_diagnosis=3669");
	EXPECT(c, "dx2=2|0|BE|A2|NUBC|value|1");
	EXPECT(c, "dx2.amount=15.31");
	EXPECT(c, "attending_provider_npi=1234567893");
	EXPECT(c, "operating_provider_npi=1234567890");
	EXPECT(c, "referring_provider_npi=1234567893");
	EXPECT(c, "rendering_provider_npi=1234567893");
	EXPECT(c, "service_facility_npi=1234567893");
	EXPECT(c, "service_date=2024-01-02");
	EXPECT(c, "service_date_to=2024-01-04");
	EXPECT(c, "n_lines=4");
	EXPECT(c, "line1.revenue_code=0305");
	EXPECT(c, "line1.procedure_qualifier=HC");
	EXPECT(c, "line1.procedure_code=85025");
	EXPECT(c, "line1.procedure_code_valid=1");
	EXPECT(c, "line1.charge=13.39");
	EXPECT(c, "line1.unit_type=UN");
	EXPECT(c, "line1.unit_count=1");
	EXPECT(c, "line1.line_item_control_number=L1");
	EXPECT(c, "line1.rendering_provider_npi=1999996667");
	EXPECT(c, "line1.pointers=");
	EXPECT(c, "line2.revenue_code=0730");
	EXPECT(c, "line2.modifiers=26");
	EXPECT(c, "line2.unit_type=DA");
	EXPECT(c, "line2.unit_count=3");
	EXPECT(c, "line2.service_date_to=2024-01-04");
	EXPECT(c, "line3.revenue_code=ABC");
	EXPECT(c, "line3.procedure_code=(null)");
	EXPECT(c, "line3.procedure_code_valid=-1");
	EXPECT(c, "line3.charge=0.00");
	EXPECT(c, "line4.revenue_code=0250");
	EXPECT(c, "line4.charge=(null)");
	EXPECT(c, "issue1=INVALID_NPI|NM109|NM1|33|warning|{}");
	EXPECT(c, "issue2=INVALID_CODE|SV201|SV2|47|warning|{}");
	EXPECT(c, "issue3=MISSING_ELEMENT|SV203|SV2|49|error|{}");
	EXPECT(c, "n_issues=3");
	EXPECT(c, "is_incomplete=1");
	/* D8 statement period; invalid discharge hour still marks 096 present */
	c = r.claims[1];
	EXPECT(c, "statement_date=2024-02-01");
	EXPECT(c, "statement_date_to=(null)");
	EXPECT(c, "discharge_hour=(null)");
	EXPECT(c, "discharge_date=2024-02-01");
	EXPECT(c, "service_date=2024-02-01");
	EXPECT(c, "service_date_to=(null)");
	EXPECT(c, "issue1=INVALID_DATE|DTP03|DTP|52|warning|{}");
	EXPECT(c, "issue1.message=DTP03 \"2500\" is not a valid TM date");
	/* claim-level 472 wins over the lines */
	c = r.claims[2];
	EXPECT(c, "service_date=2024-03-01");
	EXPECT(c, "service_date_to=(null)");
	EXPECT(c, "admission_date=(null)");
	EXPECT(c, "issue1=INVALID_DATE|DTP02|DTP|58|warning|{}");
	EXPECT(c, "line1.procedure_qualifier=ZZ");
	EXPECT(c, "line1.procedure_code_valid=-1");
	assert_int_equal(r.totals.claim_lines, 6);
	assert_int_equal(r.totals.line_charge_total_cents, 1339 + 7654 + 0 + 1000 + 1000);
	result_free(&r);
}

/* 837P dates: formats by DTP01, impossible dates, 837I-only qualifiers. */
static void
test_dates_837p(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ST_P HDR SUB
		"CLM*D1*10***11:B:1~"
		"DTP*434*RD8*20240101-20240105~"
		"DTP*435*DT*202401010830~"
		"DTP*096*TM*1130~"
		"DTP*431*D8*20240230~"
		"DTP*472*RD8*20240105-20240101~"
		"DTP*484*D8*20240101~"
		"DTP*439*D8*BOGUS~"
		"HI*ABK:E119~"
		"LX*1~SV1*HC:99213*10*UN*1***1~DTP*472*D8*20240102~DTP*472*D8*2024010~"
		SE);
	c = r.claims[0];
	EXPECT(c, "statement_date=(null)");
	EXPECT(c, "admission_date=(null)");
	EXPECT(c, "discharge_date=(null)");
	EXPECT(c, "discharge_hour=(null)");
	EXPECT(c, "onset_date=(null)");
	EXPECT(c, "last_menstrual_date=2024-01-01");
	EXPECT(c, "line1.service_date=2024-01-02");
	EXPECT(c, "service_date=2024-01-02");
	EXPECT(c, "service_date_to=2024-01-02");
	EXPECT(c, "issue1=INVALID_DATE|DTP02|DTP|23|warning|{}");
	EXPECT(c, "issue1.message=DTP*435 date format \"DT\" is not accepted here");
	EXPECT(c, "issue2=INVALID_DATE|DTP02|DTP|24|warning|{}");
	EXPECT(c, "issue3=INVALID_DATE|DTP03|DTP|25|warning|{}");
	EXPECT(c, "issue3.message=DTP03 \"20240230\" is not a valid D8 date");
	EXPECT(c, "issue4=INVALID_DATE|DTP03|DTP|26|warning|{}");
	EXPECT(c, "issue5=INVALID_DATE|DTP03|DTP|33|warning|{}");
	EXPECT(c, "n_issues=5");
	EXPECT(c, "is_incomplete=0");
	result_free(&r);
}

/* COMPOSITE_UNSPLIT: the file's component separator is '^' but the
 * composites are written with ':' (bad/oopfactory_837I_Spec_3.1.1.txt). */
#define ISA_CARET                                                                           \
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^" \
	"*00501*000000001*0*T*^~"

static void
test_composite_unsplit(void **state)
{
	struct result r;
	const char *c;

	(void)state;
	result_init(&r);
	run(&r, ISA_CARET "GS*HC*S*R*20240101*1200*1*X*005010X223A2~" ST_I HDR SUB
		"CLM*U1*89.93***14:A:1*Y*A*Y*Y~"
		"HI*BK:3669~"
		"HI*BF:4019*BF:79431~"
		"LX*1~SV2*0305*HC:85025*13.39*UN*1~"
		"LX*2~SV2*0730*HC:93005*76.54*UN*3~"
		SE
		"ST*837*0002*005010X222A1~" HDR SUB
		"CLM*U2*10***11^B^1~"
		"HI*ABK^E119*ABF:I10~"
		"LX*1~SV1*HC:99213*5*UN*1***1~"
		"LX*2~SV1*HC^99213^25*5*UN*1***1^9~"
		"SE*9*0002~GE*2*1~IEA*1*000000001~");
	assert_int_equal(r.n_claims, 2);
	c = r.claims[0];
	EXPECT(c, "type=837I");
	EXPECT(c, "total_charge=89.93");
	EXPECT(c, "facility_type_code=(null)");
	EXPECT(c, "facility_code_qualifier=(null)");
	EXPECT(c, "claim_frequency_type=(null)");
	EXPECT(c, "n_diagnoses=0");
	EXPECT(c, "line1.revenue_code=0305");
	EXPECT(c, "line1.procedure_code=(null)");
	EXPECT(c, "line1.procedure_qualifier=(null)");
	EXPECT(c, "line2.revenue_code=0730");
	EXPECT(c, "line2.procedure_code=(null)");
	assert_int_equal(count_code(c, "COMPOSITE_UNSPLIT"), 6);
	assert_int_equal(count_code(c, "MISSING_ELEMENT"), 0);
	assert_int_equal(count_code(c, "MISSING_DIAGNOSIS"), 1);
	assert_int_equal(count_code(c, "BAL_837_CLAIM"), 0);
	EXPECT(c, "issue1=COMPOSITE_UNSPLIT|CLM05|CLM|23|warning|{}");
	EXPECT(c, "issue1.message=CLM05 \"14:A:1\" is not split by the component separator '^'");
	EXPECT(c, "issue2=COMPOSITE_UNSPLIT|HI01|HI|24|warning|{}");
	EXPECT(c, "issue3=COMPOSITE_UNSPLIT|HI01|HI|25|warning|{}");
	EXPECT(c, "issue4=COMPOSITE_UNSPLIT|HI02|HI|25|warning|{}");
	EXPECT(c, "issue5=COMPOSITE_UNSPLIT|SV202|SV2|27|warning|{}");
	EXPECT(c, "issue6=COMPOSITE_UNSPLIT|SV202|SV2|29|warning|{}");
	EXPECT(c, "is_incomplete=0");
	/* raw_edi maps the file's '^' component separator to ':' */
	c = r.claims[1];
	EXPECT(c, "facility_type_code=11");
	EXPECT(c, "claim_frequency_type=1");
	EXPECT(c, "principal_diagnosis=E119");
	EXPECT(c, "n_diagnoses=1");
	EXPECT(c, "line1.procedure_code=(null)");
	EXPECT(c, "line2.procedure_code=99213");
	EXPECT(c, "line2.modifiers=25");
	EXPECT(c, "line2.pointers=1,9");
	assert_int_equal(count_code(c, "COMPOSITE_UNSPLIT"), 2);
	assert_int_equal(count_code(c, "BAD_DIAGNOSIS_POINTER"), 1); /* 9 > 1 */
	assert_non_null(strstr(c, "raw_edi=" SUB_RAW "CLM*U2*10***11:B:1~HI*ABK:E119*ABF:I10~"));
	result_free(&r);
}

/* Patient and subscriber values are never quoted; context issues are not
 * copied into claims; segments before any CLM are orphans. */
static void
test_context_issues(void **state)
{
	struct result r;
	const char *all;

	(void)state;
	result_init(&r);
	run(&r, "ST*837*0001*004010X098A1~"
		"BHT*0019*00*1*2004060*1333*CH~"
		"HI*BK:4019~"
		"HL*1**20*1~"
		"NM1*85*2*Biller 1*****XX*2309-2222~"
		"HL*2*1*22*0~"
		"SBR*P*18*******11~"
		"NM1*IL*1*GAIMAN*NEIL*MMMM***MIM*101911111~"
		"DMG*D8*19461301*R~"
		"REF*SY*370600000~"
		"NM1*PR*2*PAYER 1*****PI*44-4444444~"
		"LX*1~"
		"SV1*HC:99213*10~"
		"CLM*6643-1019AA*999.6***95::8*Y*A*N*Y*B~"
		"HI*BK:29590~"
		"LX*1~"
		"SV1*HC:H2015*14.84*UN*6***1~"
		"DTP*472*D8*20040501~"
		"REF*6R*AKLKJ124231AD~"
		SE);
	all = result_issues(&r);
	assert_int_equal(r.n_claims, 1);
	assert_null(strstr(all, "19461301"));
	assert_non_null(strstr(all, "INVALID_DATE|DMG02|DMG|9|warning|DMG02 (patient data "
				    "withheld) is not a valid D8 date|{}"));
	assert_non_null(strstr(all, "INVALID_DATE|BHT04|BHT|2|warning|BHT04 \"2004060\" is not a "
				    "valid D8 date|{}"));
	assert_non_null(strstr(all, "INVALID_NPI|NM109|NM1|5|warning|"));
	assert_int_equal(count_code(all, "ORPHAN_SEGMENT"), 3);
	assert_non_null(strstr(all, "ORPHAN_SEGMENT|-|HI|3|warning|HI segment before any CLM; "
				    "skipped|{}"));
	EXPECT(r.claims[0], "submitted_date=(null)");
	EXPECT(r.claims[0], "patient_dob=(null)");
	EXPECT(r.claims[0], "patient_gender=R");
	EXPECT(r.claims[0], "claim_frequency_type=8");
	EXPECT(r.claims[0], "provider.npi=2309-2222");
	EXPECT(r.claims[0], "provider_key=2309-2222");
	EXPECT(r.claims[0], "payer_key=44-4444444");
	EXPECT(r.claims[0], "line1.line_item_control_number=AKLKJ124231AD");
	/* only the claim's own issues */
	EXPECT(r.claims[0], "issue1=MISSING_ORIGINAL_REFERENCE|CLM05-3|CLM|14|warning|{}");
	EXPECT(r.claims[0], "issue2=BAL_837_CLAIM|CLM02|CLM|14|warning|"
			    "{\"expected\": 14.84, \"actual\": 999.60, \"difference\": 984.76}");
	EXPECT(r.claims[0], "n_issues=2");
	assert_int_equal(r.totals.claim_lines, 1);
	assert_int_equal(r.totals.line_charge_total_cents, 1484);
	result_free(&r);
}

/* ------------------------------------------------------------ reader issues */

static void
push_reader_issue(struct feeder *f, const claims_x12_segment *seg, claims_x12_code code,
		  const char *element)
{
	claims_x12_issue is;
	int rc;

	claims__x12_issue_init(&is, code, CLAIMS_X12_TOLERANT);
	is.interchange = seg->loc.interchange;
	is.transaction = f->txn.ordinal;
	is.segment_index = seg->loc.segment_index;
	is.byte_offset = seg->loc.byte_offset;
	is.segment_id = seg->skipped ? "Zz9" : seg->id;
	is.element = element;
	is.message = "reader says so";
	is.details = "{\"reader\": 1}";
	rc = claims__map837_reader_issue(f->m, &is);
	if (rc != CLAIMS_OK && f->rc == CLAIMS_OK)
		f->rc = rc;
}

static void
reader_hook(struct feeder *f, const claims_x12_segment *seg, bool skipped)
{
	if (skipped) {
		push_reader_issue(f, seg, CLAIMS_X12_BAD_SEGMENT_ID, NULL);
	} else if (strcmp(seg->id, "CLM") == 0 && seg->elements[1].len == 2 &&
		   memcmp(seg->elements[1].ptr, "R1", 2) == 0) {
		push_reader_issue(f, seg, CLAIMS_X12_INVALID_CHARACTER, "CLM02");
	} else if (strcmp(seg->id, "LX") == 0) {
		push_reader_issue(f, seg, CLAIMS_X12_INVALID_ENCODING, "LX01");
	} else if (strcmp(seg->id, "NM1") == 0 && seg->count > 1 && seg->elements[1].len == 2 &&
		   memcmp(seg->elements[1].ptr, "85", 2) == 0) {
		push_reader_issue(f, seg, CLAIMS_X12_INVALID_CHARACTER, "NM103");
	} else if (strcmp(seg->id, "SE") == 0) {
		push_reader_issue(f, seg, CLAIMS_X12_SE_COUNT, "SE01");
	}
}

static void
test_reader_issues(void **state)
{
	struct result r;
	struct feeder f;
	const char *text = ST_P HDR SUB
		"CLM*R1*10***11:B:1~"
		"HI*BK:4019~"
		"LX*1~"
		"SV1*HC:99213*10*UN*1***1~"
		"Zz9*BAD~"
		"CLM*R2*10***11:B:1~"
		"HI*BK:4019~"
		"Nd4*X~"
		"HL*9**20*1~"
		"Nd4*Y~"
		"HL*10*9*22*0~"
		"CLM*R3*10***11:B:1~"
		"HI*BK:4019~"
		"Nd4*Z~"
		SE;

	(void)state;
	result_init(&r);
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	f.before = reader_hook;
	feed_text(&f, text, strlen(text));
	assert_int_equal(f.rc, CLAIMS_OK);
	feeder_free(&f);
	assert_int_equal(r.n_claims, 3);
	/* R1: the CLM's issue first, then its LX's, then the skipped segment
	 * that precedes the next CLM */
	EXPECT(r.claims[0], "issue1=INVALID_CHARACTER|CLM02|CLM|21|error|{\"reader\": 1}");
	EXPECT(r.claims[0], "issue1.message=reader says so");
	EXPECT(r.claims[0], "issue2=INVALID_ENCODING|LX01|LX|23|info|{\"reader\": 1}");
	EXPECT(r.claims[0], "issue3=BAD_SEGMENT_ID|-|Zz9|25|error|{\"reader\": 1}");
	EXPECT(r.claims[0], "n_issues=3");
	EXPECT(r.claims[0], "is_incomplete=1");
	/* R2: the skipped segment before the HL is its own */
	EXPECT(r.claims[1], "issue1=BAD_SEGMENT_ID|-|Zz9|28|error|{\"reader\": 1}");
	EXPECT(r.claims[1], "n_issues=1");
	EXPECT(r.claims[1], "is_incomplete=1");
	/* R3 (HL 20 cleared the payer): the skipped segment before SE;
	 * SE_COUNT belongs to no claim */
	EXPECT(r.claims[2], "issue1=BAD_SEGMENT_ID|-|Zz9|34|error|{\"reader\": 1}");
	EXPECT(r.claims[2], "issue2=MISSING_PAYER|-|CLM|32|warning|{}");
	EXPECT(r.claims[2], "n_issues=2");
	/* the reader's issues are not passed back to on_issue; the 2010AA one
	 * was dropped */
	assert_int_equal(count_code(result_issues(&r), "BAD_SEGMENT_ID"), 0);
	assert_int_equal(count_code(result_issues(&r), "INVALID_CHARACTER"), 0);
	assert_int_equal(count_code(result_issues(&r), "SE_COUNT"), 0);
	for (size_t i = 0; i < r.n_claims; i++)
		assert_null(strstr(r.claims[i], "NM103"));
	result_free(&r);
}

/* ------------------------------------------------------------ set handling */

static void
test_incomplete_set(void **state)
{
	struct result r;
	struct feeder f;
	const char *text = ST_P HDR SUB "CLM*X1*10***11:B:1~HI*BK:4019~CLM*X2*20***11:B:1~";
	claims_x12_event ev = { CLAIMS_X12_EVENT_TRANSACTION_END, NULL, NULL, false };
	struct claims__map837_counts c;

	(void)state;
	result_init(&r);
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	feed_text(&f, text, strlen(text));
	/* X1 was completed by the CLM of X2; X2 is pending */
	assert_int_equal(r.n_claims, 1);
	ev.transaction = &f.txn;
	assert_int_equal(claims__map837_event(f.m, &ev), CLAIMS_OK);
	assert_int_equal(r.n_claims, 1);
	/* a new set starts clean: no context, no counts, no pending claim */
	text = "ST*837*0002*005010X222A1~CLM*Y1*5***11:B:1~HI*BK:4019~SE*4*0002~";
	feed_text(&f, text, strlen(text));
	assert_int_equal(f.rc, CLAIMS_OK);
	assert_int_equal(r.n_claims, 2);
	EXPECT(r.claims[1], "claim_control_number=Y1");
	EXPECT(r.claims[1], "provider_key=UNKNOWN");
	EXPECT(r.claims[1], "submitted_date=(null)");
	EXPECT(r.claims[1], "payer_key=");
	EXPECT(r.claims[1], "raw_edi=CLM*Y1*5***11:B:1~HI*BK:4019~");
	claims__map837_counts(f.m, &c);
	assert_int_equal(c.claims_parsed, 1);
	assert_int_equal(c.total_charge_cents, 500);
	feeder_free(&f);
	result_free(&r);
}

static void
test_on_claim_abort(void **state)
{
	struct result r;
	struct feeder f;
	const char *text = ST_P HDR SUB "CLM*A1*1***11:B:1~CLM*A2*1***11:B:1~CLM*A3*1***11:B:1~" SE;
	claims_x12_event bad = { CLAIMS_X12_EVENT_SEGMENT, NULL, NULL, false };

	(void)state;
	result_init(&r);
	r.abort_rc = CLAIMS_EDB;
	r.abort_after = 1;
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	feed_text(&f, text, strlen(text));
	assert_int_equal(f.rc, CLAIMS_EDB);
	assert_int_equal(claims__map837_event(f.m, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims__map837_event(f.m, &bad), CLAIMS_EINVAL);
	assert_int_equal(claims__map837_reader_issue(f.m, NULL), CLAIMS_EINVAL);
	feeder_free(&f);
	assert_int_equal(claims__map837_new(NULL, NULL), CLAIMS_EINVAL);
	{
		struct claims__map837 *m = (void *)1;

		assert_int_equal(claims__map837_new(&m, NULL), CLAIMS_EINVAL);
		assert_null(m);
	}
	claims__map837_free(NULL);
	result_free(&r);
}

/* An 837 of unknown version: the type comes with TRANSACTION_TYPE before
 * the first SV2; a claim completed before it is typed from its content. */
static void
test_pending_type(void **state)
{
	struct result r;
	struct feeder f;
	const char *a = "ST*837*0001*005010~" HDR SUB
		"CLM*N1*10***13:A:1~DTP*434*RD8*20240101-20240102~DTP*096*TM*1200~HI*BK:4019~"
		"CLM*N2*10***13:A:1~DTP*096*TM*1300~DTP*434*D8*20240105~HI*BK:4019~LX*1~";
	const char *b = "SV2*0450*HC:99283*10*UN*1~" SE;
	const char *p = "ST*837*0002*005010~" HDR SUB "CLM*N3*10***11:B:1~HI*BK:4019~SE*9*0002~";
	claims_x12_event ev = { CLAIMS_X12_EVENT_TRANSACTION_TYPE, NULL, NULL, false };

	(void)state;
	result_init(&r);
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	feed_text(&f, a, strlen(a));
	assert_int_equal(f.txn.type, CLAIMS_X12_TYPE_837_PENDING);
	f.txn.type = CLAIMS_X12_TYPE_837I;
	ev.transaction = &f.txn;
	assert_int_equal(claims__map837_event(f.m, &ev), CLAIMS_OK);
	feed_text(&f, b, strlen(b));
	/* unresolved at the end of the set: 837P */
	feed_text(&f, p, strlen(p));
	assert_int_equal(f.rc, CLAIMS_OK);
	feeder_free(&f);
	assert_int_equal(r.n_claims, 3);
	EXPECT(r.claims[0], "type=837I");
	EXPECT(r.claims[0], "discharge_hour=1200");
	EXPECT(r.claims[0], "discharge_date=2024-01-02");
	EXPECT(r.claims[1], "type=837I");
	EXPECT(r.claims[1], "discharge_hour=1300");
	EXPECT(r.claims[1], "discharge_date=2024-01-05");
	EXPECT(r.claims[1], "line1.revenue_code=0450");
	EXPECT(r.claims[2], "type=837P");
	result_free(&r);
}

/* With -Dfault_injection=true: every allocation failure gives
 * CLAIMS_ENOMEM, no crash and no leak (ASan); otherwise one plain run. */
static void
test_out_of_memory(void **state)
{
	const char *text = ST_P HDR SUB
		"CLM*M1*15***11:B:7~HI*ABK:E11.9*ABF:I10*XX:1~REF*G1*A~"
		"SBR*S*01*******CI~AMT*D*1~NM1*PR*2*O*****PI*O1~"
		"LX*1~SV1*HC:99213:25*10*UN*1***1:2:7~DTP*472*D8*20240101~REF*6R*L~"
		"LX*2~SV1*HC:99214*10*UN*1***1~"
		"CLM*M2*10***11:B:1~HI*BK:4019~" SE;
	long n;

	(void)state;
	for (n = 0; n < 100000; n++) {
		struct result r;
		struct feeder f;
		struct claims__map837_callbacks cb = { on_claim, on_issue, NULL, CLAIMS_X12_TOLERANT };
		struct claims__map837 *m = NULL;
		int rc;

		result_init(&r);
		feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
		f.before = reader_hook;
		claims__map837_free(f.m);
		f.m = NULL;
		cb.payload = &r;
		claims__alloc_fail_after(n);
		rc = claims__map837_new(&m, &cb);
		if (rc == CLAIMS_OK) {
			f.m = m;
			feed_text(&f, text, strlen(text));
			rc = f.rc;
		} else {
			assert_null(m);
		}
		claims__alloc_fail_after(-1);
		feeder_free(&f);
		if (rc == CLAIMS_OK) {
			assert_int_equal(r.n_claims, 2);
			result_free(&r);
			break;
		}
		assert_int_equal(rc, CLAIMS_ENOMEM);
		result_free(&r);
	}
	assert_true(n < 100000);
}

/* ------------------------------------------------------------ volume */

static int64_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();

	return (int64_t)mi.uordblks;
#else
	return -1;
#endif
}

struct volume {
	int64_t n;
	int64_t heap_at_10k, heap_at_end;
	int64_t charge;
};

static int
volume_claim(const struct claims__claim_rec *c, void *payload)
{
	struct volume *v = payload;

	v->n++;
	v->charge += c->total_charge.cents;
	if (v->n == 10000)
		v->heap_at_10k = heap_in_use();
	v->heap_at_end = heap_in_use();
	return 0;
}

/* 100 000 claims in one set: memory does not grow with the claims. */
static void
test_many_claims(void **state)
{
	const int N = 100000;
	size_t cap = (size_t)N * 260 + 4096, len = 0;
	char *text = malloc(cap);
	struct volume v = { 0 };
	struct claims__map837_callbacks cb = { volume_claim, NULL, &v, CLAIMS_X12_TOLERANT };
	struct feeder f;
	struct result r;
	struct claims__map837_counts c;
	struct timespec t0, t1;
	double secs;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "%s", ST_P HDR SUB);
	for (int i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"CLM*PCN%06d*12.5***11:B:1*Y*A*Y*Y~HI*ABK:E119*ABF:I10~"
					"NM1*82*1*REND*DOC****XX*1234567893~"
					"LX*1~SV1*HC:99213:25*10*UN*1*11**1:2~DTP*472*D8*20231226~"
					"LX*2~SV1*HC:G0008*2.5*UN*1***2~DTP*472*D8*20231227~"
					"REF*6R*X~",
					i);
	len += (size_t)snprintf(text + len, cap - len, "%s", SE);
	result_init(&r);
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	claims__map837_free(f.m);
	assert_int_equal(claims__map837_new(&f.m, &cb), CLAIMS_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	feed_text(&f, text, len);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(f.rc, CLAIMS_OK);
	claims__map837_counts(f.m, &c);
	feeder_free(&f);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "# %d claims (splitter + mapper) in %.3f s: %.0f claims/s\n", N, secs,
		N / secs);
	assert_int_equal(v.n, N);
	assert_int_equal(v.charge, (int64_t)N * 1250);
	assert_int_equal(c.claims_parsed, N);
	assert_int_equal(c.claim_lines, 2 * N);
	assert_int_equal(c.diagnoses, 2 * N);
	assert_int_equal(c.total_charge_cents, (int64_t)N * 1250);
	assert_int_equal(c.line_charge_total_cents, (int64_t)N * 1250);
#ifndef __SANITIZE_ADDRESS__
	if (v.heap_at_10k >= 0) {
		fprintf(stderr, "# heap in use at claim 10000: %lld, at claim %d: %lld\n",
			(long long)v.heap_at_10k, N, (long long)v.heap_at_end);
		assert_true(v.heap_at_end - v.heap_at_10k < 65536);
	}
#endif
	free(text);
	result_free(&r);
}

/* ------------------------------------------------------------ corpus */

/* An independent count of a file: CLM, CLM02, SV1/SV2 and their charges,
 * and which claims' CLM02 differ from the sum of their lines. */
struct shadow {
	int64_t claims, charge, lines, line_total;
	bool open;
	bool has_stated;
	int64_t stated, sum, n_lines;
	bool *bal;
	size_t n_bal, cap_bal;
};

static void
shadow_close(struct shadow *sh)
{
	if (!sh->open)
		return;
	if (sh->n_bal == sh->cap_bal) {
		sh->cap_bal = sh->cap_bal ? sh->cap_bal * 2 : 64;
		sh->bal = realloc(sh->bal, sh->cap_bal * sizeof(*sh->bal));
		assert_non_null(sh->bal);
	}
	sh->bal[sh->n_bal++] = sh->n_lines > 0 && sh->has_stated && sh->stated != sh->sum;
	sh->open = false;
}

static void
shadow_seg(struct feeder *f, const claims_x12_segment *seg)
{
	struct shadow *sh = f->hook;
	int64_t cents;
	size_t e = 0;

	if (strcmp(seg->id, "CLM") == 0) {
		shadow_close(sh);
		sh->open = true;
		sh->claims++;
		sh->n_lines = sh->sum = 0;
		sh->has_stated = seg->count > 2 &&
				 claims__parse_amount(seg->elements[2].ptr, seg->elements[2].len,
						      &sh->stated) >= 0;
		if (sh->has_stated)
			sh->charge += sh->stated;
	} else if (strcmp(seg->id, "HL") == 0 || strcmp(seg->id, "SE") == 0) {
		shadow_close(sh);
	} else if (strcmp(seg->id, "SV1") == 0) {
		e = 2;
	} else if (strcmp(seg->id, "SV2") == 0) {
		e = 3;
	}
	if (e && sh->open) {
		sh->lines++;
		sh->n_lines++;
		if (seg->count > e &&
		    claims__parse_amount(seg->elements[e].ptr, seg->elements[e].len, &cents) >= 0) {
			sh->sum += cents;
			sh->line_total += cents;
		}
	}
}

static void
shadow_run(struct shadow *sh, const char *data, size_t len)
{
	struct result r;
	struct feeder f;

	memset(sh, 0, sizeof(*sh));
	result_init(&r);
	feeder_init(&f, &r, CLAIMS_X12_TOLERANT);
	f.sink = shadow_seg;
	f.hook = sh;
	feed_text(&f, data, len);
	shadow_close(sh);
	feeder_free(&f);
	result_free(&r);
}

/* Run a file through this file's splitter and the mapper. */
static void
run_splitter(struct result *r, const char *data, size_t len)
{
	struct feeder f;

	feeder_init(&f, r, CLAIMS_X12_TOLERANT);
	feed_text(&f, data, len);
	assert_int_equal(f.rc, CLAIMS_OK);
	feeder_free(&f);
}

/* ---- the real reader (lib/x12/reader.c, envelope.c) */

struct rctx {
	struct result *r;
	struct claims__map837 *m;
	bool in_set;
};

static void
rctx_issue(const claims_x12_issue *is, void *payload)
{
	struct rctx *x = payload;

	on_issue(is, x->r);
	if (x->in_set && is->transaction != 0)
		assert_int_equal(claims__map837_reader_issue(x->m, is), CLAIMS_OK);
}

static int
run_reader(struct result *r, const char *data, size_t len)
{
	struct claims__map837_callbacks cb = { on_claim, on_issue, r, CLAIMS_X12_TOLERANT };
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	struct rctx x = { r, NULL, false };
	claims_x12_reader *rd = NULL;
	const claims_x12_event *ev;
	int rc;

	assert_int_equal(claims__map837_new(&x.m, &cb), CLAIMS_OK);
	o.issue_cb = rctx_issue;
	o.issue_payload = &x;
	rc = claims_x12_reader_new_mem(&rd, data, len, &o);
	while (rc == CLAIMS_OK) {
		rc = claims_x12_reader_next(&ev, rd);
		if (rc != CLAIMS_OK || !ev)
			break;
		switch (ev->type) {
		case CLAIMS_X12_EVENT_TRANSACTION_START:
			x.in_set = ev->transaction &&
				   (ev->transaction->type == CLAIMS_X12_TYPE_837P ||
				    ev->transaction->type == CLAIMS_X12_TYPE_837I ||
				    ev->transaction->type == CLAIMS_X12_TYPE_837_PENDING);
			if (x.in_set)
				assert_int_equal(claims__map837_event(x.m, ev), CLAIMS_OK);
			break;
		case CLAIMS_X12_EVENT_TRANSACTION_TYPE:
		case CLAIMS_X12_EVENT_SEGMENT:
			if (x.in_set)
				assert_int_equal(claims__map837_event(x.m, ev), CLAIMS_OK);
			break;
		case CLAIMS_X12_EVENT_TRANSACTION_END:
			if (!x.in_set)
				break;
			assert_int_equal(claims__map837_event(x.m, ev), CLAIMS_OK);
			if (ev->completed) {
				struct claims__map837_counts c;

				claims__map837_counts(x.m, &c);
				r->totals.claims_parsed += c.claims_parsed;
				r->totals.claims_skipped += c.claims_skipped;
				r->totals.claim_lines += c.claim_lines;
				r->totals.diagnoses += c.diagnoses;
				r->totals.total_charge_cents += c.total_charge_cents;
				r->totals.line_charge_total_cents += c.line_charge_total_cents;
				r->sets_completed++;
			}
			x.in_set = false;
			break;
		default:
			break;
		}
	}
	claims_x12_reader_free(rd);
	claims__map837_free(x.m);
	return rc;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	long n;

	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

static const char *
corpus_dir(void)
{
	static char dir[4096];
	const char *env = getenv("CLAIMS_CORPUS_DIR");
	struct stat st;

	if (env && *env)
		snprintf(dir, sizeof(dir), "%s", env);
	else
		snprintf(dir, sizeof(dir), "%s/../shared/corpus", tu_source_root());
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return NULL;
	return dir;
}

/* README numbers; -1 where the README gives none (the independent count
 * is still compared). */
struct corpus_file {
	const char *path;
	int64_t claims, charge, lines, line_total;
};

static const struct corpus_file corpus[] = {
	{ "837p/stupidedi_commercial-health-insurance.edi", 1, 10000, 4, 10000 },
	{ "837p/stupidedi_COB-claim-from-billing-provider-to-payer-b.edi", 1, 7904, 3, 7904 },
	{ "837p/moov_837p_sample.txt", 8, 177196, 11, 177196 },
	{ "837p/imsweb_x12_multiple_st.txt", 4, 200000, 4, 4900 },
	{ "837p/imsweb_x12_multiple_gs.txt", 6, 300000, -1, 7350 },
	{ "837p/imsweb_x12_multiple_isa.txt", 4, 200000, -1, 4900 },
	{ "837p/imsweb_x12_valid_different_separators.txt", 2, 100000, -1, 2450 },
	{ "837p/imsweb_x12_many_claims.txt", 820, 41000000, 820, 1004500 },
	{ "837p/imsweb_x12_multiple_transactions.txt", 624, 31200000, 624, 764400 },
	{ "837p/oopfactory_ST1309-XX.txt", 1, 36000, 2, 36000 },
	{ "837i/stupidedi_837-institutional-claim.edi", 1, 8993, 2, 8993 },
	{ "837i/stupidedi_two-claims-for-the-same-provider.edi", 2, 13995, 3, 13995 },
	{ "837i/imsweb_x223-test.txt", 1, 50000, 1, 7342 },
	{ "837i/pyx12_simple_837i_replacements.txt", 2, 0, 6, 0 },
	{ "837i/oopfactory_4010_Batch1.txt", 54, 13914817, 182, 19177629 },
	{ "bad/imsweb_x12_bad_first_line.txt", 2, 100000, -1, -1 },
	{ "bad/imsweb_x12_bad_segment_identifier.txt", 2, 100000, -1, -1 },
	{ "bad/imsweb_x12_missing_elements.txt", 2, 100000, -1, -1 },
	{ "bad/oopfactory_837I_Spec_3.1.1.txt", 1, 8993, 2, 8993 },
	{ "bad/pyx12_elements_837p.txt", 1, 99960, 1, 1484 },
};

static const char *
find_claim(struct result *r, const char *pcn)
{
	char line[128];

	snprintf(line, sizeof(line), "claim_control_number=%s", pcn);
	for (size_t i = 0; i < r->n_claims; i++)
		if (has_line(r->claims[i], line))
			return r->claims[i];
	fail_msg("no claim %s", pcn);
	return NULL;
}

/* x12.md §11 rows about single 837 files. */
static void
check_file_rules(const char *path, struct result *r, bool with_reader)
{
	const char *c, *all = result_issues(r);

	if (strstr(path, "oopfactory_837I_Spec_3.1.1")) {
		assert_int_equal(r->n_claims, 1);
		c = r->claims[0];
		EXPECT(c, "type=837I");
		EXPECT(c, "total_charge=89.93");
		EXPECT(c, "n_lines=2");
		EXPECT(c, "line1.revenue_code=0305");
		EXPECT(c, "line1.procedure_code=(null)");
		EXPECT(c, "line1.charge=13.39");
		EXPECT(c, "line2.revenue_code=0730");
		EXPECT(c, "line2.procedure_code=(null)");
		EXPECT(c, "line2.charge=76.54");
		EXPECT(c, "facility_type_code=(null)");
		EXPECT(c, "is_incomplete=0");
		assert_int_equal(count_code(c, "COMPOSITE_UNSPLIT"), 12);
		assert_int_equal(count_code(all, "COMPOSITE_UNSPLIT"), 12);
		assert_int_equal(count_code(c, "MISSING_DIAGNOSIS"), 1);
		assert_int_equal(count_code(c, "MISSING_ELEMENT"), 0);
		if (with_reader) {
			assert_true(count_code(all, "DELIMITER_CONFLICT") >= 1);
			assert_true(count_code(all, "VERSION_MISMATCH") >= 1);
		}
	} else if (strstr(path, "imsweb_x12_missing_elements")) {
		c = find_claim(r, "A37YH667");
		assert_non_null(strstr(c, "=MISSING_ELEMENT|CLM05|CLM|"));
		EXPECT(c, "facility_type_code=(null)");
		EXPECT(c, "claim_frequency_type=(null)");
		EXPECT(c, "is_incomplete=1");
	} else if (strstr(path, "pyx12_elements_837p")) {
		assert_int_equal(r->n_claims, 1);
		c = r->claims[0];
		EXPECT(c, "total_charge=999.60");
		EXPECT(c, "claim_frequency_type=8");
		EXPECT(c, "original_reference_number=(null)");
		assert_int_equal(count_code(c, "MISSING_ORIGINAL_REFERENCE"), 1);
		assert_non_null(strstr(c, "=BAL_837_CLAIM|CLM02|CLM|"));
		assert_non_null(strstr(c, "{\"expected\": 14.84, \"actual\": 999.60, "
					  "\"difference\": 984.76}"));
		assert_non_null(strstr(all, "INVALID_NPI|NM109|NM1|"));
		assert_non_null(strstr(all, "\"2309-2222\""));
		assert_non_null(strstr(all, "INVALID_DATE|DMG02|DMG|"));
		assert_null(strstr(all, "19461301"));
		if (with_reader)
			assert_true(count_code(all, "SE_COUNT") >= 1);
	} else if (strstr(path, "pyx12_simple_837i_replacements")) {
		assert_int_equal(r->n_claims, 2);
		EXPECT(r->claims[0], "claim_control_number=12522228");
		EXPECT(r->claims[1], "claim_control_number=12522229");
		for (int i = 0; i < 2; i++) {
			c = r->claims[i];
			EXPECT(c, "type=837I");
			EXPECT(c, "claim_frequency_type=7");
			EXPECT(c, "original_reference_number=12522228");
			EXPECT(c, "provider_key=TIN:555112222");
			EXPECT(c, "payer_key=000111");
			EXPECT(c, "payer_responsibility=S");
			EXPECT(c, "admission_date=2003-12-13");
			EXPECT(c, "admission_hour=0800");
			EXPECT(c, "statement_date=2003-12-13");
			EXPECT(c, "statement_date_to=2003-12-18");
			EXPECT(c, "service_date=2003-12-12");
			EXPECT(c, "service_date_to=2003-12-18");
			EXPECT(c, "patient_key=ARNOLD|TOM");
			EXPECT(c, "patient_dob=1927-03-12");
			EXPECT(c, "principal_diagnosis=29689");
			EXPECT(c, "dx2=2|2|BJ|29689|ICD9CM|admitting|1");
			EXPECT(c, "attending_provider_npi=(null)");
			EXPECT(c, "n_other_payers=2");
			EXPECT(c, "op1.responsibility=T");
			EXPECT(c, "op1.payer_id=552312313");
			EXPECT(c, "op2.responsibility=P");
			EXPECT(c, "op2.payer_id=13256235");
			EXPECT(c, "n_lines=3");
			assert_int_equal(count_code(c, "MISSING_ORIGINAL_REFERENCE"), 0);
		}
		EXPECT(r->claims[0], "line1.revenue_code=0100");
		EXPECT(r->claims[1], "line3.revenue_code=0105");
	} else if (strstr(path, "stupidedi_commercial-health-insurance")) {
		c = r->claims[0];
		EXPECT(c, "patient_key=SMITH|TED");
		EXPECT(c, "subscriber_member_id=JS00111223333");
		EXPECT(c, "provider_key=9876543210");
		EXPECT(c, "provider.taxonomy_code=203BF0100Y");
		EXPECT(c, "provider.tax_id=587654321");
		EXPECT(c, "payer_key=999996666");
		EXPECT(c, "submitted_date=2006-10-15");
		EXPECT(c, "service_date=2006-10-03");
		EXPECT(c, "service_date_to=2006-10-10");
		EXPECT(c, "claim_frequency_type=1");
	} else if (strstr(path, "stupidedi_COB-claim")) {
		c = r->claims[0];
		EXPECT(c, "payer_key=567890");
		EXPECT(c, "n_other_payers=1");
		EXPECT(c, "op1.responsibility=P");
		EXPECT(c, "op1.payer_id=999996666");
		EXPECT(c, "op1.paid=39.15");
		EXPECT(c, "rendering_provider_npi=1999996666");
		EXPECT(c, "service_facility_npi=1581234567");
		EXPECT(c, "line1.pointers=1,2,3,4");
	} else if (strstr(path, "stupidedi_837-institutional-claim")) {
		/* DTP*434*RD8*19960911: a single date sent as RD8 */
		c = r->claims[0];
		EXPECT(c, "statement_date=1996-09-11");
		EXPECT(c, "statement_date_to=(null)");
		EXPECT(c, "admission_type=3");
		EXPECT(c, "patient_status=01");
		EXPECT(c, "principal_diagnosis=3669");
		EXPECT(c, "attending_provider_npi=(null)");
		EXPECT(c, "n_other_payers=1");
		EXPECT(c, "op1.payer_id=1135");
		EXPECT(c, "payer_key=00435");
		EXPECT(c, "patient_key=DOE|JOHN");
		EXPECT(c, "patient_dob=1926-11-11");
		EXPECT(c, "n_issues=0");
	} else if (strstr(path, "oopfactory_4010_Batch1")) {
		/* component separator '|' */
		EXPECT(r->claims[0], "facility_type_code=99");
		EXPECT(r->claims[0], "facility_code_qualifier=X");
		EXPECT(r->claims[0], "claim_frequency_type=9");
		assert_int_equal(count_code(all, "COMPOSITE_UNSPLIT"), 0);
	}
}

static void
check_corpus(bool with_reader)
{
	const char *dir = corpus_dir();
	size_t checked = 0;

	if (!dir)
		fail_msg("corpus not found (CLAIMS_CORPUS_DIR)");
	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		const struct corpus_file *e = &corpus[i];
		char path[4096];
		size_t len, bal = 0;
		char *data;
		struct result r;
		struct shadow sh;

		snprintf(path, sizeof(path), "%s/%s", dir, e->path);
		data = read_file(path, &len);
		if (!data)
			fail_msg("cannot read %s", path);
		shadow_run(&sh, data, len);
		result_init(&r);
		if (with_reader)
			assert_int_equal(run_reader(&r, data, len), CLAIMS_OK);
		else
			run_splitter(&r, data, len);
		if (r.totals.claims_parsed != e->claims || r.totals.total_charge_cents != e->charge ||
		    (e->lines >= 0 && r.totals.claim_lines != e->lines) ||
		    (e->line_total >= 0 && r.totals.line_charge_total_cents != e->line_total))
			fail_msg("%s: claims %lld charge %lld lines %lld line total %lld; README: "
				 "%lld %lld %lld %lld",
				 e->path, (long long)r.totals.claims_parsed,
				 (long long)r.totals.total_charge_cents,
				 (long long)r.totals.claim_lines,
				 (long long)r.totals.line_charge_total_cents, (long long)e->claims,
				 (long long)e->charge, (long long)e->lines, (long long)e->line_total);
		/* the independent count agrees too */
		assert_int_equal(r.totals.claims_parsed, sh.claims);
		assert_int_equal(r.totals.total_charge_cents, sh.charge);
		assert_int_equal(r.totals.claim_lines, sh.lines);
		assert_int_equal(r.totals.line_charge_total_cents, sh.line_total);
		assert_int_equal(r.totals.claims_skipped, 0);
		assert_int_equal(r.n_emitted, sh.n_bal);
		/* BAL_837_CLAIM exactly on the claims whose CLM02 differs */
		for (size_t k = 0; k < sh.n_bal; k++) {
			if (r.bal[k] != sh.bal[k])
				fail_msg("%s: claim %zu BAL_837_CLAIM %d, expected %d", e->path,
					 k + 1, r.bal[k], sh.bal[k]);
			bal += sh.bal[k];
		}
		assert_int_equal(count_code(result_issues(&r), "BAL_837_CLAIM"), (int)bal);
		check_file_rules(e->path, &r, with_reader);
		fprintf(stderr, "# %-60s %4lld claims %12lld cents %4lld lines %12lld cents, %zu BAL\n",
			e->path, (long long)r.totals.claims_parsed,
			(long long)r.totals.total_charge_cents, (long long)r.totals.claim_lines,
			(long long)r.totals.line_charge_total_cents, bal);
		if (getenv("MAP837_VERBOSE"))
			fprintf(stderr, "%s", result_issues(&r));
		checked++;
		free(sh.bal);
		result_free(&r);
		free(data);
	}
	/* every file of 837p/ and 837i/ is in the table */
	for (int d = 0; d < 2; d++) {
		const char *sub = d ? "837i" : "837p";
		char path[4096];
		DIR *dp;
		struct dirent *de;

		snprintf(path, sizeof(path), "%s/%s", dir, sub);
		dp = opendir(path);
		assert_non_null(dp);
		while ((de = readdir(dp)) != NULL) {
			char rel[600];
			bool found = false;

			if (de->d_name[0] == '.')
				continue;
			snprintf(rel, sizeof(rel), "%s/%s", sub, de->d_name);
			for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++)
				if (strcmp(corpus[i].path, rel) == 0)
					found = true;
			if (!found)
				fail_msg("%s is not checked", rel);
		}
		closedir(dp);
	}
	assert_int_equal(checked, sizeof(corpus) / sizeof(corpus[0]));
}

static void
test_corpus_splitter(void **state)
{
	(void)state;
	check_corpus(false);
}

static void
test_corpus_reader(void **state)
{
	(void)state;
	check_corpus(true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_837p),
		cmocka_unit_test(test_patient_and_several_claims),
		cmocka_unit_test(test_other_payers),
		cmocka_unit_test(test_lx_rules),
		cmocka_unit_test(test_hi),
		cmocka_unit_test(test_diagnosis_pointers),
		cmocka_unit_test(test_engine_example_4),
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_clm_elements),
		cmocka_unit_test(test_provider_identity),
		cmocka_unit_test(test_837i),
		cmocka_unit_test(test_dates_837p),
		cmocka_unit_test(test_composite_unsplit),
		cmocka_unit_test(test_context_issues),
		cmocka_unit_test(test_reader_issues),
		cmocka_unit_test(test_incomplete_set),
		cmocka_unit_test(test_on_claim_abort),
		cmocka_unit_test(test_pending_type),
		cmocka_unit_test(test_out_of_memory),
		cmocka_unit_test(test_many_claims),
		cmocka_unit_test(test_corpus_splitter),
		cmocka_unit_test(test_corpus_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
