import type { TenantCtx } from "../../client";
import { pipelineEnvironments, pipelines, pipelineVersions } from "../../schema";
import { isUniqueViolation } from "../../unique";
import { auditInsert, type AuditSource } from "../platform/audit";
import { conflict } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { diffSpecs } from "../../../pipelines/diff";
import { getEnvironmentHead, headKey, productionVersion, type EnvironmentHead } from "./environments";
import { getPipelineByName, type Pipeline } from "./pipelines";
import { planEnvironmentPush, planPush, type PushInput, type PushResult, sourceColumnsOf, newVersionRow, type PushStatus } from "./push-plan";
import { getVersion, nextVersionNumber, type PipelineVersion } from "./versions";

/**
 * A push to a non-production environment (a branch, `--env ci`): adds a version tagged with the
 * environment and points that environment's head at it. Never touches pipelines.current_version_id,
 * the schedule columns or anything production reads; a pipeline first seen here is created with
 * in_production = false so production neither schedules nor runs it.
 */
export async function pushToEnvironment(ctx: TenantCtx, source: AuditSource, input: PushInput): Promise<PushResult> {
  const env = input.environment;
  const existing = await getPipelineByName(ctx, input.spec.name);
  planPush(existing, null, input.teamId, input.contentHash);
  const prod = await productionVersion(ctx, existing);
  const head = existing ? await getEnvironmentHead(ctx, existing.id, env) : null;
  const headVersion = head ? await getVersion(ctx, head.versionId) : null;
  const plan = planEnvironmentPush(prod, headVersion, input.contentHash);
  const now = source.now;
  const git = input.source ?? { repo: null, sha: null, branch: null, author: null };
  const sourceColumns = sourceColumnsOf(input);
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
  const version = newVersionRow(ctx.tenantId, source, input, { pipelineId, version: versionNumber, environment: env });
  const newHead: EnvironmentHead = {
    tenantId: ctx.tenantId,
    pipelineId,
    environment: env,
    versionId: version.id,
    version: versionNumber,
    contentHash: input.contentHash,
    ...sourceColumns,
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
    scheduleOverride: null,
    ...sourceColumns,
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
          set: { versionId: newHead.versionId, version: newHead.version, contentHash: newHead.contentHash, ...sourceColumns, updatedAt: now },
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
