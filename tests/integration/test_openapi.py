"""GET /api/v1/openapi.json (api.md §3, §4.10).

The document is OpenAPI 3.0.3; its (method, path) operations equal the route
table claimsd answers (`claimsd --list-routes`), in both directions; every
operation has a summary, a description, its parameters (each path variable
declared) and a 2xx response with a schema (a redirect: 301 with Location);
every $ref resolves; the WebSocket is under x-websocket and the server
upgrades it.  Every documented route also answers as a route (never the
dispatcher's "No route for this path" 404 or a 405).
"""
import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLAIMSD, Server  # noqa: E402

METHODS = ('get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace')


def route_table():
    """The (METHOD, path) pairs of claimsd's route table."""
    out = subprocess.run([CLAIMSD, '--list-routes'], capture_output=True, text=True,
                         timeout=30, check=True).stdout
    routes = set()
    for line in out.splitlines():
        method, path = line.split(' ', 1)
        routes.add((method, path))
    return routes


def document_operations(doc):
    return {(m.upper(), path) for path, item in doc['paths'].items() for m in item
            if m in METHODS}


def walk(node, where='#'):
    """Yield (location, node) for every dict in the document."""
    if isinstance(node, dict):
        yield where, node
        for k, v in node.items():
            yield from walk(v, f'{where}/{k}')
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f'{where}/{i}')


def resolve(doc, ref):
    node = doc
    for part in ref[2:].split('/'):
        node = node[part]
    return node


class OpenApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls._tmp = tempfile.TemporaryDirectory(prefix='claims-it-')
        cls.server = Server(os.path.join(cls._tmp.name, 'openapi.db'))
        status, cls.headers, cls.body = cls.server.request('GET', '/api/v1/openapi.json')
        assert status == 200, status
        cls.doc = json.loads(cls.body)

    @classmethod
    def tearDownClass(cls):
        code, err = cls.server.stop()
        cls._tmp.cleanup()
        assert code == 0, err[-3000:]

    def test_document(self):
        self.assertEqual(self.headers['Content-Type'], 'application/json; charset=utf-8')
        self.assertEqual(self.doc['openapi'], '3.0.3')
        status, _, root = self.server.get_json('/')
        self.assertEqual(status, 200)
        self.assertEqual(self.doc['info']['title'], 'libclaims')
        self.assertEqual(self.doc['info']['version'], root['version'])
        self.assertEqual(self.doc['components']['securitySchemes']['bearerAuth'],
                         {'type': 'http', 'scheme': 'bearer', 'bearerFormat': 'JWT',
                          'description': self.doc['components']['securitySchemes']
                          ['bearerAuth']['description']})
        self.assertEqual(self.doc['security'], [{'bearerAuth': []}])

    def test_alias_is_the_same_document(self):
        status, headers, body = self.server.request('GET', '/openapi.json')
        self.assertEqual(status, 200)
        self.assertEqual(headers['Content-Type'], 'application/json; charset=utf-8')
        self.assertEqual(body, self.body)

    def test_routes_equal_the_document(self):
        routes = route_table()
        documented = document_operations(self.doc)
        undocumented = sorted(routes - documented)
        unserved = sorted(documented - routes)
        self.assertEqual((undocumented, unserved), ([], []),
                         f'routes without a description: {undocumented}; '
                         f'descriptions without a route: {unserved}')

    def test_every_operation_is_complete(self):
        tags = {t['name'] for t in self.doc['tags']}
        op_ids = set()
        for path, item in self.doc['paths'].items():
            variables = re.findall(r'{([^}]+)}', path)
            for method, op in item.items():
                where = f'{method.upper()} {path}'
                self.assertIn(method, METHODS, where)
                self.assertTrue(op.get('summary', '').strip(), where)
                self.assertTrue(op.get('description', '').strip(), where)
                self.assertIsInstance(op.get('parameters'), list, where)
                self.assertEqual(len(op['tags']), 1, where)
                self.assertIn(op['tags'][0], tags, where)
                self.assertNotIn(op['operationId'], op_ids, where)
                op_ids.add(op['operationId'])
                params = [resolve(self.doc, p['$ref']) if '$ref' in p else p
                          for p in op['parameters']]
                for p in params:
                    self.assertIn(p['in'], ('query', 'path', 'header'), where)
                    self.assertIn('schema', p, where)
                    self.assertTrue(p.get('description'), f'{where} {p["name"]}')
                path_params = sorted(p['name'] for p in params if p['in'] == 'path')
                self.assertEqual(path_params, sorted(variables), where)
                self.assertTrue(all(p['required'] for p in params if p['in'] == 'path'), where)
                names = [(p['in'], p['name']) for p in params]
                self.assertEqual(len(names), len(set(names)), where)
                responses = op['responses']
                ok = [s for s in responses if s.startswith('2')]
                if ok:
                    for s in ok:
                        r = responses[s]
                        r = resolve(self.doc, r['$ref']) if '$ref' in r else r
                        self.assertTrue(r.get('content'), f'{where} {s}')
                        for media in r['content'].values():
                            self.assertIn('schema', media, f'{where} {s}')
                else:
                    # A redirect: a 301 with its Location, otherwise errors only.
                    self.assertEqual([s for s in responses if s < '400'], ['301'], where)
                    self.assertIn('Location', responses['301']['headers'], where)
                for s, r in responses.items():
                    self.assertRegex(s, r'^[1-5][0-9][0-9]$', where)
                    r = resolve(self.doc, r['$ref']) if '$ref' in r else r
                    self.assertTrue(r.get('description'), f'{where} {s}')
                if op.get('security') != []:
                    # Not exempt from authentication: the 401 is documented.
                    self.assertIn('401', responses, where)

    def test_every_reference_resolves(self):
        refs = 0
        for where, node in walk(self.doc):
            if isinstance(node.get('required'), list):
                # OpenAPI 3.0 schemas: a required list is never empty.
                self.assertTrue(node['required'], where)
            if '$ref' in node:
                refs += 1
                # Siblings of $ref are ignored by OpenAPI 3.0: none are written.
                self.assertEqual(list(node), ['$ref'], where)
                self.assertTrue(node['$ref'].startswith('#/components/'), where)
                try:
                    resolve(self.doc, node['$ref'])
                except (KeyError, TypeError):
                    self.fail(f'{where}: unresolved {node["$ref"]}')
        self.assertGreater(refs, 100)
        # And every schema is used somewhere.
        text = json.dumps(self.doc['paths']) + json.dumps(self.doc['components']) + \
            json.dumps(self.doc['x-websocket'])
        for name in self.doc['components']['schemas']:
            self.assertIn(f'"#/components/schemas/{name}"', text, name)

    def test_documented_routes_answer(self):
        """Each documented operation reaches a handler: never the dispatcher's
        unknown-route 404, nor a 405 (path variables filled with 1)."""
        missing = []
        for path, item in self.doc['paths'].items():
            for method in item:
                url = re.sub(r'{asset}', 'index.html', path)
                url = re.sub(r'{[^}]+}', '1', url)
                status, headers, body = self.server.request(method.upper(), url)
                if status == 405 or (status == 404 and json.loads(body)['message'] ==
                                     'No route for this path'):
                    missing.append((method.upper(), path, status))
        self.assertEqual(missing, [], 'documented operations the server does not route')

    def test_websocket(self):
        ws = self.doc['x-websocket']
        self.assertEqual(list(ws), ['/ws/notifications'])
        entry = ws['/ws/notifications']
        self.assertTrue(entry['summary'] and entry['description'])
        self.assertEqual(resolve(self.doc, entry['messages']['$ref'])['required'],
                         ['type', 'timestamp', 'message'])
        self.assertEqual(sorted(entry['events']),
                         sorted(['risk_score_calculated', 'claim_processed',
                                 'remittance_processed', 'episode_linked', 'episode_completed',
                                 'episode_status_changed', 'file_processed', 'file_progress',
                                 'job_failed']))
        self.assertNotIn('/ws/notifications', self.doc['paths'])
        # The server upgrades it (auth is off here).
        key = base64.b64encode(os.urandom(16)).decode()
        with socket.create_connection(('127.0.0.1', self.server.port), timeout=10) as s:
            s.sendall((f'GET /ws/notifications HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                       f'Upgrade: websocket\r\nConnection: Upgrade\r\n'
                       f'Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n')
                      .encode())
            head = s.recv(4096).decode('latin-1')
        self.assertTrue(head.startswith('HTTP/1.1 101'), head.split('\r\n')[0])


if __name__ == '__main__':
    unittest.main()
