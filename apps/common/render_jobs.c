/* JSON of uploads and jobs (render_jobs.h). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "render.h"
#include "render_jobs.h"

/* A ratio or size with @p places decimals, rounded half away from zero
 * (spec/README.md "Numbers"). */
static cJSON *
fixed(double v, int places)
{
	double scale = places == 4 ? 10000.0 : 100.0;
	double r = floor(fabs(v) * scale + 0.5 + 1e-9) / scale;
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", places, v < 0 ? -r : r);
	return cJSON_CreateRaw(buf);
}

static cJSON *
int_raw(int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return cJSON_CreateRaw(buf);
}

static cJSON *
str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static bool
add(cJSON *o, const char *key, cJSON *item)
{
	if (!item)
		return false;
	if (!cJSON_AddItemToObject(o, key, item)) {
		cJSON_Delete(item);
		return false;
	}
	return true;
}

static char *
finish(cJSON *o, bool ok)
{
	char *out = ok && o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return out;
}

static cJSON *
issues_array(const char *filename, const claims_ingest_issue *issues, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++) {
		cJSON *it = json_ingest_issue(filename, &issues[i]);

		if (!it || !cJSON_AddItemToArray(a, it)) {
			cJSON_Delete(it);
			cJSON_Delete(a);
			return NULL;
		}
	}
	return a;
}

char *
render_upload(const struct upload_view *u)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	char task[32];
	const claims_ingest_result *r = u->result;

	snprintf(task, sizeof(task), "%" PRId64, u->job_id);
	ok = ok && add(o, "message", cJSON_CreateString(u->message));
	ok = ok && add(o, "task_id", u->job_id ? cJSON_CreateString(task) : cJSON_CreateNull());
	ok = ok && add(o, "job_id", u->job_id ? int_raw(u->job_id) : cJSON_CreateNull());
	ok = ok && add(o, "ingest_file_id", u->ingest_file_id ? int_raw(u->ingest_file_id)
							   : cJSON_CreateNull());
	ok = ok && add(o, "filename", cJSON_CreateString(u->filename));
	ok = ok && add(o, "file_size_mb", fixed((double)u->size_bytes / 1048576.0, 2));
	ok = ok && add(o, "processing_mode", cJSON_CreateString(u->processing_mode));
	ok = ok && add(o, "status", cJSON_CreateString(u->status));
	ok = ok && add(o, "file_type", cJSON_CreateString(u->file_type));
	ok = ok && add(o, "detected_type", cJSON_CreateString(u->detected_type));
	ok = ok && add(o, "counts", r ? json_ingest_counts(&r->counts) : cJSON_CreateNull());
	ok = ok && add(o, "issues", r ? issues_array(u->filename, r->issues, r->n_issues)
				      : cJSON_CreateArray());
	ok = ok && add(o, "issues_total", int_raw(r ? r->issues_total : 0));
	if (u->status_url)
		ok = ok && add(o, "status_url", cJSON_CreateString(u->status_url));
	return finish(o, ok);
}

static cJSON *
job_object(const claims_job *j, bool with_issues)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	char task[32];

	snprintf(task, sizeof(task), "%" PRId64, j->id);
	ok = ok && add(o, "id", int_raw(j->id));
	ok = ok && add(o, "task_id", cJSON_CreateString(task));
	ok = ok && add(o, "status", cJSON_CreateString(j->status));
	ok = ok && add(o, "stage", cJSON_CreateString(j->stage));
	ok = ok && add(o, "progress", fixed(j->progress, 4));
	ok = ok && add(o, "filename", cJSON_CreateString(j->filename));
	ok = ok && add(o, "file_type", cJSON_CreateString(j->file_type));
	ok = ok && add(o, "detected_type", str_or_null(j->detected_type));
	ok = ok && add(o, "ingest_file_id", int_raw(j->ingest_file_id));
	ok = ok && add(o, "counts", j->has_counts ? json_ingest_counts(&j->counts)
						  : cJSON_CreateNull());
	if (with_issues)
		ok = ok && add(o, "issues", issues_array(j->filename, j->issues, j->n_issues));
	ok = ok && add(o, "issues_total", int_raw(j->issues_total));
	ok = ok && add(o, "error", j->error_json ? cJSON_Parse(j->error_json) : cJSON_CreateNull());
	ok = ok && add(o, "created_at", cJSON_CreateString(j->created_at));
	ok = ok && add(o, "started_at", str_or_null(j->started_at));
	ok = ok && add(o, "finished_at", str_or_null(j->finished_at));
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *
render_job(const claims_job *j)
{
	cJSON *o = job_object(j, true);

	return finish(o, o != NULL);
}

char *
render_job_list(const claims_job_list *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *a = o ? cJSON_AddArrayToObject(o, "jobs") : NULL;
	bool ok = a != NULL;

	for (size_t i = 0; ok && i < l->count; i++) {
		cJSON *it = job_object(&l->items[i], false);

		ok = it && cJSON_AddItemToArray(a, it);
		if (!ok)
			cJSON_Delete(it);
	}
	ok = ok && add(o, "total", int_raw(l->total));
	ok = ok && add(o, "skip", int_raw(l->skip));
	ok = ok && add(o, "limit", int_raw(l->limit));
	return finish(o, ok);
}

char *
render_wrong_file_type(const char *expected, const char *detected, const char *message)
{
	cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateObject(), *a = cJSON_CreateArray();
	bool ok = o && d && a;

	ok = ok && cJSON_AddItemToArray(a, cJSON_CreateString(detected));
	ok = ok && add(d, "expected", cJSON_CreateString(expected));
	if (ok) {
		ok = add(d, "detected", a);
		a = NULL;
	}
	ok = ok && add(o, "error", cJSON_CreateString("WRONG_FILE_TYPE"));
	ok = ok && add(o, "message", cJSON_CreateString(message));
	if (ok) {
		ok = add(o, "details", d);
		d = NULL;
	}
	cJSON_Delete(a);
	cJSON_Delete(d);
	return finish(o, ok);
}

char *
render_edi_refused(const char *filename, const claims_ingest_result *r)
{
	cJSON *o = cJSON_CreateObject(), *d = cJSON_CreateObject();
	bool ok = o && d;

	ok = ok && add(d, "code", cJSON_CreateString(r->error_code ? r->error_code : "REFUSED"));
	ok = ok && add(d, "ingest_file_id", r->ingest_file_id ? int_raw(r->ingest_file_id)
							       : cJSON_CreateNull());
	ok = ok && add(d, "issues", issues_array(filename, r->issues, r->n_issues));
	ok = ok && add(o, "error", cJSON_CreateString("EDI_REFUSED"));
	ok = ok && add(o, "message", cJSON_CreateString(r->error_message ? r->error_message
									  : "The file was refused"));
	if (ok) {
		ok = add(o, "details", d);
		d = NULL;
	}
	cJSON_Delete(d);
	return finish(o, ok);
}
