"""A deterministic year of a small clinic's claims and remittances.

ClinicYear(seed, n_claims, end) plans a year of services ending at `end`
(a UTC date) and writes it as real X12 5010 files: weekly 837P files (and
837I for imaging), weekly 835 checks per payer.  Everything comes from one
seeded random.Random, so the same seed and end date give the same bytes.

Planted payer profiles (PAYERS):
  AETNA       CO50 (medical necessity) on 40% of the claims billing 97530;
              some payments reversed (CLP02 22) and re-paid in the same check;
              a state Medicaid plan pays the balance of some claims as
              secondary (CLP02 2 after CLP02 19).
  BLUE CROSS  CO16 (claim lacks information) on 90% of the 97140 lines the
              clinic sends without modifier GP (its billing template drops it
              on 60% of 97140 lines); a third of those claims are corrected by a
              frequency 7 replacement carrying REF*F8, followed by a reversal
              of the partial payment (when there was one) and the payment of
              the corrected claim.  Also has Medicaid secondaries.
  UNITED      CO197 (prior authorization absent) on 95% of the 837I MRI claims
              (72148, revenue 0610, type of bill 13) sent without REF*G1.
  CIGNA       clean: contractual and patient-responsibility adjustments only,
              one CO18 and CO97 on about 2% of claims (below the 5% floor);
              a few claims voided (frequency 8) and their payment reversed;
              a few payments for claims of another clinic (never linked).
  MEDICAID    secondary payer only; echoes CLM01 truncated to 10 characters.
All three denying payers also deny about 1% of claims on a background CARC mix.

The planner records what it planted (ground truth): every claim's final
content and every remittance's values, from which the expected episodes,
claim statuses and learned patterns follow by engine.md §1 and §4,
independently of the engine.
"""
import datetime
import math
import os
import random

NPI = '1234567893'

# CARCs the generator uses that are denials (engine.md §2.2: every category
# but contractual, patient_responsibility and other).
DENIAL_CARCS = {'4', '11', '16', '18', '29', '50', '97', '197'}

PAYERS = {
    'A': dict(pid='60054', name='AETNA', pct=80, secondary_share=0.25),
    'B': dict(pid='00390', name='BLUE CROSS', pct=75, secondary_share=0.2),
    'C': dict(pid='87726', name='UNITED HEALTHCARE', pct=70, secondary_share=0.0),
    'D': dict(pid='62308', name='CIGNA', pct=85, secondary_share=0.0),
    'M': dict(pid='SKMD0', name='STATE MEDICAID', pct=0, secondary_share=0.0),
}

# The profiles the tests must find again: payer -> (CARC with group, rate
# per eligible claim, the procedure code that makes a claim eligible).
PLANTED = {
    'A': dict(code='CO50', rate=0.40, procedure='97530'),
    'B': dict(code='CO16', rate=0.90, procedure='97140'),
    'C': dict(code='CO197', rate=0.95, procedure='72148', facility='13'),
}

FEES = {'99213': 15000, '99214': 22000, '97110': 6000, '97140': 5500, '97530': 7000,
        '97112': 6500, '72148': 120000}
PROF_CODES = [('99213', 3), ('99214', 1), ('97110', 3), ('97140', 2), ('97530', 2),
              ('97112', 1)]
THERAPY = {'97110', '97140', '97530', '97112'}
THERAPY_DX = ['M5450', 'M6281', 'M1711', 'G8929']
EM_DX = ['E119', 'I10', 'M5450', 'R262']
BACKGROUND = [('CO', '97'), ('CO', '18'), ('CO', '11'), ('CO', '29')]
FIRST = ['ANNA', 'BEN', 'CARL', 'DINA', 'ERIC', 'FAYE', 'GUS', 'HANA', 'IVAN', 'JUNE', 'KARL',
         'LENA', 'MARK', 'NINA', 'OTTO', 'PAULA', 'QUINN', 'RITA', 'SAM', 'TESS']
LAST = ['ABBOTT', 'BAKER', 'CRUZ', 'DIAZ', 'ELLIS', 'FOX', 'GRANT', 'HAYES', 'IRWIN', 'JONES',
        'KEMP', 'LOPEZ', 'MOORE', 'NASH', 'OWENS', 'PRICE', 'REED', 'STONE', 'TATE', 'VANCE',
        'WARD', 'YOUNG']


def money(cents):
    sign = '-' if cents < 0 else ''
    cents = abs(cents)
    return f'{sign}{cents // 100}.{cents % 100:02d}'


def d8(d):
    return d.strftime('%Y%m%d')


def round4(x):
    return float('%.4f' % x)


def wilson_lower(k, n):
    z = 1.96
    f = k / n
    return (f + z * z / (2 * n) - z * math.sqrt(f * (1 - f) / n + z * z / (4 * n * n))) / \
        (1 + z * z / n)


class Claim:
    """What the clinic billed, as finally stored (replacements applied)."""

    def __init__(self, pcn, payer, patient, service, lines, principal, kind, prior_auth):
        self.pcn = pcn
        self.payer = payer
        self.patient = patient
        self.service = service
        self.lines = lines  # [(code, modifier or '', cents)]
        self.principal = principal
        self.kind = kind  # 'P' or 'I'
        self.facility = '11' if kind == 'P' else '13'
        self.prior_auth = prior_auth
        self.freq = '1'
        self.version = 1
        self.voided = False
        self.icn_ref = None
        self.no_chains = False

    @property
    def total(self):
        return sum(c for _, _, c in self.lines)

    @property
    def procs(self):
        return {p for p, _, _ in self.lines}


class Remit:
    """One CLP as written; `seq` is its order of import (remittance id order)."""

    def __init__(self, payer, pcn, clp02, charge, paid, resp, icn, claim, adjustments,
                 services, service):
        self.payer = payer
        self.pcn = pcn
        self.clp02 = clp02
        self.charge = charge
        self.paid = paid
        self.resp = resp
        self.icn = icn
        self.claim = claim  # Claim, or None for another clinic's claim
        self.adjustments = adjustments  # claim-level [(group, reason, cents)]
        self.services = services  # [(code, modifier, charge, paid, [(g, r, cents)])]
        self.service = service
        self.check = None
        self.date = None
        self.seq = None
        self.reverses = None  # the Remit this reversal reverses
        self.reversed_by = None

    @property
    def all_adjustments(self):
        out = list(self.adjustments)
        for s in self.services:
            out += s[4]
        return out

    @property
    def denial_reasons(self):
        codes = sorted({g + r for g, r, _ in self.all_adjustments
                        if g in ('CO', 'OA', 'PI') and r in DENIAL_CARCS})
        if not codes and self.clp02 == '4':
            return ['CLAIM_DENIED']
        return codes

    @property
    def pattern_codes(self):
        return [c for c in self.denial_reasons if c != 'CLAIM_DENIED']

    @property
    def episode_status(self):
        """engine.md §1.3 and §1.4."""
        if self.clp02 == '22' or self.reversed_by is not None:
            return 'reversed'
        if self.clp02 == '4' or (self.paid == 0 and self.denial_reasons):
            return 'denied'
        return 'linked'

    @property
    def adjudicated(self):
        return self.episode_status not in ('pending', 'reversed') and \
            self.clp02 not in ('22', '25')

    @property
    def key(self):
        return (self.check, self.icn, self.clp02)


class ClinicYear:
    def __init__(self, seed=20240607, n_claims=2400, end=None):
        self.rng = random.Random(seed)
        self.end = end or (datetime.datetime.now(datetime.timezone.utc).date() -
                           datetime.timedelta(days=1))
        self.start = self.end - datetime.timedelta(days=357)
        self.claims = []
        self.remits = []
        self.submissions = []  # (date, kind 'P'/'I', Claim, freq, lines snapshot)
        self.payments = []  # (date, payer, Remit)
        self.late_week = 3  # this week's 837P file is imported after everything else
        self.late_check = None  # this 835 check is imported last (after its reversals)
        self._icn = 0
        self._plan(n_claims)

    # ------------------------------------------------------------ planning

    def _next_icn(self):
        self._icn += 1
        return f'{self._icn:014d}'

    def _week(self, d):
        return (d - self.start).days // 7

    def _friday(self, d):
        return self.start + datetime.timedelta(days=self._week(d) * 7 + 4)

    def _patients(self, n):
        rng = self.rng
        pts = []
        weights = [('A', 30), ('B', 25), ('C', 25), ('D', 20)]
        for i in range(n):
            payer = rng.choices([p for p, _ in weights], [w for _, w in weights])[0]
            pts.append(dict(last=LAST[i % len(LAST)] + chr(65 + (i // len(LAST)) % 26),
                            first=FIRST[(i * 7) % len(FIRST)],
                            member=f'M{100000 + i}', payer=payer,
                            dob=f'19{rng.randint(40, 99)}{rng.randint(1, 12):02d}'
                                f'{rng.randint(1, 28):02d}',
                            sex=rng.choice('MF'),
                            secondary=rng.random() < PAYERS[payer]['secondary_share']))
        return pts

    def _plan(self, n_claims):
        rng = self.rng
        patients = self._patients(max(60, n_claims // 6))
        span = (self.end - self.start).days - 20
        for i in range(n_claims):
            pt = rng.choice(patients)
            service = self.start + datetime.timedelta(days=rng.randrange(span))
            payer = pt['payer']
            if payer == 'C' and rng.random() < 0.25:
                kind = 'I'
                lines = [('72148', '', FEES['72148'])]
                principal = 'M5416'
                prior_auth = rng.random() < 0.6
            else:
                kind = 'P'
                prior_auth = False
                n = rng.choice([1, 1, 2, 2, 3])
                codes = []
                while len(codes) < n:
                    c = rng.choices([c for c, _ in PROF_CODES], [w for _, w in PROF_CODES])[0]
                    if c not in codes:
                        codes.append(c)
                lines = []
                for c in codes:
                    mod = ''
                    if c in THERAPY:
                        mod = 'GP'
                        if c == '97140' and rng.random() < 0.6:
                            mod = ''  # the billing template's bug
                    lines.append((c, mod, FEES[c]))
                principal = rng.choice(THERAPY_DX if codes[0] in THERAPY else EM_DX)
            cl = Claim(f'GVC{i + 1:07d}P', payer, pt, service, lines, principal, kind, prior_auth)
            self.claims.append(cl)
            submitted = service + datetime.timedelta(days=rng.randint(1, 5))
            cl.no_chains = kind == 'P' and self._week(submitted) == self.late_week
            self.submissions.append((submitted, kind, cl, '1', list(lines)))
            paydate = self._friday(submitted + datetime.timedelta(days=rng.randint(14, 35)))
            if paydate > self.end:
                continue  # not paid yet: pending
            self._adjudicate(cl, paydate)
        # the clean payer's single duplicate denial
        d_paid = [r for r in self.remits if r.payer == 'D' and r.clp02 == '1' and
                  len(r.services) == 1 and r.reversed_by is None and r.claim.freq == '1']
        if d_paid:
            self._deny_line(d_paid[len(d_paid) // 2], 0, 'CO', '18')
        self._foreign()

    def _line_payment(self, payer, code, cents, early):
        """(paid, adjustments) of a paid line: contractual and patient shares."""
        allowed = cents * PAYERS[payer]['pct'] // 100
        adj = [('CO', '45', cents - allowed)]
        if code in ('99213', '99214'):
            pr = [('PR', '3', min(2500, allowed))]
        elif early:
            ded = allowed // 2
            pr = [('PR', '1', ded), ('PR', '2', (allowed - ded) * 20 // 100)]
        else:
            pr = [('PR', '2', allowed * 20 // 100)]
        return allowed - sum(a for _, _, a in pr), adj + pr

    def _build(self, cl, payer, lines, clp02_paid, denials, early, icn=None):
        """A primary payment of `lines` with line denials {index: (group, reason)}."""
        services = []
        for i, (code, mod, cents) in enumerate(lines):
            if i in denials:
                g, r = denials[i]
                services.append((code, mod, cents, 0, [(g, r, cents)]))
            else:
                paid, adj = self._line_payment(payer, code, cents, early)
                services.append((code, mod, cents, paid, adj))
        paid = sum(s[3] for s in services)
        resp = sum(a for s in services for g, _, a in s[4] if g == 'PR')
        clp02 = clp02_paid if paid > 0 else '4'
        return Remit(payer, cl.pcn, clp02, sum(c for _, _, c in lines), paid, resp,
                     icn or self._next_icn(), cl, [], services, cl.service)

    def _pay(self, date, r):
        r.date = date
        self.remits.append(r)
        self.payments.append((date, r.payer, r))

    def _adjudicate(self, cl, paydate):
        rng = self.rng
        payer = cl.payer
        early = (cl.service - self.start).days < 45
        denials = {}
        for i, (code, mod, _) in enumerate(cl.lines):
            if payer == 'A' and code == '97530' and rng.random() < PLANTED['A']['rate']:
                denials[i] = ('CO', '50')
            elif payer == 'B' and code == '97140' and not mod and \
                    rng.random() < PLANTED['B']['rate']:
                denials[i] = ('CO', '16')
            elif payer == 'C' and code == '72148' and not cl.prior_auth and \
                    rng.random() < PLANTED['C']['rate']:
                denials[i] = ('CO', '197')
        if payer in 'ABC' and not denials and rng.random() < 0.01:
            denials[rng.randrange(len(cl.lines))] = rng.choice(BACKGROUND)
        if payer == 'D' and rng.random() < 0.02:
            denials[rng.randrange(len(cl.lines))] = ('CO', '97')
        has_secondary = cl.patient['secondary'] and payer in 'AB'
        r = self._build(cl, payer, cl.lines, '19' if has_secondary else '1', denials, early)
        self._pay(paydate, r)
        if cl.no_chains:
            if has_secondary and r.paid > 0:
                self._secondary(cl, r, paydate)
            return
        day = datetime.timedelta(days=1)

        # BLUE CROSS: a third of the CO16 claims are corrected (frequency 7, GP added).
        if payer == 'B' and any(v == ('CO', '16') for v in denials.values()) and \
                rng.random() < 0.35:
            sent = paydate + day * rng.randint(3, 12)
            repaid = self._friday(sent + day * rng.randint(14, 28))
            if repaid <= self.end:
                fixed = [(c, 'GP' if c in THERAPY else m, x) for c, m, x in cl.lines]
                cl.lines = fixed
                cl.freq = '7'
                cl.version += 1
                cl.icn_ref = r.icn
                self.submissions.append((sent, cl.kind, cl, '7', list(fixed)))
                if r.paid > 0:
                    self._reverse(r, repaid)
                self._pay(repaid, self._build(cl, payer, fixed, '1', {}, early))
                return
        # AETNA: 3% of payments recouped and paid again with another amount.
        if payer == 'A' and r.paid > 0 and rng.random() < 0.03:
            again = self._friday(paydate + day * rng.randint(21, 42))
            if again <= self.end:
                self._reverse(r, again)
                c = self._build(cl, payer, cl.lines, r.clp02, denials, early)
                # the payer re-priced: a further contractual reduction on the first paid line
                for i, s in enumerate(c.services):
                    if s[3] > 0:
                        cut = min(500, s[3])
                        c.services[i] = (s[0], s[1], s[2], s[3] - cut,
                                         s[4] + [('CO', '45', cut)])
                        c.paid -= cut
                        break
                self._pay(again, c)
                if has_secondary:
                    self._secondary(cl, c, again)
                return
        # CIGNA and AETNA: 1.5% of paid claims voided by the clinic, then reversed.
        if payer in 'AD' and r.paid > 0 and not has_secondary and rng.random() < 0.015:
            sent = paydate + day * rng.randint(3, 10)
            rev = self._friday(sent + day * rng.randint(14, 21))
            if rev <= self.end:
                cl.freq = '8'
                cl.voided = True
                cl.version += 1
                cl.icn_ref = r.icn
                self.submissions.append((sent, cl.kind, cl, '8', list(cl.lines)))
                self._reverse(r, rev)
                return
        if has_secondary and r.paid > 0:
            self._secondary(cl, r, paydate)

    def _reverse(self, o, date):
        services = [(c, m, -ch, -p, [(g, rr, -a) for g, rr, a in adj])
                    for c, m, ch, p, adj in o.services]
        r = Remit(o.payer, o.pcn, '22', -o.charge, -o.paid, -o.resp, o.icn, o.claim,
                  [(g, rr, -a) for g, rr, a in o.adjustments], services, o.service)
        r.reverses = o
        o.reversed_by = r
        self._pay(date, r)

    def _secondary(self, cl, primary, date):
        date = self._friday(date + datetime.timedelta(days=self.rng.randint(14, 28)))
        if date > self.end:
            return
        paid = primary.resp
        # Medicaid echoes only the first 10 characters of CLM01 (rule B's prefix match)
        r = Remit('M', cl.pcn[:10], '2', cl.total, paid, 0, self._next_icn(), cl,
                  [('OA', '23', cl.total - paid)], [], cl.service)
        self._pay(date, r)

    def _deny_line(self, r, i, g, reason):
        code, mod, ch, paid, adj = r.services[i]
        r.services[i] = (code, mod, ch, 0, [(g, reason, ch)])
        r.paid -= paid
        r.resp -= sum(a for gg, _, a in adj if gg == 'PR')
        if r.paid == 0:
            r.clp02 = '4'

    def _foreign(self):
        """Payments for another clinic's claims in CIGNA's checks: never linked."""
        dates = sorted({d for d, p, _ in self.payments if p == 'D'})
        for i in range(5):
            d = dates[(i * 7) % len(dates)]
            svc = d - datetime.timedelta(days=20)
            r = Remit('D', f'OTHERCLINIC{i}', '1', 10000, 8500, 0, self._next_icn(), None, [],
                      [('99213', '', 10000, 8500, [('CO', '45', 1500)])], svc)
            r.foreign_patient = ('ZZOTHER', f'PAT{i}', f'X{i}')
            self._pay(d, r)

    # ------------------------------------------------------------ writing

    def _envelope(self, body, kind, icn):
        version = {'P': '005010X222A1', 'I': '005010X223A2', 'R': '005010X221A1'}[kind]
        st = '837' if kind in 'PI' else '835'
        segs = [f'ST*{st}*0001*{version}'] + body
        segs.append(f'SE*{len(segs) + 1}*0001')
        out = ['ISA*00*          *00*          *ZZ*CLINIC         *ZZ*CLEARINGHOUSE  '
               f'*240101*1200*^*00501*{icn:09d}*0*P*:',
               f'GS*{"HC" if kind in "PI" else "HP"}*CLINIC*CLEARINGHOUSE*20240101*1200*'
               f'{icn}*X*{version}'] + segs + [f'GE*1*{icn}', f'IEA*1*{icn:09d}']
        return ('~\n'.join(out) + '~\n').encode()

    def _claim_segs(self, cl, freq, lines, sent):
        total = sum(c for _, _, c in lines)
        if cl.kind == 'P':
            segs = [f'CLM*{cl.pcn}*{money(total)}***11:B:{freq}*Y*A*Y*Y']
        else:
            segs = [f'CLM*{cl.pcn}*{money(total)}***13:A:{freq}**A*Y*Y',
                    'DTP*434*RD8*' + d8(cl.service) + '-' + d8(cl.service), 'CL1*3*1*01']
        if freq in ('7', '8'):
            segs.append(f'REF*F8*{cl.icn_ref}')
        if cl.prior_auth:
            segs.append(f'REF*G1*PA{cl.pcn}')
        segs.append(f'HI*ABK:{cl.principal}')
        if cl.kind == 'I':
            segs.append(f'NM1*71*1*HOUSE*GREGORY****XX*{NPI}')
        for n, (code, mod, cents) in enumerate(lines, start=1):
            proc = f'HC:{code}' + (f':{mod}' if mod else '')
            if cl.kind == 'P':
                segs += [f'LX*{n}', f'SV1*{proc}*{money(cents)}*UN*1***1',
                         f'DTP*472*D8*{d8(cl.service)}']
            else:
                segs += [f'LX*{n}', f'SV2*0610*{proc}*{money(cents)}*UN*1',
                         f'DTP*472*D8*{d8(cl.service)}']
        return segs

    def _file_837(self, kind, subs, icn, date):
        body = [f'BHT*0019*00*{icn}*{d8(date)}*1200*CH',
                'NM1*41*2*GREEN VALLEY CLINIC*****46*GVC01', 'PER*IC*BILLING*TE*5555550100',
                'NM1*40*2*CLEARINGHOUSE*****46*CH01', 'HL*1**20*1',
                f'NM1*85*2*GREEN VALLEY CLINIC*****XX*{NPI}', 'N3*1 MAIN ST',
                'N4*SPRINGFIELD*IL*62701', 'REF*EI*123456789']
        for hl, (sent, _, cl, freq, lines) in enumerate(subs, start=2):
            pt = cl.patient
            p = PAYERS[cl.payer]
            body += [f'HL*{hl}*1*22*0', 'SBR*P*18*******CI',
                     f'NM1*IL*1*{pt["last"]}*{pt["first"]}****MI*{pt["member"]}',
                     'N3*2 ELM ST', 'N4*SPRINGFIELD*IL*62701',
                     f'DMG*D8*{pt["dob"]}*{pt["sex"]}',
                     f'NM1*PR*2*{p["name"]}*****PI*{p["pid"]}']
            body += self._claim_segs(cl, freq, lines, sent)
        return self._envelope(body, kind, icn)

    def _file_835(self, payer, remits, icn, date, check):
        p = PAYERS[payer]
        total = sum(r.paid for r in remits)
        if total < 0:
            raise AssertionError('a check with a negative total')
        body = [f'BPR*I*{money(total)}*C*ACH*CCP*01*999999999*DA*123456*1512345678**01*'
                f'888888888*DA*654321*{d8(date)}',
                f'TRN*1*{check}*1512345678', f'REF*EV*GVC01', f'DTM*405*{d8(date)}',
                f'N1*PR*{p["name"]}', 'N3*PO BOX 1', 'N4*HARTFORD*CT*06101',
                f'REF*2U*{p["pid"]}', f'N1*PE*GREEN VALLEY CLINIC*XX*{NPI}', 'LX*1']
        for r in remits:
            cl = r.claim
            if cl is not None:
                last, first, member = cl.patient['last'], cl.patient['first'], \
                    cl.patient['member']
                fac = cl.facility
            else:
                last, first, member = r.foreign_patient
                fac = '11'
            body.append(f'CLP*{r.pcn}*{r.clp02}*{money(r.charge)}*{money(r.paid)}*'
                        f'{money(r.resp)}*12*{r.icn}*{fac}*1')
            for g, reason, a in r.adjustments:
                body.append(f'CAS*{g}*{reason}*{money(a)}')
            body += [f'NM1*QC*1*{last}*{first}****MI*{member}', f'DTM*232*{d8(r.service)}']
            for code, mod, ch, paid, adj in r.services:
                proc = f'HC:{code}' + (f':{mod}' if mod else '')
                body.append(f'SVC*{proc}*{money(ch)}*{money(paid)}**1')
                body.append(f'DTM*472*{d8(r.service)}')
                for g, reason, a in adj:
                    body.append(f'CAS*{g}*{reason}*{money(a)}')
        return self._envelope(body, 'R', icn)

    def write(self, directory):
        """Write the files; returns their paths in import order."""
        files = []  # (date, order, name, bytes)
        icn = 0
        weeks = {}
        for s in self.submissions:
            weeks.setdefault((self._week(s[0]), s[1]), []).append(s)
        for (week, kind), subs in sorted(weeks.items()):
            icn += 1
            date = self.start + datetime.timedelta(days=week * 7)
            order = 9 if (kind == 'P' and week == self.late_week) else 0
            if order == 9:
                date = self.end + datetime.timedelta(days=1)
            files.append((date, order, f'837{kind}_w{week:02d}.edi',
                          self._file_837(kind, subs, icn, date)))
        checks = {}
        for date, payer, r in self.payments:
            checks.setdefault((date, payer), []).append(r)
        seq = 0
        payer_order = {'A': 0, 'B': 1, 'C': 2, 'D': 3, 'M': 4}
        for (date, payer) in sorted(checks, key=lambda k: (k[0], payer_order[k[1]])):
            remits = checks[(date, payer)]
            # reversals first, then payments, each in planning order
            remits.sort(key=lambda r: 0 if r.clp02 == '22' else 1)
            icn += 1
            check = f'{PAYERS[payer]["pid"]}-{date:%Y%m%d}'
            for r in remits:
                r.check = check
            files.append((date, 1, f'835_{payer}_{date:%Y%m%d}.edi',
                          self._file_835(payer, remits, icn, date, check)))
        # AETNA's check holding the most payments later reversed is loaded last
        best = max(((sum(1 for r in remits if r.reversed_by is not None), d)
                    for (d, p), remits in checks.items() if p == 'A'))
        self.late_check = f'{PAYERS["A"]["pid"]}-{best[1]:%Y%m%d}'
        files = [(f[0], 10, f[2], f[3]) if f[2] == f'835_A_{best[1]:%Y%m%d}.edi' else f
                 for f in files]
        files.sort(key=lambda f: (f[1] if f[1] >= 9 else 0, f[0], f[1], f[2]))
        paths = []
        for _, _, name, data in files:
            path = os.path.join(directory, name)
            with open(path, 'wb') as f:
                f.write(data)
            paths.append(path)
            if name.startswith('835'):
                for r in checks_by_name(checks, name):
                    seq += 1
                    r.seq = seq
        return paths

    # ------------------------------------------------------------ ground truth

    def expected_claim_status(self, cl):
        """engine.md §1.6."""
        if cl.voided:
            return 'void'
        eps = [r for r in self.remits if r.claim is cl]
        adj = [r for r in eps if r.adjudicated]
        if not adj:
            return 'reversed' if any(r.episode_status == 'reversed' for r in eps) else 'pending'
        if all(r.clp02 == '4' or (r.paid == 0 and r.denial_reasons) for r in adj):
            return 'denied'
        return 'processed'

    def current_remit(self, cl):
        adj = [r for r in self.remits if r.claim is cl and r.adjudicated]
        if not adj:
            return None
        return max(adj, key=lambda r: (r.date, r.seq))

    def expected_patterns(self, payer, today, days):
        """engine.md §4.1 over the planted remittances: {code: pattern dict}."""
        lo = today - datetime.timedelta(days=days)
        E = [r for r in self.remits if r.payer == payer and r.claim is not None and
             r.adjudicated and lo <= r.date <= today]
        n = len(E)
        out = {}
        codes = sorted({c for r in E for c in r.pattern_codes})
        for code in codes:
            S = [r for r in E if code in r.pattern_codes]
            k = len(S)
            if k < 2 or 20 * k < n:
                continue

            def cond(values_of):
                kept = []
                for v in sorted({v for r in S for v in values_of(r)}):
                    kv = sum(1 for r in S if v in values_of(r))
                    mv = sum(1 for r in E if v in values_of(r))
                    if kv >= 2 and 2 * kv * n >= 3 * mv * k:
                        kept.append((kv, v))
                kept.sort(key=lambda x: (-x[0], x[1].encode()))
                return [v for _, v in kept[:10]]

            totals = [r.claim.total for r in S]
            out[code] = dict(
                occurrence_count=k, adjudicated_count=n,
                frequency=round4(k / n), confidence_score=round4(wilson_lower(k, n)),
                conditions=dict(
                    procedure_codes=cond(lambda r: r.claim.procs),
                    principal_diagnoses=cond(lambda r: {r.claim.principal}),
                    facility_types=cond(lambda r: {r.claim.facility}),
                    charge_amount_min=min(totals) / 100, charge_amount_max=max(totals) / 100))
        return out


def checks_by_name(checks, name):
    """The remittances of the 835 file `name`, in file order."""
    _, payer, date = name[:-4].split('_')
    for (d, p), remits in checks.items():
        if p == payer and f'{d:%Y%m%d}' == date:
            return remits
    return []
