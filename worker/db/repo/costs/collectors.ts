import { and, desc, eq, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { collectorRuns, collectorSources, costCollectors, type CollectorKind, type CollectorSettings } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { queryAll } from "../../statements";

/** Cost collectors per connection (settings, watermarks, next pass) and the history of their passes. */

export type CollectorRow = typeof costCollectors.$inferSelect;
export type CollectorRun = typeof collectorRuns.$inferSelect;

/** Passes kept per connection; older ones are removed as new ones are recorded. */
export const RUNS_KEPT = 200;

const byConnection = (ctx: TenantCtx, connectionId: string) => and(eq(costCollectors.tenantId, ctx.tenantId), eq(costCollectors.connectionId, connectionId));

export async function getCollector(ctx: TenantCtx, connectionId: string): Promise<CollectorRow | null> {
  const [row] = await ctx.db.select().from(costCollectors).where(byConnection(ctx, connectionId)).limit(1);
  return row ?? null;
}

/** Enables, disables or reconfigures a connection's collector, with its audit entry; watermarks are kept. */
export async function saveCollector(
  ctx: TenantCtx,
  audit: AuditSource,
  input: { connectionId: string; teamId: string; kind: CollectorKind; enabled: boolean; settings: CollectorSettings; nextRunAt: number | null },
): Promise<void> {
  const row = {
    tenantId: ctx.tenantId,
    connectionId: input.connectionId,
    kind: input.kind,
    enabled: input.enabled,
    settings: input.settings,
    watermarks: {},
    nextRunAt: input.nextRunAt,
    updatedAt: audit.now,
    updatedBy: audit.principal.actor.id,
  };
  await ctx.db.batch([
    ctx.db
      .insert(costCollectors)
      .values(row)
      .onConflictDoUpdate({
        target: [costCollectors.tenantId, costCollectors.connectionId],
        set: { enabled: row.enabled, settings: row.settings, nextRunAt: row.nextRunAt, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
      }),
    auditInsert(ctx, audit, {
      action: input.enabled ? "collector.enabled" : "collector.disabled",
      targetType: "connection",
      targetId: input.connectionId,
      teamId: input.teamId,
      details: { kind: input.kind, settings: input.settings },
    }),
  ]);
}

export type NewCollectorRun = Omit<CollectorRun, "tenantId" | "id" | "connectionId">;

/**
 * Records a pass with the watermarks it reached and when the next one is due, in one batch, and keeps the latest
 * RUNS_KEPT passes of the connection. A collector disabled while the pass ran stays disabled (no next run).
 */
export async function finishCollectorRun(
  ctx: TenantCtx,
  connectionId: string,
  id: string,
  run: NewCollectorRun,
  watermarks: Record<string, number>,
  nextRunAt: number,
): Promise<string> {
  await ctx.db.batch([
    ctx.db.insert(collectorRuns).values({ tenantId: ctx.tenantId, id, connectionId, ...run }),
    ctx.db
      .update(costCollectors)
      .set({ watermarks, nextRunAt: sql`CASE WHEN ${costCollectors.enabled} THEN ${nextRunAt} ELSE NULL END` })
      .where(byConnection(ctx, connectionId)),
    ctx.db
      .delete(collectorRuns)
      .where(
        and(
          eq(collectorRuns.tenantId, ctx.tenantId),
          eq(collectorRuns.connectionId, connectionId),
          sql`${collectorRuns.id} NOT IN (SELECT id FROM collector_runs WHERE tenant_id = ${ctx.tenantId} AND connection_id = ${connectionId} ORDER BY started_at DESC, id DESC LIMIT ${RUNS_KEPT})`,
        ),
      ),
  ]);
  return id;
}

export async function getCollectorRun(ctx: TenantCtx, connectionId: string, id: string): Promise<CollectorRun | null> {
  const [row] = await ctx.db
    .select()
    .from(collectorRuns)
    .where(and(eq(collectorRuns.tenantId, ctx.tenantId), eq(collectorRuns.connectionId, connectionId), eq(collectorRuns.id, id)))
    .limit(1);
  return row ?? null;
}

/** Records that a person asked for a pass (POST /collectors/{id}/collect) and which pass answered. */
export async function auditCollectRequest(ctx: TenantCtx, audit: AuditSource, input: { connectionId: string; teamId: string; passId: string }) {
  await auditInsert(ctx, audit, {
    action: "collector.collect_requested",
    targetType: "connection",
    targetId: input.connectionId,
    teamId: input.teamId,
    details: { pass_id: input.passId },
  });
}

export async function listCollectorRuns(ctx: TenantCtx, connectionId: string, limit: number): Promise<CollectorRun[]> {
  return ctx.db
    .select()
    .from(collectorRuns)
    .where(and(eq(collectorRuns.tenantId, ctx.tenantId), eq(collectorRuns.connectionId, connectionId)))
    .orderBy(desc(collectorRuns.startedAt), desc(collectorRuns.id))
    .limit(limit);
}

export interface CollectorOverview {
  connection_id: string;
  connection_name: string;
  team_id: string;
  kind: CollectorKind;
  enabled: number | null;
  settings: string | null;
  watermarks: string | null;
  next_run_at: number | null;
  run_id: string | null;
  run_started_at: number | null;
  run_finished_at: number | null;
  run_window_from: number | null;
  run_window_to: number | null;
  run_rows_read: number | null;
  run_inserted: number | null;
  run_updated: number | null;
  run_unchanged: number | null;
  run_refused: number | null;
  run_usage_events: number | null;
  run_error: string | null;
}

/** Every connection of a collectable kind, with its collector (if ever set) and its latest pass. */
export async function listCollectorOverview(ctx: TenantCtx, kinds: readonly string[]): Promise<CollectorOverview[]> {
  const t = ctx.tenantId;
  return queryAll<CollectorOverview>(
    ctx,
    sql`SELECT c.id AS connection_id, c.name AS connection_name, c.team_id, c.kind,
          k.enabled, k.settings, k.watermarks, k.next_run_at,
          r.id AS run_id, r.started_at AS run_started_at, r.finished_at AS run_finished_at, r.window_from AS run_window_from, r.window_to AS run_window_to, r.rows_read AS run_rows_read,
          r.inserted AS run_inserted, r.updated AS run_updated, r.unchanged AS run_unchanged, r.refused AS run_refused,
          r.usage_events AS run_usage_events, r.error AS run_error
        FROM connections c
        LEFT JOIN cost_collectors k ON k.tenant_id = ${t} AND k.connection_id = c.id
        LEFT JOIN collector_runs r ON r.tenant_id = ${t} AND r.id = (
          SELECT id FROM collector_runs WHERE tenant_id = ${t} AND connection_id = c.id ORDER BY started_at DESC, id DESC LIMIT 1)
        WHERE c.tenant_id = ${t} AND c.kind IN (SELECT value FROM json_each(${JSON.stringify(kinds)}))
        ORDER BY c.name, c.id`,
  );
}

/**
 * When each collected source was last collected: the end of the latest pass without an error, over the tenant's
 * collectors of that kind. Sources only posted through the API have none.
 */
export async function lastCollectedBySource(ctx: TenantCtx): Promise<Map<string, number>> {
  const rows = await queryAll<{ kind: string; at: number }>(
    ctx,
    sql`SELECT k.kind, max(r.finished_at) AS at FROM collector_runs r
        JOIN cost_collectors k ON k.tenant_id = ${ctx.tenantId} AND k.connection_id = r.connection_id
        WHERE r.tenant_id = ${ctx.tenantId} AND r.error IS NULL GROUP BY k.kind`,
  );
  const out = new Map<string, number>();
  for (const r of rows) for (const source of collectorSources[r.kind as CollectorKind] ?? [r.kind]) out.set(source, Math.max(out.get(source) ?? 0, r.at));
  return out;
}
