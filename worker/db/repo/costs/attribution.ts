import { sql } from "drizzle-orm";
import { attributeShares, allocate, type AttributedBy, type WeightedProduct } from "../../../costs/attribution";
import type { CostDraft } from "../../../costs/draft";
import type { TenantCtx } from "../../client";
import { claimsOfDatasets } from "../products/membership";
import { rawRows } from "../../statements";

/**
 * Gathers the links of the attribution chain for a batch of cost drafts with a handful of statements, then
 * lets worker/costs/attribution.ts weigh them:
 *   warehouse query id → dbt run_results node (→ its dataset) → the upload → the Tutti task (directly, or the
 *   dbt Cloud task whose external id is the dbt Cloud run) → the pipeline run (→ its pinned spec's products,
 *   its team) → datasets the task wrote → products claiming them.
 * A record whose (source, ref) or query id matches a connector's cost fact inherits that fact's task and team.
 */

export interface Allocation {
  productId: string;
  teamId: string;
  amountMicros: number;
  share: number;
}

export interface ResolvedCost {
  teamId: string | null;
  pipelineId: string | null;
  runId: string | null;
  taskKey: string | null;
  attributedBy: AttributedBy;
  allocations: Allocation[];
}

interface RunInfo {
  pipelineId: string;
  pipelineName: string;
  teamId: string;
  products: string[];
}

interface QueryLink {
  datasetId: string | null;
  runId: string | null;
  taskKey: string | null;
}

/** dbt node results by warehouse query id: the node's dataset and the Tutti task that produced the upload. */
async function queryLinks(ctx: TenantCtx, queryIds: string[]): Promise<Map<string, QueryLink>> {
  const out = new Map<string, QueryLink>();
  if (!queryIds.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT r.query_id, n.node_id, u.source, json_extract(u.source_ref, '$.run_id'), json_extract(u.source_ref, '$.task_key'), tr.run_id, tr.task_key
     FROM dbt_node_results r
     LEFT JOIN dbt_nodes n ON n.tenant_id = ${ctx.tenantId} AND n.project_id = r.project_id AND n.unique_id = r.unique_id
     LEFT JOIN dbt_uploads u ON u.tenant_id = ${ctx.tenantId} AND u.id = r.upload_id
     LEFT JOIN task_runs tr ON tr.tenant_id = ${ctx.tenantId} AND u.source = 'dbt_cloud' AND tr.connector = 'dbt_cloud' AND tr.external_id = json_extract(u.source_ref, '$.run_id')
     WHERE r.tenant_id = ${ctx.tenantId} AND r.query_id IN (SELECT value FROM json_each(${JSON.stringify(queryIds)}))`,
  );
  for (const [queryId, nodeId, source, refRun, refTask, taskRun, taskKey] of rows) {
    const viaTutti = source === "tutti" ? { runId: refRun as string | null, taskKey: refTask as string | null } : null;
    const link: QueryLink = {
      datasetId: typeof nodeId === "string" && nodeId.startsWith("ds_") ? nodeId : null,
      runId: viaTutti?.runId ?? (taskRun as string | null) ?? null,
      taskKey: viaTutti?.taskKey ?? (taskKey as string | null) ?? null,
    };
    const had = out.get(queryId as string);
    // A query id seen in two uploads (the same run_results uploaded by CI and by the connector) keeps the richer link.
    if (!had || (!had.runId && link.runId) || (!had.datasetId && link.datasetId))
      out.set(queryId as string, { ...had, ...Object.fromEntries(Object.entries(link).filter(([, v]) => v !== null)) } as QueryLink);
  }
  return out;
}

/**
 * Connector facts recorded for the same (source, ref): a Snowflake statement Tutti ran has a fact keyed by its
 * query id carrying the run and task, so credits posted later for that query id find the task.
 */
async function factLinks(ctx: TenantCtx, drafts: CostDraft[]): Promise<Map<string, { runId: string | null; taskKey: string | null; teamId: string | null }>> {
  const out = new Map<string, { runId: string | null; taskKey: string | null; teamId: string | null }>();
  const pairs = [
    ...new Set(drafts.flatMap((d) => [`${d.source}\u0000${d.externalRef}`, ...(d.attribution.queryId ? [`${d.source}\u0000${d.attribution.queryId}`] : [])])),
  ];
  if (!pairs.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT f.source, f.external_ref, f.run_id, f.task_key, f.team_id FROM json_each(${JSON.stringify(pairs.map((k) => k.split("\u0000")))}) p
     CROSS JOIN cost_facts f ON f.tenant_id = ${ctx.tenantId} AND f.source = p.value ->> '$[0]' AND f.external_ref = p.value ->> '$[1]'`,
  );
  for (const [source, ref, runId, taskKey, teamId] of rows) {
    out.set(`${source}\u0000${ref}`, { runId: runId as string | null, taskKey: taskKey as string | null, teamId: teamId as string | null });
  }
  return out;
}

/** Pipeline, team and the pinned spec's products of each run. */
async function runInfo(ctx: TenantCtx, runIds: string[]): Promise<Map<string, RunInfo>> {
  const out = new Map<string, RunInfo>();
  if (!runIds.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT r.id, r.pipeline_id, r.pipeline_name, r.team_id, v.spec ->> '$.products'
     FROM runs r LEFT JOIN pipeline_versions v ON v.tenant_id = ${ctx.tenantId} AND v.id = r.version_id
     WHERE r.tenant_id = ${ctx.tenantId} AND r.id IN (SELECT value FROM json_each(${JSON.stringify(runIds)}))`,
  );
  for (const [id, pipelineId, pipelineName, teamId, products] of rows) {
    out.set(id as string, {
      pipelineId: pipelineId as string,
      pipelineName: pipelineName as string,
      teamId: teamId as string,
      products: products ? (JSON.parse(products as string) as string[]) : [],
    });
  }
  return out;
}

/**
 * Datasets written by each Tutti task (`run:task`) and by each run as a whole (`run:`): lineage job runs of the
 * task, and the dbt invocation a dbt Cloud task ran (its upload's dbt Cloud run id is the task's external id).
 */
async function outputsOfRuns(ctx: TenantCtx, runIds: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!runIds.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT jr.tutti_run_id, jr.tutti_task_key, io.dataset_id
     FROM job_runs jr JOIN job_run_datasets io ON io.tenant_id = ${ctx.tenantId} AND io.run_id = jr.id AND io.role = 'output'
     WHERE jr.tenant_id = ${ctx.tenantId} AND jr.tutti_run_id IN (SELECT value FROM json_each(${JSON.stringify(runIds)}))
     UNION ALL
     SELECT tr.run_id, tr.task_key, io.dataset_id
     FROM task_runs tr
     JOIN dbt_uploads u ON u.tenant_id = ${ctx.tenantId} AND u.source = 'dbt_cloud' AND json_extract(u.source_ref, '$.run_id') = tr.external_id
     JOIN job_run_datasets io ON io.tenant_id = ${ctx.tenantId} AND io.run_id = u.job_run_id AND io.role = 'output'
     WHERE tr.tenant_id = ${ctx.tenantId} AND tr.connector = 'dbt_cloud' AND tr.run_id IN (SELECT value FROM json_each(${JSON.stringify(runIds)}))`,
  );
  const push = (key: string, ds: string) => {
    const list = out.get(key) ?? [];
    if (!list.includes(ds)) list.push(ds);
    out.set(key, list);
  };
  for (const [runId, taskKey, datasetId] of rows) {
    push(`${runId}:`, datasetId as string);
    if (taskKey) push(`${runId}:${taskKey}`, datasetId as string);
  }
  return out;
}

/** Pipelines by name (for records that name a pipeline but no run), with their current spec's products. */
async function pipelinesByName(ctx: TenantCtx, names: string[]): Promise<Map<string, RunInfo>> {
  const out = new Map<string, RunInfo>();
  if (!names.length) return out;
  const rows = await rawRows(
    ctx,
    sql`SELECT pl.name, pl.id, pl.team_id, v.spec ->> '$.products'
     FROM pipelines pl LEFT JOIN pipeline_versions v ON v.tenant_id = ${ctx.tenantId} AND v.id = pl.current_version_id
     WHERE pl.tenant_id = ${ctx.tenantId} AND pl.name IN (SELECT value FROM json_each(${JSON.stringify(names)}))`,
  );
  for (const [name, id, teamId, products] of rows) {
    out.set(name as string, {
      pipelineId: id as string,
      pipelineName: name as string,
      teamId: teamId as string,
      products: products ? (JSON.parse(products as string) as string[]) : [],
    });
  }
  return out;
}

/** Products by name with owner team, and pipeline memberships (with weights) by pipeline name. */
async function productIndex(ctx: TenantCtx) {
  const rows = await rawRows(ctx, sql`SELECT id, name, owner_team_id FROM products WHERE tenant_id = ${ctx.tenantId}`);
  const byName = new Map(rows.map((r) => [r[1] as string, r[0] as string]));
  const ownerOf = new Map(rows.map((r) => [r[0] as string, r[2] as string]));
  const members = await rawRows(ctx, sql`SELECT ref, product_id, weight FROM product_members WHERE tenant_id = ${ctx.tenantId} AND kind = 'pipeline'`);
  const pipelineMembers = new Map<string, WeightedProduct[]>();
  for (const [ref, productId, weight] of members) {
    const list = pipelineMembers.get(ref as string) ?? [];
    list.push({ productId: productId as string, weight: weight as number });
    pipelineMembers.set(ref as string, list);
  }
  return { byName, ownerOf, pipelineMembers };
}

/**
 * Product shares of the attributed Snowflake queries on a warehouse within [from, to): what idle time of that
 * warehouse is split by.
 */
async function warehouseShares(ctx: TenantCtx, warehouse: string, from: number, to: number, excludeRef: string): Promise<WeightedProduct[]> {
  const rows = await rawRows(
    ctx,
    sql`SELECT a.product_id, sum(a.amount_micros)
     FROM cost_records c JOIN cost_allocations a ON a.tenant_id = ${ctx.tenantId} AND a.cost_id = c.id
     WHERE c.tenant_id = ${ctx.tenantId} AND c.started_at >= ${from} AND c.started_at < ${to} AND c.source = 'snowflake'
       AND c.attribution ->> '$.warehouse' = ${warehouse} AND c.attribution ->> '$.splitByWarehouse' IS NULL
       AND c.external_ref <> ${excludeRef} AND a.product_id <> ''
     GROUP BY a.product_id`,
  );
  return rows.map((r) => ({ productId: r[0] as string, weight: r[1] as number })).filter((p) => p.weight > 0);
}

/**
 * Resolves every draft of a batch. `defaultTeamOf(i)` is the team draft i falls to when nothing else names one
 * (the posting token's team).
 */
export async function resolveAttribution(ctx: TenantCtx, drafts: CostDraft[], defaultTeamOf: (index: number) => string | null): Promise<ResolvedCost[]> {
  const queryIds = [...new Set(drafts.map((d) => d.attribution.queryId).filter((q): q is string => !!q))];
  const [links, facts] = await Promise.all([queryLinks(ctx, queryIds), factLinks(ctx, drafts)]);
  const factOf = (d: CostDraft) =>
    facts.get(`${d.source}\u0000${d.externalRef}`) ?? (d.attribution.queryId ? facts.get(`${d.source}\u0000${d.attribution.queryId}`) : undefined);

  const runIdOf = (d: CostDraft) => d.attribution.runId ?? (d.attribution.queryId ? links.get(d.attribution.queryId)?.runId : null) ?? factOf(d)?.runId ?? null;
  const taskOf = (d: CostDraft) =>
    d.attribution.taskKey ??
    (d.attribution.queryId ? links.get(d.attribution.queryId)?.taskKey : null) ??
    (d.attribution.runId ? null : factOf(d)?.taskKey) ??
    null;
  const runIds = [...new Set(drafts.map(runIdOf).filter((r): r is string => !!r))];
  const pipelineNames = [...new Set(drafts.map((d) => d.attribution.pipeline).filter((p): p is string => !!p))];

  const [runs, outputs, named, index] = await Promise.all([
    runInfo(ctx, runIds),
    outputsOfRuns(ctx, runIds),
    pipelinesByName(ctx, pipelineNames),
    productIndex(ctx),
  ]);

  const datasetsOf = (d: CostDraft): string[] => {
    if (d.attribution.datasetIds?.length) return d.attribution.datasetIds;
    const link = d.attribution.queryId ? links.get(d.attribution.queryId) : undefined;
    if (link?.datasetId) return [link.datasetId];
    const runId = runIdOf(d);
    if (!runId) return [];
    // A task that wrote nothing Tutti knows of (a grant, a vacuum) served the run's outputs.
    const task = taskOf(d);
    return (task ? outputs.get(`${runId}:${task}`) : undefined) ?? outputs.get(`${runId}:`) ?? [];
  };
  const allDatasets = [...new Set(drafts.flatMap(datasetsOf))];
  const claims = await claimsOfDatasets(ctx, allDatasets);

  const out: ResolvedCost[] = [];
  for (const [i, d] of drafts.entries()) {
    const runId = runIdOf(d);
    const run = runId ? runs.get(runId) : undefined;
    const pipeline = run ?? (d.attribution.pipeline ? named.get(d.attribution.pipeline) : undefined);
    const pipelineProducts: WeightedProduct[] = [];
    if (pipeline) {
      // A pipeline member's weight wins over the implicit 1 of a spec's `products:` entry.
      const memberWeights = new Map<string, number>();
      for (const m of index.pipelineMembers.get(pipeline.pipelineName) ?? []) memberWeights.set(m.productId, m.weight);
      for (const name of pipeline.products) {
        const id = index.byName.get(name);
        if (id && !memberWeights.has(id)) memberWeights.set(id, 1);
      }
      for (const [productId, weight] of memberWeights) pipelineProducts.push({ productId, weight });
    }

    let explicit: WeightedProduct[] | null = null;
    if (d.attribution.products?.length) {
      explicit = d.attribution.products.map((p) => ({ productId: index.byName.get(p.name)!, weight: p.weight })).filter((p) => p.productId);
    } else if (d.attribution.splitByWarehouse) {
      const from = d.startedAt;
      const to = d.endedAt && d.endedAt > from ? d.endedAt : from + 3_600_000;
      const shares = await warehouseShares(ctx, d.attribution.splitByWarehouse, from, to, d.externalRef);
      explicit = shares.length ? shares : null;
    }

    const { by, shares } = attributeShares({ explicit, datasets: datasetsOf(d), claims, pipelineProducts });
    const teamId = d.attribution.teamId ?? pipeline?.teamId ?? factOf(d)?.teamId ?? defaultTeamOf(i);
    const allocations = allocate(d.amountMicros, shares).map((a) => ({
      productId: a.productId ?? "",
      teamId: (a.productId ? index.ownerOf.get(a.productId) : null) ?? teamId ?? "",
      amountMicros: a.amountMicros,
      share: a.share,
    }));
    out.push({ teamId: teamId ?? null, pipelineId: pipeline?.pipelineId ?? null, runId, taskKey: taskOf(d), attributedBy: by, allocations });
  }
  return out;
}
