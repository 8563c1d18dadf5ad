/*
 * libclaims internal: the read layer's shared pieces.  Models are allocated
 * in one arena each (query_model.c); the SQL lives in store_query_*.c.
 */
#ifndef CLAIMS_QUERY_INTERNAL_H
#define CLAIMS_QUERY_INTERNAL_H

#include "claims/query.h"
#include "claims/jobs.h"
#include "internal.h"
#include "ingest/arena.h"

/* ---- query_model.c: one arena per returned model */

/* A zeroed model of @p size bytes whose arena is reachable from it;
 * claims__model_arena() finds the arena, claims__model_free() releases all. */
void *claims__model_new(size_t size);
struct claims__arena *claims__model_arena(void *model);
void claims__model_free(void *model);

/* Column text copied into the model's arena; NULL for SQL NULL.  Sets
 * *oom on allocation failure. */
const char *claims__col_text(struct claims__arena *a, sqlite3_stmt *s, int col, bool *oom);
/* A nullable integer column (0 for NULL) and a nullable amount. */
int64_t claims__col_id(sqlite3_stmt *s, int col);
claims_amount claims__col_amount(sqlite3_stmt *s, int col);

/* Grow a model array by one element (zeroed), doubling its capacity in the
 * arena.  Returns the new element or NULL. */
void *claims__model_push(struct claims__arena *a, void **items, size_t *count, size_t *cap,
			 size_t elem);

/* "<Resource> not found (id: N)" on the handle, CLAIMS_ENOTFOUND. */
int claims__not_found(claims_db *db, const char *resource, int64_t id);

/* ---- query_params.c */

/* @p epoch (seconds since 1970 UTC) as stored, "YYYY-MM-DDTHH:MM:SSZ";
 * outside years 0000..9999 a bound sorting before / after every stored
 * value. */
void claims__ts_from_epoch(int64_t epoch, char out[static 21]);

/* ---- store_query.c: the shared list runner */

/* The two statements of one filter combination: the page (its LIMIT and
 * OFFSET are the parameters named by the route) and the count. */
struct claims__sql_pair {
	const char *list;
	const char *count;
};

/*
 * A list route's statements for every combination of its filters, built
 * once (thread-safe) from a table of predicates.  Bit i of a combination
 * means filter i is present; the predicate text of each filter uses the
 * parameter number the route binds.  The index chosen for a combination is
 * the first entry of @p indexes whose mask is contained in it.
 */
struct claims__filter_def {
	const char *predicate;
};
struct claims__index_rule {
	unsigned mask;      /* filters that must all be present */
	const char *index;  /* INDEXED BY this index */
};
struct claims__route_sql {
	const char *select;      /* "SELECT cols FROM table" with {IDX} where INDEXED BY goes */
	const char *count_from;  /* "SELECT count(*) FROM table" with {IDX} */
	const char *fixed_where; /* always-true condition or NULL */
	const char *order;       /* " ORDER BY id LIMIT ?7 OFFSET ?8" */
	const struct claims__filter_def *filters;
	unsigned n_filters;
	const struct claims__index_rule *rules;
	unsigned n_rules;
	/* built: 2^n_filters pairs */
	struct claims__sql_pair *pairs;
	char *text;
};
/* The statements of combination @p mask (built on first use).  NULL when
 * out of memory. */
const struct claims__sql_pair *claims__route_sql_get(struct claims__route_sql *r, unsigned mask);

typedef void (*claims__bind_fn)(sqlite3_stmt *s, const void *query);
/* Read one row into @p item (zeroed); false on out of memory. */
typedef bool (*claims__row_fn)(struct claims__arena *a, sqlite3_stmt *s, void *item);

struct claims__list_run {
	void *items;
	size_t count, cap;
	int64_t total;
};

/* Page bounds a *_list_get accepts: skip >= 0, 1 <= limit <= max. */
bool claims__page_valid(const claims_page *p);

/* The common body of every *_list_get: a new list model of @p list_size
 * bytes with one page read by claims__run_list() into @p run (the caller
 * fills its typed fields with CLAIMS__LIST_FROM_RUN).  NULL on failure with
 * *rc set and recorded; a NULL @p sql means out of memory. */
void *claims__list_model_run(claims_db *db, const struct claims__sql_pair *sql,
			     claims__bind_fn bind, const void *query, const int64_t *known_total,
			     size_t list_size, size_t elem, claims__row_fn row,
			     struct claims__list_run *run, int *rc);

/* Fill a list model (claims_*_list) from a run and its page. */
#define CLAIMS__LIST_FROM_RUN(l, run, page)                                                     \
	do {                                                                                    \
		(l)->items = (run).items;                                                       \
		(l)->count = (run).count;                                                       \
		(l)->total = (run).total;                                                       \
		(l)->skip = (page).skip;                                                        \
		(l)->limit = (page).limit;                                                      \
	} while (0)

/* Count (unless @p known_total) and read one page, in one read transaction. */
int claims__run_list(claims_db *db, struct claims__arena *a, const struct claims__sql_pair *sql,
		     claims__bind_fn bind, const void *query, const int64_t *known_total,
		     size_t elem, claims__row_fn row, struct claims__list_run *out);
/* Only the count. */
int claims__run_count(claims_db *db, const char *sql, claims__bind_fn bind, const void *query,
		      int64_t *out);

/* The list routes' statements (for the query-plan tests). */
extern struct claims__route_sql claims__claim_route;   /* status payer provider practice from to */
extern struct claims__route_sql claims__remit_route;   /* status payer ccn from to */
extern struct claims__route_sql claims__episode_route; /* claim remittance status */
extern struct claims__route_sql claims__payer_route;   /* q */
extern struct claims__route_sql claims__log_route;     /* file level issue claim remittance */
extern struct claims__route_sql claims__audit_route;   /* method path status user ip start end */
extern const struct claims__sql_pair claims__unlinked_sql;

/* A read transaction around several statements (a savepoint, so it nests). */
int claims__read_begin(claims_db *db);
void claims__read_end(claims_db *db);

#endif
