"""Automatic linking after `claims import` (engine.md §1.1): an 837 then an
835 links the payment to its claim and reports it in the import result;
--no-link leaves the payment pending."""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import x12gen as g  # noqa: E402
from harness import TempDirTestCase, run_cli  # noqa: E402


class AutoLink(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = self.path('a.db')
        self.n = 0

    def imp(self, data, *extra):
        self.n += 1
        p = self.path(f'f{self.n}.edi')
        with open(p, 'wb') as f:
            f.write(data)
        r = run_cli('--db', self.db, '--json', 'import', *extra, p)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        return json.loads(r.stdout)['files'][0]

    def q(self, sql):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    def test_837_then_835_links(self):
        f = self.imp(g.file_837([({}, [g.claim('AL1', '100', [('99213', '100')]),
                                       g.claim('AL2', '50', [('99212', '50')])])]))
        self.assertEqual(f['counts']['episodes_linked'], 0)
        f = self.imp(g.file_835([g.payment('AL1', '1', '100', '80', resp='20', icn='ICN1',
                                           cas=[('PR', '2', '20')])], '80'))
        self.assertEqual(f['counts']['episodes_linked'], 1)
        self.assertEqual(self.q('SELECT e.link_method, e.status, e.payment_amount_cents, '
                                'e.denial_count, e.adjustment_count, c.claim_control_number '
                                'FROM claim_episodes e JOIN claims c ON c.id = e.claim_id'),
                         [('control_number', 'linked', 8000, 0, 1, 'AL1')])
        self.assertEqual(self.q('SELECT status FROM remittances'), [('processed',)])
        self.assertEqual(self.q('SELECT claim_control_number, status FROM claims ORDER BY id'),
                         [('AL1', 'processed'), ('AL2', 'pending')])
        # The stored file counts agree with the answer.
        counts = json.loads(self.q('SELECT counts FROM ingest_files ORDER BY id DESC')[0][0])
        self.assertEqual(counts['episodes_linked'], 1)

    def test_835_then_837_links(self):
        f = self.imp(g.file_835([g.payment('BL1', '4', '100', '0', icn='ICN1',
                                           cas=[('CO', '50', '100')])], '0'))
        self.assertEqual(f['counts']['episodes_linked'], 0)
        self.assertEqual(self.q('SELECT status FROM remittances'), [('unmatched',)])
        f = self.imp(g.file_837([({}, [g.claim('BL1', '100', [('99213', '100')])])]))
        self.assertEqual(f['counts']['episodes_linked'], 1)
        self.assertEqual(self.q('SELECT status, denial_count FROM claim_episodes'),
                         [('denied', 1)])
        self.assertEqual(self.q('SELECT status FROM claims'), [('denied',)])

    def test_no_link(self):
        self.imp(g.file_837([({}, [g.claim('CL1', '100', [('99213', '100')])])]))
        f = self.imp(g.file_835([g.payment('CL1', '1', '100', '100', icn='ICN1')], '100'),
                     '--no-link')
        self.assertEqual(f['counts']['episodes_linked'], 0)
        self.assertEqual(self.q('SELECT status FROM remittances'), [('pending',)])
        self.assertEqual(self.q('SELECT count(*) FROM claim_episodes'), [(0,)])

    def cli(self, *args, rc=0):
        r = run_cli('--db', self.db, *args)
        self.assertEqual(r.returncode, rc, r.stderr + r.stdout)
        return r

    def test_cli_link_risk_patterns(self):
        self.imp(g.file_837([({}, [g.claim('EL1', '100', [('99213', '100')]),
                                   g.claim('EL2', '100', [('97530', '100')])])]))
        self.imp(g.file_835([g.payment('EL1', '1', '100', '100', icn='ICN1'),
                             g.payment('EL2', '1', '100', '0', icn='ICN2',
                                       cas=[('CO', '50', '100')])], '100'), '--no-link')
        out = json.loads(self.cli('--json', 'link', '1').stdout)
        self.assertEqual(out['outcome'], 'linked')
        self.assertEqual(out['episode']['link_method'], 'control_number')
        self.assertEqual(out['episode']['payment_amount'], 100.0)
        out = json.loads(self.cli('--json', 'link', '--all').stdout)
        self.assertEqual(out, {'remittances': 1, 'linked': 1, 'already_linked': 0,
                               'ambiguous': 0, 'unmatched': 0})
        self.assertIn('already linked', self.cli('link', '1').stdout)
        r = self.cli('link', '--claim', '2', '--remit', '1', rc=3)
        self.assertEqual(r.stderr.strip(), 'claims: link: remittance 1 is linked to claim 1')
        self.cli('link', '99', rc=4)
        self.cli('link', rc=2)

        out = json.loads(self.cli('--json', 'risk', 'show', '1').stdout)
        self.assertEqual(out, {'claim_id': 1, 'message': 'Risk score not yet calculated'})
        out = json.loads(self.cli('--json', 'risk', 'calculate', '1').stdout)
        self.assertEqual(out['status'], 'calculated')
        self.assertEqual(sorted(out['component_scores']),
                         ['coding_risk', 'documentation_risk', 'historical_risk',
                          'pattern_risk', 'payer_risk'])
        calculated = out
        r = self.cli('--json', 'risk', 'show', '1')
        self.assertIn('"overall_score":', r.stdout)
        out = json.loads(r.stdout)
        # show answers the newest stored score: the one just calculated
        self.assertEqual((out['overall_score'], out['risk_level'], out['calculated_at']),
                         (calculated['overall_score'], calculated['risk_level'],
                          calculated['calculated_at']))
        self.assertEqual(out['model_version'], 'rules-1')
        self.assertEqual(out['claim_version'], 1)
        self.cli('risk', 'calculate', '7', rc=4)
        # --all: every claim that is not void, optionally of one payer
        out = json.loads(self.cli('--json', 'risk', 'calculate', '--all').stdout)
        self.assertEqual(out['claims_scored'], 2)
        self.assertIsNone(out['payer_id'])
        self.assertEqual(sorted(out['risk_levels']), ['critical', 'high', 'low', 'medium'])
        self.assertEqual(sum(out['risk_levels'].values()), 2)
        out = json.loads(self.cli('--json', 'risk', 'calculate', '--all', '--payer', '1').stdout)
        self.assertEqual((out['claims_scored'], out['payer_id']), (2, 1))
        self.assertEqual(self.q('SELECT claim_id, count(*) FROM risk_scores GROUP BY 1'),
                         [(1, 3), (2, 2)])
        self.assertRegex(self.cli('risk', 'calculate', '--all').stdout,
                         r'^Scored 2 claims: \d+ low, \d+ medium, \d+ high, \d+ critical\n$')
        self.assertEqual(self.cli('-q', 'risk', 'calculate', '--all').stdout, '')
        r = self.cli('risk', 'calculate', '--all', '--payer', '9', rc=4)
        self.assertEqual(r.stderr.strip(), 'claims: risk: payer 9 not found')
        self.cli('risk', 'calculate', '--all', '--payer', 'x', rc=2)
        self.cli('risk', 'calculate', '--all', '1', rc=2)
        r = run_cli('--db', self.db, 'risk', 'calculate', '1',
                    env={'RISK_WEIGHT_PAYER': '0', 'RISK_WEIGHT_CODING': '0',
                         'RISK_WEIGHT_DOC': '0', 'RISK_WEIGHT_HISTORICAL': '0',
                         'RISK_WEIGHT_PATTERN': '0'})
        self.assertEqual(r.returncode, 78)

        out = json.loads(self.cli('--json', 'patterns', 'detect', '--payer', '1',
                                  '--days', '365').stdout)
        self.assertEqual(out['payer_id'], 1)
        self.assertEqual(out['patterns_detected'], 0)  # payment dates are in 2024
        out = json.loads(self.cli('--json', 'patterns', 'detect', '--all').stdout)
        self.assertEqual(out['payers_processed'], 1)
        self.assertEqual(out['patterns_by_payer'], {'1': 0})
        out = json.loads(self.cli('--json', 'patterns', 'list', '--payer', '1').stdout)
        self.assertEqual(out['patterns'], [])
        out = json.loads(self.cli('--json', 'patterns', 'analyze', '2').stdout)
        self.assertEqual(out, {'claim_id': 2, 'payer_id': 1, 'matching_patterns_count': 0,
                               'matching_patterns': []})
        self.cli('patterns', 'detect', '--payer', '1', '--days', '0', rc=3)
        self.cli('patterns', 'list', '--payer', '9', rc=4)


if __name__ == '__main__':
    unittest.main()
