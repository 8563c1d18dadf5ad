"""claims init / migrate through the real binary."""
import json
import os
import sqlite3
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import TempDirTestCase, run_cli  # noqa: E402

NAMES = ['0001_initial', '0002_performance_indexes', '0003_date_indexes',
         '0004_composite_indexes', '0005_denial_patterns_reason_index',
         '0006_audit_log_indexes', '0007_linking_indexes', '0008_ingest_file_chunks',
         '0009_parser_log_filter_indexes']
HEAD = len(NAMES)
AT_HEAD = f'Database is at version {NAMES[-1]} (head)'
PERF_INDEXES = {
    'ix_claims_payer_id', 'ix_claims_provider_id', 'ix_claims_practice_id',
    'ix_claims_created_at', 'ix_claims_payer_status', 'ix_remittances_payer_id',
    'ix_remittances_created_at', 'ix_claim_episodes_claim_id',
    'ix_claim_episodes_remittance_id', 'ix_claim_episodes_created_at',
    'ix_claim_lines_claim_id', 'ix_risk_scores_claim_id', 'ix_risk_scores_calculated_at',
    'ix_denial_patterns_payer_id'}


class Migrate(TempDirTestCase):
    def test_migrate_new_file(self):
        db = self.path('m.db')
        r = run_cli('--db', db, 'migrate')
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = [f'Applied {n}' for n in NAMES] + \
            [AT_HEAD]
        self.assertEqual(r.stdout.splitlines(), expected)
        self.assertEqual(stat.S_IMODE(os.stat(db).st_mode), 0o600)
        con = sqlite3.connect(db)
        names = {row[0] for row in con.execute("SELECT name FROM sqlite_schema WHERE type='index'")}
        self.assertTrue(PERF_INDEXES <= names, PERF_INDEXES - names)
        self.assertEqual(con.execute('PRAGMA user_version').fetchone()[0], HEAD)
        con.close()
        # Again: nothing to apply.
        r = run_cli('--db', db, 'migrate')
        self.assertEqual(r.stdout, AT_HEAD + '\n')

    def test_status_does_not_apply(self):
        db = self.path('s.db')
        r = run_cli('--db', db, 'migrate', '--status')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, f'Database is at version none ({HEAD} behind head)\n')
        con = sqlite3.connect(db)
        self.assertEqual(con.execute('PRAGMA user_version').fetchone()[0], 0)
        con.close()

    def test_to_and_behind(self):
        db = self.path('t.db')
        r = run_cli('--db', db, 'migrate', '--to', '0002_performance_indexes')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            'Applied 0001_initial', 'Applied 0002_performance_indexes',
            f'Database is at version 0002_performance_indexes ({HEAD - 2} behind head)'])
        r = run_cli('--db', db, 'migrate', '--status')
        self.assertEqual(r.stdout, f'Database is at version 0002_performance_indexes ({HEAD - 2} behind head)\n')
        r = run_cli('--db', db, 'migrate', '--to', '4')
        self.assertEqual(r.stdout.splitlines()[-1],
                         f'Database is at version 0004_composite_indexes ({HEAD - 4} behind head)')
        # Below the current version: exit 3, nothing changed.
        r = run_cli('--db', db, 'migrate', '--to', '1')
        self.assertEqual(r.returncode, 3)
        self.assertTrue(r.stderr.startswith('claims: migrate: '), r.stderr)
        self.assertIn('no down-migrations', r.stderr)
        con = sqlite3.connect(db)
        self.assertEqual(con.execute('PRAGMA user_version').fetchone()[0], 4)
        con.close()

    def test_bad_target_and_usage(self):
        db = self.path('u.db')
        r = run_cli('--db', db, 'migrate', '--to', '0099_nope')
        self.assertEqual(r.returncode, 3)
        self.assertIn("no migration '0099_nope'", r.stderr)
        self.assertEqual(run_cli('--db', db, 'migrate', '--bogus').returncode, 2)
        self.assertEqual(run_cli('--db', db, 'frobnicate').returncode, 2)
        self.assertEqual(run_cli('--db', db).returncode, 2)
        self.assertEqual(run_cli('--db').returncode, 2)

    def test_newer_database_exit_5(self):
        db = self.path('n.db')
        con = sqlite3.connect(db)
        con.execute(f'PRAGMA user_version = {HEAD + 1}')
        con.close()
        r = run_cli('--db', db, 'migrate')
        self.assertEqual(r.returncode, 5)
        self.assertIn(f'database version {HEAD + 1} is newer than this library ({HEAD})', r.stderr)
        r = run_cli('--db', db, 'migrate', '--status')
        self.assertEqual(r.returncode, 5)

    def test_json_output(self):
        db = self.path('j.db')
        r = run_cli('--db', db, '--json', 'migrate', '--to', '3')
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc, {'version': 3, 'name': '0003_date_indexes', 'head': HEAD,
                               'behind': HEAD - 3, 'applied': NAMES[:3]})

    def test_init_and_env_db(self):
        db = self.path('e.db')
        r = run_cli('init', env={'CLAIMS_DB': db})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.endswith(AT_HEAD + '\n'))
        self.assertTrue(os.path.exists(db))
        r = run_cli('--quiet', '--db', db, 'init')
        self.assertEqual(r.stdout, AT_HEAD + '\n')

    def test_version_and_help(self):
        r = run_cli('--version')
        self.assertEqual((r.returncode, r.stdout), (0, 'claims 0.1.0\n'))
        r = run_cli('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('migrate', r.stdout)

    def test_unopenable_database(self):
        r = run_cli('--db', self.path('no/such/dir/x.db'), 'migrate')
        self.assertEqual(r.returncode, 5)
        self.assertTrue(r.stderr.startswith('claims: migrate: '), r.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
