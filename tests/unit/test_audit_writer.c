/*
 * claimsd's audit queue and writer (apps/claimsd/audit.c) against a real
 * database file: rows with their hashed identifiers, no PHI in the clear
 * anywhere in the file, no maps without a key, bodies over the limit not
 * examined, a full queue dropping and counting, the flush at stop, and the
 * settings from the environment.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit.h"
#include "audit_phi.h"

static unsigned char key[32];

struct fixture {
	char dir[64];
	char db[128];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	claims_db *db = NULL;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/claims-audit-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/claims.db", f->dir);
	assert_int_equal(claims_db_open(&db, f->db, NULL), CLAIMS_OK);
	claims_db_close(db);
	for (int i = 0; i < 32; i++)
		key[i] = (unsigned char)(0xa0 + i);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", f->dir);
	free(f);
	return 0;
}

static struct audit_settings
settings(const unsigned char *k, long queue, long max_body)
{
	struct audit_settings s = { true, queue, max_body, k, k ? 32 : 0 };

	return s;
}

/* Every row, newest first (ties by id descending). */
static claims_audit_log_list *
rows(const struct fixture *f)
{
	claims_db *db = NULL;
	claims_audit_log_list *l = NULL;
	claims_audit_query q;

	assert_int_equal(claims_db_open(&db, f->db, NULL), CLAIMS_OK);
	claims_audit_query_init(&q);
	q.page.limit = 1000;
	assert_int_equal(claims_audit_log_list_get(&l, db, &q, NULL), CLAIMS_OK);
	claims_db_close(db);
	return l;
}

/* The row with this path (exactly one). */
static const claims_audit_log *
row_by_path(const claims_audit_log_list *l, const char *path)
{
	const claims_audit_log *found = NULL;

	for (size_t i = 0; i < l->count; i++) {
		if (strcmp(l->items[i].path, path) == 0) {
			assert_null(found);
			found = &l->items[i];
		}
	}
	assert_non_null(found);
	return found;
}

/* Whether @p needle occurs in the file (database, WAL) at @p path. */
static bool
file_contains(const char *path, const char *needle)
{
	FILE *fp = fopen(path, "rb");
	size_t n = strlen(needle), len = 0, cap = 0;
	char *buf = NULL, chunk[65536];
	size_t got;
	bool found = false;

	if (!fp)
		return false;
	while ((got = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (len + got > cap) {
			cap = (len + got) * 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		memcpy(buf + len, chunk, got);
		len += got;
	}
	fclose(fp);
	for (size_t i = 0; i + n <= len && !found; i++)
		found = memcmp(buf + i, needle, n) == 0;
	free(buf);
	return found;
}

static void
h(char out[AUDIT_PHI_HEX + 1], const char *text)
{
	assert_true(audit_phi_hash(out, key, sizeof(key), text, strlen(text)));
}

/* ---- rows and their identifiers */

static const char request_body[] = "{\"member_id\": \"MBR-77341\", \"status\": \"complete\","
				   " \"subscriber\": {\"last_name\": \"Quintavalle\"}}";
static const char response_body[] = "{\"claims\": [{\"id\": 1, \"patient_control_number\": "
				    "\"PCN-5521\"}], \"total\": 1}";

static void
test_rows_and_hashes(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(key, 100, 1 << 20);
	const claims_param params[] = { { "patient_name", "Quintavalle Rosamund" },
					{ "skip", "0" } };
	char want[1024], h1[65], h2[65], h3[65], id[65];
	claims_audit_log_list *l;
	const claims_audit_log *r;
	char wal[160];

	assert_int_equal(audit_start(f->db, &s), 0);
	audit_record(&(struct audit_event){
		.method = "PATCH",
		.path = "/api/v1/episodes/1/status",
		.status = 200,
		.duration = 0.0125,
		.user_id = "alice",
		.client_ip = "127.0.0.1",
		.params = params,
		.nparams = 2,
		.request_body = request_body,
		.request_len = strlen(request_body),
		.response_body = response_body,
		.response_len = strlen(response_body),
	});
	audit_record(&(struct audit_event){
		.method = "POST",
		.path = "/api/v1/claims/upload",
		.status = 202,
		.duration = 1.5,
		.upload_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	});
	audit_record(&(struct audit_event){
		.method = "GET",
		.path = "/api/v1/claims",
		.status = 200,
		.duration = -3, /* a clock step: stored as 0 */
	});
	audit_stop();
	assert_int_equal(audit_dropped_total(), 0);

	l = rows(f);
	assert_int_equal(l->count, 3);
	r = row_by_path(l, "/api/v1/episodes/1/status");
	assert_string_equal(r->method, "PATCH");
	assert_int_equal(r->status_code, 200);
	assert_true(r->duration == 0.0125);
	assert_string_equal(r->user_id, "alice");
	assert_string_equal(r->client_ip, "127.0.0.1");
	assert_int_equal(strlen(r->created_at), 20);
	/* The request map: the query parameter, then the body's members. */
	h(h1, "MBR-77341");
	h(h2, "Quintavalle Rosamund");
	h(h3, "{\"last_name\":\"Quintavalle\"}");
	snprintf(want, sizeof(want), "{\"member_id\":\"%s\",\"query.patient_name\":\"%s\","
		 "\"subscriber\":\"%s\"}", h1, h2, h3);
	assert_string_equal(r->request_hashed_identifiers_json, want);
	h(id, want);
	assert_string_equal(r->request_identifier, id);
	h(h1, "PCN-5521");
	snprintf(want, sizeof(want), "{\"claims[0].patient_control_number\":\"%s\"}", h1);
	assert_string_equal(r->response_hashed_identifiers_json, want);
	h(id, want);
	assert_string_equal(r->response_identifier, id);

	/* An upload is identified by its file's hash. */
	r = row_by_path(l, "/api/v1/claims/upload");
	h(id, "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
	assert_string_equal(r->request_identifier, id);
	assert_string_equal(r->request_hashed_identifiers_json, "{}");
	assert_null(r->response_identifier);
	assert_null(r->user_id);

	r = row_by_path(l, "/api/v1/claims");
	assert_true(r->duration == 0.0);
	assert_null(r->request_identifier);
	assert_string_equal(r->response_hashed_identifiers_json, "{}");
	claims_audit_log_list_free(l);

	/* No value in the clear, anywhere in the database files. */
	snprintf(wal, sizeof(wal), "%s-wal", f->db);
	for (const char *const *v = (const char *const[]){ "Quintavalle", "quintavalle",
							    "Rosamund", "MBR-77341", "mbr-77341",
							    "PCN-5521", "pcn-5521", NULL };
	     *v; v++) {
		assert_false(file_contains(f->db, *v));
		assert_false(file_contains(wal, *v));
	}
}

static void
test_no_key_no_maps(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(NULL, 100, 1 << 20);
	const claims_param params[] = { { "patient_name", "Quintavalle" } };
	claims_audit_log_list *l;

	assert_int_equal(audit_start(f->db, &s), 0);
	audit_record(&(struct audit_event){
		.method = "PATCH",
		.path = "/x",
		.status = 422,
		.params = params,
		.nparams = 1,
		.request_body = request_body,
		.request_len = strlen(request_body),
		.response_body = response_body,
		.response_len = strlen(response_body),
		.upload_sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
	});
	audit_stop();
	l = rows(f);
	assert_int_equal(l->count, 1);
	assert_string_equal(l->items[0].request_hashed_identifiers_json, "{}");
	assert_string_equal(l->items[0].response_hashed_identifiers_json, "{}");
	assert_null(l->items[0].request_identifier);
	assert_null(l->items[0].response_identifier);
	assert_int_equal(l->items[0].status_code, 422);
	claims_audit_log_list_free(l);
}

/* Bodies larger than max_body_bytes are not examined; the query still is. */
static void
test_body_limit(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(key, 100, (long)strlen(response_body) - 1);
	const claims_param params[] = { { "email", "a@example.com" } };
	claims_audit_log_list *l;
	char want[256], hv[65];

	assert_int_equal(audit_start(f->db, &s), 0);
	audit_record(&(struct audit_event){
		.method = "POST",
		.path = "/x",
		.status = 200,
		.params = params,
		.nparams = 1,
		.request_body = response_body,
		.request_len = strlen(response_body),
		.response_body = response_body,
		.response_len = strlen(response_body),
	});
	audit_stop();
	l = rows(f);
	assert_int_equal(l->count, 1);
	h(hv, "a@example.com");
	snprintf(want, sizeof(want), "{\"query.email\":\"%s\"}", hv);
	assert_string_equal(l->items[0].request_hashed_identifiers_json, want);
	assert_string_equal(l->items[0].response_hashed_identifiers_json, "{}");
	assert_null(l->items[0].response_identifier);
	claims_audit_log_list_free(l);
}

static void
test_path_method_status(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(NULL, 100, 0);
	char path[700], want[501];
	claims_audit_log_list *l;

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	/* A two-byte character across the 500-byte limit is left out. */
	path[499] = '\xc3';
	path[500] = '\xa9';
	assert_int_equal(audit_start(f->db, &s), 0);
	audit_record(&(struct audit_event){ .method = "GET", .path = path, .status = 404 });
	audit_record(&(struct audit_event){ .method = "GET", .path = "/a\xff", .status = 404 });
	/* Not a response: dropped and counted. */
	audit_record(&(struct audit_event){ .method = "GET", .path = "/b", .status = 99 });
	audit_record(&(struct audit_event){ .method = NULL, .path = "/c", .status = 200 });
	audit_record(NULL);
	audit_stop();
	assert_int_equal(audit_dropped_total(), 2);
	l = rows(f);
	assert_int_equal(l->count, 2);
	memcpy(want, path, 499);
	want[499] = '\0';
	assert_string_equal(l->items[1].path, want);
	assert_string_equal(l->items[0].path, "/a?");
	claims_audit_log_list_free(l);
}

/* ---- the queue */

static void
test_full_queue_drops_and_counts(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(NULL, 1, 0);
	claims_audit_log_list *l;
	size_t written;

	assert_int_equal(audit_start(f->db, &s), 0);
	/* The writer sleeps up to 200 ms between flushes: a burst finds the
	 * one-record queue full. */
	for (int i = 0; i < 50; i++)
		audit_record(&(struct audit_event){ .method = "GET", .path = "/burst",
						    .status = 200 });
	audit_stop();
	l = rows(f);
	written = l->count;
	claims_audit_log_list_free(l);
	assert_true(audit_dropped_total() >= 1);
	assert_true(written >= 1);
	assert_int_equal((uint64_t)written + audit_dropped_total(), 50);
	/* Stopped: further records are ignored, not counted. */
	audit_record(&(struct audit_event){ .method = "GET", .path = "/late", .status = 200 });
	assert_int_equal((uint64_t)written + audit_dropped_total(), 50);
}

static void
test_stop_flushes_everything(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(key, 10000, 1 << 20);
	const claims_param params[] = { { "member_id", "M1" } };
	claims_audit_log_list *l;

	assert_int_equal(audit_start(f->db, &s), 0);
	/* More than two batches, recorded faster than one flush period. */
	for (int i = 0; i < 1234; i++)
		audit_record(&(struct audit_event){ .method = "GET", .path = "/many",
						    .status = 200, .params = params,
						    .nparams = 1 });
	audit_stop();
	assert_int_equal(audit_dropped_total(), 0);
	l = rows(f);
	assert_int_equal(l->total, 1234);
	assert_non_null(l->items[0].request_identifier);
	claims_audit_log_list_free(l);
	/* Stopping twice is harmless. */
	audit_stop();
}

static void
test_disabled_and_bad_start(void **state)
{
	struct fixture *f = *state;
	struct audit_settings s = settings(NULL, 10, 0);
	claims_audit_log_list *l;
	char missing[160];

	s.enabled = false;
	assert_int_equal(audit_start(f->db, &s), 0);
	audit_record(&(struct audit_event){ .method = "GET", .path = "/off", .status = 200 });
	audit_stop();
	l = rows(f);
	assert_int_equal(l->count, 0);
	claims_audit_log_list_free(l);

	s.enabled = true;
	s.queue_size = 0;
	assert_int_equal(audit_start(f->db, &s), -1);
	s.queue_size = 10;
	s.phi_key = key;
	s.phi_key_len = 8;
	assert_int_equal(audit_start(f->db, &s), -1);
	s.phi_key = NULL;
	snprintf(missing, sizeof(missing), "%s/none/claims.db", f->dir);
	assert_int_equal(audit_start(missing, &s), -1);
}

static void
test_settings_from_env(void **state)
{
	struct audit_settings s;
	char err[160];

	(void)state;
	unsetenv("AUDIT_ENABLED");
	unsetenv("AUDIT_QUEUE_SIZE");
	unsetenv("AUDIT_MAX_BODY_BYTES");
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), 0);
	assert_true(s.enabled);
	assert_int_equal(s.queue_size, 10000);
	assert_int_equal(s.max_body_bytes, 1048576);
	assert_null(s.phi_key);

	setenv("AUDIT_ENABLED", "FALSE", 1);
	setenv("AUDIT_QUEUE_SIZE", "1", 1);
	setenv("AUDIT_MAX_BODY_BYTES", "0", 1);
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), 0);
	assert_false(s.enabled);
	assert_int_equal(s.queue_size, 1);
	assert_int_equal(s.max_body_bytes, 0);

	setenv("AUDIT_ENABLED", "maybe", 1);
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), -1);
	assert_string_equal(err, "AUDIT_ENABLED must be true or false");
	setenv("AUDIT_ENABLED", "true", 1);
	setenv("AUDIT_QUEUE_SIZE", "1000001", 1);
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "AUDIT_QUEUE_SIZE"));
	setenv("AUDIT_QUEUE_SIZE", "0", 1);
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), -1);
	setenv("AUDIT_QUEUE_SIZE", "10", 1);
	setenv("AUDIT_MAX_BODY_BYTES", "1k", 1);
	assert_int_equal(audit_settings_from_env(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "AUDIT_MAX_BODY_BYTES"));
	unsetenv("AUDIT_ENABLED");
	unsetenv("AUDIT_QUEUE_SIZE");
	unsetenv("AUDIT_MAX_BODY_BYTES");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_and_hashes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_key_no_maps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_method_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_queue_drops_and_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_flushes_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_and_bad_start, setup, teardown),
		cmocka_unit_test(test_settings_from_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
