/*
 * The bodies of POST /api/v1/integrations/connect and ehr/fetch-claims
 * (apps/common/render_integrations.c), and the registry's checks of the
 * settings they carry (claims_adapter_connect).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <claims/claims.h>

#include "render_integrations.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size + 1), *filters = NULL;
	claims_validation v = { 0 };
	struct connect_body b;
	claims_adapters *r = NULL;
	const char *type, *name;
	char why[160];

	if (!body)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	if (connect_body_parse(body, &b, &v) == 0) {
		if (claims_adapter_check(&type, &name, b.adapter_type, "body", "adapter_type",
					 b.adapter_name, "body", "adapter_name", &v) == CLAIMS_OK &&
		    claims_adapters_new(&r) == CLAIMS_OK) {
			if (claims_adapter_connect(r, type, name, b.settings, b.n_settings, why,
						   sizeof(why)) == CLAIMS_OK) {
				char buf[32];

				/* a clearinghouse's usage indicator is checked */
				if (strcmp(type, "clearinghouse") == 0 &&
				    claims_adapter_setting_get(buf, sizeof(buf), r, type, name,
							       "usage_indicator") == CLAIMS_OK &&
				    strcmp(buf, "T") != 0 && strcmp(buf, "P") != 0)
					abort(); /* the registry let a bad indicator in */
			}
			claims_adapters_free(r);
		}
		connect_body_free(&b);
	}
	v.count = 0;
	if (filters_body_parse(body, size, &filters, &v) == 0)
		free(filters);
	free(body);
	return 0;
}
