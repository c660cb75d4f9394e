import type { TenantCtx } from "../../client";
import { d1Of } from "../../statements";

/** Reads the CI impact preview needs beyond the lineage graph: dbt node → catalog dataset, and ledger cost per dataset. */

/** Catalog node ids of a project's dbt nodes (by unique_id), as the latest manifest mapped them. */
export async function catalogIdsOfDbtNodes(ctx: TenantCtx, projectId: string, uniqueIds: string[]): Promise<Map<string, string>> {
  if (!uniqueIds.length) return new Map();
  const rows = await d1Of(ctx)
    .prepare(`SELECT n.unique_id, n.node_id FROM json_each(?3) s JOIN dbt_nodes n ON n.tenant_id = ?1 AND n.project_id = ?2 AND n.unique_id = s.value`)
    .bind(ctx.tenantId, projectId, JSON.stringify(uniqueIds))
    .raw();
  return new Map(rows.map((r) => [r[0] as string, r[1] as string]));
}

/**
 * Ledger cost since `from` per dataset and currency. A record attributed to several datasets is split evenly
 * between them, so the sum over datasets never exceeds the records' amounts.
 */
export async function costByDataset(
  ctx: TenantCtx,
  datasetIds: string[],
  from: number,
): Promise<Array<{ datasetId: string; currency: string; micros: number }>> {
  if (!datasetIds.length) return [];
  const rows = await d1Of(ctx)
    .prepare(
      `SELECT d.value, c.currency, sum(c.amount_micros * 1.0 / json_array_length(c.attribution, '$.datasetIds'))
       FROM cost_records c, json_each(c.attribution, '$.datasetIds') d
       WHERE c.tenant_id = ?1 AND c.started_at >= ?3 AND d.value IN (SELECT value FROM json_each(?2))
       GROUP BY d.value, c.currency`,
    )
    .bind(ctx.tenantId, JSON.stringify(datasetIds), from)
    .raw();
  return rows.map((r) => ({ datasetId: r[0] as string, currency: r[1] as string, micros: Math.round(r[2] as number) }));
}
