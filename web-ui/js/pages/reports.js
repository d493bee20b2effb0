// Reports: GET /api/v1/reports/summary for a period, grouped by extension,
// account or zone, with totals.
import { html, useState, useEffect } from '../html.js';
import { get, qs } from '../api.js';
import { ErrorBox, isMissingRoute, Missing } from '../ui.js';
import { dur, money, today } from '../format.js';

export function Reports() {
  const first = `${today().slice(0, 8)}01`;
  const [f, setF] = useState({ from: first, to: today(), group: 'extension' });
  const [data, setData] = useState(null);
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
    } catch (e) {
      if (isMissingRoute(e)) setMissing(true); else setError(e);
    }
  };
  useEffect(() => { load(f); }, []);
  if (missing) return html`<h1>Reports</h1><${Missing} what="The summary report" />`;
  const t = data && data.totals;
  return html`<h1>Reports</h1>
    <form class="card filters" onSubmit=${(e) => { e.preventDefault(); load(f); }} aria-label="Report period">
      <label>From<input type="date" name="from" value=${f.from} onInput=${(e) => setF({ ...f, from: e.target.value })} /></label>
      <label>To (inclusive)<input type="date" name="to" value=${f.to} onInput=${(e) => setF({ ...f, to: e.target.value })} /></label>
      <label>Per<select name="group" value=${f.group} onChange=${(e) => { const n = { ...f, group: e.target.value }; setF(n); load(n); }}>
        <option value="extension">extension</option><option value="account">account (department)</option><option value="zone">zone</option></select></label>
      <div class="actions"><button type="submit">Show</button></div>
    </form>
    <${ErrorBox} error=${error} />
    ${data && html`<section class="card"><p class="muted">${data.from} to ${data.to}${data.time_zone ? ` (${data.time_zone})` : ''}, per ${data.group}, most expensive first.</p>
      <div class="scroll"><table data-testid="report">
        <thead><tr><th>${data.group}</th><th>Name</th><th class="num">Calls</th><th class="num">Answered</th><th class="num">Talk</th><th class="num">Billable</th><th class="num">Cost</th></tr></thead>
        <tbody>${data.rows.map((r) => html`<tr key=${r.key}><td>${r.key}</td><td>${r.name || ''}</td><td class="num">${r.calls}</td><td class="num">${r.answered}</td>
          <td class="num">${dur(r.billsec)}</td><td class="num">${dur(r.billable_seconds)}</td><td class="num">${money(r.cost)}</td></tr>`)}</tbody>
        ${t && html`<tfoot><tr><th colspan="2">Total</th><th class="num">${t.calls}</th><th class="num">${t.answered}</th><th class="num">${dur(t.billsec)}</th>
          <th class="num">${dur(t.billable_seconds)}</th><th class="num">${money(t.cost)}</th></tr></tfoot>`}
      </table></div>${data.rows.length === 0 && html`<p class="muted">No calls in this period.</p>`}</section>`}`;
}
