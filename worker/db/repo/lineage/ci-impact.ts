import { sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { rawRows } from "../../statements";

/** Reads the CI impact preview needs beyond the lineage graph: dbt node → catalog dataset, and ledger cost per dataset. */

/** Catalog node ids of a project's dbt nodes (by unique_id), as the latest manifest mapped them. */
export async function catalogIdsOfDbtNodes(ctx: TenantCtx, projectId: string, uniqueIds: string[]): Promise<Map<string, string>> {
  if (!uniqueIds.length) return new Map();
  const rows = await rawRows(
    ctx,
    sql`SELECT n.unique_id, n.node_id FROM json_each(${JSON.stringify(uniqueIds)}) s JOIN dbt_nodes n ON n.tenant_id = ${ctx.tenantId} AND n.project_id = ${projectId} AND n.unique_id = s.value`,
  );
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
  const rows = await rawRows(
    ctx,
    sql`SELECT d.value, c.currency, sum(c.amount_micros * 1.0 / json_array_length(c.attribution, '$.datasetIds'))
       FROM cost_records c, json_each(c.attribution, '$.datasetIds') d
       WHERE c.tenant_id = ${ctx.tenantId} AND c.started_at >= ${from} AND d.value IN (SELECT value FROM json_each(${JSON.stringify(datasetIds)}))
       GROUP BY d.value, c.currency`,
  );
  return rows.map((r) => ({ datasetId: r[0] as string, currency: r[1] as string, micros: Math.round(r[2] as number) }));
}

/**
 * A project's models with their production builds since `from` (success or error: a skipped model ran nothing) and
 * the catalog dataset their cost is attributed to; and how many invocations built models at all.
 */
export async function modelBuilds(
  ctx: TenantCtx,
  projectId: string,
  from: number,
): Promise<{ models: Array<{ uniqueId: string; nodeId: string; materialized: string | null; builds: number }>; invocations: number }> {
  const [models, invocations] = await Promise.all([
    rawRows(
      ctx,
      sql`SELECT n.unique_id, n.node_id, n.materialized,
           (SELECT count(*) FROM dbt_node_results r
             WHERE r.tenant_id = n.tenant_id AND r.project_id = n.project_id AND r.unique_id = n.unique_id
               AND r.completed_at >= ${from} AND r.status IN ('success', 'error'))
         FROM dbt_nodes n
         WHERE n.tenant_id = ${ctx.tenantId} AND n.project_id = ${projectId} AND n.resource_type = 'model' AND n.defined = 1`,
    ),
    rawRows(
      ctx,
      sql`SELECT count(DISTINCT upload_id) FROM dbt_node_results
         WHERE tenant_id = ${ctx.tenantId} AND project_id = ${projectId} AND completed_at >= ${from}
           AND unique_id LIKE 'model.%' AND status IN ('success', 'error')`,
    ),
  ]);
  return {
    models: models.map((r) => ({ uniqueId: r[0] as string, nodeId: r[1] as string, materialized: (r[2] as string | null) ?? null, builds: r[3] as number })),
    invocations: (invocations[0]?.[0] as number) ?? 0,
  };
}
