/*
 * libclaims engine: linking remittances to claims (spec/engine.md §1).
 *
 * A remittance is linked in one write transaction: the candidate claims of
 * rule A (same PCN, same payer), else rule B (PCN equal or a prefix of at
 * least 10 characters, any payer, charge and period matching), else rule C
 * (same patient, member id, period and charge) are narrowed by charge,
 * period and billing NPI; exactly one left makes an episode.  The episode's
 * counts come from the stored adjustments (each row once), a reversal
 * (CLP02 22) reverses the matching earlier payment of the claim in either
 * arrival order, and the claim's status is recomputed.
 *
 * claim_episodes.remittance_id is unique: a second connection racing to
 * link the same remittance waits for the write lock, then sees the episode
 * and reports it as already linked.
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_internal.h"
#include "jsonw.h"
#include "store_engine.h"

static bool
streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------- matching */

static bool
charge_matches(const struct claims__link_claim *c, const struct claims__link_remit *r, int64_t tol)
{
	int64_t clp03, d;

	if (!c->has_charge || !r->has_charge)
		return false;
	clp03 = r->charge_cents < 0 ? -r->charge_cents : r->charge_cents;
	d = c->charge_cents - clp03;
	if (d < 0)
		d = -d;
	return d <= tol;
}

static bool
periods_overlap(const struct claims__link_claim *c, const struct claims__link_remit *r)
{
	const char *cf = c->from, *ct = c->to[0] ? c->to : c->from;
	const char *rf = r->service_from, *rt = r->service_to ? r->service_to : r->service_from;

	if (!cf[0] || !rf)
		return false;
	return strcmp(cf, rt) <= 0 && strcmp(rf, ct) <= 0;
}

struct cands {
	const struct claims__link_claim **v;
	size_t n;
};

typedef bool (*cand_pred)(const struct claims__link_claim *c, const struct claims__link_remit *r,
			  int64_t tol);

static bool
pred_charge(const struct claims__link_claim *c, const struct claims__link_remit *r, int64_t tol)
{
	return charge_matches(c, r, tol);
}

static bool
pred_period(const struct claims__link_claim *c, const struct claims__link_remit *r, int64_t tol)
{
	(void)tol;
	return periods_overlap(c, r);
}

static bool
pred_npi(const struct claims__link_claim *c, const struct claims__link_remit *r, int64_t tol)
{
	(void)tol;
	return streq(c->billing_npi, r->payee_npi);
}

/* Keep the candidates satisfying @p pred; with @p soft, only when at least
 * one does (otherwise nothing changes). */
static void
narrow(struct cands *c, cand_pred pred, const struct claims__link_remit *r, int64_t tol, bool soft)
{
	size_t k = 0;

	for (size_t i = 0; i < c->n; i++)
		if (pred(c->v[i], r, tol))
			k++;
	if (soft && k == 0)
		return;
	k = 0;
	for (size_t i = 0; i < c->n; i++)
		if (pred(c->v[i], r, tol))
			c->v[k++] = c->v[i];
	c->n = k;
}

static void
cands_from(struct cands *c, const struct claims__link_claims *all)
{
	c->n = 0;
	for (size_t i = 0; i < all->n; i++)
		c->v[c->n++] = &all->v[i];
}

static int
grow_view(claims_db *db, struct cands *c, size_t n)
{
	const struct claims__link_claim **v = claims__realloc(c->v, (n ? n : 1) * sizeof(*v));

	if (!v)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	c->v = v;
	return CLAIMS_OK;
}

/* The candidates of rules A, B, C in turn; *method names the rule that
 * yielded some (NULL when none did).  The view points into @p all. */
static int
find_candidates(claims_db *db, const struct claims__link_remit *r, int64_t tol,
		struct claims__link_claims *all, struct cands *view, const char **method)
{
	size_t len = strlen(r->pcn_key);
	int rc;

	*method = NULL;
	view->n = 0;
	if (len == 0)
		goto rule_c;

	/* Rule A */
	rc = claims__store_link_claims(db, CLAIMS__LINK_BY_PCN, r->pcn_key, all);
	if (rc < 0)
		return rc;
	rc = grow_view(db, view, all->n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < all->n; i++)
		if (all->v[i].payer_id == r->payer_id)
			view->v[view->n++] = &all->v[i];
	if (view->n) {
		*method = "control_number";
		return CLAIMS_OK;
	}

	/* Rule B: equal, or one a prefix of the other with the shorter >= 10. */
	if (len >= 10) {
		char *prefix = claims__strdup(r->pcn_key);

		if (!prefix)
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		rc = claims__store_link_claims(db, CLAIMS__LINK_BY_PCN_PREFIX, r->pcn_key, all);
		for (size_t l = 10; rc == CLAIMS_OK && l < len; l++) {
			prefix[l] = '\0';
			rc = claims__store_link_claims(db, CLAIMS__LINK_BY_PCN, prefix, all);
			prefix[l] = r->pcn_key[l];
		}
		claims__free(prefix);
		if (rc < 0)
			return rc;
	}
	rc = grow_view(db, view, all->n);
	if (rc < 0)
		return rc;
	cands_from(view, all);
	narrow(view, pred_charge, r, tol, false);
	narrow(view, pred_period, r, tol, false);
	if (view->n) {
		*method = "control_number_any_payer";
		return CLAIMS_OK;
	}

rule_c:
	if (!r->patient_key)
		return CLAIMS_OK;
	claims__link_claims_free(all);
	rc = claims__store_link_claims(db, CLAIMS__LINK_BY_PATIENT, r->patient_key, all);
	if (rc < 0)
		return rc;
	rc = grow_view(db, view, all->n);
	if (rc < 0)
		return rc;
	view->n = 0;
	for (size_t i = 0; i < all->n; i++) {
		const struct claims__link_claim *c = &all->v[i];

		if (c->member_id && r->member_id && strcmp(c->member_id, r->member_id) != 0)
			continue;
		if (!periods_overlap(c, r) || !charge_matches(c, r, tol))
			continue;
		view->v[view->n++] = c;
	}
	if (view->n)
		*method = "patient_match";
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- episodes */

/* Create the episode of remittance @p r on @p claim_id (engine.md §1.3,
 * §1.4) and recompute the claim's status. */
static int
make_episode(claims_db *db, const struct claims__link_remit *r, int64_t claim_id,
	     const char *method, int64_t *ep_out, int64_t *partner, const char **status_out)
{
	struct claims__episode_new e = { .claim_id = claim_id, .remittance_id = r->id,
					 .link_method = method };
	bool clp4 = streq(r->status_code, "4"), clp22 = streq(r->status_code, "22");
	int64_t other = 0;
	int rc;

	*partner = 0;
	rc = claims__store_remit_adjustment_counts(db, r->id, &e.adjustment_count,
						   &e.denial_count);
	if (rc < 0)
		return rc;
	if (e.denial_count == 0 && clp4)
		e.denial_count = 1; /* ["CLAIM_DENIED"] */
	e.has_payment = r->has_payment;
	e.payment_cents = r->payment_cents;
	if (clp22)
		e.status = "reversed";
	else if (clp4 || (r->has_payment && r->payment_cents == 0 && e.denial_count > 0))
		e.status = "denied";
	else
		e.status = "linked";
	rc = claims__store_episode_insert(db, &e, ep_out);
	if (rc == CLAIMS_OK)
		rc = claims__store_remit_set_status(db, r->id, "processed");
	if (rc < 0)
		return rc;

	if (clp22) {
		rc = claims__store_reversal_original(db, claim_id, *ep_out, r, &other);
		if (rc == CLAIMS_OK && other)
			rc = claims__store_episode_mark_reversed(db, other, *ep_out);
		else if (rc == CLAIMS_OK) {
			char msg[256];

			snprintf(msg, sizeof(msg),
				 "Reversal of claim %.64s found no earlier payment of the claim to reverse",
				 r->claim_control_number ? r->claim_control_number : "");
			rc = claims__store_link_log(db, r, claim_id, "warning",
						    "REVERSAL_WITHOUT_ORIGINAL", msg, NULL);
		}
	} else {
		rc = claims__store_reversal_open(db, claim_id, *ep_out, r, &other);
		if (rc == CLAIMS_OK && other) {
			rc = claims__store_episode_mark_reversed(db, *ep_out, other);
			e.status = "reversed";
		}
	}
	if (rc < 0)
		return rc;
	*partner = other;
	*status_out = e.status;
	return claims__store_claim_recompute_status(db, claim_id);
}

static int
candidates_json(const struct cands *c, char **out)
{
	struct claims__buf b = { 0 };
	struct claims__jsonw w;

	claims__jsonw_init(&w, &b);
	claims__jsonw_object_begin(&w);
	claims__jsonw_key(&w, "candidates");
	claims__jsonw_array_begin(&w);
	for (size_t i = 0; i < c->n; i++)
		claims__jsonw_int(&w, c->v[i]->id);
	claims__jsonw_array_end(&w);
	claims__jsonw_object_end(&w);
	*out = claims__buf_take(&b);
	return *out ? CLAIMS_OK : CLAIMS_ENOMEM;
}

static int
cmp_cand(const void *a, const void *b)
{
	int64_t x = (*(const struct claims__link_claim *const *)a)->id;
	int64_t y = (*(const struct claims__link_claim *const *)b)->id;

	return x < y ? -1 : x > y;
}

/* What link_one() made (LINKED only): the claim and the new episode's status. */
struct made {
	int64_t claim_id;
	const char *status;
};

/* Link one remittance; the caller holds the write transaction.  *episode_id
 * receives the remittance's episode (LINKED, ALREADY_LINKED), else 0. */
static int
link_one(claims_db *db, int64_t remit_id, const claims_engine_config *cfg,
	 claims_link_result *res, int64_t *episode_id, struct made *made)
{
	struct claims__link_remit r;
	struct claims__link_claims all = { 0 };
	struct cands view = { 0 };
	const char *method = NULL;
	bool found;
	int rc;

	res->remittance_id = remit_id;
	*episode_id = 0;
	rc = claims__store_link_remit_load(db, remit_id, &r, &found);
	if (rc < 0)
		return rc;
	if (!found)
		return claims__set_error(db, CLAIMS_ENOTFOUND, "remittance %" PRId64 " not found",
					 remit_id);
	if (r.episode_id) {
		res->outcome = CLAIMS_LINK_ALREADY_LINKED;
		*episode_id = r.episode_id;
		goto out;
	}
	rc = find_candidates(db, &r, cfg->link_charge_tolerance_cents, &all, &view, &method);
	if (rc < 0)
		goto out;
	if (view.n > 1) {
		narrow(&view, pred_charge, &r, cfg->link_charge_tolerance_cents, true);
		narrow(&view, pred_period, &r, cfg->link_charge_tolerance_cents, true);
		narrow(&view, pred_npi, &r, cfg->link_charge_tolerance_cents, true);
	}
	if (view.n == 1) {
		int64_t ep = 0;

		res->outcome = CLAIMS_LINK_LINKED;
		made->claim_id = view.v[0]->id;
		rc = make_episode(db, &r, view.v[0]->id, method, &ep,
				  &res->reversal_partner_episode_id, &made->status);
		*episode_id = ep;
	} else if (view.n > 1) {
		char *details = NULL;
		char msg[256];

		res->outcome = CLAIMS_LINK_AMBIGUOUS;
		qsort(view.v, view.n, sizeof(*view.v), cmp_cand);
		res->candidates = claims__calloc(view.n, sizeof(*res->candidates));
		if (!res->candidates || candidates_json(&view, &details) < 0) {
			rc = claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
			goto out;
		}
		res->n_candidates = view.n;
		for (size_t i = 0; i < view.n; i++)
			res->candidates[i] = view.v[i]->id;
		snprintf(msg, sizeof(msg), "Remittance for claim %.64s matches %zu claims; not linked",
			 r.claim_control_number ? r.claim_control_number : "", view.n);
		rc = claims__store_remit_set_status(db, r.id, "ambiguous");
		if (rc == CLAIMS_OK && strcmp(r.status, "ambiguous") != 0)
			rc = claims__store_link_log(db, &r, 0, "warning", "LINK_AMBIGUOUS", msg,
						    details);
		claims__free(details);
	} else {
		char msg[256];

		res->outcome = CLAIMS_LINK_UNMATCHED;
		snprintf(msg, sizeof(msg), "No claim matches the remittance for claim %.64s",
			 r.claim_control_number ? r.claim_control_number : "");
		rc = claims__store_remit_set_status(db, r.id, "unmatched");
		if (rc == CLAIMS_OK && strcmp(r.status, "unmatched") != 0)
			rc = claims__store_link_log(db, &r, 0, "info", "LINK_NO_MATCH", msg, NULL);
	}
out:
	claims__free(view.v);
	claims__link_claims_free(&all);
	claims__link_remit_clear(&r);
	return rc;
}

/* One remittance in its own transaction. */
static int
link_txn(claims_db *db, int64_t remit_id, const claims_engine_config *cfg, claims_link_result *res,
	 int64_t *episode_id, struct made *made)
{
	int rc = claims__exec(db, "BEGIN IMMEDIATE");

	made->claim_id = 0;
	made->status = NULL;
	if (rc < 0)
		return rc;
	rc = link_one(db, remit_id, cfg, res, episode_id, made);
	if (rc == CLAIMS_OK)
		rc = claims__commit(db);
	if (rc < 0)
		claims__rollback(db);
	return rc;
}

static void
result_clear(claims_link_result *r)
{
	claims__free(r->candidates);
	claims_episode_free(r->episode);
	memset(r, 0, sizeof(*r));
}

int
claims_link_remittance(claims_link_result **out, claims_db *db, int64_t remittance_id,
		       const claims_engine_config *cfg)
{
	claims_engine_config c;
	claims_link_result *res;
	struct made made;
	int64_t episode_id = 0;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (remittance_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "remittance id must be >= 1");
	rc = claims__engine_config(db, cfg, &c);
	if (rc < 0)
		return rc;
	res = claims__calloc(1, sizeof(*res));
	if (!res)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	rc = link_txn(db, remittance_id, &c, res, &episode_id, &made);
	if (rc == CLAIMS_OK && episode_id)
		rc = claims_episode_get(&res->episode, db, episode_id);
	if (rc < 0) {
		claims_link_result_free(res);
		return rc;
	}
	claims__clear_error(db);
	*out = res;
	return CLAIMS_OK;
}

void
claims_link_result_free(claims_link_result *r)
{
	if (!r)
		return;
	claims__free(r->candidates);
	claims_episode_free(r->episode);
	claims__free(r);
}

const char *
claims_link_outcome_to_str(claims_link_outcome o)
{
	switch (o) {
	case CLAIMS_LINK_LINKED: return "linked";
	case CLAIMS_LINK_ALREADY_LINKED: return "already_linked";
	case CLAIMS_LINK_AMBIGUOUS: return "ambiguous";
	case CLAIMS_LINK_UNMATCHED: return "unmatched";
	}
	return "unknown";
}

static void
count_outcome(claims_link_summary *s, claims_link_outcome o)
{
	s->remittances++;
	switch (o) {
	case CLAIMS_LINK_LINKED: s->linked++; break;
	case CLAIMS_LINK_ALREADY_LINKED: s->already_linked++; break;
	case CLAIMS_LINK_AMBIGUOUS: s->ambiguous++; break;
	case CLAIMS_LINK_UNMATCHED: s->unmatched++; break;
	}
}

static int
link_ids(claims_db *db, const struct claims__ids *ids, const claims_engine_config *cfg,
	 claims_link_summary *sum, claims__linked_cb on_linked, void *payload)
{
	claims_link_result res;
	int rc = CLAIMS_OK;

	for (size_t i = 0; i < ids->n && rc == CLAIMS_OK; i++) {
		struct made made;
		int64_t episode_id;

		memset(&res, 0, sizeof(res));
		rc = link_txn(db, ids->v[i], cfg, &res, &episode_id, &made);
		if (rc == CLAIMS_OK)
			count_outcome(sum, res.outcome);
		if (rc == CLAIMS_OK && res.outcome == CLAIMS_LINK_LINKED && on_linked)
			on_linked(episode_id, made.claim_id, ids->v[i], made.status, payload);
		result_clear(&res);
	}
	return rc;
}

int
claims_link_all(claims_link_summary *out, claims_db *db, const claims_engine_config *cfg)
{
	struct claims__ids ids = { 0 };
	claims_engine_config c;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	memset(out, 0, sizeof(*out));
	if (!db)
		return CLAIMS_EINVAL;
	rc = claims__engine_config(db, cfg, &c);
	if (rc < 0)
		return rc;
	rc = claims__store_remits_unprocessed(db, &ids);
	if (rc == CLAIMS_OK)
		rc = link_ids(db, &ids, &c, out, NULL, NULL);
	claims__ids_free(&ids);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}

int
claims__engine_link_after_set(claims_db *db, bool is_835, const int64_t *ids, size_t n,
			      const claims_engine_config *cfg, int64_t *linked,
			      claims__linked_cb on_linked, void *payload)
{
	struct claims__ids todo = { 0 };
	claims_link_summary sum = { 0 };
	claims_engine_config c;
	int rc;

	*linked = 0;
	rc = claims__engine_config(db, cfg, &c);
	for (size_t i = 0; rc == CLAIMS_OK && i < n; i++) {
		if (is_835)
			rc = claims__ids_push(&todo, ids[i]) < 0
				     ? claims__set_error(db, CLAIMS_ENOMEM, "out of memory")
				     : CLAIMS_OK;
		else
			rc = claims__store_remits_waiting_for_claim(db, ids[i], &todo);
	}
	if (rc == CLAIMS_OK) {
		claims__ids_sort_unique(&todo);
		rc = link_ids(db, &todo, &c, &sum, on_linked, payload);
	}
	*linked = sum.linked;
	claims__ids_free(&todo);
	return rc;
}

/* ---------------------------------------------------------------- manual link, status */

int
claims_episode_link(claims_episode **out, bool *created, claims_db *db, int64_t claim_id,
		    int64_t remittance_id)
{
	struct claims__link_remit r = { 0 };
	struct claims__episode_row ep;
	bool found, made = false;
	int64_t id = 0, partner;
	int rc;

	if (created)
		*created = false;
	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	if (claim_id < 1 || remittance_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "claim and remittance ids must be >= 1");
	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = claims__store_claim_exists(db, claim_id, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "claim %" PRId64 " not found", claim_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_link_remit_load(db, remittance_id, &r, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "remittance %" PRId64 " not found",
				       remittance_id);
	if (rc < 0)
		goto rollback;
	if (r.episode_id) {
		id = r.episode_id;
		rc = claims__store_episode_get(db, id, &ep, &found);
		if (rc == CLAIMS_OK && ep.claim_id != claim_id)
			rc = claims__set_error(db, CLAIMS_EEXISTS,
					       "remittance %" PRId64 " is linked to claim %" PRId64,
					       remittance_id, ep.claim_id);
	} else {
		const char *status;

		rc = make_episode(db, &r, claim_id, "manual", &id, &partner, &status);
		made = true;
	}
	if (rc < 0)
		goto rollback;
	rc = claims__commit(db);
	if (rc < 0)
		goto rollback;
	claims__link_remit_clear(&r);
	if (created)
		*created = made;
	return claims_episode_get(out, db, id);
rollback:
	claims__rollback(db);
	claims__link_remit_clear(&r);
	return rc;
}

static const char *const episode_statuses[] = { "pending", "linked", "complete", "denied",
						"reversed" };

int
claims_episode_set_status(claims_episode **out, claims_db *db, int64_t episode_id,
			  const char *status)
{
	struct claims__episode_row ep;
	const char *value = NULL;
	char lower[16];
	size_t n;
	bool found;
	int rc;

	if (out)
		*out = NULL;
	if (!db)
		return CLAIMS_EINVAL;
	n = status ? strlen(status) : 0;
	if (n > 0 && n < sizeof(lower)) {
		for (size_t i = 0; i <= n; i++)
			lower[i] = (char)tolower((unsigned char)status[i]);
		for (size_t i = 0; i < sizeof(episode_statuses) / sizeof(*episode_statuses); i++)
			if (strcmp(lower, episode_statuses[i]) == 0)
				value = episode_statuses[i];
	}
	if (!value)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "status must be one of pending, linked, complete, denied, "
					 "reversed");
	if (episode_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "episode id must be >= 1");
	rc = claims__exec(db, "BEGIN IMMEDIATE");
	if (rc < 0)
		return rc;
	rc = claims__store_episode_get(db, episode_id, &ep, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "episode %" PRId64 " not found",
				       episode_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_episode_set_status(db, episode_id, value);
	if (rc == CLAIMS_OK)
		rc = claims__store_claim_recompute_status(db, ep.claim_id);
	if (rc == CLAIMS_OK)
		rc = claims__commit(db);
	if (rc < 0) {
		claims__rollback(db);
		return rc;
	}
	if (out)
		return claims_episode_get(out, db, episode_id);
	claims__clear_error(db);
	return CLAIMS_OK;
}

int
claims_episode_complete(claims_episode **out, claims_db *db, int64_t episode_id)
{
	return claims_episode_set_status(out, db, episode_id, "complete");
}

int
claims_claim_current_episode(int64_t *out, claims_db *db, int64_t claim_id)
{
	bool found;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	if (!db)
		return CLAIMS_EINVAL;
	if (claim_id < 1)
		return claims__set_error(db, CLAIMS_EINVAL, "claim id must be >= 1");
	rc = claims__store_claim_exists(db, claim_id, &found);
	if (rc == CLAIMS_OK && !found)
		rc = claims__set_error(db, CLAIMS_ENOTFOUND, "claim %" PRId64 " not found", claim_id);
	if (rc == CLAIMS_OK)
		rc = claims__store_claim_current_episode(db, claim_id, out);
	if (rc == CLAIMS_OK)
		claims__clear_error(db);
	return rc;
}
