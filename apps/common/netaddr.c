/* IP addresses and networks (spec/security.md §3). */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

bool
netaddr_parse(const char *text, size_t len, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN + 1];
	struct in_addr v4;

	while (len && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

static bool
is_mapped_v4(const unsigned char a[16])
{
	static const unsigned char prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(a, prefix, 12) == 0;
}

int
netaddr_parse_list(const char *text, struct netaddr_net **out, char *err, size_t errlen)
{
	struct netaddr_net *nets = NULL;
	int n = 0, cap = 0;
	const char *p = text ? text : "";

	*out = NULL;
	while (*p) {
		const char *end = strchr(p, ','), *slash;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		struct netaddr_net net;
		size_t alen;

		while (len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (len == 0)
			goto next;
		slash = memchr(p, '/', len);
		alen = slash ? (size_t)(slash - p) : len;
		if (!netaddr_parse(p, alen, net.addr))
			goto bad;
		net.prefix = 128;
		if (slash) {
			long bits = 0;
			const char *d = slash + 1;

			if (d == p + len)
				goto bad;
			for (; d < p + len; d++) {
				if (*d < '0' || *d > '9' || bits > 128)
					goto bad;
				bits = bits * 10 + (*d - '0');
			}
			if (is_mapped_v4(net.addr)) {
				if (bits > 32)
					goto bad;
				bits += 96;
			}
			if (bits > 128)
				goto bad;
			net.prefix = (int)bits;
		}
		if (n == cap) {
			struct netaddr_net *grown;

			cap = cap ? cap * 2 : 4;
			grown = realloc(nets, (size_t)cap * sizeof(*nets));
			if (!grown) {
				snprintf(err, errlen, "out of memory");
				free(nets);
				return -1;
			}
			nets = grown;
		}
		nets[n++] = net;
next:
		if (!end)
			break;
		p = end + 1;
	}
	*out = nets;
	return n;
bad:
	snprintf(err, errlen, "'%.*s' is not an address or CIDR",
		 (int)(strcspn(p, ",") > 64 ? 64 : strcspn(p, ",")), p);
	free(nets);
	return -1;
}

static bool
in_net(const unsigned char a[16], const struct netaddr_net *net)
{
	int full = net->prefix / 8, rest = net->prefix % 8;

	if (memcmp(a, net->addr, (size_t)full) != 0)
		return false;
	if (rest) {
		unsigned char mask = (unsigned char)(0xff << (8 - rest));

		return (a[full] & mask) == (net->addr[full] & mask);
	}
	return true;
}

bool
netaddr_in_list(const unsigned char addr[16], const struct netaddr_net *nets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (in_net(addr, &nets[i]))
			return true;
	return false;
}

void
netaddr_client(const char *peer, const char *xff, const struct netaddr_net *trusted,
	       size_t ntrusted, char *out, size_t outlen)
{
	unsigned char a[16];
	size_t pos;

	snprintf(out, outlen, "%s", peer);
	if (!xff || ntrusted == 0 || !netaddr_parse(peer, strlen(peer), a) ||
	    !netaddr_in_list(a, trusted, ntrusted))
		return;
	pos = strlen(xff);
	for (;;) {
		size_t start = pos, len;
		const char *e;

		while (start > 0 && xff[start - 1] != ',')
			start--;
		if (!netaddr_parse(xff + start, pos - start, a))
			return; /* malformed: keep the last trusted hop */
		e = xff + start;
		len = pos - start;
		while (len && (*e == ' ' || *e == '\t')) {
			e++;
			len--;
		}
		while (len && (e[len - 1] == ' ' || e[len - 1] == '\t'))
			len--;
		snprintf(out, outlen, "%.*s", (int)len, e);
		if (!netaddr_in_list(a, trusted, ntrusted) || start == 0)
			return;
		pos = start - 1;
	}
}

bool
netaddr_is_loopback(const char *host)
{
	unsigned char a[16];
	static const unsigned char v6_loopback[16] = { [15] = 1 };

	if (strcasecmp(host, "localhost") == 0)
		return true;
	if (!netaddr_parse(host, strlen(host), a))
		return false;
	if (is_mapped_v4(a))
		return a[12] == 127;
	return memcmp(a, v6_loopback, 16) == 0;
}
