/*
 * claimsd: background ingest jobs (jobs.h).
 *
 * The database is the queue (ingest_jobs); memory holds only counters for
 * health and JOB_QUEUE_MAX, the spool descriptors handed over by uploads
 * (a job started after a restart copies its bytes from the database into a
 * new spool file instead), and the SHA-256 locks.  One mutex guards all of
 * it; a worker never holds it while working.
 *
 * Progress: the library reports bytes read over both of its passes (reading
 * and checking, then storing); the first half is the stage "parsing", the
 * second "saving", scaled to 0..0.98; "linking" (0.99) marks the end of the
 * ingest call, after which the file row is final, and "complete" is 1
 * (ingest_watch.c, which also notifies the WebSocket clients).  Updates
 * reach ingest_jobs at most once a second plus once per stage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "ingest_watch.h"
#include "json.h"
#include "jobs.h"
#include "metrics.h"
#include "notify.h"
#include "render_jobs.h"

struct job_fd {
	int64_t id;
	int fd;
	struct job_fd *next;
};

struct sha_lock {
	char sha[65];
	int waiters;
	struct sha_lock *next;
};

struct jobs {
	struct jobs_config cfg;
	const char *db_path;
	claims_cache *cache;
	const claims_ingest_options *ingest;
	const claims_engine_config *engine;
	const unsigned char *data_key; /* DATA_KEY, or NULL */

	pthread_mutex_t mu;
	pthread_cond_t work;      /* a job was queued, or stopping */
	pthread_cond_t sha_freed; /* a SHA-256 lock was released */
	bool stopping;
	int64_t queued, running;
	int threads;
	struct job_fd *fds;
	struct sha_lock *shas;

	pthread_t *tids;
	int n_tids;
};

const struct jobs_config *
jobs_config(const struct jobs *j)
{
	return &j->cfg;
}

void
jobs_get_counts(struct jobs *j, struct jobs_counts *out)
{
	memset(out, 0, sizeof(*out));
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	out->threads = j->threads;
	out->queued = j->queued;
	out->running = j->running;
	pthread_mutex_unlock(&j->mu);
}

/* ---- spool */

int
jobs_spool_open(struct jobs *j)
{
	char path[PATH_MAX + 32];
	int fd;

	if (snprintf(path, sizeof(path), "%s/upload-XXXXXX", j->cfg.spool_dir) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(path); /* O_CREAT | O_EXCL, mode 0600 */
	if (fd < 0)
		return -1;
	/* Unlinked at once: no path of the request or the job can leave it.
	 * Its bytes are sealed with DATA_KEY by the writer (claims_spool_writer). */
	(void)unlink(path);
	return fd;
}

/* The spool directory: CLAIMS_SPOOL_DIR (created 0700 when missing), else
 * a private one under the system temp dir, which must be ours and closed
 * to others. */
static int
spool_prepare(struct jobs_config *cfg, char *err, size_t errlen)
{
	const char *dir = getenv("CLAIMS_SPOOL_DIR");
	bool own = false;
	struct stat st;

	if (dir && *dir) {
		snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s", dir);
	} else {
		const char *tmp = getenv("TMPDIR");

		snprintf(cfg->spool_dir, sizeof(cfg->spool_dir), "%s/claimsd-spool-%ld",
			 tmp && *tmp ? tmp : "/tmp", (long)getuid());
		own = true;
	}
	if (mkdir(cfg->spool_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create the spool directory %s: %s", cfg->spool_dir,
			 strerror(errno));
		return -1;
	}
	if (lstat(cfg->spool_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "the spool directory %s is not a directory", cfg->spool_dir);
		return -1;
	}
	if (own && (st.st_uid != getuid() || (st.st_mode & 077) != 0)) {
		snprintf(err, errlen, "the spool directory %s must belong to this user with mode 0700",
			 cfg->spool_dir);
		return -1;
	}
	if (access(cfg->spool_dir, W_OK | X_OK) != 0) {
		snprintf(err, errlen, "the spool directory %s is not writable", cfg->spool_dir);
		return -1;
	}
	return 0;
}

/* ---- SHA-256 locks */

void
jobs_sha_lock(struct jobs *j, const char *sha)
{
	struct sha_lock *l;

	pthread_mutex_lock(&j->mu);
	for (;;) {
		for (l = j->shas; l; l = l->next)
			if (strcmp(l->sha, sha) == 0)
				break;
		if (!l)
			break;
		l->waiters++;
		pthread_cond_wait(&j->sha_freed, &j->mu);
		l->waiters--;
		if (l->waiters == 0 && l->sha[0] == '\0') {
			/* Released while we waited and nobody else waits: ours to free. */
			struct sha_lock **pp = &j->shas;

			while (*pp != l)
				pp = &(*pp)->next;
			*pp = l->next;
			free(l);
		}
	}
	l = calloc(1, sizeof(*l));
	if (l) {
		snprintf(l->sha, sizeof(l->sha), "%s", sha);
		l->next = j->shas;
		j->shas = l;
	}
	/* Out of memory: go on unlocked; the library still never duplicates rows. */
	pthread_mutex_unlock(&j->mu);
}

void
jobs_sha_unlock(struct jobs *j, const char *sha)
{
	struct sha_lock **pp;

	pthread_mutex_lock(&j->mu);
	for (pp = &j->shas; *pp; pp = &(*pp)->next) {
		struct sha_lock *l = *pp;

		if (strcmp(l->sha, sha) != 0)
			continue;
		if (l->waiters == 0) {
			*pp = l->next;
			free(l);
		} else {
			l->sha[0] = '\0'; /* the last waiter frees it */
		}
		break;
	}
	pthread_cond_broadcast(&j->sha_freed);
	pthread_mutex_unlock(&j->mu);
}

/* ---- queue */

int
jobs_submit(struct jobs *j, claims_db *db, int fd, const char *sha256, claims_ingest_expect expect,
	    const claims_ingest_options *opts, int64_t *job_id, int64_t *file_id)
{
	struct job_fd *f;
	int rc;

	*job_id = 0;
	*file_id = 0;
	/* The count and the insert under one lock: JOB_QUEUE_MAX is exact. */
	pthread_mutex_lock(&j->mu);
	if (j->stopping || j->queued >= j->cfg.queue_max) {
		pthread_mutex_unlock(&j->mu);
		return JOBS_QUEUE_FULL;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		pthread_mutex_unlock(&j->mu);
		return CLAIMS_EIO;
	}
	rc = claims_job_create(job_id, file_id, db, fd, sha256, expect, opts);
	if (rc == CLAIMS_OK) {
		j->queued++;
		f = calloc(1, sizeof(*f));
		if (f) {
			f->id = *job_id;
			f->fd = dup(fd);
			if (f->fd >= 0) {
				f->next = j->fds;
				j->fds = f;
			} else {
				free(f);
			}
		}
		pthread_cond_signal(&j->work);
	}
	pthread_mutex_unlock(&j->mu);
	return rc;
}

/* The upload's descriptor of job @p id, or -1 (taken out of the list). */
static int
take_fd(struct jobs *j, int64_t id)
{
	struct job_fd **pp;
	int fd = -1;

	pthread_mutex_lock(&j->mu);
	for (pp = &j->fds; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct job_fd *f = *pp;

			*pp = f->next;
			fd = f->fd;
			free(f);
			break;
		}
	}
	pthread_mutex_unlock(&j->mu);
	return fd;
}

/* ---- the worker */

struct run {
	struct jobs *jobs;
	claims_db *db;
	int64_t id;
	const char *stage;
	double progress;
	double last_write; /* monotonic seconds of the last persisted update */
	struct ingest_watch watch;
};

static void
persist(struct run *r, const char *stage, double progress, bool force)
{
	bool stage_changed = strcmp(stage, r->stage) != 0;
	double now = metrics_now();

	if (progress < r->progress)
		progress = r->progress; /* never backwards */
	r->progress = progress;
	if (!force && !stage_changed && now - r->last_write < 1.0)
		return;
	r->stage = stage;
	r->last_write = now;
	if (claims_job_progress(r->db, r->id, stage, progress) < 0)
		fprintf(stderr, "claimsd: job %lld: recording progress: %s\n", (long long)r->id,
			claims_db_errmsg(r->db));
}

/* The watch's stages and progress, persisted. */
static void
on_changed(void *payload, const char *stage, double progress, bool stage_changed)
{
	(void)stage_changed; /* persist() compares the stage itself */
	persist(payload, stage, progress, false);
}

static claims_ingest_expect
expect_from(const char *s)
{
	if (s && strcmp(s, "837") == 0)
		return CLAIMS_INGEST_837;
	if (s && strcmp(s, "835") == 0)
		return CLAIMS_INGEST_835;
	return CLAIMS_INGEST_ANY;
}

const char *
jobs_wrong_detected(claims_ingest_expect expect, const char *detected)
{
	if (strcmp(detected, "mixed") == 0 || strcmp(detected, "unknown") == 0)
		return expect == CLAIMS_INGEST_837 ? "835" : "837";
	return detected;
}

/* The {"error", "message", "details"} of a job that did not succeed. */
static char *
failure_json(const claims_job *job, const claims_ingest_result *res, int rc, claims_db *db)
{
	if (rc < 0)
		return json_error(rc == CLAIMS_EBUSY ? "SERVICE_UNAVAILABLE" : "INTERNAL_ERROR",
				  claims_db_errmsg(db));
	if (strcmp(res->error_code, "WRONG_FILE_TYPE") == 0) {
		claims_ingest_expect e = expect_from(job->file_type);

		return render_wrong_file_type(claims_ingest_expect_to_str(e),
					      jobs_wrong_detected(e, res->detected_type),
					      res->error_message);
	}
	if (strcmp(res->error_code, "FILE_TOO_LARGE") == 0)
		return json_error("PAYLOAD_TOO_LARGE", res->error_message);
	return render_edi_refused(job->filename, res);
}

/* Open the bytes of the job: the upload's spool file, or a copy from the
 * database into a new one (sealed like an upload's when there is a key). */
static int
job_source(struct jobs *j, claims_db *db, const claims_job *job)
{
	int fd = take_fd(j, job->id);

	if (fd >= 0)
		return lseek(fd, 0, SEEK_SET) == 0 ? fd : (close(fd), -1);
	fd = jobs_spool_open(j);
	if (fd < 0) {
		fprintf(stderr, "claimsd: job %lld: cannot open a spool file: %s\n",
			(long long)job->id, strerror(errno));
		return -1;
	}
	if (claims_file_copy_to_spool(db, job->ingest_file_id, fd) < 0 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		fprintf(stderr, "claimsd: job %lld: reading the file back: %s\n", (long long)job->id,
			claims_db_errmsg(db));
		close(fd);
		return -1;
	}
	return fd;
}

static void
run_job(struct jobs *j, claims_db *db, int64_t id)
{
	claims_ingest_options opts = *j->ingest;
	claims_ingest_result *res = NULL;
	claims_job *job = NULL;
	struct run r = { j, db, id, "parsing", 0.0, 0.0, { { 0 } } };
	char *err = NULL;
	bool ingested = false;
	int fd = -1, rc;

	rc = claims_job_get(&job, db, id);
	if (rc < 0) {
		fprintf(stderr, "claimsd: job %lld: %s\n", (long long)id, claims_db_errmsg(db));
		return; /* stays running; requeued at the next start */
	}
	r.progress = job->progress;
	r.last_write = metrics_now();
	ingest_watch_init(&r.watch, job->filename, job->file_type, id);
	r.watch.progress = job->progress; /* a job run again never goes back */
	r.watch.changed = on_changed;
	r.watch.payload = &r;
	fd = job_source(j, db, job);
	if (fd < 0) {
		err = json_error("INTERNAL_ERROR", "The file's bytes could not be read");
		(void)ingest_watch_finish(&r.watch, CLAIMS_EIO, NULL);
		goto done;
	}
	opts.mode = job->mode && strcmp(job->mode, "strict") == 0 ? CLAIMS_X12_STRICT
								   : CLAIMS_X12_TOLERANT;
	opts.expect = expect_from(job->file_type);
	opts.filename = job->filename;
	opts.practice_id = job->practice_id;
	opts.engine = j->engine;
	ingest_watch_attach(&r.watch, &opts);
	/* Both sources of job_source() are sealed exactly when there is a key. */
	opts.sealed = claims_db_has_data_key(db);
	rc = claims_ingest_fd(&res, db, fd, &opts);
	ingested = ingest_watch_finish(&r.watch, rc, res);
	if (rc == CLAIMS_OK && res->status != CLAIMS_INGEST_REFUSED) {
		if (!ingested) /* a duplicate: the watch did not get that far */
			persist(&r, "linking", 0.99, true);
	} else {
		err = failure_json(job, res, rc, db);
		if (!err)
			err = strdup("{\"error\":\"INTERNAL_ERROR\",\"message\":\"Out of memory\","
				     "\"details\":{}}");
	}
done:
	if (fd >= 0)
		close(fd);
	rc = claims_job_finish(db, id, err == NULL, err);
	if (rc < 0)
		fprintf(stderr, "claimsd: job %lld: finishing: %s\n", (long long)id,
			claims_db_errmsg(db));
	/* Told once the job's row says so. */
	r.watch.changed = NULL;
	if (err)
		notify_job_failed(id, job->filename, err);
	else if (ingested)
		ingest_watch_done(&r.watch, res);
	free(err);
	claims_ingest_result_free(res);
	claims_job_free(job);
}

static void *
worker_main(void *arg)
{
	struct jobs *j = arg;
	claims_db_options o = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE];
	claims_db *db = NULL;

	o.errbuf = errbuf;
	o.migrate = CLAIMS_MIGRATE_NONE;
	if (claims_db_open(&db, j->db_path, &o) < 0 ||
	    (j->data_key && claims_db_set_data_key(db, j->data_key, CLAIMS_DATA_KEY_BYTES) < 0)) {
		fprintf(stderr, "claimsd: job worker cannot open %s: %s\n", j->db_path,
			db ? claims_db_errmsg(db) : errbuf);
		claims_db_close(db);
		pthread_mutex_lock(&j->mu);
		j->threads--;
		pthread_mutex_unlock(&j->mu);
		return NULL;
	}
	/* The library's writes invalidate the shared cache (cache.md §6). */
	claims_db_set_cache(db, j->cache);
	for (;;) {
		int64_t id = 0;
		int rc;

		pthread_mutex_lock(&j->mu);
		while (!j->stopping && j->queued == 0)
			pthread_cond_wait(&j->work, &j->mu);
		if (j->stopping) {
			pthread_mutex_unlock(&j->mu);
			break;
		}
		j->queued--;
		j->running++;
		pthread_mutex_unlock(&j->mu);

		rc = claims_job_next(&id, db);
		if (rc == CLAIMS_OK)
			run_job(j, db, id);
		else if (rc != CLAIMS_ENOTFOUND)
			fprintf(stderr, "claimsd: taking a job: %s\n", claims_db_errmsg(db));

		pthread_mutex_lock(&j->mu);
		j->running--;
		if (rc == CLAIMS_EBUSY) {
			j->queued++; /* try again */
			pthread_mutex_unlock(&j->mu);
			sleep(1);
			continue;
		}
		pthread_mutex_unlock(&j->mu);
	}
	claims_db_close(db);
	pthread_mutex_lock(&j->mu);
	j->threads--;
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

/* ---- start and stop */

static int
read_settings(struct jobs_config *cfg, char *err, size_t errlen)
{
	long sync = 8L << 20, queue = 16, workers = 1;

	if (!env_int("UPLOAD_SYNC_MAX_BYTES", 0, 1L << 40, &sync, err, errlen,
		     "0..1099511627776") ||
	    !env_int("JOB_QUEUE_MAX", 1, 100000, &queue, err, errlen, "1..100000") ||
	    !env_int("CLAIMS_WORKERS", 1, 16, &workers, err, errlen, "1..16 (--workers)"))
		return -1;
	cfg->sync_max_bytes = sync;
	cfg->queue_max = queue;
	cfg->workers = (int)workers;
	return 0;
}

static void
jobs_free(struct jobs *j)
{
	while (j->fds) {
		struct job_fd *f = j->fds;

		j->fds = f->next;
		close(f->fd);
		free(f);
	}
	while (j->shas) {
		struct sha_lock *l = j->shas;

		j->shas = l->next;
		free(l);
	}
	pthread_cond_destroy(&j->work);
	pthread_cond_destroy(&j->sha_freed);
	pthread_mutex_destroy(&j->mu);
	free(j->tids);
	free(j);
}

int
jobs_start(struct jobs **out, const char *db_path, claims_cache *cache,
	   const claims_ingest_options *ingest, const claims_engine_config *engine,
	   const unsigned char *data_key, char *err, size_t errlen)
{
	claims_db_options o = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE];
	claims_db *db = NULL;
	struct jobs *j;
	int64_t requeued = 0, queued = 0;

	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (!j) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->work, NULL);
	pthread_cond_init(&j->sha_freed, NULL);
	j->db_path = db_path;
	j->cache = cache;
	j->ingest = ingest;
	j->engine = engine;
	j->data_key = data_key;
	if (read_settings(&j->cfg, err, errlen) < 0 || spool_prepare(&j->cfg, err, errlen) < 0)
		goto fail;

	/* Jobs a stopped server left behind run again (ingest is idempotent). */
	o.errbuf = errbuf;
	o.migrate = CLAIMS_MIGRATE_NONE;
	if (claims_db_open(&db, db_path, &o) < 0 || claims_job_requeue(&requeued, db) < 0 ||
	    claims_job_count(&queued, db, "queued") < 0) {
		snprintf(err, errlen, "cannot read the jobs: %s", db ? claims_db_errmsg(db) : errbuf);
		claims_db_close(db);
		goto fail;
	}
	claims_db_close(db);
	if (requeued)
		fprintf(stderr, "claimsd: %lld interrupted job(s) queued again\n", (long long)requeued);
	j->queued = queued;

	j->tids = calloc((size_t)j->cfg.workers, sizeof(*j->tids));
	if (!j->tids) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (int i = 0; i < j->cfg.workers; i++) {
		pthread_mutex_lock(&j->mu);
		j->threads++;
		pthread_mutex_unlock(&j->mu);
		if (pthread_create(&j->tids[i], NULL, worker_main, j) != 0) {
			pthread_mutex_lock(&j->mu);
			j->threads--;
			pthread_mutex_unlock(&j->mu);
			snprintf(err, errlen, "cannot start a job worker");
			jobs_stop(j);
			return -1;
		}
		j->n_tids++;
	}
	*out = j;
	return 0;
fail:
	jobs_free(j);
	return -1;
}

void
jobs_stop(struct jobs *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->mu);
	j->stopping = true;
	pthread_cond_broadcast(&j->work);
	pthread_mutex_unlock(&j->mu);
	for (int i = 0; i < j->n_tids; i++)
		pthread_join(j->tids[i], NULL);
	jobs_free(j);
}
