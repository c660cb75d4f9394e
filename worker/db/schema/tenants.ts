import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt } from "./columns";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  /** Members signing in with a password must have a second factor before using the workspace (SSO sign-ins are exempt). */
  mfaRequired: integer("mfa_required", { mode: "boolean" }).notNull().default(false),
  /**
   * The D1 binding holding the tenant's data (worker/db/shards.ts). `DB`, the control database, for tenants of a
   * deployment that has no shards (or from before it had them): there the one database is control and shard at once.
   */
  shard: text("shard").notNull().default("DB"),
  createdAt: createdAt(),
});
