"""claimsd's JSON API over real HTTP (spec/api.md §3-§4, cache.md): every
read and write route with its successes and refusals, the uniform error
body, deterministic order with true totals, answers read through the cache
byte-identical to fresh ones, and invalidation after writes (the server's
own, and the CLI's through the write epoch)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import x12gen as g  # noqa: E402
from harness import Server, TempDirTestCase, run_cli  # noqa: E402


def seed_files():
    """Two payers' claims; payments for some: paid, denied, unmatched."""
    f837a = g.file_837([({}, [g.claim('API1', '100', [('99213', '100')]),
                              g.claim('API2', '200', [('99214', '200')]),
                              g.claim('API3', '50', [('99212', '50')])])])
    f837b = g.file_837([({'payer_id': '60054', 'payer_name': 'AETNA', 'member': 'M2',
                          'last': 'ROE', 'first': 'RICHARD'},
                         [g.claim('API4', '300', [('99215', '300')], service_date='20240310')])],
                       icn='000000002')
    f835 = g.file_835([g.payment('API1', '1', '100', '80', resp='20', icn='PICN1',
                                 cas=[('PR', '2', '20')]),
                       g.payment('API2', '4', '200', '0', icn='PICN2', cas=[('CO', '50', '200')]),
                       g.payment('NOPE9', '1', '10', '10', icn='PICN3')], '90')
    return [('a.837', f837a), ('b.837', f837b), ('c.835', f835)]


class Api(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._cls_tmp = tempfile.TemporaryDirectory(prefix='claims-api-')
        cls.db = os.path.join(cls._cls_tmp.name, 'api.db')
        paths = []
        for name, data in seed_files():
            p = os.path.join(cls._cls_tmp.name, name)
            with open(p, 'wb') as f:
                f.write(data)
            paths.append(p)
        r = run_cli('--db', cls.db, 'import', *paths)
        assert r.returncode == 0, r.stderr + r.stdout
        cls.srv = Server(cls.db)

    @classmethod
    def tearDownClass(cls):
        code, err = cls.srv.stop()
        cls.srv.__exit__()
        cls._cls_tmp.cleanup()
        assert code == 0, err

    def get(self, path):
        return self.srv.get_json(path)

    def req(self, method, path, body=None, headers=None):
        status, headers, raw = self.srv.request(method, path, body=body, headers=headers)
        return status, headers, json.loads(raw) if raw else None

    def assert_error(self, status, body, want_status, want_error):
        self.assertEqual(status, want_status, body)
        self.assertEqual(set(body), {'error', 'message', 'details'})
        self.assertEqual(body['error'], want_error)
        self.assertIsInstance(body['message'], str)

    def assert_validation(self, path, loc, typ, method='GET', body=None, headers=None):
        status, _, doc = self.req(method, path, body=body, headers=headers)
        self.assert_error(status, doc, 422, 'VALIDATION_ERROR')
        self.assertIn({'loc': loc, 'type': typ},
                      [{'loc': d['loc'], 'type': d['type']} for d in doc['details']], doc)

    def cli_json(self, *args):
        r = run_cli('--db', self.db, '--json', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    # ---- lists

    def test_claims_list_order_totals_and_paging(self):
        status, _, doc = self.get('/api/v1/claims?limit=2')
        self.assertEqual(status, 200)
        self.assertEqual(doc['total'], 4)
        self.assertEqual((doc['skip'], doc['limit']), (0, 2))
        self.assertEqual([c['claim_control_number'] for c in doc['claims']], ['API1', 'API2'])
        status, _, doc = self.get('/api/v1/claims?skip=2&limit=2')
        self.assertEqual([c['claim_control_number'] for c in doc['claims']], ['API3', 'API4'])
        self.assertEqual(doc['total'], 4)
        status, _, doc = self.get('/api/v1/claims?skip=10')
        self.assertEqual((status, doc['claims'], doc['total']), (200, [], 4))
        # Filters: status, payer, dates; the list equals the CLI's.
        status, _, doc = self.get('/api/v1/claims?status=denied')
        self.assertEqual([c['claim_control_number'] for c in doc['claims']], ['API2'])
        status, _, doc = self.get('/api/v1/claims?service_date_from=2024-03-01')
        self.assertEqual([c['claim_control_number'] for c in doc['claims']], ['API4'])
        self.assertEqual(self.get('/api/v1/claims')[2], self.cli_json('claims', 'list'))

    def test_list_parameter_refusals(self):
        for path in ('/api/v1/claims', '/api/v1/remits', '/api/v1/episodes', '/api/v1/payers',
                     '/api/v1/parser-logs', '/api/v1/claims/unlinked'):
            with self.subTest(path=path):
                self.assert_validation(path + '?limit=0', ['query', 'limit'], 'range')
                self.assert_validation(path + '?limit=-10', ['query', 'limit'], 'range')
                self.assert_validation(path + '?limit=1001', ['query', 'limit'], 'range')
                self.assert_validation(path + '?skip=-1', ['query', 'skip'], 'range')
                self.assert_validation(path + '?limit=ten', ['query', 'limit'], 'int_parsing')
                self.assert_validation(path + '?skip=1.5', ['query', 'skip'], 'int_parsing')
                self.assert_validation(path + '?limit=5&limit=6', ['query', 'limit'], 'repeated')
                # Unknown parameters are ignored.
                self.assertEqual(self.get(path + '?color=blue&limit=1000')[0], 200)
        self.assert_validation('/api/v1/claims?status=lost', ['query', 'status'], 'enum')
        self.assert_validation('/api/v1/claims?payer_id=0', ['query', 'payer_id'], 'range')
        self.assert_validation('/api/v1/claims?service_date_from=2024-13-01',
                               ['query', 'service_date_from'], 'date_parsing')
        self.assert_validation('/api/v1/claims?practice_id=NOWHERE', ['query', 'practice_id'],
                               'enum')
        self.assert_validation('/api/v1/remits?status=paid', ['query', 'status'], 'enum')
        self.assert_validation('/api/v1/episodes?claim_id=-1', ['query', 'claim_id'], 'range')

    def test_unlinked_remits_episodes_payers_logs(self):
        status, _, doc = self.get('/api/v1/claims/unlinked')
        self.assertEqual(status, 200)
        self.assertEqual([c['claim_control_number'] for c in doc['claims']], ['API3', 'API4'])
        self.assertEqual(doc['claims'][1]['payer_name'], 'AETNA')
        self.assertEqual(doc['total'], 2)

        status, _, doc = self.get('/api/v1/remits')
        self.assertEqual(doc['total'], 3)
        self.assertEqual([r['status'] for r in doc['remits']],
                         ['processed', 'processed', 'unmatched'])
        status, _, doc = self.get('/api/v1/remits?claim_control_number=API2')
        self.assertEqual([r['payment_amount'] for r in doc['remits']], [0.0])

        status, _, doc = self.get('/api/v1/episodes?claim_id=0')
        self.assertEqual(doc['total'], 2)
        status, _, doc = self.get('/api/v1/episodes?claim_id=999')
        self.assertEqual((doc['episodes'], doc['total']), ([], 0))

        status, _, doc = self.get('/api/v1/payers')
        self.assertEqual([p['name'] for p in doc['payers']], ['UNITED HEALTHCARE', 'AETNA'])
        status, _, doc = self.get('/api/v1/payers?q=aet')
        self.assertEqual([p['payer_id'] for p in doc['payers']], ['60054'])

        status, _, doc = self.get('/api/v1/parser-logs?issue_type=LINK_NO_MATCH')
        self.assertEqual(status, 200)
        self.assertEqual(doc['total'], 1)
        self.assertEqual(doc['logs'][0]['issue_type'], 'LINK_NO_MATCH')

    # ---- objects by id

    def test_objects_by_id_and_refusals(self):
        for prefix, name, resource in (('claims', 'claim_id', 'Claim'),
                                       ('remits', 'remit_id', 'Remittance'),
                                       ('episodes', 'episode_id', 'Episode')):
            with self.subTest(prefix=prefix):
                status, _, doc = self.get(f'/api/v1/{prefix}/1')
                self.assertEqual((status, doc['id']), (200, 1))
                status, _, doc = self.get(f'/api/v1/{prefix}/987654')
                self.assert_error(status, doc, 404, 'NOT_FOUND')
                self.assertEqual(doc['message'], f'{resource} not found (id: 987654)')
                self.assertEqual(doc['details'], {'resource': resource, 'id': 987654})
                for bad in ('abc', '0', '1.5', '-3', '99999999999999999999'):
                    self.assert_validation(f'/api/v1/{prefix}/{bad}', ['path', name],
                                           'int_parsing' if bad in ('abc', '1.5', '99999999999999999999')
                                           else 'range')
        # Patient names and member ids are never returned.
        raw = self.srv.request('GET', '/api/v1/claims/1')[2].decode()
        for secret in ('DOE', 'JANE', 'MEMBER1', '19800101'):
            self.assertNotIn(secret, raw)

    def test_claim_through_the_cache_is_byte_identical(self):
        first = self.srv.request('GET', '/api/v1/claims/3')[2]
        second = self.srv.request('GET', '/api/v1/claims/3')[2]
        self.assertEqual(first, second)
        # The CLI renders the same object with the same code.
        self.assertEqual(json.loads(first), self.cli_json('claims', 'show', '3'))
        status, _, st = self.get('/api/v1/cache/stats?key=claim:3')
        self.assertEqual(status, 200)
        self.assertEqual((st['hits'], st['misses'], st['tracked']), (1, 1, True))

    def test_routing_errors(self):
        status, headers, doc = self.req('DELETE', '/api/v1/claims/1')
        self.assert_error(status, doc, 405, 'METHOD_NOT_ALLOWED')
        self.assertEqual(headers['Allow'], 'GET')
        status, headers, doc = self.req('GET', '/api/v1/patterns/detect-all')
        self.assertEqual((status, headers['Allow']), (405, 'POST'))
        status, _, doc = self.req('GET', '/api/v1/claims/1/extra')
        self.assert_error(status, doc, 404, 'NOT_FOUND')
        status, headers, raw = self.srv.request('HEAD', '/api/v1/claims/1')
        self.assertEqual((status, raw), (200, b''))
        self.assertGreater(int(headers['Content-Length']), 0)

    # ---- health and cache statistics

    def test_health_detailed(self):
        status, _, doc = self.get('/api/v1/health/detailed')
        self.assertEqual(status, 200)
        self.assertEqual(set(doc), {'status', 'version', 'timestamp', 'components'})
        db = doc['components']['database']
        self.assertEqual(db['status'], 'healthy')
        self.assertIsInstance(db['schema_version'], int)
        self.assertGreaterEqual(db['response_time_ms'], 0)
        self.assertEqual(set(doc['components']['cache']), {'status', 'entries', 'bytes'})
        self.assertEqual(set(doc['components']['worker']),
                         {'status', 'threads', 'queued_jobs', 'running_jobs'})
        self.assertRegex(doc['timestamp'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')

    def test_cache_stats_shape_and_reset(self):
        self.get('/api/v1/remits/2')
        self.get('/api/v1/remits/2')
        status, _, st = self.get('/api/v1/cache/stats')
        self.assertEqual(status, 200)
        self.assertEqual(list(st), sorted(st))
        self.assertEqual(set(st['overall']),
                         {'hits', 'misses', 'total', 'hit_rate', 'evictions', 'expirations',
                          'entries', 'bytes', 'max_entries', 'max_bytes'})
        o = st['overall']
        self.assertEqual(o['hits'], sum(p['hits'] for p in st['by_prefix'].values()))
        self.assertEqual(o['misses'], sum(p['misses'] for p in st['by_prefix'].values()))
        self.assertEqual(list(st['by_key']), sorted(st['by_key']))
        self.assertEqual(st['tracked_keys'], len(st['by_key']))
        # No other test reads remittance 2: one miss, then one hit.
        k = st['by_key']['remittance:2']
        self.assertEqual((k['hits'], k['misses']), (1, 1))

        status, _, doc = self.req('POST', '/api/v1/cache/stats/reset?key=remittance:2')
        self.assertEqual((status, doc), (200, {'message': 'Cache statistics reset for key: remittance:2'}))
        status, _, after = self.get('/api/v1/cache/stats')
        self.assertNotIn('remittance:2', after['by_key'])
        self.assertEqual(after['by_prefix']['remittance']['hits'],
                         st['by_prefix']['remittance']['hits'] - k['hits'])
        status, _, doc = self.get('/api/v1/cache/stats?key=never:seen')
        self.assertEqual(doc, {'key': 'never:seen', 'hits': 0, 'misses': 0, 'total': 0,
                               'hit_rate': 0.0, 'tracked': False})
        status, _, doc = self.req('POST', '/api/v1/cache/stats/reset?key=')
        self.assertEqual(doc, {'message': 'Cache statistics reset for all keys'})
        status, _, after = self.get('/api/v1/cache/stats')
        self.assertEqual((after['overall']['hits'], after['overall']['misses']), (0, 0))
        self.assertEqual(after['overall']['entries'], st['overall']['entries'])


class Writes(TempDirTestCase):
    """Write routes, each on a fresh server, with the cache rows they invalidate."""

    def setUp(self):
        super().setUp()
        self.db = self.path('w.db')
        paths = []
        for name, data in seed_files():
            p = self.path(name)
            with open(p, 'wb') as f:
                f.write(data)
            paths.append(p)
        r = run_cli('--db', self.db, 'import', *paths)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.srv = Server(self.db, env={'MAX_JSON_BODY_BYTES': '4096'})

    def tearDown(self):
        self.srv.__exit__()
        super().tearDown()

    def get(self, path):
        return self.srv.get_json(path)

    def req(self, method, path, body=None, headers=None):
        status, headers, raw = self.srv.request(method, path, body=body, headers=headers)
        return status, json.loads(raw) if raw else None

    def patch_status(self, ep, body):
        return self.req('PATCH', f'/api/v1/episodes/{ep}/status', body=body,
                        headers={'Content-Type': 'application/json'})

    def key_stats(self, key):
        return self.get(f'/api/v1/cache/stats?key={key}')[2]

    def test_status_set_invalidates_episode_claim_and_counts(self):
        self.assertEqual(self.get('/api/v1/episodes/1')[2]['status'], 'linked')
        self.assertEqual(self.get('/api/v1/claims/1')[2]['status'], 'processed')
        self.assertEqual(self.get('/api/v1/episodes?status=pending')[2]['total'], 0)
        self.assertEqual(self.get('/api/v1/claims?status=pending')[2]['total'], 2)
        # Back to pending: the claim has no adjudicated episode left (engine.md §1.6).
        status, doc = self.patch_status(1, b'{"status": "PENDING"}')
        self.assertEqual((status, doc), (200, {'message': 'Episode status updated',
                                               'episode': {'id': 1, 'status': 'pending'}}))
        misses = self.key_stats('episode:1')['misses']
        self.assertEqual(self.get('/api/v1/episodes/1')[2]['status'], 'pending')
        self.assertEqual(self.key_stats('episode:1')['misses'], misses + 1)
        self.assertEqual(self.get('/api/v1/episodes?status=pending')[2]['total'], 1)
        self.assertEqual(self.get('/api/v1/claims/1')[2]['status'], 'pending')
        self.assertEqual(self.get('/api/v1/claims?status=pending')[2]['total'], 3)

        status, doc = self.req('POST', '/api/v1/episodes/1/complete')
        self.assertEqual((status, doc), (200, {'message': 'Episode marked as complete',
                                               'episode': {'id': 1, 'status': 'complete'}}))
        self.assertEqual(self.get('/api/v1/episodes/1')[2]['status'], 'complete')
        self.assertEqual(self.req('POST', '/api/v1/episodes/77/complete')[0], 404)

    def test_status_body_refusals(self):
        cases = [
            (b'{"status": "lost"}', ['body', 'status'], 'enum'),
            (b'{}', ['body', 'status'], 'missing'),
            (b'{"status": 3}', ['body', 'status'], 'string_type'),
            (b'{"status": "denied"', ['body'], 'json_invalid'),
            (b'[1]', ['body'], 'json_invalid'),
            (b'', ['body'], 'json_invalid'),
            (b'{"status": "\xff"}', ['body'], 'json_invalid'),
        ]
        for body, loc, typ in cases:
            with self.subTest(body=body):
                status, doc = self.patch_status(1, body)
                self.assertEqual(status, 422, doc)
                self.assertEqual(doc['details'][0]['loc'], loc)
                self.assertEqual(doc['details'][0]['type'], typ)
        status, doc = self.patch_status(1, b'{"status": "' + b'x' * 5000 + b'"}')
        self.assertEqual((status, doc['error']), (413, 'PAYLOAD_TOO_LARGE'))
        status, doc = self.patch_status(99, b'{"status": "denied"}')
        self.assertEqual((status, doc['message']), (404, 'Episode not found (id: 99)'))
        self.assertEqual(self.patch_status('x', b'{"status": "denied"}')[0], 422)

    def test_remit_link_and_manual_link(self):
        # The unmatched payment stays unmatched when linked again.
        self.assertEqual(self.get('/api/v1/remits/3')[2]['status'], 'unmatched')
        status, doc = self.req('POST', '/api/v1/remits/3/link')
        self.assertEqual(status, 200)
        self.assertEqual(doc, {'message': 'Episode linking completed', 'remittance_id': 3,
                               'episodes_linked': 0, 'link_result': 'unmatched',
                               'candidates': [], 'episodes': []})
        status, doc = self.req('POST', '/api/v1/remits/1/link')
        self.assertEqual((doc['link_result'], doc['episodes_linked']), ('already_linked', 0))
        self.assertEqual(doc['episodes'], [{'id': 1, 'claim_id': 1, 'status': 'linked'}])
        self.assertEqual(self.req('POST', '/api/v1/remits/40/link')[0], 404)

        # Manual link of the unmatched payment to API3: claim, remittance,
        # unlinked count and episode counts all change.
        self.assertEqual(self.get('/api/v1/claims/unlinked')[2]['total'], 2)
        self.assertIsNone(self.get('/api/v1/claims/3')[2]['current_episode_id'])
        self.assertIsNone(self.get('/api/v1/remits/3')[2]['episode_id'])
        self.assertEqual(self.get('/api/v1/episodes')[2]['total'], 2)
        status, doc = self.req('POST', '/api/v1/episodes/1/link?claim_id=3&remittance_id=3')
        self.assertEqual(status, 200, doc)
        self.assertEqual(doc['message'], 'Episode linked successfully')
        self.assertEqual((doc['episode']['claim_id'], doc['episode']['remittance_id']), (3, 3))
        ep = doc['episode']['id']
        self.assertEqual(self.get('/api/v1/claims/unlinked')[2]['total'], 1)
        self.assertEqual(self.get('/api/v1/remits/3')[2]['episode_id'], ep)
        self.assertEqual(self.get('/api/v1/episodes')[2]['total'], 3)
        self.assertEqual(self.get(f'/api/v1/episodes/{ep}')[2]['claim_id'], 3)
        # The same pair again answers the existing episode; another claim is a conflict.
        status, doc = self.req('POST', '/api/v1/episodes/5/link?claim_id=3&remittance_id=3')
        self.assertEqual((status, doc['episode']['id']), (200, ep))
        status, doc = self.req('POST', '/api/v1/episodes/5/link?claim_id=4&remittance_id=3')
        self.assertEqual((status, doc['error']), (409, 'CONFLICT'))

    def test_manual_link_refusals(self):
        for qs, want in (('', [(['query', 'claim_id'], 'missing'),
                               (['query', 'remittance_id'], 'missing')]),
                         ('?claim_id=3', [(['query', 'remittance_id'], 'missing')]),
                         ('?claim_id=0&remittance_id=3', [(['query', 'claim_id'], 'range')]),
                         ('?claim_id=x&remittance_id=3', [(['query', 'claim_id'],
                                                           'int_parsing')])):
            status, doc = self.req('POST', '/api/v1/episodes/1/link' + qs)
            self.assertEqual(status, 422, qs)
            self.assertEqual([(d['loc'], d['type']) for d in doc['details']], want, qs)
        status, doc = self.req('POST', '/api/v1/episodes/1/link?claim_id=99&remittance_id=3')
        self.assertEqual((status, doc['message']), (404, 'claim 99 not found'))
        status, doc = self.req('POST', '/api/v1/episodes/1/link?claim_id=3&remittance_id=99')
        self.assertEqual((status, doc['message']), (404, 'remittance 99 not found'))
        self.assertEqual(self.req('POST', '/api/v1/episodes/abc/link?claim_id=3&remittance_id=3')[0],
                         422)

    def test_risk(self):
        status, doc = self.req('GET', '/api/v1/risk/2')
        self.assertEqual((status, doc), (200, {'claim_id': 2,
                                               'message': 'Risk score not yet calculated'}))
        # "Not yet calculated" is never cached.
        self.assertEqual(self.key_stats('risk_score:2')['misses'], 1)
        self.req('GET', '/api/v1/risk/2')
        self.assertEqual(self.key_stats('risk_score:2')['misses'], 2)
        status, doc = self.req('POST', '/api/v1/risk/2/calculate')
        self.assertEqual(status, 200)
        self.assertEqual(doc['status'], 'calculated')
        self.assertEqual(set(doc), {'claim_id', 'overall_score', 'risk_level', 'status',
                                    'component_scores', 'calculated_at'})
        # The new score is the cached current one: a hit, with the same values.
        status, got = self.req('GET', '/api/v1/risk/2')
        self.assertEqual(self.key_stats('risk_score:2')['hits'], 1)
        self.assertEqual((got['overall_score'], got['risk_level'], got['calculated_at']),
                         (doc['overall_score'], doc['risk_level'], doc['calculated_at']))
        self.assertEqual(self.req('POST', '/api/v1/risk/99/calculate')[1]['message'],
                         'Claim not found (id: 99)')
        self.assertEqual(self.req('GET', '/api/v1/risk/99')[0], 404)
        self.assertEqual(self.req('GET', '/api/v1/risk/x')[0], 422)

    def upload(self, route, data):
        status, _, raw = self.srv.request('POST', route, body=data,
                                          headers={'Content-Type': 'application/edi-x12'})
        self.assertEqual(status, 200, raw)

    def test_patterns(self):
        # Cached before any detection: no patterns.
        status, doc = self.req('GET', '/api/v1/patterns/payer/1')
        self.assertEqual((status, doc['patterns']), (200, []))
        # Two claims of payer 1 denied with CO 50 today: the only adjudicated
        # episodes in the window (the seed's payments are from 2024).
        today = time.strftime('%Y%m%d', time.gmtime())
        self.upload('/api/v1/claims/upload',
                    g.file_837([({}, [g.claim('PAT1', '100', [('99213', '100')]),
                                      g.claim('PAT2', '200', [('99214', '200')])])],
                               icn='000000031'))
        self.upload('/api/v1/remits/upload',
                    g.file_835([g.payment('PAT1', '4', '100', '0', icn='Q1',
                                          cas=[('CO', '50', '100')]),
                                g.payment('PAT2', '4', '200', '0', icn='Q2',
                                          cas=[('CO', '50', '200')])], '0', trace='T31',
                               icn='000000032', date=today))
        status, doc = self.req('POST', '/api/v1/patterns/detect/1?days_back=30')
        self.assertEqual(status, 200, doc)
        self.assertEqual(set(doc), {'payer_id', 'payer_name', 'patterns_detected', 'patterns'})
        self.assertEqual(doc['patterns_detected'], 1)
        detected = doc['patterns']
        self.assertEqual([(p['denial_reason_code'], p['occurrence_count'], p['frequency'])
                          for p in detected], [('CO50', 2, 1.0)])
        self.assertEqual((detected[0]['conditions']['charge_amount_min'],
                          detected[0]['conditions']['charge_amount_max']), (100.0, 200.0))
        # The cached empty list was invalidated by the detection.
        status, doc = self.req('GET', '/api/v1/patterns/payer/1')
        self.assertEqual(doc['patterns'], detected)
        status, doc = self.req('POST', '/api/v1/patterns/detect-all')
        self.assertEqual(status, 200)
        self.assertEqual(doc['patterns_by_payer'], {'1': 1, '2': 0})
        self.assertEqual(doc['payers_processed'], 2)
        # A claim in the learned charge range matches; one outside does not.
        pat1 = self.get('/api/v1/claims?skip=4')[2]['claims'][0]
        self.assertEqual(pat1['claim_control_number'], 'PAT1')
        status, doc = self.req('POST', f'/api/v1/patterns/analyze-claim/{pat1["id"]}')
        self.assertEqual(status, 200)
        self.assertEqual((doc['claim_id'], doc['payer_id'], doc['matching_patterns_count']),
                         (pat1['id'], 1, 1))
        self.assertEqual(doc['matching_patterns'][0]['match_score'], 1.0)
        status, doc = self.req('POST', '/api/v1/patterns/analyze-claim/3')
        self.assertEqual((doc['claim_id'], doc['matching_patterns_count']), (3, 0))
        for path in ('/api/v1/patterns/detect/1?days_back=0',
                     '/api/v1/patterns/detect/1?days_back=366',
                     '/api/v1/patterns/detect/1?days_back=ten',
                     '/api/v1/patterns/detect-all?days_back=0'):
            self.assertEqual(self.req('POST', path)[0], 422, path)
        self.assertEqual(self.req('POST', '/api/v1/patterns/detect/9')[1]['message'],
                         'Payer not found (id: 9)')
        self.assertEqual(self.req('GET', '/api/v1/patterns/payer/9')[0], 404)
        self.assertEqual(self.req('POST', '/api/v1/patterns/analyze-claim/99')[0], 404)

    def test_cli_writes_reach_the_server_through_the_write_epoch(self):
        self.assertEqual(self.get('/api/v1/claims')[2]['total'], 4)
        self.assertEqual(self.get('/api/v1/claims/4')[2]['submission_count'], 1)
        p = self.path('more.837')
        with open(p, 'wb') as f:
            f.write(g.file_837([({}, [g.claim('API9', '10', [('99211', '10')])])],
                               icn='000000009'))
        r = run_cli('--db', self.db, 'import', p)
        self.assertEqual(r.returncode, 0, r.stderr)
        # The server reads the epoch at most once a second, so a request
        # more than a second after the commit sees it (cache.md §7).
        time.sleep(1.1)
        self.assertEqual(self.get('/api/v1/claims')[2]['total'], 5)


if __name__ == '__main__':
    unittest.main()
