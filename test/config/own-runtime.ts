/**
 * Integration files that get a runtime of their own (the `integration` project); every other integration file runs
 * in the `integration-shared` project, where the files run one after another in one runtime per vitest worker and
 * skip the ~2–3 s start-up each (a new workerd, the Worker's bundle and packages, the schema) — docs/testing.md,
 * "One runtime for the quiet files".
 *
 * A file belongs here when what other files leave in a shared runtime (rows in every table, Durable Objects whose
 * timers still fire, queue traffic) could change what it asserts or how long it waits. Each group failed in a
 * shared runtime, or was slower there than its start-up saves, when the whole project ran shared (2026-12-07).
 * Nineteen files that follow runs through tools (connectors, collectors, backfills, triggers) were slower there too
 * until a shared file's end took its objects' alarms (test/helpers/setup-shared.ts); since then they run shared as
 * fast as alone (43.7 s against 44.5 s of tests), in file orders shuffled twice.
 */
export const ownRuntime = [
  // Sweeps that assert "nothing is stored" over whole databases.
  "test/integration/bad-input-bodies.test.ts",
  "test/integration/bad-input-fields.test.ts",
  "test/integration/bad-input-lists.test.ts",
  "test/integration/bad-input-paths.test.ts",
  "test/integration/bad-input-query.test.ts",
  "test/integration/isolation-reads.test.ts",
  "test/integration/isolation-sessions.test.ts",
  "test/integration/isolation-tokens.test.ts",
  // The engine's own files: timings of alarms, leases, polls and the watchdog (which walks every tenant), D1 batches
  // and tool calls counted, which other files' leftover work would delay or add to. They also run in the
  // inline-dispatch and queue-dispatch projects.
  "test/integration/engine-delivery.test.ts",
  "test/integration/engine-dispatch.test.ts",
  "test/integration/engine-pools.test.ts",
  "test/integration/engine-reruns.test.ts",
  "test/integration/engine-scheduling.test.ts",
  "test/integration/engine-sensors.test.ts",
  "test/integration/engine-sql-sensors.test.ts",
  "test/integration/engine-watchdog.test.ts",
  "test/integration/engine.test.ts",
  // Moves the Worker's clock, which every file in a runtime shares.
  "test/integration/mfa.test.ts",
  // Deletes and re-imports whole workspaces across the control database and the shards.
  "test/integration/tenant-import.test.ts",
];
