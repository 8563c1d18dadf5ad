/*
 * libclaims: X12 issue codes, rendering and delivery.
 *
 * One table gives each code of spec/x12.md §2-§4 its name, severity, and
 * whether it is fatal (refused in both modes) or refuses in strict mode.
 * Strict mode refuses on every fatal and error code and on the warnings
 * marked "refuse" in §2-§3 (PREAMBLE_SKIPPED, MISSING_ENVELOPE,
 * DELIMITER_CONFLICT, ISA_LENGTH, ISA_IEA_MISMATCH, GS_GE_MISMATCH,
 * ST_SE_MISMATCH, MISSING_GE, MISSING_IEA); the warnings and infos of the
 * §4 table never refuse.
 *
 * An issue is rendered into fixed buffers of the reader and handed to the
 * callback; nothing is kept, so memory stays constant whatever the number
 * of issues.
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "x12_internal.h"

#define I CLAIMS_X12_INFO
#define W CLAIMS_X12_WARNING
#define E CLAIMS_X12_ERROR

static const struct claims__x12_code_info code_table[CLAIMS_X12_CODE_COUNT] = {
	[CLAIMS_X12_CODE_NONE] = { "UNKNOWN", I, false, false },
	[CLAIMS_X12_EMPTY_FILE] = { "EMPTY_FILE", E, true, true },
	[CLAIMS_X12_FILE_TOO_LARGE] = { "FILE_TOO_LARGE", E, true, true },
	[CLAIMS_X12_NO_ISA] = { "NO_ISA", E, true, true },
	[CLAIMS_X12_BAD_ISA] = { "BAD_ISA", E, true, true },
	[CLAIMS_X12_BAD_DELIMITERS] = { "BAD_DELIMITERS", E, true, true },
	[CLAIMS_X12_SEGMENT_TOO_LONG] = { "SEGMENT_TOO_LONG", E, true, true },
	[CLAIMS_X12_NO_TRANSACTIONS] = { "NO_TRANSACTIONS", E, true, true },
	[CLAIMS_X12_PREAMBLE_SKIPPED] = { "PREAMBLE_SKIPPED", W, false, true },
	[CLAIMS_X12_MISSING_ENVELOPE] = { "MISSING_ENVELOPE", W, false, true },
	[CLAIMS_X12_DELIMITER_CONFLICT] = { "DELIMITER_CONFLICT", W, false, true },
	[CLAIMS_X12_ISA_LENGTH] = { "ISA_LENGTH", W, false, true },
	[CLAIMS_X12_BAD_SEGMENT_ID] = { "BAD_SEGMENT_ID", E, false, true },
	[CLAIMS_X12_TOO_MANY_ELEMENTS] = { "TOO_MANY_ELEMENTS", E, false, true },
	[CLAIMS_X12_INVALID_CHARACTER] = { "INVALID_CHARACTER", E, false, true },
	[CLAIMS_X12_INVALID_ENCODING] = { "INVALID_ENCODING", I, false, false },
	[CLAIMS_X12_ISSUES_TRUNCATED] = { "ISSUES_TRUNCATED", I, false, false },
	[CLAIMS_X12_ISA_IEA_MISMATCH] = { "ISA_IEA_MISMATCH", W, false, true },
	[CLAIMS_X12_IEA_COUNT] = { "IEA_COUNT", W, false, false },
	[CLAIMS_X12_GS_GE_MISMATCH] = { "GS_GE_MISMATCH", W, false, true },
	[CLAIMS_X12_GE_COUNT] = { "GE_COUNT", W, false, false },
	[CLAIMS_X12_ST_SE_MISMATCH] = { "ST_SE_MISMATCH", W, false, true },
	[CLAIMS_X12_SE_COUNT] = { "SE_COUNT", W, false, false },
	[CLAIMS_X12_MISSING_SE] = { "MISSING_SE", E, false, true },
	[CLAIMS_X12_MISSING_GE] = { "MISSING_GE", W, false, true },
	[CLAIMS_X12_MISSING_IEA] = { "MISSING_IEA", W, false, true },
	[CLAIMS_X12_SEGMENT_OUTSIDE_ENVELOPE] = { "SEGMENT_OUTSIDE_ENVELOPE", E, false, true },
	[CLAIMS_X12_DUPLICATE_CONTROL_NUMBER] = { "DUPLICATE_CONTROL_NUMBER", I, false, false },
	[CLAIMS_X12_UNSUPPORTED_TRANSACTION] = { "UNSUPPORTED_TRANSACTION", W, false, false },
	[CLAIMS_X12_UNKNOWN_VERSION] = { "UNKNOWN_VERSION", W, false, false },
	[CLAIMS_X12_VERSION_MISMATCH] = { "VERSION_MISMATCH", W, false, false },
	[CLAIMS_X12_FUNCTIONAL_ID_MISMATCH] = { "FUNCTIONAL_ID_MISMATCH", W, false, false },
	[CLAIMS_X12_MISSING_ELEMENT] = { "MISSING_ELEMENT", E, false, true },
	[CLAIMS_X12_INVALID_AMOUNT] = { "INVALID_AMOUNT", E, false, true },
	[CLAIMS_X12_AMOUNT_PRECISION] = { "AMOUNT_PRECISION", I, false, false },
	[CLAIMS_X12_INVALID_DATE] = { "INVALID_DATE", W, false, false },
	[CLAIMS_X12_INVALID_CODE] = { "INVALID_CODE", W, false, false },
	[CLAIMS_X12_COMPOSITE_UNSPLIT] = { "COMPOSITE_UNSPLIT", W, false, false },
	[CLAIMS_X12_INVALID_NPI] = { "INVALID_NPI", W, false, false },
	[CLAIMS_X12_INVALID_DIAGNOSIS] = { "INVALID_DIAGNOSIS", W, false, false },
	[CLAIMS_X12_DIAGNOSIS_DECIMAL] = { "DIAGNOSIS_DECIMAL", I, false, false },
	[CLAIMS_X12_MISSING_DIAGNOSIS] = { "MISSING_DIAGNOSIS", W, false, false },
	[CLAIMS_X12_BAD_DIAGNOSIS_POINTER] = { "BAD_DIAGNOSIS_POINTER", W, false, false },
	[CLAIMS_X12_MISSING_LX] = { "MISSING_LX", W, false, false },
	[CLAIMS_X12_MULTIPLE_SV_PER_LX] = { "MULTIPLE_SV_PER_LX", W, false, false },
	[CLAIMS_X12_ORPHAN_SEGMENT] = { "ORPHAN_SEGMENT", W, false, false },
	[CLAIMS_X12_HEADER_LOOP_REPEATED] = { "HEADER_LOOP_REPEATED", W, false, false },
	[CLAIMS_X12_MISSING_PAYER] = { "MISSING_PAYER", W, false, false },
	[CLAIMS_X12_PAYER_ID_FROM_TRACE] = { "PAYER_ID_FROM_TRACE", I, false, false },
	[CLAIMS_X12_PAYER_ID_MISSING] = { "PAYER_ID_MISSING", W, false, false },
	[CLAIMS_X12_CAS_INCOMPLETE_TRIPLET] = { "CAS_INCOMPLETE_TRIPLET", W, false, false },
	[CLAIMS_X12_MISSING_ORIGINAL_REFERENCE] = { "MISSING_ORIGINAL_REFERENCE", W, false, false },
	[CLAIMS_X12_ORIGINAL_CLAIM_NOT_FOUND] = { "ORIGINAL_CLAIM_NOT_FOUND", W, false, false },
	[CLAIMS_X12_CLAIM_KEY_REUSED] = { "CLAIM_KEY_REUSED", W, false, false },
	[CLAIMS_X12_BAL_837_CLAIM] = { "BAL_837_CLAIM", W, false, false },
	[CLAIMS_X12_BAL_835_CLAIM] = { "BAL_835_CLAIM", W, false, false },
	[CLAIMS_X12_BAL_835_LINE] = { "BAL_835_LINE", W, false, false },
	[CLAIMS_X12_BAL_835_SVC_PAID] = { "BAL_835_SVC_PAID", W, false, false },
	[CLAIMS_X12_BAL_835_TRANSACTION] = { "BAL_835_TRANSACTION", W, false, false },
};

#undef I
#undef W
#undef E

const struct claims__x12_code_info *
claims__x12_code_info(claims_x12_code code)
{
	if ((int)code <= 0 || (int)code >= CLAIMS_X12_CODE_COUNT || !code_table[code].name)
		return &code_table[CLAIMS_X12_CODE_NONE];
	return &code_table[code];
}

const char *
claims_x12_code_to_str(claims_x12_code code)
{
	return claims__x12_code_info(code)->name;
}

const char *
claims_x12_severity_to_str(claims_x12_severity severity)
{
	switch (severity) {
	case CLAIMS_X12_INFO: return "info";
	case CLAIMS_X12_WARNING: return "warning";
	case CLAIMS_X12_ERROR: return "error";
	}
	return "unknown";
}

const char *
claims_x12_mode_to_str(claims_x12_mode mode)
{
	switch (mode) {
	case CLAIMS_X12_TOLERANT: return "tolerant";
	case CLAIMS_X12_STRICT: return "strict";
	}
	return "unknown";
}

const char *
claims_x12_type_to_str(claims_x12_type type)
{
	switch (type) {
	case CLAIMS_X12_TYPE_NONE: return "none";
	case CLAIMS_X12_TYPE_837P: return "837P";
	case CLAIMS_X12_TYPE_837I: return "837I";
	case CLAIMS_X12_TYPE_835: return "835";
	case CLAIMS_X12_TYPE_837_PENDING: return "837";
	case CLAIMS_X12_TYPE_UNSUPPORTED: return "unsupported";
	}
	return "unknown";
}

const char *
claims_x12_event_type_to_str(claims_x12_event_type type)
{
	switch (type) {
	case CLAIMS_X12_EVENT_NONE: return "none";
	case CLAIMS_X12_EVENT_INTERCHANGE_START: return "interchange_start";
	case CLAIMS_X12_EVENT_GROUP_START: return "group_start";
	case CLAIMS_X12_EVENT_TRANSACTION_START: return "transaction_start";
	case CLAIMS_X12_EVENT_TRANSACTION_TYPE: return "transaction_type";
	case CLAIMS_X12_EVENT_SEGMENT: return "segment";
	case CLAIMS_X12_EVENT_TRANSACTION_END: return "transaction_end";
	case CLAIMS_X12_EVENT_GROUP_END: return "group_end";
	case CLAIMS_X12_EVENT_INTERCHANGE_END: return "interchange_end";
	}
	return "unknown";
}

/* ---- UTF-8 */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0; /* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/* ---- JSON */

static void
jput(claims__x12_json *j, const char *s, size_t n)
{
	/* keep room for the closing brace and NUL */
	if (j->len + n + 2 > j->cap)
		n = j->cap > j->len + 2 ? j->cap - j->len - 2 : 0;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

void
claims__x12_json_begin(claims__x12_json *j, char *buf, size_t cap)
{
	j->buf = buf;
	j->cap = cap;
	j->len = 0;
	j->fields = 0;
	if (cap >= 3)
		jput(j, "{", 1);
	else if (cap)
		buf[0] = '\0';
}

/* Start a member: the key and colon, if the whole member may fit.
 * Returns false (and writes nothing) when it cannot. */
static bool
jkey(claims__x12_json *j, const char *key, size_t need)
{
	size_t klen = strlen(key);

	if (j->len + klen + need + 8 > j->cap)
		return false;
	if (j->fields++)
		jput(j, ", ", 2);
	jput(j, "\"", 1);
	jput(j, key, klen);
	jput(j, "\": ", 3);
	return true;
}

void
claims__x12_json_int(claims__x12_json *j, const char *key, int64_t v)
{
	char num[32];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	if (jkey(j, key, (size_t)n))
		jput(j, num, (size_t)n);
}

void
claims__x12_json_cents(claims__x12_json *j, const char *key, int64_t cents)
{
	char num[40];
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;
	int n = snprintf(num, sizeof(num), "%s%" PRIu64 ".%02u", cents < 0 ? "-" : "",
			 mag / 100, (unsigned)(mag % 100));

	if (jkey(j, key, (size_t)n))
		jput(j, num, (size_t)n);
}

void
claims__x12_json_str(claims__x12_json *j, const char *key, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	if (!jkey(j, key, 2))
		return;
	jput(j, "\"", 1);
	while (i < len) {
		char esc[8];
		size_t n;
		unsigned char c = p[i];

		/* room for the longest escape, the quote, brace and NUL */
		if (j->len + 6 + 1 + 2 > j->cap)
			break;
		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			jput(j, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7F) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			jput(j, esc, 6);
			i++;
		} else if (c < 0x80) {
			jput(j, (const char *)p + i, 1);
			i++;
		} else if ((n = utf8_seq(p + i, len - i)) != 0) {
			jput(j, (const char *)p + i, n);
			i += n;
		} else {
			jput(j, "\\ufffd", 6);
			i++;
		}
	}
	/* the closing quote always fits: jkey reserved it */
	j->buf[j->len++] = '"';
	j->buf[j->len] = '\0';
}

void
claims__x12_json_num_or_str(claims__x12_json *j, const char *key, const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 18) {
		claims__x12_json_str(j, key, s, len);
		return;
	}
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			break;
	if (i < len) {
		claims__x12_json_str(j, key, s, len);
		return;
	}
	/* drop leading zeros so that the text is a JSON number */
	while (len > 1 && s[0] == '0') {
		s++;
		len--;
	}
	if (jkey(j, key, len))
		jput(j, s, len);
}

const char *
claims__x12_json_end(claims__x12_json *j)
{
	if (j->cap >= 3) {
		j->buf[j->len++] = '}';
		j->buf[j->len] = '\0';
	}
	return j->buf;
}

/* ---- message values */

const char *
claims__x12_quote(char *buf, size_t cap, const claims_x12_segment *seg, const char *v, size_t len)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t o = 0, i = 0, max = 40;

	if (!cap)
		return buf;
	if (seg && seg->patient) {
		snprintf(buf, cap, "(patient data withheld)");
		return buf;
	}
	if (cap < 8) {
		buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	while (i < len && o + 8 < cap && i < max) {
		size_t n;

		if (p[i] < 0x20 || p[i] == 0x7F) {
			buf[o++] = '?';
			i++;
		} else if (p[i] < 0x80) {
			buf[o++] = (char)p[i++];
		} else if ((n = utf8_seq(p + i, len - i)) != 0 && o + n + 8 < cap) {
			memcpy(buf + o, p + i, n);
			o += n;
			i += n;
		} else {
			buf[o++] = '?';
			i++;
		}
	}
	if (i < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* ---- delivery */

static int
deliver(claims_x12_reader *r, claims_x12_code code, const claims_x12_location *loc,
	const char *segment_id, const char *element, const char *message, const char *details)
{
	const struct claims__x12_code_info *info = claims__x12_code_info(code);
	claims_x12_issue issue;
	bool refuses;

	refuses = info->fatal || (r->opts.mode == CLAIMS_X12_STRICT && info->refuses_strict);
	issue.code = info->name;
	issue.code_id = code;
	issue.severity = info->severity;
	issue.fatal = info->fatal;
	issue.refuses_strict = info->refuses_strict;
	issue.refuses = refuses;
	issue.interchange = loc ? loc->interchange : 0;
	issue.transaction = loc ? loc->transaction : 0;
	issue.segment_index = loc ? loc->segment_index : 0;
	issue.byte_offset = loc ? loc->byte_offset : -1;
	issue.segment_id = segment_id;
	issue.element = element;
	issue.message = message;
	issue.details = details ? details : "{}";

	r->stats.issues++;
	switch (info->severity) {
	case CLAIMS_X12_ERROR: r->stats.errors++; break;
	case CLAIMS_X12_WARNING: r->stats.warnings++; break;
	case CLAIMS_X12_INFO: r->stats.infos++; break;
	}
	if (refuses && !r->stats.refused) {
		r->stats.refused = true;
		r->stats.refusal_code = code;
	}
	if (r->opts.issue_cb)
		r->opts.issue_cb(&issue, r->opts.issue_payload);

	if (info->fatal || (refuses && r->opts.stop_on_refusal))
		return claims__x12_fail(r, CLAIMS_EREFUSED);
	return CLAIMS_OK;
}

static void
copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int
claims__x12_deliver_item(claims_x12_reader *r, const struct claims__x12_item *item)
{
	return deliver(r, item->code, item->has_loc ? &item->loc : NULL,
		       item->has_segid ? item->segid : NULL,
		       item->has_element ? item->element : NULL, item->msg, item->details);
}

int
claims__x12_vreport_at(claims_x12_reader *r, claims_x12_code code, const claims_x12_location *loc,
		       const char *segment_id, const char *element, const char *details,
		       const char *fmt, va_list ap)
{
	struct claims__x12_walker *w = &r->w;
	struct claims__x12_item *item;

	if (!r->defer_issues) {
		vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
		return deliver(r, code, loc, segment_id, element, r->msg, details);
	}
	/* the walker delivers it with the events of this segment */
	assert(w->qlen < CLAIMS__X12_QUEUE);
	if (w->qlen >= CLAIMS__X12_QUEUE)
		return CLAIMS_OK;
	item = &w->queue[(w->qhead + w->qlen++) % CLAIMS__X12_QUEUE];
	item->kind = CLAIMS__X12_ITEM_ISSUE;
	item->code = code;
	item->has_loc = loc != NULL;
	if (loc)
		item->loc = *loc;
	item->has_segid = segment_id != NULL;
	copy_str(item->segid, sizeof(item->segid), segment_id ? segment_id : "");
	item->has_element = element != NULL;
	copy_str(item->element, sizeof(item->element), element ? element : "");
	copy_str(item->details, sizeof(item->details), details ? details : "{}");
	vsnprintf(item->msg, sizeof(item->msg), fmt, ap);
	return CLAIMS_OK;
}

int
claims__x12_report_at(claims_x12_reader *r, claims_x12_code code, const claims_x12_location *loc,
		      const char *segment_id, const char *element, const char *details,
		      const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = claims__x12_vreport_at(r, code, loc, segment_id, element, details, fmt, ap);
	va_end(ap);
	return rc;
}

int
claims__x12_report(claims_x12_reader *r, claims_x12_code code, const claims_x12_segment *seg,
		   const char *element, const char *details, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = claims__x12_vreport_at(r, code, seg ? &seg->loc : NULL,
				    seg && seg->id[0] ? seg->id : NULL, element, details, fmt, ap);
	va_end(ap);
	return rc;
}
