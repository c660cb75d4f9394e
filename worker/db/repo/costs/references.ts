import { sql } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { rawRows } from "../../statements";

/** How a cost record names each kind of object (`column` of `table`), and which column holds its owner team. */
const references = {
  run: { table: "runs", column: "id", owner: "team_id" },
  team: { table: "teams", column: "id", owner: "id" },
  pipeline: { table: "pipelines", column: "name", owner: "team_id" },
  product: { table: "products", column: "name", owner: "owner_team_id" },
} as const;

/** The given references that exist in this tenant, each with the team owning the object (null when none). */
export async function ownersOfReferences(ctx: TenantCtx, kind: keyof typeof references, values: string[]): Promise<Map<string, string | null>> {
  if (!values.length) return new Map();
  const { table, column, owner } = references[kind];
  const rows = await rawRows(
    ctx,
    sql`SELECT ${sql.raw(column)}, ${sql.raw(owner)} FROM ${sql.raw(table)}
        WHERE tenant_id = ${ctx.tenantId} AND ${sql.raw(column)} IN (SELECT value FROM json_each(${JSON.stringify([...new Set(values)])}))`,
  );
  return new Map(rows.map((r) => [r[0] as string, (r[1] as string | null) ?? null]));
}
