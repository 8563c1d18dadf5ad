/*
 * libclaims: error codes.
 *
 * Every fallible function returns CLAIMS_OK (0) or one of the negative codes
 * below.  The detail of a failure on a database handle is available from
 * claims_db_errmsg() until the next call on that handle.
 */
#ifndef CLAIMS_ERRORS_H
#define CLAIMS_ERRORS_H

#include "common.h"

CLAIMS_BEGIN_DECLS

/** Result codes.  0 is success, every failure is negative. */
typedef enum claims_error {
	CLAIMS_OK = 0,
	CLAIMS_ERROR = -1,      /**< generic failure */
	CLAIMS_EINVAL = -2,     /**< invalid argument from the caller */
	CLAIMS_ENOTFOUND = -3,  /**< the requested item does not exist */
	CLAIMS_EEXISTS = -4,    /**< the item already exists */
	CLAIMS_ECONSTRAINT = -5,/**< a foreign key, unique or check constraint failed */
	CLAIMS_EBUSY = -6,      /**< the database stayed locked past its busy timeout */
	CLAIMS_ENOMEM = -7,     /**< out of memory */
	CLAIMS_ESCHEMA = -8,    /**< database newer than the library, or a migration failed */
	CLAIMS_EDB = -9,        /**< any other SQLite failure */
	CLAIMS_EIO = -10,       /**< reading or writing a file failed */
	CLAIMS_EREFUSED = -11,  /**< input refused as a whole (e.g. an X12 file that cannot be read) */
	/** encrypted raw EDI (spec/security.md §5) could not be read: no data
	 *  key, the wrong key, altered or truncated data, or bytes after the
	 *  end; nothing of it was returned */
	CLAIMS_EDECRYPT = -12,
	CLAIMS_EAUTH = -13,     /**< credentials or a token not accepted (claims/auth.h) */
} claims_error;

/**
 * A static English description of an error code.
 *
 * @param code a claims_error value (unknown values give "unknown error")
 * @return a string owned by the library, never NULL.  Thread-safe.
 */
CLAIMS_API const char *claims_strerror(int code);

/**
 * The name of an error code, e.g. "CLAIMS_ENOTFOUND".
 *
 * @return a static string, never NULL ("CLAIMS_UNKNOWN" for unknown codes).  Thread-safe.
 */
CLAIMS_API const char *claims_error_to_str(int code);

CLAIMS_END_DECLS

#endif /* CLAIMS_ERRORS_H */
