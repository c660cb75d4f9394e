import { sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import type { CostAttributionInput } from "../../schema";
import { queryAll } from "../../statements";

export interface StoredCost {
  id: string;
  source: string;
  externalRef: string;
  amountMicros: number;
  currency: string;
  quantity: number | null;
  unit: string | null;
  startedAt: number;
  endedAt: number | null;
  description: string | null;
  attribution: CostAttributionInput;
  teamId: string | null;
  pipelineId: string | null;
  runId: string | null;
  taskKey: string | null;
  attributedBy: string;
  allocations: Array<{ productId: string; amountMicros: number; share: number }>;
}

export interface CostRecordFilter {
  from?: number;
  to?: number;
  source?: string;
  teamId?: string;
  pipelineId?: string;
  productId?: string;
  runId?: string;
  before?: { at: number; id: string };
  limit: number;
}

/** Ledger records newest first (by start), with their allocations; `limit + 1` rows for cursor paging. */
export async function listCostRecords(ctx: TenantCtx, f: CostRecordFilter): Promise<StoredCost[]> {
  const conds = [sql`c.tenant_id = ${ctx.tenantId}`];
  if (f.from !== undefined) conds.push(sql`c.started_at >= ${f.from}`);
  if (f.to !== undefined) conds.push(sql`c.started_at < ${f.to}`);
  if (f.source) conds.push(sql`c.source = ${f.source}`);
  if (f.teamId) conds.push(sql`c.team_id = ${f.teamId}`);
  if (f.pipelineId) conds.push(sql`c.pipeline_id = ${f.pipelineId}`);
  if (f.runId) conds.push(sql`c.run_id = ${f.runId}`);
  if (f.productId)
    conds.push(sql`EXISTS (SELECT 1 FROM cost_allocations a WHERE a.tenant_id = c.tenant_id AND a.cost_id = c.id AND a.product_id = ${f.productId})`);
  if (f.before) conds.push(sql`(c.started_at < ${f.before.at} OR (c.started_at = ${f.before.at} AND c.id < ${f.before.id}))`);
  const rows = await queryAll<Record<string, unknown>>(
    ctx,
    sql`SELECT c.id, c.source, c.external_ref, c.amount_micros, c.currency, c.quantity, c.unit, c.started_at, c.ended_at, c.description,
          c.attribution, c.team_id, c.pipeline_id, c.run_id, c.task_key, c.attributed_by,
          (SELECT json_group_array(json_array(x.product_id, x.amount_micros, x.share)) FROM (
             SELECT a.product_id, a.amount_micros, a.share FROM cost_allocations a WHERE a.tenant_id = c.tenant_id AND a.cost_id = c.id
             ORDER BY a.amount_micros DESC, a.product_id) x) AS allocations
        FROM cost_records c WHERE ${sql.join(conds, sql` AND `)}
        ORDER BY c.started_at DESC, c.id DESC LIMIT ${f.limit + 1}`,
  );
  return rows.map((r) => ({
    id: r.id as string,
    source: r.source as string,
    externalRef: r.external_ref as string,
    amountMicros: r.amount_micros as number,
    currency: r.currency as string,
    quantity: (r.quantity as number | null) ?? null,
    unit: (r.unit as string | null) ?? null,
    startedAt: r.started_at as number,
    endedAt: (r.ended_at as number | null) ?? null,
    description: (r.description as string | null) ?? null,
    attribution: JSON.parse(r.attribution as string),
    teamId: (r.team_id as string | null) ?? null,
    pipelineId: (r.pipeline_id as string | null) ?? null,
    runId: (r.run_id as string | null) ?? null,
    taskKey: (r.task_key as string | null) ?? null,
    attributedBy: r.attributed_by as string,
    allocations: (JSON.parse(r.allocations as string) as Array<[string, number, number]>).map(([productId, amountMicros, share]) => ({
      productId,
      amountMicros,
      share,
    })),
  }));
}
