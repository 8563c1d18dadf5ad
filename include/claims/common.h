/*
 * libclaims: shared macros for the public headers.
 *
 * CLAIMS_API marks every exported declaration; everything else in the
 * library is built with hidden visibility.  CLAIMS_WARN_UNUSED goes on every
 * int-returning function so that an ignored error code is a compiler warning.
 */
#ifndef CLAIMS_COMMON_H
#define CLAIMS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) && __GNUC__ >= 4
#define CLAIMS_API __attribute__((visibility("default")))
#define CLAIMS_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define CLAIMS_API
#define CLAIMS_WARN_UNUSED
#endif

#ifdef __cplusplus
#define CLAIMS_BEGIN_DECLS extern "C" {
#define CLAIMS_END_DECLS }
#else
#define CLAIMS_BEGIN_DECLS
#define CLAIMS_END_DECLS
#endif

#endif /* CLAIMS_COMMON_H */
