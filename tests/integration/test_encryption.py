"""Raw EDI encrypted at rest with DATA_KEY (spec/security.md §2, §5) against a
real claimsd and claims.

The database is read with Python's sqlite3 to see what rests on disk: no raw
column may hold plaintext EDI once a key is set, and every row says
raw_encrypted = 1.  The API still answers from the structured columns, the
CLI reads the raw bytes back only with the right key (exit 5 otherwise), and
claimsd warns without a key and refuses a malformed one (exit 78).
"""
import base64
import glob
import subprocess
import os
import signal
import sqlite3
import stat
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CLAIMSD, Server, TempDirTestCase, run_cli  # noqa: E402
from test_server_uploads import CORPUS, Client, generate, read  # noqa: E402

KEY = base64.b64encode(bytes(range(1, 33))).decode()
OTHER_KEY = base64.b64encode(bytes(range(101, 133))).decode()
WARNING = 'claimsd: warning: DATA_KEY is not set: raw EDI is stored unencrypted\n'

F837 = os.path.join(CORPUS, '837p', 'stupidedi_commercial-health-insurance.edi')
F835 = os.path.join(CORPUS, '835', 'stupidedi_multiple-claims-single-check.edi')

RAW_COLUMNS = [('claims', 'raw_edi'), ('claim_history', 'raw_edi'),
               ('remittances', 'raw_edi'), ('ingest_file_chunks', 'data')]


class EncryptionCase(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.servers = []

    def tearDown(self):
        for srv in self.servers:
            srv.__exit__()
        super().tearDown()

    def start(self, key=KEY, db='server.db', **env):
        self.spool = self.path('spool')
        full = {'CLAIMS_SPOOL_DIR': self.spool, **env}
        if key is not None:
            full['DATA_KEY'] = key
        srv = Server(self.path(db), env=full)
        self.servers.append(srv)
        return srv, Client(srv.port)

    def rows(self, db, sql, args=()):
        con = sqlite3.connect(db, timeout=30)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def raw_blobs(self, db):
        """Every raw value on disk, as (table, bytes, raw_encrypted)."""
        out = []
        for table, col in RAW_COLUMNS:
            if table == 'ingest_file_chunks':
                q = ('SELECT c.data, f.raw_encrypted FROM ingest_file_chunks c '
                     'JOIN ingest_files f ON f.id = c.ingest_file_id')
            else:
                q = f'SELECT {col}, raw_encrypted FROM {table}'
            out += [(table, bytes(v), enc) for v, enc in self.rows(db, q)]
        return out

    def assertNothingPlain(self, db, secrets):
        blobs = self.raw_blobs(db)
        for table, _ in RAW_COLUMNS:
            self.assertTrue(any(t == table for t, _, _ in blobs), f'no rows in {table}')
        for table, data, enc in blobs:
            self.assertEqual(enc, 1, table)
            for s in secrets:
                self.assertNotIn(s, data, f'{s!r} in the clear in {table}')
        # Each stored value (each file's first row) starts a stream.
        for table, col in RAW_COLUMNS[:3]:
            for (head,) in self.rows(db, f'SELECT substr({col}, 1, 4) FROM {table}'):
                self.assertEqual(bytes(head), b'CLE1', table)
        for (head,) in self.rows(db, 'SELECT substr(data, 1, 4) FROM ingest_file_chunks '
                                     'WHERE seq = 0'):
            self.assertEqual(bytes(head), b'CLE1')

    def secrets(self, db):
        """Texts of the stored files that must not rest in the clear: long
        enough that random ciphertext cannot hold them by chance."""
        numbers = [('CLM*' + r[0] + '*').encode() for r in self.rows(
            db, 'SELECT claim_control_number FROM claims ORDER BY id LIMIT 50')
            if len(r[0]) >= 4]
        self.assertGreater(len(numbers), 1)
        return [b'ISA*00*', b'*005010X222A1~', b'*005010X221A1~'] + numbers

    def export(self, db, kind, ident, key, *extra):
        env = {'DATA_KEY': key} if key is not None else {}
        return subprocess.run([os.environ.get('CLAIMS', 'claims'), '--db', db, 'export-raw',
                               kind, str(ident), *extra],
                              capture_output=True, env={**os.environ, 'CLAIMS_ENV_FILE': os.devnull,
                                                        **env}, timeout=120)

    def wait_job(self, cli, job_id, until=('succeeded', 'failed'), timeout=300):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st, _, job = cli.call('GET', f'/api/v1/jobs/{job_id}')
            self.assertEqual(st, 200)
            if job['status'] in until:
                return job
            time.sleep(0.05)
        self.fail(f'job {job_id} did not reach {until}')


class Encrypted(EncryptionCase):
    def test_uploads_rest_encrypted_and_read_back_with_the_key(self):
        big = generate(self.path('big.edi'), 2.5, seed=31)  # a job, three chunk rows
        srv, cli = self.start(UPLOAD_SYNC_MAX_BYTES='100000')
        self.assertNotIn(WARNING, srv.stderr_lines)
        st, _, b837 = cli.raw_upload('/api/v1/claims/upload', read(F837), filename='a.edi')
        self.assertEqual((st, b837['status']), (200, 'succeeded'), b837)
        st, _, b835 = cli.raw_upload('/api/v1/remits/upload', read(F835), filename='b.edi')
        self.assertEqual((st, b835['status']), (200, 'succeeded'), b835)
        st, _, bbig = cli.raw_upload('/api/v1/claims/upload', read(big), filename='big.edi')
        self.assertEqual((st, bbig['status']), (202, 'queued'), bbig)
        job = self.wait_job(cli, bbig['job_id'])
        self.assertEqual(job['status'], 'succeeded', job)
        self.assertEqual(os.listdir(self.spool), [])

        db = srv.db_path
        self.assertNothingPlain(db, self.secrets(db))
        self.assertEqual(self.rows(db, 'SELECT count(*), sum(raw_encrypted) FROM ingest_files'),
                         [(3, 3)])
        self.assertGreaterEqual(self.rows(
            db, 'SELECT count(*) FROM ingest_file_chunks WHERE ingest_file_id = ?',
            (bbig['ingest_file_id'],))[0][0], 3)
        # The database and its WAL are private to their owner.
        for name in [db, db + '-wal', db + '-shm']:
            self.assertEqual(stat.S_IMODE(os.stat(name).st_mode), 0o600, name)

        # The API answers from the structured columns.
        cid, ccn = self.rows(db, 'SELECT id, claim_control_number FROM claims '
                                 'WHERE ingest_file_id = ?', (b837['ingest_file_id'],))[0]
        st, _, claim = cli.call('GET', f'/api/v1/claims/{cid}')
        self.assertEqual((st, claim['claim_control_number']), (200, ccn))
        st, _, lst = cli.call('GET', '/api/v1/remits')
        self.assertEqual(st, 200)
        self.assertGreater(lst['total'], 0)
        self.assertNotIn('raw_edi', claim)

        # The CLI reads the bytes back with the key, to the byte.
        r = self.export(db, 'file', b837['ingest_file_id'], KEY)
        self.assertEqual((r.returncode, r.stderr), (0, b''))
        self.assertEqual(r.stdout, read(F837))
        r = self.export(db, 'file', bbig['ingest_file_id'], KEY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, read(big))
        r = self.export(db, 'claim', cid, KEY)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b'CLM*' + ccn.encode() + b'*', r.stdout)
        out = self.path('claim.raw')
        r = self.export(db, 'claim', cid, KEY, '-o', out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b'CLM*' + ccn.encode() + b'*', read(out))
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)

        # The wrong key, no key: exit 5, a clear message, not one byte out.
        r = self.export(db, 'file', b837['ingest_file_id'], OTHER_KEY)
        self.assertEqual(r.returncode, 5)
        self.assertEqual(r.stdout, b'')
        self.assertEqual(r.stderr.decode(),
                         f'claims: export-raw: cannot decrypt ingest file {b837["ingest_file_id"]}: '
                         'authentication failed (wrong data key, or the data was altered)\n')
        r = self.export(db, 'remit', 1, OTHER_KEY)
        self.assertEqual((r.returncode, r.stdout), (5, b''))
        self.assertIn(b'cannot decrypt the raw EDI of remittance 1', r.stderr)
        r = self.export(db, 'claim', cid, None)
        self.assertEqual((r.returncode, r.stdout), (5, b''))
        self.assertEqual(r.stderr.decode(),
                         f'claims: export-raw: the raw EDI of claim {cid} is encrypted and no data '
                         'key (DATA_KEY) was given\n')
        bad_out = self.path('bad.raw')
        r = self.export(db, 'file', bbig['ingest_file_id'], OTHER_KEY, '-o', bad_out)
        self.assertEqual(r.returncode, 5)
        self.assertFalse(os.path.exists(bad_out))
        self.assertEqual(sorted(glob.glob(bad_out + '*')), [])

        # A stored byte altered on disk: refused, nothing out.
        con = sqlite3.connect(db, timeout=30)
        with con:
            (data,) = con.execute('SELECT data FROM ingest_file_chunks WHERE ingest_file_id = ? '
                                  'AND seq = 0', (b835['ingest_file_id'],)).fetchone()
            data = bytearray(data)
            data[1000] ^= 0x20
            con.execute('UPDATE ingest_file_chunks SET data = ? WHERE ingest_file_id = ? '
                        'AND seq = 0', (bytes(data), b835['ingest_file_id']))
        con.close()
        r = self.export(db, 'file', b835['ingest_file_id'], KEY)
        self.assertEqual((r.returncode, r.stdout), (5, b''))
        self.assertIn(b'authentication failed', r.stderr)

        code, err = srv.stop()
        self.assertEqual(code, 0, err)

    def test_a_job_resumed_after_a_restart_reads_its_bytes_back(self):
        path = generate(self.path('big.edi'), 30, seed=3)
        srv, cli = self.start(UPLOAD_SYNC_MAX_BYTES='100000')
        st, _, body = cli.raw_upload('/api/v1/claims/upload', read(path))
        self.assertEqual(st, 202, body)
        job = self.wait_job(cli, body['job_id'], until=('running', 'succeeded', 'failed'))
        self.assertEqual(job['status'], 'running')
        # The upload's spool file, open in the server and unlinked, is sealed.
        spools = []
        for fd in os.listdir(f'/proc/{srv.proc.pid}/fd'):
            try:
                target = os.readlink(f'/proc/{srv.proc.pid}/fd/{fd}')
            except OSError:
                continue
            if target.startswith(self.spool + '/upload-'):
                spools.append(f'/proc/{srv.proc.pid}/fd/{fd}')
        self.assertGreaterEqual(len(spools), 1)
        for s in spools:
            data = read(s)
            self.assertEqual(data[:4], b'CLE1')
            self.assertNotIn(b'ISA*00*', data)
            self.assertNotIn(b'CLM*PCN0000', data)
            size = os.path.getsize(path)
            self.assertEqual(len(data), 28 + size + 17 * -(-size // 65536))
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        # The second server copies the bytes from the database into a new,
        # sealed spool file and finishes the job.
        srv2, cli2 = self.start()
        self.assertIn('claimsd: 1 interrupted job(s) queued again\n', srv2.stderr_lines)
        job = self.wait_job(cli2, body['job_id'])
        self.assertEqual(job['status'], 'succeeded', job)
        self.assertEqual(self.rows(srv2.db_path, 'SELECT count(*) FROM ingest_files'), [(1,)])
        self.assertNothingPlainIn(srv2.db_path, self.secrets(srv2.db_path))
        code, err = srv2.stop()
        self.assertEqual(code, 0, err)

    def assertNothingPlainIn(self, db, secrets):
        for table, data, enc in self.raw_blobs(db):
            if table == 'remittances':
                continue
            self.assertEqual(enc, 1, table)
            for s in secrets:
                self.assertNotIn(s, data, f'{s!r} in the clear in {table}')

    def test_mixed_database_and_cli_import(self):
        db = self.path('mixed.db')
        # Without a key the CLI stores plaintext and says so.
        r = run_cli('--db', db, 'import', F837)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('claims: import: warning: DATA_KEY is not set: raw EDI is stored '
                      'unencrypted\n', r.stderr)
        self.assertEqual(self.rows(db, 'SELECT raw_encrypted FROM ingest_files'), [(0,)])
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
        # With one, the next file is encrypted; both read back with the key.
        r = run_cli('--db', db, 'import', F835, env={'DATA_KEY': KEY})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn('warning', r.stderr)
        self.assertEqual(self.rows(db, 'SELECT raw_encrypted FROM ingest_files ORDER BY id'),
                         [(0,), (1,)])
        self.assertEqual(self.rows(db, 'SELECT DISTINCT raw_encrypted FROM remittances'), [(1,)])
        self.assertEqual(self.rows(db, 'SELECT DISTINCT raw_encrypted FROM claims'), [(0,)])
        r = self.export(db, 'file', 1, KEY)
        self.assertEqual((r.returncode, r.stdout), (0, read(F837)))
        r = self.export(db, 'file', 2, KEY)
        self.assertEqual((r.returncode, r.stdout), (0, read(F835)))
        # Without the key only the plaintext one.
        r = self.export(db, 'file', 1, None)
        self.assertEqual((r.returncode, r.stdout), (0, read(F837)))
        r = self.export(db, 'file', 2, None)
        self.assertEqual((r.returncode, r.stdout), (5, b''))
        self.assertEqual(r.stderr, b'claims: export-raw: ingest file 2 is encrypted and no data '
                                   b'key (DATA_KEY) was given\n')
        r = self.export(db, 'file', 9, KEY)
        self.assertEqual((r.returncode, r.stderr), (4, b'claims: export-raw: File not found (id: 9)\n'))
        # A server with the key serves both.
        srv, cli = self.start(db='mixed.db')
        st, _, lst = cli.call('GET', '/api/v1/claims')
        self.assertEqual((st, lst['total']), (200, self.rows(db, 'SELECT count(*) FROM claims')[0][0]))

    def test_cli_refuses_a_malformed_key(self):
        db = self.path('cli.db')
        r = run_cli('--db', db, 'claims', 'list', env={'DATA_KEY': base64.b64encode(b'x' * 16).decode()})
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr, 'claims: claims: DATA_KEY must decode to exactly 32 bytes (got 16)\n')
        self.assertFalse(os.path.exists(db))
        r = run_cli('--db', db, 'export-raw', 'file', '1', env={'DATA_KEY': 'change-me-please'})
        self.assertEqual(r.returncode, 2)
        self.assertIn('DATA_KEY', r.stderr)
        r = run_cli('--db', db, 'export-raw', 'nope', '1')
        self.assertEqual((r.returncode, r.stderr),
                         (2, "claims: export-raw: unknown kind 'nope' (usage: claims export-raw "
                             "file|claim|remit ID [-o FILE])\n"))


class Startup(EncryptionCase):
    def test_warning_without_a_key(self):
        srv, cli = self.start(key=None)
        self.assertEqual(srv.stderr_lines.count(WARNING), 1)
        st, _, b = cli.raw_upload('/api/v1/claims/upload', read(F837))
        self.assertEqual(st, 200, b)
        self.assertEqual(self.rows(srv.db_path, 'SELECT raw_encrypted FROM ingest_files'), [(0,)])
        self.assertEqual(self.rows(srv.db_path, 'SELECT DISTINCT raw_encrypted FROM claims'), [(0,)])
        self.assertIn(b'ISA*', b''.join(bytes(r[0]) for r in self.rows(
            srv.db_path, 'SELECT data FROM ingest_file_chunks')))
        code, err = srv.stop()
        self.assertEqual(code, 0, err)
        self.assertEqual(err.count('DATA_KEY'), 1)

    def refused(self, env, message):
        full = {k: v for k, v in os.environ.items() if not k.startswith('DATA_KEY')}
        full.update({'CLAIMS_ENV_FILE': os.devnull, **env})
        r = subprocess.run([CLAIMSD, '--listen', '127.0.0.1:0', '--db', self.path('never.db')],
                           capture_output=True, text=True, env=full, timeout=60)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertEqual(r.stderr, f'claimsd: {message}\n')
        self.assertFalse(os.path.exists(self.path('never.db')))

    def test_malformed_keys_refuse_startup(self):
        self.refused({'DATA_KEY': base64.b64encode(b'k' * 30).decode()},
                     'DATA_KEY must decode to exactly 32 bytes (got 30)')
        self.refused({'DATA_KEY': base64.b64encode(bytes(range(33))).decode()},
                     'DATA_KEY must decode to exactly 32 bytes (got 33)')
        self.refused({'DATA_KEY': 'not a key!'}, 'DATA_KEY is not valid hex or base64')
        self.refused({'DATA_KEY': 'change-me-' + KEY},
                     'DATA_KEY is a placeholder (starts with change-me)')
        key_file = self.path('key')
        with open(key_file, 'w') as f:
            f.write(KEY + '\n')
        os.chmod(key_file, 0o644)
        self.refused({'DATA_KEY_FILE': key_file},
                     'DATA_KEY_FILE: the key file is readable by group or others (chmod 600)')
        os.chmod(key_file, 0o600)
        self.refused({'DATA_KEY': KEY, 'DATA_KEY_FILE': key_file},
                     'DATA_KEY and DATA_KEY_FILE are both set; set one')

    def test_key_file_is_read(self):
        key_file = self.path('key')
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, (KEY + '\n').encode())
        os.close(fd)
        self.spool = self.path('spool')
        env = {'CLAIMS_SPOOL_DIR': self.spool, 'DATA_KEY_FILE': key_file}
        srv = Server(self.path('server.db'), env=env)
        self.servers.append(srv)
        self.assertNotIn(WARNING, srv.stderr_lines)
        st, _, b = Client(srv.port).raw_upload('/api/v1/claims/upload', read(F837))
        self.assertEqual(st, 200, b)
        self.assertEqual(self.rows(srv.db_path, 'SELECT raw_encrypted FROM ingest_files'), [(1,)])
        r = self.export(srv.db_path, 'file', b['ingest_file_id'], KEY)
        self.assertEqual((r.returncode, r.stdout), (0, read(F837)))


if __name__ == '__main__':
    unittest.main(verbosity=2)
