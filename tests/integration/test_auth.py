"""Users, passwords and tokens end to end (security.md §1-§2, cli.md):
`claims user`, `claims token`, `claims keygen`, `claims cache-stats`, and
POST /api/v1/auth/token on a real claimsd (JSON and form bodies, 401, 422,
429 after five failures, 501 without a secret, startup refusals, and the
timing of an unknown name against a wrong password)."""
import base64
import hashlib
import hmac
import http.server
import json
import os
import pty
import select
import socket
import statistics
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLAIMS, Server, TempDirTestCase, run_cli  # noqa: E402

TOKEN_PATH = '/api/v1/auth/token'
GOOD = 'correct horse battery'
# 32 bytes 0x00..0x1f, base64: a valid JWT secret for every test here.
KEY_BYTES = bytes(range(32))
KEY = base64.b64encode(KEY_BYTES).decode()
ENV = {'JWT_SECRET_KEY': KEY}


def run(*args, input=None, env=None, cwd=None, new_session=False):
    """run_cli with a working directory, and optionally without a controlling
    terminal (a new session), so that /dev/tty cannot be opened."""
    full = dict(os.environ)
    full['CLAIMS_ENV_FILE'] = os.devnull
    full.pop('CLAIMS_DB', None)
    full.pop('CLAIMS_TOKEN', None)
    if env:
        full.update(env)
    return subprocess.run([CLAIMS, *args], input=input, capture_output=True, text=True,
                          env=full, cwd=cwd, start_new_session=new_session, timeout=120)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + '=' * (-len(s) % 4))


def check_token(test, token, key=KEY_BYTES):
    """The three parts, the exact header, a valid HS256 signature; returns the payload."""
    parts = token.split('.')
    test.assertEqual(len(parts), 3)
    for p in parts:
        test.assertNotIn('=', p)
    test.assertEqual(json.loads(b64url_decode(parts[0])), {'alg': 'HS256', 'typ': 'JWT'})
    mac = hmac.new(key, (parts[0] + '.' + parts[1]).encode(), hashlib.sha256).digest()
    test.assertEqual(b64url_decode(parts[2]), mac)
    payload = json.loads(b64url_decode(parts[1]))
    test.assertEqual(list(payload), ['sub', 'iat', 'exp', 'jti'])
    test.assertEqual(len(payload['jti']), 22)
    test.assertEqual(len(b64url_decode(payload['jti'])), 16)
    test.assertLessEqual(abs(payload['iat'] - time.time()), 5)
    return payload


class AuthCase(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = self.path('auth.db')

    def cli(self, *args, input=None, env=None):
        full = dict(ENV)
        if env:
            full.update(env)
        return run_cli('--db', self.db, *args, input=input, env=full)

    def add(self, name, password=GOOD, role=None, env=None):
        args = ['user', 'add', name, '--password-stdin'] + (['--role', role] if role else [])
        r = self.cli(*args, input=password + '\n', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def assertFails(self, r, code, message):
        self.assertEqual((r.returncode, r.stderr), (code, message + '\n'))
        self.assertEqual(r.stdout, '')


class CliUsers(AuthCase):
    def test_add_and_list(self):
        r = self.add('alice', role='admin')
        self.assertEqual((r.stdout, r.stderr), ('Added user alice (role admin)\n', ''))
        r = self.add('Bob')
        self.assertEqual(r.stdout, 'Added user Bob (role user)\n')
        self.assertEqual(self.add('quiet', env=None).returncode, 0)
        r = self.cli('--quiet', 'user', 'add', 'carol', '--password-stdin', input=GOOD + '\n')
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, '', ''))

        r = self.cli('--json', 'user', 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count('\n'), 1)
        doc = json.loads(r.stdout)
        self.assertEqual(list(doc), ['users', 'total', 'skip', 'limit'])
        self.assertEqual((doc['total'], doc['skip'], doc['limit']), (4, 0, 4))
        self.assertEqual([u['username'] for u in doc['users']], ['alice', 'Bob', 'quiet', 'carol'])
        first = doc['users'][0]
        self.assertEqual(list(first), ['id', 'username', 'role', 'is_active', 'tokens_valid_after',
                                       'last_login_at', 'created_at', 'updated_at'])
        self.assertEqual((first['id'], first['role'], first['is_active'],
                          first['tokens_valid_after'], first['last_login_at']),
                         (1, 'admin', True, None, None))
        self.assertRegex(first['created_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        self.assertEqual(doc['users'][1]['role'], 'user')
        self.assertNotIn('password', r.stdout)
        self.assertNotIn('argon2', r.stdout)
        # --json after the subcommand too.
        self.assertEqual(json.loads(self.cli('user', 'list', '--json').stdout), doc)

        r = self.cli('user', 'list')
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ['ID', 'USERNAME', 'ROLE', 'ACTIVE', 'LAST', 'LOGIN',
                                            'CREATED'])
        self.assertEqual(lines[1].split()[:5], ['1', 'alice', 'admin', 'yes', '-'])
        self.assertEqual(len(lines), 5)

    def test_empty_list(self):
        r = self.cli('user', 'list')
        self.assertEqual((r.returncode, r.stdout),
                         (0, 'No users (add one with: claims user add NAME --role admin)\n'))
        r = self.cli('--json', 'user', 'list')
        self.assertEqual(json.loads(r.stdout), {'users': [], 'total': 0, 'skip': 0, 'limit': 0})

    def test_password_policy(self):
        def add(name, password, env=None):
            return self.cli('user', 'add', name, '--password-stdin', input=password + '\n',
                            env=env)

        self.assertFails(add('a', 'p' * 11), 3,
                         'claims: user: the password must be at least 12 bytes long (got 11)')
        self.assertFails(add('a', 'p' * 1025), 3,
                         'claims: user: the password must be at most 1024 bytes long (got 1025)')
        self.assertFails(add('a', 'p' * 5000), 3,
                         'claims: user: the password must be at most 1024 bytes long')
        self.assertEqual(add('a12', 'p' * 12).returncode, 0)
        self.assertEqual(add('a1024', 'p' * 1024).returncode, 0)
        # Bytes, not characters: 6 two-byte characters are 12 bytes.
        self.assertEqual(add('utf8', 'é' * 6).returncode, 0)
        # The line ends at its newline; a CR before it is not part of it.
        r = self.cli('user', 'add', 'crlf', '--password-stdin', input=GOOD + '\r\n')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFails(add('a', 'q' * 15, env={'PASSWORD_MIN_LENGTH': '16'}), 3,
                         'claims: user: the password must be at least 16 bytes long (got 15)')
        self.assertFails(add('a', 'q' * 15, env={'PASSWORD_MIN_LENGTH': 'twelve'}), 2,
                         'claims: user: PASSWORD_MIN_LENGTH must be an integer 8..1024')
        self.assertFails(self.cli('user', 'add', 'a', '--password-stdin', input=''), 3,
                         'claims: user: no password on standard input')
        self.assertEqual(json.loads(self.cli('--json', 'user', 'list').stdout)['total'], 4)

    def test_refusals(self):
        self.add('alice')
        self.assertFails(self.cli('user', 'add', 'ALICE', '--password-stdin', input=GOOD + '\n'),
                         3, 'claims: user: User already exists: ALICE')
        self.assertFails(self.cli('user', 'add', 'x', '--role', 'root', '--password-stdin',
                                  input=GOOD + '\n'),
                         2, 'claims: user: --role must be admin or user, not \'root\'')
        self.assertFails(self.cli('user', 'add', 'n' * 65, '--password-stdin', input=GOOD + '\n'),
                         3, 'claims: user: a user name is 1 to 64 bytes of UTF-8 text without '
                            'control characters')
        r = self.cli('user', 'add', '--password-stdin', input=GOOD + '\n')
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith('claims: user: missing NAME (usage: '), r.stderr)
        r = self.cli('user', 'frobnicate')
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("claims: user: unknown subcommand 'frobnicate'"))
        r = self.cli('user', 'add', 'x', '--bogus')
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("claims: user: unknown option '--bogus'"))
        # No terminal (a new session has none) and no --password-stdin.
        for args in (['user', 'add', 'x'], ['user', 'passwd', 'alice'], ['token', 'alice']):
            r = run('--db', self.db, *args, input='', env=ENV, new_session=True)
            cmd = args[0]
            self.assertFails(r, 2, f'claims: {cmd}: no terminal to read the password from; '
                                   'use --password-stdin')

    def test_passwd_disable_enable(self):
        self.add('alice')
        self.assertFails(self.cli('user', 'passwd', 'nobody', '--password-stdin',
                                  input=GOOD + '\n'),
                         4, 'claims: user: User not found: nobody')
        self.assertFails(self.cli('user', 'disable', 'nobody'), 4,
                         'claims: user: User not found: nobody')
        self.assertFails(self.cli('user', 'enable', 'nobody'), 4,
                         'claims: user: User not found: nobody')
        self.assertFails(self.cli('user', 'passwd', 'alice', '--password-stdin',
                                  input='short\n'),
                         3, 'claims: user: the password must be at least 12 bytes long (got 5)')

        r = self.cli('user', 'passwd', 'ALICE', '--password-stdin', input='a new password!\n')
        self.assertEqual((r.returncode, r.stdout),
                         (0, 'Changed the password of ALICE; tokens issued before now are '
                             'refused\n'))
        r = self.cli('user', 'disable', 'alice')
        self.assertEqual((r.returncode, r.stdout),
                         (0, 'Disabled user alice; tokens issued before now are refused\n'))
        r = self.cli('--json', 'user', 'enable', 'alice')
        self.assertEqual(r.returncode, 0, r.stderr)
        u = json.loads(r.stdout)
        self.assertEqual((u['username'], u['is_active']), ('alice', True))
        self.assertRegex(u['tokens_valid_after'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        r = self.cli('--json', 'user', 'disable', 'alice')
        self.assertFalse(json.loads(r.stdout)['is_active'])
        self.assertEqual(self.cli('user', 'enable', 'alice').stdout, 'Enabled user alice\n')
        # The new password is the one that works.
        tok = self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n')
        self.assertFails(tok, 3, 'claims: token: Invalid username or password')
        tok = self.cli('token', 'alice', '--password-stdin', input='a new password!\n')
        self.assertEqual(tok.returncode, 0, tok.stderr)

    def test_terminal_prompts(self):
        """Without --password-stdin the password is read from the terminal with echo
        off, twice when it is being set."""
        out, code = self.with_tty(['user', 'add', 'tty', '--role', 'admin'],
                                  ['first password!', 'other password!'])
        self.assertEqual(code, 3)
        self.assertIn(b'Password: ', out)
        self.assertIn(b'Repeat password: ', out)
        self.assertIn(b'claims: user: the passwords do not match', out)
        self.assertNotIn(b'first password', out)
        out, code = self.with_tty(['user', 'add', 'tty', '--role', 'admin'],
                                  ['first password!', 'first password!'])
        self.assertEqual(code, 0, out)
        self.assertNotIn(b'first password', out)
        self.assertIn(b'Added user tty (role admin)', out)
        # token asks once.
        out, code = self.with_tty(['token', 'tty'], ['first password!'])
        self.assertEqual(code, 0, out)
        self.assertEqual(out.count(b'Password: '), 1)
        self.assertNotIn(b'Repeat', out)
        token = out.decode().split()[-1]
        self.assertEqual(check_token(self, token)['sub'], 'tty')

    def with_tty(self, args, answers):
        env = dict(os.environ)
        env.update(ENV)
        env['CLAIMS_ENV_FILE'] = os.devnull
        env.pop('CLAIMS_DB', None)
        pid, fd = pty.fork()
        if pid == 0:  # child: its own session with the pty as terminal
            try:
                os.execve(CLAIMS, [CLAIMS, '--db', self.db, *args], env)
            finally:
                os._exit(127)
        out = b''

        def read_until(marker, timeout=20):
            nonlocal out
            deadline = time.monotonic() + timeout
            while marker not in out and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.1)
                if ready:
                    try:
                        chunk = os.read(fd, 4096)
                    except OSError:
                        return
                    if not chunk:
                        return
                    out += chunk
        try:
            for i, answer in enumerate(answers):
                read_until(b'Password: ' if i == 0 else b'Repeat password: ')
                os.write(fd, answer.encode() + b'\n')
            read_until(b'\0', timeout=20)  # to the end
        finally:
            _, status = os.waitpid(pid, 0)
            os.close(fd)
        return out, os.waitstatus_to_exitcode(status)


class CliTokenKeygen(AuthCase):
    def test_keygen(self):
        cwd = self.path('cwd')
        os.mkdir(cwd)
        r = run('keygen', env={'CLAIMS_DB': self.path('no/such/dir/x.db')}, cwd=cwd)
        self.assertEqual((r.returncode, r.stderr), (0, ''))
        text = r.stdout.strip()
        self.assertEqual(len(text), 44)
        self.assertEqual(len(base64.b64decode(text, validate=True)), 32)
        self.assertNotEqual(run_cli('keygen').stdout, r.stdout)
        r = run_cli('keygen', '--hex')
        self.assertRegex(r.stdout, r'^[0-9a-f]{64}\n$')
        doc = json.loads(run('--json', 'keygen', cwd=cwd).stdout)
        self.assertEqual(list(doc), ['key'])
        self.assertEqual(len(base64.b64decode(doc['key'])), 32)
        self.assertEqual(os.listdir(cwd), [])  # no database was opened
        self.assertFalse(os.path.exists(self.path('no')))
        self.assertEqual(run_cli('keygen', '--base64').returncode, 2)
        # What keygen prints is accepted as a secret (and signs tokens).
        self.add('alice')
        for key in (text, run_cli('keygen', '--hex').stdout.strip()):
            r = self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n',
                         env={'JWT_SECRET_KEY': key})
            self.assertEqual(r.returncode, 0, r.stderr)
            raw = bytes.fromhex(key) if len(key) == 64 else base64.b64decode(key)
            check_token(self, r.stdout.strip(), raw)

    def test_token(self):
        self.add('Alice', role='admin')
        r = self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n')
        self.assertEqual((r.returncode, r.stderr), (0, ''))
        self.assertEqual(r.stdout.count('\n'), 1)
        p = check_token(self, r.stdout.strip())
        self.assertEqual(p['sub'], 'Alice')  # the stored name
        self.assertEqual(p['exp'] - p['iat'], 1440 * 60)
        # The login was recorded.
        users = json.loads(self.cli('--json', 'user', 'list').stdout)['users']
        self.assertIsNotNone(users[0]['last_login_at'])

        r = self.cli('--json', 'token', 'alice', '--password-stdin', '--minutes', '5',
                     input=GOOD + '\n')
        doc = json.loads(r.stdout)
        self.assertEqual(list(doc), ['access_token', 'token_type', 'expires_in'])
        self.assertEqual((doc['token_type'], doc['expires_in']), ('bearer', 300))
        p = check_token(self, doc['access_token'])
        self.assertEqual(p['exp'] - p['iat'], 300)
        r = self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n',
                     env={'JWT_ACCESS_TOKEN_EXPIRE_MINUTES': '10080'})
        p = check_token(self, r.stdout.strip())
        self.assertEqual(p['exp'] - p['iat'], 10080 * 60)
        # Two tokens differ by their jti.
        a = check_token(self, self.cli('token', 'alice', '--password-stdin',
                                       input=GOOD + '\n').stdout.strip())
        self.assertNotEqual(a['jti'], p['jti'])

    def test_token_refusals(self):
        self.add('alice')
        t = ['token', 'alice', '--password-stdin']
        self.assertFails(self.cli(*t, '--minutes', '4', input=GOOD + '\n'), 2,
                         "claims: token: --minutes must be an integer 5..10080, not '4'")
        self.assertFails(self.cli(*t, '--minutes', '10081', input=GOOD + '\n'), 2,
                         "claims: token: --minutes must be an integer 5..10080, not '10081'")
        self.assertFails(self.cli(*t, input=GOOD + '\n',
                                  env={'JWT_ACCESS_TOKEN_EXPIRE_MINUTES': '4'}), 2,
                         'claims: token: JWT_ACCESS_TOKEN_EXPIRE_MINUTES must be an integer '
                         '5..10080')
        self.assertFails(self.cli(*t, input=GOOD + '\n', env={'JWT_SECRET_KEY': ''}), 2,
                         'claims: token: JWT_SECRET_KEY (or JWT_SECRET_KEY_FILE) is not set; '
                         'make one with: claims keygen')
        short = base64.b64encode(bytes(range(1, 17))).decode()
        self.assertFails(self.cli(*t, input=GOOD + '\n', env={'JWT_SECRET_KEY': short}), 2,
                         'claims: token: JWT_SECRET_KEY must decode to 32..4096 bytes (got 16)')
        self.assertFails(self.cli(*t, input=GOOD + '\n',
                                  env={'JWT_SECRET_KEY': 'change-me-please'}), 2,
                         'claims: token: JWT_SECRET_KEY is a placeholder (starts with change-me)')
        self.assertFails(self.cli('token', 'nobody', '--password-stdin', input=GOOD + '\n'), 4,
                         'claims: token: User not found: nobody')
        self.assertFails(self.cli(*t, input='a wrong password\n'), 3,
                         'claims: token: Invalid username or password')
        self.cli('user', 'disable', 'alice')
        self.assertFails(self.cli(*t, input=GOOD + '\n'), 3,
                         'claims: token: user alice is disabled')
        self.assertFails(self.cli('token', '--password-stdin', input=GOOD + '\n'), 2,
                         'claims: token: missing NAME (usage: claims token NAME '
                         '[--password-stdin] [--minutes N])')

    def test_token_key_file(self):
        self.add('alice')
        path = self.path('jwt.key')
        with open(path, 'w') as f:
            f.write(KEY + '\n')
        os.chmod(path, 0o600)
        env = {'JWT_SECRET_KEY': '', 'JWT_SECRET_KEY_FILE': path}
        r = self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n', env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        check_token(self, r.stdout.strip())
        os.chmod(path, 0o644)
        self.assertFails(self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n',
                                  env=env), 2,
                         'claims: token: JWT_SECRET_KEY_FILE: the key file is readable by '
                         'group or others (chmod 600)')
        os.chmod(path, 0o600)
        self.assertFails(self.cli('token', 'alice', '--password-stdin', input=GOOD + '\n',
                                  env={'JWT_SECRET_KEY_FILE': path}), 2,
                         'claims: token: JWT_SECRET_KEY and JWT_SECRET_KEY_FILE are both set; '
                         'set one')


def post_json(srv, body, headers=None):
    h = {'Content-Type': 'application/json'}
    h.update(headers or {})
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return srv.request('POST', TOKEN_PATH, data, h)


def post_form(srv, fields):
    data = fields if isinstance(fields, bytes) else urllib.parse.urlencode(fields).encode()
    return srv.request('POST', TOKEN_PATH, data,
                       {'Content-Type': 'application/x-www-form-urlencoded'})


UNAUTHORIZED = {'error': 'UNAUTHORIZED', 'message': 'Invalid username or password', 'details': {}}


class ServerTokens(AuthCase):
    def start(self, env=None):
        full = dict(ENV)
        full.update(env or {})
        srv = Server(self.db, env=full)
        self.addCleanup(self.stop, srv)
        return srv

    def stop(self, srv):
        """A clean stop: exit 0 (a sanitizer's report at exit would change it)."""
        code, log = srv.stop()
        self.assertEqual(code, 0, log)

    def test_json_and_form(self):
        self.add('Alice', role='admin')
        srv = self.start()
        status, headers, body = post_json(srv, {'username': 'alice', 'password': GOOD})
        self.assertEqual(status, 200, body)
        self.assertEqual(headers['Content-Type'], 'application/json; charset=utf-8')
        doc = json.loads(body)
        self.assertEqual(list(doc), ['access_token', 'token_type', 'expires_in'])
        self.assertEqual((doc['token_type'], doc['expires_in']), ('bearer', 86400))
        p = check_token(self, doc['access_token'])
        self.assertEqual((p['sub'], p['exp'] - p['iat']), ('Alice', 86400))

        status, _, body = post_form(srv, {'username': 'ALICE', 'password': GOOD,
                                          'grant_type': 'password'})
        self.assertEqual(status, 200, body)
        check_token(self, json.loads(body)['access_token'])
        status, _, body = post_form(srv, {'username': 'alice', 'password': GOOD})
        self.assertEqual(status, 200, body)
        # '+' and %XX decode in forms.
        status, _, body = post_form(srv, b'username=alice&password=correct+horse%20battery')
        self.assertEqual(status, 200, body)
        status, _, body = post_form(srv, b'username=alice&password=correct+horse+batter')
        self.assertEqual((status, json.loads(body)), (401, UNAUTHORIZED))

    def test_expiry_setting(self):
        self.add('alice')
        srv = self.start({'JWT_ACCESS_TOKEN_EXPIRE_MINUTES': '5'})
        status, _, body = post_json(srv, {'username': 'alice', 'password': GOOD})
        doc = json.loads(body)
        self.assertEqual((status, doc['expires_in']), (200, 300))
        p = check_token(self, doc['access_token'])
        self.assertEqual(p['exp'] - p['iat'], 300)

    def test_unauthorized(self):
        self.add('alice')
        self.add('dora')
        self.cli('user', 'disable', 'dora')
        srv = self.start()
        for creds in ({'username': 'alice', 'password': 'not the password'},
                      {'username': 'nobody', 'password': GOOD},
                      {'username': 'dora', 'password': GOOD},
                      {'username': 'alice', 'password': GOOD + 'x' * 2000}):
            status, headers, body = post_json(srv, creds)
            self.assertEqual((status, json.loads(body)), (401, UNAUTHORIZED), creds)
            self.assertEqual(headers['WWW-Authenticate'], 'Bearer realm="claims"')

    def test_validation(self):
        srv = self.start()

        def loc_types(body):
            doc = json.loads(body)
            self.assertEqual(doc['error'], 'VALIDATION_ERROR')
            return [(d['loc'], d['type']) for d in doc['details']]

        cases = [
            (post_json(srv, {'username': 'alice'}), [(['body', 'password'], 'missing')]),
            (post_json(srv, {'password': GOOD}), [(['body', 'username'], 'missing')]),
            (post_json(srv, {}), [(['body', 'username'], 'missing'),
                                  (['body', 'password'], 'missing')]),
            (post_json(srv, {'username': '', 'password': GOOD}),
             [(['body', 'username'], 'missing')]),
            (post_json(srv, {'username': None, 'password': GOOD}),
             [(['body', 'username'], 'missing')]),
            (post_json(srv, {'username': 7, 'password': GOOD}),
             [(['body', 'username'], 'string_type')]),
            (post_json(srv, [1, 2]), [(['body'], 'json_invalid')]),
            (post_json(srv, b'{"username": '), [(['body'], 'json_invalid')]),
            (post_form(srv, {'username': 'alice'}), [(['body', 'password'], 'missing')]),
            (post_form(srv, b''), [(['body', 'username'], 'missing'),
                                   (['body', 'password'], 'missing')]),
            (post_form(srv, {'username': 'alice', 'password': GOOD, 'grant_type': 'client'}),
             [(['body', 'grant_type'], 'enum')]),
            (post_form(srv, b'username=a&username=b&password=x'),
             [(['body', 'username'], 'repeated')]),
        ]
        for (status, _, body), expected in cases:
            self.assertEqual(status, 422, body)
            self.assertEqual(loc_types(body), expected, body)

    def test_not_configured(self):
        self.add('alice')
        srv = self.start({'JWT_SECRET_KEY': ''})
        status, _, body = post_json(srv, {'username': 'alice', 'password': GOOD})
        self.assertEqual((status, json.loads(body)),
                         (501, {'error': 'NOT_IMPLEMENTED',
                                'message': 'Tokens are not issued: JWT_SECRET_KEY is not '
                                           'configured',
                                'details': {}}))
        status, _, _ = srv.request('GET', TOKEN_PATH)
        self.assertEqual(status, 405)

    def test_login_window(self):
        self.add('alice')
        self.add('bob')
        srv = self.start()
        t0 = time.time()
        for _ in range(5):
            status, _, body = post_json(srv, {'username': 'alice', 'password': 'wrong password'})
            self.assertEqual((status, json.loads(body)), (401, UNAUTHORIZED))
        # The sixth attempt, even with the right password, and any case of the name.
        for name in ('alice', 'ALICE', 'Alice'):
            status, headers, body = post_json(srv, {'username': name, 'password': GOOD})
            self.assertEqual(status, 429, body)
            retry = int(headers['Retry-After'])
            self.assertLessEqual(retry, 900)
            self.assertGreaterEqual(retry, 900 - int(time.time() - t0) - 2)
            self.assertEqual(json.loads(body),
                             {'error': 'RATE_LIMIT_EXCEEDED',
                              'message': 'Too many failed logins',
                              'details': {'window': 'login', 'limit': 5, 'retry_after': retry}})
        status, _, _ = post_form(srv, {'username': 'alice', 'password': GOOD})
        self.assertEqual(status, 429)
        # Other names are not affected; a success clears the count.
        for _ in range(2):
            for _ in range(4):
                status, _, _ = post_json(srv, {'username': 'bob', 'password': 'wrong password'})
                self.assertEqual(status, 401)
            status, _, _ = post_json(srv, {'username': 'bob', 'password': GOOD})
            self.assertEqual(status, 200)
        # Unknown names count too.
        for _ in range(5):
            self.assertEqual(post_json(srv, {'username': 'ghost', 'password': GOOD})[0], 401)
        self.assertEqual(post_json(srv, {'username': 'ghost', 'password': GOOD})[0], 429)

    def test_login_max_failures_setting(self):
        self.add('alice')
        srv = self.start({'LOGIN_MAX_FAILURES': '2'})
        for _ in range(2):
            self.assertEqual(post_json(srv, {'username': 'alice', 'password': 'wrong!'})[0], 401)
        status, _, body = post_json(srv, {'username': 'alice', 'password': GOOD})
        self.assertEqual(status, 429)
        self.assertEqual(json.loads(body)['details']['limit'], 2)

    def test_startup_refusals(self):
        short = base64.b64encode(bytes(range(1, 17))).decode()
        cases = [
            ({'JWT_SECRET_KEY': 'change-me-before-production-please'},
             'claimsd: JWT_SECRET_KEY is a placeholder (starts with change-me)'),
            ({'JWT_SECRET_KEY': short},
             'claimsd: JWT_SECRET_KEY must decode to 32..4096 bytes (got 16)'),
            ({'JWT_SECRET_KEY': 'A' * 43},
             'claimsd: JWT_SECRET_KEY is refused: all its bytes are equal'),
            ({'JWT_SECRET_KEY_FILE': self.path('missing.key')},
             'claimsd: JWT_SECRET_KEY and JWT_SECRET_KEY_FILE are both set; set one'),
            ({'JWT_ACCESS_TOKEN_EXPIRE_MINUTES': '4'},
             'claimsd: JWT_ACCESS_TOKEN_EXPIRE_MINUTES must be an integer 5..10080'),
            ({'JWT_ACCESS_TOKEN_EXPIRE_MINUTES': '10081'},
             'claimsd: JWT_ACCESS_TOKEN_EXPIRE_MINUTES must be an integer 5..10080'),
            ({'PASSWORD_MIN_LENGTH': 'x'},
             'claimsd: PASSWORD_MIN_LENGTH must be an integer 8..1024'),
            ({'LOGIN_MAX_FAILURES': '0'},
             'claimsd: LOGIN_MAX_FAILURES must be an integer 1..1000'),
        ]
        for env, message in cases:
            full = dict(os.environ)
            full.update(ENV)
            full.update(env)
            full['CLAIMS_ENV_FILE'] = os.devnull
            full.pop('CLAIMS_LISTEN', None)
            import subprocess
            p = subprocess.run([os.environ.get('CLAIMSD', 'claimsd'), '--listen', '127.0.0.1:0',
                                '--db', self.db], env=full, capture_output=True, text=True,
                               timeout=60)
            self.assertEqual((p.returncode, p.stderr), (78, message + '\n'), env)

    def test_timing_unknown_vs_wrong(self):
        """An unknown name and a wrong password cost one argon2id verification each:
        the medians of 20 tries differ by less than 20 %.  The two kinds alternate
        (and swap places in every other pair) so that a load change on this shared
        machine falls on both; a round disturbed anyway is measured again, at most
        three rounds: a real difference fails all three."""
        self.add('alice')
        srv = self.start({'LOGIN_MAX_FAILURES': '1000'})
        import http.client
        conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=30)
        self.addCleanup(conn.close)

        def timed(method, path, body=None):
            t = time.perf_counter()
            conn.request(method, path, body, {'Content-Type': 'application/json'})
            r = conn.getresponse()
            r.read()
            return time.perf_counter() - t, r.status

        def attempt(name):
            elapsed, status = timed('POST', TOKEN_PATH,
                                    json.dumps({'username': name, 'password': 'not it!'}))
            self.assertEqual(status, 401)
            return elapsed

        attempt('warm-up')
        rounds = []
        for _ in range(3):
            unknown, wrong = [], []
            for i in range(20):
                if i % 2:
                    wrong.append(attempt('alice'))
                    unknown.append(attempt(f'nobody{i}'))
                else:
                    unknown.append(attempt(f'nobody{i}'))
                    wrong.append(attempt('alice'))
            mu, mw = statistics.median(unknown), statistics.median(wrong)
            rounds.append((mu, mw))
            if max(mu, mw) / min(mu, mw) < 1.2:
                break
        mu, mw = rounds[-1]
        self.assertLess(max(mu, mw) / min(mu, mw), 1.2, rounds)
        # Both really hash: far slower than a plain request.
        plain = min(timed('GET', '/api/v1/health')[0] for _ in range(5))
        self.assertGreater(min(mu, mw), 5 * plain, (mu, mw, plain))


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers as told by the server's `answer` and records each request."""

    def do_GET(self):
        self._answer()

    def do_POST(self):
        self._answer()

    def _answer(self):
        self.server.seen.append((self.command, self.path, self.headers.get('Authorization'),
                                 self.headers.get('Content-Length')))
        status, body = self.server.answer
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class CliCacheStats(AuthCase):
    def test_against_claimsd(self):
        srv = self.start_server()
        cwd = self.path('cwd')
        os.mkdir(cwd)
        r = run('cache-stats', '--base-url', srv.base, cwd=cwd)
        self.assertEqual((r.returncode, r.stderr), (0, ''))
        doc = json.loads(r.stdout)
        _, _, direct = srv.request('GET', '/api/v1/cache/stats')
        self.assertEqual(list(doc), list(json.loads(direct)))
        self.assertIn('overall', doc)
        r = run_cli('cache-stats', '--base-url', srv.base, '--key', 'claim:1')
        self.assertEqual(json.loads(r.stdout)['key'], 'claim:1')
        r = run_cli('cache-stats', '--base-url', srv.base, '--reset')
        self.assertEqual((r.returncode, json.loads(r.stdout)),
                         (0, {'message': 'Cache statistics reset for all keys'}))
        r = run_cli('cache-stats', '--base-url', srv.base, '--reset', '--key', 'a b&c=d')
        self.assertEqual(json.loads(r.stdout),
                         {'message': 'Cache statistics reset for key: a b&c=d'})
        r = run_cli('cache-stats', '--base-url', srv.base + '/prefix')
        self.assertFails(r, 6, 'claims: cache-stats: the server answered 404: No route for '
                               'this path')
        self.assertEqual(os.listdir(cwd), [])  # no database opened

    def start_server(self):
        srv = Server(self.db)
        self.addCleanup(ServerTokens.stop, self, srv)
        return srv

    def test_unreachable(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            port = s.getsockname()[1]
        r = run_cli('cache-stats', '--base-url', f'http://127.0.0.1:{port}')
        self.assertFails(r, 6, f'claims: cache-stats: cannot reach http://127.0.0.1:{port}: '
                               'connection refused')
        r = run_cli('cache-stats', '--base-url', 'https://127.0.0.1:1')
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("claims: cache-stats: --base-url 'https://127.0.0.1:1'"))

    def test_token_and_requests(self):
        httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Recorder)
        httpd.seen = []
        httpd.answer = (200, '{"ok": true}')
        th = threading.Thread(target=httpd.serve_forever, daemon=True)
        th.start()
        self.addCleanup(httpd.server_close)
        self.addCleanup(httpd.shutdown)
        base = f'http://127.0.0.1:{httpd.server_address[1]}'

        r = run('cache-stats', '--base-url', base, env={'CLAIMS_TOKEN': 'tok-env'})
        self.assertEqual((r.returncode, r.stdout), (0, '{"ok": true}\n'))
        r = run('cache-stats', '--base-url', base + '/root', '--token', 'tok-flag',
                '--reset', '--key', 'pattern:payer:1', env={'CLAIMS_TOKEN': 'tok-env'})
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run('cache-stats', '--base-url', base)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(httpd.seen, [
            ('GET', '/api/v1/cache/stats', 'Bearer tok-env', None),
            ('POST', '/root/api/v1/cache/stats/reset?key=pattern%3Apayer%3A1', 'Bearer tok-flag',
             '0'),
            ('GET', '/api/v1/cache/stats', None, None),
        ])
        httpd.answer = (403, '{"error": "FORBIDDEN", "message": "Admin role required", '
                             '"details": {}}')
        r = run_cli('cache-stats', '--base-url', base, '--reset')
        self.assertFails(r, 6, 'claims: cache-stats: the server answered 403: Admin role '
                               'required')
        httpd.answer = (500, 'not json')
        self.assertFails(run_cli('cache-stats', '--base-url', base), 6,
                         'claims: cache-stats: the server answered 500')
        r = run_cli('cache-stats', '--base-url', base, '--token', 'a\tb')
        self.assertFails(r, 2, 'claims: cache-stats: the token contains control characters')


if __name__ == '__main__':
    unittest.main(verbosity=2)
