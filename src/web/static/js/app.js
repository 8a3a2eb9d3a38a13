// The web UI's shell: a hash router (#/, #/pools, #/jobs, #/jobs/<id>, #/nodes,
// #/history) and one Server-Sent Events connection to the CM. Every page gets each
// snapshot as it arrives (once a second); the job page also gets its job's state.

import { h } from './dom.js';
import { overviewPage } from './pages/overview.js';
import { poolsPage } from './pages/pools.js';
import { jobsPage } from './pages/jobs.js';
import { jobPage } from './pages/job.js';
import { nodesPage } from './pages/nodes.js';
import { historyPage } from './pages/history.js';

const app = document.getElementById('app');
const liveText = document.getElementById('live-text');
const live = document.getElementById('live');

let current = null;
let source = null;
let sourceUrl = '';
let lastSnapshot = null;
let lastEventAt = 0;

function route() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0) return { name: 'overview', make: () => overviewPage() };
  switch (parts[0]) {
    case 'pools':
      return { name: 'pools', make: () => poolsPage(params) };
    case 'jobs':
      if (parts[1]) return { name: 'jobs', jobId: parts[1], make: () => jobPage(parts[1]) };
      return { name: 'jobs', make: () => jobsPage() };
    case 'nodes':
      return { name: 'nodes', make: () => nodesPage() };
    case 'history':
      return { name: 'history', make: () => historyPage(params) };
    default:
      return { name: 'none', make: () => notFoundPage(path) };
  }
}

function notFoundPage(path) {
  return {
    title: 'Not found',
    mount(el) {
      el.replaceChildren(h('section', { class: 'card' }, h('h2', null, 'No such page'), h('p', null, `Nothing lives at ${path}. `, h('a', { href: '#/' }, 'Back to the overview'), '.')));
    },
  };
}

function connect(url) {
  if (source && sourceUrl === url) return;
  source?.close();
  sourceUrl = url;
  source = new EventSource(url);
  source.addEventListener('snapshot', (e) => {
    lastEventAt = Date.now();
    setLive(true);
    lastSnapshot = JSON.parse(e.data);
    current?.update?.(lastSnapshot);
  });
  source.addEventListener('job', (e) => {
    current?.job?.(JSON.parse(e.data));
  });
  source.onerror = () => setLive(false);
}

function setLive(ok) {
  live.classList.toggle('ok', ok);
  live.classList.toggle('down', !ok);
  liveText.textContent = ok ? `live · ${new Date(lastEventAt).toLocaleTimeString('en-GB', { hour12: false })}` : 'reconnecting…';
}

function show() {
  const r = route();
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === r.name);
  current?.unmount?.();
  current = r.make();
  document.title = `${current.title} · Coronet`;
  app.replaceChildren();
  current.mount(app);
  if (lastSnapshot) current.update?.(lastSnapshot);
  connect(r.jobId ? `/api/v1/events?job=${encodeURIComponent(r.jobId)}` : '/api/v1/events');
}

// A stream that goes quiet (a proxy, a suspended laptop) shows as not live.
setInterval(() => {
  if (lastEventAt && Date.now() - lastEventAt > 5_000) setLive(false);
}, 1_000);

window.addEventListener('hashchange', show);
show();
