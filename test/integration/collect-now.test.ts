import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, expectError, signup, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { awsConfig, awsKey, registerCostExplorer } from "../helpers/aws";
import { collectors, enable } from "../helpers/collectors";
import { fireAlarm, setEngineTime } from "../helpers/engine";
import { addMember } from "../helpers/fixtures";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeRelease, fakeRequests, waitUntilHeld } from "../helpers/tool-fakes";
import { tenantRuns } from "../../worker/durable/client";
import { armCollectorTimer, collectorKey, currentPasses, requestPass } from "../../worker/durable/runs/collectors";
import type { RunsCore } from "../../worker/durable/runs/core";
import { drain, eventually } from "../helpers/wait";

const MINUTE = 60_000;
/** Business time of the first press; the Cost Explorer days are placed relative to it (no dependence on today's date). */
const T = Date.parse("2026-03-04T12:00:00.000Z");
const TAG = "data-product";

/** An AWS collector (six-hourly schedule) with one tagged line a day, whose next scheduled pass is hours away. */
async function awsCollector(s: Session, teamId: string) {
  const key = awsKey();
  await registerCostExplorer(key, TAG, [
    { day: "2026-03-02", lines: [{ tag: "orders", account: "111122223333", UnblendedCost: "2.50" }] },
    { day: "2026-03-03", lines: [{ tag: "orders", account: "111122223333", UnblendedCost: "3.00" }] },
  ]);
  const conn = await createConnection(s, teamId, "aws", `aws-${crypto.randomUUID().slice(0, 8)}`, awsConfig(), key);
  await setEngineTime(s.tenant.id, T - 5 * MINUTE);
  await enable(s, conn.id, { tag_key: TAG, lookback_days: 3, interval_minutes: 360 });
  // The first scheduled pass (a minute after enabling) runs and sets the next one six hours later.
  await setEngineTime(s.tenant.id, T - 3 * MINUTE);
  await fireAlarm(s.tenant.id);
  await eventually(async () => expect((await runsOf(s, conn.id)).length).toBe(1));
  return { conn, key };
}

/**
 * Waits (bounded) until the pass is recorded. The runtime may have fired the alarm itself, and a running alarm is not
 * a due one, so drain() alone does not wait for the pass.
 */
async function finished(s: Session, connectionId: string, passId: string) {
  return eventually(async () => {
    const r = await api(`/collectors/${connectionId}/runs/${passId}`, { as: s });
    expect(r.json.state).toBe("finished");
    return r.json;
  });
}

const press = (s: Session | string, connectionId: string) => api(`/collectors/${connectionId}/collect`, { as: s, method: "POST" });
const runsOf = async (s: Session, connectionId: string) => (await api(`/collectors/${connectionId}/runs`, { as: s })).json.items as Array<{ id: string }>;
const vendorCalls = async (keyId: string) => (await fakeRequests("aws_ce")).filter((r) => String(r.headers.authorization ?? "").includes(keyId)).length;

describe("collect now", () => {
  it("runs the collector's pass at once through the engine's timer: 202 with the pass, recorded under its id, the schedule following by the interval, and audited", async () => {
    const { s, team } = await setupTenant();
    const { conn } = await awsCollector(s, team.id);
    const [before] = await collectors(s);
    expect(Date.parse(before.next_run_at!)).toBeGreaterThan(T + 5 * 60 * MINUTE);

    await setEngineTime(s.tenant.id, T);
    const res = await press(s, conn.id);
    expect(res.status, res.text).toBe(202);
    expect(res.json).toMatchObject({ connection_id: conn.id, state: "queued", joined: false, run: null, started_at: null });
    expect(res.json.id).toMatch(/^colr_/);
    expect(res.headers.get("location")).toBe(`/api/v1/collectors/${conn.id}/runs/${res.json.id}`);
    // Following it: queued, then running, then finished (the runtime may fire the alarm before the test does).
    const early = await api(`/collectors/${conn.id}/runs/${res.json.id}`, { as: s });
    expect(early.status).toBe(200);
    expect(early.json.id).toBe(res.json.id);

    await fireAlarm(s.tenant.id);
    const pass = await finished(s, conn.id, res.json.id);
    expect(pass.run).toMatchObject({ id: res.json.id, rows_read: 2, error: null });
    expect((await runsOf(s, conn.id))[0].id).toBe(res.json.id);
    const [after] = await collectors(s);
    expect(after.current_pass).toBeNull();
    expect(after.last_run).toMatchObject({ rows_read: 2 });
    // The next scheduled pass is the interval after the one asked for.
    expect(Date.parse(after.next_run_at!) - T).toBeGreaterThanOrEqual(6 * 60 * MINUTE);
    expect(Date.parse(after.next_run_at!) - T).toBeLessThan(6 * 60 * MINUTE + MINUTE);

    const audit = await api(`/audit-log?action=collector.collect_requested`, { as: s });
    expect(audit.status).toBe(200);
    const entries = (audit.json.items as Array<{ action: string; target_id: string; details: Record<string, unknown> }>).filter(
      (e) => e.action === "collector.collect_requested",
    );
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ target: { type: "connection", id: conn.id }, details: { pass_id: res.json.id } });
  });

  it("presses that arrive together start one pass: every answer names it, and the vendor is read once", async () => {
    const { s, team } = await setupTenant();
    const { conn, key } = await awsCollector(s, team.id);
    const callsPerPass = await vendorCalls(key.access_key_id);
    expect(callsPerPass).toBeGreaterThan(0);
    await setEngineTime(s.tenant.id, T);

    const answers = await Promise.all(Array.from({ length: 6 }, () => press(s, conn.id)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));
    expect(new Set(answers.map((a) => a.json.id)).size).toBe(1);
    expect(answers.filter((a) => !a.json.joined)).toHaveLength(1);

    await fireAlarm(s.tenant.id);
    await finished(s, conn.id, answers[0].json.id);
    // Nothing else is due or in flight: a second pass would have been queued by now.
    await drain();
    await fireAlarm(s.tenant.id);
    await drain();
    const runs = await runsOf(s, conn.id);
    expect(runs).toHaveLength(2);
    expect(runs[0].id).toBe(answers[0].json.id);
    expect(await vendorCalls(key.access_key_id)).toBe(2 * callsPerPass);
    const audit = await api(`/audit-log?action=collector.collect_requested`, { as: s });
    expect((audit.json.items as Array<{ action: string }>).filter((e) => e.action === "collector.collect_requested")).toHaveLength(1);
  });

  it("a press while a pass is running answers with that pass and starts no other", async () => {
    const { s, team } = await setupTenant();
    const { conn, key } = await awsCollector(s, team.id);
    await setEngineTime(s.tenant.id, T);
    const first = await press(s, conn.id);
    expect(first.status).toBe(202);

    // The pass is held at its first call to Cost Explorer while the second press comes in.
    await fakePlan("aws_ce", key.access_key_id, { hold: ["get_cost_and_usage"] });
    const alarm = fireAlarm(s.tenant.id);
    await waitUntilHeld("aws_ce", key.access_key_id, "get_cost_and_usage");
    const during = await press(s, conn.id);
    expect(during.status).toBe(202);
    expect(during.json).toMatchObject({ id: first.json.id, state: "running", joined: true });
    expect(during.json.started_at).not.toBeNull();
    expect((await collectors(s))[0].current_pass).toMatchObject({ id: first.json.id, state: "running" });
    await fakeRelease("aws_ce", key.access_key_id, "get_cost_and_usage");
    await alarm;
    await finished(s, conn.id, first.json.id);
    await drain();
    const runs = await runsOf(s, conn.id);
    expect(runs.map((r) => r.id)).toEqual([first.json.id, expect.any(String)]);
    expect((await collectors(s))[0].current_pass).toBeNull();
  });

  it("a press within a minute of the last answers 429 with Retry-After; a minute later, by the engine's clock, it starts a new pass", async () => {
    const { s, team } = await setupTenant();
    const { conn } = await awsCollector(s, team.id);
    await setEngineTime(s.tenant.id, T);
    const first = await press(s, conn.id);
    expect(first.status).toBe(202);
    await fireAlarm(s.tenant.id);
    await finished(s, conn.id, first.json.id);

    await setEngineTime(s.tenant.id, T + 20_000);
    const early = await press(s, conn.id);
    expectError(early, 429, "rate_limited");
    const wait = Number(early.headers.get("retry-after"));
    // About forty seconds are left of the minute (the engine clock moves on while the test runs).
    expect(wait).toBeGreaterThanOrEqual(35);
    expect(wait).toBeLessThanOrEqual(41);
    expect(early.json.error.details[0].path).toBe("connection_id");

    await setEngineTime(s.tenant.id, T + MINUTE + 1_000);
    const later = await press(s, conn.id);
    expect(later.status, later.text).toBe(202);
    expect(later.json).toMatchObject({ state: "queued", joined: false });
    expect(later.json.id).not.toBe(first.json.id);
    await fireAlarm(s.tenant.id);
    await finished(s, conn.id, later.json.id);
    expect((await runsOf(s, conn.id)).map((r) => r.id).slice(0, 2)).toEqual([later.json.id, first.json.id]);
  });

  it("disabling a collector drops the pass a person asked for before the engine ran it", async () => {
    const { s, team } = await setupTenant();
    const { conn } = await awsCollector(s, team.id);
    await setEngineTime(s.tenant.id, T);
    // Inside the object, so no alarm can run the pass in between: asked for, then disabled (PUT enabled:false arms null).
    const seen = await runInDurableObject(tenantRuns(env, s.tenant.id), (instance) => {
      const core = (instance as unknown as { core: RunsCore }).core;
      const asked = requestPass(core, conn.id);
      const queued = currentPasses(core);
      armCollectorTimer(core, conn.id, null);
      return { asked, queued, after: currentPasses(core), timer: core.store.getTimer(collectorKey(conn.id)) };
    });
    expect(seen.asked).toMatchObject({ joined: false, pass: { state: "queued" } });
    expect(seen.queued).toHaveLength(1);
    expect(seen.after).toEqual([]);
    expect(seen.timer).toBeNull();
  });

  it("a disabled collector answers 409; another tenant's is not found; only tenant admins may press", async () => {
    const { s, team } = await setupTenant();
    const { conn } = await awsCollector(s, team.id);
    expect((await api(`/collectors/${conn.id}`, { as: s, method: "PUT", body: { enabled: false } })).status).toBe(200);
    const refused = await press(s, conn.id);
    expectError(refused, 409, "conflict");
    expect(refused.json.error.message).toContain("not enabled");

    await enable(s, conn.id, { tag_key: TAG, lookback_days: 3, interval_minutes: 360 });
    const [run] = await runsOf(s, conn.id);
    const other = await signup();
    expectError(await press(other, conn.id), 404, "not_found");
    expectError(await api(`/collectors/${conn.id}/runs/${run.id}`, { as: other }), 404, "not_found");
    expectError(await api(`/collectors/${conn.id}/runs/colr_nosuchpass00000000`, { as: s }), 404, "not_found");
    const member = await addMember(s, "member", { teamId: team.id });
    expectError(await press(member, conn.id), 403, "forbidden");
    expectError(await api(`/collectors/${conn.id}/collect`, { method: "POST" }), 401, "unauthorized");
    expect(
      await (await tenantD1(s.tenant.id))
        .prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action = 'collector.collect_requested'")
        .bind(s.tenant.id)
        .first("n"),
    ).toBe(0);
  });
});
