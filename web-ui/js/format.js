// Display helpers. Money arrives as decimal strings and is shown as is; the
// only arithmetic (a live call's running cost between two snapshots) is done
// in integer micro-units, never on floats of whole currency units.
const pad = (n) => String(n).padStart(2, '0');

export function toMicros(s) {
  if (s === null || s === undefined) return null;
  const m = /^(-?)(\d+)(?:\.(\d{1,6}))?/.exec(String(s));
  if (!m) return null;
  const v = Number(m[2]) * 1e6 + Number((m[3] || '').padEnd(6, '0'));
  return m[1] ? -v : v;
}

export function fmtMicros(v, decimals = 4) {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  const neg = v < 0;
  const scale = 10 ** (6 - decimals);
  let units = Math.round(Math.abs(v) / scale);
  const div = 10 ** decimals;
  const whole = Math.floor(units / div);
  const frac = units % div;
  return (neg ? '-' : '') + whole + (decimals ? '.' + String(frac).padStart(decimals, '0') : '');
}

export const money = (s) => (s === null || s === undefined || s === '' ? '—' : String(s));

export function dur(sec) {
  if (sec === null || sec === undefined) return '—';
  sec = Math.max(0, Math.floor(sec));
  const h = Math.floor(sec / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = sec % 60;
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

export function when(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function dateStr(d) { return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; }
export const today = () => dateStr(new Date());
export function addDays(s, n) { const d = new Date(`${s}T12:00:00`); d.setDate(d.getDate() + n); return dateStr(d); }

export function bytes(n) {
  if (n === null || n === undefined || typeof n !== 'number') return String(n ?? '—');
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}
