import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { applyMigrations, SCHEMA_OBJECTS_QUERY } from "../helpers/migrations";

// Every test file creates its databases from the squashed schema (test/config/squashed-schema.ts, computed in Node
// with SQLite), not from the migration chain. This replays the real chain in D1, as the files did before, and
// checks that it ends in exactly what the files get: same tables, columns, constraints, indexes, in the same order,
// the same migrations recorded as applied, and no rows a schema-only copy would lose.
describe("the squashed test schema", () => {
  it("is what the migration chain leaves in D1", async () => {
    const chain = env.MIGRATIONS_CHECK;
    await applyMigrations(chain, env.TEST_MIGRATIONS);

    const objects = async (db: D1Database) => (await db.prepare(SCHEMA_OBJECTS_QUERY).all()).results;
    const replayed = await objects(chain);
    expect(replayed.length).toBeGreaterThan(env.TEST_MIGRATIONS.length);
    expect(await objects(env.DB)).toEqual(replayed);
    expect(await objects(env.SHARD_1)).toEqual(replayed);
    expect(await objects(env.SHARD_2)).toEqual(replayed);

    const applied = async (db: D1Database) => (await db.prepare("SELECT id, name FROM d1_migrations ORDER BY id").all()).results;
    expect(await applied(env.DB)).toEqual(await applied(chain));
    expect((await applied(chain)).map((r) => r.name)).toEqual(env.TEST_MIGRATIONS.map((m) => m.name));

    for (const { name } of replayed.filter((o) => o.type === "table" && o.name !== "d1_migrations") as { name: string }[]) {
      const row = await chain.prepare(`SELECT count(*) AS n FROM "${name}"`).first<{ n: number }>();
      expect(row?.n, `rows the chain leaves in ${name}`).toBe(0);
    }
  });
});
