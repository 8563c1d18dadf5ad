/*
 * Small synthetic 5010 files for the engine tests, ingested through
 * claims_ingest_mem() into a fresh database.  Envelopes carry correct
 * counts; segments are joined with '~'.
 */
#ifndef CLAIMS_ENGINE_FIXTURE_H
#define CLAIMS_ENGINE_FIXTURE_H

#include "testutil.h"

#include <inttypes.h>

/* A growable text. */
struct tx {
	char *s;
	size_t len, cap;
};

#define TX_PRINTF(t, ...) tu_text_printf(&(t)->s, &(t)->len, &(t)->cap, __VA_ARGS__)

static inline void
tx_free(struct tx *t)
{
	free(t->s);
	memset(t, 0, sizeof(*t));
}

/* Wrap a body ("SEG~SEG~...") in ISA/GS/ST..SE/GE/IEA. */
static inline char *
fx_envelope(const char *gs_code, const char *body, int icn)
{
	struct tx t = { 0 };
	size_t segs = 2;
	bool is837 = strcmp(gs_code, "HC") == 0;

	for (const char *p = body; *p; p++)
		segs += *p == '~';
	TX_PRINTF(&t, "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		      "*240101*1200*^*00501*%09d*0*T*:~", icn);
	TX_PRINTF(&t, "GS*%s*SENDER*RECEIVER*20240101*1200*1*X*%s~", gs_code,
		  is837 ? "005010X222A1" : "005010X221A1");
	TX_PRINTF(&t, "ST*%s*0001*%s~", is837 ? "837" : "835", is837 ? "005010X222A1" : "005010X221A1");
	tu_text_put(&t.s, &t.len, &t.cap, body, strlen(body));
	TX_PRINTF(&t, "SE*%zu*0001~GE*1*1~IEA*1*%09d~", segs, icn);
	return t.s;
}

/* The 837P header with the billing provider. */
static inline void
fx_837_head(struct tx *b, const char *npi)
{
	TX_PRINTF(b, "BHT*0019*00*0123*20240110*1200*CH~NM1*41*2*CLINIC*****46*TGJ23~"
		     "PER*IC*JERRY*TE*3055552222~NM1*40*2*PAYER*****46*66783JJT~HL*1**20*1~"
		     "NM1*85*2*CLINIC*****XX*%s~N3*1 MAIN ST~N4*CITY*ST*12345~REF*EI*123456789~",
		  npi);
}

/* A subscriber loop (HL @p hl) with its payer. */
static inline void
fx_837_subscriber(struct tx *b, int hl, const char *payer, const char *member, const char *last,
		  const char *first)
{
	TX_PRINTF(b, "HL*%d*1*22*0~SBR*P*18*******CI~NM1*IL*1*%s*%s****MI*%s~DMG*D8*19800101*F~"
		     "NM1*PR*2*PAYER %s*****PI*%s~",
		  hl, last, first, member, payer, payer);
}

/* One claim with one 99213 line of the same charge. */
static inline void
fx_837_claim(struct tx *b, const char *pcn, const char *charge, const char *freq,
	     const char *ref_f8, const char *date)
{
	TX_PRINTF(b, "CLM*%s*%s***11:B:%s*Y*A*Y*Y~", pcn, charge, freq);
	if (ref_f8)
		TX_PRINTF(b, "REF*F8*%s~", ref_f8);
	TX_PRINTF(b, "HI*ABK:E119~LX*1~SV1*HC:99213*%s*UN*1***1~DTP*472*D8*%s~", charge, date);
}

/* 835 header: check @p trace paid on @p date by @p payer. */
static inline void
fx_835_head(struct tx *b, const char *payer, const char *trace, const char *date)
{
	TX_PRINTF(b, "BPR*I*0*C*NON************%s~TRN*1*%s*1512345678~REF*2U*%s~N1*PR*PAYER %s~"
		     "N1*PE*CLINIC*XX*1234567893~LX*1~",
		  date, trace, payer, payer);
}

/* One CLP with patient and service date; @p extra segments (CAS ...) follow. */
static inline void
fx_835_clp(struct tx *b, const char *pcn, const char *status, const char *charge,
	   const char *paid, const char *icn, const char *last, const char *first,
	   const char *member, const char *date, const char *extra)
{
	TX_PRINTF(b, "CLP*%s*%s*%s*%s**12*%s*11*1~NM1*QC*1*%s*%s****MI*%s~DTM*232*%s~", pcn,
		  status, charge, paid, icn, last, first, member, date);
	if (extra)
		tu_text_put(&b->s, &b->len, &b->cap, extra, strlen(extra));
}

static int fx_icn = 100;

/* Ingest an interchange built from @p body; returns the result (checked
 * as ingested). */
static inline claims_ingest_result *
fx_ingest(claims_db *db, const char *gs_code, const char *body, bool no_link)
{
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	char *text = fx_envelope(gs_code, body, ++fx_icn);
	int rc;

	o.no_link = no_link;
	rc = claims_ingest_mem(&r, db, text, strlen(text), &o);
	if (rc != CLAIMS_OK)
		fail_msg("ingest failed: %s", claims_db_errmsg(db));
	if (r->status != CLAIMS_INGEST_INGESTED)
		fail_msg("not ingested: %s %s", r->error_code ? r->error_code : "",
			 r->error_message ? r->error_message : "");
	free(text);
	return r;
}

static inline int64_t
fx_ingest_linked(claims_db *db, const char *gs_code, struct tx *body, bool no_link)
{
	claims_ingest_result *r = fx_ingest(db, gs_code, body->s, no_link);
	int64_t n = r->counts.episodes_linked;

	claims_ingest_result_free(r);
	tx_free(body);
	return n;
}

/* Integer answer of a printf-built query. */
static inline int64_t fx_int(claims_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int64_t
fx_int(claims_db *db, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return tu_query_int(db, sql);
}

/* Text answer of a printf-built query (static buffer; "(null)" for NULL). */
static inline const char *fx_text(claims_db *db, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline const char *
fx_text(claims_db *db, const char *fmt, ...)
{
	static char out[4][1024];
	static int slot;
	char sql[2048];
	sqlite3_stmt *s = NULL;
	const unsigned char *t;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	assert_int_equal(sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	t = sqlite3_column_text(s, 0);
	slot = (slot + 1) % 4;
	snprintf(out[slot], sizeof(out[slot]), "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(s);
	return out[slot];
}

static inline claims_db *
fx_open_memory(void)
{
	claims_db *db = NULL;

	assert_int_equal(claims_db_open(&db, ":memory:", NULL), CLAIMS_OK);
	return db;
}

/* cmocka fixtures: a fresh in-memory database per test. */
static inline int
fx_setup(void **state)
{
	*state = fx_open_memory();
	return 0;
}

static inline int
fx_teardown(void **state)
{
	claims_db_close(*state);
	return 0;
}

#endif
