"""Synthetic 5010 837P and 835 files for what no public file has
(frequency 7/8 with REF*F8, reversals followed by corrected payments,
secondary payments, several claims under one subscriber).

Only valid structure is generated: envelopes with correct counts and
control numbers, the delimiters * : ^ ~ unless told otherwise.
"""


def _envelope(sets, gs_code, version, icn='000000001', sep='*', term='~\n'):
    """Wrap transaction-set segment lists (without ST/SE) in ISA/GS/ST."""
    out = []
    isa = ('ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       '
           f'*240101*1200*^*00501*{icn}*0*T*:')
    out.append(isa)
    out.append(f'GS*{gs_code}*SENDER*RECEIVER*20240101*1200*1*X*{version}')
    for n, body in enumerate(sets, start=1):
        st = f'ST*{"837" if gs_code == "HC" else "835"}*{n:04d}*{version}'
        segs = [st] + body
        segs.append(f'SE*{len(segs) + 1}*{n:04d}')
        out.extend(segs)
    out.append(f'GE*{len(sets)}*1')
    out.append(f'IEA*1*{icn}')
    text = term.join(out) + term
    if sep != '*':
        text = text.replace('*', sep)
    return text.encode()


def claim(pcn, charge, lines, freq='1', icn_ref=None, dx=('E119',), service_date='20240105'):
    """Segments of one 2300 claim with its lines.  lines = [(procedure, charge), ...]."""
    segs = [f'CLM*{pcn}*{charge}***11:B:{freq}*Y*A*Y*Y']
    if icn_ref:
        segs.append(f'REF*F8*{icn_ref}')
    if dx:
        segs.append('HI*' + '*'.join(
            (f'ABK:{d}' if i == 0 else f'ABF:{d}') for i, d in enumerate(dx)))
    for n, (proc, amount) in enumerate(lines, start=1):
        segs += [f'LX*{n}', f'SV1*HC:{proc}*{amount}*UN*1***1', f'DTP*472*D8*{service_date}']
    return segs


def subscriber(member='MEMBER1', last='DOE', first='JANE', payer_id='87726',
               payer_name='UNITED HEALTHCARE', dob='19800101'):
    return [
        'HL*2*1*22*0', 'SBR*P*18*******CI',
        f'NM1*IL*1*{last}*{first}****MI*{member}', f'DMG*D8*{dob}*F',
        f'NM1*PR*2*{payer_name}*****PI*{payer_id}',
    ]


def billing(npi='1234567893', name='CLINIC'):
    return ['BHT*0019*00*0123*20240110*1200*CH',
            'NM1*41*2*CLINIC*****46*TGJ23', 'PER*IC*JERRY*TE*3055552222',
            'NM1*40*2*PAYER*****46*66783JJT',
            'HL*1**20*1', f'NM1*85*2*{name}*****XX*{npi}', 'N3*1 MAIN ST',
            'N4*CITY*ST*12345', 'REF*EI*123456789']


def file_837(claims_by_subscriber, npi='1234567893', icn='000000001'):
    """claims_by_subscriber: [(subscriber kwargs, [claim segment lists])]."""
    body = billing(npi)
    hl = 2
    for sub_kwargs, claims in claims_by_subscriber:
        sub = subscriber(**sub_kwargs)
        sub[0] = f'HL*{hl}*1*22*0'
        hl += 1
        body += sub
        for c in claims:
            body += c
    return _envelope([body], 'HC', '005010X222A1', icn=icn)


def payment(pcn, status, charge, paid, resp='0', icn='ICN1', cas=(), services=()):
    """One CLP with claim-level CAS [(group, reason, amount)] and SVC lines
    [(procedure, charge, paid, [(group, reason, amount)])]."""
    segs = [f'CLP*{pcn}*{status}*{charge}*{paid}*{resp}*12*{icn}*11*1',
            'NM1*QC*1*DOE*JANE****MI*MEMBER1']
    for g, r, a in cas:
        segs.append(f'CAS*{g}*{r}*{a}')
    for proc, c, p, adj in services:
        segs.append(f'SVC*HC:{proc}*{c}*{p}**1')
        segs.append('DTM*472*20240105')
        for g, r, a in adj:
            segs.append(f'CAS*{g}*{r}*{a}')
    return segs


def file_835(payments, total, payer_id='87726', trace='TRACE1', icn='000000001', date='20240201'):
    body = [f'BPR*I*{total}*C*CHK************{date}', f'TRN*1*{trace}*1512345678',
            f'REF*2U*{payer_id}', 'N1*PR*UNITED HEALTHCARE', 'N1*PE*CLINIC*XX*1234567893',
            'LX*1']
    for p in payments:
        body += p
    return _envelope([body], 'HP', '005010X221A1', icn=icn)
