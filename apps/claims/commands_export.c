/*
 * claims export-837 CLAIM_ID [-o FILE]: the generated 837 of spec/api.md
 * §4.9 (claims_export_837()) on stdout or into FILE (created with mode
 * 0600: it holds patient data).  With --json, stdout gets the object the
 * clearinghouse submit route answers.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "render_integrations.h"

static const char usage_text[] = "claims export-837 CLAIM_ID [-o FILE]";

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
write_file(const struct cli *cli, const char *path, const claims_export *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err;

	if (fd < 0)
		return cli_error(cli, CLI_INTERNAL, "cannot write %s: %s", path, strerror(errno));
	if (write_all(fd, e->x12, e->len) < 0) {
		err = errno;
		close(fd);
		return cli_error(cli, CLI_INTERNAL, "cannot write %s: %s", path, strerror(err));
	}
	if (close(fd) < 0)
		return cli_error(cli, CLI_INTERNAL, "cannot write %s: %s", path, strerror(errno));
	return CLI_OK;
}

int
cmd_export_837(struct cli *cli, int argc, char **argv)
{
	claims_validation v = { 0 };
	claims_export *e = NULL;
	claims_db *db = NULL;
	const char *id_text = NULL, *out_path = NULL;
	int64_t id;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (i + 1 >= argc)
				return cli_error(cli, CLI_USAGE, "%s needs a file (usage: %s)", a,
						 usage_text);
			out_path = argv[++i];
		} else if (strncmp(a, "--output=", 9) == 0) {
			out_path = a + 9;
		} else if (a[0] == '-' && a[1] != '\0') {
			return cli_error(cli, CLI_USAGE, "unknown option '%s' (usage: %s)", a,
					 usage_text);
		} else if (!id_text) {
			id_text = a;
		} else {
			return cli_error(cli, CLI_USAGE, "unexpected argument '%s' (usage: %s)", a,
					 usage_text);
		}
	}
	if (!id_text)
		return cli_error(cli, CLI_USAGE, "missing CLAIM_ID (usage: %s)", usage_text);
	if (out_path && !*out_path)
		return cli_error(cli, CLI_USAGE, "-o needs a file (usage: %s)", usage_text);
	if (claims_parse_id(&id, id_text, "path", "CLAIM_ID", &v) < 0)
		return cli_error(cli, CLI_REFUSED, "CLAIM_ID '%s' %s", id_text, v.errors[0].msg);

	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;
	rc = claims_export_837(&e, db, id, NULL);
	if (rc < 0) {
		rc = cli_error(cli, cli_exit_for(rc), "%s", claims_db_errmsg(db));
		claims_db_close(db);
		return rc;
	}
	claims_db_close(db);

	if (out_path) {
		rc = write_file(cli, out_path, e);
		if (rc == CLI_OK && cli->json)
			rc = cli_emit(cli, render_export_837(e));
		else if (rc == CLI_OK && !cli->quiet)
			printf("%s: %s for claim %lld (%s, %zu segments)\n", out_path,
			       e->transaction_type, (long long)e->claim_id, e->tracking_id,
			       e->segment_count);
	} else if (cli->json) {
		rc = cli_emit(cli, render_export_837(e));
	} else {
		rc = write_all(STDOUT_FILENO, e->x12, e->len) < 0
			     ? cli_error(cli, CLI_INTERNAL, "cannot write to stdout: %s",
					 strerror(errno))
			     : CLI_OK;
	}
	claims_export_free(e);
	return rc;
}
