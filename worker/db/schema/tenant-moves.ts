import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms } from "./columns";

/**
 * `copying`: rows go to the new shard; `flipped`: the map names the new shard, and every isolate's cached answer runs out;
 * `removing`: writes are back, the old shard's rows are being deleted; `done`.
 */
export const tenantMoveStatuses = ["copying", "flipped", "removing", "done"] as const;
export type TenantMoveStatus = (typeof tenantMoveStatuses)[number];

/**
 * A tenant's move between shards (worker/tenant-data/move.ts, `npm run tenant:move`), one row per tenant: its last
 * move. While it is `copying` or `flipped` the tenant's API writes are refused (503 with Retry-After); `cursor` is
 * where the copy or the removal stopped, so running the command again finishes it. On the control database.
 */
export const tenantMoves = sqliteTable("tenant_moves", {
  tenantId: text("tenant_id").primaryKey(),
  fromShard: text("from_shard").notNull(),
  toShard: text("to_shard").notNull(),
  status: text("status", { enum: tenantMoveStatuses }).notNull(),
  cursor: json<Record<string, unknown>>("cursor").notNull(),
  /** Rows per table copied (and checked) to the new shard. */
  counts: json<Record<string, number>>("counts").notNull(),
  startedAt: ms("started_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
  flippedAt: ms("flipped_at"),
  finishedAt: ms("finished_at"),
});
