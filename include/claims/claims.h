/*
 * libclaims: a claims and remittance engine for a clinic's revenue cycle.
 *
 * Rules that hold for the whole API:
 *
 * Errors.  Every fallible function returns CLAIMS_OK (0) or a negative
 *   claims_error.  Detail is kept per handle (claims_db_errmsg()); the
 *   static description of a code is claims_strerror().  The library never
 *   prints, exits or aborts on input.
 *
 * Ownership.  What you receive through an out-parameter (T **out) is yours:
 *   release it with the matching claims_<type>_free() or _close(); every
 *   free and close accepts NULL; never free() library memory.  On failure
 *   *out is set to NULL.  Pointers returned directly, and pointers inside a
 *   record, are borrowed: valid until their parent is freed.  Inputs are
 *   copied before the call returns, except long-lived dependencies passed in
 *   options, which must outlive the handles using them.
 *
 * Threads.  A claims_db belongs to one thread at a time; a claims_cache is
 *   shared by all threads and locked inside.  claims_strerror(),
 *   claims_version() and the migration list are thread-safe.
 *
 * Money is int64_t cents; dates are "YYYY-MM-DD" text; timestamps are UTC
 * "YYYY-MM-DDTHH:MM:SSZ".
 */
#ifndef CLAIMS_CLAIMS_H
#define CLAIMS_CLAIMS_H

#include "common.h"
#include "errors.h"
#include "db.h"
#include "x12.h"
#include "ingest.h"
#include "cache.h"
#include "engine.h"
#include "query.h"
#include "jobs.h"
#include "export.h"
#include "adapter.h"
#include "audit.h"
#include "auth.h"
#include "raw.h"

CLAIMS_BEGIN_DECLS

/** The library version, e.g. "0.1.0".  Static storage.  Thread-safe. */
CLAIMS_API const char *claims_version(void);

CLAIMS_END_DECLS

#endif /* CLAIMS_CLAIMS_H */
