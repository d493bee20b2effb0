#!/usr/bin/python3
"""End-to-end test of the web UI (docs/WEB-UI.md).

Starts the real build/tarifador and build/tarifador-sim on free loopback
ports with a temp data dir, drives Debian's /usr/bin/chromium through
/usr/bin/chromedriver with Selenium (Debian's python3-selenium: nothing is
downloaded), and checks what every page shows: texts, numbers, table rows,
balances, the CSV file. It asserts page content, never timings; waits have
generous limits only so that a broken build fails instead of hanging.

    /usr/bin/python3 tests/e2e/run.py --tarifador build/tarifador --sim build/tarifador-sim

Exit 0: passed; 1: failed; 77: skipped because chromium, chromium-driver or
python3-selenium is missing (with CI=true that is a failure instead).
TARIFADOR_SCREENSHOTS=1 also saves each page, desktop (1280x800) and phone
(390x844) size, to docs/screenshots/*.png. TARIFADOR_E2E_KEEP=1 keeps the
temp dir (config, data, server logs, the downloaded CSV).

Every request the browser makes must stay on 127.0.0.1, and none may answer
404 or 5xx: a page whose route is missing fails the test.
"""

import argparse
import csv
import ctypes
import datetime
import importlib.util
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from decimal import ROUND_UP, Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

SKIP = 77
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHROMIUM = os.environ.get('TARIFADOR_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('TARIFADOR_CHROMEDRIVER', '/usr/bin/chromedriver')
APT = 'apt-get install python3-selenium chromium chromium-driver'

PASSWORD = 'e2e-password-0123'
SIM_PASSWORD = 'e2e-esl-secret'
NUMBER = '442079460958'  # UK London (4420) in base_rates.csv, 0.0180 a minute
# The one simulated call (tarifador-sim scenario): 1 s ringing, 8 s talk, so
# 8 billable seconds at 0.0180 a minute = 0.0024 (4 decimals, rounding up).
A_UUID = 'e2e00000-0000-4000-8000-0000000000a1'
B_UUID = 'e2e00000-0000-4000-8000-0000000000b1'
TALK_S = 8
# The simulated FreeSWITCH's clock runs this far ahead of the box's (a router
# that booted before NTP): the live call's times and the Status page's
# warning must reckon with it.
SWITCH_CLOCK_AHEAD_S = 30
CALL_COST = (Decimal('0.0180') * TALK_S / 60).quantize(Decimal('0.0001'), rounding=ROUND_UP)  # 0.0024
# GET /api/v1/cdrs.csv, default columns (docs/EXPORT.md "Columns").
CSV_COLUMNS = ['uuid', 'linked_uuids', 'site_id', 'direction', 'caller', 'caller_name', 'account_id',
               'destination', 'normalised_number', 'zone', 'prefix', 'rate_plan', 'price_per_minute',
               'connection_fee', 'start_time', 'answer_time', 'bridge_time', 'end_time', 'duration', 'billsec',
               'billusec', 'billable_seconds', 'cost', 'charged', 'hangup_cause', 'disposition', 'deny_reason',
               'gateway', 'pin_id', 'pin_owner']
# Chromium on a closed network, as root, without a display: these keep it
# from calling Google's services and from needing a sandbox or a GPU.
CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
                  '--no-first-run', '--disable-background-networking', '--disable-component-update',
                  '--disable-sync', '--disable-default-apps', '--disable-extensions', '--no-proxy-server']
# Answers that are not failures: the boot's GET /api/v1/session before any
# login, the wrong password, the bulk recharge file that is bad on purpose,
# and the PIN code whose digits are too easy on purpose.
EXPECTED_ERRORS = {(401, '/api/v1/session'), (422, '/api/v1/recharges/bulk'), (400, '/api/v1/pins'),
                   (409, '/api/v1/extensions'), (400, '/api/v1/accounts/1/recharges')}


def csv_file_name(frm, to):
    """The CSV download's name (docs/EXPORT.md "HTTP"), English: a month, a day or a range."""
    a = datetime.date.fromisoformat(frm)
    b = datetime.date.fromisoformat(to)
    nxt = datetime.date(a.year + (a.month == 12), a.month % 12 + 1, 1)
    if a.day == 1 and b == nxt:
        return f'calls-{frm[:7]}.csv'
    if (b - a).days == 1:
        return f'calls-{frm}.csv'
    return f'calls-{frm}_{(b - datetime.timedelta(days=1)).isoformat()}.csv'


class StepError(Exception):
    pass


def check(cond, message):
    if not cond:
        raise StepError(message)


def missing_tools():
    missing = []
    if importlib.util.find_spec('selenium') is None:  # Debian's python3-selenium
        missing.append(f'the selenium module for {sys.executable} (python3-selenium)')
    if not os.access(CHROMIUM, os.X_OK):
        missing.append(f'{CHROMIUM} (chromium)')
    if not os.access(CHROMEDRIVER, os.X_OK):
        missing.append(f'{CHROMEDRIVER} (chromium-driver)')
    return missing


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def die_with_parent():
    # The servers get SIGTERM if this script dies (ctest's timeout kills it).
    try:
        ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def money_re(s):
    return isinstance(s, str) and re.fullmatch(r'-?\d+\.\d{4}', s) is not None


class E2E:
    def __init__(self, tarifador, sim, shot_dir):
        self.tarifador = tarifador
        self.sim = sim
        self.shot_dir = shot_dir
        self.tmp = Path(tempfile.mkdtemp(prefix='tarifador-e2e-'))
        self.downloads = self.tmp / 'downloads'
        self.downloads.mkdir()
        self.children = {}
        self.drivers = {}
        self.requests = []       # (driver name, url, document url) of every request the pages made
        self.responses = []      # (driver name, status, url)
        self.page_errors = []    # uncaught script errors (browser log)
        self.http_port = free_port()
        self.https_port = free_port()
        self.sim_port = free_port()
        self.base = f'http://127.0.0.1:{self.http_port}'
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.token = None
        self.account_id = None
        self.budget_month = None
        self.d = None            # the desktop browser
        self.p = None            # the phone-size browser

    # ---------- processes and the API ----------

    def run_cli(self, *args, stdin=None):
        r = subprocess.run([self.tarifador, *args, '--config', str(self.config)], input=stdin,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise StepError(f'tarifador {" ".join(args)} exited {r.returncode}: {r.stderr.strip()}')
        return r.stdout

    def start(self, name, argv):
        log = open(self.tmp / f'{name}.log', 'wb')
        self.children[name] = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                               preexec_fn=die_with_parent)
        log.close()

    def tail(self, name, lines=30):
        try:
            return '\n'.join((self.tmp / f'{name}.log').read_text(errors='replace').splitlines()[-lines:])
        except OSError:
            return ''

    def api(self, method, path, body=None, expect=(200,)):
        data = None
        headers = {'Authorization': f'Bearer {self.token}'} if self.token else {}
        if body is not None:
            data = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with self.opener.open(req, timeout=30) as r:
                status, text = r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status not in expect:
            raise StepError(f'{method} {path}: HTTP {status} {text}')
        return json.loads(text) if text else None

    def until(self, what, fn, timeout=30.0):
        """fn() until it returns something true; exceptions count as "not yet"."""
        from selenium.common.exceptions import WebDriverException
        end = time.monotonic() + timeout
        last = None
        while True:
            try:
                v = fn()
                if v:
                    return v
            except (WebDriverException, StepError, LookupError, TypeError, ValueError) as e:
                last = e
            if time.monotonic() >= end:
                why = f': {str(last).splitlines()[0] if str(last) else type(last).__name__}' if last else ''
                raise StepError(f'gave up after {timeout:.0f} s waiting for {what}{why}')
            time.sleep(0.2)

    def expect(self, what, get, want, timeout=30.0):
        """Waits until get() == want (or want(get()) for a callable); fails with what the page shows."""
        seen = []

        def probe():
            v = get()
            seen[:] = [v]
            return want(v) if callable(want) else v == want
        try:
            self.until(what, probe, timeout)
        except StepError as e:
            shown = repr(seen[0]) if seen else '(nothing)'
            wanted = '' if callable(want) else f'expected {want!r}, '
            raise StepError(f'{what}: {wanted}the page shows {shown} ({e})') from None
        return seen[0]

    def setup_server(self):
        (self.tmp / 'data').mkdir()
        self.config = self.tmp / 'tarifador.json'
        self.config.write_text(json.dumps({
            'data_dir': str(self.tmp / 'data'),
            'site_id': 'e2e',
            'http': {'listen': f'127.0.0.1:{self.http_port}', 'tls_listen': f'127.0.0.1:{self.https_port}'},
            'freeswitch': {'host': '127.0.0.1', 'port': self.sim_port, 'password': SIM_PASSWORD},
            # Two guards on, for the Spending page to show; neither stops the test's calls.
            'guards': {'max_daily_spend': '500.00', 'max_concurrent_calls': 3},
        }, indent=2))
        self.run_cli('rates', 'import', '--plan', 'default', str(HERE / 'fixtures/base_rates.csv'))
        self.token = self.run_cli('token', 'create', 'e2e', '--role', 'admin').strip()
        self.start('tarifador', [self.tarifador, 'serve', '--config', str(self.config)])

        def healthy():
            if self.children['tarifador'].poll() is not None:
                raise SystemExit(f'FAIL: tarifador serve exited {self.children["tarifador"].returncode}:\n'
                                 f'{self.tail("tarifador")}')
            try:
                with self.opener.open(self.base + '/healthz', timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False
        self.until('tarifador /healthz', healthy, 30)
        # No administrator yet: the web UI's first-run setup creates it.
        setup = self.api('GET', '/api/v1/setup')
        check(setup == {'setup_required': True}, f'GET /api/v1/setup on a new box: {setup}')
        # An account and an extension for the simulated call, through the API.
        acc = self.api('POST', '/api/v1/accounts', {'name': 'Sales', 'type': 'postpaid', 'credit_limit': '100'},
                       expect=(201,))
        self.account_id = acc['id']
        self.api('POST', '/api/v1/extensions', {'number': '1001', 'name': 'Reception',
                                                'account_id': self.account_id}, expect=(201,))
        # The fake FreeSWITCH plays exactly one call, started once the dashboard is open.
        self.scenario = self.tmp / 'call.jsonl'
        self.scenario.write_text(json.dumps({
            'at': 2, 'kind': 'outbound', 'caller': '1001', 'destination': NUMBER, 'ring': 1, 'talk': TALK_S,
            'outcome': 'answered', 'a_uuid': A_UUID, 'b_uuid': B_UUID}) + '\n')

    def start_sim(self):
        # tarifador's link, in backoff since start, connects on its next try
        # (at most 30 s away); the call starts 2 s after it subscribes.
        self.start('sim', [self.sim, '--listen', f'127.0.0.1:{self.sim_port}', '--password', SIM_PASSWORD,
                           '--wait-for-subscriber', '--seed', '7', '--scenario', str(self.scenario),
                           '--duration', '100000', '--clock-offset', str(SWITCH_CLOCK_AHEAD_S)])

    def stop(self):
        for drv in self.drivers.values():
            try:
                drv.quit()
            except Exception:  # noqa: BLE001  (already gone)
                pass
        for child in self.children.values():
            if child.poll() is None:
                child.terminate()
        for child in self.children.values():
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    # ---------- the browsers ----------

    def browser(self, name, phone, insecure_certs=False):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        opts = webdriver.ChromeOptions()
        opts.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            opts.add_argument(flag)
        opts.add_argument(f'--user-data-dir={self.tmp / ("profile-" + name)}')
        if phone:
            opts.add_experimental_option('mobileEmulation', {'deviceMetrics': {
                'width': 390, 'height': 844, 'pixelRatio': 1.0, 'touch': True, 'mobile': True}})
        else:
            opts.add_argument('--window-size=1280,800')
        opts.add_experimental_option('prefs', {
            'download.default_directory': str(self.downloads), 'download.prompt_for_download': False,
            'download.directory_upgrade': True, 'safebrowsing.enabled': False})
        opts.add_experimental_option('perfLoggingPrefs', {'enableNetwork': True, 'enablePage': False})
        opts.set_capability('goog:loggingPrefs', {'performance': 'ALL', 'browser': 'ALL'})
        if insecure_certs:
            # The box's own certificate, as a user accepts it after checking
            # its fingerprint (the step compares the two).
            opts.set_capability('acceptInsecureCerts', True)
        service = Service(executable_path=CHROMEDRIVER, log_path=str(self.tmp / f'chromedriver-{name}.log'))
        drv = webdriver.Chrome(service=service, options=opts)
        self.drivers[name] = drv
        drv.name_ = name
        if not phone:
            # The exact viewport of the screenshots, whatever the window decorations.
            drv.execute_cdp_cmd('Emulation.setDeviceMetricsOverride',
                                {'width': 1280, 'height': 800, 'deviceScaleFactor': 1, 'mobile': False})
        drv.execute_cdp_cmd('Page.setDownloadBehavior', {'behavior': 'allow', 'downloadPath': str(self.downloads)})
        return drv

    def drain_logs(self):
        """Moves the browsers' network and console logs into self.requests/responses/page_errors."""
        for name, drv in self.drivers.items():
            try:
                perf = drv.get_log('performance')
                console = drv.get_log('browser')
            except Exception:  # noqa: BLE001  (a browser that died: the step failed already)
                continue
            for entry in perf:
                msg = json.loads(entry['message'])['message']
                params = msg.get('params', {})
                if msg['method'] == 'Network.requestWillBeSent':
                    self.requests.append((name, params['request']['url'], params.get('documentURL', '')))
                elif msg['method'] == 'Network.responseReceived':
                    self.responses.append((name, params['response']['status'], params['response']['url']))
            for entry in console:
                if entry.get('level') == 'SEVERE' and entry.get('source') == 'javascript':
                    self.page_errors.append(f'{name}: {entry["message"]}')

    # ---------- reading and using a page ----------

    @staticmethod
    def js(drv, script, *args):
        return drv.execute_script(script, *args)

    def rows(self, drv, table, part='tbody'):
        return self.js(drv, """return Array.from(document.querySelectorAll(arguments[0] + ' ' + arguments[1] + ' tr'))
            .map((tr) => Array.from(tr.cells).map((c) => c.innerText.trim()));""", table, part)

    def text(self, drv, selector):
        return self.js(drv, """const e = document.querySelector(arguments[0]);
            return e ? e.innerText.trim() : null;""", selector)

    def texts(self, drv, selector):
        return self.js(drv, """return Array.from(document.querySelectorAll(arguments[0]))
            .map((e) => e.innerText.trim());""", selector)

    def kv(self, drv, selector):
        """A <dl class=kv> as a dict (dt text -> dd text)."""
        return self.js(drv, """const dl = document.querySelector(arguments[0]);
            if (!dl) return null;
            const out = {};
            for (const dt of dl.querySelectorAll(':scope > dt')) {
              const dd = dt.nextElementSibling;
              out[dt.innerText.trim()] = dd ? dd.innerText.trim() : null;
            }
            return out;""", selector)

    def tiles(self, drv):
        return self.js(drv, """const out = {};
            for (const t of document.querySelectorAll('.tiles .tile'))
              out[t.querySelector('span').innerText.trim()] = t.querySelector('b').innerText.trim();
            return out;""")

    def h1(self, drv):
        return self.text(drv, 'main h1')

    def form_heading(self, drv):
        return self.text(drv, 'form h2')

    def find(self, drv, selector):
        from selenium.webdriver.common.by import By
        return self.until(f'the element {selector}', lambda: drv.find_element(By.CSS_SELECTOR, selector), 30)

    def click_text(self, drv, xpath_tag, text):
        from selenium.webdriver.common.by import By
        el = self.until(f'{xpath_tag} "{text}"',
                        lambda: drv.find_element(By.XPATH, f"//{xpath_tag}[normalize-space()='{text}']"), 30)
        el.click()

    def nav(self, drv, label, heading):
        self.click_text(drv, 'nav/a', label)
        self.expect(f'the {label} page heading', lambda: self.h1(drv), heading)

    def type_into(self, drv, selector, value, replace=False):
        from selenium.webdriver.common.keys import Keys
        el = self.find(drv, selector)
        if replace:
            el.send_keys(Keys.CONTROL, 'a')
            el.send_keys(Keys.DELETE)
        el.send_keys(value)
        return el

    def submit(self, drv, form):
        self.find(drv, f'form[aria-label="{form}"] button[type=submit]').click()

    def overflow(self, drv):
        return self.js(drv, 'return document.documentElement.scrollWidth - document.documentElement.clientWidth;')

    def shot(self, drv, name):
        if not self.shot_dir:
            return
        self.shot_dir.mkdir(parents=True, exist_ok=True)
        time.sleep(0.3)  # let the last render and the chart settle; not an assertion
        if not drv.save_screenshot(str(self.shot_dir / f'{name}.png')):
            raise StepError(f'could not save the screenshot {name}.png')

    def body_text(self, drv):
        try:
            return self.js(drv, 'return document.body ? document.body.innerText : "";')
        except Exception:  # noqa: BLE001
            return '(no page)'

    # ---------- the steps ----------

    def step_setup(self):
        d = self.d = self.browser('desktop', phone=False)
        d.get(self.base + '/')
        self.expect('the first-run form', lambda: self.form_heading(d), 'First run: create the administrator')
        check(self.js(d, 'return document.title;') == 'tarifador', 'page title')
        intro = self.text(d, 'form[aria-label="First-run setup"] p.muted')
        check(intro and intro.startswith('No administrator exists yet.'), f'setup text: {intro!r}')
        user = self.find(d, 'form[aria-label="First-run setup"] input[name=username]')
        check(user.get_attribute('value') == 'admin', f'user name prefilled: {user.get_attribute("value")!r}')
        self.shot(d, 'setup-desktop')
        self.type_into(d, 'input[name=password]', PASSWORD)
        self.type_into(d, 'input[name=password2]', PASSWORD + '-typo')
        self.submit(d, 'First-run setup')
        self.expect('the error for differing passwords', lambda: self.text(d, '.error'), 'The two passwords differ.')
        check(self.api('GET', '/api/v1/setup') == {'setup_required': True}, 'an admin was created anyway')
        self.type_into(d, 'input[name=password2]', PASSWORD, replace=True)
        self.submit(d, 'First-run setup')
        self.expect('the dashboard after the setup', lambda: self.h1(d), 'Dashboard')
        self.expect('the signed-in user', lambda: self.text(d, 'header .who'), 'admin (admin) Sign out')
        check(self.api('GET', '/api/v1/setup') == {'setup_required': False}, 'GET /api/v1/setup after the setup')
        return 'mismatched passwords refused, admin created and signed in'

    def step_login(self):
        d = self.d
        d.delete_all_cookies()
        d.get(self.base + '/')
        self.expect('the sign-in form', lambda: self.form_heading(d), 'Sign in')
        check('First run' not in self.body_text(d), 'the setup page is shown although an admin exists')
        self.shot(d, 'login-desktop')
        self.type_into(d, 'input[name=username]', 'admin')
        self.type_into(d, 'input[name=password]', 'wrong-password-123')
        self.submit(d, 'Sign in')
        self.expect('the refusal', lambda: self.text(d, '.error'), 'wrong user name or password')
        check(self.form_heading(d) == 'Sign in' and self.h1(d) == 'tarifador', 'left the sign-in page')
        self.type_into(d, 'input[name=password]', PASSWORD, replace=True)
        self.submit(d, 'Sign in')
        self.expect('the dashboard', lambda: self.h1(d), 'Dashboard')
        self.expect('the signed-in user', lambda: self.text(d, 'header .who'), 'admin (admin) Sign out')
        nav = self.texts(d, 'nav a')
        check(nav == ['Dashboard', 'Calls', 'Accounts', 'Rates', 'Reports', 'Status', 'Alerts', 'Spending', 'Users'],
              f'navigation: {nav}')

    def step_dashboard_call(self):
        d = self.d
        self.expect('the update mode', lambda: self.text(d, '[data-testid=live-mode]'), 'live (events)')
        self.expect('no live call yet', lambda: self.text(d, '[data-testid=no-calls]'), 'No calls in progress.')
        check(self.text(d, '[data-testid=live-count]') == '0', 'live calls tile before the call')
        self.expect("today's tiles before the call", lambda: self.tiles(d),
                    {'Live calls': '0', 'Calls today': '0', 'Answered today': '0', 'Cost today': '0.0000'})
        self.start_sim()
        # Live: caller, destination, zone, elapsed, talk, running cost, per minute.
        row = self.expect('the simulated call, answered, in the live calls', lambda: self.rows(
            d, '[data-testid=live-calls]'), lambda r: len(r) == 1 and r[0][2] == 'UK London' and r[0][4] != 'ringing',
            timeout=90)[0]
        check(row[:3] == ['1001', NUMBER, 'UK London'] and row[6] == '0.0180',
              f'live call row: {row}')
        check(money_re(row[5]) and Decimal(row[5]) <= CALL_COST, f'running cost of the live call: {row[5]!r}')
        check(re.fullmatch(r'0:0\d', row[4]) is not None, f'talk time of the live call: {row[4]!r}')
        check(self.text(d, '[data-testid=live-count]') == '1', 'live calls tile during the call')
        # Ended: caller, destination, result, talk, cost, ended at.
        ended = self.expect('the call in "Just ended"', lambda: self.rows(d, '[data-testid=ended-calls]'),
                            lambda r: len(r) == 1 and r[0][2] == 'answered', timeout=60)[0]
        check(ended[:5] == ['1001', NUMBER, 'answered', f'0:{TALK_S:02d}', str(CALL_COST)], f'ended call row: {ended}')
        check(re.fullmatch(r'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d', ended[5]) is not None, f'ended at: {ended[5]!r}')
        self.expect('no live call after the end', lambda: self.text(d, '[data-testid=no-calls]'),
                    'No calls in progress.')
        return f'{NUMBER} live at 0.0180/min, then answered, 0:{TALK_S:02d}, {CALL_COST}'

    def step_dashboard_totals(self):
        d = self.d
        self.expect("today's tiles after the call", lambda: self.tiles(d),
                    {'Live calls': '0', 'Calls today': '1', 'Answered today': '1', 'Cost today': str(CALL_COST)})
        today = time.strftime('%Y-%m-%d')
        self.expect('the chart heading', lambda: self.texts(d, 'main h2')[-1],
                    lambda h: h.startswith(f'Today per hour {today}'))
        self.until('the hourly chart', lambda: self.js(d, "return document.querySelectorAll('.chart canvas').length;"))
        legend = self.text(d, '.chart .u-legend')
        check(legend is not None and 'Calls' in legend and 'Cost' in legend, f'chart legend: {legend!r}')
        self.shot(d, 'dashboard-desktop')
        return "tiles 1 call, 1 answered, cost 0.0024; chart drawn"

    def step_accounts(self):
        d = self.d
        a = str(self.account_id)
        self.nav(d, 'Accounts', 'Accounts')
        # Id, name, type, balance, reserved, available (postpaid, limit 100).
        self.expect('the balances', lambda: self.rows(d, '[data-testid=accounts]'),
                    [[a, 'Sales', 'postpaid', '-0.0024', '0.0000', '99.9976', '—']])
        self.expect('the extensions', lambda: self.rows(d, '[data-testid=extensions]'),
                    [['1001', 'Reception', f'{a} (Sales)', 'default', 'yes', 'Edit']])
        self.find(d, '[data-testid=accounts] tbody tr').click()
        self.expect('the account detail', lambda: self.text(d, '[data-testid=account-detail] h2'),
                    f'Sales account {a}, postpaid')
        self.expect('the balance line', lambda: self.text(d, '[data-testid=account-detail] p'),
                    'Balance -0.0024, available 99.9976 (credit limit 100.0000).')
        # When, kind, amount, balance after, by, reason / call.
        ledger = self.expect('the ledger', lambda: self.rows(d, '[data-testid=ledger]'), lambda r: len(r) == 1)
        check(ledger[0][2:7] == ['call_charge', '-0.0024', '-0.0024', 'billing', f'call to {NUMBER}'],
              f'ledger row of the call: {ledger[0]}')
        return 'Sales -0.0024 after the call, extension 1001, call_charge in the ledger'

    def step_recharge(self):
        d = self.d
        a = str(self.account_id)
        self.type_into(d, 'form[aria-label=Recharge] input[name=amount]', '25.50')
        self.type_into(d, 'form[aria-label=Recharge] input[name=note]', 'e2e top-up')
        self.submit(d, 'Recharge')
        self.expect('the confirmation with the new balance',
                    lambda: ' '.join((self.text(d, '[data-testid=recharge-confirm]') or '').split()),
                    'Recharge 25.5000 to Sales: the balance goes from -0.0024 to 25.4976. Confirm recharge Change')
        check(self.api('GET', f'/api/v1/accounts/{a}')['balance'] == '-0.0024', 'recharged before the confirmation')
        self.submit(d, 'Recharge')
        self.expect('the recharge notice', lambda: self.text(d, 'form[aria-label=Recharge] .notice'),
                    'Recharged 25.5000; balance 25.4976.')
        self.expect('the new balance', lambda: self.text(d, '[data-testid=balance]'), '25.4976')
        self.expect('the balances after the recharge', lambda: self.rows(d, '[data-testid=accounts]'),
                    [[a, 'Sales', 'postpaid', '25.4976', '0.0000', '125.4976', '—']])
        ledger = self.expect('the recharge in the ledger', lambda: self.rows(d, '[data-testid=ledger]'),
                             lambda r: len(r) == 2)
        check(ledger[0][2:7] == ['recharge', '25.5000', '25.4976', 'user:admin', 'e2e top-up'],
              f'ledger row of the recharge (newest first): {ledger[0]}')
        check(self.find(d, '[data-testid=ledger] tbody tr').get_attribute('class') == 'new',
              'the new recharge is not marked in the ledger')
        check(self.find(d, 'form[aria-label=Recharge] input[name=amount]').get_attribute('value') == '',
              'the amount field is not cleared after the recharge')
        # The recharge carried an Idempotency-Key (128 random bits, js/api.js).
        rows = self.api('GET', f'/api/v1/accounts/{a}/ledger')['items']
        key = rows[-1].get('idempotency_key') or ''
        check(re.fullmatch(r'[0-9a-f]{32}', key) is not None, f'Idempotency-Key of the recharge: {key!r}')
        return '25.50 on -0.0024 gives 25.4976; ledger row by user:admin; Idempotency-Key sent'

    def step_bulk(self):
        d = self.d
        a = str(self.account_id)
        form = 'form[aria-label="Bulk recharge"]'
        # A bad file first: every bad row listed, nothing applied.
        self.type_into(d, f'{form} textarea[name=bulkcsv]', '1001,5.00,bulk e2e\nnobody,1.00\n')
        self.submit(d, 'Bulk recharge')
        bad = self.expect('the bad rows of the refused file', lambda: self.rows(d, '.card .error ~ div table'),
                          lambda r: len(r) == 1)
        check(bad[0][0] == '2' and 'nobody' in bad[0][1], f'bad row report: {bad}')
        check(self.text(d, '[data-testid=balance]') == '25.4976', 'the refused file changed the balance')
        check(not self.texts(d, '[data-testid=bulk-report]'), 'a report for the refused file')
        # Then the good one.
        self.type_into(d, f'{form} textarea[name=bulkcsv]', '1001,5.00,bulk e2e\n', replace=True)
        self.submit(d, 'Bulk recharge')
        self.expect('the bulk notice', lambda: self.text(d, f'{form} ~ .notice'), 'Applied 1 recharges, total 5.0000.')
        # Line, target, account, amount, balance after.
        self.expect('the bulk report', lambda: self.rows(d, '[data-testid=bulk-report]'),
                    [['1', '1001', a, '5.0000', '30.4976']])
        self.expect('the balance after the bulk recharge', lambda: self.text(d, '[data-testid=balance]'), '30.4976')
        ledger = self.expect('the bulk row in the ledger', lambda: self.rows(d, '[data-testid=ledger]'),
                             lambda r: len(r) == 3)
        check(ledger[0][2:7] == ['recharge', '5.0000', '30.4976', 'user:admin', 'bulk e2e'],
              f'ledger row of the bulk recharge: {ledger[0]}')
        check(not self.texts(d, '.card .error'), f'an error is still shown: {self.texts(d, ".card .error")}')
        self.shot(d, 'accounts-desktop')
        return 'bad line 2 refused and listed; 1001 +5.00 gives 30.4976'

    def step_budget(self):
        from selenium.webdriver.support.ui import Select
        d = self.d
        a = str(self.account_id)
        form = 'form[aria-label="Monthly budget"]'
        self.expect('no budget yet', lambda: self.text(d, '[data-testid=budget] p'), 'No monthly budget.')
        # A decimal comma is accepted as typed.
        self.type_into(d, f'{form} input[name=monthly_budget]', '30,5')
        self.type_into(d, f'{form} input[name=budget_warn_percent]', '50', replace=True)
        self.submit(d, 'Monthly budget')
        self.expect('the budget notice', lambda: self.text(d, f'{form} .notice'), 'Budget saved.')
        month = self.budget_month = self.api('GET', f'/api/v1/accounts/{a}')['budget']['month']
        self.expect('the budget line', lambda: self.text(d, '[data-testid=budget-state]'),
                    f'{month}: spent 0.0024, held by live calls 0.0000, left 30.4976 of 30.5000 (0 %).')
        self.expect('the budget in the balances', lambda: self.rows(d, '[data-testid=accounts]'),
                    [[a, 'Sales', 'postpaid', '30.4976', '0.0000', '130.4976', '30.4976 of 30.5000 left (0 %)']])
        # Below what this month's call already cost: reached, and calls are refused.
        self.type_into(d, f'{form} input[name=monthly_budget]', '0.002', replace=True)
        self.submit(d, 'Monthly budget')
        self.expect('the reached budget', lambda: self.text(d, '[data-testid=budget-state]'),
                    f'{month}: spent 0.0024, held by live calls 0.0000, left -0.0004 of 0.0020 (120 %). '
                    'Reached: outbound calls are refused until next month.')
        check(self.find(d, '[data-testid=budget-state]').get_attribute('data-state') == 'reached', 'budget state')
        auth = self.api('GET', f'/api/v1/authorize?caller=1001&destination={NUMBER}')
        check(auth['allowed'] is False and auth['reason'] == 'budget_exhausted', f'authorize over budget: {auth}')
        # Alert only: calls go on.
        Select(self.find(d, f'{form} select[name=budget_mode]')).select_by_value('alert')
        self.submit(d, 'Monthly budget')
        self.expect('the alert-only budget', lambda: self.text(d, '[data-testid=budget-state]'),
                    lambda t: (t or '').endswith('Reached: alert only, calls go on.'))
        auth = self.api('GET', f'/api/v1/authorize?caller=1001&destination={NUMBER}')
        check(auth['allowed'] is True, f'authorize with an alert-only budget: {auth}')
        # Removed: an empty field.
        self.type_into(d, f'{form} input[name=monthly_budget]', '', replace=True)
        self.submit(d, 'Monthly budget')
        self.expect('the removal notice', lambda: self.text(d, f'{form} .notice'), 'Budget removed.')
        self.expect('no budget after the removal', lambda: self.text(d, '[data-testid=budget] p'), 'No monthly budget.')
        audit = self.api('GET', '/api/v1/audit?action=account.update')
        n = len(audit['items'])
        check(n == 4, f'account.update audit rows: {n}')
        return f'budget 30,5 at 50 %, then 0.002 (120 %, calls refused), alert only, removed; {n} audit rows'

    def step_limits(self):
        d = self.d
        a = str(self.account_id)
        form = 'form[aria-label="Spending limits"]'
        self.nav(d, 'Accounts', 'Accounts')
        self.find(d, '[data-testid=accounts] tbody tr').click()
        daily = self.api('GET', f'/api/v1/accounts/{a}')['daily']
        check(daily['source'] == 'box' and daily['limit'] == '500.0000', f'the box-wide cap over the API: {daily}')
        day, spent = daily['day'], daily['spent']
        self.expect('the box-wide daily cap', lambda: self.text(d, '[data-testid=daily-state]'),
                    f'{day}: spent {spent}, held by live calls 0.0000, left {daily["left"]} of 500.0000 '
                    '(the box-wide cap).')
        check(not self.texts(d, f'{form} input[name=low_balance]'), 'a low-balance field on a postpaid account')
        # The account's own cap, typed with a decimal comma, below what today cost: calls are refused.
        self.type_into(d, f'{form} input[name=daily_limit]', '0,001')
        self.submit(d, 'Spending limits')
        self.expect('the limits notice', lambda: self.text(d, f'{form} .notice'), 'Limits saved.')
        left = self.api('GET', f'/api/v1/accounts/{a}')['daily']['left']
        check(left.startswith('-'), f'left of a cap below the day\'s spend: {left}')
        self.expect('the reached cap', lambda: self.text(d, '[data-testid=daily-state]'),
                    f'{day}: spent {spent}, held by live calls 0.0000, left {left} of 0.0010 '
                    "(this account's own cap). Reached: outbound calls are refused until tomorrow.")
        check(self.find(d, '[data-testid=daily-state]').get_attribute('data-state') == 'reached', 'daily state')
        auth = self.api('GET', f'/api/v1/authorize?caller=1001&destination={NUMBER}')
        check(auth['allowed'] is False and auth['reason'] == 'guard_daily_spend', f'authorize over the cap: {auth}')
        # 0 lifts the box-wide cap for this account.
        self.type_into(d, f'{form} input[name=daily_limit]', '0', replace=True)
        self.submit(d, 'Spending limits')
        self.expect('the lifted cap', lambda: self.text(d, '[data-testid=daily-state]'),
                    'No daily spend cap (lifted for this account).')
        auth = self.api('GET', f'/api/v1/authorize?caller=1001&destination={NUMBER}')
        check(auth['allowed'] is True, f'authorize without a cap: {auth}')
        # Empty: the box-wide cap again.
        self.type_into(d, f'{form} input[name=daily_limit]', '', replace=True)
        self.submit(d, 'Spending limits')
        self.expect('the box-wide cap again', lambda: self.text(d, '[data-testid=daily-state]'),
                    lambda t: (t or '').endswith('of 500.0000 (the box-wide cap).'))
        check(self.api('GET', f'/api/v1/accounts/{a}')['daily_limit'] is None, 'the own cap was not removed')
        audit = self.api('GET', '/api/v1/audit?action=account.update')['items']
        caps = [e for e in audit if 'daily_limit' in json.dumps(e)]
        check(len(caps) == 3, f'account.update audit rows for the cap: {len(caps)}')
        return f'box-wide 500.00 shown; own cap 0,001 refuses (guard_daily_spend); 0 lifts it; empty restores it'

    def step_alerts(self):
        d = self.d
        self.find(d, "nav a[href='/alerts']").click()
        self.expect('the Alerts page heading', lambda: self.h1(d), 'Alerts')
        self.expect('the open count beside the tab', lambda: self.text(d, '[data-testid=alert-count]'), '1')
        want = (f'Sales: monthly budget of 0.0020 reached in {self.budget_month}; '
                'outbound calls are refused until next month or a higher budget.')
        item = self.expect('the budget alert', lambda: self.texts(d, '[data-testid=alerts] li'),
                           lambda t: len(t) == 1)[0]
        check(want in item, f'the alert reads {item!r}')
        check(self.find(d, '[data-testid=alerts] li').get_attribute('class') == 'alert critical', 'alert severity')
        self.shot(d, 'alerts-desktop')
        self.click_text(d, 'button', 'Acknowledge')
        self.expect('no open alert', lambda: self.text(d, '[data-testid=no-alerts]'), 'No open alerts.')
        self.until('the count gone from the tab', lambda: not self.texts(d, '[data-testid=alert-count]'))
        self.find(d, 'input[name=show-all]').click()
        item = self.expect('the acknowledged alert', lambda: self.texts(d, '[data-testid=alerts] li'),
                           lambda t: len(t) == 1 and 'Acknowledged by user:admin' in t[0])[0]
        audit = self.api('GET', '/api/v1/audit?action=alert.acknowledge')['items']
        check(len(audit) == 1 and audit[0]['actor'] == 'user:admin', f'alert.acknowledge audit rows: {audit}')
        return 'budget_reached listed with its count on the tab, acknowledged by admin, audited'

    def step_rates_import(self):
        d = self.d
        self.nav(d, 'Rates', 'Rate plans')
        # Plan, rates, decimals, rounding.
        self.expect('the rate plans', lambda: self.rows(d, '[data-testid=plans]'),
                    [['default (default)', '3', '4', 'up']])
        self.type_into(d, 'form[aria-label="Import rates"] input[name=plan]', 'e2e')
        self.find(d, 'form[aria-label="Import rates"] input[name=deck]').send_keys(str(HERE / 'fixtures/import_rates.csv'))
        self.submit(d, 'Import rates')
        self.expect('the import notice', lambda: self.text(d, '.notice'),
                    'Imported plan e2e: 2 rates in 2 zones (4 decimals, rounding up).')
        self.expect('the rate plans after the import', lambda: self.rows(d, '[data-testid=plans]'),
                    [['default (default)', '3', '4', 'up'], ['e2e', '2', '4', 'up']])
        self.expect('the rates of e2e', lambda: self.text(d, '[data-testid=rates]') and self.texts(d, 'main h2'),
                    lambda hs: 'Rates of e2e' in hs)
        # Prefix, zone, per minute, connection, increments, effective, blocked.
        # A rate with no start date (the API sends the epoch, docs/RATING.md)
        # reads "always", never a local 1969/1970 date.
        rates = self.expect('the rates of the new plan', lambda: self.rows(d, '[data-testid=rates]'),
                            lambda r: [x[:5] + x[6:] for x in r] == [
                                ['44', 'E2E United Kingdom', '0.0600', '0.0000', '1/1', ''],
                                ['447', 'E2E UK Mobile', '0.1200', '0.0000', '1/1', '']])
        check(all(x[5] == 'always' for x in rates), f'effective dates: {[x[5] for x in rates]}')
        return f'plan e2e: 2 rates listed (effective "{rates[0][5]}")'

    def step_quote(self):
        from selenium.webdriver.support.select import Select
        d = self.d
        Select(self.find(d, 'form[aria-label=Quote] select[name=plan]')).select_by_visible_text('e2e')
        self.type_into(d, 'form[aria-label=Quote] input[name=number]', NUMBER)
        self.type_into(d, 'form[aria-label=Quote] input[name=seconds]', '95', replace=True)
        self.submit(d, 'Quote')
        self.expect('the quote from plan e2e', lambda: self.kv(d, '[data-testid=quote-result]'), {
            'Number': NUMBER, 'Zone': 'E2E United Kingdom', 'Prefix': '44', 'Per minute': '0.0600',
            'Billable seconds': '95', 'Cost': '0.0950'})
        # The default plan rates the same number as UK London.
        Select(self.find(d, 'form[aria-label=Quote] select[name=plan]')).select_by_visible_text('default (default)')
        self.submit(d, 'Quote')
        self.expect('the quote from the default plan', lambda: self.kv(d, '[data-testid=quote-result]'), {
            'Number': NUMBER, 'Zone': 'UK London', 'Prefix': '4420', 'Per minute': '0.0180',
            'Billable seconds': '95', 'Cost': '0.0285'})
        Select(self.find(d, 'form[aria-label=Quote] select[name=plan]')).select_by_visible_text('e2e')
        self.submit(d, 'Quote')
        self.expect('the quote from plan e2e again', lambda: self.text(d, '[data-testid=quote-cost]'), '0.0950')
        self.shot(d, 'rates-desktop')
        return '95 s: e2e 0.0950 (E2E United Kingdom), default 0.0285 (UK London)'

    def step_cdrs(self):
        d = self.d
        self.nav(d, 'Calls', 'Calls')
        form = 'form[aria-label="CDR filters"]'
        today = time.strftime('%Y-%m-%d')
        frm = self.find(d, f'{form} input[name=from]').get_attribute('value')
        to = self.find(d, f'{form} input[name=to]').get_attribute('value')
        check(frm < today < to, f'default period {frm} .. {to} does not hold today')
        # A filter that matches nothing.
        self.type_into(d, f'{form} input[name=zone]', 'Spain')
        self.submit(d, 'CDR filters')
        self.expect('the empty result', lambda: self.text(d, 'main section.card p.muted'),
                    '0 calls shown. Select a row for its cost breakdown.')
        check(self.rows(d, '[data-testid=cdr-table]') == [], 'rows for zone Spain')
        self.type_into(d, f'{form} input[name=zone]', 'UK London', replace=True)
        self.submit(d, 'CDR filters')
        self.expect('the result count', lambda: self.text(d, 'main section.card p.muted'),
                    '1 call shown. Select a row for its cost breakdown.')
        # Start, caller, destination, zone, result, talk, cost.
        rows = self.expect('the simulated call in the CDRs', lambda: self.rows(d, '[data-testid=cdr-table]'),
                           lambda r: len(r) == 1)
        check(rows[0][1:] == ['1001', NUMBER, 'UK London', 'answered', f'0:{TALK_S:02d}', str(CALL_COST)],
              f'CDR row: {rows[0]}')
        check(rows[0][0].startswith(today), f'CDR start: {rows[0][0]!r}')
        self.find(d, '[data-testid=cdr-table] tbody tr').click()
        self.expect('the breakdown heading', lambda: self.text(d, '[data-testid=breakdown] h2'), f'Call {A_UUID} close')
        bd = self.kv(d, '[data-testid=breakdown] dl')
        want = {'Destination': NUMBER, 'Number': NUMBER, 'Zone / prefix': 'UK London / 4420', 'Rate plan': 'default',
                'Result': 'answered (NORMAL_CLEARING)', 'Connection fee': '0.0000', 'Price per minute': '0.0180',
                'Talk time (billsec)': str(TALK_S), 'Billable seconds': str(TALK_S), 'Cost': str(CALL_COST),
                'Charged': str(CALL_COST), 'Uncollected': '0.0000'}
        wrong = {k: bd.get(k) for k, v in want.items() if bd.get(k) != v}
        check(not wrong, f'breakdown: expected {want}, wrong: {wrong}')
        check(bd.get('Caller', '').startswith('1001'), f'breakdown caller: {bd.get("Caller")!r}')
        for k in ('Started', 'Answered', 'Ended'):
            check(bd.get(k, '').startswith(today), f'breakdown {k}: {bd.get(k)!r}')
        explain = self.text(d, '[data-testid=breakdown] .explain')
        check(explain and '0.0024' in explain, f'breakdown explanation: {explain!r}')
        self.shot(d, 'calls-desktop')
        return 'zone Spain 0 calls, zone UK London 1 call; breakdown 8 s at 0.0180 = 0.0024'

    def step_csv(self):
        d = self.d
        link = self.find(d, '[data-testid=csv-link]')
        href = urlsplit(link.get_attribute('href'))
        check(href.path == '/api/v1/cdrs.csv' and href.netloc == f'127.0.0.1:{self.http_port}', f'CSV link {href}')
        q = parse_qs(href.query)
        frm = self.find(d, 'input[name=from]').get_attribute('value')
        to = self.find(d, 'input[name=to]').get_attribute('value')
        check(q == {'from': [frm], 'to': [to], 'zone': ['UK London'], 'lang': ['en']}, f'CSV link filters: {q}')
        link.click()
        target = self.downloads / csv_file_name(frm, to)
        self.until(f'the downloaded {target.name}',
                   lambda: target.exists() and not list(self.downloads.glob('*.crdownload')), 60)
        raw = target.read_bytes()
        check(raw.endswith(b'\r\n') and b'\n' not in raw.replace(b'\r\n', b''), 'CSV lines must end with CRLF')
        table = list(csv.reader(io.StringIO(raw.decode('utf-8'), newline='')))
        check(table[0] == CSV_COLUMNS, f'CSV header: {table[0]}')
        check(len(table) == 2, f'CSV rows: expected 1 call, got {len(table) - 1}')
        row = dict(zip(table[0], table[1]))
        want = {'uuid': A_UUID, 'site_id': 'e2e', 'direction': 'outbound', 'caller': '1001',
                'account_id': str(self.account_id), 'destination': NUMBER, 'normalised_number': NUMBER,
                'zone': 'UK London', 'prefix': '4420', 'rate_plan': 'default', 'price_per_minute': '0.0180',
                'connection_fee': '0.0000', 'billsec': str(TALK_S), 'billable_seconds': str(TALK_S),
                'cost': str(CALL_COST), 'charged': str(CALL_COST), 'hangup_cause': 'NORMAL_CLEARING',
                'disposition': 'answered'}
        wrong = {k: row.get(k) for k, v in want.items() if row.get(k) != v}
        check(not wrong, f'CSV row: wrong {wrong}')
        check(B_UUID in row['linked_uuids'], f'CSV linked_uuids: {row["linked_uuids"]!r}')
        # For the accountant: the accounting columns, for Excel (the browser speaks English: a decimal point).
        self.find(d, 'input[name=csv-accounting]').click()
        self.find(d, 'input[name=csv-excel]').click()
        q = parse_qs(urlsplit(self.find(d, '[data-testid=csv-link]').get_attribute('href')).query)
        check(q.get('columns') == ['accounting'] and q.get('format') == ['excel'], f'the Excel link: {q}')
        target.unlink()
        self.find(d, '[data-testid=csv-link]').click()
        self.until(f'the downloaded {target.name} for Excel',
                   lambda: target.exists() and not list(self.downloads.glob('*.crdownload')), 60)
        raw = target.read_bytes()
        check(raw.startswith(b'\xef\xbb\xbf'), 'no UTF-8 byte order mark for Excel')
        table = list(csv.reader(io.StringIO(raw[3:].decode('utf-8'), newline='')))
        check(table[0] == ['start_time', 'caller', 'caller_name', 'account_id', 'destination', 'zone', 'billsec',
                           'price_per_minute', 'cost', 'charged', 'disposition'], f'accounting header: {table[0]}')
        check(table[1][4:] == [NUMBER, 'UK London', str(TALK_S), '0.0180', str(CALL_COST), str(CALL_COST),
                               'Answered'], f'accounting row: {table[1]}')
        return (f'{target.name}: header of {len(CSV_COLUMNS)} columns, 1 row, cost {CALL_COST}; '
                'the accounting columns for Excel with a byte order mark and "Answered"')

    def step_reports(self):
        from selenium.webdriver.support.select import Select
        d = self.d
        a = str(self.account_id)
        self.nav(d, 'Reports', 'Reports')
        total = ['Total', '1', '1', f'0:{TALK_S:02d}', f'0:{TALK_S:02d}', str(CALL_COST)]
        per = ['1', '1', f'0:{TALK_S:02d}', f'0:{TALK_S:02d}', str(CALL_COST)]
        # Key, name, calls, answered, talk, billable, cost; per extension first (the default).
        # (Preact sets an option's value as a property, so "option[value=zone]" matches nothing: pick by text.)
        for group, label, row in (('extension', 'extension', ['1001', 'Reception', *per]),
                                  ('account', 'account (department)', [a, 'Sales', *per]),
                                  ('zone', 'zone', ['UK London', '', *per]),
                                  ('extension', 'extension', ['1001', 'Reception', *per])):
            if self.find(d, 'select[name=group]').get_attribute('value') != group:
                Select(self.find(d, 'select[name=group]')).select_by_visible_text(label)
            self.expect(f'the report per {group}', lambda: self.rows(d, '[data-testid=report]'), [row])
            self.expect(f'the totals per {group}', lambda: self.rows(d, '[data-testid=report]', 'tfoot'), [total])
            self.expect(f'the report period per {group}', lambda: self.text(d, 'main section.card p.muted'),
                        lambda t: f'per {group}, most expensive first' in t)
        self.shot(d, 'reports-desktop')
        # Presets: last month has no calls; this month is written as dates, not instants.
        day = datetime.date.today()
        first = day.replace(day=1)
        self.click_text(d, 'button', 'Last month')
        self.expect('no calls last month', lambda: self.texts(d, 'main section.card p.muted'),
                    lambda t: 'No calls in this period.' in (t or []))
        last = first - datetime.timedelta(days=1)
        self.expect("last month's period", lambda: self.text(d, 'main section.card p.muted'),
                    lambda t: (t or '').startswith(f'{last.replace(day=1).isoformat()} to {last.isoformat()}'))
        self.click_text(d, 'button', 'This month')
        self.expect("this month's report", lambda: self.rows(d, '[data-testid=report]'), [['1001', 'Reception', *per]])
        self.expect("this month's period", lambda: self.text(d, 'main section.card p.muted'),
                    lambda t: (t or '').startswith(f'{first.isoformat()} to {day.isoformat()}'))
        # The table as CSV, with its totals.
        self.find(d, '[data-testid=report-csv]').click()
        target = self.downloads / f'report-extension-{first.isoformat()}_{day.isoformat()}.csv'
        self.until(f'the downloaded {target.name}', lambda: target.exists(), 30)
        lines = target.read_bytes().decode('utf-8').split('\r\n')
        check(lines[:3] == ['extension,name,calls,answered,billsec,billable_seconds,cost',
                            f'1001,Reception,1,1,{TALK_S},{TALK_S},{CALL_COST}',
                            f'total,,1,1,{TALK_S},{TALK_S},{CALL_COST}'], f'the report CSV: {lines}')
        # A row opens its calls.
        self.find(d, '[data-testid=report] tbody tr').click()
        self.expect('the Calls page', lambda: self.h1(d), 'Calls')
        self.expect("the row's calls", lambda: [r[1:3] for r in self.rows(d, '[data-testid=cdr-table]')],
                    [['1001', NUMBER]])
        check(self.find(d, 'input[name=extension]').get_attribute('value') == '1001'
              and self.find(d, 'input[name=from]').get_attribute('value') == first.isoformat(),
              'the Calls filters of the drill-down')
        return ('per account, zone and extension: 1 call, 0:08, 0.0024; presets; the table as CSV; '
                'a row opens its calls')

    def step_status(self):
        d = self.d
        self.nav(d, 'Status', 'Status')
        self.expect('readiness', lambda: self.text(d, '[data-testid=ready]'), 'ready')
        self.expect('the readiness checks', lambda: self.texts(d, 'ul.checks li'),
                    lambda c: sorted(c) == ['✔ freeswitch', '✔ rate_plans', '✔ store'])
        check(self.text(d, '[data-testid=status-freeswitch] h2') == 'FreeSWITCH link', 'FreeSWITCH section heading')
        fs = self.kv(d, '[data-testid=status-freeswitch] dl')
        check(fs.get('state') == 'up' and fs.get('address') == f'127.0.0.1:{self.sim_port}' and
              fs.get('connects') == '1', f'FreeSWITCH link: {fs}')
        check(int(fs.get('events received', '0')) > 0, f'events received: {fs.get("events received")!r}')
        # The simulated FreeSWITCH runs SWITCH_CLOCK_AHEAD_S ahead of the box.
        warning = self.expect('the clock warning', lambda: self.text(d, '[data-testid=clock-warning]'),
                              lambda t: t.startswith(f"FreeSWITCH's clock is {SWITCH_CLOCK_AHEAD_S} s ahead of"))
        check('NTP' in warning, f'clock warning: {warning!r}')
        top = self.kv(d, 'main .grid > section.card dl')
        check(top and re.fullmatch(r'\S+', top.get('version', '')) and top.get('store path', '').startswith(
            str(self.tmp / 'data')), f'tarifador section: {top}')
        store = self.kv(d, '[data-testid=status-store] dl')
        check(store and store.get('path', '').startswith(str(self.tmp / 'data')), f'store section: {store}')
        check(self.text(d, '[data-testid=status-disk] h2') == 'disk', 'disk section')
        self.shot(d, 'status-desktop')
        return f'ready; FreeSWITCH link up at 127.0.0.1:{self.sim_port}, {fs.get("events received")} events'

    def step_phone(self):
        p = self.p = self.browser('phone', phone=True)
        p.get(self.base + '/login')
        self.expect('the sign-in form on a phone', lambda: self.form_heading(p), 'Sign in')
        size = self.js(p, 'return [innerWidth, innerHeight, devicePixelRatio];')
        check(size == [390, 844, 1], f'phone viewport (width, height, pixel ratio): {size}')
        check(self.overflow(p) <= 0, 'the sign-in page is wider than a phone screen')
        self.shot(p, 'login-phone')
        self.type_into(p, 'input[name=username]', 'admin')
        self.type_into(p, 'input[name=password]', PASSWORD)
        self.submit(p, 'Sign in')
        self.expect('the dashboard on a phone', lambda: self.h1(p), 'Dashboard')
        a = str(self.account_id)

        def dashboard():
            self.expect('the tiles', lambda: self.tiles(p), {'Live calls': '0', 'Calls today': '1',
                                                             'Answered today': '1', 'Cost today': str(CALL_COST)})
            self.until('the hourly chart', lambda: self.js(p, "return document.querySelectorAll('.chart canvas').length;"))

        def calls():
            self.submit(p, 'CDR filters')
            self.expect('the CDRs', lambda: [r[1:] for r in self.rows(p, '[data-testid=cdr-table]')],
                        [['1001', NUMBER, 'UK London', 'answered', f'0:{TALK_S:02d}', str(CALL_COST)]])

        def accounts():
            self.expect('the balances', lambda: self.rows(p, '[data-testid=accounts]'),
                        [[a, 'Sales', 'postpaid', '30.4976', '0.0000', '130.4976', '—']])

        def rates():
            self.expect('the plans', lambda: self.rows(p, '[data-testid=plans]'),
                        [['default (default)', '3', '4', 'up'], ['e2e', '2', '4', 'up']])

        def reports():
            self.expect('the report', lambda: self.rows(p, '[data-testid=report]'),
                        [['1001', 'Reception', '1', '1', f'0:{TALK_S:02d}', f'0:{TALK_S:02d}', str(CALL_COST)]])

        def status():
            self.expect('the link', lambda: (self.kv(p, '[data-testid=status-freeswitch] dl') or {}).get('state'), 'up')

        for label, heading, name, content in (('Dashboard', 'Dashboard', 'dashboard', dashboard),
                                              ('Calls', 'Calls', 'calls', calls),
                                              ('Accounts', 'Accounts', 'accounts', accounts),
                                              ('Rates', 'Rate plans', 'rates', rates),
                                              ('Reports', 'Reports', 'reports', reports),
                                              ('Status', 'Status', 'status', status)):
            self.nav(p, label, heading)
            try:
                content()
            except StepError as e:
                raise StepError(f'{name} page on a phone: {e}') from None
            over = self.overflow(p)
            check(over <= 0, f'the {name} page is wider than a 390 px screen by {over} px')
            self.shot(p, f'{name}-phone')
        return 'sign-in and 6 pages at 390x844 show their data, none wider than the screen'

    def step_reload(self):
        p = self.p
        p.get(self.base + '/status')
        self.expect('the Status page after a reload', lambda: self.h1(p), 'Status')
        self.expect('the signed-in user after a reload', lambda: self.text(p, 'header .who'), 'admin (admin) Sign out')
        self.expect('the link after a reload',
                    lambda: (self.kv(p, '[data-testid=status-freeswitch] dl') or {}).get('state'), 'up')
        check('active' in (self.find(p, "nav a[href='/status']").get_attribute('class') or ''),
              'the Status tab is not marked active')

    def session_of(self, user, password):
        """Logs `user` in outside the browsers; returns their cookie header value."""
        req = urllib.request.Request(self.base + '/api/v1/session', method='POST',
                                     data=json.dumps({'username': user, 'password': password}).encode(),
                                     headers={'Content-Type': 'application/json'})
        with urllib.request.build_opener().open(req, timeout=30) as r:
            return r.headers['Set-Cookie'].split(';', 1)[0]

    def session_alive(self, cookie):
        req = urllib.request.Request(self.base + '/api/v1/session', headers={'Cookie': cookie})
        try:
            with urllib.request.build_opener().open(req, timeout=30) as r:
                return r.status == 200
        except urllib.error.HTTPError as e:
            if e.code == 401:
                return False
            raise

    def step_users(self):
        d, p = self.d, self.p
        self.nav(d, 'Users', 'Users')
        self.expect('the admin in the users table', lambda: [r[0] for r in self.rows(d, '[data-testid=users]')],
                    ['admin'])
        # Add a clerk through the form; the clerk signs in elsewhere.
        self.type_into(d, 'input[name=new-username]', 'clerk')
        self.type_into(d, 'input[name=new-password]', 'clerk-password-1')
        self.submit(d, 'Add a user')
        self.expect('the notice', lambda: self.text(d, '.notice'), 'User clerk added.')
        self.expect('the clerk row', lambda: self.rows(d, '[data-testid=users]')[1][:3],
                    lambda r: r[0] == 'clerk' and r[2] == 'active')
        clerk = self.session_of('clerk', 'clerk-password-1')
        check(self.session_alive(clerk), "the clerk's new session does not work")
        # Disabling ends the clerk's session at once.
        self.find(d, '[data-testid=user-clerk] td.actions button').click()
        self.expect('the clerk disabled', lambda: self.rows(d, '[data-testid=users]')[1][2], 'disabled')
        check(not self.session_alive(clerk), "the disabled clerk's session still works")
        # The admin ends the phone's session from the sessions table.
        self.expect('the sessions table', lambda: len(self.rows(d, '[data-testid=sessions]')),
                    lambda n: n >= 2)
        self.click_text(d, 'button', 'End')
        self.expect('the notice', lambda: self.text(d, '.notice'), 'Session of admin ended.')
        p.get(self.base + '/status')
        self.expect('the phone back at the sign-in form', lambda: self.form_heading(p), 'Sign in')
        # A token that expires, shown once.
        self.type_into(d, 'input[name=token-name]', 'e2e-temp')
        self.type_into(d, 'input[name=token-days]', '30')
        self.submit(d, 'Create an API token')
        shown = self.expect('the new token', lambda: self.text(d, '[data-testid=new-token] code'),
                            lambda t: bool(re.fullmatch(r'[A-Za-z0-9_-]{43}', t or '')))
        row = self.expect('the token row', lambda: [r for r in self.rows(d, '[data-testid=tokens]') if r[0] == 'e2e-temp'],
                          lambda rows: len(rows) == 1)[0]
        check(row[4] != 'never' and re.match(r'\d{4}-\d\d-\d\d', row[4]), f'the token row: {row}')
        req = urllib.request.Request(self.base + '/api/v1/session', headers={'Authorization': f'Bearer {shown}'})
        with urllib.request.build_opener().open(req, timeout=30) as r:
            check(r.status == 200, 'the new token does not work')
        self.shot(d, 'users-desktop')
        # Everyone changes their own password from My account.
        self.find(d, 'header .who a').click()
        self.expect('the account page', lambda: self.h1(d), 'My account')
        self.type_into(d, 'input[name=current-password]', PASSWORD)
        self.type_into(d, 'input[name=new-password]', PASSWORD + '-new')
        self.type_into(d, 'input[name=new-password-again]', PASSWORD + '-new')
        self.submit(d, 'Change my password')
        self.expect('the notice', lambda: self.text(d, '.notice'),
                    'Password changed. Your other sessions were signed out.')
        check(self.session_alive(self.session_of('admin', PASSWORD + '-new')), 'the new password does not work')
        return 'user added, disabled (session ended), phone session ended, expiring token, own password changed'

    def step_spending(self):
        from selenium.webdriver.support.ui import Select
        d = self.d
        self.nav(d, 'Spending', 'Spending control')
        # The guards in force, as the configuration file set them.
        guards = self.expect('the guards table', lambda: self.rows(d, '[data-testid=guards]'), lambda r: len(r) == 13)
        by_label = {r[0]: r[1:] for r in guards}
        check(by_label.get('Most an account may spend in a day (an account may have its own cap)') ==
              ['500.00', 'configuration file'], f'the daily cap row: {guards}')
        check(by_label.get('Calls up at once, per extension') == ['3', 'configuration file'], f'guards: {guards}')
        check(by_label.get('Most one call may cost') == ['off', 'default'], f'guards: {guards}')
        check(by_label.get('Office days') == ['mon, tue, wed, thu, fri', 'default'], f'guards: {guards}')
        # An extension's own guards: a decimal comma, 0 for off, abroad at any hour; then back to box-wide.
        self.expect('no extension with its own guards', lambda: self.text(d, '[data-testid=no-own-guards]'),
                    'Every extension follows the box-wide guards.')
        Select(self.find(d, 'select[name=guard-extension]')).select_by_visible_text('1001 Reception')
        self.type_into(d, 'input[name=guard-max_call_cost]', '2,5')
        self.type_into(d, 'input[name=guard-max_concurrent_calls]', '0')
        self.find(d, 'input[name=guard-international_any_time]').click()
        self.submit(d, 'Extension guards')
        self.expect('the guards notice', lambda: self.text(d, '.card .notice'),
                    'Guards of extension 1001 saved.')
        self.expect('the extension with its own guards', lambda: self.rows(d, '[data-testid=own-guards]'),
                    [['1001', 'Reception', 'One call: 2.5; Calls at once: off; abroad at any hour']])
        self.js(d, 'window.scrollTo(0, 0);')
        self.shot(d, 'spending-guards-desktop')
        own = self.api('GET', '/api/v1/extensions/1001')['guards']
        check(own['max_call_cost'] == '2.5000' and own['max_concurrent_calls'] == 0 and own['international_any_time']
              and own['max_price_per_minute'] is None, f'the extension guards over the API: {own}')
        self.click_text(d, 'button', 'Back to box-wide')
        self.expect('every extension box-wide again', lambda: self.text(d, '[data-testid=no-own-guards]'),
                    'Every extension follows the box-wide guards.')
        check(self.api('GET', '/api/v1/extensions/1001')['guards']['max_call_cost'] is None, 'guards not reset')
        self.expect('no PIN codes yet', lambda: self.text(d, '[data-testid=no-pins]'), 'No PIN codes yet.')
        # A PIN code without digits: tarifador makes six and shows them once.
        self.type_into(d, 'input[name=pin-id]', '1003')
        self.type_into(d, 'input[name=pin-owner]', 'Ana García')
        account = Select(self.find(d, 'select[name=pin-account]'))
        account.select_by_index(1)
        payer = account.first_selected_option.text
        self.type_into(d, 'input[name=pin-zones]', 'UK London, UK mobile')
        self.submit(d, 'Add a PIN code')
        digits = self.expect('the digits, shown once', lambda: self.text(d, '[data-testid=new-pin] code'),
                             lambda t: bool(re.fullmatch(r'\d{6}', t or '')))
        row = self.expect('the PIN code row', lambda: self.rows(d, '[data-testid=pins]'), lambda r: len(r) == 1)[0]
        check(row[:6] == ['1003', 'Ana García', payer, 'UK London, UK mobile', 'active', 'never'], f'PIN row: {row}')
        check(digits not in json.dumps(self.api('GET', '/api/v1/pins')), 'the API lists the digits')
        # Digits anyone could guess are refused, saying why.
        self.type_into(d, 'input[name=pin-id]', '1004')
        self.type_into(d, 'input[name=pin-owner]', 'Luis')
        self.type_into(d, 'input[name=pin-digits]', '1234')
        self.submit(d, 'Add a PIN code')
        self.expect('the refusal', lambda: self.text(d, '.card .error'), lambda t: 'too easy to guess' in (t or ''))
        check(len(self.rows(d, '[data-testid=pins]')) == 1, 'the weak code was added')
        # Disabled, then removed after a second click.
        self.click_text(d, 'button', 'Disable')
        self.expect('the code disabled', lambda: self.rows(d, '[data-testid=pins]')[0][4], 'disabled')
        check(self.api('GET', '/api/v1/pins')['items'][0]['enabled'] is False, 'the API still has it enabled')
        self.click_text(d, 'button', 'Remove')
        self.click_text(d, 'button', 'Remove code 1003')
        self.expect('no PIN codes again', lambda: self.text(d, '[data-testid=no-pins]'), 'No PIN codes yet.')
        # A webhook recipient: its signing key shown once.
        self.expect('no recipients yet', lambda: self.text(d, '[data-testid=no-recipients]'),
                    'Nobody yet: alerts are only on the Alerts page.')
        self.type_into(d, 'input[name=recipient-name]', 'Ops')
        Select(self.find(d, 'select[name=recipient-channel]')).select_by_visible_text('webhook')
        self.type_into(d, 'input[name=recipient-address]', 'http://127.0.0.1:9/hook')
        self.type_into(d, 'input[name=recipient-kinds]', 'guard_tripped,spend_spike', replace=True)
        Select(self.find(d, 'select[name=recipient-language]')).select_by_visible_text('English')
        self.type_into(d, 'input[name=recipient-quiet]', '22:00-07:00')
        self.submit(d, 'Add an alert recipient')
        self.expect('the signing key, shown once', lambda: self.text(d, '[data-testid=new-secret] code'),
                    lambda t: bool(re.fullmatch(r'[A-Za-z0-9_-]{43}', t or '')))
        row = self.expect('the recipient row', lambda: self.rows(d, '[data-testid=recipients]'),
                          lambda r: len(r) == 1)[0]
        check(row[:6] == ['Ops', 'webhook', 'http://127.0.0.1:9/hook', 'guard_tripped, spend_spike', 'en',
                          '22:00-07:00'], f'recipient row: {row}')
        self.shot(d, 'spending-desktop')
        self.click_text(d, 'button', 'Remove')
        self.click_text(d, 'button', 'Remove Ops')
        self.expect('no recipients again', lambda: self.text(d, '[data-testid=no-recipients]'),
                    'Nobody yet: alerts are only on the Alerts page.')
        return ('13 guards shown with their source; 1001 given its own guards and reset; PIN code made (digits once), '
                'weak digits refused, disabled, removed; webhook recipient added, removed')

    def step_office(self):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import Select
        d = self.d
        a = str(self.account_id)
        self.nav(d, 'Accounts', 'Accounts')
        # A new department with a monthly budget, typed with a decimal comma.
        form = 'form[aria-label="New account"]'
        self.type_into(d, f'{form} input[name=account-name]', 'Huéspedes')
        self.type_into(d, f'{form} input[name=account-budget]', '50,5')
        self.submit(d, 'New account')
        self.expect('the new account notice', lambda: self.text(d, f'{form} .notice'), 'Account Huéspedes created.')
        guests = next(x for x in self.api('GET', '/api/v1/accounts')['items'] if x['name'] == 'Huéspedes')
        g = str(guests['id'])
        check(guests['type'] == 'prepaid' and guests['monthly_budget'] == '50.5000', f'the new account: {guests}')
        self.expect('the new account in the balances', lambda: self.rows(d, '[data-testid=accounts]')[1:],
                    [[g, 'Huéspedes', 'prepaid', '0.0000', '0.0000', '0.0000', '50.5000 of 50.5000 left (0 %)']])
        self.expect('the new account selected', lambda: self.text(d, '[data-testid=account-detail] h2'),
                    f'Huéspedes account {g}, prepaid')
        # A new employee's extension on it, on the imported plan.
        ext = 'form[aria-label="New extension"]'
        self.type_into(d, f'{ext} input[name=ext-number]', '1010')
        self.type_into(d, f'{ext} input[name=ext-name]', 'Habitación 10')
        Select(self.find(d, f'{ext} select[name=ext-account]')).select_by_visible_text('Huéspedes')
        Select(self.find(d, f'{ext} select[name=ext-plan]')).select_by_visible_text('e2e')
        self.submit(d, 'New extension')
        self.expect('the new extension notice', lambda: self.text(d, f'{ext} .notice'),
                    'Extension 1010 (Habitación 10) created.')
        self.expect('the new extension row', lambda: self.rows(d, '[data-testid=extensions]'),
                    [['1001', 'Reception', f'{a} (Sales)', 'default', 'yes', 'Edit'],
                     ['1010', 'Habitación 10', f'{g} (Huéspedes)', 'e2e', 'yes', 'Edit']])
        # A number already in use is refused, saying so.
        self.type_into(d, f'{ext} input[name=ext-number]', '1001')
        Select(self.find(d, f'{ext} select[name=ext-account]')).select_by_visible_text('Huéspedes')
        self.submit(d, 'New extension')
        self.expect('the refusal of a taken number', lambda: self.text(d, f'{ext} .error'),
                    lambda t: 'already exists' in (t or ''))
        check(len(self.rows(d, '[data-testid=extensions]')) == 2, 'a second 1001 was added')
        # Moved to Sales and disabled.
        d.find_element(By.XPATH, "//table[@data-testid='extensions']//tr[td[1]='1010']//button").click()
        edit = 'form[aria-label="Extension 1010"]'
        Select(self.find(d, f'{edit} select[name=ext-account]')).select_by_visible_text('Sales')
        self.find(d, f'{edit} input[name=ext-enabled]').click()
        self.submit(d, 'Extension 1010')
        self.expect('the saved notice', lambda: self.text(d, f'{edit} .notice'), 'Extension 1010 saved.')
        self.expect('the moved extension', lambda: self.rows(d, '[data-testid=extensions]')[1],
                    ['1010', 'Habitación 10', f'{a} (Sales)', 'e2e', 'no', 'Edit'])
        moved = self.api('GET', '/api/v1/extensions/1010')
        check(str(moved['account_id']) == a and moved['enabled'] is False and moved['rate_plan'] == 'e2e',
              f'the moved extension over the API: {moved}')
        auth = self.api('GET', f'/api/v1/authorize?caller=1010&destination={NUMBER}')
        check(auth['reason'] == 'extension_disabled', f'authorize from the disabled extension: {auth}')
        # A viewer (on the phone, signed out by the users step) sees the figures and no control it cannot use;
        # the same query finds the admin's forms.
        forms_js = "return [...document.querySelectorAll('main form')].map(f => f.getAttribute('aria-label'));"
        admin_forms = self.js(d, forms_js)
        check({'New account', 'New extension', 'Recharge', 'Bulk recharge'} <= set(admin_forms),
              f"the admin's forms: {admin_forms}")
        self.api('POST', '/api/v1/users', {'username': 'lectora', 'password': 'viewer-password-1', 'role': 'viewer'},
                 expect=(201,))
        p = self.p
        p.get(self.base + '/login')
        self.expect('the sign-in form on the phone', lambda: self.form_heading(p), 'Sign in')
        self.type_into(p, 'input[name=username]', 'lectora')
        self.type_into(p, 'input[name=password]', 'viewer-password-1')
        self.submit(p, 'Sign in')
        self.expect('the dashboard for the viewer', lambda: self.h1(p), 'Dashboard')
        self.nav(p, 'Accounts', 'Accounts')
        self.expect('the balances for the viewer', lambda: len(self.rows(p, '[data-testid=accounts]')), 2)
        self.find(p, '[data-testid=accounts] tbody tr').click()
        self.expect('the account detail for the viewer', lambda: self.text(p, '[data-testid=account-detail] h2'),
                    f'Sales account {a}, postpaid')
        forms = self.js(p, forms_js)
        check(forms == [], f'forms shown to a viewer on the Accounts page: {forms}')
        buttons = self.js(p, "return [...document.querySelectorAll('main button')].map(b => b.textContent.trim());")
        check(buttons == [], f'buttons shown to a viewer on the Accounts page: {buttons}')
        return ('account Huéspedes (prepaid, budget 50,5) and extension 1010 made on the page; a taken number refused; '
                'moved and disabled; a viewer sees no form or button')

    def step_money_safe(self):
        from selenium.webdriver.common.by import By
        d = self.d
        a = str(self.account_id)
        self.nav(d, 'Accounts', 'Accounts')
        self.find(d, '[data-testid=accounts] tbody tr').click()
        form = 'form[aria-label=Recharge]'
        balance = self.api('GET', f'/api/v1/accounts/{a}')['balance']
        # A mistyped amount is refused by billing.max_recharge (10000.00 by default), saying why.
        self.type_into(d, f'{form} input[name=amount]', '100000')
        self.submit(d, 'Recharge')
        self.submit(d, 'Recharge')
        self.expect('the refusal above the maximum', lambda: self.text(d, f'{form} .error'),
                    lambda t: 'is above billing.max_recharge (10000.0000)' in (t or ''))
        check(self.api('GET', f'/api/v1/accounts/{a}')['balance'] == balance, 'the refused recharge moved money')
        # A preset, confirmed with the balance it leads to.
        self.click_text(d, f"form[@aria-label='Recharge']//button", '20')
        check(self.find(d, f'{form} input[name=amount]').get_attribute('value') == '20', 'the preset did not fill in')
        self.submit(d, 'Recharge')
        after = self.expect('the confirmation', lambda: self.text(d, '[data-testid=recharge-confirm]'),
                            lambda t: (t or '').startswith(f'Recharge 20.0000 to Sales: the balance goes from {balance} to '))
        new_balance = re.search(r' to (-?\d+\.\d{4})\.', after).group(1)
        self.submit(d, 'Recharge')
        self.expect('the recharge notice', lambda: self.text(d, f'{form} .notice'),
                    f'Recharged 20.0000; balance {new_balance}.')
        # Taken back from the ledger, once.
        rows = self.expect('the recharge at the top of the ledger', lambda: self.rows(d, '[data-testid=ledger]'),
                           lambda r: r and r[0][2:4] == ['recharge', '20.0000'])
        entry = rows[0][0]
        d.find_element(By.XPATH, f"//table[@data-testid='ledger']//tr[td[1]='{entry}']//button").click()
        self.click_text(d, 'button', 'Reverse 20.0000')
        self.expect('the reversal notice', lambda: self.texts(d, '[data-testid=account-detail] .notice'),
                    lambda t: f'Recharge #{entry} reversed; balance {balance}.' in (t or []))
        rows = self.expect('the reversal at the top of the ledger', lambda: self.rows(d, '[data-testid=ledger]'),
                           lambda r: r and r[0][2] == 'adjustment')
        check(rows[0][2:7] == ['adjustment', '-20.0000', balance, 'user:admin', f'reversal of recharge #{entry}'],
              f'the reversal row: {rows[0]}')
        check(rows[1][0] == entry and rows[1][7] == '', f'the reversed recharge still offers Reverse: {rows[1]}')
        check(self.api('GET', f'/api/v1/accounts/{a}')['balance'] == balance, 'the balance after the reversal')
        # The call's charge, at the bottom, opens the call.
        d.find_element(By.XPATH, "//table[@data-testid='ledger']//tr[td[3]='call_charge']//a").click()
        self.expect('the Calls page', lambda: self.h1(d), 'Calls')
        self.expect("the call's breakdown", lambda: self.text(d, '.card h2'),
                    lambda t: A_UUID in (t or ''))
        return (f'100000 refused above the maximum; preset 20 confirmed ({balance} -> {new_balance}); reversed once; '
                'the call charge opens its call')

    def step_https(self):
        import hashlib
        import ssl
        pem = ssl.get_server_certificate(('127.0.0.1', self.https_port))
        digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
        served = ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))
        check(pem == (self.tmp / 'data/tls/cert.pem').read_text(), 'the served certificate is not data_dir/tls/cert.pem')
        s = self.s = self.browser('secure', phone=False, insecure_certs=True)
        s.get(f'https://127.0.0.1:{self.https_port}/')
        self.expect('the sign-in form over HTTPS', lambda: self.form_heading(s), 'Sign in')
        self.type_into(s, 'input[name=username]', 'admin')
        self.type_into(s, 'input[name=password]', PASSWORD + '-new')
        self.submit(s, 'Sign in')
        self.expect('the dashboard over HTTPS', lambda: self.h1(s), 'Dashboard')
        secure_cookie = [c for c in s.get_cookies() if c['name'] == 'tarifador_session']
        check(secure_cookie and secure_cookie[0].get('secure') is True, f'the session cookie over HTTPS: {secure_cookie}')
        self.nav(s, 'Status', 'Status')
        https = self.expect('the HTTPS section', lambda: self.kv(s, '[data-testid=status-https] dl'),
                            lambda kv: bool(kv) and 'fingerprint sha256' in kv)
        check(https['fingerprint sha256'] == served,
              f'the status page shows {https["fingerprint sha256"]}, the server serves {served}')
        check(https.get('certificate', '').startswith('self-signed'), f'HTTPS section: {https}')
        self.shot(s, 'status-https-desktop')
        return f'served over HTTPS with the generated certificate; the status page shows its fingerprint {served[:11]}...'

    def step_sign_out(self):
        d = self.d
        self.click_text(d, 'button', 'Sign out')
        self.expect('the sign-in form after signing out', lambda: self.form_heading(d), 'Sign in')
        d.get(self.base + '/accounts')
        self.expect('the sign-in form for /accounts after signing out', lambda: self.form_heading(d), 'Sign in')
        check(self.h1(d) == 'tarifador' and not self.texts(d, '[data-testid=accounts]'),
              'the accounts page is shown after signing out')
        return 'the session is gone: /accounts asks to sign in'

    def step_no_outside(self):
        self.drain_logs()
        outside = []
        internal = 0
        for name, url, doc in self.requests:
            u = urlsplit(url)
            if u.scheme in ('data', 'blob'):
                continue
            if u.scheme in ('chrome', 'chrome-untrusted') and urlsplit(doc).scheme in ('chrome', 'chrome-untrusted'):
                internal += 1  # the browser's own start page (before the test navigates): no network
                continue
            if u.scheme not in ('http', 'https', 'ws', 'wss') or u.hostname not in ('127.0.0.1', 'localhost'):
                outside.append(f'{name}: {url}' + (f' (from {doc})' if doc != url else ''))
        check(len(self.requests) > internal, 'no request to tarifador was logged at all (performance log)')
        check(not outside, 'requests left 127.0.0.1: ' + ', '.join(sorted(set(outside))))
        return (f'{len(self.requests) - internal} requests, all to 127.0.0.1'
                + (f'; {internal} chrome:// loads of the start page ignored' if internal else ''))

    def step_no_errors(self):
        self.drain_logs()
        bad = [f'{name}: HTTP {status} {url}' for name, status, url in self.responses
               if status >= 400 and (status, urlsplit(url).path) not in EXPECTED_ERRORS]
        check(not bad, 'unexpected error answers (a missing route is a failure): ' + '; '.join(bad))
        check(not self.page_errors, 'uncaught page errors: ' + '; '.join(self.page_errors))
        return f'{len(self.responses)} responses, no 404 or 5xx, no uncaught script error'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--tarifador', default=str(REPO / 'build/tarifador'))
    ap.add_argument('--sim', default=str(REPO / 'build/tarifador-sim'))
    ap.add_argument('--screenshots', default=str(REPO / 'docs/screenshots'),
                    help='where TARIFADOR_SCREENSHOTS=1 saves the pages')
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    missing = missing_tools()
    if missing:
        if os.environ.get('CI') == 'true':
            print(f'FAIL (CI=true, so not skipped): the web UI test needs {", ".join(missing)}; install them with `{APT}`')
            return 1
        print(f'SKIP: the web UI test needs {", ".join(missing)}; install them with `{APT}`')
        return SKIP
    tarifador, sim = os.path.abspath(args.tarifador), os.path.abspath(args.sim)
    for b in (tarifador, sim):
        if not os.access(b, os.X_OK):
            print(f'FAIL: {b} not found; build it first (cmake --build build)')
            return 1

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f'signal {signum}')
    signal.signal(signal.SIGTERM, on_signal)

    shot_dir = Path(args.screenshots).resolve() if os.environ.get('TARIFADOR_SCREENSHOTS') else None
    t = E2E(tarifador, sim, shot_dir)
    steps = [
        ('setup page: first-run form creates the administrator', t.step_setup),
        ('login: a wrong password is refused, the right one opens the dashboard', t.step_login),
        ('dashboard: a call from tarifador-sim appears live and ends', t.step_dashboard_call),
        ("dashboard: today's totals and the hourly chart", t.step_dashboard_totals),
        ('accounts: balances, extensions, the call in the ledger', t.step_accounts),
        ('accounts: recharge, new balance, ledger row', t.step_recharge),
        ('accounts: bulk recharge CSV, per-row report', t.step_bulk),
        ('accounts: a monthly budget set, reached, alert-only and removed', t.step_budget),
        ('alerts: the budget alert, its count on the tab, acknowledged', t.step_alerts),
        ('accounts: the daily spend cap, box-wide, own, lifted', t.step_limits),
        ('rates: deck import through the page', t.step_rates_import),
        ('rates: quote a number from the imported plan', t.step_quote),
        ('calls: CDR search and cost breakdown', t.step_cdrs),
        ('calls: CSV download with the same filters', t.step_csv),
        ('reports: summary per account, zone and extension', t.step_reports),
        ('status: readiness, FreeSWITCH link up, store', t.step_status),
        ('phone-size screen: every page renders its data within 390 px', t.step_phone),
        ('reload of /status serves the UI and keeps the session', t.step_reload),
        ('users: add, disable, end a session, expiring token, own password', t.step_users),
        ('spending: the guards in force, PIN codes and alert recipients through the page', t.step_spending),
        ('accounts: a new account and extension through the page, one moved and disabled', t.step_office),
        ('accounts: a recharge above the maximum refused, a preset confirmed, reversed from the ledger',
         t.step_money_safe),
        ('https: the generated certificate, its fingerprint on the status page', t.step_https),
        ('sign out', t.step_sign_out),
    ]
    final = [
        ('no request left 127.0.0.1', t.step_no_outside),
        ('no 404 or server error, no uncaught script error', t.step_no_errors),
    ]
    passed = failed = 0
    started = time.monotonic()

    def run(name, fn):
        nonlocal passed, failed
        try:
            detail = fn()
            t.drain_logs()
            passed += 1
            print(f'ok   {name}' + (f' ({detail})' if detail else ''))
            return True
        except Exception as e:  # noqa: BLE001  (report every failure the same way)
            failed += 1
            msg = str(e) if isinstance(e, StepError) else f'{type(e).__name__}: {e}'
            print(f'FAIL {name}: {msg}')
            for drv in t.drivers.values():
                print(f'--- {drv.name_} browser at {drv.current_url if _alive(drv) else "?"}, page text ---\n'
                      f'{t.body_text(drv)[:1500]}', file=sys.stderr)
            return False

    not_run = 0
    try:
        try:
            t.setup_server()
        except (StepError, OSError, subprocess.SubprocessError) as e:
            print(f'FAIL starting tarifador: {e}')
            failed += 1
            not_run = len(steps)
        else:
            for i, (name, fn) in enumerate(steps):
                if not run(name, fn):
                    not_run = len(steps) - i - 1
                    break
            if t.drivers:
                for name, fn in final:
                    run(name, fn)
        if failed:
            for name in t.children:
                print(f'--- {name} log (last lines) ---\n{t.tail(name)}', file=sys.stderr)
    except KeyboardInterrupt as e:
        print(f'FAIL: interrupted ({e})')
        failed += 1
    finally:
        t.stop()
        if os.environ.get('TARIFADOR_E2E_KEEP'):
            print(f'kept {t.tmp}')
        else:
            shutil.rmtree(t.tmp, ignore_errors=True)
    if not_run:
        print(f'{not_run} later steps not run after the failure')
    print(f'took {time.monotonic() - started:.0f} s')
    print(f'{passed} passed, {failed} failed')
    return 0 if failed == 0 and not_run == 0 else 1


def _alive(drv):
    try:
        drv.current_url
        return True
    except Exception:  # noqa: BLE001
        return False


if __name__ == '__main__':
    sys.exit(main())
