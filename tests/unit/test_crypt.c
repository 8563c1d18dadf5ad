/*
 * Raw EDI encrypted at rest (spec/security.md §5): the stream format
 * (lib/crypt.c), every stored column written and read back through the
 * library, failures that return nothing, mixed databases, sealed spool
 * files, and the database file's mode.
 */
#include "testutil.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <sodium.h>

#include "claims/claims.h"
#include "crypt.h"

#define ISA "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*00501*000000001*0*T*:~\n"

static const char f837[] =
	ISA "GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~\nST*837*0001*005010X222A1~\n"
	"BHT*0019*00*0123*20240110*1200*CH~\nNM1*41*2*CLINIC*****46*TGJ23~\n"
	"PER*IC*JERRY*TE*3055552222~\nNM1*40*2*PAYER*****46*66783JJT~\nHL*1**20*1~\n"
	"NM1*85*2*CLINIC*****XX*1234567893~\nN3*1 MAIN ST~\nN4*CITY*ST*12345~\nREF*EI*123456789~\n"
	"HL*2*1*22*0~\nSBR*P*18*******CI~\nNM1*IL*1*DOE*JANE****MI*MEMBER1~\nDMG*D8*19800101*F~\n"
	"NM1*PR*2*UNITED HEALTHCARE*****PI*87726~\nCLM*PCNSECRET1*100.00***11:B:1*Y*A*Y*Y~\n"
	"HI*ABK:E119~\nLX*1~\nSV1*HC:99213*100.00*UN*1***1~\nDTP*472*D8*20240105~\n"
	"SE*21*0001~\nGE*1*1~\nIEA*1*000000001~\n";

static const char f835[] =
	ISA "GS*HP*SENDER*RECEIVER*20240101*1200*1*X*005010X221A1~\nST*835*0001*005010X221A1~\n"
	"BPR*I*80.00*C*CHK************20240201~\nTRN*1*TRACE1*1512345678~\nREF*2U*87726~\n"
	"N1*PR*UNITED HEALTHCARE~\nN1*PE*CLINIC*XX*1234567893~\nLX*1~\n"
	"CLP*PCNSECRET1*1*100.00*80.00*20.00*12*ICN1*11*1~\nNM1*QC*1*DOE*JANE****MI*MEMBER1~\n"
	"CAS*PR*1*20.00~\nSE*11*0001~\nGE*1*1~\nIEA*1*000000001~\n";

static const unsigned char key_a[32] = {
	0x3a, 0x91, 0x0c, 0x5e, 0x77, 0x12, 0xfe, 0x08, 0x61, 0x2d, 0xb4, 0x99, 0x40, 0x0e, 0xc3, 0x5a,
	0x1f, 0x88, 0x23, 0x6b, 0xd0, 0x07, 0x9e, 0x34, 0xaa, 0x51, 0x6c, 0xe2, 0x19, 0x75, 0x3d, 0xc8,
};
static const unsigned char key_b[32] = {
	0x3a, 0x91, 0x0c, 0x5e, 0x77, 0x12, 0xfe, 0x08, 0x61, 0x2d, 0xb4, 0x99, 0x40, 0x0e, 0xc3, 0x5a,
	0x1f, 0x88, 0x23, 0x6b, 0xd0, 0x07, 0x9e, 0x34, 0xaa, 0x51, 0x6c, 0xe2, 0x19, 0x75, 0x3d, 0xc9,
};

/* The sizes security.md §5 makes interesting: empty, one byte, around one
 * chunk, several chunks and a few bytes. */
static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 3 * 65536 + 5 };

struct fx {
	char *dir;
	char *path;
	claims_db *db;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->dir = tu_tmpdir();
	f->path = tu_path(f->dir, "t.db");
	assert_int_equal(claims_db_open(&f->db, f->path, NULL), CLAIMS_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	claims_db_close(f->db);
	tu_tmpdir_free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

/* Deterministic bytes that differ with @p seed. */
static unsigned char *
bytes(size_t n, unsigned char seed)
{
	unsigned char s[randombytes_SEEDBYTES] = { seed, 0x5c };
	unsigned char *p = malloc(n ? n : 1);

	assert_non_null(p);
	randombytes_buf_deterministic(p, n, s);
	return p;
}

/* Whether @p hay holds @p needle. */
static bool
contains(const unsigned char *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* A file in the fixture's directory holding @p len bytes, positioned at 0. */
static int
file_with(struct fx *f, const char *name, const void *data, size_t len)
{
	char *path = tu_path(f->dir, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	if (len)
		assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	free(path);
	return fd;
}

/* An empty file to copy into. */
static int
out_file(struct fx *f, const char *name)
{
	return file_with(f, name, NULL, 0);
}

/* Everything in @p fd from its start (malloc'd), its length in *len. */
static unsigned char *
slurp(int fd, size_t *len)
{
	struct stat st;
	unsigned char *p;

	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(fd, p, (size_t)st.st_size, 0), (ssize_t)st.st_size);
	*len = (size_t)st.st_size;
	return p;
}

/* Record @p len bytes as a received file (claims_job_create); its id. */
static int64_t
store_file(struct fx *f, const void *data, size_t len)
{
	int fd = file_with(f, "in", data, len);
	int64_t job = 0, file = 0;

	assert_int_equal(claims_job_create(&job, &file, f->db, fd, NULL, CLAIMS_INGEST_ANY, NULL),
			 CLAIMS_OK);
	close(fd);
	return file;
}

/* Replace the data of chunk row @p seq of file @p id with @p len bytes. */
static void
set_chunk(struct fx *f, int64_t id, int64_t seq, const void *data, size_t len)
{
	sqlite3_stmt *s;

	assert_int_equal(sqlite3_prepare_v2(f->db->sql,
					    "UPDATE ingest_file_chunks SET data = ?3 "
					    "WHERE ingest_file_id = ?1 AND seq = ?2",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, seq);
	sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(f->db->sql), 1);
	sqlite3_finalize(s);
}

/* The data of chunk row @p seq (malloc'd). */
static unsigned char *
get_chunk(struct fx *f, int64_t id, int64_t seq, size_t *len)
{
	sqlite3_stmt *s;
	unsigned char *p;

	assert_int_equal(sqlite3_prepare_v2(f->db->sql,
					    "SELECT data FROM ingest_file_chunks "
					    "WHERE ingest_file_id = ?1 AND seq = ?2",
					    -1, &s, NULL),
			 SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, seq);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	*len = (size_t)sqlite3_column_bytes(s, 0);
	p = malloc(*len + 1);
	assert_non_null(p);
	memcpy(p, sqlite3_column_blob(s, 0), *len);
	sqlite3_finalize(s);
	return p;
}

/* copy_to_fd must fail with CLAIMS_EDECRYPT, the message naming @p why,
 * and write nothing. */
static void
assert_copy_refused(struct fx *f, int64_t id, const char *why)
{
	int out = out_file(f, "refused");
	struct stat st;

	assert_int_equal(claims_file_copy_to_fd(f->db, id, out), CLAIMS_EDECRYPT);
	if (!strstr(claims_db_errmsg(f->db), why))
		fail_msg("message \"%s\" does not say \"%s\"", claims_db_errmsg(f->db), why);
	assert_int_equal(fstat(out, &st), 0);
	assert_int_equal(st.st_size, 0);
	close(out);
}

/* ------------------------------------------------------------ the format */

/* A source handing out one byte at a time (exercises the reader's refill). */
struct drip {
	const unsigned char *p;
	size_t len, pos;
};

static int
drip_read(void *buf, size_t len, size_t *got, void *payload)
{
	struct drip *d = payload;

	*got = 0;
	if (len == 0 || d->pos == d->len)
		return CLAIMS_OK;
	*(unsigned char *)buf = d->p[d->pos++];
	*got = 1;
	return CLAIMS_OK;
}

static void
test_format_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i], sealed_len = 0, open_len = 0, have = 0;
		unsigned char *plain = bytes(n, (unsigned char)i), *sealed = NULL, *opened = NULL;
		unsigned char *back = malloc(n + 1);
		struct claims__crypt_reader r;
		struct drip d;
		const char *why = NULL;
		size_t chunks = n == 0 ? 1 : (n + 65535) / 65536;

		assert_int_equal(claims__crypt_seal(&sealed, &sealed_len, key_a, CLAIMS__AD_CLAIM, plain,
						    n),
				 CLAIMS_OK);
		/* "CLE1", the 24-byte header, each chunk with 17 bytes more. */
		assert_int_equal(sealed_len, 4 + 24 + n + 17 * chunks);
		assert_int_equal(claims__crypt_sealed_size(n), sealed_len);
		assert_int_equal(claims__crypt_plain_size(sealed_len), (int64_t)n);
		assert_memory_equal(sealed, "CLE1", 4);
		assert_int_equal(claims__crypt_open(&opened, &open_len, key_a, CLAIMS__AD_CLAIM, sealed,
						    sealed_len, &why),
				 CLAIMS_OK);
		assert_int_equal(open_len, n);
		if (n)
			assert_memory_equal(opened, plain, n);

		/* The streaming reader, fed one byte at a time. */
		d = (struct drip){ sealed, sealed_len, 0 };
		assert_int_equal(claims__crypt_reader_init(&r, key_a, CLAIMS__AD_CLAIM, drip_read, &d),
				 CLAIMS_OK);
		for (;;) {
			size_t got = 0;

			assert_int_equal(claims__crypt_reader_read(&r, back + have, 7000, &got),
					 CLAIMS_OK);
			if (got == 0)
				break;
			have += got;
			assert_true(have <= n);
		}
		claims__crypt_reader_clear(&r);
		assert_int_equal(have, n);
		if (n)
			assert_memory_equal(back, plain, n);

		free(back);
		free(plain);
		claims__free(sealed);
		claims__free(opened);
	}
	/* Lengths no stream has. */
	assert_int_equal(claims__crypt_plain_size(0), -1);
	assert_int_equal(claims__crypt_plain_size(44), -1);
	assert_int_equal(claims__crypt_plain_size(45), 0);
	assert_int_equal(claims__crypt_plain_size(28 + 65553 + 16), -1);
}

/* One opened stream failing with @p why, returning nothing. */
static void
assert_open_refused(const unsigned char *key, const char *ad, const unsigned char *p, size_t n,
		    const char *why)
{
	unsigned char *out = (unsigned char *)"x";
	size_t len = 99;
	const char *got = NULL;

	assert_int_equal(claims__crypt_open(&out, &len, key, ad, p, n, &got), CLAIMS_EDECRYPT);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(got);
	if (!strstr(got, why))
		fail_msg("\"%s\" does not say \"%s\"", got, why);
}

static void
test_format_refusals(void **state)
{
	size_t n = 3 * 65536 + 5, len = 0;
	unsigned char *plain = bytes(n, 9), *sealed = NULL, *bad;
	size_t mid = 28 + 65553 + 65553 / 2; /* inside the second of four chunks */

	(void)state;
	assert_int_equal(claims__crypt_seal(&sealed, &len, key_a, CLAIMS__AD_REMITTANCE, plain, n),
			 CLAIMS_OK);
	bad = malloc(len + 1);
	assert_non_null(bad);

	assert_open_refused(key_b, CLAIMS__AD_REMITTANCE, sealed, len, "authentication failed");
	assert_open_refused(key_a, CLAIMS__AD_CLAIM, sealed, len, "authentication failed");
	memcpy(bad, sealed, len);
	bad[mid] ^= 0x01;
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, bad, len, "authentication failed");
	/* Without the final chunk (5 + 17 bytes), without the last byte. */
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, sealed, len - 22, "truncated");
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, sealed, len - 1, "authentication failed");
	memcpy(bad, sealed, len);
	bad[len] = 0;
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, bad, len + 1, "authentication failed");
	memcpy(bad, sealed, len);
	bad[0] = 'X';
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, bad, len, "no CLE1 header");
	assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, sealed, 20, "header");
	/* The header of one stream with the chunks of another. */
	{
		unsigned char *other = NULL;
		size_t olen = 0;

		assert_int_equal(claims__crypt_seal(&other, &olen, key_a, CLAIMS__AD_REMITTANCE, plain,
						    n),
				 CLAIMS_OK);
		assert_int_equal(olen, len);
		memcpy(bad, other, 28);
		memcpy(bad + 28, sealed + 28, len - 28);
		assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, bad, len, "authentication failed");
		/* Two chunks swapped. */
		memcpy(bad, sealed, len);
		memcpy(bad + 28, sealed + 28 + 65553, 65553);
		memcpy(bad + 28 + 65553, sealed + 28, 65553);
		assert_open_refused(key_a, CLAIMS__AD_REMITTANCE, bad, len, "authentication failed");
		claims__free(other);
	}
	free(bad);
	free(plain);
	claims__free(sealed);

	/* A full final chunk followed by one byte. */
	plain = bytes(65536, 10);
	assert_int_equal(claims__crypt_seal(&sealed, &len, key_a, CLAIMS__AD_FILE, plain, 65536),
			 CLAIMS_OK);
	bad = malloc(len + 1);
	assert_non_null(bad);
	memcpy(bad, sealed, len);
	bad[len] = '\n';
	assert_open_refused(key_a, CLAIMS__AD_FILE, bad, len + 1, "bytes follow the final chunk");
	free(bad);
	free(plain);
	claims__free(sealed);
}

/* A full last chunk is sealed final itself; a stream cut after it at a
 * chunk boundary reads as truncated, also when the length is a stream's. */
static void
test_format_cut_at_chunk(void **state)
{
	size_t n = 2 * 65536, len = 0;
	unsigned char *plain = bytes(n, 4), *sealed = NULL;
	struct claims__crypt_reader r;
	struct drip d;
	unsigned char *buf = malloc(65536);
	size_t got = 0;

	(void)state;
	assert_int_equal(claims__crypt_seal(&sealed, &len, key_a, CLAIMS__AD_SPOOL, plain, n),
			 CLAIMS_OK);
	assert_int_equal(len, 28 + 2 * 65553);
	/* The first chunk alone has the length of a one-chunk stream. */
	assert_open_refused(key_a, CLAIMS__AD_SPOOL, sealed, 28 + 65553, "truncated");
	d = (struct drip){ sealed, 28 + 65553, 0 };
	assert_int_equal(claims__crypt_reader_init(&r, key_a, CLAIMS__AD_SPOOL, drip_read, &d),
			 CLAIMS_OK);
	/* Its bytes are authentic; the end is what fails. */
	assert_int_equal(claims__crypt_reader_read(&r, buf, 65536, &got), CLAIMS_OK);
	assert_int_equal(got, 65536);
	assert_int_equal(claims__crypt_reader_read(&r, buf, 65536, &got), CLAIMS_EDECRYPT);
	assert_int_equal(got, 0);
	assert_non_null(strstr(r.why, "truncated"));
	/* Sticky. */
	assert_int_equal(claims__crypt_reader_read(&r, buf, 65536, &got), CLAIMS_EDECRYPT);
	claims__crypt_reader_clear(&r);
	free(buf);
	free(plain);
	claims__free(sealed);
}

/* ------------------------------------------------------------ the handle */

static void
test_set_data_key(void **state)
{
	struct fx *f = *state;

	assert_false(claims_db_has_data_key(f->db));
	assert_false(claims_db_has_data_key(NULL));
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 31), CLAIMS_EINVAL);
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 33), CLAIMS_EINVAL);
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 32), CLAIMS_EINVAL);
	assert_int_equal(claims_db_set_data_key(NULL, key_a, 32), CLAIMS_EINVAL);
	assert_false(claims_db_has_data_key(f->db));
	assert_int_equal(claims_db_set_data_key(f->db, key_a, CLAIMS_DATA_KEY_BYTES), CLAIMS_OK);
	assert_true(claims_db_has_data_key(f->db));
	assert_int_equal(claims_db_set_data_key(f->db, key_b, 32), CLAIMS_OK); /* replaced */
	assert_true(claims_db_has_data_key(f->db));
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 0), CLAIMS_OK);
	assert_false(claims_db_has_data_key(f->db));
	assert_string_equal(claims_error_to_str(CLAIMS_EDECRYPT), "CLAIMS_EDECRYPT");
	assert_int_equal(CLAIMS_EDECRYPT, -12);
	assert_string_equal(claims_strerror(CLAIMS_EDECRYPT),
			    "cannot decrypt (missing or wrong data key, or altered data)");
}

/* ------------------------------------------------------------ files */

static void
test_file_round_trip(void **state)
{
	struct fx *f = *state;
	/* The sizes, then one that crosses three 1 MiB chunk rows. */
	size_t all[sizeof(sizes) / sizeof(sizes[0]) + 1];
	size_t count = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		all[count++] = sizes[i];
	all[count++] = 2 * 1048576 + 654321;
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);

	for (size_t i = 0; i < count; i++) {
		size_t n = all[i], back_len = 0;
		unsigned char *plain = bytes(n, (unsigned char)(100 + i)), *back;
		int64_t id = store_file(f, plain, n);
		uint64_t sealed = claims__crypt_sealed_size(n);
		int out;
		char sql[200];

		snprintf(sql, sizeof(sql), "SELECT raw_encrypted FROM ingest_files WHERE id = %lld",
			 (long long)id);
		assert_int_equal(tu_query_int(f->db, sql), 1);
		snprintf(sql, sizeof(sql), "SELECT size_bytes FROM ingest_files WHERE id = %lld",
			 (long long)id);
		assert_int_equal(tu_query_int(f->db, sql), (int64_t)n);
		/* One stream cut into rows of 1 MiB. */
		snprintf(sql, sizeof(sql),
			 "SELECT sum(length(data)) FROM ingest_file_chunks WHERE ingest_file_id = %lld",
			 (long long)id);
		assert_int_equal(tu_query_int(f->db, sql), (int64_t)sealed);
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM ingest_file_chunks WHERE ingest_file_id = %lld",
			 (long long)id);
		assert_int_equal(tu_query_int(f->db, sql), (int64_t)((sealed + 1048575) / 1048576));
		snprintf(sql, sizeof(sql),
			 "SELECT hex(substr(data, 1, 4)) FROM ingest_file_chunks "
			 "WHERE ingest_file_id = %lld AND seq = 0",
			 (long long)id);
		{
			char *head = tu_query_text(f->db, sql);

			assert_string_equal(head, "434C4531"); /* CLE1 */
			free(head);
		}

		out = out_file(f, "back");
		assert_int_equal(claims_file_copy_to_fd(f->db, id, out), CLAIMS_OK);
		back = slurp(out, &back_len);
		assert_int_equal(back_len, n);
		if (n)
			assert_memory_equal(back, plain, n);
		close(out);
		free(back);
		free(plain);
	}
	assert_int_equal(claims_file_copy_to_fd(f->db, 999, 1), CLAIMS_ENOTFOUND);
	assert_string_equal(claims_db_errmsg(f->db), "File not found (id: 999)");
}

static void
test_file_refusals(void **state)
{
	struct fx *f = *state;
	size_t n = 3 * 65536 + 5, len = 0;
	unsigned char *plain = bytes(n, 77), *row, *bad;
	int64_t id;

	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	id = store_file(f, plain, n);
	row = get_chunk(f, id, 0, &len);
	assert_int_equal(len, claims__crypt_sealed_size(n));
	bad = malloc(len + 1);
	assert_non_null(bad);

	/* Wrong key; no key. */
	assert_int_equal(claims_db_set_data_key(f->db, key_b, 32), CLAIMS_OK);
	assert_copy_refused(f, id, "authentication failed");
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 0), CLAIMS_OK);
	assert_copy_refused(f, id, "is encrypted and no data key (DATA_KEY) was given");
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);

	/* One byte flipped in the middle chunk: the first chunk is intact and
	 * still nothing is written. */
	memcpy(bad, row, len);
	bad[28 + 65553 + 65553 + 1000] ^= 0x80;
	set_chunk(f, id, 0, bad, len);
	assert_copy_refused(f, id, "authentication failed");
	/* The final chunk removed. */
	set_chunk(f, id, 0, row, len - (5 + 17));
	assert_copy_refused(f, id, "truncated");
	/* A byte appended. */
	memcpy(bad, row, len);
	bad[len] = 'Z';
	set_chunk(f, id, 0, bad, len + 1);
	assert_copy_refused(f, id, "authentication failed");
	/* A row appended after the stream. */
	set_chunk(f, id, 0, row, len);
	tu_exec(f->db, "INSERT INTO ingest_file_chunks (ingest_file_id, seq, data) "
		       "SELECT ingest_file_id, 1, X'00' FROM ingest_file_chunks LIMIT 1");
	assert_copy_refused(f, id, "authentication failed");
	tu_exec(f->db, "DELETE FROM ingest_file_chunks WHERE seq = 1");
	/* Intact again: reads. */
	{
		int out = out_file(f, "ok");
		size_t back_len = 0;
		unsigned char *back;

		assert_int_equal(claims_file_copy_to_fd(f->db, id, out), CLAIMS_OK);
		back = slurp(out, &back_len);
		assert_int_equal(back_len, n);
		assert_memory_equal(back, plain, n);
		free(back);
		close(out);
	}
	/* raw_encrypted = 1 on bytes that are plaintext: refused, not passed through. */
	set_chunk(f, id, 0, plain, 5000);
	assert_copy_refused(f, id, "no CLE1 header");
	free(bad);
	free(row);
	free(plain);
}

/* A stream cut at a chunk-row boundary of a multi-row file. */
static void
test_file_row_removed(void **state)
{
	struct fx *f = *state;
	size_t n = 2 * 1048576 + 100;
	unsigned char *plain = bytes(n, 55);
	int64_t id;
	char sql[160];

	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	id = store_file(f, plain, n);
	snprintf(sql, sizeof(sql),
		 "DELETE FROM ingest_file_chunks WHERE ingest_file_id = %lld AND seq = 2", (long long)id);
	tu_exec(f->db, sql);
	assert_copy_refused(f, id, "authentication failed");
	snprintf(sql, sizeof(sql),
		 "DELETE FROM ingest_file_chunks WHERE ingest_file_id = %lld AND seq >= 1", (long long)id);
	tu_exec(f->db, sql);
	assert_copy_refused(f, id, "authentication failed");
	free(plain);
}

/* ------------------------------------------------------------ records */

/* Whether any raw column holds @p text in the clear. */
static int64_t
plaintext_hits(struct fx *f, const char *text)
{
	char sql[600];

	snprintf(sql, sizeof(sql),
		 "SELECT (SELECT count(*) FROM claims WHERE instr(raw_edi, CAST('%s' AS BLOB)) > 0) + "
		 "(SELECT count(*) FROM claim_history WHERE instr(raw_edi, CAST('%s' AS BLOB)) > 0) + "
		 "(SELECT count(*) FROM remittances WHERE instr(raw_edi, CAST('%s' AS BLOB)) > 0) + "
		 "(SELECT count(*) FROM ingest_file_chunks WHERE instr(data, CAST('%s' AS BLOB)) > 0)",
		 text, text, text, text);
	return tu_query_int(f->db, sql);
}

static void
ingest_text(struct fx *f, const char *text)
{
	claims_ingest_result *r = NULL;

	assert_int_equal(claims_ingest_mem(&r, f->db, text, strlen(text), NULL), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	claims_ingest_result_free(r);
}

static void
assert_raw(struct fx *f, claims_raw_source src, int64_t id, const char *expect)
{
	void *raw = NULL;
	size_t len = 0;

	assert_int_equal(claims_raw_get(&raw, &len, f->db, src, id), CLAIMS_OK);
	assert_int_equal(len, strlen(expect));
	assert_memory_equal(raw, expect, len);
	claims_raw_free(raw);
}

static void
assert_raw_refused(struct fx *f, claims_raw_source src, int64_t id, const char *why)
{
	void *raw = (void *)"x";
	size_t len = 5;

	assert_int_equal(claims_raw_get(&raw, &len, f->db, src, id), CLAIMS_EDECRYPT);
	assert_null(raw);
	assert_int_equal(len, 0);
	if (!strstr(claims_db_errmsg(f->db), why))
		fail_msg("message \"%s\" does not say \"%s\"", claims_db_errmsg(f->db), why);
}

/* Flip the last byte of @p table's raw_edi in row @p id. */
static void
flip_last(struct fx *f, const char *table, int64_t id)
{
	char sql[160];
	sqlite3_stmt *s;
	unsigned char *p;
	size_t n;

	snprintf(sql, sizeof(sql), "SELECT raw_edi FROM %s WHERE id = %lld", table, (long long)id);
	assert_int_equal(sqlite3_prepare_v2(f->db->sql, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = (size_t)sqlite3_column_bytes(s, 0);
	assert_true(n > 0);
	p = malloc(n);
	assert_non_null(p);
	memcpy(p, sqlite3_column_blob(s, 0), n);
	sqlite3_finalize(s);
	p[n - 1] ^= 0x01;
	snprintf(sql, sizeof(sql), "UPDATE %s SET raw_edi = ?1 WHERE id = %lld", table, (long long)id);
	assert_int_equal(sqlite3_prepare_v2(f->db->sql, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_blob(s, 1, p, (int)n, SQLITE_TRANSIENT);
	assert_int_equal(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
	free(p);
}

/* The claim's and the remittance's own segments as the plain store keeps
 * them (read from a database without a key). */
static char *
plain_raw(struct fx *f, const char *query)
{
	char *t = tu_query_text(f->db, query);

	return t;
}

static void
test_records(void **state)
{
	struct fx *f = *state;
	char *claim_plain, *remit_plain;

	/* Stored without a key first: plaintext, raw_encrypted = 0. */
	ingest_text(f, f837);
	ingest_text(f, f835);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM claims WHERE raw_encrypted = 0 "
					     "AND instr(raw_edi, 'CLM*PCNSECRET1') > 0"),
			 1);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM claim_history WHERE raw_encrypted = 0"), 1);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM remittances WHERE raw_encrypted = 0"), 1);
	claim_plain = plain_raw(f, "SELECT CAST(raw_edi AS TEXT) FROM claims");
	remit_plain = plain_raw(f, "SELECT CAST(raw_edi AS TEXT) FROM remittances");
	assert_non_null(strstr(claim_plain, "CLM*PCNSECRET1"));
	assert_non_null(strstr(remit_plain, "CLP*PCNSECRET1"));
	assert_raw(f, CLAIMS_RAW_CLAIM, 1, claim_plain);
	assert_raw(f, CLAIMS_RAW_REMITTANCE, 1, remit_plain);

	/* A second database, with a key, gets the same files. */
	claims_db_close(f->db);
	assert_int_equal(unlink(f->path), 0);
	assert_int_equal(claims_db_open(&f->db, f->path, NULL), CLAIMS_OK);
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	ingest_text(f, f837);
	ingest_text(f, f835);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM claims WHERE raw_encrypted = 1"), 1);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM claim_history WHERE raw_encrypted = 1"), 1);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM remittances WHERE raw_encrypted = 1"), 1);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM ingest_files WHERE raw_encrypted = 1"), 2);
	assert_int_equal(plaintext_hits(f, "PCNSECRET1"), 0);
	assert_int_equal(plaintext_hits(f, "ISA*"), 0);
	assert_int_equal(plaintext_hits(f, "DOE"), 0);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM claims WHERE substr(raw_edi, 1, 4) = CAST('CLE1' AS BLOB)"), 1);
	/* Read back, the same bytes as stored in the clear. */
	assert_raw(f, CLAIMS_RAW_CLAIM, 1, claim_plain);
	assert_raw(f, CLAIMS_RAW_CLAIM_HISTORY, 1, claim_plain);
	assert_raw(f, CLAIMS_RAW_REMITTANCE, 1, remit_plain);

	/* The wrong key, no key. */
	assert_int_equal(claims_db_set_data_key(f->db, key_b, 32), CLAIMS_OK);
	assert_raw_refused(f, CLAIMS_RAW_CLAIM, 1, "authentication failed");
	assert_raw_refused(f, CLAIMS_RAW_CLAIM_HISTORY, 1, "authentication failed");
	assert_raw_refused(f, CLAIMS_RAW_REMITTANCE, 1, "authentication failed");
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 0), CLAIMS_OK);
	assert_raw_refused(f, CLAIMS_RAW_CLAIM, 1,
			   "the raw EDI of claim 1 is encrypted and no data key (DATA_KEY) was given");
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);

	/* A stream moved to another table does not decrypt there (its
	 * additional data names its place). */
	tu_exec(f->db, "UPDATE claim_history SET raw_edi = (SELECT raw_edi FROM claims WHERE id = 1)");
	assert_raw_refused(f, CLAIMS_RAW_CLAIM_HISTORY, 1, "authentication failed");
	tu_exec(f->db, "UPDATE remittances SET raw_edi = (SELECT raw_edi FROM claims WHERE id = 1)");
	assert_raw_refused(f, CLAIMS_RAW_REMITTANCE, 1, "authentication failed");
	/* Altered in place: its last byte. */
	flip_last(f, "claims", 1);
	assert_raw_refused(f, CLAIMS_RAW_CLAIM, 1, "authentication failed");

	{
		void *raw = NULL;
		size_t len = 0;

		assert_int_equal(claims_raw_get(&raw, &len, f->db, CLAIMS_RAW_CLAIM, 42), CLAIMS_ENOTFOUND);
		assert_string_equal(claims_db_errmsg(f->db), "Claim not found (id: 42)");
		assert_int_equal(claims_raw_get(&raw, &len, f->db, (claims_raw_source)7, 1), CLAIMS_EINVAL);
		assert_int_equal(claims_raw_get(&raw, NULL, f->db, CLAIMS_RAW_CLAIM, 1), CLAIMS_EINVAL);
		assert_null(claims_raw_source_to_str((claims_raw_source)7));
		assert_string_equal(claims_raw_source_to_str(CLAIMS_RAW_CLAIM_HISTORY), "claim_history");
	}
	free(claim_plain);
	free(remit_plain);
}

/* One database holding rows stored with and without the key. */
static void
test_mixed(void **state)
{
	struct fx *f = *state;
	unsigned char *a = bytes(70000, 1), *b = bytes(70000, 2), *back;
	int64_t plain_id, sealed_id;
	size_t len = 0;
	int out;

	plain_id = store_file(f, a, 70000);
	ingest_text(f, f837); /* claim 1 in the clear */
	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	sealed_id = store_file(f, b, 70000);
	ingest_text(f, f835); /* remittance 1 sealed */
	{
		char *v = tu_query_text(f->db, "SELECT group_concat(raw_encrypted, ',') FROM "
					       "(SELECT raw_encrypted FROM ingest_files ORDER BY id)");

		assert_string_equal(v, "0,0,1,1");
		free(v);
	}

	/* With the key: both kinds read. */
	out = out_file(f, "p");
	assert_int_equal(claims_file_copy_to_fd(f->db, plain_id, out), CLAIMS_OK);
	back = slurp(out, &len);
	assert_int_equal(len, 70000);
	assert_memory_equal(back, a, 70000);
	free(back);
	close(out);
	out = out_file(f, "s");
	assert_int_equal(claims_file_copy_to_fd(f->db, sealed_id, out), CLAIMS_OK);
	back = slurp(out, &len);
	assert_int_equal(len, 70000);
	assert_memory_equal(back, b, 70000);
	free(back);
	close(out);
	{
		void *raw = NULL;

		assert_int_equal(claims_raw_get(&raw, &len, f->db, CLAIMS_RAW_CLAIM, 1), CLAIMS_OK);
		claims_raw_free(raw);
		assert_int_equal(claims_raw_get(&raw, &len, f->db, CLAIMS_RAW_REMITTANCE, 1), CLAIMS_OK);
		claims_raw_free(raw);
	}

	/* Without it: the plaintext rows only. */
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 0), CLAIMS_OK);
	out = out_file(f, "p2");
	assert_int_equal(claims_file_copy_to_fd(f->db, plain_id, out), CLAIMS_OK);
	back = slurp(out, &len);
	assert_int_equal(len, 70000);
	assert_memory_equal(back, a, 70000);
	free(back);
	close(out);
	assert_copy_refused(f, sealed_id, "no data key");
	{
		void *raw = NULL;

		assert_int_equal(claims_raw_get(&raw, &len, f->db, CLAIMS_RAW_CLAIM, 1), CLAIMS_OK);
		claims_raw_free(raw);
		assert_raw_refused(f, CLAIMS_RAW_REMITTANCE, 1, "no data key");
	}
	free(a);
	free(b);
}

/* ------------------------------------------------------------ spool files */

static int
sealed_spool(struct fx *f, const char *name, const void *data, size_t len)
{
	claims_spool_writer *w = NULL;
	int fd = out_file(f, name);

	assert_int_equal(claims_spool_writer_new(&w, f->db, fd), CLAIMS_OK);
	assert_true(claims_spool_writer_sealed(w));
	/* In uneven pieces, as an upload arrives. */
	for (size_t off = 0; off < len;) {
		size_t k = len - off < 1000 ? len - off : 1000;

		assert_int_equal(claims_spool_writer_write(w, (const char *)data + off, k), CLAIMS_OK);
		off += k;
	}
	assert_int_equal(claims_spool_writer_finish(w), CLAIMS_OK);
	assert_int_equal(claims_spool_writer_finish(w), CLAIMS_EINVAL);
	assert_int_equal(claims_spool_writer_write(w, "x", 1), CLAIMS_EINVAL);
	claims_spool_writer_free(w);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void
test_spool(void **state)
{
	struct fx *f = *state;
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	claims_spool_writer *w = NULL;
	size_t len = 0;
	unsigned char *on_disk;
	int fd, plain_fd;

	/* Without a key a spool is written as it is. */
	plain_fd = out_file(f, "plain");
	assert_int_equal(claims_spool_writer_new(&w, f->db, plain_fd), CLAIMS_OK);
	assert_false(claims_spool_writer_sealed(w));
	assert_int_equal(claims_spool_writer_write(w, "abc", 3), CLAIMS_OK);
	assert_int_equal(claims_spool_writer_finish(w), CLAIMS_OK);
	claims_spool_writer_free(w);
	on_disk = slurp(plain_fd, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(on_disk, "abc", 3);
	free(on_disk);
	close(plain_fd);

	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	fd = sealed_spool(f, "spool", f837, strlen(f837));
	on_disk = slurp(fd, &len);
	assert_int_equal(len, claims__crypt_sealed_size(strlen(f837)));
	assert_memory_equal(on_disk, "CLE1", 4);
	assert_false(contains(on_disk, len, "PCNSECRET1"));
	assert_false(contains(on_disk, len, "ISA*"));

	/* Read as a sealed spool; the SHA-256 is the plaintext's. */
	o.sealed = true;
	assert_int_equal(claims_ingest_fd(&r, f->db, fd, &o), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	assert_int_equal(r->counts.claims_created, 1);
	claims_ingest_result_free(r);
	{
		unsigned char d[32];
		char hex[65];
		char *sha = tu_query_text(f->db, "SELECT sha256 FROM ingest_files");

		crypto_hash_sha256(d, (const unsigned char *)f837, strlen(f837));
		sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
		assert_string_equal(sha, hex);
		free(sha);
	}
	assert_int_equal(tu_query_int(f->db, "SELECT size_bytes FROM ingest_files"), (int64_t)strlen(f837));
	close(fd);

	/* A spool file altered on disk: refused, nothing recorded. */
	on_disk[len / 2] ^= 1;
	fd = file_with(f, "bad", on_disk, len);
	assert_int_equal(claims_ingest_fd(&r, f->db, fd, &o), CLAIMS_EDECRYPT);
	assert_null(r);
	assert_non_null(strstr(claims_db_errmsg(f->db), "cannot decrypt the spool file"));
	close(fd);
	fd = file_with(f, "short", on_disk, len - 1);
	assert_int_equal(claims_ingest_refuse_fd(&r, f->db, fd, "WRONG_FILE_TYPE", "m", "835", &o),
			 CLAIMS_EDECRYPT);
	close(fd);
	assert_int_equal(tu_query_int(f->db, "SELECT count(*) FROM ingest_files"), 1);
	free(on_disk);

	/* A sealed spool of an 835 through a job, then through the job's
	 * copy back into a spool (claimsd after a restart). */
	{
		int64_t job = 0, file = 0;
		int copy;

		fd = sealed_spool(f, "spool835", f835, strlen(f835));
		o.filename = "remit.835";
		assert_int_equal(claims_job_create(&job, &file, f->db, fd, NULL, CLAIMS_INGEST_835, &o),
				 CLAIMS_OK);
		close(fd);
		assert_int_equal(plaintext_hits(f, "PCNSECRET1"), 0);
		copy = out_file(f, "copy");
		assert_int_equal(claims_file_copy_to_spool(f->db, file, copy), CLAIMS_OK);
		on_disk = slurp(copy, &len);
		assert_int_equal(len, claims__crypt_sealed_size(strlen(f835)));
		assert_false(contains(on_disk, len, "CLP*"));
		free(on_disk);
		assert_int_equal(lseek(copy, 0, SEEK_SET), 0);
		assert_int_equal(claims_ingest_fd(&r, f->db, copy, &o), CLAIMS_OK);
		assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
		assert_int_equal(r->ingest_file_id, file);
		assert_int_equal(r->counts.remittances_created, 1);
		claims_ingest_result_free(r);
		close(copy);
	}

	/* sealed without a key is a caller mistake. */
	assert_int_equal(claims_db_set_data_key(f->db, NULL, 0), CLAIMS_OK);
	fd = out_file(f, "nokey");
	assert_int_equal(claims_ingest_fd(&r, f->db, fd, &o), CLAIMS_EINVAL);
	{
		int64_t job = 0;

		assert_int_equal(claims_job_create(&job, NULL, f->db, fd, NULL, CLAIMS_INGEST_ANY, &o),
				 CLAIMS_EINVAL);
	}
	close(fd);
}

/* A pipe is spooled (sealed with the key) before its two passes. */
static void
test_pipe_with_key(void **state)
{
	struct fx *f = *state;
	claims_ingest_result *r = NULL;
	int p[2];

	assert_int_equal(claims_db_set_data_key(f->db, key_a, 32), CLAIMS_OK);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], f837, strlen(f837)), (ssize_t)strlen(f837));
	close(p[1]);
	assert_int_equal(claims_ingest_fd(&r, f->db, p[0], NULL), CLAIMS_OK);
	close(p[0]);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	assert_int_equal(r->counts.claims_created, 1);
	claims_ingest_result_free(r);
	assert_int_equal(tu_query_int(f->db, "SELECT size_bytes FROM ingest_files"), (int64_t)strlen(f837));
	assert_int_equal(plaintext_hits(f, "PCNSECRET1"), 0);
}

/* ------------------------------------------------------------ file mode */

static void
test_file_mode(void **state)
{
	struct fx *f = *state;
	const char *suffix[] = { "", "-wal", "-shm" };
	mode_t old = umask(0);
	claims_db *db = NULL;
	char *path = tu_path(f->dir, "private.db");

	assert_int_equal(claims_db_open(&db, path, NULL), CLAIMS_OK);
	umask(old);
	ingest_text(&(struct fx){ .db = db }, f837); /* a write: the WAL exists */
	for (size_t i = 0; i < 3; i++) {
		char name[600];
		struct stat st;

		snprintf(name, sizeof(name), "%s%s", path, suffix[i]);
		assert_int_equal(stat(name, &st), 0);
		if ((st.st_mode & 0777) != 0600)
			fail_msg("%s has mode %o", name, (unsigned)(st.st_mode & 0777));
	}
	claims_db_close(db);
	free(path);
}

/* Opening another handle on an existing database must not release the
 * locks this process's handles hold (closing any descriptor of the file
 * would): another process closing its connection would then take the
 * database for unused and delete the WAL under them. */
static void
test_open_keeps_other_handles_locks(void **state)
{
	struct fx *f = *state;
	claims_db *db2 = NULL;
	char *wal = malloc(strlen(f->path) + 8);
	struct stat st;
	pid_t pid;
	int status = 0;

	assert_non_null(wal);
	sprintf(wal, "%s-wal", f->path);
	ingest_text(f, f837); /* f->db has written and read: it holds its locks */
	assert_int_equal(claims_db_open(&db2, f->path, NULL), CLAIMS_OK);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* A fresh process (exec: no SQLite state copied from this one). */
		execlp("python3", "python3", "-c",
		       "import sqlite3, sys\n"
		       "c = sqlite3.connect(sys.argv[1])\n"
		       "c.execute('SELECT count(*) FROM claims').fetchall()\n"
		       "c.close()\n",
		       f->path, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(stat(wal, &st), 0);
	claims_db_close(db2);
	free(wal);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_refusals),
		cmocka_unit_test(test_format_cut_at_chunk),
		cmocka_unit_test_setup_teardown(test_set_data_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_row_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipe_with_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_keeps_other_handles_locks, setup, teardown),
	};

	if (sodium_init() < 0) /* the format tests run before any handle opens */
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
