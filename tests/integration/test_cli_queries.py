"""The query commands of `claims` (spec/cli.md §1) against corpus files:
the API objects of spec/api.md §2 as golden JSON (tests/golden/), paging
and validation edge cases with the exit codes of cli.md, and no patient
data in any output.

Goldens: the --json output with the stored creation/update timestamps
replaced by "<ts>", pretty-printed with the number literals kept as printed
(so 100.00 stays 100.00).  Regenerate with CLAIMS_UPDATE_GOLDEN=1 and review
the diff by hand.
"""
import decimal
import json
import os
import re
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import TempDirTestCase, run_cli  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, '..', 'golden')
CORPUS = os.environ.get('CLAIMS_CORPUS_DIR',
                        os.path.join(HERE, '..', '..', '..', 'shared', 'corpus'))

# Imported in this order into one database (ids follow from it).
FILES = [
    '837p/stupidedi_commercial-health-insurance.edi',   # claim 1
    '837i/stupidedi_837-institutional-claim.edi',       # claim 2
    '837p/imsweb_x12_multiple_st.txt',                  # claims 3, 4 (4 CLM, 2 identities), warnings
    '835/stupidedi_secondary-payments.edi',             # remits 1, 2
    '835/moov_835_sample1.txt',                         # remits 3, 4 (denied)
    'bad/moov_835_sample2.txt',                         # remit 5, warnings
]

TS_KEYS = ('created_at', 'updated_at', 'linked_at')
TS_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$')


def pretty(value, indent=0):
    """JSON text with two-space indentation, numbers as they were printed."""
    pad = '  ' * indent
    if isinstance(value, dict):
        if not value:
            return '{}'
        items = [f'{pad}  {json.dumps(k)}: {pretty(v, indent + 1)}' for k, v in value.items()]
        return '{\n' + ',\n'.join(items) + '\n' + pad + '}'
    if isinstance(value, list):
        if not value:
            return '[]'
        items = [f'{pad}  {pretty(v, indent + 1)}' for v in value]
        return '[\n' + ',\n'.join(items) + '\n' + pad + ']'
    if isinstance(value, decimal.Decimal):
        return str(value)
    return json.dumps(value)


def normalize(value):
    if isinstance(value, dict):
        return {k: ('<ts>' if k in TS_KEYS and isinstance(v, str) and TS_RE.match(v)
                    else normalize(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def parse(text):
    return json.loads(text, parse_float=decimal.Decimal)


class QueryCommands(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        import tempfile
        cls._dir = tempfile.TemporaryDirectory(prefix='claims-q-')
        cls.db = os.path.join(cls._dir.name, 'q.db')
        r = run_cli('--db', cls.db, '--quiet', 'import', '--no-link',
                    *[os.path.join(CORPUS, f) for f in FILES])
        if r.returncode != 0:
            raise RuntimeError(r.stderr)
        # Episodes are created by the engine; here two rows by hand.
        con = sqlite3.connect(cls.db)
        con.executescript(
            "INSERT INTO claim_episodes (claim_id, remittance_id, status, link_method, linked_at,"
            " payment_amount_cents, denial_count, adjustment_count, created_at, updated_at)"
            " VALUES (1, 2, 'linked', 'manual', '2024-05-01T12:00:00Z', 31000, 0, 4,"
            " '2024-05-01T12:00:00Z', '2024-05-01T12:00:00Z'),"
            " (2, 3, 'denied', 'control_number_any_payer', NULL, 0, 1, 1,"
            " '2024-05-02T12:00:00Z', '2024-05-02T12:30:00Z');")
        con.commit()
        con.close()
        cls.outputs = []

    @classmethod
    def tearDownClass(cls):
        cls._dir.cleanup()

    def cli(self, *args, input=None):
        r = run_cli('--db', self.db, *args, input=input)
        self.outputs.append(r.stdout + r.stderr)
        return r

    def json_of(self, *args):
        r = self.cli('--json', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, '')
        self.assertEqual(r.stdout.count('\n'), 1, 'exactly one JSON document')
        return parse(r.stdout)

    def golden(self, name, *args):
        doc = normalize(self.json_of(*args))
        text = pretty(doc) + '\n'
        path = os.path.join(GOLDEN, name + '.json')
        if os.environ.get('CLAIMS_UPDATE_GOLDEN'):
            os.makedirs(GOLDEN, exist_ok=True)
            with open(path, 'w', encoding='utf-8') as f:
                f.write(text)
        with open(path, encoding='utf-8') as f:
            expected = f.read()
        self.maxDiff = None
        self.assertEqual(text, expected, f'{path} (regenerate with CLAIMS_UPDATE_GOLDEN=1)')
        return doc

    # ---- goldens, one per object shape

    def test_golden_claims(self):
        c = self.golden('claim_837p', 'claims', 'show', '1')
        self.assertEqual(c['current_episode_id'], 1)
        self.golden('claim_837i', 'claims', 'show', '2')
        c = self.golden('claim_with_warnings', 'claims', 'show', '3')
        self.assertTrue(c['parsing_warnings'])
        lst = self.golden('claims_list', 'claims', 'list', '--limit', '3', '--skip', '1')
        self.assertEqual(lst['total'], 4)
        self.golden('claims_unlinked', 'claims', 'unlinked')

    def test_golden_remits(self):
        r = self.golden('remit_service_lines', 'remits', 'show', '2')
        self.assertEqual(r['episode_id'], 1)
        r = self.golden('remit_denied', 'remits', 'show', '3')
        self.assertEqual(r['denial_reasons'], ['CLAIM_DENIED'])
        r = self.golden('remit_with_warnings', 'remits', 'show', '5')
        self.assertTrue(r['parsing_warnings'])
        self.golden('remits_list', 'remits', 'list')

    def test_golden_episodes_payers_logs(self):
        self.golden('episode', 'episodes', 'show', '2')
        self.golden('episodes_list', 'episodes', 'list', '--claim', '1')
        self.golden('payers_list', 'payers', 'list')
        self.golden('logs', 'logs', '--file', '3', '--limit', '5')

    # ---- shapes and types, independent of the goldens

    def test_money_and_types(self):
        r = self.cli('--json', 'claims', 'show', '1')
        # Money always has two decimals in the text itself.
        self.assertIn('"total_charge_amount":100.00', r.stdout)
        self.assertIn('"charge_amount":40.00', r.stdout)
        r = self.cli('--json', 'remits', 'show', '3')
        self.assertIn('"payment_amount":0.00', r.stdout)
        self.assertIn('"claim_charge_amount":385.21', r.stdout)
        doc = parse(r.stdout)
        for key in ('created_at', 'updated_at'):
            self.assertRegex(doc[key], TS_RE)
        self.assertEqual(doc['episode_id'], 2)
        self.assertIsInstance(doc['payer_id'], int)

    def test_no_patient_data(self):
        """Patient names, DOB and member ids are never printed (any command, any format)."""
        for args in (('claims', 'show', '1'), ('claims', 'show', '2'), ('claims', 'show', '3'),
                     ('remits', 'show', '3'), ('remits', 'show', '4'), ('remits', 'show', '1'),
                     ('logs', '--limit', '1000'), ('claims', 'list'), ('remits', 'list')):
            for fmt in ((), ('--json',)):
                self.cli(*fmt, *args)
        text = '\n'.join(self.outputs)
        # From NM1*IL / NM1*QC / DMG of the imported files.
        for token in ('ZAR123456789', 'JOAN', 'HARRY', 'JS00111223333', 'JANE', 'SMITH',
                      '19430501', '1943-05-01', '1973-05-01', 'BAKI', 'ANGI', '456789123'):
            self.assertNotIn(token, text)

    # ---- paging and validation (spec/README.md "Lists and pagination")

    def test_skip_past_the_end(self):
        doc = self.json_of('claims', 'list', '--skip', '100')
        self.assertEqual(doc, {'claims': [], 'total': 4, 'skip': 100, 'limit': 100})
        doc = self.json_of('remits', 'list', '--skip', '5', '--limit', '1000')
        self.assertEqual(doc['remits'], [])
        self.assertEqual(doc['total'], 5)
        doc = self.json_of('claims', 'unlinked', '--skip', '2')
        self.assertEqual(doc['total'], 2)  # claims 3 and 4 have no episode
        self.assertEqual(len(doc['claims']), 0)
        r = self.cli('claims', 'list', '--skip', '100')
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.splitlines()[-1], 'No claims on this page (4 in total, skip 100)')

    def test_bad_parameters(self):
        cases = [
            (('claims', 'list', '--limit', '0'), '--limit: must be between 1 and 1000'),
            (('claims', 'list', '--limit', '-10'), '--limit: must be between 1 and 1000'),
            (('claims', 'list', '--limit', '1001'), '--limit: must be between 1 and 1000'),
            (('claims', 'list', '--limit', '2.5'), '--limit: must be an integer'),
            (('claims', 'list', '--limit', 'ten'), '--limit: must be an integer'),
            (('claims', 'list', '--skip', '-1'), '--skip: must be greater than or equal to 0'),
            (('claims', 'list', '--limit', '5', '--limit', '6'),
             '--limit: must be given at most once'),
            (('claims', 'list', '--status', 'lost'),
             '--status: must be one of: pending, processed, denied, reversed, void'),
            (('claims', 'list', '--payer', '0'), '--payer: must be greater than or equal to 1'),
            (('claims', 'list', '--practice', 'NOWHERE'),
             '--practice: must be a configured practice'),
            (('claims', 'list', '--from', '2024-02-30'),
             '--from: must be a date (YYYY-MM-DD) or an ISO-8601 timestamp'),
            (('claims', 'list', '--from', '2024-02-01', '--to', '2024-01-01'),
             '--to: must not be before service_date_from'),
            (('remits', 'list', '--status', 'denied'),
             '--status: must be one of: pending, processed, unmatched, ambiguous'),
            (('claims', 'unlinked', '--limit', '0'), '--limit: must be between 1 and 1000'),
            (('logs', '--level', 'debug'), '--level: must be one of: info, warning, error'),
            (('episodes', 'list', '--claim', '-1'), '--claim: must be greater than or equal to 0'),
            (('claims', 'show', 'abc'), "ID 'abc' must be an integer"),
            (('claims', 'show', '0'), "ID '0' must be greater than or equal to 1"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.returncode, 3, r.stderr)
                self.assertEqual(r.stdout, '')
                self.assertEqual(r.stderr, f'claims: {args[0]}: {message}\n')
        # Two problems at once, in the route's parameter order.
        r = self.cli('claims', 'list', '--status', 'x', '--limit', '0')
        self.assertEqual(r.stderr, 'claims: claims: --limit: must be between 1 and 1000; '
                         '--status: must be one of: pending, processed, denied, reversed, void\n')

    def test_usage_errors(self):
        for args in (('claims', 'list', '--bogus', '1'), ('claims', 'show'),
                     ('claims', 'frobnicate'), ('claims',), ('remits', 'show', '1', '2'),
                     ('payers', 'set-rules', '1'), ('claims', 'list', '--limit')):
            with self.subTest(args=args):
                r = self.cli(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertTrue(r.stderr.startswith(f'claims: {args[0]}: '), r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1)

    def test_not_found(self):
        for args, msg in ((('claims', 'show', '99999'), 'Claim not found (id: 99999)'),
                          (('remits', 'show', '6'), 'Remittance not found (id: 6)'),
                          (('episodes', 'show', '3'), 'Episode not found (id: 3)')):
            for fmt in ((), ('--json',)):
                r = self.cli(*fmt, *args)
                self.assertEqual(r.returncode, 4)
                self.assertEqual(r.stdout, '')
                self.assertEqual(r.stderr, f'claims: {args[0]}: {msg}\n')

    def test_filters(self):
        doc = self.json_of('claims', 'list', '--from', '2006-10-01', '--to', '2006-10-31')
        self.assertEqual([c['id'] for c in doc['claims']], [1])
        doc = self.json_of('remits', 'list', '--claim-number', '9999999')
        self.assertEqual([r['id'] for r in doc['remits']], [3, 4])
        self.assertEqual(doc['total'], 2)
        payer = doc['remits'][0]['payer_name']
        self.assertEqual(payer, 'INDEPENDENCE BLUE CROSS')
        doc = self.json_of('episodes', 'list', '--status', 'denied')
        self.assertEqual([e['id'] for e in doc['episodes']], [2])
        # The filter against the table itself: every warning row, newest
        # first (the fixture files hold warnings and infos, no error).
        doc = self.json_of('logs', '--level', 'warning')
        con = sqlite3.connect(self.db)
        want = [r[0] for r in con.execute("SELECT id FROM parser_logs WHERE log_level = 'warning' "
                                          "ORDER BY id DESC LIMIT 100")]
        con.close()
        self.assertEqual(len(want), 44)
        self.assertEqual([log['id'] for log in doc['logs']], want)
        self.assertEqual(doc['total'], 44)
        doc = self.json_of('logs', '--level', 'error')
        self.assertEqual((doc['logs'], doc['total']), ([], 0))

    def test_human_output(self):
        r = self.cli('claims', 'show', '1')
        self.assertEqual(r.returncode, 0)
        self.assertIn('Total charge               100.00\n', r.stdout)
        self.assertIn('Current episode            1\n', r.stdout)
        r = self.cli('remits', 'show', '3')
        self.assertIn('Claim status               4 (denied)\n', r.stdout)
        self.assertIn('Denial reasons             CLAIM_DENIED\n', r.stdout)
        r = self.cli('claims', 'list', '--limit', '2')
        self.assertEqual(r.stdout.splitlines()[-1], '1-2 of 4 claims')


class SetRules(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = self.path('r.db')
        r = run_cli('--db', self.db, '--quiet', 'import', '--no-link',
                    os.path.join(CORPUS, FILES[0]))
        self.assertEqual(r.returncode, 0, r.stderr)

    def epoch(self):
        con = sqlite3.connect(self.db)
        v = con.execute("SELECT value FROM meta WHERE key = 'write_epoch'").fetchone()[0]
        con.close()
        return int(v)

    def test_set_rules(self):
        before = self.epoch()
        rules = self.path('rules.json')
        with open(rules, 'w') as f:
            f.write('{"timely_filing_days": 90, "allowed_frequency_types": ["1", "7"]}\n')
        r = run_cli('--db', self.db, 'payers', 'set-rules', '1', rules)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, 'Rules of payer 1 (999996666) set: '
                         '{"timely_filing_days":90,"allowed_frequency_types":["1","7"]}\n')
        self.assertEqual(self.epoch(), before + 1)
        r = run_cli('--db', self.db, '--json', 'payers', 'list')
        doc = parse(r.stdout)
        self.assertEqual(doc['payers'][0]['rules_config'],
                         {'timely_filing_days': 90, 'allowed_frequency_types': ['1', '7']})
        # From standard input, --json gives the Payer.
        r = run_cli('--db', self.db, '--json', 'payers', 'set-rules', '1', '-', input='{}')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(parse(r.stdout)['rules_config'], {})

    def test_refused(self):
        before = self.epoch()
        for text, msg in (('[1]', 'rules must be a JSON object'),
                          ('{"timely_filing_days": "90"}',
                           'timely_filing_days must be an integer between 1 and 3650'),
                          ('not json', 'rules must be valid JSON'),
                          ('{"restricted_facility_types": [11]}',
                           'restricted_facility_types must be an array of strings')):
            r = run_cli('--db', self.db, 'payers', 'set-rules', '1', '-', input=text)
            self.assertEqual(r.returncode, 3)
            self.assertEqual(r.stderr, f'claims: payers: {msg}\n')
        r = run_cli('--db', self.db, 'payers', 'set-rules', '9', '-', input='{}')
        self.assertEqual(r.returncode, 4)
        self.assertEqual(r.stderr, 'claims: payers: Payer not found (id: 9)\n')
        r = run_cli('--db', self.db, 'payers', 'set-rules', '1', self.path('missing.json'))
        self.assertEqual(r.returncode, 3)
        self.assertEqual(self.epoch(), before)


if __name__ == '__main__':
    unittest.main()
