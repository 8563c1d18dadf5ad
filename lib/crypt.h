/*
 * libclaims internal: raw EDI encrypted at rest (spec/security.md §5).
 *
 * One format for every sealed byte stream: "CLE1" (4 bytes), the header of
 * libsodium's crypto_secretstream_xchacha20poly1305 (24 bytes), then chunks
 * of 65536 plaintext bytes, each followed by its 17 bytes of overhead; the
 * last chunk (0..65536 bytes, the only one that may be short) carries
 * TAG_FINAL.  Every chunk is authenticated with an additional-data string
 * that names where the stream lives, so a stream copied into another column
 * does not decrypt:
 *
 *   ingest_file_chunks.data   a received file (see below)
 *   claims.raw_edi, claim_history.raw_edi, remittances.raw_edi
 *   spool                     a spool file of claimsd or of the ingest
 *
 * security.md names ingest_files.raw_data; since sql/0008 those bytes are
 * the rows of ingest_file_chunks.  A file is therefore ONE stream whose
 * bytes are cut into rows of at most 1 MiB exactly as plaintext bytes were
 * (row and chunk boundaries are unrelated), with the additional data
 * "ingest_file_chunks.data"; ingest_files.raw_encrypted says which form the
 * rows hold.
 *
 * Both directions work chunk by chunk through callbacks, so memory is a
 * chunk or two whatever the stream's length.  The reader hands out only
 * authenticated bytes; the end of the stream (final tag present, nothing
 * after it) is checked before the last chunk's bytes are handed out, so a
 * consumer that has read to the end has read exactly what was sealed.  A
 * consumer that must not expose a prefix of a stream that later fails
 * (a truncated one) checks it whole first or keeps what it read private
 * until the end; every caller in the library says which it does.
 */
#ifndef CLAIMS_CRYPT_H
#define CLAIMS_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

enum {
	CLAIMS__CRYPT_KEY_BYTES = 32,
	CLAIMS__CRYPT_MAGIC_BYTES = 4,
	/* "CLE1" + the secretstream header */
	CLAIMS__CRYPT_HEAD_BYTES = 4 + crypto_secretstream_xchacha20poly1305_HEADERBYTES,
	CLAIMS__CRYPT_CHUNK = 65536,
	CLAIMS__CRYPT_ABYTES = crypto_secretstream_xchacha20poly1305_ABYTES,
	CLAIMS__CRYPT_SEALED_CHUNK = CLAIMS__CRYPT_CHUNK + CLAIMS__CRYPT_ABYTES,
};

#define CLAIMS__CRYPT_MAGIC "CLE1"

/* Additional data of each place a stream lives. */
#define CLAIMS__AD_FILE "ingest_file_chunks.data"
#define CLAIMS__AD_CLAIM "claims.raw_edi"
#define CLAIMS__AD_CLAIM_HISTORY "claim_history.raw_edi"
#define CLAIMS__AD_REMITTANCE "remittances.raw_edi"
#define CLAIMS__AD_SPOOL "spool"

/* Length of the stream sealing @p n plaintext bytes. */
uint64_t claims__crypt_sealed_size(uint64_t n);
/* Plaintext length of a well-formed stream of @p sealed bytes; -1 when no
 * stream has that length. */
int64_t claims__crypt_plain_size(uint64_t sealed);

/* Where a writer sends sealed bytes: CLAIMS_OK or a negative code. */
typedef int (*claims__crypt_sink)(const void *data, size_t len, void *payload);
/* Where a reader takes sealed bytes: up to @p len into @p buf, *got 0 at
 * the end; CLAIMS_OK or a negative code (the signature of
 * claims__blob_read_cb in store.h). */
typedef int (*claims__crypt_source)(void *buf, size_t len, size_t *got, void *payload);

struct claims__crypt_writer {
	crypto_secretstream_xchacha20poly1305_state st;
	const char *ad;
	size_t ad_len;
	claims__crypt_sink sink;
	void *payload;
	unsigned char *plain;  /* CLAIMS__CRYPT_CHUNK, the chunk being filled */
	unsigned char *sealed; /* CLAIMS__CRYPT_SEALED_CHUNK */
	size_t have;
	bool finished;
};

/* Start a stream: the head goes to @p sink at once.  @p ad must outlive
 * the writer (a static string).  CLAIMS_OK, CLAIMS_ENOMEM or the sink's
 * code.  Always pair with claims__crypt_writer_clear(). */
int claims__crypt_writer_init(struct claims__crypt_writer *w, const unsigned char *key,
			      const char *ad, claims__crypt_sink sink, void *payload);
int claims__crypt_writer_write(struct claims__crypt_writer *w, const void *data, size_t len);
/* Seal the last chunk with TAG_FINAL. */
int claims__crypt_writer_finish(struct claims__crypt_writer *w);
/* Wipe the state and the buffers and free them. */
void claims__crypt_writer_clear(struct claims__crypt_writer *w);

struct claims__crypt_reader {
	crypto_secretstream_xchacha20poly1305_state st;
	const char *ad;
	size_t ad_len;
	claims__crypt_source source;
	void *payload;
	unsigned char *plain;  /* the current chunk's plaintext */
	unsigned char *sealed;
	size_t off, len;
	bool final;
	int err;          /* sticky failure, 0 while well */
	const char *why;  /* static text of a CLAIMS_EDECRYPT failure */
};

/* Read and check the head (magic, secretstream header).  CLAIMS_OK;
 * CLAIMS_EDECRYPT (r->why says why); CLAIMS_ENOMEM; the source's code.
 * Always pair with claims__crypt_reader_clear(). */
int claims__crypt_reader_init(struct claims__crypt_reader *r, const unsigned char *key,
			      const char *ad, claims__crypt_source source, void *payload);
/* Up to @p len (at least 1) authenticated plaintext bytes; *got 0 only at
 * the verified end.  CLAIMS_EDECRYPT: wrong key or altered data, a missing final chunk,
 * bytes after it (r->why); failures are sticky. */
int claims__crypt_reader_read(struct claims__crypt_reader *r, void *buf, size_t len, size_t *got);
void claims__crypt_reader_clear(struct claims__crypt_reader *r);

/* Seal / open a whole buffer (a claim's or a remittance's raw EDI).
 * *out is claims__malloc'd (at least one byte, also for an empty result);
 * claims__crypt_open returns nothing unless the whole stream verified.
 * CLAIMS_OK; CLAIMS_EDECRYPT with *why (static text); CLAIMS_ENOMEM. */
int claims__crypt_seal(unsigned char **out, size_t *out_len, const unsigned char *key,
		       const char *ad, const void *data, size_t len);
int claims__crypt_open(unsigned char **out, size_t *out_len, const unsigned char *key,
		       const char *ad, const void *data, size_t len, const char **why);

/* ---- a regular file read from a start offset, as it is or sealed
 * (AD "spool"): the fd sources of ingest and jobs. */
struct claims__fd_source {
	int fd;
	int64_t start;     /* file offset of the first byte */
	int64_t raw_size;  /* bytes of the file from start */
	int64_t size;      /* plaintext bytes */
	int64_t raw_left;  /* file bytes not yet read */
	const unsigned char *key; /* sealed when set */
	struct claims__crypt_reader rd;
	bool rd_open;
};

/* Open over @p fd from @p start for @p raw_size bytes; @p key NULL = plain.
 * CLAIMS_OK; CLAIMS_EDECRYPT (*why: a length no sealed stream has). */
int claims__fd_source_open(struct claims__fd_source *s, int fd, int64_t start, int64_t raw_size,
			   const unsigned char *key, const char **why);
/* Back to the first byte.  CLAIMS_OK; CLAIMS_EIO; CLAIMS_EDECRYPT; CLAIMS_ENOMEM. */
int claims__fd_source_rewind(struct claims__fd_source *s);
/* A claims__crypt_source over the plaintext.  CLAIMS_EIO (errno set) or
 * CLAIMS_EDECRYPT (claims__fd_source_why()). */
int claims__fd_source_read(void *buf, size_t len, size_t *got, void *payload);
const char *claims__fd_source_why(const struct claims__fd_source *s);
void claims__fd_source_close(struct claims__fd_source *s);

#endif /* CLAIMS_CRYPT_H */
