import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { migrateRunStorage, runStorageMigrations, schemaVersion, type Migration } from "../../worker/durable/migrations";
import { unwrap } from "../../worker/durable/result";
import type { RunMeta } from "../../worker/durable/run-meta";
import { RunStore } from "../../worker/durable/storage";
import { TenantRuns } from "../../worker/durable/tenant-runs";
import { newRunState } from "../../worker/engine/transition";

const latest = runStorageMigrations.length;

/** An engine object of its own: these tests change its schema, which no other test should see. */
const freshObject = () => {
  const tenantId = `t_object_${crypto.randomUUID()}`;
  return { tenantId, stub: tenantRuns(env, tenantId) };
};

/** A queued run row as the engine stores it (its content does not matter here, only that it survives). */
function insertRun(store: RunStore, runId: string, tenantId: string) {
  const state = newRunState(runId, [], null, 1_000);
  const meta = { tenantId, pipelineId: "pl_1", pipelineName: "p", environment: "prod" } as unknown as RunMeta;
  store.insertRun(
    { id: runId, pipelineId: "pl_1", status: "queued", groupId: null, groupLimit: null, queuedAt: 1_000, seq: 0, state, meta },
    `dedupe:${runId}`,
  );
}

async function errorOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "no error";
  } catch (err) {
    return String(err);
  }
}

const columnsOf = (sql: SqlStorage, table: string) =>
  sql
    .exec(`PRAGMA table_info(${table})`)
    .toArray()
    .map((c) => c.name as string);

describe("the engine object's SQLite schema", () => {
  it("a new object is at the latest schema version when its first call arrives", async () => {
    const { stub } = freshObject();
    const version = await runInDurableObject(stub, (_instance, state) => schemaVersion(state.storage.sql));
    expect(version).toBe(latest);
  });

  it("an object created before the schema was versioned is migrated at construction and keeps its runs, timers and tenant", async () => {
    const { tenantId, stub } = freshObject();
    const result = await runInDurableObject(stub, async (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      store.checkTenant(tenantId);
      insertRun(store, "run_old", tenantId);
      store.setTimer("watch:old", 5_000, { type: "watch", key: "old", payload: {} }, null);
      // What such an object looks like: the tables of step 1 (without the columns later steps add), no version recorded.
      state.storage.sql.exec("DROP TABLE schema_version");
      state.storage.sql.exec("ALTER TABLE claims DROP COLUMN holder");
      const restarted = new TenantRuns(state, env);
      // Blocks run one after another: this one ends after the constructor's migration has.
      await state.blockConcurrencyWhile(async () => {});
      return {
        version: schemaVersion(state.storage.sql),
        run: unwrap(await restarted.getRunState(tenantId, "run_old")),
        timer: store.getTimer("watch:old"),
      };
    });
    expect(result.version).toBe(latest);
    expect(result.run).toMatchObject({ id: "run_old", status: "queued" });
    expect(result.timer).toMatchObject({ key: "watch:old", dueAt: 5_000 });
  });

  it("a step appended later reaches an object at the previous version once, with its rows kept", async () => {
    const { tenantId, stub } = freshObject();
    const addNote: Migration = { version: latest + 1, description: "runs.note", sql: "ALTER TABLE runs ADD COLUMN note TEXT" };
    const result = await runInDurableObject(stub, (_instance, state) => {
      const store = new RunStore(state.storage.sql);
      insertRun(store, "run_kept", tenantId);
      const before = schemaVersion(state.storage.sql);
      const after = migrateRunStorage(state.storage, [...runStorageMigrations, addNote]);
      // Applied again (the next construction): the step is not run twice, which ALTER TABLE would refuse.
      const again = migrateRunStorage(state.storage, [...runStorageMigrations, addNote]);
      return {
        before,
        after,
        again,
        columns: columnsOf(state.storage.sql, "runs"),
        rows: state.storage.sql.exec("SELECT id, note FROM runs").toArray(),
      };
    });
    expect(result).toEqual({
      before: latest,
      after: latest + 1,
      again: latest + 1,
      columns: expect.arrayContaining(["id", "state", "meta", "note"]),
      rows: [{ id: "run_kept", note: null }],
    });
  });

  it("a step that fails leaves the object at its version with nothing of the step applied", async () => {
    const { stub } = freshObject();
    const broken: Migration = {
      version: latest + 1,
      description: "half a step",
      sql: "ALTER TABLE runs ADD COLUMN half TEXT; INSERT INTO no_such_table VALUES (1)",
    };
    const result = await runInDurableObject(stub, (_instance, state) => {
      let error = "";
      try {
        migrateRunStorage(state.storage, [...runStorageMigrations, broken]);
      } catch (err) {
        error = String(err);
      }
      return { error, version: schemaVersion(state.storage.sql), columns: columnsOf(state.storage.sql, "runs") };
    });
    expect(result.error).toMatch(/no_such_table/);
    expect(result.version).toBe(latest);
    expect(result.columns).not.toContain("half");
  });
});

describe("the engine object's RPC guard", () => {
  it("a call naming another tenant than the object's own is refused and changes nothing", async () => {
    const { tenantId, stub } = freshObject();
    // Due long after the test: the alarm must not fire it meanwhile.
    const dueAt = Date.now() + 86_400_000;
    unwrap(await stub.setWatch(tenantId, "mine", dueAt, { n: 1 }));
    expect(await errorOf(() => stub.setWatch("t_someone_else", "theirs", dueAt, { n: 2 }))).toMatch(/serves tenant t_object_.*, not t_someone_else/);
    expect(await errorOf(() => stub.getRunState("t_someone_else", "run_x"))).toMatch(/serves tenant/);
    const keys = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT key FROM timers ORDER BY key").toArray());
    // The object's own retention and zombie-digest timers (armed on its first call) and its tenant's watch; nothing of
    // the other tenant.
    expect(keys).toEqual([{ key: "retention" }, { key: "watch:mine" }, { key: "zombie-digest" }]);
  });

  it("an expected failure comes back as a value naming its code, not as an exception", async () => {
    const { tenantId, stub } = freshObject();
    expect(await stub.cancelRun(tenantId, "run_unknown", "test")).toEqual({
      ok: false,
      code: "conflict",
      message: "this run is no longer held by the engine (finished runs can be changed for 14 days)",
    });
  });
});
