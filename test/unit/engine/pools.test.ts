import { describe, expect, it } from "vitest";
import { admit, waitingReason, type PoolRequest } from "../../../worker/engine/pools";
import type { Effect } from "../../../worker/engine/types";
import { Harness, task } from "./helpers";

const ask = (order: number, pool: string, slots = 1, id = `r${order}`) => ({ order, pool, slots, id });
const ids = (rs: Array<PoolRequest & { id: string }>) => rs.map((r) => r.id);

describe("pool admission (slot accounting)", () => {
  it("grants in the order asked while slots are free, whatever run they come from", () => {
    const out = admit(new Map([["wh", 2]]), new Map(), [ask(3, "wh"), ask(1, "wh"), ask(2, "wh")]);
    expect(ids(out.granted)).toEqual(["r1", "r2"]);
    expect(out.waiting).toEqual([{ request: ask(3, "wh"), reason: "waiting for pool wh: 2/2 in use" }]);
  });

  it("counts the slots running attempts hold", () => {
    const out = admit(new Map([["wh", 4]]), new Map([["wh", 3]]), [ask(1, "wh"), ask(2, "wh")]);
    expect(ids(out.granted)).toEqual(["r1"]);
    expect(out.waiting[0].reason).toBe("waiting for pool wh: 4/4 in use");
  });

  it("is strictly first come, first served: a request that does not fit holds back the smaller ones behind it", () => {
    const out = admit(new Map([["wh", 3]]), new Map([["wh", 1]]), [ask(1, "wh", 3), ask(2, "wh", 1)]);
    expect(out.granted).toEqual([]);
    expect(out.waiting.map((w) => w.reason)).toEqual(["waiting for pool wh: 1/3 in use, needs 3", "waiting for pool wh: 1/3 in use"]);
  });

  it("keeps pools apart: a full pool does not hold back another", () => {
    const out = admit(
      new Map([
        ["wh", 1],
        ["api", 1],
      ]),
      new Map([["wh", 1]]),
      [ask(1, "wh"), ask(2, "api")],
    );
    expect(ids(out.granted)).toEqual(["r2"]);
    expect(ids(out.waiting.map((w) => w.request))).toEqual(["r1"]);
  });

  it("a pool shrunk below its use admits nothing until its use is under the new size", () => {
    const shrunk = new Map([["wh", 2]]);
    expect(admit(shrunk, new Map([["wh", 4]]), [ask(1, "wh")]).waiting[0].reason).toBe("waiting for pool wh: 4/2 in use");
    expect(admit(shrunk, new Map([["wh", 2]]), [ask(1, "wh")]).granted).toEqual([]);
    expect(ids(admit(shrunk, new Map([["wh", 1]]), [ask(1, "wh"), ask(2, "wh")]).granted)).toEqual(["r1"]);
  });

  it("a grown pool admits as many more as it grew by", () => {
    const waiting = [ask(1, "wh"), ask(2, "wh"), ask(3, "wh")];
    expect(ids(admit(new Map([["wh", 2]]), new Map([["wh", 2]]), waiting).granted)).toEqual([]);
    expect(ids(admit(new Map([["wh", 4]]), new Map([["wh", 2]]), waiting).granted)).toEqual(["r1", "r2"]);
  });

  it("reports requests for a pool that does not exist, and says when a task asks more than the pool has", () => {
    const out = admit(new Map([["wh", 2]]), new Map(), [ask(1, "gone"), ask(2, "wh", 3)]);
    expect(ids(out.unknown)).toEqual(["r1"]);
    expect(out.waiting[0].reason).toBe("waiting for pool wh: needs 3 slots, the pool has 2");
    expect(waitingReason("snowflake-warehouse", 4, 4, 1)).toBe("waiting for pool snowflake-warehouse: 4/4 in use");
  });
});

type PoolEffect = Extract<Effect, { type: "pool.request" | "pool.release" }>;
const poolEffects = (h: Harness) => h.effects.filter((e): e is PoolEffect => e.type === "pool.request" || e.type === "pool.release");

/** Slots held or asked for per attempt after replaying the effects: each request must be matched by one release. */
function open(h: Harness): string[] {
  const out = new Map<string, number>();
  for (const e of poolEffects(h)) {
    const id = `${e.key}#${e.attempt}`;
    out.set(id, (out.get(id) ?? 0) + (e.type === "pool.request" ? 1 : -1));
  }
  for (const n of out.values()) expect(n === 0 || n === 1, "no attempt is released twice or before it asked").toBe(true);
  return [...out].filter(([, n]) => n !== 0).map(([id]) => id);
}

const pooled = (key: string, over: Parameters<typeof task>[1] = {}) => task(key, { pool: { name: "wh", slots: 1 }, ...over });
const grant = (h: Harness, key: string) => h.send({ type: "task.pool_granted", key, attempt: h.state.tasks[key].attempt });

describe("pooled tasks in the run state machine", () => {
  it("a queued pooled task asks for its slots and is dispatched (its timeout started) only once granted", () => {
    const h = new Harness([pooled("load", { timeoutMs: 60_000 })]);
    h.send({ type: "run.start" });
    expect(h.state.tasks.load).toMatchObject({ status: "queued", attempt: 1, poolWait: "wh" });
    expect(poolEffects(h)).toEqual([{ type: "pool.request", key: "load", attempt: 1, pool: "wh", slots: 1 }]);
    expect(h.dispatched()).toEqual([]);
    expect(h.timers()).toEqual([]);
    grant(h, "load");
    expect(h.dispatched()).toEqual(["load#1"]);
    expect(h.timers().map((t) => t.event.type)).toEqual(["task.timeout"]);
    expect(h.state.tasks.load.poolWait).toBeNull();
    // A repeated grant changes nothing.
    expect(grant(h, "load").changed).toBe(false);
    expect(h.dispatched()).toEqual(["load#1"]);
  });

  it("notes why the task waits once, as an event of the run, and the grant clears it", () => {
    const h = new Harness([pooled("load")]);
    h.send({ type: "run.start" });
    const reason = "waiting for pool wh: 2/2 in use";
    const noted = h.send({ type: "task.pool_waiting", key: "load", attempt: 1, reason });
    expect(noted.log).toEqual([{ taskKey: "load", from: "queued", to: "queued", reason }]);
    expect(h.state.tasks.load.reason).toBe(reason);
    expect(h.send({ type: "task.pool_waiting", key: "load", attempt: 1, reason }).changed).toBe(false);
    const granted = grant(h, "load");
    expect(granted.log).toEqual([{ taskKey: "load", from: "queued", to: "queued", reason: "got its slot in pool wh" }]);
    expect(h.state.tasks.load.reason).toBeNull();
  });

  it("gives the slot back exactly once when the attempt succeeds", () => {
    const h = new Harness([pooled("load")]);
    h.send({ type: "run.start" });
    grant(h, "load");
    h.ok("load");
    expect(poolEffects(h).map((e) => e.type)).toEqual(["pool.request", "pool.release"]);
    expect(open(h)).toEqual([]);
  });

  it("gives the slot back while a retry waits out its backoff, and asks again (at the back of the line) when it is due", () => {
    const h = new Harness([pooled("load", { retries: { max: 1, backoff: "fixed", delayMs: 30_000, maxDelayMs: 30_000, jitter: false } })]);
    h.send({ type: "run.start" });
    grant(h, "load");
    h.fail("load");
    expect(h.state.tasks.load.status).toBe("up_for_retry");
    expect(open(h)).toEqual([]);
    h.send({ type: "task.retry_due", key: "load", attempt: 1 });
    expect(open(h)).toEqual(["load#2"]);
    expect(h.dispatched()).toEqual(["load#1"]);
    grant(h, "load");
    h.fail("load");
    expect(h.state.tasks.load.status).toBe("failed");
    expect(open(h)).toEqual([]);
  });

  it("gives the slot back when the task times out, and when the run is cancelled mid-task", () => {
    const timedOut = new Harness([pooled("load", { timeoutMs: 1000 })]);
    timedOut.send({ type: "run.start" });
    grant(timedOut, "load");
    timedOut.send({ type: "task.timeout", key: "load", attempt: 1 });
    expect(timedOut.state.tasks.load.status).toBe("timed_out");
    expect(open(timedOut)).toEqual([]);

    const cancelled = new Harness([pooled("load")]);
    cancelled.send({ type: "run.start" });
    grant(cancelled, "load");
    cancelled.send({ type: "task.outcome", key: "load", attempt: 1, source: "trigger", outcome: { status: "running", externalId: "j1" } });
    cancelled.send({ type: "run.cancel", reason: "by someone" });
    expect(cancelled.dispatched("cancel")).toEqual(["load#1"]);
    expect(open(cancelled)).toEqual([]);
  });

  it("a run cancelled while its task waits gives the place in line back and sends the tool nothing", () => {
    const h = new Harness([pooled("load")]);
    h.send({ type: "run.start" });
    h.send({ type: "run.cancel", reason: "by someone" });
    expect(h.state.tasks.load.status).toBe("cancelled");
    expect(h.dispatched("cancel")).toEqual([]);
    expect(open(h)).toEqual([]);
    // A grant arriving after the cancel is stale.
    expect(grant(h, "load").changed).toBe(false);
    expect(h.dispatched()).toEqual([]);
  });

  it("a task whose pool no longer exists fails without a retry and gives its place back", () => {
    const h = new Harness([
      pooled("load", { retries: { max: 3, backoff: "fixed", delayMs: 1000, maxDelayMs: 1000, jitter: false } }),
      task("after", { dependsOn: ["load"] }),
    ]);
    h.send({ type: "run.start" });
    h.send({ type: "task.pool_refused", key: "load", attempt: 1, message: 'pool "wh" does not exist' });
    expect(h.state.tasks.load).toMatchObject({ status: "failed", error: { kind: "invalid_config" } });
    expect(h.status()).toEqual({ load: "failed", after: "skipped" });
    expect(h.state.status).toBe("failed");
    expect(open(h)).toEqual([]);
  });

  it("a task without a pool is dispatched at once and touches no pool", () => {
    const h = new Harness([task("plain")]);
    h.send({ type: "run.start" });
    h.ok("plain");
    expect(h.dispatched()).toEqual(["plain#1"]);
    expect(poolEffects(h)).toEqual([]);
  });
});
