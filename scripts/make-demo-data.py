#!/usr/bin/env python3
"""Write a small set of synthetic 5010 837P and 835 files for the demo
server: a few claims across two payers, their payments (one denied, one
reversal with its correction), and a replacement claim.

Usage: make-demo-data.py OUTPUT_DIR
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'tests', 'integration'))
import x12gen as g  # noqa: E402


def main(out):
    os.makedirs(out, exist_ok=True)
    claims = g.file_837([
        ({}, [g.claim('DEMO-1001', '150', [('99213', '150')]),
              g.claim('DEMO-1002', '320', [('99214', '220'), ('93000', '100')], dx=('I10', 'E119'))]),
        ({'member': 'MEMBER2', 'last': 'ROE', 'first': 'RICHARD'},
         [g.claim('DEMO-1003', '95', [('97530', '95')], dx=('M545',))]),
        ({'member': 'MEMBER3', 'last': 'POE', 'first': 'ANNA', 'payer_id': '60054',
          'payer_name': 'AETNA'},
         [g.claim('DEMO-1004', '480', [('97530', '240'), ('97110', '240')], dx=('M545',))]),
    ])
    payments = g.file_835([
        g.payment('DEMO-1001', '1', '150', '120', resp='30', icn='PAYER-A1',
                  services=[('99213', '150', '120', [('PR', '2', '30')])]),
        g.payment('DEMO-1003', '4', '95', '0', icn='PAYER-A3',
                  services=[('97530', '95', '0', [('CO', '50', '95')])]),
        g.payment('DEMO-1002', '1', '320', '250', resp='70', icn='PAYER-A2',
                  services=[('99214', '220', '170', [('PR', '1', '50')]),
                            ('93000', '100', '80', [('PR', '2', '20')])]),
        g.payment('DEMO-1002', '22', '-320', '-250', resp='-70', icn='PAYER-A2',
                  services=[('99214', '-220', '-170', [('PR', '1', '-50')]),
                            ('93000', '-100', '-80', [('PR', '2', '-20')])]),
        g.payment('DEMO-1002', '1', '320', '260', resp='60', icn='PAYER-A2',
                  services=[('99214', '220', '180', [('PR', '1', '40')]),
                            ('93000', '100', '80', [('PR', '2', '20')])]),
    ], '380')
    replacement = g.file_837([
        ({'member': 'MEMBER2', 'last': 'ROE', 'first': 'RICHARD'},
         [g.claim('DEMO-1003', '95', [('97530', '95')], freq='7', icn_ref='PAYER-A3',
                  dx=('M5450',))]),
    ], icn='000000002')
    for name, data in [('1-claims.837', claims), ('2-payments.835', payments),
                       ('3-replacement.837', replacement)]:
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
