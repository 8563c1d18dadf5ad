/*
 * The ceiling for claimsd's GET /api/v1/health: a bare CivetWeb server
 * with the same options and thread count, answering the same bytes from
 * one handler with nothing else (no routing, no database, no cache).
 * Started by tests/bench/bench_http.py; prints "listening on PORT".
 *
 *   bench_http_bare [PORT] [THREADS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include <claims/claims.h>

static char body[128];

static int
health(struct mg_connection *conn, void *cbdata)
{
	size_t len = strlen(body);

	(void)cbdata;
	mg_printf(conn,
		  "HTTP/1.1 200 OK\r\n"
		  "Content-Type: application/json; charset=utf-8\r\n"
		  "Content-Length: %zu\r\n"
		  "Cache-Control: no-store\r\n"
		  "X-Content-Type-Options: nosniff\r\n"
		  "\r\n",
		  len);
	mg_write(conn, body, len);
	return 200;
}

int
main(int argc, char **argv)
{
	char port[32], threads[16];
	const char *options[] = {
		"listening_ports", port,
		"num_threads", threads,
		"enable_keep_alive", "yes",
		"request_timeout_ms", "30000",
		"tcp_nodelay", "1",
		"listen_backlog", "1024",
		"connection_queue", "1024",
		NULL,
	};
	struct mg_callbacks cb;
	struct mg_context *ctx;
	struct mg_server_port ports[1];
	sigset_t sigs;
	int sig;

	snprintf(port, sizeof(port), "127.0.0.1:%s", argc > 1 ? argv[1] : "0");
	snprintf(threads, sizeof(threads), "%s", argc > 2 ? argv[2] : "16");
	snprintf(body, sizeof(body), "{\"status\":\"healthy\",\"version\":\"%s\"}",
		 claims_version());
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	memset(&cb, 0, sizeof(cb));
	mg_init_library(0);
	ctx = mg_start(&cb, NULL, options);
	if (!ctx || mg_get_server_ports(ctx, 1, ports) < 1) {
		fprintf(stderr, "bench_http_bare: cannot listen on %s\n", port);
		return 1;
	}
	mg_set_request_handler(ctx, "/api/v1/health", health, NULL);
	fprintf(stderr, "listening on %d\n", ports[0].port);
	fflush(stderr);
	sigwait(&sigs, &sig);
	mg_stop(ctx);
	mg_exit_library();
	return 0;
}
