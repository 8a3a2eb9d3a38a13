// History: finished jobs, newest first, with search (job id or name) and filters by
// user and final state. The list reloads by itself when a job finishes.

import { h, render, section, table, badge, fmtDuration, fmtTime, jobLink } from '../dom.js';

const resultsMax = 500;
const states = ['', 'succeeded', 'failed', 'killed'];

export function historyPage(params) {
  let results;
  let summary;
  let newest = null;
  let seq = 0;
  const q = h('input', { type: 'search', placeholder: 'job id or name', value: params.get('q') ?? '', 'data-testid': 'history-q', 'aria-label': 'search' });
  const user = h('input', { type: 'text', placeholder: 'any user', value: params.get('user') ?? '', 'data-testid': 'history-user', 'aria-label': 'user' });
  const state = h('select', { 'data-testid': 'history-state', 'aria-label': 'state' }, states.map((st) => h('option', { value: st, selected: (params.get('state') ?? '') === st }, st || 'any state')));

  async function load() {
    const my = ++seq;
    const qs = new URLSearchParams({ limit: String(resultsMax) });
    if (q.value.trim()) qs.set('q', q.value.trim());
    if (user.value.trim()) qs.set('user', user.value.trim());
    if (state.value) qs.set('state', state.value);
    const r = await fetch(`/api/v1/history?${qs}`);
    if (my !== seq) return;
    if (!r.ok) {
      results.replaceChildren(h('p', { class: 'bad-text' }, `Could not load history: HTTP ${r.status}`));
      return;
    }
    const { jobs } = await r.json();
    summary.textContent = `${jobs.length}${jobs.length >= resultsMax ? '+' : ''} finished job${jobs.length === 1 ? '' : 's'}`;
    results.replaceChildren(
      table(
        ['job', 'name', 'user', 'pool', 'state', 'finished', 'took', 'diagnostics'],
        jobs.map((j) =>
          h(
            'tr',
            { 'data-job': j.jobId, class: j.state === 'failed' ? 'row-bad' : '' },
            h('td', null, jobLink(j.jobId)),
            h('td', null, j.name),
            h('td', null, j.user),
            h('td', { class: 'mono' }, j.pool),
            h('td', null, badge(j.state)),
            h('td', null, fmtTime(j.finishedAtMs)),
            h('td', { class: 'num' }, fmtDuration(j.finishedAtMs - j.startedAtMs)),
            h('td', { class: 'diag-cell', title: j.diagnostics }, j.diagnostics ? j.diagnostics.split('\n')[0].slice(0, 160) : ''),
          ),
        ),
        { empty: 'No finished job matches.', testid: 'history' },
      ),
    );
  }

  let debounce;
  const changed = () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      const qs = new URLSearchParams();
      if (q.value.trim()) qs.set('q', q.value.trim());
      if (user.value.trim()) qs.set('user', user.value.trim());
      if (state.value) qs.set('state', state.value);
      // Keep the filters in the address (shareable) without re-mounting the page.
      history.replaceState(null, '', `#/history${qs.size ? `?${qs}` : ''}`);
      void load();
    }, 200);
  };
  q.addEventListener('input', changed);
  user.addEventListener('input', changed);
  state.addEventListener('change', changed);

  return {
    title: 'History',
    mount(root) {
      results = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
      summary = h('span', { class: 'muted', 'data-testid': 'history-count' });
      render(root, 
        h('div', { class: 'page-head' }, h('h1', null, 'Job history'), summary),
        section('Finished jobs', h('form', { class: 'filters', onsubmit: (e) => e.preventDefault() }, h('label', null, 'search ', q), h('label', null, 'user ', user), h('label', null, 'state ', state)), results),
      );
      void load();
    },
    update(snap) {
      const n = snap.historyNewest ? `${snap.historyNewest.jobId}@${snap.historyNewest.finishedAtMs}` : '';
      if (newest !== null && n !== newest) void load();
      newest = n;
    },
  };
}
