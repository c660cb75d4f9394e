import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import { RunStore } from "../../worker/durable/storage";
import { ZOMBIE_DIGEST_KEY } from "../../worker/durable/runs/zombie-digest";
import { listAlerts, slackChannel, slackHook, slackPosts } from "../helpers/alerting";
import { api, type Session } from "../helpers/api";
import { alarmAt } from "../helpers/collectors";
import { postCosts, product, record } from "../helpers/costs";
import { setEngineTime } from "../helpers/engine";
import { setupTenant } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

const DAY = 86_400_000;
/** Business time of the first daily check: every cost and use is placed relative to it. */
const T = Date.parse("2026-04-02T06:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/** Moves the tenant's zombie-digest timer to `at`, as if the daily check had been armed for then. */
async function digestDueAt(tenantId: string, at: number) {
  await runInDurableObject(tenantRuns(env, tenantId), (_instance, state) => {
    const store = new RunStore(state.storage.sql);
    store.checkTenant(tenantId);
    store.setTimer(ZOMBIE_DIGEST_KEY, at, { type: "zombie_digest" }, null);
  });
}

/** A job reading `input` and writing `output` (one OpenLineage run event): `output` is downstream of `input`. */
async function lineage(s: Session, input: string, output: string) {
  const res = await api("/lineage", {
    as: s,
    body: {
      eventType: "COMPLETE",
      eventTime: iso(T - 3 * DAY),
      run: { runId: crypto.randomUUID() },
      job: { namespace: "tests", name: `build_${output}` },
      inputs: [{ namespace: "warehouse", name: input }],
      outputs: [{ namespace: "warehouse", name: output }],
      producer: "https://example.com/test",
      schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    },
  });
  expect(res.status, res.text).toBeLessThan(300);
}

const datasetIdOf = async (s: Session, name: string) =>
  (await api(`/datasets?namespace=warehouse&name=${encodeURIComponent(name)}`, { as: s })).json.items[0].id as string;

const zombieAlerts = (s: Session) => listAlerts(s, "kind=zombie_products");

async function checkAt(tenantId: string, at: number) {
  await alarmAt(tenantId, at);
  await drain();
}

describe("monthly zombie digest", () => {
  it("tells each owner team once a month which products cost money and nobody used, since when and what depends on them", async () => {
    const { s, team } = await setupTenant();
    const other = await api("/teams", { as: s, body: { name: "Marketing" } });
    expect(other.status, other.text).toBe(201);
    await lineage(s, "old_mart", "finance_report");
    const legacy = await product(s, { name: "legacy", owner_team_id: team.id });
    await product(s, { name: "old_mart", owner_team_id: team.id, datasets: [{ id: await datasetIdOf(s, "old_mart") }] });
    await product(s, { name: "finance", owner_team_id: team.id, datasets: [{ id: await datasetIdOf(s, "finance_report") }] });
    await product(s, { name: "campaigns", owner_team_id: other.json.id });
    await postCosts(s, [
      record({ source: "aws", external_ref: "legacy", amount: 40, started_at: iso(T - 2 * DAY), attribution: { products: [{ name: "legacy" }] } }),
      record({ source: "aws", external_ref: "old_mart", amount: 12.5, started_at: iso(T - 1 * DAY), attribution: { products: [{ name: "old_mart" }] } }),
      record({ source: "aws", external_ref: "finance", amount: 9, started_at: iso(T - 1 * DAY), attribution: { products: [{ name: "finance" }] } }),
      record({ source: "aws", external_ref: "campaigns", amount: 3, started_at: iso(T - 1 * DAY), attribution: { products: [{ name: "campaigns" }] } }),
    ]);
    // finance is used; old_mart was, 40 days ago; legacy and campaigns never were.
    const used = await api("/usage", {
      as: s,
      body: {
        events: [
          { product: "finance", kind: "dashboard_view", count: 4, at: iso(T - 3 * DAY) },
          { product: "old_mart", kind: "query", at: iso(T - 40 * DAY) },
        ],
      },
    });
    expect(used.status, used.text).toBe(200);
    const hook = slackHook();
    await slackChannel(s, team.id, hook.url);

    await setEngineTime(s.tenant.id, T - 60_000);
    await digestDueAt(s.tenant.id, T);
    await checkAt(s.tenant.id, T);

    const alerts = await zombieAlerts(s);
    const byKey = new Map(alerts.map((a) => [a.dedupe_key, a]));
    expect(alerts.length).toBe(2);
    expect(byKey.get(`zombies:${other.json.id}:2026-04`)).toMatchObject({ severity: "warning", title: "Team Marketing: 1 zombie product in 2026-04" });
    const mine = byKey.get(`zombies:${team.id}:2026-04`);
    expect(mine).toMatchObject({ severity: "warning", title: expect.stringMatching(/^Team .+: 2 zombie products in 2026-04$/) });
    expect(mine.owner_team.id).toBe(team.id);
    const posts = await slackPosts(hook.path);
    expect(posts).toHaveLength(1);
    const text = JSON.stringify(posts[0].body.blocks);
    expect(text).toContain("2 zombie products cost 52.5 USD in the last 30 days and nobody used them:");
    expect(text).toContain("• legacy: 40 USD in the last 30 days, never used (registered");
    expect(text).toContain("nothing depends on it");
    expect(text).toContain("• old_mart: 12.5 USD in the last 30 days, unused since 2026-02-21; depended on by products finance and 1 downstream dataset");
    expect(text).not.toContain("campaigns");
    expect(text).not.toContain("• finance");
    // The digest names products, it does not make them unhealthy: no product counts the alert as its own.
    expect((await api(`/products/${legacy.id}/scorecard`, { as: s })).json.scorecard.open_alerts).toBe(0);

    // The next days of the month: checked daily, nothing sent again (queues drained before looking).
    await checkAt(s.tenant.id, T + DAY + 60_000);
    await checkAt(s.tenant.id, T + 2 * DAY + 120_000);
    expect(await slackPosts(hook.path)).toHaveLength(1);
    expect((await zombieAlerts(s)).length).toBe(2);

    // A new month: a new digest for the team whose products are still zombies (finance still in use, so the
    // workspace still reports usage; campaigns cost nothing in May's 30 days).
    const april = await api("/usage", { as: s, body: { events: [{ product: "finance", kind: "dashboard_view", at: "2026-04-20T10:00:00.000Z" }] } });
    expect(april.status, april.text).toBe(200);
    await postCosts(s, [
      record({
        source: "aws",
        external_ref: "legacy-may",
        amount: 41,
        started_at: iso(Date.parse("2026-04-30T00:00:00Z")),
        attribution: { products: [{ name: "legacy" }] },
      }),
    ]);
    await checkAt(s.tenant.id, Date.parse("2026-05-01T08:00:00Z"));
    const may = (await zombieAlerts(s)).filter((a) => a.dedupe_key.endsWith(":2026-05"));
    expect(may.map((a) => a.dedupe_key)).toEqual([`zombies:${team.id}:2026-05`]);
    expect(await slackPosts(hook.path)).toHaveLength(2);
  });

  it("a workspace that reports no usage at all has usage unknown, not zombies: no digest, and value for money is not read as zombie", async () => {
    const { s, team } = await setupTenant();
    const p = await product(s, { name: "mart", owner_team_id: team.id, declared_value: { monthly_amount: 1000 } });
    await postCosts(s, [record({ source: "aws", external_ref: "mart", amount: 100, started_at: iso(T - DAY), attribution: { products: [{ name: "mart" }] } })]);
    const hook = slackHook();
    await slackChannel(s, team.id, hook.url);
    await setEngineTime(s.tenant.id, T - 60_000);
    await digestDueAt(s.tenant.id, T);
    await checkAt(s.tenant.id, T);
    expect(await zombieAlerts(s)).toEqual([]);
    expect(await slackPosts(hook.path)).toEqual([]);
    // The scorecard is read at today's date: the cost is placed inside its 30 days too.
    await postCosts(s, [record({ source: "aws", external_ref: "mart-now", amount: 100, attribution: { products: [{ name: "mart" }] } })]);
    const card = (await api(`/products/${p.id}/scorecard`, { as: s })).json.scorecard;
    expect(card).toMatchObject({
      zombie: false,
      usage: { known: false, last_30_days: 0 },
      value: { state: "good" },
      health: { status: expect.not.stringMatching(/^zombie$/) },
    });
  });
});
