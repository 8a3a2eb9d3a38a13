// Weighted max-min fair shares under min and max, on the dominant resource (DRF).
//
// Each entity (a pool group, or a pool inside a group) grows along the direction of
// its own demand vector; its dominant share s (the largest fraction of any one kind of
// the capacity it would hold) is clamp(weight × r, lo, hi), where lo comes from its min
// share and hi from its max share and demand. "Water-filling" raises the common level r
// until some resource kind is exhausted; entities that need that kind stop there, the
// rest keep growing (progressive filling), until every entity is frozen. When the min
// shares alone do not fit, they are scaled down together.

import type { Resources } from '../common/resources.js';

export interface ShareEntity {
  weight: number;
  minShare: Resources;
  maxShare: Resources | null;
  /** What the entity would use if it got everything it asks for (granted + pending). */
  demand: Resources;
}

/** Kinds of resource in play: memory, vcores, gpus, then the capacity's custom names. */
export function kindsOf(capacity: Resources): string[] {
  return ['memoryMb', 'vcores', 'gpus', ...Object.keys(capacity.custom)];
}

function component(r: Resources, kind: string): number {
  switch (kind) {
    case 'memoryMb':
      return r.memoryMb;
    case 'vcores':
      return r.vcores;
    case 'gpus':
      return r.gpus;
    default:
      return r.custom[kind] ?? 0;
  }
}

function vector(kinds: string[], values: Float64Array): Resources {
  const out: Resources = { memoryMb: values[0], vcores: values[1], gpus: values[2], custom: {} };
  for (let k = 3; k < kinds.length; k++) out.custom[kinds[k]] = values[k];
  return out;
}

/** Binary-search steps: 2^-60 relative precision, far below one resource unit. */
const searchSteps = 60;

/** How `Filling.level` reads its argument: a factor on the lower bounds, or the water level. */
const minScaled = 0;
const waterLevel = 1;

/**
 * The state of one computation in flat arrays (the scheduler runs it for every group
 * and pool in every pass): per entity its direction (demand per unit of dominant share,
 * row i of `dir`), bounds lo/hi of the dominant share, and the share once frozen.
 */
class Filling {
  readonly dir: Float64Array;
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly weight: Float64Array;
  readonly share: Float64Array;
  readonly frozen: Uint8Array;
  /** Per kind, the use found by the last `usageAll`. */
  readonly use: Float64Array;

  constructor(
    readonly n: number,
    readonly nk: number,
    readonly cap: Float64Array,
  ) {
    this.dir = new Float64Array(n * nk);
    this.lo = new Float64Array(n);
    this.hi = new Float64Array(n);
    this.weight = new Float64Array(n);
    this.share = new Float64Array(n);
    this.frozen = new Uint8Array(n);
    this.use = new Float64Array(nk);
  }

  /** Entity i's dominant share at `x`: lo × x (minScaled) or clamp(weight × x, lo, hi) (waterLevel). */
  level(i: number, mode: number, x: number): number {
    return mode === minScaled ? this.lo[i] * x : Math.min(this.hi[i], Math.max(this.lo[i], this.weight[i] * x));
  }

  /** Into `use`: the use of each kind with active entities at `level(mode, x)` and frozen ones at their share (one walk, each level computed once). */
  usageAll(mode: number, x: number): void {
    const { use, dir, nk } = this;
    use.fill(0);
    for (let i = 0; i < this.n; i++) {
      const l = this.frozen[i] ? this.share[i] : this.level(i, mode, x);
      for (let k = 0; k < nk; k++) use[k] += l * dir[i * nk + k];
    }
  }

  fitsAll(mode: number, x: number): boolean {
    this.usageAll(mode, x);
    for (let k = 0; k < this.nk; k++) if (this.use[k] > this.cap[k] * (1 + 1e-12)) return false;
    return true;
  }

  /** The largest x in [0, top] at which everything fits (binary search; `fitsAll(mode, 0)` holds). */
  search(mode: number, top: number): number {
    let a = 0;
    let b = top;
    for (let s = 0; s < searchSteps; s++) {
      const m = (a + b) / 2;
      if (this.fitsAll(mode, m)) a = m;
      else b = m;
    }
    return a;
  }
}

/** The fair share of each entity, as a resource vector, in input order. */
export function computeFairShares(capacity: Resources, entities: readonly ShareEntity[]): Resources[] {
  const kinds = kindsOf(capacity);
  const nk = kinds.length;
  const cap = new Float64Array(nk);
  for (let k = 0; k < nk; k++) cap[k] = Math.max(0, component(capacity, kinds[k]));
  const n = entities.length;
  const f = new Filling(n, nk, cap);
  const { dir, lo, hi, share, frozen } = f;
  for (let i = 0; i < n; i++) {
    const e = entities[i];
    f.weight[i] = e.weight;
    const row = i * nk;
    let dom = 0;
    let infeasible = false;
    for (let k = 0; k < nk; k++) {
      const want = Math.max(0, component(e.demand, kinds[k]));
      if (want > 0 && cap[k] <= 0) infeasible = true;
      dir[row + k] = want;
      if (cap[k] > 0) dom = Math.max(dom, want / cap[k]);
    }
    if (dom === 0 || infeasible) {
      dir.fill(0, row, row + nk);
      continue;
    }
    for (let k = 0; k < nk; k++) dir[row + k] /= dom;
    let top = dom;
    if (e.maxShare) for (let k = 0; k < nk; k++) if (dir[row + k] > 0) top = Math.min(top, Math.max(0, component(e.maxShare, kinds[k])) / dir[row + k]);
    let minDom = 0;
    for (let k = 0; k < nk; k++) if (cap[k] > 0) minDom = Math.max(minDom, Math.max(0, component(e.minShare, kinds[k])) / cap[k]);
    hi[i] = top;
    lo[i] = Math.min(minDom, top);
  }

  for (let i = 0; i < n; i++) if (hi[i] <= 0 || !(entities[i].weight > 0)) frozen[i] = 1;

  // Min shares first: if they do not all fit, scale them down by a common factor.
  const minFactor = f.fitsAll(minScaled, 1) ? 1 : f.search(minScaled, 1);
  for (let i = 0; i < n; i++) share[i] = frozen[i] ? 0 : lo[i] * minFactor;
  if (minFactor < 1) return shareVectors(kinds, f);

  // Progressive filling: each round raises the level until a kind runs out, then
  // freezes the entities at their cap or using an exhausted kind.
  const exhausted = new Uint8Array(nk);
  for (let round = 0; round <= nk + n; round++) {
    let anyActive = false;
    for (let i = 0; i < n; i++) if (!frozen[i]) anyActive = true;
    if (!anyActive) break;
    let rHi = 0;
    for (let i = 0; i < n; i++) if (!frozen[i]) rHi = Math.max(rHi, hi[i] / entities[i].weight);
    const r = f.fitsAll(waterLevel, rHi) ? rHi : f.search(waterLevel, rHi);
    f.usageAll(waterLevel, r);
    for (let k = 0; k < nk; k++) exhausted[k] = f.use[k] >= cap[k] * (1 - 1e-9) ? 1 : 0;
    let progress = false;
    for (let i = 0; i < n; i++) {
      if (frozen[i]) continue;
      share[i] = f.level(i, waterLevel, r);
      let stop = share[i] >= hi[i] * (1 - 1e-12);
      for (let k = 0; k < nk && !stop; k++) if (exhausted[k] && dir[i * nk + k] > 0) stop = true;
      if (stop) {
        frozen[i] = 1;
        progress = true;
      }
    }
    if (!progress) break;
    // Frozen entities keep their share; active ones restart from their current level.
    for (let i = 0; i < n; i++) if (!frozen[i]) lo[i] = share[i];
  }
  return shareVectors(kinds, f);
}

function shareVectors(kinds: string[], f: Filling): Resources[] {
  const out: Resources[] = [];
  const v = new Float64Array(kinds.length);
  for (let i = 0; i < f.n; i++) {
    for (let k = 0; k < kinds.length; k++) v[k] = f.share[i] * f.dir[i * f.nk + k];
    out.push(vector(kinds, v));
  }
  return out;
}
