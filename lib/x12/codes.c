/* libclaims: issues raised outside the reader take their fixed fields from
 * the reader's code table (issue.c). */
#include "config.h"

#include <string.h>

#include "codes.h"

void
claims__x12_issue_init(claims_x12_issue *issue, claims_x12_code code, claims_x12_mode mode)
{
	const struct claims__x12_code_info *info = claims__x12_code_info(code);

	memset(issue, 0, sizeof(*issue));
	issue->code = info->name;
	issue->code_id = code;
	issue->severity = info->severity;
	issue->fatal = info->fatal;
	issue->refuses_strict = info->refuses_strict;
	issue->refuses = info->fatal || (mode == CLAIMS_X12_STRICT && info->refuses_strict);
	issue->byte_offset = -1;
	issue->message = "";
	issue->details = "{}";
}
