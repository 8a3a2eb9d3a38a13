// Resource vectors: memory, vcores, gpus and named custom resources. Every scheduler,
// registry and report in Coronet speaks this one type.

export interface Resources {
  memoryMb: number;
  vcores: number;
  gpus: number;
  /** Named custom resources; a missing name means 0. */
  custom: Record<string, number>;
}

export const ZERO: Readonly<Resources> = Object.freeze({ memoryMb: 0, vcores: 0, gpus: 0, custom: Object.freeze({}) as Record<string, number> });

export function resources(memoryMb: number, vcores: number, gpus = 0, custom: Record<string, number> = {}): Resources {
  return { memoryMb, vcores, gpus, custom: { ...custom } };
}

export function zero(): Resources {
  return { memoryMb: 0, vcores: 0, gpus: 0, custom: {} };
}

export function clone(r: Resources): Resources {
  return { memoryMb: r.memoryMb, vcores: r.vcores, gpus: r.gpus, custom: { ...r.custom } };
}

function customKeys(a: Resources, b: Resources): string[] {
  const ka = Object.keys(a.custom);
  const kb = Object.keys(b.custom);
  if (kb.length === 0) return ka;
  if (ka.length === 0) return kb;
  return [...new Set([...ka, ...kb])];
}

/** a + b, as a new vector. */
export function add(a: Resources, b: Resources): Resources {
  const out = clone(a);
  addInto(out, b);
  return out;
}

/** a - b, as a new vector. */
export function subtract(a: Resources, b: Resources): Resources {
  const out = clone(a);
  subtractInto(out, b);
  return out;
}

/** target += r, in place (hot path: no allocation when there are no custom resources). */
export function addInto(target: Resources, r: Resources): void {
  target.memoryMb += r.memoryMb;
  target.vcores += r.vcores;
  target.gpus += r.gpus;
  for (const k in r.custom) target.custom[k] = (target.custom[k] ?? 0) + r.custom[k];
}

/** target -= r, in place. */
export function subtractInto(target: Resources, r: Resources): void {
  target.memoryMb -= r.memoryMb;
  target.vcores -= r.vcores;
  target.gpus -= r.gpus;
  for (const k in r.custom) target.custom[k] = (target.custom[k] ?? 0) - r.custom[k];
}

/** Every component of `small` is <= the same component of `big`. */
export function fits(small: Resources, big: Resources): boolean {
  if (small.memoryMb > big.memoryMb || small.vcores > big.vcores || small.gpus > big.gpus) return false;
  for (const k in small.custom) if (small.custom[k] > (big.custom[k] ?? 0)) return false;
  return true;
}

export function equals(a: Resources, b: Resources): boolean {
  if (a.memoryMb !== b.memoryMb || a.vcores !== b.vcores || a.gpus !== b.gpus) return false;
  for (const k of customKeys(a, b)) if ((a.custom[k] ?? 0) !== (b.custom[k] ?? 0)) return false;
  return true;
}

export function isZero(r: Resources): boolean {
  if (r.memoryMb !== 0 || r.vcores !== 0 || r.gpus !== 0) return false;
  for (const k in r.custom) if (r.custom[k] !== 0) return false;
  return true;
}

/** Component-wise minimum. */
export function min(a: Resources, b: Resources): Resources {
  const out: Resources = { memoryMb: Math.min(a.memoryMb, b.memoryMb), vcores: Math.min(a.vcores, b.vcores), gpus: Math.min(a.gpus, b.gpus), custom: {} };
  for (const k of customKeys(a, b)) out.custom[k] = Math.min(a.custom[k] ?? 0, b.custom[k] ?? 0);
  return out;
}

/** Component-wise maximum. */
export function max(a: Resources, b: Resources): Resources {
  const out: Resources = { memoryMb: Math.max(a.memoryMb, b.memoryMb), vcores: Math.max(a.vcores, b.vcores), gpus: Math.max(a.gpus, b.gpus), custom: {} };
  for (const k of customKeys(a, b)) out.custom[k] = Math.max(a.custom[k] ?? 0, b.custom[k] ?? 0);
  return out;
}

export function scale(r: Resources, factor: number): Resources {
  const out: Resources = { memoryMb: r.memoryMb * factor, vcores: r.vcores * factor, gpus: r.gpus * factor, custom: {} };
  for (const k in r.custom) out.custom[k] = r.custom[k] * factor;
  return out;
}

/**
 * The dominant share of `r` against `total` (DRF): the largest fraction of any one
 * resource kind that `r` holds. Kinds with zero total are ignored.
 */
export function dominantShare(r: Resources, total: Resources): number {
  let s = 0;
  if (total.memoryMb > 0) s = Math.max(s, r.memoryMb / total.memoryMb);
  if (total.vcores > 0) s = Math.max(s, r.vcores / total.vcores);
  if (total.gpus > 0) s = Math.max(s, r.gpus / total.gpus);
  for (const k in r.custom) {
    const t = total.custom[k] ?? 0;
    if (t > 0) s = Math.max(s, r.custom[k] / t);
  }
  return s;
}

/** Compact human form: "2048MB,2vc" (+ ",1gpu", ",ssd=1"). */
export function format(r: Resources): string {
  let s = `${r.memoryMb}MB,${r.vcores}vc`;
  if (r.gpus) s += `,${r.gpus}gpu`;
  for (const k of Object.keys(r.custom).sort()) if (r.custom[k]) s += `,${k}=${r.custom[k]}`;
  return s;
}

/**
 * Checks a vector from outside (RPC, config) and returns the reason it is bad, or
 * null. Bad: negative, non-integer or non-finite components, absurd magnitudes.
 */
export function invalidReason(r: Resources, what = 'resources'): string | null {
  const check = (name: string, v: number): string | null => {
    if (!Number.isFinite(v)) return `${what}.${name} is not a number`;
    if (v < 0) return `${what}.${name} is negative (${v})`;
    if (!Number.isInteger(v)) return `${what}.${name} is not a whole number (${v})`;
    if (v > 2 ** 40) return `${what}.${name} is absurdly large (${v})`;
    return null;
  };
  return (
    check('memoryMb', r.memoryMb) ??
    check('vcores', r.vcores) ??
    check('gpus', r.gpus) ??
    Object.entries(r.custom).map(([k, v]) => (k.length === 0 || k.length > 64 ? `${what}.custom has a bad name "${k.slice(0, 64)}"` : check(`custom.${k}`, v))).find((x) => x !== null) ??
    null
  );
}

/** Parses "memoryMb=1024,vcores=2,gpus=1,ssd=1" or the short "1024MB,2vc" form. */
export function parse(text: string): Resources {
  const out = zero();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\d+)\s*(mb|m)$/i))) out.memoryMb = Number(m[1]);
    else if ((m = part.match(/^(\d+)\s*(gb|g)$/i))) out.memoryMb = Number(m[1]) * 1024;
    else if ((m = part.match(/^(\d+)\s*(vc|vcores?)$/i))) out.vcores = Number(m[1]);
    else if ((m = part.match(/^(\d+)\s*gpus?$/i))) out.gpus = Number(m[1]);
    else if ((m = part.match(/^([A-Za-z][\w.-]*)\s*=\s*(\d+)$/))) {
      const k = m[1];
      const v = Number(m[2]);
      if (k === 'memoryMb' || k === 'memory') out.memoryMb = v;
      else if (k === 'vcores') out.vcores = v;
      else if (k === 'gpus') out.gpus = v;
      else out.custom[k] = v;
    } else throw new Error(`cannot parse resource "${part}" (expected e.g. 1024MB, 2vc, 1gpu, name=N)`);
  }
  return out;
}
