"""The dashboard's parts that stand on other routes: the live feed over
/ws/notifications (api.md §6) and the sign-in form when authentication is on
(security.md §1), in headless Chromium.
"""
import base64
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import browser  # noqa: E402
from harness import Server, TempDirTestCase  # noqa: E402


class Live(TempDirTestCase):
    def setUp(self):
        super().setUp()
        if not browser.chromium_executable():
            self.fail('chromium is not installed (scripts/install-deps.sh installs it)')

    def test_feed_connects_and_shows_the_connection_message(self):
        with Server(self.path('live.db')) as srv:
            # A WebSocket does not hold Chromium's virtual clock back as page
            # loads do, so a warm browser can spend its whole budget before
            # the upgrade's answer or the first message arrives in real time.
            # A page still waiting for either is loaded again (at most five
            # times); anything else is judged at once.
            for _ in range(5):
                dom_text, log = browser.run_chromium(f'{srv.base}/dashboard', self.tmp,
                                                     dump_dom=True, budget_ms=5000)
                dom = browser.parse_dom(dom_text)
                waiting = dom.by_id('live-status').attrs.get('data-status') == 'connecting' or \
                    not [li for li in dom.by_id('feed').elements('li') if 'data-type' in li.attrs]
                if not waiting:
                    break
            srv.stop()
        self.assertEqual(browser.csp_violations(log), [])
        dom = browser.parse_dom(dom_text)
        self.assertEqual(dom.elements('body')[0].attrs['data-state'], 'ready')
        status = dom.by_id('live-status')
        self.assertEqual((status.attrs['data-status'], status.text()), ('up', 'live: connected'))
        events = [li for li in dom.by_id('feed').elements('li') if 'data-type' in li.attrs]
        self.assertEqual([li.attrs['data-type'] for li in events], ['connection'])
        message = [s for s in events[0].elements('span') if 'message' in s.attrs.get('class', '')]
        self.assertEqual(message[0].text(), 'Connected to libclaims notifications')

    def test_sign_in_form_when_auth_is_on(self):
        env = {'REQUIRE_AUTH': 'true',
               'JWT_SECRET_KEY': base64.b64encode(os.urandom(32)).decode()}
        with Server(self.path('auth.db'), env=env) as srv:
            # The premise: a route that is not exempt answers 401 without a
            # token, and the dashboard's files need none.
            status, _, _ = srv.request('GET', '/api/v1/health/detailed')
            self.assertEqual(status, 401)
            for path in ('/dashboard', '/dashboard/app.js', '/dashboard/app.css'):
                self.assertEqual(srv.request('GET', path)[0], 200, path)
            dom_text, log = browser.run_chromium(f'{srv.base}/dashboard', self.tmp,
                                                 dump_dom=True, budget_ms=5000)
            srv.stop()
        self.assertEqual(browser.csp_violations(log), [])
        dom = browser.parse_dom(dom_text)
        self.assertEqual(dom.elements('body')[0].attrs['data-state'], 'login')
        self.assertFalse(dom.by_id('login').hidden)
        self.assertTrue(dom.by_id('main').hidden)
        self.assertEqual(dom.by_id('login-error').text(), '')
        self.assertEqual(dom.by_id('total-claims').attrs['data-value'], '')
        form = dom.by_id('login-form')
        self.assertEqual([(i.attrs['name'], i.attrs.get('type', 'text'))
                          for i in form.elements('input')],
                         [('username', 'text'), ('password', 'password')])


if __name__ == '__main__':
    unittest.main()
