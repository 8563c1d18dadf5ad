/*
 * claims import FILE... [--type auto|837|835] [--strict] [--practice ID] [--no-link]
 *
 * Every file is attempted, in order, even when one is refused; one summary
 * line per file on stdout (or one JSON document with --json).
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "env.h"
#include "json.h"

struct progress {
	const char *name;
	struct timespec last;
	bool drawn;
};

static void
draw_progress(int64_t done, int64_t total, void *payload)
{
	struct progress *p = payload;
	struct timespec now;
	char bar[21];
	int pct, filled;

	if (total <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* At most 10 redraws a second. */
	if (p->drawn && (now.tv_sec - p->last.tv_sec) * 1000 + (now.tv_nsec - p->last.tv_nsec) / 1000000 < 100 &&
	    done < total)
		return;
	p->last = now;
	p->drawn = true;
	pct = (int)(done * 100 / total);
	filled = pct / 5;
	for (int i = 0; i < 20; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[20] = '\0';
	fprintf(stderr, "\r[%s] %3d%%  %s  %.1f/%.1f MiB", bar, pct, p->name,
		(double)done / 2 / 1048576.0, (double)total / 2 / 1048576.0);
	fflush(stderr);
}

static void
print_summary(const char *name, const claims_ingest_result *r)
{
	const claims_ingest_counts *c = &r->counts;
	bool claims = strcmp(r->detected_type, "835") != 0;
	bool remits = strcmp(r->detected_type, "835") == 0 || strcmp(r->detected_type, "mixed") == 0;

	if (r->status == CLAIMS_INGEST_DUPLICATE) {
		printf("%s: duplicate of file #%lld, nothing changed\n", name,
		       (long long)r->ingest_file_id);
		return;
	}
	if (r->status == CLAIMS_INGEST_REFUSED) {
		printf("%s: refused: %s: %s\n", name, r->error_code,
		       r->error_message ? r->error_message : "");
		return;
	}
	printf("%s: %s", name, r->detected_type);
	if (claims)
		printf(", %lld claims (%lld created, %lld updated, %lld voided, %lld unchanged), "
		       "%lld lines",
		       (long long)c->claims_parsed, (long long)c->claims_created,
		       (long long)c->claims_updated, (long long)c->claims_voided,
		       (long long)c->claims_unchanged, (long long)c->claim_lines);
	if (remits)
		printf(", %lld payments (%lld created, %lld unchanged), %lld service lines, "
		       "%lld episodes linked",
		       (long long)c->remittances_parsed, (long long)c->remittances_created,
		       (long long)c->remittances_unchanged, (long long)c->service_lines,
		       (long long)c->episodes_linked);
	printf(", %lld warnings, %lld errors\n", (long long)c->warnings, (long long)c->errors);
}

/* Limits and mode from the environment (spec/cli.md §4). */
static int
env_options(const struct cli *cli, claims_ingest_options *o)
{
	char err[128];

	if (env_ingest_options(o, err, sizeof(err)) < 0)
		return cli_error(cli, CLI_USAGE, "%s", err);
	return CLI_OK;
}

int
cmd_import(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "strict", no_argument, NULL, 's' },
		{ "practice", required_argument, NULL, 'p' },
		{ "no-link", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	claims_ingest_options opts = CLAIMS_INGEST_OPTIONS_INIT;
	struct progress progress = { 0 };
	claims_db *db = NULL;
	void **docs = NULL;
	bool strict = false, any_refused = false;
	int c, rc, worst = CLI_OK, nfiles;

	rc = env_options(cli, &opts);
	if (rc != CLI_OK)
		return rc;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (strcmp(optarg, "auto") == 0)
				opts.expect = CLAIMS_INGEST_ANY;
			else if (strcmp(optarg, "837") == 0)
				opts.expect = CLAIMS_INGEST_837;
			else if (strcmp(optarg, "835") == 0)
				opts.expect = CLAIMS_INGEST_835;
			else
				return cli_error(cli, CLI_USAGE, "--type must be auto, 837 or 835");
			break;
		case 's': strict = true; break;
		case 'p': opts.practice_id = optarg; break;
		case 'n': opts.no_link = true; break;
		case 'h':
			printf("Usage: claims import FILE... [--type auto|837|835] [--strict] "
			       "[--practice PRACTICE_ID] [--no-link]\n");
			return CLI_OK;
		default:
			return cli_error(cli, CLI_USAGE, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (strict)
		opts.mode = CLAIMS_X12_STRICT;
	nfiles = argc - optind;
	if (nfiles < 1)
		return cli_error(cli, CLI_USAGE, "no file given (use - for standard input)");

	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;
	if (!claims_db_has_data_key(db) && !cli->quiet && !cli->json)
		fprintf(stderr, "claims: import: warning: DATA_KEY is not set: raw EDI is stored "
				"unencrypted\n");
	if (cli->json) {
		docs = calloc((size_t)nfiles, sizeof(*docs));
		if (!docs) {
			claims_db_close(db);
			return cli_error(cli, CLI_INTERNAL, "out of memory");
		}
	}
	if (!cli->quiet && !cli->json && isatty(STDERR_FILENO)) {
		opts.progress_cb = draw_progress;
		opts.progress_payload = &progress;
	}

	for (int i = 0; i < nfiles; i++) {
		const char *path = argv[optind + i];
		const char *name = strcmp(path, "-") == 0 ? "stdin" : path;
		claims_ingest_result *r = NULL;

		progress.name = name;
		progress.drawn = false;
		opts.filename = strcmp(path, "-") == 0 ? "stdin" : NULL;
		if (strcmp(path, "-") == 0)
			rc = claims_ingest_fd(&r, db, STDIN_FILENO, &opts);
		else
			rc = claims_ingest_file(&r, db, path, &opts);
		if (progress.drawn)
			fputs("\r\033[K", stderr);
		if (rc < 0) {
			int code = cli_exit_for(rc);

			/* A file we cannot read is refused input; an I/O failure of
			 * SQLite (it leaves its result code) is a database error. */
			if (rc == CLAIMS_EIO && claims_db_sqlite_errcode(db) == 0)
				code = CLI_REFUSED;
			cli_error(cli, code, "%s: %s", name, claims_db_errmsg(db));
			if (worst == CLI_OK || code == CLI_DB)
				worst = code;
			if (docs)
				docs[i] = json_ingest_failed(name, claims_db_errmsg(db));
			continue;
		}
		if (r->status == CLAIMS_INGEST_REFUSED)
			any_refused = true;
		if (docs)
			docs[i] = json_ingest_file(strcmp(path, "-") == 0 ? "stdin" : path, r);
		else if (!cli->quiet || r->status == CLAIMS_INGEST_REFUSED)
			print_summary(name, r);
		claims_ingest_result_free(r);
	}
	claims_db_close(db);

	if (docs) {
		char *out = json_render_files(docs, (size_t)nfiles);

		free(docs);
		rc = cli_emit(cli, out);
		if (rc != CLI_OK)
			return rc;
	}
	if (worst != CLI_OK)
		return worst;
	return any_refused ? CLI_REFUSED : CLI_OK;
}
