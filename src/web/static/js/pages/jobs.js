// Running jobs: one row per MapReduce job with its progress (maps and reduces done,
// running), failed attempts so far, and how long it has run. Below: every live session.

import { h, render, section, table, badge, fmtMem, fmtNum, fmtDuration, jobLink, link } from '../dom.js';
import { progressBar } from '../charts.js';

function taskCount(t) {
  return `${fmtNum(t.succeeded)}/${fmtNum(t.total)}${t.running ? ` (${fmtNum(t.running)} running)` : ''}`;
}

/** The running-jobs table, shared with the overview. */
export function jobsTable(snap, testid = 'jobs') {
  return table(
    ['job', 'name', 'user', 'pool', 'state', { text: 'progress', attrs: { class: 'wide' } }, 'maps', 'reduces', 'failed attempts', 'running for'],
    snap.jobs.map((j) => {
      const t = j.tracker;
      const total = t ? t.maps.total + t.reduces.total : 0;
      const running = t && total > 0 ? (t.maps.running + t.reduces.running) / total : 0;
      return h(
        'tr',
        { 'data-job': j.jobId },
        h('td', null, jobLink(j.jobId)),
        h('td', null, j.name),
        h('td', null, j.user),
        h('td', null, link(`#/pools?pool=${encodeURIComponent(j.pool)}`, j.pool, { class: 'mono' })),
        h('td', null, badge(t ? t.state : j.state)),
        h('td', { class: 'wide' }, t ? progressBar(t.progress, { running, testid: `progress-${j.jobId}` }) : h('span', { class: 'muted' }, 'tracker not answering')),
        h('td', { class: 'num' }, t ? taskCount(t.maps) : '—'),
        h('td', { class: 'num' }, t ? taskCount(t.reduces) : '—'),
        h('td', { class: `num ${t?.failedAttempts ? 'bad-text' : ''}` }, t ? fmtNum(t.failedAttempts) : '—'),
        h('td', { class: 'num' }, fmtDuration(snap.t - j.startedAtMs)),
      );
    }),
    { empty: 'No job is running.', testid },
  );
}

export function jobsPage() {
  let el;
  return {
    title: 'Jobs',
    mount(root) {
      el = root;
    },
    update(snap) {
      render(el, 
        h('div', { class: 'page-head' }, h('h1', null, 'Running jobs'), h('span', { class: 'muted' }, 'Finished jobs are in ', link('#/history', 'history'), '.')),
        section(`MapReduce jobs (${snap.jobs.length})`, jobsTable(snap, 'jobs')),
        section(
          `Live sessions (${snap.sessionsTotal})`,
          table(
            ['session', 'name', 'kind', 'user', 'pool', 'priority', 'state', 'grants', 'granted', 'pending', 'started'],
            snap.sessions.map((x) => [
              h('span', { class: 'mono' }, x.id),
              x.jobId ? jobLink(x.jobId, x.name) : x.name,
              x.kind,
              x.user,
              x.pool,
              x.priority.toLowerCase().replace('_', ' '),
              badge(x.state),
              fmtNum(x.grants),
              `${fmtNum(x.allocated.vcores)} vc · ${fmtMem(x.allocated.memoryMb)}`,
              h('span', { class: x.pending > 0 ? 'warn-text' : '' }, fmtNum(x.pending)),
              `${fmtDuration(snap.t - x.startedAtMs)} ago`,
            ]),
            { empty: 'No live session.', testid: 'sessions' },
          ),
        ),
      );
    },
  };
}
