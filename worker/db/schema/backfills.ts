import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/** A backfill: one run per cron slot in [from, to], at most `parallelism` at a time. */
export const backfills = sqliteTable(
  "backfills",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    pipelineId: text("pipeline_id").notNull(),
    fromAt: ms("from_at").notNull(),
    toAt: ms("to_at").notNull(),
    parallelism: integer("parallelism").notNull(),
    slots: integer("slots").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);
