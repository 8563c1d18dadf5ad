/*
 * The hashed identifiers of the audit trail (spec/security.md §4): which
 * values of a request or a response are PHI-like, and their keyed hashes.
 * Pure code (no threads, no I/O), shared by claimsd's audit writer, the unit
 * tests and the fuzz target.
 *
 * A map holds "path -> h(value)" entries in document order, at most
 * AUDIT_PHI_MAX_ENTRIES, the first ones found.  Examined:
 *   - query parameters, as "query.<name>";
 *   - a JSON document (a request or response body), walked to depth
 *     AUDIT_PHI_MAX_DEPTH (the root container is depth 1), paths dotted with
 *     indices: "claims[3].patient_control_number", "[0].email" for a root
 *     array.
 * A parameter or member whose name, ASCII lower-cased, contains one of
 * patient first_name last_name dob birth ssn member_id subscriber
 * control_number medical_record mrn npi phone email address zip policy
 * group_number account password token secret authorization
 * is recorded and not walked further; other containers are walked.  A path
 * already in the map keeps its first value; paths longer than
 * AUDIT_PHI_PATH_MAX bytes are cut.
 *
 * h(v) = lower-case hex of crypto_generichash (BLAKE2b, 32-byte output)
 * keyed with the PHI key, over the value as text, trimmed of ASCII
 * whitespace and ASCII lower-cased.  The text of a string is its content; of
 * a number its JSON rendering (the shortest of %.15g / %.17g that reads back
 * the same double: 1.50 -> "1.5", 1e2 -> "100"); of true / false the word;
 * of an object or array its canonical JSON (below).  Null, non-finite
 * numbers, values empty after trimming and empty objects or arrays are
 * skipped.
 *
 * Canonical JSON: no whitespace, object keys in ascending byte order (equal
 * keys keep their order), strings escaped as \" \\ \b \f \n \r \t, other
 * control characters as \u00XX, other characters as UTF-8, each byte that is
 * not part of a UTF-8 character as U+FFFD, numbers as above.  Canonical JSON
 * read back gives itself.
 *
 * Without a key (PHI_HASH_KEY not configured) a map records nothing: its
 * JSON is {} and it has no identifier.
 */
#ifndef CLAIMS_APP_AUDIT_PHI_H
#define CLAIMS_APP_AUDIT_PHI_H

#include <stdbool.h>
#include <stddef.h>

#include <claims/claims.h>

#define AUDIT_PHI_MAX_ENTRIES 100
#define AUDIT_PHI_MAX_DEPTH 10
#define AUDIT_PHI_PATH_MAX 512
/* Hex digits of a hash, without the NUL. */
#define AUDIT_PHI_HEX 64

struct audit_phi_map;

/* A new empty map hashing with @p key (32..64 bytes; borrowed, must outlive
 * the map) or, with a NULL key, one that records nothing.  NULL when out of
 * memory or when the key length is outside 16..64. */
struct audit_phi_map *audit_phi_map_new(const unsigned char *key, size_t key_len);
void audit_phi_map_free(struct audit_phi_map *m);

/* Add the matching query parameters (a NULL value is skipped).  0, or -1
 * when out of memory. */
int audit_phi_add_params(struct audit_phi_map *m, const claims_param *params, size_t n);

/* Add the matching members of the JSON document @p json (@p len bytes, no
 * NUL needed).  0; 1 when the text is not JSON (nothing added); -1 when out
 * of memory. */
int audit_phi_add_json(struct audit_phi_map *m, const char *json, size_t len);

/* Entries, in the order they were found. */
size_t audit_phi_map_count(const struct audit_phi_map *m);
const char *audit_phi_map_path(const struct audit_phi_map *m, size_t i);
const char *audit_phi_map_hash(const struct audit_phi_map *m, size_t i);

/* The map's canonical JSON ({"path":"hash",...}, paths in byte order; "{}"
 * when empty), malloc'd (free()); NULL when out of memory. */
char *audit_phi_map_json(const struct audit_phi_map *m);

/* h(canonical JSON of the map) into @p out (65 bytes); false (and "") when
 * the map is empty or out of memory. */
bool audit_phi_map_identifier(const struct audit_phi_map *m, char out[AUDIT_PHI_HEX + 1]);

/* h(text) with @p key; false when out of memory.  An empty trimmed text is
 * hashed too (callers skip it). */
bool audit_phi_hash(char out[AUDIT_PHI_HEX + 1], const unsigned char *key, size_t key_len,
		    const char *text, size_t len);

/* Whether a parameter or member name is PHI-like (the substrings above,
 * ASCII case ignored). */
bool audit_phi_name_matches(const char *name, size_t len);

/* The canonical JSON of a document, malloc'd; NULL when the text is not
 * JSON or out of memory. */
char *audit_phi_canonical_json(const char *json, size_t len);

/* A stored path: at most @p max bytes of @p path (cut before a partial
 * UTF-8 character) with every byte that is not part of a UTF-8 character
 * replaced by '?', into @p out (max + 1 bytes). */
void audit_phi_clean_path(char *out, const char *path, size_t max);

#endif
