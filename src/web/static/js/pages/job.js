// One job: its state and progress, failures with their diagnostics and links to the
// container logs on the node agents, an attempt timeline, map and reduce task tables,
// and counters. Live from the job's tracker while it runs, from history afterwards.

import { h, render, section, table, badge, fmtNum, fmtDuration, fmtTime, link } from '../dom.js';
import { progressBar, gantt, attemptStates } from '../charts.js';

/** Task rows shown per kind; the rest are summarized (the timeline shows more). */
const taskRowsMax = 300;
/** Attempts drawn on the timeline. */
const timelineRowsMax = 400;

function logLinks(a) {
  if (!a.shuffleAddress || !a.containerId) return h('span', { class: 'muted' }, 'no container');
  const base = `http://${a.shuffleAddress}/containers/${encodeURIComponent(a.containerId)}`;
  return h('span', { class: 'logs' }, h('a', { href: `${base}/stderr`, target: '_blank', rel: 'noopener' }, 'stderr'), ' · ', h('a', { href: `${base}/stdout`, target: '_blank', rel: 'noopener' }, 'stdout'));
}

function kv(label, value) {
  return h('div', { class: 'kv' }, h('div', { class: 'kv-k' }, label), h('div', { class: 'kv-v' }, value));
}

function taskTable(tasks, kind, now) {
  const rows = tasks.slice(0, taskRowsMax).map((t) => {
    const last = t.attempts[t.attempts.length - 1];
    const first = t.attempts[0];
    const end = t.attempts.every((a) => a.endMs > 0) && last ? Math.max(...t.attempts.map((a) => a.endMs)) : now;
    const failed = t.attempts.filter((a) => a.state === 'failed').length;
    return h(
      'tr',
      { 'data-task': t.id, class: t.state === 'failed' ? 'row-bad' : '' },
      h('td', { class: 'mono' }, t.id),
      h('td', null, badge(t.state)),
      h('td', { class: 'num' }, fmtNum(t.attempts.length)),
      h('td', { class: `num ${failed ? 'bad-text' : ''}` }, fmtNum(failed)),
      h('td', { class: 'mono' }, last?.node ?? '—'),
      h('td', null, first ? fmtTime(first.startMs) : '—'),
      h('td', { class: 'num' }, first ? fmtDuration(end - first.startMs) : '—'),
      h('td', null, last ? logLinks(last) : ''),
    );
  });
  const more = tasks.length > taskRowsMax ? h('p', { class: 'muted' }, `Showing ${taskRowsMax} of ${fmtNum(tasks.length)} ${kind} tasks.`) : null;
  return [table(['task', 'state', 'attempts', 'failed', 'node (last attempt)', 'started', 'took', 'logs (last attempt)'], rows, { empty: `This job has no ${kind} tasks.`, testid: `${kind}-tasks` }), more];
}

function countersView(counters) {
  const groups = Object.entries(counters ?? {});
  if (groups.length === 0) return h('p', { class: 'empty', 'data-testid': 'counters' }, 'No counters yet.');
  return h(
    'div',
    { class: 'counter-groups', 'data-testid': 'counters' },
    groups.map(([g, names]) =>
      h('div', { class: 'counter-group' }, h('h3', null, g), table(['counter', 'value'], Object.entries(names).map(([n, v]) => h('tr', { 'data-counter': `${g}/${n}` }, h('td', null, n), h('td', { class: 'num' }, fmtNum(v)))), { cls: 'compact' })),
    ),
  );
}

export function jobPage(jobId) {
  let el;
  let job = null;
  let missing = false;
  let lastSnap = null;

  function draw() {
    if (!el) return;
    if (missing && !job) {
      render(el, section(`Job ${jobId}`, h('p', { class: 'empty', 'data-testid': 'job-missing' }, 'No running job and no finished job in history has this id.')));
      return;
    }
    if (!job) {
      render(el, h('p', { class: 'muted' }, `Loading job ${jobId}…`));
      return;
    }
    const now = job.live ? (lastSnap?.t ?? Date.now()) : job.finishedAtMs || Date.now();
    const tasks = job.tasks ?? [];
    const maps = tasks.filter((t) => t.kind === 'map');
    const reduces = tasks.filter((t) => t.kind === 'reduce');
    const attempts = tasks.flatMap((t) => t.attempts);
    const failures = attempts.filter((a) => a.state === 'failed').sort((a, b) => b.endMs - a.endMs);
    const mapsS = job.maps ?? { total: maps.length, succeeded: 0, running: 0 };
    const redS = job.reduces ?? { total: reduces.length, succeeded: 0, running: 0 };
    const stateBad = job.state === 'failed' || job.state === 'killed';
    const t0 = attempts.length ? Math.min(...attempts.map((a) => a.startMs)) : job.startedAtMs;
    const t1 = Math.max(now, ...attempts.map((a) => a.endMs || now));
    const byState = Object.fromEntries(attemptStates.map((st) => [st, attempts.filter((a) => a.state === st).length]));

    render(el, 
      h(
        'div',
        { class: 'page-head' },
        h('h1', null, job.name || jobId),
        h('span', { class: 'mono muted' }, jobId),
        h('span', { 'data-testid': 'job-state' }, badge(job.state)),
        h('span', { class: 'muted' }, job.live ? 'live from its job tracker' : 'from history'),
      ),
      h(
        'section',
        { class: 'card summary' },
        h(
          'div',
          { class: 'kvs' },
          kv('user', job.user),
          kv('pool', job.pool ? link(`#/pools?pool=${encodeURIComponent(job.pool)}`, job.pool, { class: 'mono' }) : '—'),
          kv('started', fmtTime(job.startedAtMs)),
          kv(job.live ? 'running for' : 'took', fmtDuration((job.live ? now : job.finishedAtMs) - job.startedAtMs)),
          kv('output', h('span', { class: 'mono' }, job.output ?? '—')),
        ),
        h('div', { class: 'progress-rows' },
          h('div', { class: 'progress-row' }, h('span', null, 'overall'), progressBar(job.progress ?? 0, { running: mapsS.total + redS.total ? (mapsS.running + redS.running) / (mapsS.total + redS.total) : 0, failed: stateBad, testid: 'job-progress' })),
          h('div', { class: 'progress-row' }, h('span', null, `maps ${fmtNum(mapsS.succeeded)}/${fmtNum(mapsS.total)}`), progressBar(mapsS.total ? mapsS.succeeded / mapsS.total : job.state === 'succeeded' ? 1 : 0, { running: mapsS.total ? mapsS.running / mapsS.total : 0, failed: stateBad, testid: 'maps-progress' })),
          h('div', { class: 'progress-row' }, h('span', null, `reduces ${fmtNum(redS.succeeded)}/${fmtNum(redS.total)}`), progressBar(redS.total ? redS.succeeded / redS.total : job.state === 'succeeded' ? 1 : 0, { running: redS.total ? redS.running / redS.total : 0, failed: stateBad, testid: 'reduces-progress' })),
        ),
        job.diagnostics ? h('pre', { class: 'diagnostics', 'data-testid': 'job-diagnostics' }, job.diagnostics) : null,
      ),
      failures.length
        ? section(
            `Failed attempts (${failures.length})`,
            table(
              ['attempt', 'node', 'ended', 'diagnostics', 'container logs'],
              failures.slice(0, 200).map((a) => h('tr', { 'data-failed-attempt': a.id }, h('td', { class: 'mono' }, a.id), h('td', { class: 'mono' }, a.node), h('td', null, fmtTime(a.endMs)), h('td', null, h('pre', { class: 'diag' }, a.diagnostics || '(no diagnostics)')), h('td', null, logLinks(a)))),
              { testid: 'failures' },
            ),
          )
        : null,
      section(
        'Attempt timeline',
        h('div', { class: 'legend' }, attemptStates.map((st) => h('span', { class: `key bar-key st-${st}` }, `${st} (${byState[st]})`)), h('span', { class: 'key bar-key speculative' }, 'speculative')),
        attempts.length ? gantt([...attempts].sort((a, b) => a.taskId.localeCompare(b.taskId) || a.startMs - b.startMs), { t0, t1, rowsMax: timelineRowsMax, testid: 'timeline' }) : h('p', { class: 'empty' }, 'No attempt has started yet.'),
        attempts.length > timelineRowsMax ? h('p', { class: 'muted' }, `Showing the first ${timelineRowsMax} of ${fmtNum(attempts.length)} attempts.`) : null,
      ),
      section(`Map tasks (${maps.length})`, taskTable(maps, 'map', now)),
      section(`Reduce tasks (${reduces.length})`, taskTable(reduces, 'reduce', now)),
      section('Counters', countersView(job.counters)),
    );
  }

  return {
    title: `Job ${jobId}`,
    mount(root) {
      el = root;
      draw();
    },
    update(snap) {
      lastSnap = snap;
    },
    job(detail) {
      if (detail.missing) missing = true;
      else {
        job = detail;
        missing = false;
      }
      draw();
    },
  };
}
