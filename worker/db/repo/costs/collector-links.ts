import { sql } from "drizzle-orm";
import type { TaskRef } from "../../../costs/snowflake";
import type { TenantCtx } from "../../client";
import { chunkRows } from "../../bulk";
import { rawRows } from "../../statements";

/**
 * What cost collectors look up in the tenant's own data while mapping a vendor's rows: the Tutti task behind a dbt
 * invocation or a tool's run id, the catalog dataset behind a warehouse table, and which ledger records exist.
 */

const inList = (values: string[]) => sql`(SELECT value FROM json_each(${JSON.stringify(values)}))`;

/**
 * Tasks that ran a dbt invocation: an upload Tutti made itself names its task; a dbt Cloud upload names the dbt
 * Cloud run, which is the external id of the task that started it.
 */
export async function tasksOfDbtInvocations(ctx: TenantCtx, invocationIds: string[]): Promise<Map<string, TaskRef>> {
  const out = new Map<string, TaskRef>();
  if (!invocationIds.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT u.run_results_invocation_id,
          CASE WHEN u.source = 'tutti' THEN json_extract(u.source_ref, '$.run_id') ELSE tr.run_id END,
          CASE WHEN u.source = 'tutti' THEN json_extract(u.source_ref, '$.task_key') ELSE tr.task_key END
        FROM dbt_uploads u
        LEFT JOIN task_runs tr ON tr.tenant_id = ${ctx.tenantId} AND u.source = 'dbt_cloud' AND tr.connector = 'dbt_cloud' AND tr.external_id = json_extract(u.source_ref, '$.run_id')
        WHERE u.tenant_id = ${ctx.tenantId} AND u.run_results_invocation_id IN ${inList(invocationIds)}`,
  );
  for (const [invocation, runId, taskKey] of rows) {
    if (typeof runId === "string" && runId) out.set(invocation as string, { runId, taskKey: (taskKey as string | null) ?? null });
  }
  return out;
}

/**
 * Task attempts of team `teamId`'s pipelines that started the tool runs `externalIds` through connector `connector`
 * (Tutti records each attempt's external run id): a retried task's earlier attempts are found too.
 */
export async function tasksOfExternalRuns(ctx: TenantCtx, connector: string, teamId: string, externalIds: string[]): Promise<Map<string, TaskRef>> {
  const out = new Map<string, TaskRef>();
  for (const payload of chunkRows(externalIds.map((id) => [id]))) {
    const rows = await rawRows(
      ctx,
      sql`SELECT a.external_id, a.run_id, a.task_key
          FROM json_each(${payload}) p
          CROSS JOIN task_attempts a ON a.tenant_id = ${ctx.tenantId} AND a.external_id = p.value ->> '$[0]'
          JOIN task_runs t ON t.tenant_id = ${ctx.tenantId} AND t.run_id = a.run_id AND t.task_key = a.task_key AND t.connector = ${connector}
          JOIN runs r ON r.tenant_id = ${ctx.tenantId} AND r.id = a.run_id AND r.team_id = ${teamId}`,
    );
    for (const [externalId, runId, taskKey] of rows) out.set(externalId as string, { runId: runId as string, taskKey: taskKey as string });
  }
  return out;
}

/**
 * The pipeline of team `teamId` whose task started a tool run `externalIds` through `connector` most recently, per
 * external id (a Fivetran task's external id is the Fivetran connection it syncs): a monthly figure of the
 * connection goes to the pipeline that syncs it.
 */
export async function latestPipelinesOfExternalRuns(ctx: TenantCtx, connector: string, teamId: string, externalIds: string[]): Promise<Map<string, string>> {
  const latest = new Map<string, { pipeline: string; at: number }>();
  for (const payload of chunkRows(externalIds.map((id) => [id]))) {
    const rows = await rawRows(
      ctx,
      sql`SELECT a.external_id, r.pipeline_name, max(coalesce(a.started_at, a.queued_at, 0)) AS at
          FROM json_each(${payload}) p
          CROSS JOIN task_attempts a ON a.tenant_id = ${ctx.tenantId} AND a.external_id = p.value ->> '$[0]'
          JOIN task_runs t ON t.tenant_id = ${ctx.tenantId} AND t.run_id = a.run_id AND t.task_key = a.task_key AND t.connector = ${connector}
          JOIN runs r ON r.tenant_id = ${ctx.tenantId} AND r.id = a.run_id AND r.team_id = ${teamId}
          GROUP BY 1, 2`,
    );
    for (const [externalId, pipeline, at] of rows) {
      const had = latest.get(externalId as string);
      // Ties (two pipelines' attempts in the same millisecond) go to the first name, so a re-read picks the same one.
      if (!had || (at as number) > had.at || ((at as number) === had.at && (pipeline as string) < had.pipeline))
        latest.set(externalId as string, { pipeline: pipeline as string, at: at as number });
    }
  }
  return new Map([...latest].map(([id, l]) => [id, l.pipeline]));
}

/**
 * Catalog datasets in `namespace` by table name, matched without regard to case (Snowflake reports unquoted names in
 * upper case; lineage producers often write them in lower case). Keys are upper case.
 */
export async function datasetsByTableName(ctx: TenantCtx, namespace: string, tables: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const names = [...new Set(tables.flatMap((t) => [t, t.toUpperCase(), t.toLowerCase()]))];
  for (const payload of chunkRows(names.map((n) => [n]))) {
    const rows = await rawRows(
      ctx,
      sql`SELECT d.name, d.id, d.namespace FROM json_each(${payload}) p
          CROSS JOIN datasets d ON d.tenant_id = ${ctx.tenantId} AND d.name = p.value ->> '$[0]'`,
    );
    for (const [name, id, ns] of rows) if ((ns as string).toLowerCase() === namespace.toLowerCase()) out.set((name as string).toUpperCase(), id as string);
  }
  return out;
}

/** Which of `refs` the ledger holds for `source`. */
export async function storedCostRefs(ctx: TenantCtx, source: string, refs: string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const payload of chunkRows(refs.map((r) => [r]))) {
    const rows = await rawRows(
      ctx,
      sql`SELECT c.external_ref FROM json_each(${payload}) p
          CROSS JOIN cost_records c ON c.tenant_id = ${ctx.tenantId} AND c.source = ${source} AND c.external_ref = p.value ->> '$[0]'`,
    );
    for (const [ref] of rows) out.add(ref as string);
  }
  return out;
}
