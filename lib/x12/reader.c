/*
 * libclaims: the X12 tokenizer (spec/x12.md §2).
 *
 * Bytes come from memory (read in place, no copy) or through a fixed read
 * buffer of at least max_segment_bytes + 1 bytes (fd, callback, or memory
 * with read_chunk set).  The buffer never grows: a segment is complete in
 * the buffer once its terminator is found, after moving its first bytes to
 * the front when a refill is needed; a segment that cannot be complete in
 * max_segment_bytes is the fatal SEGMENT_TOO_LONG.
 *
 * Finding the first ISA (§2.1): skip a BOM and whitespace; "ISA" there is
 * the header.  Otherwise search the data for a candidate "ISA" followed by
 * a byte that is neither alphanumeric nor whitespace and whose 16 element
 * separators lie within 200 bytes; the bytes before it are a preamble
 * (PREAMBLE_SKIPPED, counted from the first byte after the BOM and
 * whitespace).  Without one, data starting with ST + a non-alphanumeric
 * byte is read with default delimiters (MISSING_ENVELOPE): the search has
 * then gone through the whole file, so the reader goes back to the start
 * of the data (in memory, or lseek() on a seekable fd; a pipe or callback
 * source searches its first buffer only and never discards it).
 *
 * Delimiters (§2.1 step 3): E is the byte after "ISA"; the byte after the
 * 16th E is C and the byte after C is T, all within the first 200 bytes of
 * the ISA, so 105- and 122-byte ISAs work.  Every segment that starts with
 * "ISA" + a non-alphanumeric, non-whitespace byte is a new ISA and its
 * delimiters are read again.
 *
 * Splitting (§2.2): memchr() finds T (limited to max_segment_bytes + 1
 * bytes); one pass with a 256-byte class table then splits on E and notes
 * whether any byte is a control byte or >= 0x80.  Only such segments take
 * the slow path, which copies the affected elements into a fixed scratch
 * area (3 bytes per input byte at most) with control bytes and invalid
 * UTF-8 replaced by U+FFFD.  Delimiter bytes are never replaced.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "x12_internal.h"

#define ISA_SCAN_BYTES 200
#define ISA_STANDARD_LENGTH 106

static inline bool
is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline bool
is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* ---- construction */

static int
check_options(claims_x12_reader_options *o, const claims_x12_reader_options *in)
{
	static const claims_x12_reader_options defaults = CLAIMS_X12_READER_OPTIONS_INIT;

	*o = in ? *in : defaults;
	if (o->version != CLAIMS_X12_READER_OPTIONS_VERSION)
		return CLAIMS_EINVAL;
	if (o->mode != CLAIMS_X12_TOLERANT && o->mode != CLAIMS_X12_STRICT)
		return CLAIMS_EINVAL;
	if (o->max_file_bytes <= 0)
		return CLAIMS_EINVAL;
	if (o->max_segment_bytes < CLAIMS_X12_MIN_SEGMENT_BYTES ||
	    o->max_segment_bytes > ((size_t)1 << 28))
		return CLAIMS_EINVAL;
	if (o->max_elements < 16 || o->max_elements > ((size_t)1 << 20))
		return CLAIMS_EINVAL;
	if (o->buffer_size == 0)
		o->buffer_size = CLAIMS_X12_DEFAULT_BUFFER_SIZE;
	if (o->buffer_size < o->max_segment_bytes + 1)
		o->buffer_size = o->max_segment_bytes + 1;
	if (o->buffer_size > ((size_t)1 << 30))
		return CLAIMS_EINVAL;
	return CLAIMS_OK;
}

static int
reader_new(claims_x12_reader **out, const claims_x12_reader_options *opts,
	   enum claims__x12_src src, bool buffered)
{
	claims_x12_reader *r = NULL;
	int rc;

	*out = NULL;
	r = claims__calloc(1, sizeof(*r));
	if (!r)
		return CLAIMS_ENOMEM;
	rc = check_options(&r->opts, opts);
	if (rc)
		goto out;
	r->src = src;
	r->fd = -1;
	r->state = CLAIMS__X12_ST_START;
	r->stats.refusal_code = CLAIMS_X12_CODE_NONE;
	rc = CLAIMS_ENOMEM;
	r->elems = claims__calloc(r->opts.max_elements + 1, sizeof(*r->elems));
	r->ctrl_count = claims__calloc(r->opts.max_elements + 1, sizeof(*r->ctrl_count));
	r->ctrl_first = claims__calloc(r->opts.max_elements + 1, 1);
	if (!r->elems || !r->ctrl_count || !r->ctrl_first)
		goto out;
	if (buffered) {
		r->cap = r->opts.buffer_size;
		r->own_buf = claims__malloc(r->cap);
		if (!r->own_buf)
			goto out;
		r->buf = r->own_buf;
	}
	r->seg.elements = r->elems;
	*out = r;
	return CLAIMS_OK;
out:
	claims_x12_reader_free(r);
	return rc;
}

int
claims_x12_reader_new_mem(claims_x12_reader **out, const void *data, size_t len,
			  const claims_x12_reader_options *opts)
{
	claims_x12_reader *r;
	bool buffered;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!data && len)
		return CLAIMS_EINVAL;
	buffered = opts && opts->read_chunk != 0;
	rc = reader_new(&r, opts, CLAIMS__X12_SRC_MEM, buffered);
	if (rc)
		return rc;
	r->mem = data ? data : (const unsigned char *)"";
	r->mem_len = len;
	if (!buffered) {
		/* read in place: the whole input is the buffer */
		r->buf = (unsigned char *)(uintptr_t)r->mem;
		r->cap = len;
		r->end = len;
		r->eof = true;
	}
	*out = r;
	return CLAIMS_OK;
}

int
claims_x12_reader_new_fd(claims_x12_reader **out, int fd, const claims_x12_reader_options *opts)
{
	claims_x12_reader *r;
	off_t at;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (fd < 0)
		return CLAIMS_EINVAL;
	rc = reader_new(&r, opts, CLAIMS__X12_SRC_FD, true);
	if (rc)
		return rc;
	r->fd = fd;
	at = lseek(fd, 0, SEEK_CUR);
	r->fd_seekable = at >= 0;
	r->fd_start = at >= 0 ? (int64_t)at : 0;
	*out = r;
	return CLAIMS_OK;
}

int
claims_x12_reader_new_cb(claims_x12_reader **out, claims_x12_read_cb read_cb, void *payload,
			 const claims_x12_reader_options *opts)
{
	claims_x12_reader *r;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!read_cb)
		return CLAIMS_EINVAL;
	rc = reader_new(&r, opts, CLAIMS__X12_SRC_CB, true);
	if (rc)
		return rc;
	r->read_cb = read_cb;
	r->read_payload = payload;
	*out = r;
	return CLAIMS_OK;
}

void
claims_x12_reader_free(claims_x12_reader *r)
{
	if (!r)
		return;
	claims__x12_walker_free(&r->w);
	claims__free(r->own_buf);
	claims__free(r->scratch);
	claims__free(r->elems);
	claims__free(r->ctrl_count);
	claims__free(r->ctrl_first);
	claims__free(r);
}

int
claims_x12_reader_stats(claims_x12_stats *out, const claims_x12_reader *r)
{
	if (!out || !r)
		return CLAIMS_EINVAL;
	*out = r->stats;
	return CLAIMS_OK;
}

/* ---- the buffer */

static int
file_too_large(claims_x12_reader *r)
{
	claims__x12_json j;

	claims__x12_json_begin(&j, r->details, sizeof(r->details));
	claims__x12_json_int(&j, "max_bytes", r->opts.max_file_bytes);
	claims__x12_json_end(&j);
	return claims__x12_report_at(r, CLAIMS_X12_FILE_TOO_LARGE, NULL, NULL, NULL, r->details,
				     "The file is larger than the limit of %" PRId64 " bytes",
				     r->opts.max_file_bytes);
}

/* Read more bytes into buf[end, cap).  Sets eof at the end of the data. */
static int
fill(claims_x12_reader *r)
{
	size_t want = r->cap - r->end, got = 0;
	int64_t limit;
	int rc;

	if (r->eof || want == 0)
		return CLAIMS_OK;
	if (r->opts.read_chunk && want > r->opts.read_chunk)
		want = r->opts.read_chunk;
	/* never read more than one byte past the file limit */
	limit = r->opts.max_file_bytes + 1 - (r->base + (int64_t)r->end);
	if (limit < 1)
		limit = 1;
	if ((uint64_t)want > (uint64_t)limit)
		want = (size_t)limit;

	switch (r->src) {
	case CLAIMS__X12_SRC_MEM:
		got = r->mem_len - r->mem_pos;
		if (got > want)
			got = want;
		memcpy(r->buf + r->end, r->mem + r->mem_pos, got);
		r->mem_pos += got;
		break;
	case CLAIMS__X12_SRC_FD:
		for (;;) {
			ssize_t n = read(r->fd, r->buf + r->end, want);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return claims__x12_fail(r, CLAIMS_EIO);
			got = (size_t)n;
			break;
		}
		break;
	case CLAIMS__X12_SRC_CB:
		rc = r->read_cb(&got, r->buf + r->end, want, r->read_payload);
		if (rc < 0)
			return claims__x12_fail(r, rc);
		if (got > want)
			return claims__x12_fail(r, CLAIMS_EIO);
		break;
	}
	if (got == 0) {
		r->eof = true;
		return CLAIMS_OK;
	}
	r->end += got;
	if (r->base + (int64_t)r->end > r->opts.max_file_bytes)
		return file_too_large(r);
	return CLAIMS_OK;
}

/* Drop the bytes before @p keep (a buffered source only). */
static void
compact(claims_x12_reader *r, size_t keep)
{
	if (!r->own_buf || keep == 0)
		return;
	memmove(r->buf, r->buf + keep, r->end - keep);
	r->base += (int64_t)keep;
	r->end -= keep;
	r->pos -= keep;
}

/* Make @p n bytes available from pos, unless the data ends first. */
static int
ensure(claims_x12_reader *r, size_t n)
{
	while (r->end - r->pos < n && !r->eof) {
		int rc;

		if (r->end == r->cap) {
			if (r->pos == 0)
				return CLAIMS_OK;
			compact(r, r->pos);
		}
		rc = fill(r);
		if (rc)
			return rc;
	}
	return CLAIMS_OK;
}

/* Go back to source offset @p at (only called when the source can). */
static int
rewind_to(claims_x12_reader *r, int64_t at)
{
	if (!r->own_buf) {
		r->pos = (size_t)at; /* in place: base is 0 */
		return CLAIMS_OK;
	}
	if (r->src == CLAIMS__X12_SRC_MEM) {
		r->mem_pos = (size_t)at;
	} else {
		if (lseek(r->fd, (off_t)(r->fd_start + at), SEEK_SET) < 0)
			return claims__x12_fail(r, CLAIMS_EIO);
	}
	r->base = at;
	r->pos = 0;
	r->end = 0;
	r->eof = false;
	return CLAIMS_OK;
}

/* ---- delimiters */

static void
build_classes(claims_x12_reader *r)
{
	const claims_x12_delimiters *d = &r->delims;

	for (int b = 0; b < 256; b++) {
		unsigned char k = 0;

		if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7F)
			k = CLAIMS__X12_CLS_CTRL;
		else if (b >= 0x80)
			k = CLAIMS__X12_CLS_HIGH;
		r->cls[b] = k;
	}
	/* C and R stay literal in values (components are split on request).
	 * T keeps its class: it only occurs inside a segment within the
	 * positionally read ISA, where it is data like any other byte. */
	r->cls[d->component] = 0;
	if (d->has_repetition)
		r->cls[d->repetition] = 0;
	r->cls[d->element] = CLAIMS__X12_CLS_ELEMENT;
	if (d->component == 0xEF || d->component == 0xBF || d->component == 0xBD) {
		r->repl[0] = '?';
		r->repl_len = 1;
	} else {
		r->repl[0] = 0xEF;
		r->repl[1] = 0xBF;
		r->repl[2] = 0xBD;
		r->repl_len = 3;
	}
}

/* §2.1 step 3 on the ISA at p (avail bytes there): its length from I to T
 * inclusive, or 0 when 16 separators, C and T are not within 200 bytes. */
static size_t
isa_scan(const unsigned char *p, size_t avail, unsigned char *e, unsigned char *c,
	 unsigned char *t)
{
	size_t lim = avail < ISA_SCAN_BYTES ? avail : ISA_SCAN_BYTES;
	size_t i, n = 0;
	unsigned char sep;

	if (lim < 4)
		return 0;
	sep = p[3];
	for (i = 3; i < lim; i++)
		if (p[i] == sep && ++n == 16)
			break;
	if (n < 16 || i + 2 >= lim)
		return 0;
	*e = sep;
	*c = p[i + 1];
	*t = p[i + 2];
	return i + 3;
}

/* §2.1 step 5. */
static bool
delimiters_ok(unsigned char e, unsigned char c, unsigned char t)
{
	if (e == c || e == t || c == t)
		return false;
	if (is_alnum(e) || is_alnum(c) || is_alnum(t))
		return false;
	if (is_ws(e) || is_ws(c) || e == '\v' || e == '\f' || c == '\v' || c == '\f')
		return false;
	if (t == ' ' || t == '\t')
		return false;
	return true;
}

static const char *
byte_name(char *buf, size_t cap, unsigned char b)
{
	if (b >= 0x21 && b < 0x7F)
		snprintf(buf, cap, "\"%c\"", b);
	else
		snprintf(buf, cap, "0x%02X", b);
	return buf;
}

static int
bad_delimiters(claims_x12_reader *r, const claims_x12_location *loc, const char *segid,
	       unsigned char e, unsigned char c, unsigned char t)
{
	claims__x12_json j;
	char be[8], bc[8], bt[8];
	char se[2] = { (char)e, 0 }, sc[2] = { (char)c, 0 }, st[2] = { (char)t, 0 };

	claims__x12_json_begin(&j, r->details, sizeof(r->details));
	claims__x12_json_str(&j, "element", se, 1);
	claims__x12_json_str(&j, "component", sc, 1);
	claims__x12_json_str(&j, "segment", st, 1);
	claims__x12_json_end(&j);
	return claims__x12_report_at(r, CLAIMS_X12_BAD_DELIMITERS, loc, segid, NULL, r->details,
				     "Delimiters element %s, component %s, segment %s are not usable",
				     byte_name(be, sizeof(be), e), byte_name(bc, sizeof(bc), c),
				     byte_name(bt, sizeof(bt), t));
}

/* ---- the first ISA */

static int
find_header(claims_x12_reader *r)
{
	int64_t data_start;
	bool st_start, can_rewind, discard;
	size_t i;
	int rc;

	if (r->src == CLAIMS__X12_SRC_MEM && (int64_t)r->mem_len > r->opts.max_file_bytes)
		return file_too_large(r);
	if (r->src == CLAIMS__X12_SRC_FD) {
		struct stat st;

		if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    (int64_t)st.st_size - r->fd_start > r->opts.max_file_bytes)
			return file_too_large(r);
	}

	/* step 1: BOM, then whitespace */
	rc = ensure(r, 3);
	if (rc)
		return rc;
	if (r->end - r->pos >= 3 && r->buf[r->pos] == 0xEF && r->buf[r->pos + 1] == 0xBB &&
	    r->buf[r->pos + 2] == 0xBF)
		r->pos += 3;
	for (;;) {
		while (r->pos < r->end && is_ws(r->buf[r->pos]))
			r->pos++;
		if (r->pos < r->end)
			break;
		if (r->eof)
			return claims__x12_report_at(r, CLAIMS_X12_EMPTY_FILE, NULL, NULL, NULL, NULL,
						     "The file is empty");
		compact(r, r->pos);
		rc = fill(r);
		if (rc)
			return rc;
	}

	/* step 2 */
	rc = ensure(r, 4);
	if (rc)
		return rc;
	if (r->end - r->pos >= 3 && memcmp(r->buf + r->pos, "ISA", 3) == 0) {
		r->force_isa = true;
		r->state = CLAIMS__X12_ST_BODY;
		return CLAIMS_OK;
	}

	data_start = r->base + (int64_t)r->pos;
	st_start = r->end - r->pos >= 3 && r->buf[r->pos] == 'S' && r->buf[r->pos + 1] == 'T' &&
		   !is_alnum(r->buf[r->pos + 2]);
	can_rewind = r->src == CLAIMS__X12_SRC_MEM ||
		     (r->src == CLAIMS__X12_SRC_FD && r->fd_seekable);
	/* a preamble is dropped as the search goes, unless it may be the
	 * data itself (ST first) and the source cannot be read again */
	discard = !st_start || can_rewind;

	i = r->pos;
	for (;;) {
		const unsigned char *q = NULL;
		unsigned char e, c, t;
		size_t cand;

		if (i < r->end)
			q = memchr(r->buf + i, 'I', r->end - i);
		if (!q) {
			if (r->eof)
				break;
			if (discard) {
				r->pos = r->end;
				compact(r, r->pos);
				i = r->pos;
			} else if (r->end == r->cap) {
				break; /* the window is full: search no further */
			} else {
				i = r->end;
			}
			rc = fill(r);
			if (rc)
				return rc;
			continue;
		}
		cand = (size_t)(q - r->buf);
		/* up to 200 bytes from the candidate */
		if (discard)
			r->pos = cand;
		while (r->end - cand < ISA_SCAN_BYTES && !r->eof) {
			if (r->end == r->cap) {
				size_t shift = r->pos;

				if (!discard || shift == 0)
					break;
				compact(r, r->pos);
				cand -= shift;
			}
			rc = fill(r);
			if (rc)
				return rc;
		}
		if (r->end - cand >= 4 && r->buf[cand + 1] == 'S' && r->buf[cand + 2] == 'A' &&
		    !is_alnum(r->buf[cand + 3]) && !is_ws(r->buf[cand + 3]) &&
		    isa_scan(r->buf + cand, r->end - cand, &e, &c, &t)) {
			int64_t n = r->base + (int64_t)cand - data_start;
			claims_x12_location loc = { 0, 0, 0, data_start };
			claims__x12_json j;

			r->pos = cand;
			r->force_isa = true;
			r->state = CLAIMS__X12_ST_BODY;
			claims__x12_json_begin(&j, r->details, sizeof(r->details));
			claims__x12_json_int(&j, "bytes", n);
			claims__x12_json_end(&j);
			return claims__x12_report_at(r, CLAIMS_X12_PREAMBLE_SKIPPED, &loc, NULL, NULL,
						     r->details,
						     "Skipped %" PRId64 " bytes before the ISA segment", n);
		}
		i = cand + 1;
	}

	if (!st_start)
		return claims__x12_report_at(r, CLAIMS_X12_NO_ISA, NULL, NULL, NULL, NULL,
					     "No ISA segment was found, so the delimiters are unknown");

	/* MISSING_ENVELOPE: back to the ST, default delimiters */
	if (can_rewind) {
		rc = rewind_to(r, data_start);
		if (rc)
			return rc;
	}
	rc = ensure(r, r->opts.max_segment_bytes);
	if (rc)
		return rc;
	{
		size_t avail = r->end - r->pos, lim = r->opts.max_segment_bytes;
		claims_x12_location loc = { 0, 0, 0, data_start };
		unsigned char e, c = ':', t;

		if (avail < 3)
			return claims__x12_report_at(r, CLAIMS_X12_NO_ISA, NULL, NULL, NULL, NULL,
						     "No ISA segment was found, so the delimiters are unknown");
		e = r->buf[r->pos + 2];
		if (lim > avail)
			lim = avail;
		t = memchr(r->buf + r->pos, '~', lim) ? '~' : '\n';
		if (!delimiters_ok(e, c, t))
			return bad_delimiters(r, &loc, NULL, e, c, t);
		r->delims.element = e;
		r->delims.component = c;
		r->delims.segment = t;
		r->delims.repetition = 0;
		r->delims.has_repetition = false;
		build_classes(r);
		r->no_envelope = true;
		r->state = CLAIMS__X12_ST_BODY;
		return claims__x12_report_at(r, CLAIMS_X12_MISSING_ENVELOPE, &loc, NULL, NULL, NULL,
					     "No ISA/GS envelope: read from the ST segment with the default delimiters");
	}
}

/* ---- splitting */

/* SWAR helpers over 8 bytes: a word with 0x80 in each byte that is
 * E, below 0x20, or 0x7F and above.  Exact; HT, LF, CR and the delimiters
 * C, T, R among them are sorted out by the class table. */
#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)
#define LOWS UINT64_C(0x7F7F7F7F7F7F7F7F)

static inline uint64_t
special_bytes(uint64_t x, uint64_t e_pattern)
{
	uint64_t y = x ^ e_pattern;
	uint64_t eq = ~(((y & LOWS) + LOWS) | y | LOWS);
	uint64_t lt = ~((x & LOWS) + ONES * 0x60) & ~x & HIGHS;
	uint64_t ge = (((x & LOWS) + ONES) | x) & HIGHS;

	return eq | lt | ge;
}

/* Split p[0, len) on E into r->elems; returns the element count (id
 * included) and ORs the classes of the other bytes seen into *flags. */
static size_t
split(claims_x12_reader *r, const unsigned char *p, size_t len, unsigned *flags)
{
	const unsigned char *cls = r->cls;
	claims_x12_slice *el = r->elems;
	const size_t max = r->opts.max_elements;
	const unsigned char *s = p, *e = p + len, *start = p;
	size_t n = 0, extra = 0;
	unsigned f = 0;

#define SPLIT_BYTE(b_ptr)                                                  \
	do {                                                               \
		unsigned k_ = cls[*(b_ptr)];                               \
		if (k_ == CLAIMS__X12_CLS_ELEMENT) {                       \
			if (n < max) {                                     \
				el[n].ptr = (const char *)start;           \
				el[n].len = (size_t)((b_ptr) - start);     \
				n++;                                       \
				start = (b_ptr) + 1;                       \
			} else {                                           \
				extra++;                                   \
			}                                                  \
		} else {                                                   \
			f |= k_;                                           \
		}                                                          \
	} while (0)

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	{
		const uint64_t ep = ONES * r->delims.element;

		while ((size_t)(e - s) >= 8) {
			uint64_t x, m;

			memcpy(&x, s, 8);
			m = special_bytes(x, ep);
			while (m) {
				const unsigned char *b = s + (__builtin_ctzll(m) >> 3);

				SPLIT_BYTE(b);
				m &= m - 1;
			}
			s += 8;
		}
	}
#endif
	for (; s < e; s++)
		if (cls[*s])
			SPLIT_BYTE(s);
#undef SPLIT_BYTE
	el[n].ptr = (const char *)start;
	el[n].len = (size_t)(e - start);
	r->diag.elements_seen = n + extra;
	r->diag.too_many = extra > 0;
	*flags = f;
	return n + 1;
}

/* Length of the valid UTF-8 sequence at s whose continuation bytes are
 * not delimiters, or 0. */
static size_t
utf8_len(const unsigned char *cls, const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t need;

	if (c >= 0xC2 && c <= 0xDF)
		need = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t k = 1; k < need; k++)
		if ((s[k] & 0xC0) != 0x80 || cls[s[k]] != CLAIMS__X12_CLS_HIGH)
			return 0;
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90))
		return 0;
	return need;
}

/* The slow path: rewrite the elements holding control bytes or bytes
 * >= 0x80 into scratch, replacing each control byte and each byte of
 * invalid UTF-8 by U+FFFD. */
static int
sanitize(claims_x12_reader *r, size_t count)
{
	const unsigned char *cls = r->cls;
	const unsigned char *repl = r->repl;
	const size_t repl_len = r->repl_len;
	size_t o = 0;

	if (!r->scratch) {
		r->scratch_cap = 3 * r->opts.max_segment_bytes + 16;
		r->scratch = claims__malloc(r->scratch_cap);
		if (!r->scratch)
			return claims__x12_fail(r, CLAIMS_ENOMEM);
	}
	for (size_t k = 0; k < count; k++) {
		const unsigned char *s = (const unsigned char *)r->elems[k].ptr;
		size_t len = r->elems[k].len, i = 0, start;

		while (i < len && !(cls[s[i]] & (CLAIMS__X12_CLS_CTRL | CLAIMS__X12_CLS_HIGH)))
			i++;
		if (i == len)
			continue;
		start = o;
		memcpy(r->scratch + o, s, i);
		o += i;
		while (i < len) {
			unsigned char b = s[i];
			unsigned k2 = cls[b];
			size_t n;

			if (k2 & CLAIMS__X12_CLS_CTRL) {
				if (r->ctrl_count[k]++ == 0)
					r->ctrl_first[k] = b;
				r->diag.ctrl = true;
				memcpy(r->scratch + o, repl, repl_len);
				o += repl_len;
				i++;
			} else if ((k2 & CLAIMS__X12_CLS_HIGH) && (n = utf8_len(cls, s + i, len - i)) != 0) {
				memcpy(r->scratch + o, s + i, n);
				o += n;
				i += n;
			} else if (k2 & CLAIMS__X12_CLS_HIGH) {
				if (!r->diag.utf8) {
					r->diag.utf8 = true;
					r->diag.utf8_element = k;
				}
				r->diag.utf8_bytes++;
				memcpy(r->scratch + o, repl, repl_len);
				o += repl_len;
				i++;
			} else {
				r->scratch[o++] = (char)b;
				i++;
			}
		}
		r->elems[k].ptr = r->scratch + start;
		r->elems[k].len = o - start;
	}
	r->seg.sanitized = true;
	return CLAIMS_OK;
}

static void
set_id(claims_x12_reader *r)
{
	static const unsigned char id_char[256] = {
		['0'] = 2, ['1'] = 2, ['2'] = 2, ['3'] = 2, ['4'] = 2,
		['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
		['A'] = 3, ['B'] = 3, ['C'] = 3, ['D'] = 3, ['E'] = 3, ['F'] = 3, ['G'] = 3,
		['H'] = 3, ['I'] = 3, ['J'] = 3, ['K'] = 3, ['L'] = 3, ['M'] = 3, ['N'] = 3,
		['O'] = 3, ['P'] = 3, ['Q'] = 3, ['R'] = 3, ['S'] = 3, ['T'] = 3, ['U'] = 3,
		['V'] = 3, ['W'] = 3, ['X'] = 3, ['Y'] = 3, ['Z'] = 3,
	};
	const claims_x12_slice *id = &r->elems[0];
	const unsigned char *p = (const unsigned char *)id->ptr;
	bool ok = (id->len == 2 || id->len == 3) && (id_char[p[0]] & 1) && id_char[p[1]] &&
		  (id->len == 2 || id_char[p[2]]);

	if (ok) {
		r->seg.id[0] = (char)p[0];
		r->seg.id[1] = (char)p[1];
		r->seg.id[2] = id->len == 3 ? (char)p[2] : '\0';
		r->seg.id[3] = '\0';
		r->id_code = CLAIMS__X12_ID(p[0], p[1], id->len == 3 ? p[2] : 0);
	} else {
		r->seg.id[0] = '\0';
		r->id_code = 0;
	}
	r->diag.bad_id = !ok;
}

/* Patient segments (x12.md §4 message rule): NM1*IL/QC/74, DMG, PAT, and
 * the N2/N3/N4/REF/PER that follow them. */
static void
set_patient(claims_x12_reader *r)
{
	bool p;

	switch (r->id_code) {
	case CLAIMS__X12_ID('N', 'M', '1'): {
		const claims_x12_slice *q = r->seg.count > 1 ? &r->elems[1] : NULL;

		p = q && q->len == 2 &&
		    (memcmp(q->ptr, "IL", 2) == 0 || memcmp(q->ptr, "QC", 2) == 0 ||
		     memcmp(q->ptr, "74", 2) == 0);
		r->patient_ctx = p;
		break;
	}
	case CLAIMS__X12_ID('D', 'M', 'G'):
	case CLAIMS__X12_ID('P', 'A', 'T'):
		p = r->patient_ctx = true;
		break;
	case CLAIMS__X12_ID('N', '2', 0):
	case CLAIMS__X12_ID('N', '3', 0):
	case CLAIMS__X12_ID('N', '4', 0):
	case CLAIMS__X12_ID('R', 'E', 'F'):
	case CLAIMS__X12_ID('P', 'E', 'R'):
		p = r->patient_ctx;
		break;
	default:
		p = r->patient_ctx = false;
		break;
	}
	r->seg.patient = p;
}

/* Fill r->seg from the bytes p[0, len): split, id, sanitise. */
static int
make_segment(claims_x12_reader *r, const unsigned char *p, size_t len, int64_t offset)
{
	unsigned flags = 0;
	size_t count;
	int rc;

	r->diag.is_isa = false;
	r->diag.bad_id = false;
	r->diag.ctrl = false;
	r->diag.utf8 = false;
	r->diag.utf8_bytes = 0;
	r->seg.sanitized = false;

	count = split(r, p, len, &flags);
	r->seg.count = count;
	r->seg.raw.ptr = (const char *)p;
	r->seg.raw.len = len;
	r->seg.delimiters = r->delims;
	r->seg.loc.segment_index = ++r->seg_count;
	r->seg.loc.byte_offset = offset;
	r->seg.loc.interchange =
		r->layer == CLAIMS__X12_LAYER_SEGMENTS ? r->isa_count : r->loc_interchange;
	r->seg.loc.transaction = r->loc_transaction;
	set_id(r);
	r->seg.skipped = r->diag.bad_id || r->diag.too_many;
	if (flags && !r->seg.skipped) {
		memset(r->ctrl_count, 0, count * sizeof(*r->ctrl_count));
		rc = sanitize(r, count);
		if (rc)
			return rc;
	}
	if (!r->seg.skipped)
		set_patient(r);
	else
		r->seg.patient = r->patient_ctx = false;
	return CLAIMS_OK;
}

/* The ISA at pos: 1 when read into r->seg, 0 when it is not one and may
 * be read as an ordinary segment (without envelope only), or an error. */
static int
parse_isa(claims_x12_reader *r)
{
	claims_x12_location loc;
	const unsigned char *p;
	unsigned char e, c, t;
	size_t len, avail;
	int rc;

	rc = ensure(r, ISA_SCAN_BYTES);
	if (rc)
		return rc;
	p = r->buf + r->pos;
	avail = r->end - r->pos;
	loc.interchange = r->layer == CLAIMS__X12_LAYER_SEGMENTS ? r->isa_count : r->loc_interchange;
	loc.transaction = r->loc_transaction;
	loc.segment_index = r->seg_count + 1;
	loc.byte_offset = r->base + (int64_t)r->pos;
	len = isa_scan(p, avail, &e, &c, &t);
	if (!len) {
		if (r->no_envelope && !r->force_isa)
			return 0;
		return claims__x12_report_at(r, CLAIMS_X12_BAD_ISA, &loc, "ISA", NULL, NULL,
					     "The ISA segment does not have 16 element separators, a component separator and a segment terminator within 200 bytes");
	}
	if (!delimiters_ok(e, c, t))
		return bad_delimiters(r, &loc, "ISA", e, c, t);

	r->force_isa = false;
	r->no_envelope = false;
	r->delims.element = e;
	r->delims.component = c;
	r->delims.segment = t;
	r->delims.has_repetition = false;
	r->delims.repetition = 0;
	r->diag.conflict = 0;
	r->diag.conflict_byte = 0;
	r->isa_count++;
	build_classes(r);

	/* step 6: ISA11 is the repetition separator from 00501 on */
	{
		unsigned flags;
		size_t count = split(r, p, len - 1, &flags);
		const claims_x12_slice *i11 = &r->elems[11], *i12 = &r->elems[12];
		unsigned long version = 0;
		bool digits = count > 12 && i12->len > 0;

		for (size_t k = 0; digits && k < i12->len; k++) {
			unsigned char d = (unsigned char)i12->ptr[k];

			if (d == ' ')
				break; /* padding */
			if (d < '0' || d > '9' || version > 99999999UL)
				digits = false;
			else
				version = version * 10 + (unsigned long)(d - '0');
		}
		if (digits && version >= 501 && i11->len == 1) {
			unsigned char rb = (unsigned char)i11->ptr[0];

			if (!is_alnum(rb) && rb != ' ') {
				if (rb == e || rb == c || rb == t) {
					r->diag.conflict = rb == e ? 'E' : rb == c ? 'C' : 'T';
					r->diag.conflict_byte = rb;
				} else {
					r->delims.repetition = rb;
					r->delims.has_repetition = true;
					build_classes(r);
				}
			}
		}
	}

	rc = make_segment(r, p, len - 1, r->base + (int64_t)r->pos);
	if (rc)
		return rc;
	r->seg.loc.interchange = r->isa_count;
	r->diag.is_isa = true;
	r->diag.isa_length = len == ISA_STANDARD_LENGTH ? 0 : (int)len;
	/* ISA fields are right-trimmed of their padding */
	for (size_t k = 1; k < r->seg.count; k++)
		while (r->elems[k].len > 0 && r->elems[k].ptr[r->elems[k].len - 1] == ' ')
			r->elems[k].len--;
	r->pos += len;
	return 1;
}

int
claims__x12_scan(claims_x12_segment **out, claims_x12_reader *r)
{
	const size_t max = r->opts.max_segment_bytes;
	int rc;

	*out = NULL;
	if (r->state == CLAIMS__X12_ST_FAILED)
		return r->fail_rc;
	if (r->state == CLAIMS__X12_ST_EOF)
		return CLAIMS_OK;
	if (r->state == CLAIMS__X12_ST_START) {
		rc = find_header(r);
		if (rc)
			return rc;
		if (r->state == CLAIMS__X12_ST_FAILED)
			return r->fail_rc;
	}
	r->diag.isa_length = 0;
	r->diag.conflict = 0;

	for (;;) {
		const unsigned char t = r->delims.segment;
		const unsigned char *q = NULL;
		size_t scanned = 0, seg_end, next, len;
		int64_t offset;

		/* whitespace after T, and empty segments */
		for (;;) {
			while (r->pos < r->end && (is_ws(r->buf[r->pos]) || r->buf[r->pos] == t))
				r->pos++;
			if (r->pos < r->end)
				break;
			if (r->eof) {
				r->state = CLAIMS__X12_ST_EOF;
				r->stats.bytes = r->base + (int64_t)r->end;
				return CLAIMS_OK;
			}
			compact(r, r->pos);
			rc = fill(r);
			if (rc)
				return rc;
		}

		if (r->buf[r->pos] == 'I') {
			rc = ensure(r, 4);
			if (rc)
				return rc;
			if (r->end - r->pos >= 4 && r->buf[r->pos + 1] == 'S' &&
			    r->buf[r->pos + 2] == 'A' &&
			    (r->force_isa ||
			     (!is_alnum(r->buf[r->pos + 3]) && !is_ws(r->buf[r->pos + 3])))) {
				rc = parse_isa(r);
				if (rc < 0)
					return rc;
				if (rc == 1) {
					r->stats.bytes = r->base + (int64_t)r->pos;
					r->stats.segments = r->seg_count;
					*out = &r->seg;
					return CLAIMS_OK;
				}
			}
		}

		/* the terminator, within max + 1 bytes */
		for (;;) {
			size_t avail = r->end - r->pos;
			size_t lim = avail < max + 1 ? avail : max + 1;

			if (scanned < lim)
				q = memchr(r->buf + r->pos + scanned, t, lim - scanned);
			if (q) {
				seg_end = (size_t)(q - r->buf);
				next = seg_end + 1;
				break;
			}
			scanned = lim;
			if (lim > max || (r->eof && avail > max)) {
				claims_x12_location loc = { r->loc_interchange, r->loc_transaction,
							    r->seg_count + 1,
							    r->base + (int64_t)r->pos };
				claims__x12_json j;

				if (r->layer == CLAIMS__X12_LAYER_SEGMENTS)
					loc.interchange = r->isa_count;
				claims__x12_json_begin(&j, r->details, sizeof(r->details));
				claims__x12_json_int(&j, "max_bytes", (int64_t)max);
				claims__x12_json_end(&j);
				return claims__x12_report_at(r, CLAIMS_X12_SEGMENT_TOO_LONG, &loc, NULL,
							     NULL, r->details,
							     "A segment is longer than %zu bytes (wrong segment terminator?)",
							     max);
			}
			if (r->eof) {
				seg_end = r->end;
				next = r->end;
				break;
			}
			if (r->end == r->cap)
				compact(r, r->pos);
			rc = fill(r);
			if (rc)
				return rc;
		}

		len = seg_end - r->pos;
		while (len > 0 && is_ws(r->buf[r->pos + len - 1]))
			len--;
		offset = r->base + (int64_t)r->pos;
		rc = make_segment(r, r->buf + r->pos, len, offset);
		if (rc)
			return rc;
		r->pos = next;
		r->stats.bytes = r->base + (int64_t)r->pos;
		r->stats.segments = r->seg_count;
		*out = &r->seg;
		return CLAIMS_OK;
	}
}

/* ---- per-segment issues */

static const char *
element_name(claims_x12_reader *r, const claims_x12_segment *seg, size_t k)
{
	snprintf(r->element_buf, sizeof(r->element_buf), "%s%02zu", seg->id, k);
	return r->element_buf;
}

int
claims__x12_segment_issues(claims_x12_reader *r, const claims_x12_segment *seg)
{
	struct claims__x12_diag *d = &r->diag;
	claims__x12_json j;
	int rc;

	if (d->isa_length) {
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_int(&j, "length", d->isa_length);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_ISA_LENGTH, seg, NULL, r->details,
					"The ISA segment is %d bytes long instead of 106",
					d->isa_length);
		if (rc)
			return rc;
	}
	if (d->conflict) {
		const char *with = d->conflict == 'E' ? "element" :
				   d->conflict == 'C' ? "component" : "segment";
		char b[2] = { (char)d->conflict_byte, 0 }, name[8];

		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "repetition", b, 1);
		claims__x12_json_str(&j, "conflicts_with", with, strlen(with));
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_DELIMITER_CONFLICT, seg, "ISA11", r->details,
					"ISA11 repetition separator %s is also the %s separator; no repetition separator is used",
					byte_name(name, sizeof(name), d->conflict_byte), with);
		if (rc)
			return rc;
	}
	if (d->bad_id) {
		const claims_x12_slice *id = &seg->elements[0];
		size_t n = id->len < 16 ? id->len : 16;
		char shown[24];

		for (size_t i = 0; i < n; i++) {
			unsigned char b = (unsigned char)id->ptr[i];

			shown[i] = b >= 0x20 && b < 0x7F ? (char)b : '?';
		}
		shown[n] = '\0';
		memcpy(r->segid_buf, shown, n + 1);
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_str(&j, "segment_id", shown, n);
		claims__x12_json_end(&j);
		rc = claims__x12_report_at(r, CLAIMS_X12_BAD_SEGMENT_ID, &seg->loc,
					   n ? r->segid_buf : NULL, NULL, r->details,
					   n ? "Segment id \"%s%s\" is not 2-3 upper-case letters or digits; segment skipped"
					     : "Segment id is empty%s%s; segment skipped",
					   shown, id->len > n ? "..." : "");
		return rc;
	}
	if (d->too_many) {
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_int(&j, "elements", (int64_t)d->elements_seen);
		claims__x12_json_int(&j, "max_elements", (int64_t)r->opts.max_elements);
		claims__x12_json_end(&j);
		return claims__x12_report(r, CLAIMS_X12_TOO_MANY_ELEMENTS, seg, NULL, r->details,
					  "%s segment has %zu elements, more than the limit of %zu; segment skipped",
					  seg->id, d->elements_seen, r->opts.max_elements);
	}
	if (d->ctrl) {
		for (size_t k = 1; k < seg->count; k++) {
			uint32_t n = r->ctrl_count[k];

			if (!n)
				continue;
			claims__x12_json_begin(&j, r->details, sizeof(r->details));
			claims__x12_json_int(&j, "count", n);
			claims__x12_json_int(&j, "first_byte", r->ctrl_first[k]);
			claims__x12_json_end(&j);
			rc = claims__x12_report(r, CLAIMS_X12_INVALID_CHARACTER, seg,
						element_name(r, seg, k), r->details,
						"%s holds %" PRIu32 " control byte%s (first 0x%02X), replaced by U+FFFD",
						r->element_buf, n, n == 1 ? "" : "s", r->ctrl_first[k]);
			if (rc)
				return rc;
		}
	}
	if (d->utf8) {
		claims__x12_json_begin(&j, r->details, sizeof(r->details));
		claims__x12_json_int(&j, "bytes", (int64_t)d->utf8_bytes);
		claims__x12_json_end(&j);
		rc = claims__x12_report(r, CLAIMS_X12_INVALID_ENCODING, seg,
					element_name(r, seg, d->utf8_element), r->details,
					"%s segment has %zu byte%s of invalid UTF-8 (first in %s), replaced by U+FFFD",
					seg->id, d->utf8_bytes, d->utf8_bytes == 1 ? "" : "s",
					r->element_buf);
		if (rc)
			return rc;
	}
	return CLAIMS_OK;
}

/* ---- the tokenizer layer */

int
claims_x12_reader_next_segment(const claims_x12_segment **out, claims_x12_reader *r)
{
	claims_x12_segment *seg;
	int rc;

	if (!out)
		return CLAIMS_EINVAL;
	*out = NULL;
	if (!r || r->layer == CLAIMS__X12_LAYER_EVENTS)
		return CLAIMS_EINVAL;
	r->layer = CLAIMS__X12_LAYER_SEGMENTS;
	rc = claims__x12_scan(&seg, r);
	if (rc)
		return rc;
	if (!seg) {
		r->stats.finished = true;
		return CLAIMS_OK;
	}
	rc = claims__x12_segment_issues(r, seg);
	if (rc)
		return rc;
	*out = seg;
	return CLAIMS_OK;
}

/* ---- element access */

claims_x12_slice
claims_x12_segment_element(const claims_x12_segment *seg, size_t n)
{
	claims_x12_slice empty = { "", 0 };

	if (!seg || n >= seg->count)
		return empty;
	return seg->elements[n];
}

int
claims_x12_segment_components(claims_x12_slice *out, size_t *count,
			      const claims_x12_segment *seg, size_t n)
{
	const char *p, *e;
	size_t k = 0;
	unsigned char c;

	if (!out || !count || !seg)
		return CLAIMS_EINVAL;
	*count = 0;
	if (n == 0 || n >= seg->count || seg->elements[n].len == 0)
		return CLAIMS_OK;
	c = seg->delimiters.component;
	p = seg->elements[n].ptr;
	e = p + seg->elements[n].len;
	while (k < CLAIMS_X12_MAX_COMPONENTS - 1) {
		const char *q = memchr(p, c, (size_t)(e - p));

		if (!q)
			break;
		out[k].ptr = p;
		out[k].len = (size_t)(q - p);
		k++;
		p = q + 1;
	}
	out[k].ptr = p;
	out[k].len = (size_t)(e - p);
	*count = k + 1;
	return CLAIMS_OK;
}

bool
claims_x12_slice_eq(claims_x12_slice slice, const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return slice.len == n && (n == 0 || memcmp(slice.ptr, s, n) == 0);
}
