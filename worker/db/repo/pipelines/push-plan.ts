import { conflict } from "../../../lib/errors";
import { newId } from "../../../lib/ids";
import type { AuditSource } from "../platform/audit";
import type { PushChannel } from "../../schema/enums";
import type { SpecDiff } from "../../../pipelines/diff";
import type { SpecFormat } from "../../../pipelines/parse";
import type { NormalizedSpec } from "../../../pipelines/spec";
import type { GitSource, Pipeline } from "./pipelines";
import type { PipelineVersion } from "./versions";

/** What a push does, decided from what was read and nothing else: shared by the writes and the route's dry run. */

export interface PushInput {
  /** `prod` replaces what production runs; any other environment only moves that environment's head. */
  environment: string;
  teamId: string;
  spec: NormalizedSpec;
  specText: string;
  format: SpecFormat;
  contentHash: string;
  source: GitSource | null;
  /** `ui` for a push from the dashboard's editor (a session), else `api`. */
  via: PushChannel;
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
 * Where the push came from, as its version, environment head and pipeline row record it: the git columns (all null
 * when pushed without a source) and whether it was pushed from the dashboard's editor.
 */
export function sourceColumnsOf(input: PushInput) {
  const git = input.source ?? { repo: null, sha: null, branch: null, author: null };
  return { gitRepo: git.repo, gitSha: git.sha, gitBranch: git.branch, gitAuthor: git.author, pushedVia: input.via };
}

/** The new version row a push writes, to production or to another environment. */
export function newVersionRow(
  tenantId: string,
  source: AuditSource,
  input: PushInput,
  at: { pipelineId: string; version: number; environment: string },
): PipelineVersion {
  const actor = source.principal.actor;
  return {
    tenantId,
    id: newId("pipelineVersion"),
    pipelineId: at.pipelineId,
    version: at.version,
    contentHash: input.contentHash,
    spec: input.spec,
    specText: input.specText,
    specFormat: input.format,
    createdAt: source.now,
    createdByType: actor.type,
    createdById: actor.id,
    createdByLabel: actor.label,
    ...sourceColumnsOf(input),
    environment: at.environment,
  };
}
