// A network lab of Linux network namespaces for multi-host tests: every "host" is a
// namespace with one veth link (eth0, 10.213.0.N/24) to a bridge that lives in its own
// "switch" namespace, so links can be cut and healed from there. The root namespace's
// interfaces and routes are never touched. Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN).
//
// Names carry the owning process id (`cc<pid>-<host>`), so parallel labs don't clash and
// the namespaces of a crashed run (its pid gone) are recognised and removed by the next.
// Everything here is synchronous so it also works in `exit` and signal handlers.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

const namePrefix = 'cc';
const switchHost = 'sw';
const subnet = '10.213.0';
const firstHostOctet = 2;
/** Interface names are at most 15 bytes: `v-` + host name. */
const maxHostNameLength = 13;

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function namespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((l) => l.split(' ')[0])
    .filter(Boolean);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGKILLs every process in namespace `ns` (a host crash, or clean-up). */
function killNamespacePids(ns: string): void {
  let pids: number[] = [];
  try {
    pids = ip(['netns', 'pids', ns]).split('\n').filter(Boolean).map(Number);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function deleteNamespace(ns: string): void {
  killNamespacePids(ns);
  try {
    ip(['netns', 'del', ns]);
  } catch {
    // already gone
  }
}

/** Removes the namespaces of earlier labs whose owning process is gone. */
export function removeStaleLabs(): string[] {
  const stale = namespaces().filter((ns) => {
    const m = new RegExp(`^${namePrefix}(\\d+)-`).exec(ns);
    return m !== null && Number(m[1]) !== process.pid && !alive(Number(m[1]));
  });
  for (const ns of stale) deleteNamespace(ns);
  return stale;
}

/** Why network namespaces cannot be used here, or '' when they can. */
export function netnsUnavailable(): string {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (run as root, or in a container with CAP_SYS_ADMIN and CAP_NET_ADMIN)';
  const probe = `${namePrefix}${process.pid}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['-n', probe, 'link', 'add', 'vp0', 'type', 'veth', 'peer', 'name', 'vp1']);
    return '';
  } catch (err) {
    return `cannot create a network namespace with a veth pair: ${String((err as { stderr?: string }).stderr ?? err).trim()}`;
  } finally {
    try {
      ip(['netns', 'del', probe]);
    } catch {
      // never created
    }
  }
}

export class NetLab {
  private readonly addresses = new Map<string, string>();
  private destroyed = false;

  /** Creates the switch and one namespace per host, in order: hosts[i] gets 10.213.0.(i+2). */
  constructor(hosts: string[]) {
    const sw = this.ns(switchHost);
    try {
      ip(['netns', 'add', sw]);
      ip(['-n', sw, 'link', 'set', 'lo', 'up']);
      ip(['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
      ip(['-n', sw, 'link', 'set', 'br0', 'up']);
      hosts.forEach((host, i) => {
        if (!/^[a-z0-9-]+$/.test(host) || host.length > maxHostNameLength || host === switchHost) throw new Error(`bad lab host name "${host}"`);
        const ns = this.ns(host);
        const address = `${subnet}.${firstHostOctet + i}`;
        ip(['netns', 'add', ns]);
        ip(['-n', ns, 'link', 'set', 'lo', 'up']);
        // Both ends are created from inside the switch namespace: the root namespace never sees them.
        ip(['-n', sw, 'link', 'add', this.switchPort(host), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
        ip(['-n', sw, 'link', 'set', this.switchPort(host), 'master', 'br0', 'up']);
        ip(['-n', ns, 'addr', 'add', `${address}/24`, 'dev', 'eth0']);
        ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
        this.addresses.set(host, address);
      });
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** The namespace name of a host. */
  ns(host: string): string {
    return `${namePrefix}${process.pid}-${host}`;
  }

  address(host: string): string {
    const a = this.addresses.get(host);
    if (!a) throw new Error(`no lab host "${host}"`);
    return a;
  }

  /** The host on `address` (an IP, or IP:PORT). */
  hostOf(address: string): string | undefined {
    const addr = address.replace(/:\d+$/, '');
    for (const [h, a] of this.addresses) if (a === addr) return h;
    return undefined;
  }

  /** Starts `command args` inside a host's namespace, as the leader of its own process group. */
  spawn(host: string, command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdio: Array<'ignore' | 'pipe' | number> }): ChildProcess {
    return spawn('ip', ['netns', 'exec', this.ns(host), command, ...args], { env: opts.env ?? process.env, stdio: opts.stdio, detached: true });
  }

  /** Takes the host's link down at the switch: it can reach no one and no one reaches it. */
  cutLink(host: string): void {
    ip(['-n', this.ns(switchHost), 'link', 'set', this.switchPort(host), 'down']);
  }

  healLink(host: string): void {
    ip(['-n', this.ns(switchHost), 'link', 'set', this.switchPort(host), 'up']);
  }

  /** SIGKILLs every process in a host's namespace. */
  killAll(host: string): void {
    killNamespacePids(this.ns(host));
  }

  /** Process ids in a host's namespace whose command line contains every one of `words`. */
  pidsMatching(host: string, words: string[]): number[] {
    let pids: number[] = [];
    try {
      pids = ip(['netns', 'pids', this.ns(host)]).split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
    return pids.filter((pid) => {
      try {
        // A process started in a warm runner shows its command line as its title: one
        // string, words separated by spaces rather than NULs.
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]+/);
        return words.every((w) => argv.includes(w));
      } catch {
        return false;
      }
    });
  }

  /** Kills everything in the lab and removes its namespaces (idempotent). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const mine = `${namePrefix}${process.pid}-`;
    for (const ns of namespaces().filter((n) => n.startsWith(mine))) deleteNamespace(ns);
  }

  private switchPort(host: string): string {
    return `v-${host}`;
  }
}

/** Lab namespaces of this process still present (for tests: clean-up left none). */
export function labNamespacesLeft(): string[] {
  const mine = `${namePrefix}${process.pid}-`;
  return namespaces().filter((n) => n.startsWith(mine));
}
