import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

export const taskRuns = sqliteTable(
  "task_runs",
  {
    tenantId: tenantId(),
    runId: text("run_id").notNull(),
    taskKey: text("task_key").notNull(),
    connector: text("connector").notNull(),
    connection: text("connection"),
    status: text("status").notNull(),
    attempt: integer("attempt").notNull(),
    externalId: text("external_id"),
    externalUrl: text("external_url"),
    error: json<{ kind: string; message: string } | null>("error"),
    reason: text("reason"),
    noNewData: integer("no_new_data", { mode: "boolean" }).notNull().default(false),
    /** The current attempt's outputs once it succeeded (connectors/outputs.ts). */
    outputs: json<Record<string, unknown> | null>("outputs"),
    dependsOn: json<string[]>("depends_on").notNull(),
    queuedAt: ms("queued_at"),
    startedAt: ms("started_at"),
    finishedAt: ms("finished_at"),
    seq: integer("seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.runId, t.taskKey] }), index("task_runs_external").on(t.tenantId, t.connector, t.externalId)],
);
