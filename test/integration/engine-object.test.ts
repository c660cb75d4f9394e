import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { unwrap } from "../../worker/durable/result";

/** An engine object of its own. */
const freshObject = () => {
  const tenantId = `t_object_${crypto.randomUUID()}`;
  return { tenantId, stub: tenantRuns(env, tenantId) };
};

async function errorOf(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "no error";
  } catch (err) {
    return String(err);
  }
}

describe("the engine object's RPC guard", () => {
  it("a call naming another tenant than the object's own is refused and changes nothing", async () => {
    const { tenantId, stub } = freshObject();
    // Due long after the test: the alarm must not fire it meanwhile.
    const dueAt = Date.now() + 86_400_000;
    unwrap(await stub.setWatch(tenantId, "mine", dueAt, { n: 1 }));
    expect(await errorOf(() => stub.setWatch("t_someone_else", "theirs", dueAt, { n: 2 }))).toMatch(/serves tenant t_object_.*, not t_someone_else/);
    expect(await errorOf(() => stub.getRunState("t_someone_else", "run_x"))).toMatch(/serves tenant/);
    const keys = await runInDurableObject(stub, (_instance, state) => state.storage.sql.exec("SELECT key FROM timers ORDER BY key").toArray());
    expect(keys).toEqual([{ key: "watch:mine" }]);
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
