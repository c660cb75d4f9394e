import { and, desc, eq, lt, max, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelineVersions } from "../../schema";

/** Pipeline versions: one immutable spec per push that changed something, numbered per pipeline. */

export type PipelineVersion = typeof pipelineVersions.$inferSelect;
/** A version without its (possibly large) spec and text, for listings. */
export type PipelineVersionSummary = Omit<PipelineVersion, "spec" | "specText">;

/** The exact version a run was pinned to (spec included). */
export async function getVersion(ctx: TenantCtx, versionId: string): Promise<PipelineVersion | null> {
  const [row] = await ctx.db
    .select()
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.tenantId, ctx.tenantId), eq(pipelineVersions.id, versionId)))
    .limit(1);
  return row ?? null;
}

export async function getVersionByNumber(ctx: TenantCtx, pipelineId: string, version: number): Promise<PipelineVersion | null> {
  const [row] = await ctx.db
    .select()
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.tenantId, ctx.tenantId), eq(pipelineVersions.pipelineId, pipelineId), eq(pipelineVersions.version, version)))
    .limit(1);
  return row ?? null;
}

const versionSummaryColumns = {
  tenantId: pipelineVersions.tenantId,
  id: pipelineVersions.id,
  pipelineId: pipelineVersions.pipelineId,
  version: pipelineVersions.version,
  contentHash: pipelineVersions.contentHash,
  specFormat: pipelineVersions.specFormat,
  createdAt: pipelineVersions.createdAt,
  createdByType: pipelineVersions.createdByType,
  createdById: pipelineVersions.createdById,
  createdByLabel: pipelineVersions.createdByLabel,
  gitRepo: pipelineVersions.gitRepo,
  gitSha: pipelineVersions.gitSha,
  gitBranch: pipelineVersions.gitBranch,
  gitAuthor: pipelineVersions.gitAuthor,
  pushedVia: pipelineVersions.pushedVia,
  environment: pipelineVersions.environment,
};

/** Newest first; `before` is an exclusive version number. Returns `limit + 1` rows for cursor paging. */
export async function listVersions(ctx: TenantCtx, pipelineId: string, f: { before?: number; limit: number }): Promise<PipelineVersionSummary[]> {
  const conds: SQL[] = [eq(pipelineVersions.tenantId, ctx.tenantId), eq(pipelineVersions.pipelineId, pipelineId)];
  if (f.before !== undefined) conds.push(lt(pipelineVersions.version, f.before));
  return ctx.db
    .select(versionSummaryColumns)
    .from(pipelineVersions)
    .where(and(...conds))
    .orderBy(desc(pipelineVersions.version))
    .limit(f.limit + 1);
}

/** Version numbers are one sequence per pipeline across environments, so `v7` names one spec everywhere. */
export async function nextVersionNumber(ctx: TenantCtx, pipelineId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: max(pipelineVersions.version) })
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.tenantId, ctx.tenantId), eq(pipelineVersions.pipelineId, pipelineId)));
  return (row?.n ?? 0) + 1;
}
