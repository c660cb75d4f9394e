import { integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { createdAt, ms, tenantId } from "./columns";
import { budgetScopes } from "./enums";

/** A monthly spending limit for a team or a product, in the tenant's cost currency. */
export const budgets = sqliteTable(
  "budgets",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    scope: text("scope", { enum: budgetScopes }).notNull(),
    scopeId: text("scope_id").notNull(),
    limitMicros: integer("limit_micros").notNull(),
    currency: text("currency").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), uniqueIndex("budgets_scope").on(t.tenantId, t.scope, t.scopeId)],
);
