/*
 * libclaims engine: denial-risk scoring of a claim (spec/engine.md §3).
 *
 * Five components in 0..100: coding, documentation and payer add the points
 * of their triggered rules (capped at 100; a claim without payer has payer
 * risk exactly 30), historical is a smoothed denial rate of the payer and of
 * the claim's procedures over other claims' adjudicated episodes, pattern is
 * the best match among the payer's learned patterns.  The overall score is
 * the weighted mean of the rounded components.  Every calculation is stored
 * as a new risk_scores row; the newest is the current score.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/patterns.h"
#include "engine/risk.h"
#include "jsonw.h"
#include "store.h"
#include "store_engine.h"
#include "x12/values.h"

/* ---------------------------------------------------------------- pure parts */

const char *
claims__risk_level(double score)
{
	double s = claims__round2(score);

	if (s >= 75.0)
		return "critical";
	if (s >= 50.0)
		return "high";
	if (s >= 25.0)
		return "medium";
	return "low";
}

double
claims__risk_overall(const double comp[5], const double w[5])
{
	double num = 0.0, den = 0.0;

	for (int i = 0; i < 5; i++) {
		num += w[i] * claims__round2(comp[i]);
		den += w[i];
	}
	if (den <= 0.0)
		return 0.0;
	return claims__round2(num / den);
}

double
claims__risk_historical(int64_t n_payer, int64_t d_payer, bool has_payer, const int64_t *n_code,
			const int64_t *d_code, size_t n_codes)
{
	double p = 0.2, q = 0.2, h;

	if (has_payer)
		p = (double)(d_payer + 1) / (double)(n_payer + 5);
	for (size_t i = 0; i < n_codes; i++) {
		double r = (double)(d_code[i] + 1) / (double)(n_code[i] + 5);

		if (i == 0 || r > q)
			q = r;
	}
	h = claims__round2(100.0 * (0.5 * p + 0.5 * q));
	return h > 100.0 ? 100.0 : h;
}

/* ---------------------------------------------------------------- factors */

struct fbuf {
	claims_risk_factor *v;
	size_t n, cap;
	bool oom;
};

static void
fbuf_free(struct fbuf *f)
{
	for (size_t i = 0; i < f->n; i++) {
		claims__free(f->v[i].type);
		claims__free(f->v[i].code);
		claims__free(f->v[i].severity);
		claims__free(f->v[i].message);
		claims__free(f->v[i].denial_reason_code);
	}
	claims__free(f->v);
	memset(f, 0, sizeof(*f));
}

static claims_risk_factor *add_factor(struct fbuf *f, const char *type, const char *code,
				      const char *severity, double points, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static claims_risk_factor *
add_factor(struct fbuf *f, const char *type, const char *code, const char *severity, double points,
	   const char *fmt, ...)
{
	claims_risk_factor *x;
	char msg[512];
	va_list ap;

	if (f->oom)
		return NULL;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		claims_risk_factor *v = claims__realloc(f->v, cap * sizeof(*v));

		if (!v) {
			f->oom = true;
			return NULL;
		}
		f->v = v;
		f->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	x = &f->v[f->n++];
	memset(x, 0, sizeof(*x));
	x->type = claims__strdup(type);
	x->code = claims__strdup(code);
	x->severity = claims__strdup(severity);
	x->message = claims__strdup(msg);
	x->points = points;
	if (!x->type || !x->code || !x->severity || !x->message)
		f->oom = true;
	return x;
}

static double
sum_points(const struct fbuf *f, size_t from)
{
	double s = 0.0;

	for (size_t i = from; i < f->n; i++)
		s += f->v[i].points;
	return s > 100.0 ? 100.0 : claims__round2(s);
}

static const char *
str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* ---------------------------------------------------------------- components */

struct claim_data {
	struct claims__risk_claim c;
	struct claims__risk_lines lines;
	char *invalid_dx[3];
	size_t n_invalid_dx;
};

static double
coding(struct fbuf *f, const struct claim_data *d)
{
	const struct claims__risk_claim *c = &d->c;
	bool inst = strcmp(c->type, "837I") == 0;
	size_t start = f->n;
	int64_t limit = inst ? 25 : 12;

	if (c->n_diagnoses == 0)
		add_factor(f, "coding", "NO_DIAGNOSIS", "critical", 50,
			   "The claim has no diagnosis code");
	if (!c->principal_diagnosis)
		add_factor(f, "coding", "NO_PRINCIPAL_DIAGNOSIS", "high", 40,
			   "The claim has no principal diagnosis");
	if (c->n_diagnoses > limit)
		add_factor(f, "coding", "TOO_MANY_DIAGNOSES", "medium", 20,
			   "The claim has %" PRId64 " diagnoses, more than the %" PRId64 " allowed",
			   c->n_diagnoses, limit);
	for (size_t i = 0; i < d->n_invalid_dx; i++)
		add_factor(f, "coding", "INVALID_DIAGNOSIS", "medium", 10,
			   "Diagnosis code %s is not a valid code", d->invalid_dx[i]);
	if (c->n_lines == 0)
		add_factor(f, "coding", "NO_LINES", "high", 30, "The claim has no service line");
	for (size_t i = 0; i < d->lines.n; i++) {
		const struct claims__risk_line *l = &d->lines.v[i];

		if (!inst && !l->procedure_code)
			add_factor(f, "coding", "LINE_MISSING_PROCEDURE", "medium", 15,
				   "Line %" PRId64 " has no procedure code", l->line_number);
		else if (inst && !l->revenue_code)
			add_factor(f, "coding", "LINE_MISSING_PROCEDURE", "medium", 15,
				   "Line %" PRId64 " has no revenue code", l->line_number);
	}
	for (size_t i = 0; i < d->lines.n; i++) {
		const struct claims__risk_line *l = &d->lines.v[i];

		if (l->procedure_code_valid == 0)
			add_factor(f, "coding", "INVALID_PROCEDURE", "medium", 10,
				   "Procedure code %s on line %" PRId64 " is not valid",
				   str_or(l->procedure_code, "(none)"), l->line_number);
	}
	for (size_t i = 0; i < d->lines.n; i++) {
		const struct claims__risk_line *l = &d->lines.v[i];

		for (size_t j = 0; j < l->n_modifiers; j++)
			if (!claims__valid_modifier(l->modifiers[j], strlen(l->modifiers[j])))
				add_factor(f, "coding", "INVALID_MODIFIER", "low", 5,
					   "Modifier %s on line %" PRId64 " is not valid",
					   l->modifiers[j], l->line_number);
	}
	for (size_t i = 0; !inst && i < d->lines.n; i++) {
		const struct claims__risk_line *l = &d->lines.v[i];

		if (l->n_pointers == 0)
			add_factor(f, "coding", "BAD_DIAGNOSIS_POINTER", "medium", 10,
				   "Line %" PRId64 " has no diagnosis pointer", l->line_number);
		else if (l->max_pointer > c->n_diagnoses)
			add_factor(f, "coding", "BAD_DIAGNOSIS_POINTER", "medium", 10,
				   "Line %" PRId64 " points to diagnosis %" PRId64
				   " but the claim has %" PRId64,
				   l->line_number, l->max_pointer, c->n_diagnoses);
	}
	return sum_points(f, start);
}

static double
documentation(struct fbuf *f, const struct claim_data *d)
{
	static const char *const npi_roles[] = { "billing", "rendering", "attending",
						 "operating", "referring", "service facility" };
	const struct claims__risk_claim *c = &d->c;
	bool inst = strcmp(c->type, "837I") == 0;
	size_t start = f->n;
	int bad_npis = 0;

	if (c->is_incomplete)
		add_factor(f, "documentation", "INCOMPLETE", "high", 30,
			   "The claim has errors that leave it incomplete");
	if (c->n_warnings > 5)
		add_factor(f, "documentation", "MANY_WARNINGS", "medium", 25,
			   "The claim has %" PRId64 " warnings or errors", c->n_warnings);
	if (inst ? !c->npi[2] : (!c->npi[0] && !c->npi[1]))
		add_factor(f, "documentation", "MISSING_PROVIDER_NPI", "medium", 20,
			   inst ? "The institutional claim has no attending provider NPI"
				: "The claim has neither a rendering nor a billing provider NPI");
	for (int i = 0; i < 6 && bad_npis < 2; i++) {
		if (c->npi[i] && !claims__valid_npi(c->npi[i], strlen(c->npi[i]))) {
			add_factor(f, "documentation", "INVALID_NPI", "high", 25,
				   "The %s provider NPI %s fails the check digit", npi_roles[i],
				   c->npi[i]);
			bad_npis++;
		}
	}
	for (size_t i = 0; i < d->lines.n && bad_npis < 2; i++) {
		const char *npi = d->lines.v[i].rendering_npi;

		if (npi && !claims__valid_npi(npi, strlen(npi))) {
			add_factor(f, "documentation", "INVALID_NPI", "high", 25,
				   "The rendering provider NPI %s on line %" PRId64
				   " fails the check digit",
				   npi, d->lines.v[i].line_number);
			bad_npis++;
		}
	}
	if (!c->service_date[0] && !c->statement_date[0])
		add_factor(f, "documentation", "MISSING_DATES", "medium", 15,
			   "The claim has neither a service date nor a statement date");
	if (!c->assignment_code)
		add_factor(f, "documentation", "MISSING_ASSIGNMENT", "low", 10,
			   "The claim has no assignment code (CLM07)");
	if (c->n_lines > 0 && c->has_total && c->total_cents != c->line_charge_cents) {
		char a[32], b[32];

		claims__format_cents(a, c->total_cents);
		claims__format_cents(b, c->line_charge_cents);
		add_factor(f, "documentation", "TOTAL_MISMATCH", "high", 20,
			   "The claim total %s differs from the sum of its lines %s", a, b);
	}
	if (c->frequency && (strcmp(c->frequency, "7") == 0 || strcmp(c->frequency, "8") == 0) &&
	    !c->original_reference)
		add_factor(f, "documentation", "MISSING_ORIGINAL_REFERENCE", "high", 30,
			   "The frequency %s claim has no original reference number (REF*F8)",
			   c->frequency);
	return sum_points(f, start);
}

static bool
in_strs(char *const *list, size_t n, const char *v)
{
	for (size_t i = 0; v && i < n; i++)
		if (strcmp(list[i], v) == 0)
			return true;
	return false;
}

static int
payer(claims_db *db, struct fbuf *f, const struct claim_data *d, const claims_engine_config *cfg,
      double *out)
{
	const struct claims__risk_claim *c = &d->c;
	struct claims__payer_rules r;
	size_t start = f->n;
	int rc;

	if (!c->payer_id) {
		add_factor(f, "payer", "NO_PAYER", "medium", 30, "The claim has no payer");
		*out = 30.0;
		return CLAIMS_OK;
	}
	rc = claims__store_payer_rules(db, c->payer_id, &r);
	if (rc < 0)
		return rc;
	if (r.allowed_bad)
		claims__log(db, CLAIMS_LOG_WARNING, "payer %" PRId64
			    ": rules_config allowed_frequency_types is not a list of strings; ignored",
			    c->payer_id);
	if (r.restricted_bad)
		claims__log(db, CLAIMS_LOG_WARNING, "payer %" PRId64
			    ": rules_config restricted_facility_types is not a list of strings; ignored",
			    c->payer_id);
	if (r.prior_auth_bad)
		claims__log(db, CLAIMS_LOG_WARNING, "payer %" PRId64
			    ": rules_config prior_auth_procedure_codes is not a list of strings; ignored",
			    c->payer_id);
	if (r.timely_bad)
		claims__log(db, CLAIMS_LOG_WARNING, "payer %" PRId64
			    ": rules_config timely_filing_days is not an integer 1..3650; ignored",
			    c->payer_id);

	if (r.n_allowed && !in_strs(r.allowed_frequency_types, r.n_allowed, c->frequency))
		add_factor(f, "payer", "FREQUENCY_NOT_ALLOWED", "high", 25,
			   "The payer does not accept claim frequency %s",
			   str_or(c->frequency, "(none)"));
	if (in_strs(r.restricted_facility_types, r.n_restricted, c->facility_type_code))
		add_factor(f, "payer", "FACILITY_RESTRICTED", "high", 30,
			   "The payer restricts facility type %s", c->facility_type_code);
	if (c->service_date[0]) {
		const char *base = c->submitted_date[0] ? c->submitted_date : c->created_date;
		int64_t a, b;
		int limit = r.timely_filing_days ? r.timely_filing_days : cfg->timely_filing_days;

		if (claims__date_days(base, &a) && claims__date_days(c->service_date, &b)) {
			int64_t days = a - b;

			if (days > limit)
				add_factor(f, "payer", "TIMELY_FILING_EXCEEDED", "high", 40,
					   "Submitted %" PRId64 " days after the service date %s, "
					   "past the %d-day filing limit",
					   days, c->service_date, limit);
			else if (days > limit - 30)
				add_factor(f, "payer", "TIMELY_FILING_NEAR", "medium", 15,
					   "Submitted %" PRId64 " days after the service date %s, "
					   "near the %d-day filing limit",
					   days, c->service_date, limit);
		}
	}
	if (r.n_prior_auth && !c->prior_authorization) {
		for (size_t i = 0; i < d->lines.n; i++) {
			const char *p = d->lines.v[i].procedure_code;

			if (in_strs(r.prior_auth_procedure_codes, r.n_prior_auth, p)) {
				add_factor(f, "payer", "PRIOR_AUTH_MISSING", "high", 25,
					   "Procedure %s needs a prior authorization and the claim "
					   "has none",
					   p);
				break;
			}
		}
	}
	if (c->frequency && strcmp(c->frequency, "1") == 0 && c->submission_count > 1)
		add_factor(f, "payer", "DUPLICATE_SUBMISSION", "high", 30,
			   "The original claim was submitted %" PRId64 " times",
			   c->submission_count);
	else if (c->duplicate)
		add_factor(f, "payer", "DUPLICATE_SUBMISSION", "high", 30,
			   "Another claim has the same provider, member, service date %s, total "
			   "and procedures",
			   c->service_date);
	claims__payer_rules_clear(&r);
	*out = sum_points(f, start);
	return CLAIMS_OK;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
historical(claims_db *db, struct fbuf *f, const struct claim_data *d,
	   const claims_engine_config *cfg, double *out, int64_t *n_payer)
{
	const char *codes[64];
	int64_t n_code[64], d_code[64], d_payer = 0, t, own_n, own_d, own_np, own_dp;
	size_t n_codes = 0;
	char today[11], from[11];
	int rc;

	*n_payer = 0;
	claims__engine_today(cfg, today);
	if (!claims__date_days(today, &t))
		return claims__set_error(db, CLAIMS_EINVAL, "bad date %s", today);
	claims__days_date(t - (cfg->history_days - 1), from);
	/* Episodes of other claims = all in the window - the claim's own. */
	rc = claims__store_history_totals(db, from, today);
	if (rc == CLAIMS_OK)
		rc = claims__store_history_own(db, d->c.id, d->c.payer_id, from, today, &own_n,
					       &own_d, &own_np, &own_dp);
	if (rc < 0)
		return rc;
	if (d->c.payer_id) {
		claims__history_payer_totals(db, d->c.payer_id, n_payer, &d_payer);
		*n_payer -= own_np;
		d_payer -= own_dp;
	}
	for (size_t i = 0; i < d->lines.n && n_codes < 64; i++)
		if (d->lines.v[i].procedure_code)
			codes[n_codes++] = d->lines.v[i].procedure_code;
	if (n_codes > 1) {
		size_t k = 0;

		qsort(codes, n_codes, sizeof(*codes), cmp_str);
		for (size_t i = 1; i < n_codes; i++)
			if (strcmp(codes[i], codes[k]) != 0)
				codes[++k] = codes[i];
		n_codes = k + 1;
	}
	for (size_t i = 0; i < n_codes; i++) {
		claims__history_code_totals(db, codes[i], &n_code[i], &d_code[i]);
		n_code[i] -= own_n;
		d_code[i] -= own_d;
	}
	*out = claims__risk_historical(*n_payer, d_payer, d->c.payer_id != 0, n_code, d_code,
				       n_codes);
	if (*out >= 40.0)
		add_factor(f, "historical", "HISTORICAL_DENIALS", "medium", *out,
			   "Recent denial rates for this payer and these procedures give %.2f",
			   *out);
	return CLAIMS_OK;
}

static int
pattern(claims_db *db, struct fbuf *f, int64_t claim_id, double *out, char **top_code)
{
	claims_pattern_analysis *a = NULL;
	int rc = claims__patterns_analyze(db, claim_id, &a);

	*out = 0.0;
	*top_code = NULL;
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < a->count; i++) {
		const claims_pattern_match *m = &a->matches[i];

		if (m->pattern_risk > *out)
			*out = m->pattern_risk;
		if (i < 3) {
			claims_risk_factor *x =
				add_factor(f, "pattern_match", "PATTERN_MATCH",
					   m->match_score > 0.7 ? "high" : "medium", m->pattern_risk,
					   "Matches denial pattern: %s", m->pattern.pattern_description);

			if (x) {
				x->pattern_id = m->pattern.id;
				x->denial_reason_code = claims__strdup(m->pattern.denial_reason_code);
				x->match_score = m->match_score;
				x->confidence = m->pattern.confidence_score;
				if (!x->denial_reason_code)
					f->oom = true;
			}
		}
	}
	if (a->count) {
		*top_code = claims__strdup(a->matches[0].pattern.denial_reason_code);
		if (!*top_code)
			f->oom = true;
	}
	if (*out > 100.0)
		*out = 100.0;
	claims_pattern_analysis_free(a);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- recommendations */

static bool
push_rec(claims_risk_score *s, const char *text)
{
	char **v = claims__realloc(s->recommendations, (s->n_recommendations + 1) * sizeof(*v));

	if (!v)
		return false;
	s->recommendations = v;
	v[s->n_recommendations] = claims__strdup(text);
	if (!v[s->n_recommendations])
		return false;
	s->n_recommendations++;
	return true;
}

static bool
recommendations(claims_risk_score *s, const char *top_code)
{
	bool ok = true, critical = false;

	if (s->coding_risk > 50)
		ok = ok && push_rec(s, "Review procedure codes and modifiers for accuracy") &&
		     push_rec(s, "Verify diagnosis codes match procedure codes");
	if (s->documentation_risk > 50)
		ok = ok && push_rec(s, "Ensure all required documentation is attached") &&
		     push_rec(s, "Verify provider signatures are present");
	if (s->payer_risk > 50)
		ok = ok && push_rec(s, "Check payer-specific requirements before submission") &&
		     push_rec(s, "Verify patient eligibility and benefits");
	if (s->historical_risk > 50)
		ok = ok && push_rec(s, "Review recent denials for this payer and these procedures");
	if (s->pattern_risk > 50 && top_code) {
		char msg[160];

		snprintf(msg, sizeof(msg), "Review denial pattern %s for this payer before submission",
			 top_code);
		ok = ok && push_rec(s, msg);
	}
	for (size_t i = 0; i < s->n_factors; i++)
		critical = critical || strcmp(s->factors[i].severity, "critical") == 0;
	if (critical)
		ok = ok && push_rec(s, "CRITICAL: Address high-priority issues before submission");
	return ok;
}

/* ---------------------------------------------------------------- JSON */

static void
kv_fixed(struct claims__jsonw *w, const char *key, int places, double v)
{
	char buf[64];

	if (places > 0)
		snprintf(buf, sizeof(buf), "%.*f", places, v);
	else
		snprintf(buf, sizeof(buf), "%.6g", v);
	claims__jsonw_key(w, key);
	claims__jsonw_raw(w, buf);
}

static char *
factors_json(const claims_risk_score *s)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_array_begin(&w);
	for (size_t i = 0; i < s->n_factors; i++) {
		const claims_risk_factor *f = &s->factors[i];

		claims__jsonw_object_begin(&w);
		claims__jsonw_kv_string(&w, "type", f->type);
		claims__jsonw_kv_string(&w, "code", f->code);
		claims__jsonw_kv_string(&w, "severity", f->severity);
		claims__jsonw_kv_string(&w, "message", f->message);
		kv_fixed(&w, "points", 2, f->points);
		if (strcmp(f->type, "pattern_match") == 0) {
			claims__jsonw_kv_int(&w, "pattern_id", f->pattern_id);
			claims__jsonw_kv_string(&w, "denial_reason_code", f->denial_reason_code);
			kv_fixed(&w, "match_score", 4, f->match_score);
			kv_fixed(&w, "confidence", 4, f->confidence);
		}
		claims__jsonw_object_end(&w);
	}
	claims__jsonw_array_end(&w);
	return claims__buf_take(&b);
}

static char *
strings_json(char *const *v, size_t n)
{
	return claims__codes_json((const char *const *)v, n);
}

static char *
weights_json(const double w[5])
{
	static const char *const keys[] = { "payer", "coding", "documentation", "historical",
					     "pattern" };
	struct claims__buf b = { 0 };
	struct claims__jsonw jw;

	claims__jsonw_init(&jw, &b);
	claims__jsonw_object_begin(&jw);
	for (int i = 0; i < 5; i++)
		kv_fixed(&jw, keys[i], 0, w[i]);
	claims__jsonw_object_end(&jw);
	return claims__buf_take(&b);
}

/* ---------------------------------------------------------------- public */

void
claims_risk_score_free(claims_risk_score *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_factors; i++) {
		claims__free(s->factors[i].type);
		claims__free(s->factors[i].code);
		claims__free(s->factors[i].severity);
		claims__free(s->factors[i].message);
		claims__free(s->factors[i].denial_reason_code);
	}
	claims__free(s->factors);
	for (size_t i = 0; i < s->n_recommendations; i++)
		claims__free(s->recommendations[i]);
	claims__free(s->recommendations);
	claims__free(s);
}

static void
claim_data_clear(struct claim_data *d)
{
	claims__risk_claim_clear(&d->c);
	claims__risk_lines_free(&d->lines);
	for (size_t i = 0; i < d->n_invalid_dx; i++)
		claims__free(d->invalid_dx[i]);
	memset(d, 0, sizeof(*d));
}

/* Compute and store, inside the caller's transaction. */
static int
calculate(claims_db *db, int64_t claim_id, const claims_engine_config *cfg, claims_risk_score *s)
{
	struct claim_data d;
	struct fbuf f = { 0 };
	double comp[5];
	char *top = NULL, *fj = NULL, *rj = NULL, *wj = NULL;
	int64_t n_payer = 0;
	bool found;
	int rc;

	memset(&d, 0, sizeof(d));
	rc = claims__store_risk_claim_load(db, claim_id, &d.c, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "claim %" PRId64 " not found", claim_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_risk_lines(db, claim_id, &d.lines);
	if (rc == CLAIMS_OK)
		rc = claims__store_risk_invalid_diagnoses(db, claim_id, d.invalid_dx, 3,
							  &d.n_invalid_dx);
	if (rc < 0)
		goto out;

	/* Computed in rule order; stored in the order payer, coding,
	 * documentation, historical, pattern. */
	rc = payer(db, &f, &d, cfg, &s->payer_risk);
	if (rc < 0)
		goto out;
	s->coding_risk = coding(&f, &d);
	s->documentation_risk = documentation(&f, &d);
	rc = historical(db, &f, &d, cfg, &s->historical_risk, &n_payer);
	if (rc == CLAIMS_OK)
		rc = pattern(db, &f, claim_id, &s->pattern_risk, &top);
	if (rc < 0)
		goto out;
	if (f.oom) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	s->factors = f.v;
	s->n_factors = f.n;
	memset(&f, 0, sizeof(f));

	s->claim_id = claim_id;
	s->claim_version = d.c.version;
	s->weights[0] = cfg->weight_payer;
	s->weights[1] = cfg->weight_coding;
	s->weights[2] = cfg->weight_doc;
	s->weights[3] = cfg->weight_historical;
	s->weights[4] = cfg->weight_pattern;
	comp[0] = s->payer_risk;
	comp[1] = s->coding_risk;
	comp[2] = s->documentation_risk;
	comp[3] = s->historical_risk;
	comp[4] = s->pattern_risk;
	s->overall_score = claims__risk_overall(comp, s->weights);
	snprintf(s->risk_level, sizeof(s->risk_level), "%s", claims__risk_level(s->overall_score));
	snprintf(s->model_version, sizeof(s->model_version), "rules-1");
	s->model_confidence = claims__round4(n_payer >= 50 ? 1.0 : (double)n_payer / 50.0);
	claims__now_ts(s->calculated_at);
	if (!recommendations(s, top)) {
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		goto out;
	}
	fj = factors_json(s);
	rj = strings_json(s->recommendations, s->n_recommendations);
	wj = weights_json(s->weights);
	if (!fj || !rj || !wj)
		rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	else
		rc = claims__store_risk_insert(db, s, fj, rj, wj, &s->id);
out:
	claims__free(fj);
	claims__free(rj);
	claims__free(wj);
	claims__free(top);
	fbuf_free(&f);
	claim_data_clear(&d);
	return rc;
}

int
claims_risk_calculate(claims_risk_score **out, claims_db *db, int64_t claim_id,
		      const claims_engine_config *cfg)
{
	claims_engine_config c;
	claims_risk_score *s;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (claim_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "claim id must be >= 1");
	rc = claims__engine_config(db, cfg, &c);
	if (rc < 0)
		return rc;
	s = claims__calloc(1, sizeof(*s));
	if (!s)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc == CLAIMS_OK) {
		rc = calculate(db, claim_id, &c, s);
		if (rc == CLAIMS_OK)
			rc = claims__commit(db);
		if (rc == CLAIMS_OK)
			claims__history_keep(db); /* a score changes no history */
		else
			claims__rollback(db);
	}
	if (rc < 0) {
		claims_risk_score_free(s);
		return rc;
	}
	claims__clear_error(db);
	*out = s;
	return CLAIMS_OK;
}

int
claims_risk_calculate_all(claims_risk_summary *out, claims_db *db, int64_t payer_id,
			  const claims_engine_config *cfg)
{
	struct claims__ids ids = { 0 };
	claims_engine_config c;
	bool found = true;
	char *name = NULL;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!db)
		return CLAIMS_EINVAL;
	if (payer_id < 0)
		return claims__set_error(db, CLAIMS_EINVAL, "payer id must be >= 1");
	rc = claims__engine_config(db, cfg, &c);
	if (rc == CLAIMS_OK && payer_id > 0)
		rc = claims__store_payer_get(db, payer_id, &name, &found);
	claims__free(name);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "payer %" PRId64 " not found", payer_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_claim_ids_for_risk(db, payer_id, &ids);
	for (size_t i = 0; rc == CLAIMS_OK && i < ids.n; i++) {
		claims_risk_score *s = NULL;

		rc = claims_risk_calculate(&s, db, ids.v[i], &c);
		if (rc < 0)
			break;
		out->claims++;
		if (strcmp(s->risk_level, "critical") == 0)
			out->critical++;
		else if (strcmp(s->risk_level, "high") == 0)
			out->high++;
		else if (strcmp(s->risk_level, "medium") == 0)
			out->medium++;
		else
			out->low++;
		claims_risk_score_free(s);
	}
	claims__ids_free(&ids);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

int
claims_risk_latest(claims_risk_score **out, claims_db *db, int64_t claim_id)
{
	claims_risk_score *s;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (claim_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "claim id must be >= 1");
	rc = claims__store_claim_exists(db, claim_id, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "claim %" PRId64 " not found", claim_id);
	if (rc < 0)
		return rc;
	s = claims__calloc(1, sizeof(*s));
	if (!s)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__store_risk_latest(db, claim_id, s, &found);
	if (rc < 0 || !found) {
		claims_risk_score_free(s);
		if (rc == CLAIMS_OK)
			claims__clear_error(db);
		return rc;
	}
	claims__clear_error(db);
	*out = s;
	return CLAIMS_OK;
}
