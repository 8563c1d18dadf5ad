/*
 * libclaims: raw EDI encrypted at rest (crypt.h, spec/security.md §5).
 *
 * The writer keeps the chunk it is filling until more bytes arrive, so the
 * last chunk (even a full one) is the one sealed with TAG_FINAL and every
 * other chunk holds exactly 65536 bytes.  The reader relies on that shape:
 * it reads sealed chunks of 65553 bytes; a shorter read is the stream's
 * last chunk and must carry TAG_FINAL; after TAG_FINAL the source must be
 * at its end.  Everything else (a chunk that does not authenticate under
 * this key and additional data, a missing final chunk, trailing bytes, an
 * unknown tag, a bad head) is CLAIMS_EDECRYPT, and no byte of a chunk that
 * failed is ever handed out.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "crypt.h"
#include "internal.h"

uint64_t
claims__crypt_sealed_size(uint64_t n)
{
	uint64_t chunks = n == 0 ? 1 : (n + CLAIMS__CRYPT_CHUNK - 1) / CLAIMS__CRYPT_CHUNK;

	return CLAIMS__CRYPT_HEAD_BYTES + n + chunks * CLAIMS__CRYPT_ABYTES;
}

int64_t
claims__crypt_plain_size(uint64_t sealed)
{
	uint64_t body, chunks, last;

	if (sealed < CLAIMS__CRYPT_HEAD_BYTES + CLAIMS__CRYPT_ABYTES || sealed > (uint64_t)INT64_MAX)
		return -1;
	body = sealed - CLAIMS__CRYPT_HEAD_BYTES;
	chunks = (body + CLAIMS__CRYPT_SEALED_CHUNK - 1) / CLAIMS__CRYPT_SEALED_CHUNK;
	last = body - (chunks - 1) * CLAIMS__CRYPT_SEALED_CHUNK;
	if (last < CLAIMS__CRYPT_ABYTES)
		return -1;
	return (int64_t)(body - chunks * CLAIMS__CRYPT_ABYTES);
}

/* ------------------------------------------------------------ writing */

int
claims__crypt_writer_init(struct claims__crypt_writer *w, const unsigned char *key, const char *ad,
			  claims__crypt_sink sink, void *payload)
{
	unsigned char head[CLAIMS__CRYPT_HEAD_BYTES];
	int rc;

	memset(w, 0, sizeof(*w));
	w->ad = ad;
	w->ad_len = strlen(ad);
	w->sink = sink;
	w->payload = payload;
	w->plain = claims__malloc(CLAIMS__CRYPT_CHUNK);
	w->sealed = claims__malloc(CLAIMS__CRYPT_SEALED_CHUNK);
	if (!w->plain || !w->sealed)
		return CLAIMS_ENOMEM;
	memcpy(head, CLAIMS__CRYPT_MAGIC, CLAIMS__CRYPT_MAGIC_BYTES);
	crypto_secretstream_xchacha20poly1305_init_push(&w->st, head + CLAIMS__CRYPT_MAGIC_BYTES, key);
	rc = sink(head, sizeof(head), payload);
	return rc < 0 ? rc : CLAIMS_OK;
}

static int
push_chunk(struct claims__crypt_writer *w, unsigned char tag)
{
	unsigned long long clen = 0;

	crypto_secretstream_xchacha20poly1305_push(&w->st, w->sealed, &clen, w->plain, w->have,
						   (const unsigned char *)w->ad, w->ad_len, tag);
	w->have = 0;
	return w->sink(w->sealed, (size_t)clen, w->payload);
}

int
claims__crypt_writer_write(struct claims__crypt_writer *w, const void *data, size_t len)
{
	const unsigned char *p = data;

	if (w->finished)
		return CLAIMS_EINVAL;
	while (len > 0) {
		size_t k;

		if (w->have == CLAIMS__CRYPT_CHUNK) {
			/* More bytes follow: the full chunk is not the last. */
			int rc = push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);

			if (rc < 0)
				return rc;
		}
		k = CLAIMS__CRYPT_CHUNK - w->have < len ? CLAIMS__CRYPT_CHUNK - w->have : len;
		memcpy(w->plain + w->have, p, k);
		w->have += k;
		p += k;
		len -= k;
	}
	return CLAIMS_OK;
}

int
claims__crypt_writer_finish(struct claims__crypt_writer *w)
{
	if (w->finished)
		return CLAIMS_EINVAL;
	w->finished = true;
	return push_chunk(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

void
claims__crypt_writer_clear(struct claims__crypt_writer *w)
{
	if (w->plain) {
		sodium_memzero(w->plain, CLAIMS__CRYPT_CHUNK);
		claims__free(w->plain);
	}
	claims__free(w->sealed);
	sodium_memzero(w, sizeof(*w));
}

/* ------------------------------------------------------------ reading */

static int
reader_fail(struct claims__crypt_reader *r, int code, const char *why)
{
	r->err = code;
	r->why = why;
	r->off = r->len = 0;
	if (r->plain)
		sodium_memzero(r->plain, CLAIMS__CRYPT_CHUNK);
	return code;
}

/* Fill @p buf with up to @p want bytes of the source; fewer only at its end. */
static int
fill(struct claims__crypt_reader *r, unsigned char *buf, size_t want, size_t *got)
{
	*got = 0;
	while (*got < want) {
		size_t n = 0;
		int rc = r->source(buf + *got, want - *got, &n, r->payload);

		if (rc < 0)
			return rc;
		if (n == 0)
			break;
		*got += n;
	}
	return CLAIMS_OK;
}

int
claims__crypt_reader_init(struct claims__crypt_reader *r, const unsigned char *key, const char *ad,
			  claims__crypt_source source, void *payload)
{
	unsigned char head[CLAIMS__CRYPT_HEAD_BYTES];
	size_t got;
	int rc;

	memset(r, 0, sizeof(*r));
	r->ad = ad;
	r->ad_len = strlen(ad);
	r->source = source;
	r->payload = payload;
	r->plain = claims__malloc(CLAIMS__CRYPT_CHUNK);
	r->sealed = claims__malloc(CLAIMS__CRYPT_SEALED_CHUNK);
	if (!r->plain || !r->sealed)
		return reader_fail(r, CLAIMS_ENOMEM, "out of memory");
	rc = fill(r, head, sizeof(head), &got);
	if (rc < 0)
		return reader_fail(r, rc, "the stream could not be read");
	if (got < CLAIMS__CRYPT_MAGIC_BYTES ||
	    memcmp(head, CLAIMS__CRYPT_MAGIC, CLAIMS__CRYPT_MAGIC_BYTES) != 0)
		return reader_fail(r, CLAIMS_EDECRYPT, "not an encrypted stream (no CLE1 header)");
	if (got < sizeof(head))
		return reader_fail(r, CLAIMS_EDECRYPT, "the stream ends inside its header");
	if (crypto_secretstream_xchacha20poly1305_init_pull(&r->st, head + CLAIMS__CRYPT_MAGIC_BYTES,
							    key) != 0)
		return reader_fail(r, CLAIMS_EDECRYPT, "invalid stream header");
	return CLAIMS_OK;
}

/* Authenticate the next chunk into r->plain. */
static int
next_chunk(struct claims__crypt_reader *r)
{
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	size_t n;
	int rc;

	rc = fill(r, r->sealed, CLAIMS__CRYPT_SEALED_CHUNK, &n);
	if (rc < 0)
		return reader_fail(r, rc, "the stream could not be read");
	if (n == 0)
		return reader_fail(r, CLAIMS_EDECRYPT,
				   "the data ends before its final chunk (truncated)");
	if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &mlen, &tag, r->sealed, n,
						       (const unsigned char *)r->ad, r->ad_len) != 0)
		return reader_fail(r, CLAIMS_EDECRYPT,
				   "authentication failed (wrong data key, or the data was altered)");
	if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
		unsigned char extra;
		size_t more;

		rc = fill(r, &extra, 1, &more);
		if (rc < 0)
			return reader_fail(r, rc, "the stream could not be read");
		if (more)
			return reader_fail(r, CLAIMS_EDECRYPT, "bytes follow the final chunk");
		r->final = true;
	} else if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
		return reader_fail(r, CLAIMS_EDECRYPT, "unexpected chunk tag");
	} else if (n < CLAIMS__CRYPT_SEALED_CHUNK) {
		/* A short chunk is the last one, and it is not final. */
		return reader_fail(r, CLAIMS_EDECRYPT,
				   "the data ends before its final chunk (truncated)");
	}
	r->off = 0;
	r->len = (size_t)mlen;
	return CLAIMS_OK;
}

int
claims__crypt_reader_read(struct claims__crypt_reader *r, void *buf, size_t len, size_t *got)
{
	size_t k;

	*got = 0;
	if (r->err)
		return r->err;
	while (r->off == r->len) {
		int rc;

		if (r->final)
			return CLAIMS_OK;
		rc = next_chunk(r);
		if (rc < 0)
			return rc;
	}
	k = r->len - r->off < len ? r->len - r->off : len;
	memcpy(buf, r->plain + r->off, k);
	r->off += k;
	*got = k;
	return CLAIMS_OK;
}

void
claims__crypt_reader_clear(struct claims__crypt_reader *r)
{
	if (r->plain) {
		sodium_memzero(r->plain, CLAIMS__CRYPT_CHUNK);
		claims__free(r->plain);
	}
	claims__free(r->sealed);
	sodium_memzero(r, sizeof(*r));
}

/* ------------------------------------------------------------ buffers */

struct membuf {
	unsigned char *p;
	size_t len, cap;
	size_t pos; /* reading */
};

static int
mem_sink(const void *data, size_t len, void *payload)
{
	struct membuf *m = payload;

	if (len > m->cap - m->len)
		return CLAIMS_ERROR; /* the size was computed before: cannot happen */
	memcpy(m->p + m->len, data, len);
	m->len += len;
	return CLAIMS_OK;
}

static int
mem_source(void *buf, size_t len, size_t *got, void *payload)
{
	struct membuf *m = payload;
	size_t k = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->p + m->pos, k);
	m->pos += k;
	*got = k;
	return CLAIMS_OK;
}

int
claims__crypt_seal(unsigned char **out, size_t *out_len, const unsigned char *key, const char *ad,
		   const void *data, size_t len)
{
	struct claims__crypt_writer w;
	struct membuf m = { 0 };
	uint64_t need = claims__crypt_sealed_size(len);
	int rc;

	*out = NULL;
	*out_len = 0;
	if (need > SIZE_MAX || need > INT32_MAX)
		return CLAIMS_ENOMEM;
	m.cap = (size_t)need;
	m.p = claims__malloc(m.cap);
	if (!m.p)
		return CLAIMS_ENOMEM;
	rc = claims__crypt_writer_init(&w, key, ad, mem_sink, &m);
	if (rc == CLAIMS_OK && len)
		rc = claims__crypt_writer_write(&w, data, len);
	if (rc == CLAIMS_OK)
		rc = claims__crypt_writer_finish(&w);
	claims__crypt_writer_clear(&w);
	if (rc < 0) {
		claims__free(m.p);
		return rc;
	}
	*out = m.p;
	*out_len = m.len;
	return CLAIMS_OK;
}

int
claims__crypt_open(unsigned char **out, size_t *out_len, const unsigned char *key, const char *ad,
		   const void *data, size_t len, const char **why)
{
	struct claims__crypt_reader r;
	struct membuf in = { (unsigned char *)(uintptr_t)data, len, len, 0 };
	int64_t expect = claims__crypt_plain_size(len);
	unsigned char *p = NULL;
	size_t have = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	*why = NULL;
	rc = claims__crypt_reader_init(&r, key, ad, mem_source, &in);
	if (rc == CLAIMS_OK && expect < 0) {
		/* No stream has this length: read on to the precise failure,
		 * keeping nothing. */
		unsigned char scratch[1024];

		for (;;) {
			size_t got = 0;

			rc = claims__crypt_reader_read(&r, scratch, sizeof(scratch), &got);
			if (rc < 0 || got == 0)
				break;
		}
		sodium_memzero(scratch, sizeof(scratch));
		if (rc == CLAIMS_OK) {
			rc = CLAIMS_EDECRYPT;
			r.why = "the data does not have the length of its stream";
		}
	}
	if (rc == CLAIMS_OK) {
		p = claims__malloc(expect > 0 ? (size_t)expect : 1);
		if (!p) {
			rc = CLAIMS_ENOMEM;
			r.why = "out of memory";
		}
	}
	while (rc == CLAIMS_OK && have < (size_t)expect) {
		size_t got = 0;

		rc = claims__crypt_reader_read(&r, p + have, (size_t)expect - have, &got);
		if (rc == CLAIMS_OK && got == 0)
			break;
		have += got;
	}
	if (rc == CLAIMS_OK) {
		/* The end must be verified too (the final chunk of an empty
		 * stream, or nothing after the last byte). */
		unsigned char extra;
		size_t got = 0;

		rc = claims__crypt_reader_read(&r, &extra, 1, &got);
		if (rc == CLAIMS_OK && (got != 0 || have != (size_t)expect)) {
			rc = CLAIMS_EDECRYPT;
			r.why = "the data does not have the length of its stream";
		}
	}
	if (rc < 0) {
		*why = r.why ? r.why : "the data could not be decrypted";
		if (p) {
			sodium_memzero(p, have);
			claims__free(p);
		}
		claims__crypt_reader_clear(&r);
		return rc;
	}
	claims__crypt_reader_clear(&r);
	*out = p;
	*out_len = have;
	return CLAIMS_OK;
}

/* ------------------------------------------------------------ fd sources */

static int
raw_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct claims__fd_source *s = payload;
	ssize_t n;

	*got = 0;
	if (s->raw_left <= 0)
		return CLAIMS_OK;
	if ((int64_t)len > s->raw_left)
		len = (size_t)s->raw_left;
	do {
		n = read(s->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return CLAIMS_EIO;
	s->raw_left -= n;
	*got = (size_t)n;
	return CLAIMS_OK;
}

int
claims__fd_source_open(struct claims__fd_source *s, int fd, int64_t start, int64_t raw_size,
		       const unsigned char *key, const char **why)
{
	memset(s, 0, sizeof(*s));
	*why = NULL;
	s->fd = fd;
	s->start = start;
	s->raw_size = raw_size;
	s->raw_left = raw_size;
	s->key = key;
	s->size = raw_size;
	if (key) {
		s->size = claims__crypt_plain_size((uint64_t)raw_size);
		if (s->size < 0) {
			*why = raw_size < CLAIMS__CRYPT_HEAD_BYTES
				       ? "not an encrypted stream (too short)"
				       : "the data does not have the length of a stream "
					 "(truncated or lengthened)";
			s->size = 0;
			return CLAIMS_EDECRYPT;
		}
	}
	return CLAIMS_OK;
}

int
claims__fd_source_rewind(struct claims__fd_source *s)
{
	if (s->rd_open) {
		claims__crypt_reader_clear(&s->rd);
		s->rd_open = false;
	}
	if (lseek(s->fd, s->start, SEEK_SET) < 0)
		return CLAIMS_EIO;
	s->raw_left = s->raw_size;
	if (!s->key)
		return CLAIMS_OK;
	s->rd_open = true;
	return claims__crypt_reader_init(&s->rd, s->key, CLAIMS__AD_SPOOL, raw_read, s);
}

int
claims__fd_source_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct claims__fd_source *s = payload;

	if (!s->key)
		return raw_read(buf, len, got, s);
	*got = 0;
	if (!s->rd_open)
		return CLAIMS_EIO; /* not rewound first */
	return claims__crypt_reader_read(&s->rd, buf, len, got);
}

const char *
claims__fd_source_why(const struct claims__fd_source *s)
{
	return s->rd_open && s->rd.why ? s->rd.why : "the data could not be decrypted";
}

void
claims__fd_source_close(struct claims__fd_source *s)
{
	if (s->rd_open)
		claims__crypt_reader_clear(&s->rd);
	s->rd_open = false;
}
