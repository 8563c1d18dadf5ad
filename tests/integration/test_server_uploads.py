"""Uploads and jobs over HTTP (spec/api.md §4.1, §4.2) against a real claimsd.

Counts are compared with `claims --json import` of the same files in the
same order into a fresh database, so the server adds nothing and loses
nothing compared with the command line.
"""
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse
import uuid

sys.path.insert(0, os.path.dirname(__file__))
from harness import Server, TempDirTestCase, run_cli  # noqa: E402

HERE = os.path.dirname(__file__)
CORPUS = os.environ.get('CLAIMS_CORPUS_DIR', os.path.join(HERE, '..', '..', '..', 'shared', 'corpus'))
GEN = os.path.join(HERE, '..', 'bench', 'gen_x12.py')


def corpus_files(sub):
    d = os.path.join(CORPUS, sub)
    return sorted(os.path.join(d, f) for f in os.listdir(d))


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def generate(path, size_mb, seed):
    subprocess.run([sys.executable, GEN, path, str(size_mb), '--seed', str(seed)], check=True,
                   capture_output=True)
    return path


class Client:
    """Raw HTTP to a server, one connection per request."""

    def __init__(self, port):
        self.port = port

    def call(self, method, path, body=None, headers=None, timeout=120):
        c = http.client.HTTPConnection('127.0.0.1', self.port, timeout=timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, r.headers, (json.loads(data) if data else None)
        finally:
            c.close()

    def raw_upload(self, route, data, filename=None, ctype='application/edi-x12', query=''):
        q = query
        if filename:
            q = (q + '&' if q else '') + 'filename=' + urllib.parse.quote(filename)
        return self.call('POST', route + ('?' + q if q else ''), data, {'Content-Type': ctype})

    def multipart_upload(self, route, parts, query=''):
        """parts: list of (name, filename or None, bytes)."""
        b = 'b' + uuid.uuid4().hex
        body = b'preamble to ignore\r\n'
        for name, fname, data in parts:
            disp = f'form-data; name="{name}"'
            if fname is not None:
                disp += f'; filename="{fname}"'
            body += (f'--{b}\r\nContent-Disposition: {disp}\r\n'
                     f'Content-Type: application/octet-stream\r\n\r\n').encode() + data + b'\r\n'
        body += f'--{b}--\r\n'.encode()
        return self.call('POST', route + ('?' + query if query else ''), body,
                         {'Content-Type': f'multipart/form-data; boundary={b}'})

    def raw_socket(self, request_bytes, timeout=30):
        """Send bytes as they are; return (status, body dict)."""
        s = socket.create_connection(('127.0.0.1', self.port), timeout=timeout)
        try:
            s.sendall(request_bytes)
            s.shutdown(socket.SHUT_WR)
            data = b''
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        finally:
            s.close()
        head, _, body = data.partition(b'\r\n\r\n')
        status = int(head.split(b' ', 2)[1])
        return status, json.loads(body) if body else None


class UploadCase(TempDirTestCase):
    env = {}

    def setUp(self):
        super().setUp()
        self.servers = []

    def tearDown(self):
        # The servers stop before their directory goes (cleanups would run
        # after it, while a server may still write its database files).
        for srv in self.servers:
            srv.__exit__()
        super().tearDown()

    def start(self, db='server.db', **env):
        self.spool = self.path('spool')
        full = {'CLAIMS_SPOOL_DIR': self.spool, **self.env, **env}
        srv = Server(self.path(db), env=full)
        self.servers.append(srv)
        return srv, Client(srv.port)

    def assertSpoolEmpty(self):
        self.assertEqual(os.listdir(self.spool), [])

    def db_rows(self, srv, sql, args=()):
        con = sqlite3.connect(srv.db_path, timeout=30)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def cli_import(self, db, path, *extra):
        r = run_cli('--db', db, '--json', 'import', *extra, path)
        return json.loads(r.stdout)['files'][0]

    def wait_job(self, cli, job_id, timeout=300, until=('succeeded', 'failed')):
        progress = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, _, job = cli.call('GET', f'/api/v1/jobs/{job_id}')
            self.assertEqual(st, 200)
            progress.append(job['progress'])
            if job['status'] in until:
                return job, progress
            time.sleep(0.05)
        self.fail(f'job {job_id} did not reach {until}')


class Uploads(UploadCase):
    def test_corpus_counts_equal_the_cli(self):
        srv, cli = self.start()
        cli_db = self.path('cli.db')
        files = [(p, '/api/v1/claims/upload') for p in corpus_files('837p') + corpus_files('837i')]
        files += [(p, '/api/v1/remits/upload') for p in corpus_files('835')]
        # The tolerated files of bad/ that the command line ingests, by family.
        for p in corpus_files('bad'):
            f = self.cli_import(self.path('probe-' + os.path.basename(p) + '.db'), p)
            if f['status'] == 'ingested' and f['detected_type'] in ('837P', '837I', '835'):
                files.append((p, '/api/v1/remits/upload' if f['detected_type'] == '835'
                              else '/api/v1/claims/upload'))
        self.assertGreater(len(files), 30)
        for i, (path, route) in enumerate(files):
            with self.subTest(file=path):
                expected = self.cli_import(cli_db, path)
                name = os.path.basename(path)
                if i % 2:
                    st, _, body = cli.multipart_upload(route, [('note', None, b'ignored'),
                                                               ('file', name, read(path))])
                else:
                    st, _, body = cli.raw_upload(route, read(path), filename=name)
                self.assertEqual(st, 200, body)
                self.assertEqual(body['status'], 'succeeded')
                self.assertEqual(body['processing_mode'], 'in-request')
                self.assertEqual(body['message'], 'File processed')
                self.assertIsNone(body['job_id'])
                self.assertIsNone(body['task_id'])
                self.assertEqual(body['filename'], name)
                self.assertEqual(body['file_type'], '835' if 'remits' in route else '837')
                self.assertEqual(body['detected_type'], expected['detected_type'])
                self.assertEqual(body['counts'], expected['counts'])
                self.assertEqual(body['issues_total'], expected['issues_total'])
                self.assertEqual(len(body['issues']), min(100, body['issues_total']))
                self.assertEqual(body['file_size_mb'], round(len(read(path)) / 1048576, 2))
                self.assertNotIn('status_url', body)
        self.assertSpoolEmpty()

    def test_success_body_keys_and_duplicate(self):
        srv, cli = self.start()
        path = os.path.join(CORPUS, '837p/moov_837p_sample.txt')
        st, _, first = cli.raw_upload('/api/v1/claims/upload', read(path), filename='x.txt',
                                      ctype='text/plain')
        self.assertEqual(st, 200)
        self.assertEqual(sorted(first), sorted([
            'message', 'task_id', 'job_id', 'ingest_file_id', 'filename', 'file_size_mb',
            'processing_mode', 'status', 'file_type', 'detected_type', 'counts', 'issues',
            'issues_total']))
        st, _, again = cli.multipart_upload('/api/v1/claims/upload', [('file', 'y.txt', read(path))])
        self.assertEqual(st, 200)
        self.assertEqual(again['status'], 'duplicate')
        self.assertEqual(again['processing_mode'], 'duplicate')
        self.assertEqual(again['message'], 'File already ingested')
        self.assertEqual(again['ingest_file_id'], first['ingest_file_id'])
        self.assertEqual(again['counts'], first['counts'])
        self.assertIsNone(again['job_id'])
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_files')[0][0], 1)
        self.assertSpoolEmpty()

    def test_filename_sanitised(self):
        srv, cli = self.start()
        data = read(os.path.join(CORPUS, '835/keiron_emedny_sample.txt'))
        st, _, body = cli.multipart_upload('/api/v1/remits/upload',
                                           [('file', 'C:\\dir\\sub/na\x01me.edi', data)])
        self.assertEqual(st, 200, body)
        self.assertEqual(body['filename'], 'na_me.edi')
        st, _, body = cli.raw_upload('/api/v1/claims/upload',
                                     read(os.path.join(CORPUS, '837p/oopfactory_ST1309-XX.txt')),
                                     filename='a/' + 'é' * 200)
        self.assertEqual(st, 200, body)
        self.assertEqual(body['filename'], 'é' * 127)
        st, _, body = cli.raw_upload('/api/v1/claims/upload',
                                     read(os.path.join(CORPUS, '837i/imsweb_x223-test.txt')),
                                     filename='dir/')
        self.assertEqual(st, 200, body)
        self.assertEqual(body['filename'], 'unknown')
        self.assertEqual(self.db_rows(srv, 'SELECT filename FROM ingest_files ORDER BY id'),
                         [('na_me.edi',), ('é' * 127,), ('unknown',)])

    def test_wrong_family_refused_and_recorded(self):
        srv, cli = self.start()
        r835 = read(os.path.join(CORPUS, '835/keiron_emedny_sample.txt'))
        st, _, body = cli.raw_upload('/api/v1/claims/upload', r835, filename='r.835')
        self.assertEqual(st, 422)
        self.assertEqual(body['error'], 'WRONG_FILE_TYPE')
        self.assertEqual(body['details'], {'expected': '837', 'detected': ['835']})
        self.assertIn('835', body['message'])
        self.assertEqual(self.db_rows(srv, 'SELECT status, error_code, filename FROM ingest_files'),
                         [('refused', 'WRONG_FILE_TYPE', 'r.835')])
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM remittances')[0][0], 0)
        # The same bytes through the right route are ingested (the refusal is not a duplicate).
        st, _, body = cli.raw_upload('/api/v1/remits/upload', r835)
        self.assertEqual(st, 200)
        self.assertEqual(body['status'], 'succeeded')
        # Already ingested as an 835: the 837 route still says WRONG_FILE_TYPE.
        st, _, body = cli.raw_upload('/api/v1/claims/upload', r835)
        self.assertEqual(st, 422)
        self.assertEqual(body['error'], 'WRONG_FILE_TYPE')
        p837 = read(os.path.join(CORPUS, '837p/moov_837p_sample.txt'))
        st, _, body = cli.multipart_upload('/api/v1/remits/upload', [('file', 'c.txt', p837)])
        self.assertEqual(st, 422)
        self.assertEqual(body['details'], {'expected': '835', 'detected': ['837P']})
        self.assertSpoolEmpty()

    def test_refused_file_is_edi_refused(self):
        srv, cli = self.start()
        st, _, body = cli.raw_upload('/api/v1/claims/upload',
                                     read(os.path.join(CORPUS, 'bad/imsweb_x12_no_isa_line.txt')))
        self.assertEqual(st, 422)
        self.assertEqual(body['error'], 'EDI_REFUSED')
        self.assertEqual(body['details']['code'], 'NO_ISA')
        self.assertIsInstance(body['details']['ingest_file_id'], int)
        self.assertEqual(self.db_rows(srv, 'SELECT status FROM ingest_files'), [('refused',)])

    def test_bad_requests_record_nothing(self):
        srv, cli = self.start()
        data = read(os.path.join(CORPUS, '837p/moov_837p_sample.txt'))
        route = '/api/v1/claims/upload'
        st, _, body = cli.raw_upload(route, data, ctype='application/json')
        self.assertEqual(st, 415)
        self.assertEqual(body['error'], 'UNSUPPORTED_MEDIA_TYPE')
        st, _, body = cli.call('POST', route, data, {})
        self.assertEqual(st, 415)
        for label, (st, _, body) in {
            'empty raw': cli.raw_upload(route, b''),
            'no file part': cli.multipart_upload(route, [('other', 'a.txt', data)]),
            'empty file part': cli.multipart_upload(route, [('file', 'a.txt', b'')]),
        }.items():
            with self.subTest(label):
                self.assertEqual(st, 422)
                self.assertEqual(body['error'], 'VALIDATION_ERROR')
                self.assertEqual([(d['loc'], d['type']) for d in body['details']],
                                 [(['body', 'file'], 'missing')])
        st, _, body = cli.multipart_upload(route, [('file', 'a.txt', data), ('file', 'b.txt', data)])
        self.assertEqual(st, 422)
        self.assertEqual([(d['loc'], d['type']) for d in body['details']],
                         [(['body', 'file'], 'repeated')])
        # A multipart body cut before its closing boundary.
        st, body = cli.raw_socket(
            b'POST ' + route.encode() + b' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n'
            b'Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 70\r\n\r\n'
            b'--XX\r\nContent-Disposition: form-data; name="file"\r\n\r\nISA*00*  ')
        self.assertEqual(st, 422)
        self.assertEqual(body['details'][0]['loc'], ['body', 'file'])
        st, _, body = cli.call('POST', route, data, {'Content-Type': 'multipart/form-data'})
        self.assertEqual(st, 422)
        for query, name, typ in [('mode=fast', 'mode', 'enum'),
                                 ('practice_id=NOPE', 'practice_id', 'enum'),
                                 ('mode=strict&mode=strict', 'mode', 'repeated'),
                                 ('practice_id=a&practice_id=b', 'practice_id', 'repeated')]:
            with self.subTest(query):
                st, _, body = cli.raw_upload(route, data, query=query)
                self.assertEqual(st, 422)
                self.assertEqual([(d['loc'], d['type']) for d in body['details']],
                                 [(['query', name], typ)])
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_files')[0][0], 0)
        self.assertSpoolEmpty()

    def test_strict_mode_refuses_what_tolerant_reads(self):
        srv, cli = self.start()
        data = read(os.path.join(CORPUS, 'bad/imsweb_x12_bad_first_line.txt'))
        st, _, body = cli.raw_upload('/api/v1/claims/upload', data, query='mode=strict')
        self.assertEqual(st, 422)
        self.assertEqual(body['error'], 'EDI_REFUSED')
        self.assertEqual(body['details']['code'], 'ISA_LENGTH')
        st, _, body = cli.raw_upload('/api/v1/claims/upload', data, query='mode=tolerant')
        self.assertEqual(st, 200)
        self.assertEqual(body['counts']['claims_parsed'], 2)

    def test_cached_claim_count_invalidated_by_upload(self):
        srv, cli = self.start()
        st, _, body = cli.call('GET', '/api/v1/claims')
        self.assertEqual((st, body['total']), (200, 0))
        st, _, body = cli.call('GET', '/api/v1/claims')
        self.assertEqual(body['total'], 0)
        st, _, stats = cli.call('GET', '/api/v1/cache/stats?key=count:claim')
        self.assertEqual(stats['hits'], 1)
        st, _, up = cli.raw_upload('/api/v1/claims/upload',
                                   read(os.path.join(CORPUS, '837p/moov_837p_sample.txt')))
        self.assertEqual(st, 200)
        st, _, body = cli.call('GET', '/api/v1/claims')
        self.assertEqual(body['total'], 7)
        st, _, stats = cli.call('GET', '/api/v1/cache/stats?key=count:claim')
        self.assertEqual(stats['misses'], 2)


class Limits(UploadCase):
    env = {'MAX_FILE_BYTES': '2000'}

    def test_413_from_length_and_while_reading(self):
        srv, cli = self.start()
        big = b'ISA' + b'*' * 5000
        st, _, body = cli.raw_upload('/api/v1/claims/upload', big)
        self.assertEqual(st, 413)
        self.assertEqual(body['error'], 'PAYLOAD_TOO_LARGE')
        chunked = b''.join(b'%x\r\n%s\r\n' % (1000, b'x' * 1000) for _ in range(4)) + b'0\r\n\r\n'
        st, body = cli.raw_socket(b'POST /api/v1/claims/upload HTTP/1.1\r\nHost: x\r\n'
                                  b'Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n'
                                  b'Connection: close\r\n\r\n' + chunked)
        self.assertEqual(st, 413)
        self.assertEqual(body['error'], 'PAYLOAD_TOO_LARGE')
        st, _, body = cli.multipart_upload('/api/v1/claims/upload', [('file', 'a', big)])
        self.assertEqual(st, 413)
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_files')[0][0], 0)
        # Within the limit, chunked works.
        small = read(os.path.join(CORPUS, '837p/stupidedi_commercial-health-insurance.edi'))
        self.assertLess(len(small), 2000)
        chunked = b'%x\r\n%s\r\n0\r\n\r\n' % (len(small), small)
        st, body = cli.raw_socket(b'POST /api/v1/claims/upload HTTP/1.1\r\nHost: x\r\n'
                                  b'Content-Type: application/edi\r\nTransfer-Encoding: chunked\r\n'
                                  b'Connection: close\r\n\r\n' + chunked)
        self.assertEqual(st, 200)
        self.assertEqual(body['counts']['claims_parsed'], 1)
        self.assertSpoolEmpty()


class Background(UploadCase):
    env = {'UPLOAD_SYNC_MAX_BYTES': '100000'}

    def test_job_runs_to_success_with_counts_of_the_cli(self):
        path = generate(self.path('two.edi'), 2.5, seed=11)
        expected = self.cli_import(self.path('cli.db'), path)
        srv, cli = self.start()
        st, headers, body = cli.raw_upload('/api/v1/claims/upload', read(path), filename='two.edi')
        self.assertEqual(st, 202, body)
        self.assertEqual(body['processing_mode'], 'background')
        self.assertEqual(body['status'], 'queued')
        self.assertEqual(body['message'], 'File queued for processing')
        self.assertIsNone(body['counts'])
        self.assertEqual(body['task_id'], str(body['job_id']))
        self.assertEqual(headers['Location'], f'/api/v1/jobs/{body["job_id"]}')
        self.assertEqual(body['status_url'], headers['Location'])
        job, progress = self.wait_job(cli, body['job_id'])
        self.assertEqual(job['status'], 'succeeded', job)
        self.assertEqual(job['stage'], 'complete')
        self.assertEqual(progress, sorted(progress))
        self.assertEqual(progress[-1], 1)
        self.assertEqual(job['counts'], expected['counts'])
        self.assertEqual(job['issues_total'], expected['issues_total'])
        self.assertEqual(sorted(job), sorted([
            'id', 'task_id', 'status', 'stage', 'progress', 'filename', 'file_type',
            'detected_type', 'ingest_file_id', 'counts', 'issues', 'issues_total', 'error',
            'created_at', 'started_at', 'finished_at']))
        self.assertEqual((job['filename'], job['file_type'], job['detected_type']),
                         ('two.edi', '837', '837P'))
        self.assertEqual(job['ingest_file_id'], body['ingest_file_id'])
        self.assertRegex(job['finished_at'], r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')
        # Again: a duplicate of the file the job ingested.
        st, _, again = cli.raw_upload('/api/v1/claims/upload', read(path))
        self.assertEqual((st, again['status'], again['ingest_file_id']),
                         (200, 'duplicate', body['ingest_file_id']))
        # Lists and errors.
        st, _, lst = cli.call('GET', '/api/v1/jobs?status=succeeded')
        self.assertEqual((st, lst['total'], lst['skip'], lst['limit']), (200, 1, 0, 100))
        self.assertNotIn('issues', lst['jobs'][0])
        self.assertEqual(lst['jobs'][0]['id'], body['job_id'])
        st, _, lst = cli.call('GET', '/api/v1/jobs?status=queued')
        self.assertEqual((lst['total'], lst['jobs']), (0, []))
        st, _, err = cli.call('GET', '/api/v1/jobs/999')
        self.assertEqual((st, err['message']), (404, 'Job not found (id: 999)'))
        for bad in ['/api/v1/jobs/abc', '/api/v1/jobs/0', '/api/v1/jobs?limit=0',
                    '/api/v1/jobs?status=done', '/api/v1/jobs?skip=1&skip=2']:
            st, _, err = cli.call('GET', bad)
            self.assertEqual(st, 422, bad)
        st, _, health = cli.call('GET', '/api/v1/health/detailed')
        self.assertEqual(health['components']['worker']['threads'], 1)
        self.assertEqual(health['components']['worker']['queued_jobs'], 0)
        self.assertSpoolEmpty()
        # A clean stop joins the worker (and, under ASan, leaks nothing).
        code, err = srv.stop()
        self.assertEqual(code, 0, err)

    def test_late_mismatch_fails_the_job_before_writing(self):
        # An 837 first, then an 835 set later in the same file.
        p837 = generate(self.path('p.edi'), 0.3, seed=5)
        mixed = read(p837) + b'\n' + read(os.path.join(CORPUS, '835/stupidedi_multiple-claims-single-check.edi'))
        srv, cli = self.start()
        st, _, body = cli.raw_upload('/api/v1/claims/upload', mixed)
        self.assertEqual(st, 202, body)
        job, _ = self.wait_job(cli, body['job_id'])
        self.assertEqual(job['status'], 'failed')
        self.assertEqual(job['error']['error'], 'WRONG_FILE_TYPE')
        self.assertEqual(job['error']['details'], {'expected': '837', 'detected': ['835']})
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM claims')[0][0], 0)

    def test_restart_after_kill_runs_the_job_again(self):
        path = generate(self.path('big.edi'), 30, seed=3)
        srv, cli = self.start()
        st, _, body = cli.raw_upload('/api/v1/claims/upload', read(path))
        self.assertEqual(st, 202, body)
        job, _ = self.wait_job(cli, body['job_id'], until=('running', 'succeeded', 'failed'))
        self.assertEqual(job['status'], 'running')
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        self.assertSpoolEmpty()
        srv2, cli2 = self.start()
        # The job was still running when the first server died: the second
        # one queued it again before listening.
        self.assertIn('claimsd: 1 interrupted job(s) queued again\n', srv2.stderr_lines)
        job, progress = self.wait_job(cli2, body['job_id'])
        self.assertEqual(job['status'], 'succeeded', job)
        self.assertEqual(progress, sorted(progress))
        n = self.db_rows(srv2, 'SELECT count(*) FROM claims')[0][0]
        self.assertEqual(job['counts']['claims_parsed'], n)
        c = job['counts']
        self.assertEqual(c['claims_created'] + c['claims_unchanged'] + c['claims_updated'], n)
        self.assertEqual(self.db_rows(srv2, 'SELECT count(*) FROM ingest_files')[0][0], 1)
        self.assertSpoolEmpty()


class QueueFull(UploadCase):
    env = {'UPLOAD_SYNC_MAX_BYTES': '100000', 'JOB_QUEUE_MAX': '1'}

    def test_503_when_the_queue_is_full(self):
        big = generate(self.path('big.edi'), 30, seed=21)
        b = generate(self.path('b.edi'), 0.3, seed=22)
        c = generate(self.path('c.edi'), 0.3, seed=23)
        srv, cli = self.start()
        st, _, first = cli.raw_upload('/api/v1/claims/upload', read(big))
        self.assertEqual(st, 202)
        job, _ = self.wait_job(cli, first['job_id'], until=('running', 'succeeded', 'failed'))
        self.assertEqual(job['status'], 'running')
        st, _, second = cli.raw_upload('/api/v1/claims/upload', read(b))
        self.assertEqual(st, 202)
        st, headers, err = cli.raw_upload('/api/v1/claims/upload', read(c))
        self.assertEqual(st, 503)
        self.assertEqual(err['error'], 'SERVICE_UNAVAILABLE')
        self.assertEqual(headers['Retry-After'], '30')
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_files')[0][0], 2)
        st, _, health = cli.call('GET', '/api/v1/health/detailed')
        self.assertEqual((health['components']['worker']['queued_jobs'],
                          health['components']['worker']['running_jobs']), (1, 1))
        for j in (first, second):
            job, _ = self.wait_job(cli, j['job_id'])
            self.assertEqual(job['status'], 'succeeded')
        self.assertSpoolEmpty()


class Concurrency(UploadCase):
    env = {'UPLOAD_SYNC_MAX_BYTES': '400000'}

    def test_concurrent_distinct_and_identical_uploads(self):
        srv, cli = self.start()
        distinct = [p for p in corpus_files('837p') + corpus_files('837i')
                    if not p.endswith('moov_837p_sample.txt')]
        same_small = read(os.path.join(CORPUS, '837p/moov_837p_sample.txt'))
        same_big = read(generate(self.path('same.edi'), 1, seed=31))
        results = {}
        lock = threading.Lock()

        def go(key, data):
            r = cli.raw_upload('/api/v1/claims/upload', data)
            with lock:
                results[key] = r

        threads = [threading.Thread(target=go, args=(('d', p), read(p))) for p in distinct]
        threads += [threading.Thread(target=go, args=(('small', i), same_small)) for i in range(6)]
        threads += [threading.Thread(target=go, args=(('big', i), same_big)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for p in distinct:
            self.assertEqual(results[('d', p)][0], 200, results[('d', p)][2])
        small = [results[('small', i)] for i in range(6)]
        self.assertEqual(sorted(r[2]['status'] for r in small), ['duplicate'] * 5 + ['succeeded'])
        self.assertEqual(len({r[2]['ingest_file_id'] for r in small}), 1)
        big = [results[('big', i)] for i in range(6)]
        job_ids = {r[2]['job_id'] for r in big if r[0] == 202}
        self.assertEqual(len(job_ids), 1)
        for st, _, body in big:
            if st == 200:
                self.assertEqual(body['status'], 'duplicate')
            else:
                self.assertEqual((st, body['status']), (202, 'queued'))
        job, _ = self.wait_job(cli, job_ids.pop())
        self.assertEqual(job['status'], 'succeeded')
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_jobs')[0][0], 1)
        self.assertEqual(self.db_rows(srv, 'SELECT count(*) FROM ingest_files')[0][0],
                         len(distinct) + 2)
        self.assertEqual(self.db_rows(
            srv, 'SELECT count(*) FROM (SELECT provider_key, claim_control_number, payer_key '
                 'FROM claims GROUP BY 1, 2, 3 HAVING count(*) > 1)')[0][0], 0)
        self.assertSpoolEmpty()


if __name__ == '__main__':
    unittest.main(verbosity=2)
