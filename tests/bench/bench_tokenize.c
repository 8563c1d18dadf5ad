/*
 * Tokenizer benchmark (spec/README.md "Performance targets": X12
 * tokenizing >= 500 MB/s, reported next to a plain memchr scan of the same
 * bytes in the same run).
 *
 * Usage: bench_tokenize FILE [ROUNDS]
 *   FILE    an X12 file, e.g. from tests/bench/gen_x12.py (100 MB)
 *   ROUNDS  repetitions of each measurement, best kept (default 5)
 *
 * Lines printed, each with MB/s (1 MB = 10^6 bytes) over the file size:
 *   memchr          count segment terminators with memchr (the baseline)
 *   tokenizer mem   claims_x12_reader_next_segment() over the bytes in memory
 *   tokenizer fd    the same reading the file through a descriptor (page cache)
 *   walker mem      claims_x12_reader_next(): tokenizer + envelope checks
 * and the tokenizer/memchr ratio.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <claims/claims.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile size_t sink;

static size_t
run_memchr(const unsigned char *data, size_t len)
{
	const unsigned char *p = data, *end = data + len;
	size_t n = 0;

	while (p < end) {
		const unsigned char *q = memchr(p, '~', (size_t)(end - p));

		if (!q)
			break;
		n++;
		p = q + 1;
	}
	return n;
}

static size_t
run_tokenizer(const unsigned char *data, size_t len, const char *path)
{
	claims_x12_reader_options opts = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *r = NULL;
	const claims_x12_segment *seg;
	size_t n = 0, elements = 0;
	int fd = -1, rc;

	opts.max_file_bytes = (int64_t)len + 1;
	if (path) {
		fd = open(path, O_RDONLY);
		if (fd < 0 || claims_x12_reader_new_fd(&r, fd, &opts) != CLAIMS_OK) {
			fprintf(stderr, "cannot open %s\n", path);
			exit(1);
		}
	} else if (claims_x12_reader_new_mem(&r, data, len, &opts) != CLAIMS_OK) {
		fprintf(stderr, "reader_new_mem failed\n");
		exit(1);
	}
	while ((rc = claims_x12_reader_next_segment(&seg, r)) == CLAIMS_OK && seg) {
		n++;
		elements += seg->count; /* touch the result */
	}
	if (rc != CLAIMS_OK) {
		fprintf(stderr, "tokenizer failed: %s\n", claims_strerror(rc));
		exit(1);
	}
	sink += elements;
	claims_x12_reader_free(r);
	if (fd >= 0)
		close(fd);
	return n;
}

static size_t
run_walker(const unsigned char *data, size_t len)
{
	claims_x12_reader_options opts = CLAIMS_X12_READER_OPTIONS_INIT;
	claims_x12_reader *r = NULL;
	const claims_x12_event *ev;
	size_t n = 0;
	int rc;

	opts.max_file_bytes = (int64_t)len + 1;
	if (claims_x12_reader_new_mem(&r, data, len, &opts) != CLAIMS_OK)
		exit(1);
	while ((rc = claims_x12_reader_next(&ev, r)) == CLAIMS_OK && ev)
		n += ev->type == CLAIMS_X12_EVENT_SEGMENT;
	if (rc != CLAIMS_OK) {
		fprintf(stderr, "walker failed: %s\n", claims_strerror(rc));
		exit(1);
	}
	claims_x12_reader_free(r);
	return n;
}

int
main(int argc, char **argv)
{
	const char *path;
	unsigned char *data;
	struct stat st;
	size_t len, count[4] = { 0 };
	double best[4] = { 1e30, 1e30, 1e30, 1e30 };
	int rounds = 5;
	FILE *f;
	static const char *names[4] = { "memchr", "tokenizer mem", "tokenizer fd", "walker mem" };

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE [ROUNDS]\n", argv[0]);
		return 2;
	}
	path = argv[1];
	if (argc > 2)
		rounds = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
	if (stat(path, &st) != 0 || st.st_size <= 0) {
		fprintf(stderr, "cannot stat %s\n", path);
		return 1;
	}
	len = (size_t)st.st_size;
	data = malloc(len);
	f = fopen(path, "rb");
	if (!data || !f || fread(data, 1, len, f) != len) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	fclose(f);

	for (int round = 0; round < rounds; round++) {
		for (int k = 0; k < 4; k++) {
			double t0 = now(), dt;

			switch (k) {
			case 0: count[k] = run_memchr(data, len); break;
			case 1: count[k] = run_tokenizer(data, len, NULL); break;
			case 2: count[k] = run_tokenizer(data, len, path); break;
			case 3: count[k] = run_walker(data, len); break;
			}
			dt = now() - t0;
			if (dt < best[k])
				best[k] = dt;
		}
	}
	printf("file: %s, %zu bytes, best of %d rounds\n", path, len, rounds);
	for (int k = 0; k < 4; k++)
		printf("%-14s %9.1f MB/s  (%zu %s)\n", names[k], (double)len / best[k] / 1e6, count[k],
		       k == 0 ? "terminators" : k == 3 ? "segment events" : "segments");
	printf("tokenizer/memchr: %.3f\n", best[0] / best[1]);
	free(data);
	return 0;
}
