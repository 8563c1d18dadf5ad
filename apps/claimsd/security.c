/*
 * claimsd: the checks around every handler and the headers of every answer
 * (spec/api.md §1, security.md §1-§4, §6).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "env.h"
#include "metrics.h"
#include "notify.h"
#include "render_auth.h"
#include "security.h"
#include "server.h"

/* The exchange in progress on this request thread. */
static _Thread_local struct exchange *current;

static struct ratelimit *limiter;

#define DEFAULT_EXEMPT \
	"/,/api/v1/health,/api/v1/auth/token,/api/v1/openapi.json,/openapi.json,/docs,/redoc," \
	"/monitoring,/dashboard,/dashboard/*"

#define TOKEN_MAX CLAIMS_TOKEN_MAX_BYTES

/* ---- settings */

static int problems;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
problem(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "claimsd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	problems++;
}

/* Split a comma list into @p items (trimmed, empty ones skipped). */
static size_t
split_list(char *buf, const char **items, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *end;

		while (*tok == ' ' || *tok == '\t')
			tok++;
		end = tok + strlen(tok);
		while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		if (!*tok)
			continue;
		if (n == max) {
			problem("a list setting has more than %zu entries", max);
			break;
		}
		items[n++] = tok;
	}
	return n;
}

/* An origin is scheme "://" host [":" port], nothing after. */
static bool
valid_origin(const char *o)
{
	const char *host;

	if (strncmp(o, "https://", 8) == 0)
		host = o + 8;
	else if (strncmp(o, "http://", 7) == 0)
		host = o + 7;
	else
		return false;
	if (!*host || strpbrk(host, "/?#* \t@"))
		return false;
	return true;
}

static bool
env_bool_setting(const char *name, bool *out)
{
	const char *v = getenv(name);

	if (!v || !*v)
		return true;
	if (!env_parse_bool(v, out)) {
		problem("%s must be true or false", name);
		return false;
	}
	return true;
}

static void
int_setting(const char *name, long min, long max, long *out, const char *range)
{
	char err[160];

	if (!env_int(name, min, max, out, err, sizeof(err), range))
		problem("%s", err);
}

int
security_settings_load(struct security_settings *s, bool loopback)
{
	const char *v;
	char err[200];

	problems = 0;
	memset(s, 0, sizeof(*s));
	s->rate_enabled = true;
	s->per_minute = 60;
	s->per_hour = 1000;
	s->max_clients = 100000;
	s->token_minutes = 1440;

	env_bool_setting("REQUIRE_AUTH", &s->require_auth);
	if (!loopback && !s->require_auth)
		problem("refusing to listen on a non-loopback address without authentication "
			"(REQUIRE_AUTH=true)");

	v = getenv("AUTH_EXEMPT_PATHS");
	s->exempt_buf = strdup(v ? v : DEFAULT_EXEMPT);
	v = getenv("CORS_ORIGINS");
	s->cors_buf = strdup(v ? v : "");
	if (!s->exempt_buf || !s->cors_buf) {
		problem("out of memory");
		return problems;
	}
	s->n_exempt = split_list(s->exempt_buf, s->exempt, SECURITY_MAX_LIST);
	s->n_cors = split_list(s->cors_buf, s->cors, SECURITY_MAX_LIST);
	for (size_t i = 0; i < s->n_cors; i++)
		if (!valid_origin(s->cors[i]))
			problem("CORS_ORIGINS: '%s' is not an http(s) origin (scheme://host[:port])",
				s->cors[i]);

	env_bool_setting("RATE_LIMIT_ENABLED", &s->rate_enabled);
	int_setting("RATE_LIMIT_PER_MINUTE", 1, 100000, &s->per_minute, "1..100000");
	int_setting("RATE_LIMIT_PER_HOUR", 1, 1000000000, &s->per_hour, "1..1000000000");
	if (s->per_hour < s->per_minute)
		problem("RATE_LIMIT_PER_HOUR (%ld) is below RATE_LIMIT_PER_MINUTE (%ld)",
			s->per_hour, s->per_minute);
	int_setting("RATE_LIMIT_MAX_CLIENTS", 1, 10000000, &s->max_clients, "1..10000000");
	{
		int n = netaddr_parse_list(getenv("TRUSTED_PROXIES"), &s->trusted, err,
					   sizeof(err));

		if (n < 0)
			problem("TRUSTED_PROXIES: %s", err);
		else
			s->n_trusted = (size_t)n;
	}
	int_setting("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", 5, 10080, &s->token_minutes,
		    "an integer 5..10080");

	if (secret_load(&s->jwt_key, "JWT_SECRET_KEY", 32, TOKEN_MAX, err, sizeof(err)) < 0)
		problem("%s", err);
	else if (s->require_auth && !s->jwt_key.bytes)
		problem("REQUIRE_AUTH=true needs JWT_SECRET_KEY (or JWT_SECRET_KEY_FILE); "
			"`claims keygen` makes one");
	if (secret_load(&s->phi_key, "PHI_HASH_KEY", 32, 64, err, sizeof(err)) < 0)
		problem("%s", err);
	else if (!loopback && !s->phi_key.bytes)
		problem("a non-loopback listen address needs PHI_HASH_KEY (or PHI_HASH_KEY_FILE)");
	return problems;
}

void
security_settings_free(struct security_settings *s)
{
	free(s->exempt_buf);
	free(s->cors_buf);
	free(s->trusted);
	secret_free(&s->jwt_key);
	secret_free(&s->phi_key);
	memset(s, 0, sizeof(*s));
}

bool
security_start(void)
{
	const struct security_settings *s = &app.security;

	if (!s->rate_enabled)
		return true;
	limiter = ratelimit_new(s->per_minute, s->per_hour, (size_t)s->max_clients);
	return limiter != NULL;
}

void
security_stop(void)
{
	ratelimit_free(limiter);
	limiter = NULL;
}

/* ---- the exchange */

void
security_begin(struct exchange *ex, struct mg_connection *conn)
{
	const struct security_settings *s = &app.security;
	const char *origin;

	memset(ex, 0, sizeof(*ex));
	ex->t0 = metrics_now();
	ex->conn = conn;
	ex->info = mg_get_request_info(conn);
	ex->method = ex->info->request_method ? ex->info->request_method : "-";
	ex->path = ex->info->local_uri ? ex->info->local_uri : "/";
	netaddr_client(ex->info->remote_addr, mg_get_header(conn, "X-Forwarded-For"), s->trusted,
		       s->n_trusted, ex->client_ip, sizeof(ex->client_ip));
	origin = mg_get_header(conn, "Origin");
	if (origin)
		for (size_t i = 0; i < s->n_cors; i++)
			if (strcmp(origin, s->cors[i]) == 0)
				ex->origin = s->cors[i];
	current = ex;
}

static bool
path_listed(const char *path, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list[i]);

		if (len >= 2 && strcmp(list[i] + len - 2, "/*") == 0) {
			/* A star entry matches its prefix and everything below. */
			if (strncmp(path, list[i], len - 1) == 0)
				return true;
		} else if (strcmp(path, list[i]) == 0) {
			return true;
		}
	}
	return false;
}

static bool
method_is(const struct exchange *ex, const char *m)
{
	return strcmp(ex->method, m) == 0;
}

static bool
rate_exempt(const struct exchange *ex)
{
	bool get = method_is(ex, "GET") || method_is(ex, "HEAD");

	return method_is(ex, "OPTIONS") ||
	       (get && (strcmp(ex->path, "/") == 0 || strcmp(ex->path, "/api/v1/health") == 0));
}

static bool
admin_only(const struct exchange *ex)
{
	return (method_is(ex, "POST") && strcmp(ex->path, "/api/v1/cache/stats/reset") == 0) ||
	       strcmp(ex->path, "/api/v1/audit-logs") == 0 ||
	       strncmp(ex->path, "/api/v1/audit-logs/", 19) == 0;
}

enum token_result { TOKEN_NONE, TOKEN_BAD_HEADER, TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_OK };

/* Steps 1-8 of security.md §1.2 on @p token (NULL: no token presented). */
static enum token_result
verify_token(struct exchange *ex, struct worker *w, const char *header, const char *query_token)
{
	const struct security_settings *s = &app.security;
	claims_token_claims claims;
	claims_user *user = NULL;
	const char *token;
	claims_db *db;
	size_t len;
	int rc;

	if (header) {
		if (strncasecmp(header, "Bearer ", 7) != 0 || header[7] == '\0' ||
		    header[7] == ' ')
			return TOKEN_BAD_HEADER;
		token = header + 7;
	} else if (query_token) {
		token = query_token;
		if (!*token)
			return TOKEN_BAD_HEADER;
	} else {
		return TOKEN_NONE;
	}
	len = strlen(token);
	if (!s->jwt_key.bytes || len > TOKEN_MAX)
		return TOKEN_INVALID;
	switch (claims_token_verify(&claims, s->jwt_key.bytes, s->jwt_key.len, token, len,
				    (int64_t)time(NULL))) {
	case CLAIMS_TOKEN_OK:
		break;
	case CLAIMS_TOKEN_EXPIRED:
		return TOKEN_EXPIRED;
	default:
		return TOKEN_INVALID;
	}
	/* Step 8 needs the database: opened only now, so that requests
	 * without a token (and WebSocket threads) never open one. */
	db = worker_db(w);
	if (!db)
		return TOKEN_INVALID;
	rc = claims_user_check_token(&user, db, &claims);
	if (rc != CLAIMS_OK) {
		if (rc != CLAIMS_EAUTH)
			fprintf(stderr, "claimsd: checking a token's user: %s\n", claims_strerror(rc));
		claims_user_free(user);
		return TOKEN_INVALID;
	}
	ex->has_user = true;
	snprintf(ex->user, sizeof(ex->user), "%s", claims.sub);
	ex->admin = user->role == CLAIMS_ROLE_ADMIN;
	ex->token_exp = claims.exp;
	claims_user_free(user);
	return TOKEN_OK;
}

static int
send_401(struct exchange *ex, const char *message, bool token_error)
{
	char headers[128];

	snprintf(headers, sizeof(headers), "WWW-Authenticate: Bearer realm=\"claims\"%s\r\n",
		 token_error ? ", error=\"invalid_token\"" : "");
	return http_send_error(ex->conn, 401, "UNAUTHORIZED", message, headers);
}

static int
send_429(struct exchange *ex)
{
	char message[96], headers[48];
	const struct ratelimit_result *r = &ex->rate;
	long limit = strcmp(r->window, "hour") == 0 ? r->limit_hour : r->limit_minute;

	metrics_count_rate_limited();
	snprintf(message, sizeof(message), "Rate limit exceeded: %ld/%ld requests per %s", limit,
		 limit, r->window);
	snprintf(headers, sizeof(headers), "Retry-After: %d\r\n", r->retry_after);
	return http_send_owned_headers(ex->conn, 429,
				       render_rate_limit_error(message, r->window, limit,
							       r->retry_after),
				       headers);
}

/* The checks shared by requests and WebSocket upgrades. */
static int
check(struct exchange *ex, struct worker *w, const char *query_token)
{
	const struct security_settings *s = &app.security;
	enum token_result tr;
	bool exempt;

	if (method_is(ex, "OPTIONS")) {
		/* CORS preflight: always exempt; the headers say the rest. */
		if (ex->origin)
			return http_send_body(ex->conn, 204, "text/plain", "", 0,
					      "Access-Control-Allow-Methods: GET, POST, PATCH, "
					      "OPTIONS\r\n"
					      "Access-Control-Allow-Headers: Authorization, "
					      "Content-Type, Accept, X-Requested-With\r\n"
					      "Access-Control-Max-Age: 600\r\n");
		return http_send_body(ex->conn, 204, "text/plain", "", 0, NULL);
	}
	tr = verify_token(ex, w, mg_get_header(ex->conn, "Authorization"), query_token);

	if (limiter && !rate_exempt(ex)) {
		char key[96];

		if (tr == TOKEN_OK)
			snprintf(key, sizeof(key), "user:%s", ex->user);
		else
			snprintf(key, sizeof(key), "ip:%s", ex->client_ip);
		ratelimit_check(limiter, key, (int64_t)time(NULL), &ex->rate);
		ex->limited = true;
		if (!ex->rate.allowed)
			return send_429(ex);
	}

	exempt = path_listed(ex->path, s->exempt, s->n_exempt);
	if (!s->require_auth || exempt)
		return 0;
	switch (tr) {
	case TOKEN_NONE:
		return send_401(ex, "Authentication required", false);
	case TOKEN_BAD_HEADER:
		return send_401(ex, "Invalid authorization header", false);
	case TOKEN_EXPIRED:
		return send_401(ex, "Token expired", true);
	case TOKEN_INVALID:
		return send_401(ex, "Invalid token", true);
	case TOKEN_OK:
		break;
	}
	if (admin_only(ex) && !ex->admin)
		return http_send_error(ex->conn, 403, "FORBIDDEN",
				       "This route needs the admin role", NULL);
	return 0;
}

/* Whether the decoded path has a "." or ".." segment.  CivetWeb removes
 * them before routing, so "/dashboard/../api/v1/claims" would be checked as
 * one path and served as another; such a path names nothing here. */
static bool
has_dot_segment(const char *raw)
{
	for (const char *p = raw; p && *p; p++) {
		if (*p != '/' || p[1] != '.')
			continue;
		if (p[2] == '/' || p[2] == '\0' || (p[2] == '.' && (p[3] == '/' || p[3] == '\0')))
			return true;
	}
	return false;
}

/* The bytes of the request line and headers as received (give or take
 * optional spaces). */
static size_t
head_size(const struct mg_request_info *info)
{
	size_t n = strlen(info->request_method ? info->request_method : "") +
		   strlen(info->request_uri ? info->request_uri : "") +
		   (info->query_string ? strlen(info->query_string) + 1 : 0) + 16;

	for (int i = 0; i < info->num_headers; i++)
		n += strlen(info->http_headers[i].name) + strlen(info->http_headers[i].value) + 4;
	return n + 2;
}

int
security_check(struct exchange *ex, struct worker *w)
{
	if (head_size(ex->info) > REQUEST_HEAD_MAX)
		return http_send_error(ex->conn, 413, "PAYLOAD_TOO_LARGE",
				       "The request line and headers exceed 16 KiB", NULL);
	if (has_dot_segment(ex->info->local_uri_raw))
		return http_send_error(ex->conn, 404, "NOT_FOUND", "No route for this path", NULL);
	return check(ex, w, NULL);
}

/* The value of ?token= on the WebSocket path (decoded into @p buf). */
static const char *
query_token(const struct mg_request_info *info, char *buf, size_t cap)
{
	const char *qs = info->query_string;
	int n;

	if (!qs)
		return NULL;
	n = mg_get_var(qs, strlen(qs), "token", buf, cap);
	return n >= 0 ? buf : NULL;
}

int
security_ws_check(struct exchange *ex, struct mg_connection *conn, struct worker *w)
{
	char token[TOKEN_MAX + 2];
	int status;

	security_begin(ex, conn);
	ex->route = NOTIFY_PATH;
	status = check(ex, w, query_token(ex->info, token, sizeof(token)));
	sodium_memzero(token, sizeof(token));
	return status;
}

/* ---- headers of every answer */

static size_t
append(char *buf, size_t cap, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t
append(char *buf, size_t cap, size_t used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (used >= cap)
		return used;
	va_start(ap, fmt);
	n = vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
	if (n < 0)
		return used;
	return used + (size_t)n < cap ? used + (size_t)n : cap - 1;
}

size_t
security_headers(char *buf, size_t cap, int status)
{
	const struct exchange *ex = current;
	const char *path = ex ? ex->path : "/";
	size_t n = 0;

	buf[0] = '\0';
	if (current && !current->measured) {
		/* Counted before the first byte goes out, so that a client
		 * never sees an answer that /metrics does not count yet. */
		current->status = status;
		current->measured = true;
		metrics_observe_request(current->method, current->route, status,
					metrics_now() - current->t0);
	}
	n = append(buf, cap, n,
		   "X-Content-Type-Options: nosniff\r\n"
		   "X-Frame-Options: DENY\r\n"
		   "Referrer-Policy: no-referrer\r\n");
	if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/metrics") == 0 ||
	    strcmp(path, "/openapi.json") == 0)
		n = append(buf, cap, n, "Cache-Control: no-store\r\n");
	/* The dashboard's pages, and /docs, load only their own files and
	 * talk only to this server. */
	if (strcmp(path, "/dashboard") == 0 || strncmp(path, "/dashboard/", 11) == 0 ||
	    strcmp(path, "/docs") == 0)
		n = append(buf, cap, n,
			   "Content-Security-Policy: default-src 'self'; script-src 'self'; "
			   "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
			   "frame-ancestors 'none'\r\n");
	if (!ex)
		return n;
	if (ex->origin)
		n = append(buf, cap, n, "Access-Control-Allow-Origin: %s\r\nVary: Origin\r\n",
			   ex->origin);
	if (ex->limited)
		n = append(buf, cap, n,
			   "X-RateLimit-Limit-Minute: %ld\r\n"
			   "X-RateLimit-Remaining-Minute: %ld\r\n"
			   "X-RateLimit-Limit-Hour: %ld\r\n"
			   "X-RateLimit-Remaining-Hour: %ld\r\n"
			   "X-RateLimit-Reset: %d\r\n",
			   ex->rate.limit_minute, ex->rate.remaining_minute, ex->rate.limit_hour,
			   ex->rate.remaining_hour, ex->rate.reset);
	return n;
}

/* ---- what the audit trail examines */

static bool
audit_examines_bodies(void)
{
	return app.security.phi_key.bytes != NULL && app.audit.enabled;
}

static char *
copy_body(const char *body, size_t len)
{
	char *c;

	if (len > (size_t)app.audit.max_body_bytes)
		return NULL;
	c = malloc(len + 1);
	if (c) {
		memcpy(c, body, len);
		c[len] = '\0';
	}
	return c;
}

void
security_note_request_body(const char *body, size_t len)
{
	if (!current || !audit_examines_bodies() || current->request_body)
		return;
	current->request_body = copy_body(body, len);
	current->request_len = current->request_body ? len : 0;
}

void
security_note_response_body(const char *body, size_t len)
{
	if (!current || !audit_examines_bodies() || current->response_body)
		return;
	current->response_body = copy_body(body, len);
	current->response_len = current->response_body ? len : 0;
}

void
security_note_upload(const char *sha256_hex)
{
	if (current)
		snprintf(current->upload_sha256, sizeof(current->upload_sha256), "%s", sha256_hex);
}


void
security_end(struct exchange *ex)
{
	double duration = metrics_now() - ex->t0;

	if (app.audit.enabled) {
		struct audit_event ev = {
			.method = ex->method,
			.path = ex->path,
			.status = ex->status,
			.duration = duration,
			.user_id = ex->has_user ? ex->user : NULL,
			.client_ip = ex->client_ip,
			.params = ex->params,
			.nparams = ex->nparams,
			.request_body = ex->request_body,
			.request_len = ex->request_len,
			.response_body = ex->response_body,
			.response_len = ex->response_len,
			.upload_sha256 = ex->upload_sha256[0] ? ex->upload_sha256 : NULL,
		};

		audit_record(&ev);
	}
	if (!ex->measured) /* the upgrade: CivetWeb answers the 101 */
		metrics_observe_request(ex->method, ex->route, ex->status, duration);
	/* The log names the route template, never the path, the query or
	 * anything from a body (security.md §4). */
	if (ex->status >= 500 || app.log_level <= LOG_DEBUG)
		fprintf(stderr, "claimsd: %s %s %d %.3fms user=%s\n", ex->method,
			ex->route ? ex->route : METRICS_ROUTE_UNMATCHED, ex->status,
			duration * 1000.0, ex->has_user ? ex->user : "-");
	/* Wiped: a login body holds a password, its answer a token. */
	if (ex->request_body)
		sodium_memzero(ex->request_body, ex->request_len);
	if (ex->response_body)
		sodium_memzero(ex->response_body, ex->response_len);
	free(ex->request_body);
	free(ex->response_body);
	ex->request_body = ex->response_body = NULL;
	if (current == ex)
		current = NULL;
}

int
security_http_error(struct mg_connection *conn, int status, const char *msg)
{
	struct exchange ex, *outer = current;
	const char *code = status == 413 ? "PAYLOAD_TOO_LARGE"
			   : status == 408 ? "REQUEST_TIMEOUT"
			   : status >= 500 ? "INTERNAL_ERROR"
					   : "BAD_REQUEST";

	(void)msg; /* CivetWeb's text may quote the request; never echoed */
	if (outer) {
		/* Inside a handler: the exchange in progress answers. */
		http_send_error(conn, status, code, http_reason(status), NULL);
		return 0;
	}
	security_begin(&ex, conn);
	http_send_error(conn, status, code,
			status == 413 ? "The request line and headers exceed 16 KiB"
				      : http_reason(status),
			NULL);
	security_end(&ex);
	return 0;
}
