/* claims: the command line.  Shared state and helpers of the commands. */
#ifndef CLAIMS_CLI_H
#define CLAIMS_CLI_H

#include <stdbool.h>

#include <claims/claims.h>

/* Exit codes (spec/cli.md §1). */
enum cli_exit {
	CLI_OK = 0,
	CLI_INTERNAL = 1,
	CLI_USAGE = 2,
	CLI_REFUSED = 3,
	CLI_NOTFOUND = 4,
	CLI_DB = 5,
	CLI_UNREACHABLE = 6,
	CLI_LOADTEST_FAILED = 7,
};

struct cli {
	const char *db_path;
	bool json;
	bool quiet;
	const char *command;
};

/* "claims: <command>: <message>" on stderr; returns @p code. */
int cli_error(const struct cli *cli, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Print a rendered JSON document and free it; a NULL document (rendering
 * ran out of memory) is reported as CLI_INTERNAL. */
int cli_emit(const struct cli *cli, char *doc);

/* Map a library error to the CLI exit code. */
int cli_exit_for(int claims_rc);

/* A database failure: the handle's message, the exit code of @p rc. */
int cli_db_error(const struct cli *cli, claims_db *db, int rc);

/* 1 when argv[*i] is the flag @p name, with its value in *val ("--name V",
 * moving *i past V, or "--name=V"); 0 when it is another argument; -1 when
 * the value is missing. */
int cli_flag_value(int argc, char **argv, int *i, const char *name, const char **val);

/* Open the database; pending migrations apply unless @p mode says not.
 * Prints the error and returns the exit code on failure, CLI_OK otherwise. */
int cli_open_db(const struct cli *cli, claims_migrate_mode mode, claims_db **out);

/* Commands: argv[0] is the command name. */
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_link(struct cli *cli, int argc, char **argv);
int cmd_risk(struct cli *cli, int argc, char **argv);
int cmd_patterns(struct cli *cli, int argc, char **argv);
/* commands_query.c */
int cmd_claims(struct cli *cli, int argc, char **argv);
int cmd_remits(struct cli *cli, int argc, char **argv);
int cmd_payers(struct cli *cli, int argc, char **argv);
int cmd_episodes(struct cli *cli, int argc, char **argv);
int cmd_logs(struct cli *cli, int argc, char **argv);
/* commands_export.c */
int cmd_export_837(struct cli *cli, int argc, char **argv);
/* commands_auth.c: user, token; keygen and cache-stats open no database */
int cmd_user(struct cli *cli, int argc, char **argv);
int cmd_token(struct cli *cli, int argc, char **argv);
int cmd_keygen(struct cli *cli, int argc, char **argv);
int cmd_cache_stats(struct cli *cli, int argc, char **argv);
/* commands_raw.c */
int cmd_export_raw(struct cli *cli, int argc, char **argv);
/* loadtest.c: opens no database */
int cmd_loadtest(struct cli *cli, int argc, char **argv);

#endif
