import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../client";
import { tenantDeletions, tenantMoves, tenants } from "../../schema";

/**
 * The record of a tenant's move between shards (worker/tenant-data/move.ts), on the control database beside the map
 * it changes. Its status is also the write lock: the credential check reads it (db/repo/accounts/principals.ts).
 */

export type TenantMove = typeof tenantMoves.$inferSelect;

/** The statuses during which the tenant's API writes are refused. */
export const lockingMoveStatuses = ["copying", "flipped"] as const;

export async function getMove(control: Db, tenantId: string): Promise<TenantMove | null> {
  const [row] = await control.select().from(tenantMoves).where(eq(tenantMoves.tenantId, tenantId));
  return row ?? null;
}

/** The tenant's shard and whether its deletion has begun, or null for an unknown tenant. */
export async function tenantPlacement(control: Db, tenantId: string): Promise<{ shard: string; deleting: boolean } | null> {
  const [row] = await control
    .select({ shard: tenants.shard, deletion: tenantDeletions.tenantId })
    .from(tenants)
    .leftJoin(tenantDeletions, eq(tenantDeletions.tenantId, tenants.id))
    .where(eq(tenants.id, tenantId));
  return row ? { shard: row.shard, deleting: row.deletion !== null } : null;
}

/**
 * Starts a move (the lock takes effect with this row) unless one is under way: a finished move's row is replaced.
 * Returns whether this call started it.
 */
export async function startMove(control: Db, row: { tenantId: string; from: string; to: string; now: number }): Promise<boolean> {
  const result = await control.run(sql`
    INSERT INTO tenant_moves (tenant_id, from_shard, to_shard, status, cursor, counts, started_at, updated_at)
    VALUES (${row.tenantId}, ${row.from}, ${row.to}, 'copying', '{}', '{}', ${row.now}, ${row.now})
    ON CONFLICT (tenant_id) DO UPDATE SET from_shard = excluded.from_shard, to_shard = excluded.to_shard, status = 'copying', cursor = '{}',
      counts = '{}', started_at = excluded.started_at, updated_at = excluded.updated_at, flipped_at = NULL, finished_at = NULL
    WHERE tenant_moves.status = 'done'`);
  return (result.meta.changes ?? 0) === 1;
}

/** Saves where the move stopped (and its counts) while it is still in `status`. */
export async function saveMove(
  control: Db,
  tenantId: string,
  status: TenantMove["status"],
  change: { cursor: Record<string, unknown>; counts?: Record<string, number>; now: number },
) {
  await control
    .update(tenantMoves)
    .set({ cursor: change.cursor, ...(change.counts ? { counts: change.counts } : {}), updatedAt: change.now })
    .where(and(eq(tenantMoves.tenantId, tenantId), eq(tenantMoves.status, status)));
}

/**
 * The flip, in one control batch: the map names the new shard (only if it still names the old one) and the move
 * records when, which starts the wait for every isolate's cached answer to expire.
 */
export async function flipShard(control: Db, move: TenantMove, counts: Record<string, number>, now: number) {
  await control.batch([
    control
      .update(tenants)
      .set({ shard: move.toShard })
      .where(and(eq(tenants.id, move.tenantId), eq(tenants.shard, move.fromShard))),
    control
      .update(tenantMoves)
      .set({ status: "flipped", flippedAt: now, counts, cursor: {}, updatedAt: now })
      .where(and(eq(tenantMoves.tenantId, move.tenantId), eq(tenantMoves.status, "copying"))),
  ]);
}

/** Moves the record on from `from` to `to` (the lock is lifted when it leaves `flipped`). */
export async function advanceMove(control: Db, tenantId: string, from: TenantMove["status"], to: TenantMove["status"], now: number) {
  await control
    .update(tenantMoves)
    .set({ status: to, cursor: {}, updatedAt: now, ...(to === "done" ? { finishedAt: now } : {}) })
    .where(and(eq(tenantMoves.tenantId, tenantId), eq(tenantMoves.status, from)));
}

/** True while a move of the tenant refuses its writes (for code that has no credential query to join it to). */
export async function isMoving(control: Db, tenantId: string): Promise<boolean> {
  const [row] = await control
    .select({ status: tenantMoves.status })
    .from(tenantMoves)
    .where(and(eq(tenantMoves.tenantId, tenantId), inArray(tenantMoves.status, [...lockingMoveStatuses])));
  return row !== undefined;
}
