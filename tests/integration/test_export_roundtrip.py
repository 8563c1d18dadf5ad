"""The 837 writer (spec/api.md §4.9, `claims export-837`) against the reader.

Round trip: every claim stored from the 837 files of the shared corpus, and
every generated claim, is exported with `claims export-837`, and the output
is imported with `claims import --strict` into an empty database.  The
claim stored there must have the same stored fields (spec/x12.md §6.1-§6.6:
the claims row, its billing provider and payer rows, its lines and its
diagnoses), compared column by column through the database files, since
patient fields are stored but never returned by any interface.

Issues of the output: generated claims are clean, so their output must
give no issue at all.  Corpus claims carry problems in their data (invalid
NPIs, charges that do not balance, pointers past the diagnoses, codes
outside their lists): the output may only raise codes that describe the
stored data, each of which the source file raised too (a replacement or
void raises ORIGINAL_CLAIM_NOT_FOUND in any empty database), and nothing
about envelopes or syntax.  A stored claim without CLM05 (two corpus files)
cannot be written as a complete claim: strict mode refuses its output with
MISSING_ELEMENT, as it must, and its round trip is checked in tolerant mode.
"""
import glob
import json
import os
import random
import sqlite3
import stat
import unittest

from harness import TempDirTestCase, run_cli

CORPUS = os.environ.get('CLAIMS_CORPUS_DIR',
                        os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'corpus'))

# Columns that are not stored fields of the 837 (ids, hashes, bookkeeping).
CLAIM_SKIP = {'id', 'ingest_file_id', 'provider_id', 'payer_id', 'content_sha256', 'raw_edi',
              'raw_encrypted', 'parsing_warnings', 'is_incomplete', 'version',
              'submission_count', 'created_at', 'updated_at', 'voided_at', 'practice_id'}
LINE_SKIP = {'id', 'claim_id', 'created_at', 'updated_at'}
DX_SKIP = {'id', 'claim_id'}

# Codes about the stored data itself, which the output may repeat.
DATA_CODES = {'INVALID_NPI', 'INVALID_DIAGNOSIS', 'INVALID_CODE', 'BAL_837_CLAIM',
              'MISSING_DIAGNOSIS', 'MISSING_PAYER', 'BAD_DIAGNOSIS_POINTER',
              'MISSING_ORIGINAL_REFERENCE', 'ORIGINAL_CLAIM_NOT_FOUND', 'MISSING_ELEMENT',
              'INVALID_DATE'}

# Stored claims of the corpus whose CLM05 is missing: (file, claim id).
NO_CLM05 = {('imsweb_x12_missing_elements.txt', 2), ('oopfactory_837I_Spec_3.1.1.txt', 1)}


def columns(con, table, skip):
    return [r[1] for r in con.execute(f'PRAGMA table_info({table})') if r[1] not in skip]


def stored_claim(db, claim_id):
    """Every stored field of one claim, as plain Python values."""
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    try:
        cols = ', '.join('c.' + c for c in columns(con, 'claims', CLAIM_SKIP))
        pcols = ', '.join(f'p.{c} AS provider_{c}' for c in
                          columns(con, 'providers', {'id', 'created_at', 'updated_at'}))
        ycols = ', '.join(f'y.{c} AS payer_{c}' for c in
                          columns(con, 'payers', {'id', 'created_at', 'updated_at'}))
        row = con.execute(f'SELECT {cols}, {pcols}, {ycols} FROM claims AS c '
                          'LEFT JOIN providers AS p ON p.id = c.provider_id '
                          'LEFT JOIN payers AS y ON y.id = c.payer_id WHERE c.id = ?',
                          (claim_id,)).fetchone()
        claim = dict(row)
        claim['other_payers'] = json.loads(claim['other_payers'])
        lcols = ', '.join(columns(con, 'claim_lines', LINE_SKIP))
        claim['lines'] = [dict(r) for r in con.execute(
            f'SELECT {lcols} FROM claim_lines WHERE claim_id = ? ORDER BY line_number',
            (claim_id,))]
        dcols = ', '.join(columns(con, 'claim_diagnoses', DX_SKIP))
        claim['diagnoses'] = [dict(r) for r in con.execute(
            f'SELECT {dcols} FROM claim_diagnoses WHERE claim_id = ? ORDER BY sequence',
            (claim_id,))]
        return claim
    finally:
        con.close()


def query(db, sql, args=()):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def import_json(db, path, *flags):
    p = run_cli('--db', db, '--json', 'import', *flags, path)
    return p, json.loads(p.stdout)['files'][0]


# ---- generated claims ------------------------------------------------------

def npi(rng):
    """A random NPI with a valid check digit (Luhn over 80840 + the digits)."""
    base = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    digits = [8, 0, 8, 4, 0] + base
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return ''.join(map(str, base)) + str((10 - total % 10) % 10)


def d8(rng, year=2024):
    return f'{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}'


def money(rng):
    cents = rng.randint(100, 500000)
    return cents, f'{cents // 100}.{cents % 100:02d}'


ICD10 = ['E119', 'I10', 'J449', 'M545', 'Z0000', 'S61212A', 'R0789', 'K219']


def gen_claim(rng, n, inst):
    """One claim's segments (2300 and below) and its charge, using every
    field the mapping stores."""
    segs = []
    lines = []
    pcn = f'GEN{n:04d}{"I" if inst else "P"}'
    for k in range(rng.randint(1, 4)):
        cents, text = money(rng)
        lines.append((cents, text))
    total = sum(c for c, _ in lines)
    freq = rng.choice(['1', '1', '7'])
    if inst:
        clm05 = f'{rng.choice(["11", "13", "21"])}:A:{freq}'
        clm = f'CLM*{pcn}*{total // 100}.{total % 100:02d}***{clm05}**A*Y*Y'
    else:
        clm05 = f'{rng.choice(["11", "22", "21"])}:B:{freq}'
        causes = rng.choice(['', '**AA:EM:OA', '**OA'])
        clm = f'CLM*{pcn}*{total // 100}.{total % 100:02d}***{clm05}*Y*A*Y*I{causes}'
        if rng.random() < 0.5:
            clm += '*' * (20 - clm.count('*')) + rng.choice(['1', '7', '11'])
    segs.append(clm)
    if inst:
        segs.append(f'DTP*096*TM*{rng.randint(0, 23):02d}{rng.randint(0, 59):02d}')
        start = d8(rng, 2023)
        segs.append(f'DTP*434*RD8*{start}-{d8(rng, 2024)}')
        segs.append(f'DTP*435*DT*{start}{rng.randint(0, 23):02d}30')
        segs.append(f'CL1*{rng.randint(1, 5)}*{rng.randint(1, 9)}*0{rng.randint(1, 9)}')
    else:
        segs.append(f'DTP*431*D8*{d8(rng, 2023)}')
        if rng.random() < 0.5:
            segs.append(f'DTP*484*D8*{d8(rng, 2023)}')
        if rng.random() < 0.5:
            segs.append(f'DTP*435*D8*{d8(rng, 2024)}')
            segs.append(f'DTP*096*D8*{d8(rng, 2024)}')
    if rng.random() < 0.7:
        segs.append(f'REF*9F*REFERRAL{n}')
    if rng.random() < 0.7:
        segs.append(f'REF*G1*AUTH{n}')
    if freq == '7':
        segs.append(f'REF*F8*ICN{n:06d}')
    segs.append(f'REF*EA*MRN{n}')
    codes = rng.sample(ICD10, rng.randint(2, 5))
    if inst:
        segs.append(f'HI*ABK:{codes[0]}:::::::Y')
        segs.append(f'HI*ABJ:{codes[1]}')
        segs.append('HI*' + '*'.join(f'ABF:{c}:::::::{rng.choice("YNU")}' for c in codes[2:])
                    if len(codes) > 2 else f'HI*APR:{codes[1]}')
        segs.append(f'HI*BBR:0DTJ0ZZ:D8:{d8(rng)}')
        segs.append(f'HI*BH:11:D8:{d8(rng)}*BH:{rng.randint(20, 40)}:D8:{d8(rng)}')
        segs.append(f'HI*BE:80:::{rng.randint(1, 30)}*BE:A1:::{money(rng)[1]}')
        segs.append('HI*BG:01*BG:39')
        segs.append('HI*DR:470')
    else:
        segs.append('HI*' + '*'.join(('ABK:' if i == 0 else 'ABF:') + c
                                    for i, c in enumerate(codes)))
    n_dx = len(codes) if not inst else 0
    if inst:
        providers = [('71', '1'), ('72', '1'), ('82', '1'), ('77', '2'), ('DN', '1')]
    else:
        providers = [('DN', '1'), ('82', '1'), ('77', '2')]
    for qual, kind in providers:
        if rng.random() < 0.7:
            segs.append(f'NM1*{qual}*{kind}*SOMEONE*PAT****XX*{npi(rng)}')
            if qual == '77':
                segs += ['N3*1 CLINIC WAY', 'N4*TOWN*ST*12345']
    for k in range(rng.randint(0, 2)):
        segs.append(f'SBR*{rng.choice("ST")}*18*GRP******CI')
        if rng.random() < 0.5:
            segs.append(f'AMT*D*{money(rng)[1]}')
        segs.append('OI***Y***Y')
        segs.append(f'NM1*IL*1*OTHER*SUB****MI*OS{n}{k}')
        segs.append(f'NM1*PR*2*OTHER PAYER {k}*****PI*OP{n}{k}')
    for ln, (cents, text) in enumerate(lines, start=1):
        segs.append(f'LX*{ln}')
        mods = ':'.join(rng.sample(['25', '59', 'LT', 'RT', 'GT'], rng.randint(0, 3)))
        proc = rng.choice(['99213', '99214', '87070', 'J1100', '1234F', '0001T'])
        units = rng.choice(['1', '2', '1.5', '0.25', '12'])
        if inst:
            if rng.random() < 0.3:
                segs.append(f'SV2*{rng.choice(["0300", "0450", "0636"])}**{text}*UN*{units}')
            else:
                segs.append(f'SV2*{rng.choice(["0300", "0450", "0636"])}*HC:{proc}'
                            f'{":" + mods if mods else ""}*{text}*UN*{units}')
        else:
            ptrs = ':'.join(str(p) for p in rng.sample(range(1, n_dx + 1),
                                                         rng.randint(1, min(4, n_dx))))
            segs.append(f'SV1*HC:{proc}{":" + mods if mods else ""}*{text}*'
                        f'{rng.choice(["UN", "MJ"])}*{units}*{rng.choice(["11", "22"])}**{ptrs}')
        if rng.random() < 0.5:
            segs.append(f'DTP*472*D8*{d8(rng)}')
        else:
            segs.append(f'DTP*472*RD8*{d8(rng, 2023)}-{d8(rng)}')
        if rng.random() < 0.7:
            segs.append(f'REF*6R*L{n}-{ln}')
        if rng.random() < 0.3:
            segs.append(f'NM1*82*1*LINEDOC*ANN****XX*{npi(rng)}')
    return segs


def gen_file(seed, inst, n_claims):
    """A strict-clean 837 with @p n_claims claims under varied contexts."""
    rng = random.Random(seed)
    version = '005010X223A2' if inst else '005010X222A1'
    body = [f'BHT*0019*00*B{seed}*{d8(rng)}*1200*CH',
            'NM1*41*2*SUBMITTER*****46*S1', 'PER*IC*JO*TE*5555555555',
            'NM1*40*2*RECEIVER*****46*R1']
    hl = 0
    claim_no = seed * 100
    while claim_no < seed * 100 + n_claims:
        hl += 1
        prov_hl = hl
        body.append(f'HL*{hl}**20*1')
        if rng.random() < 0.7:
            body.append(f'PRV*BI*PXC*{rng.choice(["207Q00000X", "282N00000X"])}')
        if rng.random() < 0.5:
            body.append(f'NM1*85*2*CLINIC {seed} {hl}*****XX*{npi(rng)}')
        else:
            body.append(f'NM1*85*1*DOE*JOHN****XX*{npi(rng)}')
        body += ['N3*1 MAIN ST', 'N4*CITY*ST*12345', f'REF*EI*{rng.randint(10**8, 10**9 - 1)}']
        for _ in range(rng.randint(1, 2)):
            if claim_no >= seed * 100 + n_claims:
                break
            hl += 1
            sub_hl = hl
            self_pay = rng.random() < 0.5
            body.append(f'HL*{sub_hl}*{prov_hl}*22*{0 if self_pay else 1}')
            body.append(f'SBR*{rng.choice("PST")}*{"18" if self_pay else ""}*GRP{hl}******'
                        f'{rng.choice(["CI", "MB", "MC", "BL"])}')
            body.append(f'NM1*IL*1*SUBLAST{hl}*SUBFIRST****MI*M{seed}{hl}')
            body += ['N3*2 SIDE ST', 'N4*CITY*ST*12345']
            body.append(f'DMG*D8*{d8(rng, 1970)}*{rng.choice("MF")}')
            body.append(f'NM1*PR*2*PAYER {rng.randint(1, 3)}*****PI*P{rng.randint(1, 3)}')
            if not self_pay:
                hl += 1
                body += [f'HL*{hl}*{sub_hl}*23*0', 'PAT*19', f'NM1*QC*1*KID{hl}*PAT',
                         'N3*2 SIDE ST', 'N4*CITY*ST*12345',
                         f'DMG*D8*{d8(rng, 2010)}*{rng.choice("MF")}']
            for _ in range(rng.randint(1, 2)):
                if claim_no >= seed * 100 + n_claims:
                    break
                body += gen_claim(rng, claim_no, inst)
                claim_no += 1
    segs = ['ST*837*0001*' + version] + body
    segs.append(f'SE*{len(segs) + 1}*0001')
    isa = ('ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       '
           f'*240101*1200*^*00501*{seed:09d}*0*T*:')
    out = [isa, f'GS*HC*SENDER*RECEIVER*20240101*1200*{seed}*X*{version}'] + segs
    out += [f'GE*1*{seed}', f'IEA*1*{seed:09d}']
    return ('~\n'.join(out) + '~\n').encode()


class ExportRoundTrip(TempDirTestCase):
    def export_and_reingest(self, db, claim_id, tag, strict=True):
        """Export claim_id of db, import it into an empty database; returns
        (import result, the new database, the new claim's id)."""
        out = self.path(f'{tag}-{claim_id}.x12')
        p = run_cli('--db', db, '-q', 'export-837', str(claim_id), '-o', out)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout, '')
        fresh = self.path(f'{tag}-{claim_id}{"" if strict else "-tolerant"}.db')
        flags = ('--strict',) if strict else ()
        p, res = import_json(fresh, out, *flags)
        ids = [r[0] for r in query(fresh, 'SELECT id FROM claims')] if os.path.exists(fresh) else []
        return res, fresh, ids

    def assert_same_claim(self, src_db, src_id, new_db, new_ids, label):
        self.assertEqual(len(new_ids), 1, label)
        want = stored_claim(src_db, src_id)
        got = stored_claim(new_db, new_ids[0])
        for key in want:
            self.assertEqual(got[key], want[key], f'{label}: {key}')
        self.assertEqual(got, want, label)

    def test_every_corpus_claim_round_trips(self):
        files = sorted(glob.glob(os.path.join(CORPUS, '837p', '*')) +
                       glob.glob(os.path.join(CORPUS, '837i', '*')) +
                       glob.glob(os.path.join(CORPUS, 'bad', '*')))
        self.assertEqual(len(files), 29)
        checked = 0
        refused = set()
        for n, path in enumerate(files):
            name = os.path.basename(path)
            src = self.path(f'src{n}.db')
            p, res = import_json(src, path)
            if res['status'] != 'ingested':
                continue
            source_codes = {r[0] for r in query(src, 'SELECT DISTINCT issue_type FROM parser_logs')}
            for (claim_id, freq) in query(src, 'SELECT id, claim_frequency_type FROM claims '
                                          'ORDER BY id'):
                label = f'{name} claim {claim_id}'
                res, new_db, new_ids = self.export_and_reingest(src, claim_id, f'c{n}')
                if (name, claim_id) in NO_CLM05:
                    self.assertEqual(res['status'], 'refused', label)
                    self.assertEqual(res['error']['code'], 'MISSING_ELEMENT', label)
                    self.assertEqual(res['error']['message'], 'CLM05 is empty', label)
                    refused.add((name, claim_id))
                    res, new_db, new_ids = self.export_and_reingest(src, claim_id, f'c{n}',
                                                                    strict=False)
                    self.assertEqual(res['status'], 'ingested', label)
                else:
                    self.assertEqual(res['status'], 'ingested', f'{label}: {res.get("error")}')
                    self.assertEqual(res['counts']['errors'], 0, label)
                for issue in res['issues']:
                    code = issue['code']
                    self.assertIn(code, DATA_CODES, f'{label}: {issue}')
                    if code == 'ORIGINAL_CLAIM_NOT_FOUND':
                        self.assertIn(freq, ('7', '8'), label)
                    elif code == 'MISSING_ELEMENT':
                        self.assertIn((name, claim_id), NO_CLM05, label)
                    else:
                        self.assertIn(code, source_codes, f'{label}: {issue}')
                self.assert_same_claim(src, claim_id, new_db, new_ids, label)
                checked += 1
        # corpus/README.md: the stored claims of the 837 files (duplicates
        # within a file are one stored claim), bad/ files included.
        self.assertEqual(checked, 43)
        self.assertEqual(refused, NO_CLM05)

    def test_generated_claims_round_trip_without_any_issue(self):
        checked = 0
        sources = []
        for seed, inst in ((11, False), (12, True), (13, False), (14, True)):
            path = self.path(f'gen{seed}.x12')
            with open(path, 'wb') as f:
                f.write(gen_file(seed, inst, 12))
            src = self.path(f'gen{seed}.db')
            sources.append(src)
            p, res = import_json(src, path, '--strict')
            self.assertEqual(res['status'], 'ingested', res.get('error'))
            # A replacement (frequency 7) has no original in an empty
            # database: the only issue a generated file may raise.
            replacements = query(src, "SELECT count(*) FROM claims WHERE claim_frequency_type = '7'")
            self.assertEqual([i['code'] for i in res['issues']],
                             ['ORIGINAL_CLAIM_NOT_FOUND'] * replacements[0][0],
                             f'generated file {seed} is not clean')
            self.assertEqual(res['counts']['claims_created'], 12)
            for (claim_id, freq) in query(src, 'SELECT id, claim_frequency_type FROM claims '
                                          'ORDER BY id'):
                label = f'generated {seed} claim {claim_id}'
                res, new_db, new_ids = self.export_and_reingest(src, claim_id, f'g{seed}')
                self.assertEqual(res['status'], 'ingested', f'{label}: {res.get("error")}')
                self.assertEqual([i['code'] for i in res['issues']],
                                 ['ORIGINAL_CLAIM_NOT_FOUND'] if freq == '7' else [], label)
                self.assert_same_claim(src, claim_id, new_db, new_ids, label)
                checked += 1
        self.assertEqual(checked, 48)
        # The generated data reaches the fields that matter (not all null).
        for column in ('other_payers', 'related_causes', 'delay_reason_code', 'onset_date',
                       'referring_provider_npi', 'service_facility_npi', 'patient_dob',
                       'admission_hour', 'discharge_hour', 'attending_provider_npi'):
            found = sum(query(src, f"SELECT count(*) FROM claims WHERE {column} IS NOT NULL "
                                   f"AND {column} != '[]'")[0][0] for src in sources)
            self.assertGreater(found, 0, column)


class ExportCommand(TempDirTestCase):
    def setUp(self):
        super().setUp()
        self.db = self.path('claims.db')
        p = run_cli('--db', self.db, 'import',
                    os.path.join(CORPUS, '837i', 'stupidedi_837-institutional-claim.edi'))
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_stdout_is_one_interchange_with_counted_envelope(self):
        p = run_cli('--db', self.db, 'export-837', '1')
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stderr, '')
        segs = [s.strip() for s in p.stdout.split('~') if s.strip()]
        isa = p.stdout.split('\n')[0]
        self.assertEqual(len(isa), 106)
        self.assertEqual(isa[103], '*')
        self.assertEqual(isa.split('*')[11], '^')
        self.assertEqual(isa.split('*')[12], '00501')
        self.assertEqual(isa.split('*')[13], '000000101')   # claim 1 x 100 + version 1
        self.assertEqual(isa.split('*')[15], 'T')
        self.assertEqual(isa.split('*')[16], ':~')
        self.assertEqual(segs[1].split('*')[8], '005010X223A2')
        self.assertEqual(segs[2], 'ST*837*0001*005010X223A2')
        st = segs.index('ST*837*0001*005010X223A2')
        se = [i for i, s in enumerate(segs) if s.startswith('SE*')][0]
        self.assertEqual(segs[se], f'SE*{se - st + 1}*0001')
        self.assertEqual(segs[-2], f'GE*1*{segs[1].split("*")[6]}')
        self.assertEqual(segs[-1], 'IEA*1*000000101')
        self.assertEqual(segs[3].split('*')[3], 'CLM-1-v1')
        # values the store lacks
        self.assertIn('N3*UNKNOWN', segs)
        self.assertIn('NM1*41*2*UNKNOWN*****46*UNKNOWN', segs)

    def test_json_and_output_file(self):
        out = self.path('out.x12')
        p = run_cli('--db', self.db, '--json', 'export-837', '1', '-o', out)
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(sorted(doc), ['segment_count', 'status', 'tracking_id',
                                       'transaction_type', 'x12'])
        self.assertEqual(doc['status'], 'generated')
        self.assertEqual(doc['tracking_id'], 'CLM-1-v1')
        self.assertEqual(doc['transaction_type'], '837I')
        with open(out) as f:
            text = f.read()
        self.assertEqual(doc['segment_count'], text.count('~'))
        self.assertEqual(stat.S_IMODE(os.stat(out).st_mode), 0o600)
        # the creation time is the only difference between two exports
        self.assertEqual(text.split('\n')[5:], doc['x12'].split('\n')[5:])

    def test_version_changes_the_control_number(self):
        # A resubmission with other content gives version 2.
        path = self.path('resub.x12')
        with open(os.path.join(CORPUS, '837i', 'stupidedi_837-institutional-claim.edi')) as f:
            text = f.read()
        self.assertIn('*89.93*', text)
        with open(path, 'w') as f:
            f.write(text.replace('DTP*434*RD8*', 'REF*EA*MRN9~DTP*434*RD8*', 1))
        p = run_cli('--db', self.db, 'import', path)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(query(self.db, 'SELECT version FROM claims WHERE id = 1'), [(2,)])
        p = run_cli('--db', self.db, 'export-837', '1')
        self.assertEqual(p.stdout.split('\n')[0].split('*')[13], '000000102')
        self.assertIn('REF*EA*MRN9~', p.stdout)
        self.assertIn('BHT*0019*00*CLM-1-v2*', p.stdout)

    def test_errors(self):
        p = run_cli('--db', self.db, 'export-837', '99')
        self.assertEqual((p.returncode, p.stdout, p.stderr),
                         (4, '', 'claims: export-837: Claim not found (id: 99)\n'))
        p = run_cli('--db', self.db, 'export-837', 'abc')
        self.assertEqual((p.returncode, p.stderr),
                         (3, "claims: export-837: CLAIM_ID 'abc' must be an integer\n"))
        p = run_cli('--db', self.db, 'export-837', '0')
        self.assertEqual((p.returncode, p.stderr),
                         (3, "claims: export-837: CLAIM_ID '0' must be greater than or equal "
                             "to 1\n"))
        p = run_cli('--db', self.db, 'export-837')
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stderr, 'claims: export-837: missing CLAIM_ID (usage: claims '
                                   'export-837 CLAIM_ID [-o FILE])\n')
        p = run_cli('--db', self.db, 'export-837', '1', '-o')
        self.assertEqual(p.returncode, 2)
        p = run_cli('--db', self.db, 'export-837', '1', '--bogus')
        self.assertEqual(p.returncode, 2)
        p = run_cli('--db', self.db, 'export-837', '1', '2')
        self.assertEqual(p.returncode, 2)
        p = run_cli('--db', self.db, 'export-837', '1', '-o', self.path('no/such/dir/x'))
        self.assertEqual(p.returncode, 1)
        self.assertTrue(p.stderr.startswith('claims: export-837: cannot write '), p.stderr)


if __name__ == '__main__':
    unittest.main()
