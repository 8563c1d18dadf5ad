/* claimsd: notifications and counters of one ingest (ingest_watch.h). */
#include "config.h"

#include <string.h>

#include "ingest_watch.h"
#include "metrics.h"
#include "notify.h"

void
ingest_watch_init(struct ingest_watch *w, const char *filename, const char *file_type,
		  int64_t job_id)
{
	memset(w, 0, sizeof(*w));
	w->file.filename = filename;
	w->file.file_type = file_type;
	w->file.job_id = job_id;
}

/* current / total as the stage counts them. */
static void
position(const struct ingest_watch *w, int64_t *current, int64_t *total)
{
	if (w->stage && strcmp(w->stage, "parsing") == 0) {
		*current = w->bytes_done;
		*total = w->bytes_total;
	} else {
		*current = w->sets_done;
		*total = w->sets_total;
	}
}

/* Record a report; a file_progress goes out on a new stage, or when the
 * last one is a second old. */
static void
report(struct ingest_watch *w, const char *stage, double progress, bool force)
{
	bool stage_changed = !w->stage || strcmp(w->stage, stage) != 0;
	double now = metrics_now();
	int64_t current, total;

	if (progress < w->progress)
		progress = w->progress; /* never backwards */
	if (progress > 1.0)
		progress = 1.0;
	w->progress = progress;
	w->stage = stage;
	if (w->changed)
		w->changed(w->payload, stage, progress, stage_changed);
	if (!stage_changed && !force && now - w->last_sent < 1.0)
		return;
	w->last_sent = now;
	position(w, &current, &total);
	notify_file_progress(&w->file, stage, progress, current, total);
}

static void
on_progress(int64_t done, int64_t total, void *payload)
{
	struct ingest_watch *w = payload;
	double f;

	if (total <= 0)
		return;
	f = (double)done / (double)total;
	if (f > 1.0)
		f = 1.0;
	/* The library counts both of its passes: the first half is reading. */
	if (done * 2 <= total) {
		w->bytes_total = total / 2;
		w->bytes_done = done < w->bytes_total ? done : w->bytes_total;
		report(w, "parsing", f * 0.98, false);
	} else {
		w->bytes_done = w->bytes_total = total / 2;
		report(w, "saving", f * 0.98, false);
	}
}

static void
on_event(const claims_ingest_event *ev, void *payload)
{
	struct ingest_watch *w = payload;

	switch (ev->type) {
	case CLAIMS_INGEST_EVENT_CLAIM:
		if (w->claims_sent < INGEST_WATCH_RECORDS_MAX) {
			w->claims_sent++;
			notify_claim_processed(ev->claim_id, ev->claim_control_number, ev->status);
		}
		break;
	case CLAIMS_INGEST_EVENT_REMITTANCE:
		if (w->remits_sent < INGEST_WATCH_RECORDS_MAX) {
			w->remits_sent++;
			notify_remittance_processed(ev->remittance_id, ev->claim_control_number,
						    ev->has_payment, ev->payment_cents, ev->status);
		}
		break;
	case CLAIMS_INGEST_EVENT_EPISODE:
		notify_episode_linked(ev->episode_id, ev->claim_id, ev->remittance_id, ev->status);
		break;
	case CLAIMS_INGEST_EVENT_SET:
		w->sets_done = ev->sets_done;
		w->sets_total = ev->sets_total;
		break;
	}
}

void
ingest_watch_attach(struct ingest_watch *w, claims_ingest_options *opts)
{
	opts->progress_cb = on_progress;
	opts->progress_payload = w;
	opts->event_cb = on_event;
	opts->event_payload = w;
	opts->event_records_max = INGEST_WATCH_RECORDS_MAX;
}

void
ingest_watch_stage(struct ingest_watch *w, const char *stage, double progress)
{
	report(w, stage, progress, true);
}

bool
ingest_watch_finish(struct ingest_watch *w, int rc, const claims_ingest_result *r)
{
	const claims_ingest_counts *c;

	if (rc < 0 || !r) {
		metrics_count_ingest("failed", 0, 0);
		return false;
	}
	if (r->status == CLAIMS_INGEST_DUPLICATE) {
		metrics_count_ingest("duplicate", 0, 0);
		return false;
	}
	if (r->status != CLAIMS_INGEST_INGESTED) {
		metrics_count_ingest("refused", 0, 0);
		return false;
	}
	c = &r->counts;
	metrics_count_ingest("ingested",
			     c->claims_created + c->claims_updated + c->claims_voided +
				     c->claims_unchanged,
			     c->remittances_created + c->remittances_unchanged);
	if (w->sets_total < w->sets_done)
		w->sets_total = w->sets_done;
	w->sets_done = w->sets_total;
	ingest_watch_stage(w, "linking", 0.99);
	return true;
}

void
ingest_watch_done(struct ingest_watch *w, const claims_ingest_result *r)
{
	ingest_watch_stage(w, "complete", 1.0);
	notify_file_processed(&w->file, "succeeded", r->counts.claims_created,
			      r->counts.remittances_created);
}
