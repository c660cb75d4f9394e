import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { advance } from "../helpers/engine";
import { createToken, createTeam } from "../helpers/fixtures";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

const fast = { poll_interval: "1s" };
const daily = { cron: "0 2 * * *", timezone: "UTC" };

type Slots = { total: number; pending: number; running: number; succeeded: number; failed: number; cancelled: number };
type Backfill = {
  id: string;
  state: string;
  control: string;
  slots: Slots;
  slot_runs: Array<{ at: string; run_id: string; status: string; runs: number }>;
};
type Run = { id: string; status: string; logical_at: string | null };

async function startBackfill(s: Session | string, pipeline: string, days: number, parallelism: number): Promise<string> {
  const to = `2026-01-${String(days).padStart(2, "0")}T23:59:59Z`;
  const res = await api(`/pipelines/${pipeline}/backfills`, { as: s, body: { from: "2026-01-01T00:00:00Z", to, parallelism } });
  if (res.status !== 201) throw new Error(`backfill: ${res.status} ${res.text}`);
  return res.json.id;
}

async function backfill(s: Session | string, id: string): Promise<Backfill> {
  const res = await api(`/backfills/${id}`, { as: s });
  if (res.status !== 200) throw new Error(`GET /backfills/${id}: ${res.status} ${res.text}`);
  return res.json;
}

async function act(s: Session | string, id: string, action: string) {
  return api(`/backfills/${id}/${action}`, { as: s, body: {} });
}

async function runsOf(s: Session, backfillId: string): Promise<Run[]> {
  return (await api(`/runs?backfill_id=${backfillId}&limit=200`, { as: s })).json.items;
}

/**
 * Lets every due poll go out and be answered, then moves the engine clock a second, until `done` holds (bounded).
 * Returns the most slots seen running at once: exact, since each step looks only once nothing is in flight.
 */
async function driveUntil(s: Session, backfillId: string, done: (runs: Run[]) => boolean, steps = 40): Promise<number> {
  let peak = 0;
  for (let step = 0; step < steps; step++) {
    await drain();
    const runs = await runsOf(s, backfillId);
    peak = Math.max(peak, runs.filter((r) => r.status === "running").length);
    if (done(runs)) return peak;
    await advance(s.tenant.id, 1000);
  }
  throw new Error(`backfill ${backfillId} did not get there: ${JSON.stringify(await runsOf(s, backfillId))}`);
}

async function auditActions(s: Session, backfillId: string): Promise<string[]> {
  const res = await api(`/audit-log?limit=200`, { as: s });
  return (res.json.items as Array<{ action: string; target: { id: string } }>).filter((e) => e.target.id === backfillId).map((e) => e.action);
}

describe("backfills as objects", () => {
  it("a paused backfill starts no new slot, even after alarms and queues are drained, and resumes within its parallelism", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "daily", team: team.slug, schedule: daily, tasks: [toolTask("load", { polls: 2 }, fast)] });
    const id = await startBackfill(s, "daily", 4, 1);
    await drain();
    expect((await backfill(s, id)).slots).toMatchObject({ total: 4, running: 1, pending: 3 });

    const paused = await act(s, id, "pause");
    expect(paused.status).toBe(200);
    expect(paused.json).toMatchObject({ state: "paused", control: "paused" });
    // Pausing twice is fine and changes nothing.
    expect((await act(s, id, "pause")).json.state).toBe("paused");

    // The running slot finishes; nothing else starts, however long the engine runs.
    await driveUntil(s, id, (runs) => runs.some((r) => r.status === "succeeded"));
    for (let i = 0; i < 5; i++) await advance(s.tenant.id, 60_000);
    await drain();
    expect((await runsOf(s, id)).map((r) => r.status).sort()).toEqual(["queued", "queued", "queued", "succeeded"]);
    expect(await backfill(s, id)).toMatchObject({ state: "paused", slots: { total: 4, pending: 3, running: 0, succeeded: 1, failed: 0, cancelled: 0 } });

    const resumed = await act(s, id, "resume");
    expect(resumed.status).toBe(200);
    expect(resumed.json.state).toBe("running");
    const peak = await driveUntil(s, id, (runs) => runs.length === 4 && runs.every((r) => r.status === "succeeded"));
    expect(peak).toBe(1);
    const done = await backfill(s, id);
    expect(done).toMatchObject({ state: "succeeded", slots: { total: 4, succeeded: 4, pending: 0 } });
    expect(done.slot_runs.map((r) => r.at)).toEqual([
      "2026-01-01T02:00:00.000Z",
      "2026-01-02T02:00:00.000Z",
      "2026-01-03T02:00:00.000Z",
      "2026-01-04T02:00:00.000Z",
    ]);
    // An ended backfill has nothing to pause, and says what it is.
    const late = await act(s, id, "pause");
    expectError(late, 409, "conflict");
    expect(late.json.error.message).toContain("succeeded");
    expect(await auditActions(s, id)).toEqual(["backfill.resumed", "backfill.paused"]);
  });

  it("cancelling a backfill cancels its running slot and starts no more; resuming it then is refused, naming the state", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "daily", team: team.slug, schedule: daily, tasks: [toolTask("load", { polls: 1000 }, fast)] });
    const id = await startBackfill(s, "daily", 5, 2);
    await drain();
    expect((await backfill(s, id)).slots).toMatchObject({ running: 2, pending: 3 });

    const cancelled = await act(s, id, "cancel");
    expect(cancelled.status).toBe(200);
    expect(cancelled.json).toMatchObject({ state: "cancelled", control: "cancelled" });
    expect((await act(s, id, "cancel")).status).toBe(200);
    for (let i = 0; i < 3; i++) await advance(s.tenant.id, 60_000);
    await drain();
    expect((await runsOf(s, id)).map((r) => r.status)).toEqual(Array(5).fill("cancelled"));
    expect(await backfill(s, id)).toMatchObject({ state: "cancelled", slots: { total: 5, cancelled: 5, pending: 0, running: 0 } });

    for (const action of ["resume", "pause", "retry"]) {
      const refused = await act(s, id, action);
      expectError(refused, 409, "conflict");
      expect(refused.json.error.message).toBe("backfill is cancelled");
    }
    expect(await auditActions(s, id)).toEqual(["backfill.cancelled"]);
  });

  it("retry starts a new run for each failed slot only, within the parallelism; the succeeded slot keeps its one run", async () => {
    const { s, team } = await setupTenant();
    // The fake refuses the first two trigger calls for this key: with one slot at a time, two slots fail, one succeeds.
    const key = `bf-${crypto.randomUUID()}`;
    await pushPipeline(s, { name: "flaky", team: team.slug, schedule: daily, tasks: [toolTask("load", { fail_times: 2, key, polls: 1 }, fast)] });
    const id = await startBackfill(s, "flaky", 3, 1);
    await driveUntil(s, id, (runs) => runs.length === 3 && runs.every((r) => r.status === "succeeded" || r.status === "failed"));
    const failed = await backfill(s, id);
    expect(failed).toMatchObject({ state: "failed", slots: { total: 3, failed: 2, succeeded: 1, pending: 0 } });
    const kept = failed.slot_runs.find((r) => r.status === "succeeded")!;

    // Two copies of the request at once: each failed slot gets one new run (the later copy may find none failed left).
    const copies = await Promise.all([act(s, id, "retry"), act(s, id, "retry")]);
    expect(copies.map((r) => r.status).sort()).toContain(200);
    for (const r of copies) expect([200, 409]).toContain(r.status);
    const retried = copies.find((r) => r.status === 200)!;
    expect(retried.json.state).toBe("running");
    expect(retried.json.slots).toMatchObject({ failed: 0, succeeded: 1 });
    const peak = await driveUntil(s, id, (runs) => runs.length === 5 && runs.every((r) => r.status !== "queued" && r.status !== "running"));
    expect(peak).toBe(1);
    const after = await backfill(s, id);
    expect(after).toMatchObject({ state: "succeeded", slots: { total: 3, succeeded: 3, failed: 0 } });
    expect(after.slot_runs.find((r) => r.at === kept.at)).toEqual(kept);
    expect(after.slot_runs.map((r) => r.runs).sort()).toEqual([1, 2, 2]);

    const again = await act(s, id, "retry");
    expectError(again, 409, "conflict");
    expect(again.json.error.message).toBe("backfill is succeeded and has no failed slots to retry");
    expect(await auditActions(s, id)).toEqual(["backfill.retried"]);
  });

  it("lists backfills newest first, filtered by pipeline and state, a page at a time", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "alpha", team: team.slug, schedule: daily, tasks: [toolTask("load", { polls: 1000 }, fast)] });
    await pushPipeline(s, { name: "beta", team: team.slug, schedule: daily, tasks: [toolTask("load", { polls: 1000 }, fast)] });
    const first = await startBackfill(s, "alpha", 2, 1);
    const second = await startBackfill(s, "beta", 2, 1);
    const third = await startBackfill(s, "alpha", 3, 1);
    expect((await act(s, first, "cancel")).status).toBe(200);
    expect((await act(s, second, "cancel")).status).toBe(200);
    expect((await act(s, third, "pause")).status).toBe(200);

    const all = await api("/backfills", { as: s });
    expect(all.json.items.map((b: { id: string }) => b.id)).toEqual([third, second, first]);
    expect((await api("/backfills?pipeline=alpha", { as: s })).json.items.map((b: { id: string }) => b.id)).toEqual([third, first]);
    expect((await api("/backfills?status=paused", { as: s })).json.items.map((b: { id: string }) => b.id)).toEqual([third]);
    expect((await api("/backfills?pipeline=alpha&status=cancelled", { as: s })).json.items.map((b: { id: string }) => b.id)).toEqual([first]);
    const page1 = await api("/backfills?limit=2", { as: s });
    expect(page1.json.items).toHaveLength(2);
    const page2 = await api(`/backfills?limit=2&cursor=${page1.json.next_cursor}`, { as: s });
    expect(page2.json).toMatchObject({ items: [{ id: first, pipeline: { name: "alpha" }, parallelism: 1 }], next_cursor: null });
    expectError(await api("/backfills?status=stuck", { as: s }), 400, "validation_failed");
    expect((await act(s, third, "cancel")).status).toBe(200);
  });

  it("another tenant's backfill is not found, and another team's token may read it but not change it", async () => {
    const { s, team } = await setupTenant();
    await pushPipeline(s, { name: "daily", team: team.slug, schedule: daily, tasks: [toolTask("load", { polls: 1000 }, fast)] });
    const id = await startBackfill(s, "daily", 2, 1);

    const other = await signup();
    expectError(await api(`/backfills/${id}`, { as: other }), 404, "not_found");
    for (const action of ["pause", "resume", "cancel", "retry"]) expectError(await act(other, id, action), 404, "not_found");
    expect((await api("/backfills", { as: other })).json.items).toEqual([]);

    const elsewhere = await createTeam(s, "Elsewhere");
    const { token } = await createToken(s, elsewhere.id);
    expect((await api(`/backfills/${id}`, { as: token })).status).toBe(200);
    expectError(await act(token, id, "pause"), 403, "forbidden");
    const readOnly = await createToken(s, team.id, ["read"]);
    expectError(await act(readOnly.token, id, "cancel"), 403, "forbidden");
    expect((await backfill(s, id)).control).toBe("running");
    expect((await act(s, id, "cancel")).status).toBe(200);
  });
});
