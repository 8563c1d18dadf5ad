/*
 * IP addresses and networks: TRUSTED_PROXIES and the client address of a
 * request (spec/security.md §3).
 */
#ifndef CLAIMS_APP_NETADDR_H
#define CLAIMS_APP_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

/* An IPv4 or IPv6 network; IPv4 is kept as its IPv4-mapped IPv6 form. */
struct netaddr_net {
	unsigned char addr[16];
	int prefix; /* bits, 0..128 */
};

/* Parse an address into 16 bytes (IPv4 mapped); false when not an address. */
bool netaddr_parse(const char *text, size_t len, unsigned char out[16]);

/*
 * Parse a comma list of addresses and CIDRs ("10.0.0.0/8, ::1").  Returns
 * the count (>= 0) with *out malloc'd (NULL when empty), or -1 with the bad
 * entry named in @p err.
 */
int netaddr_parse_list(const char *text, struct netaddr_net **out, char *err, size_t errlen);

bool netaddr_in_list(const unsigned char addr[16], const struct netaddr_net *nets, size_t n);

/*
 * The client address of a request from @p peer with the X-Forwarded-For
 * header @p xff (NULL when absent), written to @p out: the peer itself,
 * unless the peer is a trusted proxy; then X-Forwarded-For is read from right
 * to left, trusted proxies skipped, and the first other valid address is the
 * client.  When every entry is trusted, the leftmost is used; a malformed
 * entry stops the walk at the last trusted hop.
 */
void netaddr_client(const char *peer, const char *xff, const struct netaddr_net *trusted,
		    size_t ntrusted, char *out, size_t outlen);

/* Whether @p host names the loopback interface (127.0.0.0/8, ::1, localhost). */
bool netaddr_is_loopback(const char *host);

#endif
