// The pools file: pool groups, pools, their shares and limits, and the scheduler's
// timing knobs. Parsed from YAML or JSON into a fully defaulted `PoolsConfig`; a bad
// file yields one message naming the line and the field path. Watching the file for
// changes is the cluster manager's job, not this module's.

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { invalidReason, parse as parseResources, zero, type Resources } from '../common/resources.js';

export type SessionOrder = 'fifo' | 'fair' | 'priority';

export interface Acl {
  /** Users allowed to submit; `*` = everyone. */
  submit: string[];
  /** Users allowed to administer (kill, move); `*` = everyone. */
  administer: string[];
}

/** The settings every group and every pool has. */
export interface ShareSettings {
  weight: number;
  minShare: Resources;
  /** null = unbounded */
  maxShare: Resources | null;
  /** null = unbounded */
  maxRunningSessions: number | null;
  /** Fraction (0, 1] of the pool's (or group's) fair share that driver grants may hold. */
  maxDriverShare: number;
  acl: Acl;
  preemptable: boolean;
}

export interface PoolConfig extends ShareSettings {
  order: SessionOrder;
}

export interface GroupConfig extends ShareSettings {
  pools: Record<string, PoolConfig>;
}

export interface PoolsConfig {
  /** Reject sessions naming a pool the file does not define. */
  configuredPoolsOnly: boolean;
  nodeLocalityWaitMs: number;
  rackLocalityWaitMs: number;
  preemptionEnabled: boolean;
  minSharePreemptionTimeoutMs: number;
  fairSharePreemptionTimeoutMs: number;
  /** A pool below fairShare × this for fairSharePreemptionTimeoutMs may preempt. In (0, 1]. */
  fairSharePreemptionThreshold: number;
  /** Settings for pools created on demand (and pools that leave fields out). */
  poolDefaults: PoolConfig;
  /** Settings for groups created on demand (and groups that leave fields out). */
  groupDefaults: ShareSettings;
  groups: Record<string, GroupConfig>;
}

export const defaultGroupName = 'default';

function defaultShareSettings(): ShareSettings {
  return {
    weight: 1,
    minShare: zero(),
    maxShare: null,
    maxRunningSessions: null,
    maxDriverShare: 0.5,
    acl: { submit: ['*'], administer: ['*'] },
    preemptable: true,
  };
}

export function defaultPoolsConfig(): PoolsConfig {
  return {
    configuredPoolsOnly: false,
    nodeLocalityWaitMs: 3000,
    rackLocalityWaitMs: 3000,
    preemptionEnabled: true,
    minSharePreemptionTimeoutMs: 30_000,
    fairSharePreemptionTimeoutMs: 60_000,
    fairSharePreemptionThreshold: 0.5,
    poolDefaults: { ...defaultShareSettings(), order: 'fair' },
    groupDefaults: defaultShareSettings(),
    groups: {},
  };
}

export type ParseResult = { ok: true; config: PoolsConfig } | { ok: false; error: string };

/** A config error at a field path; turned into one message with the line number. */
class FieldError {
  constructor(
    readonly path: (string | number)[],
    readonly message: string,
  ) {}
}

type Obj = Record<string, unknown>;

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return String(v);
}

function pathText(path: (string | number)[]): string {
  return path.map(String).join('.');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(path: (string | number)[], what: string, got: unknown): never {
  throw new FieldError(path, `${pathText(path)} ${what}, got ${describe(got)}`);
}

function checkKeys(o: Obj, path: (string | number)[], allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw new FieldError([...path, k], `${pathText([...path, k])} is not a known field (known: ${allowed.join(', ')})`);
  }
}

function readNumber(o: Obj, key: string, path: (string | number)[], dflt: number, check: (n: number) => boolean, what: string): number {
  if (!(key in o) || o[key] === null) return dflt;
  const v = o[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) fail([...path, key], what, v);
  return v;
}

function readBool(o: Obj, key: string, path: (string | number)[], dflt: boolean): boolean {
  if (!(key in o) || o[key] === null) return dflt;
  const v = o[key];
  if (typeof v !== 'boolean') fail([...path, key], 'must be true or false', v);
  return v;
}

function readResources(v: unknown, path: (string | number)[]): Resources {
  let r: Resources;
  if (typeof v === 'string') {
    try {
      r = parseResources(v);
    } catch (e) {
      throw new FieldError(path, `${pathText(path)}: ${(e as Error).message}`);
    }
  } else if (isObj(v)) {
    r = zero();
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'number') fail([...path, k], 'must be a number', x);
      if (k === 'memoryMb') r.memoryMb = x;
      else if (k === 'vcores') r.vcores = x;
      else if (k === 'gpus') r.gpus = x;
      else r.custom[k] = x;
    }
  } else {
    fail(path, 'must be a resource vector such as "4096MB,4vc" or {memoryMb: 4096, vcores: 4}', v);
  }
  const bad = invalidReason(r, pathText(path));
  if (bad !== null) throw new FieldError(path, bad);
  return r;
}

function readUserList(v: unknown, path: (string | number)[]): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  fail(path, 'must be a list of user names ("*" = everyone)', v);
}

const shareKeys = ['weight', 'minShare', 'maxShare', 'maxRunningSessions', 'maxDriverShare', 'acl', 'preemptable'] as const;

function readShareSettings(o: Obj, path: (string | number)[], d: ShareSettings): ShareSettings {
  const s: ShareSettings = {
    weight: readNumber(o, 'weight', path, d.weight, (n) => n > 0, 'must be a positive number'),
    minShare: 'minShare' in o && o.minShare !== null ? readResources(o.minShare, [...path, 'minShare']) : { ...d.minShare, custom: { ...d.minShare.custom } },
    maxShare: 'maxShare' in o && o.maxShare !== null ? readResources(o.maxShare, [...path, 'maxShare']) : d.maxShare,
    maxRunningSessions: 'maxRunningSessions' in o && o.maxRunningSessions !== null
      ? readNumber(o, 'maxRunningSessions', path, 0, (n) => Number.isInteger(n) && n >= 0, 'must be a whole number >= 0')
      : d.maxRunningSessions,
    maxDriverShare: readNumber(o, 'maxDriverShare', path, d.maxDriverShare, (n) => n > 0 && n <= 1, 'must be a fraction in (0, 1]'),
    acl: { submit: d.acl.submit, administer: d.acl.administer },
    preemptable: readBool(o, 'preemptable', path, d.preemptable),
  };
  if ('acl' in o && o.acl !== null) {
    const aclPath = [...path, 'acl'];
    if (!isObj(o.acl)) fail(aclPath, 'must be a map with submit and/or administer', o.acl);
    checkKeys(o.acl, aclPath, ['submit', 'administer']);
    if ('submit' in o.acl) s.acl.submit = readUserList(o.acl.submit, [...aclPath, 'submit']);
    if ('administer' in o.acl) s.acl.administer = readUserList(o.acl.administer, [...aclPath, 'administer']);
  }
  return s;
}

function readOrder(o: Obj, path: (string | number)[], d: SessionOrder): SessionOrder {
  if (!('order' in o) || o.order === null) return d;
  const v = o.order;
  if (v !== 'fifo' && v !== 'fair' && v !== 'priority') fail([...path, 'order'], 'must be one of fifo, fair, priority', v);
  return v;
}

const namePattern = /^[A-Za-z0-9_-]+$/;

function readConfig(root: unknown): PoolsConfig {
  const cfg = defaultPoolsConfig();
  if (root === null || root === undefined) return cfg;
  if (!isObj(root)) fail([], 'the file must hold a map', root);
  const topKeys = ['configuredPoolsOnly', 'nodeLocalityWaitMs', 'rackLocalityWaitMs', 'preemptionEnabled', 'minSharePreemptionTimeoutMs',
    'fairSharePreemptionTimeoutMs', 'fairSharePreemptionThreshold', 'poolDefaults', 'groupDefaults', 'groups'];
  checkKeys(root, [], topKeys);
  const ms = (n: number): boolean => n >= 0 && n <= 2 ** 31;
  cfg.configuredPoolsOnly = readBool(root, 'configuredPoolsOnly', [], cfg.configuredPoolsOnly);
  cfg.preemptionEnabled = readBool(root, 'preemptionEnabled', [], cfg.preemptionEnabled);
  cfg.nodeLocalityWaitMs = readNumber(root, 'nodeLocalityWaitMs', [], cfg.nodeLocalityWaitMs, ms, 'must be a number of milliseconds >= 0');
  cfg.rackLocalityWaitMs = readNumber(root, 'rackLocalityWaitMs', [], cfg.rackLocalityWaitMs, ms, 'must be a number of milliseconds >= 0');
  cfg.minSharePreemptionTimeoutMs = readNumber(root, 'minSharePreemptionTimeoutMs', [], cfg.minSharePreemptionTimeoutMs, ms, 'must be a number of milliseconds >= 0');
  cfg.fairSharePreemptionTimeoutMs = readNumber(root, 'fairSharePreemptionTimeoutMs', [], cfg.fairSharePreemptionTimeoutMs, ms, 'must be a number of milliseconds >= 0');
  cfg.fairSharePreemptionThreshold = readNumber(root, 'fairSharePreemptionThreshold', [], cfg.fairSharePreemptionThreshold, (n) => n > 0 && n <= 1, 'must be a fraction in (0, 1]');
  if ('groupDefaults' in root && root.groupDefaults !== null) {
    if (!isObj(root.groupDefaults)) fail(['groupDefaults'], 'must be a map', root.groupDefaults);
    checkKeys(root.groupDefaults, ['groupDefaults'], shareKeys);
    cfg.groupDefaults = readShareSettings(root.groupDefaults, ['groupDefaults'], cfg.groupDefaults);
  }
  if ('poolDefaults' in root && root.poolDefaults !== null) {
    if (!isObj(root.poolDefaults)) fail(['poolDefaults'], 'must be a map', root.poolDefaults);
    checkKeys(root.poolDefaults, ['poolDefaults'], [...shareKeys, 'order']);
    cfg.poolDefaults = { ...readShareSettings(root.poolDefaults, ['poolDefaults'], cfg.poolDefaults), order: readOrder(root.poolDefaults, ['poolDefaults'], cfg.poolDefaults.order) };
  }
  if ('groups' in root && root.groups !== null) {
    if (!isObj(root.groups)) fail(['groups'], 'must be a map of group name to settings', root.groups);
    for (const [gName, g] of Object.entries(root.groups)) {
      const gPath = ['groups', gName];
      if (!namePattern.test(gName)) throw new FieldError(gPath, `groups: group name "${gName}" may hold only letters, digits, "_" and "-"`);
      const gObj: Obj = g === null ? {} : (g as Obj);
      if (!isObj(gObj)) fail(gPath, 'must be a map', g);
      checkKeys(gObj, gPath, [...shareKeys, 'pools']);
      const group: GroupConfig = { ...readShareSettings(gObj, gPath, cfg.groupDefaults), pools: {} };
      if ('pools' in gObj && gObj.pools !== null) {
        if (!isObj(gObj.pools)) fail([...gPath, 'pools'], 'must be a map of pool name to settings', gObj.pools);
        for (const [pName, p] of Object.entries(gObj.pools)) {
          const pPath = [...gPath, 'pools', pName];
          if (!namePattern.test(pName)) throw new FieldError(pPath, `${pathText([...gPath, 'pools'])}: pool name "${pName}" may hold only letters, digits, "_" and "-"`);
          const pObj: Obj = p === null ? {} : (p as Obj);
          if (!isObj(pObj)) fail(pPath, 'must be a map', p);
          checkKeys(pObj, pPath, [...shareKeys, 'order']);
          group.pools[pName] = { ...readShareSettings(pObj, pPath, cfg.poolDefaults), order: readOrder(pObj, pPath, cfg.poolDefaults.order) };
        }
      }
      cfg.groups[gName] = group;
    }
  }
  return cfg;
}

/** Parses a pools file (YAML, or JSON which YAML reads too). */
export function parsePoolsConfig(text: string, fileName: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = lineCounter.linePos(e.pos[0]).line;
    const firstLine = e.message.split('\n')[0];
    return { ok: false, error: `${fileName} line ${line}: ${firstLine}` };
  }
  try {
    return { ok: true, config: readConfig(doc.toJS()) };
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    // Find the closest node along the path that the document holds, for its line.
    for (let n = e.path.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(e.path.slice(0, n), true);
      if (isNode(node) && node.range) {
        return { ok: false, error: `${fileName} line ${lineCounter.linePos(node.range[0]).line}: ${e.message}` };
      }
    }
    return { ok: false, error: `${fileName}: ${e.message}` };
  }
}

/** Reads and parses a pools file; a missing or unreadable file is an error value. */
export function loadPoolsFile(path: string): ParseResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return { ok: false, error: `${path}: cannot read the pools file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  return parsePoolsConfig(text, path);
}
