/*
 * The X12 tokenizer (spec/x12.md §2): ISA and delimiter detection,
 * preamble, missing envelope, segment and element splitting, limits,
 * control bytes and UTF-8, and buffer refills.
 *
 * Most tests render what the reader returns (segments and issues) as a
 * text transcript and compare it with the expected one.  Every input is
 * read through five sources: memory in place, memory in 1-byte and 7-byte
 * reads, a file descriptor of a temporary file, and a read callback giving
 * 5 bytes at a time; all five transcripts must be identical, so each case
 * also covers segments, ISAs and delimiters straddling buffer refills.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/stat.h>

#include "x12/x12_internal.h"

/* ---- transcript */

struct tr {
	char *s;
	size_t len, cap;
	int rc;
	claims_x12_stats stats;
	/* the issues, kept whole for the tests that look at their fields */
	int n_issues;
	struct {
		char code[40];
		claims_x12_code code_id;
		claims_x12_severity severity;
		bool fatal, refuses_strict, refuses;
		int64_t ich, txn, seg, off;
		char segid[32], element[32], message[512], details[512];
	} issues[64];
};

static void
tr_put(struct tr *t, const char *s, size_t n)
{
	tu_text_put(&t->s, &t->len, &t->cap, s, n);
}

#define tr_printf(t, ...) tu_text_printf(&(t)->s, &(t)->len, &(t)->cap, __VA_ARGS__)

/* Bytes shown with \xNN for anything but printable ASCII other than |\ */
static void
tr_bytes(struct tr *t, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = (unsigned char)p[i];

		if (b >= 0x20 && b < 0x7F && b != '|' && b != '\\')
			tr_put(t, (const char *)&b, 1);
		else
			tr_printf(t, "\\x%02X", b);
	}
}

static void
on_issue(const claims_x12_issue *is, void *payload)
{
	struct tr *t = payload;

	tr_printf(t, "!%s", is->code);
	if (is->element)
		tr_printf(t, "(%s)", is->element);
	tr_put(t, "\n", 1);
	if (t->n_issues < 64) {
		int k = t->n_issues;

		snprintf(t->issues[k].code, sizeof(t->issues[k].code), "%s", is->code);
		t->issues[k].code_id = is->code_id;
		t->issues[k].severity = is->severity;
		t->issues[k].fatal = is->fatal;
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
tr_segment(struct tr *t, const claims_x12_segment *seg)
{
	tr_printf(t, "%" PRId64 "@%" PRId64 "#%" PRId64 " ", seg->loc.segment_index,
		  seg->loc.byte_offset, seg->loc.interchange);
	for (size_t k = 0; k < seg->count; k++) {
		if (k)
			tr_put(t, "|", 1);
		tr_bytes(t, seg->elements[k].ptr, seg->elements[k].len);
	}
	if (seg->skipped)
		tr_put(t, " [skipped]", 10);
	if (seg->patient)
		tr_put(t, " [patient]", 10);
	if (seg->sanitized)
		tr_put(t, " [sanitized]", 12);
	tr_put(t, "\n", 1);
}

enum mode { M_MEM, M_CHUNK1, M_CHUNK7, M_FD, M_CB, M_COUNT };
static const char *mode_names[M_COUNT] = { "mem", "chunk1", "chunk7", "fd", "cb" };

struct cbsrc {
	const unsigned char *p;
	size_t len, pos, step;
	int fail_at; /* fail with CLAIMS_EIO when pos reaches it (-1: never) */
};

static int
read_cb(size_t *out, void *buf, size_t len, void *payload)
{
	struct cbsrc *s = payload;
	size_t n = s->len - s->pos;

	if (s->fail_at >= 0 && s->pos >= (size_t)s->fail_at)
		return CLAIMS_EIO;
	if (n > len)
		n = len;
	if (n > s->step)
		n = s->step;
	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	*out = n;
	return CLAIMS_OK;
}

static int
tmpfile_with(const void *data, size_t len)
{
	char path[] = "/tmp/claims-x12-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static claims_x12_reader *
make_reader(enum mode m, const void *data, size_t len, const claims_x12_reader_options *base,
	    struct tr *t, int *fd, struct cbsrc *src)
{
	claims_x12_reader_options o = base ? *base : (claims_x12_reader_options)CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *r = NULL;

	o.issue_cb = on_issue;
	o.issue_payload = t;
	*fd = -1;
	switch (m) {
	case M_MEM:
		assert_int_equal(claims_x12_reader_new_mem(&r, data, len, &o), CLAIMS_OK);
		break;
	case M_CHUNK1:
	case M_CHUNK7:
		o.read_chunk = m == M_CHUNK1 ? 1 : 7;
		o.buffer_size = 1; /* raised to max_segment_bytes + 1 */
		assert_int_equal(claims_x12_reader_new_mem(&r, data, len, &o), CLAIMS_OK);
		break;
	case M_FD:
		*fd = tmpfile_with(data, len);
		o.read_chunk = 13;
		assert_int_equal(claims_x12_reader_new_fd(&r, *fd, &o), CLAIMS_OK);
		break;
	case M_CB:
		src->p = data;
		src->len = len;
		src->pos = 0;
		src->step = 5;
		src->fail_at = -1;
		assert_int_equal(claims_x12_reader_new_cb(&r, read_cb, src, &o), CLAIMS_OK);
		break;
	default:
		fail();
	}
	assert_non_null(r);
	return r;
}

static void
run_mode(struct tr *t, enum mode m, const void *data, size_t len,
	 const claims_x12_reader_options *opts)
{
	const claims_x12_segment *seg;
	struct cbsrc src;
	claims_x12_reader *r;
	int fd, rc, guard = 0;

	memset(t, 0, sizeof(*t));
	tr_put(t, "", 0);
	r = make_reader(m, data, len, opts, t, &fd, &src);
	while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg) {
		tr_segment(t, seg);
		assert_true(++guard < 100000);
	}
	t->rc = rc;
	if (rc)
		tr_printf(t, "rc=%s\n", claims_error_to_str(rc));
	/* a failed or finished reader stays so */
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), rc);
	assert_null(seg);
	assert_int_equal(claims_x12_reader_stats(&t->stats, r), CLAIMS_OK);
	claims_x12_reader_free(r);
	if (fd >= 0)
		close(fd);
}

static void
tr_free(struct tr *t)
{
	free(t->s);
	t->s = NULL;
}

/* Read @p data through every source; all transcripts must equal @p expect
 * (when not NULL).  The memory transcript is left in @p out. */
static void
check_with(struct tr *out, const void *data, size_t len, const claims_x12_reader_options *opts,
	   const char *expect)
{
	run_mode(out, M_MEM, data, len, opts);
	if (expect && strcmp(out->s, expect) != 0)
		fail_msg("transcript (mem):\n%s\nexpected:\n%s", out->s, expect);
	for (int m = 1; m < M_COUNT; m++) {
		struct tr t;

		run_mode(&t, (enum mode)m, data, len, opts);
		if (strcmp(t.s, out->s) != 0)
			fail_msg("transcript (%s):\n%s\ndiffers from mem:\n%s", mode_names[m], t.s,
				 out->s);
		assert_int_equal(t.stats.bytes, out->stats.bytes);
		assert_int_equal(t.stats.segments, out->stats.segments);
		tr_free(&t);
	}
}

static void
check(const char *text, const char *expect)
{
	struct tr t;

	check_with(&t, text, strlen(text), NULL, expect);
	tr_free(&t);
}

/* A standard 106-byte ISA with * : ~ and ISA11 ^ (5010). */
#define ISA_STD \
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:~"
#define ISA_STD_T "ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|^|00501|000000001|0|P|:"

/* ---- ISA and delimiters */

static void
test_standard_isa(void **state)
{
	const char *text = ISA_STD "GS*HC*S*R*20240101*1200*1*X*005010X222A1~ST*837*0001*005010X222A1~"
			   "CLM*A1*100***11:B:1~SE*3*0001~GE*1*1~IEA*1*000000001~";
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	claims_x12_slice comp[CLAIMS_X12_MAX_COMPONENTS];
	size_t n;

	(void)state;
	assert_int_equal(strlen(ISA_STD), 106);
	check(text, "1@0#1 " ISA_STD_T "\n"
		    "2@106#1 GS|HC|S|R|20240101|1200|1|X|005010X222A1\n"
		    "3@147#1 ST|837|0001|005010X222A1\n"
		    "4@172#1 CLM|A1|100|||11:B:1\n"
		    "5@192#1 SE|3|0001\n"
		    "6@202#1 GE|1|1\n"
		    "7@209#1 IEA|1|000000001\n");

	assert_int_equal(claims_x12_reader_new_mem(&r, text, strlen(text), NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_string_equal(seg->id, "ISA");
	assert_int_equal(seg->count, 17);
	assert_int_equal(seg->delimiters.element, '*');
	assert_int_equal(seg->delimiters.component, ':');
	assert_int_equal(seg->delimiters.segment, '~');
	assert_true(seg->delimiters.has_repetition);
	assert_int_equal(seg->delimiters.repetition, '^');
	/* raw keeps the padding, elements are trimmed */
	assert_int_equal(seg->raw.len, 105);
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(seg, 6), "SENDER"));
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(seg, 2), ""));
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(seg, 99), ""));
	for (int i = 0; i < 3; i++)
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_string_equal(seg->id, "CLM");
	assert_int_equal(claims_x12_segment_components(comp, &n, seg, 5), CLAIMS_OK);
	assert_int_equal(n, 3);
	assert_true(claims_x12_slice_eq(comp[0], "11"));
	assert_true(claims_x12_slice_eq(comp[1], "B"));
	assert_true(claims_x12_slice_eq(comp[2], "1"));
	assert_int_equal(claims_x12_segment_components(comp, &n, seg, 1), CLAIMS_OK);
	assert_int_equal(n, 1);
	assert_true(claims_x12_slice_eq(comp[0], "A1"));
	assert_int_equal(claims_x12_segment_components(comp, &n, seg, 3), CLAIMS_OK);
	assert_int_equal(n, 0); /* empty */
	assert_int_equal(claims_x12_segment_components(comp, &n, seg, 40), CLAIMS_OK);
	assert_int_equal(n, 0); /* absent */
	assert_int_equal(claims_x12_segment_components(NULL, &n, seg, 1), CLAIMS_EINVAL);
	claims_x12_reader_free(r);
}

static void
test_components_limit(void **state)
{
	char text[600];
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	claims_x12_slice comp[CLAIMS_X12_MAX_COMPONENTS];
	size_t n, o;

	(void)state;
	o = (size_t)snprintf(text, sizeof(text), "%sHI*", ISA_STD);
	for (int i = 0; i < 70; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, i ? ":%d" : "%d", i);
	snprintf(text + o, sizeof(text) - o, "~");
	assert_int_equal(claims_x12_reader_new_mem(&r, text, strlen(text), NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_int_equal(claims_x12_segment_components(comp, &n, seg, 1), CLAIMS_OK);
	assert_int_equal(n, 64);
	assert_true(claims_x12_slice_eq(comp[62], "62"));
	assert_true(claims_x12_slice_eq(comp[63], "63:64:65:66:67:68:69"));
	claims_x12_reader_free(r);
}

static void
test_delimiter_variants(void **state)
{
	(void)state;
	/* | ^ ~ with U (4010 style, no repetition) */
	check("ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |240101|1200|U|00401|000000001|0|P|^~"
	      "GS|HP|S|R|20240101|1200|1|X|004010X091A1~SVC|HC^99213|10~",
	      "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000001|0|P|^\n"
	      "2@106#1 GS|HP|S|R|20240101|1200|1|X|004010X091A1\n"
	      "3@147#1 SVC|HC^99213|10\n");
	/* + > and CR terminator with CR LF lines, ISA11 ~ as repetition */
	check("ISA+00+..........+01+SECRET....+ZZ+SUBMITTERS.ID..+ZZ+RECEIVERS.ID...+030101+1253+~+00501+000000905+1+T+>\r\n"
	      "GS+HP+SENDER CODE+RECEIVER CODE+19991231+0802+1+X+005010X221\r\n"
	      "CLP+A~B+1\r\n",
	      "1@0#1 ISA|00|..........|01|SECRET....|ZZ|SUBMITTERS.ID..|ZZ|RECEIVERS.ID...|030101|1253|~|00501|000000905|1|T|>\n"
	      "2@107#1 GS|HP|SENDER CODE|RECEIVER CODE|19991231|0802|1|X|005010X221\n"
	      "3@169#1 CLP|A~B|1\n");
	/* LF terminator; the CR before it is trailing whitespace */
	check("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:\n"
	      "GS*HP*S*R\r\n\n\nST*835*1  \t\r\n",
	      "1@0#1 " ISA_STD_T "\n"
	      "2@106#1 GS|HP|S|R\n"
	      "3@119#1 ST|835|1\n");
	/* control bytes as delimiters (0x1D element, 0x1F component, 0x1C
	 * segment) are not INVALID_CHARACTER */
	check("ISA\x1D" "00\x1D          \x1D" "00\x1D          \x1DZZ\x1DSENDER         \x1DZZ\x1DRECEIVER       \x1D"
	      "240101\x1D" "1200\x1DU\x1D" "00401\x1D" "000000001\x1D" "0\x1DP\x1D\x1F\x1C"
	      "CLM\x1D" "A\x1D" "11\x1F" "B\x1F" "1\x1C",
	      "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000001|0|P|\\x1F\n"
	      "2@106#1 CLM|A|11\\x1FB\\x1F1\n");
	/* bytes equal to T inside the positionally read ISA are data: a
	 * control T there is replaced and reported (found by fuzzing) */
	{
		static const char isa_nul[] =
			"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0\0*P*:\0"
			"N3*X\0";
		struct tr t;

		check_with(&t, isa_nul, sizeof(isa_nul) - 1, NULL,
			   "!ISA_LENGTH\n"
			   "!INVALID_CHARACTER(ISA14)\n"
			   "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000001|0\\xEF\\xBF\\xBD|P|: [sanitized]\n"
			   "2@107#1 N3|X\n");
		tr_free(&t);
	}
	/* a component separator that is a byte of U+FFFD (EF): bad bytes
	 * become '?' so that no separator is invented (found by fuzzing) */
	{
		static const char isa_ef[] =
			"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*\xEF~"
			"CLM*A\x01" "B\xEF" "C\xFF" "D*1~";
		claims_x12_slice comp[CLAIMS_X12_MAX_COMPONENTS];
		claims_x12_reader *r;
		const claims_x12_segment *seg;
		struct tr t;
		size_t n;

		check_with(&t, isa_ef, sizeof(isa_ef) - 1, NULL,
			   "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000001|0|P|\\xEF\n"
			   "!INVALID_CHARACTER(CLM01)\n"
			   "!INVALID_ENCODING(CLM01)\n"
			   "2@106#1 CLM|A?B\\xEFC?D|1 [sanitized]\n");
		tr_free(&t);
		assert_int_equal(claims_x12_reader_new_mem(&r, isa_ef, sizeof(isa_ef) - 1, NULL), CLAIMS_OK);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
		assert_int_equal(claims_x12_segment_components(comp, &n, seg, 1), CLAIMS_OK);
		assert_int_equal(n, 2);
		assert_true(claims_x12_slice_eq(comp[0], "A?B"));
		assert_true(claims_x12_slice_eq(comp[1], "C?D"));
		claims_x12_reader_free(r);
	}
	/* high-byte delimiters are not INVALID_ENCODING */
	check("ISA\xA7" "00\xA7          \xA7" "00\xA7          \xA7ZZ\xA7SENDER         \xA7ZZ\xA7RECEIVER       \xA7"
	      "240101\xA7" "1200\xA7U\xA7" "00401\xA7" "000000001\xA7" "0\xA7P\xA7\xB6\xFE"
	      "N3\xA7" "caf\xC3\xA9\xFE",
	      "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000001|0|P|\\xB6\n"
	      "2@106#1 N3|caf\\xC3\\xA9 [sanitized]\n");
}

static void
test_corpus_different_separators(void **state)
{
	char path[1024];
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	const char *dir = getenv("CLAIMS_CORPUS_DIR");
	int fd;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/837p/imsweb_x12_valid_different_separators.txt", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(claims_x12_reader_new_fd(&r, fd, NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_int_equal(seg->delimiters.element, '~');
	assert_int_equal(seg->delimiters.component, '^');
	assert_int_equal(seg->delimiters.segment, '_');
	assert_false(seg->delimiters.has_repetition); /* ISA11 U */
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_string_equal(seg->id, "GS");
	assert_true(claims_x12_slice_eq(claims_x12_segment_element(seg, 8), "005010X222A1"));
	claims_x12_reader_free(r);
	close(fd);
}

static void
test_isa_lengths(void **state)
{
	struct tr t;
	const char *isa105 =
		"ISA*00*         *01*SECRET    *ZZ*SUBMITTERS.ID  *ZZ*RECEIVERS.ID   *030101*1253*U*00501*000000905*1*T*:~\nGS*HC~";
	const char *isa122 =
		"ISA|00|          |00|          |ZZ|MADE UP CLEARING HOUSE         |ZZ|611358935      |130508|0641|U|00401|000003063|0|P|^~GS|HP~";

	(void)state;
	check_with(&t, isa105, strlen(isa105), NULL,
		   "!ISA_LENGTH\n"
		   "1@0#1 ISA|00||01|SECRET|ZZ|SUBMITTERS.ID|ZZ|RECEIVERS.ID|030101|1253|U|00501|000000905|1|T|:\n"
		   "2@106#1 GS|HC\n");
	assert_string_equal(t.issues[0].details, "{\"length\": 105}");
	assert_string_equal(t.issues[0].message, "The ISA segment is 105 bytes long instead of 106");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_WARNING);
	assert_true(t.issues[0].refuses_strict);
	assert_false(t.issues[0].refuses);
	assert_int_equal(t.issues[0].seg, 1);
	assert_int_equal(t.issues[0].off, 0);
	assert_int_equal(t.issues[0].ich, 1);
	assert_string_equal(t.issues[0].segid, "ISA");
	tr_free(&t);
	check_with(&t, isa122, strlen(isa122), NULL,
		   "!ISA_LENGTH\n"
		   "1@0#1 ISA|00||00||ZZ|MADE UP CLEARING HOUSE|ZZ|611358935|130508|0641|U|00401|000003063|0|P|^\n"
		   "2@122#1 GS|HP\n");
	assert_string_equal(t.issues[0].details, "{\"length\": 122}");
	tr_free(&t);
}

static void
test_bad_isa_and_delimiters(void **state)
{
	struct tr t;
	char text[400];

	(void)state;
	/* fewer than 16 separators */
	check("ISA*00*01*02~GS*HC~", "!BAD_ISA\nrc=CLAIMS_EREFUSED\n");
	/* 16 separators but not within 200 bytes */
	memset(text, 0, sizeof(text));
	snprintf(text, sizeof(text), "ISA*%0190d*1*2*3*4*5*6*7*8*9*10*11*12*13*14*15*:~", 0);
	check(text, "!BAD_ISA\nrc=CLAIMS_EREFUSED\n");
	/* the data ends inside the ISA */
	check("ISA*00*          *00*", "!BAD_ISA\nrc=CLAIMS_EREFUSED\n");
	/* element = component */
	check_with(&t, "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P**~",
		   106, NULL, "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
	assert_true(t.issues[0].fatal);
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_ERROR);
	assert_string_equal(t.issues[0].details, "{\"element\": \"*\", \"component\": \"*\", \"segment\": \"~\"}");
	assert_int_equal(t.stats.refusal_code, CLAIMS_X12_BAD_DELIMITERS);
	assert_true(t.stats.refused);
	tr_free(&t);
	/* a letter as component separator */
	check("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*A~",
	      "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
	/* segment terminator SP */
	check("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*: ",
	      "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
	/* element separator whitespace (TAB) at the start of a file */
	check("ISA\t00\t          \t00\t          \tZZ\tSENDER         \tZZ\tRECEIVER       \t240101\t1200\t^\t00501\t000000001\t0\tP\t:~",
	      "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
	/* terminator = element */
	check("ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*P*:*",
	      "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
}

static void
test_repetition_separator(void **state)
{
	struct tr t;
	const char *conflict =
		"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*:*00501*000000001*0*P*:~";
	claims_x12_reader *r;
	const claims_x12_segment *seg;

	(void)state;
	check_with(&t, conflict, strlen(conflict), NULL,
		   "!DELIMITER_CONFLICT(ISA11)\n"
		   "1@0#1 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|:|00501|000000001|0|P|:\n");
	assert_string_equal(t.issues[0].details, "{\"repetition\": \":\", \"conflicts_with\": \"component\"}");
	assert_true(t.issues[0].refuses_strict);
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_WARNING);
	tr_free(&t);

	/* 4010 and U: no repetition separator */
	assert_int_equal(claims_x12_reader_new_mem(&r, ISA_STD, 106, NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_true(seg->delimiters.has_repetition);
	claims_x12_reader_free(r);
	{
		char isa[107];

		memcpy(isa, ISA_STD, 107);
		memcpy(isa + 84, "00401", 5);
		assert_int_equal(claims_x12_reader_new_mem(&r, isa, 106, NULL), CLAIMS_OK);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
		assert_true(claims_x12_slice_eq(claims_x12_segment_element(seg, 12), "00401"));
		assert_false(seg->delimiters.has_repetition);
		claims_x12_reader_free(r);
		memcpy(isa, ISA_STD, 107);
		isa[82] = 'U';
		assert_int_equal(claims_x12_reader_new_mem(&r, isa, 106, NULL), CLAIMS_OK);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
		assert_false(seg->delimiters.has_repetition);
		claims_x12_reader_free(r);
	}
}

static void
test_multiple_isa_delimiters(void **state)
{
	(void)state;
	check(ISA_STD "GS*HC*A:B~IEA*1*000000001~\n"
	      "ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |240101|1200|U|00401|000000002|0|P|^\n"
	      "GS|HC|A^B|x*y\nIEA|1|000000002\n"
	      "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000003*0*P*:~GS*HP~",
	      "1@0#1 " ISA_STD_T "\n"
	      "2@106#1 GS|HC|A:B\n"
	      "3@116#1 IEA|1|000000001\n"
	      "4@133#2 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|U|00401|000000002|0|P|^\n"
	      "5@239#2 GS|HC|A^B|x*y\n"
	      "6@253#2 IEA|1|000000002\n"
	      "7@269#3 ISA|00||00||ZZ|SENDER|ZZ|RECEIVER|240101|1200|^|00501|000000003|0|P|:\n"
	      "8@375#3 GS|HP\n");
}

/* ---- the start of the file */

static void
test_bom_and_whitespace(void **state)
{
	(void)state;
	check("\xEF\xBB\xBF  \r\n\t" ISA_STD "GS*HC~",
	      "1@8#1 " ISA_STD_T "\n"
	      "2@114#1 GS|HC\n");
}

static void
test_empty_files(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, "", 0, NULL, "!EMPTY_FILE\nrc=CLAIMS_EREFUSED\n");
	assert_int_equal(t.issues[0].seg, 0);
	assert_int_equal(t.issues[0].off, -1);
	assert_int_equal(t.issues[0].ich, 0);
	assert_true(t.issues[0].fatal);
	assert_string_equal(t.issues[0].segid, "(null)");
	assert_string_equal(t.issues[0].details, "{}");
	tr_free(&t);
	check(" \r\n\t \n", "!EMPTY_FILE\nrc=CLAIMS_EREFUSED\n");
	check("\xEF\xBB\xBF", "!EMPTY_FILE\nrc=CLAIMS_EREFUSED\n");
	check("\xEF\xBB\xBF\n\n", "!EMPTY_FILE\nrc=CLAIMS_EREFUSED\n");
	/* a NULL pointer with length 0 is an empty file too */
	{
		claims_x12_reader *r;
		const claims_x12_segment *seg;

		assert_int_equal(claims_x12_reader_new_mem(&r, NULL, 0, NULL), CLAIMS_OK);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_EREFUSED);
		claims_x12_reader_free(r);
	}
}

static void
test_no_isa(void **state)
{
	unsigned char garbage[3000];
	struct tr t;

	(void)state;
	check("GS*HC*SENDER~ST*837*1~SE*2*1~GE*1*1~IEA*1*1~", "!NO_ISA\nrc=CLAIMS_EREFUSED\n");
	check("hello world, this is not X12\n", "!NO_ISA\nrc=CLAIMS_EREFUSED\n");
	/* "ISA" candidates that do not count */
	check("DISABLED ISA ISAB ISA*1*2*3~ STANDARD", "!NO_ISA\nrc=CLAIMS_EREFUSED\n");
	/* "ST" + alphanumeric is not a bare transaction set */
	check("STATEMENT*1~SE*1~", "!NO_ISA\nrc=CLAIMS_EREFUSED\n");
	/* binary garbage (a PNG header, then pseudo-random bytes without "ISA") */
	memcpy(garbage, "\x89PNG\r\n\x1a\n", 8);
	for (size_t i = 8; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)((i * 2654435761u) >> 13);
	for (size_t i = 0; i + 2 < sizeof(garbage); i++)
		if (garbage[i] == 'I')
			garbage[i] = 'J';
	check_with(&t, garbage, sizeof(garbage), NULL, "!NO_ISA\nrc=CLAIMS_EREFUSED\n");
	assert_string_equal(t.issues[0].message, "No ISA segment was found, so the delimiters are unknown");
	tr_free(&t);
}

static void
test_preamble(void **state)
{
	struct tr t;
	const char *text = "Some prose about DISABILITY and ISA rules.\r\n\r\nISA *not one* ISAX\r\n"
			   ISA_STD "GS*HP~";
	size_t at = strstr(text, "ISA*") - text;

	(void)state;
	check_with(&t, text, strlen(text), NULL, NULL);
	assert_int_equal(t.n_issues, 1);
	assert_string_equal(t.issues[0].code, "PREAMBLE_SKIPPED");
	assert_int_equal(t.issues[0].off, 0);
	assert_int_equal(t.issues[0].seg, 0);
	assert_int_equal(t.issues[0].ich, 0);
	{
		char d[64];

		snprintf(d, sizeof(d), "{\"bytes\": %zu}", at);
		assert_string_equal(t.issues[0].details, d);
	}
	assert_true(strstr(t.s, "1@") != NULL);
	assert_int_equal(t.stats.segments, 2);
	tr_free(&t);

	/* counted after the BOM and the leading whitespace */
	check_with(&t, "\xEF\xBB\xBF\n\n  abc " ISA_STD, 11 + 106, NULL,
		   "!PREAMBLE_SKIPPED\n"
		   "1@11#1 " ISA_STD_T "\n");
	assert_string_equal(t.issues[0].details, "{\"bytes\": 4}");
	assert_int_equal(t.issues[0].off, 7);
	tr_free(&t);

	/* a candidate ISA failing step 3 is skipped, the next one counts */
	check_with(&t, "x ISA+1+2~ " ISA_STD, 11 + 106, NULL,
		   "!PREAMBLE_SKIPPED\n"
		   "1@11#1 " ISA_STD_T "\n");
	assert_string_equal(t.issues[0].details, "{\"bytes\": 11}");
	tr_free(&t);
	/* step 4 taken literally: a candidate whose 16 separators are found
	 * (here running into the real ISA) counts, and its delimiters fail */
	check("x ISA*1*2~ " ISA_STD, "!PREAMBLE_SKIPPED\n!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
}

static void
test_preamble_corpus(void **state)
{
	static const struct {
		const char *file;
		int bytes;
	} cases[] = {
		{ "bad/stupidedi_5010_835_case1.edi", 474 },
		{ "bad/stupidedi_5010_835_case3a.edi", 472 },
	};
	const char *dir = getenv("CLAIMS_CORPUS_DIR");

	(void)state;
	assert_non_null(dir);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[1024], want[64], *buf;
		struct stat st;
		struct tr t;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, cases[i].file);
		assert_int_equal(stat(path, &st), 0);
		buf = malloc((size_t)st.st_size);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
		fclose(f);
		check_with(&t, buf, (size_t)st.st_size, NULL, NULL);
		assert_string_equal(t.issues[0].code, "PREAMBLE_SKIPPED");
		snprintf(want, sizeof(want), "{\"bytes\": %d}", cases[i].bytes);
		assert_string_equal(t.issues[0].details, want);
		snprintf(want, sizeof(want), "Skipped %d bytes before the ISA segment", cases[i].bytes);
		assert_string_equal(t.issues[0].message, want);
		/* the ISA is segment 1 at its offset in the file */
		snprintf(want, sizeof(want), "1@%d#1 ISA|", cases[i].bytes);
		assert_true(strncmp(t.s + strlen("!PREAMBLE_SKIPPED\n"), want, strlen(want)) == 0);
		tr_free(&t);
		free(buf);
	}
}

static void
test_missing_envelope(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, "ST*835*1234~BPR*I*1.00~SE*3*1234~", 33, NULL,
		   "!MISSING_ENVELOPE\n"
		   "1@0#0 ST|835|1234\n"
		   "2@12#0 BPR|I|1.00\n"
		   "3@23#0 SE|3|1234\n");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_WARNING);
	assert_true(t.issues[0].refuses_strict);
	assert_int_equal(t.issues[0].off, 0);
	tr_free(&t);
	/* no ~ in the data: LF terminates; another element separator */
	check("\n  ST|835|1\nCLP|A:B|1\r\nSE|3|1\n",
	      "!MISSING_ENVELOPE\n"
	      "1@3#0 ST|835|1\n"
	      "2@12#0 CLP|A:B|1\n"
	      "3@23#0 SE|3|1\n");
	/* default delimiters that clash are refused */
	check("ST:835:1~", "!BAD_DELIMITERS\nrc=CLAIMS_EREFUSED\n");
	/* an ISA later in the file wins: everything before is a preamble */
	check("ST*835*1~SE*2*1~\n" ISA_STD "GS*HP~",
	      "!PREAMBLE_SKIPPED\n"
	      "1@17#1 " ISA_STD_T "\n"
	      "2@123#1 GS|HP\n");
	/* a later "ISA" that fails step 3 is an ordinary segment */
	check("ST*835*1~ISA*1~SE*3*1~",
	      "!MISSING_ENVELOPE\n"
	      "1@0#0 ST|835|1\n"
	      "2@9#0 ISA|1\n"
	      "3@15#0 SE|3|1\n");
}

static void
test_missing_envelope_pipe(void **state)
{
	/* A pipe cannot be read again: the ISA search covers the first
	 * buffer only, the rest is read as data (x12.h, new_fd). */
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	const char *head = "ST*835*1~SE*2*1~";
	char *text;
	size_t len;
	struct tr t;
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	int p[2], rc;
	int64_t n = 0;

	(void)state;
	o.max_segment_bytes = 1024;
	o.buffer_size = 1025;
	len = strlen(head) + 3000 + 106;
	text = malloc(len + 1);
	strcpy(text, head);
	for (size_t i = strlen(head); i < len - 106; i += 10)
		memcpy(text + i, "LX*12345~\n", 10);
	memcpy(text + len - 106, ISA_STD, 106);

	memset(&t, 0, sizeof(t));
	o.issue_cb = on_issue;
	o.issue_payload = &t;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, len), (ssize_t)len);
	close(p[1]);
	assert_int_equal(claims_x12_reader_new_fd(&r, p[0], &o), CLAIMS_OK);
	while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg)
		n++;
	assert_int_equal(rc, CLAIMS_OK);
	assert_int_equal(t.n_issues, 1);
	assert_string_equal(t.issues[0].code, "MISSING_ENVELOPE");
	/* ST, SE, 300 LX, then the ISA found at its segment start */
	assert_int_equal(n, 2 + 300 + 1);
	claims_x12_reader_free(r);
	close(p[0]);
	free(t.s);

	/* the same bytes from a seekable file: the ISA counts, all before it
	 * is a preamble */
	{
		struct tr t2;

		run_mode(&t2, M_FD, text, len, &o);
		assert_string_equal(t2.issues[0].code, "PREAMBLE_SKIPPED");
		assert_int_equal(t2.stats.segments, 1);
		tr_free(&t2);
		run_mode(&t2, M_CHUNK7, text, len, &o);
		assert_string_equal(t2.issues[0].code, "PREAMBLE_SKIPPED");
		tr_free(&t2);
	}
	free(text);
}

/* ---- segments */

static void
test_terminators_and_empty_segments(void **state)
{
	(void)state;
	/* empty segments, whitespace between and inside, no final terminator */
	check(ISA_STD "~~  ~\r\n~GS*HC* A *~\r\n\tST*837~~NM1*85\t \r\n~IEA*1*1",
	      "1@0#1 " ISA_STD_T "\n"
	      "2@114#1 GS|HC| A |\n"
	      "3@128#1 ST|837\n"
	      "4@136#1 NM1|85\n"
	      "5@147#1 IEA|1|1\n");
	/* LF inside a segment is data when T is not LF */
	check(ISA_STD "NM1*85\nX~", "1@0#1 " ISA_STD_T "\n2@106#1 NM1|85\\x0AX\n");
}

static void
test_bad_segment_ids(void **state)
{
	struct tr t;

	(void)state;
	check_with(&t, ISA_STD "*IC*X~Nd4*A~NM31*IL~N~1AB*X~AB-*X~N3*OK~CL1*1~",
		   strlen(ISA_STD "*IC*X~Nd4*A~NM31*IL~N~1AB*X~AB-*X~N3*OK~CL1*1~"), NULL,
		   "1@0#1 " ISA_STD_T "\n"
		   "!BAD_SEGMENT_ID\n"
		   "2@106#1 |IC|X [skipped]\n"
		   "!BAD_SEGMENT_ID\n"
		   "3@112#1 Nd4|A [skipped]\n"
		   "!BAD_SEGMENT_ID\n"
		   "4@118#1 NM31|IL [skipped]\n"
		   "!BAD_SEGMENT_ID\n"
		   "5@126#1 N [skipped]\n"
		   "!BAD_SEGMENT_ID\n"
		   "6@128#1 1AB|X [skipped]\n"
		   "!BAD_SEGMENT_ID\n"
		   "7@134#1 AB-|X [skipped]\n"
		   "8@140#1 N3|OK\n"
		   "9@146#1 CL1|1\n");
	assert_string_equal(t.issues[0].segid, "(null)");
	assert_string_equal(t.issues[0].message, "Segment id is empty; segment skipped");
	assert_string_equal(t.issues[1].segid, "Nd4");
	assert_string_equal(t.issues[1].message,
			    "Segment id \"Nd4\" is not 2-3 upper-case letters or digits; segment skipped");
	assert_string_equal(t.issues[1].details, "{\"segment_id\": \"Nd4\"}");
	assert_int_equal(t.issues[1].seg, 3);
	assert_int_equal(t.issues[1].off, 112);
	assert_int_equal(t.issues[1].severity, CLAIMS_X12_ERROR);
	assert_true(t.issues[1].refuses_strict);
	assert_string_equal(t.issues[2].segid, "NM31");
	tr_free(&t);
}

static void
test_nul_and_control_bytes(void **state)
{
	static const char text[] = ISA_STD "NM1*85*2*AC\0ME\x01*X\x7F~N3*OK~";
	struct tr t;

	(void)state;
	check_with(&t, text, sizeof(text) - 1, NULL,
		   "1@0#1 " ISA_STD_T "\n"
		   "!INVALID_CHARACTER(NM103)\n"
		   "!INVALID_CHARACTER(NM104)\n"
		   "2@106#1 NM1|85|2|AC\\xEF\\xBF\\xBDME\\xEF\\xBF\\xBD|X\\xEF\\xBF\\xBD [sanitized]\n"
		   "3@125#1 N3|OK\n");
	assert_string_equal(t.issues[0].details, "{\"count\": 2, \"first_byte\": 0}");
	assert_string_equal(t.issues[0].message,
			    "NM103 holds 2 control bytes (first 0x00), replaced by U+FFFD");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_ERROR);
	assert_true(t.issues[0].refuses_strict);
	assert_false(t.issues[0].fatal);
	assert_int_equal(t.issues[0].seg, 2);
	assert_string_equal(t.issues[1].details, "{\"count\": 1, \"first_byte\": 127}");
	tr_free(&t);
}

static void
test_invalid_utf8(void **state)
{
	struct tr t;
	const char *text = ISA_STD "N3*caf\xC3\xA9 \xE2\x82\xAC*\xFF" "a\xC3*\xED\xA0\x80~"
			   "N4*\xF0\x9F\x98\x80*\xC0\xAF~N4*ok~";

	(void)state;
	check_with(&t, text, strlen(text), NULL,
		   "1@0#1 " ISA_STD_T "\n"
		   "!INVALID_ENCODING(N302)\n"
		   "2@106#1 N3|caf\\xC3\\xA9 \\xE2\\x82\\xAC|\\xEF\\xBF\\xBDa\\xEF\\xBF\\xBD|"
		   "\\xEF\\xBF\\xBD\\xEF\\xBF\\xBD\\xEF\\xBF\\xBD [sanitized]\n"
		   "!INVALID_ENCODING(N402)\n"
		   "3@127#1 N4|\\xF0\\x9F\\x98\\x80|\\xEF\\xBF\\xBD\\xEF\\xBF\\xBD [sanitized]\n"
		   "4@138#1 N4|ok\n");
	/* once per segment, counting every bad byte */
	assert_string_equal(t.issues[0].details, "{\"bytes\": 5}");
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_INFO);
	assert_false(t.issues[0].refuses_strict);
	assert_string_equal(t.issues[1].details, "{\"bytes\": 2}");
	tr_free(&t);
}

static void
test_segment_too_long(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	size_t max = 300, len;
	char *text;
	struct tr t;

	(void)state;
	o.max_segment_bytes = max;
	text = malloc(106 + 2 * max + 10);
	/* exactly max bytes: fine */
	memcpy(text, ISA_STD, 106);
	memset(text + 106, 'A', max);
	memcpy(text + 106, "NTE*", 4);
	text[106 + max] = '~';
	memcpy(text + 107 + max, "N3*X~", 5);
	len = 106 + max + 6;
	check_with(&t, text, len, &o, NULL);
	assert_int_equal(t.rc, CLAIMS_OK);
	assert_int_equal(t.stats.segments, 3);
	tr_free(&t);
	/* max + 1 bytes: refused */
	memset(text + 106, 'A', max + 1);
	memcpy(text + 106, "NTE*", 4);
	text[107 + max] = '~';
	len = 106 + max + 2;
	check_with(&t, text, len, &o, "1@0#1 " ISA_STD_T "\n!SEGMENT_TOO_LONG\nrc=CLAIMS_EREFUSED\n");
	assert_string_equal(t.issues[0].details, "{\"max_bytes\": 300}");
	assert_int_equal(t.issues[0].seg, 2);
	assert_int_equal(t.issues[0].off, 106);
	assert_true(t.issues[0].fatal);
	tr_free(&t);
	/* and without any terminator until the end of the data */
	check_with(&t, text, len - 1, &o, "1@0#1 " ISA_STD_T "\n!SEGMENT_TOO_LONG\nrc=CLAIMS_EREFUSED\n");
	tr_free(&t);
	free(text);

	/* the default limit: 5 MB without a terminator (security.md §7) */
	len = 5 * 1000 * 1000;
	text = malloc(len);
	memcpy(text, ISA_STD, 106);
	memset(text + 106, 'x', len - 106);
	run_mode(&t, M_MEM, text, len, NULL);
	assert_string_equal(t.s, "1@0#1 " ISA_STD_T "\n!SEGMENT_TOO_LONG\nrc=CLAIMS_EREFUSED\n");
	tr_free(&t);
	run_mode(&t, M_FD, text, len, NULL);
	assert_string_equal(t.s, "1@0#1 " ISA_STD_T "\n!SEGMENT_TOO_LONG\nrc=CLAIMS_EREFUSED\n");
	tr_free(&t);
	free(text);
}

static void
test_too_many_elements(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	char text[400];
	struct tr t;
	size_t n;

	(void)state;
	o.max_elements = 20;
	n = (size_t)snprintf(text, sizeof(text), "%sHI", ISA_STD);
	for (int i = 1; i <= 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "*%d", i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "~HI");
	for (int i = 1; i <= 21; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "*%d", i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "~N3*X~");
	check_with(&t, text, n, &o, NULL);
	assert_int_equal(t.n_issues, 1);
	assert_string_equal(t.issues[0].code, "TOO_MANY_ELEMENTS");
	assert_string_equal(t.issues[0].details, "{\"elements\": 21, \"max_elements\": 20}");
	assert_int_equal(t.issues[0].seg, 3);
	assert_int_equal(t.issues[0].severity, CLAIMS_X12_ERROR);
	assert_non_null(strstr(t.s, "2@106#1 HI|1|2|3|4|5|6|7|8|9|10|11|12|13|14|15|16|17|18|19|20\n"));
	assert_non_null(strstr(t.s, " [skipped]\n4@"));
	tr_free(&t);
}

static void
test_patient_flags(void **state)
{
	(void)state;
	check(ISA_STD "NM1*IL*1*DOE~N3*1 MAIN~N4*X~REF*SY*123~DMG*D8*19800101~NM1*PR*2*PAYER~N3*PO BOX~"
		      "PAT*19~NM1*QC*1*ROE~CLM*1~N3*Y~NM1*74*1~REF*1W*2~",
	      "1@0#1 " ISA_STD_T "\n"
	      "2@106#1 NM1|IL|1|DOE [patient]\n"
	      "3@119#1 N3|1 MAIN [patient]\n"
	      "4@129#1 N4|X [patient]\n"
	      "5@134#1 REF|SY|123 [patient]\n"
	      "6@145#1 DMG|D8|19800101 [patient]\n"
	      "7@161#1 NM1|PR|2|PAYER\n"
	      "8@176#1 N3|PO BOX\n"
	      "9@186#1 PAT|19 [patient]\n"
	      "10@193#1 NM1|QC|1|ROE [patient]\n"
	      "11@206#1 CLM|1\n"
	      "12@212#1 N3|Y\n"
	      "13@217#1 NM1|74|1 [patient]\n"
	      "14@226#1 REF|1W|2 [patient]\n");
}

/* ---- limits and sources */

static void
test_file_too_large(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	char text[300];
	struct tr t;
	int p[2];

	(void)state;
	snprintf(text, sizeof(text), "%sGS*HC~ST*837*1~SE*2*1~GE*1*1~IEA*1*1~", ISA_STD);
	o.max_file_bytes = (int64_t)strlen(text);
	check_with(&t, text, strlen(text), &o, NULL);
	assert_int_equal(t.rc, CLAIMS_OK);
	tr_free(&t);
	o.max_file_bytes = (int64_t)strlen(text) - 1;
	/* memory and seekable files are refused before reading anything */
	run_mode(&t, M_MEM, text, strlen(text), &o);
	assert_string_equal(t.s, "!FILE_TOO_LARGE\nrc=CLAIMS_EREFUSED\n");
	assert_int_equal(t.issues[0].off, -1);
	assert_true(t.issues[0].fatal);
	{
		char d[64];

		snprintf(d, sizeof(d), "{\"max_bytes\": %zu}", strlen(text) - 1);
		assert_string_equal(t.issues[0].details, d);
	}
	tr_free(&t);
	run_mode(&t, M_FD, text, strlen(text), &o);
	assert_string_equal(t.s, "!FILE_TOO_LARGE\nrc=CLAIMS_EREFUSED\n");
	tr_free(&t);
	/* streams find out while reading */
	run_mode(&t, M_CB, text, strlen(text), &o);
	assert_int_equal(t.rc, CLAIMS_EREFUSED);
	assert_string_equal(t.issues[t.n_issues - 1].code, "FILE_TOO_LARGE");
	tr_free(&t);
	run_mode(&t, M_CHUNK1, text, strlen(text), &o);
	assert_int_equal(t.rc, CLAIMS_EREFUSED);
	assert_string_equal(t.issues[t.n_issues - 1].code, "FILE_TOO_LARGE");
	tr_free(&t);
	{
		claims_x12_reader *r;
		const claims_x12_segment *seg;
		int rc;

		memset(&t, 0, sizeof(t));
		o.issue_cb = on_issue;
		o.issue_payload = &t;
		assert_int_equal(pipe(p), 0);
		assert_int_equal(write(p[1], text, strlen(text)), (ssize_t)strlen(text));
		close(p[1]);
		assert_int_equal(claims_x12_reader_new_fd(&r, p[0], &o), CLAIMS_OK);
		while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg)
			;
		assert_int_equal(rc, CLAIMS_EREFUSED);
		assert_string_equal(t.issues[t.n_issues - 1].code, "FILE_TOO_LARGE");
		claims_x12_reader_free(r);
		close(p[0]);
		free(t.s);
	}
}

static void
test_source_errors(void **state)
{
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	char text[500];
	struct cbsrc src = { (const unsigned char *)text, 0, 0, 4, 110 };
	int rc, n = 0;

	(void)state;
	memcpy(text, ISA_STD "GS*HC~", 112);
	for (int k = 0; k < 60; k++)
		memcpy(text + 112 + 5 * k, "N3*X~", 5);
	src.len = 412;
	/* failing inside the 200 bytes the ISA needs: nothing is returned */
	assert_int_equal(claims_x12_reader_new_cb(&r, read_cb, &src, NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_EIO);
	assert_null(seg);
	claims_x12_reader_free(r);
	/* failing at byte 300: ISA, GS and the 37 N3 ending before it */
	src.pos = 0;
	src.fail_at = 300;
	assert_int_equal(claims_x12_reader_new_cb(&r, read_cb, &src, NULL), CLAIMS_OK);
	while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg)
		n++;
	assert_int_equal(rc, CLAIMS_EIO);
	assert_int_equal(n, 39);
	/* sticky */
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_EIO);
	claims_x12_reader_free(r);

	/* a closed descriptor */
	{
		int fd = tmpfile_with("x", 1);

		assert_int_equal(claims_x12_reader_new_fd(&r, fd, NULL), CLAIMS_OK);
		close(fd);
		assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_EIO);
		claims_x12_reader_free(r);
	}
}

static void
test_fd_offset_and_rewind(void **state)
{
	/* the reader starts at the descriptor's position; offsets are counted
	 * from there, and the MISSING_ENVELOPE rewind goes back there */
	const char *text = "JUNKST*835*1~SE*2*1~";
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *r;
	const claims_x12_segment *seg;
	struct tr t;
	int fd = tmpfile_with(text, strlen(text));

	(void)state;
	memset(&t, 0, sizeof(t));
	o.issue_cb = on_issue;
	o.issue_payload = &t;
	o.read_chunk = 3;
	assert_int_equal(lseek(fd, 4, SEEK_SET), 4);
	assert_int_equal(claims_x12_reader_new_fd(&r, fd, &o), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_string_equal(t.issues[0].code, "MISSING_ENVELOPE");
	assert_string_equal(seg->id, "ST");
	assert_int_equal(seg->loc.byte_offset, 0);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_string_equal(seg->id, "SE");
	assert_int_equal(seg->loc.byte_offset, 9);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_null(seg);
	claims_x12_reader_free(r);
	close(fd);
	free(t.s);
}

static void
test_options_and_arguments(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *r = (claims_x12_reader *)&o;
	const claims_x12_segment *seg = (const claims_x12_segment *)&o;
	const claims_x12_event *ev = (const claims_x12_event *)&o;
	claims_x12_stats st;

	(void)state;
	assert_int_equal(claims_x12_reader_new_mem(NULL, "x", 1, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_x12_reader_new_mem(&r, NULL, 1, NULL), CLAIMS_EINVAL);
	assert_null(r);
	assert_int_equal(claims_x12_reader_new_fd(&r, -1, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_x12_reader_new_cb(&r, NULL, NULL, NULL), CLAIMS_EINVAL);
	o.version = 99;
	assert_int_equal(claims_x12_reader_new_mem(&r, "x", 1, &o), CLAIMS_EINVAL);
	o.version = CLAIMS_X12_READER_OPTIONS_VERSION;
	o.max_segment_bytes = 100;
	assert_int_equal(claims_x12_reader_new_mem(&r, "x", 1, &o), CLAIMS_EINVAL);
	o.max_segment_bytes = CLAIMS_X12_DEFAULT_MAX_SEGMENT_BYTES;
	o.max_elements = 15;
	assert_int_equal(claims_x12_reader_new_mem(&r, "x", 1, &o), CLAIMS_EINVAL);
	o.max_elements = CLAIMS_X12_DEFAULT_MAX_ELEMENTS;
	o.max_file_bytes = 0;
	assert_int_equal(claims_x12_reader_new_mem(&r, "x", 1, &o), CLAIMS_EINVAL);
	o.max_file_bytes = CLAIMS_X12_DEFAULT_MAX_FILE_BYTES;
	o.mode = (claims_x12_mode)7;
	assert_int_equal(claims_x12_reader_new_mem(&r, "x", 1, &o), CLAIMS_EINVAL);
	assert_null(r);

	/* one layer per reader */
	assert_int_equal(claims_x12_reader_new_mem(&r, ISA_STD, 106, NULL), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next_segment(&seg, r), CLAIMS_OK);
	assert_int_equal(claims_x12_reader_next(&ev, r), CLAIMS_EINVAL);
	assert_null(ev);
	assert_int_equal(claims_x12_reader_next_segment(NULL, r), CLAIMS_EINVAL);
	assert_int_equal(claims_x12_reader_next_segment(&seg, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_x12_reader_stats(NULL, r), CLAIMS_EINVAL);
	assert_int_equal(claims_x12_reader_stats(&st, NULL), CLAIMS_EINVAL);
	claims_x12_reader_free(r);
	claims_x12_reader_free(NULL);

	/* enum names */
	assert_string_equal(claims_x12_code_to_str(CLAIMS_X12_SE_COUNT), "SE_COUNT");
	assert_string_equal(claims_x12_code_to_str(CLAIMS_X12_BAL_835_TRANSACTION), "BAL_835_TRANSACTION");
	assert_string_equal(claims_x12_code_to_str((claims_x12_code)999), "UNKNOWN");
	assert_string_equal(claims_x12_code_to_str(CLAIMS_X12_CODE_NONE), "UNKNOWN");
	for (int c = 1; c < CLAIMS_X12_CODE_COUNT; c++)
		assert_string_not_equal(claims_x12_code_to_str((claims_x12_code)c), "UNKNOWN");
	assert_string_equal(claims_x12_severity_to_str(CLAIMS_X12_WARNING), "warning");
	assert_string_equal(claims_x12_severity_to_str((claims_x12_severity)9), "unknown");
	assert_string_equal(claims_x12_mode_to_str(CLAIMS_X12_STRICT), "strict");
	assert_string_equal(claims_x12_mode_to_str((claims_x12_mode)9), "unknown");
	assert_string_equal(claims_x12_type_to_str(CLAIMS_X12_TYPE_837I), "837I");
	assert_string_equal(claims_x12_type_to_str(CLAIMS_X12_TYPE_837_PENDING), "837");
	assert_string_equal(claims_x12_type_to_str((claims_x12_type)99), "unknown");
	assert_string_equal(claims_x12_event_type_to_str(CLAIMS_X12_EVENT_TRANSACTION_END),
			    "transaction_end");
	assert_string_equal(claims_x12_event_type_to_str((claims_x12_event_type)99), "unknown");
	assert_true(claims_x12_slice_eq((claims_x12_slice){ "ab", 2 }, "ab"));
	assert_false(claims_x12_slice_eq((claims_x12_slice){ "ab", 2 }, "abc"));
	assert_false(claims_x12_slice_eq((claims_x12_slice){ "ab", 2 }, NULL));
}

static void
test_code_table(void **state)
{
	static const char *fatal[] = { "EMPTY_FILE", "FILE_TOO_LARGE", "NO_ISA", "BAD_ISA",
				       "BAD_DELIMITERS", "SEGMENT_TOO_LONG", "NO_TRANSACTIONS" };
	static const char *refuse_warnings[] = { "PREAMBLE_SKIPPED", "MISSING_ENVELOPE",
						 "DELIMITER_CONFLICT", "ISA_LENGTH",
						 "ISA_IEA_MISMATCH", "GS_GE_MISMATCH",
						 "ST_SE_MISMATCH", "MISSING_GE", "MISSING_IEA" };

	(void)state;
	for (int c = 1; c < CLAIMS_X12_CODE_COUNT; c++) {
		const struct claims__x12_code_info *info = claims__x12_code_info((claims_x12_code)c);
		bool is_fatal = false, is_refuse_warning = false;

		for (size_t k = 0; k < sizeof(fatal) / sizeof(fatal[0]); k++)
			is_fatal |= strcmp(info->name, fatal[k]) == 0;
		for (size_t k = 0; k < sizeof(refuse_warnings) / sizeof(refuse_warnings[0]); k++)
			is_refuse_warning |= strcmp(info->name, refuse_warnings[k]) == 0;
		assert_int_equal(info->fatal, is_fatal);
		if (is_fatal)
			assert_int_equal(info->severity, CLAIMS_X12_ERROR);
		if (is_refuse_warning)
			assert_int_equal(info->severity, CLAIMS_X12_WARNING);
		/* strict refuses every error and the marked warnings, nothing else */
		assert_int_equal(info->refuses_strict,
				 info->severity == CLAIMS_X12_ERROR || is_refuse_warning);
	}
	assert_int_equal(claims__x12_code_info(CLAIMS_X12_MISSING_SE)->severity, CLAIMS_X12_ERROR);
	assert_int_equal(claims__x12_code_info(CLAIMS_X12_SEGMENT_OUTSIDE_ENVELOPE)->severity,
			 CLAIMS_X12_ERROR);
	assert_int_equal(claims__x12_code_info(CLAIMS_X12_DUPLICATE_CONTROL_NUMBER)->severity,
			 CLAIMS_X12_INFO);
	assert_int_equal(claims__x12_code_info(CLAIMS_X12_INVALID_ENCODING)->severity, CLAIMS_X12_INFO);
	assert_int_equal(claims__x12_code_info(CLAIMS_X12_ISSUES_TRUNCATED)->severity, CLAIMS_X12_INFO);
}

static void
test_strict_mode(void **state)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	const char *text = "prose " ISA_STD "N3*A~";
	struct tr t;

	(void)state;
	o.mode = CLAIMS_X12_STRICT;
	check_with(&t, text, strlen(text), &o, NULL);
	assert_int_equal(t.rc, CLAIMS_OK);
	assert_true(t.issues[0].refuses);
	assert_true(t.stats.refused);
	assert_int_equal(t.stats.refusal_code, CLAIMS_X12_PREAMBLE_SKIPPED);
	assert_int_equal(t.stats.segments, 2);
	tr_free(&t);
	o.stop_on_refusal = true;
	check_with(&t, text, strlen(text), &o, "!PREAMBLE_SKIPPED\nrc=CLAIMS_EREFUSED\n");
	tr_free(&t);
	/* tolerant: the same issue does not refuse */
	o.mode = CLAIMS_X12_TOLERANT;
	check_with(&t, text, strlen(text), &o, NULL);
	assert_int_equal(t.rc, CLAIMS_OK);
	assert_false(t.issues[0].refuses);
	assert_false(t.stats.refused);
	assert_int_equal(t.stats.refusal_code, CLAIMS_X12_CODE_NONE);
	assert_int_equal(t.stats.warnings, 1);
	assert_int_equal(t.stats.issues, 1);
	tr_free(&t);
}

static void
test_json_and_quote(void **state)
{
	claims__x12_json j;
	char buf[128], small[24];
	claims_x12_segment seg;

	(void)state;
	claims__x12_json_begin(&j, buf, sizeof(buf));
	claims__x12_json_str(&j, "s", "a\"b\\c\n\x01\xC3\xA9\xFF", 10);
	claims__x12_json_int(&j, "n", -5);
	claims__x12_json_cents(&j, "m", -254);
	claims__x12_json_num_or_str(&j, "x", "0034", 4);
	assert_string_equal(claims__x12_json_end(&j),
			    "{\"s\": \"a\\\"b\\\\c\\u000a\\u0001\xC3\xA9\\ufffd\", \"n\": -5, \"m\": -2.54, \"x\": 34}");
	/* a short buffer keeps a valid object */
	claims__x12_json_begin(&j, small, sizeof(small));
	claims__x12_json_int(&j, "first", 1);
	claims__x12_json_str(&j, "long", "abcdefghijklmnopqrstuvwxyz", 26);
	claims__x12_json_int(&j, "third", 3);
	assert_string_equal(claims__x12_json_end(&j), "{\"first\": 1}");
	claims__x12_json_begin(&j, buf, sizeof(buf));
	claims__x12_json_cents(&j, "z", 5);
	claims__x12_json_num_or_str(&j, "a", "12a", 3);
	assert_string_equal(claims__x12_json_end(&j), "{\"z\": 0.05, \"a\": \"12a\"}");

	memset(&seg, 0, sizeof(seg));
	assert_string_equal(claims__x12_quote(buf, sizeof(buf), &seg, "AB\x01", 3), "\"AB?\"");
	assert_string_equal(claims__x12_quote(buf, sizeof(buf), NULL,
					      "0123456789012345678901234567890123456789XYZ", 43),
			    "\"0123456789012345678901234567890123456789...\"");
	seg.patient = true;
	assert_string_equal(claims__x12_quote(buf, sizeof(buf), &seg, "DOE", 3),
			    "(patient data withheld)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_isa),
		cmocka_unit_test(test_components_limit),
		cmocka_unit_test(test_delimiter_variants),
		cmocka_unit_test(test_corpus_different_separators),
		cmocka_unit_test(test_isa_lengths),
		cmocka_unit_test(test_bad_isa_and_delimiters),
		cmocka_unit_test(test_repetition_separator),
		cmocka_unit_test(test_multiple_isa_delimiters),
		cmocka_unit_test(test_bom_and_whitespace),
		cmocka_unit_test(test_empty_files),
		cmocka_unit_test(test_no_isa),
		cmocka_unit_test(test_preamble),
		cmocka_unit_test(test_preamble_corpus),
		cmocka_unit_test(test_missing_envelope),
		cmocka_unit_test(test_missing_envelope_pipe),
		cmocka_unit_test(test_terminators_and_empty_segments),
		cmocka_unit_test(test_bad_segment_ids),
		cmocka_unit_test(test_nul_and_control_bytes),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_segment_too_long),
		cmocka_unit_test(test_too_many_elements),
		cmocka_unit_test(test_patient_flags),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_source_errors),
		cmocka_unit_test(test_fd_offset_and_rewind),
		cmocka_unit_test(test_options_and_arguments),
		cmocka_unit_test(test_code_table),
		cmocka_unit_test(test_strict_mode),
		cmocka_unit_test(test_json_and_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
