import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  accountTables,
  deletedTables,
  exportedTables,
  indirectTables,
  leftOutOfExport,
  platformTables,
  retainedOnDelete,
  tenantTables,
} from "../../worker/db/tenant-tables";

/** Every table the migrations create, with whether it has a `tenant_id` column. */
async function migratedTables(): Promise<Map<string, boolean>> {
  const { results } = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
  ).all<{ name: string }>();
  const out = new Map<string, boolean>();
  for (const { name } of results) {
    const { results: columns } = await env.DB.prepare(`PRAGMA table_info("${name}")`).all<{ name: string }>();
    out.set(
      name,
      columns.some((c) => c.name === "tenant_id"),
    );
  }
  return out;
}

describe("tenant tables", () => {
  it("every table with a tenant_id is exported and deleted with its tenant, or named with the reason it is not", async () => {
    const migrated = await migratedTables();
    const withTenant = [...migrated]
      .filter(([, has]) => has)
      .map(([name]) => name)
      .sort();
    expect(tenantTables.map((t) => t.name)).toEqual(withTenant);
    for (const name of withTenant) {
      expect(exportedTables.some((t) => t.name === name) || name in leftOutOfExport, `${name} is neither exported nor left out with a reason`).toBe(true);
      expect(deletedTables.some((t) => t.name === name) || name in retainedOnDelete, `${name} is neither deleted nor retained with a reason`).toBe(true);
    }
    for (const name of [...Object.keys(leftOutOfExport), ...Object.keys(retainedOnDelete)]) expect(withTenant, name).toContain(name);
  });

  it("every table without a tenant_id is the tenant's through another table, a person's account's, or the platform's", async () => {
    const migrated = await migratedTables();
    const without = [...migrated]
      .filter(([, has]) => !has)
      .map(([name]) => name)
      .sort();
    expect(without).toEqual([...indirectTables, ...Object.keys(accountTables), ...Object.keys(platformTables)].sort());
  });
});
