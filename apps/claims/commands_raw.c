/*
 * claims export-raw file|claim|remit ID [-o FILE]: the raw EDI the
 * database keeps, decrypted with DATA_KEY when it was stored encrypted
 * (spec/security.md §5).  A received file's bytes come from
 * claims_file_copy_to_fd(), a claim's or remittance's own segments from
 * claims_raw_get(); either is all or nothing, so a wrong key or altered
 * data (exit 5) writes no byte.  With -o the bytes go to a private
 * temporary file (mode 0600) beside FILE, renamed over it only when
 * complete.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char usage[] = "claims export-raw file|claim|remit ID [-o FILE]";

static int
write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The bytes of @p kind @p id to @p fd.  A CLI exit code. */
static int
export_to(const struct cli *cli, claims_db *db, const char *kind, int64_t id, int fd)
{
	claims_raw_source src;
	void *raw = NULL;
	size_t len = 0;
	int rc;

	if (strcmp(kind, "file") == 0) {
		rc = claims_file_copy_to_fd(db, id, fd);
		if (rc < 0)
			return cli_error(cli, cli_exit_for(rc), "%s", claims_db_errmsg(db));
		return CLI_OK;
	}
	src = strcmp(kind, "claim") == 0 ? CLAIMS_RAW_CLAIM : CLAIMS_RAW_REMITTANCE;
	rc = claims_raw_get(&raw, &len, db, src, id);
	if (rc < 0)
		return cli_error(cli, cli_exit_for(rc), "%s", claims_db_errmsg(db));
	rc = write_all(fd, raw, len);
	claims_raw_free(raw);
	if (rc < 0)
		return cli_error(cli, CLI_INTERNAL, "cannot write the output: %s", strerror(errno));
	return CLI_OK;
}

int
cmd_export_raw(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL, *kind;
	claims_validation v = { 0 };
	claims_db *db = NULL;
	char *tmp = NULL;
	int64_t id;
	int c, fd, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'h': printf("Usage: %s\n", usage); return CLI_OK;
		default:
			return cli_error(cli, CLI_USAGE, "unknown or incomplete option '%s' (usage: %s)",
					 argv[optind - 1], usage);
		}
	}
	if (argc - optind != 2)
		return cli_error(cli, CLI_USAGE, "usage: %s", usage);
	if (cli->json)
		return cli_error(cli, CLI_USAGE, "writes raw bytes; --json does not apply");
	kind = argv[optind];
	if (strcmp(kind, "file") != 0 && strcmp(kind, "claim") != 0 && strcmp(kind, "remit") != 0)
		return cli_error(cli, CLI_USAGE, "unknown kind '%s' (usage: %s)", kind, usage);
	if (claims_parse_id(&id, argv[optind + 1], "path", "ID", &v) < 0)
		return cli_error(cli, CLI_REFUSED, "ID '%s' %s", argv[optind + 1], v.errors[0].msg);

	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;
	if (!output) {
		rc = export_to(cli, db, kind, id, STDOUT_FILENO);
		claims_db_close(db);
		return rc;
	}

	tmp = malloc(strlen(output) + 16);
	if (!tmp) {
		claims_db_close(db);
		return cli_error(cli, CLI_INTERNAL, "out of memory");
	}
	sprintf(tmp, "%s.tmp-XXXXXX", output);
	fd = mkstemp(tmp); /* mode 0600 */
	if (fd < 0) {
		rc = cli_error(cli, CLI_REFUSED, "cannot create %s: %s", output, strerror(errno));
		goto out;
	}
	rc = export_to(cli, db, kind, id, fd);
	if (rc == CLI_OK && fsync(fd) != 0)
		rc = cli_error(cli, CLI_INTERNAL, "cannot write %s: %s", output, strerror(errno));
	close(fd);
	if (rc == CLI_OK && rename(tmp, output) != 0)
		rc = cli_error(cli, CLI_REFUSED, "cannot create %s: %s", output, strerror(errno));
	if (rc != CLI_OK)
		(void)unlink(tmp);
out:
	free(tmp);
	claims_db_close(db);
	return rc;
}
