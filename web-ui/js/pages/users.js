// Users (admins only): people and their roles, disabling and enabling (their
// sessions end at once), password resets, live sessions, API tokens. And
// Account (everyone): one's own password. docs/SECURITY.md "Users, sessions
// and tokens" says what each does.
import { html, useState, useEffect } from '../html.js';
import { api, get } from '../api.js';
import { ErrorBox, Notice } from '../ui.js';
import { when } from '../format.js';

const ROLES = ['viewer', 'operator', 'admin'];

function UserRow({ u, onChange }) {
  const [resetting, setResetting] = useState(false);
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const patch = async (body) => {
    setError(null);
    try { await api('PATCH', `/api/v1/users/${encodeURIComponent(u.username)}`, { json: body }); onChange(); } catch (e) { setError(e); }
  };
  const reset = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', `/api/v1/users/${encodeURIComponent(u.username)}/password`, { json: { password } });
      setResetting(false);
      setPassword('');
      onChange(`Password of ${u.username} reset; their sessions ended.`);
    } catch (err) { setError(err); }
  };
  return html`<tr data-testid=${`user-${u.username}`}>
    <td>${u.username}</td>
    <td><select aria-label=${`Role of ${u.username}`} value=${u.role} onChange=${(e) => patch({ role: e.target.value })}>
      ${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></td>
    <td class=${u.disabled ? 'bad' : 'ok'}>${u.disabled ? 'disabled' : 'active'}</td>
    <td>${when(u.last_login_at)}</td>
    <td class="actions">
      <button onClick=${() => patch({ disabled: !u.disabled })}>${u.disabled ? 'Enable' : 'Disable'}</button>
      ${resetting
        ? html`<form class="inline" onSubmit=${reset}><input type="password" aria-label=${`New password for ${u.username}`} minlength="10" required autocomplete="new-password"
            value=${password} onInput=${(e) => setPassword(e.target.value)} /><button type="submit">Set</button>
            <button type="button" class="link" onClick=${() => setResetting(false)}>Cancel</button></form>`
        : html`<button onClick=${() => setResetting(true)}>Reset password</button>`}
      <${ErrorBox} error=${error} />
    </td></tr>`;
}

function AddUser({ onChange }) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState('viewer');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      await api('POST', '/api/v1/users', { json: { username, role, password } });
      onChange(`User ${username} added.`);
      setUsername('');
      setPassword('');
    } catch (err) { setError(err); }
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Add a user">
    <label>Name<input name="new-username" required value=${username} onInput=${(e) => setUsername(e.target.value)} /></label>
    <label>Role<select name="new-role" value=${role} onChange=${(e) => setRole(e.target.value)}>${ROLES.map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
    <label>Password (10+ characters)<input name="new-password" type="password" minlength="10" required autocomplete="new-password" value=${password} onInput=${(e) => setPassword(e.target.value)} /></label>
    <button type="submit">Add user</button><${ErrorBox} error=${error} /></form>`;
}

function CreateToken({ onChange }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState('viewer');
  const [days, setDays] = useState('');
  const [made, setMade] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    try {
      const json = { name, role };
      if (days) json.expires_in_days = Number(days);
      const t = await api('POST', '/api/v1/tokens', { json });
      setMade(t);
      setName('');
      onChange();
    } catch (err) { setError(err); }
  };
  return html`<form class="inline" onSubmit=${submit} aria-label="Create an API token">
    <label>Name<input name="token-name" required value=${name} onInput=${(e) => setName(e.target.value)} /></label>
    <label>Role<select name="token-role" value=${role} onChange=${(e) => setRole(e.target.value)}>
      ${[...ROLES, 'cdr-writer'].map((r) => html`<option value=${r}>${r}</option>`)}</select></label>
    <label>Expires after (days; empty: never)<input name="token-days" type="number" min="1" max="3650" value=${days} onInput=${(e) => setDays(e.target.value)} /></label>
    <button type="submit">Create token</button><${ErrorBox} error=${error} />
    ${made && html`<div class="notice" role="status" data-testid="new-token">Token <b>${made.name}</b>: <code>${made.token}</code>
      <br />Copy it now: it is shown only this once.</div>`}
  </form>`;
}

export function Users({ user }) {
  const [users, setUsers] = useState(null);
  const [sessions, setSessions] = useState(null);
  const [tokens, setTokens] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = async (message) => {
    try {
      const [u, s, t] = await Promise.all([get('/api/v1/users'), get('/api/v1/sessions'), get('/api/v1/tokens')]);
      setUsers(u.items);
      setSessions(s.items);
      setTokens(t.items);
      setError(null);
    } catch (e) { setError(e); }
    setNotice(typeof message === 'string' ? message : '');
  };
  useEffect(() => { load(); }, []);
  if (user.role !== 'admin') return html`<h1>Users</h1><p class="muted">Only an administrator manages users.</p>`;
  const act = async (fn, message) => {
    try { await fn(); await load(message); } catch (e) { setError(e); }
  };
  return html`<h1>Users</h1><${ErrorBox} error=${error} /><${Notice} text=${notice} />
    <section class="card"><h2>People</h2>
      ${users && html`<div class="scroll"><table data-testid="users"><thead><tr><th>Name</th><th>Role</th><th>Status</th><th>Last sign-in</th><th></th></tr></thead>
        <tbody>${users.map((u) => html`<${UserRow} key=${u.username} u=${u} onChange=${load} />`)}</tbody></table></div>`}
      <${AddUser} onChange=${load} />
    </section>
    <section class="card"><h2>Signed in now</h2>
      ${sessions && (sessions.length === 0 ? html`<p class="muted">Nobody.</p>` : html`<div class="scroll"><table data-testid="sessions">
        <thead><tr><th>User</th><th>Since</th><th>Until</th><th>From</th><th></th></tr></thead>
        <tbody>${sessions.map((s) => html`<tr><td>${s.username}</td><td>${when(s.created_at)}</td><td>${when(s.expires_at)}</td><td>${s.ip || '—'}</td>
          <td>${s.current ? html`<span class="muted">this browser</span>` : html`<button onClick=${() => act(() => api('DELETE', `/api/v1/sessions/${s.id}`), `Session of ${s.username} ended.`)}>End</button>`}</td></tr>`)}</tbody></table></div>`)}
    </section>
    <section class="card"><h2>API tokens</h2>
      ${tokens && html`<div class="scroll"><table data-testid="tokens"><thead><tr><th>Name</th><th>Role</th><th>Created</th><th>Last used</th><th>Expires</th><th>Status</th><th></th></tr></thead>
        <tbody>${tokens.map((t) => html`<tr><td>${t.name}</td><td>${t.role}</td><td>${when(t.created_at)}</td><td>${when(t.last_used_at)}</td><td>${t.expires_at ? when(t.expires_at) : 'never'}</td>
          <td class=${t.revoked ? 'bad' : 'ok'}>${t.revoked ? 'revoked' : 'active'}</td>
          <td>${!t.revoked && html`<button onClick=${() => act(() => api('DELETE', `/api/v1/tokens/${encodeURIComponent(t.name)}`), `Token ${t.name} revoked.`)}>Revoke</button>`}</td></tr>`)}</tbody></table></div>`}
      <${CreateToken} onChange=${() => load()} />
    </section>`;
}

export function Account({ user }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState(null);
  const [done, setDone] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    setDone('');
    if (next !== again) { setError('The two new passwords differ.'); return; }
    setError(null);
    try {
      await api('POST', '/api/v1/session/password', { json: { current_password: current, new_password: next } });
      setCurrent(''); setNext(''); setAgain('');
      setDone('Password changed. Your other sessions were signed out.');
    } catch (err) { setError(err); }
  };
  return html`<h1>My account</h1><p>${user.username} (${user.role})</p>
    <form class="card stack narrow-form" onSubmit=${submit} aria-label="Change my password">
      <h2>Change my password</h2>
      <label>Current password<input name="current-password" type="password" autocomplete="current-password" required value=${current} onInput=${(e) => setCurrent(e.target.value)} /></label>
      <label>New password (10+ characters)<input name="new-password" type="password" autocomplete="new-password" minlength="10" required value=${next} onInput=${(e) => setNext(e.target.value)} /></label>
      <label>New password again<input name="new-password-again" type="password" autocomplete="new-password" minlength="10" required value=${again} onInput=${(e) => setAgain(e.target.value)} /></label>
      <${ErrorBox} error=${error} /><${Notice} text=${done} />
      <button type="submit">Change password</button>
    </form>`;
}
