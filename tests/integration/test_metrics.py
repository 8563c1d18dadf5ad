"""GET /metrics (spec/api.md §4.10) against a real claimsd.

The whole exposition is parsed strictly as the Prometheus text format
0.0.4: every line a HELP, a TYPE or a sample; every sample's family
declared by a TYPE before it, its samples together; histogram buckets
cumulative, in ascending le, ending at +Inf equal to _count.  Then exact
values after a known sequence of requests, with the route label always the
template, never the raw path.
"""
import http.client
import json
import math
import os
import re
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, TempDirTestCase  # noqa: E402
import x12gen  # noqa: E402
from test_websocket import connect  # noqa: E402

NAME = r'[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(rf'^({NAME})(?:\{{((?:{LABEL})(?:,{LABEL})*)?\}})? (\S+)$')
HELP = re.compile(rf'^# HELP ({NAME}) (.*)$')
TYPE = re.compile(rf'^# TYPE ({NAME}) (counter|gauge|histogram|summary|untyped)$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')

TEMPLATES = {
    '/', '/api/v1/health', '/api/v1/health/detailed', '/api/v1/cache/stats',
    '/api/v1/cache/stats/reset', '/api/v1/claims', '/api/v1/claims/unlinked',
    '/api/v1/claims/{claim_id}', '/api/v1/remits', '/api/v1/remits/{remit_id}',
    '/api/v1/remits/{remittance_id}/link', '/api/v1/episodes', '/api/v1/episodes/{episode_id}',
    '/api/v1/episodes/{episode_id}/link', '/api/v1/episodes/{episode_id}/status',
    '/api/v1/episodes/{episode_id}/complete', '/api/v1/risk/{claim_id}',
    '/api/v1/risk/{claim_id}/calculate', '/api/v1/patterns/detect-all',
    '/api/v1/patterns/detect/{payer_id}', '/api/v1/patterns/payer/{payer_id}',
    '/api/v1/patterns/analyze-claim/{claim_id}', '/api/v1/payers', '/api/v1/parser-logs',
    '/api/v1/claims/upload', '/api/v1/remits/upload', '/api/v1/jobs', '/api/v1/jobs/{job_id}',
    '/metrics', '/ws/notifications', 'unmatched',
}


def value(text):
    if text in ('+Inf', '-Inf', 'NaN'):
        return float(text.replace('Inf', 'inf').replace('NaN', 'nan'))
    return float(text)


def parse(tc, text):
    """Check the exposition line by line; return ({family: type}, [(name, labels, value)])."""
    tc.assertTrue(text.endswith('\n'))
    types, helps, samples = {}, {}, []
    closed = set()  # families whose samples are over
    current = None
    for n, line in enumerate(text.split('\n')[:-1], 1):
        where = f'line {n}: {line!r}'
        m = HELP.match(line)
        if m:
            tc.assertNotIn(m.group(1), helps, where)
            helps[m.group(1)] = m.group(2)
            continue
        m = TYPE.match(line)
        if m:
            tc.assertNotIn(m.group(1), types, where)
            tc.assertIn(m.group(1), helps, where + ' (HELP comes first)')
            types[m.group(1)] = m.group(2)
            continue
        tc.assertFalse(line.startswith('#'), where)
        m = SAMPLE.match(line)
        tc.assertIsNotNone(m, where)
        name, labels_text, v = m.group(1), m.group(2) or '', m.group(3)
        family = name
        for suffix in ('_bucket', '_sum', '_count'):
            if name.endswith(suffix) and types.get(name[:-len(suffix)]) == 'histogram':
                family = name[:-len(suffix)]
        tc.assertIn(family, types, where + ' (no TYPE before it)')
        if family != current:
            tc.assertNotIn(family, closed, where + ' (samples of a family apart)')
            if current:
                closed.add(current)
            current = family
        labels = dict(LABEL_RE.findall(labels_text))
        tc.assertEqual(len(labels), labels_text.count('="'), where)
        x = value(v)
        tc.assertFalse(math.isnan(x), where)
        if types[family] == 'counter' or name.endswith(('_bucket', '_count')):
            tc.assertGreaterEqual(x, 0, where)
            tc.assertEqual(x, int(x), where)
        samples.append((name, labels, x))
    tc.assertEqual(set(helps), set(types))
    return types, samples


def check_histograms(tc, types, samples):
    for fam, t in types.items():
        if t != 'histogram':
            continue
        series = {}
        for name, labels, v in samples:
            if not name.startswith(fam + '_'):
                continue
            key = tuple(sorted((k, x) for k, x in labels.items() if k != 'le'))
            s = series.setdefault(key, {'buckets': [], 'sum': None, 'count': None})
            if name == fam + '_bucket':
                s['buckets'].append((labels['le'], v))
            elif name == fam + '_sum':
                s['sum'] = v
            else:
                s['count'] = v
        for key, s in series.items():
            les = [value(le) for le, _ in s['buckets']]
            tc.assertEqual(les, sorted(les), key)
            tc.assertEqual(len(set(les)), len(les), key)
            tc.assertEqual(s['buckets'][-1][0], '+Inf', key)
            counts = [c for _, c in s['buckets']]
            tc.assertEqual(counts, sorted(counts), f'{key}: buckets not cumulative')
            tc.assertEqual(counts[-1], s['count'], key)
            tc.assertIsNotNone(s['sum'], key)
            tc.assertGreaterEqual(s['sum'], 0)
            if s['count'] == 0:
                tc.assertEqual(s['sum'], 0)


class Metrics(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.srv = Server(self.path('m.db'))

    def tearDown(self):
        self.srv.__exit__()
        super().tearDown()

    def call(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection('127.0.0.1', self.srv.port, timeout=60)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.headers, r.read()
        finally:
            c.close()

    def scrape(self):
        status, headers, body = self.call('GET', '/metrics')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Type'], 'text/plain; version=0.0.4')
        self.assertEqual(headers['Cache-Control'], 'no-store')
        text = body.decode()
        types, samples = parse(self, text)
        check_histograms(self, types, samples)
        return types, {(n, tuple(sorted(l.items()))): v for n, l, v in samples}

    def scrape_when(self, ready):
        """Scrape until ready(samples): a response is counted just after its last
        byte, so the client may see it a moment before /metrics does."""
        deadline = time.monotonic() + 30
        while True:
            types, s = self.scrape()
            if ready(s) or time.monotonic() > deadline:
                return types, s
            time.sleep(0.02)

    def total_requests(self, s):
        return sum(v for k, v in s.items() if k[0] == 'claims_http_requests_total')

    def get(self, samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))))

    def requests(self, samples, method, route, status):
        return self.get(samples, 'claims_http_requests_total', method=method, route=route,
                        status=str(status))

    def test_format_and_exact_values(self):
        types, s = self.scrape()
        for name, t in [('claims_http_requests_total', 'counter'),
                        ('claims_http_request_duration_seconds', 'histogram'),
                        ('claims_cache_hits_total', 'counter'), ('claims_cache_misses_total', 'counter'),
                        ('claims_cache_evictions_total', 'counter'),
                        ('claims_cache_expirations_total', 'counter'),
                        ('claims_cache_entries', 'gauge'), ('claims_cache_bytes', 'gauge'),
                        ('claims_ingest_files_total', 'counter'),
                        ('claims_ingest_claims_total', 'counter'),
                        ('claims_ingest_remittances_total', 'counter'), ('claims_jobs', 'gauge'),
                        ('claims_ws_clients', 'gauge'), ('claims_rate_limited_total', 'counter'),
                        ('claims_audit_dropped_total', 'counter')]:
            self.assertEqual(types.get(name), t, name)
        # A fresh server has counted nothing yet (this scrape counts after it answers).
        self.assertEqual([k for k in s if k[0] == 'claims_http_requests_total'], [])
        for status in ('ingested', 'duplicate', 'refused', 'failed'):
            self.assertEqual(self.get(s, 'claims_ingest_files_total', status=status), 0)
        for status in ('queued', 'running', 'succeeded', 'failed'):
            self.assertEqual(self.get(s, 'claims_jobs', status=status), 0)
        for name in ('claims_ingest_claims_total', 'claims_ingest_remittances_total',
                     'claims_ws_clients', 'claims_rate_limited_total', 'claims_audit_dropped_total'):
            self.assertEqual(self.get(s, name), 0, name)

        # A known sequence.
        for _ in range(3):
            self.assertEqual(self.call('GET', '/api/v1/health')[0], 200)
        self.assertEqual(self.call('HEAD', '/api/v1/health')[0], 200)
        self.assertEqual(self.call('GET', '/api/v1/claims/5')[0], 404)
        self.assertEqual(self.call('GET', '/api/v1/claims/77')[0], 404)
        self.assertEqual(self.call('GET', '/api/v1/claims/abc')[0], 422)
        self.assertEqual(self.call('GET', '/no/such/path')[0], 404)
        self.assertEqual(self.call('DELETE', '/api/v1/health')[0], 405)
        self.assertEqual(self.call('PROPFIND', '/api/v1/health')[0], 405)
        f837 = x12gen.file_837([({}, [x12gen.claim('M1', '100', [('99213', '100')]),
                                       x12gen.claim('M2', '50', [('99213', '50')])])])
        f835 = x12gen.file_835([x12gen.payment('M1', '1', '100', '90')], '90')
        up = {'Content-Type': 'application/edi-x12'}
        self.assertEqual(self.call('POST', '/api/v1/claims/upload', f837, up)[0], 200)
        self.assertEqual(self.call('POST', '/api/v1/claims/upload', f837, up)[0], 200)  # duplicate
        self.assertEqual(self.call('POST', '/api/v1/claims/upload', f835, up)[0], 422)  # refused
        self.assertEqual(self.call('POST', '/api/v1/remits/upload', f835, up)[0], 200)
        ws = connect(self.srv.port)

        status, _, body = self.call('GET', '/api/v1/cache/stats')
        self.assertEqual(status, 200)
        cache = json.loads(body)['overall']
        # 17 responses (the first scrape among them), each counted once.
        types, s = self.scrape_when(lambda s: self.total_requests(s) >= 17)
        self.assertEqual(self.total_requests(s), 17)
        self.assertEqual(self.requests(s, 'GET', '/metrics', 200), 1)  # the first scrape
        self.assertEqual(self.requests(s, 'GET', '/api/v1/health', 200), 3)
        self.assertEqual(self.requests(s, 'HEAD', '/api/v1/health', 200), 1)
        self.assertEqual(self.requests(s, 'GET', '/api/v1/claims/{claim_id}', 404), 2)
        self.assertEqual(self.requests(s, 'GET', '/api/v1/claims/{claim_id}', 422), 1)
        self.assertEqual(self.requests(s, 'GET', 'unmatched', 404), 1)
        self.assertEqual(self.requests(s, 'DELETE', 'unmatched', 405), 1)
        self.assertEqual(self.requests(s, 'OTHER', 'unmatched', 405), 1)
        self.assertEqual(self.requests(s, 'POST', '/api/v1/claims/upload', 200), 2)
        self.assertEqual(self.requests(s, 'POST', '/api/v1/claims/upload', 422), 1)
        self.assertEqual(self.requests(s, 'POST', '/api/v1/remits/upload', 200), 1)
        self.assertEqual(self.requests(s, 'GET', '/ws/notifications', 101), 1)
        self.assertEqual(self.requests(s, 'GET', '/api/v1/cache/stats', 200), 1)
        series = [dict(k[1]) for k in s if k[0] == 'claims_http_requests_total']
        self.assertEqual(len(series), 13)
        self.assertEqual({x['route'] for x in series} - TEMPLATES, set())
        for x in series:
            labels = tuple(sorted(x.items()))
            self.assertEqual(s[('claims_http_request_duration_seconds_count', labels)],
                             s[('claims_http_requests_total', labels)])
        self.assertEqual(self.get(s, 'claims_ingest_files_total', status='ingested'), 2)
        self.assertEqual(self.get(s, 'claims_ingest_files_total', status='duplicate'), 1)
        self.assertEqual(self.get(s, 'claims_ingest_files_total', status='refused'), 1)
        self.assertEqual(self.get(s, 'claims_ingest_files_total', status='failed'), 0)
        self.assertEqual(self.get(s, 'claims_ingest_claims_total'), 2)
        self.assertEqual(self.get(s, 'claims_ingest_remittances_total'), 1)
        self.assertEqual(self.get(s, 'claims_ws_clients'), 1)
        for name, key in [('claims_cache_hits_total', 'hits'), ('claims_cache_misses_total', 'misses'),
                          ('claims_cache_evictions_total', 'evictions'),
                          ('claims_cache_expirations_total', 'expirations'),
                          ('claims_cache_entries', 'entries'), ('claims_cache_bytes', 'bytes')]:
            self.assertEqual(self.get(s, name), cache[key], name)
        self.assertEqual(self.get(s, 'claims_cache_misses_total'), 2)  # claims 5 and 77
        ws.close()

    def test_counts_exact_under_concurrency(self):
        threads, per = 8, 150
        errors = []

        def hammer():
            try:
                c = http.client.HTTPConnection('127.0.0.1', self.srv.port, timeout=60)
                for i in range(per):
                    c.request('GET', '/api/v1/health' if i % 3 else f'/api/v1/claims/{i + 1}')
                    r = c.getresponse()
                    r.read()
                c.close()
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        ts = [threading.Thread(target=hammer) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        self.assertEqual(errors, [])
        _, s = self.scrape_when(lambda s: self.total_requests(s) >= threads * per)
        self.assertEqual(self.total_requests(s), threads * per)
        self.assertEqual(self.requests(s, 'GET', '/api/v1/health', 200), threads * 100)
        self.assertEqual(self.requests(s, 'GET', '/api/v1/claims/{claim_id}', 404), threads * 50)
        labels = {'method': 'GET', 'route': '/api/v1/health', 'status': '200'}
        self.assertEqual(self.get(s, 'claims_http_request_duration_seconds_bucket', le='+Inf',
                                  **labels), threads * 100)
        self.assertEqual(self.get(s, 'claims_http_request_duration_seconds_count', **labels),
                         threads * 100)


if __name__ == '__main__':
    unittest.main(verbosity=2)
