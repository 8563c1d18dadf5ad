"""The bad-input catalog of spec/security.md against a real claimsd.

Every case names its exact status and error code (and message where the
spec gives one).  Tokens are made here with the standard library, so the
tampered, wrong-key and other-algorithm ones are built exactly as an
attacker would; the users they name are made with `claims user add`.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLAIMSD, Server, TempDirTestCase, run_cli  # noqa: E402
import x12gen as g  # noqa: E402

SECRET = bytes(range(1, 49))            # 48 bytes, not all equal
SECRET_B64 = base64.b64encode(SECRET).decode()
OTHER = bytes(range(100, 148))
PASSWORD = 'correct horse battery'
PATIENT_LAST, PATIENT_FIRST, MEMBER = 'QUIXOTEVANDERBILT', 'ZEBEDIAH', 'MBRPHI778899'
EVIL = 'https://evil.example'
GOOD = 'https://clinic.example'


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode()


def make_token(sub='admin', iat=None, exp=None, key=SECRET, header=None, alg_fn=hashlib.sha256,
               jti='AAAAAAAAAAAAAAAAAAAAAA', payload=None):
    now = int(time.time())
    iat = now - 5 if iat is None else iat
    exp = now + 600 if exp is None else exp
    header = header or {'alg': 'HS256', 'typ': 'JWT'}
    payload = payload or {'sub': sub, 'iat': iat, 'exp': exp, 'jti': jti}
    signing = b64url(json.dumps(header, separators=(',', ':')).encode()) + '.' + \
        b64url(json.dumps(payload, separators=(',', ':')).encode())
    sig = hmac.new(key, signing.encode(), alg_fn).digest() if alg_fn else b''
    return signing + '.' + b64url(sig)


def raw_request(port, method, path, headers=None, body=None):
    """One request over http.client (lets paths and headers through as given)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=15)
    try:
        conn.putrequest(method, path, skip_host=False, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        if body is not None:
            conn.putheader('Content-Length', str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.headers, data
    finally:
        conn.close()


def wait_for_fresh_minute(margin=15):
    """Rate-limit windows are fixed minutes: start a burst well inside one."""
    if time.time() % 60 > 60 - margin:
        time.sleep(60 - time.time() % 60 + 0.2)


class SecurityCatalog(TempDirTestCase):
    """REQUIRE_AUTH on, rate limits off: tokens, roles, bodies, paths, filters, CORS."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._ctmp = tempfile.TemporaryDirectory(prefix='claims-sec-')
        cls.db = os.path.join(cls._ctmp.name, 'claims.db')
        cls.env = {'JWT_SECRET_KEY': SECRET_B64, 'REQUIRE_AUTH': 'true',
                   'CORS_ORIGINS': GOOD + ',http://localhost:3000',
                   'PHI_HASH_KEY': b64url(bytes(range(7, 39)))}
        for name, role in (('admin', 'admin'), ('clerk', 'user'), ('gone', 'user'),
                           ('moved', 'user')):
            r = run_cli('--db', cls.db, 'user', 'add', name, '--role', role, '--password-stdin',
                        input=PASSWORD + '\n', env=cls.env)
            assert r.returncode == 0, r.stderr
        f = os.path.join(cls._ctmp.name, 'phi.837')
        with open(f, 'wb') as out:
            out.write(g.file_837([({'last': PATIENT_LAST, 'first': PATIENT_FIRST,
                                    'member': MEMBER},
                                   [g.claim('SECPHI1', '100', [('99213', '100')])])]))
        r = run_cli('--db', cls.db, 'import', f, env=cls.env)
        assert r.returncode == 0, r.stderr
        cls.server = Server(cls.db, env=cls.env)
        cls.admin = make_token('admin')
        cls.clerk = make_token('clerk')

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        cls._ctmp.cleanup()

    def call(self, method, path, token=None, headers=None, body=None):
        h = dict(headers or {})
        if token:
            h['Authorization'] = 'Bearer ' + token
        return raw_request(self.server.port, method, path, h, body)

    def assert_error(self, resp, status, code, message=None):
        st, headers, body = resp
        self.assertEqual(st, status, body)
        doc = json.loads(body)
        self.assertEqual(doc['error'], code)
        if message is not None:
            self.assertEqual(doc['message'], message)
        return headers, doc

    def assert_401(self, resp, message, token_error):
        headers, _ = self.assert_error(resp, 401, 'UNAUTHORIZED', message)
        expected = 'Bearer realm="claims"' + (', error="invalid_token"' if token_error else '')
        self.assertEqual(headers['WWW-Authenticate'], expected)

    # ---- tokens
    def test_01_missing_token(self):
        self.assert_401(self.call('GET', '/api/v1/claims'), 'Authentication required', False)

    def test_02_no_bearer_prefix(self):
        self.assert_401(self.call('GET', '/api/v1/claims',
                                  headers={'Authorization': self.admin}),
                        'Invalid authorization header', False)

    def test_03_other_scheme(self):
        self.assert_401(self.call('GET', '/api/v1/claims',
                                  headers={'Authorization': 'Token ' + self.admin}),
                        'Invalid authorization header', False)

    def test_04_bearer_without_token(self):
        self.assert_401(self.call('GET', '/api/v1/claims', headers={'Authorization': 'Bearer'}),
                        'Invalid authorization header', False)

    def test_05_valid_token_any_case_scheme(self):
        st, _, body = self.call('GET', '/api/v1/claims',
                                headers={'Authorization': 'bearer ' + self.clerk})
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)['total'], 1)

    def test_06_expired(self):
        now = int(time.time())
        self.assert_401(self.call('GET', '/api/v1/claims',
                                  make_token('admin', iat=now - 7200, exp=now - 1)),
                        'Token expired', True)

    def test_07_tampered_payload(self):
        h, p, s = self.clerk.split('.')
        payload = json.loads(base64.urlsafe_b64decode(p + '=' * (-len(p) % 4)))
        payload['sub'] = 'admin'
        forged = h + '.' + b64url(json.dumps(payload).encode()) + '.' + s
        self.assert_401(self.call('GET', '/api/v1/audit-logs', forged), 'Invalid token', True)

    def test_08_one_signature_byte_changed(self):
        h, p, s = self.admin.split('.')
        sig = bytearray(base64.urlsafe_b64decode(s + '='))
        sig[7] ^= 0x01
        self.assert_401(self.call('GET', '/api/v1/claims', h + '.' + p + '.' + b64url(sig)),
                        'Invalid token', True)

    def test_09_wrong_key(self):
        self.assert_401(self.call('GET', '/api/v1/claims', make_token('admin', key=OTHER)),
                        'Invalid token', True)

    def test_10_alg_none(self):
        tok = make_token('admin', header={'alg': 'none', 'typ': 'JWT'}, alg_fn=None)
        self.assertTrue(tok.endswith('.'))
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_11_alg_hs512(self):
        tok = make_token('admin', header={'alg': 'HS512', 'typ': 'JWT'}, alg_fn=hashlib.sha512)
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_12_alg_rs256(self):
        tok = make_token('admin', header={'alg': 'RS256', 'typ': 'JWT'})
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_13_malformed_base64(self):
        h, p, s = self.admin.split('.')
        self.assert_401(self.call('GET', '/api/v1/claims', h + '.' + p[:-2] + '*!.' + s),
                        'Invalid token', True)

    def test_14_oversized(self):
        tok = make_token('admin', payload={'sub': 'admin', 'iat': int(time.time()),
                                           'exp': int(time.time()) + 60,
                                           'jti': 'x' * 22, 'pad': 'p' * 4200})
        self.assertGreater(len(tok), 4096)
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_15_two_parts(self):
        self.assert_401(self.call('GET', '/api/v1/claims', self.admin.rsplit('.', 1)[0]),
                        'Invalid token', True)

    def test_16_issued_in_the_future(self):
        now = int(time.time())
        self.assert_401(self.call('GET', '/api/v1/claims',
                                  make_token('admin', iat=now + 600, exp=now + 1200)),
                        'Invalid token', True)

    def test_17_unknown_user(self):
        self.assert_401(self.call('GET', '/api/v1/claims', make_token('nobody')),
                        'Invalid token', True)

    def test_18_disabled_user(self):
        tok = make_token('gone')
        st, _, _ = self.call('GET', '/api/v1/claims', tok)
        self.assertEqual(st, 200)
        r = run_cli('--db', self.db, 'user', 'disable', 'gone', env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_19_token_before_password_change(self):
        tok = make_token('moved', iat=int(time.time()) - 30)
        self.assertEqual(self.call('GET', '/api/v1/claims', tok)[0], 200)
        r = run_cli('--db', self.db, 'user', 'passwd', 'moved', '--password-stdin',
                    input='another long password\n', env=self.env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_401(self.call('GET', '/api/v1/claims', tok), 'Invalid token', True)

    def test_20_user_role_refused_admin_routes(self):
        self.assert_error(self.call('GET', '/api/v1/audit-logs', self.clerk), 403, 'FORBIDDEN')
        self.assert_error(self.call('GET', '/api/v1/audit-logs/stats', self.clerk), 403,
                          'FORBIDDEN')
        self.assert_error(self.call('POST', '/api/v1/cache/stats/reset', self.clerk), 403,
                          'FORBIDDEN')
        self.assertEqual(self.call('GET', '/api/v1/cache/stats', self.clerk)[0], 200)

    def test_21_admin_allowed(self):
        self.assertEqual(self.call('GET', '/api/v1/audit-logs', self.admin)[0], 200)
        self.assertEqual(self.call('POST', '/api/v1/cache/stats/reset', self.admin)[0], 200)

    def test_22_exempt_paths(self):
        self.assertEqual(self.call('GET', '/api/v1/health')[0], 200)
        self.assertEqual(self.call('GET', '/')[0], 200)
        self.assert_401(self.call('GET', '/api/v1/health/detailed'), 'Authentication required',
                        False)
        self.assert_401(self.call('GET', '/metrics'), 'Authentication required', False)

    def test_23_unknown_route_needs_auth_first(self):
        # Order of checks: authentication before route (no route probing).
        self.assert_401(self.call('GET', '/api/v1/nothing'), 'Authentication required', False)
        self.assert_error(self.call('GET', '/api/v1/nothing', self.clerk), 404, 'NOT_FOUND')

    def ws_upgrade(self, query='', headers=None):
        import socket
        sock = socket.create_connection(('127.0.0.1', self.server.port), timeout=10)
        try:
            extra = ''.join(f'{k}: {v}\r\n' for k, v in (headers or {}).items())
            sock.sendall((f'GET /ws/notifications{query} HTTP/1.1\r\nHost: x\r\n'
                          'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
                          f'Sec-WebSocket-Version: 13\r\n{extra}\r\n').encode())
            data = b''
            while b'\r\n\r\n' not in data:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
            return data.split(b'\r\n', 1)[0].decode(), data
        finally:
            sock.close()

    def test_24_websocket_upgrade_needs_token(self):
        line, data = self.ws_upgrade()
        self.assertEqual(line, 'HTTP/1.1 401 Unauthorized')
        self.assertIn(b'WWW-Authenticate: Bearer realm="claims"\r\n', data)
        line, _ = self.ws_upgrade('?token=' + make_token('admin', key=OTHER))
        self.assertEqual(line, 'HTTP/1.1 401 Unauthorized')
        line, _ = self.ws_upgrade('?token=' + self.clerk)
        self.assertEqual(line, 'HTTP/1.1 101 Switching Protocols')
        line, _ = self.ws_upgrade(headers={'Authorization': 'Bearer ' + self.clerk})
        self.assertEqual(line, 'HTTP/1.1 101 Switching Protocols')

    # ---- logins
    def login(self, body, ctype='application/json'):
        return self.call('POST', '/api/v1/auth/token', headers={'Content-Type': ctype},
                         body=body.encode())

    def test_30_login_wrong_password(self):
        self.assert_error(self.login(json.dumps({'username': 'clerk', 'password': 'x' * 14})),
                          401, 'UNAUTHORIZED', 'Invalid username or password')

    def test_31_login_unknown_user(self):
        self.assert_error(self.login(json.dumps({'username': 'nobody', 'password': PASSWORD})),
                          401, 'UNAUTHORIZED', 'Invalid username or password')

    def test_32_login_empty(self):
        self.assert_error(self.login(''), 422, 'VALIDATION_ERROR')
        self.assert_error(self.login('{}'), 422, 'VALIDATION_ERROR')

    def test_33_login_gives_a_working_token(self):
        st, _, body = self.login(json.dumps({'username': 'ADMIN', 'password': PASSWORD}))
        self.assertEqual(st, 200, body)
        doc = json.loads(body)
        self.assertEqual(doc['token_type'], 'bearer')
        self.assertEqual(self.call('GET', '/api/v1/audit-logs', doc['access_token'])[0], 200)

    # ---- bodies
    def test_40_malformed_json(self):
        _, doc = self.assert_error(
            self.call('PATCH', '/api/v1/episodes/1/status', self.clerk,
                      {'Content-Type': 'application/json'}, b'{"status": '),
            422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'json_invalid')

    def test_41_oversized_json(self):
        body = b'{"status": "' + b'a' * (1048576 - 13) + b'"}'
        self.assertEqual(len(body), 1048577)
        self.assert_error(self.call('PATCH', '/api/v1/episodes/1/status', self.clerk,
                                    {'Content-Type': 'application/json'}, body),
                          413, 'PAYLOAD_TOO_LARGE')

    def test_42_deeply_nested_json(self):
        body = b'{"status": ' + b'[' * 50000 + b']' * 50000 + b'}'
        _, doc = self.assert_error(
            self.call('PATCH', '/api/v1/episodes/1/status', self.clerk,
                      {'Content-Type': 'application/json'}, body),
            422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'json_invalid')

    def test_43_non_utf8_json(self):
        _, doc = self.assert_error(
            self.call('PATCH', '/api/v1/episodes/1/status', self.clerk,
                      {'Content-Type': 'application/json'}, b'{"status": "\xff\xfe"}'),
            422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'json_invalid')

    # ---- paths
    def test_50_dashboard_traversal(self):
        for path in ('/dashboard/../claims.db', '/dashboard/%2e%2e/%2e%2e/etc/passwd',
                     '/dashboard/..%2fx', '/dashboard/a%00.js'):
            with self.subTest(path=path):
                self.assert_error(self.call('GET', path), 404, 'NOT_FOUND')

    def test_51_overlong_path(self):
        self.assert_error(self.call('GET', '/api/v1/claims/' + 'a' * 17000, self.clerk), 413,
                          'PAYLOAD_TOO_LARGE')

    def test_52_overlong_headers(self):
        self.assert_error(self.call('GET', '/api/v1/health',
                                    headers={'X-Filler': 'f' * 17000}),
                          413, 'PAYLOAD_TOO_LARGE')

    def test_53_path_id_overflow(self):
        _, doc = self.assert_error(self.call('GET', '/api/v1/claims/99999999999999999999',
                                             self.clerk), 422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'int_parsing')

    # ---- filters with SQL metacharacters
    def test_60_status_injection(self):
        _, doc = self.assert_error(self.call('GET', "/api/v1/claims?status=pending'%20OR%201=1--",
                                             self.clerk), 422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'enum')

    def test_61_limit_injection(self):
        _, doc = self.assert_error(self.call('GET', '/api/v1/claims?limit=10;DROP%20TABLE%20claims',
                                             self.clerk), 422, 'VALIDATION_ERROR')
        self.assertEqual(doc['details'][0]['type'], 'int_parsing')
        self.assertEqual(self.call('GET', '/api/v1/claims', self.clerk)[0], 200)

    def test_62_audit_path_literal(self):
        st, _, body = self.call('GET', "/api/v1/audit-logs?path=%25'%20OR%201=1--", self.admin)
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)['logs'], [])

    def test_63_remit_number_literal(self):
        st, _, body = self.call('GET', "/api/v1/remits?claim_control_number=x'%20OR%20'1'='1",
                                self.clerk)
        self.assertEqual(st, 200, body)
        self.assertEqual(json.loads(body)['total'], 0)

    # ---- CORS and headers
    def test_70_preflight_allowed_origin_with_auth_on(self):
        st, h, _ = self.call('OPTIONS', '/api/v1/claims',
                             headers={'Origin': GOOD, 'Access-Control-Request-Method': 'GET',
                                      'Access-Control-Request-Headers': 'Authorization'})
        self.assertEqual(st, 204)
        self.assertEqual(h['Access-Control-Allow-Origin'], GOOD)
        self.assertEqual(h['Vary'], 'Origin')
        self.assertEqual(h['Access-Control-Allow-Methods'], 'GET, POST, PATCH, OPTIONS')
        self.assertEqual(h['Access-Control-Allow-Headers'],
                         'Authorization, Content-Type, Accept, X-Requested-With')
        self.assertEqual(h['Access-Control-Max-Age'], '600')

    def test_71_preflight_other_origin(self):
        st, h, _ = self.call('OPTIONS', '/api/v1/claims',
                             headers={'Origin': EVIL, 'Access-Control-Request-Method': 'GET'})
        self.assertEqual(st, 204)
        for name in ('Access-Control-Allow-Origin', 'Access-Control-Allow-Methods', 'Vary'):
            self.assertIsNone(h[name])

    def test_72_cors_on_errors(self):
        st, h, _ = self.call('GET', '/api/v1/claims', headers={'Origin': GOOD})
        self.assertEqual(st, 401)
        self.assertEqual(h['Access-Control-Allow-Origin'], GOOD)
        st, h, _ = self.call('GET', '/api/v1/claims', headers={'Origin': EVIL})
        self.assertIsNone(h['Access-Control-Allow-Origin'])

    def test_73_security_headers_everywhere(self):
        for method, path, token in (('GET', '/', None), ('GET', '/api/v1/claims', None),
                                    ('GET', '/api/v1/nothing', self.clerk),
                                    ('GET', '/api/v1/claims', self.clerk)):
            st, h, _ = self.call(method, path, token)
            with self.subTest(path=path, status=st):
                self.assertEqual(h['X-Content-Type-Options'], 'nosniff')
                self.assertEqual(h['X-Frame-Options'], 'DENY')
                self.assertEqual(h['Referrer-Policy'], 'no-referrer')
                if path.startswith('/api/'):
                    self.assertEqual(h['Cache-Control'], 'no-store')

    # ---- the audit trail sees rejections; PHI never in the clear
    def test_80_rejections_audited_and_no_phi(self):
        # Requests that carry the patient's identifiers in a query and a body.
        self.call('GET', f'/api/v1/claims?patient_last_name={PATIENT_LAST}&member_id={MEMBER}',
                  self.clerk)
        self.call('GET', f'/api/v1/remits?subscriber_id={MEMBER}')   # 401
        self.call('POST', '/api/v1/auth/token', headers={'Content-Type': 'application/json'},
                  body=json.dumps({'username': PATIENT_FIRST, 'password': MEMBER + 'xxxx'})
                  .encode())
        self.call('GET', '/api/v1/claims/1', self.clerk)
        deadline = time.monotonic() + 5
        rows = []
        while time.monotonic() < deadline:
            con = sqlite3.connect(self.db)
            rows = con.execute('SELECT method, path, status_code, user_id, client_ip, '
                               'request_identifier, response_identifier, '
                               'request_hashed_identifiers, response_hashed_identifiers '
                               'FROM audit_logs').fetchall()
            con.close()
            if any(r[2] == 401 and r[1] == '/api/v1/remits' for r in rows):
                break
            time.sleep(0.25)
        unauth = [r for r in rows if r[1] == '/api/v1/remits' and r[2] == 401]
        self.assertEqual(len(unauth), 1, rows)
        self.assertIsNone(unauth[0][3])
        self.assertEqual(unauth[0][4], '127.0.0.1')
        # The 401's query had a PHI-named parameter: it is hashed.
        self.assertIn('query.subscriber_id', json.loads(unauth[0][7]))
        text = json.dumps(rows)
        for secret in (PATIENT_LAST, PATIENT_FIRST, MEMBER, PATIENT_LAST.lower(),
                       MEMBER.lower()):
            self.assertNotIn(secret, text)


class SecurityLogs(TempDirTestCase):
    def test_no_phi_in_log_output(self):
        db = self.path('c.db')
        env = {'PHI_HASH_KEY': b64url(bytes(range(3, 35))), 'LOG_LEVEL': 'debug'}
        f = self.path('phi.837')
        with open(f, 'wb') as out:
            out.write(g.file_837([({'last': PATIENT_LAST, 'first': PATIENT_FIRST,
                                    'member': MEMBER},
                                   [g.claim('LOGPHI1', '100', [('99213', '100')])])]))
        with open(f, 'rb') as fh:
            data = fh.read()
        srv = Server(db, env=env)
        try:
            st, _, body = srv.request('POST', '/api/v1/claims/upload?filename=' + MEMBER,
                                      data, {'Content-Type': 'application/edi-x12'})
            self.assertEqual(st, 200, body)
            srv.request('GET', f'/api/v1/claims?practice_id={PATIENT_LAST}')
            srv.request('GET', '/api/v1/claims/1')
            srv.request('GET', '/api/v1/claims/abc')
        finally:
            code, log = srv.stop()
        self.assertEqual(code, 0, log)
        # The debug log has a line per request, with the route template.
        self.assertIn('GET /api/v1/claims/{claim_id} 200', log)
        for secret in (PATIENT_LAST, PATIENT_FIRST, MEMBER):
            self.assertNotIn(secret, log)
            self.assertNotIn(secret.lower(), log)


class RateLimits(TempDirTestCase):
    def start(self, **extra):
        env = {'RATE_LIMIT_ENABLED': 'true', 'RATE_LIMIT_PER_MINUTE': '5',
               'RATE_LIMIT_PER_HOUR': '100', 'JWT_SECRET_KEY': SECRET_B64}
        env.update(extra)
        db = self.path('r.db')
        if not os.path.exists(db):
            for name in ('ann', 'bob'):
                r = run_cli('--db', db, 'user', 'add', name, '--password-stdin',
                            input=PASSWORD + '\n', env=env)
                self.assertEqual(r.returncode, 0, r.stderr)
        return Server(db, env=env)

    def test_exact_limit_then_refused(self):
        with self.start() as srv:
            wait_for_fresh_minute()
            for i in range(5):
                st, h, _ = raw_request(srv.port, 'GET', '/api/v1/claims')
                self.assertEqual(st, 200)
                self.assertEqual(h['X-RateLimit-Limit-Minute'], '5')
                self.assertEqual(h['X-RateLimit-Remaining-Minute'], str(4 - i))
                self.assertEqual(h['X-RateLimit-Limit-Hour'], '100')
                self.assertEqual(h['X-RateLimit-Remaining-Hour'], str(99 - i))
                self.assertTrue(1 <= int(h['X-RateLimit-Reset']) <= 60)
            st, h, body = raw_request(srv.port, 'GET', '/api/v1/claims')
            self.assertEqual(st, 429)
            doc = json.loads(body)
            self.assertEqual(doc['error'], 'RATE_LIMIT_EXCEEDED')
            self.assertEqual(doc['message'], 'Rate limit exceeded: 5/5 requests per minute')
            self.assertEqual(doc['details']['window'], 'minute')
            self.assertEqual(doc['details']['limit'], 5)
            retry = int(h['Retry-After'])
            self.assertEqual(doc['details']['retry_after'], retry)
            self.assertTrue(1 <= retry <= 60)
            self.assertEqual(h['X-RateLimit-Remaining-Minute'], '0')
            # Refused requests count nothing: the hour still says 95 left.
            self.assertEqual(h['X-RateLimit-Remaining-Hour'], '95')
            # Exempt routes still answer, without rate headers.
            st, h, _ = raw_request(srv.port, 'GET', '/api/v1/health')
            self.assertEqual(st, 200)
            self.assertIsNone(h['X-RateLimit-Limit-Minute'])
            # A spoofed X-Forwarded-For from an untrusted peer changes nothing.
            st, _, _ = raw_request(srv.port, 'GET', '/api/v1/claims',
                                   {'X-Forwarded-For': '1.2.3.4'})
            self.assertEqual(st, 429)
            # Users are counted apart from the address and from each other.
            st, h, _ = raw_request(srv.port, 'GET', '/api/v1/claims',
                                   {'Authorization': 'Bearer ' + make_token('ann')})
            self.assertEqual(st, 200)
            self.assertEqual(h['X-RateLimit-Remaining-Minute'], '4')
            # A bad token is limited by its address before its 401.
            st, _, _ = raw_request(srv.port, 'GET', '/api/v1/claims',
                                   {'Authorization': 'Bearer x.y.z'})
            self.assertEqual(st, 429)

    def test_concurrent_burst_exact(self):
        import threading
        with self.start(RATE_LIMIT_PER_MINUTE='60', RATE_LIMIT_PER_HOUR='1000') as srv:
            wait_for_fresh_minute(margin=20)
            statuses = []
            lock = threading.Lock()

            def one():
                st = raw_request(srv.port, 'GET', '/api/v1/payers')[0]
                with lock:
                    statuses.append(st)
            threads = [threading.Thread(target=one) for _ in range(100)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            self.assertEqual(statuses.count(200), 60, statuses)
            self.assertEqual(statuses.count(429), 40, statuses)

    def test_trusted_proxy_forwarded_for(self):
        with self.start(TRUSTED_PROXIES='127.0.0.0/8') as srv:
            wait_for_fresh_minute()
            for _ in range(5):
                self.assertEqual(raw_request(srv.port, 'GET', '/api/v1/claims',
                                             {'X-Forwarded-For': '198.51.100.1'})[0], 200)
            self.assertEqual(raw_request(srv.port, 'GET', '/api/v1/claims',
                                         {'X-Forwarded-For': '198.51.100.1'})[0], 429)
            # Another client behind the same proxy, and one hop further.
            self.assertEqual(raw_request(srv.port, 'GET', '/api/v1/claims',
                                         {'X-Forwarded-For': '198.51.100.2'})[0], 200)
            self.assertEqual(raw_request(srv.port, 'GET', '/api/v1/claims',
                                         {'X-Forwarded-For': '198.51.100.1, 127.0.0.9'})[0],
                             429)
            # X-Real-IP is never used.
            self.assertEqual(raw_request(srv.port, 'GET', '/api/v1/claims',
                                         {'X-Forwarded-For': '198.51.100.1',
                                          'X-Real-IP': '203.0.113.7'})[0], 429)


class StartupRefusals(TempDirTestCase):
    def refuse(self, env, *expected, args=()):
        full = dict(os.environ)
        full['CLAIMS_ENV_FILE'] = os.devnull
        for k in list(full):
            if k.startswith(('JWT_', 'PHI_', 'DATA_KEY', 'REQUIRE_AUTH', 'CORS_', 'RATE_')):
                del full[k]
        full.update(env)
        p = subprocess.run([CLAIMSD, '--db', self.path('x.db'), '--listen', '127.0.0.1:0',
                            *args], env=full, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 78, p.stderr)
        for e in expected:
            self.assertIn(e, p.stderr)
        return p.stderr

    def test_non_loopback_without_auth(self):
        err = self.refuse({}, 'REQUIRE_AUTH', 'PHI_HASH_KEY', args=('--listen', '0.0.0.0:0'))
        self.assertEqual(len(err.strip().splitlines()), 2, err)

    def test_require_auth_without_secret(self):
        self.refuse({'REQUIRE_AUTH': 'true'}, 'JWT_SECRET_KEY')

    def test_placeholder_and_weak_secrets(self):
        self.refuse({'JWT_SECRET_KEY': 'change-me-' + 'x' * 40}, 'change-me')
        self.refuse({'JWT_SECRET_KEY': base64.b64encode(b'\x00' * 32).decode()}, 'equal')
        self.refuse({'JWT_SECRET_KEY': base64.b64encode(b'short').decode()}, 'bytes')
        self.refuse({'PHI_HASH_KEY': base64.b64encode(bytes(range(65))).decode()}, '32..64')

    def test_cors_and_rates(self):
        err = self.refuse({'CORS_ORIGINS': '*', 'RATE_LIMIT_PER_MINUTE': '100',
                           'RATE_LIMIT_PER_HOUR': '50'}, 'CORS_ORIGINS', 'RATE_LIMIT_PER_HOUR')
        self.assertEqual(len(err.strip().splitlines()), 2, err)
        self.refuse({'CORS_ORIGINS': 'ftp://files.example'}, 'CORS_ORIGINS')
        self.refuse({'RATE_LIMIT_PER_MINUTE': '0'}, 'RATE_LIMIT_PER_MINUTE')
        self.refuse({'RATE_LIMIT_PER_MINUTE': 'ten'}, 'RATE_LIMIT_PER_MINUTE')

    def test_secret_file_rules(self):
        key = self.path('jwt.key')
        with open(key, 'w') as f:
            f.write(SECRET_B64 + '\n')
        os.chmod(key, 0o644)
        self.refuse({'JWT_SECRET_KEY_FILE': key}, 'group or others')
        os.chmod(key, 0o600)
        self.refuse({'JWT_SECRET_KEY_FILE': key, 'JWT_SECRET_KEY': SECRET_B64}, 'both set')
        # A good file starts the server.
        with Server(self.path('ok.db'), env={'JWT_SECRET_KEY_FILE': key,
                                             'REQUIRE_AUTH': 'true'}) as srv:
            st, _, _ = srv.request('GET', '/api/v1/claims')
            self.assertEqual(st, 401)


if __name__ == '__main__':
    unittest.main(verbosity=2)
