/*
 * libclaims: integration adapters (spec/api.md §4.9).
 *
 * An adapter is named by a type and a name, compared without regard to
 * case: ("ehr", "epic"), ("clearinghouse", "change_healthcare") and
 * ("clearinghouse", "x12").  No other pair exists.  The library ships no
 * connection to any outside system: an application registers an
 * implementation (a struct of callbacks) for a pair in a registry, and the
 * registry routes connect, test and fetch calls to it.  The x12
 * clearinghouse adapter needs none: it only generates the 837 locally
 * (claims/export.h) and is always connected.
 *
 * A registry is shared by all threads and locked inside; the callbacks of
 * an implementation are called without the lock held, from whichever
 * thread calls the registry, so they must be thread-safe themselves.  An
 * implementation stays registered until the registry is freed.
 *
 * Settings given to claims_adapter_connect() are kept in the registry's
 * memory only, copied; the library never writes them anywhere.
 */
#ifndef CLAIMS_ADAPTER_H
#define CLAIMS_ADAPTER_H

#include "common.h"
#include "query.h"

CLAIMS_BEGIN_DECLS

/** One setting given to connect (a config entry). */
typedef struct claims_adapter_setting {
	const char *key;
	const char *value;
} claims_adapter_setting;

/** At most this many settings, keys of at most 128 bytes and values of at
 *  most 4096 bytes. */
#define CLAIMS_ADAPTER_MAX_SETTINGS 64
#define CLAIMS_ADAPTER_MAX_KEY 128
#define CLAIMS_ADAPTER_MAX_VALUE 4096

/**
 * Receives one fetched claim: a JSON object text, borrowed for the call.
 * Return CLAIMS_OK to go on, or a negative claims_error to stop the fetch
 * (that code is then returned by the fetch).
 */
typedef int (*claims_adapter_claim_cb)(const char *claim_json, void *payload);

#define CLAIMS_ADAPTER_IMPL_VERSION 1

/** An implementation of an adapter.  Every callback may be NULL. */
typedef struct claims_adapter_impl {
	/** CLAIMS_ADAPTER_IMPL_VERSION. */
	unsigned version;
	/** New settings for the connection (claims_adapter_connect()).
	 *  Return CLAIMS_OK, CLAIMS_EINVAL when they are refused, or another
	 *  negative code when the system cannot be reached.  NULL: accepted.
	 *  The settings are borrowed for the call. */
	int (*connect)(void *impl_payload, const claims_adapter_setting *settings, size_t n);
	/** Whether the outside system answers now.  NULL: connected. */
	int (*test_connection)(void *impl_payload, bool *connected);
	/** Hand every claim of the outside system in [start_date, end_date]
	 *  ("YYYY-MM-DD", inclusive) matching @p filters_json (a JSON object
	 *  text, "{}" when none) to @p emit.  NULL: the adapter fetches
	 *  nothing (claims_adapter_fetch_claims() answers CLAIMS_ENOTFOUND). */
	int (*fetch_claims)(void *impl_payload, const char *start_date, const char *end_date,
			    const char *filters_json, claims_adapter_claim_cb emit,
			    void *emit_payload);
	/** Called once with impl_payload when the registry is freed.  NULL:
	 *  nothing to release. */
	void (*release)(void *impl_payload);
} claims_adapter_impl;

/** A registry of adapter implementations and connection settings. */
typedef struct claims_adapters claims_adapters;

/**
 * A module that registers implementations, loaded by an application at
 * startup (claimsd: CLAIMS_ADAPTER_MODULES), exports a function of this
 * type named "claims_adapter_module_init".  It returns CLAIMS_OK or a
 * negative claims_error; @p errbuf (of @p errlen bytes) may receive a
 * sentence on failure.
 */
typedef int (*claims_adapter_module_init_fn)(claims_adapters *registry, char *errbuf,
					     size_t errlen);

/**
 * A new, empty registry.
 * @param out receives it; NULL on failure.  Yours: claims_adapters_free().
 * @return CLAIMS_OK; CLAIMS_EINVAL; CLAIMS_ENOMEM.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapters_new(claims_adapters **out);

/** Free a registry, releasing every implementation's payload and every
 *  stored setting.  NULL is accepted.  No call may be in progress. */
CLAIMS_API void claims_adapters_free(claims_adapters *registry);

/**
 * The canonical (lower-case, static) names of a known adapter.
 *
 * @param type_out receives the type ("ehr", "clearinghouse"); may be NULL
 * @param name_out receives the name ("epic", "change_healthcare", "x12");
 *        may be NULL
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL, or a type that is neither ehr
 *         nor clearinghouse); CLAIMS_ENOTFOUND (a known type without an
 *         adapter of that name).
 * Thread-safety: safe (no shared state).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_lookup(const char **type_out,
							const char **name_out, const char *type,
							const char *name);

/**
 * As claims_adapter_lookup(), reporting an unknown pair as one validation
 * problem of type "unknown_adapter" in @p v: on the type (@p type_param,
 * e.g. "adapter_type") when the type is unknown, else on the name
 * (@p name_param).  @p where is "path", "query" or "body"; the names are
 * static text.  The message lists the known names, e.g. "must be one of:
 * change_healthcare, x12".
 *
 * @return CLAIMS_OK; CLAIMS_EINVAL (the problem is in @p v).
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_check(const char **type_out,
						       const char **name_out, const char *type,
						       const char *type_where,
						       const char *type_param, const char *name,
						       const char *name_where,
						       const char *name_param,
						       claims_validation *v);

/**
 * Register @p impl (copied) for a known adapter.
 *
 * @param impl_payload passed to every callback; the registry releases it
 *        with impl->release when it is freed.  On failure nothing is kept
 *        and nothing is released.
 * @return CLAIMS_OK; CLAIMS_EINVAL (NULL, unknown pair, wrong impl
 *         version, or the x12 adapter, which is built in);
 *         CLAIMS_EEXISTS (an implementation is already registered).
 * Thread-safety: safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_register(claims_adapters *registry,
							  const char *type, const char *name,
							  const claims_adapter_impl *impl,
							  void *impl_payload);

/** Whether an implementation is registered for the pair (false for an
 *  unknown pair and for x12, which needs none).  Thread-safe. */
CLAIMS_API bool claims_adapter_is_registered(claims_adapters *registry, const char *type,
					     const char *name);

/**
 * Connect: keep a copy of @p settings as the adapter's configuration
 * (replacing earlier ones) after the implementation, when registered,
 * accepted them.  For clearinghouse adapters the library itself reads
 * "usage_indicator" (T or P), "sender_id" and "receiver_id" (as
 * claims_export_options says); other keys are the implementation's.
 *
 * @param errbuf receives a sentence on CLAIMS_EINVAL (never a value); may
 *        be NULL
 * @return CLAIMS_OK; CLAIMS_EINVAL (unknown pair, too many or too long
 *         settings, an empty or repeated key, a bad value of a key the
 *         library reads, or refused by the implementation); CLAIMS_ENOMEM;
 *         another negative code from the implementation.
 * Thread-safety: safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_connect(claims_adapters *registry,
							 const char *type, const char *name,
							 const claims_adapter_setting *settings,
							 size_t n, char *errbuf, size_t errlen);

/**
 * A copy of the value of setting @p key of the adapter's last connect.
 * @return CLAIMS_OK; CLAIMS_ENOTFOUND (not set); CLAIMS_EINVAL (unknown
 *         pair, NULL, or @p len too small).
 * Thread-safety: safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_setting_get(char *buf, size_t len,
							     claims_adapters *registry,
							     const char *type, const char *name,
							     const char *key);

/**
 * Test the connection: x12 is always connected; another adapter is
 * connected when an implementation is registered and its test_connection
 * (when it has one) says so.
 * @return CLAIMS_OK; CLAIMS_EINVAL (unknown pair); a negative code of the
 *         implementation, which counts as not connected.
 * Thread-safety: safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_test(bool *connected, claims_adapters *registry,
						      const char *type, const char *name);

/**
 * Fetch claims from EHR adapter @p name through its implementation.
 * @return CLAIMS_OK; CLAIMS_EINVAL (unknown EHR adapter, NULL, bad dates,
 *         start after end); CLAIMS_ENOTFOUND (no implementation, or one
 *         without fetch_claims); the implementation's or @p emit's code.
 * Thread-safety: safe.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_fetch_claims(claims_adapters *registry,
							      const char *name,
							      const char *start_date,
							      const char *end_date,
							      const char *filters_json,
							      claims_adapter_claim_cb emit,
							      void *emit_payload);

/** POST /api/v1/integrations/ehr/fetch-claims parameters, parsed. */
typedef struct claims_adapter_fetch_query {
	const char *adapter_name; /**< canonical, static */
	char start_date[11];      /**< YYYY-MM-DD */
	char end_date[11];
} claims_adapter_fetch_query;

/**
 * Parse adapter_name (required; an EHR adapter, else "unknown_adapter"),
 * start_date and end_date (required; "YYYY-MM-DD", else "date_parsing";
 * end before start: "range" on end_date).  Every problem is reported.
 * @return CLAIMS_OK; CLAIMS_EINVAL with the problems in @p v.
 */
CLAIMS_API CLAIMS_WARN_UNUSED int claims_adapter_fetch_query_parse(
	claims_adapter_fetch_query *out, const claims_param *params, size_t n,
	claims_validation *v);

CLAIMS_END_DECLS

#endif /* CLAIMS_ADAPTER_H */
