import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { RunStore } from "../../worker/durable/storage";
import { ZOMBIE_DIGEST_KEY } from "../../worker/durable/runs/zombie-digest";
import { nextSlot } from "../../worker/engine/cron";
import { listAlerts, slackChannel, slackHook, slackPosts } from "../helpers/alerting";
import { api, expectError, signup, type Session } from "../helpers/api";
import { alarmAt } from "../helpers/collectors";
import { postCosts, product, record } from "../helpers/costs";
import { engineTimers, setEngineTime } from "../helpers/engine";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Business time of the first daily check (a Monday); every use, cost and check is placed relative to it. */
const T = Date.parse("2026-05-04T06:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** The daily check (zombie digest and unused policies) as if due at `at`, run by the tenant's alarm at `at`. */
async function dailyCheckAt(tenantId: string, at: number) {
  await runInDurableObject(tenantRuns(env, tenantId), (_instance, state) => {
    const store = new RunStore(state.storage.sql);
    store.checkTenant(tenantId);
    store.setTimer(ZOMBIE_DIGEST_KEY, at, { type: "zombie_digest" }, null);
  });
  await alarmAt(tenantId, at);
  await drain();
}

async function use(s: Session, productName: string, at: number) {
  const res = await api("/usage", { as: s, body: { events: [{ product: productName, kind: "query", at: iso(at) }] } });
  expect(res.status, res.text).toBe(200);
}

async function setPolicy(s: Session, productName: string, policy: Record<string, unknown> | null) {
  const res = await api(`/products/${productName}/unused-policy`, { as: s, method: "PUT", body: { policy } });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

const pipeline = async (s: Session, name: string) => (await api(`/pipelines/${name}`, { as: s })).json;
const state = async (s: Session, productName: string) => (await api(`/products/${productName}/unused-policy`, { as: s })).json;
const unusedAlerts = (s: Session) => listAlerts(s, "kind=unused_product");
const cronTimer = async (tenantId: string, pipelineId: string) => (await engineTimers(tenantId)).find((t) => t.key === `cron:${pipelineId}`) ?? null;
const runsOf = async (s: Session, name: string) =>
  (await api(`/runs?pipeline=${name}&limit=200`, { as: s })).json.items as Array<{ id: string; queued_at: string; trigger: { kind: string } }>;

/** A workspace reporting usage, with the owner team's Slack channel; the engine clock just before T. */
async function workspace() {
  const { s, team } = await setupTenant();
  await setEngineTime(s.tenant.id, T - 60_000);
  const hook = slackHook();
  await slackChannel(s, team.id, hook.url);
  await product(s, { name: "finance", owner_team_id: team.id });
  await use(s, "finance", T - 2 * DAY);
  return { s, team, hook };
}

describe("run only what is used", () => {
  it("tells the owners first, pauses after the grace period only what builds the unused product alone, counts the savings and undoes in one click", async () => {
    const { s, team, hook } = await workspace();
    await product(s, { name: "legacy", owner_team_id: team.id });
    await use(s, "legacy", T - 40 * DAY);
    await pushPipeline(s, {
      name: "build_legacy",
      team: team.slug,
      products: ["legacy"],
      schedule: { cron: "0 * * * *", timezone: "UTC" },
      tasks: [toolTask("t")],
    });
    await pushPipeline(s, {
      name: "build_shared",
      team: team.slug,
      products: ["legacy", "finance"],
      schedule: { cron: "30 * * * *", timezone: "UTC" },
      tasks: [toolTask("t")],
    });
    const legacyId = (await pipeline(s, "build_legacy")).id;
    const sharedId = (await pipeline(s, "build_shared")).id;
    // Measured cost of build_legacy's runs before the action: 3 + 5 over two runs = 4 a run.
    const past: string[] = [];
    for (const at of [T - 5 * DAY, T - 4 * DAY]) {
      await setEngineTime(s.tenant.id, at);
      const run = await api("/pipelines/build_legacy/runs", { as: s, body: {} });
      expect(run.status, run.text).toBe(201);
      past.push(run.json.id);
    }
    await drain();
    await setEngineTime(s.tenant.id, T - 60_000);
    await postCosts(s, [
      record({ source: "aws", external_ref: "r1", amount: 3, started_at: iso(T - 5 * DAY), attribution: { run_id: past[0] } }),
      record({ source: "aws", external_ref: "r2", amount: 5, started_at: iso(T - 4 * DAY), attribution: { run_id: past[1] } }),
    ]);
    await setPolicy(s, "legacy", { after_days: 30, action: "pause" });

    // Day 0: the owners are told, nothing changes.
    await dailyCheckAt(s.tenant.id, T);
    const notice = await unusedAlerts(s);
    expect(notice).toHaveLength(1);
    expect(notice[0].title).toBe(`legacy: its pipelines will be paused on ${iso(T + 3 * DAY).slice(0, 10)} (no use in 30 days)`);
    expect(notice[0].owner_team.id).toBe(team.id);
    // legacy costs money and nobody uses it: the month's zombie digest goes out too, on its own.
    const posts = (await slackPosts(hook.path)).map((p) => JSON.stringify(p.body.blocks)).filter((t) => t.includes("will be paused"));
    expect(posts).toHaveLength(1);
    const text = posts[0];
    expect(text).toContain("build_legacy: paused");
    expect(text).toContain("build_shared: also feeds finance, in use");
    expect(text).toContain("Keep them running");
    // The engine clock runs on while the test does: the notice is given at T, give or take the test's own pace.
    const given = (await state(s, "legacy")).notice;
    expect(Date.parse(given.given_at) - T).toBeGreaterThanOrEqual(0);
    expect(Date.parse(given.given_at) - T).toBeLessThan(60_000);
    expect(Date.parse(given.acts_at) - Date.parse(given.given_at)).toBe(3 * DAY);
    expect((await pipeline(s, "build_legacy")).paused).toBe(false);

    // During the grace period: still nothing changes, nothing is sent again.
    await dailyCheckAt(s.tenant.id, T + DAY + 60_000);
    await dailyCheckAt(s.tenant.id, T + 2 * DAY + 120_000);
    expect((await pipeline(s, "build_legacy")).paused).toBe(false);
    expect(await cronTimer(s.tenant.id, legacyId)).not.toBeNull();
    expect(await unusedAlerts(s)).toHaveLength(1);

    // After it: the pipeline that builds only legacy is paused in D1 and in the Durable Object; the shared one runs on.
    const actedAt = T + 3 * DAY + 180_000;
    await dailyCheckAt(s.tenant.id, actedAt);
    expect((await pipeline(s, "build_legacy")).paused).toBe(true);
    expect((await pipeline(s, "build_shared")).paused).toBe(false);
    expect(await cronTimer(s.tenant.id, legacyId)).toBeNull();
    expect(await cronTimer(s.tenant.id, sharedId)).not.toBeNull();
    const applied = (await unusedAlerts(s)).find((a) => a.title.includes("1 pipeline paused"));
    expect(applied).toBeTruthy();
    const acted = await state(s, "legacy");
    expect(acted).toMatchObject({ notice: null, in_effect: 1 });
    expect(acted.actions).toEqual([
      expect.objectContaining({
        pipeline: { id: legacyId, name: "build_legacy" },
        action: "pause",
        previous_schedule: { cron: "0 * * * *", timezone: "UTC" },
        new_cron: null,
        undone_at: null,
        cost_per_run: 4,
      }),
    ]);

    // Hours later, with alarms and queues drained: the shared pipeline ran on its schedule, the paused one did not.
    const legacyRunsBefore = (await runsOf(s, "build_legacy")).length;
    await alarmAt(s.tenant.id, actedAt + 2 * HOUR);
    await drain();
    await alarmAt(s.tenant.id, actedAt + 3 * HOUR);
    await drain();
    expect((await runsOf(s, "build_legacy")).length).toBe(legacyRunsBefore);
    expect((await runsOf(s, "build_shared")).some((r) => Date.parse(r.queued_at) > actedAt)).toBe(true);

    // The scorecard shows what pausing saved: measured cost per run × runs skipped, with its basis.
    const card = (await api("/products/legacy/scorecard", { as: s })).json.scorecard;
    expect(card.saved.runs_skipped).toBeGreaterThan(0);
    expect(card.saved.amount).toBeCloseTo(4 * card.saved.runs_skipped, 6);
    expect(card.saved).toMatchObject({ currency: "USD", pipelines: 1, unknown_cost_pipelines: 0 });
    expect(card.saved.basis).toContain("cost per run measured over the 30 days before");
    const ranking = (await api("/scorecard", { as: s })).json;
    expect(ranking.totals.saved).toBeCloseTo(card.saved.amount, 6);

    // Undo: resumed, its schedule armed again in the object; a repeated undo changes nothing.
    const undo = await api("/products/legacy/unused-actions/undo", { as: s, body: {} });
    expect(undo.status, undo.text).toBe(200);
    expect(undo.json).toMatchObject({ undone: ["build_legacy"], in_effect: 0 });
    expect(undo.json.kept_until).not.toBeNull();
    expect((await pipeline(s, "build_legacy")).paused).toBe(false);
    expect(await cronTimer(s.tenant.id, legacyId)).not.toBeNull();
    const again = await api("/products/legacy/unused-actions/undo", { as: s, body: {} });
    expect(again.json.undone).toEqual([]);
    const audit = async (action: string) => (await api(`/audit-log?action=${action}`, { as: s })).json.items;
    expect(await audit("pipeline.paused_unused")).toHaveLength(1);
    expect(await audit("pipeline.unused_pause_undone")).toHaveLength(1);
    expect(await audit("product.unused_policy_set")).toHaveLength(1);
  });

  it("slows a schedule to daily at its own minute, leaves a product whose use returns during the grace period alone, tells the owners when use returns after, and undo restores the exact schedule", async () => {
    const { s, team } = await workspace();
    await product(s, { name: "mart", owner_team_id: team.id });
    await product(s, { name: "reports", owner_team_id: team.id });
    await pushPipeline(s, {
      name: "mart_hourly",
      team: team.slug,
      products: ["mart"],
      schedule: { cron: "15 * * * *", timezone: "UTC" },
      tasks: [toolTask("t")],
    });
    await pushPipeline(s, {
      name: "reports_hourly",
      team: team.slug,
      products: ["reports"],
      schedule: { cron: "45 * * * *", timezone: "UTC" },
      tasks: [toolTask("t")],
    });
    const martId = (await pipeline(s, "mart_hourly")).id;
    await use(s, "mart", T - 20 * DAY);
    await use(s, "reports", T - 20 * DAY);
    await setPolicy(s, "mart", { after_days: 14, action: "slow", slow_to: "daily" });
    await setPolicy(s, "reports", { after_days: 14, action: "pause" });

    await dailyCheckAt(s.tenant.id, T);
    expect((await unusedAlerts(s)).map((a) => a.title).sort()).toEqual([
      `mart: its pipelines will be slowed to daily on ${iso(T + 3 * DAY).slice(0, 10)} (no use in 14 days)`,
      `reports: its pipelines will be paused on ${iso(T + 3 * DAY).slice(0, 10)} (no use in 14 days)`,
    ]);
    // reports is used again before the grace period ends.
    await use(s, "reports", T + DAY);

    const actedAt = T + 3 * DAY + 60_000;
    await dailyCheckAt(s.tenant.id, actedAt);
    expect(await pipeline(s, "reports_hourly")).toMatchObject({ paused: false, schedule_override: null });
    expect((await state(s, "reports")).notice).toBeNull();
    const mart = await pipeline(s, "mart_hourly");
    expect(mart).toMatchObject({ paused: false, schedule: { cron: "15 * * * *", timezone: "UTC" }, schedule_override: "15 0 * * *" });
    expect((await cronTimer(s.tenant.id, martId))?.due_at).toBe(nextSlot("15 0 * * *", "UTC", actedAt));
    expect((await state(s, "mart")).actions[0]).toMatchObject({
      action: "slow",
      previous_schedule: { cron: "15 * * * *", timezone: "UTC" },
      new_cron: "15 0 * * *",
      cost_per_run: null,
    });

    // No hourly run after the action: the next alarm past the old slots starts nothing for mart.
    const before = (await runsOf(s, "mart_hourly")).length;
    await alarmAt(s.tenant.id, actedAt + 2 * HOUR);
    await drain();
    expect((await runsOf(s, "mart_hourly")).length).toBe(before);
    // No measured cost: the savings are runs skipped, the amount unknown.
    const saved = (await api("/products/mart/scorecard", { as: s })).json.scorecard.saved;
    expect(saved).toMatchObject({ amount: null, pipelines: 1, unknown_cost_pipelines: 1 });

    // Use returns while slowed: the owners are told once, nothing is undone by itself.
    await use(s, "mart", actedAt + 3 * HOUR);
    await dailyCheckAt(s.tenant.id, actedAt + DAY);
    await dailyCheckAt(s.tenant.id, actedAt + 2 * DAY);
    expect((await unusedAlerts(s)).filter((a) => a.title === "mart is used again while its pipelines are slowed to daily")).toHaveLength(1);
    expect((await pipeline(s, "mart_hourly")).schedule_override).toBe("15 0 * * *");

    const undo = await api("/products/mart/unused-actions/undo", { as: s, body: {} });
    expect(undo.json.undone).toEqual(["mart_hourly"]);
    expect(await pipeline(s, "mart_hourly")).toMatchObject({ schedule: { cron: "15 * * * *", timezone: "UTC" }, schedule_override: null });
    expect((await cronTimer(s.tenant.id, martId))?.due_at).toBe(nextSlot("15 * * * *", "UTC", actedAt + 2 * DAY));
  });

  it("keep during the grace period: nothing is applied", async () => {
    const { s, team } = await workspace();
    await product(s, { name: "kept", owner_team_id: team.id });
    await pushPipeline(s, {
      name: "kept_hourly",
      team: team.slug,
      products: ["kept"],
      schedule: { cron: "5 * * * *", timezone: "UTC" },
      tasks: [toolTask("t")],
    });
    await use(s, "kept", T - 60 * DAY);
    await setPolicy(s, "kept", { after_days: 30, action: "pause" });
    await dailyCheckAt(s.tenant.id, T);
    expect((await state(s, "kept")).notice).not.toBeNull();
    const keep = await api("/products/kept/unused-actions/keep", { as: s, body: {} });
    expect(keep.status, keep.text).toBe(200);
    expect(keep.json).toMatchObject({ notice: null });
    await dailyCheckAt(s.tenant.id, T + 3 * DAY + 60_000);
    expect((await pipeline(s, "kept_hourly")).paused).toBe(false);
    expect((await state(s, "kept")).actions).toEqual([]);
    expect((await api("/audit-log?action=product.unused_kept", { as: s })).json.items).toHaveLength(1);
  });

  it("answers 404 for another tenant's product and 400 naming the field for bad input", async () => {
    const { s, team } = await setupTenant();
    await product(s, { name: "mine", owner_team_id: team.id });
    const other = await signup();
    for (const [method, path, body] of [
      ["GET", "/products/mine/unused-policy", undefined],
      ["PUT", "/products/mine/unused-policy", { policy: null }],
      ["POST", "/products/mine/unused-actions/keep", {}],
      ["POST", "/products/mine/unused-actions/undo", {}],
    ] as const) {
      expectError(await api(path, { as: other, method, body }), 404, "not_found");
    }
    for (const [policy, path] of [
      [{ after_days: 3, action: "pause" }, "policy.after_days"],
      [{ after_days: 400, action: "pause" }, "policy.after_days"],
      [{ after_days: 30, action: "stop" }, "policy.action"],
      [{ after_days: 30, action: "pause", slow_to: "daily" }, "policy.slow_to"],
      [{ after_days: 30, action: "slow", slow_to: "hourly" }, "policy.slow_to"],
    ] as const) {
      const res = await api("/products/mine/unused-policy", { as: s, method: "PUT", body: { policy } });
      expectError(res, 400, "validation_failed");
      expect(
        res.json.error.details.map((d: { path: string }) => d.path),
        JSON.stringify(policy),
      ).toContain(path);
    }
    expect((await state(s, "mine")).policy).toBeNull();
    // Keep without a policy is a conflict, not a silent no-op.
    expectError(await api("/products/mine/unused-actions/keep", { as: s, body: {} }), 409, "conflict");
  });
});
