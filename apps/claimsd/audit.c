/*
 * claimsd: the audit trail's queue and writer thread (audit.h).
 *
 * The queue is a singly linked list of records, each one allocation holding
 * its copies; a mutex guards the list, its length and its bytes.  The
 * writer waits on a condition variable (monotonic clock) for a full batch or
 * AUDIT_FLUSH_MS, takes up to AUDIT_BATCH_MAX records off the list, and
 * does everything costly outside the lock: JSON parsing and hashing
 * (audit_phi.c) and the insert, one transaction per batch.  A batch the
 * database refuses as invalid is retried row by row so that one bad row
 * does not lose the others; a busy or failing database loses the batch,
 * counted as dropped.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "audit.h"
#include "audit_phi.h"
#include "env.h"

/* Copies are cut to these lengths (bytes). */
#define METHOD_MAX 32
#define USER_MAX 1024
#define IP_MAX 255
#define SHA_MAX 64

struct item {
	struct item *next;
	size_t bytes;               /* the allocation, counted in the queue's bytes */
	time_t created;
	int status;
	double duration;
	const char *method, *path, *user_id, *client_ip, *upload_sha256;
	const char *request_body, *response_body;
	size_t request_len, response_len;
	claims_param *params;
	size_t nparams;
	/* then: nparams claims_param, then the strings */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct item *head, *tail;
	size_t count, bytes;
	bool stopping;
	struct timespec stop_deadline;  /* CLOCK_MONOTONIC */
	atomic_bool accepting;
	bool started;
	pthread_t thread;
	claims_db *db;
	struct audit_settings s;
	atomic_uint_least64_t dropped, written;
} q = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

int
audit_settings_from_env(struct audit_settings *out, char *err, size_t errlen)
{
	const char *enabled = getenv("AUDIT_ENABLED");

	memset(out, 0, sizeof(*out));
	out->enabled = true;
	out->queue_size = 10000;
	out->max_body_bytes = 1048576;
	if (enabled && *enabled && !env_parse_bool(enabled, &out->enabled)) {
		snprintf(err, errlen, "AUDIT_ENABLED must be true or false");
		return -1;
	}
	if (!env_int("AUDIT_QUEUE_SIZE", 1, 1000000, &out->queue_size, err, errlen, "1..1000000") ||
	    !env_int("AUDIT_MAX_BODY_BYTES", 0, 1L << 30, &out->max_body_bytes, err, errlen,
		     "0..1073741824"))
		return -1;
	return 0;
}

uint64_t
audit_dropped_total(void)
{
	return atomic_load(&q.dropped);
}

/* ---- the request side */

static size_t
cut(const char *s, size_t max)
{
	size_t n = 0;

	if (!s)
		return 0;
	while (n < max && s[n])
		n++;
	return n;
}

/* Copy @p n bytes of @p s to *cur and NUL-terminate; NULL stays NULL. */
static const char *
copy(char **cur, const char *s, size_t n)
{
	char *out = *cur;

	if (!s)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	*cur += n + 1;
	return out;
}

static void
drop(void)
{
	atomic_fetch_add(&q.dropped, 1);
}

/* Release an item, wiped first: its bodies may carry a password. */
static void
item_free(struct item *it)
{
	sodium_memzero(it, it->bytes);
	free(it);
}

void
audit_record(const struct audit_event *ev)
{
	size_t n_method, n_path, n_user, n_ip, n_sha, size, nparams = 0;
	bool bodies, req_body, resp_body;
	struct item *it;
	char *cur;

	if (!ev || !atomic_load_explicit(&q.accepting, memory_order_acquire))
		return;
	if (!ev->method || !ev->path || ev->status < 100 || ev->status > 599) {
		drop();
		return;
	}
	/* Values are read only to hash them: without a key nothing is kept. */
	bodies = q.s.phi_key != NULL;
	req_body = bodies && ev->request_body && ev->request_len <= (size_t)q.s.max_body_bytes;
	resp_body = bodies && ev->response_body && ev->response_len <= (size_t)q.s.max_body_bytes;
	n_method = cut(ev->method, METHOD_MAX);
	/* A few bytes past the limit, so the writer can cut before a partial
	 * character rather than inside it. */
	n_path = cut(ev->path, CLAIMS_AUDIT_PATH_MAX + 3);
	n_user = cut(ev->user_id, USER_MAX);
	n_ip = cut(ev->client_ip, IP_MAX);
	n_sha = cut(ev->upload_sha256, SHA_MAX);
	size = sizeof(*it) + n_method + n_path + n_user + n_ip + n_sha + 5;
	if (bodies && ev->params) {
		nparams = ev->nparams;
		size += nparams * sizeof(claims_param);
		for (size_t i = 0; i < nparams; i++)
			size += (ev->params[i].name ? strlen(ev->params[i].name) + 1 : 0) +
				(ev->params[i].value ? strlen(ev->params[i].value) + 1 : 0);
	}
	if (req_body)
		size += ev->request_len + 1;
	if (resp_body)
		size += ev->response_len + 1;
	it = malloc(size);
	if (!it) {
		drop();
		return;
	}
	memset(it, 0, sizeof(*it));
	it->bytes = size;
	it->created = time(NULL);
	it->status = ev->status;
	it->duration = isfinite(ev->duration) && ev->duration > 0 ? ev->duration : 0.0;
	it->params = (claims_param *)(void *)(it + 1);
	it->nparams = nparams;
	cur = (char *)(it->params + nparams);
	for (size_t i = 0; i < nparams; i++) {
		const claims_param *p = &ev->params[i];

		it->params[i].name = copy(&cur, p->name, p->name ? strlen(p->name) : 0);
		it->params[i].value = copy(&cur, p->value, p->value ? strlen(p->value) : 0);
	}
	it->method = copy(&cur, ev->method, n_method);
	it->path = copy(&cur, ev->path, n_path);
	it->user_id = copy(&cur, ev->user_id, n_user);
	it->client_ip = copy(&cur, ev->client_ip, n_ip);
	it->upload_sha256 = copy(&cur, ev->upload_sha256, n_sha);
	if (req_body) {
		it->request_body = copy(&cur, ev->request_body, ev->request_len);
		it->request_len = ev->request_len;
	}
	if (resp_body) {
		it->response_body = copy(&cur, ev->response_body, ev->response_len);
		it->response_len = ev->response_len;
	}

	pthread_mutex_lock(&q.lock);
	if (q.stopping || q.count >= (size_t)q.s.queue_size ||
	    q.bytes + size > AUDIT_QUEUE_MAX_BYTES) {
		pthread_mutex_unlock(&q.lock);
		item_free(it);
		drop();
		return;
	}
	if (q.tail)
		q.tail->next = it;
	else
		q.head = it;
	q.tail = it;
	q.count++;
	q.bytes += size;
	if (q.count == AUDIT_BATCH_MAX)
		pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
}

/* ---- the writer */

/* What one queued record becomes: the row and the storage it points to. */
struct row {
	claims_audit_record rec;
	char path[CLAIMS_AUDIT_PATH_MAX + 1];
	char created_at[32];
	char req_id[AUDIT_PHI_HEX + 1], resp_id[AUDIT_PHI_HEX + 1];
	char *req_map, *resp_map;
};

/* The request's map: query parameters and body; its identifier is the
 * upload's hash when there is one. */
static void
request_map(struct row *r, const struct item *it)
{
	struct audit_phi_map *m = audit_phi_map_new(q.s.phi_key, q.s.phi_key_len);

	if (!m)
		return;
	if (audit_phi_add_params(m, it->params, it->nparams) == 0 && it->request_body)
		(void)audit_phi_add_json(m, it->request_body, it->request_len);
	r->req_map = audit_phi_map_json(m);
	if (it->upload_sha256 && *it->upload_sha256) {
		if (audit_phi_hash(r->req_id, q.s.phi_key, q.s.phi_key_len, it->upload_sha256,
				   strlen(it->upload_sha256)))
			r->rec.request_identifier = r->req_id;
	} else if (audit_phi_map_identifier(m, r->req_id)) {
		r->rec.request_identifier = r->req_id;
	}
	audit_phi_map_free(m);
}

static void
response_map(struct row *r, const struct item *it)
{
	struct audit_phi_map *m = audit_phi_map_new(q.s.phi_key, q.s.phi_key_len);

	if (!m)
		return;
	if (it->response_body)
		(void)audit_phi_add_json(m, it->response_body, it->response_len);
	r->resp_map = audit_phi_map_json(m);
	if (audit_phi_map_identifier(m, r->resp_id))
		r->rec.response_identifier = r->resp_id;
	audit_phi_map_free(m);
}

static void
build_row(struct row *r, const struct item *it)
{
	struct tm tm;

	memset(r, 0, sizeof(*r));
	audit_phi_clean_path(r->path, it->path, CLAIMS_AUDIT_PATH_MAX);
	gmtime_r(&it->created, &tm);
	strftime(r->created_at, sizeof(r->created_at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->rec.method = it->method;
	r->rec.path = r->path;
	r->rec.status_code = it->status;
	r->rec.duration = it->duration;
	r->rec.user_id = it->user_id;
	r->rec.client_ip = it->client_ip;
	r->rec.created_at = r->created_at;
	if (q.s.phi_key) {
		request_map(r, it);
		response_map(r, it);
	}
	/* NULL maps are stored as {} (also when out of memory). */
	r->rec.request_hashed_identifiers = r->req_map;
	r->rec.response_hashed_identifiers = r->resp_map;
}

/* Insert @p n rows: the batch in one transaction; rows the database finds
 * invalid are then tried one by one.  Returns the rows written. */
static size_t
insert(struct row *rows, claims_audit_record *recs, size_t n)
{
	size_t ok = 0;
	int rc;

	for (size_t i = 0; i < n; i++)
		recs[i] = rows[i].rec;
	rc = claims_audit_insert(q.db, recs, n);
	if (rc == CLAIMS_OK)
		return n;
	if (rc != CLAIMS_EINVAL && rc != CLAIMS_ECONSTRAINT) {
		fprintf(stderr, "claimsd: audit: %zu records not written: %s\n", n,
			claims_db_errmsg(q.db));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (claims_audit_insert(q.db, &recs[i], 1) == CLAIMS_OK)
			ok++;
	}
	if (ok < n)
		fprintf(stderr, "claimsd: audit: %zu records not written: invalid\n", n - ok);
	return ok;
}

static void
write_batch(struct item *list, size_t n)
{
	struct row *rows = calloc(n, sizeof(*rows));
	claims_audit_record *recs = calloc(n, sizeof(*recs));
	size_t i = 0, written = 0;

	if (rows && recs) {
		for (struct item *it = list; it; it = it->next)
			build_row(&rows[i++], it);
		written = insert(rows, recs, n);
		for (i = 0; i < n; i++) {
			free(rows[i].req_map);
			free(rows[i].resp_map);
		}
	} else {
		fprintf(stderr, "claimsd: audit: %zu records not written: out of memory\n", n);
	}
	atomic_fetch_add(&q.written, written);
	atomic_fetch_add(&q.dropped, n - written);
	free(rows);
	free(recs);
	while (list) {
		struct item *next = list->next;

		item_free(list);
		list = next;
	}
}

static bool
past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* Up to AUDIT_BATCH_MAX records off the queue (lock held); *n their number. */
static struct item *
take(size_t *n)
{
	struct item *head = q.head, *last = NULL, *it = q.head;
	size_t k = 0;

	while (it && k < AUDIT_BATCH_MAX) {
		q.bytes -= it->bytes;
		last = it;
		it = it->next;
		k++;
	}
	if (last)
		last->next = NULL;
	q.head = it;
	if (!it)
		q.tail = NULL;
	q.count -= k;
	*n = k;
	return k ? head : NULL;
}

static void *
writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&q.lock);
	for (;;) {
		struct item *batch;
		size_t n;

		if (!q.stopping && q.count < AUDIT_BATCH_MAX) {
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += AUDIT_FLUSH_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			(void)pthread_cond_timedwait(&q.wake, &q.lock, &until);
		}
		if (q.stopping && past(&q.stop_deadline)) {
			/* Out of time: what is left is lost, and counted. */
			while ((batch = take(&n))) {
				atomic_fetch_add(&q.dropped, n);
				while (batch) {
					struct item *next = batch->next;

					item_free(batch);
					batch = next;
				}
			}
			break;
		}
		batch = take(&n);
		if (!batch) {
			if (q.stopping)
				break;
			continue;
		}
		pthread_mutex_unlock(&q.lock);
		write_batch(batch, n);
		pthread_mutex_lock(&q.lock);
	}
	pthread_mutex_unlock(&q.lock);
	return NULL;
}

int
audit_start(const char *db_path, const struct audit_settings *s)
{
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE];
	pthread_condattr_t attr;
	int rc;

	if (!s || !s->enabled)
		return 0;
	if (q.started || s->queue_size < 1 || s->max_body_bytes < 0 ||
	    (s->phi_key && (s->phi_key_len < 16 || s->phi_key_len > 64))) {
		fprintf(stderr, "claimsd: audit: invalid settings\n");
		return -1;
	}
	opts.errbuf = errbuf;
	opts.migrate = CLAIMS_MIGRATE_NONE; /* the caller migrated */
	if (claims_db_open(&q.db, db_path, &opts) < 0) {
		fprintf(stderr, "claimsd: audit: cannot open the database: %s\n", errbuf);
		return -1;
	}
	q.s = *s;
	q.head = q.tail = NULL;
	q.count = q.bytes = 0;
	q.stopping = false;
	atomic_store(&q.dropped, 0);
	atomic_store(&q.written, 0);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q.wake, &attr);
	pthread_condattr_destroy(&attr);
	rc = pthread_create(&q.thread, NULL, writer, NULL);
	if (rc != 0) {
		fprintf(stderr, "claimsd: audit: cannot start the writer: %s\n", strerror(rc));
		pthread_cond_destroy(&q.wake);
		claims_db_close(q.db);
		q.db = NULL;
		return -1;
	}
	q.started = true;
	atomic_store_explicit(&q.accepting, true, memory_order_release);
	return 0;
}

void
audit_stop(void)
{
	if (!q.started)
		return;
	atomic_store_explicit(&q.accepting, false, memory_order_release);
	pthread_mutex_lock(&q.lock);
	q.stopping = true;
	clock_gettime(CLOCK_MONOTONIC, &q.stop_deadline);
	q.stop_deadline.tv_sec += AUDIT_STOP_FLUSH_SECONDS;
	pthread_cond_signal(&q.wake);
	pthread_mutex_unlock(&q.lock);
	pthread_join(q.thread, NULL);
	pthread_cond_destroy(&q.wake);
	claims_db_close(q.db);
	q.db = NULL;
	q.started = false;
	fprintf(stderr, "claimsd: audit: %" PRIu64 " records written, %" PRIu64 " records dropped\n",
		(uint64_t)atomic_load(&q.written), (uint64_t)atomic_load(&q.dropped));
}
