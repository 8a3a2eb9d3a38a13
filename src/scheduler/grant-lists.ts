// The grants of a session, a node or a pool, in grant order, where a released grant dies
// in place: it is left where it is and the list is swept (in order, in place) once dead
// ones are the majority. Taking a released grant out at once would cost a chain of
// cache misses on every release, and readers of these lists are rare (preemption,
// removal of a node or session).
//
// The list lives in its owner's record (fields `grants`, `grantsN`, `grantsDead`), not
// in an object of its own: the counters are then read with the record the caller holds
// anyway, and only an append or a sweep touches the array. Items are grants[0..grantsN);
// the array keeps its capacity across sweeps, so a busy list does not regrow after each.

export interface GrantList<T extends { readonly live: boolean }> {
  grants: (T | undefined)[];
  grantsN: number;
  grantsDead: number;
}

/** The fields of an empty list, for an owner's record. */
export function emptyGrantList<T extends { readonly live: boolean }>(): GrantList<T> {
  return { grants: [], grantsN: 0, grantsDead: 0 };
}

export function pushGrant<T extends { readonly live: boolean }>(list: GrantList<T>, item: T): void {
  if (list.grantsN < list.grants.length) list.grants[list.grantsN] = item;
  else list.grants.push(item);
  list.grantsN++;
}

/**
 * One of the list's items died. Sweeps once dead items are at least `deadMin` and more
 * than half of the list plus `slack` (more than half: a sweep costs O(length), so sweeps
 * come every O(length) deaths). Indices change when it sweeps.
 */
export function noteGrantGone<T extends { readonly live: boolean }>(list: GrantList<T>, deadMin: number, slack: number): void {
  if (++list.grantsDead < deadMin || list.grantsDead <= (list.grantsN >> 1) + slack) return;
  const a = list.grants;
  let w = 0;
  for (let i = 0; i < list.grantsN; i++) {
    const it = a[i]!;
    if (it.live) a[w++] = it;
  }
  a.fill(undefined, w, list.grantsN);
  list.grantsN = w;
  list.grantsDead = 0;
}

/** The live items, in list order. */
export function liveGrantsOf<T extends { readonly live: boolean }>(list: GrantList<T>): T[] {
  const out: T[] = [];
  for (let i = 0; i < list.grantsN; i++) {
    const it = list.grants[i]!;
    if (it.live) out.push(it);
  }
  return out;
}
