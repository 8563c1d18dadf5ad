/*
 * libclaims: the engine (spec/engine.md): linking claims to their
 * remittances ("episodes"), denial signals, risk scoring and denial-pattern
 * learning.
 *
 * Linking runs by itself after each ingested transaction set (see
 * claims_ingest_options.no_link) and on demand.  Risk scores and patterns
 * are computed on demand and stored with their history.
 *
 * Configuration is passed in by the caller (claims_engine_config); the
 * library never reads the environment itself.  claims_engine_config_from_env()
 * fills one from any getenv-like callback.
 */
#ifndef CLAIMS_ENGINE_H
#define CLAIMS_ENGINE_H

#include "common.h"
#include "db.h"
#include "query.h" /* claims_episode, claims_episode_get(), claims_episode_free() */

CLAIMS_BEGIN_DECLS

/* ================================================================ configuration */

#define CLAIMS_ENGINE_CONFIG_VERSION 1

/** Engine settings (spec/cli.md §4, "Engine").  Start from CLAIMS_ENGINE_CONFIG_INIT. */
typedef struct claims_engine_config {
	/** CLAIMS_ENGINE_CONFIG_VERSION. */
	unsigned version;
	/** Risk weights, each 0..1, not all 0 (RISK_WEIGHT_PAYER 0.20,
	 *  RISK_WEIGHT_CODING 0.25, RISK_WEIGHT_DOC 0.20, RISK_WEIGHT_HISTORICAL
	 *  0.15, RISK_WEIGHT_PATTERN 0.20). */
	double weight_payer, weight_coding, weight_doc, weight_historical, weight_pattern;
	/** TIMELY_FILING_DAYS: default filing limit, 1..3650.  Default 365. */
	int timely_filing_days;
	/** HISTORY_DAYS: window of the historical risk, 1..3650.  Default 365. */
	int history_days;
	/** LINK_CHARGE_TOLERANCE_CENTS: |claim charge - |CLP03|| allowed, >= 0.  Default 0. */
	int64_t link_charge_tolerance_cents;
	/** The current UTC date "YYYY-MM-DD" used by date windows and timely
	 *  filing; NULL (default) = today.  For reproducible runs and tests. */
	const char *today;
} claims_engine_config;

#define CLAIMS_ENGINE_CONFIG_INIT \
	{ CLAIMS_ENGINE_CONFIG_VERSION, 0.20, 0.25, 0.20, 0.15, 0.20, 365, 365, 0, NULL }

/** A getenv-like lookup: the value of @p name, or NULL when unset. */
typedef const char *(*claims_getenv_cb)(const char *name, void *payload);

/**
 * Fill @p out from RISK_WEIGHT_PAYER, RISK_WEIGHT_CODING, RISK_WEIGHT_DOC,
 * RISK_WEIGHT_HISTORICAL, RISK_WEIGHT_PATTERN, TIMELY_FILING_DAYS,
 * HISTORY_DAYS and LINK_CHARGE_TOLERANCE_CENTS read through @p get.  Unset
 * or empty values keep their default; a non-numeric or out-of-range value
 * keeps its default and sends a warning to @p log (optional).
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument, or the weights sum to 0:
 *         the caller must refuse to start).  Thread-safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_engine_config_from_env(claims_engine_config *out,
								claims_getenv_cb get,
								void *payload, claims_log_cb log,
								void *log_payload);

/* ================================================================ episodes */


/** What linking did with one remittance. */
typedef enum claims_link_outcome {
	/** A new episode was created. */
	CLAIMS_LINK_LINKED = 0,
	/** The remittance already had an episode; nothing changed. */
	CLAIMS_LINK_ALREADY_LINKED = 1,
	/** Several claims matched: status ambiguous, LINK_AMBIGUOUS logged. */
	CLAIMS_LINK_AMBIGUOUS = 2,
	/** No claim matched: status unmatched, LINK_NO_MATCH logged. */
	CLAIMS_LINK_UNMATCHED = 3,
} claims_link_outcome;

/** The result of claims_link_remittance().  Free with claims_link_result_free(). */
typedef struct claims_link_result {
	int64_t remittance_id;
	claims_link_outcome outcome;
	/** LINKED and ALREADY_LINKED: the remittance's episode (the read
	 *  layer's model, query.h), read after the link committed; else NULL. */
	claims_episode *episode;
	/** AMBIGUOUS: the candidate claim ids, ascending. */
	int64_t *candidates;
	size_t n_candidates;
	/** LINKED: an earlier episode this one reversed, or that reversed this
	 *  one (engine.md §1.4); 0 otherwise. */
	int64_t reversal_partner_episode_id;
} claims_link_result;

/** Free a link result.  NULL is accepted. */
CLAIMS_API void claims_link_result_free(claims_link_result *result);

/** "linked", "already_linked", "ambiguous", "unmatched"; "unknown" otherwise.  Static. */
CLAIMS_API const char *claims_link_outcome_to_str(claims_link_outcome outcome);

/**
 * Link one remittance to its claim (engine.md §1.2-§1.6), in its own
 * transaction.  Idempotent: a remittance already in an episode is reported
 * as CLAIMS_LINK_ALREADY_LINKED.
 *
 * @param out receives the result; yours (claims_link_result_free())
 * @param cfg settings, or NULL for the defaults
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such remittance);
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 * Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_link_remittance(claims_link_result **out, claims_db *db,
							 int64_t remittance_id,
							 const claims_engine_config *cfg);

/** Counts of claims_link_all(). */
typedef struct claims_link_summary {
	int64_t remittances, linked, already_linked, ambiguous, unmatched;
} claims_link_summary;

/**
 * Link every remittance whose status is not "processed", by id ascending,
 * one transaction each.
 *
 * @param out receives the counts (caller's storage)
 * @return as claims_link_remittance(); on failure the remittances before the
 *         failing one stay linked.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_link_all(claims_link_summary *out, claims_db *db,
						  const claims_engine_config *cfg);

/**
 * Link a remittance to a claim by hand (engine.md §1.7; link_method manual).
 *
 * @param out receives the episode (the existing one when the pair is already
 *        linked); yours
 * @param created optional: set true when a new episode was made
 * @return CLAIMS_OK; CLAIMS_EINVAL (ids < 1); CLAIMS_ENOTFOUND (the message
 *         names the claim or the remittance); CLAIMS_EEXISTS (the
 *         remittance is linked to another claim); CLAIMS_EBUSY; CLAIMS_EDB;
 *         CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_link(claims_episode **out, bool *created,
						      claims_db *db, int64_t claim_id,
						      int64_t remittance_id);


/**
 * Set an episode's status (engine.md §1.7): @p status is lower-cased and
 * must be pending, linked, complete, denied or reversed.  complete sets
 * linked_at when it is null.  The claim's status is recomputed.
 *
 * @param out optional: receives the updated episode; yours
 * @return CLAIMS_OK; CLAIMS_EINVAL (bad value); CLAIMS_ENOTFOUND;
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_set_status(claims_episode **out, claims_db *db,
							    int64_t episode_id,
							    const char *status);

/** claims_episode_set_status(out, db, id, "complete"). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_complete(claims_episode **out, claims_db *db,
							  int64_t episode_id);

/**
 * The current episode of a claim (engine.md §1.6): the adjudicated episode
 * with the latest (payment date, remittance id); 0 when it has none.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such claim); CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_current_episode(int64_t *out, claims_db *db,
							       int64_t claim_id);

/* ================================================================ risk */

/** One triggered rule (engine.md §3). */
typedef struct claims_risk_factor {
	/** payer, coding, documentation, historical, pattern_match */
	char *type;
	char *code;
	/** low, medium, high, critical */
	char *severity;
	char *message;
	double points;
	/** pattern_match only (0 / NULL otherwise). */
	int64_t pattern_id;
	char *denial_reason_code;
	double match_score, confidence;
} claims_risk_factor;

/** A stored risk score (spec/api.md §2 RiskScore). */
typedef struct claims_risk_score {
	int64_t id, claim_id, claim_version;
	double overall_score;
	/** low, medium, high, critical */
	char risk_level[10];
	double coding_risk, documentation_risk, payer_risk, historical_risk, pattern_risk;
	claims_risk_factor *factors;
	size_t n_factors;
	char **recommendations;
	size_t n_recommendations;
	/** payer, coding, doc, historical, pattern */
	double weights[5];
	char model_version[16];
	double model_confidence;
	char calculated_at[21];
} claims_risk_score;

/** Free a risk score.  NULL is accepted. */
CLAIMS_API void claims_risk_score_free(claims_risk_score *score);

/**
 * Score a claim (engine.md §3) and store the score as a new risk_scores row
 * (history is kept).
 *
 * @param out receives the score; yours
 * @param cfg settings, or NULL for the defaults
 * @return CLAIMS_OK; CLAIMS_EINVAL (bad argument or weights summing to 0);
 *         CLAIMS_ENOTFOUND; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_risk_calculate(claims_risk_score **out, claims_db *db,
							int64_t claim_id,
							const claims_engine_config *cfg);

/**
 * The current score of a claim: the newest by (calculated_at, id).
 *
 * @param out receives the score, or NULL when none was calculated yet
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such claim);
 *         CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_risk_latest(claims_risk_score **out, claims_db *db,
						     int64_t claim_id);

/** Counts of claims_risk_calculate_all(). */
typedef struct claims_risk_summary {
	/** Claims scored (each got a new risk_scores row). */
	int64_t claims;
	/** By the level of the new score. */
	int64_t low, medium, high, critical;
} claims_risk_summary;

/**
 * claims_risk_calculate() for every claim that is not void, or only those of
 * payer @p payer_id (> 0), by id ascending, one transaction per claim.
 *
 * @param out receives the counts (caller's storage)
 * @param payer_id 0 for every payer
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such payer);
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.  On failure the claims
 *         before the failing one keep their new scores.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_risk_calculate_all(claims_risk_summary *out,
							    claims_db *db, int64_t payer_id,
							    const claims_engine_config *cfg);

/* ================================================================ patterns */

/** Learned conditions of a pattern (engine.md §4.1 step 6). */
typedef struct claims_pattern_conditions {
	char **procedure_codes;
	size_t n_procedure_codes;
	char **principal_diagnoses;
	size_t n_principal_diagnoses;
	char **facility_types;
	size_t n_facility_types;
	/** Both bounds present, or neither. */
	bool has_charge_range;
	int64_t charge_min_cents, charge_max_cents;
} claims_pattern_conditions;

/** One denial_patterns row (spec/api.md §2 Pattern). */
typedef struct claims_pattern {
	int64_t id, payer_id;
	char *pattern_type, *pattern_description, *denial_reason_code;
	int64_t occurrence_count, adjudicated_count;
	double frequency, confidence_score;
	claims_pattern_conditions conditions;
	/** The stored conditions JSON text. */
	char *conditions_json;
	int window_days;
	bool is_active;
	char first_seen[21], last_seen[21];
} claims_pattern;

/** Patterns of one payer. */
typedef struct claims_pattern_list {
	int64_t payer_id;
	char *payer_name;
	claims_pattern *items;
	size_t count;
} claims_pattern_list;

/** Free a list.  NULL is accepted. */
CLAIMS_API void claims_pattern_list_free(claims_pattern_list *list);

/**
 * Learn the denial patterns of one payer over the last @p days_back days
 * (engine.md §4.1), in one transaction.
 *
 * @param out optional: receives the patterns found this time (frequency
 *        descending, id ascending); yours
 * @param days_back 1..365
 * @param cfg settings (only `today` is used), or NULL
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such payer);
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_patterns_detect(claims_pattern_list **out, claims_db *db,
							 int64_t payer_id, int days_back,
							 const claims_engine_config *cfg);

/** Counts of claims_patterns_detect_all(), per payer by id ascending. */
typedef struct claims_pattern_detect_summary {
	size_t n_payers;
	int64_t *payer_ids;
	int64_t *pattern_counts;
	int64_t total_patterns;
} claims_pattern_detect_summary;

/** Free a summary.  NULL is accepted. */
CLAIMS_API void claims_pattern_detect_summary_free(claims_pattern_detect_summary *summary);

/**
 * claims_patterns_detect() for every payer by id ascending, one transaction
 * per payer.
 *
 * @return as claims_patterns_detect() (never CLAIMS_ENOTFOUND).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_patterns_detect_all(claims_pattern_detect_summary **out,
							     claims_db *db, int days_back,
							     const claims_engine_config *cfg);

/**
 * The active patterns of a payer, frequency descending then id ascending.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such payer);
 *         CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_patterns_list(claims_pattern_list **out, claims_db *db,
						       int64_t payer_id);

/** One pattern a claim matches (spec/api.md §2 PatternMatch). */
typedef struct claims_pattern_match {
	claims_pattern pattern;
	double match_score;
	double pattern_risk;
} claims_pattern_match;

/** The patterns a claim matches (engine.md §4.3). */
typedef struct claims_pattern_analysis {
	int64_t claim_id;
	/** 0 when the claim has no payer. */
	int64_t payer_id;
	/** pattern_risk descending, then pattern id ascending. */
	claims_pattern_match *matches;
	size_t count;
} claims_pattern_analysis;

/** Free an analysis.  NULL is accepted. */
CLAIMS_API void claims_pattern_analysis_free(claims_pattern_analysis *analysis);

/**
 * Match a claim against its payer's active patterns (engine.md §4.3).
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOTFOUND (no such claim);
 *         CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_patterns_analyze_claim(claims_pattern_analysis **out,
								claims_db *db, int64_t claim_id);

CLAIMS_END_DECLS

#endif /* CLAIMS_ENGINE_H */
