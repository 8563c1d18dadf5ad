/*
 * libclaims: streaming X12 reader (spec/x12.md §2 lexing, §3 envelopes and
 * transaction types, §4 issue records).
 *
 * One claims_x12_reader reads one file, from memory, a file descriptor or a
 * read callback, in constant memory: a fixed read buffer, a fixed element
 * table and a fixed scratch area, whatever the file size.  It offers two
 * layers over the same handle; a reader uses one of them for its whole life:
 *
 *   claims_x12_reader_next_segment()   tokenizer only: every segment of the
 *                                      file in order, with its location
 *   claims_x12_reader_next()           envelope walker: interchange / group /
 *                                      transaction events and the segments
 *                                      of each supported transaction set,
 *                                      with every §3 check
 *
 * Problems in the input are never return codes: each one is an issue
 * (claims_x12_issue) handed to the issue callback of the options, at the
 * moment it is found; the reader keeps none of them.  A return code other
 * than CLAIMS_OK means the file cannot be read further: CLAIMS_EREFUSED
 * after a fatal issue (EMPTY_FILE, FILE_TOO_LARGE, NO_ISA, BAD_ISA,
 * BAD_DELIMITERS, SEGMENT_TOO_LONG), CLAIMS_EIO when the source failed,
 * CLAIMS_ENOMEM.
 *
 * Values.  Segments and elements are (pointer, length) slices into the
 * reader's buffer (or into the caller's memory for a memory source), valid
 * until the next call on the reader.  They are not NUL-terminated and may
 * contain NUL bytes: a NUL is data.  A control byte (0x00-0x08, 0x0B, 0x0C,
 * 0x0E-0x1F, 0x7F) that is not a delimiter, and each byte of an invalid
 * UTF-8 sequence, is replaced by U+FFFD (EF BF BD) in the element slices,
 * so every element value is valid UTF-8 without control bytes, except the
 * component and repetition separators, which stay literal whatever they
 * are; the raw bytes stay available in claims_x12_segment.raw.  (In the
 * one case where the component separator is itself a byte of U+FFFD's
 * encoding, EF, BF or BD, '?' replaces instead, so that no separator is
 * invented inside a value.)
 *
 * Null in issue locations.  interchange, transaction and segment_index are
 * 1-based ordinals, 0 meaning null; byte_offset is 0-based, -1 meaning null;
 * segment_id and element are NULL when null.
 *
 * Threads.  A reader belongs to one thread at a time; different readers are
 * independent.  The *_to_str() functions are thread-safe.
 */
#ifndef CLAIMS_X12_H
#define CLAIMS_X12_H

#include "common.h"

CLAIMS_BEGIN_DECLS

/** A reader over one X12 file.  Opaque; see claims_x12_reader_new_mem(). */
typedef struct claims_x12_reader claims_x12_reader;

/** Default limits (spec/x12.md §2.3; configuration MAX_FILE_BYTES, ...). */
#define CLAIMS_X12_DEFAULT_MAX_FILE_BYTES ((int64_t)268435456)
#define CLAIMS_X12_DEFAULT_MAX_SEGMENT_BYTES ((size_t)65536)
#define CLAIMS_X12_DEFAULT_MAX_ELEMENTS ((size_t)256)
/** Smallest accepted max_segment_bytes (an ISA needs up to 200 bytes). */
#define CLAIMS_X12_MIN_SEGMENT_BYTES ((size_t)256)
/** Components returned per element by claims_x12_segment_components(). */
#define CLAIMS_X12_MAX_COMPONENTS 64
/** Default size of the read buffer of fd and callback sources. */
#define CLAIMS_X12_DEFAULT_BUFFER_SIZE ((size_t)262144)

/** Ingest modes (spec/x12.md §1). */
typedef enum claims_x12_mode {
	/** Recover where the spec says so and report an issue (default). */
	CLAIMS_X12_TOLERANT = 0,
	/** Refuse on every error issue and on the warnings marked refuse. */
	CLAIMS_X12_STRICT = 1,
} claims_x12_mode;

/** Severity of an issue. */
typedef enum claims_x12_severity {
	CLAIMS_X12_INFO = 0,
	CLAIMS_X12_WARNING = 1,
	CLAIMS_X12_ERROR = 2,
} claims_x12_severity;

/**
 * Issue codes of spec/x12.md §2-§4.  The reader raises the lexing and
 * envelope codes; the ingest mapping raises the others through the same
 * record and callback.  claims_x12_code_to_str() gives the spec's name
 * ("SE_COUNT").  Severity, fatality and strict refusal are fixed per code
 * and delivered in each claims_x12_issue.
 */
typedef enum claims_x12_code {
	CLAIMS_X12_CODE_NONE = 0,
	/* fatal: the file is refused in both modes (§2, §4) */
	CLAIMS_X12_EMPTY_FILE,
	CLAIMS_X12_FILE_TOO_LARGE,
	CLAIMS_X12_NO_ISA,
	CLAIMS_X12_BAD_ISA,
	CLAIMS_X12_BAD_DELIMITERS,
	CLAIMS_X12_SEGMENT_TOO_LONG,
	CLAIMS_X12_NO_TRANSACTIONS,
	/* lexing (§2) */
	CLAIMS_X12_PREAMBLE_SKIPPED,
	CLAIMS_X12_MISSING_ENVELOPE,
	CLAIMS_X12_DELIMITER_CONFLICT,
	CLAIMS_X12_ISA_LENGTH,
	CLAIMS_X12_BAD_SEGMENT_ID,
	CLAIMS_X12_TOO_MANY_ELEMENTS,
	CLAIMS_X12_INVALID_CHARACTER,
	CLAIMS_X12_INVALID_ENCODING,
	CLAIMS_X12_ISSUES_TRUNCATED,
	/* envelopes and types (§3) */
	CLAIMS_X12_ISA_IEA_MISMATCH,
	CLAIMS_X12_IEA_COUNT,
	CLAIMS_X12_GS_GE_MISMATCH,
	CLAIMS_X12_GE_COUNT,
	CLAIMS_X12_ST_SE_MISMATCH,
	CLAIMS_X12_SE_COUNT,
	CLAIMS_X12_MISSING_SE,
	CLAIMS_X12_MISSING_GE,
	CLAIMS_X12_MISSING_IEA,
	CLAIMS_X12_SEGMENT_OUTSIDE_ENVELOPE,
	CLAIMS_X12_DUPLICATE_CONTROL_NUMBER,
	CLAIMS_X12_UNSUPPORTED_TRANSACTION,
	CLAIMS_X12_UNKNOWN_VERSION,
	CLAIMS_X12_VERSION_MISMATCH,
	CLAIMS_X12_FUNCTIONAL_ID_MISMATCH,
	/* field mapping and balancing (§4, §8), raised by the ingest layer */
	CLAIMS_X12_MISSING_ELEMENT,
	CLAIMS_X12_INVALID_AMOUNT,
	CLAIMS_X12_AMOUNT_PRECISION,
	CLAIMS_X12_INVALID_DATE,
	CLAIMS_X12_INVALID_CODE,
	CLAIMS_X12_COMPOSITE_UNSPLIT,
	CLAIMS_X12_INVALID_NPI,
	CLAIMS_X12_INVALID_DIAGNOSIS,
	CLAIMS_X12_DIAGNOSIS_DECIMAL,
	CLAIMS_X12_MISSING_DIAGNOSIS,
	CLAIMS_X12_BAD_DIAGNOSIS_POINTER,
	CLAIMS_X12_MISSING_LX,
	CLAIMS_X12_MULTIPLE_SV_PER_LX,
	CLAIMS_X12_ORPHAN_SEGMENT,
	CLAIMS_X12_HEADER_LOOP_REPEATED,
	CLAIMS_X12_MISSING_PAYER,
	CLAIMS_X12_PAYER_ID_FROM_TRACE,
	CLAIMS_X12_PAYER_ID_MISSING,
	CLAIMS_X12_CAS_INCOMPLETE_TRIPLET,
	CLAIMS_X12_MISSING_ORIGINAL_REFERENCE,
	CLAIMS_X12_ORIGINAL_CLAIM_NOT_FOUND,
	CLAIMS_X12_CLAIM_KEY_REUSED,
	CLAIMS_X12_BAL_837_CLAIM,
	CLAIMS_X12_BAL_835_CLAIM,
	CLAIMS_X12_BAL_835_LINE,
	CLAIMS_X12_BAL_835_SVC_PAID,
	CLAIMS_X12_BAL_835_TRANSACTION,
	/** Number of codes (not a code). */
	CLAIMS_X12_CODE_COUNT
} claims_x12_code;

/**
 * One issue (spec/x12.md §4).  Every pointer is borrowed: valid only during
 * the callback that receives the issue; copy what you keep.
 */
typedef struct claims_x12_issue {
	/** The code's name, e.g. "SE_COUNT".  Static storage. */
	const char *code;
	/** The same code as an enum value. */
	claims_x12_code code_id;
	claims_x12_severity severity;
	/** Always fatal: the file is refused in both modes (reading stops). */
	bool fatal;
	/** Strict mode refuses the file on this issue (every fatal and error
	 *  code, and the warnings marked "refuse" in §2-§3). */
	bool refuses_strict;
	/** This issue refuses the file in the reader's mode: fatal, or
	 *  refuses_strict in strict mode. */
	bool refuses;
	/** 1-based ordinal of the ISA in the file; 0 = null (before the first
	 *  ISA, between IEA and ISA, or without envelope). */
	int64_t interchange;
	/** 1-based ordinal of the ST in the file; 0 = null (outside ST..SE). */
	int64_t transaction;
	/** 1-based ordinal of the segment in the file (ISA = 1 after any
	 *  preamble; empty segments are not counted); 0 = null (file-level). */
	int64_t segment_index;
	/** Offset of the segment's first byte from the start of the source
	 *  (a BOM and a preamble included); -1 = null. */
	int64_t byte_offset;
	/** Segment id, e.g. "CLP"; for BAD_SEGMENT_ID the offending id shown
	 *  with non-printable bytes as '?', at most 16 bytes; NULL = null. */
	const char *segment_id;
	/** Element position, e.g. "SE01", "CLM05-3"; NULL = null. */
	const char *element;
	/** One English sentence with the offending value.  Values of patient
	 *  segments (NM1*IL/QC/74, DMG, PAT and their N2/N3/N4/REF/PER) are
	 *  never quoted. */
	const char *message;
	/** A JSON object as text, "{}" when the code defines no details, e.g.
	 *  {"bytes": 474} for PREAMBLE_SKIPPED. */
	const char *details;
} claims_x12_issue;

/** Receives each issue as it is found; see claims_x12_issue for lifetimes. */
typedef void (*claims_x12_issue_cb)(const claims_x12_issue *issue, void *payload);

/**
 * Supplies input bytes for claims_x12_reader_new_cb().
 *
 * @param out receives the number of bytes written to @p buf; 0 means end of
 *        data (the callback is not called again)
 * @param buf where to write
 * @param len capacity of @p buf, never 0
 * @param payload the payload given to claims_x12_reader_new_cb()
 * @return CLAIMS_OK, or a negative claims_error (the reader then fails with
 *         that code; use CLAIMS_EIO for a read failure).
 */
typedef int (*claims_x12_read_cb)(size_t *out, void *buf, size_t len, void *payload);

#define CLAIMS_X12_READER_OPTIONS_VERSION 1

/** Options of the claims_x12_reader_new_*() functions.  Start from
 *  CLAIMS_X12_READER_OPTIONS_INIT. */
typedef struct claims_x12_reader_options {
	/** CLAIMS_X12_READER_OPTIONS_VERSION. */
	unsigned version;
	/** Tolerant or strict.  Default CLAIMS_X12_TOLERANT.  The mode sets
	 *  claims_x12_issue.refuses and claims_x12_stats.refused. */
	claims_x12_mode mode;
	/** Stop with CLAIMS_EREFUSED at the first issue that refuses the file
	 *  in this mode, instead of reading on to report every issue.  Fatal
	 *  issues always stop.  Default false. */
	bool stop_on_refusal;
	/** MAX_FILE_BYTES: a larger source is refused with FILE_TOO_LARGE.
	 *  Default CLAIMS_X12_DEFAULT_MAX_FILE_BYTES (256 MiB); must be > 0. */
	int64_t max_file_bytes;
	/** MAX_SEGMENT_BYTES: a segment longer than this (bytes before its
	 *  terminator) is refused with SEGMENT_TOO_LONG.  Default 65536; at
	 *  least CLAIMS_X12_MIN_SEGMENT_BYTES. */
	size_t max_segment_bytes;
	/** MAX_ELEMENTS: a segment with more data elements is skipped with
	 *  TOO_MANY_ELEMENTS.  Default 256; at least 16 (an ISA has 16). */
	size_t max_elements;
	/** Read buffer size for fd and callback sources (raised to
	 *  max_segment_bytes + 1 when smaller).  0 = the default, 256 KiB.
	 *  A memory source is read in place and has no buffer. */
	size_t buffer_size;
	/** Testing aid: the most bytes requested from the source per read, 0 =
	 *  as many as the buffer can take.  With a memory source a non-zero
	 *  value makes the reader copy through a buffer as for an fd, so that
	 *  1 puts every refill boundary inside a segment.  Default 0. */
	size_t read_chunk;
	/** Receives every issue.  Default NULL (issues are only counted). */
	claims_x12_issue_cb issue_cb;
	/** Passed to issue_cb.  Default NULL. */
	void *issue_payload;
} claims_x12_reader_options;

#define CLAIMS_X12_READER_OPTIONS_INIT                                               \
	{ CLAIMS_X12_READER_OPTIONS_VERSION, CLAIMS_X12_TOLERANT, false,             \
	  CLAIMS_X12_DEFAULT_MAX_FILE_BYTES, CLAIMS_X12_DEFAULT_MAX_SEGMENT_BYTES, \
	  CLAIMS_X12_DEFAULT_MAX_ELEMENTS, 0, 0, NULL, NULL }

/** A (pointer, length) view of bytes; not NUL-terminated.  An absent
 *  element is { "", 0 } (ptr is never NULL). */
typedef struct claims_x12_slice {
	const char *ptr;
	size_t len;
} claims_x12_slice;

/** The delimiters of the current interchange (§2.1). */
typedef struct claims_x12_delimiters {
	/** Element separator E. */
	unsigned char element;
	/** Component separator C (ISA16). */
	unsigned char component;
	/** Segment terminator T. */
	unsigned char segment;
	/** Repetition separator R (ISA11), meaningful when has_repetition. */
	unsigned char repetition;
	bool has_repetition;
} claims_x12_delimiters;

/** Where a segment is (see "Null in issue locations" above). */
typedef struct claims_x12_location {
	/** Ordinal of the enclosing ISA; 0 = none.  From next_segment(): the
	 *  ordinal of the latest ISA read. */
	int64_t interchange;
	/** Ordinal of the enclosing ST; 0 = none (always 0 from
	 *  next_segment(), which tracks no envelopes). */
	int64_t transaction;
	/** 1-based ordinal of the segment in the file. */
	int64_t segment_index;
	/** Offset of the segment's first byte in the source. */
	int64_t byte_offset;
} claims_x12_location;

/**
 * One segment.  Borrowed: valid until the next call on the reader.
 *
 * elements[0] is the segment id and elements[n] is data element n, so
 * CLM05 is elements[5]; count is 1 + the number of data elements.  ISA
 * elements are right-trimmed of space padding.  Read elements past count
 * with claims_x12_segment_element(), which gives an empty slice.
 */
typedef struct claims_x12_segment {
	/** The id as a C string when it is valid (2-3 bytes, [A-Z][A-Z0-9]{1,2}),
	 *  else "". */
	char id[4];
	/** The segment must be skipped (BAD_SEGMENT_ID or TOO_MANY_ELEMENTS was
	 *  reported).  The walker never returns such segments; it counts them
	 *  for SE01. */
	bool skipped;
	/** A patient or subscriber segment (NM1*IL/QC/74, DMG, PAT and the
	 *  N2/N3/N4/REF/PER after them): never quote its values. */
	bool patient;
	/** An element held a control byte or invalid UTF-8 (replaced by
	 *  U+FFFD in the elements; INVALID_CHARACTER / INVALID_ENCODING was
	 *  reported). */
	bool sanitized;
	const claims_x12_slice *elements;
	size_t count;
	/** The segment's bytes as read: from its first byte to before its
	 *  terminator, trailing whitespace removed (not sanitized). */
	claims_x12_slice raw;
	claims_x12_location loc;
	/** The delimiters it was split with. */
	claims_x12_delimiters delimiters;
} claims_x12_segment;

/** Transaction set types (§3.2). */
typedef enum claims_x12_type {
	CLAIMS_X12_TYPE_NONE = 0,
	/** 837 professional (005010X222, 004010X098). */
	CLAIMS_X12_TYPE_837P,
	/** 837 institutional (005010X223, 004010X096). */
	CLAIMS_X12_TYPE_837I,
	/** 835 payment advice (005010X221, 004010X091; or unknown version). */
	CLAIMS_X12_TYPE_835,
	/** An 837 of unknown version whose variant is not known yet: it
	 *  becomes 837I if the set's first service line is SV2, else 837P, and
	 *  a CLAIMS_X12_EVENT_TRANSACTION_TYPE event says which. */
	CLAIMS_X12_TYPE_837_PENDING,
	/** Anything else (999, 277, dental 837...): skipped, no segments. */
	CLAIMS_X12_TYPE_UNSUPPORTED,
} claims_x12_type;

/** The current transaction set.  Borrowed: valid until the next call. */
typedef struct claims_x12_transaction {
	/** 1-based ordinal of its ST in the file. */
	int64_t ordinal;
	/** Current type; CLAIMS_X12_TYPE_837_PENDING until resolved. */
	claims_x12_type type;
	/** ST01, ST02 and the version used (ST03, else GS08), NUL-terminated,
	 *  each cut to 63 bytes. */
	char transaction_id[64];
	char control_number[64];
	char version[64];
	/** Segments counted so far from ST (included), skipped ones included. */
	int64_t segment_count;
} claims_x12_transaction;

/** What claims_x12_reader_next() returns. */
typedef enum claims_x12_event_type {
	CLAIMS_X12_EVENT_NONE = 0,
	/** An ISA; segment = the ISA. */
	CLAIMS_X12_EVENT_INTERCHANGE_START,
	/** A GS; segment = the GS. */
	CLAIMS_X12_EVENT_GROUP_START,
	/** An ST; segment = the ST; transaction set. */
	CLAIMS_X12_EVENT_TRANSACTION_START,
	/** A pending 837 got its variant (§3.2): returned just before the
	 *  first SV1/SV2 segment event of the set, or before its
	 *  TRANSACTION_END when it has none (then 837P).  segment = that SV1,
	 *  SV2 or SE, or NULL; transaction->type is the variant. */
	CLAIMS_X12_EVENT_TRANSACTION_TYPE,
	/** A segment inside a supported transaction set (ST and SE excluded). */
	CLAIMS_X12_EVENT_SEGMENT,
	/** The set ended.  completed = closed by its SE (segment = the SE):
	 *  store it.  completed = false: MISSING_SE was reported; store nothing
	 *  of it (segment = NULL). */
	CLAIMS_X12_EVENT_TRANSACTION_END,
	/** The group ended: completed = closed by GE (segment = the GE), else
	 *  MISSING_GE was reported (segment = NULL). */
	CLAIMS_X12_EVENT_GROUP_END,
	/** The interchange ended: completed = closed by IEA (segment = the
	 *  IEA), else MISSING_IEA was reported (segment = NULL). */
	CLAIMS_X12_EVENT_INTERCHANGE_END,
} claims_x12_event_type;

/** One event of the envelope walker.  Borrowed: valid until the next call. */
typedef struct claims_x12_event {
	claims_x12_event_type type;
	/** The segment that caused the event, or NULL for an implicit end. */
	const claims_x12_segment *segment;
	/** The transaction set for TRANSACTION_* and SEGMENT events, else NULL. */
	const claims_x12_transaction *transaction;
	/** For *_END events: closed by its own trailer (see above). */
	bool completed;
} claims_x12_event;

/** Counts so far (x12.md §10 names). */
typedef struct claims_x12_stats {
	/** Bytes consumed from the source. */
	int64_t bytes;
	/** Segments read (the last segment_index). */
	int64_t segments;
	/** ISA, GS and ST segments that opened an envelope. */
	int64_t interchanges;
	int64_t groups;
	int64_t transactions;
	/** Sets not to be stored: unsupported types and sets not closed by SE. */
	int64_t transactions_skipped;
	/** Supported sets closed by their SE.  0 at the end of a file means
	 *  the caller refuses it with NO_TRANSACTIONS (§3.1). */
	int64_t transactions_completed;
	/** Sets per final type (unclosed ones included). */
	int64_t transactions_837p;
	int64_t transactions_837i;
	int64_t transactions_835;
	/** Issues reported, and those of severity error, warning, info. */
	int64_t issues;
	int64_t errors;
	int64_t warnings;
	int64_t infos;
	/** An issue refused the file in the reader's mode (see
	 *  claims_x12_issue.refuses); refusal_code is the first such code. */
	bool refused;
	claims_x12_code refusal_code;
	/** The end of the source was reached without a fatal issue. */
	bool finished;
} claims_x12_stats;

/**
 * A reader over bytes in memory, read in place (no copy).
 *
 * @param out receives the reader; NULL on failure.  Yours: release it with
 *        claims_x12_reader_free().
 * @param data the file's bytes.  Borrowed, unlike other inputs of the
 *        library (copying would defeat zero-copy reading): it must stay
 *        valid and unchanged until the reader is freed.  May be NULL when
 *        @p len is 0.
 * @param len number of bytes
 * @param opts options, or NULL for CLAIMS_X12_READER_OPTIONS_INIT; copied.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL out, NULL data with len > 0, bad
 *         options version or limits); CLAIMS_ENOMEM.
 * Thread-safety: the reader belongs to the calling thread until passed on.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_new_mem(claims_x12_reader **out,
							    const void *data, size_t len,
							    const claims_x12_reader_options *opts);

/**
 * A reader over an open file descriptor, read from its current position.
 *
 * The descriptor is not closed by the reader and must stay open until the
 * reader is freed.  A regular file larger than max_file_bytes is refused
 * before any read.  When the data starts with ST and the preamble search
 * for a later ISA (§2.1) must come back, a seekable descriptor is re-read
 * with lseek(); on a pipe the search covers the first buffer only.
 *
 * @param out receives the reader; NULL on failure.  Yours: release it with
 *        claims_x12_reader_free().
 * @param fd a readable descriptor (borrowed)
 * @param opts options, or NULL for the defaults; copied.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL out, negative fd, bad options);
 *         CLAIMS_ENOMEM.
 * Thread-safety: the reader belongs to the calling thread until passed on.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_new_fd(claims_x12_reader **out, int fd,
							   const claims_x12_reader_options *opts);

/**
 * A reader pulling its bytes from a callback (e.g. an HTTP request body).
 * Like a pipe, it cannot be re-read (see claims_x12_reader_new_fd()).
 *
 * @param out receives the reader; NULL on failure.  Yours: release it with
 *        claims_x12_reader_free().
 * @param read_cb called from claims_x12_reader_next*() for more bytes
 * @param payload passed to @p read_cb; borrowed, must outlive the reader
 * @param opts options, or NULL for the defaults; copied.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL out or read_cb, bad options);
 *         CLAIMS_ENOMEM.
 * Thread-safety: the reader belongs to the calling thread until passed on.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_new_cb(claims_x12_reader **out,
							   claims_x12_read_cb read_cb, void *payload,
							   const claims_x12_reader_options *opts);

/** Release a reader (not its source).  NULL is accepted. */
CLAIMS_API void claims_x12_reader_free(claims_x12_reader *reader);

/**
 * The next segment of the file (tokenizer layer, §2).
 *
 * Every non-empty segment comes back in file order, skipped ones too (with
 * skipped = true), envelope segments included; no §3 check is made.  The
 * lexing issues (PREAMBLE_SKIPPED, MISSING_ENVELOPE, ISA_LENGTH,
 * DELIMITER_CONFLICT, BAD_SEGMENT_ID, TOO_MANY_ELEMENTS,
 * INVALID_CHARACTER, INVALID_ENCODING and the fatal ones) go to the issue
 * callback during the call that returns the segment they are about.
 *
 * @param out receives the segment, or NULL at the end of the data.
 *        Borrowed: valid until the next call on the reader.
 * @param reader the reader; it must not have been used with
 *        claims_x12_reader_next().
 * @return CLAIMS_OK (also at the end); CLAIMS_EREFUSED (a fatal issue was
 *         reported, or, with stop_on_refusal, a refusing one; later calls
 *         return it again); CLAIMS_EIO; CLAIMS_ENOMEM; CLAIMS_EINVAL (NULL
 *         argument or the reader was used with claims_x12_reader_next()).
 * Thread-safety: one thread at a time per reader.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_next_segment(const claims_x12_segment **out,
								 claims_x12_reader *reader);

/**
 * The next envelope event (envelope walker, §3).
 *
 * Events come in nesting order: INTERCHANGE_START, GROUP_START,
 * TRANSACTION_START, [TRANSACTION_TYPE], SEGMENT..., TRANSACTION_END,
 * GROUP_END, INTERCHANGE_END.  Every START gets its END, implicit ones
 * (completed = false) included, also at the end of the data.  A file
 * without envelope (MISSING_ENVELOPE) gives transaction events only.
 * SEGMENT events come only for supported sets (837P, 837I, 835, pending
 * 837); unsupported sets give START and END only.  Segments outside their
 * envelope, skipped segments and stray trailers give no event.
 *
 * Issues: each issue reaches the callback during the call that returns
 * the event it is about, just before that event is returned: MISSING_SE
 * before the incomplete TRANSACTION_END, MISSING_GE before the incomplete
 * GROUP_END, SE_COUNT and ST_SE_MISMATCH before the completed
 * TRANSACTION_END, the type issues before TRANSACTION_START, the
 * INVALID_CHARACTER of a CLM before that CLM's SEGMENT event.  Issues about
 * segments that give no event (skipped, outside their envelope) come in
 * the call that returns the next event (or the final NULL).  Each issue's
 * location says which segment and set it is about.
 *
 * @param out receives the event, or NULL at the end of the data (after
 *        the last implicit END).  Borrowed: valid until the next call.
 * @param reader the reader; it must not have been used with
 *        claims_x12_reader_next_segment().
 * @return CLAIMS_OK (also at the end); CLAIMS_EREFUSED (fatal issue, or a
 *         refusing one with stop_on_refusal); CLAIMS_EIO; CLAIMS_ENOMEM;
 *         CLAIMS_EINVAL (NULL argument or the wrong layer).
 * Thread-safety: one thread at a time per reader.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_next(const claims_x12_event **out,
							 claims_x12_reader *reader);

/**
 * The reader's counts so far; final once next() returned NULL.
 *
 * @param out receives a copy of the counts
 * @param reader the reader
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument).
 * Thread-safety: one thread at a time per reader.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_reader_stats(claims_x12_stats *out,
							  const claims_x12_reader *reader);

/**
 * Element @p n of a segment (0 = the id); an empty slice when absent.
 * Borrowed like the segment.  Thread-safe for a segment nobody changes.
 */
CLAIMS_API claims_x12_slice claims_x12_segment_element(const claims_x12_segment *segment,
						       size_t n);

/**
 * Split element @p n of a segment on the component separator C.  Call it
 * only for composite elements (the mapping decides which those are).
 *
 * @param out array of CLAIMS_X12_MAX_COMPONENTS slices that receives the
 *        components (component k of CLM05 in out[k - 1]); the 64th holds
 *        the rest of the element unsplit when there are more.  Borrowed
 *        like the segment.
 * @param count receives the number of components: 0 when the element is
 *        absent or empty, else 1 or more.
 * @param segment the segment
 * @param n element position, 1-based
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL argument).
 * Thread-safety: thread-safe for a segment nobody changes.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_x12_segment_components(claims_x12_slice *out,
								size_t *count,
								const claims_x12_segment *segment,
								size_t n);

/** True when @p slice holds exactly the bytes of the C string @p s (false
 *  for NULL).  Thread-safe. */
CLAIMS_API bool claims_x12_slice_eq(claims_x12_slice slice, const char *s);

/** "SE_COUNT", ...; "UNKNOWN" for other values.  Static.  Thread-safe. */
CLAIMS_API const char *claims_x12_code_to_str(claims_x12_code code);

/** "info", "warning", "error"; "unknown" otherwise.  Static.  Thread-safe. */
CLAIMS_API const char *claims_x12_severity_to_str(claims_x12_severity severity);

/** "tolerant", "strict"; "unknown" otherwise.  Static.  Thread-safe. */
CLAIMS_API const char *claims_x12_mode_to_str(claims_x12_mode mode);

/** "837P", "837I", "835", "837" (pending), "unsupported", "none"; "unknown"
 *  otherwise.  Static.  Thread-safe. */
CLAIMS_API const char *claims_x12_type_to_str(claims_x12_type type);

/** "interchange_start", ..., "segment", ...; "unknown" otherwise.  Static.
 *  Thread-safe. */
CLAIMS_API const char *claims_x12_event_type_to_str(claims_x12_event_type type);

CLAIMS_END_DECLS

#endif /* CLAIMS_X12_H */
