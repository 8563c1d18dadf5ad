/*
 * claims user add|passwd|list|disable|enable, claims token, claims keygen,
 * claims cache-stats (spec/cli.md §1, security.md §1 and §2).
 *
 * Passwords come from the terminal (/dev/tty, echo off; asked twice when
 * one is being set) or, with --password-stdin, as one line of standard
 * input.  They stay in buffers that are wiped after use, and are never
 * printed.  The password policy is the library's (PASSWORD_MIN_LENGTH, 12,
 * to 1024 bytes).
 *
 * keygen and cache-stats open no database; cache-stats talks to a running
 * claimsd with the load test's URL parser, sockets and response parser.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "cli.h"
#include "env.h"
#include "json.h"
#include "loadtest.h"
#include "net.h"
#include "render_auth.h"
#include "secrets.h"

/* A password line: up to 1024 bytes, its newline, and a NUL. */
#define PW_CAP (CLAIMS_PASSWORD_MAX_LENGTH + 2)

#define TOKEN_MINUTES_DEFAULT 1440
#define TOKEN_MINUTES_MIN 5
#define TOKEN_MINUTES_MAX 10080
#define PASSWORD_MIN_SETTING_MIN 8

#define CACHE_STATS_TIMEOUT_NS (30 * (int64_t)1000000000)
#define CACHE_STATS_BODY_MAX (16 * 1024 * 1024)

/* ------------------------------------------------------------- options */

struct opts {
	const char *args[2];
	int nargs;
	const char *role, *minutes, *base_url, *token, *key;
	bool password_stdin, hex, reset;
};

enum {
	F_ROLE = 1 << 0,
	F_PASSWORD_STDIN = 1 << 1,
	F_MINUTES = 1 << 2,
	F_HEX = 1 << 3,
	F_BASE_URL = 1 << 4,
	F_TOKEN = 1 << 5,
	F_KEY = 1 << 6,
	F_RESET = 1 << 7,
};

/* Parse argv[first..] with the flags @p allowed and @p max_args positional
 * arguments.  Returns CLI_OK, an exit code, or -1 after --help. */
static int
parse_opts(struct cli *cli, int argc, char **argv, int first, unsigned allowed, int max_args,
	   struct opts *o, const char *usage)
{
	static const struct {
		const char *name;
		unsigned bit;
		size_t off;
	} value_flags[] = {
		{ "--role", F_ROLE, offsetof(struct opts, role) },
		{ "--minutes", F_MINUTES, offsetof(struct opts, minutes) },
		{ "--base-url", F_BASE_URL, offsetof(struct opts, base_url) },
		{ "--token", F_TOKEN, offsetof(struct opts, token) },
		{ "--key", F_KEY, offsetof(struct opts, key) },
	};

	memset(o, 0, sizeof(*o));
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		bool done = false;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			printf("Usage: %s\n", usage);
			return -1;
		}
		if (strcmp(a, "--json") == 0) {
			cli->json = true;
			continue;
		}
		if ((allowed & F_PASSWORD_STDIN) && strcmp(a, "--password-stdin") == 0) {
			o->password_stdin = true;
			continue;
		}
		if ((allowed & F_HEX) && strcmp(a, "--hex") == 0) {
			o->hex = true;
			continue;
		}
		if ((allowed & F_RESET) && strcmp(a, "--reset") == 0) {
			o->reset = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(value_flags) / sizeof(value_flags[0]); k++) {
			const char *v = NULL;
			int f;

			if (!(allowed & value_flags[k].bit))
				continue;
			f = cli_flag_value(argc, argv, &i, value_flags[k].name, &v);
			if (f < 0)
				return cli_error(cli, CLI_USAGE, "%s needs a value (usage: %s)",
						 value_flags[k].name, usage);
			if (f > 0) {
				*(const char **)((char *)o + value_flags[k].off) = v;
				done = true;
				break;
			}
		}
		if (done)
			continue;
		if (a[0] == '-' && a[1] != '\0')
			return cli_error(cli, CLI_USAGE, "unknown option '%s' (usage: %s)", a, usage);
		if (o->nargs >= max_args)
			return cli_error(cli, CLI_USAGE, "unexpected argument '%s' (usage: %s)", a,
					 usage);
		o->args[o->nargs++] = a;
	}
	return CLI_OK;
}

/* ----------------------------------------------------------- passwords */

/* One line from @p fd into @p buf (PW_CAP bytes), without its line end.
 * 0; 1 at end of input before any byte; -1 on a read error (errno); -2
 * when the line is longer than 1024 bytes. */
static int
read_line(int fd, char *buf, size_t *len_out)
{
	size_t len = 0;

	*len_out = 0;
	for (;;) {
		char c;
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			if (len == 0)
				return 1;
			break;
		}
		if (c == '\n')
			break;
		if (len == PW_CAP - 1)
			return -2;
		buf[len++] = c;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	*len_out = len;
	return 0;
}

/* Ask on the terminal with echo off. */
static int
ask_tty(const struct cli *cli, int tty, const char *prompt, char *buf)
{
	struct termios old, quiet;
	bool restore = false;
	size_t len;
	int rc;

	if (tcgetattr(tty, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK);
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
	}
	if (write(tty, prompt, strlen(prompt)) < 0) {
		/* the prompt is a courtesy; reading still works */
	}
	rc = read_line(tty, buf, &len);
	if (restore)
		(void)tcsetattr(tty, TCSAFLUSH, &old);
	if (rc == -2)
		return cli_error(cli, CLI_REFUSED, "the password must be at most %d bytes long",
				 CLAIMS_PASSWORD_MAX_LENGTH);
	if (rc != 0)
		return cli_error(cli, CLI_REFUSED, "no password was entered");
	return CLI_OK;
}

/* The password into @p buf (PW_CAP bytes; wipe it after use): one line of
 * standard input, or from the terminal (twice when @p confirm). */
static int
read_password(const struct cli *cli, bool from_stdin, bool confirm, char *buf)
{
	char again[PW_CAP];
	size_t len;
	int rc, tty;

	if (from_stdin) {
		rc = read_line(STDIN_FILENO, buf, &len);
		if (rc == -2)
			return cli_error(cli, CLI_REFUSED,
					 "the password must be at most %d bytes long",
					 CLAIMS_PASSWORD_MAX_LENGTH);
		if (rc == -1)
			return cli_error(cli, CLI_INTERNAL, "cannot read standard input: %s",
					 strerror(errno));
		if (rc == 1)
			return cli_error(cli, CLI_REFUSED, "no password on standard input");
		return CLI_OK;
	}
	tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (tty < 0)
		return cli_error(cli, CLI_USAGE,
				 "no terminal to read the password from; use --password-stdin");
	rc = ask_tty(cli, tty, "Password: ", buf);
	if (rc == CLI_OK && confirm) {
		rc = ask_tty(cli, tty, "Repeat password: ", again);
		if (rc == CLI_OK && strcmp(buf, again) != 0)
			rc = cli_error(cli, CLI_REFUSED, "the passwords do not match");
		sodium_memzero(again, sizeof(again));
	}
	close(tty);
	return rc;
}

/* PASSWORD_MIN_LENGTH (default 12; 8..1024). */
static int
password_min(const struct cli *cli, size_t *out)
{
	long v = CLAIMS_PASSWORD_MIN_LENGTH;
	char err[160];

	if (!env_int("PASSWORD_MIN_LENGTH", PASSWORD_MIN_SETTING_MIN, CLAIMS_PASSWORD_MAX_LENGTH, &v,
		     err, sizeof(err), "an integer 8..1024"))
		return cli_error(cli, CLI_USAGE, "%s", err);
	*out = (size_t)v;
	return CLI_OK;
}

/* The password, read and checked against the policy. */
static int
new_password(const struct cli *cli, const struct opts *o, char *pw)
{
	size_t min, n;
	int code = password_min(cli, &min);

	if (code != CLI_OK)
		return code;
	code = read_password(cli, o->password_stdin, true, pw);
	if (code != CLI_OK)
		return code;
	n = strlen(pw);
	if (n < min)
		return cli_error(cli, CLI_REFUSED,
				 "the password must be at least %zu bytes long (got %zu)", min, n);
	return CLI_OK;
}

/* --------------------------------------------------------------- users */

/* The user as JSON with --json; otherwise "<done> NAME<tail>" unless --quiet. */
static int
report_user(const struct cli *cli, claims_db *db, const char *name, const char *done,
	    const char *tail)
{
	claims_user *u = NULL;
	int rc, code;

	if (!cli->json) {
		if (!cli->quiet)
			printf("%s %s%s\n", done, name, tail);
		return CLI_OK;
	}
	rc = claims_user_get(&u, db, name);
	if (rc < 0)
		return cli_db_error(cli, db, rc);
	code = cli_emit(cli, render_user(u));
	claims_user_free(u);
	return code;
}

static int
user_add(struct cli *cli, const struct opts *o, claims_db **db)
{
	claims_role role = CLAIMS_ROLE_USER;
	char pw[PW_CAP];
	size_t min;
	int code, rc;

	if (o->role && claims_role_from_str(&role, o->role) < 0)
		return cli_error(cli, CLI_USAGE, "--role must be admin or user, not '%s'", o->role);
	code = new_password(cli, o, pw);
	if (code == CLI_OK)
		code = password_min(cli, &min);
	if (code == CLI_OK)
		code = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, db);
	if (code == CLI_OK) {
		rc = claims_user_add(*db, o->args[0], pw, role, min);
		if (rc < 0)
			code = cli_db_error(cli, *db, rc);
	}
	sodium_memzero(pw, sizeof(pw));
	if (code != CLI_OK)
		return code;
	return report_user(cli, *db, o->args[0], "Added user",
			   role == CLAIMS_ROLE_ADMIN ? " (role admin)" : " (role user)");
}

static int
user_passwd(struct cli *cli, const struct opts *o, claims_db **db)
{
	claims_user *u = NULL;
	char pw[PW_CAP];
	size_t min;
	int code, rc;

	code = password_min(cli, &min);
	if (code == CLI_OK)
		code = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, db);
	if (code != CLI_OK)
		return code;
	/* An unknown name is refused before a password is asked for. */
	rc = claims_user_get(&u, *db, o->args[0]);
	if (rc < 0)
		return cli_db_error(cli, *db, rc);
	claims_user_free(u);
	code = new_password(cli, o, pw);
	if (code == CLI_OK) {
		rc = claims_user_set_password(*db, o->args[0], pw, min);
		if (rc < 0)
			code = cli_db_error(cli, *db, rc);
	}
	sodium_memzero(pw, sizeof(pw));
	if (code != CLI_OK)
		return code;
	return report_user(cli, *db, o->args[0], "Changed the password of",
			   "; tokens issued before now are refused");
}

static int
user_set_active(struct cli *cli, const struct opts *o, claims_db **db, bool active)
{
	int code = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, db), rc;

	if (code != CLI_OK)
		return code;
	rc = claims_user_set_active(*db, o->args[0], active);
	if (rc < 0)
		return cli_db_error(cli, *db, rc);
	return report_user(cli, *db, o->args[0], active ? "Enabled user" : "Disabled user",
			   active ? "" : "; tokens issued before now are refused");
}

static int
user_list(struct cli *cli, claims_db **db)
{
	claims_user_list *l = NULL;
	int code = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, db), rc;

	if (code != CLI_OK)
		return code;
	rc = claims_user_list_get(&l, *db);
	if (rc < 0)
		return cli_db_error(cli, *db, rc);
	if (cli->json) {
		code = cli_emit(cli, render_user_list(l));
		claims_user_list_free(l);
		return code;
	}
	if (l->count == 0) {
		if (!cli->quiet)
			printf("No users (add one with: claims user add NAME --role admin)\n");
	} else {
		printf("%-6s %-24s %-6s %-7s %-21s %s\n", "ID", "USERNAME", "ROLE", "ACTIVE",
		       "LAST LOGIN", "CREATED");
		for (size_t i = 0; i < l->count; i++) {
			const claims_user *u = &l->items[i];

			printf("%-6" PRId64 " %-24s %-6s %-7s %-21s %s\n", u->id, u->username,
			       claims_role_to_str(u->role), u->is_active ? "yes" : "no",
			       u->last_login_at ? u->last_login_at : "-", u->created_at);
		}
	}
	claims_user_list_free(l);
	return CLI_OK;
}

int
cmd_user(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims user add NAME [--role admin|user] [--password-stdin] | user passwd NAME "
		"[--password-stdin] | user list | user disable NAME | user enable NAME";
	const char *sub = argc > 1 ? argv[1] : NULL;
	claims_db *db = NULL;
	struct opts o;
	int code;

	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		if (sub) {
			printf("Usage: %s\n", usage);
			return CLI_OK;
		}
		return cli_error(cli, CLI_USAGE, "missing subcommand (usage: %s)", usage);
	}
	if (strcmp(sub, "add") == 0)
		code = parse_opts(cli, argc, argv, 2, F_ROLE | F_PASSWORD_STDIN, 1, &o, usage);
	else if (strcmp(sub, "passwd") == 0)
		code = parse_opts(cli, argc, argv, 2, F_PASSWORD_STDIN, 1, &o, usage);
	else if (strcmp(sub, "list") == 0)
		code = parse_opts(cli, argc, argv, 2, 0, 0, &o, usage);
	else if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
		code = parse_opts(cli, argc, argv, 2, 0, 1, &o, usage);
	else
		return cli_error(cli, CLI_USAGE, "unknown subcommand '%s' (usage: %s)", sub, usage);
	if (code != CLI_OK)
		return code < 0 ? CLI_OK : code;
	if (strcmp(sub, "list") != 0 && o.nargs != 1)
		return cli_error(cli, CLI_USAGE, "missing NAME (usage: %s)", usage);

	if (strcmp(sub, "add") == 0)
		code = user_add(cli, &o, &db);
	else if (strcmp(sub, "passwd") == 0)
		code = user_passwd(cli, &o, &db);
	else if (strcmp(sub, "list") == 0)
		code = user_list(cli, &db);
	else
		code = user_set_active(cli, &o, &db, strcmp(sub, "enable") == 0);
	claims_db_close(db);
	return code;
}

/* --------------------------------------------------------------- token */

int
cmd_token(struct cli *cli, int argc, char **argv)
{
	static const char usage[] = "claims token NAME [--password-stdin] [--minutes N]";
	struct secret key = { 0 };
	claims_user *u = NULL;
	claims_db *db = NULL;
	char pw[PW_CAP], err[256], *tok = NULL;
	long minutes = TOKEN_MINUTES_DEFAULT;
	struct opts o;
	int64_t now;
	int code, rc;

	code = parse_opts(cli, argc, argv, 1, F_PASSWORD_STDIN | F_MINUTES, 1, &o, usage);
	if (code != CLI_OK)
		return code < 0 ? CLI_OK : code;
	if (o.nargs != 1)
		return cli_error(cli, CLI_USAGE, "missing NAME (usage: %s)", usage);
	if (!env_int("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", TOKEN_MINUTES_MIN, TOKEN_MINUTES_MAX,
		     &minutes, err, sizeof(err), "an integer 5..10080"))
		return cli_error(cli, CLI_USAGE, "%s", err);
	if (o.minutes && !env_parse_int(o.minutes, TOKEN_MINUTES_MIN, TOKEN_MINUTES_MAX, &minutes))
		return cli_error(cli, CLI_USAGE, "--minutes must be an integer 5..10080, not '%s'",
				 o.minutes);
	/* The secret first: nothing is asked for when no token can be made. */
	if (secret_load(&key, "JWT_SECRET_KEY", CLAIMS_TOKEN_MIN_KEY_BYTES, 4096, err,
			sizeof(err)) < 0)
		return cli_error(cli, CLI_USAGE, "%s", err);
	if (!key.bytes)
		return cli_error(cli, CLI_USAGE,
				 "JWT_SECRET_KEY (or JWT_SECRET_KEY_FILE) is not set; make one "
				 "with: claims keygen");

	code = cli_open_db(cli, CLAIMS_MIGRATE_AUTO, &db);
	if (code != CLI_OK)
		goto out;
	rc = claims_user_get(&u, db, o.args[0]);
	if (rc < 0) {
		code = cli_db_error(cli, db, rc);
		goto out;
	}
	if (!u->is_active) {
		code = cli_error(cli, CLI_REFUSED, "user %s is disabled", u->username);
		goto out;
	}
	claims_user_free(u);
	u = NULL;
	code = read_password(cli, o.password_stdin, false, pw);
	if (code == CLI_OK) {
		rc = claims_user_login(&u, db, o.args[0], pw);
		if (rc < 0)
			code = cli_db_error(cli, db, rc);
	}
	sodium_memzero(pw, sizeof(pw));
	if (code != CLI_OK)
		goto out;
	now = (int64_t)time(NULL);
	rc = claims_token_sign(&tok, key.bytes, key.len, u->username, now, now + minutes * 60);
	if (rc < 0) {
		code = cli_error(cli, CLI_INTERNAL, "cannot sign the token: %s", claims_strerror(rc));
		goto out;
	}
	if (cli->json)
		code = cli_emit(cli, render_token(tok, (int64_t)minutes * 60));
	else
		printf("%s\n", tok);
out:
	claims_token_free(tok);
	claims_user_free(u);
	claims_db_close(db);
	secret_free(&key);
	return code;
}

/* -------------------------------------------------------------- keygen */

int
cmd_keygen(struct cli *cli, int argc, char **argv)
{
	static const char usage[] = "claims keygen [--hex]";
	unsigned char bytes[32];
	/* 64 hex digits or 44 base64 characters, and a NUL. */
	char text[65];
	struct opts o;
	int code;

	code = parse_opts(cli, argc, argv, 1, F_HEX, 0, &o, usage);
	if (code != CLI_OK)
		return code < 0 ? CLI_OK : code;
	if (sodium_init() < 0)
		return cli_error(cli, CLI_INTERNAL, "libsodium cannot start");
	_Static_assert(sizeof(text) >= sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL),
		       "room for the base64 text");
	randombytes_buf(bytes, sizeof(bytes));
	if (o.hex)
		sodium_bin2hex(text, sizeof(text), bytes, sizeof(bytes));
	else
		sodium_bin2base64(text, sizeof(text), bytes, sizeof(bytes),
				  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(bytes, sizeof(bytes));
	if (cli->json)
		code = cli_emit(cli, render_key(text));
	else
		printf("%s\n", text);
	sodium_memzero(text, sizeof(text));
	return code;
}

/* --------------------------------------------------------- cache-stats */

struct body {
	char *data;
	size_t len, cap;
	bool too_large, oom;
};

static void
body_append(void *payload, const char *p, size_t n)
{
	struct body *b = payload;

	if (b->too_large || b->oom)
		return;
	if (b->len + n > CACHE_STATS_BODY_MAX) {
		b->too_large = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *d = realloc(b->data, cap);

		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Percent-encode @p s for a query value into @p out (3 * strlen + 1 bytes). */
static void
url_encode(char *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			*out++ = (char)c;
		} else {
			*out++ = '%';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out = '\0';
}

/* Send @p request and read the whole response into @p h and @p b.  0 or an
 * errno value (-1: not an HTTP response; -2: the connection ended early). */
static int
exchange(const struct addrinfo *addrs, const char *request, struct loadtest_http *h,
	 struct body *b)
{
	int64_t deadline = net_now_ns() + CACHE_STATS_TIMEOUT_NS;
	char buf[16384];
	size_t start = 0, end = 0;
	int fd, err;

	err = net_connect(addrs, deadline, &fd);
	if (err)
		return err;
	err = net_send_all(fd, request, strlen(request), deadline);
	if (err)
		goto out;
	loadtest_http_reset(h);
	h->on_body = body_append;
	h->body_payload = b;
	for (;;) {
		size_t used;
		ssize_t n;
		int rc = loadtest_http_parse(h, buf + start, end - start, &used), r;

		start += used;
		if (rc == LOADTEST_HTTP_DONE)
			break;
		if (rc == LOADTEST_HTTP_BAD) {
			err = -1;
			goto out;
		}
		if (start == end) {
			start = end = 0;
		} else if (end == sizeof(buf)) {
			if (start == 0) {
				err = -1;
				goto out;
			}
			memmove(buf, buf + start, end - start);
			end -= start;
			start = 0;
		}
		r = net_wait_fd(fd, POLLIN, deadline);
		if (r <= 0) {
			err = r == 0 ? ETIMEDOUT : errno;
			goto out;
		}
		n = recv(fd, buf + end, sizeof(buf) - end, 0);
		if (n > 0) {
			end += (size_t)n;
		} else if (n == 0) {
			if (loadtest_http_eof(h) == LOADTEST_HTTP_DONE)
				break;
			err = -2;
			goto out;
		} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			err = errno;
			goto out;
		}
	}
out:
	close(fd);
	return err;
}

int
cmd_cache_stats(struct cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"claims cache-stats [--base-url URL] [--token T] [--key K] [--reset]";
	struct loadtest_url url;
	struct addrinfo *addrs = NULL;
	struct loadtest_http h;
	struct body b = { 0 };
	char host[sizeof(url.host) + 16], err[512], *request = NULL, *key_enc = NULL;
	const char *msg, *token, *path;
	struct opts o;
	size_t n;
	int code, rc;

	code = parse_opts(cli, argc, argv, 1, F_BASE_URL | F_TOKEN | F_KEY | F_RESET, 0, &o,
			  usage);
	if (code != CLI_OK)
		return code < 0 ? CLI_OK : code;
	if (!o.base_url)
		o.base_url = "http://127.0.0.1:8000";
	msg = loadtest_url_parse(&url, o.base_url);
	if (msg)
		return cli_error(cli, CLI_USAGE, "--base-url '%s': %s", o.base_url, msg);
	token = o.token ? o.token : getenv("CLAIMS_TOKEN");
	if (token && !*token)
		token = NULL;
	for (const char *p = token; p && *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			return cli_error(cli, CLI_USAGE, "the token contains control characters");

	path = o.reset ? "/api/v1/cache/stats/reset" : "/api/v1/cache/stats";
	key_enc = malloc(o.key ? strlen(o.key) * 3 + 1 : 1);
	if (!key_enc)
		return cli_error(cli, CLI_INTERNAL, "out of memory");
	url_encode(key_enc, o.key ? o.key : "");
	net_host_header(&url, host, sizeof(host));
#define REQUEST_FORMAT                                                                       \
	"%s %s%s%s%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: claims/%s\r\n"                      \
	"Accept: application/json\r\nConnection: close\r\n%s%s%s%s\r\n"
#define REQUEST_ARGS                                                                         \
	o.reset ? "POST" : "GET", url.prefix, path, o.key ? "?key=" : "", key_enc, host,      \
		claims_version(), o.reset ? "Content-Length: 0\r\n" : "",                     \
		token ? "Authorization: Bearer " : "", token ? token : "", token ? "\r\n" : ""
	rc = snprintf(NULL, 0, REQUEST_FORMAT, REQUEST_ARGS);
	n = rc < 0 ? 0 : (size_t)rc + 1;
	request = n ? malloc(n) : NULL;
	if (!request) {
		code = cli_error(cli, CLI_INTERNAL, "out of memory");
		goto out;
	}
	(void)snprintf(request, n, REQUEST_FORMAT, REQUEST_ARGS);
#undef REQUEST_FORMAT
#undef REQUEST_ARGS

	if (net_resolve(&url, &addrs, err, sizeof(err)) < 0) {
		code = cli_error(cli, CLI_UNREACHABLE, "%s", err);
		goto out;
	}
	rc = exchange(addrs, request, &h, &b);
	if (rc != 0) {
		const char *why = rc == -1 ? "the answer is not HTTP"
			       : rc == -2 ? "the connection closed before the answer ended"
			       : rc == ETIMEDOUT ? "timeout"
			       : rc == ECONNREFUSED ? "connection refused" : strerror(rc);

		code = cli_error(cli, CLI_UNREACHABLE, "cannot reach %s: %s", o.base_url, why);
		goto out;
	}
	if (b.oom || b.too_large) {
		code = cli_error(cli, b.oom ? CLI_INTERNAL : CLI_UNREACHABLE,
				 b.oom ? "out of memory" : "the answer is larger than 16 MiB");
		goto out;
	}
	if (h.status < 200 || h.status > 299) {
		char *message = NULL;

		if (b.data && json_body_string(b.data, "message", &message) == JSON_BODY_OK)
			code = cli_error(cli, CLI_UNREACHABLE, "the server answered %d: %s",
					 h.status, message);
		else
			code = cli_error(cli, CLI_UNREACHABLE, "the server answered %d", h.status);
		free(message);
		goto out;
	}
	printf("%s\n", b.data ? b.data : "");
	code = CLI_OK;
out:
	if (addrs)
		freeaddrinfo(addrs);
	free(request);
	free(key_enc);
	free(b.data);
	return code;
}
