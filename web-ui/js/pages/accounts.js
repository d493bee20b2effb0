// Accounts and extensions: balances, a recharge with an Idempotency-Key (kept
// across a retry after a network failure, new after a success), the ledger,
// the all-or-nothing bulk recharge CSV with its per-row report, and (admins)
// setting up the office: new accounts, new extensions, an extension moved,
// renamed, given another plan or disabled. Controls a role cannot use are
// not shown.
import { html, useState, useEffect } from '../html.js';
import { api, get, newKey, qs } from '../api.js';
import { ConfirmButton, ErrorBox, Link, Notice, isMissingRoute, useSubmit } from '../ui.js';
import { fmtMicros, money, toMicros, when } from '../format.js';

const MONEY_PATTERN = '[0-9]+([.,][0-9]{1,6})?';

const PRESETS = ['10', '20', '50', '100'];

// A recharge: presets, an amount with a decimal point or comma, then a
// confirmation that shows the balance it leads to (billing.max_recharge
// refuses a mistyped amount on the server).
function Recharge({ account, onDone }) {
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [key, setKey] = useState(newKey());
  const [asking, setAsking] = useState(false);
  const { busy, error, done, submit } = useSubmit();
  const value = amount.trim().replace(',', '.');
  const change = (v) => { setAmount(v); setAsking(false); };
  const ask = (e) => { e.preventDefault(); setAsking(true); };
  // On a failure the key stays: a retry cannot charge twice.
  const recharge = submit(async () => {
    setAsking(false);
    const r = await api('POST', `/api/v1/accounts/${account.id}/recharges`, {
      json: note ? { amount: value, note } : { amount: value }, headers: { 'Idempotency-Key': key } });
    setAmount('');
    setNote('');
    setKey(newKey());
    onDone(r.entry.id);
    return `${r.replayed ? 'Already recharged' : 'Recharged'} ${r.entry.amount}; balance ${r.entry.balance_after}.`;
  });
  return html`<form class="inline" onSubmit=${asking ? recharge : ask} aria-label="Recharge">
    <span class="presets">${PRESETS.map((p) => html`<button type="button" class="secondary" onClick=${() => change(p)}>${p}</button>`)}</span>
    <label>Amount<input name="amount" inputmode="decimal" placeholder="10.00" required pattern=${MONEY_PATTERN} value=${amount} onInput=${(e) => change(e.target.value)} /></label>
    <label>Note<input name="note" maxlength="256" value=${note} onInput=${(e) => setNote(e.target.value)} /></label>
    ${asking ? html`<span class="confirm" data-testid="recharge-confirm">Recharge ${fmtMicros(toMicros(value))} to ${account.name}: the balance goes from ${money(account.balance)} to ${fmtMicros(toMicros(account.balance) + toMicros(value))}.
        <button type="submit" disabled=${busy}>Confirm recharge</button> <button type="button" class="link" onClick=${() => setAsking(false)}>Change</button></span>`
      : html`<button type="submit">Recharge…</button>`}
    <${ErrorBox} error=${error} /><${Notice} text=${done} />
  </form>`;
}

// "3.2000 of 10.0000 left (68 %)" for the table; "—" without a budget.
function budgetText(b) {
  if (!b) return '—';
  return `${money(b.left)} of ${money(b.budget)} left (${b.used_percent} %)`;
}

// A money setting as its field shows it: "25" for "25.0000", "" for null.
const moneyField = (v) => (v == null ? '' : String(v).replace(/\.?0+$/, ''));
// What the field sends: null when empty (the box-wide value), the amount with
// a decimal point otherwise.
const moneyValue = (text) => (text.trim() === '' ? null : text.trim().replace(',', '.'));


// The account's monthly budget: what is spent, held and left this month, and
// (admins) the form that sets it (PATCH /api/v1/accounts/{id}).
function Budget({ account, canEdit, onDone }) {
  const b = account.budget;
  const [budget, setBudget] = useState(moneyField(account.monthly_budget));
  const [mode, setMode] = useState(account.budget_mode || 'block');
  const [warn, setWarn] = useState(String(account.budget_warn_percent || 80));
  const { busy, error, done, submit } = useSubmit();
  useEffect(() => {
    setBudget(moneyField(account.monthly_budget));
    setMode(account.budget_mode || 'block');
    setWarn(String(account.budget_warn_percent || 80));
  }, [account.id]);
  const save = submit(async () => {
    const body = { monthly_budget: moneyValue(budget),
      budget_mode: mode, budget_warn_percent: Number(warn) };
    await api('PATCH', `/api/v1/accounts/${account.id}`, { json: body });
    onDone();
    return body.monthly_budget === null ? 'Budget removed.' : 'Budget saved.';
  });
  return html`<div data-testid="budget">
    <h3>Monthly budget</h3>
    ${b ? html`<p class=${`budget ${b.state}`} data-testid="budget-state" data-state=${b.state}>
        ${b.month}: spent ${money(b.spent)}, held by live calls ${money(b.reserved)}, <b>left ${money(b.left)}</b> of ${money(b.budget)} (${b.used_percent} %).
        ${b.state === 'reached' ? (account.budget_mode === 'block' ? ' Reached: outbound calls are refused until next month.' : ' Reached: alert only, calls go on.')
          : b.state === 'warning' ? ` Past the ${account.budget_warn_percent} % warning.` : ''}</p>`
      : html`<p class="muted">No monthly budget.</p>`}
    ${canEdit && html`<form class="inline" onSubmit=${save} aria-label="Monthly budget">
      <label>Budget per month<input name="monthly_budget" inputmode="decimal" placeholder="none" pattern="[0-9]+([.,][0-9]{1,6})?" value=${budget} onInput=${(e) => setBudget(e.target.value)} /></label>
      <label>At 100 %<select name="budget_mode" value=${mode} onChange=${(e) => setMode(e.target.value)}>
        <option value="block">block outbound calls</option><option value="alert">alert only</option></select></label>
      <label>Warn at %<input name="budget_warn_percent" type="number" min="1" max="100" required value=${warn} onInput=${(e) => setWarn(e.target.value)} /></label>
      <button type="submit" disabled=${busy}>Save budget</button>
      <${ErrorBox} error=${error} /><${Notice} text=${done} />
    </form>`}
  </div>`;
}

// The account's own spending limits (PATCH /api/v1/accounts/{id}): the daily
// spend cap (docs/BILLING.md "Daily spend cap") with what is left today, and
// the low-balance alert of a prepaid account. Empty fields take the box-wide
// settings.
function Limits({ account, canEdit, onDone }) {
  const dl = account.daily;
  const prepaid = account.type === 'prepaid';
  const [daily, setDaily] = useState(moneyField(account.daily_limit));
  const [low, setLow] = useState(moneyField(account.low_balance));
  const { busy, error, done, submit } = useSubmit();
  useEffect(() => {
    setDaily(moneyField(account.daily_limit));
    setLow(moneyField(account.low_balance));
  }, [account.id]);
  const save = submit(async () => {
    const body = { daily_limit: moneyValue(daily) };
    if (prepaid) body.low_balance = moneyValue(low);
    await api('PATCH', `/api/v1/accounts/${account.id}`, { json: body });
    onDone();
    return 'Limits saved.';
  });
  const reached = dl && (dl.left.startsWith('-') || Number(dl.left) === 0);
  return html`<div data-testid="limits">
    <h3>Daily spend cap</h3>
    ${dl ? html`<p class=${`budget ${reached ? 'reached' : 'ok'}`} data-testid="daily-state" data-state=${reached ? 'reached' : 'ok'}>
        ${dl.day}: spent ${money(dl.spent)}, held by live calls ${money(dl.reserved)}, <b>left ${money(dl.left)}</b> of ${money(dl.limit)} (${dl.source === 'account' ? "this account's own cap" : 'the box-wide cap'}).
        ${reached ? (dl.alert_only ? ' Reached: alert only, calls go on.' : ' Reached: outbound calls are refused until tomorrow.') : ''}</p>`
      : html`<p class="muted" data-testid="daily-state">No daily spend cap${account.daily_limit != null ? ' (lifted for this account)' : ''}.</p>`}
    ${canEdit && html`<form class="inline" onSubmit=${save} aria-label="Spending limits">
      <label>Daily cap (empty: box-wide; 0: none)<input name="daily_limit" inputmode="decimal" placeholder="box-wide" pattern="[0-9]+([.,][0-9]{1,6})?" value=${daily} onInput=${(e) => setDaily(e.target.value)} /></label>
      ${prepaid && html`<label>Low-balance alert below (empty: box-wide; 0: never)<input name="low_balance" inputmode="decimal" placeholder="box-wide" pattern="[0-9]+([.,][0-9]{1,6})?" value=${low} onInput=${(e) => setLow(e.target.value)} /></label>`}
      <button type="submit" disabled=${busy}>Save limits</button>
      <${ErrorBox} error=${error} /><${Notice} text=${done} />
    </form>`}
  </div>`;
}

// A new account (admins): a person or a department, how it pays, and an
// optional monthly budget.
function NewAccount({ onDone }) {
  const blank = { name: '', type: 'prepaid', credit_limit: '', monthly_budget: '' };
  const [f, setF] = useState(blank);
  const { busy, error, done, submit } = useSubmit();
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const create = submit(async () => {
    const json = { name: f.name.trim(), type: f.type };
    if (f.type === 'postpaid' && moneyValue(f.credit_limit) !== null) json.credit_limit = moneyValue(f.credit_limit);
    if (moneyValue(f.monthly_budget) !== null) json.monthly_budget = moneyValue(f.monthly_budget);
    const a = await api('POST', '/api/v1/accounts', { json });
    setF({ ...blank, type: f.type });
    onDone(a.id);
    return `Account ${a.name} created.`;
  });
  return html`<form class="inline" onSubmit=${create} aria-label="New account">
    <label>Name (a person or a department)<input name="account-name" required maxlength="128" value=${f.name} onInput=${set('name')} /></label>
    <label>Pays<select name="account-type" value=${f.type} onChange=${set('type')}>
      <option value="prepaid">in advance (prepaid)</option><option value="postpaid">afterwards (postpaid)</option></select></label>
    ${f.type === 'postpaid' && html`<label>Credit limit<input name="account-credit" inputmode="decimal" placeholder="0" pattern=${MONEY_PATTERN} value=${f.credit_limit} onInput=${set('credit_limit')} /></label>`}
    <label>Monthly budget (optional)<input name="account-budget" inputmode="decimal" placeholder="none" pattern=${MONEY_PATTERN} value=${f.monthly_budget} onInput=${set('monthly_budget')} /></label>
    <button type="submit" disabled=${busy}>Create account</button>
    <${ErrorBox} error=${error} /><${Notice} text=${done} />
  </form>`;
}

// An extension (admins): a new one (POST), or `extension` changed (PUT:
// moved to another account, renamed, another plan, disabled).
function ExtensionForm({ extension, accounts, plans, onDone, onCancel }) {
  const editing = !!extension;
  const from = (x) => ({ number: x ? x.number : '', name: x ? x.name : '', account_id: x ? String(x.account_id) : '',
    rate_plan: x && x.rate_plan ? x.rate_plan : '', enabled: x ? x.enabled : true });
  const [f, setF] = useState(from(extension));
  useEffect(() => { setF(from(extension)); }, [extension && extension.number]);
  const { busy, error, done, submit } = useSubmit();
  const set = (k) => (e) => setF({ ...f, [k]: e.target.value });
  const save = submit(async () => {
    const json = { name: f.name.trim(), account_id: Number(f.account_id), enabled: f.enabled };
    if (f.rate_plan) json.rate_plan = f.rate_plan;
    if (editing) {
      await api('PUT', `/api/v1/extensions/${encodeURIComponent(extension.number)}`, { json });
    } else {
      await api('POST', '/api/v1/extensions', { json: { ...json, number: f.number.trim() } });
      setF(from(null));
    }
    onDone();
    return editing ? `Extension ${extension.number} saved.` : `Extension ${json.name ? `${f.number.trim()} (${json.name})` : f.number.trim()} created.`;
  });
  return html`<form class="inline" onSubmit=${save} aria-label=${editing ? `Extension ${extension.number}` : 'New extension'}>
    ${!editing && html`<label>Number<input name="ext-number" required maxlength="32" pattern="[0-9A-Za-z*#+_.\-]{1,32}" value=${f.number} onInput=${set('number')} /></label>`}
    <label>Person or place<input name="ext-name" maxlength="128" value=${f.name} onInput=${set('name')} /></label>
    <label>Account that pays<select name="ext-account" required value=${f.account_id} onChange=${set('account_id')}>
      <option value="">account…</option>${accounts.map((a) => html`<option value=${String(a.id)}>${a.name}</option>`)}</select></label>
    <label>Rate plan<select name="ext-plan" value=${f.rate_plan} onChange=${set('rate_plan')}>
      <option value="">the default plan</option>${plans.map((p) => html`<option value=${p.name}>${p.name}</option>`)}</select></label>
    <label class="check"><input type="checkbox" name="ext-enabled" checked=${f.enabled} onChange=${(e) => setF({ ...f, enabled: e.target.checked })} /> May place outbound calls</label>
    <button type="submit" disabled=${busy}>${editing ? 'Save extension' : 'Create extension'}</button>
    ${editing && html`<button class="secondary" type="button" onClick=${onCancel}>Close</button>`}
    <${ErrorBox} error=${error} /><${Notice} text=${done} />
  </form>`;
}

// The account's ledger, newest first (the row just made, `highlight`,
// marked); a call charge links to its call; a recharge not yet taken back
// has "Reverse" for operators and admins (an adjustment of the opposite
// amount, once).
function Ledger({ accountId, version, canReverse, onChanged, highlight }) {
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = async (after) => {
    try {
      const d = await get(`/api/v1/accounts/${accountId}/ledger${qs({ order: 'newest', limit: 100, cursor: after })}`);
      setItems((prev) => (after ? [...prev, ...d.items] : d.items));
      setCursor(d.next_cursor || null);
    } catch (e) { setError(e); }
  };
  useEffect(() => { load(null); }, [accountId, version]);
  const reversed = new Set(items.filter((r) => r.kind === 'adjustment')
    .map((r) => (/^reversal of recharge #(\d+)/.exec(r.reason || '') || [])[1]).filter(Boolean).map(Number));
  const reverse = async (r) => {
    setError(null);
    try {
      const out = await api('POST', `/api/v1/accounts/${accountId}/ledger/${r.id}/reverse`, { json: {} });
      setNotice(`Recharge #${r.id} reversed; balance ${out.entry.balance_after}.`);
      onChanged(out.entry.id);
    } catch (e) { setError(e); }
  };
  return html`<${ErrorBox} error=${error} /><${Notice} text=${notice} />
    ${items.length === 0 ? html`<p class="muted">No movements yet.</p>` : html`<div class="scroll"><table data-testid="ledger">
    <thead><tr><th>#</th><th>When</th><th>Kind</th><th class="num">Amount</th><th class="num">Balance after</th><th>By</th><th>Reason / call</th>${canReverse && html`<th></th>`}</tr></thead>
    <tbody>${items.map((r) => html`<tr key=${r.id} class=${r.id === highlight ? 'new' : ''}><td>${r.id}</td><td>${when(r.at)}</td><td>${r.kind}</td><td class="num">${money(r.amount)}</td>
      <td class="num">${money(r.balance_after)}</td><td>${r.actor}</td>
      <td>${r.call_uuid ? html`<${Link} href=${`/cdrs?call=${encodeURIComponent(r.call_uuid)}`}>${r.reason || 'the call'}<//>` : r.reason || ''}</td>
      ${canReverse && html`<td class="actions">${r.kind === 'recharge' && !reversed.has(r.id) && html`<${ConfirmButton} cls="secondary" label="Reverse" confirmLabel=${`Reverse ${r.amount}`} onConfirm=${() => reverse(r)} />`}</td>`}</tr>`)}</tbody></table></div>`}
    ${cursor && html`<button class="secondary" onClick=${() => load(cursor)}>More</button>`}`;
}

function BulkRecharge({ onDone }) {
  const [csv, setCsv] = useState('');
  const [key, setKey] = useState(newKey());
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [missing, setMissing] = useState(false);
  const pick = async (e) => { const file = e.target.files[0]; if (file) setCsv(await file.text()); };
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    try {
      const r = await api('POST', '/api/v1/recharges/bulk', { body: csv, contentType: 'text/csv', headers: { 'Idempotency-Key': key } });
      setResult(r);
      setKey(newKey());
      onDone();
    } catch (err) {
      if (isMissingRoute(err)) setMissing(true); else setError(err);
    }
  };
  const badRows = error && error.body && Array.isArray(error.body.rows) ? error.body.rows : null;
  return html`<section class="card"><h2>Bulk recharge</h2>
    ${missing ? html`<p class="muted">Bulk recharge is not available on this server version.</p>` : html`
    <form class="stack" onSubmit=${submit} aria-label="Bulk recharge">
      <p class="muted">CSV lines <code>extension_or_account,amount[,note]</code>; all lines are applied or none.</p>
      <label>CSV file<input type="file" name="bulkfile" accept=".csv,text/csv,text/plain" onChange=${pick} /></label>
      <label>or paste it<textarea name="bulkcsv" rows="4" value=${csv} onInput=${(e) => setCsv(e.target.value)} placeholder="1001,10.00,cash"></textarea></label>
      <button type="submit" disabled=${!csv.trim()}>Apply</button>
    </form>`}
    <${ErrorBox} error=${error} />
    ${badRows && html`<div class="scroll"><table><thead><tr><th>Line</th><th>Problem</th></tr></thead>
      <tbody>${badRows.map((r) => html`<tr><td>${r.line}</td><td>${r.error}</td></tr>`)}</tbody></table></div>`}
    ${result && html`<${Notice} text=${`Applied ${result.applied} recharges, total ${result.total}.`} />
      <div class="scroll"><table data-testid="bulk-report"><thead><tr><th>Line</th><th>Target</th><th>Account</th><th class="num">Amount</th><th class="num">Balance after</th></tr></thead>
      <tbody>${result.rows.map((r) => html`<tr><td>${r.line}</td><td>${r.target}</td><td>${r.account_id}</td><td class="num">${money(r.amount)}</td><td class="num">${money(r.balance_after)}</td></tr>`)}</tbody></table></div>`}
  </section>`;
}

export function Accounts({ user }) {
  const [accounts, setAccounts] = useState([]);
  const [extensions, setExtensions] = useState([]);
  const [extCursor, setExtCursor] = useState(null);
  const [selected, setSelected] = useState(null);
  const [version, setVersion] = useState(0);
  const [error, setError] = useState(null);
  const [plans, setPlans] = useState([]);
  const [editing, setEditing] = useState(null);
  const role = user ? user.role : 'viewer';
  const admin = role === 'admin';
  const canRecharge = admin || role === 'operator';

  const loadAccounts = async () => {
    try {
      const all = [];
      let cursor = null;
      do {  // every account: a site has tens, not thousands
        const d = await get(`/api/v1/accounts${qs({ limit: 1000, cursor })}`);
        all.push(...d.items);
        cursor = d.next_cursor;
      } while (cursor && all.length < 10000);
      setAccounts(all);
    } catch (e) { setError(e); }
  };
  const loadExtensions = async (after) => {
    try {
      const d = await get(`/api/v1/extensions${qs({ limit: 200, cursor: after })}`);
      setExtensions((prev) => (after ? [...prev, ...d.items] : d.items));
      setExtCursor(d.next_cursor || null);
    } catch (e) { setError(e); }
  };
  const loadPlans = async () => {
    try { setPlans((await get('/api/v1/rate-plans')).items); } catch (e) { setError(e); }
  };
  useEffect(() => { loadAccounts(); loadExtensions(null); if (admin) loadPlans(); }, []);
  const [fresh, setFresh] = useState(null);  // the ledger row just made
  const changed = (entry) => { loadAccounts(); setVersion((v) => v + 1); setFresh(typeof entry === 'number' ? entry : null); };
  const acc = accounts.find((a) => a.id === selected);
  const names = new Map(accounts.map((a) => [a.id, a.name]));

  return html`<h1>Accounts</h1>
    <${ErrorBox} error=${error} />
    <section class="card"><h2>Balances</h2>
      <div class="scroll"><table class="rows" data-testid="accounts">
        <thead><tr><th>Id</th><th>Name</th><th>Type</th><th class="num">Balance</th><th class="num">Reserved</th><th class="num">Available</th><th>Monthly budget</th></tr></thead>
        <tbody>${accounts.map((a) => html`<tr key=${a.id} class=${a.id === selected ? 'selected' : ''} tabindex="0"
            onClick=${() => setSelected(a.id)} onKeyDown=${(e) => e.key === 'Enter' && setSelected(a.id)}>
          <td>${a.id}</td><td>${a.name}</td><td>${a.type}</td><td class="num">${money(a.balance)}</td>
          <td class="num">${money(a.reserved)}</td><td class="num">${money(a.available)}</td>
          <td class=${a.budget ? `budget ${a.budget.state}` : ''}>${budgetText(a.budget)}</td></tr>`)}</tbody></table></div>
      ${accounts.length === 0 && html`<p class="muted">No accounts yet${admin ? ': create the first one below' : ''}.</p>`}
      ${admin && html`<h3>New account</h3><${NewAccount} onDone=${(id) => { loadAccounts(); setSelected(id); }} />`}
    </section>
    ${acc && html`<section class="card" data-testid="account-detail"><h2>${acc.name} <small class="muted">account ${acc.id}, ${acc.type}</small></h2>
      <p>Balance <b data-testid="balance">${money(acc.balance)}</b>, available ${money(acc.available)}${acc.type === 'postpaid' ? ` (credit limit ${money(acc.credit_limit)})` : ''}.</p>
      ${canRecharge && html`<${Recharge} account=${acc} onDone=${changed} />`}
      <${Budget} account=${acc} canEdit=${admin} onDone=${changed} />
      <${Limits} account=${acc} canEdit=${admin} onDone=${changed} />
      <h3>Ledger</h3><${Ledger} accountId=${acc.id} version=${version} canReverse=${canRecharge} onChanged=${changed} highlight=${fresh} /></section>`}
    ${canRecharge && html`<${BulkRecharge} onDone=${changed} />`}
    <section class="card"><h2>Extensions</h2>
      <div class="scroll"><table data-testid="extensions">
        <thead><tr><th>Number</th><th>Name</th><th>Account</th><th>Rate plan</th><th>Enabled</th>${admin && html`<th></th>`}</tr></thead>
        <tbody>${extensions.map((x) => html`<tr key=${x.number}><td>${x.number}</td><td>${x.name}</td>
          <td>${x.account_id} ${names.get(x.account_id) ? `(${names.get(x.account_id)})` : ''}</td><td>${x.rate_plan || 'default'}</td><td>${x.enabled ? 'yes' : 'no'}</td>
          ${admin && html`<td class="actions"><button class="secondary" onClick=${() => setEditing(x.number)}>Edit</button></td>`}</tr>`)}</tbody></table></div>
      ${extCursor && html`<button class="secondary" onClick=${() => loadExtensions(extCursor)}>More</button>`}
      ${admin && editing && html`<h3>Extension ${editing}</h3><${ExtensionForm} extension=${extensions.find((x) => x.number === editing)}
        accounts=${accounts} plans=${plans} onDone=${() => loadExtensions(null)} onCancel=${() => setEditing(null)} />`}
      ${admin && html`<h3>New extension</h3><${ExtensionForm} accounts=${accounts} plans=${plans} onDone=${() => loadExtensions(null)} />`}
    </section>`;
}
