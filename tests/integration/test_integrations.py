"""The integration routes (spec/api.md §4.9) against a real claimsd.

Two servers: one without adapter implementations (the EHR and
change_healthcare adapters are known but answer 501), and one that loads
the test implementation (adapter_module.c) through CLAIMS_ADAPTER_MODULES,
so that connect, test and fetch-claims run end to end through the
library's adapter interface.
"""
import json
import os
import subprocess
import unittest

from harness import CLAIMSD, Server, TempDirTestCase, run_cli

CORPUS = os.environ.get('CLAIMS_CORPUS_DIR',
                        os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'corpus'))
# Built by tests/integration/meson.build; the tests need it.
MODULE = os.environ['CLAIMS_TEST_ADAPTER_MODULE']

P837 = os.path.join(CORPUS, '837p', 'stupidedi_commercial-health-insurance.edi')
I837 = os.path.join(CORPUS, '837i', 'stupidedi_837-institutional-claim.edi')

BASE = '/api/v1/integrations'


def problem(loc, type_, msg):
    return {'loc': loc, 'msg': msg, 'type': type_}


def validation(*problems):
    return {'error': 'VALIDATION_ERROR', 'message': 'Invalid parameters',
            'details': list(problems)}


class IntegrationsCase(TempDirTestCase):
    module = None

    def setUp(self):
        super().setUp()
        self.db = self.path('claims.db')
        for path in (P837, I837):
            p = run_cli('--db', self.db, 'import', path)
            self.assertEqual(p.returncode, 0, p.stderr)
        env = {'CLAIMS_ADAPTER_MODULES': self.module} if self.module else None
        self.server = Server(self.db, env=env)

    def tearDown(self):
        self.server.stop()
        super().tearDown()

    def call(self, method, path, body=None, raw=None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None
                                            else None)
        headers = {'Content-Type': 'application/json'} if data is not None else {}
        status, _, out = self.server.request(method, path, body=data, headers=headers)
        return status, json.loads(out) if out else None

    def assert_answer(self, method, path, status, doc, body=None, raw=None):
        got = self.call(method, path, body, raw)
        self.assertEqual(got, (status, doc), f'{method} {path}')


class WithoutImplementations(IntegrationsCase):
    def test_connect(self):
        self.assert_answer('POST', BASE + '/connect', 200,
                           {'connected': True, 'message': 'Connected successfully',
                            'adapter_name': 'x12', 'adapter_type': 'clearinghouse'},
                           body={'adapter_type': 'ClearingHouse', 'adapter_name': 'X12',
                                 'config': {'usage_indicator': 'P', 'password': 's3cret!'}})
        self.assert_answer('POST', BASE + '/connect', 200,
                           {'connected': True, 'message': 'Connected successfully',
                            'adapter_name': 'epic', 'adapter_type': 'ehr'},
                           body={'adapter_type': 'ehr', 'adapter_name': 'epic'})
        # the config is never logged
        code, err = self.server.stop()
        self.assertEqual(code, 0)
        self.assertNotIn('s3cret!', err)
        self.server = Server(self.db)

    def test_connect_validation(self):
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'adapter_name'], 'unknown_adapter', 'must be one of: epic')),
            body={'adapter_type': 'ehr', 'adapter_name': 'cerner', 'config': {}})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'adapter_name'], 'unknown_adapter',
            'must be one of: change_healthcare, x12')),
            body={'adapter_type': 'clearinghouse', 'adapter_name': 'epic'})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'adapter_type'], 'unknown_adapter', 'must be one of: ehr, clearinghouse')),
            body={'adapter_type': 'lab', 'adapter_name': 'epic'})
        self.assert_answer('POST', BASE + '/connect', 422, validation(
            problem(['body', 'adapter_type'], 'missing', 'is required'),
            problem(['body', 'adapter_name'], 'string_type', 'must be a string')),
            body={'adapter_name': 5})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'config'], 'dict_type', 'must be an object of strings')),
            body={'adapter_type': 'ehr', 'adapter_name': 'epic', 'config': ['a']})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'config'], 'string_type', 'every value must be a string')),
            body={'adapter_type': 'ehr', 'adapter_name': 'epic', 'config': {'port': 443}})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'config'], 'value_error', 'usage_indicator must be T or P')),
            body={'adapter_type': 'clearinghouse', 'adapter_name': 'x12',
                  'config': {'usage_indicator': 'X'}})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'config'], 'value_error', 'at most 64 settings are accepted')),
            body={'adapter_type': 'ehr', 'adapter_name': 'epic',
                  'config': {f'k{i}': 'v' for i in range(65)}})
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body'], 'json_invalid', 'the body is not valid JSON')), raw=b'{"adapter_type": ')
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body'], 'json_invalid', 'the body must be a JSON object')), raw=b'[1]')
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body'], 'json_invalid', 'an empty body is not JSON')), raw=b'')
        status, _, _ = self.server.request('GET', BASE + '/connect')
        self.assertEqual(status, 405)

    def test_test_route(self):
        self.assert_answer('GET', BASE + '/test/x12?adapter_type=clearinghouse', 200,
                           {'connected': True, 'message': 'Connection test succeeded',
                            'adapter_name': 'x12', 'adapter_type': 'clearinghouse'})
        self.assert_answer('GET', BASE + '/test/EPIC', 200,
                           {'connected': False, 'message': 'Connection test failed',
                            'adapter_name': 'epic', 'adapter_type': 'ehr'})
        self.assert_answer('GET', BASE + '/test/change_healthcare?adapter_type=clearinghouse',
                           200, {'connected': False, 'message': 'Connection test failed',
                                 'adapter_name': 'change_healthcare',
                                 'adapter_type': 'clearinghouse'})
        # adapter_type defaults to ehr: x12 is not an EHR adapter
        self.assert_answer('GET', BASE + '/test/x12', 422, validation(problem(
            ['path', 'adapter_name'], 'unknown_adapter', 'must be one of: epic')))
        self.assert_answer('GET', BASE + '/test/epic?adapter_type=bank', 422, validation(problem(
            ['query', 'adapter_type'], 'unknown_adapter', 'must be one of: ehr, clearinghouse')))
        self.assert_answer('GET', BASE + '/test/epic?adapter_type=ehr&adapter_type=ehr', 422,
                           validation(problem(['query', 'adapter_type'], 'repeated',
                                              'must be given at most once')))

    def test_fetch_claims(self):
        url = BASE + '/ehr/fetch-claims'
        self.assert_answer('POST', url + '?adapter_name=epic&start_date=2024-01-01'
                           '&end_date=2024-01-31', 501,
                           {'error': 'NOT_IMPLEMENTED',
                            'message': 'No EHR adapter implementation is configured',
                            'details': {}})
        # validation comes first
        self.assert_answer('POST', url, 422, validation(
            problem(['query', 'adapter_name'], 'missing', 'is required'),
            problem(['query', 'start_date'], 'missing', 'is required'),
            problem(['query', 'end_date'], 'missing', 'is required')))
        self.assert_answer('POST', url + '?adapter_name=athena&start_date=2024-02-30'
                           '&end_date=20240101', 422, validation(
            problem(['query', 'adapter_name'], 'unknown_adapter', 'must be one of: epic'),
            problem(['query', 'start_date'], 'date_parsing', 'must be a date (YYYY-MM-DD)'),
            problem(['query', 'end_date'], 'date_parsing', 'must be a date (YYYY-MM-DD)')))
        self.assert_answer('POST', url + '?adapter_name=epic&start_date=2024-02-01'
                           '&end_date=2024-01-01', 422, validation(problem(
                               ['query', 'end_date'], 'range', 'must not be before start_date')))
        self.assert_answer('POST', url + '?adapter_name=epic&start_date=2024-01-01'
                           '&end_date=2024-01-02', 422, validation(problem(
                               ['body'], 'json_invalid', 'the filters must be a JSON object')),
                           raw=b'"x"')

    def test_submit(self):
        url = BASE + '/clearinghouse/submit/'
        status, doc = self.call('POST', url + '1')
        self.assertEqual(status, 200)
        self.assertEqual(sorted(doc), ['segment_count', 'status', 'tracking_id',
                                       'transaction_type', 'x12'])
        self.assertEqual((doc['status'], doc['tracking_id'], doc['transaction_type']),
                         ('generated', 'CLM-1-v1', '837P'))
        segs = [s.strip() for s in doc['x12'].split('~') if s.strip()]
        self.assertEqual(doc['segment_count'], len(segs))
        self.assertEqual(segs[0][:4], 'ISA*')
        self.assertEqual(len(doc['x12'].split('\n')[0]), 106)
        self.assertEqual(segs[0].split('*')[13], '000000101')
        self.assertEqual(segs[0].split('*')[15], 'T')
        self.assertEqual(segs[2], 'ST*837*0001*005010X222A1')
        self.assertIn('CLM*26463774*100***11:B:1*Y*A*Y*I', segs)
        self.assertEqual(segs[-1], 'IEA*1*000000101')

        status, doc = self.call('POST', url + '2?adapter_name=X12')
        self.assertEqual((status, doc['transaction_type'], doc['tracking_id']),
                         (200, '837I', 'CLM-2-v1'))
        self.assertIn('ST*837*0001*005010X223A2~', doc['x12'])
        self.assertIn('*00501*000000201*0*T*:~', doc['x12'])

        # usage indicator and ids from the x12 adapter's config
        self.assert_answer('POST', BASE + '/connect', 200,
                           {'connected': True, 'message': 'Connected successfully',
                            'adapter_name': 'x12', 'adapter_type': 'clearinghouse'},
                           body={'adapter_type': 'clearinghouse', 'adapter_name': 'x12',
                                 'config': {'usage_indicator': 'P', 'sender_id': 'CLINIC01'}})
        status, doc = self.call('POST', url + '1')
        isa = doc['x12'].split('\n')[0]
        self.assertEqual(isa.split('*')[15], 'P')
        self.assertEqual(isa.split('*')[6], 'CLINIC01       ')
        self.assertIn('GS*HC*CLINIC01*UNKNOWN*', doc['x12'])

        self.assert_answer('POST', url + '99', 404,
                           {'error': 'NOT_FOUND', 'message': 'Claim not found (id: 99)',
                            'details': {'resource': 'Claim', 'id': 99}})
        self.assert_answer('POST', url + 'abc', 422, validation(problem(
            ['path', 'claim_id'], 'int_parsing', 'must be an integer')))
        self.assert_answer('POST', url + '1?adapter_name=epic', 422, validation(problem(
            ['query', 'adapter_name'], 'unknown_adapter',
            'must be one of: change_healthcare, x12')))
        self.assert_answer('POST', url + '1?adapter_name=change_healthcare', 501,
                           {'error': 'NOT_IMPLEMENTED',
                            'message': 'No clearinghouse adapter implementation is configured '
                                       'for change_healthcare', 'details': {}})
        # 501 before the claim is looked up
        self.assert_answer('POST', url + '99?adapter_name=change_healthcare', 501,
                           {'error': 'NOT_IMPLEMENTED',
                            'message': 'No clearinghouse adapter implementation is configured '
                                       'for change_healthcare', 'details': {}})


class WithTestImplementation(IntegrationsCase):
    module = MODULE

    def test_test_follows_the_implementation(self):
        ok = {'connected': True, 'message': 'Connection test succeeded',
              'adapter_name': 'epic', 'adapter_type': 'ehr'}
        failed = dict(ok, connected=False, message='Connection test failed')
        self.assert_answer('GET', BASE + '/test/epic', 200, failed)
        self.assert_answer('POST', BASE + '/connect', 200,
                           {'connected': True, 'message': 'Connected successfully',
                            'adapter_name': 'epic', 'adapter_type': 'ehr'},
                           body={'adapter_type': 'EHR', 'adapter_name': 'Epic',
                                 'config': {'endpoint': 'https://ehr.invalid/fhir',
                                            'client_secret': 'top-secret-value'}})
        self.assert_answer('GET', BASE + '/test/Epic?adapter_type=EHR', 200, ok)
        # a change_healthcare implementation without test_connection is connected
        self.assert_answer('GET', BASE + '/test/change_healthcare?adapter_type=clearinghouse',
                           200, {'connected': True, 'message': 'Connection test succeeded',
                                 'adapter_name': 'change_healthcare',
                                 'adapter_type': 'clearinghouse'})
        code, err = self.server.stop()
        self.assertEqual(code, 0)
        self.assertNotIn('top-secret-value', err)
        self.server = Server(self.db, env={'CLAIMS_ADAPTER_MODULES': MODULE})

    def test_implementation_refuses_settings(self):
        self.assert_answer('POST', BASE + '/connect', 422, validation(problem(
            ['body', 'config'], 'value_error', 'the adapter refused the settings')),
            body={'adapter_type': 'clearinghouse', 'adapter_name': 'change_healthcare',
                  'config': {'reject': 'yes'}})

    def test_fetch_claims_end_to_end(self):
        url = (BASE + '/ehr/fetch-claims?adapter_name=EPIC&start_date=2024-01-01'
               '&end_date=2024-02-11')
        self.assert_answer('POST', url, 200, {'count': 3, 'claims': [
            {'external_id': 'EHR-1001', 'service_date': '2024-01-05',
             'total_charge_amount': 125.0, 'filters': {}},
            {'external_id': 'EHR-1002', 'service_date': '2024-01-20',
             'total_charge_amount': 80.5, 'filters': {}},
            {'external_id': 'EHR-1003', 'service_date': '2024-02-11',
             'total_charge_amount': 300.0, 'filters': {}}]})
        # the filters body reaches the implementation
        self.assert_answer('POST', url.replace('2024-01-01', '2024-02-01'), 200, {
            'count': 1, 'claims': [{'external_id': 'EHR-1003', 'service_date': '2024-02-11',
                                    'total_charge_amount': 300.0,
                                    'filters': {'department': 'cardiology', 'max': 5}}]},
            body={'department': 'cardiology', 'max': 5})
        self.assert_answer('POST', url.replace('2024-01-01', '2025-01-01').replace(
            '2024-02-11', '2025-12-31'), 200, {'count': 0, 'claims': []})
        self.assert_answer('POST', url, 502, {
            'error': 'ADAPTER_ERROR', 'message': 'The EHR adapter failed to fetch claims',
            'details': {}}, body={'fail_adapter': True})
        self.assert_answer('POST', url, 502, {
            'error': 'ADAPTER_ERROR',
            'message': 'The EHR adapter returned a claim that is not a JSON object',
            'details': {}}, body={'bad_claim': True})
        # validation still comes first
        self.assert_answer('POST', BASE + '/ehr/fetch-claims?adapter_name=epic'
                           '&start_date=2024-01-01', 422, validation(problem(
                               ['query', 'end_date'], 'missing', 'is required')))

    def test_submit_with_a_registered_clearinghouse(self):
        status, doc = self.call('POST', BASE + '/clearinghouse/submit/1'
                                '?adapter_name=change_healthcare')
        self.assertEqual((status, doc['status'], doc['tracking_id']),
                         (200, 'generated', 'CLM-1-v1'))


class Modules(TempDirTestCase):
    def start(self, modules):
        env = dict(os.environ, CLAIMS_ENV_FILE=os.devnull, CLAIMS_ADAPTER_MODULES=modules)
        return subprocess.run([CLAIMSD, '--listen', '127.0.0.1:0', '--db', self.path('c.db')],
                              env=env, capture_output=True, text=True, timeout=60)

    def test_a_module_that_cannot_load_stops_startup(self):
        p = self.start(self.path('missing.so'))
        self.assertEqual(p.returncode, 78)
        self.assertIn('claimsd: CLAIMS_ADAPTER_MODULES: cannot load ' + self.path('missing.so'),
                      p.stderr)

    def test_a_module_loaded_twice_is_refused(self):
        p = self.start(MODULE + ':' + MODULE)
        self.assertEqual(p.returncode, 78)
        self.assertIn('failed to initialise: registering epic: ', p.stderr)


if __name__ == '__main__':
    unittest.main()
