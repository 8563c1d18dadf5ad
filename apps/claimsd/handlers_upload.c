/*
 * claimsd: uploads and jobs (spec/api.md §4.1, §4.2).
 *
 * An upload is streamed, never held: the raw body, or the one multipart
 * part named "file", goes piece by piece into an unlinked spool file
 * (sealed with DATA_KEY when set, security.md §5: claims_spool_writer)
 * while its SHA-256 is computed over the plaintext and its first 64 KiB
 * are kept for sniffing.
 * Then, in the spec's order: size (413, also while reading), the type of
 * the first transaction set (422 WRONG_FILE_TYPE, the file recorded
 * refused), duplicate (200 with the earlier file, or 202 with the job
 * still working on the same bytes), then processing: in the request up to
 * UPLOAD_SYNC_MAX_BYTES, else a queued job (202; 503 when JOB_QUEUE_MAX
 * jobs wait).  Concurrent uploads of the same bytes take these decisions
 * one after the other (jobs_sha_lock), so the second sees the first's file
 * or job.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <sodium.h>

#include "ingest_watch.h"
#include "jobs.h"
#include "json.h"
#include "metrics.h"
#include "multipart.h"
#include "render.h"
#include "render_jobs.h"
#include "server.h"

#define SNIFF_BYTES 65536
#define FILENAME_MAX_BYTES 255
/* Room for the multipart framing and small form fields beside the file. */
#define MULTIPART_SLACK ((int64_t)1 << 20)
/* Answer codes of the streaming (beyond the multipart parser's own). */
enum {
	UP_TOO_LARGE = -100,
	UP_REPEATED = -101,
	UP_IO = -102,
};

struct upload {
	struct request *req;
	int fd;
	claims_spool_writer *spool; /* writes fd, sealed with the handle's key */
	int64_t max_bytes;
	int64_t size;
	crypto_hash_sha256_state sha;
	unsigned char head[SNIFF_BYTES];
	size_t head_len;
	/* multipart */
	bool in_file_part;
	int file_parts;
	bool file_complete;
	char part_filename[MULTIPART_FILENAME_MAX];
	bool has_part_filename;
};

/* ---- the file's bytes */

static int
sink(struct upload *u, const char *data, size_t len)
{
	if (u->size + (int64_t)len > u->max_bytes)
		return UP_TOO_LARGE;
	u->size += (int64_t)len;
	crypto_hash_sha256_update(&u->sha, (const unsigned char *)data, len);
	if (u->head_len < SNIFF_BYTES) {
		size_t k = SNIFF_BYTES - u->head_len < len ? SNIFF_BYTES - u->head_len : len;

		memcpy(u->head + u->head_len, data, k);
		u->head_len += k;
	}
	return claims_spool_writer_write(u->spool, data, len) < 0 ? UP_IO : 0;
}

static int
on_part_begin(void *payload, const char *name, const char *filename)
{
	struct upload *u = payload;

	u->in_file_part = strcmp(name, "file") == 0;
	if (!u->in_file_part)
		return 0;
	if (++u->file_parts > 1)
		return UP_REPEATED;
	if (filename) {
		snprintf(u->part_filename, sizeof(u->part_filename), "%s", filename);
		u->has_part_filename = true;
	}
	return 0;
}

static int
on_part_data(void *payload, const char *data, size_t len)
{
	struct upload *u = payload;

	return u->in_file_part ? sink(u, data, len) : 0;
}

static int
on_part_end(void *payload)
{
	struct upload *u = payload;

	if (u->in_file_part)
		u->file_complete = true;
	u->in_file_part = false;
	return 0;
}

static const struct multipart_callbacks part_cb = { on_part_begin, on_part_data, on_part_end };

/* ---- answers */

static const char CLOSE[] = "Connection: close\r\n";

static int
send_body_file_error(struct request *req, const char *type, const char *msg, bool close)
{
	claims_validation v = { .count = 1 };

	v.errors[0] = (claims_validation_error){ "body", "file", type, msg };
	return http_send_owned_headers(req->conn, 422, render_validation_error(&v),
				       close ? CLOSE : NULL);
}

static int
send_too_large(struct request *req, int64_t max)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "The file is larger than MAX_FILE_BYTES (%" PRId64 " bytes)", max);
	return http_send_error(req->conn, 413, "PAYLOAD_TOO_LARGE", msg, CLOSE);
}

/* ---- parameters */

static void
add_problem(claims_validation *v, const char *name, const char *type, const char *msg)
{
	if (v->count < CLAIMS_VALIDATION_MAX)
		v->errors[v->count++] = (claims_validation_error){ "query", name, type, msg };
}

/* mode, practice_id and filename: each at most once; mode one of two. */
static bool
upload_params(struct request *req, claims_x12_mode *mode, const char **practice_id,
	      const char **filename)
{
	static const char *const names[] = { "mode", "practice_id", "filename" };
	claims_validation v = { 0 };
	const char *mode_s;
	int rc;

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		size_t seen = 0;

		for (size_t i = 0; i < req->nparams; i++)
			seen += strcmp(req->params[i].name, names[k]) == 0;
		if (seen > 1)
			add_problem(&v, names[k], "repeated", "must be given at most once");
	}
	*mode = app.cfg.ingest.mode;
	mode_s = v.count && strcmp(v.errors[0].name, "mode") == 0 ? NULL : request_param(req, "mode");
	if (mode_s && strcmp(mode_s, "tolerant") == 0)
		*mode = CLAIMS_X12_TOLERANT;
	else if (mode_s && strcmp(mode_s, "strict") == 0)
		*mode = CLAIMS_X12_STRICT;
	else if (mode_s)
		add_problem(&v, "mode", "enum", "must be one of: tolerant, strict");
	*practice_id = request_param(req, "practice_id");
	if (*practice_id && !**practice_id)
		*practice_id = NULL;
	*filename = request_param(req, "filename");
	if (v.count == 0 && *practice_id) {
		rc = claims_practice_check(req->db, *practice_id, "query", "practice_id", &v);
		if (rc < 0 && rc != CLAIMS_EINVAL) {
			http_send_db_error(req, rc);
			return false;
		}
	}
	if (v.count) {
		request_send_validation(req, &v);
		return false;
	}
	return true;
}

/* The name as stored: the last path component ('/' or '\'), control
 * characters as '_', at most 255 bytes (cut at a UTF-8 boundary),
 * "unknown" when nothing is left.  Never used as a path. */
static void
sanitize_filename(const char *in, char out[FILENAME_MAX_BYTES + 1])
{
	const char *base = in ? in : "";
	size_t n = 0;

	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	for (const unsigned char *p = (const unsigned char *)base; *p && n < FILENAME_MAX_BYTES; p++)
		out[n++] = (*p < 0x20 || *p == 0x7f) ? '_' : (char)*p;
	/* Do not end inside a multi-byte sequence. */
	if (base[n] != '\0') {
		size_t k = n;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0xc0)
			n = k - 1;
	}
	out[n] = '\0';
	if (n == 0)
		snprintf(out, FILENAME_MAX_BYTES + 1, "unknown");
}

/* ---- media types */

enum body_kind { BODY_RAW, BODY_MULTIPART, BODY_UNSUPPORTED };

static enum body_kind
body_kind(const char *ct, char *boundary, size_t blen, bool *bad_boundary)
{
	static const char *const raw[] = { "application/edi-x12", "application/edi", "text/plain" };
	size_t n;

	*bad_boundary = false;
	if (!ct)
		return BODY_UNSUPPORTED;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 19 && strncasecmp(ct, "multipart/form-data", n) == 0) {
		*bad_boundary = !multipart_boundary(ct, boundary, blen);
		return BODY_MULTIPART;
	}
	for (size_t i = 0; i < sizeof(raw) / sizeof(raw[0]); i++)
		if (n == strlen(raw[i]) && strncasecmp(ct, raw[i], n) == 0)
			return BODY_RAW;
	return BODY_UNSUPPORTED;
}

/* ---- the upload */

static bool
type_in_family(claims_x12_type t, claims_ingest_expect e)
{
	if (e == CLAIMS_INGEST_835)
		return t == CLAIMS_X12_TYPE_835;
	return t == CLAIMS_X12_TYPE_837P || t == CLAIMS_X12_TYPE_837I ||
	       t == CLAIMS_X12_TYPE_837_PENDING;
}

/* The first set's type as detected_type names it: "837P", "837I", "835",
 * else "unknown". */
static const char *
sniffed_name(claims_x12_type t)
{
	switch (t) {
	case CLAIMS_X12_TYPE_837P:
	case CLAIMS_X12_TYPE_837I:
	case CLAIMS_X12_TYPE_835:
		return claims_x12_type_to_str(t);
	default:
		return "unknown";
	}
}

/* Read the body into the spool file.  0, or the status already sent. */
static int
receive(struct upload *u, enum body_kind kind, const char *boundary)
{
	struct request *req = u->req;
	struct multipart mp;
	char *buf;
	int64_t total = 0;
	int64_t total_max = kind == BODY_MULTIPART ? u->max_bytes + MULTIPART_SLACK : u->max_bytes;
	int rc = 0;

	if (req->info->content_length > total_max)
		return send_too_large(req, u->max_bytes);
	buf = malloc(65536);
	if (!buf)
		return http_send_owned(req->conn, 500, NULL);
	if (kind == BODY_MULTIPART)
		multipart_init(&mp, boundary, &part_cb, u);
	for (;;) {
		int n = mg_read(req->conn, buf, 65536);

		if (n <= 0)
			break;
		total += n;
		if (total > total_max) {
			rc = UP_TOO_LARGE;
			break;
		}
		rc = kind == BODY_MULTIPART ? multipart_feed(&mp, buf, (size_t)n)
					    : sink(u, buf, (size_t)n);
		if (rc < 0)
			break;
	}
	free(buf);
	if (rc == 0 && kind == BODY_MULTIPART)
		rc = multipart_finish(&mp);
	switch (rc) {
	case 0:
		break;
	case UP_TOO_LARGE:
		return send_too_large(req, u->max_bytes);
	case UP_REPEATED:
		return send_body_file_error(req, "repeated", "must be given at most once", true);
	case UP_IO:
		fprintf(stderr, "claimsd: writing a spool file: %s\n", claims_db_errmsg(req->db));
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", CLOSE);
	case MULTIPART_ETRUNCATED:
		/* A complete file part before a missing closing delimiter is
		 * still not a well-formed body. */
		return send_body_file_error(req, "missing",
					    "the multipart body ended before its closing boundary",
					    false);
	default:
		return send_body_file_error(req, "missing", "the multipart body is malformed", true);
	}
	if (kind == BODY_MULTIPART && !u->file_complete)
		return send_body_file_error(req, "missing", "a part named file is required", false);
	if (u->size == 0)
		return send_body_file_error(req, "missing", "the file is empty", false);
	if (claims_spool_writer_finish(u->spool) < 0) {
		fprintf(stderr, "claimsd: writing a spool file: %s\n", claims_db_errmsg(req->db));
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", CLOSE);
	}
	return 0;
}

static int
send_wrong_type(struct request *req, claims_ingest_expect family, const char *detected,
		const char *message)
{
	return http_send_owned(req->conn, 422,
			       render_wrong_file_type(claims_ingest_expect_to_str(family),
						      jobs_wrong_detected(family, detected),
						      message));
}

static int
send_duplicate(struct request *req, const claims_ingest_result *r, const char *filename,
	       int64_t size, claims_ingest_expect family)
{
	struct upload_view v = {
		.message = "File already ingested",
		.ingest_file_id = r->ingest_file_id,
		.filename = filename,
		.size_bytes = size,
		.processing_mode = "duplicate",
		.status = "duplicate",
		.file_type = claims_ingest_expect_to_str(family),
		.detected_type = r->detected_type,
		.result = r,
	};

	return http_send_owned(req->conn, 200, render_upload(&v));
}

static int
send_queued(struct request *req, int64_t job_id, int64_t file_id, const char *filename,
	    int64_t size, claims_ingest_expect family, const char *detected)
{
	char url[64], headers[128];
	struct upload_view v = {
		.message = "File queued for processing",
		.job_id = job_id,
		.ingest_file_id = file_id,
		.filename = filename,
		.size_bytes = size,
		.processing_mode = "background",
		.status = "queued",
		.file_type = claims_ingest_expect_to_str(family),
		.detected_type = detected,
		.status_url = url,
	};

	snprintf(url, sizeof(url), "/api/v1/jobs/%" PRId64, job_id);
	snprintf(headers, sizeof(headers), "Location: %s\r\n", url);
	return http_send_owned_headers(req->conn, 202, render_upload(&v), headers);
}

/* Process the spooled file in the request. */
static int
process_now(struct request *req, struct upload *u, const claims_ingest_options *opts,
	    claims_ingest_expect family)
{
	claims_ingest_options o = *opts;
	claims_ingest_result *r = NULL;
	struct ingest_watch watch;
	bool ingested;
	int rc, status;

	if (lseek(u->fd, 0, SEEK_SET) < 0)
		return http_send_owned(req->conn, 500, NULL);
	ingest_watch_init(&watch, opts->filename, claims_ingest_expect_to_str(family), 0);
	ingest_watch_attach(&watch, &o);
	rc = claims_ingest_fd(&r, req->db, u->fd, &o);
	ingested = ingest_watch_finish(&watch, rc, r);
	if (rc < 0)
		return http_send_db_error(req, rc);
	if (ingested)
		ingest_watch_done(&watch, r);
	if (r->status == CLAIMS_INGEST_DUPLICATE) {
		status = send_duplicate(req, r, opts->filename, u->size, family);
	} else if (r->status == CLAIMS_INGEST_REFUSED) {
		if (strcmp(r->error_code, "WRONG_FILE_TYPE") == 0)
			status = send_wrong_type(req, family, r->detected_type, r->error_message);
		else if (strcmp(r->error_code, "FILE_TOO_LARGE") == 0)
			status = send_too_large(req, opts->max_file_bytes);
		else
			status = http_send_owned(req->conn, 422,
						 render_edi_refused(opts->filename, r));
	} else {
		struct upload_view v = {
			.message = "File processed",
			.ingest_file_id = r->ingest_file_id,
			.filename = opts->filename,
			.size_bytes = u->size,
			.processing_mode = "in-request",
			.status = "succeeded",
			.file_type = claims_ingest_expect_to_str(family),
			.detected_type = r->detected_type,
			.result = r,
		};

		status = http_send_owned(req->conn, 200, render_upload(&v));
	}
	claims_ingest_result_free(r);
	return status;
}

/* The decisions after the body is in: type, duplicate, processing. */
static int
decide(struct request *req, struct upload *u, const claims_ingest_options *opts,
       claims_ingest_expect family, const char *sha)
{
	const struct jobs_config *jc = jobs_config(app.jobs);
	claims_ingest_result *r = NULL;
	claims_x12_type first;
	const char *detected;
	int64_t job_id = 0, file_id = 0;
	int rc, status;

	rc = claims_ingest_sniff(&first, u->head, u->head_len);
	if (rc < 0)
		return http_send_owned(req->conn, 500, NULL);
	detected = sniffed_name(first);
	if (first != CLAIMS_X12_TYPE_NONE && !type_in_family(first, family)) {
		/* An 837 of undecided kind is still named as one in the answer. */
		const char *found = first == CLAIMS_X12_TYPE_837_PENDING ? "837" : detected;
		char msg[160];

		snprintf(msg, sizeof(msg), "Expected an %s file, found %s",
			 claims_ingest_expect_to_str(family), found);
		if (lseek(u->fd, 0, SEEK_SET) < 0)
			return http_send_owned(req->conn, 500, NULL);
		rc = claims_ingest_refuse_fd(&r, req->db, u->fd, "WRONG_FILE_TYPE", msg, detected,
					     opts);
		claims_ingest_result_free(r);
		if (rc < 0)
			return http_send_db_error(req, rc);
		metrics_count_ingest("refused", 0, 0);
		return send_wrong_type(req, family, found, msg);
	}

	rc = claims_ingest_lookup(&r, req->db, sha);
	if (rc == CLAIMS_OK) {
		metrics_count_ingest("duplicate", 0, 0);
		status = send_duplicate(req, r, opts->filename, u->size, family);
		claims_ingest_result_free(r);
		return status;
	}
	if (rc != CLAIMS_ENOTFOUND)
		return http_send_db_error(req, rc);
	rc = claims_job_find_active(&job_id, req->db, sha);
	if (rc == CLAIMS_OK)
		return send_queued(req, job_id, 0, opts->filename, u->size, family, detected);
	if (rc != CLAIMS_ENOTFOUND)
		return http_send_db_error(req, rc);

	if (u->size <= jc->sync_max_bytes)
		return process_now(req, u, opts, family);

	rc = jobs_submit(app.jobs, req->db, u->fd, sha, family, opts, &job_id, &file_id);
	if (rc == JOBS_QUEUE_FULL)
		return http_send_error(req->conn, 503, "SERVICE_UNAVAILABLE",
				       "The job queue is full; retry later", "Retry-After: 30\r\n");
	if (rc == CLAIMS_EEXISTS) {
		/* Another process got there first: answer as it left things. */
		if (claims_ingest_lookup(&r, req->db, sha) == CLAIMS_OK) {
			metrics_count_ingest("duplicate", 0, 0);
			status = send_duplicate(req, r, opts->filename, u->size, family);
			claims_ingest_result_free(r);
			return status;
		}
		if (job_id)
			return send_queued(req, job_id, file_id, opts->filename, u->size, family,
					   detected);
	}
	if (rc < 0)
		return http_send_db_error(req, rc);
	return send_queued(req, job_id, file_id, opts->filename, u->size, family, detected);
}

static int
upload(struct request *req, claims_ingest_expect family)
{
	claims_ingest_options opts = app.cfg.ingest;
	struct upload *u = NULL;
	enum body_kind kind;
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	char filename[FILENAME_MAX_BYTES + 1];
	unsigned char digest[crypto_hash_sha256_BYTES];
	char sha[65];
	const char *practice_id, *query_filename;
	claims_x12_mode mode;
	bool bad_boundary;
	int status;

	if (!upload_params(req, &mode, &practice_id, &query_filename))
		return 422;
	kind = body_kind(mg_get_header(req->conn, "Content-Type"), boundary, sizeof(boundary),
			 &bad_boundary);
	if (kind == BODY_UNSUPPORTED)
		return http_send_error(req->conn, 415, "UNSUPPORTED_MEDIA_TYPE",
				       "Send multipart/form-data with a part named file, or the file "
				       "as application/edi-x12, application/edi or text/plain",
				       CLOSE);
	if (kind == BODY_MULTIPART && bad_boundary)
		return send_body_file_error(req, "missing",
					    "multipart/form-data needs a valid boundary parameter",
					    true);

	u = calloc(1, sizeof(*u));
	if (!u)
		return http_send_owned(req->conn, 500, NULL);
	u->req = req;
	u->max_bytes = opts.max_file_bytes > 0 ? opts.max_file_bytes
					       : CLAIMS_X12_DEFAULT_MAX_FILE_BYTES;
	crypto_hash_sha256_init(&u->sha);
	u->fd = jobs_spool_open(app.jobs);
	if (u->fd < 0) {
		fprintf(stderr, "claimsd: cannot create a spool file in %s: %s\n",
			jobs_config(app.jobs)->spool_dir, strerror(errno));
		free(u);
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", CLOSE);
	}
	if (claims_spool_writer_new(&u->spool, req->db, u->fd) < 0) {
		fprintf(stderr, "claimsd: cannot start a spool file: %s\n", claims_db_errmsg(req->db));
		status = http_send_error(req->conn, 500, "INTERNAL_ERROR",
					 "An unexpected error occurred", CLOSE);
		goto out;
	}
	status = receive(u, kind, boundary);
	if (status != 0)
		goto out;

	sanitize_filename(u->has_part_filename ? u->part_filename : query_filename, filename);
	crypto_hash_sha256_final(&u->sha, digest);
	sodium_bin2hex(sha, sizeof(sha), digest, sizeof(digest));
	/* The audit row's request_identifier is h(this hash) (security.md §4). */
	security_note_upload(sha);
	opts.mode = mode;
	opts.expect = family;
	/* Every reader of the spool decrypts it when it was sealed. */
	opts.sealed = claims_spool_writer_sealed(u->spool);
	opts.filename = filename;
	opts.practice_id = practice_id;
	opts.engine = &app.engine;
	opts.max_file_bytes = u->max_bytes;

	jobs_sha_lock(app.jobs, sha);
	status = decide(req, u, &opts, family, sha);
	jobs_sha_unlock(app.jobs, sha);
out:
	claims_spool_writer_free(u->spool); /* wipes the chunk in hand */
	close(u->fd); /* the spool file is gone with its last descriptor */
	sodium_memzero(u->head, sizeof(u->head));
	free(u);
	return status;
}

int
handle_claims_upload(struct request *req)
{
	return upload(req, CLAIMS_INGEST_837);
}

int
handle_remits_upload(struct request *req)
{
	return upload(req, CLAIMS_INGEST_835);
}

/* ---- jobs */

int
handle_job_get(struct request *req)
{
	claims_job *job = NULL;
	int64_t id;
	int rc, status;

	if (!request_path_id(req, 0, "job_id", &id))
		return 422;
	rc = claims_job_get(&job, req->db, id);
	if (rc == CLAIMS_ENOTFOUND)
		return http_send_owned(req->conn, 404, render_not_found("Job", id));
	if (rc < 0)
		return http_send_db_error(req, rc);
	status = http_send_owned(req->conn, 200, render_job(job));
	claims_job_free(job);
	return status;
}

int
handle_jobs_list(struct request *req)
{
	claims_job_query q;
	claims_job_list *l = NULL;
	claims_validation v = { 0 };
	int rc, status;

	rc = claims_job_query_parse(&q, req->params, req->nparams, &v);
	if (rc == CLAIMS_EINVAL && v.count)
		return request_send_validation(req, &v);
	if (rc < 0)
		return http_send_db_error(req, rc);
	rc = claims_job_list_get(&l, req->db, &q);
	if (rc < 0)
		return http_send_db_error(req, rc);
	status = http_send_owned(req->conn, 200, render_job_list(l));
	claims_job_list_free(l);
	return status;
}
