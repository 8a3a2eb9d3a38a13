// Nodes: state and health, granted vs capacity per resource, measured usage, containers,
// last heartbeat.

import { h, render, section, table, badge, fmtMem, fmtNum, fmtAgo } from '../dom.js';
import { meter } from '../charts.js';

const stateOrder = { lost: 0, decommissioning: 1, alive: 2, decommissioned: 3 };

export function nodesPage() {
  let el;
  return {
    title: 'Nodes',
    mount(root) {
      el = root;
    },
    update(snap) {
      const nodes = [...snap.nodes].sort((a, b) => (stateOrder[a.state] ?? 9) - (stateOrder[b.state] ?? 9) || a.name.localeCompare(b.name));
      const c = snap.cluster;
      render(el, 
        h(
          'div',
          { class: 'page-head' },
          h('h1', null, 'Nodes'),
          h('span', { class: 'muted' }, `${c.nodesAlive} up · ${c.nodesLost} lost · ${c.nodesDecommissioning} decommissioning${snap.nodesTotal > snap.nodes.length ? ` · showing ${snap.nodes.length} of ${snap.nodesTotal}` : ''}`),
        ),
        section(
          'Nodes',
          table(
            ['node', 'rack', 'state', 'health', { text: 'vcores granted', attrs: { class: 'wide' } }, { text: 'memory granted', attrs: { class: 'wide' } }, 'measured use', 'containers', 'last heartbeat', 'logs / shuffle'],
            nodes.map((n) =>
              h(
                'tr',
                { 'data-node': n.name, class: n.state === 'lost' ? 'row-bad' : n.state === 'decommissioning' ? 'row-warn' : '' },
                h('td', { class: 'mono' }, n.name),
                h('td', { class: 'mono' }, n.rack),
                h('td', null, badge(n.state)),
                h('td', null, n.state === 'lost' ? h('span', { class: 'muted' }, 'unknown') : n.healthy ? badge('healthy') : badge('unhealthy', n.healthReport)),
                h('td', { class: 'wide' }, meter(n.allocated.vcores, n.capacity.vcores, { label: `${fmtNum(n.allocated.vcores)} / ${fmtNum(n.capacity.vcores)}` })),
                h('td', { class: 'wide' }, meter(n.allocated.memoryMb, n.capacity.memoryMb, { label: `${fmtMem(n.allocated.memoryMb)} / ${fmtMem(n.capacity.memoryMb)}` })),
                h('td', { class: 'num' }, n.state === 'lost' ? '—' : `${fmtNum(n.usage.cpuCores, 1)} cores · ${fmtMem(n.usage.memoryMb)}`),
                h('td', { class: 'num' }, fmtNum(n.containerCount)),
                h('td', { class: n.state === 'lost' ? 'bad-text' : '' }, fmtAgo(n.lastHeartbeatMs, snap.t)),
                h('td', { class: 'mono' }, n.shuffleAddress),
              ),
            ),
            { empty: 'No node has registered.', testid: 'nodes' },
          ),
        ),
      );
    },
  };
}
