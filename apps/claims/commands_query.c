/*
 * claims claims list|show|unlinked, claims remits list|show,
 * claims payers list|set-rules, claims logs.
 *
 * Options become the API's parameters and go through the library's
 * validation, so the command line refuses what the server refuses, with
 * the same words (named after the option).  Human-readable by default;
 * --json prints the API objects (render.h).
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

/* An option of a list command and the API parameter it sets. */
struct optmap {
	const char *flag;  /* long option name without "--" */
	const char *param; /* API parameter */
};

#define MAX_PARAMS 32

struct parsed {
	claims_param params[MAX_PARAMS];
	size_t n;
	const char *args[4]; /* positional arguments */
	int nargs;
};

static const char *
flag_of(const struct optmap *map, const char *param)
{
	for (size_t i = 0; map[i].flag; i++)
		if (strcmp(map[i].param, param) == 0)
			return map[i].flag;
	return param;
}

/* Parse "--flag VALUE" / "--flag=VALUE" options of @p map and up to
 * @p max_args positional arguments.  Usage errors print and return the exit code. */
static int
parse_opts(const struct cli *cli, int argc, char **argv, const struct optmap *map, int max_args,
	   struct parsed *p, const char *usage)
{
	struct option longopts[MAX_PARAMS + 2];
	size_t nmap = 0;
	int c;

	memset(p, 0, sizeof(*p));
	for (; map[nmap].flag; nmap++) {
		longopts[nmap].name = map[nmap].flag;
		longopts[nmap].has_arg = required_argument;
		longopts[nmap].flag = NULL;
		longopts[nmap].val = 256 + (int)nmap;
	}
	longopts[nmap] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[nmap + 1] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		if (c == 'h') {
			printf("Usage: %s\n", usage);
			return -1;
		}
		if (c < 256 || p->n >= MAX_PARAMS)
			return cli_error(cli, CLI_USAGE, "unknown or incomplete option '%s' (usage: %s)",
					 argv[optind - 1], usage);
		p->params[p->n].name = map[c - 256].param;
		p->params[p->n].value = optarg;
		p->n++;
	}
	for (; optind < argc; optind++) {
		if (p->nargs >= max_args)
			return cli_error(cli, CLI_USAGE, "unexpected argument '%s' (usage: %s)",
					 argv[optind], usage);
		p->args[p->nargs++] = argv[optind];
	}
	return CLI_OK;
}

/* "--limit: must be between 1 and 1000; --status: ..." with exit 3. */
static int
validation_failed(const struct cli *cli, const claims_validation *v, const struct optmap *map)
{
	char msg[1024] = "";
	size_t used = 0;

	for (size_t i = 0; i < v->count && used < sizeof(msg); i++) {
		const char *flag = map ? flag_of(map, v->errors[i].name) : v->errors[i].name;
		int n = snprintf(msg + used, sizeof(msg) - used, "%s%s%s: %s", i ? "; " : "",
				 map ? "--" : "", flag, v->errors[i].msg);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	return cli_error(cli, CLI_REFUSED, "%s", msg);
}

static int
parse_id_arg(const struct cli *cli, const char *text, int64_t *id)
{
	claims_validation v = { 0 };

	if (claims_parse_id(id, text, "path", "ID", &v) < 0)
		return cli_error(cli, CLI_REFUSED, "ID '%s' %s", text, v.errors[0].msg);
	return CLI_OK;
}

static const char *
or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static const char *
amount_text(char buf[static 32], claims_amount a)
{
	if (!a.present)
		return "-";
	render_format_cents(buf, a.cents);
	return buf;
}

static void
print_page_footer(const char *what, size_t count, int64_t total, int64_t skip)
{
	if (count == 0)
		printf("No %s on this page (%" PRId64 " in total, skip %" PRId64 ")\n", what, total, skip);
	else
		printf("%" PRId64 "-%" PRId64 " of %" PRId64 " %s\n", skip + 1, skip + (int64_t)count,
		       total, what);
}

/* ------------------------------------------------------------------ */
/* claims claims ...                                                   */

static const struct optmap claims_list_map[] = {
	{ "status", "status" },
	{ "payer", "payer_id" },
	{ "provider", "provider_id" },
	{ "practice", "practice_id" },
	{ "from", "service_date_from" },
	{ "to", "service_date_to" },
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static const struct optmap page_map[] = {
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static void
print_claim_rows(const claims_claim_list *l, bool unlinked)
{
	char buf[32];

	printf("%-8s %-20s %-10s %12s %-10s %s\n", "ID", "CLAIM NUMBER", "STATUS", "CHARGE",
	       "SERVICE", unlinked ? "PAYER" : "PAYER ID");
	for (size_t i = 0; i < l->count; i++) {
		const claims_claim_summary *c = &l->items[i];
		char payer[24];

		if (unlinked)
			snprintf(payer, sizeof(payer), "%.23s", or_dash(c->payer_name));
		else if (c->payer_id)
			snprintf(payer, sizeof(payer), "%" PRId64, c->payer_id);
		else
			snprintf(payer, sizeof(payer), "-");
		printf("%-8" PRId64 " %-20s %-10s %12s %-10s %s%s\n", c->id, c->claim_control_number,
		       c->status, amount_text(buf, c->total_charge), or_dash(c->service_date), payer,
		       c->is_incomplete ? "  (incomplete)" : "");
	}
	print_page_footer("claims", l->count, l->total, l->skip);
}

static int
claims_list(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_claim_query q;
	claims_claim_list *l = NULL;
	int rc;

	if (claims_claim_query_parse(&q, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, claims_list_map);
	rc = claims_practice_check(db, q.practice_id, "query", "practice_id", &v);
	if (rc == CLAIMS_EINVAL)
		return validation_failed(cli, &v, claims_list_map);
	if (rc == CLAIMS_OK)
		rc = claims_claim_list_get(&l, db, &q, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json)
		rc = cli_emit(cli, render_claim_list(l));
	else
		print_claim_rows(l, false), rc = CLI_OK;
	claims_claim_list_free(l);
	return rc;
}

static int
claims_unlinked(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_page page;
	claims_claim_list *l = NULL;
	int rc;

	if (claims_page_parse(&page, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, page_map);
	rc = claims_unlinked_list_get(&l, db, &page, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json)
		rc = cli_emit(cli, render_unlinked_list(l));
	else
		print_claim_rows(l, true), rc = CLI_OK;
	claims_claim_list_free(l);
	return rc;
}

static void
kv(const char *key, const char *value)
{
	if (value)
		printf("%-26s %s\n", key, value);
}

static void
print_claim(const claims_claim *c)
{
	char buf[32], n[32];

	snprintf(n, sizeof(n), "%" PRId64, c->summary.id);
	kv("Claim", n);
	kv("Claim control number", c->summary.claim_control_number);
	kv("Type", c->transaction_type);
	kv("Status", c->summary.status);
	if (c->summary.is_incomplete)
		kv("Incomplete", "yes");
	kv("Total charge", amount_text(buf, c->summary.total_charge));
	kv("Payer", c->payer_name);
	kv("Practice", c->practice_id);
	kv("Frequency", c->claim_frequency_type);
	kv("Facility type", c->facility_type_code);
	kv("Service date", c->summary.service_date);
	kv("Service date to", c->service_date_to);
	kv("Statement date", c->statement_date);
	kv("Statement date to", c->statement_date_to);
	kv("Admission date", c->admission_date);
	kv("Discharge date", c->discharge_date);
	kv("Original reference", c->original_reference_number);
	kv("Principal diagnosis", c->principal_diagnosis);
	kv("Billing NPI", c->billing_provider_npi);
	kv("Rendering NPI", c->rendering_provider_npi);
	kv("Attending NPI", c->attending_provider_npi);
	snprintf(n, sizeof(n), "%" PRId64 " (submitted %" PRId64 " times)", c->version,
		 c->submission_count);
	kv("Version", n);
	if (c->current_episode_id) {
		snprintf(n, sizeof(n), "%" PRId64, c->current_episode_id);
		kv("Current episode", n);
	}
	kv("Created", c->summary.created_at);
	kv("Updated", c->updated_at);
	if (c->n_diagnoses) {
		printf("\nDiagnoses:\n");
		for (size_t i = 0; i < c->n_diagnoses; i++) {
			const claims_diagnosis *d = &c->diagnoses[i];

			printf("  %2" PRId64 ". %-3s %-10s %-8s %s%s\n", d->sequence, d->qualifier,
			       d->code, d->code_system, d->qualifier_desc,
			       d->is_valid ? "" : " (invalid)");
		}
	}
	if (c->n_lines) {
		printf("\nLines:\n");
		for (size_t i = 0; i < c->n_lines; i++) {
			const claims_claim_line *l = &c->lines[i];

			printf("  %2" PRId64 ". %-6s %-8s %12s  %s  %s\n", l->line_number,
			       or_dash(l->revenue_code), or_dash(l->procedure_code),
			       amount_text(buf, l->charge), or_dash(l->service_date),
			       l->modifiers_json ? l->modifiers_json : "[]");
		}
	}
}

static int
claims_show(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_claim *c = NULL;
	int64_t id;
	int rc;

	rc = parse_id_arg(cli, p->args[0], &id);
	if (rc != CLI_OK)
		return rc;
	rc = claims_claim_get(&c, db, id);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json)
		rc = cli_emit(cli, render_claim(c));
	else
		print_claim(c), rc = CLI_OK;
	claims_claim_free(c);
	return rc;
}

/* Open the database and run @p fn; closes the database. */
static int
with_db(struct cli *cli, int (*fn)(struct cli *, claims_db *, const struct parsed *),
	const struct parsed *p)
{
	claims_db *db = NULL;
	int rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);

	if (rc != CLI_OK)
		return rc;
	rc = fn(cli, db, p);
	claims_db_close(db);
	return rc;
}

typedef int (*query_fn)(struct cli *, claims_db *, const struct parsed *);

static const struct optmap no_opts[] = { { NULL, NULL } };

/* One subcommand: its options, exactly @p nargs positional arguments
 * (checked before the database is opened), and its work. */
struct subcommand {
	const char *name;
	const struct optmap *map;
	int nargs;
	const char *args_usage; /* the usage line when nargs is wrong */
	query_fn fn;
};

static int
run_parsed(struct cli *cli, int argc, char **argv, const struct subcommand *sub,
	   const char *usage)
{
	struct parsed p;
	int rc = parse_opts(cli, argc, argv, sub->map, sub->nargs, &p, usage);

	if (rc < 0)
		return CLI_OK; /* --help */
	if (rc != CLI_OK)
		return rc;
	if (p.nargs != sub->nargs)
		return cli_error(cli, CLI_USAGE, "usage: %s", sub->args_usage);
	return with_db(cli, sub->fn, &p);
}

/* "claims GROUP SUBCOMMAND ...": the subcommand named by argv[1]. */
static int
dispatch(struct cli *cli, int argc, char **argv, const struct subcommand *subs,
	 const char *usage)
{
	if (argc < 2)
		return cli_error(cli, CLI_USAGE, "missing subcommand (usage: %s)", usage);
	for (; subs->name; subs++)
		if (strcmp(argv[1], subs->name) == 0)
			return run_parsed(cli, argc - 1, argv + 1, subs, usage);
	return cli_error(cli, CLI_USAGE, "unknown subcommand '%s' (usage: %s)", argv[1], usage);
}

int
cmd_claims(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims claims list [--status S] [--payer ID] [--provider ID] [--practice P] "
		"[--from DATE] [--to DATE] [--skip N] [--limit N] | show ID | unlinked [--skip N] "
		"[--limit N]";
	static const struct subcommand subs[] = {
		{ "list", claims_list_map, 0, NULL, claims_list },
		{ "unlinked", page_map, 0, NULL, claims_unlinked },
		{ "show", no_opts, 1, "claims claims show ID", claims_show },
		{ NULL, NULL, 0, NULL, NULL },
	};

	return dispatch(cli, argc, argv, subs, usage);
}

/* ------------------------------------------------------------------ */
/* claims remits ...                                                   */

static const struct optmap remits_list_map[] = {
	{ "status", "status" },
	{ "payer", "payer_id" },
	{ "claim-number", "claim_control_number" },
	{ "from", "payment_date_from" },
	{ "to", "payment_date_to" },
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static int
remits_list(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_remit_query q;
	claims_remit_list *l = NULL;
	char buf[32];
	int rc;

	if (claims_remit_query_parse(&q, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, remits_list_map);
	rc = claims_remit_list_get(&l, db, &q, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json) {
		rc = cli_emit(cli, render_remit_list(l));
	} else {
		printf("%-8s %-24s %-4s %12s %-10s %-10s %s\n", "ID", "CLAIM NUMBER", "CLP2",
		       "PAID", "PAID ON", "STATUS", "PAYER");
		for (size_t i = 0; i < l->count; i++) {
			const claims_remit_summary *r = &l->items[i];

			printf("%-8" PRId64 " %-24s %-4s %12s %-10s %-10s %s\n", r->id,
			       r->claim_control_number, or_dash(r->claim_status_code),
			       amount_text(buf, r->payment), or_dash(r->payment_date), r->status,
			       or_dash(r->payer_name));
		}
		print_page_footer("remittances", l->count, l->total, l->skip);
		rc = CLI_OK;
	}
	claims_remit_list_free(l);
	return rc;
}

static void
print_adjustment(const char *indent, const claims_adjustment *j)
{
	char buf[32];

	render_format_cents(buf, j->amount_cents);
	printf("%s%s-%s %12s  %s%s\n", indent, j->group_code, j->reason_code, buf, j->category,
	       j->is_denial ? " (denial)" : "");
}

static void
print_remit(const claims_remit *r)
{
	char buf[32], n[64];

	snprintf(n, sizeof(n), "%" PRId64, r->summary.id);
	kv("Remittance", n);
	kv("Claim control number", r->summary.claim_control_number);
	kv("Payer claim number", r->payer_claim_control_number);
	kv("Payer", r->summary.payer_name);
	snprintf(n, sizeof(n), "%s%s%s%s", or_dash(r->summary.claim_status_code),
		 r->claim_status_desc ? " (" : "", r->claim_status_desc ? r->claim_status_desc : "",
		 r->claim_status_desc ? ")" : "");
	kv("Claim status", n);
	kv("Status", r->summary.status);
	kv("Charge", amount_text(buf, r->claim_charge));
	kv("Paid", amount_text(buf, r->summary.payment));
	kv("Patient responsibility", amount_text(buf, r->patient_responsibility));
	kv("Payment date", r->summary.payment_date);
	kv("Check number", r->check_number);
	if (r->episode_id) {
		snprintf(n, sizeof(n), "%" PRId64, r->episode_id);
		kv("Episode", n);
	}
	for (size_t i = 0; i < r->n_denial_reasons; i++)
		kv(i == 0 ? "Denial reasons" : "", r->denial_reasons[i]);
	kv("Created", r->summary.created_at);
	kv("Updated", r->updated_at);
	for (size_t i = 0, shown = 0; i < r->n_adjustments; i++) {
		if (strcmp(r->adjustments[i].level, "claim") != 0)
			continue;
		if (shown++ == 0)
			printf("\nClaim adjustments:\n");
		print_adjustment("  ", &r->adjustments[i]);
	}
	if (r->n_service_lines) {
		printf("\nService lines:\n");
		for (size_t i = 0; i < r->n_service_lines; i++) {
			const claims_service_line *l = &r->service_lines[i];
			char paid[32];

			printf("  %2" PRId64 ". %-8s charge %12s paid %12s  %s\n", l->line_number,
			       or_dash(l->procedure_code), amount_text(buf, l->charge),
			       amount_text(paid, l->payment), or_dash(l->service_date));
			for (size_t k = 0; k < l->n_adjustments; k++)
				print_adjustment("      ", &l->adjustments[k]);
		}
	}
}

static int
remits_show(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_remit *r = NULL;
	int64_t id;
	int rc;

	rc = parse_id_arg(cli, p->args[0], &id);
	if (rc != CLI_OK)
		return rc;
	rc = claims_remit_get(&r, db, id);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json)
		rc = cli_emit(cli, render_remit(r));
	else
		print_remit(r), rc = CLI_OK;
	claims_remit_free(r);
	return rc;
}

int
cmd_remits(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims remits list [--status S] [--payer ID] [--claim-number X] [--from DATE] "
		"[--to DATE] [--skip N] [--limit N] | show ID";
	static const struct subcommand subs[] = {
		{ "list", remits_list_map, 0, NULL, remits_list },
		{ "show", no_opts, 1, "claims remits show ID", remits_show },
		{ NULL, NULL, 0, NULL, NULL },
	};

	return dispatch(cli, argc, argv, subs, usage);
}

/* ------------------------------------------------------------------ */
/* claims payers ...                                                   */

static const struct optmap payers_list_map[] = {
	{ "q", "q" },
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static int
payers_list(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_payer_query q;
	claims_payer_list *l = NULL;
	int rc;

	if (claims_payer_query_parse(&q, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, payers_list_map);
	rc = claims_payer_list_get(&l, db, &q, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json) {
		rc = cli_emit(cli, render_payer_list(l));
	} else {
		printf("%-6s %-20s %-30s %8s %8s  %s\n", "ID", "PAYER ID", "NAME", "CLAIMS",
		       "REMITS", "RULES");
		for (size_t i = 0; i < l->count; i++) {
			const claims_payer *py = &l->items[i];

			printf("%-6" PRId64 " %-20s %-30s %8" PRId64 " %8" PRId64 "  %s\n", py->id,
			       py->payer_id, py->name, py->claim_count, py->remittance_count,
			       py->rules_config_json);
		}
		print_page_footer("payers", l->count, l->total, l->skip);
		rc = CLI_OK;
	}
	claims_payer_list_free(l);
	return rc;
}

/* The whole of a file or standard input ("-"), NUL-terminated. */
static char *
read_all(const char *path, size_t max)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t len = 0, cap = 4096;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		size_t got;

		if (len + 1 >= cap) {
			char *nb = cap >= max ? NULL : realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				errno = EFBIG;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + len, 1, cap - len - 1, f);
		len += got;
		if (got == 0) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
	}
	if (buf)
		buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

static int
payers_set_rules(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_payer *py = NULL;
	char *json;
	int64_t id;
	int rc;

	rc = parse_id_arg(cli, p->args[0], &id);
	if (rc != CLI_OK)
		return rc;
	json = read_all(p->args[1], 1 << 20);
	if (!json)
		return cli_error(cli, CLI_REFUSED, "%s: %s", p->args[1],
				 errno == EFBIG ? "larger than 1 MiB" : strerror(errno));
	rc = claims_payer_set_rules(db, id, json);
	free(json);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	rc = claims_payer_get(&py, db, id);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json)
		rc = cli_emit(cli, render_payer(py));
	else if (!cli->quiet)
		printf("Rules of payer %" PRId64 " (%s) set: %s\n", py->id, py->payer_id,
		       py->rules_config_json), rc = CLI_OK;
	claims_payer_free(py);
	return rc;
}

int
cmd_payers(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims payers list [--q TEXT] [--skip N] [--limit N] | set-rules ID FILE|-";
	static const struct subcommand subs[] = {
		{ "list", payers_list_map, 0, NULL, payers_list },
		{ "set-rules", no_opts, 2, "claims payers set-rules ID FILE|-", payers_set_rules },
		{ NULL, NULL, 0, NULL, NULL },
	};

	return dispatch(cli, argc, argv, subs, usage);
}

/* ------------------------------------------------------------------ */
/* claims logs                                                         */

static const struct optmap logs_map[] = {
	{ "file", "ingest_file_id" },
	{ "level", "log_level" },
	{ "code", "issue_type" },
	{ "claim", "claim_id" },
	{ "remit", "remittance_id" },
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static int
logs_list(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_parser_log_query q;
	claims_parser_log_list *l = NULL;
	int rc;

	if (claims_parser_log_query_parse(&q, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, logs_map);
	rc = claims_parser_log_list_get(&l, db, &q, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json) {
		rc = cli_emit(cli, render_parser_log_list(l));
	} else {
		for (size_t i = 0; i < l->count; i++) {
			const claims_parser_log *g = &l->items[i];

			printf("%-6" PRId64 " %-7s %-24s %s: %s\n", g->id, g->log_level, g->issue_type,
			       g->file_name, g->message);
		}
		print_page_footer("log entries", l->count, l->total, l->skip);
		rc = CLI_OK;
	}
	claims_parser_log_list_free(l);
	return rc;
}

int
cmd_logs(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims logs [--file ID] [--level info|warning|error] [--code CODE] [--claim ID] "
		"[--remit ID] [--skip N] [--limit N]";
	static const struct subcommand logs = { "logs", logs_map, 0, NULL, logs_list };

	return run_parsed(cli, argc, argv, &logs, usage);
}

/* ------------------------------------------------------------------ */
/* claims episodes list|show (the reading half; status changes belong to
 * the engine's commands)                                              */

static const struct optmap episodes_list_map[] = {
	{ "claim", "claim_id" },
	{ "remit", "remittance_id" },
	{ "status", "status" },
	{ "skip", "skip" },
	{ "limit", "limit" },
	{ NULL, NULL },
};

static void
print_episode_row(const claims_episode *e)
{
	char buf[32];

	printf("%-8" PRId64 " %-8" PRId64 " %-8" PRId64 " %-9s %12s %7" PRId64 "  %s\n", e->id,
	       e->claim_id, e->remittance_id, e->status, amount_text(buf, e->payment),
	       e->denial_count, e->link_method);
}

static int
episodes_list(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_validation v = { 0 };
	claims_episode_query q;
	claims_episode_list *l = NULL;
	int rc;

	if (claims_episode_query_parse(&q, p->params, p->n, &v) < 0)
		return validation_failed(cli, &v, episodes_list_map);
	rc = claims_episode_list_get(&l, db, &q, NULL);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json) {
		rc = cli_emit(cli, render_episode_list(l));
	} else {
		printf("%-8s %-8s %-8s %-9s %12s %7s  %s\n", "ID", "CLAIM", "REMIT", "STATUS",
		       "PAID", "DENIALS", "LINKED BY");
		for (size_t i = 0; i < l->count; i++)
			print_episode_row(&l->items[i]);
		print_page_footer("episodes", l->count, l->total, l->skip);
		rc = CLI_OK;
	}
	claims_episode_list_free(l);
	return rc;
}

static int
episodes_show(struct cli *cli, claims_db *db, const struct parsed *p)
{
	claims_episode *e = NULL;
	int64_t id;
	int rc;

	rc = parse_id_arg(cli, p->args[0], &id);
	if (rc != CLI_OK)
		return rc;
	rc = claims_episode_get(&e, db, id);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	if (cli->json) {
		rc = cli_emit(cli, render_episode(e));
	} else {
		char buf[32], n[32];

		snprintf(n, sizeof(n), "%" PRId64, e->id);
		kv("Episode", n);
		snprintf(n, sizeof(n), "%" PRId64, e->claim_id);
		kv("Claim", n);
		snprintf(n, sizeof(n), "%" PRId64, e->remittance_id);
		kv("Remittance", n);
		kv("Status", e->status);
		kv("Paid", amount_text(buf, e->payment));
		snprintf(n, sizeof(n), "%" PRId64 " denials, %" PRId64 " adjustments",
			 e->denial_count, e->adjustment_count);
		kv("Adjustments", n);
		kv("Linked by", e->link_method);
		kv("Linked at", e->linked_at);
		if (e->reversed_by_episode_id) {
			snprintf(n, sizeof(n), "%" PRId64, e->reversed_by_episode_id);
			kv("Reversed by episode", n);
		}
		kv("Created", e->created_at);
		kv("Updated", e->updated_at);
		rc = CLI_OK;
	}
	claims_episode_free(e);
	return rc;
}

int
cmd_episodes(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims episodes list [--claim ID] [--remit ID] [--status S] [--skip N] [--limit N] "
		"| show ID";
	static const struct subcommand subs[] = {
		{ "list", episodes_list_map, 0, NULL, episodes_list },
		{ "show", no_opts, 1, "claims episodes show ID", episodes_show },
		{ NULL, NULL, 0, NULL, NULL },
	};

	return dispatch(cli, argc, argv, subs, usage);
}
