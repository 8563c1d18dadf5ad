/*
 * claimsd: what a handler reads from a request: query parameters, path
 * ids and JSON bodies, each refused with the spec's 413 / 422 answers.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "render.h"
#include "security.h"
#include "server.h"

int
request_parse_query(struct request *req)
{
	const char *qs = req->info->query_string;
	size_t len;
	char *p;

	req->nparams = 0;
	if (!qs || !*qs)
		return 0;
	len = strlen(qs);
	/* Decoding never lengthens a part; one buffer holds them all. */
	req->query_buf = malloc(len + 1);
	if (!req->query_buf)
		return -1;
	memcpy(req->query_buf, qs, len + 1);
	p = req->query_buf;
	while (p && *p) {
		char *amp = strchr(p, '&'), *eq;
		int n;

		if (amp)
			*amp = '\0';
		if (*p) {
			if (req->nparams == REQUEST_MAX_PARAMS)
				break; /* further parameters are unknown ones */
			eq = strchr(p, '=');
			if (eq)
				*eq = '\0';
			/* In place: the decoded text is never longer. */
			n = mg_url_decode(p, (int)strlen(p), p, (int)strlen(p) + 1, 1);
			if (n < 0)
				n = 0;
			p[n] = '\0';
			req->params[req->nparams].name = p;
			req->params[req->nparams].value = NULL;
			if (eq) {
				char *v = eq + 1;

				n = mg_url_decode(v, (int)strlen(v), v, (int)strlen(v) + 1, 1);
				if (n < 0)
					n = 0;
				v[n] = '\0';
				req->params[req->nparams].value = v;
			}
			req->nparams++;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

void
request_free(struct request *req)
{
	free(req->query_buf);
	req->query_buf = NULL;
}

const char *
request_param(const struct request *req, const char *name)
{
	for (size_t i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].name, name) == 0)
			return req->params[i].value ? req->params[i].value : "";
	return NULL;
}

int
request_send_validation(struct request *req, const claims_validation *v)
{
	return http_send_owned(req->conn, 422, render_validation_error(v));
}

bool
request_path_id(struct request *req, int i, const char *name, int64_t *out)
{
	claims_validation v = { 0 };

	if (claims_parse_id(out, req->args[i], "path", name, &v) == CLAIMS_OK)
		return true;
	request_send_validation(req, &v);
	return false;
}

/* A 422 naming the body: {"loc": ["body"], "type": json_invalid}. */
static int
send_body_invalid(struct request *req, const char *msg)
{
	claims_validation v = { .count = 1 };

	v.errors[0] = (claims_validation_error){ "body", NULL, "json_invalid", msg };
	return request_send_validation(req, &v);
}

int
request_read_body(struct request *req, char **out, size_t *len_out)
{
	long long declared = req->info->content_length;
	int64_t max = app.cfg.max_json_body;
	size_t cap, len = 0;
	char *buf;

	*out = NULL;
	*len_out = 0;
	if (declared > max)
		return http_send_error(req->conn, 413, "PAYLOAD_TOO_LARGE",
				       "The request body is larger than MAX_JSON_BODY_BYTES", NULL);
	cap = declared > 0 ? (size_t)declared + 1 : 4096;
	buf = malloc(cap);
	if (!buf)
		return http_send_owned(req->conn, 500, NULL);
	for (;;) {
		int n;

		if (len + 1 >= cap) {
			char *nb;

			if ((int64_t)len >= max) {
				free(buf);
				return http_send_error(req->conn, 413, "PAYLOAD_TOO_LARGE",
						       "The request body is larger than "
						       "MAX_JSON_BODY_BYTES",
						       NULL);
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				return http_send_owned(req->conn, 500, NULL);
			}
			buf = nb;
		}
		n = mg_read(req->conn, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
		if ((int64_t)len > max) {
			free(buf);
			return http_send_error(req->conn, 413, "PAYLOAD_TOO_LARGE",
					       "The request body is larger than MAX_JSON_BODY_BYTES",
					       NULL);
		}
	}
	buf[len] = '\0';
	security_note_request_body(buf, len);
	if (len == 0 || memchr(buf, '\0', len) || !json_is_valid_utf8(buf, len)) {
		free(buf);
		return send_body_invalid(req, len == 0 ? "an empty body is not JSON"
						       : "the body is not UTF-8 text");
	}
	if (!json_depth_ok(buf, len, JSON_MAX_DEPTH)) {
		free(buf);
		return send_body_invalid(req, "the body nests deeper than 100 levels");
	}
	*out = buf;
	*len_out = len;
	return 0;
}
