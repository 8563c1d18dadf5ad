/*
 * libclaims: internals of the X12 reader shared by the lib/x12 sources.
 *
 * reader.c    sources, buffer, ISA and delimiter detection, segment and
 *             element splitting, sanitising (the tokenizer, §2)
 * envelope.c  ISA/GS/ST nesting, §3.1 checks, §3.2 types, the event queue
 * issue.c     the code table, issue rendering and delivery, JSON details
 *
 * The mapping layers (837, 835) use claims__x12_report() and the JSON and
 * quoting helpers below so that every issue of a file goes through one
 * place (severity, strict refusal, counts, patient-data rule).
 */
#ifndef CLAIMS_X12_INTERNAL_H
#define CLAIMS_X12_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "claims/x12.h"

/* ---- the code table (issue.c) */
struct claims__x12_code_info {
	const char *name;
	claims_x12_severity severity;
	bool fatal;
	bool refuses_strict;
};

/* Never NULL: an unknown code gives a row named "UNKNOWN". */
const struct claims__x12_code_info *claims__x12_code_info(claims_x12_code code);

/* ---- JSON details (issue.c): a small writer into a caller buffer that
 * always leaves a valid JSON object, truncating values when the buffer is
 * short.  Strings are escaped; invalid UTF-8 becomes \ufffd. */
typedef struct claims__x12_json {
	char *buf;
	size_t cap;
	size_t len;
	int fields;
} claims__x12_json;

void claims__x12_json_begin(claims__x12_json *j, char *buf, size_t cap);
void claims__x12_json_int(claims__x12_json *j, const char *key, int64_t v);
void claims__x12_json_str(claims__x12_json *j, const char *key, const char *s, size_t len);
/* Cents as a JSON number with two decimals: -254 -> -2.54. */
void claims__x12_json_cents(claims__x12_json *j, const char *key, int64_t cents);
/* A number when @p s is 1-18 ASCII digits, else a string. */
void claims__x12_json_num_or_str(claims__x12_json *j, const char *key, const char *s, size_t len);
/* Close the object; returns buf. */
const char *claims__x12_json_end(claims__x12_json *j);

/* Write a value for a message into buf: "\"value\"" (cut to 40 bytes with
 * "...", control bytes and invalid UTF-8 shown as '?'), or
 * "(patient data withheld)" when @p seg is a patient segment.  Returns buf. */
const char *claims__x12_quote(char *buf, size_t cap, const claims_x12_segment *seg,
			      const char *v, size_t len);

/* ---- reporting (issue.c).  Fills the location from @p seg (NULL: a
 * file-level issue, every location field null), renders the message,
 * counts the issue in the stats and calls the issue callback (at once;
 * inside claims_x12_reader_next() the walker queues it to come just before
 * the event it is about).
 * @p details may be NULL for "{}".  Returns CLAIMS_OK, or CLAIMS_EREFUSED
 * when the issue is fatal or refuses with stop_on_refusal (the reader is
 * then failed: later next() calls return CLAIMS_EREFUSED). */
int claims__x12_report(claims_x12_reader *r, claims_x12_code code, const claims_x12_segment *seg,
		       const char *element, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* The same with an explicit location (@p loc NULL = file-level) and
 * segment id (NULL = null). */
int claims__x12_report_at(claims_x12_reader *r, claims_x12_code code,
			  const claims_x12_location *loc, const char *segment_id,
			  const char *element, const char *details, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));

int claims__x12_vreport_at(claims_x12_reader *r, claims_x12_code code,
			   const claims_x12_location *loc, const char *segment_id,
			   const char *element, const char *details, const char *fmt, va_list ap)
	__attribute__((format(printf, 7, 0)));

/* ---- the reader */
enum claims__x12_src { CLAIMS__X12_SRC_MEM, CLAIMS__X12_SRC_FD, CLAIMS__X12_SRC_CB };
enum claims__x12_layer { CLAIMS__X12_LAYER_NONE, CLAIMS__X12_LAYER_SEGMENTS, CLAIMS__X12_LAYER_EVENTS };
enum claims__x12_state {
	CLAIMS__X12_ST_START, /* before the first ISA */
	CLAIMS__X12_ST_BODY,  /* splitting segments */
	CLAIMS__X12_ST_EOF,   /* the tokenizer reached the end of the data */
	CLAIMS__X12_ST_FAILED /* fatal issue or error: fail_rc from now on */
};

/* A segment id packed in an integer, for switch statements. */
#define CLAIMS__X12_ID(a, b, c) \
	((uint32_t)(unsigned char)(a) | (uint32_t)(unsigned char)(b) << 8 | \
	 (uint32_t)(unsigned char)(c) << 16)

/* Byte classes of the splitting loop (reader.c). */
#define CLAIMS__X12_CLS_ELEMENT 1u
#define CLAIMS__X12_CLS_CTRL 2u
#define CLAIMS__X12_CLS_HIGH 4u

/* A control number kept for comparison: the first 63 bytes and the full
 * length (values longer than 63 bytes are compared on those). */
typedef struct claims__x12_ctlnum {
	char v[64];
	size_t len;
} claims__x12_ctlnum;

/* What one segment produces for claims_x12_reader_next(), in order:
 * events, issues rendered when found, and the segment's own lexing issues
 * (reported when reached).  At most 9 items per segment (an ISA closing a
 * set, a group and an interchange). */
#define CLAIMS__X12_QUEUE 16

enum claims__x12_item_kind {
	CLAIMS__X12_ITEM_EVENT,
	CLAIMS__X12_ITEM_ISSUE,
	CLAIMS__X12_ITEM_DIAG
};

struct claims__x12_item {
	enum claims__x12_item_kind kind;
	claims_x12_event event;
	claims_x12_code code;
	claims_x12_location loc;
	bool has_loc, has_segid, has_element;
	char segid[24];
	char element[24];
	char msg[512];
	char details[512];
};

struct claims__x12_walker {
	bool in_isa, in_gs, in_st;
	bool ended;
	/* items of the segment just read; next() delivers the issues and
	 * returns the events one per call */
	struct claims__x12_item queue[CLAIMS__X12_QUEUE];
	int qhead, qlen;
	claims_x12_transaction txn;
	claims_x12_transaction txn_end; /* copy for the END of a set closed early */
	claims_x12_event cur;
	bool txn_supported;
	int64_t isa_ordinal;
	claims__x12_ctlnum isa13;
	int64_t gs_in_isa;
	claims__x12_ctlnum gs06;
	char gs01[8];
	claims__x12_ctlnum gs08;
	int64_t st_in_gs;
	int64_t txn_counter;
	claims__x12_ctlnum st02;
	/* ST02 hashes of the current group (DUPLICATE_CONTROL_NUMBER):
	 * open addressing, bounded (see envelope.c) */
	uint64_t *st02_set;
	size_t st02_cap, st02_len;
};

/* Per-segment findings reported once the segment's location is final. */
struct claims__x12_diag {
	bool is_isa;            /* the segment is an ISA read as an interchange header */
	int isa_length;         /* ISA length when not 106, else 0 */
	int conflict;           /* DELIMITER_CONFLICT: 'E', 'C' or 'T', else 0 */
	unsigned char conflict_byte;
	bool bad_id;
	bool too_many;
	size_t elements_seen;   /* data elements counted (TOO_MANY_ELEMENTS) */
	bool ctrl;              /* some element had control bytes */
	bool utf8;              /* some element had invalid UTF-8 */
	size_t utf8_element;    /* the first such element */
	size_t utf8_bytes;      /* bad bytes in the segment */
};

struct claims_x12_reader {
	claims_x12_reader_options opts;

	/* source */
	enum claims__x12_src src;
	const unsigned char *mem;
	size_t mem_len;
	size_t mem_pos;         /* next byte to copy (buffered memory source) */
	int fd;
	bool fd_seekable;
	int64_t fd_start;       /* lseek position at creation */
	claims_x12_read_cb read_cb;
	void *read_payload;

	/* buffer: bytes [0, end) of buf are source bytes [base, base + end) */
	unsigned char *buf;
	unsigned char *own_buf; /* NULL when reading memory in place */
	size_t cap, pos, end;
	int64_t base;
	bool eof;

	enum claims__x12_state state;
	int fail_rc;
	enum claims__x12_layer layer;
	bool defer_issues;      /* the walker queues issues instead of delivering them */
	bool no_envelope;       /* MISSING_ENVELOPE: default delimiters */
	bool force_isa;         /* the next segment is an ISA found by the header search */

	claims_x12_delimiters delims;
	unsigned char cls[256];
	/* what replaces a control byte or invalid UTF-8: U+FFFD, or "?" when
	 * C is one of its bytes (EF BF BD) and would be invented by it */
	unsigned char repl[3];
	size_t repl_len;

	int64_t isa_count;
	int64_t seg_count;
	/* location given to fresh segments and to fatal issues */
	int64_t loc_interchange;
	int64_t loc_transaction;
	bool patient_ctx;
	uint32_t id_code;         /* CLAIMS__X12_ID of the current segment, 0 if invalid */

	/* the current segment */
	claims_x12_segment seg;
	claims_x12_slice *elems;  /* max_elements + 1 */
	uint32_t *ctrl_count;     /* per element: control bytes replaced */
	unsigned char *ctrl_first; /* per element: the first of them */
	char *scratch;            /* sanitised values, 3 * max_segment_bytes + 16 */
	size_t scratch_cap;
	struct claims__x12_diag diag;

	/* issue rendering */
	char msg[512];
	char details[512];
	char element_buf[24];
	char segid_buf[24];

	claims_x12_stats stats;
	struct claims__x12_walker w;
};

/* reader.c: the next segment into r->seg (loc.transaction from
 * r->loc_transaction), or *out = NULL at the end of the data; reports the
 * fatal and preamble issues itself, the per-segment ones are left in
 * r->diag for claims__x12_segment_issues(). */
int claims__x12_scan(claims_x12_segment **out, claims_x12_reader *r);

/* reader.c: report the findings of r->diag about @p seg (in r->seg). */
int claims__x12_segment_issues(claims_x12_reader *r, const claims_x12_segment *seg);

/* envelope.c */
void claims__x12_walker_free(struct claims__x12_walker *w);

/* issue.c: hand a queued issue to the callback (stats, refusal). */
int claims__x12_deliver_item(claims_x12_reader *r, const struct claims__x12_item *item);

/* Fail the reader with @p rc (sticky). */
static inline int
claims__x12_fail(claims_x12_reader *r, int rc)
{
	r->state = CLAIMS__X12_ST_FAILED;
	r->fail_rc = rc;
	return rc;
}

#endif /* CLAIMS_X12_INTERNAL_H */
