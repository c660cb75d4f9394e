import { describe, expect, it } from "vitest";
import { promotable, type QueuedOrRunning } from "../../../worker/engine/admission";
import { applyBackfillAction } from "../../../worker/engine/backfill-control";

describe("backfill control", () => {
  it("asking for the state a backfill is in changes nothing", () => {
    expect(applyBackfillAction("paused", "pause")).toEqual({ ok: true, control: "paused", changed: false });
    expect(applyBackfillAction("running", "resume")).toEqual({ ok: true, control: "running", changed: false });
    expect(applyBackfillAction("cancelled", "cancel")).toEqual({ ok: true, control: "cancelled", changed: false });
  });

  it("pause, resume and cancel move between running, paused and cancelled", () => {
    expect(applyBackfillAction("running", "pause")).toEqual({ ok: true, control: "paused", changed: true });
    expect(applyBackfillAction("paused", "resume")).toEqual({ ok: true, control: "running", changed: true });
    expect(applyBackfillAction("paused", "cancel")).toEqual({ ok: true, control: "cancelled", changed: true });
  });

  it("a cancelled backfill cannot be paused or resumed, and the refusal names its state", () => {
    expect(applyBackfillAction("cancelled", "resume")).toEqual({ ok: false, message: "backfill is cancelled" });
    expect(applyBackfillAction("cancelled", "pause")).toEqual({ ok: false, message: "backfill is cancelled" });
  });
});

describe("promotion of held backfills", () => {
  const run = (id: string, status: "queued" | "running", groupId: string | null, queuedAt = 1): QueuedOrRunning => ({
    id,
    status,
    queuedAt,
    groupId,
    groupLimit: groupId ? 2 : null,
  });

  it("a held backfill's queued runs stay queued while other backfills and the pipeline's own runs start", () => {
    const active = [run("a1", "queued", "bf_a"), run("b1", "queued", "bf_b"), run("p1", "queued", null)];
    expect(promotable(1, active, new Set(["bf_a"])).sort()).toEqual(["b1", "p1"]);
    expect(promotable(1, active).sort()).toEqual(["a1", "b1", "p1"]);
  });

  it("a held backfill's running runs still count against its parallelism once resumed", () => {
    const active = [run("a1", "running", "bf_a"), run("a2", "running", "bf_a"), run("a3", "queued", "bf_a", 2)];
    expect(promotable(1, active)).toEqual([]);
  });
});
