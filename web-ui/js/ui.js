// Small shared pieces: error/notice boxes, a navigation helper.
import { html, useState } from './html.js';

let navigateFn = (path) => { location.href = path; };
export function setNavigate(fn) { navigateFn = fn; }
export function navigate(path) { navigateFn(path); }

export function Link({ href, children, cls }) {
  const click = (e) => {
    if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} class=${cls || ''} onClick=${click}>${children}</a>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  const msg = typeof error === 'string' ? error : error.message;
  const rows = error && error.body && Array.isArray(error.body.errors) ? error.body.errors : null;
  return html`<div class="error" role="alert">${msg}
    ${rows && html`<ul>${rows.slice(0, 50).map((r) => html`<li>line ${r.line}${r.column ? ` (${r.column})` : ''}: ${r.message}</li>`)}</ul>`}
  </div>`;
}

export function Notice({ text }) {
  return text ? html`<div class="notice" role="status">${text}</div>` : null;
}

// A button that asks once more before it does something that cannot be undone.
export function ConfirmButton({ label, confirmLabel, onConfirm, cls }) {
  const [asking, setAsking] = useState(false);
  if (!asking) return html`<button class=${cls || ''} onClick=${() => setAsking(true)}>${label}</button>`;
  return html`<span class="confirm"><button class="danger" onClick=${() => { setAsking(false); onConfirm(); }}>${confirmLabel}</button>
    <button class="link" onClick=${() => setAsking(false)}>Cancel</button></span>`;
}

// A route another engineer is still adding answers 404 "no such endpoint".
export function isMissingRoute(e) { return e && e.status === 404 && /no such endpoint/.test(e.message); }

export function Missing({ what }) {
  return html`<p class="muted">${what} is not available on this server version.</p>`;
}

// A form's submit: busy while it runs, its error or its notice after.
// `submit(fn)` gives the onSubmit handler; fn returns the notice text.
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState('');
  const submit = (fn) => async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone('');
    try {
      setDone(await fn());
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, done, submit };
}
