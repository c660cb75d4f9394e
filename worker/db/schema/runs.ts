import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { runStatuses } from "../../engine/states";
import { json, ms, tenantId } from "./columns";

export const triggerKinds = ["manual", "api", "cron", "upstream", "backfill", "webhook", "dataset"] as const;
export type TriggerKind = (typeof triggerKinds)[number];

export interface RunCiContext {
  pr_number: number | null;
  commit_sha: string | null;
  branch: string | null;
  repo: string | null;
  url: string | null;
}

/** Written through by the TenantRuns Durable Object on every transition; `seq` orders the writes. */
export const runs = sqliteTable(
  "runs",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    pipelineName: text("pipeline_name").notNull(),
    teamId: text("team_id").notNull(),
    versionId: text("version_id").notNull(),
    version: integer("version").notNull(),
    status: text("status", { enum: runStatuses }).notNull(),
    attempt: integer("attempt").notNull(),
    triggerKind: text("trigger_kind", { enum: triggerKinds }).notNull(),
    triggeredBy: text("triggered_by"),
    triggerRef: text("trigger_ref"),
    params: json<Record<string, unknown>>("params").notNull(),
    logicalAt: ms("logical_at"),
    backfillId: text("backfill_id"),
    environment: text("environment").notNull().default("prod"),
    /** Set for runs started from CI: which pull request and commit they check. */
    ci: json<RunCiContext>("ci"),
    reason: text("reason"),
    queuedAt: ms("queued_at").notNull(),
    startedAt: ms("started_at"),
    finishedAt: ms("finished_at"),
    seq: integer("seq").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("runs_pipeline").on(t.tenantId, t.pipelineId, t.queuedAt),
    index("runs_queued").on(t.tenantId, t.queuedAt),
    index("runs_status").on(t.tenantId, t.status, t.queuedAt),
    index("runs_backfill").on(t.tenantId, t.backfillId),
    // Only unfinished runs, across tenants: the engine watchdog (worker/engine-watchdog.ts) finds their tenants each
    // minute without scanning every run ever made.
    index("runs_unfinished").on(t.tenantId).where(sql`status IN ('queued', 'running')`),
  ],
);
