// Reading the machine and process trees from /proc (Linux).

import { readFileSync, readdirSync } from 'node:fs';

const pageBytes = 4096;

/** Memory in use on the machine (MemTotal - MemAvailable), in MiB. */
export function machineMemoryUsedMb(): number {
  try {
    const text = readFileSync('/proc/meminfo', 'utf8');
    const get = (k: string) => Number(text.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0);
    return Math.round((get('MemTotal') - get('MemAvailable')) / 1024);
  } catch {
    return 0;
  }
}

/** Memory the machine can still give to new work (MemAvailable), in MiB; 0 if unknown. */
export function machineMemoryAvailableMb(): number {
  try {
    return Math.round(Number(/^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

/** Busy cores since the previous call (from /proc/stat jiffies). */
export class CpuMeter {
  private last: { busy: number; total: number } | null = null;
  constructor(private readonly cores: number) {}
  sample(): number {
    try {
      const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
      const v = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = v[3] + (v[4] ?? 0);
      const total = v.reduce((a, b) => a + b, 0);
      const cur = { busy: total - idle, total };
      const prev = this.last;
      this.last = cur;
      if (!prev || cur.total === prev.total) return 0;
      return Math.round(((cur.busy - prev.busy) / (cur.total - prev.total)) * this.cores * 100) / 100;
    } catch {
      return 0;
    }
  }
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  rssBytes: number;
}

/** One snapshot of every process: pid, parent, process group, RSS. */
export function readProcessTable(): Map<number, ProcEntry> {
  const table = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return table;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const rest = statFields(Number(name));
    // rest[0]=state, rest[1]=ppid, rest[2]=pgrp, ..., rest[21]=rss (pages)
    if (rest !== null) table.set(Number(name), { pid: Number(name), ppid: Number(rest[1]), pgid: Number(rest[2]), rssBytes: Number(rest[21]) * pageBytes });
  }
  return table;
}

/**
 * RSS of a container: every process in its process group plus every descendant of
 * its root (a child may have moved to a group of its own).
 */
export function treeRssBytes(table: Map<number, ProcEntry>, rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const p of table.values()) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set<number>();
  const stack = [rootPid];
  for (const p of table.values()) if (p.pgid === rootPid) stack.push(p.pid);
  let total = 0;
  while (stack.length) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const e = table.get(pid);
    if (!e) continue;
    total += e.rssBytes;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return total;
}

/** The fields of /proc/PID/stat after the command name (field 3, the state, first), or
 *  null when the process is gone. The name (field 2) may contain spaces and parentheses:
 *  the fields are parsed after its last ')'. */
export function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** A process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or -1. */
export function processStartTime(pid: number): number {
  const f = statFields(pid);
  return f === null ? -1 : Number(f[19]);
}

/** Sends `signal` to the process group led by `pid` (a container, a warm runner), or to
 *  the process alone when it leads none. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}
