import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { alertKinds, alertSeverities, alertStatuses } from "../../alerting/kinds";
import { json, ms, tenantId } from "./columns";

/** What an alert is about, for links and filters. */
export const alertSubjectTypes = ["pipeline", "dataset", "product", "team", "connection"] as const;
export type AlertSubjectType = (typeof alertSubjectTypes)[number];

/**
 * One alert: repeated events with the same dedupe key while it is not resolved join it (occurrences, last_seen_at).
 * `open_key` holds the dedupe key until the alert resolves and NULL after; its unique index is what guarantees at most
 * one unresolved alert per key even when two consumers raise it at once (SQLite treats NULLs as distinct).
 */
export const alerts = sqliteTable(
  "alerts",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    kind: text("kind", { enum: alertKinds }).notNull(),
    severity: text("severity", { enum: alertSeverities }).notNull(),
    status: text("status", { enum: alertStatuses }).notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    openKey: text("open_key"),
    title: text("title").notNull(),
    summary: text("summary").notNull(),
    subjectType: text("subject_type", { enum: alertSubjectTypes }).notNull(),
    subjectId: text("subject_id").notNull(),
    subjectName: text("subject_name").notNull(),
    ownerTeamId: text("owner_team_id"),
    pipelineId: text("pipeline_id"),
    pipelineName: text("pipeline_name"),
    /** The latest run that caused or repeated it. */
    runId: text("run_id"),
    /** Teams named by the pipeline spec's `alerts.to` (team:<slug>), notified on top of owners. */
    namedTeamIds: json<string[]>("named_team_ids").notNull(),
    /** Channels named by the pipeline spec's `alerts.to` (channel:<name>), notified directly. */
    namedChannelIds: json<string[]>("named_channel_ids").notNull(),
    /** Tags of the subject (dataset tags), matched by rules' tag filters. */
    tags: json<string[]>("tags").notNull(),
    /** Kind-specific facts (failed tasks and errors, deadline, threshold…), shown on the detail page and sent in payloads. */
    details: json<Record<string, unknown>>("details").notNull(),
    occurrences: integer("occurrences").notNull(),
    firstSeenAt: ms("first_seen_at").notNull(),
    lastSeenAt: ms("last_seen_at").notNull(),
    acknowledgedAt: ms("acknowledged_at"),
    acknowledgedBy: text("acknowledged_by"),
    assigneeUserId: text("assignee_user_id"),
    resolvedAt: ms("resolved_at"),
    resolvedBy: text("resolved_by"),
    resolution: text("resolution"),
    escalationLevel: integer("escalation_level").notNull().default(0),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("alerts_open_key").on(t.tenantId, t.openKey),
    index("alerts_status").on(t.tenantId, t.status, t.lastSeenAt),
    index("alerts_dedupe").on(t.tenantId, t.dedupeKey, t.firstSeenAt),
    index("alerts_owner").on(t.tenantId, t.ownerTeamId, t.status),
    index("alerts_pipeline").on(t.tenantId, t.pipelineId, t.status),
    index("alerts_seen").on(t.tenantId, t.lastSeenAt),
  ],
);
