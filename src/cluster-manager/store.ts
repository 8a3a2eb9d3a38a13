// The cluster manager's durable state: an embedded LMDB database under --state-dir.
// Every change to sessions, requests, grants and nodes is written in LMDB
// transactions (batched asynchronously: a write is durable within a few milliseconds),
// so a restarted CM — after a clean stop or SIGKILL — rebuilds its view and running
// jobs go on. The HMAC key is kept too: sessions' secrets and grant tokens stay valid.

import { open, type RootDatabase } from 'lmdb';
import { join } from 'node:path';
import type { GrantDecision, Priority, SchedulerRequest } from '../scheduler/index.js';
import type { Resources } from '../common/resources.js';

export interface StoredSession {
  id: string;
  name: string;
  user: string;
  pool: string;
  priority: Priority;
  deadlineMs: number;
  kind: string;
  driverAddress: string;
  tags: Record<string, string>;
  startedAtMs: number;
  /** A driver the CM runs (and restarts) for the session: see StartDriver. */
  driver?: StoredDriver;
}

/** What the CM needs to start the next attempt of a session's driver. */
export interface StoredDriver {
  resources: Resources;
  command: string;
  args: string[];
  env: Record<string, string>;
  maxAttempts: number;
  /** The current attempt (1-based). */
  attempt: number;
  requestId: string;
  /** The current attempt's grant; '' until granted. */
  grantId: string;
  /** Why earlier attempts ended. */
  failures: string[];
}

export interface StoredNode {
  name: string;
  rack: string;
  rpcAddress: string;
  shuffleAddress: string;
  capacity: Resources;
}

export interface StoredRequest {
  sessionId: string;
  spec: SchedulerRequest;
  /** Containers still to grant. */
  remaining: number;
}

export interface RecoveredState {
  tokenKey: string;
  sessions: StoredSession[];
  nodes: StoredNode[];
  grants: GrantDecision[];
  requests: StoredRequest[];
}

export class CmStore {
  private readonly db: RootDatabase;

  constructor(stateDir: string) {
    this.db = open({ path: join(stateDir, 'cm.lmdb'), compression: false });
  }

  /** What the previous incarnation left; null for a fresh state dir. */
  recover(): RecoveredState | null {
    const tokenKey = this.db.get('meta/tokenKey') as string | undefined;
    if (!tokenKey) return null;
    const list = <T>(prefix: string): T[] => [...this.db.getRange({ start: prefix, end: prefix + '\uffff' })].map((e) => e.value as T);
    return { tokenKey, sessions: list('s/'), nodes: list('n/'), grants: list('g/'), requests: list('r/') };
  }

  setTokenKey(key: string): void {
    void this.db.put('meta/tokenKey', key);
  }

  putSession(s: StoredSession): void {
    void this.db.put(`s/${s.id}`, s);
  }

  /** The session and everything it held. */
  removeSession(id: string, grantIds: string[], requestIds: string[]): void {
    void this.db.transaction(() => {
      this.db.removeSync(`s/${id}`);
      for (const g of grantIds) this.db.removeSync(`g/${g}`);
      for (const r of requestIds) this.db.removeSync(`r/${id}/${r}`);
    });
  }

  putRequest(r: StoredRequest): void {
    void this.db.put(`r/${r.sessionId}/${r.spec.requestId}`, r);
  }

  removeRequest(sessionId: string, requestId: string): void {
    void this.db.remove(`r/${sessionId}/${requestId}`);
  }

  /** One scheduling pass's grants and the requests they drew down, in one transaction. */
  recordGrants(grants: GrantDecision[], requests: StoredRequest[]): void {
    void this.db.transaction(() => {
      for (const g of grants) this.db.putSync(`g/${g.grantId}`, g);
      for (const r of requests) {
        if (r.remaining > 0) this.db.putSync(`r/${r.sessionId}/${r.spec.requestId}`, r);
        else this.db.removeSync(`r/${r.sessionId}/${r.spec.requestId}`);
      }
    });
  }

  removeGrants(grantIds: string[]): void {
    if (!grantIds.length) return;
    void this.db.transaction(() => {
      for (const g of grantIds) this.db.removeSync(`g/${g}`);
    });
  }

  putNode(n: StoredNode): void {
    void this.db.put(`n/${n.name}`, n);
  }

  removeNode(name: string, grantIds: string[]): void {
    void this.db.transaction(() => {
      this.db.removeSync(`n/${name}`);
      for (const g of grantIds) this.db.removeSync(`g/${g}`);
    });
  }

  /** Resolves when every write so far is on disk. */
  flushed(): Promise<void> {
    return this.db.flushed.then(() => undefined);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
