/*
 * claimsd: the libclaims HTTP server.
 *
 * Startup: read .env, validate the settings, open and migrate the database,
 * start CivetWeb with one SQLite connection per worker thread (opened in
 * init_thread, closed in exit_thread), print "listening on ADDR:PORT" on
 * stderr once the socket accepts connections, then wait for SIGINT or
 * SIGTERM and stop cleanly.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "audit.h"
#include "env.h"
#include "jobs.h"
#include "login_guard.h"
#include "netaddr.h"
#include "notify.h"
#include "secrets.h"
#include "server.h"

/* Exit codes (spec/cli.md). */
enum {
	EXIT_OK = 0,
	EXIT_INTERNAL = 1,
	EXIT_USAGE = 2,
	EXIT_DB = 5,
	EXIT_CONFIG = 78,
};

struct app app;

/* Settings are read into app.cfg; a shorthand for this file. */
#define config app.cfg

static struct notify_config notify_cfg;

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: claimsd [OPTIONS]\n"
		"\n"
		"Serve the libclaims JSON API over HTTP.\n"
		"\n"
		"Options:\n"
		"  --listen ADDR:PORT  address to listen on (CLAIMS_LISTEN; default 127.0.0.1:8000;\n"
		"                      port 0 picks a free port, printed on stderr)\n"
		"  --db PATH           database file (CLAIMS_DB; default ./claims.db)\n"
		"  --threads N         HTTP worker threads, one database connection each\n"
		"                      (CLAIMS_THREADS; 1..256, default 16)\n"
		"  --workers N         background ingest threads (CLAIMS_WORKERS; 1..16, default 1)\n"
		"  --env-file PATH     settings file (CLAIMS_ENV_FILE; default ./.env when present)\n"
		"  --dashboard-dir DIR files replacing the embedded dashboard files of the same\n"
		"                      names (DASHBOARD_DIR; default: embedded only)\n"
		"  --list-routes       print every route (METHOD PATH) and exit\n"
		"  --version           print the version and exit\n"
		"  --help              print this help and exit\n"
		"\n"
		"CLAIMS_ADAPTER_MODULES lists shared modules (paths separated by ':') that\n"
		"register integration adapter implementations at startup.\n");
}

static int fail_config(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail_config(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "claimsd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_CONFIG;
}

/* ADDR:PORT or [ADDR6]:PORT; the address must be numeric. */
static bool
parse_listen(const char *s, struct server_config *cfg)
{
	const char *colon;
	size_t hostlen;
	long port;
	unsigned char buf[16];

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return false;
		hostlen = (size_t)(close - s - 1);
		if (hostlen == 0 || hostlen >= sizeof(cfg->listen_host))
			return false;
		memcpy(cfg->listen_host, s + 1, hostlen);
		cfg->listen_host[hostlen] = '\0';
		if (inet_pton(AF_INET6, cfg->listen_host, buf) != 1)
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return false;
		hostlen = (size_t)(colon - s);
		if (hostlen == 0 || hostlen >= sizeof(cfg->listen_host))
			return false;
		memcpy(cfg->listen_host, s, hostlen);
		cfg->listen_host[hostlen] = '\0';
		if (inet_pton(AF_INET, cfg->listen_host, buf) != 1)
			return false;
	}
	if (!env_parse_int(colon + 1, 0, 65535, &port))
		return false;
	cfg->listen_port = (int)port;
	return true;
}

/* The worker's database connection, opened at its first request: a thread
 * that only ever carries a WebSocket never opens one.  NULL when it cannot
 * be opened (tried again at the next request). */
claims_db *
worker_db(struct worker *w)
{
	char errbuf[CLAIMS_ERRBUF_SIZE];
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;

	if (!w)
		return NULL;
	if (w->db)
		return w->db;
	opts.errbuf = errbuf;
	opts.migrate = CLAIMS_MIGRATE_NONE; /* main() migrated already */
	if (claims_db_open(&w->db, config.db_path, &opts) < 0) {
		fprintf(stderr, "claimsd: worker cannot open %s: %s\n", config.db_path, errbuf);
		w->db = NULL;
		return NULL;
	}
	if (app.data_key.bytes &&
	    claims_db_set_data_key(w->db, app.data_key.bytes, app.data_key.len) < 0) {
		/* Never serve a handle that would store raw EDI in the clear. */
		fprintf(stderr, "claimsd: worker cannot take the data key: %s\n",
			claims_db_errmsg(w->db));
		claims_db_close(w->db);
		w->db = NULL;
		return NULL;
	}
	/* Writes through this handle invalidate the shared cache (cache.md §6). */
	claims_db_set_cache(w->db, app.cache);
	return w->db;
}

static void *
init_thread(const struct mg_context *ctx, int thread_type)
{
	(void)ctx;
	if (thread_type != 1) /* only request workers get a connection */
		return NULL;
	return calloc(1, sizeof(struct worker));
}

static void
exit_thread(const struct mg_context *ctx, int thread_type, void *user_ptr)
{
	struct worker *w = user_ptr;

	(void)ctx;
	(void)thread_type;
	if (!w)
		return;
	claims_db_close(w->db);
	free(w);
}

/* Count the connections the request threads hold (http.c decides with it
 * when a keep-alive connection should end); conn_data counts requests. */
static int
init_connection(const struct mg_connection *conn, void **conn_data)
{
	(void)conn;
	*conn_data = NULL;
	atomic_fetch_add(&app.held_connections, 1);
	return 0;
}

static void
connection_closed(const struct mg_connection *conn)
{
	(void)conn;
	atomic_fetch_sub(&app.held_connections, 1);
}

static int
log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	fprintf(stderr, "claimsd: %s\n", message);
	return 1;
}

static int load_settings(void);

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "db", required_argument, NULL, 'd' },
		{ "threads", required_argument, NULL, 't' },
		{ "workers", required_argument, NULL, 'w' },
		{ "env-file", required_argument, NULL, 'e' },
		{ "dashboard-dir", required_argument, NULL, 'D' },
		{ "list-routes", no_argument, NULL, 'R' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *listen = NULL, *threads = NULL, *env_file = NULL, *dashboard_dir = NULL;
	char errbuf[512];
	long n;
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'd': config.db_path = optarg; break;
		case 't': threads = optarg; break;
		case 'w':
			/* The flag wins over the variable, which jobs.c reads. */
			setenv("CLAIMS_WORKERS", optarg, 1);
			break;
		case 'e': env_file = optarg; break;
		case 'D': dashboard_dir = optarg; break;
		case 'R':
			for (size_t i = 0; i < routes_count(); i++) {
				const char *method, *path;

				routes_get(i, &method, &path);
				printf("%s %s\n", method, path);
			}
			exit(EXIT_OK);
		case 'V':
			printf("claimsd %s\n", claims_version());
			exit(EXIT_OK);
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "claimsd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	if (env_load_file(env_file, errbuf, sizeof(errbuf)) < 0)
		return fail_config("%s", errbuf);

	if (!listen)
		listen = getenv("CLAIMS_LISTEN");
	if (!listen || !*listen)
		listen = "127.0.0.1:8000";
	if (!parse_listen(listen, &config))
		return fail_config("invalid listen address '%s' (expected ADDR:PORT)", listen);
	if (!config.db_path)
		config.db_path = getenv("CLAIMS_DB");
	if (!config.db_path || !*config.db_path)
		config.db_path = "./claims.db";

	if (!dashboard_dir)
		dashboard_dir = getenv("DASHBOARD_DIR");
	if (dashboard_dir && *dashboard_dir) {
		struct stat st;

		if (stat(dashboard_dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return fail_config("DASHBOARD_DIR '%s' is not a directory", dashboard_dir);
		config.dashboard_dir = dashboard_dir;
	}

	if (!threads)
		threads = getenv("CLAIMS_THREADS");
	config.threads = 16;
	if (threads && *threads) {
		if (!env_parse_int(threads, 1, 256, &n))
			return fail_config("invalid thread count '%s' (1..256)", threads);
		config.threads = (int)n;
	}
	return load_settings();
}

static const char *
env_lookup(const char *name, void *payload)
{
	(void)payload;
	return getenv(name);
}

static void
env_warn(const char *message, void *payload)
{
	(void)payload;
	fprintf(stderr, "claimsd: warning: %s\n", message);
}

static void
engine_log(claims_log_level level, const char *message, void *payload)
{
	(void)level;
	env_warn(message, payload);
}

/* The settings of the environment beyond the listen address and threads. */
static int
load_settings(void)
{
	claims_cache_options cache_opts = CLAIMS_CACHE_OPTIONS_INIT;
	char err[512];
	long max_json = 1048576;
	const char *level = getenv("LOG_LEVEL");
	static const char *const levels[] = { "debug", "info", "warning", "error" };

	app.log_level = LOG_INFO;
	if (level && *level) {
		size_t i = 0;

		while (i < 4 && strcasecmp(level, levels[i]) != 0)
			i++;
		if (i == 4)
			return fail_config("LOG_LEVEL must be debug, info, warning or error");
		app.log_level = (enum log_level)i;
	}
	/* Every problem of security.md §2 is printed before refusing. */
	if (security_settings_load(&app.security, netaddr_is_loopback(config.listen_host)) > 0)
		return EXIT_CONFIG;

	if (!env_int("MAX_JSON_BODY_BYTES", 1, 1L << 30, &max_json, err, sizeof(err),
		     "1..1073741824"))
		return fail_config("%s", err);
	config.max_json_body = max_json;
	config.ingest = (claims_ingest_options)CLAIMS_INGEST_OPTIONS_INIT;
	if (env_ingest_options(&config.ingest, err, sizeof(err)) < 0)
		return fail_config("%s", err);
	/* DATA_KEY (security.md §2, §5): optional, exactly 32 bytes. */
	if (secret_load(&app.data_key, "DATA_KEY", CLAIMS_DATA_KEY_BYTES, CLAIMS_DATA_KEY_BYTES, err,
			sizeof(err)) < 0)
		return fail_config("%s", err);
	if (notify_config_read(&notify_cfg, err, sizeof(err)) < 0)
		return fail_config("%s", err);
	if (claims_engine_config_from_env(&app.engine, env_lookup, NULL, engine_log, NULL) < 0)
		return fail_config("the RISK_WEIGHT_* values sum to 0");
	if (audit_settings_from_env(&app.audit, err, sizeof(err)) < 0)
		return fail_config("%s", err);
	/* PHI_HASH_KEY was read with the security settings: optional on
	 * loopback (the audit maps are then {}), required elsewhere. */
	app.audit.phi_key = app.security.phi_key.bytes;
	app.audit.phi_key_len = app.security.phi_key.len;
	/* Users and tokens (security.md §1, §2). */
	app.password_min = CLAIMS_PASSWORD_MIN_LENGTH;
	if (!env_int("PASSWORD_MIN_LENGTH", 8, CLAIMS_PASSWORD_MAX_LENGTH, &app.password_min, err,
		     sizeof(err), "an integer 8..1024"))
		return fail_config("%s", err);
	app.login_max_failures = 5;
	if (!env_int("LOGIN_MAX_FAILURES", 1, 1000, &app.login_max_failures, err, sizeof(err),
		     "an integer 1..1000"))
		return fail_config("%s", err);
	if (login_guard_new(&app.login_guard, app.login_max_failures, LOGIN_WINDOW_SECONDS,
			    LOGIN_GUARD_MAX_ENTRIES) < 0)
		return fail_config("cannot create the failed-login table");
	/* Bad CACHE_* values warn and fall back to their defaults. */
	if (claims_cache_config_from_env(&cache_opts, env_lookup, NULL, env_warn, NULL) < 0 ||
	    claims_cache_new(&app.cache, &cache_opts) < 0)
		return fail_config("cannot create the cache");
	/* Adapter implementations (CLAIMS_ADAPTER_MODULES). */
	if (integrations_start(err, sizeof(err)) < 0)
		return fail_config("%s", err);
	/* Warnings only once every setting is known to be good. */
	if (!app.data_key.bytes)
		fprintf(stderr, "claimsd: warning: DATA_KEY is not set: raw EDI is stored unencrypted\n");
	return EXIT_OK;
}

static int
run(void)
{
	struct mg_callbacks callbacks;
	struct mg_context *ctx;
	struct mg_server_port ports[4];
	claims_db *db = NULL;
	claims_db_options opts = CLAIMS_DB_OPTIONS_INIT;
	char errbuf[CLAIMS_ERRBUF_SIZE];
	char listen_opt[300], threads_opt[16];
	const char *options[] = {
		"listening_ports", listen_opt,
		"num_threads", threads_opt,
		"enable_keep_alive", "yes",
		/* An idle keep-alive connection is closed after 5 s, not
		 * CivetWeb's 500 ms: a client that takes half a second to send
		 * its next request would race the close and see its request
		 * dropped.  Idle connections hold threads of the WebSocket
		 * reserve meanwhile, and the rotation of http.c still applies. */
		"keep_alive_timeout_ms", "5000",
		/* A request idle for 30 s is closed; request line plus
		 * headers are at most 16 KiB (security.md §6), checked by
		 * security_check() in a larger buffer. */
		"request_timeout_ms", "30000",
		"max_request_size", REQUEST_BUFFER_BYTES,
		/* CORS is answered by claimsd (security.md §6), never by
		 * CivetWeb's own preflight handling. */
		"access_control_allow_origin", "",
		"tcp_nodelay", "1",
		/* Room for many waiting connections: a burst of clients is
		 * queued, not dropped (SYN retries would cost seconds). */
		"listen_backlog", "1024",
		"connection_queue", "1024",
		NULL,
	};
	sigset_t sigs;
	int sig = 0, nports;

	/* The dummy password hash now, so the first failed login costs what
	 * the others do (security.md §1.1). */
	if (claims_auth_init() < 0) {
		fprintf(stderr, "claimsd: cannot prepare password hashing\n");
		return EXIT_INTERNAL;
	}

	/* Open and migrate once before serving: schema problems stop startup. */
	opts.errbuf = errbuf;
	if (claims_db_open(&db, config.db_path, &opts) < 0) {
		fprintf(stderr, "claimsd: cannot open database %s: %s\n", config.db_path, errbuf);
		return EXIT_DB;
	}
	claims_db_close(db);

	/* Block the stop signals in every thread; main waits for them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (strchr(config.listen_host, ':'))
		snprintf(listen_opt, sizeof(listen_opt), "[%s]:%d", config.listen_host,
			 config.listen_port);
	else
		snprintf(listen_opt, sizeof(listen_opt), "%s:%d", config.listen_host,
			 config.listen_port);
	/* Each open WebSocket holds a worker thread for its reading: room for
	 * WS_MAX_CLIENTS of them beside the request threads. */
	app.total_threads = config.threads + notify_threads(&notify_cfg);
	if (sem_init(&app.request_slots, 0, (unsigned)config.threads) != 0) {
		fprintf(stderr, "claimsd: cannot create the request slots\n");
		return EXIT_INTERNAL;
	}
	snprintf(threads_opt, sizeof(threads_opt), "%d", app.total_threads);

	memset(&callbacks, 0, sizeof(callbacks));
	callbacks.init_thread = init_thread;
	callbacks.exit_thread = exit_thread;
	callbacks.log_message = log_message;
	callbacks.init_connection = init_connection;
	callbacks.connection_closed = connection_closed;
	callbacks.http_error = security_http_error;

	/* The rate limiter, then the audit writer before the first response. */
	if (!security_start()) {
		fprintf(stderr, "claimsd: out of memory\n");
		return EXIT_INTERNAL;
	}
	if (audit_start(config.db_path, &app.audit) < 0)
		return EXIT_DB;
	/* The job workers first: uploads may queue work from the first request. */
	if (jobs_start(&app.jobs, config.db_path, app.cache, &config.ingest, &app.engine,
		       app.data_key.bytes, errbuf, sizeof(errbuf)) < 0) {
		fprintf(stderr, "claimsd: %s\n", errbuf);
		audit_stop();
		return EXIT_CONFIG;
	}

	mg_init_library(0);
	ctx = mg_start(&callbacks, NULL, options);
	if (!ctx) {
		fprintf(stderr, "claimsd: cannot listen on %s\n", listen_opt);
		mg_exit_library();
		jobs_stop(app.jobs);
		audit_stop();
		return EXIT_INTERNAL;
	}
	mg_set_request_handler(ctx, "/", routes_dispatch, NULL);
	notify_start(ctx, &notify_cfg);

	nports = mg_get_server_ports(ctx, 4, ports);
	if (nports < 1) {
		fprintf(stderr, "claimsd: no listening port\n");
		mg_stop(ctx);
		mg_exit_library();
		jobs_stop(app.jobs);
		audit_stop();
		return EXIT_INTERNAL;
	}
	if (strchr(config.listen_host, ':'))
		fprintf(stderr, "listening on [%s]:%d\n", config.listen_host, ports[0].port);
	else
		fprintf(stderr, "listening on %s:%d\n", config.listen_host, ports[0].port);
	fflush(stderr);

	while (sigwait(&sigs, &sig) != 0)
		;
	fprintf(stderr, "claimsd: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	notify_stop();
	mg_stop(ctx);
	mg_exit_library();
	/* After the last request: the job in hand finishes, queued ones wait
	 * for the next start. */
	jobs_stop(app.jobs);
	app.jobs = NULL;
	integrations_stop();
	/* After the last response: what is queued is written (up to 5 s). */
	audit_stop();
	claims_cache_free(app.cache);
	security_stop();
	sem_destroy(&app.request_slots);
	fprintf(stderr, "claimsd: stopped\n");
	return EXIT_OK;
}

int
main(int argc, char **argv)
{
	int rc = parse_args(argc, argv);

	if (rc == EXIT_OK)
		rc = run();
	security_settings_free(&app.security); /* wipes the keys */
	login_guard_free(app.login_guard);
	app.login_guard = NULL;
	secret_free(&app.data_key); /* wiped */
	return rc;
}
