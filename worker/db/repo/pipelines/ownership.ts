import { and, eq, isNull, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelines, pipelineVersions } from "../../schema";
import { pipelineOfTaskJob, TUTTI_JOB_NAMESPACE } from "../../../lineage/namespaces";
import { queryAll, rawRows, rowsOf, stmt, type Read } from "../../statements";
import { effectiveDatasetOwner, type DatasetOwnerSource } from "../../../lineage/dataset-owner";

/**
 * Ownership and dependency facts alerting and the Owners view need: pipelines with the parts of their current spec
 * that say who depends on them (triggers, products, SLA, alert targets, connections), and lineage walks from
 * Tutti's own task jobs (namespace "tutti", name "<pipeline>.<task>") to what is downstream.
 */

export interface PipelineFacts {
  id: string;
  name: string;
  teamId: string;
  products: string[];
  triggers: Array<{ after: string; on: string }>;
  sla: { finish_by: string; timezone: string } | null;
  alerts: { on: string[]; to: string[] } | null;
  /** Task id → connection name. */
  connections: Record<string, string>;
}

const parse = <T>(text: unknown, fallback: T): T => (typeof text === "string" ? (JSON.parse(text) as T) : fallback) ?? fallback;

/** Every live pipeline of the tenant with the dependency-relevant parts of its current spec (read with json_extract, not whole specs). */
export async function pipelineFacts(ctx: TenantCtx): Promise<PipelineFacts[]> {
  const rows = await ctx.db
    .select({
      id: pipelines.id,
      name: pipelines.name,
      teamId: pipelines.teamId,
      products: sql<string>`json_extract(${pipelineVersions.spec}, '$.products')`,
      triggers: sql<string>`json_extract(${pipelineVersions.spec}, '$.triggers')`,
      sla: sql<string | null>`json_extract(${pipelineVersions.spec}, '$.sla')`,
      alerts: sql<string | null>`json_extract(${pipelineVersions.spec}, '$.alerts')`,
      connections: sql<string>`(SELECT json_group_object(json_extract(t.value, '$.id'), json_extract(t.value, '$.connection')) FROM json_each(${pipelineVersions.spec}, '$.tasks') t WHERE json_extract(t.value, '$.connection') IS NOT NULL)`,
    })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.tenantId, pipelines.tenantId), eq(pipelineVersions.id, pipelines.currentVersionId)))
    .where(and(eq(pipelines.tenantId, ctx.tenantId), isNull(pipelines.archivedAt)));
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    teamId: r.teamId,
    products: parse<string[]>(r.products, []),
    // Only `after:` triggers link pipelines here; webhook and dataset triggers name no pipeline.
    triggers: parse<Array<{ after?: string; on: string }>>(r.triggers, []).filter((t): t is { after: string; on: string } => typeof t.after === "string"),
    sla: parse<PipelineFacts["sla"]>(r.sla, null),
    alerts: parse<PipelineFacts["alerts"]>(r.alerts, null),
    connections: parse<Record<string, string>>(r.connections, {}),
  }));
}

export interface LineageNode {
  id: string;
  type: "dataset" | "job";
  namespace: string;
  name: string;
  ownerTeamId: string | null;
  tags: string[];
}

/** The pipeline a Tutti task job belongs to ("daily_revenue.build_marts" → "daily_revenue"); null for other jobs. */
export function pipelineOfJob(node: Pick<LineageNode, "type" | "namespace" | "name">): string | null {
  return node.type === "job" && node.namespace === TUTTI_JOB_NAMESPACE ? pipelineOfTaskJob(node.name) : null;
}

/**
 * Everything downstream of the given roots in the lineage graph (roots excluded), any distance: one recursive
 * statement seeded from a JSON array. `roots` may be dataset ids, or pipeline names to start from their task jobs.
 */
export async function downstreamOf(ctx: TenantCtx, roots: { datasetIds?: string[]; pipelineNames?: string[] }): Promise<LineageNode[]> {
  const datasetIds = roots.datasetIds ?? [];
  const pipelineNames = roots.pipelineNames ?? [];
  if (!datasetIds.length && !pipelineNames.length) return [];
  const t = ctx.tenantId;
  const rows = await rawRows(
    ctx,
    sql`WITH RECURSIVE seed(node) AS (
         SELECT value FROM json_each(${JSON.stringify(datasetIds)})
         UNION
         SELECT j.id FROM jobs j, json_each(${JSON.stringify(pipelineNames)}) p
           WHERE j.tenant_id = ${t} AND j.namespace = ${TUTTI_JOB_NAMESPACE} AND j.name >= p.value || '.' AND j.name < p.value || '/'
       ),
       walk(node) AS (
         SELECT node FROM seed
         UNION
         SELECT e.to_node FROM walk w JOIN lineage_edges e ON e.tenant_id = ${t} AND e.from_node = w.node
       )
       SELECT w.node, d.id IS NOT NULL, coalesce(d.namespace, j.namespace), coalesce(d.name, j.name),
         coalesce(d.owner_team_id, j.owner_team_id), d.tags
       FROM walk w
       LEFT JOIN datasets d ON d.tenant_id = ${t} AND d.id = w.node
       LEFT JOIN jobs j ON j.tenant_id = ${t} AND j.id = w.node
       WHERE w.node NOT IN (SELECT node FROM seed) AND (d.id IS NOT NULL OR j.id IS NOT NULL)`,
  );
  return rows.map((r) => ({
    id: r[0] as string,
    type: r[1] ? "dataset" : "job",
    namespace: r[2] as string,
    name: r[3] as string,
    ownerTeamId: (r[4] as string | null) ?? null,
    tags: parse<string[]>(r[5], []),
  }));
}

export interface DatasetOwnership {
  id: string;
  namespace: string;
  name: string;
  tags: string[];
  /** The team set on the dataset, else the team of the pipeline that writes it (effectiveDatasetOwner). */
  ownerTeamId: string | null;
  ownerSource: DatasetOwnerSource | null;
  writerPipeline: string | null;
  freshness: { cron: string; timezone: string; maxAgeMs: number } | null;
  lastWriteAt: number | null;
}

/** Teams whose things a writer may change; null: every team (a tenant admin, or Tutti itself). */
export type ActsFor = readonly string[] | null;

/**
 * SQL: the team of the Tutti pipeline whose task last wrote the dataset `id` (its newest `output` edge from a
 * "tutti" job), null when none did or that pipeline is gone — ownership defaults to the producing pipeline's team.
 */
const writerTeamSql = (tenantId: string, id: SQL) => sql`(SELECT p.team_id FROM lineage_edges e
    JOIN jobs j ON j.tenant_id = e.tenant_id AND j.id = e.from_node
    LEFT JOIN pipelines p ON p.tenant_id = e.tenant_id AND p.name = substr(j.name, 1, instr(j.name, '.') - 1)
    WHERE e.tenant_id = ${tenantId} AND e.to_node = ${id} AND e.kind = 'output' AND j.namespace = ${TUTTI_JOB_NAMESPACE} AND instr(j.name, '.') > 1
    ORDER BY e.last_seen_at DESC LIMIT 1)`;

/**
 * SQL condition on a `datasets` row in scope as `row` (a table name or alias): a writer acting for `actsFor` may
 * change what only its owner may — its owner (declared, else its writing pipeline's team) is nobody or one of those
 * teams. Written into the statements that change those facts, so the check and the write are one step: an owner
 * set by a concurrent write or a PATCH between a request's reads and its batch is seen.
 */
export function mayChangeDatasetSql(tenantId: string, actsFor: ActsFor, row: string): SQL {
  return ownedByNobodyOrSql(actsFor, datasetOwnerTeamSql(tenantId, row));
}

/**
 * SQL: the effective owner team of the `datasets` row in scope as `row` — effectiveDatasetOwner written as SQL, for
 * the reads that list or join many datasets (catalog search, the lineage graph) and the writes that check it.
 */
export function datasetOwnerTeamSql(tenantId: string, row: string): SQL {
  return sql`coalesce(${sql.raw(row)}.owner_team_id, ${writerTeamSql(tenantId, sql.raw(`${row}.id`))})`;
}

/** SQL: the team of the pipeline that writes the `datasets` row in scope as `row` (null when none does). */
export function datasetWriterTeamSql(tenantId: string, row: string): SQL {
  return writerTeamSql(tenantId, sql.raw(`${row}.id`));
}

/** SQL condition: the team `owner` (an expression, null for nobody) is nobody or one of `actsFor`. */
export function ownedByNobodyOrSql(actsFor: ActsFor, owner: SQL): SQL {
  if (actsFor === null) return sql`1`;
  // '' stands for nobody (no team id is empty), so `owner`, which may be a lookup, is evaluated once.
  return sql`coalesce(${owner}, '') IN (SELECT value FROM json_each(${JSON.stringify(["", ...actsFor])}))`;
}

/** SQL condition: the dataset with id `id` does not exist, or a writer acting for `actsFor` may change it (mayChangeDatasetSql). */
export function datasetOpenToSql(tenantId: string, actsFor: ActsFor, id: SQL): SQL {
  if (actsFor === null) return sql`1`;
  return sql`NOT EXISTS (SELECT 1 FROM datasets o WHERE o.tenant_id = ${tenantId} AND o.id = ${id} AND NOT (${mayChangeDatasetSql(tenantId, actsFor, "o")}))`;
}

/**
 * For a write that must apply whole or not at all: `refused`, a SELECT of the ids (`refused_id`), of those in
 * `datasetIds`, of existing datasets a writer acting for `actsFor` may not change; `none`, the condition that
 * there are none, for every statement of the write to carry (PlanGuard.onlyIf).
 */
export function othersDatasetsCheck(tenantId: string, actsFor: ActsFor, datasetIds: string[]): { refused: SQL; none: SQL } {
  const refused = sql`SELECT d.id AS refused_id FROM json_each(${JSON.stringify([...new Set(datasetIds)])}) s
    CROSS JOIN datasets d ON d.tenant_id = ${tenantId} AND d.id = s.value WHERE NOT (${mayChangeDatasetSql(tenantId, actsFor, "d")})`;
  return { refused, none: sql`NOT EXISTS (${refused})` };
}

/**
 * Datasets with their effective owner: the dataset's own owner team, else the team of the Tutti pipeline whose task
 * wrote it (an `output` edge from a "tutti" job), as ownership defaults to the producing pipeline's team.
 */
export async function datasetOwnership(ctx: TenantCtx, datasetIds: string[]): Promise<Map<string, DatasetOwnership>> {
  const out = new Map<string, DatasetOwnership>();
  if (!datasetIds.length) return out;
  const t = ctx.tenantId;
  const rows = await queryAll<{
    id: string;
    namespace: string;
    name: string;
    tags: string;
    owner_team_id: string | null;
    freshness_cron: string | null;
    freshness_timezone: string | null;
    freshness_max_age_ms: number | null;
    last_write_at: number | null;
    writer: string | null;
    writer_team: string | null;
  }>(
    ctx,
    sql`SELECT d.id, d.namespace, d.name, d.tags, d.owner_team_id, d.freshness_cron, d.freshness_timezone, d.freshness_max_age_ms, d.last_write_at,
         (SELECT substr(j.name, 1, instr(j.name, '.') - 1) FROM lineage_edges e
            JOIN jobs j ON j.tenant_id = e.tenant_id AND j.id = e.from_node
            WHERE e.tenant_id = ${t} AND e.to_node = d.id AND e.kind = 'output' AND j.namespace = ${TUTTI_JOB_NAMESPACE} AND instr(j.name, '.') > 1
            ORDER BY e.last_seen_at DESC LIMIT 1) AS writer,
         ${writerTeamSql(t, sql.raw("d.id"))} AS writer_team
       FROM json_each(${JSON.stringify(datasetIds)}) s JOIN datasets d ON d.tenant_id = ${t} AND d.id = s.value`,
  );
  for (const r of rows) {
    const owner = effectiveDatasetOwner(r.owner_team_id, r.writer_team);
    out.set(r.id, {
      id: r.id,
      namespace: r.namespace,
      name: r.name,
      tags: parse<string[]>(r.tags, []),
      ownerTeamId: owner.teamId,
      ownerSource: owner.source,
      writerPipeline: r.writer ?? null,
      freshness: r.freshness_cron ? { cron: r.freshness_cron, timezone: r.freshness_timezone ?? "UTC", maxAgeMs: r.freshness_max_age_ms as number } : null,
      lastWriteAt: r.last_write_at ?? null,
    });
  }
  return out;
}

/** Datasets by name (then id), optionally matching `q`; `limit + 1` rows for cursor paging. */
export async function datasetPage(ctx: TenantCtx, f: { q?: string; teamId?: string; after?: { name: string; id: string }; limit: number }): Promise<string[]> {
  const conds = [sql`d.tenant_id = ${ctx.tenantId}`];
  if (f.q) {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conds.push(sql`lower(d.name) LIKE ${pattern} ESCAPE '\\'`);
  }
  if (f.after) conds.push(sql`(d.name > ${f.after.name} OR (d.name = ${f.after.name} AND d.id > ${f.after.id}))`);
  const rows = await rawRows(ctx, sql`SELECT d.id FROM datasets d WHERE ${sql.join(conds, sql` AND `)} ORDER BY d.name, d.id LIMIT ${f.limit + 1}`);
  return rows.map((r) => r[0] as string);
}

/** Freshness deadlines of catalog products (their SLA cron and time zone), for impact sentences. */
export async function productSlas(ctx: TenantCtx, productIds: string[]): Promise<Map<string, { cron: string | null; timezone: string | null }>> {
  if (!productIds.length) return new Map();
  const rows = await rawRows(
    ctx,
    sql`SELECT id, sla_cron, sla_timezone FROM products WHERE tenant_id = ${ctx.tenantId} AND id IN (SELECT value FROM json_each(${JSON.stringify(productIds)}))`,
  );
  return new Map(rows.map((r) => [r[0] as string, { cron: (r[1] as string | null) ?? null, timezone: (r[2] as string | null) ?? null }]));
}

/** Catalog products that list these pipelines as members (member kind `pipeline`, ref = pipeline name). */
export async function productsOfPipelineMembers(ctx: TenantCtx, pipelineNames: string[]): Promise<Array<{ productId: string; pipeline: string }>> {
  if (!pipelineNames.length) return [];
  const rows = await rawRows(
    ctx,
    sql`SELECT product_id, ref FROM product_members WHERE tenant_id = ${ctx.tenantId} AND kind = 'pipeline' AND ref IN (SELECT value FROM json_each(${JSON.stringify(pipelineNames)}))`,
  );
  return rows.map((r) => ({ productId: r[0] as string, pipeline: r[1] as string }));
}

/**
 * For a write about jobs and runs, checked inside its batch as othersDatasetsCheck is for datasets: `refused`, a
 * SELECT of `(refused_kind, refused_id)` — 'job' for those of `jobIds` another team owns, 'run' for those of `runIds`
 * recorded under another team's job — and `none`, the condition that there are none, for every statement of the
 * write to carry. A job or run nobody owns, or that does not exist yet, is open; one created or claimed by another
 * team between a request's reads and its batch is seen, because the batch itself reads it.
 */
export function othersJobsCheck(tenantId: string, actsFor: ActsFor, jobIds: string[], runIds: string[]): { refused: SQL; none: SQL } {
  // Every team's writer (a tenant admin, Tutti itself) is refused nothing: no lookup at all.
  if (actsFor === null || (!jobIds.length && !runIds.length)) return { refused: sql`SELECT NULL AS refused_kind, NULL AS refused_id WHERE 0`, none: sql`1` };
  const refused = sql`SELECT 'job' AS refused_kind, j.id AS refused_id FROM json_each(${JSON.stringify([...new Set(jobIds)])}) s
      CROSS JOIN jobs j ON j.tenant_id = ${tenantId} AND j.id = s.value WHERE NOT (${ownedByNobodyOrSql(actsFor, sql`j.owner_team_id`)})
    UNION ALL
    SELECT 'run', r.id FROM json_each(${JSON.stringify([...new Set(runIds)])}) s
      CROSS JOIN job_runs r ON r.tenant_id = ${tenantId} AND r.id = s.value
      JOIN jobs j ON j.tenant_id = ${tenantId} AND j.id = r.job_id WHERE NOT (${ownedByNobodyOrSql(actsFor, sql`j.owner_team_id`)})`;
  return { refused, none: sql`NOT EXISTS (${refused})` };
}

/** Ids a `refused` SELECT of othersJobsCheck returned, by kind (its rows, from the batch's results). */
export function refusedJobsAndRuns(result: D1Result): { jobs: Set<string>; runs: Set<string> } {
  const jobs = new Set<string>();
  const runs = new Set<string>();
  for (const r of result.results as Array<{ refused_kind: string; refused_id: string }>) (r.refused_kind === "job" ? jobs : runs).add(r.refused_id);
  return { jobs, runs };
}

/**
 * Team of each named pipeline that exists (archived ones too: their task jobs keep naming them). A pipeline's team
 * is set when it is created and never changes, so this read ahead of a write cannot go stale before it.
 */
export function pipelineTeamsRead(ctx: TenantCtx, names: string[]): Read<Map<string, string>> {
  return {
    statements: names.length
      ? [
          stmt(
            sql`SELECT p.name AS name, p.team_id AS team FROM json_each(${JSON.stringify([...new Set(names)])}) s CROSS JOIN pipelines p ON p.tenant_id = ${ctx.tenantId} AND p.name = s.value`,
          ),
        ]
      : [],
    parse: (results) => new Map(rowsOf<{ name: string; team: string }>(results).map((r) => [r.name, r.team])),
  };
}
