import { and, asc, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelines, pipelineVersions, teams } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { afterTriggers, isDatasetsTrigger, type TriggerNode } from "../../../pipelines/triggers";
import type { NormalizedTrigger } from "../../../pipelines/spec";
import { datasetId } from "../../../lineage/ids";
import { TUTTI_JOB_NAMESPACE } from "../../../lineage/namespaces";
import { queryAll } from "../../statements";

/** Pipeline rows: lookups, the listing, production's triggers, pause and archive. Versions, environments and pushes live beside this file. */

export type Pipeline = typeof pipelines.$inferSelect;

export interface GitSource {
  repo: string | null;
  sha: string | null;
  branch: string | null;
  author: string | null;
}

export const pipelineKey = (ctx: TenantCtx, id: string) => and(eq(pipelines.tenantId, ctx.tenantId), eq(pipelines.id, id));

export async function getPipelineById(ctx: TenantCtx, id: string): Promise<Pipeline | null> {
  const [row] = await ctx.db.select().from(pipelines).where(pipelineKey(ctx, id)).limit(1);
  return row ?? null;
}

/** The tenant's pipelines a production schedule or trigger can start (in production, not archived). */
export async function productionPipelineIds(ctx: TenantCtx): Promise<string[]> {
  const rows = await ctx.db
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(and(eq(pipelines.tenantId, ctx.tenantId), eq(pipelines.inProduction, true), isNull(pipelines.archivedAt)));
  return rows.map((r) => r.id);
}

/** Archived pipelines are returned too (callers decide); names are unique per tenant. */
export async function getPipelineByName(ctx: TenantCtx, name: string): Promise<Pipeline | null> {
  const [row] = await ctx.db
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.tenantId, ctx.tenantId), eq(pipelines.name, name)))
    .limit(1);
  return row ?? null;
}

/** The given names that are pipelines of this tenant (archived ones too, as product members may name them). */
export async function existingPipelineNames(ctx: TenantCtx, names: string[]): Promise<Set<string>> {
  if (!names.length) return new Set();
  const rows = await ctx.db
    .select({ name: pipelines.name })
    .from(pipelines)
    // json_each rather than IN (?, ?, …): a list may be longer than D1's 100 bound parameters.
    .where(and(eq(pipelines.tenantId, ctx.tenantId), sql`${pipelines.name} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(names)])}))`));
  return new Set(rows.map((r) => r.name));
}

export interface PipelineListFilter {
  teamId?: string;
  /** Case-insensitive substring of the name or description. */
  q?: string;
  paused?: boolean;
  includeArchived?: boolean;
  /** Exclusive lower bound on the name (names are unique per tenant, so they are a complete sort key). */
  after?: string;
  limit: number;
}

export interface PipelineListItem {
  pipeline: Pipeline;
  team: { id: string; slug: string; name: string } | null;
}

/** Pipelines ordered by name with their team; returns `limit + 1` rows for cursor paging. */
export async function listPipelines(ctx: TenantCtx, f: PipelineListFilter): Promise<PipelineListItem[]> {
  const conds: SQL[] = [eq(pipelines.tenantId, ctx.tenantId)];
  if (f.teamId) conds.push(eq(pipelines.teamId, f.teamId));
  if (!f.includeArchived) conds.push(isNull(pipelines.archivedAt));
  if (f.paused !== undefined) conds.push(eq(pipelines.paused, f.paused));
  if (f.after !== undefined) conds.push(gt(pipelines.name, f.after));
  if (f.q) {
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conds.push(or(sql`lower(${pipelines.name}) LIKE ${pattern} ESCAPE '\\'`, sql`lower(${pipelines.description}) LIKE ${pattern} ESCAPE '\\'`)!);
  }
  const rows = await ctx.db
    .select({ pipeline: pipelines, teamId: teams.id, teamSlug: teams.slug, teamName: teams.name })
    .from(pipelines)
    .leftJoin(teams, and(eq(teams.tenantId, pipelines.tenantId), eq(teams.id, pipelines.teamId)))
    .where(and(...conds))
    .orderBy(asc(pipelines.name))
    .limit(f.limit + 1);
  return rows.map((r) => ({ pipeline: r.pipeline, team: r.teamId ? { id: r.teamId, slug: r.teamSlug!, name: r.teamName! } : null }));
}

/**
 * The `after:` triggers of every pipeline production runs (archived ones and branch-only ones excluded: they fire
 * nothing), read from their current versions without loading whole specs.
 */
/**
 * The trigger graph of production (live, pushed to production): each pipeline's `after:` upstreams and the ids of
 * the datasets its dataset triggers name, plus, for those datasets, which pipelines' tasks are known to write them
 * (output edges from their "tutti" task jobs in the lineage graph).
 */
export async function listProductionTriggers(ctx: TenantCtx, extraDatasetIds: readonly string[] = []): Promise<TriggerNode[]> {
  const rows = await ctx.db
    .select({ name: pipelines.name, triggers: sql<string | null>`json_extract(${pipelineVersions.spec}, '$.triggers')` })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.tenantId, pipelines.tenantId), eq(pipelineVersions.id, pipelines.currentVersionId)))
    .where(and(eq(pipelines.tenantId, ctx.tenantId), isNull(pipelines.archivedAt), eq(pipelines.inProduction, true)));
  const nodes = await Promise.all(
    rows.map(async (r) => {
      const triggers = r.triggers ? (JSON.parse(r.triggers) as NormalizedTrigger[]) : [];
      return {
        name: r.name,
        after: afterTriggers(triggers).map((t) => t.after),
        datasets: await datasetIdsOf(ctx.tenantId, triggers),
        writes: [] as string[],
      };
    }),
  );
  const watched = [...new Set([...nodes.flatMap((n) => n.datasets), ...extraDatasetIds])];
  const writes = await pipelinesWriting(ctx, watched);
  for (const node of nodes) node.writes = writes.get(node.name) ?? [];
  const named = new Set(nodes.map((n) => n.name));
  // A writer that is not live in production starts nothing, but a pipeline pushed for the first time may be one.
  for (const [name, ids] of writes) if (!named.has(name)) nodes.push({ name, after: [], datasets: [], writes: ids });
  return nodes;
}

/** The ids of the datasets a spec's dataset triggers name, in spec order. */
export async function datasetIdsOf(tenantId: string, triggers: readonly NormalizedTrigger[]): Promise<string[]> {
  return Promise.all(triggers.filter(isDatasetsTrigger).flatMap((t) => t.datasets.map((d) => datasetId(tenantId, d.namespace, d.name))));
}

/** Pipeline name → which of `datasetIds` its tasks wrote (an `output` edge from one of its "tutti" task jobs). */
export async function pipelinesWriting(ctx: TenantCtx, datasetIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (!datasetIds.length) return out;
  const rows = await queryAll<{ pipeline: string; dataset: string }>(
    ctx,
    sql`SELECT DISTINCT substr(j.name, 1, instr(j.name, '.') - 1) AS pipeline, e.to_node AS dataset
        FROM json_each(${JSON.stringify(datasetIds)}) s
        JOIN lineage_edges e ON e.tenant_id = ${ctx.tenantId} AND e.to_node = s.value AND e.kind = 'output'
        JOIN jobs j ON j.tenant_id = e.tenant_id AND j.id = e.from_node
        WHERE j.namespace = ${TUTTI_JOB_NAMESPACE} AND instr(j.name, '.') > 1`,
  );
  for (const r of rows) out.set(r.pipeline, [...(out.get(r.pipeline) ?? []), r.dataset]);
  return out;
}

/** Pauses or resumes; a pipeline already in that state is returned unchanged and nothing is written. */
export async function setPaused(ctx: TenantCtx, source: AuditSource, pipeline: Pipeline, paused: boolean): Promise<{ pipeline: Pipeline; changed: boolean }> {
  if (pipeline.paused === paused) return { pipeline, changed: false };
  const now = source.now;
  await ctx.db.batch([
    ctx.db.update(pipelines).set({ paused, updatedAt: now }).where(pipelineKey(ctx, pipeline.id)),
    auditInsert(ctx, source, {
      action: paused ? "pipeline.paused" : "pipeline.resumed",
      targetType: "pipeline",
      targetId: pipeline.id,
      teamId: pipeline.teamId,
      details: { name: pipeline.name },
    }),
  ]);
  return { pipeline: { ...pipeline, paused, updatedAt: now }, changed: true };
}

/** Archives (versions and run history stay); pushing the name again brings it back. Idempotent. */
export async function archivePipeline(ctx: TenantCtx, source: AuditSource, pipeline: Pipeline): Promise<{ pipeline: Pipeline; changed: boolean }> {
  if (pipeline.archivedAt !== null) return { pipeline, changed: false };
  const now = source.now;
  await ctx.db.batch([
    ctx.db.update(pipelines).set({ archivedAt: now, updatedAt: now }).where(pipelineKey(ctx, pipeline.id)),
    auditInsert(ctx, source, {
      action: "pipeline.archived",
      targetType: "pipeline",
      targetId: pipeline.id,
      teamId: pipeline.teamId,
      details: { name: pipeline.name },
    }),
  ]);
  return { pipeline: { ...pipeline, archivedAt: now, updatedAt: now }, changed: true };
}
