/* claims init / claims migrate. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "json.h"

struct applied {
	const struct cli *cli;
	const char *names[64];
	int count;
};

static void
on_applied(int version, const char *name, void *payload)
{
	struct applied *a = payload;

	(void)version;
	if ((size_t)a->count < sizeof(a->names) / sizeof(a->names[0]))
		a->names[a->count++] = name;
	if (!a->cli->json && !a->cli->quiet)
		printf("Applied %s\n", name);
}

static int
report(const struct cli *cli, claims_db *db, const struct applied *a)
{
	int version, head = claims_migration_count();

	if (claims_db_schema_version(&version, db) < 0)
		return cli_error(cli, CLI_DB, "%s", claims_db_errmsg(db));
	if (cli->json)
		return cli_emit(cli, json_migration_status(version, claims_migration_name(version),
							   head, a->names, a->count));
	if (version == head)
		printf("Database is at version %s (head)\n", claims_migration_name(version));
	else
		printf("Database is at version %s (%d behind head)\n",
		       version ? claims_migration_name(version) : "none", head - version);
	return CLI_OK;
}

/* --to accepts a number or a migration name (with or without ".sql"). */
static int
parse_target(const char *s)
{
	long n;
	size_t len = strlen(s);

	if (env_parse_int(s, 1, claims_migration_count(), &n))
		return (int)n;
	if (len > 4 && strcmp(s + len - 4, ".sql") == 0)
		len -= 4;
	for (int v = 1; v <= claims_migration_count(); v++) {
		const char *name = claims_migration_name(v);
		if (strlen(name) == len && strncmp(name, s, len) == 0)
			return v;
	}
	return -1;
}

static int
migrate(struct cli *cli, int target, bool status_only)
{
	struct applied applied = { .cli = cli };
	claims_db *db = NULL;
	int rc, version;

	rc = cli_open_db(cli, CLAIMS_MIGRATE_NONE, &db);
	if (rc != CLI_OK)
		return rc;
	if (!status_only) {
		if (claims_db_schema_version(&version, db) < 0) {
			rc = cli_error(cli, CLI_DB, "%s", claims_db_errmsg(db));
			goto out;
		}
		if (target && target < version) {
			rc = cli_error(cli, CLI_REFUSED,
				       "database is at %s, above %s: there are no down-migrations",
				       claims_migration_name(version), claims_migration_name(target));
			goto out;
		}
		rc = claims_db_migrate(db, target, on_applied, &applied);
		if (rc < 0) {
			rc = cli_error(cli, cli_exit_for(rc), "%s", claims_db_errmsg(db));
			goto out;
		}
	}
	rc = report(cli, db, &applied);
out:
	claims_db_close(db);
	return rc;
}

int
cmd_migrate(struct cli *cli, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "status", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool status_only = false;
	int target = 0, c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			target = parse_target(optarg);
			if (target < 0)
				return cli_error(cli, CLI_REFUSED,
						 "no migration '%s' (1..%d or a name such as %s)",
						 optarg, claims_migration_count(),
						 claims_migration_name(claims_migration_count()));
			break;
		case 's':
			status_only = true;
			break;
		case 'h':
			printf("Usage: claims migrate [--to NAME|N] [--status]\n");
			return CLI_OK;
		default:
			return cli_error(cli, CLI_USAGE, "unknown or incomplete option '%s'",
					 argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_error(cli, CLI_USAGE, "unexpected argument '%s'", argv[optind]);
	if (status_only && target)
		return cli_error(cli, CLI_USAGE, "--status and --to cannot be combined");
	return migrate(cli, target, status_only);
}

int
cmd_init(struct cli *cli, int argc, char **argv)
{
	if (argc > 1)
		return cli_error(cli, CLI_USAGE, "unexpected argument '%s'", argv[1]);
	return migrate(cli, 0, false);
}
