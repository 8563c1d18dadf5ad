"""The audit trail of a real claimsd (spec/security.md §4, spec/api.md §4.8):
one row per response whatever its status, read back through
GET /api/v1/audit-logs and /stats with every filter (a path holding SQL
metacharacters matched literally, §7), hashed identifiers equal to keyed
BLAKE2b computed here, no patient value in the clear in the database or
the log, the flush at SIGTERM, a one-record queue dropping and counting
under a burst, AUDIT_ENABLED=false, and startup refusals."""
import hashlib
import json
import os
import re
import sqlite3
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, TempDirTestCase  # noqa: E402

KEY = bytes(range(0x40, 0x60))          # 32 bytes
KEY_HEX = KEY.hex()                      # 64 hex digits: read as hex
PATIENT = 'Quintavalle Rosamund'
MEMBER = 'MBR-77341'
STOPPED = re.compile(r'claimsd: audit: (\d+) records written, (\d+) records dropped')


def h(text, key=KEY):
    """h(v) of security.md §4: trimmed, ASCII lower-cased, keyed BLAKE2b-256."""
    data = text.strip(' \t\n\r\f\v').encode()
    data = bytes(b + 32 if 65 <= b <= 90 else b for b in data)
    return hashlib.blake2b(data, digest_size=32, key=key).hexdigest()


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def db_rows(path):
    con = sqlite3.connect(path)
    try:
        return con.execute('SELECT id, method, path, status_code, duration, user_id, client_ip, '
                           'request_identifier, response_identifier, request_hashed_identifiers, '
                           'response_hashed_identifiers, created_at FROM audit_logs '
                           'ORDER BY id').fetchall()
    finally:
        con.close()


class AuditTest(TempDirTestCase):
    def start(self, env=None):
        full = {'PHI_HASH_KEY': KEY_HEX}
        full.update(env or {})
        srv = Server(self.path('claims.db'), env={k: v for k, v in full.items() if v is not None})
        self.addCleanup(srv.__exit__)
        return srv

    def wait_rows(self, srv, n, timeout=1.0):
        """GET /api/v1/audit-logs until it shows at least n rows (each GET
        is itself recorded); the writer flushes every 200 ms."""
        deadline = time.monotonic() + timeout
        while True:
            status, _, body = srv.get_json('/api/v1/audit-logs?limit=1000')
            self.assertEqual(status, 200)
            if body['total'] >= n or time.monotonic() > deadline:
                return body
            time.sleep(0.05)

    def stop(self, srv):
        code, err = srv.stop()
        self.assertEqual(code, 0, err)
        m = STOPPED.search(err)
        self.assertIsNotNone(m, err)
        return int(m.group(1)), int(m.group(2)), err


class Rows(AuditTest):
    def test_rows_identifiers_and_no_clear_values(self):
        srv = self.start()
        q = urllib.parse.urlencode({'patient_name': PATIENT, 'member_id': MEMBER, 'limit': '5'})
        self.assertEqual(srv.request('GET', '/api/v1/claims?' + q)[0], 200)
        self.assertEqual(srv.request('GET', '/api/v1/claims?limit=0')[0], 422)
        self.assertEqual(srv.request('GET', '/no/such/route')[0], 404)
        self.assertEqual(srv.request('DELETE', '/api/v1/claims')[0], 405)
        body = json.dumps({'status': 'complete', 'patient': {'name': PATIENT},
                           'member_id': MEMBER}).encode()
        status = srv.request('PATCH', '/api/v1/episodes/999/status', body=body,
                             headers={'Content-Type': 'application/json'})[0]
        self.assertEqual(status, 404)
        logs = self.wait_rows(srv, 5)
        # Newest first; the first GET of the audit log itself may be there too.
        # A record is queued once its answer is sent, so two answers that end
        # together (the client's next request is already being served) can
        # be recorded in either order: rows are put in request order here.
        rows = [r for r in logs['logs'] if r['path'] != '/api/v1/audit-logs']
        order = [('PATCH', '/api/v1/episodes/999/status', 404), ('DELETE', '/api/v1/claims', 405),
                 ('GET', '/no/such/route', 404), ('GET', '/api/v1/claims', 422),
                 ('GET', '/api/v1/claims', 200)]
        key = lambda r: (r['method'], r['path'], r['status_code'])  # noqa: E731
        rows.sort(key=lambda r: order.index(key(r)) if key(r) in order else -1)
        self.assertEqual([(r['method'], r['path'], r['status_code']) for r in rows], [
            ('PATCH', '/api/v1/episodes/999/status', 404),
            ('DELETE', '/api/v1/claims', 405),
            ('GET', '/no/such/route', 404),
            ('GET', '/api/v1/claims', 422),
            ('GET', '/api/v1/claims', 200),
        ])
        self.assertEqual(sorted(rows[0]), sorted([
            'id', 'method', 'path', 'status_code', 'duration', 'user_id', 'client_ip',
            'request_identifier', 'response_identifier', 'created_at']))
        for r in rows:
            self.assertEqual(r['client_ip'], '127.0.0.1')
            self.assertIsNone(r['user_id'])
            self.assertIsInstance(r['duration'], (int, float))
            self.assertTrue(0 <= r['duration'] < 10, r)
            self.assertRegex(r['created_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        # The query's PHI-like parameters, hashed with the key (limit is not one).
        want_map = {'query.member_id': h(MEMBER), 'query.patient_name': h(PATIENT)}
        self.assertEqual(rows[-1]['request_identifier'], h(canonical(want_map)))
        self.assertIsNone(rows[-2]['request_identifier'])   # limit=0 only

        code, err = srv.stop()
        self.assertEqual(code, 0, err)
        stored = db_rows(self.path('claims.db'))
        first = [r for r in stored if r[2] == '/api/v1/claims' and r[3] == 200][0]
        self.assertEqual(json.loads(first[9]), want_map)
        self.assertEqual(first[9], canonical(want_map))
        # Nothing in the clear: not in any column, not in the files, not in the log.
        for value in (PATIENT, PATIENT.lower(), 'Quintavalle', MEMBER, MEMBER.lower()):
            for row in stored:
                self.assertNotIn(value, ' '.join(str(c) for c in row))
            for name in ('claims.db', 'claims.db-wal'):
                p = self.path(name)
                if os.path.exists(p):
                    with open(p, 'rb') as f:
                        self.assertNotIn(value.encode(), f.read())
            self.assertNotIn(value, err)

    def test_upload_identified_by_its_hash(self):
        # security.md §4: an upload's request_identifier is h(its SHA-256 in hex).
        sys.path.insert(0, os.path.dirname(__file__))
        import x12gen as g
        data = g.file_837([({}, [g.claim('AUD1', '100', [('99213', '100')])])])
        srv = self.start()
        status, _, body = srv.request('POST', '/api/v1/claims/upload?filename=a.837', data,
                                      {'Content-Type': 'application/edi-x12'})
        self.assertEqual(status, 200, body)
        self.stop(srv)
        rows = [r for r in db_rows(self.path('claims.db')) if r[2] == '/api/v1/claims/upload']
        self.assertEqual(len(rows), 1, rows)
        self.assertEqual(rows[0][7], h(hashlib.sha256(data).hexdigest()))

    def test_without_key_maps_are_empty(self):
        srv = self.start({'PHI_HASH_KEY': None})
        q = urllib.parse.urlencode({'patient_name': PATIENT})
        self.assertEqual(srv.request('GET', '/api/v1/claims?' + q)[0], 200)
        written, dropped, _ = self.stop(srv)
        self.assertEqual((written, dropped), (1, 0))
        (row,) = db_rows(self.path('claims.db'))
        self.assertEqual(row[1:4], ('GET', '/api/v1/claims', 200))
        self.assertEqual(row[7:11], (None, None, '{}', '{}'))


class Filters(AuditTest):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._cls_tmp = tempfile.TemporaryDirectory(prefix='claims-audit-')
        cls.srv = Server(os.path.join(cls._cls_tmp.name, 'claims.db'),
                         env={'PHI_HASH_KEY': KEY_HEX})
        for path, want in (("/api/v1/a%25'%20OR%201=1--", 404), ('/api/v1/x_y', 404),
                           ('/api/v1/xzy', 404), ('/api/v1/claims', 200),
                           ('/api/v1/claims?status=bogus', 422)):
            status = cls.srv.request('GET', path)[0]
            assert status == want, (path, status)
        assert cls.srv.request('POST', '/api/v1/claims')[0] == 405
        time.sleep(0.5)  # two flush periods

    @classmethod
    def tearDownClass(cls):
        code, err = cls.srv.stop()
        cls.srv.__exit__()
        cls._cls_tmp.cleanup()
        assert code == 0, err

    def logs(self, query):
        status, _, body = self.srv.get_json('/api/v1/audit-logs?' + query)
        self.assertEqual(status, 200, body)
        return [(r['method'], r['path'], r['status_code']) for r in body['logs']], body

    def test_path_metacharacters_are_literal(self):
        rows, body = self.logs("path=%25'%20OR%201=1--")
        self.assertEqual(rows, [('GET', "/api/v1/a%' OR 1=1--", 404)])
        self.assertEqual(body['total'], 1)
        self.assertEqual(self.logs('path=x_y')[0], [('GET', '/api/v1/x_y', 404)])
        self.assertEqual(self.logs('path=_')[0], [('GET', '/api/v1/x_y', 404)])
        self.assertEqual(self.logs("path=%27%20OR%20%271%27=%271")[0], [])

    def test_exact_filters(self):
        rows, _ = self.logs('method=post')
        self.assertEqual(rows, [('POST', '/api/v1/claims', 405)])
        rows, _ = self.logs('status_code=422')
        self.assertEqual(rows, [('GET', '/api/v1/claims', 422)])
        rows, _ = self.logs('status_code=404&path=x')
        self.assertEqual(rows, [('GET', '/api/v1/xzy', 404), ('GET', '/api/v1/x_y', 404)])
        self.assertEqual(self.logs('client_ip=127.0.0.1&method=POST')[0],
                         [('POST', '/api/v1/claims', 405)])
        self.assertEqual(self.logs('client_ip=10.9.9.9')[0], [])
        self.assertEqual(self.logs('user_id=admin')[0], [])

    def test_dates_and_paging(self):
        _, all_rows = self.logs('limit=1000')
        newest = all_rows['logs'][0]['created_at']
        oldest = all_rows['logs'][-1]['created_at']
        # Both bounds inclusive: the window of the first and last rows holds all.
        q = urllib.parse.urlencode({'start_date': oldest, 'end_date': newest,
                                    'path': '/api/v1/', 'limit': '1000'})
        rows, body = self.logs(q)
        self.assertGreaterEqual(body['total'], 6)
        _, later = self.logs(urllib.parse.urlencode({'start_date': '2999-01-01'}))
        self.assertEqual(later['total'], 0)
        _, page = self.logs('skip=1&limit=2&path=/api/v1/')
        self.assertEqual(page['skip'], 1)
        self.assertEqual(page['limit'], 2)
        self.assertEqual(len(page['logs']), 2)
        ids = [r['id'] for r in all_rows['logs']]
        self.assertEqual(ids, sorted(ids, reverse=True))

    def test_validation(self):
        cases = [
            ('method=G1', 'method', 'enum'),
            ('status_code=99', 'status_code', 'range'),
            ('status_code=abc', 'status_code', 'int_parsing'),
            ('start_date=2024-01-02&end_date=2024-01-01', 'end_date', 'range'),
            ('start_date=nope', 'start_date', 'date_parsing'),
            ('path=' + 'a' * 501, 'path', 'too_long'),
            ('limit=1001', 'limit', 'range'),
            ('method=GET&method=POST', 'method', 'repeated'),
        ]
        for query, name, typ in cases:
            status, _, body = self.srv.get_json('/api/v1/audit-logs?' + query)
            self.assertEqual(status, 422, query)
            self.assertEqual(body['error'], 'VALIDATION_ERROR')
            self.assertEqual([(d['loc'], d['type']) for d in body['details']],
                             [(['query', name], typ)], query)
        for query, typ in (('days=0', 'range'), ('days=366', 'range'), ('days=x', 'int_parsing')):
            status, _, body = self.srv.get_json('/api/v1/audit-logs/stats?' + query)
            self.assertEqual(status, 422, query)
            self.assertEqual(body['details'][0]['loc'], ['query', 'days'])
            self.assertEqual(body['details'][0]['type'], typ)

    def test_stats(self):
        time.sleep(0.3)   # the other tests' requests are written
        status, _, all_rows = self.srv.get_json('/api/v1/audit-logs?limit=1000')
        self.assertEqual(status, 200)
        status, _, s = self.srv.get_json('/api/v1/audit-logs/stats?days=2')
        self.assertEqual(status, 200)
        self.assertEqual(list(s), ['period_days', 'start_date', 'end_date', 'total_requests',
                                   'requests_by_method', 'requests_by_status', 'unique_users',
                                   'unique_ip_addresses', 'average_duration_seconds',
                                   'requests_per_day'])
        self.assertEqual(s['period_days'], 2)
        # Every row so far, plus the list request just made once it is written.
        self.assertIn(s['total_requests'], (all_rows['total'], all_rows['total'] + 1))
        self.assertEqual(list(s['requests_by_method']), sorted(s['requests_by_method']))
        self.assertEqual(list(s['requests_by_status']), sorted(s['requests_by_status']))
        self.assertEqual(s['requests_by_method']['POST'], 1)
        self.assertEqual(s['requests_by_status']['422'], 1)
        self.assertEqual(sum(s['requests_by_status'].values()), s['total_requests'])
        self.assertEqual(s['unique_users'], 0)
        self.assertEqual(s['unique_ip_addresses'], 1)
        self.assertIsInstance(s['average_duration_seconds'], float)
        self.assertEqual(s['requests_per_day'], round(s['total_requests'] / 2 + 1e-9, 2))
        status, _, raw = self.srv.request('GET', '/api/v1/audit-logs/stats')
        self.assertEqual(json.loads(raw)['period_days'], 7)
        self.assertRegex(raw.decode(), r'"requests_per_day":\d+\.\d\d[,}]')


class Queue(AuditTest):
    def test_sigterm_flushes(self):
        srv = self.start()
        for i in range(30):
            self.assertEqual(srv.request('GET', f'/api/v1/health?i={i}')[0], 200)
        written, dropped, _ = self.stop(srv)   # at once: the last flush writes the rest
        self.assertEqual((written, dropped), (30, 0))
        self.assertEqual(len(db_rows(self.path('claims.db'))), 30)

    def test_one_record_queue_drops_and_counts(self):
        srv = self.start({'AUDIT_QUEUE_SIZE': '1'})
        n_threads, per_thread = 8, 25
        errors = []

        def client():
            for _ in range(per_thread):
                status = srv.request('GET', '/api/v1/health')[0]
                if status != 200:
                    errors.append(status)

        threads = [threading.Thread(target=client) for _ in range(n_threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])   # dropping a record never fails a request
        written, dropped, _ = self.stop(srv)
        self.assertEqual(written + dropped, n_threads * per_thread)
        self.assertGreaterEqual(dropped, 1)
        self.assertEqual(len(db_rows(self.path('claims.db'))), written)

    def test_disabled(self):
        srv = self.start({'AUDIT_ENABLED': 'false'})
        self.assertEqual(srv.request('GET', '/api/v1/health')[0], 200)
        status, _, body = srv.get_json('/api/v1/audit-logs')
        self.assertEqual((status, body['total']), (200, 0))
        code, err = srv.stop()
        self.assertEqual(code, 0, err)
        self.assertIsNone(STOPPED.search(err))
        self.assertEqual(db_rows(self.path('claims.db')), [])


class Refusals(TempDirTestCase):
    def refused(self, env, needle):
        import subprocess
        from harness import CLAIMSD
        full = dict(os.environ)
        full.update({'CLAIMS_ENV_FILE': os.devnull})
        full.pop('PHI_HASH_KEY', None)
        full.update(env)
        p = subprocess.run([CLAIMSD, '--listen', '127.0.0.1:0', '--db', self.path('c.db')],
                           env=full, capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 78, p.stderr)
        self.assertIn(needle, p.stderr)
        return p.stderr

    def test_bad_settings_exit_78(self):
        err = self.refused({'PHI_HASH_KEY': 'c2hvcnQ='}, 'PHI_HASH_KEY')
        self.assertNotIn('c2hvcnQ', err)       # the value is never echoed
        self.refused({'PHI_HASH_KEY': 'change-me-' + 'x' * 40}, 'PHI_HASH_KEY')
        self.refused({'PHI_HASH_KEY': '00' * 32}, 'PHI_HASH_KEY')   # all bytes equal
        self.refused({'AUDIT_QUEUE_SIZE': '0'}, 'AUDIT_QUEUE_SIZE')
        self.refused({'AUDIT_ENABLED': 'sometimes'}, 'AUDIT_ENABLED')
        self.refused({'AUDIT_MAX_BODY_BYTES': 'big'}, 'AUDIT_MAX_BODY_BYTES')


if __name__ == '__main__':
    unittest.main()
