/* Client sockets for the commands that talk to a running claimsd (net.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

int64_t
net_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
net_wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - net_now_ns();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

int
net_connect(const struct addrinfo *addrs, int64_t deadline, int *fd_out)
{
	int err = ECONNREFUSED, one = 1;

	*fd_out = -1;
	for (const struct addrinfo *ai = addrs; ai; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
				ai->ai_protocol);
		socklen_t len = sizeof(err);
		int r;

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			goto connected;
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			continue;
		}
		r = net_wait_fd(fd, POLLOUT, deadline);
		if (r <= 0) {
			err = r == 0 ? ETIMEDOUT : errno;
			close(fd);
			if (r == 0)
				return err;
			continue;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			goto connected;
		if (err == 0)
			err = errno;
		close(fd);
		continue;
connected:
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		*fd_out = fd;
		return 0;
	}
	return err;
}

int
net_send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = net_wait_fd(fd, POLLOUT, deadline);

			if (r <= 0)
				return r == 0 ? ETIMEDOUT : errno;
		} else if (n < 0 && errno != EINTR) {
			return errno;
		}
	}
	return 0;
}

int
net_resolve(const struct loadtest_url *url, struct addrinfo **out, char *err, size_t errlen)
{
	struct addrinfo hints = { 0 };
	int rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | (url->ipv6_literal ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(url->host, url->port, &hints, out);
	if (rc != 0) {
		*out = NULL;
		(void)snprintf(err, errlen, "cannot resolve '%s': %s", url->host,
			       rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	return 0;
}

void
net_host_header(const struct loadtest_url *url, char *buf, size_t len)
{
	bool default_port = strcmp(url->port, "80") == 0;

	(void)snprintf(buf, len, "%s%s%s%s%s", url->ipv6_literal ? "[" : "", url->host,
		       url->ipv6_literal ? "]" : "", default_port ? "" : ":",
		       default_port ? "" : url->port);
}
