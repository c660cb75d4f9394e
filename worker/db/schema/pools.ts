import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";

/**
 * A tenant's named pool: at most `slots` task attempts' worth of slots held at once across every run and pipeline of
 * the tenant (tasks name it with `pool:`). The source of truth; the tenant's Durable Object keeps a copy of the sizes
 * and the slots in use (worker/durable/runs/pools.ts).
 */
export const pools = sqliteTable(
  "pools",
  {
    tenantId: tenantId(),
    name: text("name").notNull(),
    slots: integer("slots").notNull(),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);
