/*
 * libclaims engine: learning denial patterns per payer and matching claims
 * against them (spec/engine.md §4).
 *
 * Detection looks at the payer's adjudicated episodes in the window (by
 * payment date, else the remittance's created date).  Each episode counts a
 * denial reason at most once, so a frequency is a true rate k / n.  A
 * reason seen in at least 2 episodes and 5% of them becomes a pattern with
 * the Wilson lower bound of its rate as confidence, and conditions: values
 * (procedure codes, principal diagnoses, facility types) at least 1.5 times
 * as common among the reason's episodes as among all, compared in integers.
 */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "engine/patterns.h"
#include "jsonw.h"
#include "store_engine.h"

/* A (value, episode index) pair. */
struct vp {
	const char *v;
	size_t ep;
};

static int
cmp_vp(const void *a, const void *b)
{
	const struct vp *x = a, *y = b;
	int c = strcmp(x->v, y->v);

	if (c)
		return c;
	return x->ep < y->ep ? -1 : x->ep > y->ep;
}

struct vps {
	struct vp *v;
	size_t n, cap;
};

static bool
vps_push(struct vps *l, const char *v, size_t ep)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct vp *nv = claims__realloc(l->v, cap * sizeof(*nv));

		if (!nv)
			return false;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].v = v;
	l->v[l->n].ep = ep;
	l->n++;
	return true;
}

/* Number of entries with value @p v in a sorted list. */
static size_t
vps_count(const struct vps *l, const char *v)
{
	size_t lo = 0, hi = l->n, start, end;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(l->v[mid].v, v) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	start = lo;
	hi = l->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(l->v[mid].v, v) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	end = lo;
	return end - start;
}

enum attr { ATTR_PROC, ATTR_PRINCIPAL, ATTR_FACILITY };

/* Push the values of attribute @p a of episode @p i. */
static bool
push_attr(struct vps *l, const struct claims__pattern_episode *e, size_t i, enum attr a)
{
	switch (a) {
	case ATTR_PROC:
		for (size_t j = 0; j < e->n_procs; j++)
			if (!vps_push(l, e->procs[j], i))
				return false;
		return true;
	case ATTR_PRINCIPAL:
		return !e->principal || vps_push(l, e->principal, i);
	case ATTR_FACILITY:
		return !e->facility || vps_push(l, e->facility, i);
	}
	return true;
}

struct kept {
	const char *v;
	size_t k;
};

static int
cmp_kept(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	if (x->k != y->k)
		return x->k > y->k ? -1 : 1;
	return strcmp(x->v, y->v);
}

/* Write the list of attribute @p a for the reason's episodes @p sc
 * (indices into E) against all of E (@p all sorted). */
static bool
write_condition(struct claims__jsonw *w, const char *key, const struct claims__pattern_episodes *E,
		const size_t *sc, size_t n_sc, const struct vps *all, enum attr a)
{
	struct vps sub = { 0 };
	struct kept *kept = NULL;
	size_t n_kept = 0;
	bool ok = true;

	for (size_t i = 0; i < n_sc && ok; i++)
		ok = push_attr(&sub, &E->v[sc[i]], sc[i], a);
	if (ok && sub.n) {
		qsort(sub.v, sub.n, sizeof(*sub.v), cmp_vp);
		kept = claims__calloc(sub.n, sizeof(*kept));
		ok = kept != NULL;
	}
	for (size_t i = 0; ok && i < sub.n;) {
		size_t j = i;
		uint64_t kv, mv, n = E->n, s = n_sc;

		while (j < sub.n && strcmp(sub.v[j].v, sub.v[i].v) == 0)
			j++;
		kv = j - i;
		mv = vps_count(all, sub.v[i].v);
		if (kv >= 2 && 2 * kv * n >= 3 * mv * s) {
			kept[n_kept].v = sub.v[i].v;
			kept[n_kept].k = (size_t)kv;
			n_kept++;
		}
		i = j;
	}
	if (ok)
		qsort(kept, n_kept, sizeof(*kept), cmp_kept);
	claims__jsonw_key(w, key);
	claims__jsonw_array_begin(w);
	for (size_t i = 0; ok && i < n_kept && i < 10; i++)
		claims__jsonw_string(w, kept[i].v);
	claims__jsonw_array_end(w);
	claims__free(kept);
	claims__free(sub.v);
	return ok;
}

double
claims__wilson_lower(uint64_t k, uint64_t n)
{
	const double z = 1.96;
	double f, nn;

	if (n == 0)
		return 0.0;
	nn = (double)n;
	f = (double)k / nn;
	return (f + z * z / (2 * nn) - z * sqrt(f * (1 - f) / nn + z * z / (4 * nn * nn))) /
	       (1 + z * z / nn);
}

/* One code's episode indices, from (code, episode) pairs sorted by code. */
static int
detect_codes(claims_db *db, int64_t payer_id, int days_back,
	     const struct claims__pattern_episodes *E, struct claims__ids *found)
{
	struct vps codes = { 0 }, procs = { 0 }, principals = { 0 }, facilities = { 0 };
	size_t *sc = NULL;
	char now[21];
	int rc = CLAIMS_OK;

	claims__now_ts(now);
	for (size_t i = 0; i < E->n; i++) {
		const struct claims__pattern_episode *e = &E->v[i];

		for (size_t j = 0; j < e->n_codes; j++)
			if (!vps_push(&codes, e->codes[j], i))
				goto nomem;
		if (!push_attr(&procs, e, i, ATTR_PROC) || !push_attr(&principals, e, i, ATTR_PRINCIPAL) ||
		    !push_attr(&facilities, e, i, ATTR_FACILITY))
			goto nomem;
	}
	if (codes.n)
		qsort(codes.v, codes.n, sizeof(*codes.v), cmp_vp);
	if (procs.n)
		qsort(procs.v, procs.n, sizeof(*procs.v), cmp_vp);
	if (principals.n)
		qsort(principals.v, principals.n, sizeof(*principals.v), cmp_vp);
	if (facilities.n)
		qsort(facilities.v, facilities.n, sizeof(*facilities.v), cmp_vp);
	sc = claims__calloc(E->n ? E->n : 1, sizeof(*sc));
	if (!sc)
		goto nomem;

	for (size_t i = 0; rc == CLAIMS_OK && i < codes.n;) {
		const char *code = codes.v[i].v;
		size_t j = i, k;
		uint64_t n = E->n;

		while (j < codes.n && strcmp(codes.v[j].v, code) == 0)
			j++;
		k = j - i;
		if (k >= 2 && 20 * (uint64_t)k >= n) {
			struct claims__buf b = { 0 };
			struct claims__jsonw w;
			struct claims__pattern_row row = { 0 };
			char *meaning = NULL, *desc = NULL, *cond = NULL;
			bool have_total = false, ok;
			int64_t lo = 0, hi = 0, id = 0;

			for (size_t x = 0; x < k; x++) {
				const struct claims__pattern_episode *e = &E->v[codes.v[i + x].ep];

				sc[x] = codes.v[i + x].ep;
				if (e->has_total) {
					if (!have_total || e->total_cents < lo)
						lo = e->total_cents;
					if (!have_total || e->total_cents > hi)
						hi = e->total_cents;
					have_total = true;
				}
			}
			claims__jsonw_init(&w, &b);
			claims__jsonw_object_begin(&w);
			ok = write_condition(&w, "procedure_codes", E, sc, k, &procs, ATTR_PROC) &&
			     write_condition(&w, "principal_diagnoses", E, sc, k, &principals,
					     ATTR_PRINCIPAL) &&
			     write_condition(&w, "facility_types", E, sc, k, &facilities,
					     ATTR_FACILITY);
			claims__jsonw_kv_cents_or_null(&w, "charge_amount_min", have_total, lo);
			claims__jsonw_kv_cents_or_null(&w, "charge_amount_max", have_total, hi);
			claims__jsonw_object_end(&w);
			cond = claims__buf_take(&b);

			rc = strlen(code) > 2 ? claims__store_carc_description(db, code + 2, &meaning)
					      : CLAIMS_OK;
			if (rc == CLAIMS_OK) {
				size_t len = strlen(code) + (meaning ? strlen(meaning) : 0) + 32;

				desc = claims__malloc(len);
				if (desc)
					snprintf(desc, len, "Denial reason code: %s%s%s%s", code,
						 meaning ? " (" : "", meaning ? meaning : "",
						 meaning ? ")" : "");
			}
			if (rc == CLAIMS_OK && (!ok || !cond || !desc))
				rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
			if (rc == CLAIMS_OK) {
				row.payer_id = payer_id;
				row.code = code;
				row.description = desc;
				row.conditions_json = cond;
				row.now = now;
				row.occurrences = (int64_t)k;
				row.adjudicated = (int64_t)n;
				row.frequency = claims__round4((double)k / (double)n);
				row.confidence = claims__round4(claims__wilson_lower(k, n));
				row.window_days = days_back;
				rc = claims__store_pattern_upsert(db, &row, &id);
			}
			if (rc == CLAIMS_OK && claims__ids_push(found, id) < 0)
				rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
			claims__free(meaning);
			claims__free(desc);
			claims__free(cond);
		}
		i = j;
	}
	goto out;
nomem:
	rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
out:
	claims__free(sc);
	claims__free(codes.v);
	claims__free(procs.v);
	claims__free(principals.v);
	claims__free(facilities.v);
	return rc;
}

/* Detection for one payer inside the caller's transaction; *count = patterns found. */
static int
detect_payer(claims_db *db, int64_t payer_id, int days_back, const claims_engine_config *cfg,
	     int64_t *count)
{
	struct claims__pattern_episodes E = { 0 };
	struct claims__ids found = { 0 };
	struct claims__buf b = { 0 };
	struct claims__jsonw w;
	char today[11], from[11];
	char *keep = NULL;
	int64_t t;
	int rc;

	claims__engine_today(cfg, today);
	if (!claims__date_days(today, &t))
		return claims__set_error(db, CLAIMS_EINVAL, "bad date %s", today);
	claims__days_date(t - days_back, from);
	rc = claims__store_pattern_episodes(db, payer_id, from, today, &E);
	if (rc == CLAIMS_OK)
		rc = detect_codes(db, payer_id, days_back, &E, &found);
	if (rc == CLAIMS_OK) {
		claims__jsonw_init(&w, &b);
		claims__jsonw_array_begin(&w);
		for (size_t i = 0; i < found.n; i++)
			claims__jsonw_int(&w, found.v[i]);
		claims__jsonw_array_end(&w);
		keep = claims__buf_take(&b);
		rc = keep ? claims__store_patterns_deactivate(db, payer_id, keep)
			  : claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	*count = (int64_t)found.n;
	claims__free(keep);
	claims__ids_free(&found);
	claims__pattern_episodes_free(&E);
	return rc;
}

static int
detect_txn(claims_db *db, int64_t payer_id, int days_back, const claims_engine_config *cfg,
	   int64_t *count)
{
	int rc = claims__exec(db, "BEGIN IMMEDIATE");

	if (rc < 0)
		return rc;
	rc = detect_payer(db, payer_id, days_back, cfg, count);
	if (rc == CLAIMS_OK)
		rc = claims__commit(db);
	if (rc < 0)
		claims__rollback(db);
	return rc;
}

static int
check_days(claims_db *db, int days_back)
{
	if (days_back < 1 || days_back > 365)
		return claims__set_error(db, CLAIMS_EINVAL, "days_back must be 1..365");
	return CLAIMS_OK;
}

int
claims_patterns_detect(claims_pattern_list **out, claims_db *db, int64_t payer_id, int days_back,
		       const claims_engine_config *cfg)
{
	claims_engine_config c;
	char *name = NULL;
	bool found;
	int64_t count;
	int rc;

	if (out)
		*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	rc = check_days(db, days_back);
	if (rc == CLAIMS_OK && payer_id < 1)
		rc = claims__set_error(db, CLAIMS_EINVAL, "payer id must be >= 1");
	if (rc == CLAIMS_OK)
		rc = claims__engine_config(db, cfg, &c);
	if (rc == CLAIMS_OK)
		rc = claims__store_payer_get(db, payer_id, &name, &found);
	claims__free(name);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "payer %" PRId64 " not found", payer_id);
	if (rc == CLAIMS_OK)
		rc = detect_txn(db, payer_id, days_back, &c, &count);
	if (rc < 0)
		return rc;
	if (out)
		return claims_patterns_list(out, db, payer_id);
	claims__clear_error(db);
	return CLAIMS_OK;
}

int
claims_patterns_detect_all(claims_pattern_detect_summary **out, claims_db *db, int days_back,
			   const claims_engine_config *cfg)
{
	struct claims__ids ids = { 0 };
	claims_pattern_detect_summary *s;
	claims_engine_config c;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	rc = check_days(db, days_back);
	if (rc == CLAIMS_OK)
		rc = claims__engine_config(db, cfg, &c);
	if (rc < 0)
		return rc;
	s = claims__calloc(1, sizeof(*s));
	if (!s)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = claims__store_payer_ids(db, &ids);
	if (rc == CLAIMS_OK && ids.n) {
		s->payer_ids = claims__calloc(ids.n, sizeof(*s->payer_ids));
		s->pattern_counts = claims__calloc(ids.n, sizeof(*s->pattern_counts));
		if (!s->payer_ids || !s->pattern_counts)
			rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == CLAIMS_OK && i < ids.n; i++) {
		int64_t count = 0;

		rc = detect_txn(db, ids.v[i], days_back, &c, &count);
		if (rc == CLAIMS_OK) {
			s->payer_ids[i] = ids.v[i];
			s->pattern_counts[i] = count;
			s->total_patterns += count;
			s->n_payers++;
		}
	}
	claims__ids_free(&ids);
	if (rc < 0) {
		claims_pattern_detect_summary_free(s);
		return rc;
	}
	claims__clear_error(db);
	*out = s;
	return CLAIMS_OK;
}

void
claims_pattern_detect_summary_free(claims_pattern_detect_summary *s)
{
	if (!s)
		return;
	claims__free(s->payer_ids);
	claims__free(s->pattern_counts);
	claims__free(s);
}

int
claims_patterns_list(claims_pattern_list **out, claims_db *db, int64_t payer_id)
{
	claims_pattern_list *l;
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (payer_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "payer id must be >= 1");
	l = claims__calloc(1, sizeof(*l));
	if (!l)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	l->payer_id = payer_id;
	rc = claims__store_payer_get(db, payer_id, &l->payer_name, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "payer %" PRId64 " not found", payer_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_patterns_active(db, payer_id, &l->items, &l->count);
	if (rc < 0) {
		claims_pattern_list_free(l);
		return rc;
	}
	claims__clear_error(db);
	*out = l;
	return CLAIMS_OK;
}

void
claims_pattern_list_free(claims_pattern_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++)
		claims__pattern_clear(&l->items[i]);
	claims__free(l->items);
	claims__free(l->payer_name);
	claims__free(l);
}

/* ---------------------------------------------------------------- analysis */

static bool
in_list(char *const *list, size_t n, const char *v)
{
	if (!v)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], v) == 0)
			return true;
	return false;
}

double
claims__pattern_match_score(const claims_pattern *p, const char *principal, const char *facility,
			    bool has_total, int64_t total_cents, char *const *procs, size_t n_procs)
{
	const claims_pattern_conditions *c = &p->conditions;
	int present = 0, satisfied = 0;

	/* Weights in tenths: principal 4, procedures 3, facility 2, charge range 1. */
	if (c->n_principal_diagnoses) {
		present += 4;
		if (in_list(c->principal_diagnoses, c->n_principal_diagnoses, principal))
			satisfied += 4;
	}
	if (c->n_procedure_codes) {
		bool any = false;

		present += 3;
		for (size_t i = 0; i < n_procs && !any; i++)
			any = in_list(c->procedure_codes, c->n_procedure_codes, procs[i]);
		if (any)
			satisfied += 3;
	}
	if (c->n_facility_types) {
		present += 2;
		if (in_list(c->facility_types, c->n_facility_types, facility))
			satisfied += 2;
	}
	if (c->has_charge_range) {
		present += 1;
		if (has_total && c->charge_min_cents <= total_cents &&
		    total_cents <= c->charge_max_cents)
			satisfied += 1;
	}
	if (present == 0)
		return claims__round4(p->frequency);
	return claims__round4((double)satisfied / (double)present);
}

static int
cmp_match(const void *a, const void *b)
{
	const claims_pattern_match *x = a, *y = b;

	if (x->pattern_risk != y->pattern_risk)
		return x->pattern_risk > y->pattern_risk ? -1 : 1;
	return x->pattern.id < y->pattern.id ? -1 : x->pattern.id > y->pattern.id;
}

int
claims__patterns_analyze(claims_db *db, int64_t claim_id, claims_pattern_analysis **out)
{
	struct claims__analysis_claim c;
	claims_pattern_analysis *a;
	claims_pattern *pats = NULL;
	size_t n = 0;
	bool found;
	int rc;

	*out = NULL;
	rc = claims__store_analysis_claim(db, claim_id, &c, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "claim %" PRId64 " not found", claim_id);
	if (rc < 0) {
		claims__analysis_claim_clear(&c);
		return rc;
	}
	a = claims__calloc(1, sizeof(*a));
	if (!a) {
		claims__analysis_claim_clear(&c);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	a->claim_id = claim_id;
	a->payer_id = c.payer_id;
	if (c.payer_id)
		rc = claims__store_patterns_active(db, c.payer_id, &pats, &n);
	if (rc == CLAIMS_OK && n) {
		a->matches = claims__calloc(n, sizeof(*a->matches));
		if (!a->matches)
			rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	for (size_t i = 0; rc == CLAIMS_OK && i < n; i++) {
		double m = claims__pattern_match_score(&pats[i], c.principal, c.facility, c.has_total,
						       c.total_cents, c.procs, c.n_procs);

		if (m > 0) {
			claims_pattern_match *x = &a->matches[a->count++];

			x->pattern = pats[i];
			memset(&pats[i], 0, sizeof(pats[i]));
			x->match_score = m;
			x->pattern_risk = claims__round2(100.0 * m * x->pattern.confidence_score);
		}
	}
	for (size_t i = 0; i < n; i++)
		claims__pattern_clear(&pats[i]);
	claims__free(pats);
	claims__analysis_claim_clear(&c);
	if (rc < 0) {
		claims_pattern_analysis_free(a);
		return rc;
	}
	if (a->count > 1)
		qsort(a->matches, a->count, sizeof(*a->matches), cmp_match);
	*out = a;
	return CLAIMS_OK;
}

int
claims_patterns_analyze_claim(claims_pattern_analysis **out, claims_db *db, int64_t claim_id)
{
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (claim_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "claim id must be >= 1");
	rc = claims__patterns_analyze(db, claim_id, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

void
claims_pattern_analysis_free(claims_pattern_analysis *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->count; i++)
		claims__pattern_clear(&a->matches[i].pattern);
	claims__free(a->matches);
	claims__free(a);
}
