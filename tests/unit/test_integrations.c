/*
 * The 837 writer's details (claims_export_837: envelope, control number,
 * options, value formats, delimiters inside values) and the adapter
 * registry (claims/adapter.h), including concurrent use.  The round trip
 * over the corpus is tests/integration/test_export_roundtrip.py.
 */
#include "testutil.h"

#include <pthread.h>

#include "claims/claims.h"

static const char *const clean_837p =
	"ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*^*"
	"00501*000000001*0*T*:~\n"
	"GS*HC*SENDER*RECEIVER*20240101*1200*1*X*005010X222A1~\n"
	"ST*837*0001*005010X222A1~\n"
	"BHT*0019*00*0123*20240110*1200*CH~\n"
	"NM1*41*2*CLINIC*****46*TGJ23~\n"
	"NM1*40*2*PAYER*****46*66783JJT~\n"
	"HL*1**20*1~\n"
	"NM1*85*2*CLINIC*****XX*1234567893~\n"
	"REF*EI*123456789~\n"
	"HL*2*1*22*0~\n"
	"SBR*P*18*******CI~\n"
	"NM1*IL*1*DOE*JANE****MI*MEMBER1~\n"
	"DMG*D8*19800101*F~\n"
	"NM1*PR*2*UNITED*****PI*87726~\n"
	"CLM*PCN1*102.54***11:B:1*Y*A*Y*Y~\n"
	"REF*EA*MRN~\n"
	"HI*ABK:E119~\n"
	"LX*1~\n"
	"SV1*HC:99213:25*100*UN*0.1*11**1~\n"
	"DTP*472*D8*20240105~\n"
	"LX*2~\n"
	"SV1*HC:99214*2.54*UN*12.5*11**1~\n"
	"DTP*472*RD8*20240105-20240107~\n"
	"SE*22*0001~\n"
	"GE*1*1~\n"
	"IEA*1*000000001~\n";

struct fixture {
	char *dir;
	claims_db *db;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	claims_ingest_result *r = NULL;
	char *path;

	assert_non_null(f);
	f->dir = tu_tmpdir();
	path = tu_path(f->dir, "c.db");
	assert_int_equal(claims_db_open(&f->db, path, NULL), CLAIMS_OK);
	free(path);
	assert_int_equal(claims_ingest_mem(&r, f->db, clean_837p, strlen(clean_837p), NULL),
			 CLAIMS_OK);
	assert_int_equal(r->status, CLAIMS_INGEST_INGESTED);
	assert_int_equal(r->issues_total, 0);
	claims_ingest_result_free(r);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	claims_db_close(f->db);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

/* 2024-03-05 06:07:00 UTC */
#define CREATED 1709618820

static claims_export *
export_claim(claims_db *db, int64_t id)
{
	claims_export_options o = CLAIMS_EXPORT_OPTIONS_INIT;
	claims_export *e = NULL;

	o.created_at = CREATED;
	assert_int_equal(claims_export_837(&e, db, id, &o), CLAIMS_OK);
	assert_non_null(e);
	return e;
}

static void
test_envelope(void **state)
{
	struct fixture *f = *state;
	claims_export *e = export_claim(f->db, 1);
	const char *nl = strchr(e->x12, '\n');

	assert_string_equal(e->transaction_type, "837P");
	assert_string_equal(e->tracking_id, "CLM-1-v1");
	assert_string_equal(e->control_number, "000000101");
	assert_int_equal(nl - e->x12, 106);
	assert_memory_equal(e->x12,
			    "ISA*00*          *00*          *ZZ*UNKNOWN        *ZZ*UNKNOWN        "
			    "*240305*0607*^*00501*000000101*0*T*:~\n",
			    107);
	assert_non_null(strstr(e->x12, "GS*HC*UNKNOWN*UNKNOWN*20240305*0607*101*X*005010X222A1~\n"
					"ST*837*0001*005010X222A1~\n"
					"BHT*0019*00*CLM-1-v1*20240110*0607*CH~\n"));
	/* every stored value, and the formats of amounts and quantities */
	assert_non_null(strstr(e->x12, "CLM*PCN1*102.54***11:B:1*Y*A*Y*Y~\n"));
	assert_non_null(strstr(e->x12, "SV1*HC:99213:25*100*UN*0.1*11**1~\n"));
	assert_non_null(strstr(e->x12, "SV1*HC:99214*2.54*UN*12.5*11**1~\n"));
	assert_non_null(strstr(e->x12, "DTP*472*RD8*20240105-20240107~\n"));
	assert_non_null(strstr(e->x12, "NM1*IL*1*DOE*JANE****MI*MEMBER1~\nN3*UNKNOWN~\n"
					"N4*UNKNOWN~\nDMG*D8*19800101*F~\n"));
	/* no claim-level 472: the lines give the same dates */
	assert_null(strstr(e->x12, "CLM*PCN1*102.54***11:B:1*Y*A*Y*Y~\nDTP*472"));
	assert_non_null(strstr(e->x12, "SE*27*0001~\nGE*1*101~\nIEA*1*000000101~\n"));
	assert_int_equal(e->transaction_segment_count, 27);
	assert_int_equal(e->segment_count, 31);
	assert_int_equal(e->len, strlen(e->x12));
	claims_export_free(e);
}

static void
test_control_number_and_values(void **state)
{
	struct fixture *f = *state;
	claims_export *e;

	/* (id x 100 + version) mod 10^9, nine digits */
	assert_int_equal(claims__exec(f->db, "PRAGMA foreign_keys = OFF; "
					     "UPDATE claim_lines SET claim_id = 12345678; "
					     "UPDATE claim_diagnoses SET claim_id = 12345678; "
					     "UPDATE claim_history SET claim_id = 12345678; "
					     "UPDATE claims SET id = 12345678, version = 3, "
					     "medical_record_number = 'A*B:C~D^E', "
					     "total_charge_cents = -254, submitted_date = NULL; "
					     "UPDATE claim_lines SET lx_number = NULL; "
					     "PRAGMA foreign_keys = ON"),
			 CLAIMS_OK);
	e = export_claim(f->db, 12345678);
	assert_string_equal(e->control_number, "234567803");
	assert_string_equal(e->tracking_id, "CLM-12345678-v3");
	assert_non_null(strstr(e->x12, "*00501*234567803*0*T*:~\n"));
	assert_non_null(strstr(e->x12, "GS*HC*UNKNOWN*UNKNOWN*20240305*0607*234567803*X*"));
	/* delimiters inside a stored value are written as spaces */
	assert_non_null(strstr(e->x12, "REF*EA*A B C D E~\n"));
	assert_non_null(strstr(e->x12, "CLM*PCN1*-2.54***"));
	/* required elements without a stored value: the creation date, the
	 * line number */
	assert_non_null(strstr(e->x12, "BHT*0019*00*CLM-12345678-v3*20240305*0607*CH~\n"));
	assert_non_null(strstr(e->x12, "LX*1~\nSV1*HC:99213:25*"));
	assert_non_null(strstr(e->x12, "LX*2~\nSV1*HC:99214*"));
	claims_export_free(e);
}

static void
test_options_and_errors(void **state)
{
	struct fixture *f = *state;
	claims_export_options o = CLAIMS_EXPORT_OPTIONS_INIT;
	claims_export *e = (claims_export *)&o;

	assert_int_equal(claims_export_837(&e, f->db, 99, NULL), CLAIMS_ENOTFOUND);
	assert_null(e);
	assert_string_equal(claims_db_errmsg(f->db), "Claim not found (id: 99)");
	assert_int_equal(claims_export_837(&e, f->db, 0, NULL), CLAIMS_ENOTFOUND);
	assert_int_equal(claims_export_837(NULL, f->db, 1, NULL), CLAIMS_EINVAL);
	assert_int_equal(claims_export_837(&e, NULL, 1, NULL), CLAIMS_EINVAL);
	o.usage_indicator = 'X';
	assert_int_equal(claims_export_837(&e, f->db, 1, &o), CLAIMS_EINVAL);
	assert_string_equal(claims_db_errmsg(f->db), "usage indicator must be T or P");
	o.usage_indicator = 'P';
	o.sender_id = "BAD*ID";
	assert_int_equal(claims_export_837(&e, f->db, 1, &o), CLAIMS_EINVAL);
	o.sender_id = "SIXTEEN_CHARS_AB";
	assert_int_equal(claims_export_837(&e, f->db, 1, &o), CLAIMS_EINVAL);
	o.sender_id = "CLINIC-01";
	o.receiver_id = "CH.RECV";
	o.created_at = CREATED;
	assert_int_equal(claims_export_837(&e, f->db, 1, &o), CLAIMS_OK);
	assert_memory_equal(e->x12,
			    "ISA*00*          *00*          *ZZ*CLINIC-01      *ZZ*CH.RECV        "
			    "*240305*0607*^*00501*000000101*0*P*:~\n",
			    107);
	assert_non_null(strstr(e->x12, "NM1*41*2*UNKNOWN*****46*CLINIC-01~\n"));
	claims_export_free(e);
	claims_export_free(NULL);
}

/* ---- adapters */

static void
test_adapter_names(void **state)
{
	claims_validation v = { 0 };
	const char *type, *name;

	(void)state;
	assert_int_equal(claims_adapter_lookup(&type, &name, "EHR", "EpIc"), CLAIMS_OK);
	assert_string_equal(type, "ehr");
	assert_string_equal(name, "epic");
	assert_int_equal(claims_adapter_lookup(&type, &name, "clearinghouse", "X12"), CLAIMS_OK);
	assert_string_equal(name, "x12");
	assert_int_equal(claims_adapter_lookup(&type, &name, "ehr", "x12"), CLAIMS_ENOTFOUND);
	assert_null(name);
	assert_int_equal(claims_adapter_lookup(NULL, NULL, "lab", "epic"), CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_lookup(NULL, NULL, NULL, "epic"), CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_lookup(NULL, NULL, "ehr", "epicx"), CLAIMS_ENOTFOUND);

	assert_int_equal(claims_adapter_check(NULL, NULL, "clearinghouse", "query", "adapter_type",
					      "epic", "path", "adapter_name", &v),
			 CLAIMS_EINVAL);
	assert_int_equal(v.count, 1);
	assert_string_equal(v.errors[0].where, "path");
	assert_string_equal(v.errors[0].name, "adapter_name");
	assert_string_equal(v.errors[0].type, "unknown_adapter");
	assert_string_equal(v.errors[0].msg, "must be one of: change_healthcare, x12");
	assert_int_equal(claims_adapter_check(NULL, NULL, "x", "query", "adapter_type", "epic",
					      "path", "adapter_name", &v),
			 CLAIMS_EINVAL);
	assert_int_equal(v.count, 2);
	assert_string_equal(v.errors[1].where, "query");
	assert_string_equal(v.errors[1].name, "adapter_type");
	assert_string_equal(v.errors[1].msg, "must be one of: ehr, clearinghouse");
}

struct fake {
	int connects, fetches, released;
	bool fail_fetch;
};

static int
fake_connect(void *p, const claims_adapter_setting *s, size_t n)
{
	struct fake *f = p;

	f->connects++;
	return n == 1 && strcmp(s[0].key, "refuse") == 0 ? CLAIMS_EINVAL : CLAIMS_OK;
}

static int
fake_fetch(void *p, const char *start, const char *end, const char *filters,
	   claims_adapter_claim_cb emit, void *payload)
{
	struct fake *f = p;
	char buf[128];
	int rc;

	f->fetches++;
	if (f->fail_fetch)
		return CLAIMS_ERROR;
	snprintf(buf, sizeof(buf), "{\"from\": \"%s\", \"to\": \"%s\"}", start, end);
	rc = emit(buf, payload);
	if (rc < 0)
		return rc;
	return emit(filters, payload);
}

static void
fake_release(void *p)
{
	((struct fake *)p)->released++;
}

struct seen {
	char text[4][128];
	int n;
};

static int
collect(const char *json, void *payload)
{
	struct seen *s = payload;

	if (s->n == 4)
		return CLAIMS_EINVAL;
	snprintf(s->text[s->n++], sizeof(s->text[0]), "%s", json);
	return CLAIMS_OK;
}

static void
test_registry(void **state)
{
	static const claims_adapter_impl impl = {
		.version = CLAIMS_ADAPTER_IMPL_VERSION,
		.connect = fake_connect,
		.fetch_claims = fake_fetch,
		.release = fake_release,
	};
	claims_adapter_impl bad = impl;
	claims_adapter_setting s[2] = { { "usage_indicator", "P" }, { "token", "t0ps3cret" } };
	claims_adapters *r = NULL;
	struct fake fk = { 0 };
	struct seen seen = { 0 };
	char buf[32], why[128];
	bool connected = true;

	(void)state;
	assert_int_equal(claims_adapters_new(&r), CLAIMS_OK);
	/* x12 is built in and always connected; the others need an implementation */
	assert_int_equal(claims_adapter_test(&connected, r, "clearinghouse", "x12"), CLAIMS_OK);
	assert_true(connected);
	assert_int_equal(claims_adapter_test(&connected, r, "ehr", "epic"), CLAIMS_OK);
	assert_false(connected);
	assert_int_equal(claims_adapter_test(&connected, r, "ehr", "x12"), CLAIMS_EINVAL);
	assert_false(claims_adapter_is_registered(r, "ehr", "epic"));
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-01-01", "2024-01-31", NULL,
						     collect, &seen),
			 CLAIMS_ENOTFOUND);

	bad.version = 99;
	assert_int_equal(claims_adapter_register(r, "ehr", "epic", &bad, &fk), CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_register(r, "clearinghouse", "x12", &impl, &fk),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_register(r, "ehr", "nope", &impl, &fk), CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_register(r, "Ehr", "EPIC", &impl, &fk), CLAIMS_OK);
	assert_int_equal(claims_adapter_register(r, "ehr", "epic", &impl, &fk), CLAIMS_EEXISTS);
	assert_true(claims_adapter_is_registered(r, "EHR", "epic"));
	/* no test_connection callback: connected */
	assert_int_equal(claims_adapter_test(&connected, r, "ehr", "epic"), CLAIMS_OK);
	assert_true(connected);

	/* settings: kept, checked, replaced */
	assert_int_equal(claims_adapter_connect(r, "clearinghouse", "x12", s, 2, why, sizeof(why)),
			 CLAIMS_OK);
	assert_int_equal(claims_adapter_setting_get(buf, sizeof(buf), r, "clearinghouse", "X12",
						    "token"),
			 CLAIMS_OK);
	assert_string_equal(buf, "t0ps3cret");
	assert_int_equal(claims_adapter_setting_get(buf, 4, r, "clearinghouse", "x12", "token"),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_setting_get(buf, sizeof(buf), r, "clearinghouse", "x12",
						    "missing"),
			 CLAIMS_ENOTFOUND);
	s[0].value = "Q";
	assert_int_equal(claims_adapter_connect(r, "clearinghouse", "x12", s, 2, why, sizeof(why)),
			 CLAIMS_EINVAL);
	assert_string_equal(why, "usage_indicator must be T or P");
	/* a refused connect keeps the earlier settings */
	assert_int_equal(claims_adapter_setting_get(buf, sizeof(buf), r, "clearinghouse", "x12",
						    "usage_indicator"),
			 CLAIMS_OK);
	assert_string_equal(buf, "P");
	s[0].key = "token";
	assert_int_equal(claims_adapter_connect(r, "clearinghouse", "x12", s, 2, why, sizeof(why)),
			 CLAIMS_EINVAL);
	assert_string_equal(why, "a setting name is repeated");
	s[0].key = "";
	assert_int_equal(claims_adapter_connect(r, "ehr", "epic", s, 1, why, sizeof(why)),
			 CLAIMS_EINVAL);
	assert_string_equal(why, "a setting has an empty name");
	s[0].key = "refuse";
	assert_int_equal(claims_adapter_connect(r, "ehr", "epic", s, 1, why, sizeof(why)),
			 CLAIMS_EINVAL);
	assert_string_equal(why, "the adapter refused the settings");
	assert_int_equal(claims_adapter_connect(r, "ehr", "epic", NULL, 0, why, sizeof(why)),
			 CLAIMS_OK);
	assert_int_equal(fk.connects, 2);
	assert_int_equal(claims_adapter_connect(r, "ehr", "cerner", NULL, 0, why, sizeof(why)),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_connect(r, "clearinghouse", "x12", NULL, 0, NULL, 0),
			 CLAIMS_OK);
	assert_int_equal(claims_adapter_setting_get(buf, sizeof(buf), r, "clearinghouse", "x12",
						    "token"),
			 CLAIMS_ENOTFOUND);

	/* fetch */
	assert_int_equal(claims_adapter_fetch_claims(r, "EPIC", "2024-01-01", "2024-01-31",
						     "{\"a\":1}", collect, &seen),
			 CLAIMS_OK);
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.text[0], "{\"from\": \"2024-01-01\", \"to\": \"2024-01-31\"}");
	assert_string_equal(seen.text[1], "{\"a\":1}");
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-01-01", "2024-01-31", NULL,
						     collect, &seen),
			 CLAIMS_OK);
	assert_string_equal(seen.text[3], "{}");
	/* the callback's refusal stops the fetch */
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-01-01", "2024-01-31", NULL,
						     collect, &seen),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-02-01", "2024-01-31", NULL,
						     collect, &seen),
			 CLAIMS_EINVAL);
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-02-30", "2024-03-01", NULL,
						     collect, &seen),
			 CLAIMS_EINVAL);
	fk.fail_fetch = true;
	assert_int_equal(claims_adapter_fetch_claims(r, "epic", "2024-01-01", "2024-01-31", NULL,
						     collect, &seen),
			 CLAIMS_ERROR);
	assert_int_equal(fk.fetches, 4);
	claims_adapters_free(r);
	assert_int_equal(fk.released, 1);
	claims_adapters_free(NULL);
}

static void
test_fetch_query(void **state)
{
	claims_param ok[] = { { "adapter_name", "Epic" }, { "start_date", "2024-01-01" },
			      { "end_date", "2024-01-01" }, { "other", "x" } };
	claims_param bad[] = { { "adapter_name", "epic" }, { "adapter_name", "epic" },
			       { "start_date", "2024-13-01" }, { "end_date", "" } };
	claims_param order[] = { { "adapter_name", "epic" }, { "start_date", "2024-01-02" },
				 { "end_date", "2024-01-01" } };
	claims_adapter_fetch_query q;
	claims_validation v = { 0 };

	(void)state;
	assert_int_equal(claims_adapter_fetch_query_parse(&q, ok, 4, &v), CLAIMS_OK);
	assert_string_equal(q.adapter_name, "epic");
	assert_string_equal(q.start_date, "2024-01-01");
	assert_string_equal(q.end_date, "2024-01-01");
	assert_int_equal(v.count, 0);
	assert_int_equal(claims_adapter_fetch_query_parse(&q, bad, 4, &v), CLAIMS_EINVAL);
	assert_int_equal(v.count, 3);
	assert_string_equal(v.errors[0].type, "repeated");
	assert_string_equal(v.errors[1].name, "start_date");
	assert_string_equal(v.errors[1].type, "date_parsing");
	assert_string_equal(v.errors[2].name, "end_date");
	assert_string_equal(v.errors[2].type, "missing");
	v.count = 0;
	assert_int_equal(claims_adapter_fetch_query_parse(&q, order, 3, &v), CLAIMS_EINVAL);
	assert_int_equal(v.count, 1);
	assert_string_equal(v.errors[0].name, "end_date");
	assert_string_equal(v.errors[0].type, "range");
	assert_string_equal(v.errors[0].msg, "must not be before start_date");
}

/* Threads connecting, reading settings and testing at once: the values
 * read are always one whole connect's (run under ThreadSanitizer too). */
struct worker_arg {
	claims_adapters *r;
	int id;
	int bad;
};

static void *
worker(void *p)
{
	struct worker_arg *a = p;
	char value[16], buf[16];
	claims_adapter_setting s[2] = { { "sender_id", value }, { "receiver_id", value } };

	for (int i = 0; i < 300; i++) {
		bool connected = false;

		snprintf(value, sizeof(value), "T%dI%d", a->id, i);
		if (claims_adapter_connect(a->r, "clearinghouse", "x12", s, 2, NULL, 0) != CLAIMS_OK)
			a->bad++;
		if (claims_adapter_setting_get(buf, sizeof(buf), a->r, "clearinghouse", "x12",
					       "sender_id") != CLAIMS_OK ||
		    buf[0] != 'T')
			a->bad++;
		if (claims_adapter_test(&connected, a->r, "clearinghouse", "x12") != CLAIMS_OK ||
		    !connected)
			a->bad++;
	}
	return NULL;
}

static void
test_registry_threads(void **state)
{
	claims_adapters *r = NULL;
	pthread_t t[4];
	struct worker_arg args[4];

	(void)state;
	assert_int_equal(claims_adapters_new(&r), CLAIMS_OK);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct worker_arg){ r, i, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(args[i].bad, 0);
	}
	claims_adapters_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_envelope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_control_number_and_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_options_and_errors, setup, teardown),
		cmocka_unit_test(test_adapter_names),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_fetch_query),
		cmocka_unit_test(test_registry_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
