/*
 * Fuzz target: the X12 reader (tokenizer and envelope walker).
 *
 * The last byte of the input chooses the options (mode, stop on refusal,
 * small limits, read chunk size); the whole input is the file.  Each input
 * is read three times:
 *   1. events from memory in place,
 *   2. events through a buffer in small reads (every refill boundary),
 *   3. segments only (the tokenizer layer), in small reads.
 * Runs 1 and 2 must agree exactly (events, segments, elements, issues),
 * and every element must be valid UTF-8 without control bytes other than
 * the delimiters; any difference aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <claims/claims.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct digest {
	uint64_t h;
	uint64_t issues;
};

static void
mix(struct digest *d, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		d->h ^= b[i];
		d->h *= 1099511628211ULL;
	}
}

static void
mix_u64(struct digest *d, uint64_t v)
{
	mix(d, &v, sizeof(v));
}

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* Length of the valid UTF-8 sequence at p (n bytes), or 0. */
static size_t
utf8_at(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 :
		      c >= 0xF0 && c <= 0xF4 ? 4 : 0;

	if (!need || n < need)
		return 0;
	for (size_t k = 1; k < need; k++)
		if ((p[k] & 0xC0) != 0x80)
			return 0;
	if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
	    (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
		return 0;
	return need;
}

/* Elements are valid UTF-8 and hold no control byte except the component
 * and repetition separators (delimiters stay literal). */
static void
check_value(const claims_x12_segment *seg, claims_x12_slice v)
{
	const unsigned char *p = (const unsigned char *)v.ptr;
	size_t i = 0, n;

	check(v.ptr != NULL);
	while (i < v.len) {
		unsigned char c = p[i];

		if (c >= 0x80 && (n = utf8_at(p + i, v.len - i)) != 0) {
			i += n;
			continue;
		}
		if (c == seg->delimiters.component ||
		    (seg->delimiters.has_repetition && c == seg->delimiters.repetition)) {
			i++;
			continue;
		}
		check(c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F));
		i++;
	}
}

/* Sanitising invents and loses no component separator: element k holds
 * as many C bytes as element k of the raw segment, and splitting gives
 * one component more (up to the limit). */
static void
check_components(const claims_x12_segment *seg, size_t k, size_t n)
{
	const unsigned char c = seg->delimiters.component, e = seg->delimiters.element;
	const unsigned char *raw = (const unsigned char *)seg->raw.ptr;
	size_t in_value = 0, in_raw = 0, idx = 0;

	for (size_t i = 0; i < seg->elements[k].len; i++)
		in_value += (unsigned char)seg->elements[k].ptr[i] == c;
	for (size_t i = 0; i < seg->raw.len; i++) {
		if (raw[i] == e)
			idx++;
		else if (idx == k && raw[i] == c)
			in_raw++;
	}
	check(in_value == in_raw);
	check(n == (seg->elements[k].len ? in_value + 1 : 0) ||
	      (n == CLAIMS_X12_MAX_COMPONENTS && in_value + 1 > n));
}

static void
digest_segment(struct digest *d, const claims_x12_segment *seg)
{
	claims_x12_slice comp[CLAIMS_X12_MAX_COMPONENTS];

	check(seg->count >= 1);
	mix_u64(d, (uint64_t)seg->loc.segment_index);
	mix_u64(d, (uint64_t)seg->loc.byte_offset);
	mix_u64(d, (uint64_t)seg->loc.interchange);
	mix_u64(d, (uint64_t)seg->loc.transaction);
	mix(d, seg->id, strlen(seg->id));
	mix(d, &seg->delimiters, sizeof(seg->delimiters));
	mix_u64(d, (uint64_t)seg->skipped << 2 | (uint64_t)seg->patient << 1 | seg->sanitized);
	mix(d, seg->raw.ptr, seg->raw.len);
	for (size_t k = 0; k < seg->count; k++) {
		size_t n = 0;

		mix_u64(d, seg->elements[k].len);
		mix(d, seg->elements[k].ptr, seg->elements[k].len);
		if (seg->skipped || k == 0)
			continue;
		check_value(seg, seg->elements[k]);
		check(claims_x12_segment_components(comp, &n, seg, k) == CLAIMS_OK);
		check(n <= CLAIMS_X12_MAX_COMPONENTS);
		check(n == 0 ? seg->elements[k].len == 0 : 1);
		check_components(seg, k, n);
	}
	if (!seg->skipped) {
		check(strlen(seg->id) >= 2 && strlen(seg->id) <= 3);
		check(claims_x12_slice_eq(seg->elements[0], seg->id));
	}
}

static void
on_issue(const claims_x12_issue *is, void *payload)
{
	struct digest *d = payload;

	check(is->code && is->message && is->details);
	check(is->details[0] == '{' && is->details[strlen(is->details) - 1] == '}');
	check(strcmp(is->code, claims_x12_code_to_str(is->code_id)) == 0);
	check(is->byte_offset >= -1 && is->segment_index >= 0);
	check(!is->fatal || is->refuses);
	mix(d, is->code, strlen(is->code));
	mix(d, is->message, strlen(is->message));
	mix(d, is->details, strlen(is->details));
	if (is->element)
		mix(d, is->element, strlen(is->element));
	if (is->segment_id)
		mix(d, is->segment_id, strlen(is->segment_id));
	mix_u64(d, (uint64_t)is->interchange);
	mix_u64(d, (uint64_t)is->transaction);
	mix_u64(d, (uint64_t)is->segment_index);
	mix_u64(d, (uint64_t)is->byte_offset);
	d->issues++;
}

static int
walk(struct digest *d, const uint8_t *data, size_t size, const claims_x12_reader_options *base,
     size_t chunk, claims_x12_stats *stats)
{
	claims_x12_reader_options o = *base;
	claims_x12_reader *r = NULL;
	const claims_x12_event *ev;
	int rc, depth_ich = 0, depth_grp = 0, depth_txn = 0;

	o.read_chunk = chunk;
	o.issue_cb = on_issue;
	o.issue_payload = d;
	if (claims_x12_reader_new_mem(&r, data, size, &o) != CLAIMS_OK)
		abort();
	while ((rc = claims_x12_reader_next(&ev, r)) == CLAIMS_OK && ev) {
		mix_u64(d, (uint64_t)ev->type);
		mix_u64(d, ev->completed);
		if (ev->segment)
			digest_segment(d, ev->segment);
		if (ev->transaction) {
			mix_u64(d, (uint64_t)ev->transaction->ordinal);
			mix_u64(d, (uint64_t)ev->transaction->type);
			mix(d, ev->transaction->control_number, strlen(ev->transaction->control_number));
		}
		switch (ev->type) {
		case CLAIMS_X12_EVENT_INTERCHANGE_START: depth_ich++; break;
		case CLAIMS_X12_EVENT_INTERCHANGE_END: depth_ich--; break;
		case CLAIMS_X12_EVENT_GROUP_START: depth_grp++; break;
		case CLAIMS_X12_EVENT_GROUP_END: depth_grp--; break;
		case CLAIMS_X12_EVENT_TRANSACTION_START: depth_txn++; break;
		case CLAIMS_X12_EVENT_TRANSACTION_END: depth_txn--; break;
		case CLAIMS_X12_EVENT_SEGMENT:
			check(depth_txn == 1 && !ev->segment->skipped);
			break;
		default:
			break;
		}
		check(depth_ich >= 0 && depth_ich <= 1 && depth_grp >= 0 && depth_grp <= 1 &&
		      depth_txn >= 0 && depth_txn <= 1);
	}
	mix_u64(d, (uint64_t)(int64_t)rc);
	/* every START got its END */
	if (rc == CLAIMS_OK)
		check(depth_ich == 0 && depth_grp == 0 && depth_txn == 0);
	check(claims_x12_reader_stats(stats, r) == CLAIMS_OK);
	check(stats->issues == (int64_t)d->issues);
	check(stats->transactions ==
	      stats->transactions_skipped + stats->transactions_completed || rc != CLAIMS_OK);
	claims_x12_reader_free(r);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	claims_x12_reader_options o = CLAIMS_X12_READER_OPTIONS_INIT;
	unsigned cfg = size ? data[size - 1] : 0;
	static const size_t chunks[4] = { 1, 3, 7, 64 };
	struct digest a = { 1469598103934665603ULL, 0 }, b = { 1469598103934665603ULL, 0 };
	claims_x12_stats sa, sb;
	int ra, rb;

	o.mode = (cfg & 1) ? CLAIMS_X12_STRICT : CLAIMS_X12_TOLERANT;
	o.stop_on_refusal = (cfg & 2) != 0;
	if (cfg & 4)
		o.max_segment_bytes = CLAIMS_X12_MIN_SEGMENT_BYTES;
	if (cfg & 8)
		o.max_elements = 16;
	if ((cfg & 0x30) == 0x30)
		o.max_file_bytes = (int64_t)(size / 2 + 1);

	ra = walk(&a, data, size, &o, 0, &sa);
	rb = walk(&b, data, size, &o, chunks[(cfg >> 6) & 3], &sb);
	check(ra == rb);
	check(a.h == b.h && a.issues == b.issues);
	check(memcmp(&sa, &sb, sizeof(sa)) == 0);

	/* the tokenizer layer over the same bytes */
	{
		claims_x12_reader *r = NULL;
		const claims_x12_segment *seg;
		struct digest c = { 0, 0 };
		int64_t last = 0;
		int rc;

		o.read_chunk = chunks[(cfg >> 4) & 3];
		o.issue_cb = on_issue;
		o.issue_payload = &c;
		if (claims_x12_reader_new_mem(&r, data, size, &o) != CLAIMS_OK)
			abort();
		while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg) {
			digest_segment(&c, seg);
			check(seg->loc.segment_index == last + 1);
			check(seg->loc.byte_offset >= 0 && (size_t)seg->loc.byte_offset < size);
			check(seg->raw.len <= o.max_segment_bytes);
			last = seg->loc.segment_index;
		}
		/* the walker sees the same segments */
		if (rc == CLAIMS_OK && ra == CLAIMS_OK)
			check(last == sa.segments);
		claims_x12_reader_free(r);
	}
	return 0;
}
