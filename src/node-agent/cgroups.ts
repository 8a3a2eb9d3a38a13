// Memory limits in the kernel, where the machine allows: each container gets its own
// memory cgroup (v2 `memory.max`, or v1 `memory.limit_in_bytes`) as a hard backstop
// behind the agent's RSS watch. The container's first process joins its cgroup before
// it execs the command, so every descendant is inside from the start. When cgroups are
// not available (no controller, not writable) the RSS watch alone enforces limits.

import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../common/log.js';

/** The cgroup limit sits this far above the grant, so the RSS watch (with its clear
 *  diagnostic) normally acts first and the kernel only catches sudden growth. */
const hardLimitSlack = 1.25;

export interface ContainerCgroup {
  /** The file the container's first process writes its pid to. */
  procsFile: string;
  /** Moves a running process (a warm runner taking the container on) into the cgroup. */
  adopt(pid: number): boolean;
  /** True when the kernel killed something in this cgroup for memory. */
  oomKilled(): boolean;
  remove(): void;
}

export interface Cgroups {
  version: 1 | 2;
  create(containerId: string, limitMb: number): ContainerCgroup | null;
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
  return {
    version,
    create(containerId: string, limitMb: number): ContainerCgroup | null {
      const dir = join(base, containerId);
      try {
        mkdirSync(dir);
        const bytes = String(Math.ceil(limitMb * hardLimitSlack) * 1048576);
        if (!tryWrite(join(dir, version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), bytes)) throw new Error('cannot set the limit');
      } catch {
        return null;
      }
      return {
        procsFile: join(dir, 'cgroup.procs'),
        adopt: (pid: number) => tryWrite(join(dir, 'cgroup.procs'), String(pid)),
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
