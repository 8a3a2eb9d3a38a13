// host → the live requests naming it, grouped by shape, for the offers stage: when a
// node frees capacity, shapes that cannot fit are skipped whole, and the requests of
// the fitting shapes are the node-local candidates. Entries die lazily (a finished
// request is counted dead and swept out once dead ones dominate its list).

import type { Resources } from '../common/resources.js';

export interface ShapeList<T> {
  key: string;
  /** The shape, or null when it has custom resources (no quick fit test). */
  res: Resources | null;
  items: T[];
  dead: number;
}

/** Sweep a list once it holds at least this many dead entries (and they are the majority). */
const sweepDeadMin = 8;

export class HostIndex<T extends { live: boolean }> {
  private readonly byHost = new Map<string, ShapeList<T>[]>();

  add(host: string, key: string, res: Resources | null, item: T): void {
    let lists = this.byHost.get(host);
    if (!lists) this.byHost.set(host, (lists = []));
    let list: ShapeList<T> | undefined;
    for (const l of lists) if (l.key === key) list = l;
    if (!list) lists.push((list = { key, res, items: [], dead: 0 }));
    list.items.push(item);
  }

  /** `item` (already not live) was added under `host` and `key`. */
  retire(host: string, key: string): void {
    const lists = this.byHost.get(host);
    if (!lists) return;
    for (let i = 0; i < lists.length; i++) {
      const l = lists[i];
      if (l.key !== key) continue;
      l.dead++;
      if (l.dead >= l.items.length) {
        lists.splice(i, 1);
        if (lists.length === 0) this.byHost.delete(host);
      } else if (l.dead >= sweepDeadMin && l.dead * 2 > l.items.length) {
        l.items = l.items.filter((x) => x.live);
        l.dead = 0;
      }
      return;
    }
  }

  lists(host: string): readonly ShapeList<T>[] | undefined {
    return this.byHost.get(host);
  }
}
