import { sql } from "drizzle-orm";
import type { CostDraft } from "../../../costs/draft";
import { dayOf } from "../../../costs/period";
import type { TenantCtx } from "../../client";
import { chunkRows, payloadValue as v } from "../../bulk";
import { stmt, type Stmt } from "../../statements";
import type { ResolvedCost } from "./attribution";
import { holdsSent, sentRows } from "./ledger-records";

/** Where each record's amount goes (cost_allocations, per product) and the daily rollups built from them. */

/**
 * Replaces the allocations of the records that now hold what this write sent (`payloads`); ids are looked up by
 * (source, ref) inside the batch, so racing writers cannot orphan allocations, and a record the upsert left alone
 * (another team's) keeps its own.
 */
export function allocationStatements(ctx: TenantCtx, drafts: CostDraft[], resolved: ResolvedCost[], payloads: string[]): Stmt[] {
  const t = ctx.tenantId;
  const out: Stmt[] = [];
  const written = sql`SELECT c.id FROM (${sentRows(payloads)}) r CROSS JOIN cost_records c ON c.tenant_id = ${t} AND c.source = r.source AND c.external_ref = r.external_ref
    WHERE ${holdsSent}`;
  out.push(stmt(sql`DELETE FROM cost_allocations WHERE tenant_id = ${t} AND cost_id IN (${written})`));
  const allocationRows = drafts.flatMap((d, i) =>
    resolved[i].allocations.map((a) => [
      d.source,
      d.externalRef,
      a.productId,
      a.teamId,
      resolved[i].pipelineId ?? "",
      dayOf(d.startedAt),
      d.currency,
      a.amountMicros,
      a.share,
    ]),
  );
  for (const payload of chunkRows(allocationRows)) {
    out.push(
      stmt(sql`
        INSERT INTO cost_allocations (tenant_id, cost_id, product_id, team_id, pipeline_id, source, day, currency, amount_micros, share)
        SELECT ${t}, c.id, ${v(2)}, ${v(3)}, ${v(4)}, c.source, ${v(5)}, ${v(6)}, ${v(7)}, ${v(8)}
        FROM json_each(${payload}) r CROSS JOIN cost_records c ON c.tenant_id = ${t} AND c.source = ${v(0)} AND c.external_ref = ${v(1)}
        WHERE c.id IN (${written})`),
    );
  }
  return out;
}

/**
 * Deletes and rebuilds the rollups of the given days (inside the caller's batch): cost_daily from the allocations,
 * then cost_daily_totals (one series per dimension) from cost_daily.
 */
export function rebuildDaysStatements(ctx: TenantCtx, days: string[]): Stmt[] {
  if (!days.length) return [];
  const t = ctx.tenantId;
  const payload = JSON.stringify([...new Set(days)].sort());
  const inDays = sql`day IN (SELECT value FROM json_each(${payload}))`;
  return [
    stmt(sql`DELETE FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}`),
    stmt(sql`
      INSERT INTO cost_daily (tenant_id, day, product_id, team_id, pipeline_id, source, currency, amount_micros, records)
      SELECT tenant_id, day, product_id, team_id, pipeline_id, source, currency, sum(amount_micros), count(*)
      FROM cost_allocations WHERE tenant_id = ${t} AND ${inDays}
      GROUP BY day, product_id, team_id, pipeline_id, source, currency`),
    stmt(sql`DELETE FROM cost_daily_totals WHERE tenant_id = ${t} AND ${inDays}`),
    stmt(sql`
      INSERT INTO cost_daily_totals (tenant_id, dimension, day, key, currency, amount_micros, records)
      SELECT ${t}, dimension, day, key, currency, sum(amount_micros), sum(records) FROM (
        SELECT 'team' AS dimension, day, team_id AS key, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'product', day, product_id, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'pipeline', day, pipeline_id, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
        UNION ALL SELECT 'source', day, source, currency, amount_micros, records FROM cost_daily WHERE tenant_id = ${t} AND ${inDays}
      ) GROUP BY dimension, day, key, currency`),
  ];
}
