// Tiny DOM helpers and formatters shared by the pages. Everything is built with
// createElement / textContent (never innerHTML), so data from the cluster is never
// interpreted as markup.

const svgNs = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

/** Replaces `el`'s children; null, undefined and false children are skipped. */
export function render(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** h('div', { class: 'x' }, 'text', child, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** The same for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(svgNs, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function fmtMem(mb) {
  const n = Number(mb) || 0;
  if (Math.abs(n) >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} TB`;
  if (Math.abs(n) >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} GB`;
  return `${Math.round(n)} MB`;
}

export function fmtNum(n, digits = 0) {
  const x = Number(n) || 0;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits });
}

export function fmtPct(x) {
  return `${Math.round((Number(x) || 0) * 100)}%`;
}

export function fmtDuration(ms) {
  const x = Math.max(0, Number(ms) || 0);
  if (x < 10_000) return `${(x / 1000).toFixed(1)}s`;
  const s = Math.round(x / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hh = Math.floor(m / 60);
  return `${hh}h ${String(m % 60).padStart(2, '0')}m`;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return d.toDateString() === today.toDateString() ? time : `${d.toISOString().slice(0, 10)} ${time}`;
}

export function fmtAgo(ms, now = Date.now()) {
  if (!ms) return 'never';
  return `${fmtDuration(now - ms)} ago`;
}

/** A state word as a colored pill: green for good, red for bad, blue for in progress. */
export function badge(state, title) {
  const st = String(state ?? 'unknown').toLowerCase();
  return h('span', { class: `badge st-${st.replace(/[^a-z_-]/g, '')}`, title }, st);
}

/** Link to a page of the UI. */
export function link(hash, text, attrs = {}) {
  return h('a', { href: hash, ...attrs }, text);
}

export function jobLink(jobId, text = jobId) {
  return link(`#/jobs/${encodeURIComponent(jobId)}`, text, { class: 'mono' });
}

export function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', null, title), ...children);
}

/** A table from column headers and rows of cells; `empty` is shown when there are no rows. */
export function table(headers, rows, { empty = 'Nothing to show.', cls = '', testid } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid }, empty);
  return h(
    'table',
    { class: `grid ${cls}`, 'data-testid': testid },
    h('thead', null, h('tr', null, headers.map((c) => h('th', typeof c === 'object' && !(c instanceof Node) ? c.attrs : null, typeof c === 'object' && !(c instanceof Node) ? c.text : c)))),
    h('tbody', null, rows.map((r) => (r instanceof Node ? r : h('tr', null, r.map((c) => (c instanceof Node && c.tagName === 'TD' ? c : h('td', null, c))))))),
  );
}

export function td(attrs, ...children) {
  return h('td', attrs, ...children);
}
