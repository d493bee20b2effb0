// Status: whatever GET /api/v1/status reports (FreeSWITCH link, store, disk,
// export, mirror, ...) shown generically so new sections appear without a UI
// change, plus the readiness checks and the export runs when available.
import { html, useState, useEffect } from '../html.js';
import { get } from '../api.js';
import { ErrorBox } from '../ui.js';
import { bytes, dur, when } from '../format.js';

function label(k) { return k.replace(/_/g, ' '); }

function value(k, v) {
  if (v === null || v === undefined || v === '') return html`<span class="muted">—</span>`;
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number' && /bytes$/.test(k)) return bytes(v);
  if (typeof v === 'number' && /(seconds|_s)$/.test(k)) return `${dur(v)} (${v} s)`;
  if (typeof v === 'string' && /(_at|since|last_success|oldest_pending|time)$/.test(k) && /^\d{4}-\d\d-\d\dT/.test(v)) return when(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return html`<span class="muted">none</span>`;
    if (typeof v[0] !== 'object') return v.join(', ');
    const cols = [...new Set(v.flatMap((o) => Object.keys(o)))];
    return html`<div class="scroll"><table><thead><tr>${cols.map((c) => html`<th>${label(c)}</th>`)}</tr></thead>
      <tbody>${v.map((o) => html`<tr>${cols.map((c) => html`<td>${value(c, o[c])}</td>`)}</tr>`)}</tbody></table></div>`;
  }
  if (typeof v === 'object') return html`<dl class="kv">${Object.entries(v).map(([k2, v2]) => html`<dt>${label(k2)}</dt><dd>${value(k2, v2)}</dd>`)}</dl>`;
  return String(v);
}

// Past this, FreeSWITCH's clock and the box's visibly disagree. Billing does
// not depend on it (it counts on FreeSWITCH's clock), but CDR times come from
// FreeSWITCH and exports and reports from the box.
const CLOCK_WARN_MS = 5000;

function ClockWarning({ link }) {
  const ms = link && link.clock_offset_ms;
  if (typeof ms !== 'number' || Math.abs(ms) <= CLOCK_WARN_MS) return null;
  const s = Math.round(Math.abs(ms) / 1000);
  const by = s < 120 ? `${s} s` : dur(s);
  return html`<div class="error" role="alert" data-testid="clock-warning">FreeSWITCH's clock is ${by} ${ms > 0 ? 'ahead of' : 'behind'} this box's.
    Billing is not affected, but call times come from FreeSWITCH: set both machines to the same time (NTP).</div>`;
}

export function Status() {
  const [status, setStatus] = useState(null);
  const [ready, setReady] = useState(null);
  const [exportsInfo, setExports] = useState(null);
  const [error, setError] = useState(null);
  const load = async () => {
    try { setStatus(await get('/api/v1/status')); setError(null); } catch (e) { setError(e); }
    try {
      const r = await fetch('/readyz', { cache: 'no-store' });
      setReady(await r.json());
    } catch { setReady(null); }
    try { setExports(await get('/api/v1/exports')); } catch { setExports(null); }
  };
  useEffect(() => { load(); const t = setInterval(load, 10000); return () => clearInterval(t); }, []);
  if (!status) return html`<h1>Status</h1><${ErrorBox} error=${error} />`;
  const scalars = Object.entries(status).filter(([, v]) => v === null || typeof v !== 'object');
  const sections = Object.entries(status).filter(([, v]) => v !== null && typeof v === 'object');
  return html`<h1>Status</h1><${ErrorBox} error=${error} /><${ClockWarning} link=${status.freeswitch} />
    ${ready && ready.status && html`<section class="card"><h2>Readiness: <span class=${ready.status === 'ready' ? 'ok' : 'bad'} data-testid="ready">${ready.status}</span></h2>
      <ul class="checks">${(ready.checks || []).map((c) => html`<li class=${c.ok ? 'ok' : 'bad'}>${c.ok ? '✔' : '✘'} ${c.name}${c.error ? `: ${c.error}` : ''}</li>`)}</ul></section>`}
    <div class="grid">
    <section class="card"><h2>tarifador</h2>${value('', Object.fromEntries(scalars))}</section>
    ${sections.map(([k, v]) => html`<section class="card" data-testid=${`status-${k}`}><h2>${k === 'freeswitch' ? 'FreeSWITCH link' : label(k)}</h2>${value(k, v)}</section>`)}
    ${exportsInfo && html`<section class="card"><h2>Export runs</h2>${value('exports', exportsInfo)}</section>`}
    </div>`;
}
