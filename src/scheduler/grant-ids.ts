// Grant id → grant, without a map keyed by id strings. The scheduler issues ids
// `${prefix}${n}`, n = 1, 2, ... written in `radix`, so an id of its own names its
// number: a lookup parses it and indexes a window of recent numbers. Set, get and
// delete are then an array access each, where a Map<string> of a few hundred thousand
// live grants costs cache misses, rehashing as it grows and shrinks, and garbage.
//
// - The window holds numbers [start, next) in issue order; released grants leave holes
//   that are trimmed from the front. A grant that outlives many younger ones (a session
//   driver) would pin the window's front: once holes are three quarters of it, the
//   oldest live entries move to the map of `far` grants, so memory stays O(live).
// - Grants with ids made elsewhere (restored after a CM restart) are in the map too.
//   An id in our own form bumps the counter past its number, so the scheduler never
//   issues it again.
// - Only the canonical form parses (the exact prefix, then digits of the radix, no
//   leading zero, lowercase): so parse(id) = n exactly when id is the string issued for
//   n, and a window entry needs no check of its id.

/** Holes the window may carry beyond its live entries before old live ones move to the map. */
const windowSlackEntries = 4096;
/** Trim the window's array once this many leading entries are gone (and they are the majority). */
const trimMin = 4096;
/** An adopted id this far beyond the counter restarts the window rather than fill the gap. */
const gapMax = 65_536;

export class GrantIds<T> {
  private window: (T | undefined)[] = [];
  /** The number of window[0]. */
  private start = 1;
  /** Index of the first possibly live window entry. */
  private head = 0;
  /** The number the next issued id gets. */
  private next = 1;
  private windowLive = 0;
  /** Grants not in the window, by id: adopted ones and old ones moved out of it. */
  private readonly far = new Map<string, T>();

  /**
   * `idOf` returns the id an item was stored under (read when an item moves out of
   * the window). `radix` is 2..36.
   */
  constructor(
    private readonly prefix: string,
    private readonly radix: number,
    private readonly idOf: (item: T) => string,
  ) {
    if (!Number.isInteger(radix) || radix < 2 || radix > 36) throw new Error(`grant ids: radix ${radix} is not in 2..36`);
  }

  get size(): number {
    return this.windowLive + this.far.size;
  }

  /** Stores `item` under a new id, which it returns. */
  issue(item: T): string {
    const n = this.next++;
    this.window.push(item);
    this.windowLive++;
    if (this.window.length - this.head > 4 * this.windowLive + windowSlackEntries) this.evictOldest();
    return this.prefix + n.toString(this.radix);
  }

  /** Stores `item` under an id made elsewhere; false if the id is taken. */
  adopt(id: string, item: T): boolean {
    if (this.get(id) !== undefined) return false;
    const n = this.parse(id);
    if (n >= this.next) {
      if (n - this.next > gapMax) this.restartWindow(n + 1);
      else while (this.next <= n) this.holeAt(this.next++);
    }
    this.far.set(id, item);
    return true;
  }

  get(id: string): T | undefined {
    const n = this.parse(id);
    if (n >= this.start + this.head && n < this.next) {
      const item = this.window[n - this.start];
      if (item !== undefined) return item;
    }
    return this.far.size > 0 ? this.far.get(id) : undefined;
  }

  /** Forgets `id` (which must be stored, for `item`). */
  delete(id: string, item: T): void {
    const n = this.parse(id);
    const i = n - this.start;
    if (n >= this.start + this.head && n < this.next && this.window[i] === item) {
      this.window[i] = undefined;
      this.windowLive--;
      if (i === this.head) this.trimFront();
    } else this.far.delete(id);
  }

  /** Where things are (for tests: the window stays proportional to what it holds). */
  get held(): { windowLive: number; windowSpan: number; far: number } {
    return { windowLive: this.windowLive, windowSpan: this.window.length - this.head, far: this.far.size };
  }

  /** The number an id of our own form names, or -1. */
  private parse(id: string): number {
    const p = this.prefix;
    if (typeof id !== 'string') return -1; // callers' ids are not trusted to be strings
    const len = id.length;
    if (len <= p.length || !id.startsWith(p)) return -1;
    const radix = this.radix;
    const limit = (Number.MAX_SAFE_INTEGER - radix) / radix;
    let n = 0;
    for (let i = p.length; i < len; i++) {
      const c = id.charCodeAt(i);
      // '0'..'9' then 'a'..'z'; anything else (and digits beyond the radix) is not ours.
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : 99;
      if (d >= radix || (d === 0 && n === 0) || n > limit) return -1;
      n = n * radix + d;
    }
    return n;
  }

  private holeAt(n: number): void {
    if (n - this.start !== this.window.length) throw new Error('grant ids: window out of step');
    this.window.push(undefined);
  }

  private trimFront(): void {
    const w = this.window;
    while (this.head < w.length && w[this.head] === undefined) this.head++;
    if (this.head >= trimMin && 2 * this.head > w.length) {
      this.window = w.slice(this.head);
      this.start += this.head;
      this.head = 0;
    }
  }

  /** The window is mostly holes: its oldest live entries move to the map until it is dense again. */
  private evictOldest(): void {
    const w = this.window;
    while (this.head < w.length && w.length - this.head > 2 * this.windowLive + windowSlackEntries / 2) {
      const item = w[this.head];
      if (item !== undefined) {
        this.far.set(this.idOf(item), item);
        w[this.head] = undefined;
        this.windowLive--;
      }
      this.head++;
    }
    this.trimFront();
  }

  /** Moves every window entry to the map; the window restarts at `n`. */
  private restartWindow(n: number): void {
    for (let i = this.head; i < this.window.length; i++) {
      const item = this.window[i];
      if (item !== undefined) this.far.set(this.idOf(item), item);
    }
    this.window = [];
    this.head = 0;
    this.windowLive = 0;
    this.start = n;
    this.next = n;
  }
}
