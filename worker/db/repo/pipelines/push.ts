import { and, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { pipelineEnvironments, pipelines, pipelineVersions } from "../../schema";
import { isUniqueViolation } from "../../unique";
import { auditInsert, type AuditSource } from "../platform/audit";
import { conflict } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import { diffSpecs } from "../../../pipelines/diff";
import { PROD } from "../../../environments/names";
import { productionVersion } from "./environments";
import { getPipelineByName, pipelineKey, type Pipeline } from "./pipelines";
import { planPush, type PushInput, type PushResult, sourceColumnsOf, newVersionRow } from "./push-plan";
import { pushToEnvironment } from "./push-environment";
import { nextVersionNumber } from "./versions";

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
  const git = input.source ?? { repo: null, sha: null, branch: null, author: null };
  const sourceColumns = sourceColumnsOf(input);
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
  const version = newVersionRow(ctx.tenantId, source, input, { pipelineId, version: versionNumber, environment: PROD });
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
        scheduleOverride: null,
        ...sourceColumns,
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
        ...sourceColumns,
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
