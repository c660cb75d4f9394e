import { sql, type SQL } from "drizzle-orm";
import type { TenantCtx } from "../db/client";
import { othersProjectSql, type DbtProject } from "../db/repo/lineage/dbt";
import { othersJobsCheck } from "../db/repo/pipelines/ownership";
import { ApiError, type ErrorDetail } from "../lib/errors";
import { dbtNamespace } from "../lineage/dbt-plan";
import type { LineagePlan } from "../lineage/plan";
import type { IngestWriter } from "./writer";

// What a dbt upload is checked against: its project and environment names, which team may upload there, and what it
// may not change (worker/ingest/dbt-artifacts.ts applies them).

/** The project and environment an upload is for. */
type ProjectRef = { project: string; environment: string };

const namePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function checkName(path: string, value: string): ErrorDetail | null {
  return namePattern.test(value) ? null : { path, message: "1–100 letters, digits, '_', '.' or '-', starting with a letter or digit" };
}

/** 400 naming `project` and/or `environment` when either is not a valid name; null when both are. */
export function projectNameError(input: ProjectRef): ApiError | null {
  const details = [checkName("project", input.project), checkName("environment", input.environment)].filter((e): e is ErrorDetail => e !== null);
  return details.length ? new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details) : null;
}

const othersProject = () =>
  new ApiError("forbidden", "project: this dbt project and environment belong to another team", [
    { path: "project", message: "this dbt project and environment belong to another team; only its team uploads its artifacts" },
  ]);

/** A project another team owns is that team's to upload to: 403 naming `project`. Returns the project. */
export function requireProjectWriter(project: DbtProject, writer: IngestWriter): DbtProject {
  if (project.ownerTeamId && !writer.mayWriteFor(project.ownerTeamId)) throw othersProject();
  return project;
}

/**
 * What an upload may not change, checked by its own batch (and once ahead of it, before the bytes are stored): a
 * project another team owns, and — as for OpenLineage events — a job another team owns in the project's job
 * namespace (its tests, its invocations) or a run recorded under one. Jobs nobody owns, or new ones, are open.
 * `refused` names them, `none` is the condition the upload's first rows are written on.
 */
export function uploadChecks(ctx: TenantCtx, writer: IngestWriter, input: ProjectRef, plan: LineagePlan): { refused: SQL; none: SQL } {
  const jobs = othersJobsCheck(
    ctx.tenantId,
    writer.actsFor,
    [...plan.jobs.keys()],
    plan.runs.map((r) => r.id),
  );
  const refused = sql`${jobs.refused} UNION ALL ${othersProjectSql(ctx, writer.actsFor, input.project, input.environment)}`;
  return { refused, none: sql`NOT EXISTS (${refused})` };
}

/** The 403 (naming `project`) for what uploadChecks refused; null when it refused nothing. */
export function uploadRefusal(rows: Array<{ refused_kind: string }>, input: ProjectRef): ApiError | null {
  if (!rows.length) return null;
  if (rows.some((r) => r.refused_kind === "project")) return othersProject();
  const message = `jobs in ${dbtNamespace(input.project, input.environment)} belong to another team; report your own project's runs`;
  return new ApiError("forbidden", `project: ${message}`, [{ path: "project", message }]);
}
