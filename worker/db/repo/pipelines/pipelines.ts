import { and, asc, desc, eq, gt, isNull, lt, max, or, sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelineEnvironments, pipelines, pipelineVersions, teams } from "../../schema";
import { auditInsert, type AuditSource } from "../platform/audit";
import { conflict } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { diffSpecs, type SpecDiff } from "../../../pipelines/diff";
import { PROD } from "../../../environments/names";
import type { SpecFormat } from "../../../pipelines/parse";
import type { NormalizedSpec } from "../../../pipelines/spec";
import type { TriggerNode } from "../../../pipelines/triggers";

export type Pipeline = typeof pipelines.$inferSelect;
export type PipelineVersion = typeof pipelineVersions.$inferSelect;
/** A version without its (possibly large) spec and text, for listings. */
export type PipelineVersionSummary = Omit<PipelineVersion, "spec" | "specText">;
/** The version a non-production environment runs (no row: it runs production's). */
export type EnvironmentHead = typeof pipelineEnvironments.$inferSelect;

export interface GitSource {
  repo: string | null;
  sha: string | null;
  branch: string | null;
  author: string | null;
}

const pipelineKey = (ctx: TenantCtx, id: string) => and(eq(pipelines.tenantId, ctx.tenantId), eq(pipelines.id, id));

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

const headKey = (ctx: TenantCtx, pipelineId: string, environment: string) =>
  and(eq(pipelineEnvironments.tenantId, ctx.tenantId), eq(pipelineEnvironments.pipelineId, pipelineId), eq(pipelineEnvironments.environment, environment));

export async function getEnvironmentHead(ctx: TenantCtx, pipelineId: string, environment: string): Promise<EnvironmentHead | null> {
  const [row] = await ctx.db
    .select()
    .from(pipelineEnvironments)
    .where(headKey(ctx, pipelineId, environment))
    .limit(1);
  return row ?? null;
}

/** Every non-production environment with its own version of the pipeline, by name. */
export async function listEnvironmentHeads(ctx: TenantCtx, pipelineId: string): Promise<EnvironmentHead[]> {
  return ctx.db
    .select()
    .from(pipelineEnvironments)
    .where(and(eq(pipelineEnvironments.tenantId, ctx.tenantId), eq(pipelineEnvironments.pipelineId, pipelineId)))
    .orderBy(asc(pipelineEnvironments.environment));
}

/** The version production runs, or null while the pipeline exists only in other environments. */
export async function productionVersion(ctx: TenantCtx, pipeline: Pipeline | null): Promise<PipelineVersion | null> {
  return pipeline?.inProduction ? getVersion(ctx, pipeline.currentVersionId) : null;
}

/**
 * The version `environment` runs: production's current version for `prod`; for another environment its
 * own head, else production's. Null when there is none (a branch-only pipeline asked for in prod).
 */
export async function versionForEnvironment(ctx: TenantCtx, pipeline: Pipeline, environment: string): Promise<PipelineVersion | null> {
  if (environment === PROD) return productionVersion(ctx, pipeline);
  const head = await getEnvironmentHead(ctx, pipeline.id, environment);
  return head ? getVersion(ctx, head.versionId) : productionVersion(ctx, pipeline);
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

/** Version numbers are one sequence per pipeline across environments, so `v7` names one spec everywhere. */
async function nextVersionNumber(ctx: TenantCtx, pipelineId: string): Promise<number> {
  const [row] = await ctx.db
    .select({ n: max(pipelineVersions.version) })
    .from(pipelineVersions)
    .where(and(eq(pipelineVersions.tenantId, ctx.tenantId), eq(pipelineVersions.pipelineId, pipelineId)));
  return (row?.n ?? 0) + 1;
}

export interface PushInput {
  /** `prod` replaces what production runs; any other environment only moves that environment's head. */
  environment: string;
  teamId: string;
  spec: NormalizedSpec;
  specText: string;
  format: SpecFormat;
  contentHash: string;
  source: GitSource | null;
}

export type PushStatus = "created" | "updated" | "unchanged";

export interface PushResult {
  status: PushStatus;
  /** True when the push brought an archived pipeline back. */
  restored: boolean;
  pipeline: Pipeline;
  /** The version now current (new or unchanged). */
  version: PipelineVersion;
  /** The version that was current before (null for a new pipeline). */
  previous: PipelineVersion | null;
  /** Changes against `previous` (every task added for a new pipeline). */
  diff: SpecDiff;
  environment: string;
}

/** What a push would do, without writing: the route's dry run and upsertPipeline share it. */
export function planPush(
  existing: Pipeline | null,
  current: PipelineVersion | null,
  teamId: string,
  contentHash: string,
): { status: PushStatus; restore: boolean } {
  if (existing && existing.teamId !== teamId) {
    throw conflict(`pipeline "${existing.name}" belongs to another team; pipeline names are unique in the tenant`, [
      { path: "name", message: "a pipeline with this name belongs to another team" },
    ]);
  }
  if (!existing || !current) return { status: "created", restore: false };
  return { status: current.contentHash === contentHash ? "unchanged" : "updated", restore: existing.archivedAt !== null };
}

const isUniqueViolation = (err: unknown) =>
  /UNIQUE constraint/i.test(`${(err as Error)?.message} ${((err as { cause?: Error })?.cause as Error | undefined)?.message ?? ""}`);

/**
 * Creates the pipeline or adds a version when the content hash differs; the same hash writes nothing
 * (except un-archiving). Pipeline row, version and audit entry are written in one batch, and the
 * unique indexes on (tenant, name) and (tenant, pipeline, version) turn a racing push into a conflict.
 */
export async function upsertPipeline(ctx: TenantCtx, source: AuditSource, input: PushInput): Promise<PushResult> {
  if (input.environment !== PROD) return pushToEnvironment(ctx, source, input);
  const existing = await getPipelineByName(ctx, input.spec.name);
  const current = await productionVersion(ctx, existing);
  const plan = planPush(existing, current, input.teamId, input.contentHash);
  const now = source.now;
  const actor = source.principal.actor;
  const git = input.source ?? { repo: null, sha: null, branch: null, author: null };
  const gitColumns = { gitRepo: git.repo, gitSha: git.sha, gitBranch: git.branch, gitAuthor: git.author };
  const summary = {
    description: input.spec.description,
    cron: input.spec.schedule?.cron ?? null,
    timezone: input.spec.schedule?.timezone ?? null,
  };

  if (plan.status === "unchanged") {
    const pipeline = existing!;
    if (!plan.restore)
      return {
        status: "unchanged",
        restored: false,
        pipeline,
        version: current!,
        previous: current,
        diff: diffSpecs(current!.spec, current!.spec),
        environment: PROD,
      };
    const restored: Pipeline = { ...pipeline, archivedAt: null, updatedAt: now };
    await ctx.db.batch([
      ctx.db.update(pipelines).set({ archivedAt: null, updatedAt: now }).where(pipelineKey(ctx, pipeline.id)),
      auditInsert(ctx, source, {
        action: "pipeline.restored",
        targetType: "pipeline",
        targetId: pipeline.id,
        teamId: pipeline.teamId,
        details: { name: pipeline.name, version: current!.version },
      }),
    ]);
    return {
      status: "unchanged",
      restored: true,
      pipeline: restored,
      version: current!,
      previous: current,
      diff: diffSpecs(current!.spec, current!.spec),
      environment: PROD,
    };
  }

  const pipelineId = existing?.id ?? newId("pipeline");
  const versionNumber = existing ? await nextVersionNumber(ctx, pipelineId) : 1;
  const version: PipelineVersion = {
    tenantId: ctx.tenantId,
    id: newId("pipelineVersion"),
    pipelineId,
    version: versionNumber,
    contentHash: input.contentHash,
    spec: input.spec,
    specText: input.specText,
    specFormat: input.format,
    createdAt: now,
    createdByType: actor.type,
    createdById: actor.id,
    createdByLabel: actor.label,
    ...gitColumns,
    environment: PROD,
  };
  const diff = diffSpecs(current?.spec ?? null, input.spec);
  const auditDetails = {
    name: input.spec.name,
    version: versionNumber,
    content_hash: input.contentHash,
    tasks_added: diff.tasks_added,
    tasks_removed: diff.tasks_removed,
    tasks_changed: diff.tasks_changed.map((t) => t.id),
    schedule_changed: diff.schedule_changed,
    ...(plan.restore ? { restored: true } : {}),
    ...(git.sha ? { git_sha: git.sha, git_repo: git.repo } : {}),
  };

  let pipeline: Pipeline;
  const versionInsert = ctx.db.insert(pipelineVersions).values(version);
  try {
    if (!existing) {
      pipeline = {
        tenantId: ctx.tenantId,
        id: pipelineId,
        teamId: input.teamId,
        name: input.spec.name,
        ...summary,
        currentVersionId: version.id,
        currentVersion: versionNumber,
        paused: false,
        inProduction: true,
        archivedAt: null,
        ...gitColumns,
        createdAt: now,
        updatedAt: now,
      };
      await ctx.db.batch([
        ctx.db.insert(pipelines).values(pipeline),
        versionInsert,
        auditInsert(ctx, source, { action: "pipeline.created", targetType: "pipeline", targetId: pipelineId, teamId: input.teamId, details: auditDetails }),
      ]);
    } else {
      const patch = {
        ...summary,
        currentVersionId: version.id,
        currentVersion: versionNumber,
        inProduction: true,
        archivedAt: null,
        ...gitColumns,
        updatedAt: now,
      };
      pipeline = { ...existing, ...patch };
      await ctx.db.batch([
        // Environments whose own version production has now caught up with follow production again.
        ctx.db
          .delete(pipelineEnvironments)
          .where(
            and(
              eq(pipelineEnvironments.tenantId, ctx.tenantId),
              eq(pipelineEnvironments.pipelineId, pipelineId),
              eq(pipelineEnvironments.contentHash, input.contentHash),
            ),
          ),
        versionInsert,
        // Guarded by the version it replaces, so two pushes racing past the read cannot both win.
        ctx.db
          .update(pipelines)
          .set(patch)
          .where(and(pipelineKey(ctx, pipelineId), eq(pipelines.currentVersionId, existing.currentVersionId))),
        auditInsert(ctx, source, { action: "pipeline.updated", targetType: "pipeline", targetId: pipelineId, teamId: existing.teamId, details: auditDetails }),
      ]);
    }
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("another push of this pipeline landed at the same time; push again");
    throw err;
  }
  return { status: plan.status, restored: plan.restore, pipeline, version, previous: current, diff, environment: PROD };
}

export interface EnvironmentPushPlan {
  status: PushStatus;
  /** What the environment runs before the push (its head, else production's version). */
  base: PipelineVersion | null;
  /** The push matches production: the environment's own head (if any) is dropped so it follows production. */
  followProduction: boolean;
}

/**
 * What a push to a non-production environment does. Pure over what was read: the route's dry run and
 * pushToEnvironment share it. Matching production means "no branch-specific version", so the head goes.
 */
export function planEnvironmentPush(prod: PipelineVersion | null, headVersion: PipelineVersion | null, contentHash: string): EnvironmentPushPlan {
  const base = headVersion ?? prod;
  if (prod && prod.contentHash === contentHash) return { status: headVersion ? "updated" : "unchanged", base, followProduction: true };
  if (headVersion && headVersion.contentHash === contentHash) return { status: "unchanged", base, followProduction: false };
  return { status: base ? "updated" : "created", base, followProduction: false };
}

/**
 * A push to a non-production environment (a branch, `--env ci`): adds a version tagged with the
 * environment and points that environment's head at it. Never touches pipelines.current_version_id,
 * the schedule columns or anything production reads; a pipeline first seen here is created with
 * in_production = false so production neither schedules nor runs it.
 */
async function pushToEnvironment(ctx: TenantCtx, source: AuditSource, input: PushInput): Promise<PushResult> {
  const env = input.environment;
  const existing = await getPipelineByName(ctx, input.spec.name);
  planPush(existing, null, input.teamId, input.contentHash);
  const prod = await productionVersion(ctx, existing);
  const head = existing ? await getEnvironmentHead(ctx, existing.id, env) : null;
  const headVersion = head ? await getVersion(ctx, head.versionId) : null;
  const plan = planEnvironmentPush(prod, headVersion, input.contentHash);
  const now = source.now;
  const git = input.source ?? { repo: null, sha: null, branch: null, author: null };
  const gitColumns = { gitRepo: git.repo, gitSha: git.sha, gitBranch: git.branch, gitAuthor: git.author };
  const result = (status: PushStatus, pipeline: Pipeline, version: PipelineVersion): PushResult => ({
    status,
    restored: false,
    pipeline,
    version,
    previous: plan.base,
    diff: diffSpecs(plan.base?.spec ?? null, version.spec),
    environment: env,
  });

  if (plan.followProduction) {
    if (head) {
      await ctx.db.batch([
        ctx.db.delete(pipelineEnvironments).where(headKey(ctx, existing!.id, env)),
        auditInsert(ctx, source, {
          action: "pipeline.environment_reset",
          targetType: "pipeline",
          targetId: existing!.id,
          teamId: existing!.teamId,
          details: { name: existing!.name, environment: env, version: prod!.version },
        }),
      ]);
    }
    return result(plan.status, existing!, prod!);
  }
  if (plan.status === "unchanged") return result("unchanged", existing!, headVersion!);

  const pipelineId = existing?.id ?? newId("pipeline");
  const versionNumber = existing ? await nextVersionNumber(ctx, pipelineId) : 1;
  const actor = source.principal.actor;
  const version: PipelineVersion = {
    tenantId: ctx.tenantId,
    id: newId("pipelineVersion"),
    pipelineId,
    version: versionNumber,
    contentHash: input.contentHash,
    spec: input.spec,
    specText: input.specText,
    specFormat: input.format,
    createdAt: now,
    createdByType: actor.type,
    createdById: actor.id,
    createdByLabel: actor.label,
    ...gitColumns,
    environment: env,
  };
  const newHead: EnvironmentHead = {
    tenantId: ctx.tenantId,
    pipelineId,
    environment: env,
    versionId: version.id,
    version: versionNumber,
    contentHash: input.contentHash,
    ...gitColumns,
    updatedAt: now,
  };
  const pipeline: Pipeline = existing ?? {
    tenantId: ctx.tenantId,
    id: pipelineId,
    teamId: input.teamId,
    name: input.spec.name,
    description: input.spec.description,
    currentVersionId: version.id,
    currentVersion: versionNumber,
    paused: false,
    inProduction: false,
    archivedAt: null,
    // Not in production: nothing to schedule, so listings show no schedule or next run.
    cron: null,
    timezone: null,
    ...gitColumns,
    createdAt: now,
    updatedAt: now,
  };
  const diff = diffSpecs(plan.base?.spec ?? null, input.spec);
  try {
    const writes = [
      ctx.db.insert(pipelineVersions).values(version),
      ctx.db
        .insert(pipelineEnvironments)
        .values(newHead)
        .onConflictDoUpdate({
          target: [pipelineEnvironments.tenantId, pipelineEnvironments.pipelineId, pipelineEnvironments.environment],
          set: { versionId: newHead.versionId, version: newHead.version, contentHash: newHead.contentHash, ...gitColumns, updatedAt: now },
        }),
      auditInsert(ctx, source, {
        action: "pipeline.environment_pushed",
        targetType: "pipeline",
        targetId: pipelineId,
        teamId: pipeline.teamId,
        details: {
          name: input.spec.name,
          environment: env,
          version: versionNumber,
          content_hash: input.contentHash,
          tasks_added: diff.tasks_added,
          tasks_removed: diff.tasks_removed,
          tasks_changed: diff.tasks_changed.map((t) => t.id),
          ...(git.sha ? { git_sha: git.sha, git_repo: git.repo, git_branch: git.branch } : {}),
        },
      }),
    ] as const;
    await (existing ? ctx.db.batch(writes) : ctx.db.batch([ctx.db.insert(pipelines).values(pipeline), ...writes]));
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("another push of this pipeline landed at the same time; push again");
    throw err;
  }
  return result(plan.status, pipeline, version);
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
