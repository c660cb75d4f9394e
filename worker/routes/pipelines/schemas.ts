import { z } from "@hono/zod-openapi";
import type { Pipeline } from "../../db/repo/pipelines/pipelines";
import type { PipelineVersion, PipelineVersionSummary } from "../../db/repo/pipelines/versions";
import { versionOrigins, type VersionOrigin } from "../../db/schema/enums";
import { runStatuses } from "../../engine/states";
import { specFormats } from "../../pipelines/parse";
import { NormalizedSpecSchema, PipelineName } from "../../pipelines/spec";
import { isoOrNull, timestamp } from "../shared";

export const NameParam = z.object({ name: PipelineName.openapi({ example: "daily_revenue" }) });
export const VersionParam = NameParam.extend({
  n: z.coerce.number().int().min(1).openapi({ description: "Version number (1, 2, …)", example: 2 }),
});

/** `?flag=true|false`; z.coerce.boolean would read "false" as true. */
export const queryBool = z
  .enum(["true", "false"])
  .transform((v) => v === "true")
  .optional();

const TeamRef = z
  .object({ id: z.string(), slug: z.string(), name: z.string() })
  .nullable()
  .openapi({ description: "The owning team (null only if it was deleted)" });

const SourceOut = z
  .object({ git_repo: z.string().nullable(), git_sha: z.string().nullable(), git_branch: z.string().nullable(), git_author: z.string().nullable() })
  .nullable()
  .openapi({ description: "Where the version came from when pushed from CI" });

const OriginOut = z.enum(versionOrigins).openapi({
  description: "Where it came from: `ui` (the dashboard's editor), `ci` (pushed with its git source, as `tutti push` does in CI) or `api` (a token otherwise)",
});

const ScheduleOut = z.object({ cron: z.string(), timezone: z.string() }).nullable();

export const PipelineOut = z
  .object({
    id: z.string().openapi({ example: "pl_3k9q0x2m4n5b6v7c8z1a" }),
    name: z.string(),
    team: TeamRef,
    description: z.string(),
    paused: z.boolean(),
    archived_at: timestamp.nullable(),
    schedule: ScheduleOut,
    schedule_override: z
      .string()
      .nullable()
      .openapi({ description: "The cron in effect instead of schedule.cron while an unused data product's policy has slowed the pipeline; null otherwise" }),
    current_version: z
      .object({ id: z.string(), number: z.number().int() })
      .openapi({ description: "The version production runs (while `in_production` is false: the first version pushed to another environment)" }),
    in_production: z.boolean().openapi({
      description: "False while the pipeline was pushed only to non-production environments (from branches): production neither schedules nor runs it",
    }),
    source: SourceOut,
    origin: OriginOut,
    created_at: timestamp,
    updated_at: timestamp,
  })
  .openapi("Pipeline");

export const RecentRunOut = z
  .object({ id: z.string(), status: z.enum(runStatuses), queued_at: timestamp, finished_at: timestamp.nullable() })
  .openapi("PipelineRecentRun");

/** A pipeline as lists and detail pages show it: with when it runs next and how its latest runs went. */
export const PipelineSummaryOut = PipelineOut.extend({
  next_run_at: timestamp.nullable().openapi({ description: "Next scheduled start; null when unscheduled, paused or archived" }),
  recent_runs: z.array(RecentRunOut).openapi({ description: "Up to the 10 latest runs, newest first" }),
}).openapi("PipelineSummary");

export const PipelineList = z.object({ items: z.array(PipelineSummaryOut), next_cursor: z.string().nullable() }).openapi("PipelineList");

export const EnvironmentVersionOut = z
  .object({
    environment: z.string(),
    version: z.object({ id: z.string(), number: z.number().int() }),
    source: SourceOut,
    origin: OriginOut,
    updated_at: timestamp,
  })
  .openapi("PipelineEnvironmentVersion");

export const PipelineDetailOut = PipelineSummaryOut.extend({
  spec: NormalizedSpecSchema,
  environments: z.array(EnvironmentVersionOut).openapi({ description: "Non-production environments running their own version (the others run production's)" }),
}).openapi("PipelineDetail");

export const VersionSummaryOut = z
  .object({
    id: z.string().openapi({ example: "plv_3k9q0x2m4n5b6v7c8z1a" }),
    number: z.number().int(),
    content_hash: z.string(),
    format: z.enum(specFormats),
    created_at: timestamp,
    created_by: z.object({ type: z.string(), id: z.string(), label: z.string() }),
    source: SourceOut,
    origin: OriginOut,
    environment: z.string().openapi({ description: "Where it was pushed: `prod` or a non-production environment" }),
  })
  .openapi("PipelineVersionSummary");

export const VersionList = z.object({ items: z.array(VersionSummaryOut), next_cursor: z.string().nullable() }).openapi("PipelineVersionList");

export const VersionOut = VersionSummaryOut.extend({
  spec: NormalizedSpecSchema,
  spec_text: z.string().openapi({ description: "The text as pushed, comments included" }),
}).openapi("PipelineVersion");

const Schedule = z.object({ cron: z.string(), timezone: z.string() });
export const DiffOut = z
  .object({
    tasks_added: z.array(z.string()),
    tasks_removed: z.array(z.string()),
    tasks_changed: z.array(z.object({ id: z.string(), fields: z.array(z.string()) })),
    schedule_changed: z.boolean(),
    schedule_before: Schedule.nullable(),
    schedule_after: Schedule.nullable(),
    other_changes: z.array(z.string()),
    identical: z.boolean(),
  })
  .openapi("PipelineSpecDiff");

export const VersionDiffOut = z
  .object({ from: z.number().int().nullable().openapi({ description: "null: compared with nothing (version 1)" }), to: z.number().int(), diff: DiffOut })
  .openapi("PipelineVersionDiff");

export function sourceOut(row: Pick<Pipeline, "gitRepo" | "gitSha" | "gitBranch" | "gitAuthor">) {
  if (!row.gitRepo && !row.gitSha && !row.gitBranch && !row.gitAuthor) return null;
  return { git_repo: row.gitRepo, git_sha: row.gitSha, git_branch: row.gitBranch, git_author: row.gitAuthor };
}

type SourceColumns = Pick<Pipeline, "gitRepo" | "gitSha" | "gitBranch" | "gitAuthor" | "pushedVia">;

/** The one definition of a version's origin: the editor's pushes are `ui`, pushes carrying a git source `ci`. */
export function originOf(row: SourceColumns): VersionOrigin {
  if (row.pushedVia === "ui") return "ui";
  return sourceOut(row) ? "ci" : "api";
}

export function pipelineOut(p: Pipeline, team: { id: string; slug: string; name: string } | null): z.input<typeof PipelineOut> {
  return {
    id: p.id,
    name: p.name,
    team,
    description: p.description,
    paused: p.paused,
    archived_at: isoOrNull(p.archivedAt),
    schedule: p.cron && p.timezone ? { cron: p.cron, timezone: p.timezone } : null,
    schedule_override: p.cron && p.timezone ? p.scheduleOverride : null,
    current_version: { id: p.currentVersionId, number: p.currentVersion },
    in_production: p.inProduction,
    source: sourceOut(p),
    origin: originOf(p),
    created_at: new Date(p.createdAt).toISOString(),
    updated_at: new Date(p.updatedAt).toISOString(),
  };
}

export function versionSummaryOut(v: PipelineVersionSummary): z.input<typeof VersionSummaryOut> {
  return {
    id: v.id,
    number: v.version,
    content_hash: v.contentHash,
    format: v.specFormat,
    created_at: new Date(v.createdAt).toISOString(),
    created_by: { type: v.createdByType, id: v.createdById, label: v.createdByLabel },
    source: sourceOut(v),
    origin: originOf(v),
    environment: v.environment,
  };
}

export function versionOut(v: PipelineVersion): z.input<typeof VersionOut> {
  return { ...versionSummaryOut(v), spec: v.spec, spec_text: v.specText };
}
