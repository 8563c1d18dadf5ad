/*
 * claims link REMIT_ID | --all | --claim ID --remit ID
 * claims risk show CLAIM_ID | calculate (CLAIM_ID... | --all [--payer ID])
 * claims patterns detect (--payer ID | --all) [--days N] | list --payer ID | analyze CLAIM_ID
 *
 * Engine settings (RISK_WEIGHT_*, TIMELY_FILING_DAYS, HISTORY_DAYS,
 * LINK_CHARGE_TOLERANCE_CENTS) come from the environment.
 */
#include "config.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "env.h"
#include "render.h"
#include "render_engine.h"

/* Exit status when the engine settings cannot be used (RISK_WEIGHT_* sum to 0). */
#define CLI_CONFIG 78

static const char *
env_get(const char *name, void *payload)
{
	(void)payload;
	return getenv(name);
}

static void
env_warn(claims_log_level level, const char *message, void *payload)
{
	(void)level;
	if (!((const struct cli *)payload)->quiet || level >= CLAIMS_LOG_ERROR)
		fprintf(stderr, "claims: %s\n", message);
}

static int
engine_config(struct cli *cli, claims_engine_config *cfg)
{
	if (claims_engine_config_from_env(cfg, env_get, NULL, env_warn, cli) < 0)
		return cli_error(cli, CLI_CONFIG, "the RISK_WEIGHT_* values sum to 0");
	return CLI_OK;
}

static bool
parse_id(const char *s, int64_t *out)
{
	long n;

	if (!s || !env_parse_int(s, 1, LONG_MAX, &n))
		return false;
	*out = n;
	return true;
}

static int
fail(const struct cli *cli, claims_db *db, int rc)
{
	int code = cli_exit_for(rc);

	cli_error(cli, code, "%s", claims_db_errmsg(db));
	claims_db_close(db);
	return code;
}

/* ---------------------------------------------------------------- link */

int
cmd_link(struct cli *cli, int argc, char **argv)
{
	claims_engine_config cfg;
	claims_db *db = NULL;
	int64_t remit = 0, claim = 0;
	bool all = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "--claim") == 0 && i + 1 < argc) {
			if (!parse_id(argv[++i], &claim))
				return cli_error(cli, CLI_USAGE, "--claim needs an id >= 1");
		} else if (strcmp(argv[i], "--remit") == 0 && i + 1 < argc) {
			if (!parse_id(argv[++i], &remit))
				return cli_error(cli, CLI_USAGE, "--remit needs an id >= 1");
		} else if (argv[i][0] != '-' && !remit && !claim) {
			if (!parse_id(argv[i], &remit))
				return cli_error(cli, CLI_USAGE, "REMIT_ID must be an integer >= 1");
		} else {
			return cli_error(cli, CLI_USAGE, "unknown or incomplete argument '%s'",
					 argv[i]);
		}
	}
	if ((all && (remit || claim)) || (!all && !remit) || (claim && !remit))
		return cli_error(cli, CLI_USAGE,
				 "usage: link REMIT_ID | link --all | link --claim ID --remit ID");
	rc = engine_config(cli, &cfg);
	if (rc != CLI_OK)
		return rc;
	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;

	if (all) {
		claims_link_summary s;

		rc = claims_link_all(&s, db, &cfg);
		if (rc < 0)
			return fail(cli, db, rc);
		claims_db_close(db);
		if (cli->json)
			return cli_emit(cli, render_link_summary(&s));
		if (!cli->quiet)
			printf("Linked %" PRId64 " of %" PRId64 " remittances (%" PRId64
			       " already linked, %" PRId64 " ambiguous, %" PRId64 " unmatched)\n",
			       s.linked, s.remittances, s.already_linked, s.ambiguous, s.unmatched);
		return CLI_OK;
	}
	if (claim) {
		claims_episode *e = NULL;
		bool created = false;

		rc = claims_episode_link(&e, &created, db, claim, remit);
		if (rc < 0)
			return fail(cli, db, rc);
		claims_db_close(db);
		if (cli->json) {
			rc = cli_emit(cli, render_episode(e));
		} else {
			if (!cli->quiet)
				printf("Episode %" PRId64 ": claim %" PRId64 ", remittance %" PRId64
				       " (%s%s)\n",
				       e->id, e->claim_id, e->remittance_id, e->link_method,
				       created ? "" : ", already linked");
			rc = CLI_OK;
		}
		claims_episode_free(e);
		return rc;
	}
	{
		claims_link_result *r = NULL;

		rc = claims_link_remittance(&r, db, remit, &cfg);
		if (rc < 0)
			return fail(cli, db, rc);
		claims_db_close(db);
		if (cli->json) {
			rc = cli_emit(cli, render_link_result(r));
		} else {
			rc = CLI_OK;
			if (!cli->quiet && r->episode)
				printf("Remittance %" PRId64 ": %s to claim %" PRId64 " (episode %" PRId64
				       ", %s)\n",
				       r->remittance_id,
				       r->outcome == CLAIMS_LINK_LINKED ? "linked" : "already linked",
				       r->episode->claim_id, r->episode->id, r->episode->link_method);
			else if (!cli->quiet && r->outcome == CLAIMS_LINK_AMBIGUOUS) {
				printf("Remittance %" PRId64 ": ambiguous, candidate claims", r->remittance_id);
				for (size_t i = 0; i < r->n_candidates; i++)
					printf("%s %" PRId64, i ? "," : "", r->candidates[i]);
				printf("\n");
			} else if (!cli->quiet)
				printf("Remittance %" PRId64 ": no matching claim\n", r->remittance_id);
		}
		claims_link_result_free(r);
		return rc;
	}
}

/* ---------------------------------------------------------------- risk */

static void
print_score(const claims_risk_score *s)
{
	printf("Claim %" PRId64 ": %.2f (%s), calculated %s\n", s->claim_id, s->overall_score,
	       s->risk_level, s->calculated_at);
	printf("  coding %.2f, documentation %.2f, payer %.2f, historical %.2f, pattern %.2f\n",
	       s->coding_risk, s->documentation_risk, s->payer_risk, s->historical_risk,
	       s->pattern_risk);
	for (size_t i = 0; i < s->n_factors; i++)
		printf("  [%s] %s %s (%.2f): %s\n", s->factors[i].severity, s->factors[i].type,
		       s->factors[i].code, s->factors[i].points, s->factors[i].message);
	for (size_t i = 0; i < s->n_recommendations; i++)
		printf("  - %s\n", s->recommendations[i]);
}

/* risk calculate --all [--payer ID] */
static int
risk_all(struct cli *cli, int argc, char **argv)
{
	claims_engine_config cfg;
	claims_risk_summary sum;
	claims_db *db = NULL;
	int64_t payer = 0;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0)
			continue;
		if (strcmp(argv[i], "--payer") == 0 && i + 1 < argc && !payer) {
			if (!parse_id(argv[++i], &payer))
				return cli_error(cli, CLI_USAGE, "--payer needs an id >= 1");
		} else {
			return cli_error(cli, CLI_USAGE,
					 "usage: risk calculate --all [--payer ID]");
		}
	}
	rc = engine_config(cli, &cfg);
	if (rc != CLI_OK)
		return rc;
	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;
	rc = claims_risk_calculate_all(&sum, db, payer, &cfg);
	if (rc < 0)
		return fail(cli, db, rc);
	claims_db_close(db);
	if (cli->json)
		return cli_emit(cli, render_risk_summary(&sum, payer));
	if (!cli->quiet)
		printf("Scored %" PRId64 " claim%s: %" PRId64 " low, %" PRId64 " medium, %" PRId64
		       " high, %" PRId64 " critical\n",
		       sum.claims, sum.claims == 1 ? "" : "s", sum.low, sum.medium, sum.high,
		       sum.critical);
	return CLI_OK;
}

int
cmd_risk(struct cli *cli, int argc, char **argv)
{
	claims_engine_config cfg;
	claims_db *db = NULL;
	bool show;
	int rc;

	if (argc < 3 || (strcmp(argv[1], "show") != 0 && strcmp(argv[1], "calculate") != 0))
		return cli_error(cli, CLI_USAGE,
				 "usage: risk show CLAIM_ID | risk calculate (CLAIM_ID... | --all "
				 "[--payer ID])");
	show = strcmp(argv[1], "show") == 0;
	if (!show) {
		for (int i = 2; i < argc; i++)
			if (strcmp(argv[i], "--all") == 0)
				return risk_all(cli, argc, argv);
	}
	if (show && argc != 3)
		return cli_error(cli, CLI_USAGE, "usage: risk show CLAIM_ID");
	if (cli->json && !show && argc != 3)
		return cli_error(cli, CLI_USAGE, "--json takes one CLAIM_ID");
	for (int i = 2; i < argc; i++) {
		int64_t id = 0;

		if (!parse_id(argv[i], &id))
			return cli_error(cli, CLI_USAGE, "CLAIM_ID must be an integer >= 1");
	}
	rc = engine_config(cli, &cfg);
	if (rc != CLI_OK)
		return rc;
	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;
	for (int i = 2; i < argc; i++) {
		claims_risk_score *s = NULL;
		int64_t id = 0;

		(void)parse_id(argv[i], &id);
		rc = show ? claims_risk_latest(&s, db, id) : claims_risk_calculate(&s, db, id, &cfg);
		if (rc < 0)
			return fail(cli, db, rc);
		if (cli->json) {
			rc = cli_emit(cli, !s ? render_risk_none(id)
					  : show ? render_risk_score(s) : render_risk_calculated(s));
		} else if (!s) {
			printf("Claim %" PRId64 ": risk score not yet calculated\n", id);
		} else {
			print_score(s);
		}
		claims_risk_score_free(s);
		if (rc != CLI_OK)
			break;
	}
	claims_db_close(db);
	return rc;
}

/* ---------------------------------------------------------------- patterns */

static void
print_patterns(const claims_pattern_list *l)
{
	printf("Payer %" PRId64 " (%s): %zu pattern%s\n", l->payer_id,
	       l->payer_name ? l->payer_name : "", l->count, l->count == 1 ? "" : "s");
	for (size_t i = 0; i < l->count; i++) {
		const claims_pattern *p = &l->items[i];

		printf("  #%" PRId64 " %s: frequency %.4f (%" PRId64 " of %" PRId64
		       "), confidence %.4f, conditions %s\n",
		       p->id, p->denial_reason_code, p->frequency, p->occurrence_count,
		       p->adjudicated_count, p->confidence_score, p->conditions_json);
	}
}

int
cmd_patterns(struct cli *cli, int argc, char **argv)
{
	claims_engine_config cfg;
	claims_db *db = NULL;
	const char *sub = argc > 1 ? argv[1] : "";
	int64_t payer = 0, claim = 0;
	long days = 90;
	bool all = false;
	int rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--all") == 0) {
			all = true;
		} else if (strcmp(argv[i], "--payer") == 0 && i + 1 < argc) {
			if (!parse_id(argv[++i], &payer))
				return cli_error(cli, CLI_USAGE, "--payer needs an id >= 1");
		} else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc) {
			if (!env_parse_int(argv[++i], 1, 365, &days))
				return cli_error(cli, CLI_REFUSED, "--days must be 1..365");
		} else if (argv[i][0] != '-' && !claim) {
			if (!parse_id(argv[i], &claim))
				return cli_error(cli, CLI_USAGE, "CLAIM_ID must be an integer >= 1");
		} else {
			return cli_error(cli, CLI_USAGE, "unknown or incomplete argument '%s'",
					 argv[i]);
		}
	}
	if (!((strcmp(sub, "detect") == 0 && (all != (payer != 0)) && !claim) ||
	      (strcmp(sub, "list") == 0 && payer && !all && !claim) ||
	      (strcmp(sub, "analyze") == 0 && claim && !payer && !all)))
		return cli_error(cli, CLI_USAGE,
				 "usage: patterns detect (--payer ID | --all) [--days N] | "
				 "patterns list --payer ID | patterns analyze CLAIM_ID");
	rc = engine_config(cli, &cfg);
	if (rc != CLI_OK)
		return rc;
	rc = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (rc != CLI_OK)
		return rc;

	if (strcmp(sub, "analyze") == 0) {
		claims_pattern_analysis *a = NULL;

		rc = claims_patterns_analyze_claim(&a, db, claim);
		if (rc < 0)
			return fail(cli, db, rc);
		if (cli->json) {
			rc = cli_emit(cli, render_pattern_analysis(a));
		} else {
			printf("Claim %" PRId64 ": %zu matching pattern%s\n", a->claim_id, a->count,
			       a->count == 1 ? "" : "s");
			for (size_t i = 0; i < a->count; i++)
				printf("  #%" PRId64 " %s: match %.4f, confidence %.4f, risk %.2f\n",
				       a->matches[i].pattern.id, a->matches[i].pattern.denial_reason_code,
				       a->matches[i].match_score,
				       a->matches[i].pattern.confidence_score,
				       a->matches[i].pattern_risk);
		}
		claims_pattern_analysis_free(a);
	} else if (all) {
		claims_pattern_detect_summary *s = NULL;

		rc = claims_patterns_detect_all(&s, db, (int)days, &cfg);
		if (rc < 0)
			return fail(cli, db, rc);
		if (cli->json) {
			rc = cli_emit(cli, render_pattern_detect_all(s));
		} else {
			if (!cli->quiet)
				for (size_t i = 0; i < s->n_payers; i++)
					printf("Payer %" PRId64 ": %" PRId64 " pattern%s\n",
					       s->payer_ids[i], s->pattern_counts[i],
					       s->pattern_counts[i] == 1 ? "" : "s");
			printf("%zu payers, %" PRId64 " patterns\n", s->n_payers, s->total_patterns);
		}
		claims_pattern_detect_summary_free(s);
	} else {
		claims_pattern_list *l = NULL;
		bool detect = strcmp(sub, "detect") == 0;

		rc = detect ? claims_patterns_detect(&l, db, payer, (int)days, &cfg)
			    : claims_patterns_list(&l, db, payer);
		if (rc < 0)
			return fail(cli, db, rc);
		if (cli->json)
			rc = cli_emit(cli, render_pattern_list(l, detect));
		else
			print_patterns(l);
		claims_pattern_list_free(l);
	}
	claims_db_close(db);
	return rc;
}
