// The single-page shell: boot (session? first-run setup? login), top
// navigation, client-side routes (the server answers index.html for them).
import { html, render, useState, useEffect } from './html.js';
import { api, get, setCsrf, setOnUnauthorized } from './api.js';
import { ErrorBox, Link, setNavigate } from './ui.js';
import { Dashboard } from './pages/dashboard.js';
import { Cdrs } from './pages/cdrs.js';
import { Accounts } from './pages/accounts.js';
import { Rates } from './pages/rates.js';
import { Reports } from './pages/reports.js';
import { Status } from './pages/status.js';
import { Users, Account } from './pages/users.js';
import { Alerts } from './pages/alerts.js';
import { Spending } from './pages/spending.js';

// [path, nav label (null: not in the bar), page, role needed to see it]
const PAGES = [
  ['/', 'Dashboard', Dashboard],
  ['/cdrs', 'Calls', Cdrs],
  ['/accounts', 'Accounts', Accounts],
  ['/rates', 'Rates', Rates],
  ['/reports', 'Reports', Reports],
  ['/status', 'Status', Status],
  ['/alerts', 'Alerts', Alerts],
  ['/spending', 'Spending', Spending, 'admin'],
  ['/users', 'Users', Users, 'admin'],
  ['/account', null, Account],
];

function Login({ onDone }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const s = await api('POST', '/api/v1/session', { json: { username, password }, quiet401: true });
      onDone(s);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="narrow"><h1>tarifador</h1>
    <form class="card stack" onSubmit=${submit} aria-label="Sign in">
      <h2>Sign in</h2>
      <label>User name<input name="username" autocomplete="username" required value=${username} onInput=${(e) => setUsername(e.target.value)} /></label>
      <label>Password<input name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)} /></label>
      <${ErrorBox} error=${error} />
      <button type="submit" disabled=${busy}>Sign in</button>
    </form></main>`;
}

function Setup({ onDone }) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    if (password !== again) { setError('The two passwords differ.'); return; }
    setError(null);
    try {
      await api('POST', '/api/v1/setup', { json: { username, password } });
      const s = await api('POST', '/api/v1/session', { json: { username, password }, quiet401: true });
      onDone(s);
    } catch (err) {
      setError(err);
    }
  };
  return html`<main class="narrow"><h1>tarifador</h1>
    <form class="card stack" onSubmit=${submit} aria-label="First-run setup">
      <h2>First run: create the administrator</h2>
      <p class="muted">No administrator exists yet. Whoever completes this form first owns the box; afterwards this page is gone.</p>
      <label>User name<input name="username" required value=${username} onInput=${(e) => setUsername(e.target.value)} /></label>
      <label>Password (at least 10 characters)<input name="password" type="password" autocomplete="new-password" minlength="10" required value=${password} onInput=${(e) => setPassword(e.target.value)} /></label>
      <label>Password again<input name="password2" type="password" autocomplete="new-password" minlength="10" required value=${again} onInput=${(e) => setAgain(e.target.value)} /></label>
      <${ErrorBox} error=${error} />
      <button type="submit">Create administrator</button>
    </form></main>`;
}

function App() {
  const [state, setState] = useState({ phase: 'loading' });
  const [path, setPath] = useState(location.pathname);
  const [openAlerts, setOpenAlerts] = useState(0);
  // The open alerts' count beside the tab: on every page change and every 30 s.
  const countAlerts = async () => {
    try { setOpenAlerts((await get('/api/v1/alerts?limit=1')).open_count || 0); } catch { /* shown on the page */ }
  };
  useEffect(() => {
    if (state.phase !== 'ready') return undefined;
    countAlerts();
    const timer = setInterval(countAlerts, 30000);
    return () => clearInterval(timer);
  }, [state.phase, path]);

  const boot = async () => {
    try {
      const s = await api('GET', '/api/v1/session', { quiet401: true });
      setCsrf(s.csrf_token);
      setState({ phase: 'ready', user: s });
      return;
    } catch (e) {
      if (e.status !== 401) { setState({ phase: 'error', error: e }); return; }
    }
    try {
      const st = await get('/api/v1/setup');
      if (st.setup_required) { setState({ phase: 'setup' }); return; }
    } catch { /* an old server without setup: log in */ }
    setState({ phase: 'login' });
  };

  useEffect(() => {
    // A link may carry a query (`/cdrs?call=...`): the page is its path.
    setNavigate((p) => { history.pushState(null, '', p); setPath(location.pathname); window.scrollTo(0, 0); });
    const onPop = () => setPath(location.pathname);
    window.addEventListener('popstate', onPop);
    setOnUnauthorized(() => { setCsrf(null); setState({ phase: 'login' }); });
    boot();
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const loggedIn = (s) => { setCsrf(s.csrf_token); setState({ phase: 'ready', user: s }); };
  const logout = async () => {
    try { await api('DELETE', '/api/v1/session'); } catch { /* gone already */ }
    setCsrf(null);
    setState({ phase: 'login' });
  };

  if (state.phase === 'loading') return html`<p class="boot">Loading…</p>`;
  if (state.phase === 'error') return html`<main class="narrow"><${ErrorBox} error=${state.error} /><button onClick=${boot}>Retry</button></main>`;
  if (state.phase === 'setup') return html`<${Setup} onDone=${loggedIn} />`;
  if (state.phase === 'login') return html`<${Login} onDone=${loggedIn} />`;

  const page = PAGES.find(([p]) => p === path) || (path === '/login' || path === '/setup' ? PAGES[0] : null);
  const Page = page ? page[2] : null;
  return html`<div class="shell">
    <header class="top">
      <span class="brand">tarifador</span>
      <nav>${PAGES.filter(([, label, , role]) => label && (!role || state.user.role === role))
        .map(([p, label]) => html`<${Link} href=${p} cls=${page && page[0] === p ? 'active' : ''}>${label}${p === '/alerts' && openAlerts > 0 ? html`<span class="badge" data-testid="alert-count">${openAlerts}</span>` : ''}<//>`)}</nav>
      <span class="who"><${Link} href="/account">${state.user.username}<//> (${state.user.role}) <button class="link" onClick=${logout}>Sign out</button></span>
    </header>
    <main>${Page ? html`<${Page} user=${state.user} onAlertsChanged=${countAlerts} />` : html`<h1>Not found</h1><p>No page at ${path}. <${Link} href="/">Dashboard<//></p>`}</main>
  </div>`;
}

render(html`<${App} />`, document.getElementById('app'));
