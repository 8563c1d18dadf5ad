/*
 * libclaims engine: configuration (spec/cli.md §4 "Engine"), dates and
 * rounding shared by linking, risk and patterns.
 *
 * Rounding goes through the shortest exact decimal text of the double
 * ("%.2f" rounds the exact binary value, ties to even), so that a value
 * such as 1.77375, whose double lies just below the tie, rounds to 1.77.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_internal.h"

static const claims_engine_config defaults = CLAIMS_ENGINE_CONFIG_INIT;

static bool
weight_ok(double w)
{
	return w >= 0.0 && w <= 1.0; /* NaN fails both */
}

int
claims__engine_config(claims_db *db, const claims_engine_config *in, claims_engine_config *out)
{
	int64_t d;

	*out = in ? *in : defaults;
	if (out->version != CLAIMS_ENGINE_CONFIG_VERSION)
		return claims__set_error(db, CLAIMS_EINVAL, "unsupported engine configuration version");
	if (!weight_ok(out->weight_payer) || !weight_ok(out->weight_coding) ||
	    !weight_ok(out->weight_doc) || !weight_ok(out->weight_historical) ||
	    !weight_ok(out->weight_pattern))
		return claims__set_error(db, CLAIMS_EINVAL, "risk weights must be between 0 and 1");
	if (out->weight_payer + out->weight_coding + out->weight_doc + out->weight_historical +
		    out->weight_pattern <= 0.0)
		return claims__set_error(db, CLAIMS_EINVAL, "the risk weights sum to 0");
	if (out->timely_filing_days < 1 || out->timely_filing_days > 3650 ||
	    out->history_days < 1 || out->history_days > 3650)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "TIMELY_FILING_DAYS and HISTORY_DAYS must be 1..3650");
	if (out->link_charge_tolerance_cents < 0)
		return claims__set_error(db, CLAIMS_EINVAL,
					 "LINK_CHARGE_TOLERANCE_CENTS must not be negative");
	if (out->today && (!claims__date_days(out->today, &d) || strlen(out->today) != 10))
		return claims__set_error(db, CLAIMS_EINVAL, "today must be a date YYYY-MM-DD");
	return CLAIMS_OK;
}

static void
warn(claims_log_cb log, void *payload, const char *name, const char *value)
{
	char msg[256];

	if (!log)
		return;
	snprintf(msg, sizeof(msg), "%s=%.64s is not valid; using the default", name, value);
	log(CLAIMS_LOG_WARNING, msg, payload);
}

static void
env_weight(claims_getenv_cb get, void *payload, claims_log_cb log, void *log_payload,
	   const char *name, double *w)
{
	const char *v = get(name, payload);
	char *end;
	double d;

	if (!v || !*v)
		return;
	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || *end || !weight_ok(d)) {
		warn(log, log_payload, name, v);
		return;
	}
	*w = d;
}

static void
env_int(claims_getenv_cb get, void *payload, claims_log_cb log, void *log_payload,
	const char *name, long long lo, long long hi, long long *out)
{
	const char *v = get(name, payload);
	char *end;
	long long n;

	if (!v || !*v)
		return;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || end == v || *end || n < lo || n > hi) {
		warn(log, log_payload, name, v);
		return;
	}
	*out = n;
}

int
claims_engine_config_from_env(claims_engine_config *out, claims_getenv_cb get, void *payload,
			      claims_log_cb log, void *log_payload)
{
	long long tf, hd, tol;

	if (!out || !get)
		return CLAIMS_EINVAL;
	*out = defaults;
	env_weight(get, payload, log, log_payload, "RISK_WEIGHT_PAYER", &out->weight_payer);
	env_weight(get, payload, log, log_payload, "RISK_WEIGHT_CODING", &out->weight_coding);
	env_weight(get, payload, log, log_payload, "RISK_WEIGHT_DOC", &out->weight_doc);
	env_weight(get, payload, log, log_payload, "RISK_WEIGHT_HISTORICAL",
		   &out->weight_historical);
	env_weight(get, payload, log, log_payload, "RISK_WEIGHT_PATTERN", &out->weight_pattern);
	tf = out->timely_filing_days;
	hd = out->history_days;
	tol = out->link_charge_tolerance_cents;
	env_int(get, payload, log, log_payload, "TIMELY_FILING_DAYS", 1, 3650, &tf);
	env_int(get, payload, log, log_payload, "HISTORY_DAYS", 1, 3650, &hd);
	env_int(get, payload, log, log_payload, "LINK_CHARGE_TOLERANCE_CENTS", 0,
		(long long)1 << 50, &tol);
	out->timely_filing_days = (int)tf;
	out->history_days = (int)hd;
	out->link_charge_tolerance_cents = tol;
	if (out->weight_payer + out->weight_coding + out->weight_doc + out->weight_historical +
		    out->weight_pattern <= 0.0) {
		if (log)
			log(CLAIMS_LOG_ERROR, "the RISK_WEIGHT_* values sum to 0", log_payload);
		return CLAIMS_EINVAL;
	}
	return CLAIMS_OK;
}

/* ---------------------------------------------------------------- dates */

/* Days from 1970-01-01 of a proleptic Gregorian date (H. Hinnant's method). */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

bool
claims__date_days(const char *s, int64_t *days)
{
	unsigned y, m, d;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (!s)
		return false;
	for (int i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (s[i] < '0' || s[i] > '9') {
			return false;
		}
	}
	y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	/* February 29 only in leap years. */
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

void
claims__days_date(int64_t z, char out[static 11])
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	{
		char buf[32];

		snprintf(buf, sizeof(buf), "%04d-%02u-%02u", (int)(y % 10000), m % 100, d % 100);
		memcpy(out, buf, 10);
		out[10] = '\0';
	}
}

void
claims__engine_today(const claims_engine_config *cfg, char out[static 11])
{
	time_t now;
	struct tm tm;

	if (cfg && cfg->today) {
		memcpy(out, cfg->today, 10);
		out[10] = '\0';
		return;
	}
	now = time(NULL);
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* ---------------------------------------------------------------- rounding */

static double
round_to(double v, int places)
{
	char buf[64];

	if (!isfinite(v))
		return 0.0;
	snprintf(buf, sizeof(buf), "%.*f", places, v);
	v = strtod(buf, NULL);
	return v == 0.0 ? 0.0 : v; /* no negative zero */
}

double
claims__round2(double v)
{
	return round_to(v, 2);
}

double
claims__round4(double v)
{
	return round_to(v, 4);
}
