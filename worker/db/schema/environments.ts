import { primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { createdAt, json, ms, tenantId } from "./columns";

/**
 * A team's named environment (`prod`, `ci`, `dev`…). `bindings` maps the connection name a spec uses
 * to the team's connection that environment runs against (`dbt` → `dbt_ci`); names without a binding
 * resolve to themselves. `prod` needs no row (it then binds every name to itself); any other
 * environment must be declared before pipelines are pushed to it or run in it.
 */
export const environments = sqliteTable(
  "environments",
  {
    tenantId: tenantId(),
    teamId: text("team_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    bindings: json<Record<string, string>>("bindings").notNull(),
    createdAt: createdAt(),
    updatedAt: ms("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.teamId, t.name] })],
);
