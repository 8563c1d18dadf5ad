/*
 * libclaims: the read layer.  Get-by-id and filtered, paged lists of
 * claims, remittances, episodes, payers, parser logs and ingest files
 * (spec/api.md §2-§4, spec/README.md "Lists and pagination"), the
 * validation of their parameters, and writing a payer's rules_config.
 *
 * Parameters.  Every list query is parsed from name/value pairs
 * (claims_param: a query string for the server, options for the CLI) by
 * its claims_*_query_parse() function, which applies the validation rules
 * of the spec and reports every problem as a claims_validation_error
 * ({"loc": [where, name], "msg", "type"} in the API).  A parsed query is
 * always valid; the list and count functions take only parsed queries.
 *
 * Counts.  Each list returns the true number of matching rows (total).  A
 * caller that keeps counts elsewhere (a cache keyed as spec/cache.md §1 says,
 * see claims_*_query_count_key()) can read the total with claims_*_count()
 * and pass it to the list function, which then does not count again.
 *
 * Models.  What a get or list returns is one allocation: strings and arrays
 * inside it are borrowed from it and stay valid until its *_free().  Text
 * that may be null is NULL; a nullable id is 0; a nullable amount has
 * present = false.  Patient names, dates of birth and member ids are never
 * read into these models.  JSON-valued columns (string lists, issue lists,
 * objects) are given as their stored JSON text.
 */
#ifndef CLAIMS_QUERY_H
#define CLAIMS_QUERY_H

#include "common.h"
#include "db.h"

CLAIMS_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Parameters and validation                                           */

/** One named parameter as received (value NULL = given without a value). */
typedef struct claims_param {
	const char *name;
	const char *value;
} claims_param;

/** One validation problem.  Every string is static. */
typedef struct claims_validation_error {
	/** "query", "path" or "body". */
	const char *where;
	/** The parameter's name, e.g. "limit". */
	const char *name;
	/** "missing", "int_parsing", "range", "enum", "date_parsing",
	 *  "json_invalid", "too_long", "repeated". */
	const char *type;
	/** An English phrase, e.g. "must be between 1 and 1000". */
	const char *msg;
} claims_validation_error;

#define CLAIMS_VALIDATION_MAX 16

/** The problems of one set of parameters, in the order the route lists
 *  its parameters (skip, limit, then the filters). */
typedef struct claims_validation {
	size_t count;
	claims_validation_error errors[CLAIMS_VALIDATION_MAX];
} claims_validation;

/** skip (>= 0, default 0) and limit (1..1000, default 100). */
typedef struct claims_page {
	int64_t skip;
	int64_t limit;
} claims_page;

#define CLAIMS_PAGE_DEFAULT_LIMIT 100
#define CLAIMS_PAGE_MAX_LIMIT 1000

/**
 * Parse a database id given as text (a path id or an ID argument):
 * decimal digits only, >= 1, within int64.
 *
 * @param out receives the id (0 on failure)
 * @param where "path", "query" or "body" (copied by reference: static text)
 * @param name the parameter's name (static text)
 * @param v receives one error on failure; may be NULL
 * @return CLAIMS_OK; CLAIMS_EINVAL.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_parse_id(int64_t *out, const char *text,
						  const char *where, const char *name,
						  claims_validation *v);

/**
 * One integer query parameter @p name of @p params: min..max inclusive.
 * Absent: *out keeps the caller's default (or "missing" when @p required);
 * given twice: "repeated"; not an integer: "int_parsing"; out of range:
 * "range" with @p range_msg (static text, e.g. "must be between 1 and
 * 365").
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL with the problem in @p v (when given).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_param_int(int64_t *out, const claims_param *params,
						   size_t n, const char *name, int64_t min,
						   int64_t max, const char *range_msg,
						   bool required, claims_validation *v);

/* ------------------------------------------------------------------ */
/* Shared value types                                                  */

/** A nullable amount of money. */
typedef struct claims_amount {
	int64_t cents;
	bool present;
} claims_amount;

/* ------------------------------------------------------------------ */
/* Claims                                                              */

/** ClaimSummary; payer_name is set by the unlinked list only. */
typedef struct claims_claim_summary {
	int64_t id;
	const char *claim_control_number;
	const char *patient_control_number;
	claims_amount total_charge;
	const char *status;         /**< pending processed denied reversed void */
	bool is_incomplete;
	int64_t payer_id;           /**< 0 = null */
	const char *service_date;   /**< NULL = null */
	const char *created_at;
	const char *payer_name;     /**< unlinked list only; NULL otherwise */
} claims_claim_summary;

/** Diagnosis (one HI entry). */
typedef struct claims_diagnosis {
	int64_t sequence;
	const char *qualifier;
	const char *qualifier_desc; /**< from the role, e.g. "Principal Diagnosis" */
	const char *code;
	const char *code_system;
	const char *role;
	bool is_valid;
	const char *poa;            /**< NULL = null */
	int64_t diagnosis_pointer;  /**< 0 = null */
} claims_diagnosis;

/** ClaimLine. */
typedef struct claims_claim_line {
	int64_t id;
	int64_t line_number;
	const char *revenue_code;
	const char *procedure_qualifier;
	const char *procedure_code;
	const char *procedure_modifier;
	const char *modifiers_json;          /**< JSON array of strings */
	claims_amount charge;
	const char *unit_type;
	bool has_unit_count;
	double unit_count;
	const char *place_of_service;
	const char *diagnosis_pointers_json; /**< JSON array of integers */
	const char *service_date;
	const char *service_date_to;
	const char *line_item_control_number;
	int procedure_code_valid;            /**< 0, 1, or -1 = null */
} claims_claim_line;

/** Claim: the summary plus its details, diagnoses and lines. */
typedef struct claims_claim {
	claims_claim_summary summary;
	const char *transaction_type;        /**< 837P or 837I */
	int64_t provider_id;                 /**< 0 = null */
	const char *payer_name;
	const char *practice_id;
	const char *facility_type_code;
	const char *facility_code_qualifier;
	const char *claim_frequency_type;
	const char *assignment_code;
	const char *statement_date;
	const char *statement_date_to;
	const char *admission_date;
	const char *discharge_date;
	const char *service_date_to;
	const char *original_reference_number;
	const char *principal_diagnosis;
	const char *billing_provider_npi;
	const char *rendering_provider_npi;
	const char *attending_provider_npi;
	const char *operating_provider_npi;
	const char *referring_provider_npi;
	const char *parsing_warnings_json;   /**< JSON array of issues (spec/x12.md §4) */
	int64_t version;
	int64_t submission_count;
	int64_t current_episode_id;          /**< 0 = null (spec/engine.md §1.6) */
	const char *updated_at;
	claims_diagnosis *diagnoses;         /**< by sequence */
	size_t n_diagnoses;
	claims_claim_line *lines;            /**< by line number */
	size_t n_lines;
} claims_claim;

/** A page of claims. */
typedef struct claims_claim_list {
	claims_claim_summary *items;
	size_t count;
	int64_t total, skip, limit;
} claims_claim_list;

/** GET /api/v1/claims parameters, parsed.  Absent filters are 0 / NULL. */
typedef struct claims_claim_query {
	claims_page page;
	const char *status;             /**< static text, or NULL */
	int64_t payer_id;               /**< 0 = no filter */
	int64_t provider_id;            /**< 0 = no filter */
	const char *practice_id;        /**< borrowed from the params, or NULL */
	char service_date_from[11];     /**< effective first date, "" = none */
	char service_date_to[11];       /**< effective last date, "" = none */
} claims_claim_query;

/**
 * Parse GET /api/v1/claims parameters: skip, limit, status (one of the
 * five), payer_id, provider_id (integers >= 1), practice_id,
 * service_date_from, service_date_to (a date, a UTC timestamp or one with
 * an offset; inclusive; from <= to).  Unknown names are ignored; a known
 * name given twice is "repeated".  The query borrows practice_id from
 * @p params.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL with the problems in @p v (when given).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_query_parse(claims_claim_query *out,
							   const claims_param *params,
							   size_t n, claims_validation *v);

/** A query with no filter and the default page. */
CLAIMS_API void claims_claim_query_init(claims_claim_query *q);

/**
 * Check that @p practice_id (when not NULL) is a configured practice
 * (practice_configs); otherwise add an "enum" problem ("must be a configured
 * practice") for @p where / @p name (static text) to @p v.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (not configured); CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_practice_check(claims_db *db, const char *practice_id,
							const char *where, const char *name,
							claims_validation *v);

/**
 * The count key of a query (spec/cache.md §1), e.g.
 * "count:claim:payer_id=3:status=denied": filters sorted by name, absent
 * ones left out, values after validation (dates as their effective
 * YYYY-MM-DD bounds, so equivalent spellings share a key).
 * @return CLAIMS_OK; CLAIMS_EINVAL when @p len is too small.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_query_count_key(const claims_claim_query *q,
							       char *buf, size_t len);

/** Number of claims matching the query's filters. */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_count(int64_t *out, claims_db *db,
						     const claims_claim_query *q);

/**
 * One page of claims, id ascending.
 *
 * @param known_total the total when the caller already has it (from a
 *        cache), else NULL to count
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument); CLAIMS_EBUSY;
 *         CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_list_get(claims_claim_list **out, claims_db *db,
							const claims_claim_query *q,
							const int64_t *known_total);

/**
 * GET /api/v1/claims/unlinked: claims without an episode whose status is
 * not void, id ascending; items carry payer_name.  Count key
 * "count:claim:unlinked=true".
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_unlinked_count(int64_t *out, claims_db *db);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_unlinked_list_get(claims_claim_list **out,
							   claims_db *db,
							   const claims_page *page,
							   const int64_t *known_total);

/** Parse skip and limit only (unlinked claims, payers without q, ...). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_page_parse(claims_page *out, const claims_param *params,
						    size_t n, claims_validation *v);

/**
 * A claim by id.
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND (message "Claim not found (id: N)");
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_claim_get(claims_claim **out, claims_db *db, int64_t id);

CLAIMS_API void claims_claim_free(claims_claim *c);
CLAIMS_API void claims_claim_list_free(claims_claim_list *l);

/* ------------------------------------------------------------------ */
/* Remittances                                                         */

/** RemitSummary. */
typedef struct claims_remit_summary {
	int64_t id;
	const char *remittance_control_number; /**< CLP07, NULL = null */
	const char *claim_control_number;
	const char *payer_name;
	claims_amount payment;
	const char *claim_status_code;
	const char *payment_date;
	const char *status;                    /**< pending processed unmatched ambiguous */
	const char *created_at;
} claims_remit_summary;

/** Adjustment (one CAS triplet). */
typedef struct claims_adjustment {
	const char *group_code;
	const char *reason_code;
	int64_t amount_cents;
	bool has_quantity;
	double quantity;
	const char *level;                /**< claim or service */
	int64_t service_line_number;      /**< 0 = null (claim level) */
	const char *category;             /**< CARC category; "other" when unknown */
	bool is_denial;                   /**< group CO/OA/PI and a denial CARC */
} claims_adjustment;

/** ServiceLine (one SVC). */
typedef struct claims_service_line {
	int64_t line_number;
	const char *procedure_qualifier;
	const char *procedure_code;
	const char *modifiers_json;       /**< JSON array of strings */
	const char *revenue_code;
	claims_amount charge;
	claims_amount payment;
	claims_amount allowed;
	bool has_units;
	double units;
	const char *service_date;
	const char *line_item_control_number;
	const char *remark_codes_json;    /**< JSON array of strings */
	claims_adjustment *adjustments;   /**< file order */
	size_t n_adjustments;
} claims_service_line;

/** Remit: the summary plus its details. */
typedef struct claims_remit {
	claims_remit_summary summary;
	int64_t payer_id;
	const char *payer_claim_control_number;
	const char *check_number;
	const char *claim_status_desc;       /**< spec/x12.md §7.2; NULL for other codes */
	claims_amount claim_charge;
	claims_amount patient_responsibility;
	const char **denial_reasons;         /**< sorted, e.g. "CO50", or "CLAIM_DENIED" */
	size_t n_denial_reasons;
	claims_adjustment *adjustments;      /**< claim then service level, file order */
	size_t n_adjustments;
	claims_service_line *service_lines;  /**< by line number */
	size_t n_service_lines;
	const char *remark_codes_json;       /**< JSON array of strings */
	int64_t episode_id;                  /**< 0 = null */
	const char *parsing_warnings_json;   /**< JSON array of issues */
	const char *updated_at;
} claims_remit;

typedef struct claims_remit_list {
	claims_remit_summary *items;
	size_t count;
	int64_t total, skip, limit;
} claims_remit_list;

/** GET /api/v1/remits parameters, parsed. */
typedef struct claims_remit_query {
	claims_page page;
	const char *status;               /**< static text, or NULL */
	int64_t payer_id;                 /**< 0 = no filter */
	const char *claim_control_number; /**< borrowed, or NULL */
	char payment_date_from[11];       /**< "" = none */
	char payment_date_to[11];
} claims_remit_query;

/** skip, limit, status, payer_id, claim_control_number (exact),
 *  payment_date_from, payment_date_to.  As claims_claim_query_parse(). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_remit_query_parse(claims_remit_query *out,
							   const claims_param *params,
							   size_t n, claims_validation *v);
CLAIMS_API void claims_remit_query_init(claims_remit_query *q);
/** "count:remittance[:k=v...]". */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_remit_query_count_key(const claims_remit_query *q,
							       char *buf, size_t len);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_remit_count(int64_t *out, claims_db *db,
						     const claims_remit_query *q);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_remit_list_get(claims_remit_list **out, claims_db *db,
							const claims_remit_query *q,
							const int64_t *known_total);
/** A remittance by id; CLAIMS_ENOTFOUND "Remittance not found (id: N)". */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_remit_get(claims_remit **out, claims_db *db, int64_t id);
CLAIMS_API void claims_remit_free(claims_remit *r);
CLAIMS_API void claims_remit_list_free(claims_remit_list *l);

/* ------------------------------------------------------------------ */
/* Episodes                                                            */

typedef struct claims_episode {
	int64_t id;
	int64_t claim_id;
	int64_t remittance_id;
	const char *status;
	claims_amount payment;
	int64_t denial_count;
	int64_t adjustment_count;
	const char *link_method;
	int64_t reversed_by_episode_id;  /**< 0 = null */
	const char *linked_at;           /**< NULL = null */
	const char *created_at;
	const char *updated_at;
} claims_episode;

typedef struct claims_episode_list {
	claims_episode *items;
	size_t count;
	int64_t total, skip, limit;
} claims_episode_list;

/** GET /api/v1/episodes parameters, parsed. */
typedef struct claims_episode_query {
	claims_page page;
	int64_t claim_id;       /**< 0 = no filter (0 is accepted as "none") */
	int64_t remittance_id;  /**< 0 = no filter */
	const char *status;     /**< static text, or NULL */
} claims_episode_query;

/** skip, limit, claim_id (>= 0), remittance_id (>= 1), status (pending
 *  linked complete denied reversed). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_query_parse(claims_episode_query *out,
							     const claims_param *params,
							     size_t n, claims_validation *v);
CLAIMS_API void claims_episode_query_init(claims_episode_query *q);
/** "count:episode[:k=v...]" (claim_id=0 left out). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_query_count_key(const claims_episode_query *q,
								 char *buf, size_t len);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_count(int64_t *out, claims_db *db,
						       const claims_episode_query *q);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_list_get(claims_episode_list **out,
							  claims_db *db,
							  const claims_episode_query *q,
							  const int64_t *known_total);
/** An episode by id; CLAIMS_ENOTFOUND "Episode not found (id: N)". */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_episode_get(claims_episode **out, claims_db *db,
						     int64_t id);
CLAIMS_API void claims_episode_free(claims_episode *e);
CLAIMS_API void claims_episode_list_free(claims_episode_list *l);

/* ------------------------------------------------------------------ */
/* Payers                                                              */

typedef struct claims_payer {
	int64_t id;
	const char *payer_id;
	const char *name;
	const char *payer_type;          /**< NULL = null */
	const char *rules_config_json;   /**< JSON object */
	int64_t claim_count;
	int64_t remittance_count;
	const char *created_at;
} claims_payer;

typedef struct claims_payer_list {
	claims_payer *items;
	size_t count;
	int64_t total, skip, limit;
} claims_payer_list;

typedef struct claims_payer_query {
	claims_page page;
	const char *q;                   /**< name contains (any case); borrowed, or NULL */
} claims_payer_query;

/** skip, limit, q (at most 200 characters). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_query_parse(claims_payer_query *out,
							   const claims_param *params, size_t n,
							   claims_validation *v);
CLAIMS_API void claims_payer_query_init(claims_payer_query *q);
/** "count:payer"; CLAIMS_ENOTFOUND when the query has q (not cached). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_query_count_key(const claims_payer_query *q,
							       char *buf, size_t len);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_count(int64_t *out, claims_db *db,
						     const claims_payer_query *q);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_list_get(claims_payer_list **out, claims_db *db,
							const claims_payer_query *q,
							const int64_t *known_total);
/** A payer by database id; CLAIMS_ENOTFOUND "Payer not found (id: N)". */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_get(claims_payer **out, claims_db *db, int64_t id);
CLAIMS_API void claims_payer_free(claims_payer *p);
CLAIMS_API void claims_payer_list_free(claims_payer_list *l);

/**
 * Check a rules_config document (spec/engine.md §3.3): a JSON object whose
 * known keys have their types (allowed_frequency_types,
 * restricted_facility_types, prior_auth_procedure_codes: arrays of strings;
 * timely_filing_days: integer 1..3650); other keys are kept.
 *
 * @param json the text (NUL-terminated)
 * @return CLAIMS_OK; CLAIMS_EINVAL with the reason on the handle, e.g.
 *         "timely_filing_days must be an integer between 1 and 3650".
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_rules_check(claims_db *db, const char *json);

/**
 * Replace a payer's rules_config after claims_payer_rules_check(); the
 * stored text is SQLite's minified form.  Increments meta.write_epoch.
 * @return CLAIMS_OK; CLAIMS_EINVAL (bad document, message on the handle);
 *         CLAIMS_ENOTFOUND; CLAIMS_EBUSY; CLAIMS_EDB.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_payer_set_rules(claims_db *db, int64_t id,
							 const char *json);

/* ------------------------------------------------------------------ */
/* Parser logs                                                         */

typedef struct claims_parser_log {
	int64_t id;
	int64_t ingest_file_id;          /**< 0 = null */
	const char *file_name;
	const char *file_type;
	const char *log_level;           /**< info warning error */
	const char *segment_type;
	const char *issue_type;
	const char *message;
	const char *details_json;        /**< JSON object */
	const char *claim_control_number;
	const char *practice_id;
	int64_t claim_id;                /**< 0 = null */
	int64_t remittance_id;           /**< 0 = null */
	const char *created_at;
} claims_parser_log;

typedef struct claims_parser_log_list {
	claims_parser_log *items;
	size_t count;
	int64_t total, skip, limit;
} claims_parser_log_list;

typedef struct claims_parser_log_query {
	claims_page page;
	int64_t ingest_file_id;          /**< 0 = no filter */
	const char *log_level;           /**< static text, or NULL */
	const char *issue_type;          /**< borrowed, or NULL */
	int64_t claim_id;                /**< 0 = no filter */
	int64_t remittance_id;           /**< 0 = no filter */
} claims_parser_log_query;

/** skip, limit, ingest_file_id, log_level (info warning error),
 *  issue_type, claim_id, remittance_id. */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_parser_log_query_parse(claims_parser_log_query *out,
								const claims_param *params,
								size_t n, claims_validation *v);
CLAIMS_API void claims_parser_log_query_init(claims_parser_log_query *q);
CLAIMS_API CLAIMS_WARN_UNUSED int claims_parser_log_count(int64_t *out, claims_db *db,
							  const claims_parser_log_query *q);
/** Newest first (id descending). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_parser_log_list_get(claims_parser_log_list **out,
							     claims_db *db,
							     const claims_parser_log_query *q,
							     const int64_t *known_total);
CLAIMS_API void claims_parser_log_list_free(claims_parser_log_list *l);

/* ------------------------------------------------------------------ */
/* Ingest files                                                        */

/** A received file (never its bytes). */
typedef struct claims_file {
	int64_t id;
	const char *sha256;
	const char *filename;
	int64_t size_bytes;
	const char *detected_type;       /**< NULL = null */
	const char *mode;
	const char *status;              /**< received processing ingested refused failed */
	const char *error_code;
	const char *error_message;
	const char *counts_json;         /**< IngestCounts JSON object ({} before ingest) */
	int64_t issue_count;
	int64_t attempt_count;
	const char *practice_id;
	const char *received_at;
	const char *completed_at;
	const char *created_at;
	const char *updated_at;
} claims_file;

typedef struct claims_file_list {
	claims_file *items;
	size_t count;
	int64_t total, skip, limit;
} claims_file_list;

/** A file by id; CLAIMS_ENOTFOUND "File not found (id: N)". */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_file_get(claims_file **out, claims_db *db,
							 int64_t id);
/** Newest first (id descending). */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_file_list_get(claims_file_list **out,
							      claims_db *db,
							      const claims_page *page);
CLAIMS_API void claims_file_free(claims_file *f);
CLAIMS_API void claims_file_list_free(claims_file_list *l);

/* ------------------------------------------------------------------ */
/* Summary (GET /api/v1/stats/summary, the dashboard's aggregates)     */

/** Claims by status (api.md §2 ClaimSummary.status). */
typedef struct claims_status_counts {
	int64_t pending, processed, denied, reversed, voided;
} claims_status_counts;

/** Claims by the level of their current risk score (engine.md §3.6: the
 *  newest by calculated_at, then id); unscored = claims without a score. */
typedef struct claims_risk_level_counts {
	int64_t low, medium, high, critical, unscored;
} claims_risk_level_counts;

/** Adjudicated episodes (engine.md §1.6) of one remittance payer. */
typedef struct claims_stats_payer {
	int64_t id;                      /**< payers.id */
	const char *name;
	int64_t adjudicated;             /**< adjudicated episodes */
	int64_t denied;                  /**< those with denial_count > 0 */
} claims_stats_payer;

/** One denial reason and the adjudicated episodes whose remittance lists it. */
typedef struct claims_stats_code {
	const char *code;                /**< group + CARC ("CO50"), or "CLAIM_DENIED" */
	const char *description;         /**< the CARC's meaning; NULL for CLAIM_DENIED */
	int64_t episodes;
} claims_stats_code;

/** At most this many payers and codes are listed. */
#define CLAIMS_STATS_MAX_PAYERS 20
#define CLAIMS_STATS_MAX_CODES 10

/** The whole database at one instant (one read transaction). */
typedef struct claims_stats_summary {
	int64_t claims;                  /**< every claim, void included */
	int64_t remittances;
	int64_t episodes;
	claims_status_counts claims_by_status;
	/** Sum of CLP04 over every remittance (reversals are negative); 0 when none. */
	int64_t paid_cents;
	/** Adjudicated episodes, and those with denial_count > 0 (the denial
	 *  rate is denied / adjudicated, 0 without adjudicated episodes). */
	int64_t adjudicated, denied;
	claims_risk_level_counts risk_levels;
	/** Payers with adjudicated episodes: by adjudicated descending, then id
	 *  ascending; at most CLAIMS_STATS_MAX_PAYERS. */
	claims_stats_payer *payers;
	size_t n_payers;
	/** Denial reasons over adjudicated episodes, each counted once per
	 *  episode (the remittance's denial_reasons, engine.md §1.3): by count
	 *  descending, then code ascending (byte order); at most
	 *  CLAIMS_STATS_MAX_CODES. */
	claims_stats_code *codes;
	size_t n_codes;
} claims_stats_summary;

/**
 * Read the dashboard's aggregates: totals, claims by status, paid amount,
 * denial rate overall and by payer, top denial reasons and the risk-level
 * distribution, all in one read transaction.
 *
 * @param out receives the summary; yours, claims_stats_summary_free()
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.
 * Thread-safety: as every call on @p db (one thread at a time).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_stats_summary_get(claims_stats_summary **out,
							   claims_db *db);
/** Free a summary.  NULL is accepted. */
CLAIMS_API void claims_stats_summary_free(claims_stats_summary *s);

CLAIMS_END_DECLS

#endif /* CLAIMS_QUERY_H */
