// Rate plans: the plans, a plan's rates (prefix filter, paging), CSV import
// of a deck (every bad line listed on refusal), and a "quote a number" box.
import { html, useState, useEffect } from '../html.js';
import { api, get, qs } from '../api.js';
import { ErrorBox, Notice } from '../ui.js';
import { money, when } from '../format.js';

// A rate without a start date comes as the Unix epoch: shown in the
// browser's zone it read "1969-12-31 18:00:00" in Mexico.
function sinceEver(iso) { return !iso || Date.parse(iso) <= 0; }

function Quote({ plans, defaultPlan }) {
  const [q, setQ] = useState({ plan: '', number: '', seconds: '60' });
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setResult(null);
    try { setResult(await get(`/api/v1/quote${qs(q)}`)); } catch (err) { setError(err); }
  };
  return html`<section class="card"><h2>Quote a number</h2>
    <form class="inline" onSubmit=${submit} aria-label="Quote">
      <label>Plan<select name="plan" value=${q.plan} onChange=${(e) => setQ({ ...q, plan: e.target.value })}>
        <option value="">default (${defaultPlan || '—'})</option>${plans.map((p) => html`<option>${p.name}</option>`)}</select></label>
      <label>Number<input name="number" required inputmode="tel" value=${q.number} onInput=${(e) => setQ({ ...q, number: e.target.value })} /></label>
      <label>Seconds<input name="seconds" required inputmode="numeric" value=${q.seconds} onInput=${(e) => setQ({ ...q, seconds: e.target.value })} /></label>
      <button type="submit">Quote</button>
    </form>
    <${ErrorBox} error=${error} />
    ${result && html`<dl class="kv" data-testid="quote-result">
      <dt>Number</dt><dd>${result.normalised_number || result.number}</dd>
      <dt>Zone</dt><dd>${result.zone}</dd><dt>Prefix</dt><dd>${result.prefix}</dd>
      <dt>Per minute</dt><dd>${money(result.price_per_minute)}</dd>
      <dt>Billable seconds</dt><dd>${result.billable_seconds}</dd>
      <dt>Cost</dt><dd><b data-testid="quote-cost">${result.blocked ? 'blocked' : money(result.cost)}</b></dd></dl>`}
  </section>`;
}

function Import({ onDone }) {
  const [plan, setPlan] = useState('');
  const [file, setFile] = useState(null);
  const [decimals, setDecimals] = useState('');
  const [rounding, setRounding] = useState('');
  const [result, setResult] = useState('');
  const [error, setError] = useState(null);
  const submit = async (e) => {
    e.preventDefault();
    setError(null);
    setResult('');
    try {
      const body = await file.text();
      const r = await api('POST', `/api/v1/rate-plans/${encodeURIComponent(plan)}/import${qs({ decimals, rounding })}`, { body, contentType: 'text/csv' });
      setResult(`Imported plan ${r.plan}: ${r.rates} rates in ${r.zones} zones (${r.decimals} decimals, rounding ${r.rounding}).`);
      onDone(r.plan);
    } catch (err) { setError(err); }
  };
  return html`<section class="card"><h2>Import a rate deck (CSV)</h2>
    <form class="inline" onSubmit=${submit} aria-label="Import rates">
      <label>Plan name<input name="plan" required value=${plan} onInput=${(e) => setPlan(e.target.value)} /></label>
      <label>CSV file<input name="deck" type="file" required accept=".csv,text/csv,text/plain" onChange=${(e) => setFile(e.target.files[0] || null)} /></label>
      <label>Decimals<input name="decimals" inputmode="numeric" placeholder="keep" size="4" value=${decimals} onInput=${(e) => setDecimals(e.target.value)} /></label>
      <label>Rounding<select name="rounding" value=${rounding} onChange=${(e) => setRounding(e.target.value)}>
        <option value="">keep</option><option>up</option><option>half_up</option><option>down</option></select></label>
      <button type="submit" disabled=${!file || !plan}>Import</button>
    </form>
    <p class="muted">The whole deck is checked first; a bad deck changes nothing and every bad line is listed.</p>
    <${ErrorBox} error=${error} /><${Notice} text=${result} />
  </section>`;
}

function RateList({ plan }) {
  const [prefix, setPrefix] = useState('');
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const load = async (after, p = prefix) => {
    setError(null);
    try {
      const d = await get(`/api/v1/rate-plans/${encodeURIComponent(plan)}/rates${qs({ prefix: p, limit: 100, cursor: after })}`);
      setItems((prev) => (after ? [...prev, ...d.items] : d.items));
      setCursor(d.next_cursor || null);
    } catch (e) { setError(e); }
  };
  useEffect(() => { setPrefix(''); load(null, ''); }, [plan]);
  return html`<section class="card"><h2>Rates of ${plan}</h2>
    <form class="inline" onSubmit=${(e) => { e.preventDefault(); load(null); }}>
      <label>Prefix starts with<input name="prefix" inputmode="numeric" value=${prefix} onInput=${(e) => setPrefix(e.target.value)} /></label>
      <button type="submit">Filter</button></form>
    <${ErrorBox} error=${error} />
    <div class="scroll"><table data-testid="rates"><thead><tr><th>Prefix</th><th>Zone</th><th class="num">Per minute</th><th class="num">Connection</th>
      <th>Increments</th><th>Effective</th><th>Blocked</th></tr></thead>
      <tbody>${items.map((r) => html`<tr key=${`${r.prefix}/${r.priority}/${r.effective_from}`}><td>${r.prefix}</td><td>${r.zone}</td>
        <td class="num">${money(r.price_per_minute)}</td><td class="num">${money(r.connection_fee)}</td>
        <td>${r.initial_increment}/${r.increment}</td><td>${sinceEver(r.effective_from) ? 'always' : when(r.effective_from)}${r.effective_to ? ` → ${when(r.effective_to)}` : ''}</td>
        <td>${r.blocked ? 'yes' : ''}</td></tr>`)}</tbody></table></div>
    ${cursor && html`<button class="secondary" onClick=${() => load(cursor)}>More</button>`}
  </section>`;
}

export function Rates() {
  const [plans, setPlans] = useState({ items: [], default_plan: '' });
  const [selected, setSelected] = useState(null);
  const [error, setError] = useState(null);
  const load = async () => {
    try { setPlans(await get('/api/v1/rate-plans')); } catch (e) { setError(e); }
  };
  useEffect(() => { load(); }, []);
  return html`<h1>Rate plans</h1>
    <${ErrorBox} error=${error} />
    <section class="card"><div class="scroll"><table class="rows" data-testid="plans">
      <thead><tr><th>Plan</th><th class="num">Rates</th><th>Decimals</th><th>Rounding</th></tr></thead>
      <tbody>${plans.items.map((p) => html`<tr key=${p.name} tabindex="0" class=${p.name === selected ? 'selected' : ''}
          onClick=${() => setSelected(p.name)} onKeyDown=${(e) => e.key === 'Enter' && setSelected(p.name)}>
        <td>${p.name}${p.name === plans.default_plan ? ' (default)' : ''}</td><td class="num">${p.rates}</td><td>${p.decimals}</td><td>${p.rounding}</td></tr>`)}</tbody>
    </table></div>${plans.items.length === 0 && html`<p class="muted">No rate plan loaded yet: import a deck below.</p>`}</section>
    <${Quote} plans=${plans.items} defaultPlan=${plans.default_plan} />
    ${selected && html`<${RateList} plan=${selected} />`}
    <${Import} onDone=${(name) => { load(); setSelected(name); }} />`;
}
