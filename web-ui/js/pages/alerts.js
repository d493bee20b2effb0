// Alerts: what needs a person (budgets reached so far; docs/ALERTS.md), newest
// first, with the acknowledgement that closes one for everyone. Viewers read;
// operators and admins acknowledge.
import { html, useState, useEffect } from '../html.js';
import { api, get, qs } from '../api.js';
import { ErrorBox } from '../ui.js';
import { money, when } from '../format.js';

// The sentence of an alert, written here from its figures (the API's
// "message" is the English fallback for kinds this page does not know).
function sentence(a) {
  const d = a.detail || {};
  if (a.kind === 'budget_warning') {
    return `${d.account}: ${money(d.spent)} of the monthly budget of ${money(d.budget)} spent in ${d.month} (warning at ${d.warn_percent} %).`;
  }
  if (a.kind === 'budget_reached') {
    return `${d.account}: monthly budget of ${money(d.budget)} reached in ${d.month}` +
      (d.mode === 'alert' ? ' (alert only: calls go on).' : '; outbound calls are refused until next month or a higher budget.');
  }
  if (a.kind === 'low_balance') {
    return `${d.account}: the balance is down to ${money(d.balance)}, below ${money(d.threshold)}; calls are cut when it reaches zero.`;
  }
  if (a.kind === 'export_failed') {
    return `The ${d.kind} CDR export ${d.period} (${d.file}) failed: ${d.error}. It is retried; check the disk and the export folder.`;
  }
  if (a.kind === 'mirror_backlog') {
    return `The PostgreSQL mirror has ${d.rows} rows waiting, the oldest from ${when(d.oldest)}${d.last_error ? `: ${d.last_error}` : ''}; nothing is lost, they are sent when head office answers.`;
  }
  if (a.kind === 'guard_tripped') {
    const rule = {
      guard_blocked_prefix: 'a blocked number range', guard_blocked_zone: 'a destination in a blocked zone',
      guard_price_per_minute: 'a destination above the price limit',
      guard_after_hours: 'an international call outside office hours', guard_call_cost: 'the most one call may cost',
      guard_concurrent_calls: 'too many calls at once', guard_calls_per_hour: 'too many calls in an hour',
      guard_repeated_number: 'the same number dialled again and again',
      guard_daily_spend: "the day's spend limit",
    }[d.rule] || d.rule;
    const outcome = { cut: 'cut', alert: 'let through (alert only)' }[d.outcome] || 'refused';
    return `Extension ${d.caller} called ${d.destination}: ${outcome}, ${rule} (toll-fraud guard; first time on ${d.day}).`;
  }
  if (a.kind === 'spend_spike') {
    return `This hour (from ${when(d.hour)}) has ${d.calls} outbound calls costing ${money(d.cost)}, against ${d.usual_calls} calls and ${money(d.usual_cost)} on average at this hour over the last 7 days. Check that nobody is using the PBX without leave.`;
  }
  if (a.kind === 'pin_failures') {
    const whom = d.scope === 'code' ? `PIN code ${d.pin_id}` : `extension ${d.caller}`;
    return `${d.failures} wrong PIN codes in ${d.minutes} minutes for ${whom} (the last from extension ${d.caller}): locked for ${d.minutes} minutes. If it was not its owner, someone is guessing codes.`;
  }
  if (a.kind === 'link_down') {
    return `FreeSWITCH event socket ${d.address} down since ${when(d.since)}${d.last_error ? `: ${d.last_error}` : ''}; calls are not billed live until it is back.`;
  }
  return a.message;
}

export function Alerts({ user, onAlertsChanged }) {
  const [all, setAll] = useState(false);
  const [items, setItems] = useState([]);
  const [error, setError] = useState(null);
  const canAck = user && (user.role === 'operator' || user.role === 'admin');
  const load = async () => {
    try {
      const d = await get(`/api/v1/alerts${qs({ state: all ? 'all' : 'open', limit: 200 })}`);
      setItems(d.items);
      setError(null);
    } catch (e) { setError(e); }
  };
  useEffect(() => { load(); }, [all]);
  const acknowledge = async (id) => {
    try {
      await api('POST', `/api/v1/alerts/${id}/acknowledge`);
      await load();
      if (onAlertsChanged) onAlertsChanged();
    } catch (e) { setError(e); }
  };
  return html`<h1>Alerts</h1>
    <${ErrorBox} error=${error} />
    <section class="card">
      <label class="inline"><input type="checkbox" name="show-all" checked=${all} onChange=${(e) => setAll(e.target.checked)} /> Show acknowledged ones too</label>
      ${items.length === 0 ? html`<p class="muted" data-testid="no-alerts">${all ? 'No alerts yet.' : 'No open alerts.'}</p>` : html`
      <ul class="alerts" data-testid="alerts">${items.map((a) => html`<li key=${a.id} class=${`alert ${a.severity}${a.acknowledged_at ? ' done' : ''}`} data-kind=${a.kind}>
        <span class="when">${when(a.created_at)}</span> <span class="what">${sentence(a)}</span>
        ${a.acknowledged_at ? html` <small class="muted">Acknowledged by ${a.acknowledged_by}, ${when(a.acknowledged_at)}.</small>`
          : canAck && html` <button class="secondary" onClick=${() => acknowledge(a.id)}>Acknowledge</button>`}
      </li>`)}</ul>`}
    </section>`;
}
