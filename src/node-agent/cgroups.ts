// Memory limits in the kernel, where the machine allows: each container gets its own
// memory cgroup (v2 `memory.max`, or v1 `memory.limit_in_bytes`) as a hard backstop
// behind the agent's RSS watch. The container's first process joins its cgroup before
// it execs the command, so every descendant is inside from the start. When cgroups are
// not available (no controller, not writable) the RSS watch alone enforces limits.
//
// A warm runner (warm-runners.ts) is put in a cgroup of its own when it starts, without
// a limit; the container that takes it on gets that cgroup, with the container's limit
// set then. The first process to join a new cgroup waits for the kernel to set it up
// (10-30 ms here, measured: 18.7 ms for the first move into a fresh v1 cgroup, 0.04 ms for
// a later one): done at the runner's start, that wait is off the launch's path (and the
// agent's event loop). Memory the runner's warm-up took counts towards the container,
// which is the process's own memory in any case.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../common/log.js';

/** The cgroup limit sits this far above the grant, so the RSS watch (with its clear
 *  diagnostic) normally acts first and the kernel only catches sudden growth. */
const hardLimitSlack = 1.25;
/** An empty cgroup under the agent's this old at its start is a leftover (and goes). */
const leftoverAgeMs = 10 * 60_000;

export interface ContainerCgroup {
  /** The file the container's first process writes its pid to. */
  procsFile: string;
  /** Moves a running process (a warm runner taking the container on) into the cgroup. */
  adopt(pid: number): boolean;
  /** The same, without blocking this thread on the kernel's set-up of a new cgroup. */
  adoptSoon(pid: number): Promise<boolean>;
  /** Sets the limit for a container of `limitMb` (with the slack); false (and unchanged)
   *  when the cgroup already holds more than that, or the write fails. */
  setLimit(limitMb: number): boolean;
  /** True when the kernel killed something in this cgroup for memory. */
  oomKilled(): boolean;
  remove(): void;
}

export interface Cgroups {
  version: 1 | 2;
  /** A new cgroup `name` (a container id, or a warm runner's name), limited for a
   *  container of `limitMb` (null: no limit yet). Null when it cannot be made. */
  create(name: string, limitMb: number | null): ContainerCgroup | null;
}

function tryWrite(path: string, text: string): boolean {
  try {
    writeFileSync(path, text);
    return true;
  } catch {
    return false;
  }
}

export function detectCgroups(agentName: string, log: Logger): Cgroups | null {
  if (process.env.CORONET_CGROUPS === 'off') return null;
  const v2Root = '/sys/fs/cgroup';
  const v1Root = '/sys/fs/cgroup/memory';
  let version: 1 | 2;
  let base: string;
  try {
    if (existsSync(join(v2Root, 'cgroup.controllers')) && readFileSync(join(v2Root, 'cgroup.controllers'), 'utf8').includes('memory')) {
      version = 2;
      base = join(v2Root, `coronet-${agentName}`);
      mkdirSync(base, { recursive: true });
      // Children of `base` need the memory controller delegated.
      if (!tryWrite(join(base, 'cgroup.subtree_control'), '+memory')) throw new Error('cannot enable the memory controller');
    } else if (existsSync(join(v1Root, 'memory.limit_in_bytes'))) {
      version = 1;
      base = join(v1Root, `coronet-${agentName}`);
      mkdirSync(base, { recursive: true });
    } else return null;
  } catch (err) {
    log.info('memory cgroups not available; limits are enforced by the RSS watch alone', { reason: (err as Error).message });
    return null;
  }
  log.info('memory cgroups in use', { version, base });
  // What an earlier incarnation left (the cgroups of its warm runners and containers, once
  // their processes are gone): an empty cgroup goes, one with a process in it stays. Only
  // old ones: another agent of the same name on this machine (local clusters) may have
  // made one a moment ago that its process has not joined yet.
  for (const d of readdirSync(base, { withFileTypes: true })) {
    const dir = join(base, d.name);
    try {
      if (d.isDirectory() && statSync(dir).mtimeMs < Date.now() - leftoverAgeMs) rmdirSync(dir);
    } catch {
      // Still in use.
    }
  }
  return {
    version,
    create(name: string, limitMb: number | null): ContainerCgroup | null {
      const dir = join(base, name);
      const limitFile = join(dir, version === 2 ? 'memory.max' : 'memory.limit_in_bytes');
      const usageFile = join(dir, version === 2 ? 'memory.current' : 'memory.usage_in_bytes');
      const limitBytes = (mb: number) => Math.ceil(mb * hardLimitSlack) * 1048576;
      try {
        mkdirSync(dir);
      } catch {
        return null;
      }
      if (limitMb !== null && !tryWrite(limitFile, String(limitBytes(limitMb)))) {
        try {
          rmdirSync(dir);
        } catch {
          // The next agent start removes it.
        }
        return null;
      }
      return {
        procsFile: join(dir, 'cgroup.procs'),
        adopt: (pid: number) => tryWrite(join(dir, 'cgroup.procs'), String(pid)),
        adoptSoon: (pid: number) => writeFile(join(dir, 'cgroup.procs'), String(pid)).then(
          () => true,
          () => false,
        ),
        setLimit(mb: number): boolean {
          // Lowering a limit under the usage would make the kernel reclaim (or fail) while this thread waits.
          try {
            if (Number(readFileSync(usageFile, 'utf8')) >= limitBytes(mb)) return false;
          } catch {
            return false;
          }
          return tryWrite(limitFile, String(limitBytes(mb)));
        },
        oomKilled(): boolean {
          try {
            if (version === 2) return /oom_kill (\d+)/.exec(readFileSync(join(dir, 'memory.events'), 'utf8'))?.[1] !== '0';
            const oom = /oom_kill (\d+)/.exec(readFileSync(join(dir, 'memory.oom_control'), 'utf8'));
            return oom ? oom[1] !== '0' : Number(readFileSync(join(dir, 'memory.failcnt'), 'utf8')) > 0;
          } catch {
            return false;
          }
        },
        remove(): void {
          try {
            rmdirSync(dir);
          } catch {
            // Still has a process in it (it is being killed); the next agent start cleans up.
          }
        },
      };
    },
  };
}
