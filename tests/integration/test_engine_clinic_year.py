"""A clinic's year through the real loader and the engine.

clinic_year.py plans a year of claims and payments with planted payer
profiles and writes them as 837P, 837I and 835 files.  They are loaded
with `claims import` into a real database file; then every episode, every
claim status and the patterns `claims patterns detect` learns are compared
with what the generator planted (engine.md §1 and §4), never with the
engine's own answers.
"""
import collections
import datetime
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import clinic_year as cy  # noqa: E402
from harness import TempDirTestCase, run_cli  # noqa: E402


class ClinicYear(TempDirTestCase):
    @classmethod
    def setUpClass(cls):
        cls.today = datetime.datetime.now(datetime.timezone.utc).date()
        cls.year = cy.ClinicYear(seed=20240607, n_claims=2400,
                                 end=cls.today - datetime.timedelta(days=1))

    def setUp(self):
        super().setUp()
        self.db = self.path('year.db')
        os.mkdir(self.path('files'))
        self.paths = self.year.write(self.path('files'))
        r = run_cli('--db', self.db, '--json', 'import', *self.paths, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr[-2000:])
        self.files = json.loads(r.stdout)['files']
        self.con = sqlite3.connect(self.db)
        self.payer_ids = dict(self.q('SELECT payer_id, id FROM payers'))

    def tearDown(self):
        self.con.close()
        super().tearDown()

    def q(self, sql, *args):
        return self.con.execute(sql, args).fetchall()

    def cli_json(self, *args):
        r = run_cli('--db', self.db, '--json', *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def db_payer(self, letter):
        return self.payer_ids[cy.PAYERS[letter]['pid']]

    # ------------------------------------------------------------ the load

    def check_load(self):
        y = self.year
        self.assertEqual([f['status'] for f in self.files], ['ingested'] * len(self.paths))
        self.assertEqual(self.q("SELECT issue_type, count(*) FROM parser_logs "
                                "WHERE log_level = 'error' GROUP BY 1"), [])
        # Warnings: only the reversals loaded before the payment they reverse.
        early_rev = [r for r in y.remits if r.reverses is not None and
                     r.reverses.check == y.late_check]
        self.assertGreater(len(early_rev), 0)
        self.assertEqual(self.q("SELECT issue_type, count(*) FROM parser_logs "
                                "WHERE log_level = 'warning' GROUP BY 1"),
                         [('REVERSAL_WITHOUT_ORIGINAL', len(early_rev))])
        # Payments met no claim: another clinic's, and those of the 837 file
        # loaded late (its claims link their waiting payments by exact CLM01
        # when they come, engine.md §1.1; Medicaid's truncated CLP01 waits for
        # `claims link --all`).
        late = [r for r in y.remits if r.claim is not None and r.claim.no_chains]
        late_trunc = [r for r in late if r.pcn != r.claim.pcn]
        foreign = [r for r in y.remits if r.claim is None]
        self.assertGreater(len(late), 10)
        self.assertGreater(len(late_trunc), 0)
        self.assertEqual(self.q("SELECT count(*) FROM parser_logs "
                                "WHERE issue_type = 'LINK_NO_MATCH'"),
                         [(len(foreign) + len(late),)])
        self.assertEqual(self.q("SELECT status, count(*) FROM remittances "
                                "WHERE status <> 'processed' GROUP BY 1"),
                         [('unmatched', len(foreign) + len(late_trunc))])
        out = self.cli_json('link', '--all')
        self.assertEqual(out, {'remittances': len(foreign) + len(late_trunc),
                               'linked': len(late_trunc), 'already_linked': 0,
                               'ambiguous': 0, 'unmatched': len(foreign)})
        self.assertEqual(self.q('SELECT count(*) FROM claims'), [(len(y.claims),)])
        self.assertEqual(self.q('SELECT count(*) FROM remittances'), [(len(y.remits),)])
        self.assertEqual(self.q('SELECT count(*) FROM claim_episodes'),
                         [(len(y.remits) - len(foreign),)])
        # what the year holds, so that every case below is really exercised
        kinds = collections.Counter()
        for r in y.remits:
            kinds[r.clp02] += 1
        for clp02 in ('1', '2', '4', '19', '22'):
            self.assertGreater(kinds[clp02], 5, clp02)
        self.assertGreater(sum(1 for c in y.claims if c.freq == '7'), 10)
        self.assertGreater(sum(1 for c in y.claims if c.freq == '8'), 3)
        self.assertGreater(sum(1 for c in y.claims if c.kind == 'I'), 50)

    # ------------------------------------------------------------ episodes and claims

    def check_episodes(self):
        y = self.year
        rows = self.q(
            'SELECT r.id, r.check_number, r.payer_claim_control_number, r.claim_status_code, '
            'r.status, e.id, e.status, e.link_method, e.payment_amount_cents, e.denial_count, '
            'e.adjustment_count, e.reversed_by_episode_id, c.claim_control_number, '
            'c.claim_frequency_type FROM remittances r '
            'LEFT JOIN claim_episodes e ON e.remittance_id = r.id '
            'LEFT JOIN claims c ON c.id = e.claim_id ORDER BY r.id')
        by_key = {(row[1], row[2], row[3]): row for row in rows}
        self.assertEqual(len(by_key), len(y.remits))
        ep_of = {}
        for r in y.remits:
            row = by_key[r.key]
            ep_of[id(r)] = row[5]
        seqs = sorted(y.remits, key=lambda r: r.seq)
        self.assertEqual([by_key[r.key][0] for r in seqs], [row[0] for row in rows])
        for r in y.remits:
            row = by_key[r.key]
            if r.claim is None:
                self.assertEqual((row[4], row[5]), ('unmatched', None), r.key)
                continue
            method = 'control_number' if r.payer == r.claim.payer else \
                'control_number_any_payer'
            rev = ep_of[id(r.reversed_by)] if r.reversed_by is not None else None
            self.assertIsNotNone(row[5], r.key)  # the episode's id
            self.assertEqual(
                (row[4],) + tuple(row[6:]),
                ('processed', r.episode_status, method, r.paid,
                 len(r.denial_reasons), len(r.all_adjustments), rev, r.claim.pcn, r.claim.freq),
                r.key)
        statuses = collections.Counter(r.episode_status for r in y.remits if r.claim)
        self.assertEqual(dict(self.q('SELECT status, count(*) FROM claim_episodes GROUP BY 1')),
                         dict(statuses))
        self.assertGreater(statuses['denied'], 50)
        self.assertGreater(statuses['reversed'], 20)

    def check_claims(self):
        y = self.year
        rows = {pcn: (st, ver, freq) for pcn, st, ver, freq in
                self.q('SELECT claim_control_number, status, version, claim_frequency_type '
                       'FROM claims')}
        expect = {c.pcn: (y.expected_claim_status(c), c.version, c.freq) for c in y.claims}
        self.assertEqual(rows, expect)
        hist = collections.Counter(s for s, _, _ in expect.values())
        for s in ('pending', 'processed', 'denied', 'void'):
            self.assertGreater(hist[s], 3, s)
        # current episode of every claim with more than one payment
        ids = dict(self.q('SELECT claim_control_number, id FROM claims'))
        eps = dict(self.q('SELECT r.check_number || "/" || r.payer_claim_control_number || "/" '
                          '|| r.claim_status_code, e.id FROM claim_episodes e '
                          'JOIN remittances r ON r.id = e.remittance_id'))
        several = [c for c in y.claims
                   if sum(1 for r in y.remits if r.claim is c) > 1][:120]
        self.assertGreater(len(several), 60)
        for c in several:
            cur = y.current_remit(c)
            want = eps['/'.join(cur.key)] if cur else None
            got = self.cli_json('claims', 'show', str(ids[c.pcn]))
            self.assertEqual((got['status'], got.get('current_episode_id')),
                             (y.expected_claim_status(c), want), c.pcn)

    # ------------------------------------------------------------ patterns

    def patterns_of(self, letter):
        out = self.cli_json('patterns', 'list', '--payer', str(self.db_payer(letter)))
        got = {}
        for p in out['patterns']:
            got[p['denial_reason_code']] = dict(
                occurrence_count=p['occurrence_count'],
                adjudicated_count=p['adjudicated_count'], frequency=p['frequency'],
                confidence_score=p['confidence_score'], conditions=p['conditions'])
        return got

    def check_patterns(self):
        y = self.year
        out = self.cli_json('patterns', 'detect', '--all', '--days', '365')
        self.assertEqual(out['payers_processed'], 5)
        got = {letter: self.patterns_of(letter) for letter in cy.PAYERS}
        for letter in cy.PAYERS:
            self.assertEqual(got[letter], y.expected_patterns(letter, self.today, 365), letter)
        self.assertEqual(out['patterns_by_payer'],
                         {str(self.db_payer(x)): len(got[x]) for x in cy.PAYERS})
        # The clean payer and the secondary payer learn nothing; the clean
        # payer's single CO18 and its CO97 on ~2% stay under the floors.
        self.assertEqual(got['D'], {})
        self.assertEqual(got['M'], {})
        d_codes = collections.Counter(c for r in y.remits if r.payer == 'D' and r.adjudicated
                                      and r.claim for c in r.pattern_codes)
        self.assertEqual(d_codes['CO18'], 1)
        self.assertGreater(d_codes['CO97'], 2)
        # Each planted profile is found: its payer, its CARC as the most frequent
        # pattern, its procedure code first in the conditions, and a rate among the
        # eligible claims near the planted one.
        for letter, plant in cy.PLANTED.items():
            pats = got[letter]
            self.assertIn(plant['code'], pats, letter)
            top = max(pats, key=lambda c: pats[c]['frequency'])
            self.assertEqual(top, plant['code'], letter)
            p = pats[plant['code']]
            self.assertEqual(p['conditions']['procedure_codes'][0], plant['procedure'], letter)
            if 'facility' in plant:
                self.assertEqual(p['conditions']['facility_types'], [plant['facility']])
            eligible = [r for r in y.remits if r.payer == letter and r.claim and r.adjudicated
                        and plant['procedure'] in r.claim.procs and self.eligible(letter, r)]
            rate = p['occurrence_count'] / len(eligible)
            self.assertLess(abs(rate - plant['rate']), 0.08, (letter, rate, len(eligible)))
            self.assertGreater(p['frequency'], 0.05)
        # Other payers never learn another payer's planted code.
        for letter, plant in cy.PLANTED.items():
            for other in cy.PAYERS:
                if other != letter:
                    self.assertNotIn(plant['code'], got[other], (letter, other))
        # A 90-day window counts only the last 90 days of payments.
        out = self.cli_json('patterns', 'detect', '--payer', str(self.db_payer('A')),
                            '--days', '90')
        self.assertEqual(self.patterns_of('A'), y.expected_patterns('A', self.today, 90))
        self.assertLess(self.patterns_of('A')[cy.PLANTED['A']['code']]['adjudicated_count'],
                        got['A'][cy.PLANTED['A']['code']]['adjudicated_count'])

    def check_risk(self):
        """risk calculate --all scores every claim that is not void; the
        prior-auth payer's imaging claims (and only they) match its CO197
        pattern with every condition satisfied."""
        y = self.year
        out = self.cli_json('risk', 'calculate', '--all')
        live = [c for c in y.claims if not c.voided]
        self.assertEqual(out['claims_scored'], len(live))
        self.assertEqual(sum(out['risk_levels'].values()), len(live))
        c_id = self.db_payer('C')
        out = self.cli_json('risk', 'calculate', '--all', '--payer', str(c_id))
        mine = [c for c in live if c.payer == 'C']
        self.assertEqual((out['claims_scored'], out['payer_id']), (len(mine), c_id))
        conf = self.patterns_of('C')['CO197']['confidence_score']
        got = dict(self.q('SELECT c.claim_control_number, s.pattern_risk FROM risk_scores s '
                          'JOIN claims c ON c.id = s.claim_id WHERE c.payer_id = ? '
                          'AND s.id IN (SELECT max(id) FROM risk_scores GROUP BY claim_id)',
                          c_id))
        self.assertEqual(got, {c.pcn: (round(100 * conf, 2) if c.kind == 'I' else 0.0)
                               for c in mine})

    def eligible(self, letter, r):
        """Whether the remittance's claim, as first sent, met the planted trigger."""
        c = r.claim
        if letter == 'B':
            # CO16 only where the modifier was missing on the claim as adjudicated
            return any(s[0] == '97140' and not s[1] for s in r.services)
        if letter == 'C':
            return not c.prior_auth
        return True

    def test_year(self):
        self.check_load()
        self.check_episodes()
        self.check_claims()
        self.check_patterns()
        self.check_risk()


if __name__ == '__main__':
    unittest.main()
