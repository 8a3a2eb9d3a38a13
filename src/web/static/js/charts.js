// Charts drawn as inline SVG: capacity meters, progress bars, the pools' live
// line charts and the attempt timeline. No libraries.

import { h, s, fmtDuration, fmtPct } from './dom.js';

/**
 * A horizontal meter: `used` of `total`, with optional markers (e.g. fair share, min
 * share) drawn as ticks on the track. Over 100% the bar turns amber.
 */
export function meter(used, total, { label, markers = [], cls = '', testid } = {}) {
  const frac = total > 0 ? used / total : 0;
  const width = Math.min(1, frac) * 100;
  return h(
    'div',
    { class: `meter ${cls} ${frac > 1 ? 'over' : ''}`, 'data-testid': testid, title: label ?? `${fmtPct(frac)}` },
    h('div', { class: 'meter-fill', style: `width:${width.toFixed(1)}%` }),
    markers
      .filter((m) => total > 0 && m.value > 0)
      .map((m) => h('div', { class: `meter-mark ${m.cls ?? ''}`, style: `left:${Math.min(100, (m.value / total) * 100).toFixed(1)}%`, title: m.title })),
    label ? h('span', { class: 'meter-label' }, label) : null,
  );
}

/** A job's progress bar: maps and reduces done, with the running part lighter. */
export function progressBar(progress, { running = 0, failed = false, testid } = {}) {
  const done = Math.max(0, Math.min(1, Number(progress) || 0));
  const run = Math.max(0, Math.min(1 - done, running));
  return h(
    'div',
    { class: `progress ${failed ? 'failed' : ''}`, 'data-testid': testid, role: 'progressbar', 'aria-valuenow': Math.round(done * 100), 'aria-valuemin': 0, 'aria-valuemax': 100 },
    h('div', { class: 'progress-done', style: `width:${(done * 100).toFixed(1)}%` }),
    h('div', { class: 'progress-running', style: `width:${(run * 100).toFixed(1)}%` }),
    h('span', { class: 'progress-label' }, fmtPct(done)),
  );
}

/** A round step for about `ticks` intervals up to `max`: 1, 2 or 5 times a power of ten. */
function niceStep(max, ticks) {
  const raw = Math.max(max, 1e-9) / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * A time-series chart. `series`: [{ name, cls, points: [[t, v]...], area?, dash? }],
 * `bands`: [[t0, t1]] shaded (starving periods). The x axis spans [tMin, tMax].
 */
export function lineChart({ series, bands = [], tMin, tMax, width = 560, height = 160, yFormat = (v) => String(v), yMaxHint = 0, testid }) {
  const pad = { l: 52, r: 10, t: 10, b: 22 };
  const iw = width - pad.l - pad.r;
  const ih = height - pad.t - pad.b;
  let dataMax = yMaxHint;
  for (const se of series) for (const [, v] of se.points) dataMax = Math.max(dataMax, v);
  // Whole units at least (vcores, MB), and headroom so a line at the maximum stays visible.
  const yStep = Math.max(1, niceStep(dataMax * 1.1, 4));
  const yMax = yStep * Math.max(1, Math.ceil((dataMax * 1.1) / yStep));
  const span = Math.max(1, tMax - tMin);
  const x = (t) => pad.l + ((t - tMin) / span) * iw;
  const y = (v) => pad.t + ih - (v / yMax) * ih;

  const grid = [];
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    grid.push(s('line', { x1: pad.l, x2: pad.l + iw, y1: y(v), y2: y(v), class: 'grid-line' }));
    grid.push(s('text', { x: pad.l - 6, y: y(v) + 4, class: 'axis-label', 'text-anchor': 'end' }, yFormat(v)));
  }
  const tickStep = [10, 15, 30, 60, 120, 300, 600].map((v) => v * 1000).find((st) => span / st <= 6) ?? 1_800_000;
  for (let ago = 0; ago <= span; ago += tickStep) {
    const t = tMax - ago;
    const label = ago === 0 ? 'now' : ago < 60_000 ? `-${ago / 1000}s` : `-${ago / 60_000}m`;
    grid.push(s('line', { x1: x(t), x2: x(t), y1: pad.t, y2: pad.t + ih, class: 'grid-line v' }));
    grid.push(s('text', { x: x(t), y: height - 6, class: 'axis-label', 'text-anchor': ago === 0 ? 'end' : 'middle' }, label));
  }

  const bandEls = bands.map(([a, b]) => [Math.max(a, tMin), Math.min(b, tMax)]).filter(([a, b]) => b > a).map(([a, b]) => s('rect', { x: x(a), y: pad.t, width: Math.max(2, x(b) - x(a)), height: ih, class: 'band-starving' }, s('title', null, 'starving')));

  const lines = series.map((se) => {
    if (se.points.length === 0) return null;
    const d = se.points.map(([t, v], i) => `${i === 0 ? 'M' : 'L'}${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    const els = [];
    if (se.area) {
      const first = se.points[0];
      const last = se.points[se.points.length - 1];
      els.push(s('path', { d: `${d} L${x(last[0]).toFixed(1)},${y(0)} L${x(first[0]).toFixed(1)},${y(0)} Z`, class: `area ${se.cls}` }));
    }
    els.push(s('path', { d, class: `line ${se.cls}`, 'data-series': se.name }, s('title', null, se.name)));
    return els;
  });

  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'data-testid': testid, preserveAspectRatio: 'none' },
    bandEls,
    grid,
    lines,
    s('rect', { x: pad.l, y: pad.t, width: iw, height: ih, class: 'plot-frame' }),
  );
}

export const attemptStates = ['running', 'succeeded', 'failed', 'killed'];

/**
 * The attempt timeline: one row per attempt (grouped by task), a bar from its start to
 * its end (or now), colored by state. `onBar(attempt)` may return a tooltip string.
 */
export function gantt(attempts, { t0, t1, rowsMax = 400, testid } = {}) {
  const rows = attempts.slice(0, rowsMax);
  const labelW = 190;
  const width = 1000;
  const rowH = 16;
  const axisH = 24;
  const iw = width - labelW - 12;
  const height = axisH + rows.length * rowH + 6;
  const span = Math.max(1, t1 - t0);
  const x = (t) => labelW + ((Math.min(Math.max(t, t0), t1) - t0) / span) * iw;

  const ticks = [];
  const stepCandidates = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600].map((v) => v * 1000);
  const step = stepCandidates.find((st) => span / st <= 10) ?? 7_200_000;
  for (let t = 0; t <= span; t += step) {
    ticks.push(s('line', { x1: x(t0 + t), x2: x(t0 + t), y1: axisH - 4, y2: height, class: 'grid-line v' }));
    ticks.push(s('text', { x: x(t0 + t), y: axisH - 8, class: 'axis-label', 'text-anchor': 'middle' }, t < 60_000 ? `+${(t / 1000).toFixed(step < 1000 ? 1 : 0)}s` : `+${fmtDuration(t)}`));
  }

  const bars = rows.map((a, i) => {
    const y = axisH + i * rowH;
    const end = a.endMs > 0 ? a.endMs : t1;
    const bx = x(a.startMs);
    const bw = Math.max(3, x(end) - bx);
    const tip = `${a.id} on ${a.node || '?'} — ${a.state}${a.speculative ? ' (speculative)' : ''}, ${fmtDuration(end - a.startMs)}${a.diagnostics ? `\n${a.diagnostics.slice(0, 300)}` : ''}`;
    return s(
      'g',
      { class: `gantt-row ${i % 2 ? 'odd' : ''}`, 'data-attempt': a.id, 'data-state': a.state },
      s('rect', { x: 0, y, width, height: rowH, class: 'row-bg' }),
      s('text', { x: 6, y: y + rowH - 4, class: 'gantt-label' }, `${a.id}  ${a.node ?? ''}`),
      s('rect', { x: bx, y: y + 3, width: bw, height: rowH - 6, rx: 2, class: `bar st-${a.state} ${a.speculative ? 'speculative' : ''}` }, s('title', null, tip)),
    );
  });

  return s('svg', { class: 'gantt', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'data-testid': testid }, ticks, bars);
}
