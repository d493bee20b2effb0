// CDR search: the filters of GET /api/v1/cdrs, "More" follows next_cursor,
// a row opens the call's cost breakdown, and the CSV link carries the same
// filters to GET /api/v1/cdrs.csv.
import { html, useState, useEffect } from '../html.js';
import { get, qs } from '../api.js';
import { ErrorBox, isMissingRoute, Missing } from '../ui.js';
import { addDays, dur, money, today, when } from '../format.js';

const EMPTY = { from: '', to: '', extension: '', account_id: '', direction: '', zone: '', prefix: '', disposition: '', min_cost: '' };

function Breakdown({ cdr, onClose }) {
  const b = cdr.breakdown || {};
  const rows = [
    ['Caller', `${cdr.caller}${cdr.caller_name ? ` (${cdr.caller_name})` : ''}`], ['Destination', cdr.destination],
    ['Number', cdr.normalised_number], ['Zone / prefix', `${cdr.zone || '—'} / ${cdr.prefix || '—'}`], ['Rate plan', cdr.rate_plan],
    ['Started', when(cdr.start_time)], ['Answered', when(cdr.answer_time)], ['Ended', when(cdr.end_time)],
    ['Result', `${cdr.disposition || ''} ${cdr.hangup_cause ? `(${cdr.hangup_cause})` : ''}`], ['Denied because', cdr.deny_reason],
    ['Connection fee', money(b.connection_fee)], ['Price per minute', money(b.price_per_minute)],
    ['Talk time (billsec)', b.billsec ?? cdr.billsec], ['Billable seconds', b.billable_seconds ?? cdr.billable_seconds],
    ['Usage', money(b.usage)], ['Cost', money(b.cost ?? cdr.cost)], ['Charged', money(b.charged ?? cdr.charged)],
    ['Uncollected', money(b.uncollected)],
  ].filter(([, v]) => v !== null && v !== undefined && v !== '');
  return html`<section class="card" data-testid="breakdown">
    <h2>Call ${cdr.uuid} <button class="link" onClick=${onClose}>close</button></h2>
    <dl class="kv">${rows.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
    ${b.explanation && html`<p class="explain">${b.explanation}</p>`}
  </section>`;
}

// The CSV link's query: the applied filters, the browser's language (the
// file's name and, for Excel, the decimal comma and the words), and the
// sheet options (docs/EXPORT.md "HTTP").
const LANG = (navigator.language || 'en').toLowerCase().startsWith('es') ? 'es' : 'en';
function csvQuery(applied, sheet) {
  const q = { ...applied, lang: LANG };
  if (sheet.accounting) q.columns = 'accounting';
  if (sheet.excel) q.format = 'excel';
  return q;
}

export function Cdrs() {
  const [f, setF] = useState({ ...EMPTY, from: addDays(today(), -6), to: addDays(today(), 1) });
  const [applied, setApplied] = useState(null);
  const [items, setItems] = useState([]);
  const [cursor, setCursor] = useState(null);
  const [error, setError] = useState(null);
  const [missing, setMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [detail, setDetail] = useState(null);

  const load = async (filters, after) => {
    setBusy(true);
    setError(null);
    try {
      const d = await get(`/api/v1/cdrs${qs({ ...filters, limit: 50, cursor: after })}`);
      setItems((prev) => (after ? [...prev, ...d.items] : d.items));
      setCursor(d.next_cursor || null);
      setApplied(filters);
    } catch (e) {
      if (isMissingRoute(e)) setMissing(true); else setError(e);
    } finally {
      setBusy(false);
    }
  };
  const [sheet, setSheet] = useState({ accounting: false, excel: false });
  const open = async (uuid) => {
    try { setDetail(await get(`/api/v1/cdrs/${encodeURIComponent(uuid)}`)); } catch (e) { setError(e); }
  };
  // `/cdrs?call=UUID` (a call charge's link in the ledger) opens that call;
  // `/cdrs?from=...&extension=...` (a report row) searches with those filters.
  useEffect(() => {
    const params = new URLSearchParams(location.search);
    const call = params.get('call');
    if (call) open(call);
    const given = Object.fromEntries(Object.keys(EMPTY).filter((k) => params.has(k)).map((k) => [k, params.get(k)]));
    if (Object.keys(given).length) {
      const filters = { ...EMPTY, ...given };
      setF(filters);
      load(filters, null);
    }
  }, []);
  const field = (name, label, attrs = {}) => html`<label>${label}<input name=${name} value=${f[name]} ...${attrs}
      onInput=${(e) => setF({ ...f, [name]: e.target.value })} /></label>`;

  if (missing) return html`<h1>Calls</h1><${Missing} what="CDR search" />`;
  return html`<h1>Calls</h1>
    <form class="card filters" onSubmit=${(e) => { e.preventDefault(); load(f, null); }} aria-label="CDR filters">
      ${field('from', 'From', { type: 'date' })}${field('to', 'To (exclusive)', { type: 'date' })}
      ${field('extension', 'Extension')}${field('account_id', 'Account id', { inputmode: 'numeric' })}
      <label>Direction<select name="direction" value=${f.direction} onChange=${(e) => setF({ ...f, direction: e.target.value })}>
        <option value="">any</option><option>outbound</option><option>inbound</option><option>internal</option></select></label>
      ${field('zone', 'Zone')}${field('prefix', 'Number starts with', { inputmode: 'numeric' })}
      <label>Result<select name="disposition" value=${f.disposition} onChange=${(e) => setF({ ...f, disposition: e.target.value })}>
        <option value="">any</option><option>answered</option><option>no_answer</option><option>busy</option><option>failed</option><option>denied</option></select></label>
      ${field('min_cost', 'Cost at least', { inputmode: 'decimal' })}
      <div class="actions"><button type="submit" disabled=${busy}>Search</button>
        <button type="button" class="secondary" onClick=${() => setF({ ...EMPTY })}>Clear</button>
        ${applied && html`<a class="button secondary" data-testid="csv-link" href=${`/api/v1/cdrs.csv${qs(csvQuery(applied, sheet))}`} download>Download CSV</a>
          <label class="check"><input type="checkbox" name="csv-accounting" checked=${sheet.accounting} onChange=${(e) => setSheet({ ...sheet, accounting: e.target.checked })} /> Accounting columns</label>
          <label class="check"><input type="checkbox" name="csv-excel" checked=${sheet.excel} onChange=${(e) => setSheet({ ...sheet, excel: e.target.checked })} /> For Excel</label>`}</div>
    </form>
    <${ErrorBox} error=${error} />
    ${detail && html`<${Breakdown} cdr=${detail} onClose=${() => setDetail(null)} />`}
    ${applied && html`<section class="card">
      <p class="muted">${items.length} call${items.length === 1 ? '' : 's'} shown${cursor ? ', more available' : ''}. Select a row for its cost breakdown.</p>
      <div class="scroll"><table class="rows" data-testid="cdr-table">
        <thead><tr><th>Start</th><th>Caller</th><th>Destination</th><th>Zone</th><th>Result</th><th>Talk</th><th class="num">Cost</th></tr></thead>
        <tbody>${items.map((c) => html`<tr key=${c.uuid} tabindex="0" onClick=${() => open(c.uuid)} onKeyDown=${(e) => e.key === 'Enter' && open(c.uuid)}>
          <td>${when(c.start_time)}</td><td>${c.caller}</td><td>${c.destination}</td><td>${c.zone || '—'}</td>
          <td>${c.disposition}</td><td>${dur(c.billsec)}</td><td class="num">${money(c.cost)}</td></tr>`)}</tbody></table></div>
      ${cursor && html`<button class="secondary" disabled=${busy} onClick=${() => load(applied, cursor)}>More</button>`}
    </section>`}`;
}
