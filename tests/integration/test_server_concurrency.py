"""64 concurrent keep-alive clients against one claimsd (api.md §3, cache.md
§3, §7): reads of every list and object, status changes, uploads and
/cache/stats, mixed for CLAIMS_CONCURRENCY_SECONDS (30 by default).  Every
answer must have its expected status (no 5xx, no 429, no timeout: the
system being replaced stopped answering its list routes at 64
connections), and afterwards the cache statistics must count exactly the
lookups the clients caused, overall and per key."""
import collections
import http.client
import json
import os
import random
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import x12gen as g  # noqa: E402
from harness import Server, TempDirTestCase, run_cli  # noqa: E402

CLIENTS = 64
SECONDS = float(os.environ.get('CLAIMS_CONCURRENCY_SECONDS', '30'))
N_CLAIMS = 40


def seed(tmp):
    claims = [g.claim(f'CC{i}', '100', [('99213', '100')]) for i in range(1, N_CLAIMS + 1)]
    pays = [g.payment(f'CC{i}', '1', '100', '80', icn=f'P{i}', cas=[('CO', '45', '20')])
            for i in range(1, N_CLAIMS + 1)]
    paths = []
    for name, data in (('c.837', g.file_837([({}, claims)])),
                       ('p.835', g.file_835(pays, str(80 * N_CLAIMS)))):
        p = os.path.join(tmp, name)
        with open(p, 'wb') as f:
            f.write(data)
        paths.append(p)
    return paths


def upload_body(n):
    """A distinct small 837 for upload number n."""
    return g.file_837([({}, [g.claim(f'UP{n}', '75', [('99212', '75')])])],
                      icn=f'{100000 + n:09d}')


class Concurrency(TempDirTestCase):
    def test_64_clients_mixed(self):
        db = self.path('c.db')
        r = run_cli('--db', db, 'import', *seed(self.tmp))
        self.assertEqual(r.returncode, 0, r.stderr)
        with Server(db, extra_args=('--threads', '16')) as srv:
            self.run_clients(srv)
            code, err = srv.stop()
            self.assertEqual(code, 0, err)

    def run_clients(self, srv):
        lock = threading.Lock()
        lookups = collections.Counter()     # cache key -> lookups made
        unexpected = []
        done = collections.Counter()
        uploads = []
        stop_at = time.monotonic() + SECONDS

        status, _, _ = srv.request('POST', '/api/v1/cache/stats/reset')
        self.assertEqual(status, 200)

        def client(idx):
            rnd = random.Random(idx)
            conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=20)
            local = collections.Counter()
            n = 0
            first_upload, repeated = None, False
            while time.monotonic() < stop_at:
                n += 1
                op = rnd.random()
                cid = rnd.randint(1, N_CLAIMS)
                headers = {}
                body = None
                keys = ()
                if op < 0.30:
                    method, path, keys = 'GET', f'/api/v1/claims/{cid}', (f'claim:{cid}',)
                elif op < 0.40:
                    method, path = 'GET', f'/api/v1/episodes/{cid}'
                    keys = (f'episode:{cid}',)
                elif op < 0.50:
                    method, path = 'GET', f'/api/v1/remits/{cid}'
                    keys = (f'remittance:{cid}',)
                elif op < 0.60:
                    method, path = 'GET', '/api/v1/claims?status=processed&limit=10'
                    keys = ('count:claim:status=processed',)
                elif op < 0.66:
                    method, path = 'GET', f'/api/v1/episodes?claim_id={cid}'
                    keys = (f'count:episode:claim_id={cid}',)
                elif op < 0.72:
                    method, path, keys = 'GET', '/api/v1/claims/unlinked', \
                        ('count:claim:unlinked=true',)
                elif op < 0.78:
                    method, path = 'GET', '/api/v1/cache/stats'
                elif op < 0.90:
                    method, path = 'PATCH', f'/api/v1/episodes/{cid}/status'
                    body = json.dumps({'status': rnd.choice(['linked', 'complete',
                                                             'denied'])}).encode()
                    headers = {'Content-Type': 'application/json'}
                else:
                    # Uploads: a new file; a client's second upload repeats
                    # its first (a duplicate, whatever the dice say).
                    if first_upload is None:
                        k = first_upload = idx * 100000 + n
                    elif not repeated:
                        k, repeated = first_upload, True
                    else:
                        k = idx * 100000 + n if op < 0.97 else idx
                    method, path = 'POST', '/api/v1/claims/upload?filename=u.837'
                    body = upload_body(k)
                    headers = {'Content-Type': 'application/edi-x12'}
                try:
                    conn.request(method, path, body=body, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    if resp.getheader('Connection', '').lower() == 'close':
                        conn.close()
                        conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=20)
                except Exception as e:  # noqa: BLE001 - recorded, then fails the test
                    unexpected.append((method, path, repr(e)))
                    conn.close()
                    conn = http.client.HTTPConnection('127.0.0.1', srv.port, timeout=20)
                    continue
                for k in keys:
                    local[k] += 1
                if resp.status != 200:
                    unexpected.append((method, path, resp.status, data[:200]))
                elif path.startswith('/api/v1/claims/upload'):
                    doc = json.loads(data)
                    uploads.append((doc['status'], doc['ingest_file_id']))
                done[method] += 1
            conn.close()
            with lock:
                lookups.update(local)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        self.assertEqual(unexpected[:5], [])
        self.assertGreater(sum(done.values()), CLIENTS * 10)
        self.assertGreater(done['PATCH'], 0)
        self.assertTrue(any(s == 'succeeded' for s, _ in uploads))
        self.assertTrue(any(s == 'duplicate' for s, _ in uploads))

        status, _, st = srv.get_json('/api/v1/cache/stats')
        self.assertEqual(status, 200)
        o = st['overall']
        self.assertEqual(o['total'], sum(lookups.values()))
        self.assertEqual(o['hits'] + o['misses'], o['total'])
        self.assertEqual(o['hits'], sum(p['hits'] for p in st['by_prefix'].values()))
        self.assertEqual(o['misses'], sum(p['misses'] for p in st['by_prefix'].values()))
        # Fewer keys than CACHE_STATS_MAX_KEYS: every one is tracked, exactly.
        self.assertLess(len(lookups), st['max_tracked_keys'])
        for key, n in lookups.items():
            self.assertEqual(st['by_key'][key]['total'], n, key)
        # Every upload left one file: distinct files differ, duplicates name the first.
        status, _, files = srv.get_json('/api/v1/claims?limit=1')
        self.assertEqual(files['total'], N_CLAIMS + len({i for s, i in uploads}))


if __name__ == '__main__':
    unittest.main()
