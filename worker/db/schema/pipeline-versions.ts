import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import type { NormalizedSpec } from "../../pipelines/spec";
import { specFormats } from "../../pipelines/parse";
import { createdAt, json, tenantId } from "./columns";
import { actorTypes, pushChannels } from "./enums";

/** Immutable: a push whose normalized spec hashes differently adds one; runs pin the version they started with. */
export const pipelineVersions = sqliteTable(
  "pipeline_versions",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    version: integer("version").notNull(),
    contentHash: text("content_hash").notNull(),
    spec: json<NormalizedSpec>("spec").notNull(),
    /** The text as pushed (comments included), for display; `spec` is what runs. */
    specText: text("spec_text").notNull(),
    specFormat: text("spec_format", { enum: specFormats }).notNull(),
    createdAt: createdAt(),
    createdByType: text("created_by_type", { enum: actorTypes }).notNull(),
    createdById: text("created_by_id").notNull(),
    createdByLabel: text("created_by_label").notNull(),
    gitRepo: text("git_repo"),
    gitSha: text("git_sha"),
    gitBranch: text("git_branch"),
    gitAuthor: text("git_author"),
    /** `ui` when pushed from the dashboard's editor; see pushChannels. */
    pushedVia: text("pushed_via", { enum: pushChannels }).notNull().default("api"),
    /** The environment it was pushed to; only `prod` versions ever become pipelines.current_version_id. */
    environment: text("environment").notNull().default("prod"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("pipeline_versions_number").on(t.tenantId, t.pipelineId, t.version)],
);
