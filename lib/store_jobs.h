/* libclaims internal: the job store's writes used by lib/jobs.c. */
#ifndef CLAIMS_STORE_JOBS_H
#define CLAIMS_STORE_JOBS_H

#include <stdint.h>

#include "internal.h"

/* A queued job for file @p file_id expecting @p expected ("837", "835", "any"). */
int claims__store_job_insert(claims_db *db, int64_t *id_out, int64_t file_id,
			     const char *expected);
/* An existing, not ingested file row received again for a new job:
 * status received, the new name, mode and practice, earlier error cleared. */
int claims__store_file_receive_again(claims_db *db, int64_t id, const char *filename,
				     const char *mode, const char *practice_id);
/* The queued or running job of file @p file_id, 0 when none. */
int claims__store_job_active_for_file(claims_db *db, int64_t file_id, int64_t *job_out);

#endif
