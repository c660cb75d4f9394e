import { integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import { cloneTable, cloneTables, copyWithinSql, insertRowsSql, rewriteRow, rowsPerInsert } from "../../../bench/scale/clone-sql";

// bench/scale copies one tenant into 999 others; a wrong rule would make the copies collide or share rows.
const widgets = sqliteTable("widgets", {
  id: text("id").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  ownerTeamId: text("owner_team_id"),
  tokenHash: text("token_hash"),
  name: text("name").notNull(),
  count: integer("count").notNull(),
});
const events = sqliteTable("events", {
  seq: integer("seq").primaryKey({ autoIncrement: true }),
  tenantId: text("tenant_id").notNull(),
  runId: text("run_id").notNull(),
});
const facets = sqliteTable("facets", { tenantId: text("tenant_id").notNull(), kind: text("kind").notNull() }, (t) => [
  primaryKey({ columns: [t.tenantId, t.kind] }),
]);

describe("bench/scale clone rules", () => {
  it("replaces the tenant, prefixes ids, references and hashes, and copies the rest", () => {
    const table = cloneTable(widgets)!;
    const row = { id: "w1", tenant_id: "t1", owner_team_id: "team1", token_hash: "abc", name: "orders", count: 3 };
    expect(rewriteRow(table, row, "t2", "s0001_")).toEqual(["s0001_w1", "t2", "s0001_team1", "s0001_abc", "orders", 3]);
    expect(rewriteRow(table, { ...row, owner_team_id: null }, "t2", "p_")[2]).toBeNull();
  });

  it("leaves a rowid key to the copy, and keeps a composite key's own columns (the tenant differs)", () => {
    expect(cloneTable(events)!.columns).toEqual(["tenant_id", "run_id"]);
    expect(cloneTable(facets)!.rules).toEqual(["tenant", "copy"]);
  });

  it("copies within a database in one statement that uses every bound value", () => {
    const sql = copyWithinSql(cloneTable(facets)!);
    expect(sql).toBe(`INSERT INTO "facets" ("tenant_id", "kind") SELECT ?2, "kind" FROM "facets" WHERE "tenant_id" = ?1 AND ?3 IS NOT NULL`);
  });

  it("keeps multi-row inserts within D1's 100 bound values", () => {
    const table = cloneTable(widgets)!;
    const rows = rowsPerInsert(table);
    expect(rows * table.columns.length).toBeLessThanOrEqual(100);
    expect(insertRowsSql(table, 2).match(/\?/g)).toHaveLength(12);
  });

  it("covers every tenant table of the schema", () => {
    const names = cloneTables().map((t) => t.name);
    expect(names).toContain("runs");
    expect(names).toContain("lineage_edges");
    expect(names).not.toContain("users");
  });
});
