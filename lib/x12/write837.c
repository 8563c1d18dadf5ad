/*
 * libclaims: the 837 writer (spec/api.md §4.9).
 *
 * The claim record goes out in the loop order of the 5010 TR3s: ISA, GS,
 * ST, BHT, 1000A submitter, 1000B receiver, 2000A billing provider
 * (PRV*BI, NM1*85, N3, N4, REF*EI), 2000B subscriber (SBR, NM1*IL, DMG,
 * NM1*PR), 2000C patient when the patient is not the subscriber (PAT,
 * NM1*QC, DMG), then 2300 (CLM, DTP, CL1, REF, HI), the 2310 provider
 * loops, the 2320/2330 other payers and the 2400 lines (LX, SV1 or SV2,
 * DTP*472, REF*6R, NM1*82), and the trailers with their counts.
 *
 * What the writer chooses is decided by what the 837 mapping
 * (lib/ingest/map837.c) reads back, so that a written claim stores the
 * same fields:
 * - a null stored field is an empty element or an absent segment; a value
 *   the store never keeps is "UNKNOWN" (spec/api.md §4.9);
 * - the subscriber is the patient exactly when SBR02 is 18; otherwise the
 *   patient's fields go to a 2000C loop (written when any is stored);
 * - a claim-level DTP*472 is written only when the claim's service dates
 *   differ from what the mapping derives from its lines (or statement
 *   dates), because the mapping prefers a claim-level 472;
 * - a composite with any value keeps at least two components ("11:"), as a
 *   composite of one component is read as unsplit;
 * - diagnoses keep their stored order (their pointers are numbered in
 *   it), twelve per HI, a new HI where the kind of code changes.
 * Trailing empty elements and components are dropped.  Two required
 * elements are filled when the store has no value, so that the output
 * stays a valid 837: BHT04 (the claim's submitted_date, else the creation
 * date) and LX01 (the line's lx_number, else its line number).
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "write837.h"

#define MAX_ELEMENTS 32

/* One segment under construction: its text and where its last non-empty
 * element ends (trailing empty elements are cut there). */
struct seg {
	struct claims__buf *out;
	char buf[1024];
	struct claims__buf big; /* when an unusually long segment outgrows buf */
	size_t len, keep;
	size_t *count;
};

struct writer {
	struct claims__buf *b;
	size_t segments;    /* ISA .. now */
	size_t st_segments; /* ST .. now */
	bool in_st;
	struct seg s;
};

static void
seg_raw(struct writer *w, const char *p, size_t n)
{
	struct seg *s = &w->s;

	if (s->len + n <= sizeof(s->buf) && !s->big.data) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		return;
	}
	if (!s->big.data)
		claims__buf_append(&s->big, s->buf, s->len);
	claims__buf_append(&s->big, p, n);
	s->len += n;
}

/* A value's bytes with the delimiters replaced by spaces. */
static void
seg_value(struct writer *w, const char *v)
{
	for (const char *p = v; *p; p++) {
		char c = *p;

		if (c == '*' || c == ':' || c == '^' || c == '~')
			c = ' ';
		seg_raw(w, &c, 1);
	}
}

static void
seg_begin(struct writer *w, const char *id)
{
	w->s.len = 0;
	w->s.keep = 0;
	claims__buf_reset(&w->s.big);
	seg_raw(w, id, strlen(id));
	w->s.keep = w->s.len;
}

/* One simple element (NULL or "" = empty). */
static void
el(struct writer *w, const char *v)
{
	seg_raw(w, "*", 1);
	if (v && *v) {
		seg_value(w, v);
		w->s.keep = w->s.len;
	}
}

/* One composite element from @p n components; trailing empty ones are
 * dropped, but a composite with any value keeps @p min components. */
static void
el_comp(struct writer *w, const char *const *parts, size_t n, size_t min)
{
	size_t last = 0;

	for (size_t i = 0; i < n; i++)
		if (parts[i] && *parts[i])
			last = i + 1;
	seg_raw(w, "*", 1);
	if (last == 0)
		return;
	if (last < min)
		last = min;
	for (size_t i = 0; i < last; i++) {
		if (i)
			seg_raw(w, ":", 1);
		if (i < n && parts[i])
			seg_value(w, parts[i]);
	}
	w->s.keep = w->s.len;
}

static void
seg_end(struct writer *w)
{
	const char *text = w->s.big.data ? w->s.big.data : w->s.buf;

	if (w->s.big.oom)
		w->b->oom = true;
	claims__buf_append(w->b, text, w->s.keep);
	claims__buf_append(w->b, "~\n", 2);
	w->segments++;
	if (w->in_st)
		w->st_segments++;
}

/* A whole segment of simple elements: seg(w, "N3", "UNKNOWN", NULL). */
static void
seg(struct writer *w, const char *id, ...)
	__attribute__((sentinel));

static void
seg(struct writer *w, const char *id, ...)
{
	va_list ap;
	const char *v;
	int n = 0;

	seg_begin(w, id);
	va_start(ap, id);
	/* Arguments are "" for an empty element; NULL ends the list. */
	while ((v = va_arg(ap, const char *)) != NULL && n++ < MAX_ELEMENTS)
		el(w, v);
	va_end(ap);
	seg_end(w);
}

/* ---- values */

static bool
present(const char *s)
{
	return s && *s;
}

static const char *
nz(const char *s)
{
	return s ? s : "";
}

/* Cents as an X12 decimal with trailing zeros dropped: 100, 100.5, -2.54. */
static const char *
amount(char buf[static 32], bool has, int64_t cents)
{
	uint64_t mag;
	unsigned frac;
	int n;

	if (!has)
		return "";
	mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	frac = (unsigned)(mag % 100);
	n = snprintf(buf, 32, "%s%" PRIu64, cents < 0 ? "-" : "", mag / 100);
	if (frac % 10)
		snprintf(buf + n, 32 - (size_t)n, ".%02u", frac);
	else if (frac)
		snprintf(buf + n, 32 - (size_t)n, ".%u", frac / 10);
	return buf;
}

/* A quantity as the shortest fixed-point decimal that reads back as the
 * same double (no exponent: X12 decimals have none). */
static const char *
quantity(char buf[static 64], bool has, double v)
{
	if (!has)
		return "";
	for (int prec = 0; prec <= 17; prec++) {
		double back;

		snprintf(buf, 64, "%.*f", prec, v);
		if (sscanf(buf, "%lf", &back) == 1 && back == v)
			return buf;
	}
	return buf;
}

/* "YYYY-MM-DD" as D8 "YYYYMMDD"; "" for NULL. */
static const char *
d8(char buf[static 9], const char *date)
{
	if (!date || strlen(date) != 10) {
		buf[0] = '\0';
		return buf;
	}
	memcpy(buf, date, 4);
	memcpy(buf + 4, date + 5, 2);
	memcpy(buf + 6, date + 8, 2);
	buf[8] = '\0';
	return buf;
}

/* A D8 or RD8 date (to NULL: D8). */
static void
dtp(struct writer *w, const char *qual, const char *from, const char *to)
{
	char a[9], z[9], rd8[18];

	if (!present(from))
		return;
	if (present(to)) {
		snprintf(rd8, sizeof(rd8), "%s-%s", d8(a, from), d8(z, to));
		seg(w, "DTP", qual, "RD8", rd8, NULL);
	} else {
		seg(w, "DTP", qual, "D8", d8(a, from), NULL);
	}
}

static bool
streq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool
claims__valid_interchange_id(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n < 1 || n > 15 || s[0] == ' ')
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr(" .-_/", *p)))
			return false;
	return true;
}

/* ---- loops */

static void
envelope_head(struct writer *w, const claims_export_options *o, const struct tm *t,
	      const char *ctl, const char *gs06, const char *version, const char *tracking,
	      const char *bht_date)
{
	char sender[16], receiver[16], yymmdd[32], hhmm[32], ccyymmdd[32], isa[160];
	const char *sid = o->sender_id && *o->sender_id ? o->sender_id : "UNKNOWN";
	const char *rid = o->receiver_id && *o->receiver_id ? o->receiver_id : "UNKNOWN";

	snprintf(sender, sizeof(sender), "%-15.15s", sid);
	snprintf(receiver, sizeof(receiver), "%-15.15s", rid);
	snprintf(yymmdd, sizeof(yymmdd), "%02d%02d%02d", (t->tm_year + 1900) % 100, t->tm_mon + 1,
		 t->tm_mday);
	snprintf(hhmm, sizeof(hhmm), "%02d%02d", t->tm_hour, t->tm_min);
	snprintf(ccyymmdd, sizeof(ccyymmdd), "%04d%02d%02d", t->tm_year + 1900, t->tm_mon + 1,
		 t->tm_mday);
	/* The ISA is fixed-width: 106 bytes with its terminator. */
	snprintf(isa, sizeof(isa),
		 "ISA*00*          *00*          *ZZ*%s*ZZ*%s*%s*%s*^*00501*%s*0*%c*:~\n", sender,
		 receiver, yymmdd, hhmm, ctl, o->usage_indicator == 'P' ? 'P' : 'T');
	claims__buf_append(w->b, isa, strlen(isa));
	w->segments++;
	seg(w, "GS", "HC", sid, rid, ccyymmdd, hhmm, gs06, "X", version, NULL);
	w->in_st = true;
	seg(w, "ST", "837", "0001", version, NULL);
	seg(w, "BHT", "0019", "00", tracking, bht_date ? bht_date : ccyymmdd, hhmm, "CH", NULL);
	/* 1000A submitter and 1000B receiver: not stored. */
	seg(w, "NM1", "41", "2", "UNKNOWN", "", "", "", "", "46", sid, NULL);
	seg(w, "PER", "IC", "UNKNOWN", "TE", "UNKNOWN", NULL);
	seg(w, "NM1", "40", "2", "UNKNOWN", "", "", "", "", "46", rid, NULL);
}

static void
billing_provider(struct writer *w, const struct claims__claim_rec *c)
{
	const struct claims__provider_rec *p = &c->provider;
	const char *npi = c->billing_provider_npi;
	char type[2] = "";

	seg(w, "HL", "1", "", "20", "1", NULL);
	if (present(p->taxonomy_code))
		seg(w, "PRV", "BI", "PXC", p->taxonomy_code, NULL);
	if (p->entity_type == 1 || p->entity_type == 2)
		type[0] = (char)('0' + p->entity_type);
	/* The stored name is "LAST FIRST" for a person; as NM103 alone it is
	 * read back unchanged. */
	seg_begin(w, "NM1");
	el(w, "85");
	el(w, type);
	el(w, present(p->name) ? p->name : "UNKNOWN");
	for (int i = 0; i < 4; i++)
		el(w, "");
	el(w, present(npi) ? "XX" : "");
	el(w, npi);
	seg_end(w);
	seg(w, "N3", "UNKNOWN", NULL);
	seg(w, "N4", "UNKNOWN", NULL);
	if (present(c->billing_tax_id))
		seg(w, "REF", "EI", c->billing_tax_id, NULL);
}

static bool
patient_loop(const struct claims__claim_rec *c)
{
	return present(c->patient_last_name) || present(c->patient_first_name) ||
	       present(c->patient_dob) || present(c->patient_gender);
}

static void
person(struct writer *w, const char *qual, const char *last, const char *first,
       const char *id_qual, const char *id)
{
	seg_begin(w, "NM1");
	el(w, qual);
	el(w, "1");
	el(w, last);
	el(w, first);
	for (int i = 0; i < 3; i++)
		el(w, "");
	el(w, present(id) ? id_qual : "");
	el(w, id);
	seg_end(w);
}

static void
demographics(struct writer *w, const char *dob, const char *gender)
{
	char b[9];

	if (!present(dob) && !present(gender))
		return;
	seg(w, "DMG", present(dob) ? "D8" : "", d8(b, dob), nz(gender), NULL);
}

static void
subscriber_and_patient(struct writer *w, const struct claims__claim_rec *c)
{
	bool self = streq(c->relationship_code, "18");
	bool pat = !self && patient_loop(c);

	seg(w, "HL", "2", "1", "22", pat ? "1" : "0", NULL);
	seg(w, "SBR", nz(c->payer_responsibility), nz(c->relationship_code), "", "", "", "", "", "",
	    nz(c->claim_filing_indicator), NULL);
	if (self) {
		person(w, "IL", c->patient_last_name, c->patient_first_name, "MI",
		       c->subscriber_member_id);
		seg(w, "N3", "UNKNOWN", NULL);
		seg(w, "N4", "UNKNOWN", NULL);
		demographics(w, c->patient_dob, c->patient_gender);
	} else {
		/* The subscriber's name is stored only when he is the patient. */
		person(w, "IL", "UNKNOWN", NULL, "MI", c->subscriber_member_id);
	}
	seg_begin(w, "NM1");
	el(w, "PR");
	el(w, "2");
	el(w, c->payer.name);
	for (int i = 0; i < 4; i++)
		el(w, "");
	el(w, present(c->payer.payer_id) ? "PI" : "");
	el(w, c->payer.payer_id);
	seg_end(w);
	if (pat) {
		seg(w, "HL", "3", "2", "23", "0", NULL);
		seg(w, "PAT", "G8", NULL); /* relationship to the insured: not stored */
		person(w, "QC", c->patient_last_name, c->patient_first_name, NULL, NULL);
		seg(w, "N3", "UNKNOWN", NULL);
		seg(w, "N4", "UNKNOWN", NULL);
		demographics(w, c->patient_dob, c->patient_gender);
	}
}

static void
clm(struct writer *w, const struct claims__claim_rec *c)
{
	const char *clm05[3] = { c->facility_type_code, c->facility_code_qualifier,
				 c->claim_frequency_type };
	const char *clm11[3] = { NULL, NULL, NULL };
	char money[32], causes[128];

	if (present(c->related_causes)) {
		/* stored comma-joined (AA,EM) */
		char *p = causes, *comma;

		snprintf(causes, sizeof(causes), "%s", c->related_causes);
		for (int i = 0; i < 3 && p; i++) {
			comma = strchr(p, ',');
			if (comma)
				*comma = '\0';
			clm11[i] = p;
			p = comma ? comma + 1 : NULL;
		}
	}
	seg_begin(w, "CLM");
	el(w, c->claim_control_number);
	el(w, amount(money, c->total_charge.has, c->total_charge.cents));
	el(w, "");
	el(w, "");
	el_comp(w, clm05, 3, 2);
	el(w, c->provider_signature);
	el(w, c->assignment_code);
	el(w, c->benefits_assignment);
	el(w, c->release_of_info);
	el(w, "");
	el_comp(w, clm11, 3, 1);
	for (int i = 12; i < 20; i++)
		el(w, "");
	el(w, c->delay_reason_code);
	seg_end(w);
}

static void
claim_dates(struct writer *w, const struct claims__claim_rec *c, bool inst)
{
	const char *from, *to;
	char a[9], dt[13];

	if (inst) {
		/* 096 is the discharge hour; the discharge date is the end of
		 * the statement period when a 096 is present. */
		if (present(c->discharge_hour) || present(c->discharge_date))
			seg(w, "DTP", "096", "TM", nz(c->discharge_hour), NULL);
		dtp(w, "434", c->statement_date, c->statement_date_to);
		if (present(c->admission_date)) {
			if (present(c->admission_hour)) {
				snprintf(dt, sizeof(dt), "%s%s", d8(a, c->admission_date),
					 c->admission_hour);
				seg(w, "DTP", "435", "DT", dt, NULL);
			} else {
				dtp(w, "435", c->admission_date, NULL);
			}
		}
	} else {
		dtp(w, "431", c->onset_date, NULL);
		dtp(w, "484", c->last_menstrual_date, NULL);
		dtp(w, "435", c->admission_date, NULL);
		dtp(w, "096", c->discharge_date, NULL);
	}
	claims__claim_derived_service_dates(c, &from, &to);
	if (!(streq(from, c->service_date) && streq(to, c->service_date_to)))
		dtp(w, "472", c->service_date, c->service_date_to);
}

/* The kind of an HI entry, for starting a new HI where it changes. */
static int
hi_kind(const struct claims__diagnosis_rec *d, bool inst)
{
	static const char *const roles[] = {
		"principal", "other", "admitting", "reason_for_visit", "external_cause",
		"principal_procedure", "other_procedure", "occurrence", "occurrence_span",
		"value", "condition", "drg", "treatment",
	};
	const char *role = d->role ? d->role : "unknown";

	/* 837P: the principal diagnosis leads the diagnosis HI. */
	if (!inst && strcmp(role, "principal") == 0)
		role = "other";
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(role, roles[i]) == 0)
			return (int)i;
	return -1;
}

static void
diagnoses(struct writer *w, const struct claims__claim_rec *c, bool inst)
{
	size_t in_seg = 0;
	int kind = 0;

	for (size_t i = 0; i < c->n_diagnoses; i++) {
		const struct claims__diagnosis_rec *d = &c->diagnoses[i];
		char date[9], money[32];
		const char *parts[9] = { d->qualifier, d->code };
		int k = hi_kind(d, inst);

		if (in_seg && (in_seg == 12 || k != kind)) {
			seg_end(w);
			in_seg = 0;
		}
		if (in_seg == 0)
			seg_begin(w, "HI");
		kind = k;
		if (present(d->code_date)) {
			parts[2] = "D8";
			parts[3] = d8(date, d->code_date);
		}
		parts[4] = amount(money, d->amount.has, d->amount.cents);
		parts[8] = d->poa;
		el_comp(w, parts, 9, 2);
		in_seg++;
	}
	if (in_seg)
		seg_end(w);
}

static void
provider_nm1(struct writer *w, const char *qual, const char *npi)
{
	if (!present(npi))
		return;
	seg_begin(w, "NM1");
	el(w, qual);
	el(w, strcmp(qual, "77") == 0 ? "2" : "1");
	el(w, "UNKNOWN"); /* names of non-billing providers are not stored */
	for (int i = 0; i < 4; i++)
		el(w, "");
	el(w, "XX");
	el(w, npi);
	seg_end(w);
	if (strcmp(qual, "77") == 0) {
		seg(w, "N3", "UNKNOWN", NULL);
		seg(w, "N4", "UNKNOWN", NULL);
	}
}

static void
claim_providers(struct writer *w, const struct claims__claim_rec *c, bool inst)
{
	if (inst) {
		/* 2310A attending, B operating, D rendering, E facility, F referring */
		provider_nm1(w, "71", c->attending_provider_npi);
		provider_nm1(w, "72", c->operating_provider_npi);
		provider_nm1(w, "82", c->rendering_provider_npi);
		provider_nm1(w, "77", c->service_facility_npi);
		provider_nm1(w, "DN", c->referring_provider_npi);
	} else {
		/* 2310A referring, B rendering, C facility (attending and
		 * operating are 837I loops; kept when stored all the same) */
		provider_nm1(w, "DN", c->referring_provider_npi);
		provider_nm1(w, "82", c->rendering_provider_npi);
		provider_nm1(w, "77", c->service_facility_npi);
		provider_nm1(w, "71", c->attending_provider_npi);
		provider_nm1(w, "72", c->operating_provider_npi);
	}
}

static void
other_payers(struct writer *w, const struct claims__claim_rec *c)
{
	const char *oi03 = c->benefits_assignment, *oi06 = c->release_of_info;

	if (!(streq(oi03, "Y") || streq(oi03, "N") || streq(oi03, "W")))
		oi03 = "Y";
	if (!(streq(oi06, "I") || streq(oi06, "Y")))
		oi06 = "Y";
	for (size_t i = 0; i < c->n_other_payers; i++) {
		const struct claims__other_payer_rec *o = &c->other_payers[i];
		char money[32];

		/* 2320: the other subscriber's relationship is not stored (G8) */
		seg(w, "SBR", nz(o->responsibility), "G8", NULL);
		if (o->paid.has)
			seg(w, "AMT", "D", amount(money, true, o->paid.cents), NULL);
		seg(w, "OI", "", "", oi03, "", "", oi06, NULL);
		/* 2330A other subscriber, 2330B other payer */
		person(w, "IL", "UNKNOWN", NULL, "MI", "UNKNOWN");
		seg_begin(w, "NM1");
		el(w, "PR");
		el(w, "2");
		el(w, o->payer_name);
		for (int k = 0; k < 4; k++)
			el(w, "");
		el(w, present(o->payer_id) ? "PI" : "");
		el(w, o->payer_id);
		seg_end(w);
	}
}

static void
line(struct writer *w, const struct claims__line_rec *l, bool inst)
{
	const char *proc[6] = { l->procedure_qualifier, l->procedure_code };
	char money[32], qty[64], lx[16] = "";
	bool sv1_only = present(l->place_of_service) || l->n_pointers > 0;
	bool sv2 = present(l->revenue_code) || (inst && !sv1_only);

	for (int i = 0; i < l->n_modifiers && i < 4; i++)
		proc[2 + i] = l->modifiers[i];
	/* LX01 is required: a line stored without an LX number (none was
	 * sent) gets its line number. */
	snprintf(lx, sizeof(lx), "%d", l->lx_number > 0 ? l->lx_number : l->line_number);
	seg(w, "LX", lx, NULL);
	if (sv2) {
		seg_begin(w, "SV2");
		el(w, l->revenue_code);
		el_comp(w, proc, 6, 2);
		el(w, amount(money, l->charge.has, l->charge.cents));
		el(w, l->unit_type);
		el(w, quantity(qty, l->has_unit_count, l->unit_count));
		seg_end(w);
	} else {
		char p[4][4];
		const char *ptrs[4] = { NULL, NULL, NULL, NULL };

		for (int i = 0; i < l->n_pointers && i < 4; i++) {
			snprintf(p[i], sizeof(p[i]), "%d", l->diagnosis_pointers[i]);
			ptrs[i] = p[i];
		}
		seg_begin(w, "SV1");
		el_comp(w, proc, 6, 2);
		el(w, amount(money, l->charge.has, l->charge.cents));
		el(w, l->unit_type);
		el(w, quantity(qty, l->has_unit_count, l->unit_count));
		el(w, l->place_of_service);
		el(w, "");
		el_comp(w, ptrs, 4, 1);
		seg_end(w);
	}
	dtp(w, "472", l->service_date, l->service_date_to);
	if (present(l->line_item_control_number))
		seg(w, "REF", "6R", l->line_item_control_number, NULL);
	provider_nm1(w, "82", l->rendering_provider_npi);
}

void
claims__write837(struct claims__buf *b, const struct claims__claim_rec *c, int64_t claim_id,
		 int64_t version, const claims_export_options *o, int64_t created,
		 struct claims__write837_info *info)
{
	struct writer w = { .b = b };
	bool inst = c->type == CLAIMS_X12_TYPE_837I;
	const char *gs08 = inst ? "005010X223A2" : "005010X222A1";
	time_t t = (time_t)created;
	struct tm tm;
	char se01[24], bht04[9], gs06[16];
	uint64_t ctl = ((uint64_t)claim_id * 100u + (uint64_t)version) % 1000000000u;

	memset(info, 0, sizeof(*info));
	gmtime_r(&t, &tm);
	snprintf(info->control_number, sizeof(info->control_number), "%09" PRIu64, ctl);
	snprintf(info->tracking_id, sizeof(info->tracking_id), "CLM-%" PRId64 "-v%" PRId64,
		 claim_id, version);

	/* GS06 / GE02: the same number without its padding */
	snprintf(gs06, sizeof(gs06), "%" PRIu64, ctl);
	envelope_head(&w, o, &tm, info->control_number, gs06, gs08, info->tracking_id,
		      present(c->submitted_date) ? d8(bht04, c->submitted_date) : NULL);
	billing_provider(&w, c);
	subscriber_and_patient(&w, c);
	clm(&w, c);
	claim_dates(&w, c, inst);
	if (present(c->admission_type) || present(c->admission_source) ||
	    present(c->patient_status))
		seg(&w, "CL1", nz(c->admission_type), nz(c->admission_source),
		    nz(c->patient_status), NULL);
	if (present(c->referral_number))
		seg(&w, "REF", "9F", c->referral_number, NULL);
	if (present(c->prior_authorization))
		seg(&w, "REF", "G1", c->prior_authorization, NULL);
	if (present(c->original_reference_number))
		seg(&w, "REF", "F8", c->original_reference_number, NULL);
	if (present(c->medical_record_number))
		seg(&w, "REF", "EA", c->medical_record_number, NULL);
	diagnoses(&w, c, inst);
	claim_providers(&w, c, inst);
	other_payers(&w, c);
	for (size_t i = 0; i < c->n_lines; i++)
		line(&w, &c->lines[i], inst);

	snprintf(se01, sizeof(se01), "%zu", w.st_segments + 1);
	seg(&w, "SE", se01, "0001", NULL);
	w.in_st = false;
	info->st_segment_count = w.st_segments;
	seg(&w, "GE", "1", gs06, NULL);
	seg(&w, "IEA", "1", info->control_number, NULL);
	info->segment_count = w.segments;
	claims__buf_free(&w.s.big);
}
