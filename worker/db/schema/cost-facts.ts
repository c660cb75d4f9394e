import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

/**
 * Raw facts about what a finished task cost at the tool, as collected after the run (Databricks run
 * durations and clusters, Snowflake query ids and warehouses). Priced cost records are derived from
 * these; `external_ref` (query id, `<workspace>/<run_id>`) is unique per source so re-collecting a run
 * updates its row instead of counting it twice.
 */
export const costFacts = sqliteTable(
  "cost_facts",
  {
    tenantId: tenantId(),
    source: text("source").notNull(),
    externalRef: text("external_ref").notNull(),
    teamId: text("team_id"),
    runId: text("run_id"),
    taskKey: text("task_key"),
    attempt: integer("attempt"),
    connectionId: text("connection_id"),
    facts: json<Record<string, unknown>>("facts").notNull(),
    startedAt: ms("started_at"),
    endedAt: ms("ended_at"),
    collectedAt: ms("collected_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.source, t.externalRef] }),
    index("cost_facts_run").on(t.tenantId, t.runId),
    index("cost_facts_started").on(t.tenantId, t.source, t.startedAt),
  ],
);
