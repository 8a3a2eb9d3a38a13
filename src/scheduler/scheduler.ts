// The fair-share scheduler: root → pool groups → pools → sessions, DRF fair shares,
// delay scheduling for locality, min/fair-share preemption, admission limits.
//
// A pass (`schedule()`) runs this pipeline; every stage is a small function below:
//   0. quick exit   nothing changed and no wait or timeout has come due → empty plan
//   1. admit        waiting sessions whose pool/group has a free running slot
//   2. shares       DRF water-filling: groups over the cluster, pools over their group
//   3. needy        pools below their min share place first, without locality waits
//   4. offers       nodes whose free capacity grew go to the most deserving session
//                   holding a request for that host (node-local)
//   5. fair         sessions in hierarchical fair order; each places its oldest
//                   request it can: host, then rack after nodeLocalityWaitMs, then any
//                   node after rackLocalityWaitMs more
//   6. preempt      starvation clocks; revocations from the most over-served pools
// All state is in memory and updated incrementally by the mutators, which mark what
// changed; a pass touches only active sessions, the offered nodes and the pools.

import { addInto, clone, fits, format, invalidReason, isZero, subtractInto, zero, type Resources } from '../common/resources.js';
import { defaultGroupName, defaultPoolsConfig, type GroupConfig, type PoolConfig, type PoolsConfig, type ShareSettings } from './config.js';
import { computeFairShares } from './fair-share.js';
import { FairOrder, Slots } from './fair-order.js';
import { FitIndex } from './fit-index.js';
import { GrantIds } from './grant-ids.js';
import { IndexedHeap, type HeapItem } from './heap.js';
import { emptyGrantList, liveGrantsOf, noteGrantGone, pushGrant, type GrantList } from './grant-lists.js';
import { RequestQueue } from './request-queue.js';
import { RequestIds } from './request-ids.js';
import { ENTRY_OWNER, ENTRY_SIZE, ENTRY_SLOT, ENTRY_STAMP, ENTRY_TAG, HostIndex } from './host-index.js';
import type {
  Clock, GrantDecision, NodeState, PoolInfo, Priority, RevokeDecision, Scheduler, SchedulePlan, SchedulerNode, SchedulerRequest, SchedulerSession,
  SchedulerTotals, Verdict,
} from './types.js';

export interface SchedulerOptions {
  clock: Clock;
  config?: PoolsConfig;
  /**
   * Grant ids are `${grantIdPrefix}${n}`, n = 1, 2, ... written in base `grantIdRadix`
   * (defaults "g-" and 10: g-1, g-2, ...). The scheduler finds its grants from the
   * number (see grant-ids.ts); a prefix per CM start keeps ids unique across restarts.
   */
  grantIdPrefix?: string;
  grantIdRadix?: number;
}

export type FairScheduler = Scheduler & {
  setConfig(c: PoolsConfig): void;
  nextWakeMs(): number | null;
  sessionPoolName(id: string): string | undefined;
  canAdminister(user: string, pool: string): boolean;
};

/** Live requests of one session looked at per placement attempt (older ones first). */
const requestScanMax = 16;
/**
 * Grants one pass may make. A bigger backlog (a cluster starting up) is spread over
 * several passes so that no pass holds the CM's event loop for long (1000 grants take
 * about 5 ms); `nextWakeMs()` then answers "now" and the CM calls `schedule()` again.
 */
export const grantsPerPassMax = 1000;
/** Distinct request shapes whose keys are interned. */
const shapeKeysMax = 10_000;
/** Sweep a pool's grant log once it holds this many released grants (and they are the majority). */
const grantLogSweepMin = 1024;
/** Released grants a session's or node's grant list may hold beyond its live ones (then it is swept). */
const grantListSlack = 8;
/** Revocations one pass may decide; the rest follow in the next pass. */
const revocationsPerPassMax = 5000;
/** Victim grants looked at (youngest first) for one whose node then fits the starving request. */
const preemptPickScanMax = 16;
/** Dead queue entries a session may carry beyond half its live requests before compaction. */
const queueSlackEntries = 64;
/** Move the fresh requests still to try to the front once this many tried ones lead (and they are the majority). */
const freshCompactMin = 4096;
/** Containers one request may ask for. */
const requestCountMax = 1_000_000;
/** Requests one addRequests call may carry. */
const requestBatchMax = 100_000;
const epsilon = 1e-9;
/** The verdict of every accepted call (shared: verdicts are read-only). */
const accepted: Verdict = Object.freeze({ ok: true });
/** The racks of a request that names none (shared: most name none). */
const noRacks: readonly string[] = [];
/** Host ids a request record holds in fields (the rest in an array). */
const inlineHostIds = 3;

const priorityRank: Record<Priority, number> = { VERY_LOW: 0, LOW: 1, NORMAL: 2, HIGH: 3, VERY_HIGH: 4 };
/** Deadline key of a session without one (later than any real ms-since-epoch deadline). */
const noDeadlineKey = 1e13;

interface NodeRec {
  name: string;
  /** Its host id in the host index (a reference held while the node exists). */
  hostId: number;
  rack: RackRec;
  capacity: Resources;
  /**
   * Free and allocated room, in the record itself (not two Resources objects more to
   * reach on every grant and release); custom kinds in objects of their own. Always
   * free + allocated = capacity. See nodeFree / nodeAllocatedOf.
   */
  freeMem: number;
  freeVc: number;
  freeGpu: number;
  freeCustom: Record<string, number>;
  allocMem: number;
  allocVc: number;
  allocGpu: number;
  allocCustom: Record<string, number>;
  state: NodeState;
  /** Waiting in the offers queue. */
  offered: boolean;
  /** (GrantList) Its grants in grant (seq) order; released ones linger until swept. */
  grants: (GrantRec | undefined)[];
  grantsN: number;
  grantsDead: number;
  slot: number;
}

interface RackRec {
  name: string;
  nodes: NodeRec[];
  /** The nodes' fit-index slots, in the same order (a rack scan reads no node records until one fits). */
  slots: number[];
  /** Shapes no node of the rack could hold in pass `noFitEpoch` (free only shrinks within a pass). */
  noFitEpoch: number;
  noFit: Set<string>;
}

interface RequestRec {
  /** The caller's request's racks (never changed afterwards) and locality relaxation. The
   *  request itself is not kept: its objects (hosts, exclusions) die young, where kept
   *  until the request is done they would be copied out of the young generation with it. */
  racks: readonly string[];
  relaxLocality: boolean;
  /** The request named hosts (maybe all excluded: then hostCount is 0). */
  namesHosts: boolean;
  /** spec.requestId, and its hash in the session's table of requests. */
  id: string;
  idHash: number;
  /** Arrival order among all requests. */
  arrival: number;
  /** spec.driver (read with the record, not from the spec). */
  driver: boolean;
  /** spec.resources (kept by reference: callers must not change it afterwards), shared read-only by its grants. */
  res: Resources;
  session: SessionRec;
  remaining: number;
  sinceMs: number;
  /**
   * Host ids (see HostIndex) of the named hosts minus excluded ones, distinct; each holds
   * a reference. The first three in fields (most requests name three or fewer: no array
   * to allocate and chase), the rest in hostsMore; see hostIdOf.
   */
  hostCount: number;
  host0: number;
  host1: number;
  host2: number;
  hostsMore: readonly number[] | null;
  /** Its slot in the host index (when it names hosts). */
  hostSlot: number;
  excluded: Set<string> | null;
  live: boolean;
  /** memory/vcores/gpus, for the per-pass "nothing holds this shape" memos; '' = has custom kinds. */
  shapeKey: string;
}

/** An interned request shape: key for memos, id for the host index (-1: not interned). */
interface Shape {
  key: string;
  id: number;
}

interface ShapeQueues {
  /** The shape key they are filed under. */
  key: string;
  hosted: RequestQueue<RequestRec>;
  plain: RequestQueue<RequestRec>;
}

interface SessionRec extends HeapItem {
  s: SchedulerSession;
  /** s.id */
  id: string;
  seq: number;
  /** Its slot in sessionBySlot. */
  slot: number;
  pool: PoolRec;
  state: 'running' | 'waiting';
  /** Requests by id (done ones linger until the queues are compacted). */
  requests: RequestIds<RequestRec>;
  liveRequests: number;
  /**
   * Requests by shape (see shapeKeyOf), each split into those naming hosts and those
   * naming none, in arrival (= waiting-since) order. By shape, so that one pass skips
   * a whole shape at once when no node can hold it any more.
   */
  queues: Map<string, ShapeQueues>;
  /** The same queues in the order they were made (what a placement scan walks: cheaper than the map). */
  shapeQueues: ShapeQueues[];
  /** The key of its only shape queue (null: none or several), read when the pass builds the heaps. */
  soleShape: string | null;
  /** Its live grants. (Which they are is rarely asked: its pool's grant list holds the others in order.) */
  grantsLive: number;
  /** Its live driver grants (a few at most; not in the pool's list). */
  driverGrants: GrantRec[];
  allocated: Resources;
  pendingRes: Resources;
  pending: number;
  /** Order key inside the pool (see sessionKeyOf), cached; valid while keyEpoch is current. */
  key: number;
  keyEpoch: number;
  /** Entries in the shape queues, live or dead (compaction trigger). */
  queued: number;
  /** Per-pass count of requests that failed to place (bounded by requestScanMax). */
  passEpoch: number;
  scanned: number;
  /**
   * The fair stage can place nothing of this session before this time (ms): its last
   * visit found only requests still within their node-locality wait, none tried. Valid
   * while fairIdleEpoch is current; new requests lower it (see noteFairWork).
   */
  fairIdleUntil: number;
  fairIdleEpoch: number;
}

interface PoolRec extends HeapItem {
  id: number;
  /** Its slot in the flat fair order. */
  slot: number;
  name: string;
  short: string;
  group: GroupRec;
  cfg: PoolConfig;
  configured: boolean;
  sessions: Set<SessionRec>;
  waiting: SessionRec[];
  running: number;
  /** Its sessions in `active`. */
  activeSessions: number;
  /** The pass whose fair stage last filled its session heap. */
  fairHeapPass: number;
  allocated: Resources;
  driverAllocated: Resources;
  /** Held by grants already revoked (not yet released). */
  revoking: Resources;
  pending: Resources;
  fairShare: Resources;
  /** The demand (allocated + pending) its fair share was computed from (see computeShares). */
  shareDemand: Resources;
  key: number;
  /** dom(cfg.minShare) and dom(fairShare), as of the pass start. */
  minDom: number;
  fairDom: number;
  /** (GrantList) The pool's non-driver grants, oldest first (preemption walks it from the end); released ones linger until swept. */
  grants: (GrantRec | undefined)[];
  grantsN: number;
  grantsDead: number;
  /** Holds at least its fair share (kept fresh by refreshKeys). */
  overFair: boolean;
  sessionHeap: IndexedHeap<SessionRec>;
  minStarvedSinceMs: number | null;
  fairStarvedSinceMs: number | null;
  sampleRequest: Resources | null;
}

interface GroupRec extends HeapItem {
  id: number;
  /** Its slot in the flat fair order. */
  slot: number;
  name: string;
  cfg: ShareSettings;
  pools: Map<string, PoolRec>;
  running: number;
  allocated: Resources;
  pending: Resources;
  fairShare: Resources;
  /** The demand (allocated + pending) its fair share was computed from (see computeShares). */
  shareDemand: Resources;
  key: number;
  minDom: number;
  poolHeap: IndexedHeap<PoolRec>;
}

/** A pool preemption may take from: `next` walks its grant log from the youngest end. */
interface Victim {
  p: PoolRec;
  next: number;
  /** How far above its fair share the pool stays once its revoked grants are gone. */
  over: number;
}

/** A grant as the scheduler keeps it. The decision handed out (GrantDecision) is made
 *  from it when asked for, not kept: one object less per live grant to carry through
 *  the young generation and mark. */
interface GrantRec {
  /** Its grant id ('' until filed). */
  id: string;
  requestId: string;
  /** The request's resources (shared, read-only). */
  res: Resources;
  locality: GrantDecision['locality'];
  session: SessionRec;
  node: NodeRec;
  seq: number;
  revoked: boolean;
  /** False once released (entries linger in the pool's grant log until it is swept). */
  live: boolean;
  /** The resources have no custom kinds (fast arithmetic). */
  plain: boolean;
  driver: boolean;
}

/** The decision of a grant, as callers see it (a new object: theirs to keep). */
function decisionOf(g: GrantRec): GrantDecision {
  return { grantId: g.id, sessionId: g.session.id, requestId: g.requestId, node: g.node.name, resources: g.res, driver: g.driver, locality: g.locality };
}

/** The live grants of a node's list, oldest first. */
function liveGrants(list: GrantList<GrantRec>): GrantRec[] {
  return liveGrantsOf(list).sort((a, b) => a.seq - b.seq);
}

/** The live grants of session `s`, oldest first: its pool's that are its, and its drivers. */
function sessionLiveGrants(s: SessionRec): GrantRec[] {
  const out: GrantRec[] = [];
  const list = s.pool;
  for (let i = 0; i < list.grantsN; i++) {
    const g = list.grants[i]!;
    if (g.live && g.session === s) out.push(g);
  }
  if (s.driverGrants.length === 0) return out;
  return out.concat(s.driverGrants).sort((a, b) => a.seq - b.seq);
}


/** The i-th host id of `r` (0 <= i < r.hostCount). */
function hostIdOf(r: RequestRec, i: number): number {
  return i === 0 ? r.host0 : i === 1 ? r.host1 : i === 2 ? r.host2 : r.hostsMore![i - inlineHostIds];
}

function allows(list: string[], user: string): boolean {
  return list.includes('*') || list.includes(user);
}

/** alloc + add <= max in every component, without allocating. */
function fitsSum(alloc: Resources, add: Resources, max: Resources): boolean {
  if (alloc.memoryMb + add.memoryMb > max.memoryMb || alloc.vcores + add.vcores > max.vcores || alloc.gpus + add.gpus > max.gpus) return false;
  for (const k in add.custom) if ((alloc.custom[k] ?? 0) + add.custom[k] > (max.custom[k] ?? 0)) return false;
  return true;
}

const componentMax = 2 ** 40;

/** v = a + b in every component (as add2 would make it), without allocating. */
function isSum(v: Resources, a: Resources, b: Resources): boolean {
  if (v.memoryMb !== a.memoryMb + b.memoryMb || v.vcores !== a.vcores + b.vcores || v.gpus !== a.gpus + b.gpus) return false;
  for (const k in a.custom) if (a.custom[k] + (b.custom[k] ?? 0) !== v.custom[k]) return false;
  for (const k in b.custom) if ((a.custom[k] ?? 0) + b.custom[k] !== v.custom[k]) return false;
  for (const k in v.custom) if (!(k in a.custom) && !(k in b.custom)) return false;
  return true;
}


/** Fast check of a vector without custom resources (the common case); false = look closer. */
function plainValid(r: Resources): boolean {
  for (const k in r.custom) if (k !== undefined) return false;
  return validComponent(r.memoryMb) && validComponent(r.vcores) && validComponent(r.gpus);
}

function validComponent(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= componentMax;
}

/** small <= room + add in every component, without allocating. */
function fitsAfterAdding(small: Resources, room: Resources, add: Resources): boolean {
  if (small.memoryMb > room.memoryMb + add.memoryMb || small.vcores > room.vcores + add.vcores || small.gpus > room.gpus + add.gpus) return false;
  for (const k in small.custom) if (small.custom[k] > (room.custom[k] ?? 0) + (add.custom[k] ?? 0)) return false;
  return true;
}

/** target += r × k for a vector without custom kinds when `plain`, in place. */
function addRes(target: Resources, r: Resources, plain: boolean, k: number): void {
  target.memoryMb += r.memoryMb * k;
  target.vcores += r.vcores * k;
  target.gpus += r.gpus * k;
  if (!plain) for (const c in r.custom) target.custom[c] = (target.custom[c] ?? 0) + r.custom[c] * k;
}

/** target += r × k, in place. */
function addTimes(target: Resources, r: Resources, k: number): void {
  target.memoryMb += r.memoryMb * k;
  target.vcores += r.vcores * k;
  target.gpus += r.gpus * k;
  for (const c in r.custom) target.custom[c] = (target.custom[c] ?? 0) + r.custom[c] * k;
}

function capacityShapeKey(r: Resources): string {
  return JSON.stringify([r.memoryMb, r.vcores, r.gpus, Object.entries(r.custom).sort()]);
}

const namePartPattern = /^[A-Za-z0-9_-]+$/;

export function createScheduler(opts: SchedulerOptions): FairScheduler {
  const clock = opts.clock;
  let config = opts.config ?? defaultPoolsConfig();

  const nodes = new Map<string, NodeRec>();
  const slotNodes: (NodeRec | undefined)[] = [];
  const racks = new Map<string, RackRec>();
  const fitIndex = new FitIndex();
  const shapes = new Map<string, { capacity: Resources; count: number; example: string }>();
  const sessions = new Map<string, SessionRec>();
  const grants = new GrantIds<GrantRec>(opts.grantIdPrefix ?? 'g-', opts.grantIdRadix ?? 10, (g) => g.id);
  const groups = new Map<string, GroupRec>();
  /** Running sessions with pending containers. */
  const active = new Set<SessionRec>();
  /** host → live requests naming it (entry owner: session slot; tag: shape id of a plain request, else -1). */
  const hostIndex = new HostIndex<RequestRec>();
  /** Nodes by host id. */
  const nodeByHost: (NodeRec | undefined)[] = [];
  /** Fit-index slots by host id (-1 or beyond the end: no node), so a look at a named host's room reads no node record. */
  let slotByHost = new Int32Array(64).fill(-1);
  /** Nodes whose free capacity grew since the last pass. */
  const offered: NodeRec[] = [];
  /** offered[offeredHead..] are still to serve (the rest were served). */
  let offeredHead = 0;
  /**
   * Requests naming hosts that arrived (or whose session was admitted) since the last
   * pass. Their hosts' free capacity did not change, and every older candidate already
   * had its turn at it, so each only needs to try its own hosts.
   */
  /** Host ids of the request being added (reused). */
  const hostIdScratch: number[] = [];
  const fresh: RequestRec[] = [];
  /** fresh[freshHead..] are still to try. */
  let freshHead = 0;
  const capacity = zero();
  const allocated = zero();
  const revokedOutstanding = zero();
  let pendingContainers = 0;
  let sessionsRunning = 0;
  let sessionSeq = 0;
  let grantSeq = 0;
  let requestSeq = 0;
  let poolIdSeq = 0;
  let passEpoch = 0;
  /** Bumped when every session's order key must be recomputed (capacity or config changed). */
  let keyEpoch = 0;
  /** Bumped when the locality waits may change: every session's fairIdleUntil is then stale. */
  let fairIdleEpoch = 0;
  /** Set by placeFromQueue when a scan stops at a request still within its locality wait: when that wait ends. */
  let youthWakeMs = Infinity;
  let dirty = true;
  /**
   * Fair shares must be computed afresh in the next pass whatever the demands: the
   * capacity, the config or the set of groups and pools changed (see computeShares).
   */
  let sharesStale = true;
  let nextWake = Infinity;
  let starvingPools = 0;

  /** Interned shapes by memory → vcores → gpus, up to shapeKeysMax of them. */
  const shapesByKinds = new Map<number, Map<number, Map<number, Shape>>>();
  /** Interned shapes by id (the host index's entry tags): one compact vector each. */
  const shapeById: Resources[] = [];
  const customShape: Shape = { key: '', id: -1 };

  /** A request shape for the no-fit memos and the host index (key '' when it has custom kinds). */
  function shapeOf(r: Resources): Shape {
    for (const k in r.custom) if (r.custom[k] > 0) return customShape;
    let byVcores = shapesByKinds.get(r.memoryMb);
    let byGpus = byVcores?.get(r.vcores);
    const known = byGpus?.get(r.gpus);
    if (known !== undefined) return known;
    const key = `${r.memoryMb}/${r.vcores}/${r.gpus}`;
    if (shapeById.length >= shapeKeysMax) return { key, id: -1 };
    const shape: Shape = { key, id: shapeById.length };
    shapeById.push({ memoryMb: r.memoryMb, vcores: r.vcores, gpus: r.gpus, custom: {} });
    if (!byVcores) shapesByKinds.set(r.memoryMb, (byVcores = new Map()));
    if (!byGpus) byVcores.set(r.vcores, (byGpus = new Map()));
    byGpus.set(r.gpus, shape);
    return shape;
  }

  /** Sessions by slot (the host index's entry owners); slots are reused. */
  const sessionBySlot: (SessionRec | undefined)[] = [];
  const freeSessionSlots: number[] = [];
  /** The order keys of sessions, pools and groups, mirrored flat for the offers scan. */
  const order = new FairOrder();
  const poolSlots = new Slots();
  const groupSlots = new Slots();
  /** The groups, kept sorted by groupsInOrder (for the offers stage's bucket scans). */
  const groupOrder: GroupRec[] = [];

  /** Reciprocals of the cluster capacity per kind (0 = kind absent), for a fast DRF share. */
  const capInv = { memoryMb: 0, vcores: 0, gpus: 0, custom: [] as [string, number][] };

  function refreshCapacity(): void {
    keyEpoch++; // dominant shares change with the capacity
    sharesStale = true;
    capInv.memoryMb = capacity.memoryMb > 0 ? 1 / capacity.memoryMb : 0;
    capInv.vcores = capacity.vcores > 0 ? 1 / capacity.vcores : 0;
    capInv.gpus = capacity.gpus > 0 ? 1 / capacity.gpus : 0;
    capInv.custom = Object.entries(capacity.custom).filter(([, v]) => v > 0).map(([k, v]) => [k, 1 / v]);
    dirty = true;
  }

  /** The dominant share of `r` in the cluster (same as dominantShare(r, capacity), faster). */
  function dom(r: Resources): number {
    let s = r.memoryMb * capInv.memoryMb;
    const v = r.vcores * capInv.vcores;
    if (v > s) s = v;
    const g = r.gpus * capInv.gpus;
    if (g > s) s = g;
    for (let i = 0; i < capInv.custom.length; i++) {
      const c = (r.custom[capInv.custom[i][0]] ?? 0) * capInv.custom[i][1];
      if (c > s) s = c;
    }
    return s;
  }

  // ---- pools and groups -------------------------------------------------------------

  function groupSettings(name: string): { cfg: ShareSettings; configured: boolean } {
    const g: GroupConfig | undefined = config.groups[name];
    return g ? { cfg: g, configured: true } : { cfg: config.groupDefaults, configured: false };
  }

  function poolSettings(group: string, pool: string): { cfg: PoolConfig; configured: boolean } {
    const p = config.groups[group]?.pools[pool];
    return p ? { cfg: p, configured: true } : { cfg: config.poolDefaults, configured: false };
  }

  function groupFor(name: string): GroupRec {
    let g = groups.get(name);
    if (!g) {
      const gg: GroupRec = {
        id: poolIdSeq++, slot: groupSlots.take(), name, cfg: groupSettings(name).cfg, pools: new Map(), running: 0, allocated: zero(), pending: zero(), fairShare: zero(), shareDemand: zero(), key: 0, minDom: 0,
        heapSlot: -1, poolHeap: new IndexedHeap<PoolRec>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id)),
      };
      groups.set(name, gg);
      groupOrder.push(gg);
      sharesStale = true;
      order.addGroup(gg.slot, gg.id);
      g = gg;
    }
    return g;
  }

  function poolFor(fullName: string): PoolRec {
    const dot = fullName.indexOf('.');
    const g = groupFor(fullName.slice(0, dot));
    const short = fullName.slice(dot + 1);
    let p = g.pools.get(short);
    if (!p) {
      const ps = poolSettings(g.name, short);
      const pp: PoolRec = {
        id: poolIdSeq++, slot: poolSlots.take(), name: fullName, short, group: g, cfg: ps.cfg, configured: ps.configured, sessions: new Set(), waiting: [], running: 0, activeSessions: 0, fairHeapPass: -1,
        allocated: zero(), driverAllocated: zero(), revoking: zero(), pending: zero(), fairShare: zero(), shareDemand: zero(), key: 0, minDom: 0, fairDom: 0, ...emptyGrantList<GrantRec>(), overFair: false, heapSlot: -1,
        sessionHeap: new IndexedHeap<SessionRec>(sessionLess),
        minStarvedSinceMs: null, fairStarvedSinceMs: null, sampleRequest: null,
      };
      g.pools.set(short, pp);
      order.addPool(pp.slot, g.slot, pp.id);
      sharesStale = true;
      p = pp;
    }
    return p;
  }

  /** Sessions inside a pool: smaller key first, then older first. */
  function sessionLess(a: SessionRec, b: SessionRec): boolean {
    return a.key < b.key || (a.key === b.key && a.seq < b.seq);
  }

  /** fifo: arrival; priority: highest priority, then earliest deadline; fair: DRF share. */
  function sessionKeyOf(s: SessionRec): number {
    switch (s.pool.cfg.order) {
      case 'fifo':
        return s.seq;
      case 'priority': {
        const deadline = s.s.deadlineMs > 0 ? Math.min(s.s.deadlineMs, noDeadlineKey) : noDeadlineKey;
        return (priorityRank.VERY_HIGH - priorityRank[s.s.priority]) * noDeadlineKey * 2 + deadline;
      }
      case 'fair':
        return dom(s.allocated);
    }
  }

  /** Order key among siblings: below min share first (by how far below), then weighted DRF share. */
  function shareKey(alloc: Resources, minDom: number, weight: number): number {
    const a = dom(alloc);
    if (a < minDom - epsilon) return a / minDom - 2;
    return a / weight;
  }

  /** Order keys after p's allocation changed (min/fair dominant shares are cached per pass). */
  function refreshKeys(p: PoolRec): void {
    p.key = shareKey(p.allocated, p.minDom, p.cfg.weight);
    p.group.key = shareKey(p.group.allocated, p.group.minDom, p.group.cfg.weight);
    p.overFair = dom(p.allocated) >= p.fairDom - epsilon;
    order.setPoolKey(p.slot, p.key, p.overFair);
    order.setGroupKey(p.group.slot, p.group.key);
  }

  /** s.key from its inputs (its allocation, its pool's order, the cluster's capacity); kept fresh on every change. */
  function refreshSessionKey(s: SessionRec): void {
    s.key = sessionKeyOf(s);
    s.keyEpoch = keyEpoch;
    order.setSessionKey(s.slot, s.key);
  }

  /** Pools with no sessions that the config does not name are forgotten. */
  function maybeDropPool(p: PoolRec): void {
    if (p.configured || p.sessions.size > 0) return;
    p.group.pools.delete(p.short);
    order.removePool(p.slot);
    poolSlots.give(p.slot);
    sharesStale = true;
    if (p.group.pools.size === 0 && !groupSettings(p.group.name).configured) {
      groups.delete(p.group.name);
      groupOrder.splice(groupOrder.indexOf(p.group), 1);
      groupSlots.give(p.group.slot);
    }
  }

  function resolvePoolName(s: SchedulerSession): string | null {
    const raw = s.pool.trim();
    const full = raw === '' ? `${defaultGroupName}.${s.user}` : raw.includes('.') ? raw : `${defaultGroupName}.${raw}`;
    const dot = full.indexOf('.');
    const g = full.slice(0, dot);
    const p = full.slice(dot + 1);
    return namePartPattern.test(g) && namePartPattern.test(p) ? full : null;
  }

  // ---- admission ----------------------------------------------------------------------

  function hasRunningSlot(p: PoolRec): boolean {
    const pm = p.cfg.maxRunningSessions;
    const gm = p.group.cfg.maxRunningSessions;
    return (pm === null || p.running < pm) && (gm === null || p.group.running < gm);
  }

  function admit(s: SessionRec): void {
    s.state = 'running';
    order.setRunning(s.slot, true);
    s.pool.running++;
    s.pool.group.running++;
    sessionsRunning++;
    addInto(s.pool.pending, s.pendingRes);
    addInto(s.pool.group.pending, s.pendingRes);
    if (s.pending > 0) activate(s);
    const hosted = s.requests.values().filter((r) => r.hostCount > 0);
    for (const r of hosted.sort((a, b) => a.arrival - b.arrival)) fresh.push(r);
  }

  /** Admits waiting sessions, oldest first, wherever a slot is free. */
  function admitWaiting(): void {
    for (const g of groups.values()) {
      for (;;) {
        let best: PoolRec | undefined;
        for (const p of g.pools.values()) if (p.waiting.length > 0 && hasRunningSlot(p) && (!best || p.waiting[0].seq < best.waiting[0].seq)) best = p;
        if (!best) break;
        admit(best.waiting.shift()!);
      }
    }
  }

  // ---- nodes --------------------------------------------------------------------------

  function indexNode(n: NodeRec): void {
    if (n.state !== 'alive') fitIndex.markUnavailable(n.slot);
    else fitIndex.set(n.slot, n.freeMem, n.freeVc, n.freeGpu);
  }


  function addShape(r: Resources, name: string, delta: number): void {
    const k = capacityShapeKey(r);
    const sh = shapes.get(k);
    if (sh) {
      sh.count += delta;
      if (sh.count === 0) shapes.delete(k);
    } else if (delta > 0) shapes.set(k, { capacity: clone(r), count: delta, example: name });
  }

  // ---- requests -----------------------------------------------------------------------

  function retireRequest(r: RequestRec): void {
    if (!r.live) return;
    r.live = false;
    const s = r.session;
    s.liveRequests--;
    // Requests finish out of order (node-local grants): drop dead entries once they dominate.
    if (s.queued > s.liveRequests + (s.liveRequests >> 1) + queueSlackEntries) compactRequests(s);
    if (r.hostCount > 0) {
      hostIndex.remove(r.hostSlot, r.hostCount);
      for (let i = 0; i < r.hostCount; i++) hostIndex.unref(hostIdOf(r, i));
    }
  }

  /** Drops done requests from the session's queues and its table of ids. */
  function compactRequests(s: SessionRec): void {
    const live = liveScratch;
    let n = 0;
    for (const q of s.shapeQueues) {
      q.hosted.compact();
      q.plain.compact();
      n = q.hosted.copyTo(live, n);
      n = q.plain.copyTo(live, n);
    }
    s.queued = n;
    s.requests.rebuild(live, n);
    live.fill(undefined, 0, n); // the scratch array lets go of the records
  }

  /** The live requests of the session being compacted (reused). */
  const liveScratch: (RequestRec | undefined)[] = [];

  /** `count` more (negative: fewer) pending containers of `res` (shape key `shapeKey`) in the totals of session `s`, its pool and group. */
  function addPending(s: SessionRec, res: Resources, shapeKey: string, count: number): void {
    addTimes(s.pendingRes, res, count);
    if (s.state === 'running') {
      addTimes(s.pool.pending, res, count);
      addTimes(s.pool.group.pending, res, count);
    }
    countPendingShape(res, shapeKey, count);
  }

  /** Takes `count` pending containers of `r` off the books (granted or cancelled). */
  function consumePending(r: RequestRec, count: number): void {
    const s = r.session;
    r.remaining -= count;
    s.pending -= count;
    pendingContainers -= count;
    addPending(s, r.res, r.shapeKey, -count);
    if (r.remaining === 0) retireRequest(r);
    if (s.pending === 0) deactivate(s);
  }

  function activate(s: SessionRec): void {
    if (active.has(s)) return;
    active.add(s);
    s.pool.activeSessions++;
  }

  function deactivate(s: SessionRec): void {
    if (active.delete(s)) s.pool.activeSessions--;
  }

  /**
   * What is wrong with a request (its id aside), or null. `checked`: a resources vector
   * (object) already found fine for this pool in this call: requests of a batch often
   * share one, and then only their counts need a look.
   */
  function requestProblem(r: SchedulerRequest, p: PoolRec, checked: Resources | null): Verdict | null {
    if (!Number.isInteger(r.count) || r.count < 1 || r.count > requestCountMax) {
      return { ok: false, code: 'invalid', reason: `request ${r.requestId}: count must be a whole number in 1..${requestCountMax}, got ${r.count}` };
    }
    if (r.resources === checked) return null;
    if (!plainValid(r.resources)) {
      const bad = invalidReason(r.resources, `request ${r.requestId} resources`);
      if (bad !== null) return { ok: false, code: 'invalid', reason: bad };
    }
    if (isZero(r.resources)) return { ok: false, code: 'invalid', reason: `request ${r.requestId} asks for no resources at all` };
    const why = unsatisfiableReason(r, p);
    return why === null ? null : { ok: false, code: 'unsatisfiable', reason: why };
  }

  function unsatisfiableReason(r: SchedulerRequest, p: PoolRec): string | null {
    if (p.cfg.maxShare && !fits(r.resources, p.cfg.maxShare)) {
      return `request ${r.requestId} wants ${format(r.resources)}, more than the max share of pool ${p.name} (${format(p.cfg.maxShare)})`;
    }
    if (p.group.cfg.maxShare && !fits(r.resources, p.group.cfg.maxShare)) {
      return `request ${r.requestId} wants ${format(r.resources)}, more than the max share of pool group ${p.group.name} (${format(p.group.cfg.maxShare)})`;
    }
    if (shapes.size === 0) return null;
    let largest: { capacity: Resources; example: string } | undefined;
    for (const sh of shapes.values()) {
      if (fits(r.resources, sh.capacity)) return null;
      if (!largest || dom(sh.capacity) > dom(largest.capacity)) largest = sh;
    }
    return `request ${r.requestId} wants ${format(r.resources)} but no node could ever hold it: the largest node (${largest!.example}) has ${format(largest!.capacity)}`;
  }

  /** Pending containers per memory/vcores/gpus shape, for the smallest-request test. */
  const pendingShapes = new Map<string, { key: string; memoryMb: number; vcores: number; gpus: number; count: number }>();
  /** Component-wise minimum over pending shapes, as of the pass start: a node whose free is below it in any kind can hold nothing. */
  const minPending = { memoryMb: 0, vcores: 0, gpus: 0 };

  /** `shapeKey`: the request's interned key ('' = custom kinds: key by the base kinds). */
  function countPendingShape(r: Resources, shapeKey: string, delta: number): void {
    const key = shapeKey !== '' ? shapeKey : `${r.memoryMb}/${r.vcores}/${r.gpus}`;
    const sh = pendingShapes.get(key);
    if (sh) {
      sh.count += delta;
      if (sh.count <= 0) pendingShapes.delete(key);
    } else if (delta > 0) pendingShapes.set(key, { key, memoryMb: r.memoryMb, vcores: r.vcores, gpus: r.gpus, count: delta });
  }

  function computeMinPending(): void {
    minPending.memoryMb = Infinity;
    minPending.vcores = Infinity;
    minPending.gpus = Infinity;
    for (const sh of pendingShapes.values()) {
      minPending.memoryMb = Math.min(minPending.memoryMb, sh.memoryMb);
      minPending.vcores = Math.min(minPending.vcores, sh.vcores);
      minPending.gpus = Math.min(minPending.gpus, sh.gpus);
    }
  }

  /** (An alive node: the fit index mirrors its free memory/vcores/gpus.) */
  function mayHoldAnything(n: NodeRec): boolean {
    return fitIndex.holds(n.slot, minPending.memoryMb, minPending.vcores, minPending.gpus);
  }

  // ---- grants -------------------------------------------------------------------------

  /** Books `res` × k on node `n` (k = 1: a grant; -1: a release). */
  function bookOnNode(n: NodeRec, res: Resources, plain: boolean, k: number): void {
    n.freeMem -= res.memoryMb * k;
    n.freeVc -= res.vcores * k;
    n.freeGpu -= res.gpus * k;
    n.allocMem += res.memoryMb * k;
    n.allocVc += res.vcores * k;
    n.allocGpu += res.gpus * k;
    if (!plain) {
      for (const c in res.custom) {
        n.freeCustom[c] = (n.freeCustom[c] ?? 0) - res.custom[c] * k;
        n.allocCustom[c] = (n.allocCustom[c] ?? 0) + res.custom[c] * k;
      }
    }
  }

  /** The node's free room as a new vector. */
  function nodeFree(n: NodeRec): Resources {
    return { memoryMb: n.freeMem, vcores: n.freeVc, gpus: n.freeGpu, custom: { ...n.freeCustom } };
  }

  /** small <= free room of `n` + add (add may be null) in every component, without allocating. */
  function fitsOnNodeAfterAdding(small: Resources, n: NodeRec, add: Resources | null): boolean {
    if (add === null) {
      if (small.memoryMb > n.freeMem || small.vcores > n.freeVc || small.gpus > n.freeGpu) return false;
      for (const k in small.custom) if (small.custom[k] > (n.freeCustom[k] ?? 0)) return false;
      return true;
    }
    if (small.memoryMb > n.freeMem + add.memoryMb || small.vcores > n.freeVc + add.vcores || small.gpus > n.freeGpu + add.gpus) return false;
    for (const k in small.custom) if (small.custom[k] > (n.freeCustom[k] ?? 0) + (add.custom[k] ?? 0)) return false;
    return true;
  }

  /** Pool/group max shares and the pool's driver share allow session `s` one more container of `res`. */
  function admissible(s: SessionRec, res: Resources, driver: boolean): boolean {
    const p = s.pool;
    if (p.cfg.maxShare && !fitsSum(p.allocated, res, p.cfg.maxShare)) return false;
    if (p.group.cfg.maxShare && !fitsSum(p.group.allocated, res, p.group.cfg.maxShare)) return false;
    if (driver && !isZero(p.driverAllocated)) {
      const limit = p.cfg.maxDriverShare * Math.max(dom(p.fairShare), dom(p.cfg.minShare));
      if (dom(p.driverAllocated) + dom(res) > limit + epsilon) return false;
    }
    return true;
  }

  function fitsNode(r: RequestRec, n: NodeRec): boolean {
    const a = r.res;
    // The fit index mirrors every node's free memory/vcores/gpus (none unless alive) in
    // compact arrays: cheaper to read than the node's own record.
    if (!fitIndex.holds(n.slot, a.memoryMb, a.vcores, a.gpus)) return false;
    if (r.shapeKey === '' && !fitsOnNodeAfterAdding(a, n, null)) return false;
    return r.excluded === null || !r.excluded.has(n.name);
  }

  /** The node of host `h` if `r` fits there now. */
  function nodeFitting(r: RequestRec, h: number): NodeRec | undefined {
    const slot = h < slotByHost.length ? slotByHost[h] : -1;
    if (slot < 0) return undefined;
    const a = r.res;
    if (!fitIndex.holds(slot, a.memoryMb, a.vcores, a.gpus)) return undefined; // the common case on a busy cluster
    const n = nodeByHost[h]!;
    return fitsNode(r, n) ? n : undefined;
  }

  function makeGrant(r: RequestRec, n: NodeRec, locality: GrantDecision['locality'], plan: SchedulePlan): void {
    const s = r.session;
    const res = r.res;
    const g = attachGrant(s, n, r.id, res, r.driver, locality, r.shapeKey !== '');
    g.id = grants.issue(g);
    consumePending(r, 1);
    plan.grants.push({ grantId: g.id, sessionId: s.id, requestId: r.id, node: n.name, resources: res, driver: r.driver, locality });
  }

  /** Books a grant on its node, session, pool, group and the cluster totals (the caller files its id). */
  function attachGrant(s: SessionRec, n: NodeRec, requestId: string, res: Resources, driver: boolean, locality: GrantDecision['locality'], plain: boolean): GrantRec {
    const g: GrantRec = { id: '', requestId, res, locality, session: s, node: n, seq: grantSeq++, revoked: false, live: true, plain, driver };
    s.grantsLive++;
    pushGrant(n, g);
    if (!driver) pushGrant(s.pool, g);
    else s.driverGrants.push(g);
    bookOnNode(n, res, plain, 1);
    indexNode(n);
    addRes(s.allocated, res, plain, 1);
    addRes(s.pool.allocated, res, plain, 1);
    addRes(s.pool.group.allocated, res, plain, 1);
    if (driver) addInto(s.pool.driverAllocated, res);
    addRes(allocated, res, plain, 1);
    refreshKeys(s.pool);
    refreshSessionKey(s);
    return g;
  }

  function dropGrant(g: GrantRec): void {
    const res = g.res;
    const s = g.session;
    const n = g.node;
    const plain = g.plain;
    grants.delete(g.id, g);
    g.live = false;
    // The grant stays in its node's and pool's lists until released ones are the
    // majority there: taking it out at once would cost a chain of cache misses.
    if (!g.driver) noteGrantGone(s.pool, grantLogSweepMin, 0);
    else s.driverGrants.splice(s.driverGrants.indexOf(g), 1);
    s.grantsLive--;
    noteGrantGone(n, 0, grantListSlack);
    addRes(s.allocated, res, plain, -1);
    addRes(s.pool.allocated, res, plain, -1);
    addRes(s.pool.group.allocated, res, plain, -1);
    if (g.driver) subtractInto(s.pool.driverAllocated, res);
    if (g.revoked) {
      subtractInto(s.pool.revoking, res);
      subtractInto(revokedOutstanding, res);
    }
    addRes(allocated, res, plain, -1);
    bookOnNode(n, res, plain, -1);
    refreshSessionKey(s);
    if (nodeByHost[n.hostId] === n) {
      indexNode(n);
      if (n.state === 'alive') offer(n);
    }
    dirty = true;
  }

  // ---- placement ----------------------------------------------------------------------

  function tryRack(r: RequestRec, rack: RackRec | undefined): NodeRec | undefined {
    if (!rack) return undefined;
    const memo = r.shapeKey !== '' && r.excluded === null;
    if (memo) {
      if (rack.noFitEpoch !== passEpoch) {
        rack.noFitEpoch = passEpoch;
        rack.noFit.clear();
      } else if (rack.noFit.has(r.shapeKey)) return undefined;
    }
    const a = r.res;
    const slots = rack.slots;
    for (let i = 0; i < slots.length; i++) {
      if (!fitIndex.holds(slots[i], a.memoryMb, a.vcores, a.gpus)) continue; // most nodes of a busy rack: no record read
      const n = rack.nodes[i];
      if (fitsNode(r, n)) return n;
    }
    if (memo) rack.noFit.add(r.shapeKey);
    return undefined;
  }

  function tryRacks(r: RequestRec): NodeRec | undefined {
    for (const name of r.racks) {
      const n = tryRack(r, racks.get(name));
      if (n) return n;
    }
    if (r.relaxLocality) {
      for (let i = 0; i < r.hostCount; i++) {
        const n = tryRack(r, nodeByHost[hostIdOf(r, i)]?.rack);
        if (n) return n;
      }
    }
    return undefined;
  }

  function tryAny(r: RequestRec): NodeRec | undefined {
    const res = r.res;
    const slot = fitIndex.find(res.memoryMb, res.vcores, res.gpus, (sl) => fitsNode(r, slotNodes[sl]!));
    return slot >= 0 ? slotNodes[slot] : undefined;
  }

  /** Shapes (memory/vcores/gpus) that no node could hold at some point in this pass. */
  const noFitShapes = new Set<string>();

  /** nothingFits() has been true in this pass (then it stays true). */
  let nothingFitsNow = false;
  /** grantSeq and the sizes of noFitShapes and pendingShapes when nothingFits last said false: the answer stands while they do. */
  const fitsSeen = { grantSeq: -1, noFit: -1, pending: -1 };

  /**
   * No node can hold any pending request for the rest of this pass: every pending shape
   * is in noFitShapes (a request with custom kinds is counted by its memory/vcores/gpus,
   * which it needs at least). A shape no scan has tried yet is put there when the fit
   * index shows that no node has room for it. Free room only shrinks within a pass, so
   * once true it stays true; a scan may stop there, as every later request would be
   * skipped anyway.
   */
  function nothingFits(): boolean {
    if (nothingFitsNow) return true;
    const seen = fitsSeen;
    if (seen.grantSeq === grantSeq && seen.noFit === noFitShapes.size && seen.pending === pendingShapes.size) return false;
    for (const sh of pendingShapes.values()) {
      if (noFitShapes.has(sh.key)) continue;
      if (fitIndex.mayHold(sh.memoryMb, sh.vcores, sh.gpus)) {
        seen.grantSeq = grantSeq;
        seen.noFit = noFitShapes.size;
        seen.pending = pendingShapes.size;
        return false;
      }
      noFitShapes.add(sh.key);
    }
    return (nothingFitsNow = true);
  }


  function wakeAt(t: number): void {
    if (t < nextWake) nextWake = t;
  }

  /**
   * Places one container of `r` at the widest locality level its wait allows, or
   * returns false (and notes when a wider level opens). `patient` = locality waits apply.
   */
  function placeRequest(r: RequestRec, now: number, patient: boolean, plan: SchedulePlan): boolean {
    for (let i = 0; i < r.hostCount; i++) {
      const n = nodeFitting(r, hostIdOf(r, i));
      if (n) {
        makeGrant(r, n, 'node', plan);
        return true;
      }
    }
    const hasHosts = r.namesHosts;
    const rackOpensMs = hasHosts && patient ? r.sinceMs + config.nodeLocalityWaitMs : -Infinity;
    const anyOpensMs = !patient ? -Infinity : (hasHosts ? rackOpensMs : r.sinceMs) + (hasHosts || r.racks.length > 0 ? config.rackLocalityWaitMs : 0);
    if (r.racks.length > 0 || (hasHosts && r.relaxLocality)) {
      if (now >= rackOpensMs) {
        const n = tryRacks(r);
        if (n) {
          makeGrant(r, n, 'rack', plan);
          return true;
        }
      } else wakeAt(rackOpensMs);
    }
    const strictlyNamed = !r.relaxLocality && (hasHosts || r.racks.length > 0);
    if (!strictlyNamed) {
      if (now >= anyOpensMs) {
        const n = tryAny(r);
        // Exclusions narrow the search, so only an unrestricted miss proves the shape fits nowhere.
        if (!n && r.excluded === null && r.shapeKey !== '') noFitShapes.add(r.shapeKey);
        if (n) {
          makeGrant(r, n, 'any', plan);
          return true;
        }
      } else wakeAt(anyOpensMs);
    }
    return false;
  }

  /**
   * One container for session `s`: its oldest placeable request. False = nothing more
   * for it this pass. Requests naming hosts whose rack level has not opened yet are
   * left to the offers stage (node-local only), so a patient scan stops at the first.
   */
  function placeForSession(s: SessionRec, now: number, patient: boolean, plan: SchedulePlan): boolean {
    if (s.passEpoch !== passEpoch) {
      s.passEpoch = passEpoch;
      s.scanned = 0;
    }
    const queues = s.shapeQueues;
    // A patient visit that tries no request (every queue stops at one still within its
    // locality wait) proves nothing can be placed before the earliest wait ends.
    let waitsOnly = patient && s.scanned === 0;
    let idleUntil = Infinity;
    for (let i = 0; i < queues.length; i++) {
      const q = queues[i];
      const key = q.key;
      if (s.scanned >= requestScanMax) return false;
      if (key !== '' && noFitShapes.has(key)) {
        waitsOnly = false;
        continue;
      }
      youthWakeMs = Infinity;
      const placed = placeFromQueue(s, q.plain, false, now, patient, plan) || placeFromQueue(s, q.hosted, true, now, patient, plan);
      if (placed) return true;
      if (s.scanned > 0) waitsOnly = false;
      else if (youthWakeMs < idleUntil) idleUntil = youthWakeMs;
      if (q.plain.current(passEpoch) === undefined && q.hosted.current(passEpoch) === undefined && q.plain.isEmpty() && q.hosted.isEmpty()) {
        s.queues.delete(key);
        queues.splice(i--, 1);
        s.soleShape = queues.length === 1 ? queues[0].key : null;
      }
    }
    if (waitsOnly) {
      s.fairIdleUntil = idleUntil;
      s.fairIdleEpoch = fairIdleEpoch;
    }
    return false;
  }

  /** New requests of `s` (any naming no host: placeable by the fair stage at once) end its idle time no later than their own waits. */
  function noteFairWork(s: SessionRec, now: number, anyUnhosted: boolean): void {
    s.fairIdleUntil = anyUnhosted ? 0 : Math.min(s.fairIdleUntil, now + config.nodeLocalityWaitMs);
  }

  function placeFromQueue(s: SessionRec, q: RequestQueue<RequestRec>, hosted: boolean, now: number, patient: boolean, plan: SchedulePlan): boolean {
    for (let r = q.current(passEpoch); r && s.scanned < requestScanMax; r = q.current(passEpoch)) {
      if (hosted) {
        if (!r.relaxLocality && r.racks.length === 0) {
          q.advance(); // node-local only: the offers stage places these
          continue;
        }
        if (patient && now < r.sinceMs + config.nodeLocalityWaitMs) {
          youthWakeMs = r.sinceMs + config.nodeLocalityWaitMs;
          wakeAt(youthWakeMs);
          return false; // younger requests of this queue wait longer still
        }
      }
      const allowed = admissible(s, r.res, r.driver);
      if (allowed && placeRequest(r, now, patient, plan)) return true;
      s.scanned++;
      q.advance();
      // Max shares only tighten within a pass, and they depend on the shape alone.
      if (!allowed && !r.driver) return false;
      if (r.shapeKey !== '' && noFitShapes.has(r.shapeKey)) return false;
    }
    return false;
  }

  // ---- the pass -----------------------------------------------------------------------

  /**
   * Fair shares of groups (over the cluster) and pools (over their group), then the
   * order keys. The shares depend only on the capacity, the config and every group's
   * and pool's demand (allocated + pending); a grant moves a container from pending to
   * allocated, so the passes that follow a pass cut short by grantsPerPassMax usually
   * see the same demands: then the shares of the last computation stand.
   */
  function computeShares(): void {
    if (sharesStale || demandsChanged()) {
      sharesStale = false;
      const gs = [...groups.values()];
      for (const g of gs) g.shareDemand = add2(g.allocated, g.pending);
      const gShares = computeFairShares(capacity, gs.map((g) => ({ weight: g.cfg.weight, minShare: g.cfg.minShare, maxShare: g.cfg.maxShare, demand: g.shareDemand })));
      gs.forEach((g, i) => {
        g.fairShare = gShares[i];
        const ps = [...g.pools.values()];
        for (const p of ps) p.shareDemand = add2(p.allocated, p.pending);
        const pShares = computeFairShares(g.fairShare, ps.map((p) => ({ weight: p.cfg.weight, minShare: p.cfg.minShare, maxShare: p.cfg.maxShare, demand: p.shareDemand })));
        ps.forEach((p, j) => {
          p.fairShare = pShares[j];
        });
      });
    }
    for (const g of groups.values()) {
      g.minDom = dom(g.cfg.minShare);
      for (const p of g.pools.values()) {
        p.minDom = dom(p.cfg.minShare);
        p.fairDom = dom(p.fairShare);
        refreshKeys(p);
      }
    }
  }

  /** Some group's or pool's demand is not what its fair share was computed from. */
  function demandsChanged(): boolean {
    for (const g of groups.values()) {
      if (!isSum(g.shareDemand, g.allocated, g.pending)) return true;
      for (const p of g.pools.values()) if (!isSum(p.shareDemand, p.allocated, p.pending)) return true;
    }
    return false;
  }

  function add2(a: Resources, b: Resources): Resources {
    const out = clone(a);
    addInto(out, b);
    return out;
  }

  /** The heaps of the pools below their min share, with their sessions that have pending requests (for the needy stage). */
  function buildNeedyHeaps(): void {
    for (const g of groups.values()) {
      for (const p of g.pools.values()) {
        p.sessionHeap.clear();
        if (p.key >= 0 || p.activeSessions === 0) continue;
        for (const s of p.sessions) {
          if (!active.has(s)) continue;
          if (s.keyEpoch !== keyEpoch) refreshSessionKey(s);
          p.sessionHeap.append(s);
        }
        p.sessionHeap.heapify();
      }
    }
  }

  /**
   * Pool `p`'s heap for the fair stage (filled when the stage first reaches the pool:
   * most passes stop long before reaching most pools), with its sessions that have
   * pending requests. Left out, as their visits would place nothing: a session the fair
   * stage found idle until later (see placeForSession), and one whose only shape no node
   * can hold (see proveNoFits). Heaps pop in (key, seq) order, however they were built.
   */
  function fillFairHeap(p: PoolRec, now: number): void {
    p.fairHeapPass = passEpoch;
    p.sessionHeap.clear();
    for (const s of p.sessions) {
      if (!active.has(s)) continue;
      if (s.keyEpoch !== keyEpoch) refreshSessionKey(s);
      if (s.fairIdleUntil > now && s.fairIdleEpoch === fairIdleEpoch) {
        wakeAt(s.fairIdleUntil);
        continue;
      }
      if (s.soleShape !== null && noFitShapes.has(s.soleShape)) continue;
      p.sessionHeap.append(s);
    }
    p.sessionHeap.heapify();
  }

  /** Nodes a search for room for one shape may look at before it gives up (see proveNoFits). */
  const noFitSearchBudget = 64;

  /** Puts in noFitShapes the pending shapes that, as a short search of the fit index shows, no node can hold now. */
  function proveNoFits(): void {
    for (const sh of pendingShapes.values()) {
      if (!noFitShapes.has(sh.key) && fitIndex.anyHolds(sh.memoryMb, sh.vcores, sh.gpus, noFitSearchBudget) === 0) noFitShapes.add(sh.key);
    }
  }

  /** Stage 3: pools below min share, lowest ratio first, place without locality waits. */
  function serveNeedy(now: number, plan: SchedulePlan): void {
    const heap = new IndexedHeap<PoolRec>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id));
    for (const g of groups.values()) for (const p of g.pools.values()) if (p.key < 0 && p.sessionHeap.size > 0) heap.push(p);
    for (let p = heap.peek(); p && plan.grants.length < grantsPerPassMax; p = heap.peek()) {
      const s = p.sessionHeap.peek();
      if (!s) {
        heap.remove(p);
        continue;
      }
      if (placeForSession(s, now, false, plan)) {
        if (s.pending > 0) p.sessionHeap.update(s);
        else p.sessionHeap.remove(s);
      } else p.sessionHeap.remove(s);
      if (p.key >= 0) heap.remove(p);
      else heap.update(p);
    }
    heap.clear();
  }

  /**
   * The request naming `n`'s host that fits there now, of the most deserving session
   * (its oldest such request). Plain requests (tag = shape id) are judged from the
   * index entry alone; only the winner's record is read. Dead entries that would have
   * won are dropped; the rest go in the index's sweeps.
   */
  function bestOfferFor(n: NodeRec): RequestRec | undefined {
    // The host's entries are bucketed by pool group, and the group comes first in the
    // fair order: buckets are taken in group order and the first that yields a
    // candidate holds the winner.
    const inOrder = groupsInOrder();
    // While a pool starves, pools at their fair share get nothing here: nor does a
    // group of such pools only (its bucket is not read).
    const starving = starvingPools > 0;
    for (let i = 0; i < inOrder.length; i++) {
      const slot = inOrder[i].slot;
      if (starving && order.allPoolsOverFair(slot)) continue;
      const r = bestOfferInBucket(n, slot);
      if (r !== undefined) return r;
    }
    offerEntry.at = -1;
    return undefined;
  }

  /** Groups by their order key (then id), for bucket scans: a few, sorted in place each time (keys change with every grant). */
  function groupsInOrder(): GroupRec[] {
    const a = groupOrder;
    for (let i = 1; i < a.length; i++) {
      const x = a[i];
      let j = i - 1;
      for (; j >= 0 && (x.key < a[j].key || (x.key === a[j].key && x.id < a[j].id)); j--) a[j + 1] = a[j];
      a[j + 1] = x;
    }
    return a;
  }

  /**
   * The request naming `n`'s host in group bucket `bucket` that fits there now, of the
   * most deserving session (its oldest such request). Plain requests (tag = shape id)
   * are judged from the index entry alone; only the winner's record is read. Dead
   * entries that would have won are dropped; the rest go in the index's sweeps.
   */
  function bestOfferInBucket(n: NodeRec, bucket: number): RequestRec | undefined {
    const h = n.hostId;
    const used = hostIndex.entriesUsed(h, bucket);
    if (used === 0) return undefined;
    const list = hostIndex.entryPool();
    const start = hostIndex.entriesStart(h, bucket);
    let end = start + used;
    // The node is alive: the fit index mirrors its free room (compact arrays, not the node's record).
    const freeMem = fitIndex.memoryAt(n.slot);
    const freeVc = fitIndex.vcoresAt(n.slot);
    const freeGpu = fitIndex.gpusAt(n.slot);
    const starving = starvingPools > 0;
    let bestOwner = -1;
    let bestSlot = -1;
    let bestStamp = 0;
    let bestAt = -1;
    for (let at = start; at < end; ) {
      const e = at;
      at += ENTRY_SIZE;
      const tag = list[e + ENTRY_TAG];
      const shape = tag >= 0 ? shapeById[tag] : null;
      if (shape !== null && (shape.memoryMb > freeMem || shape.vcores > freeVc || shape.gpus > freeGpu)) continue;
      // Owners are ranked from the flat fair order. A dead entry's owner may be gone or
      // another session: liveness is checked (a random read) only for an entry that would win.
      const owner = list[e + ENTRY_OWNER];
      if (!order.isRunning(owner)) continue;
      const stamp = list[e + ENTRY_STAMP];
      if (bestOwner >= 0 && (owner === bestOwner ? stamp > bestStamp : !order.beatsLeader(owner))) continue;
      if (starving && order.poolIsOverFair(owner)) continue;
      if (!hostIndex.isLive(list, e)) {
        hostIndex.dropAt(h, e - start, bucket); // the last entry moves here: look at it next
        end -= ENTRY_SIZE;
        if (bestAt === end) bestAt = e;
        at = e;
        continue;
      }
      const s = sessionBySlot[owner]!;
      if (shape !== null) {
        if (!admissible(s, shape, false)) continue;
      } else {
        const r = hostIndex.item(list[e + ENTRY_SLOT]);
        if (!fitsNode(r, n) || !admissible(s, r.res, r.driver)) continue;
      }
      if (owner !== bestOwner) order.setLeader(owner);
      bestOwner = owner;
      bestSlot = list[e + ENTRY_SLOT];
      bestStamp = stamp;
      bestAt = e;
    }
    if (bestSlot < 0) return undefined;
    offerEntry.at = bestAt - start;
    offerEntry.bucket = bucket;
    offerEntry.slot = bestSlot;
    offerEntry.stamp = bestStamp;
    return hostIndex.item(bestSlot);
  }

  /** Where bestOfferFor found its winner: the entry to drop once the request is done. */
  const offerEntry = { at: -1, bucket: 0, slot: -1, stamp: 0 };

  /** The winner of the last bestOfferFor on host `h` is done: its entry there goes now (if a sweep has not moved it). */
  function dropOfferEntry(h: number): void {
    const { at, bucket } = offerEntry;
    const list = hostIndex.entryPool();
    const e = hostIndex.entriesStart(h, bucket) + at;
    if (at >= 0 && at < hostIndex.entriesUsed(h, bucket) && list[e + ENTRY_SLOT] === offerEntry.slot && list[e + ENTRY_STAMP] === offerEntry.stamp) hostIndex.dropAt(h, at, bucket);
  }

  /** Stage 4: each offered node goes, node-locally, to the most deserving session that wants it. */
  function serveOffers(plan: SchedulePlan): void {
    for (; offeredHead < offered.length && plan.grants.length < grantsPerPassMax; offeredHead++) {
      const n = offered[offeredHead];
      n.offered = false;
      // A removed node is skipped here (it is no longer its host's node).
      if (n.state !== 'alive' || nodeByHost[n.hostId] !== n) continue;
      while (plan.grants.length < grantsPerPassMax && mayHoldAnything(n)) {
        const best = bestOfferFor(n);
        if (!best) break;
        makeGrant(best, n, 'node', plan);
        if (!best.live) dropOfferEntry(n.hostId); // saves later scans a dead entry
      }
    }
  }

  /** Queues `n` for the offers stage (once; in the order nodes come). */
  function offer(n: NodeRec): void {
    if (n.offered) return;
    n.offered = true;
    if (offeredHead === offered.length) {
      offered.length = 0;
      offeredHead = 0;
    }
    offered.push(n);
  }

  /** Stage 4b: new requests try their own hosts (node-local). */
  function serveFresh(plan: SchedulePlan): void {
    let i = freshHead;
    for (; i < fresh.length && plan.grants.length < grantsPerPassMax; i++) {
      const r = fresh[i];
      const s = r.session;
      if (!r.live || s.state !== 'running') continue;
      if (starvingPools > 0 && s.pool.overFair) continue;
      const a = r.res;
      if (!fitIndex.mayHold(a.memoryMb, a.vcores, a.gpus)) continue; // no node has room for it (the fit index's root)
      for (let k = 0; k < r.hostCount; k++) {
        const h = hostIdOf(r, k);
        for (let n = nodeFitting(r, h); n && r.live && admissible(s, r.res, r.driver) && plan.grants.length < grantsPerPassMax; n = nodeFitting(r, h)) makeGrant(r, n, 'node', plan);
      }
    }
    freshHead = i;
    if (freshHead === fresh.length) {
      fresh.length = 0;
      freshHead = 0;
    } else if (freshHead >= freshCompactMin && 2 * freshHead > fresh.length) {
      fresh.copyWithin(0, freshHead);
      fresh.length -= freshHead;
      freshHead = 0;
    }
  }

  /** Stage 5: hierarchical fair order, delay scheduling for locality. */
  function serveFair(now: number, plan: SchedulePlan): void {
    proveNoFits();
    const root = new IndexedHeap<GroupRec>((a, b) => a.key < b.key || (a.key === b.key && a.id < b.id));
    for (const g of groups.values()) {
      g.poolHeap.clear();
      for (const p of g.pools.values()) if (p.activeSessions > 0) g.poolHeap.push(p);
      if (g.poolHeap.size > 0) root.push(g);
    }
    for (let g = root.peek(); g && plan.grants.length < grantsPerPassMax && !nothingFits(); g = root.peek()) {
      const p = g.poolHeap.peek();
      if (!p) {
        root.remove(g);
        continue;
      }
      if (p.fairHeapPass !== passEpoch) fillFairHeap(p, now);
      const s = p.sessionHeap.peek();
      if (!s) {
        g.poolHeap.remove(p);
        continue;
      }
      if (placeForSession(s, now, true, plan)) {
        if (s.pending > 0) p.sessionHeap.update(s);
        else p.sessionHeap.remove(s);
        if (p.sessionHeap.size > 0) g.poolHeap.update(p);
        else g.poolHeap.remove(p);
        root.update(g);
      } else {
        p.sessionHeap.remove(s);
        if (p.sessionHeap.size === 0) g.poolHeap.remove(p);
      }
    }
    root.clear();
  }

  /** Stage 6: starvation clocks and revocations. */
  function preempt(now: number, plan: SchedulePlan): void {
    let need = 0;
    let reason = '';
    let reasonNeed = 0;
    /** A request shape of the neediest pool: victims are picked so that it fits where they free room. */
    let forShape: Resources | null = null;
    starvingPools = 0;
    for (const g of groups.values()) {
      for (const p of g.pools.values()) {
        const wanting = p.running > 0 && !isZero(p.pending) && p.sampleRequest !== null;
        const step = wanting ? dom(p.sampleRequest!) : 0;
        const have = dom(p.allocated);
        const minTarget = dom(p.cfg.minShare) > 0 ? Math.min(dom(p.cfg.minShare), dom(p.fairShare)) : 0;
        const fairTarget = dom(p.fairShare);
        const belowMin = wanting && minTarget > 0 && have + step <= minTarget + epsilon;
        const belowFair = wanting && have + step <= fairTarget * config.fairSharePreemptionThreshold + epsilon;
        p.minStarvedSinceMs = belowMin ? (p.minStarvedSinceMs ?? now) : null;
        p.fairStarvedSinceMs = belowFair ? (p.fairStarvedSinceMs ?? now) : null;
        if (belowMin || belowFair) starvingPools++;
        if (!config.preemptionEnabled) continue;
        let want = 0;
        let why = '';
        if (belowMin) {
          if (now - p.minStarvedSinceMs! >= config.minSharePreemptionTimeoutMs) {
            want = minTarget - have;
            why = `pool ${p.name} below its min share for ${now - p.minStarvedSinceMs!} ms`;
          } else wakeAt(p.minStarvedSinceMs! + config.minSharePreemptionTimeoutMs);
        }
        if (belowFair) {
          if (now - p.fairStarvedSinceMs! >= config.fairSharePreemptionTimeoutMs) {
            if (fairTarget - have > want) {
              want = fairTarget - have;
              why = `pool ${p.name} below ${config.fairSharePreemptionThreshold} of its fair share for ${now - p.fairStarvedSinceMs!} ms`;
            }
          } else wakeAt(p.fairStarvedSinceMs! + config.fairSharePreemptionTimeoutMs);
        }
        need += want;
        if (want > reasonNeed) {
          reasonNeed = want;
          reason = why;
          forShape = p.sampleRequest;
        }
      }
    }
    need -= dom(revokedOutstanding);
    if (need <= epsilon) return;
    // Victims: preemptable pools over their fair share (counting grants being revoked as gone).
    const victims: Victim[] = [];
    const victimOf = new Map<PoolRec, Victim>();
    for (const g of groups.values()) {
      if (!g.cfg.preemptable) continue;
      for (const p of g.pools.values()) {
        const over = dom(p.allocated) - dom(p.revoking) - dom(p.fairShare);
        if (p.cfg.preemptable && over > epsilon) {
          const v = { p, next: p.grantsN - 1, over };
          victims.push(v);
          victimOf.set(p, v);
        }
      }
    }
    /** Per node: free room plus what this pass revoked there. */
    const freedOn = new Map<NodeRec, Resources>();
    const revokeReason = `preempted for ${reason}`;
    let revoked = 0;
    const revoke = (g: GrantRec, v: Victim): Resources => {
      let room = freedOn.get(g.node);
      if (!room) freedOn.set(g.node, (room = nodeFree(g.node)));
      addInto(room, g.res);
      g.revoked = true;
      addInto(v.p.revoking, g.res);
      addInto(revokedOutstanding, g.res);
      v.over = dom(v.p.allocated) - dom(v.p.revoking) - dom(v.p.fairShare);
      revoked++;
      plan.revocations.push({ grantId: g.id, sessionId: g.session.s.id, node: g.node.name, reason: revokeReason });
      return room;
    };
    while (need > epsilon && victims.length > 0) {
      if (revoked >= revocationsPerPassMax) {
        dirty = true; // the rest in the next pass
        break;
      }
      let vi = 0;
      for (let i = 1; i < victims.length; i++) if (victims[i].over > victims[vi].over) vi = i;
      const v = victims[vi];
      // Walk the pool's grant log from the youngest end.
      const log = v.p.grants;
      while (v.next >= 0 && (!log[v.next]!.live || log[v.next]!.revoked)) v.next--;
      if (v.next < 0 || v.over <= epsilon) {
        victims.splice(vi, 1);
        continue;
      }
      // Youngest first, but among the youngest few prefer a grant whose node, once it
      // is gone, can hold the starving pool's request: freed room that fits nothing
      // would only call for more revocations.
      let pick = v.next;
      if (forShape !== null) {
        const end = Math.max(0, v.next - preemptPickScanMax + 1);
        for (let k = v.next; k >= end; k--) {
          const c = log[k]!;
          if (!c.live || c.revoked) continue;
          const room = freedOn.get(c.node);
          if (room !== undefined ? fitsAfterAdding(forShape, room, c.res) : fitsOnNodeAfterAdding(forShape, c.node, c.res)) {
            pick = k;
            break;
          }
        }
      }
      const g = log[pick]!;
      const room = revoke(g, v);
      if (forShape === null) {
        need -= dom(g.res);
        continue;
      }
      // Small victims: make room on this node (youngest revocable grants there first)
      // rather than scatter revocations whose freed room fits nothing.
      // (A pool's surplus only shrinks as it loses grants, so one walk youngest first
      // takes the same grants as picking the youngest revocable one again each time.
      // A node's list is in grant order: the walk goes from its end.)
      const onNode = g.node.grants;
      for (let k = g.node.grantsN - 1; k >= 0 && !fits(forShape, room) && revoked < revocationsPerPassMax; k--) {
        const c = onNode[k]!;
        if (!c.live || c.revoked || c.driver) continue;
        const cv = victimOf.get(c.session.pool);
        if (cv && cv.over > epsilon) revoke(c, cv);
      }
      // Count what the freed room can really hold of the starving pool's requests.
      while (need > epsilon && fits(forShape, room)) {
        subtractInto(room, forShape);
        need -= dom(forShape);
      }
    }
  }

  const sched: FairScheduler = {
    setConfig(c: PoolsConfig): void {
      config = c;
      keyEpoch++; // pool orders may change
      fairIdleEpoch++; // locality waits may change
      sharesStale = true; // weights, min and max shares may change
      for (const g of groups.values()) {
        g.cfg = groupSettings(g.name).cfg;
        for (const p of g.pools.values()) {
          const ps = poolSettings(g.name, p.short);
          p.cfg = ps.cfg;
          p.configured = ps.configured;
        }
      }
      for (const [gName, g] of Object.entries(c.groups)) for (const pName of Object.keys(g.pools)) poolFor(`${gName}.${pName}`);
      for (const g of [...groups.values()]) for (const p of [...g.pools.values()]) maybeDropPool(p);
      admitWaiting();
      dirty = true;
    },

    nextWakeMs(): number | null {
      return dirty ? clock.now() : Number.isFinite(nextWake) ? nextWake : null;
    },

    sessionPoolName(id: string): string | undefined {
      return sessions.get(id)?.pool.name;
    },

    canAdminister(user: string, pool: string): boolean {
      const dot = pool.indexOf('.');
      const gName = dot < 0 ? defaultGroupName : pool.slice(0, dot);
      const pName = dot < 0 ? pool : pool.slice(dot + 1);
      return allows(groupSettings(gName).cfg.acl.administer, user) || allows(poolSettings(gName, pName).cfg.acl.administer, user);
    },

    addNode(node: SchedulerNode): void {
      const bad = invalidReason(node.capacity, `node ${node.name} capacity`);
      if (bad !== null) throw new Error(`scheduler.addNode: ${bad}`);
      let n = nodes.get(node.name);
      if (n) {
        subtractInto(capacity, n.capacity);
        addShape(n.capacity, n.name, -1);
        if (n.rack.name !== node.rack) {
          rackRemove(n.rack, n);
          n.rack = rackFor(node.rack);
          rackAdd(n.rack, n);
        }
        n.capacity = clone(node.capacity);
        n.freeMem = n.capacity.memoryMb - n.allocMem;
        n.freeVc = n.capacity.vcores - n.allocVc;
        n.freeGpu = n.capacity.gpus - n.allocGpu;
        n.freeCustom = { ...n.capacity.custom };
        for (const k in n.allocCustom) n.freeCustom[k] = (n.freeCustom[k] ?? 0) - n.allocCustom[k];
      } else {
        const slot = fitIndex.allocate();
        const hostId = hostIndex.ref(node.name);
        const cap = node.capacity;
        // Fields in the order the offers stage and grants read them: fewer cache lines per touch.
        n = {
          offered: false, state: 'alive', hostId, slot, freeMem: cap.memoryMb, freeVc: cap.vcores, freeGpu: cap.gpus, allocMem: 0, allocVc: 0, allocGpu: 0, grants: [], grantsN: 0, grantsDead: 0,
          name: node.name, rack: rackFor(node.rack), capacity: clone(cap), freeCustom: { ...cap.custom }, allocCustom: {},
        };
        rackAdd(n.rack, n);
        nodes.set(node.name, n);
        nodeByHost[hostId] = n;
        if (hostId >= slotByHost.length) {
          const grown = new Int32Array(Math.max(2 * slotByHost.length, hostId + 1)).fill(-1);
          grown.set(slotByHost);
          slotByHost = grown;
        }
        slotByHost[hostId] = slot;
        slotNodes[slot] = n;
      }
      addInto(capacity, n.capacity);
      refreshCapacity();
      addShape(n.capacity, n.name, 1);
      indexNode(n);
      if (n.state === 'alive') offer(n);
      dirty = true;
    },

    setNodeState(name: string, state: NodeState): void {
      const n = nodes.get(name);
      if (!n || n.state === state) return;
      n.state = state;
      indexNode(n);
      if (state === 'alive') offer(n);
      dirty = true;
    },

    removeNode(name: string): GrantDecision[] {
      const n = nodes.get(name);
      if (!n) return [];
      const gone = liveGrants(n);
      for (const g of gone) dropGrant(g);
      const out = gone.map(decisionOf);
      nodes.delete(name);
      rackRemove(n.rack, n);
      if (n.rack.nodes.length === 0) racks.delete(n.rack.name);
      fitIndex.release(n.slot);
      slotNodes[n.slot] = undefined;
      nodeByHost[n.hostId] = undefined;
      slotByHost[n.hostId] = -1;
      hostIndex.unref(n.hostId);
      subtractInto(capacity, n.capacity);
      refreshCapacity();
      addShape(n.capacity, n.name, -1);
      dirty = true;
      return out;
    },

    addSession(session: SchedulerSession): Verdict {
      if (typeof session.id !== 'string' || session.id === '') return { ok: false, code: 'invalid', reason: 'session id is empty' };
      if (sessions.has(session.id)) return { ok: false, code: 'invalid', reason: `session ${session.id} already exists` };
      if (!(session.priority in priorityRank)) return { ok: false, code: 'invalid', reason: `session ${session.id}: unknown priority "${String(session.priority)}"` };
      const poolName = resolvePoolName(session);
      if (poolName === null) return { ok: false, code: 'invalid', reason: `session ${session.id}: bad pool name "${session.pool}" (expected group.pool, letters, digits, "_" and "-")` };
      const dot = poolName.indexOf('.');
      const gName = poolName.slice(0, dot);
      const pName = poolName.slice(dot + 1);
      const gs = groupSettings(gName);
      const ps = poolSettings(gName, pName);
      if (config.configuredPoolsOnly && !ps.configured) return { ok: false, code: 'denied', reason: `pool ${poolName} is not configured and the pools file allows configured pools only` };
      if (!allows(gs.cfg.acl.submit, session.user) || !allows(ps.cfg.acl.submit, session.user)) {
        return { ok: false, code: 'denied', reason: `user ${session.user} may not submit to pool ${poolName}` };
      }
      const pool = poolFor(poolName);
      const s: SessionRec = {
        s: { ...session, pool: poolName }, id: session.id, seq: sessionSeq++, slot: freeSessionSlots.pop() ?? sessionBySlot.length, pool, state: 'waiting', requests: new RequestIds(), liveRequests: 0, queues: new Map(), shapeQueues: [], soleShape: null,
        grantsLive: 0, driverGrants: [], allocated: zero(), pendingRes: zero(), pending: 0, key: 0, keyEpoch: -1, queued: 0, passEpoch: -1, scanned: 0, heapSlot: -1,
        fairIdleUntil: 0, fairIdleEpoch: -1,
      };
      sessions.set(session.id, s);
      sessionBySlot[s.slot] = s;
      order.addSession(s.slot, pool.slot, s.seq);
      pool.sessions.add(s);
      if (hasRunningSlot(pool) && pool.waiting.length === 0) admit(s);
      else pool.waiting.push(s);
      dirty = true;
      return accepted;
    },

    sessionState(id: string): 'running' | 'waiting' | undefined {
      return sessions.get(id)?.state;
    },

    removeSession(id: string): GrantDecision[] {
      const s = sessions.get(id);
      if (!s) return [];
      const gone = sessionLiveGrants(s);
      for (const g of gone) dropGrant(g);
      const out = gone.map(decisionOf);
      for (const r of s.requests.values()) consumePending(r, r.remaining);
      sessions.delete(id);
      sessionBySlot[s.slot] = undefined;
      order.setRunning(s.slot, false);
      freeSessionSlots.push(s.slot);
      s.pool.sessions.delete(s);
      deactivate(s);
      if (s.state === 'running') {
        s.pool.running--;
        s.pool.group.running--;
        sessionsRunning--;
      } else s.pool.waiting.splice(s.pool.waiting.indexOf(s), 1);
      maybeDropPool(s.pool);
      admitWaiting();
      dirty = true;
      return out;
    },

    addRequests(sessionId: string, requests: SchedulerRequest[]): Verdict {
      const s = sessions.get(sessionId);
      if (!s) return { ok: false, code: 'unknown-session', reason: `unknown session ${sessionId}` };
      if (requests.length > requestBatchMax) return { ok: false, code: 'invalid', reason: `${requests.length} requests in one call (at most ${requestBatchMax})` };
      const now = clock.now();
      // Ids first: each request is filed under its id (which finds duplicates, in the
      // session or earlier in the batch) up to the first empty or repeated one; then the
      // other checks, in order, for the requests before it. A bad batch changes nothing.
      const recs = new Array<RequestRec>(requests.length);
      let filed = 0;
      let verdict: Verdict | null = null;
      for (; filed < requests.length; filed++) {
        const spec = requests[filed];
        const id = spec.requestId;
        if (typeof id !== 'string' || id === '') {
          verdict = { ok: false, code: 'invalid', reason: 'a request has an empty requestId' };
          break;
        }
        // Fields in the order the hot paths read them (placement, grant, retirement first): fewer cache lines per touch.
        const r: RequestRec = {
          live: true, session: s, res: spec.resources, shapeKey: '', remaining: spec.count, driver: spec.driver, id, hostCount: 0, host0: -1, host1: -1, host2: -1, hostSlot: -1, excluded: null,
          idHash: 0, hostsMore: null, racks: spec.racks.length > 0 ? spec.racks : noRacks, relaxLocality: spec.relaxLocality, namesHosts: spec.hosts.length > 0, arrival: requestSeq++, sinceMs: now,
        };
        if (!s.requests.insert(r)) {
          verdict = { ok: false, code: 'invalid', reason: `request ${id} already exists in session ${sessionId}` };
          break;
        }
        recs[filed] = r;
      }
      s.liveRequests += filed;
      let checked: Resources | null = null;
      let lastShapeOf: Resources | null = null;
      let lastShape = customShape;
      let lastQueue: ShapeQueues | undefined;
      let anyUnhosted = false;
      // Pending totals are added once per run of requests sharing one resources object.
      let runRes: Resources | null = null;
      let runKey = '';
      let runCount = 0;
      for (let i = 0; i < filed; i++) {
        const r = recs[i];
        const bad = requestProblem(requests[i], s.pool, checked);
        if (bad !== null) {
          verdict = bad;
          break;
        }
        checked = r.res;
      }
      if (verdict !== null) {
        // Undone: the batch's entries die (and go, if dead ones now dominate the table).
        for (let i = 0; i < filed; i++) recs[i].live = false;
        s.liveRequests -= filed;
        if (s.requests.held > 2 * s.liveRequests + queueSlackEntries) s.requests.rebuild(s.requests.values());
        return verdict;
      }
      for (let i = 0; i < filed; i++) {
        const r = recs[i];
        const spec = requests[i];
        const excluded = spec.excludedHosts.length > 0 ? new Set(spec.excludedHosts) : null;
        // Distinct host ids into a scratch array, then into the record's fields.
        let k = 0;
        for (let j = 0; j < spec.hosts.length; j++) {
          const h = spec.hosts[j];
          if (excluded !== null && excluded.has(h)) continue;
          const id = hostIndex.ref(h);
          if (k > 0 && hostIdScratch.lastIndexOf(id, k - 1) >= 0) hostIndex.unref(id);
          else hostIdScratch[k++] = id;
        }
        r.hostCount = k;
        if (k > 0) r.host0 = hostIdScratch[0];
        if (k > 1) r.host1 = hostIdScratch[1];
        if (k > 2) r.host2 = hostIdScratch[2];
        if (k > inlineHostIds) r.hostsMore = hostIdScratch.slice(inlineHostIds, k);
        const res = r.res;
        // Requests of a batch often share one resources object: its shape is the last one's.
        if (res !== lastShapeOf) {
          lastShapeOf = res;
          lastShape = shapeOf(res);
        }
        const shape = lastShape;
        r.excluded = excluded;
        r.shapeKey = shape.key;
        let q = lastQueue !== undefined && lastQueue.key === shape.key ? lastQueue : s.queues.get(shape.key);
        if (!q) {
          s.queues.set(r.shapeKey, (q = { key: r.shapeKey, hosted: new RequestQueue(), plain: new RequestQueue() }));
          s.shapeQueues.push(q);
          s.soleShape = s.shapeQueues.length === 1 ? q.key : null;
        }
        lastQueue = q;
        s.queued++;
        if (k > 0) {
          q.hosted.push(r);
          if (s.state === 'running') fresh.push(r);
          // Plain requests are tagged with their shape: the offers stage judges them from the entry.
          const tag = shape.id >= 0 && excluded === null && !spec.driver ? shape.id : -1;
          r.hostSlot = hostIndex.add(r, hostIdScratch, s.slot, tag, s.pool.group.slot, k);
        } else {
          q.plain.push(r);
          anyUnhosted = true;
        }
        s.pending += spec.count;
        pendingContainers += spec.count;
        if (res !== runRes) {
          if (runRes !== null) addPending(s, runRes, runKey, runCount);
          runRes = res;
          runKey = r.shapeKey;
          runCount = 0;
        }
        runCount += spec.count;
        s.pool.sampleRequest = r.res;
      }
      if (runRes !== null) addPending(s, runRes, runKey, runCount);
      if (s.state === 'running' && s.pending > 0) activate(s);
      noteFairWork(s, now, anyUnhosted);
      dirty = true;
      return accepted;
    },

    cancelRequests(sessionId: string, requestIds: string[]): void {
      const s = sessions.get(sessionId);
      if (!s) return;
      for (const id of requestIds) {
        const r = s.requests.find(id);
        if (r) consumePending(r, r.remaining);
      }
      dirty = true;
    },

    restoreGrant(d: GrantDecision): Verdict {
      const s = sessions.get(d.sessionId);
      const n = nodes.get(d.node);
      if (!s) return { ok: false, code: 'unknown-session', reason: `unknown session ${d.sessionId}` };
      if (!n) return { ok: false, code: 'invalid', reason: `unknown node ${d.node}` };
      if (grants.get(d.grantId) !== undefined) return { ok: false, code: 'invalid', reason: `grant ${d.grantId} exists` };
      const res = clone(d.resources);
      const g = attachGrant(s, n, d.requestId, res, d.driver, d.locality, Object.keys(res.custom).length === 0);
      g.id = d.grantId;
      grants.adopt(d.grantId, g);
      dirty = true;
      return accepted;
    },

    releaseGrants(sessionId: string, grantIds: string[]): string[] {
      const s = sessions.get(sessionId);
      if (!s) return [];
      const out: string[] = [];
      for (const id of grantIds) {
        const g = grants.get(id);
        if (!g || g.session !== s) continue;
        out.push(g.id);
        dropGrant(g);
      }
      return out;
    },

    schedule(): SchedulePlan {
      const plan: SchedulePlan = { grants: [], revocations: [] };
      const now = clock.now();
      if (!dirty && now < nextWake) return plan;
      dirty = false;
      nextWake = Infinity;
      passEpoch++;
      noFitShapes.clear();
      nothingFitsNow = false;
      fitsSeen.grantSeq = -1; // releases since the last pass freed room
      admitWaiting();
      computeShares();
      computeMinPending();
      buildNeedyHeaps();
      serveNeedy(now, plan);
      serveOffers(plan);
      serveFresh(plan);
      serveFair(now, plan);
      if (plan.grants.length >= grantsPerPassMax) {
        // Cut short: the rest (and the starvation check, which would see pools not yet
        // served as starving) comes in the next pass, which the CM runs at once.
        dirty = true;
        return plan;
      }
      preempt(now, plan);
      return plan;
    },

    grant(grantId: string): GrantDecision | undefined {
      const g = grants.get(grantId);
      return g === undefined ? undefined : decisionOf(g);
    },
    sessionGrants(sessionId: string): GrantDecision[] {
      const s = sessions.get(sessionId);
      return s ? sessionLiveGrants(s).map(decisionOf) : [];
    },
    sessionAllocated(sessionId: string): Resources {
      const s = sessions.get(sessionId);
      return s ? clone(s.allocated) : zero();
    },
    sessionGrantCount(sessionId: string): number {
      return sessions.get(sessionId)?.grantsLive ?? 0;
    },
    sessionPending(sessionId: string): number {
      return sessions.get(sessionId)?.pending ?? 0;
    },
    nodeAllocated(name: string): Resources {
      const n = nodes.get(name);
      return n ? { memoryMb: n.allocMem, vcores: n.allocVc, gpus: n.allocGpu, custom: { ...n.allocCustom } } : zero();
    },
    pools(): PoolInfo[] {
      const out: PoolInfo[] = [];
      for (const g of groups.values()) {
        for (const p of g.pools.values()) {
          const starts = [p.minStarvedSinceMs, p.fairStarvedSinceMs].filter((x): x is number => x !== null);
          out.push({
            name: p.name, group: g.name, weight: p.cfg.weight, minShare: clone(p.cfg.minShare), maxShare: p.cfg.maxShare ? clone(p.cfg.maxShare) : null,
            demand: add2(p.allocated, p.pending), granted: clone(p.allocated), fairShare: clone(p.fairShare),
            starvingSinceMs: starts.length > 0 ? Math.min(...starts) : null, runningSessions: p.running, waitingSessions: p.waiting.length,
            preemptable: p.cfg.preemptable && g.cfg.preemptable, order: p.cfg.order,
          });
        }
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    totals(): SchedulerTotals {
      return {
        capacity: clone(capacity), allocated: clone(allocated), pendingContainers, nodes: nodes.size, sessionsRunning, sessionsWaiting: sessions.size - sessionsRunning,
      };
    },
  };

  function rackAdd(rack: RackRec, n: NodeRec): void {
    rack.nodes.push(n);
    rack.slots.push(n.slot);
  }

  function rackRemove(rack: RackRec, n: NodeRec): void {
    const i = rack.nodes.indexOf(n);
    rack.nodes.splice(i, 1);
    rack.slots.splice(i, 1);
  }

  function rackFor(name: string): RackRec {
    let r = racks.get(name);
    if (!r) racks.set(name, (r = { name, nodes: [], slots: [], noFitEpoch: -1, noFit: new Set() }));
    return r;
  }

  sched.setConfig(config); // configured pools exist (and show in pools()) from the start
  return sched;
}
