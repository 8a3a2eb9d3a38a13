// host → the live requests naming it, grouped by shape, for the offers stage: when a
// node frees capacity, shapes that cannot fit are skipped whole, and the requests of
// the fitting shapes are the node-local candidates. Each list keeps its items and their
// owners (sessions) side by side, so that ranking candidates reads only the small, hot
// owner objects; removal is O(1) by swapping with the last entry (every item remembers
// its list and slot under each of its hosts). A host's shape keys sit in one small array
// so that finding the list for a shape touches no other list.

import type { Resources } from '../common/resources.js';

export interface HostIndexed {
  /** The distinct hosts the item is indexed under. */
  hosts: string[];
  /** For hosts[i]: hostRefs[2i] = the list holding the item, hostRefs[2i+1] = its slot there. Owned by the index. */
  hostRefs: unknown[];
}

export interface ShapeList<T, O> {
  key: string;
  /** The shape, or null when it has custom resources (no quick fit test). */
  res: Resources | null;
  items: T[];
  owners: O[];
}

interface HostEntry<T, O> {
  keys: string[];
  lists: ShapeList<T, O>[];
}

export class HostIndex<T extends HostIndexed, O> {
  private readonly byHost = new Map<string, HostEntry<T, O>>();

  /** Indexes `item` under every one of its hosts. */
  add(item: T, key: string, res: Resources | null, owner: O): void {
    const refs: unknown[] = new Array<unknown>(2 * item.hosts.length);
    item.hostRefs = refs;
    for (let i = 0; i < item.hosts.length; i++) {
      const host = item.hosts[i];
      let e = this.byHost.get(host);
      if (!e) this.byHost.set(host, (e = { keys: [], lists: [] }));
      const li = e.keys.indexOf(key);
      let list: ShapeList<T, O>;
      if (li >= 0) list = e.lists[li];
      else {
        list = { key, res, items: [], owners: [] };
        e.keys.push(key);
        e.lists.push(list);
      }
      refs[2 * i] = list;
      refs[2 * i + 1] = list.items.length;
      list.items.push(item);
      list.owners.push(owner);
    }
  }

  /** Removes `item` from every one of its hosts' lists. */
  remove(item: T): void {
    for (let i = 0; i < item.hosts.length; i++) {
      const list = item.hostRefs[2 * i] as ShapeList<T, O>;
      const slot = item.hostRefs[2 * i + 1] as number;
      if (list.items[slot] !== item) throw new Error(`host index: item not at its slot under ${item.hosts[i]}`);
      const last = list.items.pop()!;
      const lastOwner = list.owners.pop()!;
      if (last !== item) {
        list.items[slot] = last;
        list.owners[slot] = lastOwner;
        last.hostRefs[last.hostRefs.indexOf(list) + 1] = slot;
      }
      if (list.items.length === 0) {
        const host = item.hosts[i];
        const e = this.byHost.get(host)!;
        const li = e.lists.indexOf(list);
        e.lists.splice(li, 1);
        e.keys.splice(li, 1);
        if (e.lists.length === 0) this.byHost.delete(host);
      }
    }
  }

  lists(host: string): readonly ShapeList<T, O>[] | undefined {
    return this.byHost.get(host)?.lists;
  }
}
