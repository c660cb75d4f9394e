import { index, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { tenantId } from "./columns";

/**
 * Data products an alert affects, each with its owner team (notified too) and the impact spelled out
 * ("finance_revenue will miss its 08:00 SLA because build_marts failed"). Also a product's alert history.
 */
export const alertImpacts = sqliteTable(
  "alert_impacts",
  {
    tenantId: tenantId(),
    alertId: text("alert_id").notNull(),
    product: text("product").notNull(),
    ownerTeamId: text("owner_team_id"),
    statement: text("statement").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.alertId, t.product] }),
    index("alert_impacts_product").on(t.tenantId, t.product),
    index("alert_impacts_team").on(t.tenantId, t.ownerTeamId),
  ],
);
