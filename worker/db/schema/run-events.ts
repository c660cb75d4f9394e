import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms, tenantId } from "./columns";

export const runEvents = sqliteTable(
  "run_events",
  {
    tenantId: tenantId(),
    runId: text("run_id").notNull(),
    seq: integer("seq").notNull(),
    at: ms("at").notNull(),
    eventId: text("event_id").notNull(),
    taskKey: text("task_key"),
    fromStatus: text("from_status").notNull(),
    toStatus: text("to_status").notNull(),
    reason: text("reason").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.runId, t.seq] })],
);
