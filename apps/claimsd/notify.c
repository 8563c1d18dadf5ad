/*
 * claimsd: the notification hub and /ws/notifications (notify.h).
 *
 * Threads.  CivetWeb gives each WebSocket a worker thread that reads its
 * frames and calls ws_data(); the hub adds one writer thread per client.
 * Producers render a message once, wrap it in a reference-counted struct
 * msg and append it to each client's ring (NOTIFY_QUEUE_MAX); they take the
 * hub lock and each client's lock only to append, never to send.  The
 * writer sends the ring in order, and the control frames (pong, ping,
 * close); frames are written under the client's send lock so that nothing
 * follows a close frame.  Replies to a client's own frames (ack, error) go
 * through its ring as well: one writer path.
 *
 * Closing.  CivetWeb 1.15 has no call that ends a WebSocket from another
 * thread: its reader only stops on a close frame, the end of the stream, an
 * error or the server's stop.  So the hub keeps the connection's socket
 * descriptor (found at open: the kernel's TCP table names the inode of the
 * socket between the server's port and the client's address and port, and
 * /proc/self/fd the descriptor linking to it) and, when a client must go
 * (no pong, a failed send, no answer to our close frame within
 * CLOSE_WAIT_SECONDS), shuts it down: the reader sees the end of the
 * stream, CivetWeb calls ws_close(), which joins the writer and frees the
 * client.  shutdown() never closes the descriptor, and ws_close() runs
 * before CivetWeb closes it, so the number cannot be reused meanwhile.
 *
 * Admission (ws_connect, before the upgrade): ws_admit() decides; a refusal
 * is an ordinary HTTP error answer and CivetWeb then closes the connection.
 * The admission reserves a place among WS_MAX_CLIENTS, taken over by
 * ws_ready() on the same thread.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "json.h"
#include "metrics.h"
#include "notify.h"
#include "render.h"
#include "server.h"

/* A client that was sent a close frame gets this long to answer it. */
#define CLOSE_WAIT_SECONDS 5.0
#define WRITER_STACK (256 * 1024)
/* The kernel's send buffer of a WebSocket. */
#define WS_SNDBUF 65536

enum {
	OP_CONTINUATION = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xa,
};

/* One rendered message, shared by every queue it is in. */
struct msg {
	atomic_int refs;
	size_t len;
	char data[];
};

struct client {
	struct mg_connection *conn;
	int fd; /* the socket, -1 when it was not found */
	pthread_t writer;
	bool has_writer;

	/* mu guards everything below; send_mu is held while a frame is written. */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t send_mu;

	struct msg *ring[NOTIFY_QUEUE_MAX];
	unsigned head, count;
	bool open;   /* takes broadcasts */
	bool done;   /* ws_close() ran: the writer exits */
	bool dropped; /* the socket was shut down */
	/* A close the writer is to send: code, reason, after the ring or not. */
	int close_code;
	char close_reason[64];
	bool close_after_ring;
	bool close_sent;
	double close_deadline;
	enum notify_reason reason;
	bool reason_set;
	/* Control frames. */
	bool pong_due;
	unsigned char pong_data[125];
	size_t pong_len;
	double next_ping, ping_sent;
	bool awaiting_pong;
	int64_t expires_at; /* unix seconds, 0 = never */

	/* A fragmented message being put together (reader thread only). */
	char *frag;
	size_t frag_len;
	int frag_opcode; /* 0 = none in progress */
	bool frag_skip;  /* too large: the rest of it is ignored */

	struct client *prev, *next;
};

/* What ws_admit() decided, handed to ws_ready() on the same thread. */
struct ws_admission {
	/* When the client's authorisation ends (unix seconds; 0 = never): the
	 * writer closes it with 4401 at that time.  Set by the security check
	 * from the token's exp. */
	int64_t expires_at;
};

static _Thread_local struct ws_admission admitted;
static _Thread_local bool admitted_valid;

static struct {
	pthread_mutex_t mu;
	struct client *head;
	int connected; /* in the list */
	int reserved;  /* admitted, not yet ready */
	struct notify_config cfg;
	atomic_int active; /* clients taking broadcasts: producers skip all work at 0 */
	atomic_int connected_gauge;
	_Atomic uint64_t disconnects[NOTIFY_N_REASONS];
	bool stopping;
} hub = { .mu = PTHREAD_MUTEX_INITIALIZER };

/* ------------------------------------------------------------ settings */

int
notify_config_read(struct notify_config *cfg, char *err, size_t errlen)
{
	long max = 100, ping = 30, pong = 60;

	if (!env_int("WS_MAX_CLIENTS", 1, 10000, &max, err, errlen, "1..10000") ||
	    !env_int("WS_PING_INTERVAL_SECONDS", 1, 3600, &ping, err, errlen, "1..3600") ||
	    !env_int("WS_PONG_TIMEOUT_SECONDS", 1, 3600, &pong, err, errlen, "1..3600"))
		return -1;
	cfg->max_clients = (int)max;
	cfg->ping_interval = (int)ping;
	cfg->pong_timeout = (int)pong;
	return 0;
}

int
notify_threads(const struct notify_config *cfg)
{
	return cfg->max_clients;
}

int
notify_clients(void)
{
	return atomic_load(&hub.connected_gauge);
}

const char *
notify_reason_name(enum notify_reason r)
{
	switch (r) {
	case NOTIFY_CLOSED_BY_CLIENT: return "client";
	case NOTIFY_OVERFLOW: return "overflow";
	case NOTIFY_TOO_LARGE: return "too_large";
	case NOTIFY_PROTOCOL: return "protocol";
	case NOTIFY_PING_TIMEOUT: return "ping_timeout";
	case NOTIFY_EXPIRED: return "expired";
	case NOTIFY_SEND_FAILED: return "send_failed";
	case NOTIFY_SHUTDOWN: return "shutdown";
	case NOTIFY_N_REASONS: break;
	}
	return "unknown";
}

uint64_t
notify_disconnects(enum notify_reason r)
{
	return r < NOTIFY_N_REASONS ? atomic_load(&hub.disconnects[r]) : 0;
}

/* ------------------------------------------------------------ messages */

static struct msg *
msg_new(const char *text, size_t len)
{
	struct msg *m = malloc(sizeof(*m) + len);

	if (!m)
		return NULL;
	atomic_init(&m->refs, 1);
	m->len = len;
	memcpy(m->data, text, len);
	return m;
}

static void
msg_unref(struct msg *m)
{
	if (m && atomic_fetch_sub(&m->refs, 1) == 1)
		free(m);
}

static double
now_mono(void)
{
	return metrics_now();
}

/* Ask the writer to close with @p code (the first request wins); with
 * @p after_ring the queued messages go first.  Under c->mu.  The client
 * stops taking broadcasts. */
static void
request_close(struct client *c, int code, const char *reason, bool after_ring,
	      enum notify_reason why)
{
	if (c->open) {
		c->open = false;
		atomic_fetch_sub(&hub.active, 1);
	}
	if (c->close_code || c->close_sent || c->dropped)
		return;
	c->close_code = code;
	snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason);
	c->close_after_ring = after_ring;
	if (!after_ring) {
		while (c->count) {
			msg_unref(c->ring[c->head]);
			c->head = (c->head + 1) % NOTIFY_QUEUE_MAX;
			c->count--;
		}
	}
	if (!c->reason_set) {
		c->reason = why;
		c->reason_set = true;
		atomic_fetch_add(&hub.disconnects[why], 1);
	}
	pthread_cond_signal(&c->cv);
}

/* Append @p m to the client's ring (a reference is taken).  A full ring
 * closes the client with 1013.  Under c->mu. */
static void
push(struct client *c, struct msg *m, bool broadcast)
{
	if (c->done || c->close_code || c->close_sent || (broadcast && !c->open))
		return;
	if (c->count == NOTIFY_QUEUE_MAX) {
		request_close(c, 1013, "Send queue full", false, NOTIFY_OVERFLOW);
		return;
	}
	atomic_fetch_add(&m->refs, 1);
	c->ring[(c->head + c->count) % NOTIFY_QUEUE_MAX] = m;
	c->count++;
	pthread_cond_signal(&c->cv);
}

/* Send @p json (owned, freed here) to every client. */
static void
broadcast(char *json)
{
	struct msg *m;

	if (!json)
		return;
	m = msg_new(json, strlen(json));
	free(json);
	if (!m)
		return;
	pthread_mutex_lock(&hub.mu);
	for (struct client *c = hub.head; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		push(c, m, true);
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&hub.mu);
	msg_unref(m);
}

/* A reply of type @p type to one client. */
static void
reply(struct client *c, const char *type, const char *message)
{
	char ts[32], *json;
	struct msg *m;

	render_utc_now(ts);
	json = render_notify_reply(type, message, ts);
	if (!json)
		return;
	m = msg_new(json, strlen(json));
	free(json);
	if (!m)
		return;
	pthread_mutex_lock(&c->mu);
	push(c, m, false);
	pthread_mutex_unlock(&c->mu);
	msg_unref(m);
}

bool
notify_active(void)
{
	return atomic_load_explicit(&hub.active, memory_order_relaxed) > 0;
}

static bool
active(void)
{
	return notify_active();
}

/* ------------------------------------------------------------ producers */

void
notify_risk_score(const claims_risk_score *s)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_risk(s, ts));
}

void
notify_claim_processed(int64_t claim_id, const char *ccn, const char *status)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_claim(claim_id, ccn, status, ts));
}

void
notify_remittance_processed(int64_t remittance_id, const char *ccn, bool has_payment,
			    int64_t payment_cents, const char *status)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_remittance(remittance_id, ccn, has_payment, payment_cents, status,
					   ts));
}

void
notify_episode_linked(int64_t episode_id, int64_t claim_id, int64_t remittance_id,
		      const char *status)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_episode_linked(episode_id, claim_id, remittance_id, status, ts));
}

void
notify_episode_completed(int64_t episode_id, int64_t claim_id, int64_t remittance_id)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_episode_completed(episode_id, claim_id, remittance_id, ts));
}

void
notify_episode_status_changed(int64_t episode_id, int64_t claim_id, const char *old_status,
			      const char *new_status)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_episode_status(episode_id, claim_id, old_status, new_status, ts));
}

void
notify_file_processed(const struct notify_file *f, const char *status, int64_t claims_created,
		      int64_t remittances_created)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_file_processed(f, status, claims_created, remittances_created, ts));
}

void
notify_file_progress(const struct notify_file *f, const char *stage, double progress,
		     int64_t current, int64_t total)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_file_progress(f, stage, progress, current, total, ts));
}

void
notify_job_failed(int64_t job_id, const char *filename, const char *error_json)
{
	char ts[32];

	if (!active())
		return;
	render_utc_now(ts);
	broadcast(render_notify_job_failed(job_id, filename, error_json, ts));
}

/* ------------------------------------------------------------ the writer */

/* The inode of the TCP socket in @p table (/proc/self/net/tcp or tcp6)
 * whose local port is @p lport and whose peer is @p peer (@p words 32-bit
 * words, as the kernel holds them) port @p rport; 0 when none is. */
static unsigned long
table_inode(const char *table, const uint32_t *peer, int words, unsigned lport, unsigned rport)
{
	char line[512];
	unsigned long found = 0;
	FILE *f = fopen(table, "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		char local[40], remote[40];
		unsigned lp, rp, state;
		unsigned long inode;
		uint32_t addr[4] = { 0 };

		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*s %*s %lu",
			   local, &lp, remote, &rp, &state, &inode) != 6)
			continue; /* the header */
		if (lp != lport || rp != rport || strlen(remote) != (size_t)words * 8)
			continue;
		/* Each 32-bit word as the kernel holds it, printed in hex. */
		for (int i = 0; i < words; i++) {
			char w[9];

			memcpy(w, remote + 8 * i, 8);
			w[8] = '\0';
			addr[i] = (uint32_t)strtoul(w, NULL, 16);
		}
		if (memcmp(addr, peer, (size_t)words * 4) == 0)
			found = inode;
	}
	fclose(f);
	return found;
}

/* The inode of the connection's socket, from the kernel's tables of TCP
 * sockets: the one whose local port is the server's and whose peer is the
 * client (an IPv4 client of an IPv6 socket is in tcp6, mapped); 0 when not
 * found. */
static unsigned long
socket_inode(const struct mg_request_info *ri)
{
	unsigned lport = (unsigned)ri->server_port, rport = (unsigned)ri->remote_port;
	unsigned char v6[16];
	uint32_t peer[4];
	unsigned long inode;

	if (inet_pton(AF_INET6, ri->remote_addr, v6) == 1) {
		memcpy(peer, v6, 16);
		return table_inode("/proc/self/net/tcp6", peer, 4, lport, rport);
	}
	if (inet_pton(AF_INET, ri->remote_addr, peer) != 1)
		return 0;
	inode = table_inode("/proc/self/net/tcp", peer, 1, lport, rport);
	if (inode)
		return inode;
	memset(v6, 0, 10);
	v6[10] = v6[11] = 0xff;
	memcpy(v6 + 12, peer, 4);
	memcpy(peer, v6, 16);
	return table_inode("/proc/self/net/tcp6", peer, 4, lport, rport);
}

/* The connection's socket descriptor: the one that links to its inode.
 * Only names are read (/proc/self/fd): no other descriptor is touched.
 * -1 when not found. */
static int
find_socket(const struct mg_connection *conn)
{
	unsigned long inode = socket_inode(mg_get_request_info(conn));
	char want[48], path[64], target[64];
	DIR *d;
	struct dirent *e;
	int found = -1;

	if (!inode)
		return -1;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		ssize_t n;

		if (*end || end == e->d_name || fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%ld", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, want) == 0)
			found = (int)fd;
	}
	closedir(d);
	return found;
}

/* End the connection now: CivetWeb's reader sees the end of the stream.
 * Under c->mu. */
static void
drop(struct client *c)
{
	if (c->dropped)
		return;
	c->dropped = true;
	if (c->open) {
		c->open = false;
		atomic_fetch_sub(&hub.active, 1);
	}
	if (c->fd >= 0)
		(void)shutdown(c->fd, SHUT_RDWR);
}

/* Write one frame; false when it did not go out whole. */
static bool
send_frame(struct client *c, int opcode, const void *data, size_t len)
{
	int n;

	pthread_mutex_lock(&c->send_mu);
	n = mg_websocket_write(c->conn, opcode, data, len);
	pthread_mutex_unlock(&c->send_mu);
	return len == 0 ? n > 0 : n == (int)len;
}

static void
send_close(struct client *c, int code, const char *reason)
{
	unsigned char frame[2 + 64];
	size_t n = strlen(reason);

	if (n > sizeof(frame) - 2)
		n = sizeof(frame) - 2;
	frame[0] = (unsigned char)(code >> 8);
	frame[1] = (unsigned char)(code & 0xff);
	memcpy(frame + 2, reason, n);
	(void)send_frame(c, OP_CLOSE, frame, 2 + n);
}

static struct timespec
deadline_ts(double mono_deadline)
{
	struct timespec ts;
	double s;

	if (mono_deadline > now_mono() + 86400.0)
		mono_deadline = now_mono() + 86400.0;
	s = mono_deadline < 0 ? 0 : mono_deadline;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static void *
writer_main(void *arg)
{
	struct client *c = arg;

	pthread_mutex_lock(&c->mu);
	while (!c->done) {
		double now = now_mono(), wake;

		if (c->dropped) {
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		/* A close, when its turn has come. */
		if (c->close_code && !c->close_sent && (!c->close_after_ring || c->count == 0)) {
			int code = c->close_code;
			char reason[64];

			snprintf(reason, sizeof(reason), "%s", c->close_reason);
			c->close_sent = true;
			c->close_deadline = now + CLOSE_WAIT_SECONDS;
			pthread_mutex_unlock(&c->mu);
			send_close(c, code, reason);
			pthread_mutex_lock(&c->mu);
			continue;
		}
		if (c->close_sent) {
			if (now >= c->close_deadline) {
				drop(c); /* no answer to the close frame */
				continue;
			}
			struct timespec ts = deadline_ts(c->close_deadline);
			pthread_cond_timedwait(&c->cv, &c->mu, &ts);
			continue;
		}
		if (c->pong_due) {
			unsigned char data[125];
			size_t len = c->pong_len;

			memcpy(data, c->pong_data, len);
			c->pong_due = false;
			pthread_mutex_unlock(&c->mu);
			bool ok = send_frame(c, OP_PONG, data, len);
			pthread_mutex_lock(&c->mu);
			if (!ok)
				goto failed;
			continue;
		}
		if (c->count) {
			struct msg *m = c->ring[c->head];
			bool ok;

			c->head = (c->head + 1) % NOTIFY_QUEUE_MAX;
			c->count--;
			pthread_mutex_unlock(&c->mu);
			ok = send_frame(c, OP_TEXT, m->data, m->len);
			msg_unref(m);
			pthread_mutex_lock(&c->mu);
			if (!ok)
				goto failed;
			continue;
		}
		/* Heartbeat and expiry. */
		if (c->awaiting_pong && now - c->ping_sent >= hub.cfg.pong_timeout) {
			request_close(c, 1001, "Ping timeout", false, NOTIFY_PING_TIMEOUT);
			continue;
		}
		if (c->expires_at && (int64_t)time(NULL) >= c->expires_at) {
			request_close(c, 4401, "Token expired", false, NOTIFY_EXPIRED);
			continue;
		}
		if (now >= c->next_ping) {
			c->next_ping = now + hub.cfg.ping_interval;
			if (!c->awaiting_pong) {
				c->awaiting_pong = true;
				c->ping_sent = now;
			}
			pthread_mutex_unlock(&c->mu);
			bool ok = send_frame(c, OP_PING, "", 0);
			pthread_mutex_lock(&c->mu);
			if (!ok)
				goto failed;
			continue;
		}
		wake = c->next_ping;
		if (c->awaiting_pong && c->ping_sent + hub.cfg.pong_timeout < wake)
			wake = c->ping_sent + hub.cfg.pong_timeout;
		if (c->expires_at) {
			double left = (double)(c->expires_at - (int64_t)time(NULL));

			if (now + left < wake)
				wake = now + (left > 0 ? left : 0);
		}
		struct timespec ts = deadline_ts(wake);
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
		continue;
failed:
		/* A failed send removes the client. */
		if (!c->reason_set && !c->done) {
			c->reason = NOTIFY_SEND_FAILED;
			c->reason_set = true;
			atomic_fetch_add(&hub.disconnects[NOTIFY_SEND_FAILED], 1);
		}
		drop(c);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ------------------------------------------------------------ CivetWeb handlers */

/*
 * Decide on an upgrade request.  0 admits it (with @p adm filled in);
 * otherwise the HTTP error has been sent and its status is returned.
 */
static int
ws_admit(const struct mg_connection *conn, struct ws_admission *adm)
{
	struct mg_connection *c = (struct mg_connection *)conn;
	const char *key = mg_get_header(conn, "Sec-WebSocket-Key");
	struct exchange ex;
	bool full;
	int status;

	adm->expires_at = 0;
	/* The checks of any request: token (?token= or Authorization), rate
	 * limit, 401; the upgrade is audited and measured like any answer. */
	status = security_ws_check(&ex, c, mg_get_thread_pointer(c));
	/* CivetWeb refuses a missing key; a key of another length than 24
	 * (16 bytes in base64) would fail its handshake after this point. */
	if (status == 0 && (!key || strlen(key) != 24))
		status = http_send_error(c, 400, "BAD_REQUEST", "Invalid Sec-WebSocket-Key",
					 "Connection: close\r\n");
	if (status == 0) {
		pthread_mutex_lock(&hub.mu);
		full = hub.stopping || hub.connected + hub.reserved >= hub.cfg.max_clients;
		if (!full)
			hub.reserved++;
		pthread_mutex_unlock(&hub.mu);
		if (full)
			status = http_send_error(c, 503, "SERVICE_UNAVAILABLE",
						 "Too many notification clients; retry later",
						 "Retry-After: 5\r\nConnection: close\r\n");
	}
	if (status == 0) {
		ex.status = 101;
		adm->expires_at = ex.has_user ? ex.token_exp : 0;
	}
	security_end(&ex);
	return status;
}

static int
ws_connect(const struct mg_connection *conn, void *cbdata)
{
	struct ws_admission adm;
	int status;

	(void)cbdata;
	admitted_valid = false;
	status = ws_admit(conn, &adm);
	if (status != 0)
		return 1;
	admitted = adm;
	admitted_valid = true;
	return 0;
}

static void
client_free(struct client *c)
{
	while (c->count) {
		msg_unref(c->ring[c->head]);
		c->head = (c->head + 1) % NOTIFY_QUEUE_MAX;
		c->count--;
	}
	free(c->frag);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->send_mu);
	free(c);
}

static void
ws_ready(struct mg_connection *conn, void *cbdata)
{
	struct client *c;
	pthread_condattr_t ca;
	pthread_attr_t ta;
	char ts[32], *hello;
	struct msg *m;
	int64_t expires_at = admitted_valid ? admitted.expires_at : 0;
	bool reserved = admitted_valid, started;

	(void)cbdata;
	admitted_valid = false;
	c = calloc(1, sizeof(*c));
	if (!c) {
		pthread_mutex_lock(&hub.mu);
		if (reserved && hub.reserved > 0)
			hub.reserved--;
		pthread_mutex_unlock(&hub.mu);
		mg_set_user_connection_data(conn, NULL);
		return; /* out of memory: ws_data() ends it */
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->send_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->cv, &ca);
	pthread_condattr_destroy(&ca);
	c->conn = conn;
	c->fd = find_socket(conn);
	if (c->fd >= 0) {
		/* A fixed kernel buffer (autotuning would grow it to megabytes),
		 * so that a client that stops reading meets its queue's limit. */
		int size = WS_SNDBUF;

		(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	c->expires_at = expires_at;
	c->next_ping = now_mono() + hub.cfg.ping_interval;
	mg_set_user_connection_data(conn, c);

	/* The first message, queued before the client can take broadcasts. */
	render_utc_now(ts);
	hello = render_notify_reply("connection", "Connected to libclaims notifications", ts);
	m = hello ? msg_new(hello, strlen(hello)) : NULL;
	free(hello);
	if (m) {
		pthread_mutex_lock(&c->mu);
		push(c, m, false);
		pthread_mutex_unlock(&c->mu);
		msg_unref(m);
	}

	/* In the broadcast before the hello can go out: whatever happens once
	 * the client has its hello reaches it. */
	pthread_mutex_lock(&hub.mu);
	if (reserved && hub.reserved > 0)
		hub.reserved--;
	c->next = hub.head;
	if (hub.head)
		hub.head->prev = c;
	hub.head = c;
	hub.connected++;
	atomic_fetch_add(&hub.connected_gauge, 1);
	pthread_mutex_lock(&c->mu);
	c->open = true;
	atomic_fetch_add(&hub.active, 1);
	if (hub.stopping)
		request_close(c, 1001, "Server shutting down", false, NOTIFY_SHUTDOWN);
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&hub.mu);

	pthread_attr_init(&ta);
	pthread_attr_setstacksize(&ta, WRITER_STACK);
	started = pthread_create(&c->writer, &ta, writer_main, c) == 0;
	pthread_attr_destroy(&ta);
	pthread_mutex_lock(&c->mu);
	c->has_writer = started;
	if (!started)
		drop(c); /* nothing could ever be sent to it */
	pthread_mutex_unlock(&c->mu);
}

/* A complete message from the client. */
static void
on_message(struct client *c, int opcode, const char *data, size_t len)
{
	char reason[128], msg[160];

	if (opcode == OP_BINARY) {
		reply(c, "error", "Binary messages are not supported");
		return;
	}
	if (json_validate(data, len, reason, sizeof(reason))) {
		reply(c, "ack", "Received");
		return;
	}
	snprintf(msg, sizeof(msg), "Invalid JSON: %s", reason);
	reply(c, "error", msg);
}

static void
too_large(struct client *c)
{
	reply(c, "error", "Message too large");
	pthread_mutex_lock(&c->mu);
	request_close(c, 1009, "Message too large", true, NOTIFY_TOO_LARGE);
	pthread_mutex_unlock(&c->mu);
}

static void
protocol_error(struct client *c, const char *why)
{
	pthread_mutex_lock(&c->mu);
	request_close(c, 1002, why, false, NOTIFY_PROTOCOL);
	pthread_mutex_unlock(&c->mu);
}

static int
ws_data(struct mg_connection *conn, int bits, char *data, size_t len, void *cbdata)
{
	struct client *c = mg_get_user_connection_data(conn);
	int opcode = bits & 0x0f;
	bool fin = (bits & 0x80) != 0;
	bool closing;

	(void)cbdata;
	if (!c)
		return 0;
	pthread_mutex_lock(&c->mu);
	closing = c->close_code || c->close_sent || c->dropped;
	pthread_mutex_unlock(&c->mu);

	switch (opcode) {
	case OP_CLOSE: {
		/* Answer with the same code (RFC 6455 §5.5.1) unless ours went
		 * out already or a frame is being written; then CivetWeb ends
		 * the connection. */
		unsigned char frame[2] = { 0x03, 0xe8 }; /* 1000 */

		if (len >= 2)
			memcpy(frame, data, 2);
		pthread_mutex_lock(&c->mu);
		if (!c->reason_set) {
			c->reason = NOTIFY_CLOSED_BY_CLIENT;
			c->reason_set = true;
			atomic_fetch_add(&hub.disconnects[NOTIFY_CLOSED_BY_CLIENT], 1);
		}
		if (c->open) {
			c->open = false;
			atomic_fetch_sub(&hub.active, 1);
		}
		bool answer = !c->close_sent && !c->dropped;
		c->close_sent = true;
		pthread_mutex_unlock(&c->mu);
		if (answer && pthread_mutex_trylock(&c->send_mu) == 0) {
			(void)mg_websocket_write(conn, OP_CLOSE, (const char *)frame, 2);
			pthread_mutex_unlock(&c->send_mu);
		}
		return 0;
	}
	case OP_PING:
		pthread_mutex_lock(&c->mu);
		c->pong_len = len < sizeof(c->pong_data) ? len : sizeof(c->pong_data);
		memcpy(c->pong_data, data, c->pong_len);
		c->pong_due = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		return 1;
	case OP_PONG:
		pthread_mutex_lock(&c->mu);
		c->awaiting_pong = false;
		pthread_mutex_unlock(&c->mu);
		return 1;
	case OP_TEXT:
	case OP_BINARY:
	case OP_CONTINUATION:
		break;
	default:
		protocol_error(c, "Unknown opcode");
		return 1;
	}
	if (closing)
		return 1; /* after our close: read until the client answers it */

	if (opcode != OP_CONTINUATION) {
		if (c->frag_opcode) {
			protocol_error(c, "Expected a continuation frame");
			return 1;
		}
		if (fin) {
			if (len > NOTIFY_MESSAGE_MAX)
				too_large(c);
			else
				on_message(c, opcode, data, len);
			return 1;
		}
		c->frag_opcode = opcode;
		c->frag_len = 0;
		c->frag_skip = false;
	} else if (!c->frag_opcode) {
		protocol_error(c, "Continuation frame without a message");
		return 1;
	}
	if (!c->frag_skip) {
		if (c->frag_len + len > NOTIFY_MESSAGE_MAX) {
			c->frag_skip = true;
			free(c->frag);
			c->frag = NULL;
			c->frag_len = 0;
			too_large(c);
		} else if (len) {
			char *n = realloc(c->frag, c->frag_len + len);

			if (!n) {
				c->frag_skip = true;
			} else {
				c->frag = n;
				memcpy(c->frag + c->frag_len, data, len);
				c->frag_len += len;
			}
		}
	}
	if (fin) {
		if (!c->frag_skip)
			on_message(c, c->frag_opcode, c->frag ? c->frag : "", c->frag_len);
		free(c->frag);
		c->frag = NULL;
		c->frag_len = 0;
		c->frag_opcode = 0;
	}
	return 1;
}

static void
ws_close(const struct mg_connection *conn, void *cbdata)
{
	struct client *c = mg_get_user_connection_data(conn);

	(void)cbdata;
	if (!c)
		return;
	/* Why it went is counted before it leaves the count of clients. */
	pthread_mutex_lock(&hub.mu);
	pthread_mutex_lock(&c->mu);
	if (c->open) {
		c->open = false;
		atomic_fetch_sub(&hub.active, 1);
	}
	if (!c->reason_set) {
		/* The stream ended without a close frame. */
		c->reason = hub.stopping ? NOTIFY_SHUTDOWN : NOTIFY_CLOSED_BY_CLIENT;
		c->reason_set = true;
		atomic_fetch_add(&hub.disconnects[c->reason], 1);
	}
	pthread_mutex_unlock(&c->mu);
	if (c->prev)
		c->prev->next = c->next;
	else
		hub.head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	hub.connected--;
	atomic_fetch_sub(&hub.connected_gauge, 1);
	pthread_mutex_unlock(&hub.mu);

	pthread_mutex_lock(&c->mu);
	c->done = true;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
	/* A writer blocked in a send to a client that stopped reading wakes up. */
	if (c->fd >= 0)
		(void)shutdown(c->fd, SHUT_RDWR);
	if (c->has_writer)
		pthread_join(c->writer, NULL);
	mg_set_user_connection_data(conn, NULL);
	client_free(c);
}

void
notify_start(struct mg_context *ctx, const struct notify_config *cfg)
{
	pthread_mutex_lock(&hub.mu);
	hub.cfg = *cfg;
	hub.stopping = false;
	pthread_mutex_unlock(&hub.mu);
	mg_set_websocket_handler(ctx, NOTIFY_PATH, ws_connect, ws_ready, ws_data, ws_close, NULL);
}

void
notify_stop(void)
{
	double until = now_mono() + 1.0;

	pthread_mutex_lock(&hub.mu);
	hub.stopping = true;
	for (struct client *c = hub.head; c; c = c->next) {
		pthread_mutex_lock(&c->mu);
		request_close(c, 1001, "Server shutting down", false, NOTIFY_SHUTDOWN);
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&hub.mu);
	/* Let the writers put their close frames on the wire. */
	for (;;) {
		bool pending = false;

		pthread_mutex_lock(&hub.mu);
		for (struct client *c = hub.head; c && !pending; c = c->next) {
			pthread_mutex_lock(&c->mu);
			pending = c->close_code && !c->close_sent && !c->dropped && c->has_writer;
			pthread_mutex_unlock(&c->mu);
		}
		pthread_mutex_unlock(&hub.mu);
		if (!pending || now_mono() >= until)
			break;
		usleep(10000);
	}
}
