"""claimsd over real HTTP: startup, health, routing errors, clean stop."""
import glob
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLAIMSD, Server, TempDirTestCase  # noqa: E402


class ServerBasics(TempDirTestCase):
    def test_health_and_root(self):
        with Server(self.path('a.db')) as srv:
            status, headers, body = srv.get_json('/api/v1/health')
            self.assertEqual(status, 200)
            self.assertEqual(headers['Content-Type'], 'application/json; charset=utf-8')
            self.assertEqual(body, {'status': 'healthy', 'version': '0.1.0'})

            status, _, body = srv.get_json('/')
            self.assertEqual(status, 200)
            self.assertEqual(body, {'name': 'libclaims', 'version': '0.1.0', 'status': 'running'})
            code, err = srv.stop(signal.SIGTERM)
            self.assertEqual(code, 0, err)
            self.assertIn('stopped', err)

    def test_sigint_stops_cleanly(self):
        with Server(self.path('b.db')) as srv:
            self.assertEqual(srv.get_json('/api/v1/health')[0], 200)
            code, err = srv.stop(signal.SIGINT)
            self.assertEqual(code, 0, err)
            # The port is released.
            with socket.socket() as s:
                self.assertNotEqual(s.connect_ex(('127.0.0.1', srv.port)), 0)

    def test_database_created_private_and_migrated(self):
        db = self.path('new.db')
        with Server(db) as srv:
            self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
            srv.stop()

    def test_unknown_route_is_json_404(self):
        with Server(self.path('c.db')) as srv:
            status, headers, body = srv.request('GET', '/no/such/path')
            self.assertEqual(status, 404)
            self.assertEqual(headers['Content-Type'], 'application/json; charset=utf-8')
            doc = json.loads(body)
            self.assertEqual(doc['error'], 'NOT_FOUND')
            self.assertEqual(doc['details'], {})
            self.assertIsInstance(doc['message'], str)
            srv.stop()

    def test_wrong_method_is_405_with_allow(self):
        with Server(self.path('d.db')) as srv:
            status, headers, body = srv.request('POST', '/api/v1/health', body=b'{}')
            self.assertEqual(status, 405)
            self.assertEqual(headers['Allow'], 'GET')
            self.assertEqual(json.loads(body)['error'], 'METHOD_NOT_ALLOWED')
            srv.stop()

    def test_many_requests_one_connection_per_worker(self):
        with Server(self.path('e.db'), extra_args=['--threads', '2']) as srv:
            for _ in range(50):
                self.assertEqual(srv.get_json('/api/v1/health')[0], 200)
            code, err = srv.stop()
            self.assertEqual(code, 0, err)


class ServerConfig(TempDirTestCase):
    def run_claimsd(self, *args, env=None):
        full_env = dict(os.environ)
        full_env['CLAIMS_ENV_FILE'] = os.devnull
        if env:
            full_env.update(env)
        return subprocess.run([CLAIMSD, *args], capture_output=True, text=True, timeout=30,
                              env=full_env)

    def test_help_and_version(self):
        r = self.run_claimsd('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--listen ADDR:PORT', r.stdout)
        r = self.run_claimsd('--version')
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.strip(), 'claimsd 0.1.0')

    def test_bad_flags(self):
        self.assertEqual(self.run_claimsd('--bogus').returncode, 2)
        r = self.run_claimsd('--threads', '0', '--db', self.path('x.db'))
        self.assertEqual(r.returncode, 78)
        self.assertIn('thread', r.stderr)
        r = self.run_claimsd('--listen', 'localhost', '--db', self.path('x.db'))
        self.assertEqual(r.returncode, 78)
        r = self.run_claimsd('--listen', '127.0.0.1:70000', '--db', self.path('x.db'))
        self.assertEqual(r.returncode, 78)

    def test_refuses_public_address_without_auth(self):
        r = self.run_claimsd('--listen', '0.0.0.0:0', '--db', self.path('x.db'))
        self.assertEqual(r.returncode, 78)
        self.assertIn('without authentication', r.stderr)

    def test_newer_database_refused(self):
        import sqlite3
        db = self.path('newer.db')
        con = sqlite3.connect(db)
        con.execute('PRAGMA user_version = 99')
        con.close()
        r = self.run_claimsd('--listen', '127.0.0.1:0', '--db', db)
        self.assertEqual(r.returncode, 5)
        # The library's head is the number of its migrations in sql/.
        head = len(glob.glob(os.path.join(os.environ['CLAIMS_SOURCE_ROOT'], 'sql',
                                          '[0-9][0-9][0-9][0-9]_*.sql')))
        self.assertIn(f'database version 99 is newer than this library ({head})', r.stderr)

    def test_port_in_use(self):
        with socket.socket() as s:
            s.bind(('127.0.0.1', 0))
            s.listen(1)
            port = s.getsockname()[1]
            r = self.run_claimsd('--listen', f'127.0.0.1:{port}', '--db', self.path('y.db'))
            self.assertEqual(r.returncode, 1)
            self.assertIn('cannot listen', r.stderr)

    def test_env_file_settings(self):
        env_file = self.path('settings.env')
        with open(env_file, 'w') as f:
            f.write('# comment\nCLAIMS_THREADS="300"\n')
        r = self.run_claimsd('--env-file', env_file, '--listen', '127.0.0.1:0',
                             '--db', self.path('z.db'))
        self.assertEqual(r.returncode, 78)
        self.assertIn("'300'", r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
