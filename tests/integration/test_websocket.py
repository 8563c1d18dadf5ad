"""WebSocket /ws/notifications (spec/api.md §5, §6) against a real claimsd.

The client is written here with the standard library only (RFC 6455: the
opening handshake and its accept key, masked client frames, 7/16/64-bit
lengths, fragments, ping/pong, close codes), so the tests see exactly the
bytes the server sends.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, TempDirTestCase  # noqa: E402
import x12gen  # noqa: E402

GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
TS = r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$'
# Generous: the same tests run against a ThreadSanitizer build.
WAIT = 60


class Closed(Exception):
    """The server sent a close frame (code, reason) or ended the stream."""

    def __init__(self, code=None, reason=''):
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class WSClient:
    def __init__(self, port, path='/ws/notifications', headers=(), rcvbuf=None, timeout=WAIT,
                 auto_pong=True):
        self.auto_pong = auto_pong
        self.pings = 0
        self.closed = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect(('127.0.0.1', port))
        self.key = base64.b64encode(os.urandom(16)).decode()
        req = (f'GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n'
               f'Connection: Upgrade\r\nSec-WebSocket-Key: {self.key}\r\n'
               'Sec-WebSocket-Version: 13\r\n')
        for h in headers:
            req += h + '\r\n'
        self.sock.sendall((req + '\r\n').encode())
        buf = b''
        while b'\r\n\r\n' not in buf:
            d = self.sock.recv(4096)
            if not d:
                raise EOFError('no answer to the upgrade: %r' % buf)
            buf += d
        head, _, self.buf = buf.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(':')
            self.headers[k.strip().lower()] = v.strip()
        self.body = None
        if self.status != 101:
            n = int(self.headers.get('content-length', '0'))
            while len(self.buf) < n:
                d = self.sock.recv(4096)
                if not d:
                    break
                self.buf += d
            self.body = self.buf[:n]

    # ---- frames

    def _read(self, n):
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                raise EOFError('the server ended the stream')
            self.buf += d
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        b0, b1 = self._read(2)
        if b1 & 0x80:
            raise AssertionError('a server frame must not be masked')
        n = b1 & 0x7f
        if n == 126:
            n = struct.unpack('>H', self._read(2))[0]
        elif n == 127:
            n = struct.unpack('>Q', self._read(8))[0]
        return bool(b0 & 0x80), b0 & 0x0f, self._read(n)

    def send_frame(self, opcode, payload=b'', fin=True):
        mask = os.urandom(4)
        n = len(payload)
        head = bytes([(0x80 if fin else 0) | opcode])
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack('>H', n)
        else:
            head += bytes([0x80 | 127]) + struct.pack('>Q', n)
        m = (mask * (n // 4 + 1))[:n]
        masked = (int.from_bytes(payload, 'big') ^ int.from_bytes(m, 'big')).to_bytes(n, 'big') \
            if n else b''
        self.sock.sendall(head + mask + masked)

    def send_text(self, text):
        self.send_frame(0x1, text.encode() if isinstance(text, str) else text)

    # ---- messages

    def message(self):
        """The next text message as JSON; answers pings; raises Closed on a close frame."""
        while True:
            fin, op, payload = self.recv_frame()
            if op == 0x9:
                self.pings += 1
                if self.auto_pong:
                    self.send_frame(0xA, payload)
                continue
            if op == 0x8:
                code = struct.unpack('>H', payload[:2])[0] if len(payload) >= 2 else None
                self.closed = (code, payload[2:].decode())
                raise Closed(code, payload[2:].decode())
            if op != 0x1 or not fin:
                raise AssertionError(f'unexpected frame opcode {op} fin {fin}')
            return json.loads(payload)

    def until(self, pred, what='message'):
        """Messages up to and including the first one pred() accepts, within WAIT
        seconds (pings would otherwise keep a lost message waited for ever)."""
        seen = []
        deadline = time.monotonic() + WAIT
        while True:
            if time.monotonic() > deadline:
                raise AssertionError(f'no {what} within {WAIT} s; got {seen}')
            m = self.message()
            seen.append(m)
            if pred(m):
                return seen

    def until_type(self, t):
        return self.until(lambda m: m.get('type') == t, t)

    def close(self, code=1000):
        try:
            self.send_frame(0x8, struct.pack('>H', code))
            while True:
                self.message()
        except (Closed, EOFError, OSError):
            pass
        self.sock.close()

    def abort(self):
        """Go away without a close frame."""
        self.sock.close()


def connect(port, **kw):
    c = WSClient(port, **kw)
    assert c.status == 101, (c.status, c.body)
    hello = c.message()
    assert hello['type'] == 'connection', hello
    return c


def metrics(srv):
    """{(name, frozenset(labels)): value} of /metrics (test_metrics.py checks the format)."""
    with urllib.request.urlopen(srv.base + '/metrics', timeout=30) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line or line.startswith('#'):
            continue
        name_labels, value = line.rsplit(' ', 1)
        if '{' in name_labels:
            name, labels = name_labels[:-1].split('{', 1)
            pairs = frozenset(tuple(p.split('=', 1)) for p in labels.split(',')) if labels else frozenset()
            pairs = frozenset((k, v.strip('"')) for k, v in pairs)
        else:
            name, pairs = name_labels, frozenset()
        out[(name, pairs)] = float(value)
    return out


def metric(srv, name, **labels):
    return metrics(srv).get((name, frozenset(labels.items())))


def wait_metric(tc, srv, value, name, **labels):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        v = metric(srv, name, **labels)
        if v == value:
            return
        time.sleep(0.05)
    tc.fail(f'{name}{labels} stayed {metric(srv, name, **labels)}, expected {value}')


def post(srv, path, body=None, ctype='application/json', method='POST'):
    status, _, data = srv.request(method, path, body=body, headers={'Content-Type': ctype},
                                  timeout=WAIT)
    return status, json.loads(data) if data else None


def upload(srv, route, data, filename):
    return post(srv, f'/api/v1/{route}/upload?filename={filename}', data, 'application/edi-x12')


def claims_file(pcns, icn='000000001', charge='100'):
    claims = [x12gen.claim(p, charge, [('99213', charge)]) for p in pcns]
    return x12gen.file_837([({}, claims)], icn=icn)


class WSCase(TempDirTestCase):
    env = {}

    def setUp(self):
        super().setUp()
        self.srv = Server(self.path('claims.db'), env=self.env)
        self.clients = []

    def tearDown(self):
        for c in self.clients:
            try:
                c.sock.close()
            except OSError:
                pass
        self.srv.__exit__()
        super().tearDown()

    def client(self, **kw):
        c = connect(self.srv.port, **kw)
        self.clients.append(c)
        return c


class Protocol(WSCase):
    def test_connection_ack_and_errors(self):
        c = WSClient(self.srv.port)
        self.clients.append(c)
        self.assertEqual(c.status, 101)
        self.assertEqual(c.headers['upgrade'].lower(), 'websocket')
        self.assertEqual(c.headers['sec-websocket-accept'],
                         base64.b64encode(hashlib.sha1((c.key + GUID).encode()).digest()).decode())
        hello = c.message()
        self.assertEqual(sorted(hello), ['message', 'timestamp', 'type'])
        self.assertEqual((hello['type'], hello['message']),
                         ('connection', 'Connected to libclaims notifications'))
        self.assertRegex(hello['timestamp'], TS)

        for text in ['{"subscribe": "claims"}', '[1, 2, 3]', '"just a string"', '42', 'null',
                     '  {"nested": {"a": [true, false, null, -1.5e3]}}  ', '{"é": "ü"}']:
            c.send_text(text)
            ack = c.message()
            self.assertEqual(sorted(ack), ['message', 'timestamp', 'type'])
            self.assertEqual((ack['type'], ack['message']), ('ack', 'Received'), text)
            self.assertRegex(ack['timestamp'], TS)

        bad = [
            ('', 'Invalid JSON: empty message'),
            ('   ', 'Invalid JSON: empty message'),
            ('{"a":', 'Invalid JSON: unexpected end of input'),
            ('{"a" 1}', "Invalid JSON: expected ':' at position 5"),
            ('[1, 2] x', 'Invalid JSON: extra data after the value at position 7'),
            ('{a: 1}', 'Invalid JSON: expected a string key at position 1'),
            ('[01]', "Invalid JSON: expected ',' or ']' at position 2"),
            ('not json', 'Invalid JSON: unexpected character at position 0'),
            (b'"\xff"', 'Invalid JSON: not valid UTF-8'),
        ]
        for text, message in bad:
            c.send_text(text)
            err = c.message()
            self.assertEqual(sorted(err), ['message', 'timestamp', 'type'])
            self.assertEqual((err['type'], err['message']), ('error', message), text)

        c.send_frame(0x2, b'\x00\x01binary')
        err = c.message()
        self.assertEqual((err['type'], err['message']), ('error', 'Binary messages are not supported'))

        # A ping is answered with its payload; the connection stays usable.
        c.send_frame(0x9, b'hello?')
        fin, op, payload = c.recv_frame()
        self.assertEqual((fin, op, payload), (True, 0xA, b'hello?'))

        # A message in three fragments is one message.
        c.send_frame(0x1, b'{"parts":', fin=False)
        c.send_frame(0x0, b' [1, 2', fin=False)
        c.send_frame(0x0, b', 3]}', fin=True)
        self.assertEqual(c.message()['type'], 'ack')

        # Exactly 64 KiB is accepted.
        c.send_text('"' + 'x' * (65536 - 2) + '"')
        self.assertEqual(c.message()['type'], 'ack')

        # The client closes: the server answers with the same code.
        c.send_frame(0x8, struct.pack('>H', 1000) + b'bye')
        fin, op, payload = c.recv_frame()
        self.assertEqual((op, struct.unpack('>H', payload[:2])[0]), (0x8, 1000))
        self.assertEqual(c.sock.recv(10), b'')
        wait_metric(self, self.srv, 0, 'claims_ws_clients')
        self.assertEqual(metric(self.srv, 'claims_ws_disconnects_total', reason='client'), 1)

    def test_too_large_gets_an_error_then_1009(self):
        c = self.client()
        c.send_text('"' + 'x' * (65536 - 1) + '"')  # 64 KiB + 1
        err = c.message()
        self.assertEqual((err['type'], err['message']), ('error', 'Message too large'))
        with self.assertRaises(Closed) as cm:
            c.message()
        self.assertEqual((cm.exception.code, cm.exception.reason), (1009, 'Message too large'))
        c.send_frame(0x8, struct.pack('>H', 1009))
        self.assertEqual(c.sock.recv(10), b'')
        self.assertEqual(metric(self.srv, 'claims_ws_disconnects_total', reason='too_large'), 1)

        # 1 MiB (security.md §7), and a message too large only over its fragments.
        for frames in ([(0x1, b'x' * (1 << 20), True)],
                       [(0x1, b'[' + b'1,' * 20000, False), (0x0, b'1,' * 20000, False),
                        (0x0, b'1]', True)]):
            c = self.client()
            for op, payload, fin in frames:
                c.send_frame(op, payload, fin)
            err = c.message()
            self.assertEqual((err['type'], err['message']), ('error', 'Message too large'))
            with self.assertRaises(Closed) as cm:
                c.message()
            self.assertEqual(cm.exception.code, 1009)
            c.close(1009)

    def test_protocol_errors_close_1002(self):
        c = self.client()
        c.send_frame(0x0, b'orphan continuation')
        with self.assertRaises(Closed) as cm:
            c.message()
        self.assertEqual(cm.exception.code, 1002)
        c.close(1002)
        self.assertEqual(metric(self.srv, 'claims_ws_disconnects_total', reason='protocol'), 1)

    def test_plain_get_is_not_an_upgrade(self):
        status, _, body = self.srv.request('GET', '/ws/notifications')
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body)['error'], 'NOT_FOUND')
        # A bad key is refused before the upgrade, as JSON.
        s = socket.create_connection(('127.0.0.1', self.srv.port), timeout=WAIT)
        s.sendall(b'GET /ws/notifications HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n'
                  b'Connection: Upgrade\r\nSec-WebSocket-Key: c2hvcnQ=\r\n'
                  b'Sec-WebSocket-Version: 13\r\n\r\n')
        data = b''
        while True:
            d = s.recv(4096)
            if not d:
                break
            data += d
        s.close()
        head, _, body = data.partition(b'\r\n\r\n')
        self.assertTrue(head.startswith(b'HTTP/1.1 400 '), head)
        self.assertEqual(json.loads(body)['message'], 'Invalid Sec-WebSocket-Key')


class Heartbeat(WSCase):
    env = {'WS_PING_INTERVAL_SECONDS': '1', 'WS_PONG_TIMEOUT_SECONDS': '2'}

    def test_ping_pong_and_a_silent_client_is_closed(self):
        alive = self.client()
        heard = []

        def pump():  # reads (and so answers pings) all along
            try:
                while True:
                    heard.append(alive.message())
            except (Closed, EOFError, OSError) as e:
                heard.append(e)

        reader = threading.Thread(target=pump)
        reader.start()
        silent = self.client(auto_pong=False)
        t0 = time.monotonic()
        with self.assertRaises(Closed) as cm:
            silent.message()
        waited = time.monotonic() - t0
        self.assertEqual((cm.exception.code, cm.exception.reason), (1001, 'Ping timeout'))
        self.assertGreaterEqual(silent.pings, 1)
        self.assertGreaterEqual(waited, 2.0)
        # It never answers the close either: dropped CLOSE_WAIT (5 s) later.
        with self.assertRaises(EOFError):
            silent.recv_frame()
        wait_metric(self, self.srv, 1, 'claims_ws_clients')
        self.assertEqual(metric(self.srv, 'claims_ws_disconnects_total', reason='ping_timeout'), 1)
        # The client that answers is still there, and was pinged all along.
        alive.send_text('{}')
        deadline = time.monotonic() + WAIT
        while not heard and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(heard[0]['type'], 'ack')
        self.assertGreaterEqual(alive.pings, 5)
        alive.sock.shutdown(socket.SHUT_RDWR)
        reader.join(WAIT)
        self.assertEqual(len(heard), 2)
        self.assertIsInstance(heard[1], (EOFError, OSError))


class Events(WSCase):
    def test_upload_events(self):
        c = self.client()
        data = claims_file(['EV1', 'EV2', 'EV3'])
        status, body = upload(self.srv, 'claims', data, 'three.edi')
        self.assertEqual(status, 200, body)
        seen = c.until_type('file_processed')
        _, _, lst = self.srv.get_json('/api/v1/claims')
        ids = {x['claim_control_number']: x['id'] for x in lst['claims']}

        for m in seen:
            self.assertEqual(sorted(m), ['data', 'message', 'timestamp', 'type'])
            self.assertRegex(m['timestamp'], TS)
        claims = [m for m in seen if m['type'] == 'claim_processed']
        self.assertEqual([m['data'] for m in claims], [
            {'claim_id': ids[p], 'claim_control_number': p, 'status': 'pending'}
            for p in ('EV1', 'EV2', 'EV3')])
        self.assertEqual([m['message'] for m in claims],
                         [f'Claim {ids[p]} processed successfully' for p in ('EV1', 'EV2', 'EV3')])
        self.assert_progress(seen, 'three.edi', '837', None)
        done = seen[-1]
        self.assertEqual(done['data'], {
            'filename': 'three.edi', 'file_type': '837', 'status': 'succeeded',
            'claims_created': 3, 'remittances_created': 0, 'job_id': None})
        self.assertEqual(done['message'], '837 file three.edi processed successfully')
        self.assertEqual(sorted({m['type'] for m in seen}),
                         ['claim_processed', 'file_processed', 'file_progress'])

        # An 835 paying two of them: remittances, then their episodes.
        pay = x12gen.file_835([x12gen.payment('EV1', '1', '100', '80'),
                               x12gen.payment('EV2', '1', '100', '100.5'),
                               x12gen.payment('ELSE9', '1', '40', '0')], '180.5')
        status, body = upload(self.srv, 'remits', pay, 'pay.835')
        self.assertEqual(status, 200, body)
        seen = c.until_type('file_processed')
        _, _, remits = self.srv.get_json('/api/v1/remits')
        rid = {x['claim_control_number']: x['id'] for x in remits['remits']}
        _, _, eps = self.srv.get_json('/api/v1/episodes')
        ep = {x['remittance_id']: x for x in eps['episodes']}
        self.assertEqual([m['data'] for m in seen if m['type'] == 'remittance_processed'], [
            {'remittance_id': rid['EV1'], 'claim_control_number': 'EV1', 'payment_amount': 80.00,
             'status': 'processed'},
            {'remittance_id': rid['EV2'], 'claim_control_number': 'EV2', 'payment_amount': 100.50,
             'status': 'processed'},
            {'remittance_id': rid['ELSE9'], 'claim_control_number': 'ELSE9',
             'payment_amount': 0.00, 'status': 'unmatched'}])
        linked = [m for m in seen if m['type'] == 'episode_linked']
        self.assertEqual([m['data'] for m in linked], [
            {'episode_id': ep[rid[p]]['id'], 'claim_id': ids[p], 'remittance_id': rid[p],
             'status': 'linked'} for p in ('EV1', 'EV2')])
        self.assertEqual(linked[0]['message'],
                         f'Episode {ep[rid["EV1"]]["id"]} linked successfully')
        self.assert_progress(seen, 'pay.835', '835', None)
        self.assertEqual(seen[-1]['data'], {
            'filename': 'pay.835', 'file_type': '835', 'status': 'succeeded',
            'claims_created': 0, 'remittances_created': 3, 'job_id': None})

        # A duplicate upload processes nothing and tells nothing.
        status, body = upload(self.srv, 'remits', pay, 'pay.835')
        self.assertEqual((status, body['status']), (200, 'duplicate'))
        c.send_text('{"after": "duplicate"}')
        self.assertEqual(c.message()['type'], 'ack')

    def assert_progress(self, seen, filename, file_type, job_id):
        progress = [m for m in seen if m['type'] == 'file_progress']
        self.assertGreaterEqual(len(progress), 3)
        values = [m['data']['progress'] for m in progress]
        self.assertEqual(values, sorted(values))
        stages = [m['data']['stage'] for m in progress]
        order = ['parsing', 'saving', 'linking', 'complete']
        self.assertEqual([s for s in order if s in stages], list(dict.fromkeys(stages)))
        self.assertEqual(stages[-1], 'complete')
        self.assertEqual(values[-1], 1)
        self.assertIn('linking', stages)
        for m in progress:
            d = m['data']
            self.assertEqual(sorted(d), ['current', 'file_type', 'filename', 'progress', 'stage',
                                         'task_id', 'total'])
            self.assertEqual((d['filename'], d['file_type'], d['task_id']),
                             (filename, file_type, job_id))
            self.assertLessEqual(d['current'], d['total'])
            self.assertEqual(m['message'], f'Processing {filename}: {d["stage"]} '
                                           f'({round(d["progress"] * 100)}%)')
        last = progress[-1]['data']
        self.assertEqual((last['current'], last['total']), (1, 1))  # sets of the file
        self.assertEqual(progress[-1]['message'], f'Processing {filename}: complete (100%)')
        # file_processed comes after the last progress.
        self.assertLess(seen.index(progress[-1]), len(seen) - 1)

    def test_engine_routes(self):
        c = self.client()
        status, _ = upload(self.srv, 'claims', claims_file(['EN1', 'EN2']), 'en.edi')
        self.assertEqual(status, 200)
        c.until_type('file_processed')
        _, _, lst = self.srv.get_json('/api/v1/claims')
        ids = {x['claim_control_number']: x['id'] for x in lst['claims']}

        status, score = post(self.srv, f'/api/v1/risk/{ids["EN1"]}/calculate')
        self.assertEqual(status, 200, score)
        m = c.message()
        self.assertEqual(m['type'], 'risk_score_calculated')
        self.assertEqual(m['data'], {k: score[k] for k in ('claim_id', 'overall_score', 'risk_level',
                                                          'component_scores')})
        self.assertEqual(sorted(m['data']['component_scores']),
                         ['coding_risk', 'documentation_risk', 'historical_risk', 'pattern_risk',
                          'payer_risk'])
        self.assertEqual(m['message'], f'Risk score calculated for claim {ids["EN1"]}')

        # A payment nobody matches, then linked by hand to EN2.
        status, _ = upload(self.srv, 'remits',
                           x12gen.file_835([x12gen.payment('NOMATCH7', '1', '55', '0')], '0'),
                           'nm.835')
        self.assertEqual(status, 200)
        seen = c.until_type('file_processed')
        self.assertNotIn('episode_linked', [x['type'] for x in seen])
        remit = [x for x in seen if x['type'] == 'remittance_processed'][0]['data']
        self.assertEqual(remit['status'], 'unmatched')
        status, body = post(self.srv, f'/api/v1/episodes/1/link?claim_id={ids["EN2"]}'
                                      f'&remittance_id={remit["remittance_id"]}')
        self.assertEqual(status, 200, body)
        episode = body['episode']
        m = c.message()
        self.assertEqual((m['type'], m['data']), ('episode_linked', {
            'episode_id': episode['id'], 'claim_id': ids['EN2'],
            'remittance_id': remit['remittance_id'], 'status': episode['status']}))
        # Linking the same pair again makes nothing new and tells nothing.
        status, _ = post(self.srv, f'/api/v1/episodes/1/link?claim_id={ids["EN2"]}'
                                   f'&remittance_id={remit["remittance_id"]}')
        self.assertEqual(status, 200)

        status, body = post(self.srv, f'/api/v1/episodes/{episode["id"]}/status',
                            json.dumps({'status': 'denied'}).encode(), method='PATCH')
        self.assertEqual(status, 200, body)
        m = c.message()
        self.assertEqual((m['type'], m['data'], m['message']), ('episode_status_changed', {
            'episode_id': episode['id'], 'claim_id': ids['EN2'],
            'old_status': episode['status'], 'new_status': 'denied'},
            f'Episode {episode["id"]} status changed to denied'))

        status, body = post(self.srv, f'/api/v1/episodes/{episode["id"]}/complete')
        self.assertEqual(status, 200, body)
        m = c.message()
        self.assertEqual((m['type'], m['data'], m['message']), ('episode_completed', {
            'episode_id': episode['id'], 'claim_id': ids['EN2'],
            'remittance_id': remit['remittance_id']}, f'Episode {episode["id"]} completed'))

        # Failures tell nothing: the next message is the ack.
        self.assertEqual(post(self.srv, '/api/v1/risk/999999/calculate')[0], 404)
        self.assertEqual(post(self.srv, '/api/v1/episodes/999999/complete')[0], 404)
        c.send_text('{}')
        self.assertEqual(c.message()['type'], 'ack')

    def test_first_100_claims_per_file(self):
        c = self.client()
        pcns = [f'MANY{i:03d}' for i in range(130)]
        status, body = upload(self.srv, 'claims', claims_file(pcns), 'many.edi')
        self.assertEqual(status, 200, body)
        seen = c.until_type('file_processed')
        claims = [m['data']['claim_control_number'] for m in seen if m['type'] == 'claim_processed']
        self.assertEqual(claims, pcns[:100])
        self.assertEqual(seen[-1]['data']['claims_created'], 130)

    def test_many_clients_get_the_same_event(self):
        clients = [self.client() for _ in range(50)]
        wait_metric(self, self.srv, 50, 'claims_ws_clients')
        status, _ = upload(self.srv, 'claims', claims_file(['FAN1']), 'fan.edi')
        self.assertEqual(status, 200)
        texts = set()
        for c in clients:
            seen = c.until_type('file_processed')
            texts.add(json.dumps(seen[-1], sort_keys=True))
            self.assertEqual([m['data']['claim_control_number'] for m in seen
                              if m['type'] == 'claim_processed'], ['FAN1'])
        self.assertEqual(len(texts), 1)


class BackgroundEvents(WSCase):
    env = {'UPLOAD_SYNC_MAX_BYTES': '100'}

    def test_job_events(self):
        c = self.client()
        status, body = upload(self.srv, 'claims', claims_file(['BG1', 'BG2']), 'bg.edi')
        self.assertEqual(status, 202, body)
        job = body['job_id']
        seen = c.until_type('file_processed')
        Events.assert_progress(self, seen, 'bg.edi', '837', str(job))
        self.assertEqual(seen[-1]['data'], {
            'filename': 'bg.edi', 'file_type': '837', 'status': 'succeeded',
            'claims_created': 2, 'remittances_created': 0, 'job_id': job})
        self.assertEqual([m['data']['claim_control_number'] for m in seen
                          if m['type'] == 'claim_processed'], ['BG1', 'BG2'])
        # Told after the job's row says so.
        _, _, j = self.srv.get_json(f'/api/v1/jobs/{job}')
        self.assertEqual((j['status'], j['progress']), ('succeeded', 1))

        # An 837 followed by an 835 interchange: the job fails.
        mixed = claims_file(['MIX1'], icn='000000009') + \
            x12gen.file_835([x12gen.payment('MIX1', '1', '100', '10')], '10', icn='000000010')
        status, body = upload(self.srv, 'claims', mixed, 'mixed.edi')
        self.assertEqual(status, 202, body)
        seen = c.until_type('job_failed')
        failed = seen[-1]
        _, _, j = self.srv.get_json(f'/api/v1/jobs/{body["job_id"]}')
        self.assertEqual(j['status'], 'failed')
        self.assertEqual(failed['data'], {'job_id': body['job_id'], 'filename': 'mixed.edi',
                                          'error': j['error']})
        self.assertEqual(failed['data']['error']['error'], 'WRONG_FILE_TYPE')
        self.assertEqual(failed['message'], 'Processing mixed.edi failed')
        self.assertNotIn('file_processed', [m['type'] for m in seen])
        self.assertNotIn('claim_processed', [m['type'] for m in seen])


class Clients(WSCase):
    env = {'WS_MAX_CLIENTS': '3'}

    def test_limit_dead_and_slow_clients(self):
        a, b, c = self.client(), self.client(), self.client()
        wait_metric(self, self.srv, 3, 'claims_ws_clients')
        # One more is refused before the upgrade, as JSON.
        d = WSClient(self.srv.port)
        self.assertEqual(d.status, 503)
        self.assertEqual(d.headers['content-type'], 'application/json; charset=utf-8')
        self.assertEqual(d.headers['retry-after'], '5')
        err = json.loads(d.body)
        self.assertEqual((err['error'], err['message']),
                         ('SERVICE_UNAVAILABLE', 'Too many notification clients; retry later'))
        self.assertEqual(d.sock.recv(10), b'')  # and the connection ends
        d.sock.close()

        # A client that goes away without a close frame is removed...
        c.abort()
        wait_metric(self, self.srv, 2, 'claims_ws_clients')
        self.assertEqual(metric(self.srv, 'claims_ws_disconnects_total', reason='client'), 1)
        # ...which frees its place.
        slow = self.client(rcvbuf=4096)
        wait_metric(self, self.srv, 3, 'claims_ws_clients')

        # The slow client stops reading; uploads go on and the others get
        # everything, until its queue overflows and it is closed with 1013.
        n = 0
        deadline = time.monotonic() + WAIT
        while metric(self.srv, 'claims_ws_disconnects_total', reason='overflow') != 1:
            self.assertLess(time.monotonic(), deadline, 'the slow client was never closed')
            pcns = [f'S{n:03d}C{i:03d}' for i in range(100)]
            t0 = time.monotonic()
            status, body = upload(self.srv, 'claims', claims_file(pcns, icn=f'{n + 1:09d}'),
                                  f'slow{n}.edi')
            self.assertEqual(status, 200, body)
            self.assertLess(time.monotonic() - t0, 20)
            n += 1
            for other in (a, b):
                seen = other.until_type('file_processed')
                self.assertEqual(seen[-1]['data']['filename'], f'slow{n - 1}.edi')
        self.assertGreaterEqual(n, 2)
        # It leaves the broadcast at once; the others still get events.
        status, _ = upload(self.srv, 'claims', claims_file(['AFTER1'], icn='000000999'),
                           'after.edi')
        self.assertEqual(status, 200)
        for other in (a, b):
            self.assertEqual(other.until_type('file_processed')[-1]['data']['filename'],
                             'after.edi')
        # Reading again, it finds what was sent before the overflow, then 1013.
        types = set()
        with self.assertRaises(Closed) as cm:
            while True:
                types.add(slow.message()['type'])
        self.assertEqual((cm.exception.code, cm.exception.reason), (1013, 'Send queue full'))
        self.assertNotEqual(types, set())
        self.assertTrue(types <= {'claim_processed', 'file_progress', 'file_processed'}, types)
        slow.send_frame(0x8, struct.pack('>H', 1013))
        self.assertEqual(slow.sock.recv(10), b'')
        wait_metric(self, self.srv, 2, 'claims_ws_clients')
        # The server stops cleanly with clients connected: they get 1001.
        code, err = self.srv.stop()
        self.assertEqual(code, 0, err)
        for other in (a, b):
            with self.assertRaises(Closed) as cm:
                other.until(lambda m: False)
            self.assertEqual((cm.exception.code, cm.exception.reason),
                             (1001, 'Server shutting down'))


class Concurrent(WSCase):
    """Clients coming and going while uploads and engine calls broadcast."""

    def test_clients_churn_during_broadcasts(self):
        status, _ = upload(self.srv, 'claims', claims_file(['CH1']), 'ch.edi')
        self.assertEqual(status, 200)
        _, _, lst = self.srv.get_json('/api/v1/claims')
        claim = lst['claims'][0]['id']
        stop = threading.Event()
        errors = []

        def churn(k):
            try:
                while not stop.is_set():
                    c = connect(self.srv.port)
                    c.send_text('{"k": %d}' % k)
                    while c.message()['type'] != 'ack':
                        pass
                    if k % 2:
                        c.abort()
                    else:
                        c.close()
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        def score():
            try:
                while not stop.is_set():
                    self.assertEqual(post(self.srv, f'/api/v1/risk/{claim}/calculate')[0], 200)
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        steady = self.client()
        threads = [threading.Thread(target=churn, args=(k,)) for k in range(8)]
        threads += [threading.Thread(target=score) for _ in range(2)]
        for t in threads:
            t.start()
        got = 0
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            m = steady.message()
            self.assertEqual(m['type'], 'risk_score_calculated')
            got += 1
        stop.set()
        for t in threads:
            t.join(WAIT)
        self.assertEqual(errors, [])
        self.assertGreater(got, 0)
        wait_metric(self, self.srv, 1, 'claims_ws_clients')
        code, err = self.srv.stop()
        self.assertEqual(code, 0, err)


if __name__ == '__main__':
    unittest.main(verbosity=2)
