/*
 * Fuzz target: decrypting a stored raw EDI stream (lib/crypt.c,
 * spec/security.md §5).  A database file is outside input: its raw columns
 * and chunk rows may have been altered by anyone who can write the file.
 *
 * The first byte chooses what the rest is:
 *  - even: the stored bytes themselves, opened under a fixed key.  Nothing
 *    can authenticate without the key, so every input must be refused with
 *    CLAIMS_EDECRYPT, return nothing and say why, both through the buffer
 *    call and through the streaming reader fed in uneven pieces;
 *  - odd: a plaintext (the rest repeated up to 1 + (first byte >> 1) times,
 *    so streams of several 64 KiB chunks occur) sealed with the key, then
 *    altered as the next three bytes say: not at all (the plaintext must
 *    come back exactly, also streamed), a flipped bit, a cut, an appended
 *    byte, another key, another place (additional data), two chunks
 *    swapped, a chunk dropped.  Every alteration must be refused.
 * Also on every input: the length arithmetic agrees with itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <claims/claims.h>

#include "crypt.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char key_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const unsigned char key_b[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
					 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 33 };

static void
check(int ok)
{
	if (!ok)
		abort();
}

/* A source handing out its bytes in pieces of 1..step. */
struct pieces {
	const unsigned char *p;
	size_t len, pos, step, turn;
};

static int
pieces_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct pieces *s = payload;
	size_t k = s->len - s->pos;
	size_t want = 1 + (s->turn++ * 7919) % s->step;

	if (k > len)
		k = len;
	if (k > want)
		k = want;
	memcpy(buf, s->p + s->pos, k);
	s->pos += k;
	*got = k;
	return CLAIMS_OK;
}

/* Open @p p whole; 1 when it verified (then it must equal @p expect). */
static int
open_whole(const unsigned char *key, const char *ad, const unsigned char *p, size_t n,
	   const unsigned char *expect, size_t expect_len)
{
	unsigned char *out = NULL;
	size_t len = 0;
	const char *why = NULL;
	int rc = claims__crypt_open(&out, &len, key, ad, p, n, &why);

	if (rc == CLAIMS_OK) {
		check(expect && len == expect_len && (len == 0 || memcmp(out, expect, len) == 0));
		claims__free(out);
		return 1;
	}
	check(rc == CLAIMS_EDECRYPT && out == NULL && len == 0 && why != NULL);
	return 0;
}

/* Stream @p p through the reader; 1 when it reached the verified end.  The
 * bytes handed out are always a prefix of @p expect (authentic). */
static int
open_streamed(const unsigned char *key, const char *ad, const unsigned char *p, size_t n,
	      size_t step, const unsigned char *expect, size_t expect_len)
{
	struct claims__crypt_reader r;
	struct pieces src = { p, n, 0, step ? step : 1, 0 };
	unsigned char buf[4096];
	size_t have = 0;
	int rc = claims__crypt_reader_init(&r, key, ad, pieces_read, &src);

	while (rc == CLAIMS_OK) {
		size_t got = 0;

		rc = claims__crypt_reader_read(&r, buf, 1 + (have % sizeof(buf)), &got);
		if (rc < 0 || got == 0)
			break;
		check(expect && have + got <= expect_len && memcmp(expect + have, buf, got) == 0);
		have += got;
	}
	check(rc == CLAIMS_OK || (rc == CLAIMS_EDECRYPT && r.why != NULL));
	claims__crypt_reader_clear(&r);
	if (rc == CLAIMS_OK)
		check(have == expect_len);
	return rc == CLAIMS_OK;
}

static void
lengths_agree(uint64_t n)
{
	int64_t plain = claims__crypt_plain_size(n);

	if (plain >= 0)
		check(claims__crypt_sealed_size((uint64_t)plain) == n);
	check(claims__crypt_plain_size(claims__crypt_sealed_size(n)) == (int64_t)n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *plain, *sealed = NULL, *bad;
	size_t n, len = 0, reps, pos, chunks;
	unsigned op;

	if (size < 1)
		return 0;
	check(sodium_init() >= 0); /* idempotent */
	lengths_agree(size);
	lengths_agree((uint64_t)size * 65553u);
	if ((data[0] & 1) == 0) {
		/* Stored bytes: never authentic. */
		check(!open_whole(key_a, CLAIMS__AD_CLAIM, data + 1, size - 1, NULL, 0));
		check(!open_streamed(key_a, CLAIMS__AD_FILE, data + 1, size - 1, data[0] + 1u, NULL,
				     0));
		return 0;
	}
	if (size < 4)
		return 0;
	pos = (size_t)data[1] << 8 | data[2];
	op = data[3];
	reps = 1 + (data[0] >> 1);
	n = (size - 4) * reps;
	if (n > 512 * 1024)
		n = 512 * 1024;
	plain = malloc(n ? n : 1);
	check(plain != NULL);
	for (size_t i = 0; i < n; i++)
		plain[i] = data[4 + i % (size - 4 ? size - 4 : 1)];
	if (size == 4)
		n = 0;
	check(claims__crypt_seal(&sealed, &len, key_a, CLAIMS__AD_REMITTANCE, plain, n) == CLAIMS_OK);
	check(len == claims__crypt_sealed_size(n));
	chunks = (len - CLAIMS__CRYPT_HEAD_BYTES + CLAIMS__CRYPT_SEALED_CHUNK - 1) /
		 CLAIMS__CRYPT_SEALED_CHUNK;
	bad = malloc(len + 1);
	check(bad != NULL);
	memcpy(bad, sealed, len);

	switch (op % 8) {
	case 0: /* as sealed */
		check(open_whole(key_a, CLAIMS__AD_REMITTANCE, sealed, len, plain, n));
		check(open_streamed(key_a, CLAIMS__AD_REMITTANCE, sealed, len, pos + 1, plain, n));
		break;
	case 1: /* one bit */
		bad[pos * 131 % len] ^= (unsigned char)(1u << (op >> 3 & 7));
		check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, bad, len, plain, n));
		check(!open_streamed(key_a, CLAIMS__AD_REMITTANCE, bad, len, op + 1u, plain, n));
		break;
	case 2: /* cut anywhere */
		check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, sealed, pos * 131 % len, plain, n));
		check(!open_streamed(key_a, CLAIMS__AD_REMITTANCE, sealed, pos * 131 % len, op + 1u,
				     plain, n));
		break;
	case 3: /* a byte more */
		bad[len] = (unsigned char)pos;
		check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, bad, len + 1, plain, n));
		check(!open_streamed(key_a, CLAIMS__AD_REMITTANCE, bad, len + 1, op + 1u, plain, n));
		break;
	case 4: /* another key */
		check(!open_whole(key_b, CLAIMS__AD_REMITTANCE, sealed, len, plain, n));
		break;
	case 5: /* another place */
		check(!open_whole(key_a, CLAIMS__AD_CLAIM_HISTORY, sealed, len, plain, n));
		check(!open_streamed(key_a, CLAIMS__AD_CLAIM, sealed, len, op + 1u, plain, n));
		break;
	case 6: /* two chunks swapped */
	case 7: /* a chunk dropped */
		if (chunks < 2) {
			bad[len - 1] ^= 1;
			check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, bad, len, plain, n));
			break;
		}
		{
			size_t a = pos % (chunks - 1); /* a full chunk */
			size_t off = CLAIMS__CRYPT_HEAD_BYTES + a * CLAIMS__CRYPT_SEALED_CHUNK;

			if (op % 8 == 6) {
				/* with the next one when it is full too, else with itself + 1 byte */
				size_t b = a + 1 < chunks - 1 ? a + 1 : a;

				if (b == a) {
					bad[off + 1] ^= 0x40;
				} else {
					size_t boff = CLAIMS__CRYPT_HEAD_BYTES +
						      b * CLAIMS__CRYPT_SEALED_CHUNK;

					memcpy(bad + off, sealed + boff, CLAIMS__CRYPT_SEALED_CHUNK);
					memcpy(bad + boff, sealed + off, CLAIMS__CRYPT_SEALED_CHUNK);
				}
				check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, bad, len, plain, n));
			} else {
				memmove(bad + off, bad + off + CLAIMS__CRYPT_SEALED_CHUNK,
					len - off - CLAIMS__CRYPT_SEALED_CHUNK);
				check(!open_whole(key_a, CLAIMS__AD_REMITTANCE, bad,
						  len - CLAIMS__CRYPT_SEALED_CHUNK, plain, n));
			}
		}
		break;
	}
	free(bad);
	free(plain);
	claims__free(sealed);
	return 0;
}
