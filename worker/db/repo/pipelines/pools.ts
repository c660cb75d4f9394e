import { and, asc, eq, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pools } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";

export type Pool = typeof pools.$inferSelect;

const key = (ctx: TenantCtx, name: string) => and(eq(pools.tenantId, ctx.tenantId), eq(pools.name, name));

export async function listPools(ctx: TenantCtx): Promise<Pool[]> {
  return ctx.db.select().from(pools).where(eq(pools.tenantId, ctx.tenantId)).orderBy(asc(pools.name));
}

export async function getPool(ctx: TenantCtx, name: string): Promise<Pool | null> {
  const [row] = await ctx.db.select().from(pools).where(key(ctx, name)).limit(1);
  return row ?? null;
}

/** Creates the pool with its audit entry in one batch; a name taken meanwhile fails on the key (isUniqueViolation). */
export async function createPool(ctx: TenantCtx, source: AuditSource, input: { name: string; slots: number; description: string }): Promise<Pool> {
  const pool: Pool = { tenantId: ctx.tenantId, ...input, createdAt: source.now, updatedAt: source.now };
  await ctx.db.batch([
    ctx.db.insert(pools).values(pool),
    auditInsert(ctx, source, { action: "pool.created", targetType: "pool", targetId: input.name, details: { slots: input.slots } }),
  ]);
  return pool;
}

export async function updatePool(ctx: TenantCtx, source: AuditSource, pool: Pool, change: { slots?: number; description?: string }): Promise<Pool> {
  const next: Pool = { ...pool, slots: change.slots ?? pool.slots, description: change.description ?? pool.description, updatedAt: source.now };
  await ctx.db.batch([
    ctx.db.update(pools).set({ slots: next.slots, description: next.description, updatedAt: next.updatedAt }).where(key(ctx, pool.name)),
    auditInsert(ctx, source, {
      action: "pool.updated",
      targetType: "pool",
      targetId: pool.name,
      details: { slots: { from: pool.slots, to: next.slots } },
    }),
  ]);
  return next;
}

export async function deletePool(ctx: TenantCtx, source: AuditSource, pool: Pool): Promise<void> {
  await ctx.db.batch([
    ctx.db.delete(pools).where(key(ctx, pool.name)),
    auditInsert(ctx, source, { action: "pool.deleted", targetType: "pool", targetId: pool.name, details: { slots: pool.slots } }),
  ]);
}

/**
 * Names of the pipelines (not archived) whose production version, or the version an environment runs, has a task in
 * the pool: what a new run of theirs would ask for.
 */
export async function pipelinesUsingPool(ctx: TenantCtx, name: string): Promise<string[]> {
  const rows = await ctx.db.all<{ name: string }>(sql`
    SELECT DISTINCT p.name AS name FROM pipelines p
    JOIN pipeline_versions v ON v.tenant_id = p.tenant_id AND v.pipeline_id = p.id
    WHERE p.tenant_id = ${ctx.tenantId} AND p.archived_at IS NULL
      AND (v.id = p.current_version_id
        OR v.id IN (SELECT e.version_id FROM pipeline_environments e WHERE e.tenant_id = p.tenant_id AND e.pipeline_id = p.id))
      AND EXISTS (SELECT 1 FROM json_each(v.spec, '$.tasks') t WHERE json_extract(t.value, '$.pool') = ${name})
    ORDER BY p.name`);
  return rows.map((r) => r.name);
}
