"""Every real file of the shared corpus through `claims import`, each into a
fresh database, against the numbers of corpus/README.md and spec/x12.md §11.

Numbers here are the README's, written out by hand: the test does not
recompute them with a second parser.
"""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import TempDirTestCase, run_cli  # noqa: E402

CORPUS = os.environ.get('CLAIMS_CORPUS_DIR',
                        os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'corpus'))

# file: expected counts (money as strings with two decimals, as the JSON has them)
# env = (interchanges, groups, transactions)
P837 = {
    '837p/stupidedi_commercial-health-insurance.edi':
        dict(env=(1, 1, 1), claims=1, charge='100.00', lines=4, line_total='100.00', bal=0),
    '837p/stupidedi_COB-claim-from-billing-provider-to-payer-b.edi':
        dict(claims=1, charge='79.04', lines=3, line_total='79.04', bal=0),
    '837p/moov_837p_sample.txt':
        dict(claims=8, charge='1771.96', lines=11, line_total='1771.96', bal=0,
             created=7, unchanged=1),
    '837p/imsweb_x12_multiple_st.txt':
        dict(env=(1, 1, 2), claims=4, charge='2000.00', lines=4, line_total='49.00',
             codes={'GE_COUNT', 'SE_COUNT', 'BAL_837_CLAIM'}),
    '837p/imsweb_x12_multiple_gs.txt':
        dict(env=(1, 3, 3), claims=6, charge='3000.00', line_total='73.50',
             codes={'IEA_COUNT', 'SE_COUNT', 'BAL_837_CLAIM'}),
    '837p/imsweb_x12_multiple_isa.txt':
        dict(env=(2, 2, 2), claims=4, charge='2000.00', line_total='49.00',
             codes={'SE_COUNT', 'BAL_837_CLAIM'}),
    '837p/imsweb_x12_valid_different_separators.txt':
        dict(claims=2, charge='1000.00', line_total='24.50', codes={'SE_COUNT'}),
    '837p/imsweb_x12_many_claims.txt':
        dict(env=(1, 1, 1), claims=820, charge='410000.00', lines=820, line_total='10045.00',
             created=2, unchanged=818, codes={'SE_COUNT'}),
    '837p/imsweb_x12_multiple_transactions.txt':
        dict(env=(312, 312, 312), claims=624, charge='312000.00', lines=624,
             line_total='7644.00', created=2, unchanged=622, se_count=312),
    '837p/oopfactory_ST1309-XX.txt':
        dict(claims=1, charge='360.00', lines=2, line_total='360.00', bal=0),
    '837i/stupidedi_837-institutional-claim.edi':
        dict(claims=1, charge='89.93', lines=2, line_total='89.93', bal=0, type='837I'),
    '837i/stupidedi_two-claims-for-the-same-provider.edi':
        dict(claims=2, charge='139.95', lines=3, line_total='139.95', bal=0, type='837I'),
    '837i/imsweb_x223-test.txt':
        dict(claims=1, charge='500.00', lines=1, line_total='73.42', bal=1, type='837I',
             codes={'SE_COUNT'}),
    '837i/pyx12_simple_837i_replacements.txt':
        dict(claims=2, charge='0.00', lines=6, line_total='0.00', bal=0, type='837I',
             codes={'ORIGINAL_CLAIM_NOT_FOUND'}),
    '837i/oopfactory_4010_Batch1.txt':
        dict(env=(1, 1, 54), claims=54, charge='139148.17', lines=182,
             line_total='191776.29', type='837I'),
}

R835 = {
    '835/stupidedi_dollars-and-data-sent-together.edi':
        dict(remits=2, charge='226366.97', paid='149998.73', bpr='150000.00', plb='-1.27'),
    '835/stupidedi_multiple-claims-single-check.edi':
        dict(remits=9, charge='2819.00', paid='810.80', resp='970.20', bpr='810.80', svc=33,
             created=9),
    '835/stupidedi_secondary-payments.edi':
        dict(remits=2, charge='11075.14', paid='1222.00', bpr='1222.00'),
    '835/stupidedi_secondary-payment-with-higher-fee-schedule.edi':
        dict(remits=1, charge='541.00', paid='34.00', bpr='34.00'),
    '835/moov_835_sample1.txt':
        dict(remits=2, charge='770.41', paid='0.00', resp='770.40', bpr='-12346.90',
             plb='12346.90', bal_codes={'BAL_835_CLAIM', 'BAL_835_SVC_PAID'}),
    '835/keiron_united_healthcare_legacy_sample.txt':
        dict(remits=2, charge='1157.52', paid='349.99', resp='220.39', bpr='349.99'),
    '835/keiron_emedny_sample.txt':
        dict(remits=3, charge='102.50', paid='45.75', svc=10, bpr='45.75'),
    '835/tastypackets_multi-line-not-delimited.edi':
        dict(remits=3, charge='102.50', paid='45.75', svc=10, bpr='45.75'),
    '835/tastypackets_profee-multiple.edi':
        dict(env=(156, 156, 156), remits=468, svc=1560, charge='15990.00', paid='7137.00',
             bpr='7137.00', created=3, unchanged=465),
    '835/pyx12_835id_reversals.txt':
        dict(remits=3, charge='-510.25', paid='-510.25', bpr='5950.21', plb='-977.94',
             bal_codes={'BAL_835_TRANSACTION'}),
    '835/oopfactory_4010_Example1_GripElements.txt':
        dict(remits=9, charge='439.99', paid='5.75', resp='203.00', bpr='5.75', plb='-1.27',
             bal_codes={'BAL_835_TRANSACTION'}),
}

BAL_835 = {'BAL_835_CLAIM', 'BAL_835_LINE', 'BAL_835_SVC_PAID', 'BAL_835_TRANSACTION'}


def import_json(db, path, *extra):
    r = run_cli('--db', db, '--json', 'import', *extra, path)
    doc = json.loads(r.stdout)
    return r, doc['files'][0]


class CorpusIngest(TempDirTestCase):
    maxDiff = None

    def ingest(self, rel, *extra, db=None):
        path = os.path.join(CORPUS, rel)
        self.last_db = db or self.path(rel.replace('/', '_') + '.db')
        r, f = import_json(self.last_db, path, *extra)
        return r, f

    def stored_codes(self, f):
        """Every issue code stored for the file (parser_logs), in file order; the
        linking logs written after the file's sets (engine.md §1.2) are not issues."""
        con = sqlite3.connect(self.last_db)
        try:
            rows = con.execute("SELECT issue_type FROM parser_logs WHERE ingest_file_id = ? "
                               "AND issue_type NOT IN ('LINK_NO_MATCH', 'LINK_AMBIGUOUS', "
                               "'REVERSAL_WITHOUT_ORIGINAL') ORDER BY json_extract(details, '$.segment_index'), id",
                               (f['ingest_file_id'],)).fetchall()
        finally:
            con.close()
        self.assertEqual(len(rows), f['issues_total'])
        return [r[0] for r in rows]

    def codes(self, f):
        self.assertEqual(f['issues_total'], len(f['issues']), 'more than 100 issues: ' + f['filename'])
        return [i['code'] for i in f['issues']]

    def test_837_files(self):
        for rel, exp in P837.items():
            with self.subTest(file=rel):
                r, f = self.ingest(rel)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(f['status'], 'ingested')
                self.assertEqual(f['detected_type'], exp.get('type', '837P'))
                c = f['counts']
                if 'env' in exp:
                    self.assertEqual((c['interchanges'], c['groups'], c['transactions']), exp['env'])
                self.assertEqual(c['claims_parsed'], exp['claims'])
                self.assertEqual(f'{c["total_charge"]:.2f}', exp['charge'])
                self.assertEqual(f'{c["line_charge_total"]:.2f}', exp['line_total'])
                if 'lines' in exp:
                    self.assertEqual(c['claim_lines'], exp['lines'])
                if 'created' in exp:
                    self.assertEqual(c['claims_created'], exp['created'])
                    self.assertEqual(c['claims_unchanged'], exp.get('unchanged', 0))
                self.assertEqual(c['claims_created'] + c['claims_updated'] + c['claims_voided'] +
                                 c['claims_unchanged'], c['claims_parsed'])
                codes = self.stored_codes(f)
                if 'bal' in exp:
                    self.assertEqual(codes.count('BAL_837_CLAIM'), exp['bal'])
                for code in exp.get('codes', ()):
                    self.assertIn(code, codes)
                if 'se_count' in exp:
                    self.assertEqual(codes.count('SE_COUNT'), exp['se_count'])

    def test_835_files(self):
        for rel, exp in R835.items():
            with self.subTest(file=rel):
                r, f = self.ingest(rel)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(f['status'], 'ingested')
                self.assertEqual(f['detected_type'], '835')
                c = f['counts']
                if 'env' in exp:
                    self.assertEqual((c['interchanges'], c['groups'], c['transactions']), exp['env'])
                self.assertEqual(c['remittances_parsed'], exp['remits'])
                self.assertEqual(f'{c["total_charge"]:.2f}', exp['charge'])
                self.assertEqual(f'{c["total_paid"]:.2f}', exp['paid'])
                self.assertEqual(f'{c["bpr_total"]:.2f}', exp['bpr'])
                self.assertEqual(f'{c["plb_total"]:.2f}', exp.get('plb', '0.00'))
                if 'resp' in exp:
                    self.assertEqual(f'{c["total_patient_responsibility"]:.2f}', exp['resp'])
                if 'svc' in exp:
                    self.assertEqual(c['service_lines'], exp['svc'])
                self.assertEqual(c['remittances_created'], exp.get('created', exp['remits']))
                self.assertEqual(c['remittances_unchanged'], exp.get('unchanged', 0))
                codes = set(self.stored_codes(f))
                self.assertEqual(codes & BAL_835, exp.get('bal_codes', set()))

    def test_same_bytes_twice_is_a_duplicate(self):
        db = self.path('dup.db')
        rel = '837p/moov_837p_sample.txt'
        _, first = self.ingest(rel, db=db)
        r, again = self.ingest(rel, db=db)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(again['status'], 'duplicate')
        self.assertEqual(again['ingest_file_id'], first['ingest_file_id'])
        self.assertEqual(again['counts'], first['counts'])
        r = run_cli('--db', db, 'import', os.path.join(CORPUS, rel))
        self.assertEqual(r.stdout.strip(), f'{os.path.join(CORPUS, rel)}: duplicate of file '
                         f'#{first["ingest_file_id"]}, nothing changed')

    def test_lf_terminated_copy_adds_nothing(self):
        db = self.path('emedny.db')
        self.ingest('835/keiron_emedny_sample.txt', db=db)
        _, f = self.ingest('835/tastypackets_multi-line-not-delimited.edi', db=db)
        self.assertEqual(f['status'], 'ingested')
        self.assertEqual(f['counts']['remittances_created'], 0)
        self.assertEqual(f['counts']['remittances_unchanged'], 3)

    def test_refusals(self):
        r, f = self.ingest('bad/imsweb_x12_no_isa_line.txt')
        self.assertEqual(r.returncode, 3)
        self.assertEqual(f['status'], 'refused')
        self.assertEqual(f['error']['code'], 'NO_ISA')
        r, f = self.ingest('bad/pyx12_837miss_truncated.txt')
        self.assertEqual(r.returncode, 3)
        self.assertEqual(f['error']['code'], 'NO_TRANSACTIONS')
        self.assertIn('MISSING_SE', self.codes(f))
        self.assertEqual(f['counts']['claims_created'], 0)

    def test_strict_refuses_what_tolerant_reads(self):
        for rel, code, tolerant in [
                ('bad/imsweb_x12_bad_first_line.txt', 'ISA_LENGTH', dict(claims=2, charge='1000.00')),
                ('bad/stupidedi_4010_835_case1.edi', 'ISA_LENGTH', dict(remits=1, paid='20.61')),
                ('bad/stupidedi_5010_835_case1.edi', 'PREAMBLE_SKIPPED', dict(remits=2)),
                ('bad/tastypackets_errorISA.edi', 'ISA_IEA_MISMATCH', dict(remits=2, paid='1481.99')),
                ('bad/keiron_blue_cross_nc_sample.txt', 'MISSING_ENVELOPE', dict(remits=1, paid='1922.86')),
        ]:
            with self.subTest(file=rel):
                r, f = self.ingest(rel)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(f['status'], 'ingested')
                self.assertIn(code, self.codes(f))
                c = f['counts']
                if 'claims' in tolerant:
                    self.assertEqual(c['claims_parsed'], tolerant['claims'])
                    self.assertEqual(f'{c["total_charge"]:.2f}', tolerant['charge'])
                if 'remits' in tolerant:
                    self.assertEqual(c['remittances_parsed'], tolerant['remits'])
                if 'paid' in tolerant:
                    self.assertEqual(f'{c["total_paid"]:.2f}', tolerant['paid'])
                r, f = import_json(self.path('strict-' + os.path.basename(rel) + '.db'),
                                   os.path.join(CORPUS, rel), '--strict')
                self.assertEqual(r.returncode, 3)
                self.assertEqual(f['status'], 'refused')
                self.assertEqual(f['counts']['claims_created'] + f['counts']['remittances_created'], 0)

    def test_preamble_bytes(self):
        for rel, n in [('bad/stupidedi_5010_835_case1.edi', 474),
                       ('bad/stupidedi_5010_835_case3a.edi', 472)]:
            with self.subTest(file=rel):
                _, f = self.ingest(rel)
                pre = [i for i in f['issues'] if i['code'] == 'PREAMBLE_SKIPPED']
                self.assertEqual(len(pre), 1)
                self.assertEqual(pre[0]['details'], {'bytes': n})

    def test_wrong_type(self):
        r, f = self.ingest('835/keiron_emedny_sample.txt', '--type', '837')
        self.assertEqual(r.returncode, 3)
        self.assertEqual(f['error']['code'], 'WRONG_FILE_TYPE')
        r, f = self.ingest('837p/moov_837p_sample.txt', '--type', '835')
        self.assertEqual(f['error']['code'], 'WRONG_FILE_TYPE')

    def test_text_summary_lines(self):
        db = self.path('text.db')
        p = os.path.join(CORPUS, '837p/moov_837p_sample.txt')
        r = run_cli('--db', db, 'import', p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r'^.*moov_837p_sample.txt: 837P, 8 claims \(7 created, 0 updated, '
                         r'0 voided, 1 unchanged\), 11 lines, \d+ warnings, \d+ errors\n$')
        bad = os.path.join(CORPUS, 'bad/imsweb_x12_no_isa_line.txt')
        r = run_cli('--db', db, 'import', bad, p)
        self.assertEqual(r.returncode, 3)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2)
        self.assertIn(': refused: NO_ISA: ', lines[0])
        self.assertIn('duplicate of file', lines[1])


if __name__ == '__main__':
    unittest.main(verbosity=2)
