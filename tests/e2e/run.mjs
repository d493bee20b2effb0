#!/usr/bin/env node
// End-to-end test of the web UI (docs/WEB-UI.md): starts the real
// build/tarifador and build/tarifador-sim on loopback ports with a temp data
// dir, drives Debian's /usr/bin/chromium through playwright-core, and checks
// what the pages show. It asserts page content, never timings (waits have
// generous time limits only so that a broken build fails instead of hanging).
//
//   node tests/e2e/run.mjs --tarifador build/tarifador --sim build/tarifador-sim
//
// Exit 0: passed; 1: failed; 77: skipped (no chromium, no node_modules: run
// `npm ci` in tests/e2e). TARIFADOR_SCREENSHOTS=1 also saves each page,
// desktop and phone size, to docs/screenshots/*.png. Steps whose API route
// the server does not have yet are skipped with a message, not failed.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const CHROMIUM = process.env.TARIFADOR_CHROMIUM || '/usr/bin/chromium';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const tarifadorBin = path.resolve(arg('--tarifador', path.join(repo, 'build/tarifador')));
const simBin = path.resolve(arg('--sim', path.join(repo, 'build/tarifador-sim')));
const shotDir = process.env.TARIFADOR_SCREENSHOTS ? path.resolve(arg('--screenshots', path.join(repo, 'docs/screenshots'))) : null;

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  console.log(`SKIP: playwright-core is not installed; run \`npm ci\` in ${here}`);
  process.exit(SKIP);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} not found (apt-get install chromium)`);
  process.exit(SKIP);
}
for (const bin of [tarifadorBin, simBin]) {
  if (!fs.existsSync(bin)) {
    console.error(`FAIL: ${bin} not found; build it first (cmake --build build)`);
    process.exit(1);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tarifador-e2e-'));
const children = [];
const results = { passed: [], skipped: [] };
const PASSWORD = 'e2e-password-0123';
const SIM_PASSWORD = 'e2e-esl-secret';
const NUMBER = '442079460958';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

function run(args, input) {
  const r = spawnSync(tarifadorBin, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tarifador ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function start(name, bin, args) {
  const log = fs.openSync(path.join(tmp, `${name}.log`), 'w');
  const child = spawn(bin, args, { stdio: ['ignore', log, log] });
  children.push({ name, child });
  return child;
}

function tail(name) {
  try { return fs.readFileSync(path.join(tmp, `${name}.log`), 'utf8').split('\n').slice(-30).join('\n'); } catch { return ''; }
}

async function until(what, fn, ms = 30000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try { const v = await fn(); if (v) return v; } catch (e) { last = e; }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gave up waiting for ${what}${last ? `: ${last.message}` : ''}`);
}

function pass(step) { results.passed.push(step); console.log(`ok   ${step}`); }
function skip(step, why) { results.skipped.push(`${step}: ${why}`); console.log(`SKIP ${step}: ${why}`); }

async function shot(page, name) {
  if (!shotDir) return;
  fs.mkdirSync(shotDir, { recursive: true });
  await page.waitForTimeout(300);  // let the last render and chart settle; not an assertion
  await page.screenshot({ path: path.join(shotDir, `${name}.png`) });
}

// True when the page says a route is missing (ui.js: Missing).
async function saysMissing(page) {
  return (await page.locator('text=not available on this server version').count()) > 0;
}

async function main() {
  const httpPort = await freePort();
  const simPort = await freePort();
  const base = `http://127.0.0.1:${httpPort}`;
  fs.mkdirSync(path.join(tmp, 'data'));
  const config = path.join(tmp, 'tarifador.json');
  fs.writeFileSync(config, JSON.stringify({
    data_dir: path.join(tmp, 'data'),
    site_id: 'e2e',
    http: { listen: `127.0.0.1:${httpPort}` },
    freeswitch: { host: '127.0.0.1', port: simPort, password: SIM_PASSWORD },
  }, null, 2));
  const cfg = ['--config', config];

  run(['user', 'add', 'admin', '--role', 'admin', ...cfg], `${PASSWORD}\n`);
  run(['rates', 'import', '--plan', 'default', path.join(here, 'fixtures/base_rates.csv'), ...cfg]);
  const token = run(['token', 'create', 'e2e', '--role', 'admin', ...cfg]).trim();

  start('tarifador', tarifadorBin, ['serve', ...cfg]);
  await until('tarifador /healthz', async () => (await fetch(`${base}/healthz`)).ok);

  // An account and an extension for the simulated calls, through the API.
  const auth = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const acc = await (await fetch(`${base}/api/v1/accounts`, { method: 'POST', headers: auth,
    body: JSON.stringify({ name: 'Sales', type: 'postpaid', credit_limit: '100' }) })).json();
  if (!acc.id) throw new Error(`creating the account: ${JSON.stringify(acc)}`);
  const ext = await fetch(`${base}/api/v1/extensions`, { method: 'POST', headers: auth,
    body: JSON.stringify({ number: '1001', name: 'Reception', account_id: acc.id }) });
  if (ext.status !== 201) throw new Error(`creating the extension: ${await ext.text()}`);

  // The fake FreeSWITCH: one call at a time from 1001 to a London number;
  // tarifador's link, in backoff until now, connects on its next try.
  start('sim', simBin, ['--listen', `127.0.0.1:${simPort}`, '--password', SIM_PASSWORD, '--wait-for-subscriber',
    '--seed', '7', '--cps', '0.3', '--max-concurrent', '1', '--talk', '6:9', '--ring', '1:2', '--mix', 'answered=100',
    '--callers', '1001-1001', '--destinations', NUMBER, '--duration', '100000']);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Playwright adds --headless and a fresh temporary --user-data-dir; the
    // rest keep Chromium from calling home on a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-default-apps', '--disable-extensions'],
  });
  const outside = [];
  const consoleErrors = [];
  const watch = (context) => {
    context.on('request', (req) => {
      const u = new URL(req.url());
      if (['data:', 'blob:', 'about:'].includes(u.protocol)) return;
      if (u.hostname !== '127.0.0.1') outside.push(req.url());
    });
    context.on('page', (p) => p.on('pageerror', (e) => consoleErrors.push(String(e))));
  };

  try {
    // --- first-run setup page (shown only while the API says so; faked here,
    // since this box already has its admin) ---
    {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      watch(context);
      const page = await context.newPage();
      const real = await (await fetch(`${base}/api/v1/setup`)).json();
      if (real.setup_required !== false) throw new Error(`setup_required should be false: ${JSON.stringify(real)}`);
      await page.route('**/api/v1/setup', (route) => route.fulfill({ json: { setup_required: true } }));
      await page.goto(`${base}/`);
      await page.getByText('First run: create the administrator').waitFor();
      await shot(page, 'setup-desktop');
      await context.close();
      pass('setup page shown while GET /api/v1/setup says so');
    }

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    watch(context);
    const page = await context.newPage();

    // --- login ---
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    if (await page.getByText('First run').count()) throw new Error('setup page shown although an admin exists');
    await shot(page, 'login-desktop');
    await page.fill('input[name=password]', 'wrong-password-123');
    await page.fill('input[name=username]', 'admin');
    await page.click('button[type=submit]');
    await page.locator('.error').waitFor();
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    pass('login (a wrong password is refused, the right one opens the dashboard)');

    // --- dashboard: a simulated call appears live, then ends ---
    const live = page.locator('[data-testid=live-calls] tbody tr', { hasText: NUMBER });
    await live.first().waitFor({ timeout: 90000 });
    const row = await live.first().innerText();
    if (!row.includes('1001') || !row.includes('UK London')) throw new Error(`live call row lacks caller/zone: ${row}`);
    const mode = await page.locator('[data-testid=live-mode]').innerText();
    await shot(page, 'dashboard-desktop');
    await page.locator('[data-testid=ended-calls] tbody tr', { hasText: NUMBER }).first().waitFor({ timeout: 60000 });
    pass(`dashboard: a call from tarifador-sim appeared and ended (updates: ${mode})`);
    if (await page.getByText('Hourly report not available').count()) {
      skip('dashboard chart', 'GET /api/v1/reports/hourly does not exist yet');
    } else {
      await page.locator('.chart canvas').first().waitFor({ timeout: 30000 });
      pass('dashboard: hourly chart drawn');
    }
    await shot(page, 'dashboard-desktop');

    // --- accounts: recharge one, see the ledger ---
    await page.click('nav >> text=Accounts');
    await page.locator('[data-testid=accounts] tbody tr', { hasText: 'Sales' }).click();
    await page.locator('[data-testid=account-detail]').waitFor();
    await page.fill('form[aria-label=Recharge] input[name=amount]', '25.50');
    await page.fill('form[aria-label=Recharge] input[name=note]', 'e2e top-up');
    await page.click('form[aria-label=Recharge] button[type=submit]');
    await page.getByText('Recharged 25.5000').waitFor();
    await page.locator('[data-testid=ledger] tbody tr', { hasText: 'e2e top-up' }).waitFor();
    pass('accounts: recharge with Idempotency-Key, ledger row shown');

    await page.fill('textarea[name=bulkcsv]', '1001,5.00,bulk e2e\n');
    await page.click('form[aria-label="Bulk recharge"] button[type=submit]');
    await until('bulk recharge answer', async () => (await page.locator('[data-testid=bulk-report]').count()) > 0 ||
      (await saysMissing(page)) || (await page.locator('.error').count()) > 0);
    if (await saysMissing(page)) {
      skip('bulk recharge', 'POST /api/v1/recharges/bulk does not exist yet');
    } else {
      const report = await page.locator('[data-testid=bulk-report]').innerText();
      if (!report.includes('1001')) throw new Error(`bulk report lacks the row: ${report}`);
      pass('accounts: bulk recharge CSV, per-row report');
    }
    await shot(page, 'accounts-desktop');

    // --- rates: import a deck through the UI, then quote from it ---
    await page.click('nav >> text=Rates');
    await page.fill('form[aria-label="Import rates"] input[name=plan]', 'e2e');
    await page.setInputFiles('form[aria-label="Import rates"] input[name=deck]', path.join(here, 'fixtures/import_rates.csv'));
    await page.click('form[aria-label="Import rates"] button[type=submit]');
    await page.getByText('Imported plan e2e: 2 rates').waitFor();
    await page.locator('[data-testid=rates] tbody tr', { hasText: 'E2E UK Mobile' }).waitFor();
    await page.selectOption('form[aria-label=Quote] select[name=plan]', 'e2e');
    await page.fill('form[aria-label=Quote] input[name=number]', NUMBER);
    await page.fill('form[aria-label=Quote] input[name=seconds]', '95');
    await page.click('form[aria-label=Quote] button[type=submit]');
    const cost = await page.locator('[data-testid=quote-cost]').innerText();
    const quote = await page.locator('[data-testid=quote-result]').innerText();
    if (cost !== '0.0950' || !quote.includes('E2E United Kingdom')) throw new Error(`quote: cost ${cost}, ${quote}`);
    pass('rates: CSV import through the UI, quote uses the new plan (95 s at 0.06 = 0.0950)');
    await shot(page, 'rates-desktop');

    // --- CDR search, breakdown and CSV ---
    await page.click('nav >> text=Calls');
    if (await saysMissing(page)) {
      skip('CDR search', 'GET /api/v1/cdrs does not exist yet');
    } else {
      const rows = page.locator('[data-testid=cdr-table] tbody tr', { hasText: NUMBER });
      await until('a CDR of the simulated call', async () => {
        await page.click('form[aria-label="CDR filters"] button[type=submit]');
        await page.waitForTimeout(500);
        if (await saysMissing(page)) return true;
        return (await rows.count()) > 0;
      }, 60000);
      if (await saysMissing(page)) {
        skip('CDR search', 'GET /api/v1/cdrs does not exist yet');
      } else {
        await rows.first().click();
        await page.locator('[data-testid=breakdown]').waitFor();
        const bd = await page.locator('[data-testid=breakdown]').innerText();
        if (!bd.includes('UK London')) throw new Error(`breakdown lacks the zone: ${bd}`);
        pass('calls: CDR search finds the simulated call, breakdown shown');
        await shot(page, 'calls-desktop');
        const href = await page.locator('[data-testid=csv-link]').getAttribute('href');
        const csv = await context.request.get(`${base}${href}`);
        if (csv.status() === 404) {
          skip('CDR CSV download', 'GET /api/v1/cdrs.csv does not exist yet');
        } else {
          const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=csv-link]')]);
          const file = await download.path();
          const text = fs.readFileSync(file, 'utf8');
          if (!text.includes(NUMBER)) throw new Error(`CSV lacks the call: ${text.slice(0, 300)}`);
          pass(`calls: CSV download with the same filters (${download.suggestedFilename()})`);
        }
      }
    }

    // --- reports ---
    await page.click('nav >> text=Reports');
    await until('the report or its absence', async () => (await page.locator('[data-testid=report]').count()) > 0 ||
      (await saysMissing(page)) || (await page.locator('.error').count()) > 0);
    if (await saysMissing(page)) {
      skip('reports', 'GET /api/v1/reports/summary does not exist yet');
    } else {
      await page.locator('[data-testid=report] tbody tr', { hasText: '1001' }).waitFor();
      pass('reports: summary per extension lists 1001');
    }
    await shot(page, 'reports-desktop');

    // --- status ---
    await page.click('nav >> text=Status');
    await page.getByRole('heading', { name: 'FreeSWITCH link' }).waitFor();
    const fsText = await page.locator('[data-testid=status-freeswitch]').innerText();
    if (!fsText.includes('up')) throw new Error(`status does not show the link up: ${fsText}`);
    pass('status: FreeSWITCH link shown up');
    await shot(page, 'status-desktop');

    // --- a phone-size screen: every page still renders ---
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
      deviceScaleFactor: 1 });
    watch(phone);
    const p2 = await phone.newPage();
    await p2.goto(`${base}/login`);
    await p2.getByRole('heading', { name: 'Sign in' }).waitFor();
    await shot(p2, 'login-phone');
    await p2.fill('input[name=username]', 'admin');
    await p2.fill('input[name=password]', PASSWORD);
    await p2.click('button[type=submit]');
    await p2.getByRole('heading', { name: 'Dashboard' }).waitFor();
    for (const [nav, heading, name] of [['Dashboard', 'Dashboard', 'dashboard'], ['Calls', 'Calls', 'calls'],
      ['Accounts', 'Accounts', 'accounts'], ['Rates', 'Rate plans', 'rates'], ['Reports', 'Reports', 'reports'],
      ['Status', 'Status', 'status']]) {
      await p2.click(`nav >> text=${nav}`);
      await p2.getByRole('heading', { name: heading, exact: true }).waitFor();
      const overflow = await p2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      if (overflow > 0) throw new Error(`${name} is wider than a phone screen by ${overflow}px`);
      await shot(p2, `${name}-phone`);
    }
    pass('phone-size screen: every page renders without sideways scrolling');
    // A reload of a client-side route comes back to the same page.
    await p2.goto(`${base}/status`);
    await p2.getByRole('heading', { name: 'Status', exact: true }).waitFor();
    pass('reload of /status serves the UI (fallback) and keeps the session');

    // --- sign out ---
    await page.click('text=Sign out');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    pass('sign out');

    if (outside.length) throw new Error(`requests left 127.0.0.1: ${[...new Set(outside)].join(', ')}`);
    pass('no request left 127.0.0.1');
    if (consoleErrors.length) throw new Error(`uncaught page errors: ${consoleErrors.join('; ')}`);
  } finally {
    await browser.close();
  }
}

let code = 0;
try {
  await main();
  console.log(`PASS: ${results.passed.length} steps passed, ${results.skipped.length} skipped`);
  for (const s of results.skipped) console.log(`  skipped: ${s}`);
} catch (e) {
  code = 1;
  console.error(`FAIL: ${e.stack || e}`);
  for (const { name } of children) console.error(`--- ${name} log (last lines) ---\n${tail(name)}`);
} finally {
  for (const { child } of children) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (!process.env.TARIFADOR_E2E_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}
process.exit(code);
