/*
 * claims: the libclaims command line.
 *
 * claims [--db PATH] [--json] [--quiet] [--env-file PATH] COMMAND [ARGS]
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "secrets.h"

struct command {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "init", cmd_init, "create the database and apply all migrations" },
	{ "migrate", cmd_migrate, "apply migrations: migrate [--to NAME|N] [--status]" },
	{ "import", cmd_import,
	  "ingest X12 files: import FILE... [--type auto|837|835] [--strict] [--practice ID]" },
	{ "link", cmd_link, "link remittances: link REMIT_ID | --all | --claim ID --remit ID" },
	{ "risk", cmd_risk, "denial risk: risk show CLAIM_ID | risk calculate (CLAIM_ID... | --all [--payer ID])" },
	{ "patterns", cmd_patterns,
	  "denial patterns: patterns detect (--payer ID | --all) [--days N] | list --payer ID | "
	  "analyze CLAIM_ID" },
	{ "claims", cmd_claims, "claims list [filters] | show ID | unlinked" },
	{ "remits", cmd_remits, "remittances: remits list [filters] | show ID" },
	{ "episodes", cmd_episodes, "episodes list [--claim ID] [--remit ID] [--status S] | show ID" },
	{ "payers", cmd_payers, "payers list | set-rules ID FILE|-" },
	{ "logs", cmd_logs, "parser logs, newest first: logs [--file ID] [--level L]" },
	{ "export-837", cmd_export_837,
	  "write a stored claim as an X12 837: export-837 CLAIM_ID [-o FILE]" },
	{ "user", cmd_user,
	  "users: user add NAME [--role admin|user] [--password-stdin] | passwd NAME | list | "
	  "disable NAME | enable NAME" },
	{ "token", cmd_token, "print an access token: token NAME [--password-stdin] [--minutes N]" },
	{ "keygen", cmd_keygen, "print 32 random bytes for a secret: keygen [--hex]" },
	{ "cache-stats", cmd_cache_stats,
	  "a running server's cache statistics: cache-stats [--base-url URL] [--token T] "
	  "[--key K] [--reset]" },
	{ "export-raw", cmd_export_raw,
	  "stored raw EDI, decrypted: export-raw file|claim|remit ID [-o FILE]" },
	{ "loadtest", cmd_loadtest,
	  "load-test a running server: loadtest [--base-url URL] [--concurrent N] [--requests N] "
	  "[--duration S] ... (loadtest --help)" },
};

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: claims [--db PATH] [--json] [--quiet] [--env-file PATH] COMMAND [ARGS]\n"
		"\n"
		"Global options:\n"
		"  --db PATH        database file (default $CLAIMS_DB, else ./claims.db)\n"
		"  --json           print exactly one JSON document on stdout\n"
		"  --quiet, -q      no progress and no informational lines\n"
		"  --env-file PATH  settings file (default $CLAIMS_ENV_FILE, else ./.env if present)\n"
		"  --version        print the version and exit\n"
		"  --help           print this help and exit\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-11s %s\n", commands[i].name, commands[i].summary);
}

int
cli_error(const struct cli *cli, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "claims: %s: ", cli->command ? cli->command : "error");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
cli_emit(const struct cli *cli, char *doc)
{
	if (!doc)
		return cli_error(cli, CLI_INTERNAL, "out of memory");
	printf("%s\n", doc);
	free(doc);
	return CLI_OK;
}

int
cli_exit_for(int rc)
{
	switch (rc) {
	case CLAIMS_OK: return CLI_OK;
	case CLAIMS_EINVAL:
	case CLAIMS_EREFUSED:
	case CLAIMS_ECONSTRAINT:
	case CLAIMS_EEXISTS:
	case CLAIMS_EAUTH: return CLI_REFUSED;
	case CLAIMS_ENOTFOUND: return CLI_NOTFOUND;
	case CLAIMS_EBUSY:
	case CLAIMS_ESCHEMA:
	case CLAIMS_EDB:
	case CLAIMS_EIO:
	case CLAIMS_EDECRYPT: return CLI_DB;
	default: return CLI_INTERNAL;
	}
}

int
cli_open_db(const struct cli *cli, claims_migrate_mode mode, claims_db **out)
{
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE] = "";
	int rc;

	struct secret key = { 0 };
	char keyerr[160];

	/* DATA_KEY (security.md §2, §5), checked before anything is opened or
	 * created: a malformed key is a configuration error. */
	if (secret_load(&key, "DATA_KEY", CLAIMS_DATA_KEY_BYTES, CLAIMS_DATA_KEY_BYTES, keyerr,
			sizeof(keyerr)) < 0)
		return cli_error(cli, CLI_USAGE, "%s", keyerr);
	opts.migrate = mode;
	opts.errbuf = errbuf;
	/* A running claimsd drops its cached answers after our writes. */
	opts.bump_write_epoch = true;
	rc = claims_db_open(out, cli->db_path, &opts);
	if (rc < 0) {
		secret_free(&key);
		return cli_error(cli, rc == CLAIMS_ENOMEM ? CLI_INTERNAL : CLI_DB, "%s: %s",
				 cli->db_path, errbuf[0] ? errbuf : claims_strerror(rc));
	}
	if (key.bytes) {
		rc = claims_db_set_data_key(*out, key.bytes, key.len);
		secret_free(&key); /* the handle keeps its own guarded copy */
		if (rc < 0) {
			cli_error(cli, CLI_INTERNAL, "%s", claims_db_errmsg(*out));
			claims_db_close(*out);
			*out = NULL;
			return CLI_INTERNAL;
		}
	}
	return CLI_OK;
}

int
cli_flag_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

int
cli_db_error(const struct cli *cli, claims_db *db, int rc)
{
	return cli_error(cli, cli_exit_for(rc), "%s", claims_db_errmsg(db));
}

int
main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const char *env_file = NULL, *v;
	char errbuf[512];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0) {
			cli.json = true;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			cli.quiet = true;
		} else if (strcmp(a, "--version") == 0) {
			printf("claims %s\n", claims_version());
			return CLI_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return CLI_OK;
		} else if (cli_flag_value(argc, argv, &i, "--db", &v) == 1) {
			cli.db_path = v;
		} else if (cli_flag_value(argc, argv, &i, "--env-file", &v) == 1) {
			env_file = v;
		} else {
			fprintf(stderr, "claims: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return CLI_USAGE;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "claims: missing command\n");
		usage(stderr);
		return CLI_USAGE;
	}

	if (env_load_file(env_file, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "claims: %s\n", errbuf);
		return CLI_USAGE;
	}
	if (!cli.db_path)
		cli.db_path = getenv("CLAIMS_DB");
	if (!cli.db_path || !*cli.db_path)
		cli.db_path = "./claims.db";

	for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++) {
		if (strcmp(argv[i], commands[k].name) == 0) {
			cli.command = commands[k].name;
			return commands[k].fn(&cli, argc - i, argv + i);
		}
	}
	fprintf(stderr, "claims: unknown command '%s'\n", argv[i]);
	usage(stderr);
	return CLI_USAGE;
}
