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

/** The fair share of each entity, as a resource vector, in input order. */
export function computeFairShares(capacity: Resources, entities: readonly ShareEntity[]): Resources[] {
  const kinds = kindsOf(capacity);
  const nk = kinds.length;
  const cap = new Float64Array(nk);
  for (let k = 0; k < nk; k++) cap[k] = Math.max(0, component(capacity, kinds[k]));
  const n = entities.length;
  // dir[i][k]: demand per unit of dominant share; lo/hi: bounds of the dominant share.
  const dir: Float64Array[] = [];
  const lo = new Float64Array(n);
  const hi = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const e = entities[i];
    const d = new Float64Array(nk);
    let dom = 0;
    let infeasible = false;
    for (let k = 0; k < nk; k++) {
      const want = Math.max(0, component(e.demand, kinds[k]));
      if (want > 0 && cap[k] <= 0) infeasible = true;
      d[k] = want;
      if (cap[k] > 0) dom = Math.max(dom, want / cap[k]);
    }
    if (dom === 0 || infeasible) {
      dir.push(new Float64Array(nk));
      continue;
    }
    for (let k = 0; k < nk; k++) d[k] /= dom;
    dir.push(d);
    let top = dom;
    if (e.maxShare) for (let k = 0; k < nk; k++) if (d[k] > 0) top = Math.min(top, Math.max(0, component(e.maxShare, kinds[k])) / d[k]);
    let minDom = 0;
    for (let k = 0; k < nk; k++) if (cap[k] > 0) minDom = Math.max(minDom, Math.max(0, component(e.minShare, kinds[k])) / cap[k]);
    hi[i] = top;
    lo[i] = Math.min(minDom, top);
  }

  const share = new Float64Array(n);
  const frozen = new Uint8Array(n);
  for (let i = 0; i < n; i++) if (hi[i] <= 0 || !(entities[i].weight > 0)) frozen[i] = 1;

  const usage = (level: (i: number) => number, k: number): number => {
    let u = 0;
    for (let i = 0; i < n; i++) u += (frozen[i] ? share[i] : level(i)) * dir[i][k];
    return u;
  };
  const fitsAll = (level: (i: number) => number): boolean => {
    for (let k = 0; k < nk; k++) if (usage(level, k) > cap[k] * (1 + 1e-12)) return false;
    return true;
  };

  // Min shares first: if they do not all fit, scale them down by a common factor.
  let minFactor = 1;
  if (!fitsAll((i) => lo[i])) {
    let a = 0;
    let b = 1;
    for (let s = 0; s < searchSteps; s++) {
      const m = (a + b) / 2;
      if (fitsAll((i) => lo[i] * m)) a = m;
      else b = m;
    }
    minFactor = a;
  }
  for (let i = 0; i < n; i++) share[i] = frozen[i] ? 0 : lo[i] * minFactor;
  if (minFactor < 1) return shareVectors(kinds, dir, share);

  // Progressive filling: each round raises the level until a kind runs out, then
  // freezes the entities at their cap or using an exhausted kind.
  for (let round = 0; round <= nk + n; round++) {
    let anyActive = false;
    for (let i = 0; i < n; i++) if (!frozen[i]) anyActive = true;
    if (!anyActive) break;
    const level = (r: number) => (i: number): number => Math.min(hi[i], Math.max(lo[i], entities[i].weight * r));
    let rHi = 0;
    for (let i = 0; i < n; i++) if (!frozen[i]) rHi = Math.max(rHi, hi[i] / entities[i].weight);
    let r: number;
    if (fitsAll(level(rHi))) r = rHi;
    else {
      let a = 0;
      let b = rHi;
      for (let s = 0; s < searchSteps; s++) {
        const m = (a + b) / 2;
        if (fitsAll(level(m))) a = m;
        else b = m;
      }
      r = a;
    }
    const at = level(r);
    const exhausted = new Uint8Array(nk);
    for (let k = 0; k < nk; k++) if (usage(at, k) >= cap[k] * (1 - 1e-9)) exhausted[k] = 1;
    let progress = false;
    for (let i = 0; i < n; i++) {
      if (frozen[i]) continue;
      share[i] = at(i);
      let stop = share[i] >= hi[i] * (1 - 1e-12);
      for (let k = 0; k < nk && !stop; k++) if (exhausted[k] && dir[i][k] > 0) stop = true;
      if (stop) {
        frozen[i] = 1;
        progress = true;
      }
    }
    if (!progress) break;
    // Frozen entities keep their share; active ones restart from their current level.
    for (let i = 0; i < n; i++) if (!frozen[i]) lo[i] = share[i];
  }
  return shareVectors(kinds, dir, share);
}

function shareVectors(kinds: string[], dir: Float64Array[], share: Float64Array): Resources[] {
  const out: Resources[] = [];
  const v = new Float64Array(kinds.length);
  for (let i = 0; i < share.length; i++) {
    for (let k = 0; k < kinds.length; k++) v[k] = share[i] * dir[i][k];
    out.push(vector(kinds, v));
  }
  return out;
}
