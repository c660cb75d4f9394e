import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { backfillControls } from "../../engine/backfill-control";
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
    /** Written after the tenant's run engine applied the change; the engine holds the truth. */
    control: text("control", { enum: backfillControls }).notNull().default("running"),
    /**
     * The engine's sequence number of that change: a write carrying an older one is ignored, so two changes racing
     * from the engine to D1 cannot leave D1 on the earlier.
     */
    controlSeq: integer("control_seq").notNull().default(0),
    updatedAt: ms("updated_at"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    index("backfills_created").on(t.tenantId, t.createdAt),
    index("backfills_pipeline").on(t.tenantId, t.pipelineId, t.createdAt),
  ],
);
