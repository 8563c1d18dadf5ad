/*
 * The ingest event callback (claims_ingest_options.event_cb): what a set
 * stored and linked is reported after its COMMIT, in order (records, then
 * episodes, then the set), with the statuses after the set's linking;
 * nothing for a duplicate, a refused file, or without a callback.
 */
#include "engine_fixture.h"

/* A recorded event, its strings copied. */
struct rec {
	claims_ingest_event ev;
	char ccn[64], status[16];
};

struct log {
	struct rec v[64];
	size_t n;
};

static void
record(const claims_ingest_event *ev, void *payload)
{
	struct log *l = payload;
	struct rec *r;

	assert_true(l->n < 64);
	r = &l->v[l->n++];
	r->ev = *ev;
	snprintf(r->ccn, sizeof(r->ccn), "%s", ev->claim_control_number ? ev->claim_control_number
									: "(null)");
	snprintf(r->status, sizeof(r->status), "%s", ev->status ? ev->status : "(null)");
	r->ev.claim_control_number = NULL;
	r->ev.status = NULL;
}

static claims_ingest_result *
ingest_text(claims_db *db, const char *text, struct log *l)
{
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;

	o.event_cb = record;
	o.event_payload = l;
	assert_int_equal(claims_ingest_mem(&r, db, text, strlen(text), &o), CLAIMS_OK);
	return r;
}

static claims_ingest_result *
ingest_body(claims_db *db, const char *gs, struct tx *body, struct log *l)
{
	char *text = fx_envelope(gs, body->s, ++fx_icn);
	claims_ingest_result *r = ingest_text(db, text, l);

	free(text);
	tx_free(body);
	return r;
}

static void
claims_837(struct tx *b, const char *const *pcns, const char *const *charges, size_t n)
{
	fx_837_head(b, "1234567893");
	fx_837_subscriber(b, 2, "87726", "MEMBER1", "DOE", "JANE");
	for (size_t i = 0; i < n; i++)
		fx_837_claim(b, pcns[i], charges[i], "1", NULL, "20240105");
}

static void
assert_claim(const struct rec *r, int64_t id, const char *ccn, const char *status)
{
	assert_int_equal(r->ev.type, CLAIMS_INGEST_EVENT_CLAIM);
	assert_int_equal(r->ev.claim_id, id);
	assert_string_equal(r->ccn, ccn);
	assert_string_equal(r->status, status);
	assert_int_equal(r->ev.remittance_id, 0);
	assert_int_equal(r->ev.episode_id, 0);
}

static void
assert_set(const struct rec *r, int64_t done, int64_t total)
{
	assert_int_equal(r->ev.type, CLAIMS_INGEST_EVENT_SET);
	assert_int_equal(r->ev.sets_done, done);
	assert_int_equal(r->ev.sets_total, total);
	assert_string_equal(r->status, "(null)");
}

static void
test_claims_then_set(void **state)
{
	claims_db *db = *state;
	static const char *const pcns[] = { "P1", "P2" };
	static const char *const charges[] = { "100", "250" };
	struct tx b = { 0 };
	struct log l = { 0 };
	claims_ingest_result *r;
	int64_t p1, p2;

	claims_837(&b, pcns, charges, 2);
	r = ingest_body(db, "HC", &b, &l);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	p1 = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'P1'");
	p2 = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'P2'");
	assert_int_equal(l.n, 3);
	assert_claim(&l.v[0], p1, "P1", "pending");
	assert_claim(&l.v[1], p2, "P2", "pending");
	assert_set(&l.v[2], 1, 1);
	claims_ingest_result_free(r);
}

static void
test_remittances_episodes_and_statuses_after_linking(void **state)
{
	claims_db *db = *state;
	static const char *const pcns[] = { "P1" };
	static const char *const charges[] = { "100" };
	struct tx b = { 0 };
	struct log l = { 0 };
	claims_ingest_result *r;
	int64_t claim, paid, unmatched, ep;

	claims_837(&b, pcns, charges, 1);
	claims_ingest_result_free(ingest_body(db, "HC", &b, &l));
	claim = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'P1'");

	l.n = 0;
	fx_835_head(&b, "87726", "T1", "20240201");
	fx_835_clp(&b, "P1", "1", "100", "80.5", "ICN1", "DOE", "JANE", "MEMBER1", "20240105", NULL);
	fx_835_clp(&b, "NOPE9", "1", "40", "0", "ICN2", "ROE", "RICH", "MEMBER7", "20240105", NULL);
	r = ingest_body(db, "HP", &b, &l);
	assert_int_equal(r->counts.episodes_linked, 1);
	paid = fx_int(db, "SELECT id FROM remittances WHERE claim_control_number = 'P1'");
	unmatched = fx_int(db, "SELECT id FROM remittances WHERE claim_control_number = 'NOPE9'");
	ep = fx_int(db, "SELECT id FROM claim_episodes");

	assert_int_equal(l.n, 4);
	assert_int_equal(l.v[0].ev.type, CLAIMS_INGEST_EVENT_REMITTANCE);
	assert_int_equal(l.v[0].ev.remittance_id, paid);
	assert_string_equal(l.v[0].ccn, "P1");
	assert_true(l.v[0].ev.has_payment);
	assert_int_equal(l.v[0].ev.payment_cents, 8050);
	assert_string_equal(l.v[0].status, "processed"); /* read after the linking */
	assert_int_equal(l.v[1].ev.type, CLAIMS_INGEST_EVENT_REMITTANCE);
	assert_int_equal(l.v[1].ev.remittance_id, unmatched);
	assert_string_equal(l.v[1].ccn, "NOPE9");
	assert_int_equal(l.v[1].ev.payment_cents, 0);
	assert_true(l.v[1].ev.has_payment);
	assert_string_equal(l.v[1].status, "unmatched");
	assert_int_equal(l.v[2].ev.type, CLAIMS_INGEST_EVENT_EPISODE);
	assert_int_equal(l.v[2].ev.episode_id, ep);
	assert_int_equal(l.v[2].ev.claim_id, claim);
	assert_int_equal(l.v[2].ev.remittance_id, paid);
	assert_string_equal(l.v[2].status, "linked");
	assert_set(&l.v[3], 1, 1);
	claims_ingest_result_free(r);

	/* The same claim again in another file: reported (unchanged), with the
	 * status the linking gave it. */
	l.n = 0;
	claims_837(&b, pcns, charges, 1);
	r = ingest_body(db, "HC", &b, &l);
	assert_int_equal(r->counts.claims_unchanged, 1);
	assert_int_equal(l.n, 2);
	assert_claim(&l.v[0], claim, "P1", "processed");
	assert_set(&l.v[1], 1, 1);
	claims_ingest_result_free(r);
}

static void
test_claim_after_its_payment_is_linked_in_its_set(void **state)
{
	claims_db *db = *state;
	static const char *const pcns[] = { "LATE1" };
	static const char *const charges[] = { "100" };
	struct tx b = { 0 };
	struct log l = { 0 };
	int64_t claim, remit;

	fx_835_head(&b, "87726", "T2", "20240201");
	fx_835_clp(&b, "LATE1", "4", "100", "0", "ICN5", "DOE", "JANE", "MEMBER1", "20240105",
		   "CAS*CO*50*100~");
	claims_ingest_result_free(ingest_body(db, "HP", &b, &l));
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0].status, "unmatched");
	remit = l.v[0].ev.remittance_id;

	l.n = 0;
	claims_837(&b, pcns, charges, 1);
	claims_ingest_result_free(ingest_body(db, "HC", &b, &l));
	claim = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'LATE1'");
	assert_int_equal(l.n, 3);
	assert_claim(&l.v[0], claim, "LATE1", "denied");
	assert_int_equal(l.v[1].ev.type, CLAIMS_INGEST_EVENT_EPISODE);
	assert_int_equal(l.v[1].ev.claim_id, claim);
	assert_int_equal(l.v[1].ev.remittance_id, remit);
	assert_string_equal(l.v[1].status, "denied");
	assert_set(&l.v[2], 1, 1);
}

/* Two 837 sets in one interchange. */
static char *
two_sets(void)
{
	struct tx body = { 0 }, t = { 0 };
	size_t segs = 2;

	fx_837_head(&body, "1234567893");
	fx_837_subscriber(&body, 2, "87726", "MEMBER1", "DOE", "JANE");
	fx_837_claim(&body, "S1", "100", "1", NULL, "20240105");
	for (const char *p = body.s; *p; p++)
		segs += *p == '~';
	TX_PRINTF(&t, "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       "
		      "*240101*1200*^*00501*000000777*0*T*:~GS*HC*SENDER*RECEIVER*20240101*1200*1*X*"
		      "005010X222A1~");
	for (int set = 1; set <= 2; set++) {
		TX_PRINTF(&t, "ST*837*000%d*005010X222A1~", set);
		tu_text_put(&t.s, &t.len, &t.cap, body.s, body.len);
		TX_PRINTF(&t, "SE*%zu*000%d~", segs, set);
	}
	TX_PRINTF(&t, "GE*2*1~IEA*1*000000777~");
	tx_free(&body);
	return t.s;
}

static void
test_every_set_counts(void **state)
{
	claims_db *db = *state;
	struct log l = { 0 };
	char *text = two_sets();
	claims_ingest_result *r = ingest_text(db, text, &l);
	int64_t id = fx_int(db, "SELECT id FROM claims WHERE claim_control_number = 'S1'");

	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	assert_int_equal(l.n, 4);
	assert_claim(&l.v[0], id, "S1", "pending");
	assert_set(&l.v[1], 1, 2);
	assert_claim(&l.v[2], id, "S1", "pending");
	assert_set(&l.v[3], 2, 2);
	claims_ingest_result_free(r);

	/* The same bytes again: a duplicate, nothing stored, nothing told. */
	l.n = 0;
	r = ingest_text(db, text, &l);
	assert_int_equal(r->status, CLAIMS_INGEST_DUPLICATE);
	assert_int_equal(l.n, 0);
	claims_ingest_result_free(r);
	free(text);
}

static void
test_refused_file_tells_nothing(void **state)
{
	claims_db *db = *state;
	struct log l = { 0 };
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	static const char *const pcns[] = { "W1" };
	static const char *const charges[] = { "100" };
	struct tx b = { 0 };
	char *text;

	claims_837(&b, pcns, charges, 1);
	text = fx_envelope("HC", b.s, ++fx_icn);
	tx_free(&b);
	o.event_cb = record;
	o.event_payload = &l;
	o.expect = CLAIMS_INGEST_835;
	assert_int_equal(claims_ingest_mem(&r, db, text, strlen(text), &o), CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_REFUSED);
	assert_string_equal(r->error_code, "WRONG_FILE_TYPE");
	assert_int_equal(l.n, 0);
	claims_ingest_result_free(r);
	free(text);
}

static void
test_records_capped_per_file(void **state)
{
	claims_db *db = *state;
	static const char *const pcns[] = { "C1", "C2", "C3" };
	static const char *const charges[] = { "100", "100", "100" };
	claims_ingest_options o = CLAIMS_INGEST_OPTIONS_INIT;
	claims_ingest_result *r = NULL;
	struct tx b = { 0 };
	struct log l = { 0 };
	char *text;

	claims_837(&b, pcns, charges, 3);
	text = fx_envelope("HC", b.s, ++fx_icn);
	tx_free(&b);
	o.event_cb = record;
	o.event_payload = &l;
	o.event_records_max = 2;
	assert_int_equal(claims_ingest_mem(&r, db, text, strlen(text), &o), CLAIMS_OK);
	assert_int_equal(r->counts.claims_created, 3);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.v[0].ccn, "C1");
	assert_string_equal(l.v[1].ccn, "C2");
	assert_set(&l.v[2], 1, 1);
	claims_ingest_result_free(r);
	free(text);
}

static void
test_type_names(void **state)
{
	(void)state;
	assert_string_equal(claims_ingest_event_type_to_str(CLAIMS_INGEST_EVENT_CLAIM), "claim");
	assert_string_equal(claims_ingest_event_type_to_str(CLAIMS_INGEST_EVENT_REMITTANCE),
			    "remittance");
	assert_string_equal(claims_ingest_event_type_to_str(CLAIMS_INGEST_EVENT_EPISODE), "episode");
	assert_string_equal(claims_ingest_event_type_to_str(CLAIMS_INGEST_EVENT_SET), "set");
	assert_string_equal(claims_ingest_event_type_to_str((claims_ingest_event_type)0), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claims_then_set, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_remittances_episodes_and_statuses_after_linking,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_claim_after_its_payment_is_linked_in_its_set,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_every_set_counts, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_refused_file_tells_nothing, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_records_capped_per_file, fx_setup, fx_teardown),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
