// The job's outstanding container requests at the cluster manager: one container per
// queued work item, items of the same shape (resources, hosts, excluded hosts) asked
// for together as one request with a count, as YARN aggregates them.
//
// When a reused runner takes an item first, the container asked for it is surplus. It
// is not cancelled one RPC per task: the surplus over what is still wanted is cancelled
// in one batch once it is a quarter of what is outstanding (so cancels are
// logarithmically few as the demand drains), and all of it as soon as nothing is
// wanted. A request is cancelled whole; items it still stood for are asked for again.

export interface RequestedItem {
  requestId: string | null;
}

interface Request<I> {
  /** Containers still to be granted. */
  remaining: number;
  /** Queued items it stands for (fewer than `remaining`: the rest is surplus). */
  readonly items: Set<I>;
}

export class OutstandingRequests<I extends RequestedItem> {
  private readonly byId = new Map<string, Request<I>>();
  private total = 0;

  /** Containers asked for and not granted yet. */
  get size(): number {
    return this.total;
  }

  /** Records request `id` for one container per item. */
  add(id: string, items: readonly I[]): void {
    this.byId.set(id, { remaining: items.length, items: new Set(items) });
    for (const item of items) item.requestId = id;
    this.total += items.length;
  }

  /** One container of request `id` was granted (it will serve whichever item is next). */
  granted(id: string): void {
    const r = this.byId.get(id);
    if (!r) return;
    r.remaining--;
    this.total--;
    const [item] = r.items;
    if (item) {
      r.items.delete(item);
      item.requestId = null;
    }
    if (r.remaining <= 0) this.forget(id, r);
  }

  /** The item left the queue (a runner took it, or its task is done): the container asked
   *  for it is surplus. */
  orphan(item: I): void {
    if (item.requestId === null) return;
    this.byId.get(item.requestId)?.items.delete(item);
    item.requestId = null;
  }

  /** The requests to cancel now, so that about `wanted` containers stay asked for: none
   *  while the surplus is small; else requests that stand for no item first, then the
   *  newest. They are forgotten here; their items are left without a request. */
  takeSurplus(wanted: number): string[] {
    let surplus = this.total - Math.max(0, wanted);
    if (surplus <= 0 || (wanted > 0 && surplus * 4 < this.total)) return [];
    const out: string[] = [];
    for (const [id, r] of this.byId) {
      if (surplus <= 0) break;
      if (r.items.size === 0) {
        out.push(id);
        surplus -= r.remaining;
      }
    }
    const ids = [...this.byId.keys()];
    for (let i = ids.length - 1; i >= 0 && surplus > 0; i--) {
      const r = this.byId.get(ids[i])!;
      if (r.items.size === 0) continue;
      out.push(ids[i]);
      surplus -= r.remaining - r.items.size;
    }
    for (const id of out) this.forget(id, this.byId.get(id)!);
    return out;
  }

  private forget(id: string, r: Request<I>): void {
    this.byId.delete(id);
    this.total -= Math.max(0, r.remaining);
    for (const item of r.items) item.requestId = null;
  }
}
