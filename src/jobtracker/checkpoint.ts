// A remote job tracker's checkpoint: one JSON line per task that succeeded (and per
// map whose output was lost), appended to `checkpoint.ndjson` beside the job's staging
// files. When a job tracker attempt dies, the CM starts the next one (StartDriver);
// it reads the checkpoint and skips the tasks done: finished maps keep their output on
// their nodes (served while the session lives), committed reduces keep theirs in the
// output's `_temporary` dir until the job commit.
//
// Appends are single write() calls of whole lines, so a job tracker killed mid-write
// leaves at most one torn last line, which load() ignores.

import { appendFileSync, readFileSync } from 'node:fs';
import type { CountersJson } from '../mapreduce/index.js';
import type { MapSource } from './umbilical.js';

export interface TaskCheckpoint {
  taskId: string;
  attemptId: string;
  node: string;
  shuffleAddress: string;
  startMs: number;
  endMs: number;
  counters: CountersJson;
  /** A map's output, for the reduces; null for reduces and map-only jobs. */
  output: MapSource | null;
  /** The task committed job output (a task that wrote nothing has none to publish). */
  committed: boolean;
}

type Line = ({ t: 'done' } & TaskCheckpoint) | { t: 'lost'; taskId: string };

export class JobCheckpoint {
  constructor(readonly path: string) {}

  /** The tasks done according to the checkpoint (the last word on each task wins). */
  load(): TaskCheckpoint[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const done = new Map<string, TaskCheckpoint>();
    for (const line of text.split('\n')) {
      if (!line) continue;
      let rec: Line;
      try {
        rec = JSON.parse(line) as Line;
      } catch {
        continue; // a torn last line
      }
      if (rec.t === 'done' && typeof rec.taskId === 'string') {
        const { t: _t, ...task } = rec;
        done.set(rec.taskId, task);
      } else if (rec.t === 'lost') done.delete(rec.taskId);
    }
    return [...done.values()];
  }

  taskDone(task: TaskCheckpoint): void {
    this.append({ t: 'done', ...task });
  }

  mapOutputLost(taskId: string): void {
    this.append({ t: 'lost', taskId });
  }

  private append(line: Line): void {
    appendFileSync(this.path, JSON.stringify(line) + '\n');
  }
}
