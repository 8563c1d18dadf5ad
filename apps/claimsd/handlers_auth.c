/*
 * claimsd: POST /api/v1/auth/token (spec/api.md §4.10, security.md §1).
 *
 * The body is JSON {"username", "password"} or a form (application/x-www-
 * form-urlencoded: username, password, grant_type=password optional).
 * Answers: 200 {"access_token", "token_type": "bearer", "expires_in"};
 * 401 "Invalid username or password" for an unknown name, a disabled user
 * or a wrong password alike (one argon2id verification each); 422 for
 * missing fields; 429 "Too many failed logins" once LOGIN_MAX_FAILURES
 * failures are counted for the name (login_guard.h); 501 without
 * JWT_SECRET_KEY.  The request body holds a password: it is wiped before
 * it is freed.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "json.h"
#include "login_guard.h"
#include "render_auth.h"
#include "server.h"

static void
wipe_free(char *s, size_t n)
{
	if (!s)
		return;
	sodium_memzero(s, n);
	free(s);
}

static void
wipe_free_str(char *s)
{
	if (s)
		wipe_free(s, strlen(s));
}

static void
add_error(claims_validation *v, const char *name, const char *type, const char *msg)
{
	if (v->count < CLAIMS_VALIDATION_MAX)
		v->errors[v->count++] = (claims_validation_error){ "body", name, type, msg };
}

/* One string member of the JSON body into *out (NULL when absent or
 * empty), its problem added to @p v.  When the body itself is refused the
 * answer is sent, *sent is set and its status returned; 0 otherwise. */
static int
json_field(struct request *req, const char *body, const char *name, char **out,
	   claims_validation *v, bool *sent)
{
	int rc = json_body_string(body, name, out);
	claims_validation bad = { .count = 1 };

	*sent = false;
	switch (rc) {
	case JSON_BODY_OK:
		if (!**out) {
			free(*out);
			*out = NULL;
			add_error(v, name, "missing", "is required");
		}
		return 0;
	case JSON_BODY_MISSING:
		add_error(v, name, "missing", "is required");
		return 0;
	case JSON_BODY_WRONG_TYPE:
		add_error(v, name, "string_type", "must be a string");
		return 0;
	case JSON_BODY_NOMEM:
		*sent = true;
		return http_send_owned(req->conn, 500, NULL);
	case JSON_BODY_NOT_OBJECT:
		bad.errors[0] = (claims_validation_error){ "body", NULL, "json_invalid",
							   "the body must be a JSON object" };
		*sent = true;
		return request_send_validation(req, &bad);
	default:
		bad.errors[0] = (claims_validation_error){ "body", NULL, "json_invalid",
							   "the body is not valid JSON" };
		*sent = true;
		return request_send_validation(req, &bad);
	}
}

/* One field of the form body; a field given twice or holding a NUL byte is
 * refused. */
static int
form_field(const char *body, size_t len, const char *name, char **out, claims_validation *v,
	   bool required)
{
	char *buf = malloc(len + 1);
	int n;

	*out = NULL;
	if (!buf)
		return -1;
	n = mg_get_var2(body, len, name, buf, len + 1, 1);
	if (n >= 0) {
		add_error(v, name, "repeated", "is given more than once");
		wipe_free(buf, len + 1);
		return 0;
	}
	n = mg_get_var2(body, len, name, buf, len + 1, 0);
	if (n < 0 || (n == 0 && required)) {
		if (required)
			add_error(v, name, "missing", "is required");
		wipe_free(buf, len + 1);
		return 0;
	}
	if (memchr(buf, '\0', (size_t)n)) {
		add_error(v, name, "string_type", "must not contain NUL bytes");
		wipe_free(buf, len + 1);
		return 0;
	}
	*out = buf;
	return 0;
}

static bool
is_form(const struct request *req)
{
	const char *ct = mg_get_header(req->conn, "Content-Type");
	static const char form[] = "application/x-www-form-urlencoded";

	return ct && strncasecmp(ct, form, sizeof(form) - 1) == 0 &&
	       (ct[sizeof(form) - 1] == '\0' || ct[sizeof(form) - 1] == ';' ||
		ct[sizeof(form) - 1] == ' ');
}

/* Read the credentials; on failure the answer has been sent and its
 * status is returned (0 on success). */
static int
read_credentials(struct request *req, char **user, char **pass)
{
	claims_validation v = { 0 };
	char *body = NULL, *grant = NULL;
	size_t len = 0;
	int status;

	*user = *pass = NULL;
	if (is_form(req) && (req->info->content_length == 0 ||
			     (req->info->content_length < 0 &&
			      !mg_get_header(req->conn, "Transfer-Encoding")))) {
		/* An empty form: both fields are missing. */
		add_error(&v, "username", "missing", "is required");
		add_error(&v, "password", "missing", "is required");
		return request_send_validation(req, &v);
	}
	status = request_read_body(req, &body, &len);
	if (status)
		return status;
	if (is_form(req)) {
		if (form_field(body, len, "username", user, &v, true) < 0 ||
		    form_field(body, len, "password", pass, &v, true) < 0 ||
		    form_field(body, len, "grant_type", &grant, &v, false) < 0) {
			status = http_send_owned(req->conn, 500, NULL);
			goto fail;
		}
		if (grant && strcmp(grant, "password") != 0)
			add_error(&v, "grant_type", "enum", "must be password");
		wipe_free_str(grant);
	} else {
		bool sent;

		status = json_field(req, body, "username", user, &v, &sent);
		if (!sent)
			status = json_field(req, body, "password", pass, &v, &sent);
		if (sent)
			goto fail;
	}
	wipe_free(body, len);
	body = NULL;
	if (v.count) {
		status = request_send_validation(req, &v);
		goto fail;
	}
	return 0;
fail:
	wipe_free(body, len);
	wipe_free_str(*user);
	wipe_free_str(*pass);
	*user = *pass = NULL;
	return status;
}

int
handle_auth_token(struct request *req)
{
	char *user = NULL, *pass = NULL, *token = NULL, header[64];
	claims_user *u = NULL;
	int64_t now, retry;
	int rc, status;

	if (!app.security.jwt_key.bytes)
		return http_send_error(req->conn, 501, "NOT_IMPLEMENTED",
				       "Tokens are not issued: JWT_SECRET_KEY is not configured",
				       NULL);
	status = read_credentials(req, &user, &pass);
	if (status)
		return status;

	now = (int64_t)time(NULL);
	retry = login_guard_begin(app.login_guard, user, now);
	if (retry > 0) {
		snprintf(header, sizeof(header), "Retry-After: %" PRId64 "\r\n", retry);
		status = http_send_owned_headers(req->conn, 429,
						 render_rate_limit_error("Too many failed logins",
									 "login",
									 app.login_max_failures,
									 retry),
						 header);
		goto out;
	}
	rc = claims_user_login(&u, req->db, user, pass);
	now = (int64_t)time(NULL);
	if (rc == CLAIMS_EAUTH) {
		login_guard_end(app.login_guard, user, LOGIN_FAILED, now);
		status = http_send_error(req->conn, 401, "UNAUTHORIZED",
					 "Invalid username or password",
					 "WWW-Authenticate: Bearer realm=\"claims\"\r\n");
		goto out;
	}
	if (rc < 0) {
		login_guard_end(app.login_guard, user, LOGIN_ABORTED, now);
		status = http_send_db_error(req, rc);
		goto out;
	}
	login_guard_end(app.login_guard, user, LOGIN_SUCCEEDED, now);
	rc = claims_token_sign(&token, app.security.jwt_key.bytes, app.security.jwt_key.len, u->username, now,
			       now + app.security.token_minutes * 60);
	if (rc < 0) {
		status = http_send_owned(req->conn, 500, NULL);
		goto out;
	}
	status = http_send_owned(req->conn, 200,
				 render_token(token, (int64_t)app.security.token_minutes * 60));
out:
	claims_token_free(token);
	claims_user_free(u);
	wipe_free_str(user);
	wipe_free_str(pass);
	return status;
}
