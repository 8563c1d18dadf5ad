/*
 * libclaims internal: a bump arena for records and a growable byte buffer.
 *
 * The mappings build each claim or claim payment in an arena and reset it
 * when the record has been handed on, so memory depends on the largest
 * record, not on the file.
 */
#ifndef CLAIMS_INGEST_ARENA_H
#define CLAIMS_INGEST_ARENA_H

#include <stdbool.h>
#include <stddef.h>

#include "claims/x12.h"

struct claims__arena_chunk;

struct claims__arena {
	struct claims__arena_chunk *head; /* chunk in use; older ones follow */
	size_t chunk_size;                /* default size of a new chunk */
};

/* An empty arena (no memory until the first allocation). */
void claims__arena_init(struct claims__arena *a, size_t chunk_size);
/* Forget every allocation, keeping the first chunk for reuse. */
void claims__arena_reset(struct claims__arena *a);
void claims__arena_free(struct claims__arena *a);

/* Zeroed memory aligned for any type; NULL when out of memory. */
void *claims__arena_alloc(struct claims__arena *a, size_t n);
/* A NUL-terminated copy of n bytes; NULL when out of memory. */
char *claims__arena_strndup(struct claims__arena *a, const char *s, size_t n);
/* Grow an array allocated in the arena (the old copy is abandoned). */
void *claims__arena_grow(struct claims__arena *a, void *old, size_t old_n, size_t new_n,
			 size_t elem);

/* A growable byte buffer (heap). */
struct claims__buf {
	char *data;
	size_t len, cap;
	bool oom; /* an append failed; the contents are incomplete */
};

void claims__buf_append(struct claims__buf *b, const void *p, size_t n);
void claims__buf_putc(struct claims__buf *b, char c);
void claims__buf_reset(struct claims__buf *b);
void claims__buf_free(struct claims__buf *b);
/* Hand the contents over (the caller claims__free()s them), or NULL after a
 * failed append; the buffer is left empty either way. */
char *claims__buf_take(struct claims__buf *b);

/*
 * Append a segment re-serialised with '*' ':' '^' '~' (the segment's own
 * component and repetition separators mapped to ':' and '^'), trailing empty
 * elements dropped, raw bytes (not the sanitized elements) so the hash sees
 * what was sent.  Used for content hashes and raw_edi (x12.md §9.2).
 */
void claims__buf_segment(struct claims__buf *b, const claims_x12_segment *seg);

/* SHA-256 of n bytes as 64 lower-case hex characters + NUL. */
void claims__sha256_hex(char out[static 65], const void *data, size_t n);

#endif
