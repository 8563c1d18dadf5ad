#!/usr/bin/env python3
"""claimsd over HTTP, measured with wrk (never run by `meson test`).

Usage: bench_http.py BUILD_DIR [--work DIR] [--mb 40] [--duration 5]

Builds (once, kept in --work) a database of about 100,000 claims from
tests/bench/gen_x12.py with payments for a fifth of them, starts the
release claimsd of BUILD_DIR and the bare CivetWeb server
(bench_http_bare: same options, one handler, no routing, database or
cache), and runs wrk on each route at 10 and 64 connections, then
GET /claims/{id} at 256: requests/s, p50, p99 and errors, with the
/health ceiling measured in the same run.  Object routes rotate over
1,000 ids (cached after the first pass); lists are pages of 100 whose
count comes from the cache.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_x12  # noqa: E402

# wrk script: GET <prefix><1..1000> in turn.
ROTATE = """
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "PREFIX" .. ((counter % 1000) + 1))
end
"""


def payments_835(path, db, step):
    """An 835 paying every step-th claim in full, with the claim's number,
    charge and service date, so linking finds each by rule B
    (engine.md §1.2: the generated payers differ from the 835's)."""
    rows = subprocess.run(['sqlite3', '-separator', ' ', db,
                           'SELECT claim_control_number, total_charge_cents, '
                           f'replace(service_date, \'-\', \'\') FROM claims WHERE id % {step} = 0 '
                           'ORDER BY id'],
                          capture_output=True, text=True, check=True).stdout.split('\n')
    rows = [r.split(' ') for r in rows if r]
    segs = ['ISA*00*          *00*          *ZZ*PAYER          *ZZ*CLINIC         '
            '*240101*1200*^*00501*000000777*0*P*:',
            'GS*HP*PAYER*CLINIC*20240201*1200*1*X*005010X221A1']
    sets = 0
    for start in range(0, len(rows), 2000):
        sets += 1
        body = [f'ST*835*{sets:04d}*005010X221A1', 'BPR*I*0*C*NON************20240201',
                f'TRN*1*T{sets}*1512345678', 'N1*PR*BENCH PAYER', 'N1*PE*CLINIC*XX*1234567893',
                'LX*1']
        for pcn, cents, date in rows[start:start + 2000]:
            amount = f'{int(cents) // 100}.{int(cents) % 100:02d}'
            body += [f'CLP*{pcn}*1*{amount}*{amount}**12*ICN{pcn}*11*1',
                     'NM1*QC*1*DOE*JANE****MI*M1', f'DTM*232*{date}']
        body.append(f'SE*{len(body) + 1}*{sets:04d}')
        segs += body
    segs += [f'GE*{sets}*1', 'IEA*1*000000777']
    with open(path, 'w') as f:
        f.write('~\n'.join(segs) + '~\n')


def start(args, pattern, env=None):
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env=env)
    for line in proc.stderr:
        m = re.search(pattern, line)
        if m:
            return proc, int(m.group(1))
    raise RuntimeError(f'{args[0]} did not start')


def wrk(url, conns, seconds, rotate=None):
    """rotate: a path prefix to which the ids 1..1000 are appended in turn."""
    cmd = ['wrk', '-t2', f'-c{conns}', f'-d{seconds}s', '--latency', '--timeout', '5s']
    script = None
    if rotate:
        script = tempfile.NamedTemporaryFile('w', suffix='.lua', delete=False)
        script.write(ROTATE.replace('PREFIX', rotate))
        script.close()
        cmd += ['-s', script.name]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)

    def ms(label):
        m = re.search(rf'^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == 'us' else v * 1000 if unit == 's' else v
    rps = float(re.search(r'Requests/sec:\s+([\d.]+)', out).group(1))
    errors = 0
    m = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    if m:
        errors += int(m.group(1))
    return rps, ms('50'), ms('99'), errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('build')
    ap.add_argument('--work', default=os.path.join(tempfile.gettempdir(), 'claims-bench-http'))
    ap.add_argument('--mb', type=int, default=40)
    ap.add_argument('--duration', type=int, default=5)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    db = os.path.join(a.work, 'http.db')
    cli = os.path.join(a.build, 'apps', 'claims')
    if not os.path.exists(db):
        x837 = os.path.join(a.work, 'claims.837')
        sys.argv = ['gen_x12.py', x837, str(a.mb)]
        gen_x12.main()
        subprocess.run([cli, '--db', db, '--quiet', 'import', x837], check=True)
        x835 = os.path.join(a.work, 'payments.835')
        payments_835(x835, db, 5)
        subprocess.run([cli, '--db', db, '--quiet', 'import', x835], check=True)
    counts = subprocess.run(['sqlite3', db, 'SELECT (SELECT count(*) FROM claims), '
                             '(SELECT count(*) FROM remittances), '
                             '(SELECT count(*) FROM claim_episodes)'],
                            capture_output=True, text=True, check=True).stdout.strip()
    # The defaults otherwise: loopback without auth, the audit trail on
    # (every request queued and written), but no rate limit, whose 60
    # requests a minute one wrk client would spend in a millisecond.
    env = dict(os.environ, RATE_LIMIT_ENABLED='false', CLAIMS_ENV_FILE=os.devnull)
    srv, port = start([os.path.join(a.build, 'apps', 'claimsd'), '--db', db,
                       '--listen', '127.0.0.1:0'], r'listening on 127\.0\.0\.1:(\d+)', env)
    bare, bport = start([os.path.join(a.build, 'tests', 'bench', 'bench_http_bare')],
                        r'listening on (\d+)')
    base = f'http://127.0.0.1:{port}'
    try:
        routes = [('/health (bare CivetWeb)', f'http://127.0.0.1:{bport}/api/v1/health', None),
                  ('/health', base + '/api/v1/health', None),
                  ('/claims?limit=100', base + '/api/v1/claims?limit=100', None),
                  ('/claims/{id}', base + '/api/v1/claims/1', '/api/v1/claims/'),
                  ('/remits?limit=100', base + '/api/v1/remits?limit=100', None),
                  ('/episodes?limit=100', base + '/api/v1/episodes?limit=100', None),
                  ('/cache/stats', base + '/api/v1/cache/stats', None)]
        print(f'claims, remittances, episodes: {counts}; wrk -t2, {a.duration} s each')
        print(f'{"route":28} {"conns":>5} {"req/s":>10} {"p50 ms":>8} {"p99 ms":>8} {"errors":>6}')
        health = {}
        for name, url, rotate in routes:
            wrk(url, 10, 1, rotate)  # warm the cache and the page cache
            for conns in (10, 64):
                rps, p50, p99, err = wrk(url, conns, a.duration, rotate)
                print(f'{name:28} {conns:5} {rps:10.0f} {p50:8.3f} {p99:8.3f} {err:6}')
                if name.startswith('/health'):
                    health.setdefault(conns, []).append(rps)
        rps, p50, p99, err = wrk(base + '/api/v1/claims/1', 256, a.duration, '/api/v1/claims/')
        print(f'{"/claims/{id}":28} {256:5} {rps:10.0f} {p50:8.3f} {p99:8.3f} {err:6}')
        for conns, (bare_rps, ours) in sorted(health.items()):
            print(f'/health vs bare CivetWeb at {conns} connections: {ours / bare_rps:.2f}x')
    finally:
        for p in (srv, bare):
            p.terminate()
            p.wait()


if __name__ == '__main__':
    main()
