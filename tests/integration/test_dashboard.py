"""The dashboard, /docs and the old addresses (api.md §3, §4.10; security.md
§6, §7), GET /api/v1/stats/summary against the other routes, and the
dashboard itself in headless Chromium: every number it shows equals the
API's answer.  The screenshot is kept in the build directory.
"""
import collections
import decimal
import http.client
import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import browser  # noqa: E402
from harness import CLAIMSD, Server, TempDirTestCase  # noqa: E402

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'")
ASSETS = {
    'index.html': 'text/html; charset=utf-8',
    'app.js': 'text/javascript; charset=utf-8',
    'app.css': 'text/css; charset=utf-8',
    'docs.html': 'text/html; charset=utf-8',
    'docs.js': 'text/javascript; charset=utf-8',
    'favicon.svg': 'image/svg+xml',
}
D = decimal.Decimal


def source(name):
    with open(os.path.join(browser.WEB_DIR, name), 'rb') as f:
        return f.read()


def raw_get(port, path, method='GET'):
    """Send @p path byte for byte (no client-side normalisation); returns
    (status, headers, body)."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- static serving

class Static(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.srv = Server(self.path('static.db'))

    def tearDown(self):
        code, err = self.srv.stop()
        super().tearDown()
        self.assertEqual(code, 0, err[-3000:])

    def test_dashboard_page(self):
        status, headers, body = raw_get(self.srv.port, '/dashboard')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Type'], 'text/html; charset=utf-8')
        self.assertEqual(headers['Content-Security-Policy'], CSP)
        self.assertEqual(headers['X-Content-Type-Options'], 'nosniff')
        self.assertEqual(body, source('index.html'))

    def test_every_asset_with_its_type(self):
        for name, ctype in ASSETS.items():
            status, headers, body = raw_get(self.srv.port, '/dashboard/' + name)
            self.assertEqual(status, 200, name)
            self.assertEqual(headers['Content-Type'], ctype, name)
            self.assertEqual(headers['Content-Security-Policy'], CSP, name)
            self.assertEqual(int(headers['Content-Length']), len(source(name)), name)
            self.assertEqual(body, source(name), name)
        # HEAD: the headers without the body.
        status, headers, body = raw_get(self.srv.port, '/dashboard/app.js', 'HEAD')
        self.assertEqual(status, 200)
        self.assertEqual(int(headers['Content-Length']), len(source('app.js')))
        self.assertEqual(body, b'')

    def test_docs_page(self):
        status, headers, body = raw_get(self.srv.port, '/docs')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Type'], 'text/html; charset=utf-8')
        self.assertEqual(headers['Content-Security-Policy'], CSP)
        self.assertEqual(body, source('docs.html'))

    def test_pages_have_no_inline_script_or_style(self):
        for name in ('index.html', 'docs.html'):
            dom = browser.parse_dom(source(name).decode())
            for node in dom.iter():
                self.assertNotEqual(node.tag, 'style', name)
                self.assertNotIn('style', node.attrs, f'{name} <{node.tag}>')
                self.assertFalse([a for a in node.attrs if a.startswith('on')],
                                 f'{name} <{node.tag}>')
                if node.tag == 'script':
                    self.assertTrue(node.attrs.get('src', '').startswith('/dashboard/'), name)
                    self.assertEqual(node.text().strip(), '', name)
                for attr in ('src', 'href'):
                    url = node.attrs.get(attr, '')
                    self.assertFalse(re.match(r'^(https?:)?//', url), f'{name}: {url}')
        for name in ('app.js', 'docs.js'):
            text = source(name).decode()
            self.assertNotIn("setAttribute('style'", text, name)
            self.assertNotIn('.innerHTML', text, name)
            self.assertNotRegex(text, r'https?://(?!www\.w3\.org/2000/svg)', name)

    def test_traversal_is_404(self):
        # security.md §7, sent exactly as written.
        for path in ('/dashboard/../claims.db', '/dashboard/%2e%2e/%2e%2e/etc/passwd',
                     '/dashboard/..%2fx', '/dashboard/a%00.js',
                     # and neighbours: other encodings, case, suffixes, empty names.
                     # (CivetWeb ends a decoded path at %00, so the handler sees
                     # "/dashboard/a" or "/dashboard/claims.db" here.)
                     '/dashboard/%2e%2e%2fclaims.db', '/dashboard/claims.db%00index.html',
                     '/dashboard/%00', '/dashboard/INDEX.HTML',
                     '/dashboard/index.html/', '/dashboard/', '/dashboard/.',
                     '/dashboard/%2e', '/dashboard/app.js%2f',
                     '/dashboard/./app.js.map', '/dashboard/openapi.json',
                     '/dashboard/' + 'a' * 300 + 'index.html'):
            status, headers, body = raw_get(self.srv.port, path)
            self.assertEqual(status, 404, path)
            self.assertEqual(headers['Content-Type'], 'application/json; charset=utf-8', path)
            self.assertEqual(json.loads(body)['error'], 'NOT_FOUND', path)

    def test_redirects_and_removed_routes(self):
        for path, location in (('/redoc', '/docs'), ('/monitoring', '/dashboard')):
            status, headers, body = raw_get(self.srv.port, path)
            self.assertEqual(status, 301, path)
            self.assertEqual(headers['Location'], location, path)
            self.assertEqual(body, b'', path)
        status, headers, body = raw_get(self.srv.port, '/sentry-debug')
        self.assertEqual(status, 404)
        self.assertEqual(json.loads(body),
                         {'error': 'NOT_FOUND', 'message': 'No route for this path',
                          'details': {}})
        status, headers, body = raw_get(self.srv.port, '/dashboard', 'POST')
        self.assertEqual(status, 405)
        self.assertEqual(headers['Allow'], 'GET')
        self.assertEqual(json.loads(body)['error'], 'METHOD_NOT_ALLOWED')


class DashboardDir(TempDirTestCase):
    """DASHBOARD_DIR replaces assets by name; nothing else there is served."""

    def test_override_by_name_only(self):
        d = self.path('web')
        os.mkdir(d)
        with open(os.path.join(d, 'app.js'), 'wb') as f:
            f.write(b'/* replaced */\n')
        for other in ('secret.txt', 'claims.db', 'index.htm'):
            with open(os.path.join(d, other), 'wb') as f:
                f.write(b'secret')
        os.mkdir(os.path.join(d, 'app.css'))  # a directory named like an asset
        with Server(self.path('dir.db'), env={'DASHBOARD_DIR': d}) as srv:
            status, headers, body = raw_get(srv.port, '/dashboard/app.js')
            self.assertEqual((status, body), (200, b'/* replaced */\n'))
            self.assertEqual(headers['Content-Type'], 'text/javascript; charset=utf-8')
            self.assertEqual(headers['Content-Security-Policy'], CSP)
            # Not in the directory: the embedded file.
            status, _, body = raw_get(srv.port, '/dashboard')
            self.assertEqual((status, body), (200, source('index.html')))
            # In the directory but not an asset name: never served.
            for path in ('/dashboard/secret.txt', '/dashboard/claims.db',
                         '/dashboard/index.htm', '/dashboard/../web/secret.txt',
                         '/dashboard/%2e%2e/web/secret.txt'):
                status, _, body = raw_get(srv.port, path)
                self.assertEqual(status, 404, path)
                self.assertEqual(json.loads(body)['error'], 'NOT_FOUND', path)
            # An asset name that is not a regular file there: a 500, not its listing.
            status, _, body = raw_get(srv.port, '/dashboard/app.css')
            self.assertEqual(status, 500)
            self.assertEqual(json.loads(body)['error'], 'INTERNAL_ERROR')
            code, err = srv.stop()
            self.assertEqual(code, 0, err[-3000:])
        # --dashboard-dir wins over the variable.
        with Server(self.path('dir2.db'), extra_args=['--dashboard-dir', d],
                    env={'DASHBOARD_DIR': self.path('nowhere')}) as srv:
            status, _, body = raw_get(srv.port, '/dashboard/app.js')
            self.assertEqual((status, body), (200, b'/* replaced */\n'))
            code, err = srv.stop()
            self.assertEqual(code, 0, err[-3000:])

    def test_not_a_directory_refuses_to_start(self):
        import subprocess
        missing = self.path('missing')
        for args, env in ((['--dashboard-dir', missing], {}), ([], {'DASHBOARD_DIR': missing})):
            proc = subprocess.run([CLAIMSD, '--listen', '127.0.0.1:0', '--db',
                                   self.path('x.db'), *args],
                                  env=dict(os.environ, CLAIMS_ENV_FILE=os.devnull, **env),
                                  capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 78)
            self.assertEqual(proc.stderr,
                             f"claimsd: DASHBOARD_DIR '{missing}' is not a directory\n")


# ---------------------------------------------------------------- seeded: summary and browser

def money(x):
    """$1,234.50 / -$0.01, as Intl.NumberFormat('en-US', USD) writes it."""
    x = D(str(x))
    sign = '-' if x < 0 else ''
    return f'{sign}${abs(x):,.2f}'


def ratio_pct(r):
    return f'{(D(str(r)) * 100).quantize(D("0.01"), rounding=decimal.ROUND_HALF_UP)}%'


class Seeded(TempDirTestCase):
    """One seeded database and server for the summary and browser tests."""

    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._ctmp = tempfile.TemporaryDirectory(prefix='claims-dash-')
        cls.dir = cls._ctmp.name
        cls.db = browser.seed_database(cls.dir)
        # Uploads over 2 kB become background jobs.
        cls.srv = Server(cls.db, env={'UPLOAD_SYNC_MAX_BYTES': '2000'})
        try:
            cls.upload_late_file()
        except BaseException:
            cls.srv.stop()
            cls._ctmp.cleanup()
            raise

    @classmethod
    def upload_late_file(cls):
        """Claims that arrive through a background job after the scoring."""
        data = browser.late_file()
        assert len(data) > 2000
        status, _, body = cls.srv.request('POST', '/api/v1/claims/upload?filename=late.edi',
                                          body=data,
                                          headers={'Content-Type': 'application/edi-x12'})
        assert status == 202, (status, body)
        job = json.loads(body)['job_id']
        deadline = time.monotonic() + 120
        while True:
            _, _, j = cls.srv.get_json(f'/api/v1/jobs/{job}')
            if j['status'] in ('succeeded', 'failed') or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert j['status'] == 'succeeded', j
        time.sleep(1.1)  # past the write-epoch check interval (cache.md §7)

    @classmethod
    def tearDownClass(cls):
        code, err = cls.srv.stop()
        cls._ctmp.cleanup()
        assert code == 0, err[-3000:]

    def api(self, path):
        status, _, body = self.srv.get_json(path)
        self.assertEqual(status, 200, path)
        return body

    def all_pages(self, path, key):
        items, skip = [], 0
        sep = '&' if '?' in path else '?'
        while True:
            page = self.api(f'{path}{sep}skip={skip}&limit=1000')
            items += page[key]
            skip += 1000
            if skip >= page['total']:
                return items, page['total']


class Summary(Seeded):
    def test_summary_equals_the_other_routes(self):
        s = self.api('/api/v1/stats/summary')
        claims, n_claims = self.all_pages('/api/v1/claims', 'claims')
        remits, n_remits = self.all_pages('/api/v1/remits', 'remits')
        episodes, n_episodes = self.all_pages('/api/v1/episodes', 'episodes')
        self.assertEqual((s['claims'], s['remittances'], s['episodes']),
                         (n_claims, n_remits, n_episodes))
        self.assertEqual(len(claims), n_claims)
        self.assertGreater(n_episodes, 100)
        by_status = collections.Counter(c['status'] for c in claims)
        self.assertEqual(s['claims_by_status'],
                         {k: by_status.get(k, 0)
                          for k in ('pending', 'processed', 'denied', 'reversed', 'void')})
        self.assertGreaterEqual(s['claims_by_status']['void'], 1)
        for status, count in s['claims_by_status'].items():
            self.assertEqual(self.api(f'/api/v1/claims?status={status}&limit=1')['total'],
                             count, status)
        # Paid: every remittance's CLP04 (the raw JSON text, exactly).
        status, _, raw = self.srv.request('GET', '/api/v1/stats/summary')
        paid_text = re.search(rb'"paid_amount":(-?[0-9]+\.[0-9]{2})[,}]', raw).group(1)
        self.assertEqual(D(paid_text.decode()),
                         sum(D(str(r['payment_amount'])) for r in remits
                             if r['payment_amount'] is not None))
        # Denials: adjudicated episodes (engine.md §1.6) and their reasons,
        # recomputed from each episode and its remittance.
        remit_by_id = {r['id']: r for r in remits}
        details = {}
        adjudicated = collections.Counter()
        denied = collections.Counter()
        codes = collections.Counter()
        for e in episodes:
            r = remit_by_id[e['remittance_id']]
            if e['status'] in ('pending', 'reversed') or r['claim_status_code'] in ('22', '25'):
                continue
            full = details.get(r['id']) or self.api(f'/api/v1/remits/{r["id"]}')
            details[r['id']] = full
            payer = full['payer_id']
            adjudicated[payer] += 1
            if e['denial_count'] > 0:
                denied[payer] += 1
            self.assertEqual(len(full['denial_reasons']), e['denial_count'])
            codes.update(set(full['denial_reasons']))
        self.assertEqual(s['adjudicated_episodes'], sum(adjudicated.values()))
        self.assertEqual(s['denied_episodes'], sum(denied.values()))
        self.assertGreater(s['denied_episodes'], 5)
        rate = re.search(rb'"denial_rate":([0-9]\.[0-9]{4}),', raw).group(1).decode()
        self.assertEqual(D(rate), (D(s['denied_episodes']) / D(s['adjudicated_episodes']))
                         .quantize(D('0.0001'), rounding=decimal.ROUND_HALF_UP))
        names = {p['id']: p['name'] for p in self.all_pages('/api/v1/payers', 'payers')[0]}
        expect_payers = sorted(adjudicated, key=lambda p: (-adjudicated[p], p))[:20]
        self.assertEqual([(p['payer_id'], p['payer_name'], p['adjudicated_episodes'],
                           p['denied_episodes']) for p in s['denial_rate_by_payer']],
                         [(p, names[p], adjudicated[p], denied[p]) for p in expect_payers])
        for p in s['denial_rate_by_payer']:
            self.assertEqual(D(str(p['denial_rate'])),
                             (D(p['denied_episodes']) / D(p['adjudicated_episodes']))
                             .quantize(D('0.0001'), rounding=decimal.ROUND_HALF_UP))
        expect_codes = sorted(codes, key=lambda c: (-codes[c], c))[:10]
        self.assertEqual([(c['code'], c['episodes']) for c in s['top_denial_codes']],
                         [(c, codes[c]) for c in expect_codes])
        self.assertGreaterEqual(len(s['top_denial_codes']), 3)
        # Risk levels: each claim's current score.
        levels = collections.Counter()
        for c in claims:
            r = self.api(f'/api/v1/risk/{c["id"]}')
            levels[r.get('risk_level', 'unscored')] += 1
        self.assertEqual(s['risk_levels'],
                         {k: levels.get(k, 0)
                          for k in ('low', 'medium', 'high', 'critical', 'unscored')})
        self.assertGreater(s['risk_levels']['unscored'], 1)
        self.assertGreater(s['risk_levels']['medium'] + s['risk_levels']['high'], 0)
        self.assertRegex(s['generated_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


class Browser(Seeded):
    def test_dashboard_shows_the_api_numbers(self):
        if not browser.chromium_executable():
            self.fail('chromium is not installed (scripts/install-deps.sh installs it)')
        url = f'{self.srv.base}/dashboard'
        shot = os.path.join(browser.ARTIFACT_DIR, 'dashboard.png')
        if os.path.exists(shot):
            os.remove(shot)
        _, log = browser.run_chromium(url, self.dir, screenshot=shot)
        self.assertGreater(os.path.getsize(shot), 10000)
        print(f'dashboard screenshot: {shot}')
        self.assertEqual(browser.csp_violations(log), [])
        dom_text, log = browser.run_chromium(url, self.dir, dump_dom=True)
        self.assertEqual(browser.csp_violations(log), [])
        # The cache first: any further request below would move its counters.
        cache = self.api('/api/v1/cache/stats')['overall']
        dom = browser.parse_dom(dom_text)
        body = dom.elements('body')[0]
        self.assertEqual(body.attrs['data-state'], 'ready', dom_text[-3000:])
        self.assertFalse(dom.by_id('main').hidden)
        self.assertTrue(dom.by_id('login').hidden)
        self.assertTrue(dom.by_id('error').hidden)

        def shown(ident, value, text):
            node = dom.by_id(ident)
            self.assertEqual(D(node.attrs['data-value']), D(str(value)), ident)
            self.assertEqual(node.text(), text, ident)

        shown('cache-hits', cache['hits'], f'{cache["hits"]:,}')
        shown('cache-misses', cache['misses'], f'{cache["misses"]:,}')
        shown('cache-entries', cache['entries'], f'{cache["entries"]:,}')
        shown('cache-evictions', cache['evictions'], f'{cache["evictions"]:,}')
        shown('cache-hit-rate', cache['hit_rate'], f'{D(str(cache["hit_rate"])):.2f}%')
        self.assertEqual(D(dom.by_id('cache-bytes').attrs['data-value']), cache['bytes'])
        self.assertGreater(cache['hits'] + cache['misses'], 0)

        s = self.api('/api/v1/stats/summary')
        shown('total-claims', s['claims'], f'{s["claims"]:,}')
        shown('total-remittances', s['remittances'], f'{s["remittances"]:,}')
        shown('total-episodes', s['episodes'], f'{s["episodes"]:,}')
        shown('total-paid', s['paid_amount'], money(s['paid_amount']))
        shown('denial-rate', s['denial_rate'], ratio_pct(s['denial_rate']))
        shown('denied-episodes', s['denied_episodes'], f'{s["denied_episodes"]:,}')
        shown('adjudicated-episodes', s['adjudicated_episodes'],
              f'{s["adjudicated_episodes"]:,}')
        unlinked = self.api('/api/v1/claims/unlinked?limit=1')['total']
        shown('unlinked-claims', unlinked, f'{unlinked:,}')
        self.assertEqual(dom.by_id('version').text(), 'v' + self.api('/')['version'])

        def bars(chart):
            return [n for n in dom.by_id(chart).iter() if n.tag == 'g' and 'data-key' in n.attrs]

        risk = bars('chart-risk')
        self.assertEqual([(g.attrs['data-key'], int(g.attrs['data-count'])) for g in risk],
                         list(s['risk_levels'].items()))
        for g in risk:
            texts = [t.text() for t in g.elements('text')]
            self.assertEqual(texts, [g.attrs['data-key'], f'{int(g.attrs["data-count"]):,}'])
        payers = bars('chart-payers')
        self.assertEqual([(int(g.attrs['data-payer-id']), D(g.attrs['data-rate']),
                           int(g.attrs['data-denied']), int(g.attrs['data-adjudicated']))
                          for g in payers],
                         [(p['payer_id'], D(str(p['denial_rate'])), p['denied_episodes'],
                           p['adjudicated_episodes']) for p in s['denial_rate_by_payer']])
        for g, p in zip(payers, s['denial_rate_by_payer']):
            label, value = [t.text() for t in g.elements('text')]
            self.assertEqual(label, p['payer_name'][:22] if len(p['payer_name']) <= 22
                             else p['payer_name'][:21] + '…')
            self.assertEqual(value, f'{ratio_pct(p["denial_rate"])} '
                                    f'({p["denied_episodes"]:,}/{p["adjudicated_episodes"]:,})')
        codes = bars('chart-codes')
        self.assertEqual([(g.attrs['data-code'], int(g.attrs['data-count'])) for g in codes],
                         [(c['code'], c['episodes']) for c in s['top_denial_codes']])
        for g, c in zip(codes, s['top_denial_codes']):
            self.assertEqual([t.text() for t in g.elements('text')],
                             [c['code'], f'{c["episodes"]:,}'])

        # The claims table: the first page of GET /claims, as shown.
        page = self.api('/api/v1/claims?limit=25')
        names = {p['id']: p['name'] for p in self.api('/api/v1/payers?limit=1000')['payers']}
        rows = dom.by_id('claims-table').elements('tbody')[0].elements('tr')
        self.assertEqual([int(r.attrs['data-id']) for r in rows],
                         [c['id'] for c in page['claims']])
        for r, c in zip(rows, page['claims']):
            cells = [td.text() for td in r.elements('td')]
            self.assertEqual(cells, [
                str(c['id']), c['claim_control_number'], c['status'],
                names[c['payer_id']] if c['payer_id'] else '—',
                money(c['total_charge_amount']) if c['total_charge_amount'] is not None
                else '—',
                c['service_date'] or '—',
                c['created_at'].replace('T', ' ').replace('Z', '')])
        rng = dom.by_id('claims-range')
        self.assertEqual((int(rng.attrs['data-total']), int(rng.attrs['data-skip']),
                          int(rng.attrs['data-limit'])), (page['total'], 0, 25))
        self.assertEqual(rng.text(), f'1–25 of {page["total"]:,}')

        # Health and jobs.
        health = self.api('/api/v1/health/detailed')
        self.assertEqual(dom.by_id('health').attrs['data-status'], health['status'])
        items = dom.by_id('health-components').elements('li')
        self.assertEqual([(i.attrs['data-component'], i.attrs['data-status']) for i in items],
                         [(k, v['status']) for k, v in health['components'].items()])
        jobs = self.api('/api/v1/jobs?limit=5')['jobs']
        self.assertEqual(len(jobs), 1)
        rows = dom.by_id('jobs-table').elements('tbody')[0].elements('tr')
        self.assertEqual([[td.text() for td in r.elements('td')] for r in rows],
                         [[str(j['id']), j['filename'], j['status'],
                           ratio_pct(j['progress'])] for j in jobs])

        # The payer filter lists every payer.
        options = dom.by_id('filter-payer').elements('option')
        self.assertEqual([(o.attrs['value'], o.text()) for o in options],
                         [('', 'any')] + [(str(k), v) for k, v in names.items()])

    def claims_rows(self, dom):
        rows = dom.by_id('claims-table').elements('tbody')[0].elements('tr')
        return [int(r.attrs['data-id']) for r in rows if 'data-id' in r.attrs]

    def test_claims_filters_and_page_from_the_address(self):
        if not browser.chromium_executable():
            self.fail('chromium is not installed (scripts/install-deps.sh installs it)')
        first = self.api('/api/v1/claims?status=processed&limit=1')['claims'][0]
        query = f'status=processed&payer_id={first["payer_id"]}&limit=10&skip=10'
        page = self.api('/api/v1/claims?' + query)
        self.assertEqual(len(page['claims']), 10)
        dom_text, log = browser.run_chromium(f'{self.srv.base}/dashboard?{query}', self.dir,
                                             dump_dom=True)
        self.assertEqual(browser.csp_violations(log), [])
        dom = browser.parse_dom(dom_text)
        self.assertEqual(dom.elements('body')[0].attrs['data-state'], 'ready')
        self.assertEqual(self.claims_rows(dom), [c['id'] for c in page['claims']])
        rng = dom.by_id('claims-range')
        self.assertEqual((int(rng.attrs['data-total']), int(rng.attrs['data-skip']),
                          int(rng.attrs['data-limit'])), (page['total'], 10, 10))
        self.assertEqual(rng.text(), f'11–20 of {page["total"]:,}')
        self.assertTrue(dom.by_id('claims-error').hidden)
        # Dates: inclusive bounds on the service date.
        query = 'service_date_from=2025-01-01&service_date_to=2099-12-31&limit=100'
        page = self.api('/api/v1/claims?' + query)
        dom = browser.parse_dom(browser.run_chromium(f'{self.srv.base}/dashboard?{query}',
                                                     self.dir, dump_dom=True)[0])
        self.assertEqual(self.claims_rows(dom), [c['id'] for c in page['claims']])
        self.assertEqual(int(dom.by_id('claims-range').attrs['data-total']), page['total'])

    def test_claims_filter_refused_by_the_api_is_shown(self):
        if not browser.chromium_executable():
            self.fail('chromium is not installed (scripts/install-deps.sh installs it)')
        query = 'service_date_from=2024-02-01&service_date_to=2024-01-01'
        status, _, body = self.srv.request('GET', '/api/v1/claims?' + query)
        self.assertEqual(status, 422)
        err = json.loads(body)
        dom = browser.parse_dom(browser.run_chromium(f'{self.srv.base}/dashboard?{query}',
                                                     self.dir, dump_dom=True)[0])
        # The rest of the page still loads; the table shows the API's refusal.
        self.assertEqual(dom.elements('body')[0].attrs['data-state'], 'ready')
        shown = dom.by_id('claims-error')
        self.assertFalse(shown.hidden)
        details = '; '.join(f'{d["loc"][-1]}: {d["msg"]}' for d in err['details'])
        self.assertEqual(shown.text(), f'{err["message"]} — {details}')
        self.assertEqual(self.claims_rows(dom), [])

    def test_docs_page_renders_every_operation(self):
        if not browser.chromium_executable():
            self.fail('chromium is not installed (scripts/install-deps.sh installs it)')
        shot = os.path.join(browser.ARTIFACT_DIR, 'docs.png')
        _, log = browser.run_chromium(f'{self.srv.base}/docs', self.dir, screenshot=shot,
                                      size=(1400, 2400))
        print(f'docs screenshot: {shot}')
        self.assertEqual(browser.csp_violations(log), [])
        dom_text, log = browser.run_chromium(f'{self.srv.base}/docs', self.dir, dump_dom=True)
        self.assertEqual(browser.csp_violations(log), [])
        dom = browser.parse_dom(dom_text)
        self.assertEqual(dom.elements('body')[0].attrs['data-state'], 'ready')
        doc = self.api('/api/v1/openapi.json')
        shown = [(n.attrs['data-method'], n.attrs['data-path'])
                 for n in dom.iter() if n.tag == 'article' and 'data-method' in n.attrs]
        expected = [(m.upper(), p) for p, item in doc['paths'].items() for m in item]
        expected += [('WS', p) for p in doc['x-websocket']]
        self.assertEqual(sorted(shown), sorted(expected))
        schemas = [n.attrs['data-schema'] for n in dom.iter() if 'data-schema' in n.attrs]
        self.assertEqual(schemas, list(doc['components']['schemas']))
        # Each operation shows its summary and one row per response status.
        arts = {(n.attrs['data-method'], n.attrs['data-path']): n
                for n in dom.iter() if n.tag == 'article' and 'data-method' in n.attrs}
        for path, item in doc['paths'].items():
            for m, op in item.items():
                art = arts[(m.upper(), path)]
                self.assertIn(op['summary'], art.elements('h3')[0].text())
                statuses = [tr.attrs['data-status'] for tr in art.iter()
                            if tr.tag == 'tr' and 'data-status' in tr.attrs]
                self.assertEqual(statuses, list(op['responses']), f'{m} {path}')


if __name__ == '__main__':
    unittest.main()
