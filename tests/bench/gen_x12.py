#!/usr/bin/env python3
"""Generate a large synthetic 837P file for the tokenizer benchmark.

Usage: gen_x12.py OUTPUT [SIZE_MB] [--seed N] [--crlf]

The file holds interchanges of one group and one transaction set each, with
as many claims as fit about 1 MB per set, in the shape of the 005010X222A1
guide (billing provider, subscriber, CLM with HI and several SV1 lines).
Values vary with a seeded generator so the bytes are not one repeated block.
Control counts (SE01, GE01, IEA01) are right, so the reader reports nothing.
"""
import argparse
import random


def claim(rng, n):
    lines = rng.randint(1, 4)
    charges = [rng.randint(1000, 90000) for _ in range(lines)]
    total = sum(charges)
    segs = [
        "CLM*PCN%08d*%d.%02d***11:B:1*Y*A*Y*Y" % (n, total // 100, total % 100),
        "REF*D9*%012d" % rng.randint(0, 10**12 - 1),
        "HI*ABK:%s%02d*ABF:%s%d" % (rng.choice("EIJKMS"), rng.randint(0, 99),
                                   rng.choice("EIJKMS"), rng.randint(100, 999)),
        "NM1*82*1*RENDERING*DOCTOR****XX*1234567893",
        "PRV*PE*PXC*207Q00000X",
    ]
    for i, c in enumerate(charges, 1):
        segs += [
            "LX*%d" % i,
            "SV1*HC:%05d:25*%d.%02d*UN*1***1" % (rng.randint(10000, 99999), c // 100, c % 100),
            "DTP*472*D8*2024%02d%02d" % (rng.randint(1, 12), rng.randint(1, 28)),
            "REF*6R*%d" % rng.randint(1, 10**9),
        ]
    return segs


def transaction(rng, first_claim, size):
    body = [
        "BHT*0019*00*%d*20240105*1200*CH" % first_claim,
        "NM1*41*2*SUBMITTER CLINIC*****46*TGJ23",
        "PER*IC*JERRY*TE*3055552222",
        "NM1*40*2*RECEIVER PAYER*****46*66783JJT",
        "HL*1**20*1",
        "NM1*85*2*BILLING CLINIC*****XX*1234567893",
        "N3*123 MAIN STREET",
        "N4*SPRINGFIELD*IL*62701",
        "REF*EI*123456789",
    ]
    n, hl, nbytes = first_claim, 1, 0
    while nbytes < size:
        hl += 1
        sub = [
            "HL*%d*1*22*0" % hl,
            "SBR*P*18*******CI",
            "NM1*IL*1*DOE%d*JOHN****MI*M%09d" % (hl, rng.randint(0, 10**9)),
            "N3*%d OAK AVENUE" % rng.randint(1, 9999),
            "N4*CHICAGO*IL*60601",
            "DMG*D8*19%02d0%d15*%s" % (rng.randint(30, 99), rng.randint(1, 9), rng.choice("MF")),
            "NM1*PR*2*ACME HEALTH*****PI*%05d" % rng.randint(0, 99999),
        ]
        for _ in range(rng.randint(1, 3)):
            n += 1
            sub += claim(rng, n)
        body += sub
        nbytes += sum(len(s) + 1 for s in sub)
    return body, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("size_mb", nargs="?", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=837)
    ap.add_argument("--crlf", action="store_true", help="CR LF after each terminator")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    target = int(a.size_mb * 1024 * 1024)
    nl = "\r\n" if a.crlf else "\n"
    written, ich, claims = 0, 0, 0
    with open(a.output, "w", newline="") as f:
        while written < target:
            ich += 1
            body, claims = transaction(rng, claims, min(1 << 20, target - written))
            segs = ["ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
                    "*240105*1200*^*00501*%09d*0*P*:" % ich,
                    "GS*HC*SUBMITTER*RECEIVER*20240105*1200*%d*X*005010X222A1" % ich,
                    "ST*837*%04d*005010X222A1" % (ich % 10000)]
            segs += body
            segs.append("SE*%d*%04d" % (len(body) + 2, ich % 10000))
            segs += ["GE*1*%d" % ich, "IEA*1*%09d" % ich]
            text = "".join(s + "~" + nl for s in segs)
            f.write(text)
            written += len(text)
    print("%s: %d bytes, %d interchanges, %d claims" % (a.output, written, ich, claims))


if __name__ == "__main__":
    main()
