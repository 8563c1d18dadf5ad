/*
 * The X12 envelope walker (spec/x12.md §3): events, every §3.1 check,
 * §3.2 types and versions, strict mode, and a walk over the whole corpus
 * with the counts of corpus/README.md and the exact envelope issues.
 *
 * Tests render events and issues as a transcript, read through four
 * sources (memory in place, 1-byte and 7-byte reads, a read callback of 5
 * bytes) that must agree.
 */
#include "testutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "x12/x12_internal.h"

struct tr {
	char *s;
	size_t len, cap;
	int rc;
	claims_x12_stats stats;
	int n_issues;
	struct {
		char code[40];
		claims_x12_severity severity;
		bool refuses_strict, refuses;
		int64_t ich, txn, seg, off;
		char segid[32], element[32], message[512], details[512];
	} issues[64];
	/* issue counts per code over the whole run */
	int per_code[CLAIMS_X12_CODE_COUNT];
};

static void
tr_put(struct tr *t, const char *s, size_t n)
{
	tu_text_put(&t->s, &t->len, &t->cap, s, n);
}

#define tr_printf(t, ...) tu_text_printf(&(t)->s, &(t)->len, &(t)->cap, __VA_ARGS__)

static void
on_issue(const claims_x12_issue *is, void *payload)
{
	struct tr *t = payload;

	tr_printf(t, "!%s", is->code);
	if (is->element)
		tr_printf(t, "(%s)", is->element);
	tr_printf(t, " %" PRId64 "/%" PRId64 "/%" PRId64 "\n", is->interchange, is->transaction,
		  is->segment_index);
	if ((int)is->code_id > 0 && is->code_id < CLAIMS_X12_CODE_COUNT)
		t->per_code[is->code_id]++;
	if (t->n_issues < 64) {
		int k = t->n_issues;

		snprintf(t->issues[k].code, sizeof(t->issues[k].code), "%s", is->code);
		t->issues[k].severity = is->severity;
		t->issues[k].refuses_strict = is->refuses_strict;
		t->issues[k].refuses = is->refuses;
		t->issues[k].ich = is->interchange;
		t->issues[k].txn = is->transaction;
		t->issues[k].seg = is->segment_index;
		t->issues[k].off = is->byte_offset;
		snprintf(t->issues[k].segid, sizeof(t->issues[k].segid), "%s",
			 is->segment_id ? is->segment_id : "(null)");
		snprintf(t->issues[k].element, sizeof(t->issues[k].element), "%s",
			 is->element ? is->element : "(null)");
		snprintf(t->issues[k].message, sizeof(t->issues[k].message), "%s", is->message);
		snprintf(t->issues[k].details, sizeof(t->issues[k].details), "%s", is->details);
	}
	t->n_issues++;
}

static void
tr_event(struct tr *t, const claims_x12_event *ev, bool segments)
{
	const claims_x12_segment *seg = ev->segment;
	const claims_x12_transaction *txn = ev->transaction;

	switch (ev->type) {
	case CLAIMS_X12_EVENT_INTERCHANGE_START:
		tr_printf(t, "ICH+ %" PRId64 "\n", seg->loc.interchange);
		break;
	case CLAIMS_X12_EVENT_GROUP_START:
		tr_printf(t, "GRP+ %s\n", seg->id);
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_START:
		tr_printf(t, "TXN+ #%" PRId64 " %s %s %s %s\n", txn->ordinal,
			  claims_x12_type_to_str(txn->type), txn->transaction_id, txn->control_number,
			  txn->version);
		assert_ptr_equal(seg, ev->segment);
		assert_string_equal(seg->id, "ST");
		assert_int_equal(seg->loc.transaction, txn->ordinal);
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_TYPE:
		tr_printf(t, "TYPE #%" PRId64 " %s at %s\n", txn->ordinal, claims_x12_type_to_str(txn->type),
			  seg ? seg->id : "-");
		break;
	case CLAIMS_X12_EVENT_SEGMENT:
		assert_int_equal(seg->loc.transaction, txn->ordinal);
		assert_false(seg->skipped);
		if (segments)
			tr_printf(t, "  %s\n", seg->id);
		break;
	case CLAIMS_X12_EVENT_TRANSACTION_END:
		tr_printf(t, "TXN- #%" PRId64 " %s %s%s\n", txn->ordinal, claims_x12_type_to_str(txn->type),
			  ev->completed ? "completed" : "incomplete", seg ? " by SE" : "");
		assert_true(ev->completed == (seg != NULL));
		break;
	case CLAIMS_X12_EVENT_GROUP_END:
		tr_printf(t, "GRP- %s\n", ev->completed ? "completed" : "incomplete");
		assert_true(ev->completed == (seg != NULL));
		break;
	case CLAIMS_X12_EVENT_INTERCHANGE_END:
		tr_printf(t, "ICH- %s\n", ev->completed ? "completed" : "incomplete");
		assert_true(ev->completed == (seg != NULL));
		break;
	default:
		fail_msg("unexpected event %d", ev->type);
	}
	if (ev->type == CLAIMS_X12_EVENT_INTERCHANGE_START || ev->type == CLAIMS_X12_EVENT_GROUP_START ||
	    ev->type == CLAIMS_X12_EVENT_INTERCHANGE_END || ev->type == CLAIMS_X12_EVENT_GROUP_END)
		assert_null(ev->transaction);
	else
		assert_non_null(ev->transaction);
}

enum mode { M_MEM, M_CHUNK1, M_CHUNK7, M_CB, M_COUNT };
static const char *mode_names[M_COUNT] = { "mem", "chunk1", "chunk7", "cb" };

struct cbsrc {
	const unsigned char *p;
	size_t len, pos;
};

static int
read_cb(size_t *out, void *buf, size_t len, void *payload)
{
	struct cbsrc *s = payload;
	size_t n = s->len - s->pos;

	if (n > len)
		n = len;
	if (n > 5)
		n = 5;
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	*out = n;
	return CLAIMS_OK;
}

static void
run_mode(struct tr *t, enum mode m, const void *data, size_t len,
	 const claims_x12_reader_options *opts, bool segments)
{
	claims_x12_reader_options o = opts ? *opts : (claims_x12_reader_options)CLAIMS_X12_READER_OPTIONS_INIT;
	const claims_x12_event *ev;
	claims_x12_reader *r = NULL;
	struct cbsrc src = { data, len, 0 };
	int rc, guard = 0;

	memset(t, 0, sizeof(*t));
	tr_put(t, "", 0);
	o.issue_cb = on_issue;
	o.issue_payload = t;
	switch (m) {
	case M_MEM:
		assert_int_equal(claims_x12_reader_new_mem(&r, data, len, &o), CLAIMS_OK);
		break;
	case M_CHUNK1:
	case M_CHUNK7:
		o.read_chunk = m == M_CHUNK1 ? 1 : 7;
		o.buffer_size = 1;
		assert_int_equal(claims_x12_reader_new_mem(&r, data, len, &o), CLAIMS_OK);
		break;
	case M_CB:
		assert_int_equal(claims_x12_reader_new_cb(&r, read_cb, &src, &o), CLAIMS_OK);
		break;
	default:
		fail();
	}
	while ((rc = claims_x12_reader_next(&ev, r)) == CLAIMS_OK && ev) {
		tr_event(t, ev, segments);
		assert_true(++guard < 10000000);
	}
	t->rc = rc;
	if (rc)
		tr_printf(t, "rc=%s\n", claims_error_to_str(rc));
	assert_int_equal(claims_x12_reader_next(&ev, r), rc);
	assert_null(ev);
	assert_int_equal(claims_x12_reader_stats(&t->stats, r), CLAIMS_OK);
	assert_int_equal(t->stats.finished, rc == CLAIMS_OK);
	claims_x12_reader_free(r);
}

static void
tr_free(struct tr *t)
{
	free(t->s);
	t->s = NULL;
}

static void
check_with(struct tr *out, const char *text, const claims_x12_reader_options *opts,
	   const char *expect)
{
	size_t len = strlen(text);

	run_mode(out, M_MEM, text, len, opts, true);
	if (expect && strcmp(out->s, expect) != 0)
		fail_msg("transcript (mem):\n%s\nexpected:\n%s", out->s, expect);
	for (int m = 1; m < M_COUNT; m++) {
		struct tr t;

		run_mode(&t, (enum mode)m, text, len, opts, true);
		if (strcmp(t.s, out->s) != 0)
			fail_msg("transcript (%s):\n%s\ndiffers from mem:\n%s", mode_names[m], t.s,
				 out->s);
		assert_memory_equal(&t.stats, &out->stats, sizeof(t.stats));
		tr_free(&t);
	}
}

static void
check(const char *text, const char *expect)
{
	struct tr t;

	check_with(&t, text, NULL, expect);
	tr_free(&t);
}

#define ISA(n)                                                                             \
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*" \
	n "*0*P*:~"
#define GS_P(n) "GS*HC*S*R*20240101*1200*" n "*X*005010X222A1~"
#define GS_I(n) "GS*HC*S*R*20240101*1200*" n "*X*005010X223A2~"
#define GS_R(n) "GS*HP*S*R*20240101*1200*" n "*X*005010X221A1~"

/* ---- events */

static void
test_events(void **state)
{
	struct tr t;
	const char *text = ISA("000000001") GS_P("1")
		"ST*837*0001*005010X222A1~BHT*0019~CLM*A*1~SE*4*0001~"
		"ST*837*0002~CLM*B*2~SE*3*0002~"
		"GE*2*1~IEA*1*000000001~";

	(void)state;
	check_with(&t, text, NULL,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "  BHT\n"
		   "  CLM\n"
		   "TXN- #1 837P completed by SE\n"
		   "TXN+ #2 837P 837 0002 005010X222A1\n"
		   "  CLM\n"
		   "TXN- #2 837P completed by SE\n"
		   "GRP- completed\n"
		   "ICH- completed\n");
	assert_int_equal(t.stats.interchanges, 1);
	assert_int_equal(t.stats.groups, 1);
	assert_int_equal(t.stats.transactions, 2);
	assert_int_equal(t.stats.transactions_completed, 2);
	assert_int_equal(t.stats.transactions_skipped, 0);
	assert_int_equal(t.stats.transactions_837p, 2);
	assert_int_equal(t.stats.issues, 0);
	assert_int_equal(t.stats.segments, 11);
	assert_int_equal(t.stats.bytes, (int64_t)strlen(text));
	assert_false(t.stats.refused);
	tr_free(&t);
}

static void
test_event_fields(void **state)
{
	const char *text = ISA("000000001") GS_R("7") "ST*835*1234~CLP*X*1~SE*3*1234~GE*1*7~IEA*1*000000001~";
	claims_x12_reader *r;
	const claims_x12_event *ev;

	(void)state;
	assert_int_equal(claims_x12_reader_new_mem(&r, text, strlen(text), NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_INTERCHANGE_START);
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(ev->segment, 13), "000000001"));
	assert_int_equal(ev->segment->loc.interchange, 1);
	assert_int_equal(ev->segment->loc.transaction, 0);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_GROUP_START);
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(ev->segment, 1), "HP"));
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_TRANSACTION_START);
	assert_int_equal(ev->transaction->type, CLAIMS_X12_TYPE_835);
	assert_string_equal(ev->transaction->control_number, "1234");
	assert_string_equal(ev->transaction->version, "005010X221A1"); /* from GS08 */
	assert_int_equal(ev->transaction->segment_count, 1);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_SEGMENT);
	assert_string_equal(ev->segment->id, "CLP");
	assert_int_equal(ev->segment->loc.segment_index, 4);
	assert_int_equal(ev->segment->loc.interchange, 1);
	assert_int_equal(ev->segment->loc.transaction, 1);
	assert_int_equal(ev->transaction->segment_count, 2);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_TRANSACTION_END);
	assert_true(ev->completed);
	assert_string_equal(ev->segment->id, "SE");
	assert_int_equal(ev->transaction->segment_count, 3);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_GROUP_END);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_int_equal(ev->type, CLAIMS_X12_EVENT_INTERCHANGE_END);
	assert_string_equal(ev->segment->id, "IEA");
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_null(ev);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_OK);
	assert_null(ev);
	claims_x12_reader_free(r);
}

/* ---- §3.1 */

static void
test_control_number_mismatches(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, ISA("000000001") GS_P("5") "ST*837*0001~SE*2*0002~GE*1*6~IEA*1*000000009~", NULL,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "!ST_SE_MISMATCH(SE02) 1/1/4\n"
		   "TXN- #1 837P completed by SE\n"
		   "!GS_GE_MISMATCH(GE02) 1/0/5\n"
		   "GRP- completed\n"
		   "!ISA_IEA_MISMATCH(IEA02) 1/0/6\n"
		   "ICH- completed\n");
	assert_string_equal(t.issues[0].message, "SE02 \"0002\" does not match ST02 \"0001\"");
	assert_string_equal(t.issues[0].details, "{\"header\": \"0001\", \"trailer\": \"0002\"}");
	assert_string_equal(t.issues[0].segid, "SE");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_WARNING);
	assert_true(t.issues[0].refuses_strict);
	assert_false(t.issues[0].refuses);
	assert_string_equal(t.issues[1].message, "GE02 \"6\" does not match GS06 \"5\"");
	assert_string_equal(t.issues[2].message,
			    "IEA02 \"000000009\" does not match ISA13 \"000000001\"");
	assert_true(t.issues[2].refuses_strict);
	/* a completed set with a wrong SE02 is still stored */
	assert_int_equal(t.stats.transactions_completed, 1);
	tr_free(&t);
	/* an absent trailer element is a mismatch too */
	check(ISA("000000001") GS_P("5") "ST*837*0001~SE*2~GE*1*5~IEA*1~",
	      "ICH+ 1\n"
	      "GRP+ GS\n"
	      "TXN+ #1 837P 837 0001 005010X222A1\n"
	      "!ST_SE_MISMATCH(SE02) 1/1/4\n"
	      "TXN- #1 837P completed by SE\n"
	      "GRP- completed\n"
	      "!ISA_IEA_MISMATCH(IEA02) 1/0/6\n"
	      "ICH- completed\n");
}

static void
test_counts(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	struct tr t;

	(void)state;
	/* SE01 counts the skipped segments (bad id, too many elements) */
	o.max_elements = 16;
	check_with(&t,
		   ISA("000000001") GS_P("1")
		   "ST*837*0001~Nd4*X~N3*A~HI*1*2*3*4*5*6*7*8*9*10*11*12*13*14*15*16*17~SE*5*0001~"
		   "ST*837*0002~N3*A~SE*0003*0002~"
		   "ST*837*0003~SE*x*0003~"
		   "GE*2*1~IEA*2*000000001~",
		   &o,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "!BAD_SEGMENT_ID 1/1/4\n"
		   "  N3\n"
		   "!TOO_MANY_ELEMENTS 1/1/6\n"
		   "TXN- #1 837P completed by SE\n"
		   "TXN+ #2 837P 837 0002 005010X222A1\n"
		   "  N3\n"
		   "TXN- #2 837P completed by SE\n"
		   "TXN+ #3 837P 837 0003 005010X222A1\n"
		   "!SE_COUNT(SE01) 1/3/12\n"
		   "TXN- #3 837P completed by SE\n"
		   "!GE_COUNT(GE01) 1/0/13\n"
		   "GRP- completed\n"
		   "!IEA_COUNT(IEA01) 1/0/14\n"
		   "ICH- completed\n");
	assert_string_equal(t.issues[2].message, "SE01 says \"x\" segments, counted 2");
	assert_string_equal(t.issues[2].details, "{\"expected\": 2, \"actual\": \"x\"}");
	assert_int_equal(t.issues[2].severity, CLAIMS_X12_WARNING);
	assert_false(t.issues[2].refuses_strict);
	assert_string_equal(t.issues[3].message, "GE01 says 2 transaction sets, counted 3");
	assert_string_equal(t.issues[3].details, "{\"expected\": 3, \"actual\": 2}");
	assert_false(t.issues[3].refuses_strict);
	assert_string_equal(t.issues[4].message, "IEA01 says 2 functional groups, counted 1");
	tr_free(&t);
	/* the spec's example message */
	check_with(&t, ISA("000000001") GS_P("1") "ST*837*0001~N3*A~SE*25*0001~GE*1*1~IEA*1*000000001~",
		   NULL, NULL);
	assert_string_equal(t.issues[0].message, "SE01 says 25 segments, counted 3");
	assert_string_equal(t.issues[0].details, "{\"expected\": 3, \"actual\": 25}");
	assert_string_equal(t.issues[0].element, "SE01");
	assert_string_equal(t.issues[0].segid, "SE");
	tr_free(&t);
}

static void
test_missing_se(void **state)
{
	struct tr t;

	(void)state;
	/* closed by the next ST, by GE, by IEA (with GS open), by GS, by ISA,
	 * and by the end of the data */
	check_with(&t, ISA("000000001") GS_P("1")
		   "ST*837*0001~CLM*A~"
		   "ST*837*0002~CLM*B~"
		   "GE*2*1~" GS_P("2")
		   "ST*837*0003~"
		   "IEA*1*000000001~" ISA("000000002") GS_P("3")
		   "ST*837*0004~" GS_P("4")
		   "ST*837*0005~" ISA("000000003") GS_P("5")
		   "ST*837*0006~CLM*C",
		   NULL,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "  CLM\n"
		   "!MISSING_SE 1/1/5\n"
		   "TXN- #1 837P incomplete\n"
		   "TXN+ #2 837P 837 0002 005010X222A1\n"
		   "  CLM\n"
		   "!MISSING_SE 1/2/7\n"
		   "TXN- #2 837P incomplete\n"
		   "GRP- completed\n"
		   "GRP+ GS\n"
		   "TXN+ #3 837P 837 0003 005010X222A1\n"
		   "!MISSING_SE 1/3/10\n"
		   "TXN- #3 837P incomplete\n"
		   "!MISSING_GE 1/0/10\n"
		   "GRP- incomplete\n"
		   "!IEA_COUNT(IEA01) 1/0/10\n"
		   "ICH- completed\n"
		   "ICH+ 2\n"
		   "GRP+ GS\n"
		   "TXN+ #4 837P 837 0004 005010X222A1\n"
		   "!MISSING_SE 2/4/14\n"
		   "TXN- #4 837P incomplete\n"
		   "!MISSING_GE 2/0/14\n"
		   "GRP- incomplete\n"
		   "GRP+ GS\n"
		   "TXN+ #5 837P 837 0005 005010X222A1\n"
		   "!MISSING_SE 2/5/16\n"
		   "TXN- #5 837P incomplete\n"
		   "!MISSING_GE 2/0/16\n"
		   "GRP- incomplete\n"
		   "!MISSING_IEA 2/0/16\n"
		   "ICH- incomplete\n"
		   "ICH+ 3\n"
		   "GRP+ GS\n"
		   "TXN+ #6 837P 837 0006 005010X222A1\n"
		   "  CLM\n"
		   "!MISSING_SE 3/6/0\n"
		   "TXN- #6 837P incomplete\n"
		   "!MISSING_GE 3/0/0\n"
		   "GRP- incomplete\n"
		   "!MISSING_IEA 3/0/0\n"
		   "ICH- incomplete\n");
	assert_string_equal(t.issues[0].message,
			    "Transaction set 0001 was not closed by SE before the next ST segment; it is not stored");
	assert_string_equal(t.issues[0].details, "{\"control_number\": \"0001\"}");
	assert_string_equal(t.issues[0].segid, "ST");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_ERROR);
	assert_true(t.issues[0].refuses_strict);
	assert_string_equal(t.issues[3].message,
			    "Functional group 2 was not closed by GE before the IEA segment");
	assert_int_equal(t.issues[3].severity, CLAIMS_X12_WARNING);
	assert_true(t.issues[3].refuses_strict);
	assert_string_equal(t.issues[4].message, "IEA01 says 1 functional groups, counted 2");
	/* at the end of the data: no segment, the offset is the end */
	assert_string_equal(t.issues[t.n_issues - 3].message,
			    "Transaction set 0006 was not closed by SE before the end of the data; it is not stored");
	assert_string_equal(t.issues[t.n_issues - 3].segid, "(null)");
	assert_int_equal(t.issues[t.n_issues - 3].off, t.stats.bytes);
	assert_string_equal(t.issues[t.n_issues - 1].message,
			    "Interchange 000000003 was not closed by IEA before the end of the data");
	assert_int_equal(t.stats.transactions, 6);
	assert_int_equal(t.stats.transactions_completed, 0);
	assert_int_equal(t.stats.transactions_skipped, 6);
	assert_int_equal(t.stats.interchanges, 3);
	assert_int_equal(t.stats.groups, 5);
	tr_free(&t);
}

static void
test_outside_envelope(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, "N3*before~" ISA("000000001") "ST*837*1~SE*2*1~" GS_P("1") "BHT*1~"
		   "ST*837*0001~SE*2*0001~GE*1*1~GE*1*1~SE*1*1~IEA*1*000000001~"
		   "NTE*between~GS*HC~ST*837*2~SE*2*2~GE*1*1~IEA*1*1~" ISA("000000002") "IEA*0*000000002~",
		   NULL,
		   "!PREAMBLE_SKIPPED 0/0/0\n"
		   "ICH+ 1\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 1/0/2\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 1/0/3\n"
		   "GRP+ GS\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 1/0/5\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "TXN- #1 837P completed by SE\n"
		   "GRP- completed\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 1/0/9\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 1/0/10\n"
		   "ICH- completed\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/12\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/13\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/14\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/15\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/16\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/17\n"
		   "ICH+ 2\n"
		   "ICH- completed\n");
	assert_string_equal(t.issues[1].message, "ST segment outside a functional group; skipped");
	assert_string_equal(t.issues[2].message, "SE segment without an open transaction set; skipped");
	assert_string_equal(t.issues[3].message, "BHT segment outside a transaction set; skipped");
	assert_string_equal(t.issues[4].message, "GE segment outside a functional group; skipped");
	assert_string_equal(t.issues[6].message, "NTE segment outside a transaction set; skipped");
	assert_string_equal(t.issues[7].message, "GS segment outside an interchange; skipped");
	assert_string_equal(t.issues[11].message, "IEA segment outside an interchange; skipped");
	assert_int_equal(t.issues[6].severity, CLAIMS_X12_ERROR);
	assert_true(t.issues[6].refuses_strict);
	assert_int_equal(t.stats.transactions, 1);
	assert_int_equal(t.stats.groups, 1);
	assert_int_equal(t.stats.interchanges, 2);
	tr_free(&t);
}

static void
test_duplicate_control_numbers(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, ISA("000000001") GS_P("1")
		   "ST*837*0001~SE*2*0001~ST*837*0002~SE*2*0002~ST*837*0001~SE*2*0001~GE*3*1~"
		   GS_P("1") "ST*837*0001~SE*2*0001~GE*1*1~IEA*2*000000001~"
		   ISA("000000001") GS_P("1") "ST*837*0001~SE*2*0001~GE*1*1~IEA*1*000000001~",
		   NULL, NULL);
	assert_int_equal(t.n_issues, 1);
	assert_string_equal(t.issues[0].code, "DUPLICATE_CONTROL_NUMBER");
	assert_string_equal(t.issues[0].element, "ST02");
	assert_int_equal(t.issues[0].txn, 3);
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_INFO);
	assert_false(t.issues[0].refuses_strict);
	assert_string_equal(t.issues[0].message,
			    "ST02 \"0001\" is used by an earlier transaction set of this group");
	assert_string_equal(t.issues[0].details, "{\"control_number\": \"0001\"}");
	tr_free(&t);
}

static void
test_duplicate_many(void **state)
{
	/* a group of 40000 sets: the ST02 table grows to its bound and
	 * duplicates are still found against what it holds */
	size_t cap = 40000 * 24 + 400, n;
	char *text = malloc(cap);
	struct tr t;

	(void)state;
	n = (size_t)snprintf(text, cap, "%s%s", ISA("000000001"), GS_P("1"));
	for (int i = 0; i < 40000; i++)
		n += (size_t)snprintf(text + n, cap - n, "ST*837*%d~SE*2*%d~", i, i);
	n += (size_t)snprintf(text + n, cap - n, "ST*837*5~SE*2*5~ST*837*39999~SE*2*39999~");
	n += (size_t)snprintf(text + n, cap - n, "GE*40002*1~IEA*1*000000001~");
	run_mode(&t, M_MEM, text, n, NULL, false);
	assert_int_equal(t.rc, CLAIMS_OK);
	assert_int_equal(t.stats.transactions, 40002);
	/* ST02 5 was added before the bound; 39999 came after it */
	assert_int_equal(t.per_code[CLAIMS_X12_DUPLICATE_CONTROL_NUMBER], 1);
	assert_int_equal(t.stats.issues, 1);
	tr_free(&t);
	free(text);
}

/* ---- §3.2 */

static void
test_types(void **state)
{
	static const struct {
		const char *gs;   /* GS01*...*GS08 tail */
		const char *st;   /* ST segment */
		const char *type; /* final type */
		const char *issues;
	} cases[] = {
		{ "HC*S*R*1*1*1*X*005010X222A1", "ST*837*1", "837P", "" },
		{ "HC*S*R*1*1*1*X*005010X223A2", "ST*837*1", "837I", "" },
		{ "HP*S*R*1*1*1*X*005010X221A1", "ST*835*1", "835", "" },
		{ "HC*S*R*1*1*1*X*004010X098A1", "ST*837*1", "837P", "" },
		{ "HC*S*R*1*1*1*X*004010X096A1", "ST*837*1", "837I", "" },
		{ "HP*S*R*1*1*1*X*004010X091A1", "ST*835*1", "835", "" },
		{ "HC*S*R*1*1*1*X", "ST*837*1*005010X223A2", "837I", "" },
		{ "HC*S*R*1*1*1*X*005010X222A1", "ST*837*1*005010X222A1", "837P", "" },
		{ "HC*S*R*1*1*1*X*005010X222", "ST*837*1*005010X223", "837I", "VERSION_MISMATCH(ST03)," },
		{ "HC*S*R*1*1*1*X*005010X222A1", "ST*837*1*005010X222", "837P", "VERSION_MISMATCH(ST03)," },
		{ "HP*S*R*1*1*1*X*005010X221A1", "ST*837*1", "837P",
		  "FUNCTIONAL_ID_MISMATCH(GS01),UNKNOWN_VERSION(GS08)," },
		{ "HC*S*R*1*1*1*X*005010X222A1", "ST*835*1", "835",
		  "FUNCTIONAL_ID_MISMATCH(GS01),UNKNOWN_VERSION(GS08)," },
		{ "HC*S*R*1*1*1*X*005010X224A2", "ST*837*1", "unsupported", "UNSUPPORTED_TRANSACTION(GS08)," },
		{ "HC*S*R*1*1*1*X*004010X097A1", "ST*837*1", "unsupported", "UNSUPPORTED_TRANSACTION(GS08)," },
		{ "FA*S*R*1*1*1*X*005010X231A1", "ST*999*1", "unsupported", "UNSUPPORTED_TRANSACTION(ST01)," },
		{ "HN*S*R*1*1*1*X*005010X214", "ST*277*1", "unsupported", "UNSUPPORTED_TRANSACTION(ST01)," },
		{ "HP*S*R*1*1*1*X*005010X999", "ST*835*1", "835", "UNKNOWN_VERSION(GS08)," },
		{ "HP*S*R*1*1*1*X", "ST*835*1", "835", "UNKNOWN_VERSION(ST03)," },
		{ "HC*S*R*1*1*1*X*005010X999", "ST*837*1", "837P", "UNKNOWN_VERSION(GS08)," },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[600], issues[200] = "", want[200];
		struct tr t;
		const char *p;

		snprintf(text, sizeof(text), "%sGS*%s~%s~N3*A~SE*3*1~GE*1*1~IEA*1*000000001~",
			 ISA("000000001"), cases[i].gs, cases[i].st);
		run_mode(&t, M_MEM, text, strlen(text), NULL, true);
		for (int k = 0; k < t.n_issues; k++) {
			strcat(issues, t.issues[k].code);
			if (strcmp(t.issues[k].element, "(null)") != 0) {
				strcat(issues, "(");
				strcat(issues, t.issues[k].element);
				strcat(issues, ")");
			}
			strcat(issues, ",");
		}
		if (strcmp(issues, cases[i].issues) != 0)
			fail_msg("case %zu: issues %s, expected %s", i, issues, cases[i].issues);
		snprintf(want, sizeof(want), "TXN- #1 %s completed", cases[i].type);
		p = strstr(t.s, "TXN- ");
		if (!p || strncmp(p, want, strlen(want)) != 0)
			fail_msg("case %zu: transcript\n%s\nwanted %s", i, t.s, want);
		/* unsupported sets give no segment events and are skipped */
		assert_int_equal(strstr(t.s, "  N3\n") != NULL, strcmp(cases[i].type, "unsupported") != 0);
		assert_int_equal(t.stats.transactions_completed, strcmp(cases[i].type, "unsupported") != 0);
		assert_int_equal(t.stats.transactions_skipped, strcmp(cases[i].type, "unsupported") == 0);
		for (int k = 0; k < t.n_issues; k++) {
			assert_int_equal(t.issues[k].severity, CLAIMS_X12_WARNING);
			assert_false(t.issues[k].refuses_strict);
			assert_int_equal(t.issues[k].txn, 1);
			assert_int_equal(t.issues[k].seg, 3);
		}
		tr_free(&t);
	}
}

static void
test_type_messages(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, ISA("000000001") "GS*HP*S*R*1*1*1*X*005010X222~ST*837*1*005010X223~SE*2*1~"
		   "ST*999*2~SE*2*2~GE*2*1~IEA*1*000000001~", NULL, NULL);
	assert_string_equal(t.issues[0].message,
			    "ST03 version \"005010X223\" differs from GS08 version \"005010X222\"; ST03 is used");
	assert_string_equal(t.issues[0].details, "{\"gs08\": \"005010X222\", \"st03\": \"005010X223\"}");
	assert_string_equal(t.issues[1].message,
			    "GS01 is \"HP\" but an 837 transaction set belongs in a HC group");
	assert_string_equal(t.issues[1].details, "{\"expected\": \"HC\", \"actual\": \"HP\"}");
	assert_string_equal(t.issues[2].message, "Transaction set \"999\" is not supported; skipped");
	assert_string_equal(t.issues[2].details,
			    "{\"transaction_set\": \"999\", \"version\": \"005010X222\"}");
	tr_free(&t);
}

static void
test_pending_837(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, ISA("000000001") "GS*HC*S*R*1*1*1*X*005010X999~"
		   "ST*837*1~CLM*A~LX*1~SV2*0450~SV1*HC:1~SE*6*1~"
		   "ST*837*2~CLM*A~LX*1~SV1*HC:1~SV2*0450~SE*6*2~"
		   "ST*837*3~CLM*A~SE*3*3~"
		   "ST*837*4~CLM*A~"
		   "GE*4*1~IEA*1*000000001~",
		   NULL,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "!UNKNOWN_VERSION(GS08) 1/1/3\n"
		   "TXN+ #1 837 837 1 005010X999\n"
		   "  CLM\n"
		   "  LX\n"
		   "TYPE #1 837I at SV2\n"
		   "  SV2\n"
		   "  SV1\n"
		   "TXN- #1 837I completed by SE\n"
		   "!UNKNOWN_VERSION(GS08) 1/2/9\n"
		   "TXN+ #2 837 837 2 005010X999\n"
		   "  CLM\n"
		   "  LX\n"
		   "TYPE #2 837P at SV1\n"
		   "  SV1\n"
		   "  SV2\n"
		   "TXN- #2 837P completed by SE\n"
		   "!UNKNOWN_VERSION(GS08) 1/3/15\n"
		   "TXN+ #3 837 837 3 005010X999\n"
		   "  CLM\n"
		   "TYPE #3 837P at SE\n"
		   "TXN- #3 837P completed by SE\n"
		   "!UNKNOWN_VERSION(GS08) 1/4/18\n"
		   "TXN+ #4 837 837 4 005010X999\n"
		   "  CLM\n"
		   "!MISSING_SE 1/4/20\n"
		   "TYPE #4 837P at -\n"
		   "TXN- #4 837P incomplete\n"
		   "GRP- completed\n"
		   "ICH- completed\n");
	assert_string_equal(t.issues[0].message,
			    "Version \"005010X999\" of the 837 transaction set is unknown; read as 837I if its first service line is SV2, else 837P");
	assert_string_equal(t.issues[0].details, "{\"version\": \"005010X999\"}");
	assert_int_equal(t.stats.transactions_837i, 1);
	assert_int_equal(t.stats.transactions_837p, 3);
	assert_int_equal(t.stats.transactions_completed, 3);
	assert_int_equal(t.stats.transactions_skipped, 1);
	tr_free(&t);
}

static void
test_missing_envelope_walk(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, "ST*835*1234~BPR*I*1~GS*HP~SE*4*1234~ST*835*1235*005010X221A1~SE*2*1235~GE*1*1~", NULL,
		   "!MISSING_ENVELOPE 0/0/0\n"
		   "!UNKNOWN_VERSION(ST03) 0/1/1\n"
		   "TXN+ #1 835 835 1234 \n"
		   "  BPR\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/1/3\n"
		   "TXN- #1 835 completed by SE\n"
		   "TXN+ #2 835 835 1235 005010X221A1\n"
		   "TXN- #2 835 completed by SE\n"
		   "!SEGMENT_OUTSIDE_ENVELOPE 0/0/7\n");
	assert_int_equal(t.stats.interchanges, 0);
	assert_int_equal(t.stats.groups, 0);
	assert_int_equal(t.stats.transactions, 2);
	assert_int_equal(t.stats.transactions_completed, 2);
	tr_free(&t);
}

/* ---- segment issues inside sets, fatal issues, strict mode */

static void
test_segment_issues_located(void **state)
{
	static const char text[] = ISA("000000001") GS_P("1") "ST*837*0001~NM1*IL*1*D\0E~SE*3*0001~"
		"GE*1*1~IEA*1*000000001~";
	struct tr t;
	claims_x12_reader *r;
	const claims_x12_event *ev;
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	int seen = 0;

	(void)state;
	run_mode(&t, M_MEM, text, sizeof(text) - 1, NULL, true);
	assert_string_equal(t.s, "ICH+ 1\n"
				 "GRP+ GS\n"
				 "TXN+ #1 837P 837 0001 005010X222A1\n"
				 "!INVALID_CHARACTER(NM103) 1/1/4\n"
				 "  NM1\n"
				 "TXN- #1 837P completed by SE\n"
				 "GRP- completed\n"
				 "ICH- completed\n");
	assert_string_equal(t.issues[0].segid, "NM1");
	tr_free(&t);

	/* the issue arrives during the call that returns the NM1 event */
	memset(&t, 0, sizeof(t));
	o.issue_cb = on_issue;
	o.issue_payload = &t;
	assert_int_equal(claims_x12_reader_new_mem(&r, text, sizeof(text) - 1, &o), CLAIMS_OK);
	while (claims_x12_reader_next(&ev, r) == CLAIMS_OK && ev) {
		if (ev->type == CLAIMS_X12_EVENT_SEGMENT) {
			assert_int_equal(t.n_issues, 1);
			assert_true(ev->segment->sanitized);
			assert_true(ev->segment->patient);
			assert_true(claims_x12_slice_eq(claims_x12_segment_element(ev->segment, 3),
							"D\xEF\xBF\xBD" "E"));
			seen++;
		} else if (!seen) {
			assert_int_equal(t.n_issues, 0);
		}
	}
	assert_int_equal(seen, 1);
	claims_x12_reader_free(r);
	free(t.s);
}

static void
test_fatal_inside_set(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	char text[2000];
	struct tr t;
	size_t n;

	(void)state;
	o.max_segment_bytes = 256;
	n = (size_t)snprintf(text, sizeof(text), "%s%sST*837*0001~NTE*", ISA("000000001"), GS_P("1"));
	memset(text + n, 'x', 300);
	text[n + 300] = '\0';
	strcat(text, "~SE*3*0001~");
	check_with(&t, text, &o,
		   "ICH+ 1\n"
		   "GRP+ GS\n"
		   "TXN+ #1 837P 837 0001 005010X222A1\n"
		   "!SEGMENT_TOO_LONG 1/1/4\n"
		   "rc=CLAIMS_EREFUSED\n");
	assert_true(t.stats.refused);
	assert_int_equal(t.stats.refusal_code, CLAIMS_X12_SEGMENT_TOO_LONG);
	assert_false(t.stats.finished);
	tr_free(&t);
}

static void
test_strict(void **state)
{
	static const struct {
		const char *text;
		const char *code;
	} cases[] = {
		{ ISA("000000001") GS_P("1") "ST*837*1~SE*2*2~GE*1*1~IEA*1*000000001~", "ST_SE_MISMATCH" },
		{ ISA("000000001") GS_P("1") "ST*837*1~SE*2*1~GE*1*2~IEA*1*000000001~", "GS_GE_MISMATCH" },
		{ ISA("000000001") GS_P("1") "ST*837*1~SE*2*1~GE*1*1~IEA*1*000000002~", "ISA_IEA_MISMATCH" },
		{ ISA("000000001") GS_P("1") "ST*837*1~SE*2*1~GE*1*1~", "MISSING_IEA" },
		{ ISA("000000001") GS_P("1") "ST*837*1~SE*2*1~IEA*1*000000001~", "MISSING_GE" },
		{ ISA("000000001") GS_P("1") "ST*837*1~GE*1*1~IEA*1*000000001~", "MISSING_SE" },
		{ ISA("000000001") "N3*X~" GS_P("1") "ST*837*1~SE*2*1~GE*1*1~IEA*1*000000001~",
		  "SEGMENT_OUTSIDE_ENVELOPE" },
		{ ISA("000000001") GS_P("1") "ST*837*1~nm1*X~SE*3*1~GE*1*1~IEA*1*000000001~",
		  "BAD_SEGMENT_ID" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
		struct tr t;

		/* tolerant: reported, read to the end */
		run_mode(&t, M_MEM, cases[i].text, strlen(cases[i].text), &o, false);
		assert_int_equal(t.rc, CLAIMS_OK);
		assert_int_equal(t.n_issues, 1);
		assert_string_equal(t.issues[0].code, cases[i].code);
		assert_true(t.issues[0].refuses_strict);
		assert_false(t.issues[0].refuses);
		assert_false(t.stats.refused);
		tr_free(&t);
		/* strict: refuses; read on unless stop_on_refusal */
		o.mode = CLAIMS_X12_STRICT;
		run_mode(&t, M_MEM, cases[i].text, strlen(cases[i].text), &o, false);
		assert_int_equal(t.rc, CLAIMS_OK);
		assert_true(t.issues[0].refuses);
		assert_true(t.stats.refused);
		assert_string_equal(claims_x12_code_to_str(t.stats.refusal_code), cases[i].code);
		tr_free(&t);
		o.stop_on_refusal = true;
		run_mode(&t, M_MEM, cases[i].text, strlen(cases[i].text), &o, false);
		assert_int_equal(t.rc, CLAIMS_EREFUSED);
		assert_int_equal(t.n_issues, 1);
		tr_free(&t);
	}
	/* warnings that do not refuse in strict mode */
	{
		claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
		const char *text = ISA("000000001") GS_P("1") "ST*837*1*005010X222~SE*9*1~ST*837*1~SE*2*1~"
				   "GE*1*1~IEA*2*000000001~";
		struct tr t;

		o.mode = CLAIMS_X12_STRICT;
		o.stop_on_refusal = true;
		run_mode(&t, M_MEM, text, strlen(text), &o, false);
		assert_int_equal(t.rc, CLAIMS_OK);
		assert_int_equal(t.per_code[CLAIMS_X12_VERSION_MISMATCH], 1);
		assert_int_equal(t.per_code[CLAIMS_X12_SE_COUNT], 1);
		assert_int_equal(t.per_code[CLAIMS_X12_DUPLICATE_CONTROL_NUMBER], 1);
		assert_int_equal(t.per_code[CLAIMS_X12_GE_COUNT], 1);
		assert_int_equal(t.per_code[CLAIMS_X12_IEA_COUNT], 1);
		assert_int_equal(t.stats.issues, 5);
		assert_int_equal(t.stats.warnings, 4);
		assert_int_equal(t.stats.infos, 1);
		assert_false(t.stats.refused);
		tr_free(&t);
	}
}

/* ---- the corpus */

struct corpus_case {
	const char *file;
	int64_t interchanges, groups, transactions, skipped, completed;
	int64_t p837, i837, r835;
	/* every issue the reader raises, "CODE*count" sorted by code */
	const char *issues;
	int rc;
};

/* Counts from corpus/README.md; issues per x12.md §11 (and README "SE01 x
 * vs y", "GE01 says", "IEA01 says"). */
static const struct corpus_case corpus_cases[] = {
	{ "835/keiron_emedny_sample.txt", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/keiron_united_healthcare_legacy_sample.txt", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/moov_835_sample1.txt", 1, 1, 2, 0, 2, 0, 0, 2, "", 0 },
	{ "835/oopfactory_4010_Example1_GripElements.txt", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/pyx12_835id_reversals.txt", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/stupidedi_dollars-and-data-sent-together.edi", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/stupidedi_multiple-claims-single-check.edi", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/stupidedi_secondary-payment-with-higher-fee-schedule.edi", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/stupidedi_secondary-payments.edi", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/tastypackets_multi-line-not-delimited.edi", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "835/tastypackets_profee-multiple.edi", 156, 156, 156, 0, 156, 0, 0, 156, "", 0 },
	{ "837i/imsweb_x223-test.txt", 1, 1, 1, 0, 1, 0, 1, 0, "SE_COUNT*1", 0 },
	{ "837i/oopfactory_4010_Batch1.txt", 1, 1, 54, 0, 54, 0, 54, 0, "", 0 },
	{ "837i/pyx12_simple_837i_replacements.txt", 1, 1, 1, 0, 1, 0, 1, 0, "", 0 },
	{ "837i/stupidedi_837-institutional-claim.edi", 1, 1, 1, 0, 1, 0, 1, 0, "", 0 },
	{ "837i/stupidedi_two-claims-for-the-same-provider.edi", 1, 1, 1, 0, 1, 0, 1, 0, "", 0 },
	{ "837p/imsweb_x12_many_claims.txt", 1, 1, 1, 0, 1, 1, 0, 0, "SE_COUNT*1", 0 },
	{ "837p/imsweb_x12_multiple_gs.txt", 1, 3, 3, 0, 3, 3, 0, 0, "IEA_COUNT*1 SE_COUNT*3", 0 },
	{ "837p/imsweb_x12_multiple_isa.txt", 2, 2, 2, 0, 2, 2, 0, 0, "SE_COUNT*2", 0 },
	{ "837p/imsweb_x12_multiple_st.txt", 1, 1, 2, 0, 2, 2, 0, 0,
	  "DUPLICATE_CONTROL_NUMBER*1 GE_COUNT*1 SE_COUNT*2", 0 },
	{ "837p/imsweb_x12_multiple_transactions.txt", 312, 312, 312, 0, 312, 312, 0, 0, "SE_COUNT*312", 0 },
	{ "837p/imsweb_x12_valid_different_separators.txt", 1, 1, 1, 0, 1, 1, 0, 0, "SE_COUNT*1", 0 },
	{ "837p/moov_837p_sample.txt", 1, 1, 1, 0, 1, 1, 0, 0, "", 0 },
	{ "837p/oopfactory_ST1309-XX.txt", 1, 1, 1, 0, 1, 1, 0, 0, "", 0 },
	{ "837p/stupidedi_COB-claim-from-billing-provider-to-payer-b.edi", 1, 1, 1, 0, 1, 1, 0, 0, "", 0 },
	{ "837p/stupidedi_commercial-health-insurance.edi", 1, 1, 1, 0, 1, 1, 0, 0, "", 0 },
	{ "bad/imsweb_x12_bad_first_line.txt", 1, 1, 1, 0, 1, 1, 0, 0, "ISA_LENGTH*1 SE_COUNT*1", 0 },
	{ "bad/imsweb_x12_bad_segment_identifier.txt", 1, 1, 1, 0, 1, 1, 0, 0,
	  "BAD_SEGMENT_ID*3 SE_COUNT*1", 0 },
	{ "bad/imsweb_x12_missing_elements.txt", 1, 1, 1, 0, 1, 1, 0, 0, "SE_COUNT*1", 0 },
	{ "bad/imsweb_x12_no_isa_line.txt", 0, 0, 0, 0, 0, 0, 0, 0, "NO_ISA*1", CLAIMS_EREFUSED },
	{ "bad/keiron_blue_cross_nc_sample.txt", 0, 0, 1, 0, 1, 0, 0, 1,
	  "MISSING_ENVELOPE*1 SE_COUNT*1 UNKNOWN_VERSION*1", 0 },
	{ "bad/moov_835_sample2.txt", 1, 1, 1, 0, 1, 0, 0, 1, "", 0 },
	{ "bad/oopfactory_837I_Spec_3.1.1.txt", 1, 1, 1, 0, 1, 0, 1, 0,
	  "DELIMITER_CONFLICT*1 VERSION_MISMATCH*1", 0 },
	{ "bad/pyx12_837miss_truncated.txt", 1, 1, 1, 1, 0, 1, 0, 0,
	  "MISSING_GE*1 MISSING_IEA*1 MISSING_SE*1", 0 },
	{ "bad/pyx12_bad_header_looping_835.txt", 1, 1, 1, 0, 1, 0, 0, 1, "SE_COUNT*1", 0 },
	{ "bad/pyx12_elements_837p.txt", 1, 1, 1, 0, 1, 1, 0, 0, "SE_COUNT*1", 0 },
	{ "bad/stupidedi_4010_835_case1.edi", 1, 1, 1, 0, 1, 0, 0, 1, "ISA_LENGTH*1", 0 },
	{ "bad/stupidedi_5010_835_case1.edi", 1, 1, 1, 0, 1, 0, 0, 1, "PREAMBLE_SKIPPED*1", 0 },
	{ "bad/stupidedi_5010_835_case3a.edi", 1, 1, 1, 0, 1, 0, 0, 1, "PREAMBLE_SKIPPED*1 SE_COUNT*1", 0 },
	{ "bad/tastypackets_errorISA.edi", 1, 1, 1, 0, 1, 0, 0, 1, "ISA_IEA_MISMATCH*1", 0 },
};

static char *
read_all(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	assert_int_equal(stat(path, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	*len = (size_t)st.st_size;
	return buf;
}

static int
cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "CODE*count ..." sorted by code name. */
static void
issues_summary(char *out, size_t cap, const struct tr *t)
{
	const char *names[CLAIMS_X12_CODE_COUNT];
	size_t n = 0, o = 0;

	for (int c = 1; c < CLAIMS_X12_CODE_COUNT; c++)
		if (t->per_code[c])
			names[n++] = claims_x12_code_to_str((claims_x12_code)c);
	qsort(names, n, sizeof(names[0]), cmp_str);
	out[0] = '\0';
	for (size_t k = 0; k < n; k++) {
		int count = 0;

		for (int c = 1; c < CLAIMS_X12_CODE_COUNT; c++)
			if (strcmp(claims_x12_code_to_str((claims_x12_code)c), names[k]) == 0)
				count = t->per_code[c];
		o += (size_t)snprintf(out + o, cap - o, "%s%s*%d", k ? " " : "", names[k], count);
	}
}

static void
test_corpus(void **state)
{
	const char *dir = getenv("CLAIMS_CORPUS_DIR");
	size_t ncases = sizeof(corpus_cases) / sizeof(corpus_cases[0]);
	int files = 0;

	(void)state;
	assert_non_null(dir);
	/* the table covers every file of the corpus */
	{
		static const char *subs[] = { "835", "837i", "837p", "bad" };

		for (size_t s = 0; s < 4; s++) {
			char path[1024];
			DIR *d;
			struct dirent *de;

			snprintf(path, sizeof(path), "%s/%s", dir, subs[s]);
			d = opendir(path);
			assert_non_null(d);
			while ((de = readdir(d))) {
				char rel[512];
				bool found = false;

				if (de->d_name[0] == '.')
					continue;
				snprintf(rel, sizeof(rel), "%s/%s", subs[s], de->d_name);
				for (size_t i = 0; i < ncases; i++)
					found |= strcmp(corpus_cases[i].file, rel) == 0;
				if (!found)
					fail_msg("corpus file %s has no expectation", rel);
				files++;
			}
			closedir(d);
		}
	}
	assert_int_equal(files, 40);
	assert_int_equal(ncases, 40);

	for (size_t i = 0; i < ncases; i++) {
		const struct corpus_case *c = &corpus_cases[i];
		char path[1024], summary[512];
		size_t len;
		char *data;

		snprintf(path, sizeof(path), "%s/%s", dir, c->file);
		data = read_all(path, &len);
		for (int m = 0; m < M_COUNT; m++) {
			struct tr t;

			/* the large files once, the others through every source */
			if (m && len > 100000 && m != M_CHUNK7)
				continue;
			run_mode(&t, (enum mode)m, data, len, NULL, false);
			issues_summary(summary, sizeof(summary), &t);
			if (strcmp(summary, c->issues) != 0 || t.rc != c->rc)
				fail_msg("%s (%s): issues \"%s\" rc %d, expected \"%s\" rc %d", c->file,
					 mode_names[m], summary, t.rc, c->issues, c->rc);
			assert_int_equal(t.stats.interchanges, c->interchanges);
			assert_int_equal(t.stats.groups, c->groups);
			assert_int_equal(t.stats.transactions, c->transactions);
			assert_int_equal(t.stats.transactions_skipped, c->skipped);
			assert_int_equal(t.stats.transactions_completed, c->completed);
			assert_int_equal(t.stats.transactions_837p, c->p837);
			assert_int_equal(t.stats.transactions_837i, c->i837);
			assert_int_equal(t.stats.transactions_835, c->r835);
			if (c->rc == CLAIMS_OK)
				assert_int_equal(t.stats.bytes, (int64_t)len);
			tr_free(&t);
		}
		free(data);
	}
}

/* Exact details of the issues the spec names for corpus files. */
static void
test_corpus_details(void **state)
{
	const char *dir = getenv("CLAIMS_CORPUS_DIR");
	char path[1024];
	size_t len;
	char *data;
	struct tr t;

	(void)state;
	assert_non_null(dir);

	snprintf(path, sizeof(path), "%s/837p/imsweb_x12_multiple_transactions.txt", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_int_equal(t.per_code[CLAIMS_X12_SE_COUNT], 312);
	for (int k = 0; k < 64; k++) {
		assert_string_equal(t.issues[k].message, "SE01 says 25 segments, counted 34");
		assert_int_equal(t.issues[k].ich, k + 1);
		assert_int_equal(t.issues[k].txn, k + 1);
	}
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/imsweb_x12_bad_first_line.txt", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.issues[0].code, "ISA_LENGTH");
	assert_string_equal(t.issues[0].details, "{\"length\": 105}");
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/stupidedi_4010_835_case1.edi", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.issues[0].code, "ISA_LENGTH");
	assert_string_equal(t.issues[0].details, "{\"length\": 122}");
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/pyx12_837miss_truncated.txt", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.s, "ICH+ 1\n"
				 "GRP+ GS\n"
				 "TXN+ #1 837P 837 11280001 004010X098A1\n"
				 "!MISSING_SE 1/1/0\n"
				 "TXN- #1 837P incomplete\n"
				 "!MISSING_GE 1/0/0\n"
				 "GRP- incomplete\n"
				 "!MISSING_IEA 1/0/0\n"
				 "ICH- incomplete\n");
	/* nothing completed: the caller refuses with NO_TRANSACTIONS */
	assert_int_equal(t.stats.transactions_completed, 0);
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/tastypackets_errorISA.edi", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.issues[0].message, "IEA02 \"006000600\" does not match ISA13 \"106000600\"");
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/oopfactory_837I_Spec_3.1.1.txt", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.issues[0].code, "DELIMITER_CONFLICT");
	assert_string_equal(t.issues[0].details, "{\"repetition\": \"^\", \"conflicts_with\": \"component\"}");
	assert_string_equal(t.issues[1].code, "VERSION_MISMATCH");
	assert_string_equal(t.issues[1].details, "{\"gs08\": \"005010X222\", \"st03\": \"005010X223\"}");
	tr_free(&t);
	free(data);

	snprintf(path, sizeof(path), "%s/bad/imsweb_x12_bad_segment_identifier.txt", dir);
	data = read_all(path, &len);
	run_mode(&t, M_MEM, data, len, NULL, false);
	assert_string_equal(t.issues[0].segid, "(null)");
	assert_string_equal(t.issues[1].segid, "Nd4");
	assert_string_equal(t.issues[2].segid, "NM31");
	/* the skipped segments count for SE01: 25 stated, 34 counted */
	assert_string_equal(t.issues[3].message, "SE01 says 25 segments, counted 34");
	tr_free(&t);
	free(data);
}

/* The same file through a descriptor gives the same transcript. */
static void
test_corpus_fd(void **state)
{
	const char *dir = getenv("CLAIMS_CORPUS_DIR");
	size_t ncases = sizeof(corpus_cases) / sizeof(corpus_cases[0]);

	(void)state;
	assert_non_null(dir);
	for (size_t i = 0; i < ncases; i++) {
		claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
		claims_x12_reader *r;
		const claims_x12_event *ev;
		char path[1024];
		struct tr a, b;
		size_t len;
		char *data;
		int fd, rc;

		snprintf(path, sizeof(path), "%s/%s", dir, corpus_cases[i].file);
		data = read_all(path, &len);
		run_mode(&a, M_MEM, data, len, NULL, true);
		memset(&b, 0, sizeof(b));
		tr_put(&b, "", 0);
		o.issue_cb = on_issue;
		o.issue_payload = &b;
		o.buffer_size = 4096; /* many refills even on small files */
		fd = open(path, O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(claims_x12_reader_new_fd(&r, fd, &o), CLAIMS_OK);
		while ((rc = claims_x12_reader_next(&ev, r)) == CLAIMS_OK && ev)
			tr_event(&b, ev, true);
		if (rc)
			tr_printf(&b, "rc=%s\n", claims_error_to_str(rc));
		assert_int_equal(claims_x12_reader_stats(&b.stats, r), CLAIMS_OK);
		claims_x12_reader_free(r);
		close(fd);
		if (strcmp(a.s, b.s) != 0)
			fail_msg("%s: fd transcript differs", corpus_cases[i].file);
		assert_memory_equal(&a.stats, &b.stats, sizeof(a.stats));
		tr_free(&a);
		tr_free(&b);
		free(data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_event_fields),
		cmocka_unit_test(test_control_number_mismatches),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_missing_se),
		cmocka_unit_test(test_outside_envelope),
		cmocka_unit_test(test_duplicate_control_numbers),
		cmocka_unit_test(test_duplicate_many),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_type_messages),
		cmocka_unit_test(test_pending_837),
		cmocka_unit_test(test_missing_envelope_walk),
		cmocka_unit_test(test_segment_issues_located),
		cmocka_unit_test(test_fatal_inside_set),
		cmocka_unit_test(test_strict),
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_corpus_details),
		cmocka_unit_test(test_corpus_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
