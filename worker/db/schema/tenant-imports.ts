import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms } from "./columns";

export const tenantImportStatuses = ["running", "done"] as const;
export type TenantImportStatus = (typeof tenantImportStatuses)[number];

/**
 * An import of a tenant export into this database (worker/tenant-data/import.ts), one per tenant. `position` counts
 * the archive's files already applied; each batch of rows is written only while the position is the one it was built
 * from and moves it on in the same D1 batch, so a re-run after a crash continues where the last batch ended and a
 * second run at the same time writes nothing twice. On the control database (db/sides.ts), beside the tenant row it
 * ends with. Deleted with the tenant; never exported.
 */
export const tenantImports = sqliteTable("tenant_imports", {
  tenantId: text("tenant_id").primaryKey(),
  /** The export the archive came from (its manifest's `export_id`): a re-run of the same archive resumes. */
  exportId: text("export_id").notNull(),
  exportedAt: text("exported_at").notNull(),
  /**
   * The shard the tenant's data goes to (worker/db/shards.ts), chosen when the import begins and read by a run that
   * resumes it: the tenant row, which names the shard everywhere else, is written last.
   */
  shard: text("shard").notNull().default("DB"),
  status: text("status", { enum: tenantImportStatuses }).notNull(),
  position: integer("position").notNull().default(0),
  /** Rows written per table, and `users`: accounts created, kept (same id) and matched by e-mail. */
  counts: json<Record<string, number>>("counts").notNull(),
  /** The tenant's deletion record the import lifted when it finished (restoring a deleted workspace), or null. */
  liftedDeletion: json<Record<string, unknown>>("lifted_deletion"),
  startedAt: ms("started_at").notNull(),
  updatedAt: ms("updated_at").notNull(),
  finishedAt: ms("finished_at"),
});
