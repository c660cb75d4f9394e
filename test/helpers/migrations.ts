import type { D1Migration } from "@cloudflare/vitest-pool-workers";

/** What wrangler records applied migrations in (`wrangler d1 migrations apply` creates the same table). */
export const D1_MIGRATIONS_TABLE =
  "CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)";

/** sqlite_master without SQLite's own objects (sqlite_sequence, autoindexes) and D1's (`_cf_…`), in creation order. */
export const SCHEMA_OBJECTS_QUERY =
  "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY rowid";

/**
 * Replays every migration on a fresh test database in one D1 batch, recorded in `d1_migrations` as wrangler does.
 * The pool's `applyD1Migrations` sends a batch per migration (33 round trips cost each file about 0.5 s more).
 * Test files no longer do this (see `applySchema`); `test/integration/migrations-squashed.test.ts` does, to check
 * that the chain ends in the squashed schema.
 */
export async function applyMigrations(db: D1Database, migrations: D1Migration[]): Promise<void> {
  await db.prepare(D1_MIGRATIONS_TABLE).run();
  const record = db.prepare("INSERT INTO d1_migrations (name) VALUES (?)");
  await db.batch(migrations.flatMap((migration) => [...migration.queries.map((query) => db.prepare(query)), record.bind(migration.name)]));
}

/**
 * Creates a fresh test database as the migration chain leaves it, in one D1 batch: the chain's end state
 * (`schema`, computed once per run by test/config/squashed-schema.ts; `d1_migrations` is among its tables) and every
 * migration recorded as applied. Replaying the chain cost ~0.6–1.0 s of wall per database under load, this ~0.2 s,
 * and each file migrates three databases (docs/testing.md, "Where the time goes").
 */
export async function applySchema(db: D1Database, schema: string[], migrations: D1Migration[]): Promise<void> {
  const record = db.prepare("INSERT INTO d1_migrations (name) VALUES (?)");
  await db.batch([...schema.map((sql) => db.prepare(sql)), ...migrations.map((m) => record.bind(m.name))]);
}
