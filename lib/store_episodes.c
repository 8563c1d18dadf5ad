/*
 * libclaims store: claim episodes and what linking reads and writes
 * (spec/engine.md §1).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "store.h"
#include "store_engine.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* ---------------------------------------------------------------- helpers */

int
claims__ids_push(struct claims__ids *ids, int64_t id)
{
	if (ids->n == ids->cap) {
		size_t cap = ids->cap ? ids->cap * 2 : 16;
		int64_t *v = claims__realloc(ids->v, cap * sizeof(*v));

		if (!v)
			return CLAIMS_ENOMEM;
		ids->v = v;
		ids->cap = cap;
	}
	ids->v[ids->n++] = id;
	return CLAIMS_OK;
}

static int
cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
claims__ids_sort_unique(struct claims__ids *ids)
{
	size_t k = 0;

	if (ids->n < 2)
		return;
	qsort(ids->v, ids->n, sizeof(*ids->v), cmp_id);
	for (size_t i = 1; i < ids->n; i++)
		if (ids->v[i] != ids->v[k])
			ids->v[++k] = ids->v[i];
	ids->n = k + 1;
}

void
claims__ids_free(struct claims__ids *ids)
{
	claims__free(ids->v);
	memset(ids, 0, sizeof(*ids));
}

char *
claims__col_strdup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	return t ? claims__strdup((const char *)t) : NULL;
}

void
claims__col_copy(sqlite3_stmt *s, int col, char *buf, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);
	size_t n = t ? strlen((const char *)t) : 0;

	if (n >= size)
		n = size - 1;
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
}

/* Read rows of @p s (already bound) into ids. */
static int
collect_ids(claims_db *db, sqlite3_stmt *s, struct claims__ids *out, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (claims__ids_push(out, sqlite3_column_int64(s, 0)) < 0) {
			sqlite3_reset(s);
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		}
	}
	if (rc != SQLITE_DONE) {
		rc = claims__sqlite_error(db, rc, what);
		sqlite3_reset(s);
		return rc;
	}
	sqlite3_reset(s);
	return CLAIMS_OK;
}

/* The single integer of a one-row query (0 when there is no row). */
static int
one_int(claims_db *db, sqlite3_stmt *s, int64_t *out, const char *what)
{
	int rc = sqlite3_step(s);

	*out = 0;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, what);
	return CLAIMS_OK;
}

static void
bind_money(sqlite3_stmt *s, int i, bool has, int64_t cents)
{
	if (has)
		sqlite3_bind_int64(s, i, cents);
	else
		sqlite3_bind_null(s, i);
}

/* ---------------------------------------------------------------- remittances */

void
claims__link_remit_clear(struct claims__link_remit *r)
{
	claims__free(r->claim_control_number);
	claims__free(r->pcn_key);
	claims__free(r->patient_key);
	claims__free(r->member_id);
	claims__free(r->status_code);
	claims__free(r->service_from);
	claims__free(r->service_to);
	claims__free(r->payee_npi);
	claims__free(r->check_number);
	claims__free(r->payer_icn);
	claims__free(r->payment_date);
	memset(r, 0, sizeof(*r));
}

int
claims__store_link_remit_load(claims_db *db, int64_t id, struct claims__link_remit *r,
			      bool *found)
{
	static const char sql[] =
		"SELECT r.payer_id, r.ingest_file_id, r.claim_control_number, r.pcn_key, "
		"r.patient_key, r.patient_member_id, r.claim_status_code, r.service_date_from, "
		"r.service_date_to, r.payee_npi, r.check_number, r.payer_claim_control_number, "
		"r.payment_date, r.status, r.claim_charge_cents, r.payment_amount_cents, "
		"(SELECT e.id FROM claim_episodes e WHERE e.remittance_id = r.id) "
		"FROM remittances r WHERE r.id = ?1";
	sqlite3_stmt *s;
	int rc;

	memset(r, 0, sizeof(*r));
	*found = false;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = claims__step_one(db, s, "reading a remittance", found);
	if (rc < 0 || !*found)
		return rc;
	r->id = id;
	r->payer_id = sqlite3_column_int64(s, 0);
	r->ingest_file_id = sqlite3_column_int64(s, 1);
	r->claim_control_number = claims__col_strdup(s, 2);
	r->pcn_key = claims__col_strdup(s, 3);
	r->patient_key = claims__col_strdup(s, 4);
	r->member_id = claims__col_strdup(s, 5);
	r->status_code = claims__col_strdup(s, 6);
	r->service_from = claims__col_strdup(s, 7);
	r->service_to = claims__col_strdup(s, 8);
	r->payee_npi = claims__col_strdup(s, 9);
	r->check_number = claims__col_strdup(s, 10);
	r->payer_icn = claims__col_strdup(s, 11);
	r->payment_date = claims__col_strdup(s, 12);
	claims__col_copy(s, 13, r->status, sizeof(r->status));
	r->has_charge = sqlite3_column_type(s, 14) != SQLITE_NULL;
	r->charge_cents = sqlite3_column_int64(s, 14);
	r->has_payment = sqlite3_column_type(s, 15) != SQLITE_NULL;
	r->payment_cents = sqlite3_column_int64(s, 15);
	r->episode_id = sqlite3_column_int64(s, 16);
	sqlite3_reset(s);
	if (!r->pcn_key) {
		claims__link_remit_clear(r);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- candidate claims */

void
claims__link_claims_free(struct claims__link_claims *c)
{
	for (size_t i = 0; i < c->n; i++) {
		claims__free(c->v[i].billing_npi);
		claims__free(c->v[i].pcn_key);
		claims__free(c->v[i].member_id);
	}
	claims__free(c->v);
	memset(c, 0, sizeof(*c));
}

#define LINK_CLAIM_COLUMNS                                                                        \
	"SELECT id, payer_id, total_charge_cents, service_date, service_date_to, "               \
	"billing_provider_npi, pcn_key, subscriber_member_id FROM claims "

int
claims__store_link_claims(claims_db *db, enum claims__link_query q, const char *key,
			  struct claims__link_claims *out)
{
	static const char by_pcn[] = LINK_CLAIM_COLUMNS "WHERE pcn_key = ?1 ORDER BY id";
	/* A longer key starting with ?1: every byte of UTF-8 text is below 0xFF. */
	static const char by_prefix[] =
		LINK_CLAIM_COLUMNS "WHERE pcn_key > ?1 AND pcn_key < ?2 ORDER BY id";
	static const char by_patient[] = LINK_CLAIM_COLUMNS "WHERE patient_key = ?1 ORDER BY id";
	char *upper = NULL;
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db,
			  q == CLAIMS__LINK_BY_PCN ? by_pcn
			  : q == CLAIMS__LINK_BY_PCN_PREFIX ? by_prefix : by_patient);
	if (rc < 0)
		return rc;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (q == CLAIMS__LINK_BY_PCN_PREFIX) {
		size_t n = strlen(key);

		upper = claims__malloc(n + 2);
		if (!upper) {
			claims__stmt_done(s);
			return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
		}
		memcpy(upper, key, n);
		upper[n] = (char)0xFF;
		upper[n + 1] = '\0';
		sqlite3_bind_text(s, 2, upper, (int)n + 1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(s, 0);
		struct claims__link_claim *c;
		bool seen = false;

		for (size_t i = 0; i < out->n && !seen; i++)
			seen = out->v[i].id == id;
		if (seen)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 8;
			struct claims__link_claim *v = claims__realloc(out->v, cap * sizeof(*v));

			if (!v) {
				rc = SQLITE_NOMEM;
				break;
			}
			out->v = v;
			out->cap = cap;
		}
		c = &out->v[out->n++];
		memset(c, 0, sizeof(*c));
		c->id = id;
		c->payer_id = sqlite3_column_int64(s, 1);
		c->has_charge = sqlite3_column_type(s, 2) != SQLITE_NULL;
		c->charge_cents = sqlite3_column_int64(s, 2);
		claims__col_copy(s, 3, c->from, sizeof(c->from));
		claims__col_copy(s, 4, c->to, sizeof(c->to));
		c->billing_npi = claims__col_strdup(s, 5);
		c->pcn_key = claims__col_strdup(s, 6);
		c->member_id = claims__col_strdup(s, 7);
		if (!c->pcn_key) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	claims__free(upper);
	if (rc == SQLITE_NOMEM) {
		claims__stmt_done(s);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	if (rc != SQLITE_DONE) {
		rc = claims__sqlite_error(db, rc, "finding claims to link");
		claims__stmt_done(s);
		return rc;
	}
	claims__stmt_done(s);
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- episodes */

int
claims__store_remit_adjustment_counts(claims_db *db, int64_t remit_id, int64_t *adjustments,
				      int64_t *denials)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM adjustments WHERE remittance_id = ?1), "
		"(SELECT count(DISTINCT a.group_code || a.reason_code) FROM adjustments a "
		" JOIN carc_codes k ON k.code = a.reason_code "
		" WHERE a.remittance_id = ?1 AND a.group_code IN ('CO', 'OA', 'PI') "
		" AND k.is_denial = 1)";
	sqlite3_stmt *s;
	int rc;

	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, remit_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*adjustments = sqlite3_column_int64(s, 0);
		*denials = sqlite3_column_int64(s, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "counting adjustments");
	return CLAIMS_OK;
}

int
claims__store_episode_insert(claims_db *db, const struct claims__episode_new *e, int64_t *id_out)
{
	static const char sql[] =
		"INSERT INTO claim_episodes (claim_id, remittance_id, status, link_method, "
		"linked_at, payment_amount_cents, denial_count, adjustment_count) "
		"VALUES (?1, ?2, ?3, ?4, " NOW ", ?5, ?6, ?7)";
	sqlite3_stmt *s;
	int rc;

	*id_out = 0;
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, e->claim_id);
	sqlite3_bind_int64(s, 2, e->remittance_id);
	sqlite3_bind_text(s, 3, e->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, e->link_method, -1, SQLITE_STATIC);
	bind_money(s, 5, e->has_payment, e->payment_cents);
	sqlite3_bind_int64(s, 6, e->denial_count);
	sqlite3_bind_int64(s, 7, e->adjustment_count);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ||
	    (rc & 0xff) == SQLITE_CONSTRAINT) {
		if (sqlite3_extended_errcode(db->sql) == SQLITE_CONSTRAINT_UNIQUE)
			return claims__set_error(db, CLAIMS_EEXISTS,
						 "remittance %lld is already linked",
						 (long long)e->remittance_id);
		return claims__sqlite_error(db, rc, "storing an episode");
	}
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "storing an episode");
	*id_out = sqlite3_last_insert_rowid(db->sql);
	/* "link set" (spec/cache.md §6); the claim's status is recomputed and
	 * invalidated by claims__store_claim_recompute_status(). */
	claims__inval_key(db, "episode", *id_out);
	claims__inval_prefix(db, "count:episode");
	claims__inval_key(db, "claim", e->claim_id);
	claims__inval_prefix(db, "count:claim");
	claims__inval_key(db, "remittance", e->remittance_id);
	claims__inval_prefix(db, "count:remittance");
	return CLAIMS_OK;
}

int
claims__store_remit_set_status(claims_db *db, int64_t remit_id, const char *status)
{
	static const char sql[] =
		"UPDATE remittances SET status = ?2, updated_at = " NOW
		" WHERE id = ?1 AND status <> ?2";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, remit_id);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	claims__inval_key(db, "remittance", remit_id);
	claims__inval_prefix(db, "count:remittance");
	return claims__step_done(db, s, "setting a remittance status");
}

/* Parameters shared by the two reversal queries: ?1 claim, ?2 the new
 * episode, ?3 payer, ?4 CLP04 of the new remittance, ?5 its CLP07, ?6 its
 * TRN02, ?7 its payment date. */
static void
bind_reversal(sqlite3_stmt *s, int64_t claim_id, int64_t ep, const struct claims__link_remit *r)
{
	sqlite3_bind_int64(s, 1, claim_id);
	sqlite3_bind_int64(s, 2, ep);
	sqlite3_bind_int64(s, 3, r->payer_id);
	bind_money(s, 4, r->has_payment, r->payment_cents);
	claims__bind_text(s, 5, r->payer_icn);
	claims__bind_text(s, 6, r->check_number);
	claims__bind_text(s, 7, r->payment_date);
}

int
claims__store_reversal_original(claims_db *db, int64_t claim_id, int64_t rev_ep,
				const struct claims__link_remit *r, int64_t *ep_out)
{
	static const char sql[] =
		"SELECT e.id FROM claim_episodes e JOIN remittances o ON o.id = e.remittance_id "
		"WHERE e.claim_id = ?1 AND e.id <> ?2 "
		"AND coalesce(o.claim_status_code, '') <> '22' "
		"AND e.status <> 'reversed' AND e.reversed_by_episode_id IS NULL "
		"AND o.payer_id = ?3 AND o.payment_amount_cents = -?4 "
		"AND (o.payer_claim_control_number IS NULL OR ?5 IS NULL "
		"     OR o.payer_claim_control_number = ?5) "
		"AND o.check_number IS NOT ?6 "
		"AND (o.payment_date IS NULL OR ?7 IS NULL OR o.payment_date <= ?7) "
		"ORDER BY o.payment_date IS NOT NULL DESC, o.payment_date DESC, o.id DESC LIMIT 1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	bind_reversal(s, claim_id, rev_ep, r);
	return one_int(db, s, ep_out, "finding the payment a reversal reverses");
}

int
claims__store_reversal_open(claims_db *db, int64_t claim_id, int64_t new_ep,
			    const struct claims__link_remit *o, int64_t *ep_out)
{
	static const char sql[] =
		"SELECT e.id FROM claim_episodes e JOIN remittances r ON r.id = e.remittance_id "
		"WHERE e.claim_id = ?1 AND e.id <> ?2 AND r.claim_status_code = '22' "
		"AND NOT EXISTS (SELECT 1 FROM claim_episodes x "
		"                WHERE x.claim_id = ?1 AND x.reversed_by_episode_id = e.id) "
		"AND r.payer_id = ?3 AND r.payment_amount_cents = -?4 "
		"AND (r.payer_claim_control_number IS NULL OR ?5 IS NULL "
		"     OR r.payer_claim_control_number = ?5) "
		"AND r.check_number IS NOT ?6 "
		"AND (r.payment_date IS NULL OR ?7 IS NULL OR ?7 <= r.payment_date) "
		"ORDER BY e.id LIMIT 1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	bind_reversal(s, claim_id, new_ep, o);
	return one_int(db, s, ep_out, "finding an open reversal");
}

int
claims__store_episode_mark_reversed(claims_db *db, int64_t ep, int64_t by_ep)
{
	static const char sql[] =
		"UPDATE claim_episodes SET status = 'reversed', reversed_by_episode_id = ?2, "
		"updated_at = " NOW " WHERE id = ?1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, ep);
	sqlite3_bind_int64(s, 2, by_ep);
	claims__inval_key(db, "episode", ep);
	claims__inval_prefix(db, "count:episode");
	return claims__step_done(db, s, "reversing an episode");
}

/* Adjudicated episode (engine.md §1.6), e joined with its remittance r. */

int
claims__store_claim_recompute_status(claims_db *db, int64_t claim_id)
{
	static const char sql[] =
		"UPDATE claims SET status = ?2, updated_at = " NOW " WHERE id = ?1 AND status <> ?2";
	static const char calc[] =
		"SELECT CASE "
		"WHEN c.status = 'void' OR c.voided_at IS NOT NULL THEN 'void' "
		"WHEN NOT EXISTS (SELECT 1 FROM claim_episodes e JOIN remittances r "
		"  ON r.id = e.remittance_id WHERE e.claim_id = c.id AND " CLAIMS__SQL_ADJUDICATED ") THEN "
		"  CASE WHEN EXISTS (SELECT 1 FROM claim_episodes e WHERE e.claim_id = c.id "
		"    AND e.status = 'reversed') THEN 'reversed' ELSE 'pending' END "
		"WHEN NOT EXISTS (SELECT 1 FROM claim_episodes e JOIN remittances r "
		"  ON r.id = e.remittance_id WHERE e.claim_id = c.id AND " CLAIMS__SQL_ADJUDICATED
		"  AND NOT (coalesce(r.claim_status_code, '') = '4' "
		"    OR (r.payment_amount_cents = 0 AND e.denial_count > 0))) THEN 'denied' "
		"ELSE 'processed' END FROM claims c WHERE c.id = ?1";
	char status[12];
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, calc);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			return CLAIMS_OK;
		return claims__sqlite_error(db, rc, "computing a claim status");
	}
	claims__col_copy(s, 0, status, sizeof(status));
	sqlite3_reset(s);
	rc = claims__stmt(&s, db, sql);
	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	/* Whether or not the status moves, the claim's episodes did. */
	claims__inval_key(db, "claim", claim_id);
	claims__inval_prefix(db, "count:claim");
	return claims__step_done(db, s, "setting a claim status");
}

int
claims__store_claim_current_episode(claims_db *db, int64_t claim_id, int64_t *ep_out)
{
	static const char sql[] =
		"SELECT e.id FROM claim_episodes e JOIN remittances r ON r.id = e.remittance_id "
		"WHERE e.claim_id = ?1 AND " CLAIMS__SQL_ADJUDICATED " "
		"ORDER BY r.payment_date IS NOT NULL DESC, r.payment_date DESC, r.id DESC LIMIT 1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	return one_int(db, s, ep_out, "finding the current episode");
}

int
claims__store_claim_exists(claims_db *db, int64_t claim_id, bool *found)
{
	static const char sql[] = "SELECT 1 FROM claims WHERE id = ?1";
	sqlite3_stmt *s;
	int64_t v;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	rc = one_int(db, s, &v, "looking up a claim");
	*found = v == 1;
	return rc;
}

int
claims__store_link_log(claims_db *db, const struct claims__link_remit *r, int64_t claim_id,
		       const char *level, const char *code, const char *message,
		       const char *details_json)
{
	static const char sql[] =
		"INSERT INTO parser_logs (ingest_file_id, file_name, file_type, log_level, "
		"segment_type, issue_type, message, details, claim_control_number, claim_id, "
		"remittance_id) VALUES (?1, coalesce((SELECT filename FROM ingest_files "
		"WHERE id = ?1), 'unknown'), '835', ?2, 'CLP', ?3, ?4, ?5, ?6, ?7, ?8)";
	struct claims__buf b = { 0 };
	struct claims__jsonw w;
	sqlite3_stmt *s;
	int rc;

	claims__jsonw_init(&w, &b);
	claims__jsonw_object_begin(&w);
	claims__jsonw_location(&w, 0, 0, 0, -1);
	claims__jsonw_kv_string(&w, "element", NULL);
	claims__jsonw_key(&w, "details");
	claims__jsonw_raw(&w, details_json ? details_json : "{}");
	claims__jsonw_object_end(&w);
	if (b.oom) {
		claims__buf_free(&b);
		return claims__set_error(db, CLAIMS_ENOMEM, "out of memory");
	}
	rc = claims__stmt(&s, db, sql);
	if (rc == CLAIMS_OK) {
		claims__bind_id(s, 1, r->ingest_file_id);
		sqlite3_bind_text(s, 2, level, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, code, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, message, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 5, b.data, (int)b.len, SQLITE_STATIC);
		claims__bind_text(s, 6, r->claim_control_number);
		claims__bind_id(s, 7, claim_id);
		sqlite3_bind_int64(s, 8, r->id);
		rc = claims__step_done(db, s, "storing a linking log");
	}
	claims__buf_free(&b);
	return rc;
}

#define EPISODE_COLUMNS                                                                           \
	"SELECT id, claim_id, remittance_id, status, link_method, payment_amount_cents, "         \
	"denial_count, adjustment_count, reversed_by_episode_id, linked_at, created_at, "         \
	"updated_at FROM claim_episodes "

static int
read_episode(claims_db *db, sqlite3_stmt *s, struct claims__episode_row *ep, bool *found)
{
	int rc = sqlite3_step(s);

	*found = false;
	if (rc == SQLITE_ROW) {
		memset(ep, 0, sizeof(*ep));
		ep->id = sqlite3_column_int64(s, 0);
		ep->claim_id = sqlite3_column_int64(s, 1);
		ep->remittance_id = sqlite3_column_int64(s, 2);
		claims__col_copy(s, 3, ep->status, sizeof(ep->status));
		claims__col_copy(s, 4, ep->link_method, sizeof(ep->link_method));
		ep->has_payment = sqlite3_column_type(s, 5) != SQLITE_NULL;
		ep->payment_amount_cents = sqlite3_column_int64(s, 5);
		ep->denial_count = sqlite3_column_int64(s, 6);
		ep->adjustment_count = sqlite3_column_int64(s, 7);
		ep->reversed_by_episode_id = sqlite3_column_int64(s, 8);
		claims__col_copy(s, 9, ep->linked_at, sizeof(ep->linked_at));
		claims__col_copy(s, 10, ep->created_at, sizeof(ep->created_at));
		claims__col_copy(s, 11, ep->updated_at, sizeof(ep->updated_at));
		*found = true;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return claims__sqlite_error(db, rc, "reading an episode");
	return CLAIMS_OK;
}

int
claims__store_episode_get(claims_db *db, int64_t id, struct claims__episode_row *ep, bool *found)
{
	static const char sql[] = EPISODE_COLUMNS "WHERE id = ?1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	return read_episode(db, s, ep, found);
}

int
claims__store_episode_set_status(claims_db *db, int64_t id, const char *status)
{
	static const char sql[] =
		"UPDATE claim_episodes SET status = ?2, linked_at = CASE WHEN ?2 = 'complete' "
		"THEN coalesce(linked_at, " NOW ") ELSE linked_at END, updated_at = " NOW
		" WHERE id = ?1";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, status, -1, SQLITE_STATIC);
	claims__inval_key(db, "episode", id);
	claims__inval_prefix(db, "count:episode");
	return claims__step_done(db, s, "setting an episode status");
}

int
claims__store_remits_unprocessed(claims_db *db, struct claims__ids *out)
{
	static const char sql[] =
		"SELECT id FROM remittances WHERE status <> 'processed' ORDER BY id";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	return collect_ids(db, s, out, "listing remittances to link");
}

int
claims__store_remits_waiting_for_claim(claims_db *db, int64_t claim_id, struct claims__ids *out)
{
	static const char sql[] =
		"SELECT r.id FROM claims c JOIN remittances r ON r.pcn_key = c.pcn_key "
		"WHERE c.id = ?1 AND r.status IN ('pending', 'unmatched', 'ambiguous') "
		"ORDER BY r.id";
	sqlite3_stmt *s;
	int rc = claims__stmt(&s, db, sql);

	if (rc < 0)
		return rc;
	sqlite3_bind_int64(s, 1, claim_id);
	return collect_ids(db, s, out, "listing remittances waiting for a claim");
}
