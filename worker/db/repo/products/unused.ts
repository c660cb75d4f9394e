import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelines, products, unusedPipelineActions } from "../../schema";
import type { UnusedPolicy } from "../../schema/products";
import { newId } from "../../../lib/ids";
import { fromBuilder, insertRowIf, queryAll, runBatch, stmt } from "../../statements";
import { auditInsert, auditInsertIf, type AuditSource } from "../platform/audit";
import type { Product } from "./products";

/**
 * The state of products' unused policies (columns of `products`) and the actions they took on pipelines
 * (`unused_pipeline_actions`). Each write that changes a pipeline is one D1 batch with its action row and audit entry,
 * each step conditional on the one before, so a repeated pass or a double click changes a pipeline once.
 */

export type UnusedPipelineAction = typeof unusedPipelineActions.$inferSelect;

const productKey = (ctx: TenantCtx, productId: string) => and(eq(products.tenantId, ctx.tenantId), eq(products.id, productId));

/** Sets (or, with null, turns off) a product's policy. A pending notice goes with a change: the next pass decides afresh. */
export async function setUnusedPolicy(ctx: TenantCtx, source: AuditSource, product: Product, policy: UnusedPolicy | null): Promise<void> {
  await ctx.db.batch([
    ctx.db.update(products).set({ unusedPolicy: policy, unusedNoticeAt: null, updatedAt: source.now }).where(productKey(ctx, product.id)),
    auditInsert(ctx, source, {
      action: policy ? "product.unused_policy_set" : "product.unused_policy_cleared",
      targetType: "product",
      targetId: product.id,
      teamId: product.ownerTeamId,
      details: { name: product.name, ...(policy ? { after_days: policy.afterDays, action: policy.action, slow_to: policy.slowTo } : {}) },
    }),
  ]);
}

/** Records that the owners are being told; false when another pass already did (only the one that claims it sends). */
export async function claimNotice(ctx: TenantCtx, productId: string, now: number): Promise<boolean> {
  const rows = await ctx.db
    .update(products)
    .set({ unusedNoticeAt: now })
    .where(and(productKey(ctx, productId), isNull(products.unusedNoticeAt)))
    .returning({ id: products.id });
  return rows.length > 0;
}

export async function clearNotice(ctx: TenantCtx, productId: string): Promise<void> {
  await ctx.db.update(products).set({ unusedNoticeAt: null }).where(productKey(ctx, productId));
}

/** "Keep" (or after an undo): no action before `until`; a pending notice is withdrawn. Audited. */
export async function keepProduct(ctx: TenantCtx, source: AuditSource, product: Product, until: number, why: "kept" | "undone"): Promise<void> {
  await ctx.db.batch([
    ctx.db.update(products).set({ unusedNoticeAt: null, unusedKeptUntil: until }).where(productKey(ctx, product.id)),
    auditInsert(ctx, source, {
      action: why === "kept" ? "product.unused_kept" : "product.unused_undone",
      targetType: "product",
      targetId: product.id,
      teamId: product.ownerTeamId,
      details: { name: product.name, kept_until: new Date(until).toISOString() },
    }),
  ]);
}

/** Actions of the given products, newest first (in effect or undone). Ids go as one JSON array: D1 binds at most 100 values. */
export async function actionsOfProducts(ctx: TenantCtx, productIds: string[]): Promise<UnusedPipelineAction[]> {
  if (!productIds.length) return [];
  return ctx.db
    .select()
    .from(unusedPipelineActions)
    .where(
      and(
        eq(unusedPipelineActions.tenantId, ctx.tenantId),
        sql`${unusedPipelineActions.productId} IN (SELECT value FROM json_each(${JSON.stringify(productIds)}))`,
      ),
    )
    .orderBy(desc(unusedPipelineActions.actedAt), unusedPipelineActions.pipelineName);
}

/** Every action in effect in the tenant (any product): the policy never acts twice on a pipeline. */
export async function activeActions(ctx: TenantCtx): Promise<UnusedPipelineAction[]> {
  return ctx.db
    .select()
    .from(unusedPipelineActions)
    .where(and(eq(unusedPipelineActions.tenantId, ctx.tenantId), isNull(unusedPipelineActions.undoneAt)));
}

export interface PlannedAction {
  productId: string;
  ownerTeamId: string;
  productName: string;
  pipelineId: string;
  pipelineName: string;
  action: "slow" | "pause";
  previousCron: string;
  timezone: string;
  newCron: string | null;
  costPerRunMicros: number | null;
  costRuns: number;
  currency: string;
}

/**
 * Slows or pauses one pipeline for a product: the action row (only if the pipeline has none in effect, is live, not
 * paused and still on the schedule planned), then the pipeline change and the audit entry, both only if that row went
 * in. True when it applied.
 */
export async function applyAction(ctx: TenantCtx, source: AuditSource, a: PlannedAction): Promise<boolean> {
  const id = newId("unusedAction");
  const t = ctx.tenantId;
  const inserted = sql`EXISTS (SELECT 1 FROM unused_pipeline_actions WHERE tenant_id = ${t} AND id = ${id})`;
  const pipelineAsPlanned = sql`EXISTS (SELECT 1 FROM pipelines WHERE tenant_id = ${t} AND id = ${a.pipelineId} AND archived_at IS NULL AND paused = 0
    AND coalesce(schedule_override, cron) = ${a.previousCron})
    AND NOT EXISTS (SELECT 1 FROM unused_pipeline_actions WHERE tenant_id = ${t} AND pipeline_id = ${a.pipelineId} AND undone_at IS NULL)`;
  const change = a.action === "pause" ? { paused: true, updatedAt: source.now } : { scheduleOverride: a.newCron, updatedAt: source.now };
  const results = await runBatch(ctx, [
    insertRowIf(
      unusedPipelineActions,
      {
        tenantId: t,
        id,
        productId: a.productId,
        pipelineId: a.pipelineId,
        pipelineName: a.pipelineName,
        action: a.action,
        previousCron: a.previousCron,
        timezone: a.timezone,
        newCron: a.newCron,
        actedAt: source.now,
        costPerRunMicros: a.costPerRunMicros,
        costRuns: a.costRuns,
        currency: a.currency,
      },
      pipelineAsPlanned,
    ),
    fromBuilder(
      ctx.db
        .update(pipelines)
        .set(change)
        .where(and(eq(pipelines.tenantId, t), eq(pipelines.id, a.pipelineId), inserted)),
    ),
    stmt(
      auditInsertIf(
        ctx,
        source,
        {
          action: a.action === "pause" ? "pipeline.paused_unused" : "pipeline.slowed_unused",
          targetType: "pipeline",
          targetId: a.pipelineId,
          teamId: a.ownerTeamId,
          details: { name: a.pipelineName, product: a.productName, schedule_before: a.previousCron, schedule_after: a.newCron, timezone: a.timezone },
        },
        inserted,
      ),
    ),
  ]);
  return (results[0].meta.changes ?? 0) > 0;
}

/**
 * Undoes every action in effect for a product: each is marked undone (the claim), then its pipeline gets its schedule
 * back (the override cleared, if still the one set) or is resumed (if still paused), audited; a second undo finds
 * nothing. Returns the actions undone.
 */
export async function undoActions(ctx: TenantCtx, source: AuditSource, product: Product, by: string): Promise<UnusedPipelineAction[]> {
  const active = (await actionsOfProducts(ctx, [product.id])).filter((a) => a.undoneAt === null);
  if (!active.length) return [];
  const t = ctx.tenantId;
  const claim = `${by}:${newId("unusedAction")}`;
  const statements = active.flatMap((a) => {
    const claimed = sql`EXISTS (SELECT 1 FROM unused_pipeline_actions WHERE tenant_id = ${t} AND id = ${a.id} AND undone_by = ${claim})`;
    const restore =
      a.action === "pause"
        ? ctx.db
            .update(pipelines)
            .set({ paused: false, updatedAt: source.now })
            .where(and(eq(pipelines.tenantId, t), eq(pipelines.id, a.pipelineId), eq(pipelines.paused, true), claimed))
        : ctx.db
            .update(pipelines)
            .set({ scheduleOverride: null, updatedAt: source.now })
            .where(and(eq(pipelines.tenantId, t), eq(pipelines.id, a.pipelineId), eq(pipelines.scheduleOverride, a.newCron ?? ""), claimed));
    return [
      fromBuilder(
        ctx.db
          .update(unusedPipelineActions)
          .set({ undoneAt: source.now, undoneBy: claim })
          .where(and(eq(unusedPipelineActions.tenantId, t), eq(unusedPipelineActions.id, a.id), isNull(unusedPipelineActions.undoneAt))),
      ),
      fromBuilder(restore),
      stmt(
        auditInsertIf(
          ctx,
          source,
          {
            action: a.action === "pause" ? "pipeline.unused_pause_undone" : "pipeline.unused_slow_undone",
            targetType: "pipeline",
            targetId: a.pipelineId,
            teamId: product.ownerTeamId,
            details: { name: a.pipelineName, product: product.name, schedule_restored: a.previousCron, timezone: a.timezone },
          },
          claimed,
        ),
      ),
    ];
  });
  const results = await runBatch(ctx, statements);
  // Who undid it, without the claim's random part.
  const undone = active.filter((_, i) => (results[i * 3].meta.changes ?? 0) > 0);
  if (undone.length) {
    await ctx.db
      .update(unusedPipelineActions)
      .set({ undoneBy: by })
      .where(and(eq(unusedPipelineActions.tenantId, t), eq(unusedPipelineActions.undoneBy, claim)));
  }
  return undone.map((a) => ({ ...a, undoneAt: source.now, undoneBy: by }));
}

/** Marks the product's actions in effect as "owners told that use returned". */
export async function markUseReturned(ctx: TenantCtx, productId: string, now: number): Promise<boolean> {
  const rows = await ctx.db
    .update(unusedPipelineActions)
    .set({ useReturnedAt: now })
    .where(
      and(
        eq(unusedPipelineActions.tenantId, ctx.tenantId),
        eq(unusedPipelineActions.productId, productId),
        isNull(unusedPipelineActions.undoneAt),
        isNull(unusedPipelineActions.useReturnedAt),
      ),
    )
    .returning({ id: unusedPipelineActions.id });
  return rows.length > 0;
}

/** Cost attributed to each pipeline's runs in [from, to), in `currency`, and how many runs carried it. */
export async function runCostOfPipelines(
  ctx: TenantCtx,
  pipelineIds: string[],
  from: number,
  to: number,
  currency: string,
): Promise<Map<string, { totalMicros: number; runs: number }>> {
  if (!pipelineIds.length) return new Map();
  const rows = await queryAll<{ pipeline_id: string; total: number; runs: number }>(
    ctx,
    sql`SELECT pipeline_id, sum(amount_micros) AS total, count(DISTINCT run_id) AS runs FROM cost_records
        WHERE tenant_id = ${ctx.tenantId} AND pipeline_id IN (SELECT value FROM json_each(${JSON.stringify(pipelineIds)}))
          AND run_id IS NOT NULL AND currency = ${currency} AND started_at >= ${from} AND started_at < ${to}
        GROUP BY pipeline_id`,
  );
  return new Map(rows.map((r) => [r.pipeline_id, { totalMicros: r.total, runs: r.runs }]));
}

/** Runs each action's pipeline made (any trigger) from the action until it was undone or `now`, by action id. */
export async function runsDuringActions(ctx: TenantCtx, actions: UnusedPipelineAction[], now: number): Promise<Map<string, number>> {
  if (!actions.length) return new Map();
  const spans = actions.map((a) => ({ id: a.id, pipeline: a.pipelineId, from: a.actedAt, to: Math.min(a.undoneAt ?? now, now) }));
  const rows = await queryAll<{ id: string; n: number }>(
    ctx,
    sql`SELECT json_extract(s.value, '$.id') AS id,
          (SELECT count(*) FROM runs r WHERE r.tenant_id = ${ctx.tenantId} AND r.pipeline_id = json_extract(s.value, '$.pipeline')
             AND r.queued_at > json_extract(s.value, '$.from') AND r.queued_at <= json_extract(s.value, '$.to')) AS n
        FROM json_each(${JSON.stringify(spans)}) s`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}
