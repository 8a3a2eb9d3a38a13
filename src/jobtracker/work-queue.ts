// The job tracker's pending work, indexed so that matching a runner with its next task
// and keeping the queue up to date cost O(1) per task, not a scan of the whole queue:
// one entry per task (insertion order per kind), and the queued maps by split host.

/** What the queue needs to know of a task. */
export interface QueuedTask {
  readonly kind: 'map' | 'reduce';
  readonly split: { readonly hosts: readonly string[] } | null;
}

/** A unit of work waiting for a runner: a task's next (maybe speculative) attempt. */
export interface WorkItem<T extends QueuedTask = QueuedTask> {
  readonly task: T;
  readonly speculative: boolean;
  /** The CM request asked for this item, while it is outstanding. */
  requestId: string | null;
  /** When it was queued (a map waiting long while reduces hold the runners is starved). */
  since: number;
}

export class WorkQueue<T extends QueuedTask> {
  private readonly maps = new Map<T, WorkItem<T>>();
  private readonly reduces = new Map<T, WorkItem<T>>();
  /** Queued maps by the hosts their split is on (node-local matching). */
  private readonly byHost = new Map<string, Set<WorkItem<T>>>();

  get size(): number {
    return this.maps.size + this.reduces.size;
  }

  count(kind: 'map' | 'reduce'): number {
    return (kind === 'map' ? this.maps : this.reduces).size;
  }

  has(task: T): boolean {
    return this.of(task.kind).has(task);
  }

  /** Queues a task's next attempt; a task is queued at most once (false: it already is). */
  add(task: T, speculative: boolean, now: number): boolean {
    const list = this.of(task.kind);
    if (list.has(task)) return false;
    const item: WorkItem<T> = { task, speculative, requestId: null, since: now };
    list.set(task, item);
    if (task.kind === 'map') {
      for (const h of task.split?.hosts ?? []) {
        let set = this.byHost.get(h);
        if (!set) this.byHost.set(h, (set = new Set()));
        set.add(item);
      }
    }
    return true;
  }

  /** Takes a task out of the queue; returns its item, if it was queued. */
  remove(task: T): WorkItem<T> | undefined {
    const list = this.of(task.kind);
    const item = list.get(task);
    if (!item) return undefined;
    list.delete(task);
    if (task.kind === 'map') {
      for (const h of task.split?.hosts ?? []) {
        const set = this.byHost.get(h);
        set?.delete(item);
        if (set?.size === 0) this.byHost.delete(h);
      }
    }
    return item;
  }

  /** The item a runner on `node` should take next, without taking it: a node-local map, else
   *  the oldest map it may run, else (only while no map waits, so reduces cannot starve the
   *  maps) the oldest reduce. `accept` says which items the runner may run. */
  next(node: string, accept: (w: WorkItem<T>) => boolean, mapsOnly = false): WorkItem<T> | undefined {
    for (const w of this.byHost.get(node) ?? []) if (accept(w)) return w;
    for (const w of this.maps.values()) if (accept(w)) return w;
    if (mapsOnly || this.maps.size > 0) return undefined;
    for (const w of this.reduces.values()) if (accept(w)) return w;
    return undefined;
  }

  /** Every queued item, maps first, each kind oldest first. */
  *[Symbol.iterator](): IterableIterator<WorkItem<T>> {
    yield* this.maps.values();
    yield* this.reduces.values();
  }

  items(kind: 'map' | 'reduce'): IterableIterator<WorkItem<T>> {
    return this.of(kind).values();
  }

  private of(kind: 'map' | 'reduce'): Map<T, WorkItem<T>> {
    return kind === 'map' ? this.maps : this.reduces;
  }
}
