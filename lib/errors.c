/* libclaims: error code descriptions. */
#include "config.h"

#include "claims/errors.h"

const char *
claims_strerror(int code)
{
	switch ((claims_error)code) {
	case CLAIMS_OK: return "success";
	case CLAIMS_ERROR: return "error";
	case CLAIMS_EINVAL: return "invalid argument";
	case CLAIMS_ENOTFOUND: return "not found";
	case CLAIMS_EEXISTS: return "already exists";
	case CLAIMS_ECONSTRAINT: return "constraint violation";
	case CLAIMS_EBUSY: return "database busy";
	case CLAIMS_ENOMEM: return "out of memory";
	case CLAIMS_ESCHEMA: return "schema version error";
	case CLAIMS_EDB: return "database error";
	case CLAIMS_EIO: return "input/output error";
	case CLAIMS_EREFUSED: return "input refused";
	case CLAIMS_EAUTH: return "authentication failed";
	case CLAIMS_EDECRYPT: return "cannot decrypt (missing or wrong data key, or altered data)";
	}
	return "unknown error";
}

const char *
claims_error_to_str(int code)
{
	switch ((claims_error)code) {
	case CLAIMS_OK: return "CLAIMS_OK";
	case CLAIMS_ERROR: return "CLAIMS_ERROR";
	case CLAIMS_EINVAL: return "CLAIMS_EINVAL";
	case CLAIMS_ENOTFOUND: return "CLAIMS_ENOTFOUND";
	case CLAIMS_EEXISTS: return "CLAIMS_EEXISTS";
	case CLAIMS_ECONSTRAINT: return "CLAIMS_ECONSTRAINT";
	case CLAIMS_EBUSY: return "CLAIMS_EBUSY";
	case CLAIMS_ENOMEM: return "CLAIMS_ENOMEM";
	case CLAIMS_ESCHEMA: return "CLAIMS_ESCHEMA";
	case CLAIMS_EDB: return "CLAIMS_EDB";
	case CLAIMS_EIO: return "CLAIMS_EIO";
	case CLAIMS_EREFUSED: return "CLAIMS_EREFUSED";
	case CLAIMS_EAUTH: return "CLAIMS_EAUTH";
	case CLAIMS_EDECRYPT: return "CLAIMS_EDECRYPT";
	}
	return "CLAIMS_UNKNOWN";
}
