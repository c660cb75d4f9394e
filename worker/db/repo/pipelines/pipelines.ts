import { and, asc, eq, gt, isNull, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelines, pipelineVersions, teams } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import type { TriggerNode } from "../../../pipelines/triggers";

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
export async function listProductionTriggers(ctx: TenantCtx): Promise<TriggerNode[]> {
  const rows = await ctx.db
    .select({
      name: pipelines.name,
      after: sql<string | null>`(SELECT json_group_array(json_extract(t.value, '$.after')) FROM json_each(${pipelineVersions.spec}, '$.triggers') AS t)`,
    })
    .from(pipelines)
    .innerJoin(pipelineVersions, and(eq(pipelineVersions.tenantId, pipelines.tenantId), eq(pipelineVersions.id, pipelines.currentVersionId)))
    .where(and(eq(pipelines.tenantId, ctx.tenantId), isNull(pipelines.archivedAt), eq(pipelines.inProduction, true)));
  return rows.map((r) => ({ name: r.name, after: r.after ? (JSON.parse(r.after) as string[]) : [] }));
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
