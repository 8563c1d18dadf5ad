"""Storage semantics of x12.md §9 on synthetic 5010 files: identity and
upsert, replacements and voids, remittance dedup, reversals, refusals that
leave nothing behind, standard input, parser logs tied to their claims."""
import json
import os
import sqlite3
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import x12gen as g  # noqa: E402
from harness import CLAIMS, TempDirTestCase, run_cli  # noqa: E402


class Semantics(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = self.path('s.db')
        self.n = 0

    def write(self, data):
        self.n += 1
        p = self.path(f'f{self.n}.edi')
        with open(p, 'wb') as f:
            f.write(data)
        return p

    def imp(self, data, *extra, expect_rc=0):
        r = run_cli('--db', self.db, '--json', 'import', *extra, self.write(data))
        self.assertEqual(r.returncode, expect_rc, r.stderr + r.stdout)
        return json.loads(r.stdout)['files'][0]

    def stored_bytes(self, file_id):
        rows = self.q('SELECT data FROM ingest_file_chunks WHERE ingest_file_id = ? ORDER BY seq',
                      file_id)
        return b''.join(r[0] for r in rows)

    def q(self, sql, *args):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def test_several_claims_under_one_subscriber(self):
        data = g.file_837([({}, [g.claim('A1', '100', [('99213', '100')]),
                                 g.claim('A2', '50', [('99212', '50')]),
                                 g.claim('A3', '75', [('99211', '75')])])])
        f = self.imp(data)
        self.assertEqual(f['counts']['claims_created'], 3)
        rows = self.q('SELECT claim_control_number, total_charge_cents FROM claims ORDER BY id')
        self.assertEqual(rows, [('A1', 10000), ('A2', 5000), ('A3', 7500)])
        self.assertEqual(self.q('SELECT count(*) FROM claim_lines')[0][0], 3)
        self.assertEqual(self.q('SELECT count(*) FROM claim_history')[0][0], 3)

    def test_resubmission_and_key_reuse(self):
        self.imp(g.file_837([({}, [g.claim('B1', '100', [('99213', '100')])])]))
        # Same identity, same content, in another envelope: unchanged.
        f = self.imp(g.file_837([({}, [g.claim('B1', '100', [('99213', '100')])])], icn='000000002'))
        self.assertEqual(f['counts']['claims_unchanged'], 1)
        self.assertEqual(self.q('SELECT submission_count, version FROM claims')[0], (2, 1))
        # Other content: replaced in place, version 2, history kept.
        f = self.imp(g.file_837([({}, [g.claim('B1', '120', [('99214', '120')])])], icn='000000003'))
        self.assertEqual(f['counts']['claims_updated'], 1)
        self.assertEqual(self.q('SELECT count(*), max(version) FROM claims')[0], (1, 2))
        self.assertEqual(self.q('SELECT procedure_code FROM claim_lines')[0][0], '99214')
        self.assertEqual([r[0] for r in self.q('SELECT action FROM claim_history ORDER BY version')],
                         ['created', 'resubmitted'])
        # Another patient on the same key: CLAIM_KEY_REUSED.
        f = self.imp(g.file_837([({'member': 'OTHER', 'last': 'ROE'},
                                  [g.claim('B1', '130', [('99214', '130')])])], icn='000000004'))
        self.assertIn('CLAIM_KEY_REUSED', [i['code'] for i in f['issues']])
        self.assertEqual(self.q('SELECT count(*) FROM claims')[0][0], 1)

    def test_same_pcn_other_payer_is_another_claim(self):
        self.imp(g.file_837([({}, [g.claim('C1', '100', [('99213', '100')])]),
                             ({'payer_id': '60054', 'payer_name': 'AETNA'},
                              [g.claim('C1', '100', [('99213', '100')])])]))
        self.assertEqual(self.q('SELECT count(*) FROM claims')[0][0], 2)
        self.assertEqual(self.q('SELECT count(*) FROM payers')[0][0], 2)

    def test_replacement_and_void(self):
        self.imp(g.file_837([({}, [g.claim('D1', '100', [('99213', '100')])])]))
        f = self.imp(g.file_837([({}, [g.claim('D1', '90', [('99213', '90')], freq='7',
                                                icn_ref='PAYERICN1')])], icn='000000002'))
        self.assertEqual(f['counts']['claims_updated'], 1)
        self.assertEqual(self.q('SELECT version, submission_count, claim_frequency_type, '
                                'total_charge_cents, original_reference_number FROM claims')[0],
                         (2, 1, '7', 9000, 'PAYERICN1'))
        f = self.imp(g.file_837([({}, [g.claim('D1', '90', [('99213', '90')], freq='8',
                                                icn_ref='PAYERICN1')])], icn='000000003'))
        self.assertEqual(f['counts']['claims_voided'], 1)
        row = self.q('SELECT status, voided_at IS NOT NULL, version, claim_frequency_type FROM claims')[0]
        self.assertEqual(row, ('void', 1, 3, '8'))
        self.assertEqual(self.q('SELECT count(*) FROM claim_lines')[0][0], 1)
        self.assertEqual([r[0] for r in self.q('SELECT action FROM claim_history ORDER BY version')],
                         ['created', 'replaced', 'voided'])

    def test_void_without_original(self):
        f = self.imp(g.file_837([({}, [g.claim('E1', '50', [('99213', '50')], freq='8',
                                                icn_ref='X1')])]))
        self.assertEqual(f['counts']['claims_created'], 1)
        self.assertIn('ORIGINAL_CLAIM_NOT_FOUND', [i['code'] for i in f['issues']])
        self.assertEqual(self.q('SELECT status FROM claims')[0][0], 'void')

    def test_reversal_then_corrected_payment_and_dedup(self):
        first = g.file_835([g.payment('F1', '1', '100', '80', resp='20', icn='ICN9',
                                      cas=[('PR', '2', '20')])], '80')
        f = self.imp(first)
        self.assertEqual(f['counts']['remittances_created'], 1)
        rev = g.file_835([g.payment('F1', '22', '-100', '-80', resp='-20', icn='ICN9',
                                    cas=[('PR', '2', '-20')]),
                          g.payment('F1', '1', '100', '90', resp='10', icn='ICN9',
                                    cas=[('PR', '2', '10')])], '10', trace='TRACE2')
        f = self.imp(rev)
        self.assertEqual(f['counts']['remittances_created'], 2)
        self.assertEqual([r[0] for r in self.q('SELECT claim_status_code FROM remittances ORDER BY id')],
                         ['1', '22', '1'])
        # The same ERA in a new envelope adds nothing.
        f = self.imp(g.file_835([g.payment('F1', '1', '100', '80', resp='20', icn='ICN9',
                                           cas=[('PR', '2', '20')])], '80', icn='000000777'))
        self.assertEqual(f['status'], 'ingested')
        self.assertEqual(f['counts']['remittances_unchanged'], 1)
        self.assertEqual(self.q('SELECT count(*) FROM remittances')[0][0], 3)

    def test_two_identical_payments_in_one_check_stay_two(self):
        p = g.payment('G1', '1', '10', '10', icn='ICN1')
        f = self.imp(g.file_835([p, list(p)], '20'))
        self.assertEqual(f['counts']['remittances_created'], 2)

    def test_secondary_payment_levels(self):
        # Balanced: 100 - 30 = 10 (claim CAS) + 60 (line CAS); 30 = 40 (SVC03) - 10.
        f = self.imp(g.file_835([g.payment('H1', '2', '100', '30', resp='0', icn='ICN2',
                                           cas=[('OA', '23', '10')],
                                           services=[('99213', '100', '40', [('CO', '45', '60')])])],
                                '30'))
        self.assertEqual(f['counts']['adjustments'], 2)
        self.assertEqual(self.q('SELECT level, group_code, reason_code, amount_cents FROM adjustments '
                                'ORDER BY id'),
                         [('claim', 'OA', '23', 1000), ('service', 'CO', '45', 6000)])
        self.assertEqual([i['code'] for i in f['issues'] if i['code'].startswith('BAL_')], [])

    def test_refused_file_leaves_only_its_record(self):
        f = self.imp(b'GS*HC*X*Y*20240101*1200*1*X*005010X222A1~ST*837*1~SE*2*1~', expect_rc=3)
        self.assertEqual(f['error']['code'], 'NO_ISA')
        self.assertEqual(self.q('SELECT status, error_code FROM ingest_files'), [('refused', 'NO_ISA')])
        self.assertEqual(self.q('SELECT count(*) FROM claims')[0][0], 0)
        self.assertEqual(self.q('SELECT issue_type FROM parser_logs'), [('NO_ISA',)])

    def test_empty_and_binary_files(self):
        f = self.imp(b'', expect_rc=3)
        self.assertEqual(f['error']['code'], 'EMPTY_FILE')
        f = self.imp(b'\xef\xbb\xbf \r\n\t', expect_rc=3)
        self.assertEqual(f['error']['code'], 'EMPTY_FILE')
        f = self.imp(bytes(range(256)) * 4, expect_rc=3)
        self.assertEqual(f['status'], 'refused')

    def test_file_too_large_writes_nothing(self):
        data = g.file_837([({}, [g.claim('I1', '10', [('99213', '10')])])])
        r = run_cli('--db', self.db, '--json', 'import', self.write(data),
                    env={'MAX_FILE_BYTES': '100'})
        self.assertEqual(r.returncode, 3, r.stderr)
        f = json.loads(r.stdout)['files'][0]
        self.assertEqual(f['error']['code'], 'FILE_TOO_LARGE')
        self.assertEqual(self.q('SELECT count(*) FROM ingest_files')[0][0], 0)
        self.assertEqual(self.q('SELECT count(*) FROM parser_logs')[0][0], 0)

    def test_refused_then_fixed_bytes_are_processed_again(self):
        bad = b'ISA*00*bad'
        f = self.imp(bad, expect_rc=3)
        again = self.imp(bad, expect_rc=3)
        self.assertEqual(again['ingest_file_id'], f['ingest_file_id'])
        self.assertEqual(self.q('SELECT attempt_count FROM ingest_files')[0][0], 2)
        self.assertEqual(self.q('SELECT count(*) FROM parser_logs')[0][0], 1)

    def test_stdin(self):
        data = g.file_837([({}, [g.claim('J1', '10', [('99213', '10')])])])
        r = subprocess.run([CLAIMS, '--db', self.db, '--json', 'import', '-'], input=data,
                           capture_output=True, env=dict(os.environ, CLAIMS_ENV_FILE=os.devnull))
        self.assertEqual(r.returncode, 0, r.stderr)
        f = json.loads(r.stdout)['files'][0]
        self.assertEqual((f['filename'], f['counts']['claims_created']), ('stdin', 1))
        self.assertEqual(self.q('SELECT filename, size_bytes FROM ingest_files')[0],
                         ('stdin', len(data)))
        self.assertEqual(self.stored_bytes(1), data)

    def test_cli_writes_bump_the_write_epoch(self):
        epoch = lambda: int(self.q("SELECT value FROM meta WHERE key = 'write_epoch'")[0][0])
        data = g.file_837([({}, [g.claim('E1', '10', [('99213', '10')])])])
        self.imp(data)
        after_837 = epoch()
        self.assertGreater(after_837, 0)
        run_cli('--db', self.db, 'migrate', '--status')  # reads only
        self.assertEqual(epoch(), after_837)
        self.assertEqual(self.imp(data)['status'], 'duplicate')  # writes nothing
        self.assertEqual(epoch(), after_837)
        self.imp(g.file_835([g.payment('E1', '1', '10', '10')], '10'))
        self.assertGreater(epoch(), after_837)

    def test_bytes_and_hash_kept(self):
        import hashlib
        data = g.file_837([({}, [g.claim('K1', '10', [('99213', '10')])])])
        self.imp(data)
        self.assertEqual(self.q('SELECT sha256 FROM ingest_files')[0][0],
                         hashlib.sha256(data).hexdigest())
        self.assertEqual(self.stored_bytes(1), data)

    def test_large_file_stored_in_chunks(self):
        claims = [g.claim(f'M{i}', '10', [('99213', '10')]) for i in range(12000)]
        data = g.file_837([({}, claims)])
        self.assertGreater(len(data), 1048576)
        f = self.imp(data)
        self.assertEqual(f['counts']['claims_created'], 12000)
        sizes = [r[0] for r in self.q('SELECT length(data) FROM ingest_file_chunks '
                                      'WHERE ingest_file_id = ? ORDER BY seq', f['ingest_file_id'])]
        self.assertEqual(sizes[:-1], [1048576] * (len(sizes) - 1))
        self.assertEqual(sum(sizes), len(data))
        self.assertEqual(self.stored_bytes(f['ingest_file_id']), data)

    def test_issues_tied_to_their_claim(self):
        c = g.claim('L1', '100', [('99213', '60')])  # BAL_837_CLAIM: 100 vs 60
        f = self.imp(g.file_837([({}, [c])]))
        rows = self.q("SELECT p.claim_id, p.claim_control_number, c.id FROM parser_logs p "
                      "JOIN claims c ON c.claim_control_number = 'L1' "
                      "WHERE p.issue_type = 'BAL_837_CLAIM'")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], rows[0][2])
        self.assertEqual(rows[0][1], 'L1')
        warnings = json.loads(self.q("SELECT parsing_warnings FROM claims")[0][0])
        self.assertEqual([w['code'] for w in warnings], ['BAL_837_CLAIM'])
        self.assertEqual(warnings[0]['details'], {'expected': 60.0, 'actual': 100.0,
                                                  'difference': 40.0})

    def test_unclosed_set_stores_nothing_of_it(self):
        good = g.file_837([({}, [g.claim('M1', '10', [('99213', '10')])])]).decode()
        # Cut the file after the last CLM's line: no SE, GE, IEA.
        cut = good[:good.index('SE*')]
        f = self.imp(cut.encode(), expect_rc=3)
        self.assertEqual(f['error']['code'], 'NO_TRANSACTIONS')
        self.assertEqual(self.q('SELECT count(*) FROM claims')[0][0], 0)

    def test_unclosed_second_set_keeps_first_and_its_issues(self):
        one = g.claim('N1', '10', [('99213', '10')])
        two = g.claim('N2', '100', [('99213', '60')])  # BAL_837_CLAIM, stored then rolled back
        three = g.claim('N3', '20', [('99213', '20')])
        text = g.file_837([({}, [one])]).decode()
        text2 = g.file_837([({}, [two, three])]).decode()
        st2 = text2[text2.index('ST*'):text2.index('SE*')].replace('ST*837*0001', 'ST*837*0002')
        ge = text.index('GE*')
        data = (text[:ge] + st2 + text[ge:]).encode()  # second ST has no SE
        f = self.imp(data)
        self.assertEqual(f['status'], 'ingested')
        self.assertEqual(f['counts']['claims_created'], 1)
        self.assertEqual(f['counts']['claims_parsed'], 1)
        self.assertEqual(f['counts']['transactions_skipped'], 1)
        self.assertEqual(self.q('SELECT claim_control_number FROM claims'), [('N1',)])
        codes = [r[0] for r in self.q('SELECT issue_type FROM parser_logs ORDER BY id')]
        self.assertIn('MISSING_SE', codes)
        self.assertIn('BAL_837_CLAIM', codes)
        self.assertEqual(self.q('SELECT count(*) FROM parser_logs WHERE claim_id IS NOT NULL'), [(0,)])


if __name__ == '__main__':
    unittest.main(verbosity=2)
