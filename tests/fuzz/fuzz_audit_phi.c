/*
 * Fuzz target: the audit trail's PHI maps (apps/common/audit_phi.c), which
 * read request and response bodies and query strings from outside.
 *
 * The input is used three ways: as a JSON document (the map of a body), as
 * a query string split on '&' and '=' (the map of the parameters), and as a
 * path for audit_phi_clean_path().  Invariants checked on every input: at
 * most 100 entries, each path at most 512 bytes and each hash 64 lower-case
 * hex digits; the map's JSON is canonical (reading it back gives itself)
 * and its identifier exists exactly when the map has entries; the canonical
 * JSON of any document reads back as itself; a cleaned path is valid UTF-8
 * within its limit.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit_phi.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static const unsigned char key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
				       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };

static void
check_map(const struct audit_phi_map *m)
{
	size_t n = audit_phi_map_count(m);
	char id[AUDIT_PHI_HEX + 1], *json, *again;

	check(n <= AUDIT_PHI_MAX_ENTRIES);
	for (size_t i = 0; i < n; i++) {
		const char *h = audit_phi_map_hash(m, i);

		check(strlen(audit_phi_map_path(m, i)) <= AUDIT_PHI_PATH_MAX);
		check(strlen(h) == AUDIT_PHI_HEX);
		check(strspn(h, "0123456789abcdef") == AUDIT_PHI_HEX);
	}
	json = audit_phi_map_json(m);
	if (!json)
		return; /* out of memory */
	again = audit_phi_canonical_json(json, strlen(json));
	check(again && strcmp(again, json) == 0);
	check(audit_phi_map_identifier(m, id) == (n > 0));
	free(again);
	free(json);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct audit_phi_map *m;
	char *text, *canon, *path;
	claims_param params[32];
	size_t np = 0;

	/* A body. */
	m = audit_phi_map_new(key, sizeof(key));
	if (!m)
		return 0;
	check(audit_phi_add_json(m, (const char *)data, size) >= 0);
	check_map(m);
	audit_phi_map_free(m);

	canon = audit_phi_canonical_json((const char *)data, size);
	if (canon) {
		char *again = audit_phi_canonical_json(canon, strlen(canon));

		check(again && strcmp(again, canon) == 0);
		free(again);
		free(canon);
	}

	/* A query string. */
	text = malloc(size + 1);
	path = malloc(size + 1);
	if (!text || !path) {
		free(text);
		free(path);
		return 0;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	for (char *p = text; p && np < 32;) {
		char *amp = strchr(p, '&'), *eq;

		if (amp)
			*amp = '\0';
		eq = strchr(p, '=');
		if (eq)
			*eq = '\0';
		params[np].name = p;
		params[np].value = eq ? eq + 1 : NULL;
		np++;
		p = amp ? amp + 1 : NULL;
	}
	m = audit_phi_map_new(key, sizeof(key));
	if (m) {
		check(audit_phi_add_params(m, params, np) == 0);
		check_map(m);
		audit_phi_map_free(m);
	}

	/* A path. */
	memcpy(text, data, size);
	text[size] = '\0';
	audit_phi_clean_path(path, text, 500);
	check(strlen(path) <= 500);
	check(json_is_valid_utf8(path, strlen(path)));
	free(text);
	free(path);
	return 0;
}
