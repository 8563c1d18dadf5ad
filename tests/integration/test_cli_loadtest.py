"""claims loadtest against a real claimsd, and against small stdlib servers
for the HTTP cases claimsd does not produce (chunked bodies, Connection:
close, HTTP/1.0, bodies ended by close, idle connections closed by the
server, slow answers)."""
import http.server
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, run_cli  # noqa: E402

HEALTH = '/api/v1/health'
MISSING = '/no/such/route'


def loadtest(*args, env=None, timeout=120):
    return run_cli('loadtest', *args, env=env, timeout=timeout)


def loadtest_json(test, *args, code=0, env=None):
    r = loadtest('--json', *args, env=env)
    test.assertEqual(r.returncode, code, r.stderr)
    doc = json.loads(r.stdout)
    return doc, r


def closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class ClaimsdLoadTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._dir = tempfile.TemporaryDirectory(prefix='claims-lt-')
        cls.srv = Server(os.path.join(cls._dir.name, 'lt.db'), extra_args=['--threads', '4'])
        cls.base = cls.srv.base

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()
        cls.srv.__exit__()
        cls._dir.cleanup()

    def test_health_and_404_json(self):
        doc, r = loadtest_json(self, '--base-url', self.base, '--concurrent', '4',
                               '--requests', '25', '--endpoints', f'{MISSING},{HEALTH}')
        self.assertEqual(r.stdout.count('\n'), 1)  # exactly one document
        self.assertEqual(list(doc), ['total_requests', 'errors', 'failures', 'success_rate',
                                     'wall_seconds', 'requests_per_second', 'latency_ms',
                                     'status_distribution', 'error_messages', 'per_endpoint'])
        self.assertEqual(doc['total_requests'], 50)
        self.assertEqual(doc['errors'], 0)
        self.assertEqual(doc['failures'], 25)  # the 404s are failures, not successes
        self.assertEqual(doc['success_rate'], 50.0)
        self.assertIn('"success_rate":50.00', r.stdout)  # 2 decimals in the text
        self.assertEqual(doc['status_distribution'], {'200': 25, '404': 25})
        self.assertEqual(doc['error_messages'], {})
        self.assertEqual(list(doc['per_endpoint']), sorted([HEALTH, MISSING]))
        h = doc['per_endpoint'][HEALTH]
        m = doc['per_endpoint'][MISSING]
        self.assertEqual((h['requests'], h['success'], h['success_rate']), (25, 25, 100.0))
        self.assertEqual((m['requests'], m['success'], m['success_rate']), (25, 0, 0.0))
        self.assertEqual(list(h), ['requests', 'success', 'success_rate', 'mean_ms', 'median_ms',
                                   'p95_ms', 'p99_ms', 'min_ms', 'max_ms'])
        lat = doc['latency_ms']
        self.assertEqual(list(lat), ['mean', 'median', 'p95', 'p99', 'min', 'max', 'stddev'])
        self.assertTrue(0 <= lat['min'] <= lat['median'] <= lat['p95'] <= lat['p99'] <= lat['max'])
        self.assertTrue(lat['min'] <= lat['mean'] <= lat['max'])
        self.assertGreater(doc['requests_per_second'], 0)

    def test_text_output(self):
        r = loadtest('--base-url', self.base, '--concurrent', '3', '--requests', '10',
                     '--endpoints', HEALTH, '--endpoints', MISSING)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], f'Load test: 20 requests, 3 concurrent, {self.base}')
        labels = [line.split(':')[0] for line in lines[1:] if not line.startswith('  ')]
        self.assertEqual(labels, ['Total requests', 'Errors', 'Failures', 'Success rate',
                                  'Wall time', 'Requests per second', 'Latency (ms)',
                                  'Status distribution', 'Error messages', 'Per endpoint'])
        self.assertIn('Success rate:         50.00%', lines)
        self.assertIn('Status distribution:  200: 10, 404: 10', lines)
        per = [line.split()[0] for line in lines if line.startswith('  ')]
        self.assertEqual(per, sorted([HEALTH, MISSING]))

    def test_default_schedule(self):
        doc, _ = loadtest_json(self, '--base-url', self.base, '--requests', '5', code=0)
        self.assertEqual(doc['total_requests'], 23)  # 4 x 5 + ceil(5 / 2)
        per = doc['per_endpoint']
        self.assertEqual(list(per), sorted(['/api/v1/health', '/api/v1/claims', '/api/v1/remits',
                                            '/api/v1/episodes', '/api/v1/cache/stats']))
        self.assertEqual(per['/api/v1/cache/stats']['requests'], 3)
        self.assertEqual(per['/api/v1/claims']['requests'], 5)
        self.assertEqual(per['/api/v1/health']['success'], 5)

    def test_only_failures_exit_6(self):
        doc, r = loadtest_json(self, '--base-url', self.base, '--requests', '6',
                               '--endpoints', MISSING, code=6)
        self.assertEqual((doc['total_requests'], doc['failures'], doc['errors']), (6, 6, 0))
        self.assertEqual(doc['success_rate'], 0.0)
        self.assertEqual(doc['status_distribution'], {'404': 6})
        self.assertIn('claims: loadtest: no request succeeded', r.stderr)

    def test_min_success(self):
        args = ['--base-url', self.base, '--requests', '10', '--endpoints', f'{HEALTH},{MISSING}']
        doc, r = loadtest_json(self, *args, '--min-success', '60', code=7)
        self.assertEqual(doc['success_rate'], 50.0)
        self.assertIn('below --min-success', r.stderr)
        loadtest_json(self, *args, '--min-success', '50', code=0)
        loadtest_json(self, *args, '--min-success=49.5', code=0)
        r = loadtest(*args, '--min-success', '100')
        self.assertEqual(r.returncode, 7)
        self.assertTrue(r.stdout.startswith('Load test: 20 requests'))

    def test_duration(self):
        doc, _ = loadtest_json(self, '--base-url', self.base, '--duration', '0.5',
                               '--concurrent', '2', '--requests', '1', '--endpoints',
                               f'{HEALTH},{MISSING}')
        self.assertGreater(doc['total_requests'], 2)  # --requests is ignored
        self.assertGreaterEqual(doc['wall_seconds'], 0.5)
        self.assertEqual(doc['errors'], 0)
        per = doc['per_endpoint']
        # Round-robin: the two paths differ by at most one request per worker.
        self.assertLessEqual(abs(per[HEALTH]['requests'] - per[MISSING]['requests']), 2)
        self.assertEqual(per[HEALTH]['requests'] + per[MISSING]['requests'],
                         doc['total_requests'])

    def test_global_json_flag_and_path_prefix_slash(self):
        r = run_cli('--json', 'loadtest', '--base-url', self.base + '/', '--requests', '3',
                    '--endpoints', HEALTH, '--concurrent', '1')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)['status_distribution'], {'200': 3})


class UnreachableAndUsage(unittest.TestCase):
    def test_connection_refused(self):
        port = closed_port()
        doc, r = loadtest_json(self, '--base-url', f'http://127.0.0.1:{port}', '--requests', '4',
                               '--concurrent', '2', '--endpoints', '/a,/b', code=6)
        self.assertEqual(doc['total_requests'], 8)
        self.assertEqual(doc['errors'], 8)
        self.assertEqual(doc['failures'], 0)
        self.assertEqual(doc['success_rate'], 0.0)
        self.assertEqual(doc['error_messages'], {'connection refused': 8})
        self.assertEqual(doc['status_distribution'], {})
        self.assertEqual(doc['latency_ms']['max'], 0.0)  # no response, all 0
        self.assertEqual(doc['per_endpoint']['/a']['requests'], 4)

    def test_unresolvable_host(self):
        r = loadtest('--base-url', 'http://no-such-host.invalid:8000', '--requests', '1')
        self.assertEqual(r.returncode, 6)
        self.assertIn('cannot resolve', r.stderr)

    def test_usage_errors(self):
        bad = [
            ['--concurrent', '0'], ['--concurrent', '1001'], ['--concurrent', 'ten'],
            ['--concurrent', '5x'], ['--requests', '0'], ['--requests', '-1'],
            ['--requests', '1e3'], ['--duration', '0'], ['--duration', 'abc'],
            ['--duration', '-1'], ['--timeout', '0'], ['--timeout', 'inf'],
            ['--min-success', '101'], ['--min-success', 'x'], ['--endpoints', 'api/v1/health'],
            ['--endpoints', '/a,,/b'], ['--endpoints', '/a b'], ['--endpoints', ''],
            ['--base-url', 'https://127.0.0.1:8000'], ['--base-url', 'ftp://x'],
            ['--base-url', '127.0.0.1:8000'], ['--base-url', 'http://h:0'],
            ['--base-url', 'http://h:99999'], ['--base-url', 'http://[::1'],
            ['--bogus'], ['extra'], ['--requests'], ['--token', 'a\nb'],
        ]
        for args in bad:
            with self.subTest(args=args):
                r = loadtest('--base-url', f'http://127.0.0.1:{closed_port()}', *args)
                self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                self.assertTrue(r.stderr.startswith('claims: loadtest: '), r.stderr)
                self.assertEqual(r.stdout, '')
        r = loadtest('--base-url', 'https://127.0.0.1:8000')
        self.assertIn('https', r.stderr)

    def test_help(self):
        r = loadtest('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--min-success PCT', r.stdout)


# ---------------------------------------------------------------- test servers

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def do_GET(self):
        srv = self.server
        with srv.lock:
            srv.paths.append(self.path)
            srv.auth.append(self.headers.get('Authorization'))
            srv.hosts.append(self.headers.get('Host'))
        if self.path.endswith('/chunked'):
            self.send_response(200)
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for piece in (b'{"a":', b'1' * 5000, b'}'):
                self.wfile.write(b'%x;ext=1\r\n%s\r\n' % (len(piece), piece))
            self.wfile.write(b'0\r\nX-Trailer: yes\r\n\r\n')
        elif self.path.endswith('/close'):
            self.send_response(503)
            self.send_header('Content-Length', '4')
            self.send_header('Connection', 'close')
            self.end_headers()
            self.wfile.write(b'busy')
            self.close_connection = True
        elif self.path.endswith('/eof'):
            # No length: the body ends when the connection does.
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'x' * 20000)
            self.close_connection = True
        elif self.path.endswith('/http10'):
            self.protocol_version = 'HTTP/1.0'
            self.send_response(204)
            self.end_headers()
            self.close_connection = True
        elif self.path.endswith('/slow'):
            time.sleep(1.5)
            self.send_response(200)
            self.send_header('Content-Length', '0')
            self.end_headers()
        else:
            body = b'{"ok":true}'
            self.send_response(200)
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)


class StdlibServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, family=socket.AF_INET, host='127.0.0.1'):
        self.address_family = family
        super().__init__((host, 0), Handler)
        self.lock = threading.Lock()
        self.paths, self.auth, self.hosts = [], [], []
        self.connections = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.thread.start()

    def get_request(self):
        conn = super().get_request()
        with self.lock:
            self.connections += 1
        return conn

    def stop(self):
        self.shutdown()
        self.server_close()


class OneShotServer:
    """Answers one request per connection with a keep-alive response, then
    closes it: the client's next request finds the connection closed."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                data = b''
                while b'\r\n\r\n' not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                if data:
                    conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok')

    def stop(self):
        self.stopping = True
        self.sock.close()


class HttpBehaviour(unittest.TestCase):
    def setUp(self):
        self.srv = StdlibServer()
        self.base = f'http://127.0.0.1:{self.srv.server_address[1]}'

    def tearDown(self):
        self.srv.stop()

    def test_chunked_bodies_on_kept_alive_connections(self):
        doc, _ = loadtest_json(self, '--base-url', self.base, '--requests', '30',
                               '--concurrent', '2', '--endpoints', '/chunked,/plain')
        self.assertEqual(doc['errors'], 0, doc['error_messages'])
        self.assertEqual(doc['status_distribution'], {'200': 60})
        self.assertLessEqual(self.srv.connections, 2)  # one per worker, kept alive

    def test_connection_close_and_http10_and_eof_bodies(self):
        doc, _ = loadtest_json(self, '--base-url', self.base, '--requests', '10',
                               '--concurrent', '2', '--endpoints', '/close,/http10,/eof,/plain')
        self.assertEqual(doc['errors'], 0, doc['error_messages'])
        self.assertEqual(doc['status_distribution'], {'200': 20, '204': 10, '503': 10})
        self.assertEqual(doc['failures'], 10)
        self.assertEqual(doc['success_rate'], 75.0)
        # Every close-delimited answer forced a new connection.
        self.assertGreaterEqual(self.srv.connections, 30)

    def test_token_prefix_and_host(self):
        port = self.srv.server_address[1]
        loadtest_json(self, '--base-url', self.base + '/prefix/', '--requests', '2',
                      '--concurrent', '1', '--endpoints', '/x?limit=1', '--token', 'abc.def')
        self.assertEqual(self.srv.paths, ['/prefix/x?limit=1'] * 2)
        self.assertEqual(self.srv.auth, ['Bearer abc.def'] * 2)
        self.assertEqual(self.srv.hosts, [f'127.0.0.1:{port}'] * 2)
        loadtest_json(self, '--base-url', self.base, '--requests', '1', '--endpoints', '/y',
                      env={'CLAIMS_TOKEN': 'from-env'})
        self.assertEqual(self.srv.auth[-1], 'Bearer from-env')
        loadtest_json(self, '--base-url', self.base, '--requests', '1', '--endpoints', '/z',
                      env={'CLAIMS_TOKEN': ''})
        self.assertIsNone(self.srv.auth[-1])

    def test_timeout(self):
        doc, _ = loadtest_json(self, '--base-url', self.base, '--requests', '2',
                               '--concurrent', '2', '--timeout', '0.3', '--endpoints', '/slow',
                               code=6)
        self.assertEqual(doc['errors'], 2)
        self.assertEqual(doc['error_messages'], {'timeout': 2})
        self.assertLess(doc['wall_seconds'], 1.4)


class ServerClosesIdleConnections(unittest.TestCase):
    def test_reconnects_without_errors(self):
        srv = OneShotServer()
        try:
            doc, _ = loadtest_json(self, '--base-url', f'http://127.0.0.1:{srv.port}',
                                   '--requests', '20', '--concurrent', '1',
                                   '--endpoints', '/a')
        finally:
            srv.stop()
        self.assertEqual(doc['errors'], 0, doc['error_messages'])
        self.assertEqual(doc['status_distribution'], {'200': 20})
        self.assertEqual(srv.connections, 20)


class Ipv6Literal(unittest.TestCase):
    def test_bracketed_address(self):
        try:
            srv = StdlibServer(socket.AF_INET6, '::1')
        except OSError as e:
            self.skipTest(f'no IPv6 loopback: {e}')
        try:
            port = srv.server_address[1]
            doc, _ = loadtest_json(self, '--base-url', f'http://[::1]:{port}', '--requests', '3',
                                   '--endpoints', '/v6')
            self.assertEqual(doc['status_distribution'], {'200': 3})
            self.assertEqual(srv.hosts[0], f'[::1]:{port}')
        finally:
            srv.stop()


if __name__ == '__main__':
    unittest.main(verbosity=2)
