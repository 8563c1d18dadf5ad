/*
 * libclaims internal: building issues outside the reader (the 837/835
 * mappings and the store).  The per-code table (severity, fatal, strict
 * refusal) lives in issue.c, see x12_internal.h.
 */
#ifndef CLAIMS_X12_CODES_H
#define CLAIMS_X12_CODES_H

#include <stdbool.h>

#include "claims/x12.h"
#include "x12_internal.h"

/*
 * Fill the fixed fields of an issue for @p code in @p mode: code, code_id,
 * severity, fatal, refuses_strict, refuses.  Location fields are set to
 * null (0, -1, NULL), message to "" and details to "{}"; the caller sets
 * what it knows.
 */
void claims__x12_issue_init(claims_x12_issue *issue, claims_x12_code code, claims_x12_mode mode);

#endif
