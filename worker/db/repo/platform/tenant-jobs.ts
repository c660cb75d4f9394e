import { and, desc, eq, isNull, lte, ne, or, sql } from "drizzle-orm";
import type { Db, TenantCtx } from "../../client";
import { tenantDeletions, tenantExports, tenants } from "../../schema";

/**
 * The rows of tenant exports and deletions (worker/tenant-data/). Both run in bounded steps; before a step, its runner
 * claims the row with a lease in one conditional UPDATE, so a step message delivered twice (or resent by the hourly
 * resume while the first copy still works) runs the step once. A crashed step's lease runs out and the step is retried.
 */

export type TenantExport = typeof tenantExports.$inferSelect;
export type TenantDeletion = typeof tenantDeletions.$inferSelect;

/**
 * Starts an export unless one of the tenant's is still running; one statement, so two requests at once start one.
 * Returns whether this call started it.
 */
export async function createExport(ctx: TenantCtx, row: { id: string; requestedBy: string; archiveKey: string; now: number }): Promise<boolean> {
  const result = await ctx.db.run(sql`
    INSERT INTO tenant_exports (tenant_id, id, status, requested_by, steps, cursor, archive_key, created_at, updated_at)
    SELECT ${ctx.tenantId}, ${row.id}, 'running', ${row.requestedBy}, 0, '{}', ${row.archiveKey}, ${row.now}, ${row.now}
    WHERE NOT EXISTS (SELECT 1 FROM tenant_exports WHERE tenant_id = ${ctx.tenantId} AND status = 'running')`);
  return (result.meta.changes ?? 0) === 1;
}

export async function getExport(ctx: TenantCtx, id: string): Promise<TenantExport | null> {
  const [row] = await ctx.db
    .select()
    .from(tenantExports)
    .where(and(eq(tenantExports.tenantId, ctx.tenantId), eq(tenantExports.id, id)));
  return row ?? null;
}

export function listExports(ctx: TenantCtx, limit: number): Promise<TenantExport[]> {
  return ctx.db.select().from(tenantExports).where(eq(tenantExports.tenantId, ctx.tenantId)).orderBy(desc(tenantExports.createdAt)).limit(limit);
}

/** Cursors of the tenant's exports that did not finish (running, or failed), which may hold an open upload. */
export async function unfinishedExportCursors(ctx: TenantCtx): Promise<Record<string, unknown>[]> {
  const rows = await ctx.db
    .select({ cursor: tenantExports.cursor })
    .from(tenantExports)
    .where(and(eq(tenantExports.tenantId, ctx.tenantId), ne(tenantExports.status, "ready")));
  return rows.map((r) => r.cursor);
}

/** Fails the tenant's running exports (its deletion started): their next step finds nothing to claim. */
export function failRunningExports(ctx: TenantCtx, now: number) {
  return ctx.db
    .update(tenantExports)
    .set({ status: "failed", error: "the workspace is being deleted", finishedAt: now, updatedAt: now })
    .where(and(eq(tenantExports.tenantId, ctx.tenantId), eq(tenantExports.status, "running")));
}

/** The running export's row claimed for one step until `leaseUntil`; null when it is finished or another step holds it. */
export async function claimExportStep(ctx: TenantCtx, id: string, now: number, leaseUntil: number): Promise<TenantExport | null> {
  const [row] = await ctx.db
    .update(tenantExports)
    .set({ leaseUntil })
    .where(
      and(
        eq(tenantExports.tenantId, ctx.tenantId),
        eq(tenantExports.id, id),
        eq(tenantExports.status, "running"),
        or(isNull(tenantExports.leaseUntil), lte(tenantExports.leaseUntil, now)),
      ),
    )
    .returning();
  return row ?? null;
}

/** Records a finished step (its new cursor, or the end) and releases the lease. */
export async function saveExportStep(
  ctx: TenantCtx,
  id: string,
  change: { cursor: Record<string, unknown>; now: number; status?: "ready" | "failed"; sizeBytes?: number; error?: string },
) {
  const finished = change.status ? { status: change.status, finishedAt: change.now } : {};
  await ctx.db
    .update(tenantExports)
    .set({
      cursor: change.cursor,
      steps: sql`${tenantExports.steps} + 1`,
      leaseUntil: null,
      updatedAt: change.now,
      sizeBytes: change.sizeBytes ?? null,
      error: change.error ?? null,
      ...finished,
    })
    .where(and(eq(tenantExports.tenantId, ctx.tenantId), eq(tenantExports.id, id)));
}

/** Starts the deletion unless one exists: returns the row and whether this call created it. */
export async function startDeletion(
  db: Db,
  row: { tenantId: string; tenantSlug: string; requestedById: string; requestedByLabel: string; ip: string | null; requestId: string | null; now: number },
): Promise<{ deletion: TenantDeletion; created: boolean }> {
  const [created] = await db
    .insert(tenantDeletions)
    .values({ ...row, requestedAt: row.now, status: "running", cursor: {}, removed: {}, updatedAt: row.now })
    .onConflictDoNothing()
    .returning();
  if (created) return { deletion: created, created: true };
  const existing = await getDeletion(db, row.tenantId);
  if (!existing) throw new Error("tenant deletion row vanished");
  return { deletion: existing, created: false };
}

export async function getDeletion(db: Db, tenantId: string): Promise<TenantDeletion | null> {
  const [row] = await db.select().from(tenantDeletions).where(eq(tenantDeletions.tenantId, tenantId));
  return row ?? null;
}

export async function claimDeletionStep(db: Db, tenantId: string, now: number, leaseUntil: number): Promise<TenantDeletion | null> {
  const [row] = await db
    .update(tenantDeletions)
    .set({ leaseUntil })
    .where(
      and(
        eq(tenantDeletions.tenantId, tenantId),
        eq(tenantDeletions.status, "running"),
        or(isNull(tenantDeletions.leaseUntil), lte(tenantDeletions.leaseUntil, now)),
      ),
    )
    .returning();
  return row ?? null;
}

export async function saveDeletionStep(
  db: Db,
  tenantId: string,
  change: { cursor: Record<string, unknown>; removed: Record<string, number>; now: number; done?: boolean },
) {
  await db
    .update(tenantDeletions)
    .set({
      cursor: change.cursor,
      removed: change.removed,
      steps: sql`${tenantDeletions.steps} + 1`,
      leaseUntil: null,
      updatedAt: change.now,
      ...(change.done ? { status: "done" as const, finishedAt: change.now } : {}),
    })
    .where(eq(tenantDeletions.tenantId, tenantId));
}

/** Jobs still running whose last step is older than `before` and holds no live lease: their step message was lost. */
export async function stalledJobs(control: Db, shards: Db[], before: number, now: number) {
  const idle = (t: typeof tenantExports | typeof tenantDeletions) =>
    and(eq(t.status, "running"), lte(t.updatedAt, before), or(isNull(t.leaseUntil), lte(t.leaseUntil, now)));
  const [exports, deletions] = await Promise.all([
    Promise.all(
      shards.map((db) => db.select({ tenantId: tenantExports.tenantId, id: tenantExports.id }).from(tenantExports).where(idle(tenantExports)).limit(100)),
    ),
    control.select({ tenantId: tenantDeletions.tenantId }).from(tenantDeletions).where(idle(tenantDeletions)).limit(100),
  ]);
  return { exports: exports.flat(), deletions };
}

/** The tenant's slug and name, for the typed confirmation of a deletion. */
export async function tenantNames(ctx: TenantCtx) {
  const [row] = await ctx.control.select({ slug: tenants.slug, name: tenants.name }).from(tenants).where(eq(tenants.id, ctx.tenantId));
  return row ?? null;
}
