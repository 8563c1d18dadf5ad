"""Helpers for the integration tests: real claimsd and claims processes.

Everything talks to the built binaries over loopback or through their
command line; nothing here imports the library.
"""
import json
import os
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

CLAIMSD = os.environ.get('CLAIMSD', 'claimsd')
CLAIMS = os.environ.get('CLAIMS', 'claims')


class Server:
    """A claimsd on an ephemeral loopback port with its own database."""

    def __init__(self, db_path, extra_args=(), env=None, start_timeout=30):
        self.db_path = db_path
        args = [CLAIMSD, '--listen', '127.0.0.1:0', '--db', db_path, *extra_args]
        full_env = dict(os.environ)
        full_env.pop('CLAIMS_LISTEN', None)
        full_env['CLAIMS_ENV_FILE'] = os.devnull
        # Rate limits (60 a minute by default) are tested where they are the
        # subject; elsewhere they would turn a busy test's requests into 429s.
        full_env.setdefault('RATE_LIMIT_ENABLED', 'false')
        if env:
            full_env.update(env)
        self.proc = subprocess.Popen(args, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     env=full_env, text=True)
        self.stderr_lines = []
        self.port = None
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.stderr_lines.append(line)
            if line.startswith('listening on 127.0.0.1:'):
                self.port = int(line.strip().rsplit(':', 1)[1])
                break
        if self.port is None:
            self.proc.kill()
            rest = self.proc.stderr.read()
            raise RuntimeError('claimsd did not start: ' + ''.join(self.stderr_lines) + rest)
        self.base = f'http://127.0.0.1:{self.port}'

    def request(self, method, path, body=None, headers=None, timeout=10):
        """Return (status, headers, body bytes); never raises for HTTP errors."""
        req = urllib.request.Request(self.base + path, data=body, method=method,
                                     headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def get_json(self, path):
        status, headers, body = self.request('GET', path)
        return status, headers, json.loads(body) if body else None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        """Send a signal and wait; returns (exit code, remaining stderr)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rest = self.proc.communicate(timeout=timeout)[1]
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rest = self.proc.communicate()[1]
            raise
        return self.proc.returncode, ''.join(self.stderr_lines) + (rest or '')

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def run_cli(*args, input=None, env=None, timeout=120):
    full_env = dict(os.environ)
    full_env['CLAIMS_ENV_FILE'] = os.devnull
    full_env.pop('CLAIMS_DB', None)
    if env:
        full_env.update(env)
    return subprocess.run([CLAIMS, *args], input=input, capture_output=True, text=True,
                          env=full_env, timeout=timeout)


class TempDirTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix='claims-it-')
        self.tmp = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp, name)
