import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";
import { pushChannels } from "./enums";

/**
 * One row per pipeline name in a tenant. The spec itself lives in pipeline_versions; the schedule and
 * description are copied here from the current version so listings need no join.
 */
export const pipelines = sqliteTable(
  "pipelines",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    teamId: text("team_id").notNull(),
    /** Unique per tenant, so `after:` triggers and `/pipelines/{name}` resolve without a team. */
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    currentVersionId: text("current_version_id").notNull(),
    currentVersion: integer("current_version").notNull(),
    paused: integer("paused", { mode: "boolean" }).notNull().default(false),
    /**
     * False while the pipeline exists only in non-production environments (first pushed from a branch):
     * current_version_id then names that first version, and production neither schedules nor runs it.
     */
    inProduction: integer("in_production", { mode: "boolean" }).notNull().default(true),
    archivedAt: ms("archived_at"),
    cron: text("cron"),
    timezone: text("timezone"),
    /**
     * The cron in effect instead of the spec's while a product's unused policy has slowed the pipeline
     * (unused_pipeline_actions); null otherwise. Undo clears it, so the spec's schedule (`cron`) applies again.
     */
    scheduleOverride: text("schedule_override"),
    /** Where the current version came from, when pushed from CI. */
    gitRepo: text("git_repo"),
    gitSha: text("git_sha"),
    gitBranch: text("git_branch"),
    gitAuthor: text("git_author"),
    /** `ui` when pushed from the dashboard's editor; see pushChannels. */
    pushedVia: text("pushed_via", { enum: pushChannels }).notNull().default("api"),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    uniqueIndex("pipelines_tenant_name").on(t.tenantId, t.name),
    index("pipelines_team").on(t.tenantId, t.teamId, t.name),
    // Scheduled production pipelines, across tenants: the engine watchdog (worker/engine-watchdog.ts).
    index("pipelines_scheduled").on(t.tenantId).where(sql`cron IS NOT NULL AND paused = 0 AND archived_at IS NULL AND in_production = 1`),
  ],
);
