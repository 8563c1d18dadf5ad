/* JSON of the live notifications (render_notify.h). */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "render.h"
#include "render_notify.h"

/* ---- building, NULL-safe: a failed item fails the whole object */

struct obj {
	cJSON *o;
	bool ok;
};

static void
add(struct obj *b, const char *key, cJSON *item)
{
	if (!item) {
		b->ok = false;
		return;
	}
	if (!b->o || !cJSON_AddItemToObject(b->o, key, item)) {
		cJSON_Delete(item);
		b->ok = false;
	}
}

static void
add_int(struct obj *b, const char *key, int64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	add(b, key, cJSON_CreateRaw(buf));
}

static void
add_id_or_null(struct obj *b, const char *key, int64_t v)
{
	if (v > 0)
		add_int(b, key, v);
	else
		add(b, key, cJSON_CreateNull());
}

static void
add_str(struct obj *b, const char *key, const char *s)
{
	add(b, key, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static void
add_fixed(struct obj *b, const char *key, double v, int places)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", places, v);
	add(b, key, cJSON_CreateRaw(buf));
}

static struct obj
obj_new(void)
{
	struct obj b = { cJSON_CreateObject(), true };

	b.ok = b.o != NULL;
	return b;
}

static char *
obj_finish(struct obj *b)
{
	char *out = b->ok ? cJSON_PrintUnformatted(b->o) : NULL;

	cJSON_Delete(b->o);
	return out;
}

/* The broadcast envelope around @p data (consumed). */
static char *
envelope(const char *type, const char *ts, struct obj *data, const char *message)
{
	struct obj e = obj_new();

	add_str(&e, "type", type);
	add_str(&e, "timestamp", ts);
	if (data->ok) {
		add(&e, "data", data->o);
	} else {
		cJSON_Delete(data->o);
		e.ok = false;
	}
	data->o = NULL;
	add_str(&e, "message", message);
	return obj_finish(&e);
}

char *
render_notify_reply(const char *type, const char *message, const char *ts)
{
	struct obj e = obj_new();

	add_str(&e, "type", type);
	add_str(&e, "message", message);
	add_str(&e, "timestamp", ts);
	return obj_finish(&e);
}

char *
render_notify_risk(const claims_risk_score *s, const char *ts)
{
	struct obj d = obj_new(), c = obj_new();
	char msg[96];

	add_int(&d, "claim_id", s->claim_id);
	add_fixed(&d, "overall_score", s->overall_score, 2);
	add_str(&d, "risk_level", s->risk_level);
	add_fixed(&c, "coding_risk", s->coding_risk, 2);
	add_fixed(&c, "documentation_risk", s->documentation_risk, 2);
	add_fixed(&c, "payer_risk", s->payer_risk, 2);
	add_fixed(&c, "historical_risk", s->historical_risk, 2);
	add_fixed(&c, "pattern_risk", s->pattern_risk, 2);
	if (c.ok) {
		add(&d, "component_scores", c.o);
	} else {
		cJSON_Delete(c.o);
		d.ok = false;
	}
	snprintf(msg, sizeof(msg), "Risk score calculated for claim %" PRId64, s->claim_id);
	return envelope("risk_score_calculated", ts, &d, msg);
}

char *
render_notify_claim(int64_t claim_id, const char *ccn, const char *status, const char *ts)
{
	struct obj d = obj_new();
	char msg[96];

	add_int(&d, "claim_id", claim_id);
	add_str(&d, "claim_control_number", ccn);
	add_str(&d, "status", status);
	snprintf(msg, sizeof(msg), "Claim %" PRId64 " processed successfully", claim_id);
	return envelope("claim_processed", ts, &d, msg);
}

char *
render_notify_remittance(int64_t remittance_id, const char *ccn, bool has_payment,
			 int64_t payment_cents, const char *status, const char *ts)
{
	struct obj d = obj_new();
	char msg[96];

	add_int(&d, "remittance_id", remittance_id);
	add_str(&d, "claim_control_number", ccn);
	add(&d, "payment_amount", has_payment ? render_money(payment_cents) : cJSON_CreateNull());
	add_str(&d, "status", status);
	snprintf(msg, sizeof(msg), "Remittance %" PRId64 " processed successfully", remittance_id);
	return envelope("remittance_processed", ts, &d, msg);
}

char *
render_notify_episode_linked(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
			     const char *status, const char *ts)
{
	struct obj d = obj_new();
	char msg[96];

	add_int(&d, "episode_id", episode_id);
	add_int(&d, "claim_id", claim_id);
	add_int(&d, "remittance_id", remittance_id);
	add_str(&d, "status", status);
	snprintf(msg, sizeof(msg), "Episode %" PRId64 " linked successfully", episode_id);
	return envelope("episode_linked", ts, &d, msg);
}

char *
render_notify_episode_completed(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
				const char *ts)
{
	struct obj d = obj_new();
	char msg[96];

	add_int(&d, "episode_id", episode_id);
	add_int(&d, "claim_id", claim_id);
	add_int(&d, "remittance_id", remittance_id);
	snprintf(msg, sizeof(msg), "Episode %" PRId64 " completed", episode_id);
	return envelope("episode_completed", ts, &d, msg);
}

char *
render_notify_episode_status(int64_t episode_id, int64_t claim_id, const char *old_status,
			     const char *new_status, const char *ts)
{
	struct obj d = obj_new();
	char msg[128];

	add_int(&d, "episode_id", episode_id);
	add_int(&d, "claim_id", claim_id);
	add_str(&d, "old_status", old_status);
	add_str(&d, "new_status", new_status);
	snprintf(msg, sizeof(msg), "Episode %" PRId64 " status changed to %s", episode_id,
		 new_status ? new_status : "");
	return envelope("episode_status_changed", ts, &d, msg);
}

char *
render_notify_file_processed(const struct notify_file *f, const char *status,
			     int64_t claims_created, int64_t remittances_created, const char *ts)
{
	struct obj d = obj_new();
	char *msg;
	size_t n = strlen(f->filename) + 64;
	char *out;

	add_str(&d, "filename", f->filename);
	add_str(&d, "file_type", f->file_type);
	add_str(&d, "status", status);
	add_int(&d, "claims_created", claims_created);
	add_int(&d, "remittances_created", remittances_created);
	add_id_or_null(&d, "job_id", f->job_id);
	msg = malloc(n);
	if (!msg) {
		cJSON_Delete(d.o);
		return NULL;
	}
	snprintf(msg, n, "%s file %s processed successfully", f->file_type, f->filename);
	out = envelope("file_processed", ts, &d, msg);
	free(msg);
	return out;
}

char *
render_notify_file_progress(const struct notify_file *f, const char *stage, double progress,
			    int64_t current, int64_t total, const char *ts)
{
	struct obj d = obj_new();
	size_t n = strlen(f->filename) + 64;
	char *msg, *out;

	add_str(&d, "filename", f->filename);
	add_str(&d, "file_type", f->file_type);
	if (f->job_id > 0) {
		char id[32];

		snprintf(id, sizeof(id), "%" PRId64, f->job_id);
		add_str(&d, "task_id", id);
	} else {
		add(&d, "task_id", cJSON_CreateNull());
	}
	add_str(&d, "stage", stage);
	add_fixed(&d, "progress", floor(progress * 10000.0 + 0.5) / 10000.0, 4);
	add_int(&d, "current", current);
	add_int(&d, "total", total);
	msg = malloc(n);
	if (!msg) {
		cJSON_Delete(d.o);
		return NULL;
	}
	snprintf(msg, n, "Processing %s: %s (%d%%)", f->filename, stage,
		 (int)floor(progress * 100.0 + 0.5));
	out = envelope("file_progress", ts, &d, msg);
	free(msg);
	return out;
}

char *
render_notify_job_failed(int64_t job_id, const char *filename, const char *error_json,
			 const char *ts)
{
	struct obj d = obj_new();
	size_t n = strlen(filename) + 32;
	char *msg, *out;

	add_int(&d, "job_id", job_id);
	add_str(&d, "filename", filename);
	add(&d, "error", error_json ? cJSON_Parse(error_json) : cJSON_CreateNull());
	msg = malloc(n);
	if (!msg) {
		cJSON_Delete(d.o);
		return NULL;
	}
	snprintf(msg, n, "Processing %s failed", filename);
	out = envelope("job_failed", ts, &d, msg);
	free(msg);
	return out;
}
