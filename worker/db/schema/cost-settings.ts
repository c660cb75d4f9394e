import { real, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ms } from "./columns";

/**
 * Per-tenant pricing for sources that report usage rather than money, and the one currency the ledger,
 * budgets and declared values use (Tutti converts nothing: records in another currency are refused).
 * A tenant without a row uses the defaults in worker/costs/settings.ts.
 */
export const costSettings = sqliteTable("cost_settings", {
  tenantId: text("tenant_id").primaryKey(),
  currency: text("currency").notNull(),
  bigqueryPerTib: real("bigquery_per_tib").notNull(),
  snowflakePerCredit: real("snowflake_per_credit").notNull(),
  databricksPerDbu: real("databricks_per_dbu").notNull(),
  fivetranPerMillionMar: real("fivetran_per_million_mar").notNull(),
  airbytePerMillionRows: real("airbyte_per_million_rows").notNull(),
  updatedAt: ms("updated_at").notNull(),
});
