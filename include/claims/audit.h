/*
 * libclaims: the audit trail (spec/security.md §4; spec/api.md §2 AuditLog,
 * §4.8).  One audit_logs row per HTTP response: method, path, status,
 * duration, user, client address, and the hashed identifiers of what the
 * request and its response carried (computed by the caller; the library
 * stores them as given and never sees the clear values).
 *
 * Writing: claims_audit_insert() stores a batch of rows in one transaction.
 * Reading: claims_audit_query_parse() validates GET /api/v1/audit-logs
 * parameters, claims_audit_log_list_get() returns one page newest first,
 * claims_audit_stats_get() the figures of GET /api/v1/audit-logs/stats.
 */
#ifndef CLAIMS_AUDIT_H
#define CLAIMS_AUDIT_H

#include "common.h"
#include "db.h"
#include "query.h"

CLAIMS_BEGIN_DECLS

/* ------------------------------------------------------------------ */
/* Writing                                                             */

/** One row to insert.  Every pointer is borrowed for the call only. */
typedef struct claims_audit_record {
	/** HTTP method, e.g. "GET" (required, 1..32 bytes). */
	const char *method;
	/** Path without the query string (required; at most 500 bytes). */
	const char *path;
	/** HTTP status, 100..599. */
	int status_code;
	/** Seconds from request start to the last byte sent (>= 0, finite). */
	double duration;
	/** Token subject, or NULL. */
	const char *user_id;
	/** Client address (spec/security.md §3), or NULL. */
	const char *client_ip;
	/** 64 lower-case hex digits, or NULL. */
	const char *request_identifier;
	const char *response_identifier;
	/** JSON object text {"path": "hash", ...}; NULL stores {}. */
	const char *request_hashed_identifiers;
	const char *response_hashed_identifiers;
	/** "YYYY-MM-DDTHH:MM:SSZ" (UTC); NULL stores the current time. */
	const char *created_at;
} claims_audit_record;

/** Longest path stored (bytes). */
#define CLAIMS_AUDIT_PATH_MAX 500

/**
 * Insert @p n rows in one transaction: all of them or none.
 *
 * Rows are checked first (method and path present, path at most 500 bytes,
 * status 100..599, duration finite and >= 0, created_at in the stored form
 * when given); a bad row refuses the whole batch with CLAIMS_EINVAL and
 * "row N: <reason>" on the handle.  Audit rows change no cached answer, so
 * no write epoch is bumped.  @p n = 0 does nothing.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ECONSTRAINT (a hashed-identifier
 *         text that is not valid JSON); CLAIMS_EBUSY; CLAIMS_EDB;
 *         CLAIMS_ENOMEM.  Thread-safety: as the handle.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_audit_insert(claims_db *db,
						      const claims_audit_record *rows, size_t n);

/* ------------------------------------------------------------------ */
/* Reading                                                             */

/** AuditLog (spec/api.md §2) plus the stored hashed-identifier maps. */
typedef struct claims_audit_log {
	int64_t id;
	const char *method;
	const char *path;
	int status_code;
	double duration;
	const char *user_id;                 /**< NULL = null */
	const char *client_ip;               /**< NULL = null */
	const char *request_identifier;      /**< NULL = null */
	const char *response_identifier;     /**< NULL = null */
	const char *request_hashed_identifiers_json;  /**< JSON object */
	const char *response_hashed_identifiers_json; /**< JSON object */
	const char *created_at;
} claims_audit_log;

/** A page of audit rows. */
typedef struct claims_audit_log_list {
	claims_audit_log *items;
	size_t count;
	int64_t total, skip, limit;
} claims_audit_log_list;

/** GET /api/v1/audit-logs parameters, parsed.  Absent filters are empty. */
typedef struct claims_audit_query {
	claims_page page;
	char method[17];          /**< upper-cased letters, "" = no filter */
	const char *path;         /**< substring (literal); borrowed, or NULL */
	int status_code;          /**< 0 = no filter */
	const char *user_id;      /**< exact; borrowed, or NULL */
	const char *client_ip;    /**< exact; borrowed, or NULL */
	char start[21];           /**< first instant "YYYY-MM-DDTHH:MM:SSZ", "" = none */
	char end[21];             /**< last instant, inclusive, "" = none */
} claims_audit_query;

/** A query with no filter and the default page. */
CLAIMS_API void claims_audit_query_init(claims_audit_query *q);

/**
 * Parse GET /api/v1/audit-logs parameters: skip, limit, method (1..16 ASCII
 * letters, matched upper-cased; "enum" otherwise), path (a substring in
 * which '%' and '_' are literal; at most 500 bytes, "too_long" otherwise),
 * status_code (100..599), user_id, client_ip (exact), start_date, end_date
 * (a date, a UTC timestamp or one with an offset, converted to UTC;
 * inclusive on created_at; a start after the end is "range" on end_date).
 * An empty value is no filter.  Unknown names are ignored; a known name
 * given twice is "repeated".  The query borrows path, user_id and client_ip
 * from @p params.
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL with the problems in @p v (when given).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_audit_query_parse(claims_audit_query *out,
							   const claims_param *params, size_t n,
							   claims_validation *v);

/**
 * One page of audit rows matching the query, newest first (created_at
 * descending, then id descending), with the number of matching rows.
 *
 * @param known_total the total when the caller already has it, else NULL
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument, bad page); CLAIMS_EBUSY;
 *         CLAIMS_EDB; CLAIMS_ENOMEM.  Free with claims_audit_log_list_free().
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_audit_log_list_get(claims_audit_log_list **out,
							    claims_db *db,
							    const claims_audit_query *q,
							    const int64_t *known_total);
CLAIMS_API void claims_audit_log_list_free(claims_audit_log_list *l);

/** One key of a statistics map and its count. */
typedef struct claims_audit_count {
	const char *key;   /**< a method ("GET") or a status ("200") */
	int64_t count;
} claims_audit_count;

/** GET /api/v1/audit-logs/stats (spec/api.md §4.8). */
typedef struct claims_audit_stats {
	int64_t period_days;
	char start_date[21];                /**< now - days * 86400, "YYYY-MM-DDTHH:MM:SSZ" */
	char end_date[21];                  /**< now */
	int64_t total_requests;
	claims_audit_count *by_method;      /**< keys ascending (byte order) */
	size_t n_methods;
	claims_audit_count *by_status;      /**< keys ascending */
	size_t n_statuses;
	int64_t unique_users;               /**< distinct non-null user_id */
	int64_t unique_ip_addresses;        /**< distinct non-null client_ip */
	bool has_average;                   /**< false only when total_requests is 0 */
	double average_duration_seconds;    /**< rounded to 4 decimals (round4) */
	double requests_per_day;            /**< total / days, rounded to 2 decimals */
} claims_audit_stats;

/**
 * The figures of the rows whose created_at lies in [now - days * 86400,
 * now], both ends included.
 *
 * @param days 1..365
 * @param now seconds since 1970 UTC (the caller's clock, so tests can fix it)
 * @return CLAIMS_OK; CLAIMS_EINVAL (days out of range, NULL argument);
 *         CLAIMS_EBUSY; CLAIMS_EDB; CLAIMS_ENOMEM.  Free with
 *         claims_audit_stats_free().
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_audit_stats_get(claims_audit_stats **out, claims_db *db,
							 int64_t days, int64_t now);
CLAIMS_API void claims_audit_stats_free(claims_audit_stats *s);

CLAIMS_END_DECLS

#endif /* CLAIMS_AUDIT_H */
