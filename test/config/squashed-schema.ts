import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import Database from "better-sqlite3";
import { D1_MIGRATIONS_TABLE, SCHEMA_OBJECTS_QUERY } from "../helpers/migrations";

/**
 * The schema the migration chain ends in, as the `CREATE` statements SQLite keeps for it (tables, indexes, triggers,
 * views, in the order they were made), computed in Node by replaying every migration once per test run. Each
 * workerd test file creates its databases from these statements in one batch (test/helpers/migrations.ts) instead of
 * replaying the chain in each of its three databases; `test/integration/migrations-squashed.test.ts` replays the real
 * chain in D1 and checks it ends in exactly this schema, so the two cannot drift apart.
 * It runs in Node (vitest.config.ts), hence outside test/helpers, whose imports are pre-bundled for workerd.
 */
export function squashedSchema(migrations: D1Migration[]): string[] {
  const db = new Database(":memory:");
  try {
    db.exec(D1_MIGRATIONS_TABLE);
    for (const migration of migrations) {
      db.transaction(() => {
        for (const query of migration.queries) db.exec(query);
      })();
    }
    // Rows would be lost in a schema-only copy: no migration may leave data behind (none seeds any today).
    for (const { name } of schemaObjects(db).filter((o) => o.type === "table" && o.name !== "d1_migrations")) {
      const { n } = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
      if (n > 0) throw new Error(`the migrations leave ${n} row(s) in ${name}: a schema-only copy would lose them`);
    }
    return schemaObjects(db).map((o) => o.sql);
  } finally {
    db.close();
  }
}

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string;
}

const schemaObjects = (db: Database.Database) => db.prepare(SCHEMA_OBJECTS_QUERY).all() as SchemaObject[];
