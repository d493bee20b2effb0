// Dashboard: live calls (elapsed time and running cost tick in the browser
// between snapshots), calls that just ended, today's totals and the hourly
// chart. Live through GET /api/v1/events (SSE); while that is unavailable it
// polls GET /api/v1/calls/active.
import { html, useState, useEffect, useRef } from '../html.js';
import { get } from '../api.js';
import { ErrorBox, isMissingRoute } from '../ui.js';
import { dur, fmtMicros, money, toMicros, when } from '../format.js';

const POLL_MS = 2000;

function HourlyChart({ hours }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!window.uPlot || !hours || !ref.current) return undefined;
    const el = ref.current;
    const xs = hours.map((h) => Date.parse(h.start) / 1000);
    const opts = {
      width: el.clientWidth || 600,
      height: 220,
      legend: { live: false },
      scales: { x: { time: true }, calls: { auto: true }, cost: { auto: true } },
      series: [
        {},
        { label: 'Calls', scale: 'calls', stroke: '#2563eb', fill: 'rgba(37,99,235,0.25)', paths: window.uPlot.paths.bars({ size: [0.7] }), points: { show: false } },
        { label: 'Cost', scale: 'cost', stroke: '#dc2626', width: 2 },
      ],
      axes: [{}, { scale: 'calls' }, { scale: 'cost', side: 1, grid: { show: false } }],
    };
    const chart = new window.uPlot(opts, [xs, hours.map((h) => h.calls), hours.map((h) => toMicros(h.cost) / 1e6)], el);
    const onResize = () => chart.setSize({ width: el.clientWidth, height: 220 });
    window.addEventListener('resize', onResize);
    return () => { window.removeEventListener('resize', onResize); chart.destroy(); };
  }, [hours]);
  return html`<div class="chart" ref=${ref} aria-label="Calls and cost per hour"></div>`;
}

export function Dashboard() {
  const [calls, setCalls] = useState([]);
  const [fetchedAt, setFetchedAt] = useState(Date.now());
  const [ended, setEnded] = useState([]);
  const [mode, setMode] = useState('connecting');
  const [hourly, setHourly] = useState(null);
  const [hourlyMissing, setHourlyMissing] = useState(false);
  const [error, setError] = useState(null);
  const [, setTick] = useState(0);
  const known = useRef(new Map());  // uuid -> last snapshot of a live call
  const endInfo = useRef(new Map());  // uuid -> call_end event data

  const refreshCalls = async () => {
    try {
      const d = await get('/api/v1/calls/active');
      const now = new Map(d.items.map((c) => [c.uuid, c]));
      const gone = [];
      for (const [uuid, c] of known.current) if (!now.has(uuid)) gone.push(c);
      known.current = now;
      if (gone.length) {
        setEnded((prev) => [...gone.map((c) => ({ ...c, ...(endInfo.current.get(c.uuid) || {}), ended_at: new Date().toISOString() })), ...prev].slice(0, 10));
      }
      setCalls(d.items);
      setFetchedAt(Date.now());
      setError(null);
    } catch (e) {
      setError(e);
    }
  };
  const refreshHourly = async () => {
    try {
      setHourly(await get('/api/v1/reports/hourly'));
    } catch (e) {
      if (isMissingRoute(e)) setHourlyMissing(true);
    }
  };

  useEffect(() => {
    let stopped = false;
    let pollTimer = null;
    let callTimer = null;
    let hourTimer = null;
    const soon = (fn, ms, which) => {
      if (which === 'h') { clearTimeout(hourTimer); hourTimer = setTimeout(fn, ms); } else { clearTimeout(callTimer); callTimer = setTimeout(fn, ms); }
    };
    const startPolling = () => {
      if (pollTimer || stopped) return;
      pollTimer = setInterval(refreshCalls, POLL_MS);
    };
    const stopPolling = () => { clearInterval(pollTimer); pollTimer = null; };

    refreshCalls();
    refreshHourly();
    const ticker = setInterval(() => setTick((t) => t + 1), 1000);
    const hourly = setInterval(refreshHourly, 60000);

    let es = null;
    if (window.EventSource) {
      es = new EventSource('/api/v1/events');
      es.addEventListener('hello', () => { setMode('live'); stopPolling(); refreshCalls(); });
      for (const name of ['call_start', 'call_answer']) es.addEventListener(name, () => soon(refreshCalls, 150));
      es.addEventListener('call_end', (ev) => {
        try { const d = JSON.parse(ev.data); endInfo.current.set(d.uuid, d); } catch { /* keep the snapshot */ }
        soon(refreshCalls, 150);
        soon(refreshHourly, 1000, 'h');
      });
      es.onerror = () => {
        // Closed for good (no such route, refused) or retrying: poll meanwhile.
        setMode(es.readyState === EventSource.CLOSED ? 'polling' : 'reconnecting');
        startPolling();
      };
    } else {
      setMode('polling');
      startPolling();
    }
    return () => {
      stopped = true;
      if (es) es.close();
      stopPolling();
      clearInterval(ticker);
      clearInterval(hourly);
      clearTimeout(callTimer);
      clearTimeout(hourTimer);
    };
  }, []);

  const since = Math.max(0, (Date.now() - fetchedAt) / 1000);
  const totals = hourly && hourly.totals;
  const modeText = { live: 'live (events)', polling: `polling every ${POLL_MS / 1000} s`, reconnecting: 'reconnecting; polling', connecting: 'connecting…' }[mode];
  return html`<h1>Dashboard</h1>
    <section class="tiles">
      <div class="tile"><span>Live calls</span><b data-testid="live-count">${calls.length}</b></div>
      <div class="tile"><span>Calls today</span><b>${totals ? totals.calls : '—'}</b></div>
      <div class="tile"><span>Answered today</span><b>${totals ? totals.answered : '—'}</b></div>
      <div class="tile"><span>Cost today</span><b>${totals ? money(totals.cost) : '—'}</b></div>
    </section>
    <section class="card">
      <h2>Live calls <small class="muted" data-testid="live-mode">${modeText}</small></h2>
      <${ErrorBox} error=${error} />
      ${calls.length === 0 ? html`<p class="muted" data-testid="no-calls">No calls in progress.</p>` : html`
      <div class="scroll"><table data-testid="live-calls">
        <thead><tr><th>Caller</th><th>Destination</th><th>Zone</th><th>Elapsed</th><th>Talk</th><th class="num">Running cost</th><th class="num">Per min</th></tr></thead>
        <tbody>${calls.map((c) => {
          const connected = !!c.connected_at;
          const talk = connected ? c.billsec_so_far + since : 0;
          const ppm = toMicros(c.price_per_minute);
          const cost = connected && ppm !== null ? toMicros(c.running_cost) + (ppm * since) / 60 : toMicros(c.running_cost);
          return html`<tr key=${c.uuid} class=${c.cut_off ? 'warn' : ''}>
            <td>${c.caller}</td><td>${c.destination}</td><td>${c.zone || (c.direction === 'inbound' ? 'inbound' : '—')}</td>
            <td>${dur(c.elapsed_s + since)}</td><td>${connected ? dur(talk) : 'ringing'}</td>
            <td class="num">${fmtMicros(cost)}</td><td class="num">${money(c.price_per_minute)}</td></tr>`;
        })}</tbody></table></div>`}
    </section>
    <section class="card">
      <h2>Just ended</h2>
      ${ended.length === 0 ? html`<p class="muted">Calls that end while this page is open are listed here.</p>` : html`
      <div class="scroll"><table data-testid="ended-calls">
        <thead><tr><th>Caller</th><th>Destination</th><th>Result</th><th>Talk</th><th class="num">Cost</th><th>Ended</th></tr></thead>
        <tbody>${ended.map((c) => html`<tr key=${c.uuid}><td>${c.caller}</td><td>${c.destination}</td>
          <td>${c.disposition || 'ended'}</td><td>${dur(c.billsec ?? c.billsec_so_far)}</td>
          <td class="num">${money(c.cost ?? c.running_cost)}</td><td>${when(c.end_time || c.ended_at)}</td></tr>`)}</tbody></table></div>`}
    </section>
    <section class="card">
      <h2>Today per hour ${hourly && html`<small class="muted">${hourly.date}${hourly.time_zone ? ` (${hourly.time_zone})` : ''}</small>`}</h2>
      ${hourlyMissing ? html`<p class="muted">Hourly report not available on this server version.</p>` : hourly ? html`<${HourlyChart} hours=${hourly.hours} />` : html`<p class="muted">Loading…</p>`}
    </section>`;
}
