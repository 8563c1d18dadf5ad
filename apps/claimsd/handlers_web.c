/*
 * claimsd: the dashboard, the API reference page, the OpenAPI document, the
 * old addresses that redirect, and the dashboard's aggregates
 * (spec/api.md §3, §4.10; security.md §6, §7).
 *
 * Files come from the table compiled into the binary (assets.h).  With
 * DASHBOARD_DIR (--dashboard-dir) a file of that directory replaces the
 * embedded one of the same name; only names of the table are ever looked up
 * there, so a request can never open any other path: /dashboard/{asset} is
 * matched against the table, byte for byte, before anything is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "render.h"
#include "server.h"

/* The pages' Content-Security-Policy (security.md §6) is written with the
 * other common headers, by path (security_headers()). */

/* A replacement file larger than this is refused (a dashboard file is a
 * few tens of KiB). */
#define DASHBOARD_FILE_MAX (16 * 1024 * 1024)

const struct asset *
assets_find(const char *name)
{
	for (size_t i = 0; i < web_assets_count; i++) {
		if (strcmp(web_assets[i].name, name) == 0)
			return &web_assets[i];
	}
	return NULL;
}

/* Read DASHBOARD_DIR/<a->name>: 0 with *out (malloc'd) and *len, 1 when the
 * directory has no such file (the embedded one is served), -1 on another
 * failure (logged). */
static int
read_override(const struct asset *a, char **out, size_t *len)
{
	char path[4096];
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	int fd, n;

	*out = NULL;
	*len = 0;
	n = snprintf(path, sizeof(path), "%s/%s", app.cfg.dashboard_dir, a->name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		fprintf(stderr, "claimsd: dashboard file %s: %s\n", a->name, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > DASHBOARD_FILE_MAX) {
		fprintf(stderr, "claimsd: dashboard file %s is not a regular file of at most 16 MiB\n",
			a->name);
		close(fd);
		return -1;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
}

/* Send one asset with the dashboard's headers. */
static int
send_asset(struct request *req, const struct asset *a)
{
	char *body = NULL;
	size_t len = 0;
	int rc, status;

	if (app.cfg.dashboard_dir) {
		rc = read_override(a, &body, &len);
		if (rc < 0)
			return http_send_error(req->conn, 500, "INTERNAL_ERROR",
					       "An unexpected error occurred", NULL);
		if (rc == 0) {
			status = http_send_body(req->conn, 200, a->content_type, body, len, NULL);
			free(body);
			return status;
		}
	}
	return http_send_body(req->conn, 200, a->content_type, a->data, a->len, NULL);
}

static int
send_named(struct request *req, const char *name)
{
	const struct asset *a = assets_find(name);

	if (!a) /* the build lists every page it serves */
		return http_send_error(req->conn, 500, "INTERNAL_ERROR",
				       "An unexpected error occurred", NULL);
	return send_asset(req, a);
}

int
handle_dashboard(struct request *req)
{
	return send_named(req, "index.html");
}

int
handle_dashboard_asset(struct request *req)
{
	static const char prefix[] = "/dashboard/";
	const char *uri = req->info->local_uri ? req->info->local_uri : "";
	const struct asset *a = NULL;

	/* The whole decoded remainder of the path, not the matcher's copy
	 * (which stops at 63 bytes), must equal a name of the table. */
	if (strncmp(uri, prefix, sizeof(prefix) - 1) == 0)
		a = assets_find(uri + sizeof(prefix) - 1);
	if (!a)
		return http_send_error(req->conn, 404, "NOT_FOUND", "No such dashboard file", NULL);
	return send_asset(req, a);
}

int
handle_docs(struct request *req)
{
	return send_named(req, "docs.html");
}

int
handle_openapi(struct request *req)
{
	return http_send_body(req->conn, 200, openapi_asset.content_type, openapi_asset.data,
			      openapi_asset.len, NULL);
}

static int
redirect(struct request *req, const char *location)
{
	char header[128];

	snprintf(header, sizeof(header), "Location: %s\r\n", location);
	return http_send_body(req->conn, 301, "text/plain; charset=utf-8", "", 0, header);
}

int
handle_redoc(struct request *req)
{
	return redirect(req, "/docs");
}

int
handle_monitoring(struct request *req)
{
	return redirect(req, "/dashboard");
}

int
handle_stats_summary(struct request *req)
{
	claims_stats_summary *s = NULL;
	char ts[32];
	int rc, status;

	rc = claims_stats_summary_get(&s, req->db);
	if (rc < 0)
		return http_send_db_error(req, rc);
	render_utc_now(ts);
	status = http_send_owned(req->conn, 200, render_stats_summary(s, ts));
	claims_stats_summary_free(s);
	return status;
}
