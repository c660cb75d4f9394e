/**
 * Pools: a tenant's named limits on how many task attempts hold a shared resource at once (a warehouse, an API quota),
 * across every run and pipeline. Pure slot accounting; the tenant's Durable Object keeps the rows
 * (worker/durable/runs/pools.ts) and turns the decisions into engine events.
 */

/** One attempt asking for (or holding) slots of a pool. `order` is when it asked: smaller asked first. */
export interface PoolRequest {
  order: number;
  pool: string;
  slots: number;
}

export interface Admission<T extends PoolRequest> {
  /** May start now, in the order they asked. */
  granted: T[];
  /** Must keep waiting, each with the reason the run page shows. */
  waiting: Array<{ request: T; reason: string }>;
  /** Ask for a pool the tenant does not have (deleted after the push): they fail. */
  unknown: T[];
}

/**
 * Which waiting requests start, given each pool's size and the slots its running attempts hold. Strictly first come,
 * first served per pool, whatever run or pipeline a request belongs to: once one does not fit, those behind it in the
 * same pool wait too, so a task asking for several slots is not starved by a stream of smaller ones. A pool shrunk
 * below its use admits nothing until its running attempts have brought it under the new size.
 */
export function admit<T extends PoolRequest>(sizes: ReadonlyMap<string, number>, held: ReadonlyMap<string, number>, waiting: readonly T[]): Admission<T> {
  const used = new Map(held);
  const blocked = new Set<string>();
  const out: Admission<T> = { granted: [], waiting: [], unknown: [] };
  for (const request of [...waiting].sort((a, b) => a.order - b.order)) {
    const size = sizes.get(request.pool);
    if (size === undefined) {
      out.unknown.push(request);
      continue;
    }
    const inUse = used.get(request.pool) ?? 0;
    if (!blocked.has(request.pool) && inUse + request.slots <= size) {
      used.set(request.pool, inUse + request.slots);
      out.granted.push(request);
      continue;
    }
    blocked.add(request.pool);
    out.waiting.push({ request, reason: waitingReason(request.pool, size, inUse, request.slots) });
  }
  return out;
}

/** "waiting for pool snowflake-warehouse: 4/4 in use" (with the slots asked for when that is more than one). */
export function waitingReason(pool: string, size: number, inUse: number, slots: number): string {
  if (slots > size) return `waiting for pool ${pool}: needs ${slots} slots, the pool has ${size}`;
  return `waiting for pool ${pool}: ${inUse}/${size} in use${slots > 1 ? `, needs ${slots}` : ""}`;
}

export const unknownPoolMessage = (pool: string) => `pool "${pool}" does not exist (it was deleted after the pipeline was pushed)`;
