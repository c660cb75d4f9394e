/**
 * The tenant Durable Object's SQLite schema, as an ordered list of steps. An object records the last step it applied
 * in its `schema_version` row; at construction it applies the steps after that one, each in one transaction with the
 * version bump, so every object — created today or long ago — reaches the same schema once, before any call.
 * (Not `PRAGMA user_version`: Durable Object SQLite refuses it with SQLITE_AUTH.)
 *
 * To change the schema, append a step with the next version (e.g. `ALTER TABLE runs ADD COLUMN …`). Never edit,
 * reorder or remove a step that has shipped: objects that already applied it would not see the change.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const runStorageMigrations: readonly Migration[] = [
  {
    version: 1,
    // Written with IF NOT EXISTS: objects created before steps were recorded (version 0) already have these tables.
    description: "runs, timers, applied events, claims, pipelines, parked deliveries, outbox, unsettled dispatches, settings",
    sql: `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  pipeline_id TEXT NOT NULL,
  status TEXT NOT NULL,
  group_id TEXT,
  group_limit INTEGER,
  dedupe_key TEXT UNIQUE,
  queued_at INTEGER NOT NULL,
  finished_at INTEGER,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  meta TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_pipeline_status ON runs (pipeline_id, status);
CREATE INDEX IF NOT EXISTS runs_finished ON runs (finished_at);
CREATE TABLE IF NOT EXISTS timers (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL, event TEXT NOT NULL, run_id TEXT);
CREATE INDEX IF NOT EXISTS timers_due ON timers (due_at);
CREATE INDEX IF NOT EXISTS timers_run ON timers (run_id);
CREATE TABLE IF NOT EXISTS applied_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS applied_events_at ON applied_events (at);
CREATE TABLE IF NOT EXISTS claims (id TEXT PRIMARY KEY, lease_until INTEGER NOT NULL, done INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pipelines (id TEXT PRIMARY KEY, name TEXT NOT NULL, data TEXT NOT NULL);
DROP TABLE IF EXISTS parked_webhooks;
CREATE TABLE IF NOT EXISTS parked_deliveries (connection_id TEXT NOT NULL, external_id TEXT NOT NULL, delivery_id TEXT NOT NULL, outcome TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (connection_id, external_id, delivery_id));
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS unsettled_dispatches (claim_id TEXT PRIMARY KEY, payload TEXT NOT NULL, due_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS unsettled_dispatches_due ON unsettled_dispatches (due_at);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
  {
    version: 2,
    description: "dataset trigger marks: per pipeline, trigger and dataset, the write not yet used by a run and the last one used",
    sql: `
CREATE TABLE IF NOT EXISTS dataset_trigger_marks (
  pipeline_id TEXT NOT NULL,
  trigger_index INTEGER NOT NULL,
  dataset_id TEXT NOT NULL,
  pending_at INTEGER,
  pending_run TEXT,
  consumed_at INTEGER,
  PRIMARY KEY (pipeline_id, trigger_index, dataset_id)
);
`,
  },
  {
    version: 3,
    description: "backfill controls: a paused or cancelled backfill's queued runs do not start; seq orders the changes written to D1",
    sql: `
CREATE TABLE IF NOT EXISTS backfill_controls (id TEXT PRIMARY KEY, control TEXT NOT NULL, seq INTEGER NOT NULL);
`,
  },
  {
    version: 4,
    description:
      "pools: the tenant's pool sizes (copied from D1) and, per task attempt, the slots it waits for or holds (until its cancel reached the tool), in the order asked",
    sql: `
CREATE TABLE IF NOT EXISTS pools (name TEXT PRIMARY KEY, slots INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pool_slots (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id TEXT NOT NULL,
  task_key TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  pool TEXT NOT NULL,
  slots INTEGER NOT NULL,
  held INTEGER NOT NULL DEFAULT 0,
  draining_claim TEXT,
  UNIQUE (run_id, task_key, attempt)
);
CREATE INDEX IF NOT EXISTS pool_slots_pool ON pool_slots (pool, held);
CREATE INDEX IF NOT EXISTS pool_slots_draining ON pool_slots (draining_claim);
`,
  },
  {
    version: 5,
    description:
      "collector passes: each collector's queued or running pass (one at a time) and when a person last asked for one (the cool-down of POST /collectors/{id}/collect)",
    sql: `
CREATE TABLE IF NOT EXISTS collector_passes (
  connection_id TEXT PRIMARY KEY,
  pass_id TEXT,
  state TEXT,
  queued_at INTEGER,
  started_at INTEGER,
  pressed_at INTEGER
);
`,
  },
  {
    version: 6,
    description:
      "claims: who holds the lease (a queue message, or an instance of this object), so a holder known to be gone is taken over at once instead of when the lease ends",
    sql: "ALTER TABLE claims ADD COLUMN holder TEXT;",
  },
];

/**
 * The steps an object at `current` still needs, in order. Steps must be numbered 1, 2, 3…: a gap or a repeat is a
 * mistake in the list, refused before anything runs. An object ahead of the list (code rolled back after a deploy
 * that migrated it) needs nothing: steps only add, so the older code still finds what it uses.
 */
export function pendingMigrations(current: number, steps: readonly Migration[]): Migration[] {
  steps.forEach((step, i) => {
    if (step.version !== i + 1) throw new Error(`migration ${i + 1} is numbered ${step.version}: versions must run 1, 2, 3… without gaps`);
  });
  return steps.filter((step) => step.version > current);
}

/** Applies the pending steps, each atomically with its version bump. Returns the version the object is at. */
export function migrateRunStorage(storage: DurableObjectStorage, steps: readonly Migration[] = runStorageMigrations): number {
  const { sql } = storage;
  sql.exec("CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)");
  for (const step of pendingMigrations(schemaVersion(sql), steps)) {
    storage.transactionSync(() => {
      sql.exec(step.sql);
      sql.exec("INSERT INTO schema_version (id, version) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET version = excluded.version", step.version);
    });
  }
  return schemaVersion(sql);
}

/** The last step applied; 0 for an object that has applied none (new, or created before steps were recorded). */
export function schemaVersion(sql: SqlStorage): number {
  const row = sql.exec("SELECT version FROM schema_version WHERE id = 1").toArray()[0];
  return row ? (row.version as number) : 0;
}
