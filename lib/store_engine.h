/*
 * libclaims internal: the engine's store (lib/store_episodes.c,
 * lib/store_risk.c, lib/store_patterns.c).  Every SQL statement of linking,
 * risk scoring and pattern learning is here; the logic is in lib/engine/.
 */
#ifndef CLAIMS_STORE_ENGINE_H
#define CLAIMS_STORE_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "claims/engine.h"
#include "internal.h"

/* SQL condition of an adjudicated episode (engine.md §1.6) over the
 * aliases e (claim_episodes) and r (its remittance). */
#define CLAIMS__SQL_ADJUDICATED                                                                   \
	"e.status NOT IN ('pending', 'reversed') "                                                \
	"AND coalesce(r.claim_status_code, '') NOT IN ('22', '25')"

/* A growable list of ids. */
struct claims__ids {
	int64_t *v;
	size_t n, cap;
};
int claims__ids_push(struct claims__ids *ids, int64_t id);
void claims__ids_sort_unique(struct claims__ids *ids);
void claims__ids_free(struct claims__ids *ids);

/* Column text copied (NULL for SQL NULL); claims__free it. */
char *claims__col_strdup(sqlite3_stmt *s, int col);
/* Column text into a fixed buffer ("" for NULL). */
void claims__col_copy(sqlite3_stmt *s, int col, char *buf, size_t size);

/* ================================================================ store_episodes.c */

/* A remittance as linking sees it. */
struct claims__link_remit {
	int64_t id, payer_id, ingest_file_id;
	char *claim_control_number, *pcn_key, *patient_key, *member_id, *status_code;
	char *service_from, *service_to, *payee_npi, *check_number, *payer_icn, *payment_date;
	char status[12];
	bool has_charge, has_payment;
	int64_t charge_cents, payment_cents;
	int64_t episode_id; /* its existing episode, 0 = none */
};
void claims__link_remit_clear(struct claims__link_remit *r);
/* *found false when there is no such remittance. */
int claims__store_link_remit_load(claims_db *db, int64_t id, struct claims__link_remit *r,
				  bool *found);

/* A claim as linking sees it. */
struct claims__link_claim {
	int64_t id, payer_id;
	bool has_charge;
	int64_t charge_cents;
	char from[11], to[11]; /* "" = null */
	char *billing_npi, *pcn_key, *member_id;
};
struct claims__link_claims {
	struct claims__link_claim *v;
	size_t n, cap;
};
void claims__link_claims_free(struct claims__link_claims *c);

enum claims__link_query {
	CLAIMS__LINK_BY_PCN,        /* pcn_key = key */
	CLAIMS__LINK_BY_PCN_PREFIX, /* pcn_key longer than key and starting with it */
	CLAIMS__LINK_BY_PATIENT,    /* patient_key = key */
};
/* Append the claims found (ids already present are skipped). */
int claims__store_link_claims(claims_db *db, enum claims__link_query q, const char *key,
			      struct claims__link_claims *out);

/* Number of adjustments of a remittance and of its distinct denial
 * reasons (group CO/OA/PI with a CARC whose is_denial = 1). */
int claims__store_remit_adjustment_counts(claims_db *db, int64_t remit_id, int64_t *adjustments,
					  int64_t *denials);

struct claims__episode_new {
	int64_t claim_id, remittance_id;
	const char *status, *link_method;
	bool has_payment;
	int64_t payment_cents, denial_count, adjustment_count;
};
/* Insert an episode (linked_at = now); CLAIMS_EEXISTS when the remittance
 * already has one. */
int claims__store_episode_insert(claims_db *db, const struct claims__episode_new *e,
				 int64_t *id_out);
int claims__store_remit_set_status(claims_db *db, int64_t remit_id, const char *status);

/* engine.md §1.4: the episode a reversal @p r (episode rev_ep of claim_id)
 * reverses, 0 when none. */
int claims__store_reversal_original(claims_db *db, int64_t claim_id, int64_t rev_ep,
				    const struct claims__link_remit *r, int64_t *ep_out);
/* An open reversal of claim_id that reverses the new payment @p o, 0 when none. */
int claims__store_reversal_open(claims_db *db, int64_t claim_id, int64_t new_ep,
				const struct claims__link_remit *o, int64_t *ep_out);
int claims__store_episode_mark_reversed(claims_db *db, int64_t ep, int64_t by_ep);

/* engine.md §1.6 */
int claims__store_claim_recompute_status(claims_db *db, int64_t claim_id);
int claims__store_claim_current_episode(claims_db *db, int64_t claim_id, int64_t *ep_out);
int claims__store_claim_exists(claims_db *db, int64_t claim_id, bool *found);

/* A parser_logs row about linking a remittance; details_json NULL = {}. */
int claims__store_link_log(claims_db *db, const struct claims__link_remit *r, int64_t claim_id,
			   const char *level, const char *code, const char *message,
			   const char *details_json);

/* The columns of one claim_episodes row the engine works with. */
struct claims__episode_row {
	int64_t id, claim_id, remittance_id;
	char status[12];
	char link_method[28];
	bool has_payment;
	int64_t payment_amount_cents;
	int64_t denial_count, adjustment_count;
	int64_t reversed_by_episode_id; /* 0 = null */
	char linked_at[21];             /* "" = null */
	char created_at[21], updated_at[21];
};

int claims__store_episode_get(claims_db *db, int64_t id, struct claims__episode_row *ep,
			      bool *found);
int claims__store_episode_set_status(claims_db *db, int64_t id, const char *status);

/* Remittances whose status is not processed, id ascending. */
int claims__store_remits_unprocessed(claims_db *db, struct claims__ids *out);
/* Remittances (pending, unmatched, ambiguous) whose pcn_key is the claim's. */
int claims__store_remits_waiting_for_claim(claims_db *db, int64_t claim_id,
					   struct claims__ids *out);

/* ================================================================ store_risk.c */

struct claims__risk_claim {
	int64_t id, payer_id, version, submission_count;
	char type[5];                                  /* 837P, 837I */
	char *principal_diagnosis, *assignment_code, *frequency, *original_reference;
	char *facility_type_code, *prior_authorization;
	char *npi[6]; /* billing, rendering, attending, operating, referring, facility */
	char service_date[11], statement_date[11], submitted_date[11], created_date[11];
	bool is_incomplete, has_total, duplicate;
	int64_t total_cents, line_charge_cents;
	int64_t n_diagnoses, n_lines, n_warnings;
};
void claims__risk_claim_clear(struct claims__risk_claim *c);
int claims__store_risk_claim_load(claims_db *db, int64_t id, struct claims__risk_claim *c,
				  bool *found);

/* Up to @p max codes of the claim's invalid diagnoses (diagnosis roles), by sequence. */
int claims__store_risk_invalid_diagnoses(claims_db *db, int64_t claim_id, char **codes,
					 size_t max, size_t *n);

struct claims__risk_line {
	int64_t line_number;
	char *procedure_code, *revenue_code, *rendering_npi;
	int procedure_code_valid; /* -1 = null */
	int64_t n_pointers, max_pointer;
	char **modifiers;
	size_t n_modifiers;
};
struct claims__risk_lines {
	struct claims__risk_line *v;
	size_t n;
};
void claims__risk_lines_free(struct claims__risk_lines *l);
int claims__store_risk_lines(claims_db *db, int64_t claim_id, struct claims__risk_lines *out);

/* payers.rules_config (engine.md §3.3): each list is NULL when absent or of
 * the wrong type (then *_bad is set). */
struct claims__payer_rules {
	char **allowed_frequency_types, **restricted_facility_types, **prior_auth_procedure_codes;
	size_t n_allowed, n_restricted, n_prior_auth;
	bool allowed_bad, restricted_bad, prior_auth_bad, timely_bad;
	int timely_filing_days; /* 0 = absent */
};
void claims__payer_rules_clear(struct claims__payer_rules *r);
int claims__store_payer_rules(claims_db *db, int64_t payer_id, struct claims__payer_rules *r);

/*
 * Historical denial rates (engine.md §3.4) through a per-connection cache.
 * The totals over every adjudicated episode in [from, to] (payment date,
 * else the remittance's created date), per remittance payer and per line
 * procedure code, are read with two GROUP BY passes and kept on the handle
 * until the database changes (SQLITE_FCNTL_DATA_VERSION: any commit, by this
 * connection or another); a claim's own episodes are then subtracted, so
 * each score reads only its claim's rows.
 */
/* Make the handle's totals current for the window; inside a transaction. */
int claims__store_history_totals(claims_db *db, const char *from, const char *to);
/* The cached totals: of payer @p payer_id, of claims with a line of @p code. */
void claims__history_payer_totals(const claims_db *db, int64_t payer_id, int64_t *n, int64_t *d);
void claims__history_code_totals(const claims_db *db, const char *code, int64_t *n, int64_t *d);
/* The claim's own adjudicated episodes in the window: all of them (@p n, @p d)
 * and those whose remittance payer is @p payer_id (@p n_payer, @p d_payer). */
int claims__store_history_own(claims_db *db, int64_t claim_id, int64_t payer_id, const char *from,
			      const char *to, int64_t *n, int64_t *d, int64_t *n_payer,
			      int64_t *d_payer);
/* After the commit of a transaction that read the totals and wrote nothing
 * they count (a risk score): keep them valid across that commit. */
void claims__history_keep(claims_db *db);

/* Insert a score (its factors, recommendations and weights as JSON text). */
int claims__store_risk_insert(claims_db *db, const claims_risk_score *s, const char *factors_json,
			      const char *recommendations_json, const char *weights_json,
			      int64_t *id_out);
/* The newest score of a claim; *found false when none. */
int claims__store_risk_latest(claims_db *db, int64_t claim_id, claims_risk_score *s, bool *found);

/* ================================================================ store_patterns.c */

/* An adjudicated episode in a detection window with what patterns learn from. */
struct claims__pattern_episode {
	int64_t id;
	char *principal, *facility;
	bool has_total;
	int64_t total_cents;
	char **codes; /* distinct denial reasons (e.g. "CO50"), ascending */
	size_t n_codes;
	char **procs; /* distinct line procedure codes of its claim, ascending */
	size_t n_procs;
};
struct claims__pattern_episodes {
	struct claims__pattern_episode *v;
	size_t n;
};
void claims__pattern_episodes_free(struct claims__pattern_episodes *e);
/* Episodes of payer @p payer_id with payment date (else created date) in [from, to]. */
int claims__store_pattern_episodes(claims_db *db, int64_t payer_id, const char *from,
				   const char *to, struct claims__pattern_episodes *out);

/* The payer's name; *found false when there is no such payer. */
int claims__store_payer_get(claims_db *db, int64_t payer_id, char **name, bool *found);
/* Every payer id, ascending. */
int claims__store_payer_ids(claims_db *db, struct claims__ids *out);
/* Ids of the claims that are not void (of payer @p payer_id when > 0), ascending. */
int claims__store_claim_ids_for_risk(claims_db *db, int64_t payer_id, struct claims__ids *out);
/* The CARC meaning of a reason code, NULL when unknown. */
int claims__store_carc_description(claims_db *db, const char *reason, char **out);

struct claims__pattern_row {
	int64_t payer_id;
	const char *code, *description, *conditions_json, *now;
	int64_t occurrences, adjudicated;
	double frequency, confidence;
	int window_days;
};
int claims__store_pattern_upsert(claims_db *db, const struct claims__pattern_row *p,
				 int64_t *id_out);
/* is_active = 0 for the payer's active patterns whose ids are not in the JSON array. */
int claims__store_patterns_deactivate(claims_db *db, int64_t payer_id, const char *keep_ids_json);
/* The payer's active patterns, frequency descending then id ascending. */
int claims__store_patterns_active(claims_db *db, int64_t payer_id, claims_pattern **out,
				  size_t *n);
void claims__pattern_clear(claims_pattern *p);

/* What analysing a claim needs: payer, principal diagnosis, facility type,
 * total and distinct procedure codes. */
struct claims__analysis_claim {
	int64_t payer_id;
	char *principal, *facility;
	bool has_total;
	int64_t total_cents;
	char **procs;
	size_t n_procs;
};
void claims__analysis_claim_clear(struct claims__analysis_claim *c);
int claims__store_analysis_claim(claims_db *db, int64_t claim_id, struct claims__analysis_claim *c,
				 bool *found);

#endif
