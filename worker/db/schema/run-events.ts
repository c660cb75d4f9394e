import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
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
  // `run_events_at`: retention removes the oldest first (worker/db/repo/platform/retention-sweep.ts).
  (t) => [primaryKey({ columns: [t.tenantId, t.runId, t.seq] }), index("run_events_at").on(t.tenantId, t.at)],
);
