/*
 * libclaims store: the dashboard's aggregates (GET /api/v1/stats/summary).
 *
 * Every number is one aggregate statement over the indexed tables, all read
 * in one read transaction so that the totals agree with each other.  The
 * definitions are the engine's: an adjudicated episode is engine.md §1.6's,
 * a denied one has denial_count > 0 (§3.4), a denial reason is a remittance's
 * denial_reasons entry (§1.3: distinct group + CARC of CO/OA/PI adjustments
 * whose CARC is a denial, else CLAIM_DENIED for CLP02 = 4), and a claim's
 * risk level is that of its newest score by (calculated_at, id).
 */
#include "config.h"

#include <string.h>

#include "query.h"
#include "store.h"
#include "store_engine.h"

/* The summary being read, with the capacities of its arrays. */
struct reading {
	claims_stats_summary *out;
	struct claims__arena *a;
	size_t cap_payers, cap_codes;
};

/* Run @p sql (no parameters) and hand each row to @p row. */
typedef bool (*stats_row_fn)(struct reading *r, sqlite3_stmt *s);

static int
each_row(claims_db *db, const char *sql, struct reading *r, stats_row_fn row, const char *what)
{
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (!row(r, s))
			return claims__stmt_oom(db, s);
	}
	if (rc != SQLITE_DONE)
		return claims__step_error(db, s, rc, what);
	sqlite3_reset(s);
	return CLAIMS_OK;
}

static bool
row_totals(struct reading *r, sqlite3_stmt *s)
{
	claims_stats_summary *out = r->out;

	out->claims = sqlite3_column_int64(s, 0);
	out->remittances = sqlite3_column_int64(s, 1);
	out->episodes = sqlite3_column_int64(s, 2);
	out->paid_cents = sqlite3_column_int64(s, 3);
	out->adjudicated = sqlite3_column_int64(s, 4);
	out->denied = sqlite3_column_int64(s, 5);
	return true;
}

static bool
row_status(struct reading *r, sqlite3_stmt *s)
{
	const char *status = (const char *)sqlite3_column_text(s, 0);
	int64_t n = sqlite3_column_int64(s, 1);
	claims_status_counts *c = &r->out->claims_by_status;

	if (!status)
		return true;
	if (strcmp(status, "pending") == 0)
		c->pending = n;
	else if (strcmp(status, "processed") == 0)
		c->processed = n;
	else if (strcmp(status, "denied") == 0)
		c->denied = n;
	else if (strcmp(status, "reversed") == 0)
		c->reversed = n;
	else if (strcmp(status, "void") == 0)
		c->voided = n;
	return true;
}

static bool
row_risk(struct reading *r, sqlite3_stmt *s)
{
	const char *level = (const char *)sqlite3_column_text(s, 0);
	int64_t n = sqlite3_column_int64(s, 1);
	claims_risk_level_counts *c = &r->out->risk_levels;

	if (!level)
		return true;
	if (strcmp(level, "low") == 0)
		c->low = n;
	else if (strcmp(level, "medium") == 0)
		c->medium = n;
	else if (strcmp(level, "high") == 0)
		c->high = n;
	else if (strcmp(level, "critical") == 0)
		c->critical = n;
	return true;
}

static bool
row_payer(struct reading *r, sqlite3_stmt *s)
{
	claims_stats_summary *out = r->out;
	claims_stats_payer *p;
	bool oom = false;

	p = claims__model_push(r->a, (void **)&out->payers, &out->n_payers, &r->cap_payers,
			       sizeof(*p));
	if (!p)
		return false;
	p->id = sqlite3_column_int64(s, 0);
	p->name = claims__col_text(r->a, s, 1, &oom);
	p->adjudicated = sqlite3_column_int64(s, 2);
	p->denied = sqlite3_column_int64(s, 3);
	return !oom;
}

static bool
row_code(struct reading *r, sqlite3_stmt *s)
{
	claims_stats_summary *out = r->out;
	claims_stats_code *c;
	bool oom = false;

	c = claims__model_push(r->a, (void **)&out->codes, &out->n_codes, &r->cap_codes,
			       sizeof(*c));
	if (!c)
		return false;
	c->code = claims__col_text(r->a, s, 0, &oom);
	c->description = claims__col_text(r->a, s, 1, &oom);
	c->episodes = sqlite3_column_int64(s, 2);
	return !oom;
}

#define STR(x) #x
#define XSTR(x) STR(x)

/* Adjudicated episodes joined to their remittance. */
#define ADJUDICATED_EPISODES                                                                  \
	"claim_episodes e JOIN remittances r ON r.id = e.remittance_id "                      \
	"WHERE " CLAIMS__SQL_ADJUDICATED

/* An adjustment that makes its remittance a denial (engine.md §2.1). */
#define DENIAL_ADJUSTMENT                                                                     \
	"a.group_code IN ('CO', 'OA', 'PI') AND k.is_denial = 1"

int
claims_stats_summary_get(claims_stats_summary **out, claims_db *db)
{
	static const char totals[] =
		"SELECT (SELECT count(*) FROM claims), (SELECT count(*) FROM remittances), "
		"(SELECT count(*) FROM claim_episodes), "
		"(SELECT coalesce(sum(payment_amount_cents), 0) FROM remittances), "
		"(SELECT count(*) FROM " ADJUDICATED_EPISODES "), "
		"(SELECT count(*) FROM " ADJUDICATED_EPISODES " AND e.denial_count > 0)";
	static const char by_status[] = "SELECT status, count(*) FROM claims GROUP BY status";
	/* The newest score of each claim: the row with the greatest
	 * (calculated_at, id) among its claim's rows. */
	static const char by_risk[] =
		"SELECT s.risk_level, count(*) FROM risk_scores s "
		"WHERE s.id = (SELECT t.id FROM risk_scores t WHERE t.claim_id = s.claim_id "
		"ORDER BY t.calculated_at DESC, t.id DESC LIMIT 1) "
		"GROUP BY s.risk_level";
	static const char by_payer[] =
		"SELECT r.payer_id, p.name, count(*) AS n, sum(e.denial_count > 0) "
		"FROM claim_episodes e JOIN remittances r ON r.id = e.remittance_id "
		"JOIN payers p ON p.id = r.payer_id WHERE " CLAIMS__SQL_ADJUDICATED " "
		"GROUP BY r.payer_id ORDER BY n DESC, r.payer_id "
		"LIMIT " XSTR(CLAIMS_STATS_MAX_PAYERS);
	/* Each episode counts a code once (DISTINCT), as denial_reasons lists
	 * it once; CLAIM_DENIED only when the remittance has no denial CARC. */
	static const char by_code[] =
		"SELECT x.code, k.description, count(*) AS n FROM ("
		" SELECT DISTINCT e.id AS eid, a.group_code || a.reason_code AS code "
		" FROM claim_episodes e JOIN remittances r ON r.id = e.remittance_id "
		" JOIN adjustments a ON a.remittance_id = r.id "
		" JOIN carc_codes k ON k.code = a.reason_code "
		" WHERE " CLAIMS__SQL_ADJUDICATED " AND " DENIAL_ADJUSTMENT
		" UNION ALL "
		" SELECT e.id, 'CLAIM_DENIED' FROM " ADJUDICATED_EPISODES
		" AND r.claim_status_code = '4' AND NOT EXISTS (SELECT 1 FROM adjustments a "
		"  JOIN carc_codes k ON k.code = a.reason_code "
		"  WHERE a.remittance_id = r.id AND " DENIAL_ADJUSTMENT ")"
		") x LEFT JOIN carc_codes k ON x.code <> 'CLAIM_DENIED' AND k.code = substr(x.code, 3) "
		"GROUP BY x.code ORDER BY n DESC, x.code "
		"LIMIT " XSTR(CLAIMS_STATS_MAX_CODES);
	static const char scored[] = "SELECT count(DISTINCT claim_id) FROM risk_scores";
	claims_stats_summary *s;
	struct reading r = { 0 };
	sqlite3_stmt *st;
	bool found;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !db)
		return CLAIMS_EINVAL;
	s = claims__model_new(sizeof(*s));
	if (!s)
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	r.out = s;
	r.a = claims__model_arena(s);
	rc = claims__read_begin(db);
	if (rc < 0)
		goto fail;
	rc = each_row(db, totals, &r, row_totals, "reading the totals");
	if (rc == CLAIMS_OK)
		rc = each_row(db, by_status, &r, row_status, "counting claims by status");
	if (rc == CLAIMS_OK)
		rc = each_row(db, by_risk, &r, row_risk, "counting risk levels");
	if (rc == CLAIMS_OK)
		rc = each_row(db, by_payer, &r, row_payer, "reading denial rates by payer");
	if (rc == CLAIMS_OK)
		rc = each_row(db, by_code, &r, row_code, "reading denial reasons");
	if (rc == CLAIMS_OK && (rc = claims__stmt(&st, db, scored)) == CLAIMS_OK) {
		rc = claims__step_one(db, st, "counting scored claims", &found);
		if (rc == CLAIMS_OK && found) {
			s->risk_levels.unscored = s->claims - sqlite3_column_int64(st, 0);
			sqlite3_reset(st);
		}
	}
	claims__read_end(db);
	if (rc < 0)
		goto fail;
	claims__clear_error(db);
	*out = s;
	return CLAIMS_OK;
fail:
	claims__model_free(s);
	return rc;
}

void
claims_stats_summary_free(claims_stats_summary *s)
{
	if (s)
		claims__model_free(s);
}
