/* libclaims: bump arena, byte buffer, segment re-serialisation, SHA-256 hex. */
#include "config.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "internal.h"
#include "arena.h"

struct claims__arena_chunk {
	struct claims__arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

void
claims__arena_init(struct claims__arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size ? chunk_size : 16384;
}

void
claims__arena_reset(struct claims__arena *a)
{
	struct claims__arena_chunk *c, *next;

	if (!a->head)
		return;
	/* Keep the oldest chunk (the last in the list), free the rest. */
	for (c = a->head; c->next; c = next) {
		next = c->next;
		claims__free(c);
	}
	c->used = 0;
	a->head = c;
}

void
claims__arena_free(struct claims__arena *a)
{
	struct claims__arena_chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		claims__free(c);
	}
	a->head = NULL;
}

void *
claims__arena_alloc(struct claims__arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	struct claims__arena_chunk *c = a->head;
	size_t need = (n + align - 1) & ~(align - 1);
	void *p;

	if (need == 0)
		need = align;
	if (!c || c->size - c->used < need) {
		size_t size = need > a->chunk_size ? need : a->chunk_size;

		c = claims__malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->size = size;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	memset(p, 0, n);
	return p;
}

char *
claims__arena_strndup(struct claims__arena *a, const char *s, size_t n)
{
	char *p = claims__arena_alloc(a, n + 1);

	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *
claims__arena_grow(struct claims__arena *a, void *old, size_t old_n, size_t new_n, size_t elem)
{
	void *p = claims__arena_alloc(a, new_n * elem);

	if (p && old && old_n)
		memcpy(p, old, old_n * elem);
	return p;
}

void
claims__buf_append(struct claims__buf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = claims__realloc(b->data, cap);
		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
claims__buf_putc(struct claims__buf *b, char c)
{
	claims__buf_append(b, &c, 1);
}

void
claims__buf_reset(struct claims__buf *b)
{
	b->len = 0;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

void
claims__buf_free(struct claims__buf *b)
{
	claims__free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

char *
claims__buf_take(struct claims__buf *b)
{
	char *data = b->oom ? NULL : b->data;

	if (b->oom)
		claims__free(b->data);
	if (!data && !b->oom)
		data = claims__strdup(""); /* nothing appended yet */
	b->data = NULL;
	b->len = b->cap = 0;
	b->oom = false;
	return data;
}

void
claims__buf_segment(struct claims__buf *b, const claims_x12_segment *seg)
{
	const unsigned char E = seg->delimiters.element, C = seg->delimiters.component;
	const unsigned char R = seg->delimiters.repetition;
	const bool has_r = seg->delimiters.has_repetition;
	const char *p = seg->raw.ptr, *end = seg->raw.ptr + seg->raw.len;
	size_t keep;

	/* Drop trailing empty elements: trailing element separators. */
	while (end > p && (unsigned char)end[-1] == E)
		end--;
	keep = (size_t)(end - p);
	/* Copy runs of ordinary bytes at once; map the separators in between. */
	for (size_t i = 0, run = 0; i <= keep; i++) {
		unsigned char c = i < keep ? (unsigned char)p[i] : 0;
		char mapped;

		if (i < keep && c != E && c != C && !(has_r && c == R))
			continue;
		claims__buf_append(b, p + run, i - run);
		run = i + 1;
		if (i == keep)
			break;
		mapped = c == E ? '*' : c == C ? ':' : '^';
		claims__buf_putc(b, mapped);
	}
	claims__buf_putc(b, '~');
}

void
claims__sha256_hex(char out[static 65], const void *data, size_t n)
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, data, n);
	sodium_bin2hex(out, 65, h, sizeof(h));
}
