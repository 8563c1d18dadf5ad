/*
 * Fuzz target: the whole ingest path of one file (reader, 837 and 835
 * mappings, balancing, the two-pass loader and the store) into an
 * in-memory database.
 *
 * The first byte chooses the mode (tolerant or strict) and the accepted
 * family; the rest is the file.  Invariants checked on every input:
 * the call never fails on input (only the status says refused); a refused
 * file stores no claim or remittance; the counts add up as x12.md §10 says;
 * a second ingest of the same bytes is a duplicate (or is refused again).
 * The database is renewed every few hundred inputs to bound memory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include <claims/claims.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static claims_db *db;
static unsigned runs;

static void
check(int ok)
{
	if (!ok)
		abort();
}

static int64_t
count(const char *sql)
{
	sqlite3_stmt *s = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(db->sql, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	claims_ingest_options opts = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL, *again = NULL;
	int64_t claims_before, remits_before;

	if (size < 1)
		return 0;
	if (!db || ++runs % 300 == 0) {
		claims_db_close(db);
		db = NULL;
		check(claims_db_open(&db, ":memory:", NULL) == CLAIMS_OK);
	}
	opts.mode = (data[0] & 1) ? CLAIMS_X12_STRICT : CLAIMS_X12_TOLERANT;
	opts.expect = (claims_ingest_expect)((data[0] >> 1) % 3);
	opts.max_segment_bytes = 4096;
	opts.max_issues_stored = 50;
	opts.filename = "fuzz.edi";
	data++;
	size--;

	claims_before = count("SELECT count(*) FROM claims");
	remits_before = count("SELECT count(*) FROM remittances");
	check(claims_ingest_mem(&r, db, data, size, &opts) == CLAIMS_OK);
	check(r != NULL);
	if (r->status == CLAIMS_INGEST_REFUSED) {
		check(r->error_code != NULL);
		check(count("SELECT count(*) FROM claims") == claims_before);
		check(count("SELECT count(*) FROM remittances") == remits_before);
	}
	if (r->status == CLAIMS_INGEST_INGESTED) {
		const claims_ingest_counts *c = &r->counts;
		check(c->claims_created + c->claims_updated + c->claims_voided + c->claims_unchanged <=
		      c->claims_parsed);
		check(c->remittances_created + c->remittances_unchanged <= c->remittances_parsed);
		check(c->errors + c->warnings <= c->issues);
		check(r->n_issues <= 100 && (int64_t)r->n_issues <= r->issues_total);
	}
	check(claims_ingest_mem(&again, db, data, size, &opts) == CLAIMS_OK);
	if (r->status == CLAIMS_INGEST_INGESTED || r->status == CLAIMS_INGEST_DUPLICATE)
		check(again->status == CLAIMS_INGEST_DUPLICATE);
	else
		check(again->status == CLAIMS_INGEST_REFUSED);
	claims_ingest_result_free(r);
	claims_ingest_result_free(again);
	return 0;
}
