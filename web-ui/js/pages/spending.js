// Spending control (administrators): the toll-fraud guards in force (read
// from GET /api/v1/settings; they are set in the configuration), PIN codes,
// which let a person bill calls to their own account from any phone
// (docs/BILLING.md "PIN codes"), and who hears of alerts by e-mail or
// webhook (docs/ALERTS.md "Delivery").
// Digits and webhook secrets are shown once, when made, and never again.
import { html, useState, useEffect } from '../html.js';
import { api, get } from '../api.js';
import { ConfirmButton, ErrorBox, Notice } from '../ui.js';
import { when } from '../format.js';

const KINDS = ['budget_warning', 'budget_reached', 'low_balance', 'guard_tripped', 'spend_spike', 'pin_failures',
  'link_down', 'export_failed', 'mirror_backlog'];

// The guards as an office manager reads them; `off` is the value that
// switches one off, shown as `offText` ("off" unless given).
const GUARDS = [
  ['guards.max_price_per_minute', 'Most a destination may cost a minute', ''],
  ['guards.max_call_cost', 'Most one call may cost', ''],
  ['guards.max_daily_spend', 'Most an account may spend in a day (an account may have its own cap)', ''],
  ['guards.blocked_prefixes', 'Blocked number ranges', ''],
  ['guards.blocked_zones', 'Blocked zones', ''],
  ['guards.international_hours', 'International calls only between', ''],
  ['guards.office_days', 'Office days', null],
  ['guards.holidays', 'Holidays (closed all day)', ''],
  ['guards.max_concurrent_calls', 'Calls up at once, per extension', 0],
  ['guards.max_calls_per_hour', 'Calls in any hour, per extension', 0],
  ['guards.max_repeats_per_hour', 'Calls to one number in any hour, per extension', 0],
  ['guards.alert_only', 'Rules that only alert (the call goes on)', '', 'none: every guard blocks'],
  ['guards.spike_factor', 'Alert when an hour reaches this many times its usual spend or calls', 0],
];
const SOURCES = { file: 'configuration file', env: 'environment', default: 'default' };

function Guards() {
  const [settings, setSettings] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    (async () => { try { setSettings((await get('/api/v1/settings')).settings); } catch (e) { setError(e); } })();
  }, []);
  const shown = (key, off, offText = 'off') => {
    const v = settings[key] ? settings[key].value : '';
    return v === off || v === '' ? offText : String(v).split(',').join(', ');
  };
  return html`<section class="card"><h2>Toll-fraud guards</h2>
    <p class="muted">A guard refuses (or, listed as alert only, flags) a call and raises an alert. They are set in the configuration file or the environment and take effect on restart (docs/CONFIGURATION.md).</p>
    <${ErrorBox} error=${error} />
    ${settings && html`<div class="scroll"><table data-testid="guards">
      <thead><tr><th>Guard</th><th>Value</th><th>Set in</th></tr></thead>
      <tbody>${GUARDS.map(([key, label, off, offText]) => html`<tr data-key=${key}><td>${label}</td><td>${shown(key, off, offText)}</td>
        <td>${settings[key] ? SOURCES[settings[key].source] || settings[key].source : '—'}</td></tr>`)}</tbody></table></div>`}
  </section>`;
}

// An extension's own guard setting as its field shows it ("" for null).
const ownField = (v) => (v == null ? '' : String(v).replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1'));
const OWN = [
  ['max_price_per_minute', 'Price a minute', 'money'],
  ['max_call_cost', 'One call', 'money'],
  ['max_concurrent_calls', 'Calls at once', 'count'],
  ['max_calls_per_hour', 'Calls an hour', 'count'],
  ['max_repeats_per_hour', 'Same number an hour', 'count'],
];
const ownText = (g) => {
  const parts = OWN.filter(([k]) => g[k] != null).map(([k, label]) => `${label}: ${ownField(g[k]) === '0' ? 'off' : ownField(g[k])}`);
  if (g.international_any_time) parts.push('abroad at any hour');
  return parts.join('; ');
};

// Extensions whose guards differ from the box's (PUT
// /api/v1/extensions/{number}/guards): a director who may call abroad at
// night, a call-centre phone with more calls an hour.
function ExtensionGuards() {
  const [extensions, setExtensions] = useState(null);
  const [number, setNumber] = useState('');
  const [f, setF] = useState({});
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = async () => {
    try {
      const all = [];
      let cursor = null;
      do {
        const d = await get(`/api/v1/extensions?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        all.push(...d.items);
        cursor = d.next_cursor;
      } while (cursor && all.length < 10000);
      setExtensions(all);
    } catch (e) { setError(e); }
  };
  useEffect(() => { load(); }, []);
  const pick = (n) => {
    setNumber(n);
    const x = (extensions || []).find((e) => e.number === n);
    const g = x ? x.guards : {};
    setF({ ...Object.fromEntries(OWN.map(([k]) => [k, ownField(g[k])])), international_any_time: !!g.international_any_time });
  };
  const save = async (e, reset) => {
    e.preventDefault();
    setError(null);
    setNotice('');
    const json = {};
    if (!reset) {
      for (const [k, , kind] of OWN) {
        const v = (f[k] || '').trim();
        if (v !== '') json[k] = kind === 'money' ? v.replace(',', '.') : Number(v);
      }
      if (f.international_any_time) json.international_any_time = true;
    }
    try {
      await api('PUT', `/api/v1/extensions/${encodeURIComponent(number)}/guards`, { json });
      await load();
      setNotice(reset ? `Extension ${number} follows the box-wide guards again.` : `Guards of extension ${number} saved.`);
      if (reset) pick('');
    } catch (err) { setError(err); }
  };
  const own = (extensions || []).filter((x) => ownText(x.guards));
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  return html`<section class="card"><h2>Extensions with their own guards</h2>
    <p class="muted">An extension's own setting replaces the box-wide guard for it; 0 turns that guard off for it; empty follows the box.</p>
    <${ErrorBox} error=${error} /><${Notice} text=${notice} />
    ${extensions && (own.length === 0 ? html`<p class="muted" data-testid="no-own-guards">Every extension follows the box-wide guards.</p>`
      : html`<div class="scroll"><table data-testid="own-guards"><thead><tr><th>Extension</th><th>Name</th><th>Its own guards</th></tr></thead>
        <tbody>${own.map((x) => html`<tr><td>${x.number}</td><td>${x.name}</td><td>${ownText(x.guards)}</td></tr>`)}</tbody></table></div>`)}
    ${extensions && html`<form class="inline" onSubmit=${(e) => save(e, false)} aria-label="Extension guards">
      <label>Extension<select name="guard-extension" required value=${number} onChange=${(e) => pick(e.target.value)}>
        <option value="">extension…</option>${extensions.map((x) => html`<option value=${x.number}>${x.number} ${x.name}</option>`)}</select></label>
      ${number && OWN.map(([k, label, kind]) => html`<label>${label}<input name=${`guard-${k}`} inputmode=${kind === 'money' ? 'decimal' : 'numeric'} placeholder="box-wide"
        pattern=${kind === 'money' ? '[0-9]+([.,][0-9]{1,6})?' : '[0-9]{1,6}'} value=${f[k] || ''} onInput=${set(k)} /></label>`)}
      ${number && html`<label class="check"><input type="checkbox" name="guard-international_any_time" checked=${!!f.international_any_time}
        onChange=${(e) => setF({ ...f, international_any_time: e.target.checked })} /> International calls at any hour</label>`}
      <button type="submit" disabled=${!number}>Save guards</button>
      ${number && html`<button class="secondary" type="button" onClick=${(e) => save(e, true)}>Back to box-wide</button>`}
    </form>`}
  </section>`;
}


// A form whose answer may carry a secret shown once (`made`): its fields, a
// handler per field, and a submit that hands the fields to `send(f, setF,
// setMade)`.
function useOnceForm(initial, send) {
  const [f, setF] = useState(initial);
  const [made, setMade] = useState(null);
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const submit = (e) => {
    e.preventDefault();
    setMade(null);
    send(f, setF, setMade);
  };
  return { f, set, made, submit };
}

function AddPin({ accounts, onAdded, onError }) {
  const { f, set, made, submit } = useOnceForm({ id: '', owner: '', account_id: '', zones: '', pin: '' }, async (f, setF, setMade) => {
    try {
      const json = { id: f.id.trim(), owner: f.owner.trim(), account_id: Number(f.account_id) };
      const zones = f.zones.split(',').map((z) => z.trim()).filter(Boolean);
      if (zones.length) json.zones = zones;
      if (f.pin) json.pin = f.pin;
      const c = await api('POST', '/api/v1/pins', { json });
      if (c.pin) setMade(c);
      setF({ id: '', owner: '', account_id: f.account_id, zones: '', pin: '' });
      onAdded(`PIN code ${c.id} added for ${c.owner}.`);
    } catch (err) { onError(err); }
  });
  return html`<form class="inline" onSubmit=${submit} aria-label="Add a PIN code">
    <label>Code number<input name="pin-id" required inputmode="numeric" pattern="[0-9]{1,12}" value=${f.id} onInput=${set('id')} /></label>
    <label>Owner<input name="pin-owner" required maxlength="128" value=${f.owner} onInput=${set('owner')} /></label>
    <label>Pays<select name="pin-account" required value=${f.account_id} onChange=${set('account_id')}>
      <option value="">account…</option>${accounts.map((a) => html`<option value=${a.id}>${a.name}</option>`)}</select></label>
    <label>Zones (comma-separated; empty: any)<input name="pin-zones" value=${f.zones} onInput=${set('zones')} /></label>
    <label>Digits (empty: made for you)<input name="pin-digits" type="password" inputmode="numeric" pattern="[0-9]{4,12}" autocomplete="new-password" value=${f.pin} onInput=${set('pin')} /></label>
    <button type="submit">Add PIN code</button>
    ${made && html`<div class="notice" role="status" data-testid="new-pin">PIN code <b>${made.id}</b> for ${made.owner}: digits <code>${made.pin}</code>
      <br />Give them to ${made.owner} now: they are shown only this once.</div>`}
  </form>`;
}

function Pins({ accounts }) {
  const [items, setItems] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = async (message) => {
    try { setItems((await get('/api/v1/pins')).items); setError(null); } catch (e) { setError(e); }
    setNotice(typeof message === 'string' ? message : '');
  };
  useEffect(() => { load(); }, []);
  const act = async (fn, message) => { try { await fn(); await load(message); } catch (e) { setError(e); } };
  const name = (id) => (accounts.find((a) => a.id === id) || { name: `#${id}` }).name;
  return html`<section class="card"><h2>PIN codes</h2>
    <p class="muted">A phone dials <code>*7</code> and the number, then keys the code number and its digits: the call is billed to the code's owner, from any phone.</p>
    <${ErrorBox} error=${error} /><${Notice} text=${notice} />
    ${items && (items.length === 0 ? html`<p class="muted" data-testid="no-pins">No PIN codes yet.</p>` : html`<div class="scroll"><table data-testid="pins">
      <thead><tr><th>Code</th><th>Owner</th><th>Pays</th><th>Zones</th><th>Status</th><th>Last used</th><th></th></tr></thead>
      <tbody>${items.map((c) => html`<tr data-testid=${`pin-${c.id}`}><td>${c.id}</td><td>${c.owner}</td><td>${name(c.account_id)}</td>
        <td>${c.zones.length ? c.zones.join(', ') : 'any'}</td><td class=${c.enabled ? 'ok' : 'bad'}>${c.enabled ? 'active' : 'disabled'}</td>
        <td>${c.last_used_at ? when(c.last_used_at) : 'never'}</td>
        <td class="actions"><button onClick=${() => act(() => api('PATCH', `/api/v1/pins/${c.id}`, { json: { enabled: !c.enabled } }),
          `PIN code ${c.id} ${c.enabled ? 'disabled' : 'enabled'}.`)}>${c.enabled ? 'Disable' : 'Enable'}</button>
          <${ConfirmButton} label="Remove" confirmLabel=${`Remove code ${c.id}`} onConfirm=${() => act(() => api('DELETE', `/api/v1/pins/${c.id}`), `PIN code ${c.id} removed.`)} /></td></tr>`)}</tbody></table></div>`)}
    <${AddPin} accounts=${accounts} onAdded=${load} onError=${setError} />
  </section>`;
}

function AddRecipient({ onAdded, onError }) {
  const initial = { name: '', channel: 'email', address: '', kinds: '*', language: 'es', quiet: '' };
  const { f, set, made, submit } = useOnceForm(initial, async (f, setF, setMade) => {
    try {
      const json = { name: f.name.trim(), channel: f.channel, address: f.address.trim(), kinds: f.kinds.trim() || '*', language: f.language };
      if (f.quiet.trim()) json.quiet_hours = f.quiet.trim();
      const r = await api('POST', '/api/v1/alert-recipients', { json });
      if (r.secret) setMade(r);
      setF({ ...f, name: '', address: '', quiet: '' });
      onAdded(`${r.name} will hear of ${r.kinds === '*' ? 'every alert' : r.kinds} by ${r.channel}.`);
    } catch (err) { onError(err); }
  });
  return html`<form class="inline" onSubmit=${submit} aria-label="Add an alert recipient">
    <label>Name<input name="recipient-name" required maxlength="100" value=${f.name} onInput=${set('name')} /></label>
    <label>By<select name="recipient-channel" value=${f.channel} onChange=${set('channel')}><option value="email">e-mail</option><option value="webhook">webhook</option></select></label>
    <label>${f.channel === 'email' ? 'E-mail address' : 'Webhook URL'}<input name="recipient-address" required value=${f.address} onInput=${set('address')}
      type=${f.channel === 'email' ? 'email' : 'url'} /></label>
    <label>Alerts (* or a list)<input name="recipient-kinds" list="alert-kinds" value=${f.kinds} onInput=${set('kinds')} />
      <datalist id="alert-kinds">${['*', ...KINDS].map((k) => html`<option value=${k} />`)}</datalist></label>
    <label>Language<select name="recipient-language" value=${f.language} onChange=${set('language')}><option value="es">español</option><option value="en">English</option></select></label>
    <label>Quiet hours (HH:MM-HH:MM)<input name="recipient-quiet" placeholder="22:00-07:00" value=${f.quiet} onInput=${set('quiet')} /></label>
    <button type="submit">Add recipient</button>
    ${made && html`<div class="notice" role="status" data-testid="new-secret">Signing key of ${made.name}'s webhook: <code>${made.secret}</code>
      <br />Put it in the receiver now (X-Tarifador-Signature, docs/ALERTS.md): it is shown only this once.</div>`}
  </form>`;
}

function Recipients() {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = async (message) => {
    try { setData(await get('/api/v1/alert-recipients')); setError(null); } catch (e) { setError(e); }
    setNotice(typeof message === 'string' ? message : '');
  };
  useEffect(() => { load(); }, []);
  const remove = async (r) => {
    try { await api('DELETE', `/api/v1/alert-recipients/${r.id}`); await load(`${r.name} removed.`); } catch (e) { setError(e); }
  };
  const d = data && data.deliveries;
  return html`<section class="card"><h2>Who hears of alerts</h2>
    <${ErrorBox} error=${error} /><${Notice} text=${notice} />
    ${d && html`<p class="muted" data-testid="deliveries">Deliveries: ${d.pending} waiting, ${d.sent} sent, ${d.failed} failed.</p>`}
    ${data && (data.items.length === 0 ? html`<p class="muted" data-testid="no-recipients">Nobody yet: alerts are only on the Alerts page.</p>` : html`<div class="scroll"><table data-testid="recipients">
      <thead><tr><th>Name</th><th>By</th><th>Address</th><th>Alerts</th><th>Language</th><th>Quiet hours</th><th></th></tr></thead>
      <tbody>${data.items.map((r) => html`<tr><td>${r.name}</td><td>${r.channel === 'email' ? 'e-mail' : 'webhook'}</td><td>${r.address}</td>
        <td>${r.kinds === '*' ? 'all' : r.kinds.split(',').join(', ')}</td><td>${r.language}</td><td>${r.quiet_hours || '—'}</td>
        <td class="actions"><${ConfirmButton} label="Remove" confirmLabel=${`Remove ${r.name}`} onConfirm=${() => remove(r)} /></td></tr>`)}</tbody></table></div>`)}
    <${AddRecipient} onAdded=${load} onError=${setError} />
  </section>`;
}

export function Spending({ user }) {
  const [accounts, setAccounts] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    (async () => {
      try { setAccounts((await get('/api/v1/accounts?limit=1000')).items); } catch (e) { setError(e); }
    })();
  }, []);
  if (user.role !== 'admin') return html`<h1>Spending control</h1><p class="muted">Only an administrator manages PIN codes and alert recipients.</p>`;
  return html`<h1>Spending control</h1><${ErrorBox} error=${error} />
    <${Guards} />
    <${ExtensionGuards} />
    ${accounts && html`<${Pins} accounts=${accounts} />`}
    <${Recipients} />`;
}
