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


if __name__ == '__main__':
    unittest.main()
