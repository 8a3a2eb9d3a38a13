// The distributed shell: a non-MapReduce framework built only on the public
// session-driver library. Runs one command in N containers across the cluster,
// streams each container's output prefixed by its node, retries a container lost
// with its node, and succeeds only if every container exits 0.

import { get } from 'node:http';
import { SessionDriver, type Grant, type DriverEvent, type ContainerStatus } from '../session-driver/index.js';
import { errorMessage } from '../common/errors.js';
import type { Logger } from '../common/log.js';

export interface ShellOptions {
  cluster: string;
  count: number;
  memoryMb: number;
  vcores: number;
  command: string;
  args: string[];
  pool?: string;
  /** Attempts per container when its node is lost. */
  maxAttempts?: number;
  /** Where prefixed output lines go. */
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  log?: Logger;
}

export interface ShellTaskResult {
  index: number;
  node: string;
  state: ContainerStatus['state'] | 'NOT_RUN';
  exitCode: number;
  diagnostics: string;
  attempts: number;
}

export interface ShellResult {
  sessionId: string;
  succeeded: boolean;
  tasks: ShellTaskResult[];
}

interface Task {
  index: number;
  attempts: number;
  grant: Grant | null;
  containerId: string;
  done: boolean;
  result: ShellTaskResult;
  followers: Array<Promise<void>>;
}

/** Streams a container's log from the agent, line by line, until the container ends. */
function followLog(grant: Grant, containerId: string, stream: 'stdout' | 'stderr', emit: (line: string) => void): Promise<void> {
  return new Promise((resolve) => {
    const req = get(`http://${grant.shuffleAddress}/containers/${containerId}/${stream}?follow=1`, (res) => {
      let carry = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const text = carry + chunk;
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const l of lines) emit(l);
      });
      res.on('end', () => {
        if (carry) emit(carry);
        resolve();
      });
      res.on('error', () => resolve());
    });
    req.on('error', () => resolve());
  });
}

export async function runShell(o: ShellOptions): Promise<ShellResult> {
  const maxAttempts = o.maxAttempts ?? 3;
  const driver = await SessionDriver.start({ cluster: o.cluster, name: `shell: ${[o.command, ...o.args].join(' ').slice(0, 200)}`, kind: 'shell', pool: o.pool, log: o.log });
  const tasks: Task[] = Array.from({ length: o.count }, (_, index) => ({
    index,
    attempts: 0,
    grant: null,
    containerId: '',
    done: false,
    result: { index, node: '', state: 'NOT_RUN', exitCode: -1, diagnostics: '', attempts: 0 },
    followers: [],
  }));
  const waiting: Task[] = [...tasks];
  const byGrant = new Map<string, Task>();
  const byContainer = new Map<string, Task>();
  const resources = { memoryMb: o.memoryMb, vcores: o.vcores, gpus: 0, custom: {} };
  let remaining = o.count;
  let fatal = '';

  const finishTask = async (t: Task, status: Pick<ContainerStatus, 'state' | 'exitCode' | 'diagnostics'>): Promise<void> => {
    if (t.done) return;
    t.done = true;
    remaining--;
    t.result = { ...t.result, state: status.state, exitCode: status.exitCode, diagnostics: status.diagnostics, attempts: t.attempts };
    if (t.grant) {
      const g = t.grant;
      byGrant.delete(g.grantId);
      await Promise.all(t.followers);
      await driver.release([g.grantId]).catch(() => undefined);
    }
  };

  const launch = async (t: Task, g: Grant): Promise<void> => {
    t.attempts++;
    t.grant = g;
    t.result.node = g.node;
    byGrant.set(g.grantId, t);
    try {
      t.containerId = await driver.launch(g, { command: o.command, args: o.args, env: { CORONET_SHELL_INDEX: String(t.index), CORONET_SHELL_COUNT: String(o.count) } });
    } catch (err) {
      await finishTask(t, { state: 'FAILED_TO_START', exitCode: -1, diagnostics: errorMessage(err) });
      return;
    }
    byContainer.set(t.containerId, t);
    const prefix = `[${g.node}${o.count > 1 ? `#${t.index}` : ''}] `;
    t.followers = [followLog(g, t.containerId, 'stdout', (l) => o.stdout(prefix + l)), followLog(g, t.containerId, 'stderr', (l) => o.stderr(prefix + l))];
  };

  const onEvent = async (ev: DriverEvent): Promise<void> => {
    switch (ev.type) {
      case 'grant': {
        const t = waiting.shift();
        if (!t) await driver.release([ev.grant.grantId]);
        else await launch(t, ev.grant);
        break;
      }
      case 'container': {
        if (ev.status.state === 'RUNNING') break;
        const t = byContainer.get(ev.status.containerId);
        if (t && t.containerId === ev.status.containerId) await finishTask(t, ev.status);
        break;
      }
      case 'node-lost':
      case 'grants-lost':
      case 'revoked': {
        const lost = ev.type === 'revoked' ? [ev.grant] : ev.grants;
        for (const g of lost) {
          const t = byGrant.get(g.grantId);
          if (!t || t.done) continue;
          byGrant.delete(g.grantId);
          const why = ev.type === 'node-lost' ? `node ${ev.node} lost` : ev.type === 'grants-lost' ? ev.reason : `grant revoked: ${ev.reason}`;
          if (t.attempts >= maxAttempts) {
            await finishTask(t, { state: 'LOST', exitCode: -1, diagnostics: `${why}; gave up after ${t.attempts} attempts` });
            continue;
          }
          o.stderr(`[coronet] container #${t.index} on ${g.node}: ${why}; retrying elsewhere`);
          t.grant = null;
          waiting.push(t);
          await driver.request([{ resources, count: 1, excludedHosts: [g.node] }]);
        }
        if (ev.type === 'revoked') await driver.release(lost.map((g) => g.grantId)).catch(() => undefined);
        break;
      }
      case 'session-ended':
        fatal = ev.reason;
        break;
    }
  };

  try {
    await driver.request([{ resources, count: o.count }]);
    for await (const ev of driver.events()) {
      await onEvent(ev);
      if (remaining === 0 || fatal) break;
    }
  } catch (err) {
    fatal = errorMessage(err);
  }
  const succeeded = !fatal && tasks.every((t) => t.result.state === 'EXITED' && t.result.exitCode === 0);
  if (fatal) for (const t of tasks) if (!t.done) t.result.diagnostics = fatal;
  await driver.end(succeeded ? 'SUCCEEDED' : 'FAILED', fatal || (succeeded ? '' : 'some containers failed')).catch(() => driver.shutdown());
  return { sessionId: driver.sessionId, succeeded, tasks: tasks.map((t) => t.result) };
}
