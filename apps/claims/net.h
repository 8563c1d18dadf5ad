/*
 * Plain HTTP/1.1 client sockets for the commands that talk to a running
 * claimsd (loadtest, cache-stats): non-blocking POSIX sockets, every wait a
 * poll() bounded by a deadline on the monotonic clock.
 */
#ifndef CLAIMS_CLI_NET_H
#define CLAIMS_CLI_NET_H

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include "loadtest.h"

/* The monotonic clock in nanoseconds. */
int64_t net_now_ns(void);

/* 1 when @p fd is ready for @p events, 0 at the deadline, -1 with errno. */
int net_wait_fd(int fd, short events, int64_t deadline);

/* Connect to the first of @p addrs that answers (TCP_NODELAY set); *fd_out
 * is the non-blocking socket.  0 or an errno value. */
int net_connect(const struct addrinfo *addrs, int64_t deadline, int *fd_out);

/* Send all @p len bytes.  0 or an errno value. */
int net_send_all(int fd, const char *p, size_t len, int64_t deadline);

/* Resolve the URL's host and port (getaddrinfo); 0, or -1 with the reason
 * in @p err.  Free with freeaddrinfo(). */
int net_resolve(const struct loadtest_url *url, struct addrinfo **out, char *err, size_t errlen);

/* "host", "host:port" or "[v6]:port" for a Host header. */
void net_host_header(const struct loadtest_url *url, char *buf, size_t len);

#endif
