// The history server's store (Corona's proxy job tracker, YARN's job history server):
// every finished job's report — config, counters, tasks, attempts, timings — as one
// JSON file under the CM's state directory, written atomically (temp file + rename),
// with retention by count and age.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface JobReport {
  jobId: string;
  name: string;
  user: string;
  state: string;
  startedAtMs: number;
  finishedAtMs: number;
  diagnostics: string;
  [k: string]: unknown;
}

export interface JobSummary {
  jobId: string;
  name: string;
  user: string;
  state: string;
  pool: string;
  startedAtMs: number;
  finishedAtMs: number;
  diagnostics: string;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$/;
const reportBytesMax = 64 << 20;

export class HistoryStore {
  private readonly dir: string;
  private summaries = new Map<string, JobSummary>();

  constructor(
    stateDir: string,
    private readonly keepCount = 10_000,
    private readonly keepMs = 30 * 86_400_000,
  ) {
    this.dir = join(stateDir, 'history');
    mkdirSync(this.dir, { recursive: true });
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      try {
        this.index(JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as JobReport);
      } catch {
        // A torn or foreign file: skip it.
      }
    }
    this.applyRetention(Date.now());
  }

  /** Checks and stores a report; returns the reason it is bad, or null. */
  put(report: unknown, now = Date.now()): string | null {
    const r = report as JobReport;
    if (typeof r !== 'object' || r === null) return 'the report must be a JSON object';
    if (typeof r.jobId !== 'string' || !idPattern.test(r.jobId)) return 'jobId is missing or has characters other than letters, digits, "_", "." and "-"';
    for (const k of ['name', 'user', 'state'] as const) if (typeof r[k] !== 'string') return `${k} must be a string`;
    const text = JSON.stringify(r);
    if (text.length > reportBytesMax) return `the report is larger than ${reportBytesMax} bytes`;
    const tmp = join(this.dir, `.${r.jobId}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, join(this.dir, `${r.jobId}.json`));
    this.index(r);
    this.applyRetention(now);
    return null;
  }

  get(jobId: string): JobReport | undefined {
    if (!idPattern.test(jobId) || !this.summaries.has(jobId)) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.dir, `${jobId}.json`), 'utf8')) as JobReport;
    } catch {
      return undefined;
    }
  }

  list(filter: { user?: string; state?: string; q?: string; limit?: number } = {}): JobSummary[] {
    const q = filter.q?.toLowerCase();
    return [...this.summaries.values()]
      .filter((s) => (!filter.user || s.user === filter.user) && (!filter.state || s.state === filter.state) && (!q || s.jobId.toLowerCase().includes(q) || s.name.toLowerCase().includes(q)))
      .sort((a, b) => b.finishedAtMs - a.finishedAtMs)
      .slice(0, filter.limit ?? 1000);
  }

  private index(r: JobReport): void {
    this.summaries.set(r.jobId, {
      jobId: r.jobId,
      name: String(r.name),
      user: String(r.user),
      state: String(r.state),
      pool: typeof r.pool === 'string' ? r.pool : '',
      startedAtMs: Number(r.startedAtMs) || 0,
      finishedAtMs: Number(r.finishedAtMs) || 0,
      diagnostics: String(r.diagnostics ?? '').slice(0, 2000),
    });
  }

  private applyRetention(now: number): void {
    const all = [...this.summaries.values()].sort((a, b) => b.finishedAtMs - a.finishedAtMs);
    all.forEach((s, i) => {
      if (i >= this.keepCount || now - s.finishedAtMs > this.keepMs) {
        this.summaries.delete(s.jobId);
        rmSync(join(this.dir, `${s.jobId}.json`), { force: true });
      }
    });
  }

  /** For tests: the file a report lives in. */
  fileOf(jobId: string): string {
    return join(this.dir, `${jobId}.json`);
  }

  exists(jobId: string): boolean {
    try {
      return statSync(this.fileOf(jobId)).isFile();
    } catch {
      return false;
    }
  }
}
