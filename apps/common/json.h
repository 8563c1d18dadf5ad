/*
 * JSON rendering shared by claimsd and claims.  apps/common/json.c is the
 * only translation unit that includes cJSON; everything else passes plain C
 * values in and gets a malloc'd string out (free with free()).
 */
#ifndef CLAIMS_APP_JSON_H
#define CLAIMS_APP_JSON_H

#include <stdint.h>

/* {"name": "libclaims", "version": ..., "status": "running"} */
char *json_root_info(void);

/* {"status": "healthy", "version": ...} */
char *json_health(void);

/* {"error": code, "message": message, "details": {}} */
char *json_error(const char *code, const char *message);

/* Money in cents as a JSON number text with two decimals ("-0.01"). */
void json_format_cents(char buf[static 32], int64_t cents);


/* claims migrate --json: {"version", "name", "head", "behind", "applied": [names]} */
char *json_migration_status(int version, const char *name, int head, const char *const *applied,
			    int n_applied);

#endif
