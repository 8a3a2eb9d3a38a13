// Shared by the benchmarks: percentiles, a human table, and with --json one JSON
// object on the last line.

import { table } from '../cli/args.js';

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export interface Row {
  metric: string;
  value: string;
  target?: string;
  ok?: boolean;
}

export function report(title: string, rows: Row[], json: Record<string, unknown>): void {
  const w0 = Math.max(6, ...rows.map((r) => r.metric.length));
  const w1 = Math.max(5, ...rows.map((r) => r.value.length));
  const lines = [title, `${'metric'.padEnd(w0)}  ${'value'.padStart(w1)}  target`, `${'-'.repeat(w0)}  ${'-'.repeat(w1)}  ------`];
  for (const r of rows) lines.push(`${r.metric.padEnd(w0)}  ${r.value.padStart(w1)}  ${r.target ? `${r.target} ${r.ok === undefined ? '' : r.ok ? 'ok' : 'MISSED'}` : ''}`);
  process.stdout.write(lines.join('\n') + '\n');
  printJson(json);
}

/** A title and an aligned table of any columns (e.g. one row per trial), then the JSON. */
export function reportTable(title: string, headers: string[], rows: Array<Array<string | number>>, json: Record<string, unknown>): void {
  process.stdout.write(`${title}\n${table(headers, rows)}\n`);
  printJson(json);
}

function printJson(json: Record<string, unknown>): void {
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(json) + '\n');
}

export function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
