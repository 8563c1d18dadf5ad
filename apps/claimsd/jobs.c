/* claimsd: background ingest jobs (jobs.h). */
#include "config.h"

#include <string.h>

#include "jobs.h"
#include "server.h"

void
jobs_get_counts(struct jobs *j, struct jobs_counts *out)
{
	memset(out, 0, sizeof(*out));
	(void)j;
}
