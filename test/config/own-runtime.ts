/**
 * Integration files that get a runtime of their own (the `integration` project); every other integration file runs
 * in the `integration-shared` project, where the files run one after another in one runtime per vitest worker and
 * skip the ~2–3 s start-up each (a new workerd, the Worker's bundle and packages, the schema) — docs/testing.md,
 * "One runtime for the quiet files".
 *
 * A file belongs here when what other files leave in a shared runtime (rows in every table, Durable Objects whose
 * timers still fire, queue traffic) could change what it asserts or how long it waits. Each group was slower in a
 * shared runtime than its start-up saves, or failed there, when the whole project ran shared (2026-12-07).
 */
export const ownRuntime = [
  // Sweeps that assert "nothing is stored" over whole databases, and the secrets check that reads every row.
  "test/integration/bad-input-bodies.test.ts",
  "test/integration/bad-input-fields.test.ts",
  "test/integration/bad-input-lists.test.ts",
  "test/integration/bad-input-paths.test.ts",
  "test/integration/bad-input-query.test.ts",
  "test/integration/isolation-reads.test.ts",
  "test/integration/isolation-sessions.test.ts",
  "test/integration/isolation-tokens.test.ts",
  "test/integration/secrets-never-leak.test.ts",
  // The engine and what follows runs through its alarms, leases, polls and the watchdog: timers that other files'
  // leftover work would delay, and call counts that other files' runs would add to.
  "test/integration/backfills.test.ts",
  "test/integration/collect-now.test.ts",
  "test/integration/connections.test.ts",
  "test/integration/connectors/databricks.test.ts",
  "test/integration/connectors/fivetran.test.ts",
  "test/integration/connectors/github-actions.test.ts",
  "test/integration/cost-collectors-bigquery.test.ts",
  "test/integration/cost-collectors-fivetran.test.ts",
  "test/integration/costs-ownership.test.ts",
  "test/integration/dead-letters.test.ts",
  "test/integration/engine-delivery.test.ts",
  "test/integration/engine-dispatch.test.ts",
  "test/integration/engine-object.test.ts",
  "test/integration/engine-pools.test.ts",
  "test/integration/engine-reruns.test.ts",
  "test/integration/engine-scheduling.test.ts",
  "test/integration/engine-sensors.test.ts",
  "test/integration/engine-sql-sensors.test.ts",
  "test/integration/engine-watchdog.test.ts",
  "test/integration/engine.test.ts",
  "test/integration/lineage-quality.test.ts",
  "test/integration/pipeline-validate.test.ts",
  "test/integration/quotas.test.ts",
  "test/integration/scim.test.ts",
  "test/integration/triggers.test.ts",
  "test/integration/usage-collectors-bi.test.ts",
  "test/integration/zombie-digest.test.ts",
  // Moves the Worker's clock, which every file in a runtime shares.
  "test/integration/mfa.test.ts",
  // Deletes and re-imports whole workspaces across the control database and the shards.
  "test/integration/tenant-import.test.ts",
];
