import { sql } from "drizzle-orm";
import type { CostDraft } from "../../../costs/draft";
import type { TenantCtx } from "../../client";
import { queryAll, runBatch } from "../../statements";
import { resolveAttribution } from "./attribution";
import { allocationStatements, rebuildDaysStatements } from "./ledger-allocations";
import { recordPayloads, recordUpserts, type StoredRecord } from "./ledger-records";

/** Records to re-attribute: those of a time range, or those allocated to one product. */
export type ReattributeScope = { from: number; to: number } | { productId: string };

/**
 * Re-runs attribution for existing records (after products or memberships changed), in pages of 500 so each
 * D1 batch stays small. Amounts never change; only who they are allocated to. Returns the records re-attributed.
 */
export async function reattributeCosts(ctx: TenantCtx, scope: ReattributeScope, now: number): Promise<{ records: number; days: string[] }> {
  const where =
    "productId" in scope
      ? sql`c.id IN (SELECT a.cost_id FROM cost_allocations a WHERE a.tenant_id = ${ctx.tenantId} AND a.product_id = ${scope.productId})`
      : sql`c.started_at >= ${scope.from} AND c.started_at < ${scope.to}`;
  let after = "";
  let total = 0;
  const allDays = new Set<string>();
  for (;;) {
    const rows = await queryAll<StoredRecord>(
      ctx,
      sql`SELECT c.id, c.source, c.external_ref, c.amount_micros, c.currency, c.quantity, c.unit, c.started_at, c.ended_at, c.description, c.attribution, c.day, c.team_id
          FROM cost_records c WHERE c.tenant_id = ${ctx.tenantId} AND c.id > ${after} AND ${where} ORDER BY c.id LIMIT 500`,
    );
    if (!rows.length) break;
    after = rows[rows.length - 1].id;
    const drafts: CostDraft[] = rows.map((r) => ({
      source: r.source,
      externalRef: r.external_ref,
      amountMicros: r.amount_micros,
      currency: r.currency,
      quantity: r.quantity,
      unit: r.unit,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      description: r.description,
      attribution: JSON.parse(r.attribution),
    }));
    // The team a record fell to by default (the poster's) is kept: it is not in the attribution.
    const resolved = await resolveAttribution(ctx, drafts, (i) => rows[i].team_id);
    const days = [...new Set(rows.map((r) => r.day))];
    days.forEach((d) => allDays.add(d));
    const payloads = recordPayloads(
      drafts,
      resolved,
      rows.map((r) => r.id),
    );
    // Tutti re-attributes every team's records.
    const upserts = recordUpserts(ctx, payloads, now, null);
    await runBatch(ctx, [...upserts, ...allocationStatements(ctx, drafts, resolved, payloads), ...rebuildDaysStatements(ctx, days)]);
    total += rows.length;
  }
  return { records: total, days: [...allDays].sort() };
}
