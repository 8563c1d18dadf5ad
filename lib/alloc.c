/*
 * libclaims: allocation wrappers.
 *
 * Every allocation of the library goes through here.  In a build with
 * -Dfault_injection=true a test can make the Nth allocation fail and check
 * that each caller unwinds cleanly (no crash, no leak under ASan).
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#ifdef CLAIMS_FAULT_INJECTION
static atomic_long alloc_count;
static atomic_long fail_after = -1;

static int
should_fail(void)
{
	long n = atomic_fetch_add(&alloc_count, 1);
	long limit = atomic_load(&fail_after);
	return limit >= 0 && n >= limit;
}

void
claims__alloc_fail_after(long n)
{
	atomic_store(&alloc_count, 0);
	atomic_store(&fail_after, n);
}

long
claims__alloc_count(void)
{
	return atomic_load(&alloc_count);
}
#else
#define should_fail() 0

void
claims__alloc_fail_after(long n)
{
	(void)n;
}

long
claims__alloc_count(void)
{
	return 0;
}
#endif

void *
claims__malloc(size_t n)
{
	if (should_fail())
		return NULL;
	return malloc(n ? n : 1);
}

void *
claims__calloc(size_t count, size_t size)
{
	if (should_fail())
		return NULL;
	return calloc(count ? count : 1, size ? size : 1);
}

void *
claims__realloc(void *p, size_t n)
{
	if (should_fail())
		return NULL;
	return realloc(p, n ? n : 1);
}

char *
claims__strndup(const char *s, size_t n)
{
	char *copy;

	if (!s)
		return NULL;
	copy = claims__malloc(n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	return copy;
}

char *
claims__strdup(const char *s)
{
	return s ? claims__strndup(s, strlen(s)) : NULL;
}

void
claims__free(void *p)
{
	free(p);
}
