// Pools: each pool's usage against its fair share and min share, as a table and as a
// live chart over the last minutes (the CM samples every few seconds and keeps ~15
// minutes); starving pools are marked, and their starving periods shaded on the chart.

import { h, render, section, table, badge, fmtMem, fmtNum, fmtDuration } from '../dom.js';
import { meter, lineChart } from '../charts.js';

/** Samples kept in the browser, oldest dropped first (the server keeps the same window). */
const samplesMax = 2_000;

const resources = {
  vcores: { label: 'vcores', get: (p) => p.vcores, fmt: (v) => fmtNum(v, 1) },
  memory: { label: 'memory', get: (p) => p.memoryMb, fmt: fmtMem },
};

function starvingBands(samples, pool, intervalMs) {
  const bands = [];
  let start = null;
  let last = null;
  for (const s of samples) {
    const e = s.pools[pool];
    if (e?.starving) {
      if (start === null) start = s.t;
      last = s.t;
    } else if (start !== null) {
      bands.push([start, last + intervalMs]);
      start = null;
    }
  }
  if (start !== null) bands.push([start, last + intervalMs]);
  return bands;
}

export function poolsPage(params) {
  let el;
  let samples = [];
  let sampleIntervalMs = 3_000;
  let windowMs = 15 * 60_000;
  let loaded = false;
  let scrolled = false;
  let lastSnap = null;
  let resource = params.get('resource') === 'memory' ? 'memory' : 'vcores';
  const focus = params.get('pool');

  async function loadHistory() {
    const r = await fetch('/api/v1/pools/history');
    if (!r.ok) return;
    const body = await r.json();
    sampleIntervalMs = body.sampleIntervalMs;
    windowMs = body.windowMs;
    // Samples that arrived on the stream while this loaded stay; older ones come first.
    samples = [...body.samples.filter((s) => !samples.some((x) => x.seq === s.seq)), ...samples].sort((a, b) => a.seq - b.seq);
    loaded = true;
    if (lastSnap) draw(lastSnap);
  }

  function draw(snap) {
    const rs = resources[resource];
    const tMax = snap.t;
    // Until the buffer spans the whole window, the x axis spans what there is (at least a minute).
    const firstT = samples.find((x) => x.t >= tMax - windowMs)?.t ?? tMax;
    const tMin = Math.min(tMax - 60_000, firstT);
    const pools = [...snap.pools].sort((a, b) => (b.starvingSinceMs !== null) - (a.starvingSinceMs !== null) || b.granted.vcores - a.granted.vcores || a.name.localeCompare(b.name));
    const toggle = h(
      'div',
      { class: 'toggle' },
      Object.entries(resources).map(([k, v]) =>
        h(
          'button',
          {
            class: k === resource ? 'on' : '',
            'data-resource': k,
            onclick: () => {
              resource = k;
              draw(lastSnap);
            },
          },
          v.label,
        ),
      ),
    );
    const rows = pools.map((p) => {
      const g = rs.get(p.granted);
      const fair = rs.get(p.fairShare);
      const min = rs.get(p.minShare);
      const total = Math.max(g, fair, min, rs.get(p.demand), 1);
      return h(
        'tr',
        { 'data-pool': p.name, class: p.starvingSinceMs !== null ? 'row-bad' : '' },
        h('td', { class: 'mono' }, h('a', { href: `#/pools?pool=${encodeURIComponent(p.name)}&resource=${resource}`, title: 'show its chart' }, p.name)),
        h('td', { class: 'wide' }, meter(g, total, { label: `${rs.fmt(g)} granted`, markers: [{ value: fair, cls: 'fair', title: `fair share ${rs.fmt(fair)}` }, { value: min, cls: 'min', title: `min share ${rs.fmt(min)}` }] })),
        h('td', { class: 'num' }, rs.fmt(fair)),
        h('td', { class: 'num' }, rs.fmt(min)),
        h('td', { class: 'num' }, rs.fmt(rs.get(p.demand))),
        h('td', { class: 'num' }, fmtNum(p.weight, 2)),
        h('td', { class: 'num' }, `${p.runningSessions}${p.waitingSessions ? ` + ${p.waitingSessions} waiting` : ''}`),
        h('td', null, p.order),
        h('td', null, p.starvingSinceMs !== null ? badge('starving', 'below its min share or fair share') : badge('ok')),
        h('td', null, p.starvingSinceMs !== null ? `for ${fmtDuration(snap.t - p.starvingSinceMs)}` : p.preemptable ? '' : 'not preemptable'),
      );
    });
    const charts = pools.map((p) => {
      const series = (key, cls, extra = {}) => ({ name: key, cls, ...extra, points: samples.filter((s) => s.t >= tMin && s.pools[p.name]).map((s) => [s.t, rs.get(s.pools[p.name][key])]) });
      return h(
        'div',
        { class: `pool-chart ${p.starvingSinceMs !== null ? 'starving' : ''} ${focus === p.name ? 'focus' : ''}`, id: `pool-${p.name}`, 'data-pool-chart': p.name },
        h(
          'div',
          { class: 'pool-chart-head' },
          h('strong', { class: 'mono' }, p.name),
          p.starvingSinceMs !== null ? badge('starving', `since ${new Date(p.starvingSinceMs).toLocaleTimeString('en-GB', { hour12: false })}`) : null,
          h('span', { class: 'muted' }, `${rs.fmt(rs.get(p.granted))} granted · fair ${rs.fmt(rs.get(p.fairShare))} · min ${rs.fmt(rs.get(p.minShare))} · demand ${rs.fmt(rs.get(p.demand))}`),
        ),
        lineChart({
          series: [series('demand', 's-demand'), series('granted', 's-granted', { area: true }), series('fairShare', 's-fair'), series('minShare', 's-min')],
          bands: starvingBands(samples, p.name, sampleIntervalMs),
          tMin,
          tMax,
          yFormat: rs.fmt,
          testid: `chart-${p.name}`,
        }),
      );
    });
    render(el, 
      h('div', { class: 'page-head' }, h('h1', null, 'Pools'), h('span', { class: 'muted' }, `Usage against fair share and min share · last ${Math.round(windowMs / 60_000)} minutes, sampled every ${Math.round(sampleIntervalMs / 1000)} s`), toggle),
      section(
        'Shares now',
        h('div', { class: 'legend' }, h('span', { class: 'key bar-granted' }, 'granted'), h('span', { class: 'key tick-fair' }, 'fair share'), h('span', { class: 'key tick-min' }, 'min share')),
        table(['pool', { text: 'granted vs shares', attrs: { class: 'wide' } }, 'fair share', 'min share', 'demand', 'weight', 'sessions', 'order', 'status', ''], rows, { empty: 'No pool yet: pools appear when configured or when a job names one.', testid: 'pools' }),
      ),
      section(
        'Over time',
        h('div', { class: 'legend' }, h('span', { class: 'key s-granted' }, 'granted'), h('span', { class: 'key s-fair' }, 'fair share'), h('span', { class: 'key s-min' }, 'min share'), h('span', { class: 'key s-demand' }, 'demand'), h('span', { class: 'key band' }, 'starving')),
        loaded ? h('div', { class: 'pool-charts' }, charts) : h('p', { class: 'muted' }, 'Loading the pools’ history…'),
      ),
    );
    if (focus && loaded && !scrolled) {
      document.getElementById(`pool-${focus}`)?.scrollIntoView({ block: 'center' });
      scrolled = true;
    }
  }

  return {
    title: 'Pools',
    mount(root) {
      el = root;
      void loadHistory();
    },
    update(snap) {
      lastSnap = snap;
      const s = snap.poolSample;
      if (s && !samples.some((x) => x.seq === s.seq)) {
        samples.push(s);
        if (samples.length > samplesMax) samples.splice(0, samples.length - samplesMax);
      }
      draw(snap);
    },
  };
}
