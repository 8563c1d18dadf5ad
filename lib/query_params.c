/*
 * libclaims: parsing and validating list parameters (spec/README.md "Lists
 * and pagination", "Errors"; spec/api.md §4) and the count keys of
 * spec/cache.md §1.  No SQL here: the same rules serve the server and the
 * command line, so both refuse the same things with the same words.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "query.h"

/* ---- messages (static; the API shows them as "msg") */
static const char MSG_INT[] = "must be an integer";
static const char MSG_GE0[] = "must be greater than or equal to 0";
static const char MSG_GE1[] = "must be greater than or equal to 1";
static const char MSG_LIMIT[] = "must be between 1 and 1000";
static const char MSG_DATE[] = "must be a date (YYYY-MM-DD) or an ISO-8601 timestamp";
static const char MSG_REPEATED[] = "must be given at most once";
static const char MSG_TOO_LONG[] = "must be at most 200 characters";

enum kind {
	K_SKIP,   /* integer >= 0 */
	K_LIMIT,  /* integer 1..1000 */
	K_ID1,    /* integer >= 1 */
	K_ID0,    /* integer >= 0 */
	K_ENUM,   /* one of a list */
	K_TEXT,   /* any text; empty = absent */
	K_TEXT200,/* text of at most 200 bytes */
	K_FROM,   /* date or timestamp, first of a pair */
	K_TO,     /* date or timestamp, second of a pair (>= the previous K_FROM) */
	K_RANGE,  /* integer min..max */
	K_TEXTMAX,/* text of at most max bytes */
	K_LETTERS,/* 1..max ASCII letters */
};

struct pdef {
	const char *name;
	enum kind kind;
	const char *const *values; /* K_ENUM: NULL-terminated */
	const char *msg;           /* K_ENUM: the "one of" message; K_TO: the order message;
				      K_RANGE, K_TEXTMAX, K_LETTERS: the refusal */
	int64_t min, max;          /* K_RANGE: bounds; K_TEXTMAX, K_LETTERS: max length */
};

struct pval {
	bool given;
	int64_t i;
	const char *s;       /* K_ENUM: static value; K_TEXT: borrowed */
	char date[11];       /* K_FROM / K_TO: effective date bound */
	int64_t epoch;       /* K_FROM / K_TO: the instant given (fraction dropped) */
	bool fraction;       /* K_FROM / K_TO: the instant had a non-zero fraction */
};

static void
add_error(claims_validation *v, const char *where, const char *name, const char *type,
	  const char *msg)
{
	if (!v || v->count >= CLAIMS_VALIDATION_MAX)
		return;
	v->errors[v->count].where = where;
	v->errors[v->count].name = name;
	v->errors[v->count].type = type;
	v->errors[v->count].msg = msg;
	v->count++;
}

/* Decimal integer with an optional '-'; *overflow set when out of int64. */
static bool
parse_int(const char *s, int64_t *out, bool *overflow)
{
	bool neg = false;
	uint64_t mag = 0;

	*overflow = false;
	if (!s)
		return false;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (mag > (UINT64_MAX - 9) / 10)
			*overflow = true;
		else
			mag = mag * 10 + (uint64_t)(*s - '0');
	}
	if (*overflow || mag > (uint64_t)INT64_MAX)
		*overflow = true;
	else
		*out = neg ? -(int64_t)mag : (int64_t)mag;
	return true;
}

/* ---- dates: "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM|-HH:MM)" */

static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static bool
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The instant a filter value names, in seconds since 1970 UTC; *fraction
 * tells whether a non-zero fraction of a second was dropped. */
static bool
parse_instant(const char *s, int64_t *out, bool *fraction)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
	size_t n = s ? strlen(s) : 0;
	const char *p;

	*fraction = false;
	if (n < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0))
		return false;
	p = s + 10;
	if (*p) {
		if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9 || !digits(p + 1, 2, &h) ||
		    p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' || !digits(p + 7, 2, &se))
			return false;
		if (h > 23 || mi > 59 || se > 59)
			return false;
		p += 9;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return false;
			while (*p >= '0' && *p <= '9') {
				if (*p != '0')
					*fraction = true;
				p++;
			}
		}
		if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
			sign = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
			   p[3] == ':' && digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
			sign = *p == '+' ? 1 : -1;
		} else {
			return false;
		}
	}
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
	       sign * (oh * 3600 + om * 60);
	return true;
}

/* The date bound of an instant on a date column: a date counts as its
 * midnight UTC, so "from" rounds up to the next midnight and "to" down. */
static void
date_bound(int64_t epoch, bool from, char out[11])
{
	int64_t day = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
	int y, m, d;

	if (from && day * 86400 != epoch)
		day++;
	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		/* Out of the four-digit range: clamp to a bound no date passes. */
		snprintf(out, 11, "%s", y < 0 ? "0000-00-00" : "9999-99-99");
		return;
	}
	snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
}

static int
parse_defs(const struct pdef *defs, size_t ndefs, struct pval *vals, const claims_param *params,
	   size_t n, claims_validation *v)
{
	bool failed = false;

	for (size_t k = 0; k < ndefs; k++) {
		const struct pdef *d = &defs[k];
		struct pval *pv = &vals[k];
		const char *text = NULL;
		size_t seen = 0;
		bool overflow;

		memset(pv, 0, sizeof(*pv));
		for (size_t i = 0; i < n; i++) {
			if (params[i].name && strcmp(params[i].name, d->name) == 0) {
				if (seen++ == 0)
					text = params[i].value ? params[i].value : "";
			}
		}
		if (seen == 0)
			continue;
		if (seen > 1) {
			add_error(v, "query", d->name, "repeated", MSG_REPEATED);
			failed = true;
			continue;
		}
		switch (d->kind) {
		case K_SKIP:
		case K_LIMIT:
		case K_ID1:
		case K_ID0: {
			int64_t lo = d->kind == K_ID1 || d->kind == K_LIMIT ? 1 : 0;
			const char *range = d->kind == K_LIMIT ? MSG_LIMIT : lo ? MSG_GE1 : MSG_GE0;

			if (!parse_int(text, &pv->i, &overflow)) {
				add_error(v, "query", d->name, "int_parsing", MSG_INT);
				failed = true;
			} else if (overflow || pv->i < lo ||
				   (d->kind == K_LIMIT && pv->i > CLAIMS_PAGE_MAX_LIMIT)) {
				add_error(v, "query", d->name, "range", range);
				failed = true;
			} else {
				pv->given = true;
			}
			break;
		}
		case K_ENUM:
			for (size_t j = 0; d->values[j]; j++)
				if (strcmp(d->values[j], text) == 0)
					pv->s = d->values[j];
			if (!pv->s) {
				add_error(v, "query", d->name, "enum", d->msg);
				failed = true;
			} else {
				pv->given = true;
			}
			break;
		case K_TEXT200:
			if (strlen(text) > 200) {
				add_error(v, "query", d->name, "too_long", MSG_TOO_LONG);
				failed = true;
				break;
			}
			/* fall through */
		case K_TEXT:
			if (*text) {
				pv->s = text;
				pv->given = true;
			}
			break;
		case K_FROM:
		case K_TO:
			if (!parse_instant(text, &pv->epoch, &pv->fraction)) {
				add_error(v, "query", d->name, "date_parsing", MSG_DATE);
				failed = true;
				break;
			}
			pv->given = true;
			date_bound(pv->epoch, d->kind == K_FROM, pv->date);
			/* The pair's order: the K_FROM just before this one. */
			if (d->kind == K_TO && k > 0 && defs[k - 1].kind == K_FROM && vals[k - 1].given &&
			    vals[k - 1].epoch > pv->epoch) {
				add_error(v, "query", d->name, "range", d->msg);
				failed = true;
				pv->given = false;
			}
			break;
		case K_RANGE:
			if (!parse_int(text, &pv->i, &overflow)) {
				add_error(v, "query", d->name, "int_parsing", MSG_INT);
				failed = true;
			} else if (overflow || pv->i < d->min || pv->i > d->max) {
				add_error(v, "query", d->name, "range", d->msg);
				failed = true;
			} else {
				pv->given = true;
			}
			break;
		case K_TEXTMAX:
			if ((int64_t)strlen(text) > d->max) {
				add_error(v, "query", d->name, "too_long", d->msg);
				failed = true;
			} else if (*text) {
				pv->s = text;
				pv->given = true;
			}
			break;
		case K_LETTERS: {
			size_t len = strlen(text);
			bool letters = (int64_t)len <= d->max;

			for (size_t j = 0; letters && j < len; j++)
				letters = (text[j] >= 'A' && text[j] <= 'Z') ||
					  (text[j] >= 'a' && text[j] <= 'z');
			if (!letters) {
				add_error(v, "query", d->name, "enum", d->msg);
				failed = true;
			} else if (len) {
				pv->s = text;
				pv->given = true;
			}
			break;
		}
		}
	}
	return failed ? CLAIMS_EINVAL : CLAIMS_OK;
}

#define PAGE_DEFS { "skip", K_SKIP, NULL, NULL }, { "limit", K_LIMIT, NULL, NULL }

static void
page_from(claims_page *p, const struct pval *vals)
{
	p->skip = vals[0].given ? vals[0].i : 0;
	p->limit = vals[1].given ? vals[1].i : CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_parse_id(int64_t *out, const char *text, const char *where, const char *name,
		claims_validation *v)
{
	bool overflow;
	int64_t id = 0;

	if (!out)
		return CLAIMS_EINVAL;
	*out = 0;
	/* An id beyond int64 is no integer a path can name (security.md §7). */
	if (!parse_int(text, &id, &overflow) || overflow) {
		add_error(v, where ? where : "path", name ? name : "id", "int_parsing", MSG_INT);
		return CLAIMS_EINVAL;
	}
	if (id < 1) {
		add_error(v, where ? where : "path", name ? name : "id", "range", MSG_GE1);
		return CLAIMS_EINVAL;
	}
	*out = id;
	return CLAIMS_OK;
}

int
claims_page_parse(claims_page *out, const claims_param *params, size_t n, claims_validation *v)
{
	static const struct pdef defs[] = { PAGE_DEFS };
	struct pval vals[2];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	rc = parse_defs(defs, 2, vals, params, n, v);
	page_from(out, vals);
	return rc;
}

/* ---- jobs */

static const char *const job_statuses[] = { "queued", "running", "succeeded", "failed", NULL };

int
claims_job_query_parse(claims_job_query *out, const claims_param *params, size_t n,
		       claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "status", K_ENUM, job_statuses, "must be one of: queued, running, succeeded, failed" },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	memset(out, 0, sizeof(*out));
	out->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->status = vals[2].s;
	return CLAIMS_OK;
}

/* ---- claims */

static const char *const claim_statuses[] = { "pending", "processed", "denied", "reversed", "void",
					      NULL };

void
claims_claim_query_init(claims_claim_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_claim_query_parse(claims_claim_query *out, const claims_param *params, size_t n,
			 claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "status", K_ENUM, claim_statuses,
		  "must be one of: pending, processed, denied, reversed, void" },
		{ "payer_id", K_ID1, NULL, NULL },
		{ "provider_id", K_ID1, NULL, NULL },
		{ "practice_id", K_TEXT, NULL, NULL },
		{ "service_date_from", K_FROM, NULL, NULL },
		{ "service_date_to", K_TO, NULL, "must not be before service_date_from" },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_claim_query_init(out);
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->status = vals[2].s;
	out->payer_id = vals[3].given ? vals[3].i : 0;
	out->provider_id = vals[4].given ? vals[4].i : 0;
	out->practice_id = vals[5].s;
	if (vals[6].given)
		memcpy(out->service_date_from, vals[6].date, 11);
	if (vals[7].given)
		memcpy(out->service_date_to, vals[7].date, 11);
	return CLAIMS_OK;
}

/* ---- count keys: "count:<model>" then ":k=v" sorted by k */

struct keybuf {
	char *buf;
	size_t len, used;
	bool overflow;
};

static void
key_put(struct keybuf *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
key_put(struct keybuf *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (k->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(k->buf + k->used, k->len - k->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= k->len - k->used)
		k->overflow = true;
	else
		k->used += (size_t)n;
}

static int
key_done(struct keybuf *k)
{
	if (k->overflow) {
		if (k->len)
			k->buf[0] = '\0';
		return CLAIMS_EINVAL;
	}
	return CLAIMS_OK;
}

int
claims_claim_query_count_key(const claims_claim_query *q, char *buf, size_t len)
{
	struct keybuf k = { buf, len, 0, false };

	if (!q || !buf || !len)
		return CLAIMS_EINVAL;
	buf[0] = '\0';
	key_put(&k, "count:claim");
	if (q->payer_id)
		key_put(&k, ":payer_id=%lld", (long long)q->payer_id);
	if (q->practice_id)
		key_put(&k, ":practice_id=%s", q->practice_id);
	if (q->provider_id)
		key_put(&k, ":provider_id=%lld", (long long)q->provider_id);
	if (q->service_date_from[0])
		key_put(&k, ":service_date_from=%s", q->service_date_from);
	if (q->service_date_to[0])
		key_put(&k, ":service_date_to=%s", q->service_date_to);
	if (q->status)
		key_put(&k, ":status=%s", q->status);
	return key_done(&k);
}

/* ---- remittances */

static const char *const remit_statuses[] = { "pending", "processed", "unmatched", "ambiguous",
					      NULL };

void
claims_remit_query_init(claims_remit_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_remit_query_parse(claims_remit_query *out, const claims_param *params, size_t n,
			 claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "status", K_ENUM, remit_statuses,
		  "must be one of: pending, processed, unmatched, ambiguous" },
		{ "payer_id", K_ID1, NULL, NULL },
		{ "claim_control_number", K_TEXT, NULL, NULL },
		{ "payment_date_from", K_FROM, NULL, NULL },
		{ "payment_date_to", K_TO, NULL, "must not be before payment_date_from" },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_remit_query_init(out);
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->status = vals[2].s;
	out->payer_id = vals[3].given ? vals[3].i : 0;
	out->claim_control_number = vals[4].s;
	if (vals[5].given)
		memcpy(out->payment_date_from, vals[5].date, 11);
	if (vals[6].given)
		memcpy(out->payment_date_to, vals[6].date, 11);
	return CLAIMS_OK;
}

int
claims_remit_query_count_key(const claims_remit_query *q, char *buf, size_t len)
{
	struct keybuf k = { buf, len, 0, false };

	if (!q || !buf || !len)
		return CLAIMS_EINVAL;
	buf[0] = '\0';
	key_put(&k, "count:remittance");
	if (q->claim_control_number)
		key_put(&k, ":claim_control_number=%s", q->claim_control_number);
	if (q->payer_id)
		key_put(&k, ":payer_id=%lld", (long long)q->payer_id);
	if (q->payment_date_from[0])
		key_put(&k, ":payment_date_from=%s", q->payment_date_from);
	if (q->payment_date_to[0])
		key_put(&k, ":payment_date_to=%s", q->payment_date_to);
	if (q->status)
		key_put(&k, ":status=%s", q->status);
	return key_done(&k);
}

/* ---- episodes */

static const char *const episode_statuses[] = { "pending", "linked", "complete", "denied",
						"reversed", NULL };

void
claims_episode_query_init(claims_episode_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_episode_query_parse(claims_episode_query *out, const claims_param *params, size_t n,
			   claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "claim_id", K_ID0, NULL, NULL },
		{ "remittance_id", K_ID1, NULL, NULL },
		{ "status", K_ENUM, episode_statuses,
		  "must be one of: pending, linked, complete, denied, reversed" },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_episode_query_init(out);
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->claim_id = vals[2].given ? vals[2].i : 0;
	out->remittance_id = vals[3].given ? vals[3].i : 0;
	out->status = vals[4].s;
	return CLAIMS_OK;
}

int
claims_episode_query_count_key(const claims_episode_query *q, char *buf, size_t len)
{
	struct keybuf k = { buf, len, 0, false };

	if (!q || !buf || !len)
		return CLAIMS_EINVAL;
	buf[0] = '\0';
	key_put(&k, "count:episode");
	if (q->claim_id)
		key_put(&k, ":claim_id=%lld", (long long)q->claim_id);
	if (q->remittance_id)
		key_put(&k, ":remittance_id=%lld", (long long)q->remittance_id);
	if (q->status)
		key_put(&k, ":status=%s", q->status);
	return key_done(&k);
}

/* ---- payers */

void
claims_payer_query_init(claims_payer_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_payer_query_parse(claims_payer_query *out, const claims_param *params, size_t n,
			 claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "q", K_TEXT200, NULL, NULL },
	};
	struct pval vals[3];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_payer_query_init(out);
	rc = parse_defs(defs, 3, vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->q = vals[2].s;
	return CLAIMS_OK;
}

int
claims_payer_query_count_key(const claims_payer_query *q, char *buf, size_t len)
{
	struct keybuf k = { buf, len, 0, false };

	if (!q || !buf || !len)
		return CLAIMS_EINVAL;
	buf[0] = '\0';
	if (q->q)
		return CLAIMS_ENOTFOUND;
	key_put(&k, "count:payer");
	return key_done(&k);
}

/* ---- parser logs */

static const char *const log_levels[] = { "info", "warning", "error", NULL };

void
claims_parser_log_query_init(claims_parser_log_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_parser_log_query_parse(claims_parser_log_query *out, const claims_param *params, size_t n,
			      claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "ingest_file_id", K_ID1, NULL, NULL },
		{ "log_level", K_ENUM, log_levels, "must be one of: info, warning, error" },
		{ "issue_type", K_TEXT, NULL, NULL },
		{ "claim_id", K_ID1, NULL, NULL },
		{ "remittance_id", K_ID1, NULL, NULL },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_parser_log_query_init(out);
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	out->ingest_file_id = vals[2].given ? vals[2].i : 0;
	out->log_level = vals[3].s;
	out->issue_type = vals[4].s;
	out->claim_id = vals[5].given ? vals[5].i : 0;
	out->remittance_id = vals[6].given ? vals[6].i : 0;
	return CLAIMS_OK;
}

int
claims_param_int(int64_t *out, const claims_param *params, size_t n, const char *name,
		 int64_t min, int64_t max, const char *range_msg, bool required,
		 claims_validation *v)
{
	const char *text = NULL;
	size_t seen = 0;
	bool overflow;
	int64_t x = 0;

	if (!out || !name)
		return CLAIMS_EINVAL;
	for (size_t i = 0; i < n; i++)
		if (params[i].name && strcmp(params[i].name, name) == 0 && seen++ == 0)
			text = params[i].value ? params[i].value : "";
	if (seen > 1) {
		add_error(v, "query", name, "repeated", MSG_REPEATED);
		return CLAIMS_EINVAL;
	}
	if (seen == 0) {
		if (!required)
			return CLAIMS_OK; /* *out keeps its default */
		add_error(v, "query", name, "missing", "is required");
		return CLAIMS_EINVAL;
	}
	if (!parse_int(text, &x, &overflow)) {
		add_error(v, "query", name, "int_parsing", MSG_INT);
		return CLAIMS_EINVAL;
	}
	if (overflow || x < min || x > max) {
		add_error(v, "query", name, "range", range_msg);
		return CLAIMS_EINVAL;
	}
	*out = x;
	return CLAIMS_OK;
}

/* ---- audit logs */

/* An instant as stored ("YYYY-MM-DDTHH:MM:SSZ"); instants outside the
 * four-digit years clamp to a bound that sorts before or after every
 * stored value. */
void
claims__ts_from_epoch(int64_t epoch, char out[static 21])
{
	int64_t day = epoch >= 0 ? epoch / 86400 : -((-epoch + 86399) / 86400);
	int64_t sec = epoch - day * 86400;
	char buf[64];
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(out, 21, "%s", y < 0 ? "0000-00-00T00:00:00Z" : "9999-99-99T99:99:99Z");
		return;
	}
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sec / 3600),
		 (int)(sec / 60 % 60), (int)(sec % 60));
	memcpy(out, buf, 21);
}

void
claims_audit_query_init(claims_audit_query *q)
{
	if (!q)
		return;
	memset(q, 0, sizeof(*q));
	q->page.limit = CLAIMS_PAGE_DEFAULT_LIMIT;
}

int
claims_audit_query_parse(claims_audit_query *out, const claims_param *params, size_t n,
			 claims_validation *v)
{
	static const struct pdef defs[] = {
		PAGE_DEFS,
		{ "method", K_LETTERS, NULL, "must be an HTTP method (at most 16 letters)", 0, 16 },
		{ "path", K_TEXTMAX, NULL, "must be at most 500 characters", 0,
		  CLAIMS_AUDIT_PATH_MAX },
		{ "status_code", K_RANGE, NULL, "must be between 100 and 599", 100, 599 },
		{ "user_id", K_TEXT, NULL, NULL, 0, 0 },
		{ "client_ip", K_TEXT, NULL, NULL, 0, 0 },
		{ "start_date", K_FROM, NULL, NULL, 0, 0 },
		{ "end_date", K_TO, NULL, "must not be before start_date", 0, 0 },
	};
	struct pval vals[sizeof(defs) / sizeof(defs[0])];
	int rc;

	if (!out || (n && !params))
		return CLAIMS_EINVAL;
	claims_audit_query_init(out);
	rc = parse_defs(defs, sizeof(defs) / sizeof(defs[0]), vals, params, n, v);
	if (rc < 0)
		return rc;
	page_from(&out->page, vals);
	if (vals[2].given) {
		size_t i;

		for (i = 0; vals[2].s[i]; i++)
			out->method[i] = (char)(vals[2].s[i] >= 'a' && vals[2].s[i] <= 'z'
							? vals[2].s[i] - 'a' + 'A'
							: vals[2].s[i]);
		out->method[i] = '\0';
	}
	out->path = vals[3].s;
	out->status_code = vals[4].given ? (int)vals[4].i : 0;
	out->user_id = vals[5].s;
	out->client_ip = vals[6].s;
	/* Stored times have whole seconds: a start with a fraction begins at
	 * the next second; an end with one ends at its own second. */
	if (vals[7].given)
		claims__ts_from_epoch(vals[7].epoch + (vals[7].fraction ? 1 : 0), out->start);
	if (vals[8].given)
		claims__ts_from_epoch(vals[8].epoch, out->end);
	return CLAIMS_OK;
}
