// Reports: GET /api/v1/reports/summary for a period, grouped by extension,
// account or zone, with totals; period presets, a row opens its calls, and
// the table downloads as CSV.
import { html, useState, useEffect } from '../html.js';
import { get, qs } from '../api.js';
import { ErrorBox, isMissingRoute, Missing, navigate } from '../ui.js';
import { addDays, dateStr, dur, money, today } from '../format.js';

// The presets' periods, "to" inclusive, from today's date.
function preset(name) {
  const t = today();
  const d = new Date(`${t}T12:00:00`);
  if (name === 'today') return { from: t, to: t };
  if (name === 'week') return { from: addDays(t, -((d.getDay() + 6) % 7)), to: t };  // from Monday
  if (name === 'month') return { from: `${t.slice(0, 8)}01`, to: t };
  const firstOfThis = new Date(`${t.slice(0, 8)}01T12:00:00`);
  const lastOfPrevious = new Date(firstOfThis);
  lastOfPrevious.setDate(0);
  return { from: `${dateStr(lastOfPrevious).slice(0, 8)}01`, to: dateStr(lastOfPrevious) };
}
const PRESETS = [['today', 'Today'], ['week', 'This week'], ['month', 'This month'], ['last-month', 'Last month']];

// A CSV field: quoted when it holds a comma, quote or line break.
const csvField = (v) => (/[",\r\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

export function Reports() {
  const first = `${today().slice(0, 8)}01`;
  const [f, setF] = useState({ from: first, to: today(), group: 'extension' });
  const [data, setData] = useState(null);
  const [shown, setShown] = useState(null);  // the period `data` is for
  const [error, setError] = useState(null);
  const [missing, setMissing] = useState(false);
  const load = async (filters) => {
    setError(null);
    try {
      // The form's "to" is inclusive for people; the API's is exclusive.
      const to = filters.to ? new Date(`${filters.to}T12:00:00`) : null;
      if (to) to.setDate(to.getDate() + 1);
      const toParam = to ? `${to.getFullYear()}-${String(to.getMonth() + 1).padStart(2, '0')}-${String(to.getDate()).padStart(2, '0')}` : '';
      setData(await get(`/api/v1/reports/summary${qs({ ...filters, to: toParam })}`));
      setShown(filters);
    } catch (e) {
      if (isMissingRoute(e)) setMissing(true); else setError(e);
    }
  };
  useEffect(() => { load(f); }, []);
  const pick = (name) => { const n = { ...f, ...preset(name) }; setF(n); load(n); };
  // A row's calls: the Calls page with the same period and the row's key.
  const drill = (r) => {
    const key = { extension: 'extension', account: 'account_id', zone: 'zone' }[data.group];
    navigate(`/cdrs${qs({ from: shown.from, to: addDays(shown.to, 1), [key]: r.key })}`);
  };
  const csvHref = () => {
    const lines = [[data.group, 'name', 'calls', 'answered', 'billsec', 'billable_seconds', 'cost'].join(',')];
    for (const r of data.rows) lines.push([r.key, r.name || '', r.calls, r.answered, r.billsec, r.billable_seconds, r.cost].map(csvField).join(','));
    const t = data.totals;
    if (t) lines.push(['total', '', t.calls, t.answered, t.billsec, t.billable_seconds, t.cost].map(csvField).join(','));
    return `data:text/csv;charset=utf-8,${encodeURIComponent(lines.join('\r\n') + '\r\n')}`;
  };
  if (missing) return html`<h1>Reports</h1><${Missing} what="The summary report" />`;
  const t = data && data.totals;
  return html`<h1>Reports</h1>
    <form class="card filters" onSubmit=${(e) => { e.preventDefault(); load(f); }} aria-label="Report period">
      <label>From<input type="date" name="from" value=${f.from} onInput=${(e) => setF({ ...f, from: e.target.value })} /></label>
      <label>To (inclusive)<input type="date" name="to" value=${f.to} onInput=${(e) => setF({ ...f, to: e.target.value })} /></label>
      <label>Per<select name="group" value=${f.group} onChange=${(e) => { const n = { ...f, group: e.target.value }; setF(n); load(n); }}>
        <option value="extension">extension</option><option value="account">account (department)</option><option value="zone">zone</option></select></label>
      <div class="actions"><button type="submit">Show</button>
        ${PRESETS.map(([name, label]) => html`<button type="button" class="secondary" onClick=${() => pick(name)}>${label}</button>`)}</div>
    </form>
    <${ErrorBox} error=${error} />
    ${data && shown && html`<section class="card"><p class="muted">${shown.from} to ${shown.to}${data.time_zone ? ` (${data.time_zone})` : ''}, per ${data.group}, most expensive first. Select a row for its calls.</p>
      <div class="scroll"><table class="rows" data-testid="report">
        <thead><tr><th>${data.group}</th><th>Name</th><th class="num">Calls</th><th class="num">Answered</th><th class="num">Talk</th><th class="num">Billable</th><th class="num">Cost</th></tr></thead>
        <tbody>${data.rows.map((r) => html`<tr key=${r.key} tabindex="0" onClick=${() => drill(r)} onKeyDown=${(e) => e.key === 'Enter' && drill(r)}><td>${r.key}</td><td>${r.name || ''}</td><td class="num">${r.calls}</td><td class="num">${r.answered}</td>
          <td class="num">${dur(r.billsec)}</td><td class="num">${dur(r.billable_seconds)}</td><td class="num">${money(r.cost)}</td></tr>`)}</tbody>
        ${t && html`<tfoot><tr><th colspan="2">Total</th><th class="num">${t.calls}</th><th class="num">${t.answered}</th><th class="num">${dur(t.billsec)}</th>
          <th class="num">${dur(t.billable_seconds)}</th><th class="num">${money(t.cost)}</th></tr></tfoot>`}
      </table></div>${data.rows.length === 0 && html`<p class="muted">No calls in this period.</p>`}
      ${data.rows.length > 0 && html`<a class="button secondary" data-testid="report-csv" href=${csvHref()} download=${`report-${data.group}-${shown.from}_${shown.to}.csv`}>Download CSV</a>`}</section>`}`;
}
