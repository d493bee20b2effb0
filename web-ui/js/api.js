// The JSON API client: same-origin fetch with the session cookie, the CSRF
// header on writes, and {"error"} bodies turned into thrown ApiErrors.
let csrfToken = null;
let onUnauthorized = () => {};

export function setCsrf(token) { csrfToken = token || null; }
export function setOnUnauthorized(fn) { onUnauthorized = fn; }

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

export async function api(method, path, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['Content-Type'] = 'application/json';
  } else if (opts.contentType) {
    headers['Content-Type'] = opts.contentType;
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, `cannot reach the server (${e.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = text; }
  }
  if (!res.ok) {
    const msg = data && typeof data === 'object' && data.error ? data.error : `${method} ${path}: HTTP ${res.status}`;
    if (res.status === 401 && !opts.quiet401) onUnauthorized();
    throw new ApiError(res.status, msg, data);
  }
  return data;
}

export const get = (path, opts) => api('GET', path, opts);

// "?a=1&b=2" from an object, leaving out empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== '' && v !== null && v !== undefined) u.set(k, String(v).trim());
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

// An Idempotency-Key; crypto.randomUUID needs a secure context, which a box
// reached over plain HTTP on the LAN is not, so build it from random bytes.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
