"""Headless Chromium for the dashboard tests, a DOM reader, and a seeded
database (a small clinic year, claims of several risk levels, one void claim).

Chromium is Debian's `chromium` package (scripts/install-deps.sh installs it);
a test that needs it fails when it is missing.  It runs as any user,
root included, with --no-sandbox, and its profile lives in the test's
temporary directory.
"""
import datetime
import html.parser
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
import clinic_year as cy  # noqa: E402
import x12gen  # noqa: E402
from harness import run_cli  # noqa: E402

CHROMIUM = os.environ.get('CHROMIUM', 'chromium')
SOURCE_ROOT = os.environ.get('CLAIMS_SOURCE_ROOT',
                             os.path.join(os.path.dirname(__file__), '..', '..'))
WEB_DIR = os.path.join(SOURCE_ROOT, 'apps', 'claimsd', 'web')
# Where screenshots are kept (the build directory under meson).
ARTIFACT_DIR = os.environ.get('CLAIMS_ARTIFACT_DIR', os.getcwd())


def chromium_executable():
    return shutil.which(CHROMIUM)


def run_chromium(url, workdir, dump_dom=False, screenshot=None, budget_ms=15000,
                 size=(1400, 1800), timeout=180):
    """Load @p url headless; returns (DOM text or '', stderr).  Raises
    RuntimeError when Chromium is missing or fails."""
    exe = chromium_executable()
    if not exe:
        raise RuntimeError(f'{CHROMIUM} not found: install Debian\'s chromium package '
                           '(scripts/install-deps.sh)')
    profile = os.path.join(workdir, 'chromium-profile')
    os.makedirs(profile, exist_ok=True)
    args = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
            '--no-first-run', '--no-default-browser-check', '--disable-extensions',
            '--disable-background-networking', '--disable-sync', '--hide-scrollbars',
            '--mute-audio', '--enable-logging=stderr', '--v=0',
            f'--user-data-dir={profile}', f'--window-size={size[0]},{size[1]}',
            f'--virtual-time-budget={budget_ms}']
    if dump_dom:
        args.append('--dump-dom')
    if screenshot:
        args.append(f'--screenshot={screenshot}')
    args.append(url)
    env = dict(os.environ)
    env.setdefault('HOME', workdir)
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=workdir)
    if proc.returncode != 0:
        raise RuntimeError(f'chromium exited {proc.returncode}: {proc.stderr[-3000:]}')
    if screenshot and not os.path.exists(screenshot):
        raise RuntimeError(f'chromium wrote no screenshot: {proc.stderr[-3000:]}')
    return proc.stdout, proc.stderr


def csp_violations(stderr):
    """Console lines of Content-Security-Policy refusals in Chromium's log."""
    return [line for line in stderr.splitlines() if 'Content Security Policy' in line or
            'Content-Security-Policy' in line]


# ---------------------------------------------------------------- DOM

VOID = {'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source',
        'track', 'wbr'}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children = []

    def text(self):
        return ''.join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, pred):
        return [n for n in self.iter() if pred(n)]

    def by_id(self, ident):
        found = self.find_all(lambda n: n.attrs.get('id') == ident)
        if len(found) != 1:
            raise AssertionError(f'{len(found)} elements with id {ident!r}')
        return found[0]

    def elements(self, tag):
        return [n for n in self.iter() if n.tag == tag]

    @property
    def hidden(self):
        return 'hidden' in self.attrs


class _Parser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node('#document', {}, None)
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else '') for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else '') for k, v in attrs}, self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_dom(text):
    p = _Parser()
    p.feed(text)
    p.close()
    return p.root


# ---------------------------------------------------------------- seed

def risk_file(icn='000000777'):
    """An 837P of one payer whose claims score low, medium and high, plus a
    frequency-8 claim without an original (stored void)."""
    claims = [
        x12gen.claim('RISKA1', '150', [('99213', '150')]),
        x12gen.claim('RISKB1', '150', [('99213', '100')], freq='7', dx=(),
                     service_date='20190105'),
        x12gen.claim('RISKC1', '150', [('99213', '150')], freq='8', dx=()),
        x12gen.claim('RISKD1', '900', [('99213', '100')], freq='7', dx=('XX',),
                     service_date='20190105'),
    ]
    return x12gen.file_837([({'payer_id': '99999', 'payer_name': 'RISKY PAYER'}, claims)],
                           npi='1234567890', icn=icn)


def late_file(n=40, icn='000000888'):
    """An 837P of @p n plain claims, uploaded through the API after scoring
    (so its claims are unscored), large enough to become a background job
    with a small UPLOAD_SYNC_MAX_BYTES."""
    claims = [x12gen.claim(f'LATE{i:04d}', '120', [('99213', '120')], service_date='20240110')
              for i in range(n)]
    return x12gen.file_837([({'payer_id': '87726', 'payer_name': 'UNITED HEALTHCARE'}, claims)],
                           icn=icn)


def seed_database(workdir, n_claims=150, seed=20240607):
    """A database with a clinic's year (denials from several payers,
    reversals, unlinked payments) and the risk file, every non-void claim
    scored.  Returns its path."""
    files = os.path.join(workdir, 'seed')
    os.makedirs(files, exist_ok=True)
    end = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)
    # The plan depends on the date; the generator refuses the rare plan with
    # a check of negative total, so take the first seed from @p seed on whose
    # plan it writes.
    for s in range(seed, seed + 50):
        try:
            paths = cy.ClinicYear(seed=s, n_claims=n_claims, end=end).write(files)
            break
        except AssertionError:
            for name in os.listdir(files):
                os.remove(os.path.join(files, name))
    else:
        raise RuntimeError('no seed gives a clinic year')
    risky = os.path.join(files, 'risk.edi')
    with open(risky, 'wb') as f:
        f.write(risk_file())
    db = os.path.join(workdir, 'dashboard.db')
    r = run_cli('--db', db, 'import', *paths, risky, timeout=600)
    if r.returncode != 0:
        raise RuntimeError('import failed: ' + r.stderr[-2000:])
    r = run_cli('--db', db, 'risk', 'calculate', '--all', timeout=600)
    if r.returncode != 0:
        raise RuntimeError('risk calculate failed: ' + r.stderr[-2000:])
    return db
