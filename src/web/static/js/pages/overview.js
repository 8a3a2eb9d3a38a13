// Cluster overview: nodes by state, capacity against what is granted per resource,
// running jobs with progress, pools at a glance, live sessions.

import { h, render, section, table, badge, fmtMem, fmtNum, fmtPct, fmtDuration, fmtAgo, link } from '../dom.js';
import { meter } from '../charts.js';
import { jobsTable } from './jobs.js';

function stat(label, value, { cls = '', sub, testid } = {}) {
  return h('div', { class: `stat ${cls}`, 'data-testid': testid }, h('div', { class: 'stat-value' }, value), h('div', { class: 'stat-label' }, label), sub ? h('div', { class: 'stat-sub' }, sub) : null);
}

function resourceRow(name, used, total, fmt, testid) {
  return h(
    'div',
    { class: 'resource-row', 'data-testid': testid },
    h('div', { class: 'resource-name' }, name),
    meter(used, total, { cls: 'big' }),
    h('div', { class: 'resource-nums' }, h('strong', null, fmt(used)), ` of ${fmt(total)} `, h('span', { class: 'muted' }, `(${fmtPct(total > 0 ? used / total : 0)})`)),
  );
}

export function overviewPage() {
  let el;
  return {
    title: 'Overview',
    mount(root) {
      el = root;
    },
    update(snap) {
      const c = snap.cluster;
      const nodeStats = h(
        'div',
        { class: 'stats' },
        stat('nodes up', fmtNum(c.nodesAlive), { cls: 'good', testid: 'nodes-up' }),
        stat('nodes lost', fmtNum(c.nodesLost), { cls: c.nodesLost > 0 ? 'bad' : 'quiet', testid: 'nodes-lost' }),
        stat('decommissioning', fmtNum(c.nodesDecommissioning), { cls: c.nodesDecommissioning > 0 ? 'warn' : 'quiet', testid: 'nodes-decom' }),
        stat('sessions running', fmtNum(c.sessionsRunning), { testid: 'sessions-running', sub: c.sessionsWaiting > 0 ? `${fmtNum(c.sessionsWaiting)} waiting` : null }),
        stat('containers pending', fmtNum(c.pendingRequests), { cls: c.pendingRequests > 0 ? 'warn' : 'quiet', testid: 'pending' }),
        stat('starving pools', fmtNum(snap.pools.filter((p) => p.starvingSinceMs !== null).length), { cls: snap.pools.some((p) => p.starvingSinceMs !== null) ? 'bad' : 'quiet', testid: 'starving-count' }),
      );
      const capacity = section(
        'Capacity vs granted',
        resourceRow('vcores', c.allocated.vcores, c.capacity.vcores, (v) => fmtNum(v), 'cap-vcores'),
        resourceRow('memory', c.allocated.memoryMb, c.capacity.memoryMb, fmtMem, 'cap-memory'),
        c.capacity.gpus > 0 ? resourceRow('gpus', c.allocated.gpus, c.capacity.gpus, (v) => fmtNum(v), 'cap-gpus') : null,
        Object.keys(c.capacity.custom ?? {}).map((k) => resourceRow(k, c.allocated.custom?.[k] ?? 0, c.capacity.custom[k], (v) => fmtNum(v), `cap-${k}`)),
      );
      const pools = section(
        h('span', null, 'Pools ', link('#/pools', 'details →', { class: 'more' })),
        table(
          ['pool', 'granted vcores vs fair share', 'sessions', ''],
          snap.pools
            .filter((p) => p.runningSessions + p.waitingSessions > 0 || p.granted.vcores > 0 || p.minShare.vcores > 0)
            .map((p) => [
              link(`#/pools?pool=${encodeURIComponent(p.name)}`, p.name, { class: 'mono' }),
              meter(p.granted.vcores, Math.max(p.fairShare.vcores, p.granted.vcores, p.minShare.vcores, 1), { label: `${fmtNum(p.granted.vcores)} / ${fmtNum(p.fairShare.vcores, 1)}`, markers: [{ value: p.fairShare.vcores, cls: 'fair', title: 'fair share' }, { value: p.minShare.vcores, cls: 'min', title: 'min share' }] }),
              `${p.runningSessions} running${p.waitingSessions ? `, ${p.waitingSessions} waiting` : ''}`,
              p.starvingSinceMs !== null ? badge('starving', `starving for ${fmtDuration(snap.t - p.starvingSinceMs)}`) : '',
            ]),
          { empty: 'No pool is in use.', testid: 'overview-pools' },
        ),
      );
      const jobs = section(h('span', null, 'Running jobs ', link('#/jobs', 'all →', { class: 'more' })), jobsTable(snap, 'overview-jobs'));
      const troubled = snap.nodes.filter((n) => n.state === 'lost' || n.state === 'decommissioning' || !n.healthy);
      const attention = troubled.length
        ? section(
            h('span', null, 'Nodes needing attention ', link('#/nodes', 'all nodes →', { class: 'more' })),
            table(
              ['node', 'rack', 'state', 'health', 'last heartbeat'],
              troubled.map((n) => h('tr', { 'data-node': n.name, class: n.state === 'lost' || !n.healthy ? 'row-bad' : 'row-warn' }, h('td', { class: 'mono' }, n.name), h('td', { class: 'mono' }, n.rack), h('td', null, badge(n.state)), h('td', null, n.state === 'lost' ? h('span', { class: 'muted' }, 'unknown (no heartbeat)') : [n.healthy ? badge('healthy') : badge('unhealthy'), n.healthReport ? ` ${n.healthReport}` : '']), h('td', null, fmtAgo(n.lastHeartbeatMs, snap.t)))),
              { testid: 'troubled-nodes' },
            ),
          )
        : null;
      const others = snap.sessions.filter((x) => x.kind !== 'mapreduce');
      const sessions = others.length
        ? section(
            'Other sessions',
            table(
              ['session', 'kind', 'user', 'pool', 'granted', 'pending'],
              others.map((x) => [h('span', { class: 'mono' }, x.name || x.id), x.kind, x.user, x.pool, `${fmtNum(x.allocated.vcores)} vc · ${fmtMem(x.allocated.memoryMb)}`, fmtNum(x.pending)]),
            ),
          )
        : null;
      render(el, h('div', { class: 'page-head' }, h('h1', null, 'Cluster overview'), h('span', { class: 'muted' }, `Coronet ${c.version} · up ${fmtDuration(snap.t - c.startedAtMs)}`)), nodeStats, attention, h('div', { class: 'cols' }, capacity, pools), jobs, sessions);
    },
  };
}
