import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { signedHeaders } from "../../worker/alerting/standard-webhooks";
import { controlTables } from "../../worker/db/sides";
import { newId } from "../../worker/lib/ids";
import { fakeCredentials } from "../fakes/credentials";
import { api, signup, type Session } from "../helpers/api";
import { createToken } from "../helpers/fixtures";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { createConnection, deliverWebhook, fakeUrl } from "../helpers/tool-fakes";
import { drain } from "../helpers/wait";
import { sign, webhookFixture } from "../helpers/webhook-fixtures";

/**
 * Tenants on database shards (worker/db/shards.ts): the suite runs with two shards besides the control database
 * (vitest.config.ts TENANT_SHARDS). A new tenant lands on the shard with the fewest tenants; tenants on different
 * shards never see each other; each database holds only its side's rows (worker/db/sides.ts).
 */

const databases = { DB: env.DB, SHARD_1: env.SHARD_1, SHARD_2: env.SHARD_2 };

async function shardOf(s: Session): Promise<string> {
  const row = await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(s.tenant.id).first<{ shard: string }>();
  return row!.shard;
}

async function tenantCounts(): Promise<Record<string, number>> {
  const { results } = await env.DB.prepare("SELECT shard, count(*) AS n FROM tenants GROUP BY shard").all<{ shard: string; n: number }>();
  return Object.fromEntries(results.map((r) => [r.shard, r.n]));
}

/** Every table of a database with rows, by name (sqlite's and D1's own tables left out). */
async function nonEmptyTables(d1: D1Database): Promise<string[]> {
  const { results } = await d1
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'")
    .all<{ name: string }>();
  const out: string[] = [];
  for (const { name } of results) {
    const row = await d1.prepare(`SELECT 1 AS x FROM "${name}" LIMIT 1`).first();
    if (row) out.push(name);
  }
  return out.sort();
}

async function busyTenant() {
  const s = await signup();
  const team = (await api("/me", { as: s })).json.teams[0] as { id: string; slug: string };
  const teamId = team.id;
  await createToolConnection(s, teamId);
  const { token } = await createToken(s, teamId);
  await pushPipeline(token, { name: "nightly", team: team.slug, tasks: [toolTask("load")] });
  return { s, teamId, token };
}

describe("tenant shards", () => {
  it("places each new tenant on the shard with the fewest tenants, the first listed on a tie", async () => {
    const before = await tenantCounts();
    const emptiest = (counts: Record<string, number>) =>
      ["SHARD_1", "SHARD_2"].reduce((best, name) => ((counts[name] ?? 0) < (counts[best] ?? 0) ? name : best));
    for (let i = 0; i < 3; i++) {
      const expected = emptiest(await tenantCounts());
      expect(await shardOf(await signup())).toBe(expected);
    }
    const after = await tenantCounts();
    const total = (c: Record<string, number>) => (c.SHARD_1 ?? 0) + (c.SHARD_2 ?? 0);
    expect(total(after) - total(before)).toBe(3);
    expect(Math.abs((after.SHARD_1 ?? 0) - (after.SHARD_2 ?? 0))).toBeLessThanOrEqual(1);
    expect(after.DB ?? 0).toBe(0);
  });

  it("answers the health check for the control database and every shard, before any tenant is known", async () => {
    // The check runs without credentials, so the tenant handle is unresolved: it once read through that handle and,
    // with shards on, always answered 503.
    const res = await api("/health");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "ok", database: "ok" });
  });

  it("keeps tenants on different shards apart, and each database holds only its side's tables", async () => {
    const a = await busyTenant();
    let b = await busyTenant();
    // Two tenants in a row land on different shards unless a tie put them on the first; a third one then differs.
    if ((await shardOf(b.s)) === (await shardOf(a.s))) b = await busyTenant();
    expect(await shardOf(b.s)).not.toBe(await shardOf(a.s));

    const pipelineOf = async (t: { token: string }) => (await api("/pipelines", { as: t.token })).json.items[0].id as string;
    const [pa, pb] = [await pipelineOf(a), await pipelineOf(b)];
    expect((await api(`/pipelines/${pb}`, { as: a.token })).status).toBe(404);
    expect((await api(`/pipelines/${pa}`, { as: b.s })).status).toBe(404);
    expect((await api(`/teams/${b.teamId}`, { as: a.s })).status).toBe(404);
    expect((await api("/pipelines", { as: a.s })).json.items.map((p: { id: string }) => p.id)).toEqual([pa]);

    // The rows are where the map says: A's pipeline only on A's shard.
    for (const [name, d1] of Object.entries(databases)) {
      const row = await d1.prepare("SELECT count(*) AS n FROM pipelines WHERE tenant_id = ?").bind(a.s.tenant.id).first<{ n: number }>();
      expect([name, row!.n]).toEqual([name, name === (await shardOf(a.s)) ? 1 : 0]);
    }

    await drain();
    const control = await nonEmptyTables(env.DB);
    expect(control.filter((t) => !(t in controlTables))).toEqual([]);
    expect(control).toEqual(expect.arrayContaining(["api_tokens", "sessions", "tenant_members", "tenants", "users"]));
    for (const d1 of [env.SHARD_1, env.SHARD_2]) {
      const shard = await nonEmptyTables(d1);
      expect(shard.filter((t) => t in controlTables)).toEqual([]);
      expect(shard).toEqual(expect.arrayContaining(["audit_log", "pipelines", "team_members", "teams"]));
    }
  });
});

/** A new tenant on the given shard: sign-ups alternate between the two, so one of the next few lands there. */
async function tenantOn(shard: string): Promise<Session> {
  for (let i = 0; i < 4; i++) {
    const s = await signup();
    if ((await shardOf(s)) === shard) return s;
  }
  throw new Error(`no sign-up landed on ${shard}`);
}

const WEBHOOK_SECRET = "whsec-shards-5e21";

/** What a public route can reach of a tenant: a dbt Cloud connection's webhook, a pipeline's webhook trigger, a status page. */
async function publicObjects(s: Session) {
  const team = (await api("/me", { as: s })).json.teams[0] as { id: string; slug: string };
  const conn = await createConnection(
    s,
    team.id,
    "dbt_cloud",
    "dbt",
    { base_url: fakeUrl("dbt_cloud"), account_id: fakeCredentials.dbt_cloud.accountId },
    { api_token: "t", webhook_secret: WEBHOOK_SECRET },
  );
  await createToolConnection(s, team.id);
  const pushed = await pushPipeline(s, { name: "on_hook", team: team.slug, triggers: [{ webhook: {} }], tasks: [toolTask("x")] });
  const hook = (await api("/pipelines/on_hook/webhook-secret", { as: s, method: "POST" })).json as { url: string; secret: string };
  const product = (await api("/products", { as: s, body: { name: "revenue", title: "Revenue dashboard", owner_team_id: team.id } })).json as { id: string };
  const shared = (await api(`/products/${product.id}/shares`, { as: s, body: { label: "Finance" } })).json as { token: string };
  return { conn: conn as { id: string }, pipelineId: pushed.pipeline.id as string, hook, shareToken: shared.token };
}

const toolDelivery = async (connectionId: string) => {
  const body = webhookFixture("dbt_cloud_job_run_completed_success.json");
  return deliverWebhook("dbt_cloud", connectionId, { headers: await sign.dbt_cloud(body, WEBHOOK_SECRET), body });
};

async function pipelineDelivery(url: string, secret: string) {
  const headers = await signedHeaders(secret, `msg_${crypto.randomUUID()}`, Math.floor(Date.now() / 1000), "{}");
  const res = await workerFetch(url, { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: "{}" });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

const rowsOf = async (d1: D1Database, table: string, tenantId: string) =>
  (await d1.prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>())!.n;

describe("public routes find the tenant from a public id", () => {
  it("a tool webhook, a pipeline webhook and a status page reach a tenant on SHARD_2 through the control database's directory", async () => {
    const s = await tenantOn("SHARD_2");
    const { conn, hook, shareToken } = await publicObjects(s);

    const tool = await toolDelivery(conn.id);
    expect(tool.status, JSON.stringify(tool.json)).toBe(200);
    const started = await pipelineDelivery(hook.url, hook.secret);
    expect(started.status, JSON.stringify(started.json)).toBe(202);
    const page = await api(`/status/${shareToken}`);
    expect(page.status, page.text).toBe(200);
    expect(page.json.product.title).toBe("Revenue dashboard");

    // The directory (both connections, the webhook trigger, the link) is on the control database only; the delivery
    // and the run on the tenant's shard only.
    const directory = await env.DB.prepare("SELECT kind FROM public_ids WHERE tenant_id = ? ORDER BY kind").bind(s.tenant.id).all<{ kind: string }>();
    expect(directory.results.map((r) => r.kind)).toEqual(["connection", "connection", "pipeline_webhook", "status_share"]);
    for (const d1 of [env.SHARD_1, env.SHARD_2]) expect(await rowsOf(d1, "public_ids", s.tenant.id)).toBe(0);
    expect(await rowsOf(env.SHARD_2, "webhook_deliveries", s.tenant.id)).toBe(1);
    expect((await api(`/runs/${started.json.run_id}`, { as: s })).status).toBe(200);
    for (const d1 of [env.DB, env.SHARD_1]) {
      expect(await rowsOf(d1, "webhook_deliveries", s.tenant.id)).toBe(0);
      expect(await rowsOf(d1, "runs", s.tenant.id)).toBe(0);
    }
    await drain();
  });

  it("another tenant's public id answers 404 even where the directory names this tenant, and unknown ids store nothing", async () => {
    const mine = await tenantOn("SHARD_2");
    const theirs = await tenantOn("SHARD_1");
    await publicObjects(mine);
    const other = await publicObjects(theirs);
    // The directory says the other tenant's ids are mine (as a stale or wrong entry would): the shard's lookup, by
    // tenant and id, still finds nothing of mine under them.
    await env.DB.prepare("UPDATE public_ids SET tenant_id = ? WHERE tenant_id = ?").bind(mine.tenant.id, theirs.tenant.id).run();
    expect((await toolDelivery(other.conn.id)).status).toBe(404);
    expect((await pipelineDelivery(other.hook.url, other.hook.secret)).status).toBe(404);
    expect((await api(`/status/${other.shareToken}`)).status).toBe(404);
    // Ids nobody made: 404 from the directory alone.
    expect((await toolDelivery(newId("connection"))).status).toBe(404);
    expect((await pipelineDelivery(other.hook.url.replace(other.pipelineId, newId("pipeline")), other.hook.secret)).status).toBe(404);
    expect((await api(`/status/${"x".repeat(43)}`)).status).toBe(404);
    await drain();
    for (const d1 of [env.DB, env.SHARD_1, env.SHARD_2]) {
      for (const tenantId of [mine.tenant.id, theirs.tenant.id]) {
        expect(await rowsOf(d1, "webhook_deliveries", tenantId)).toBe(0);
        expect(await rowsOf(d1, "runs", tenantId)).toBe(0);
      }
    }
  });

  it("a connection deleted, a link revoked and a product deleted take their directory entries with them", async () => {
    const s = await tenantOn("SHARD_2");
    const { conn, shareToken } = await publicObjects(s);
    const count = async (kind: string) =>
      (await env.DB.prepare("SELECT count(*) AS n FROM public_ids WHERE tenant_id = ? AND kind = ?").bind(s.tenant.id, kind).first<{ n: number }>())!.n;
    expect([await count("connection"), await count("status_share")]).toEqual([2, 1]);
    expect((await api(`/connections/${conn.id}`, { as: s, method: "DELETE" })).status).toBe(204);
    expect(await count("connection")).toBe(1);
    expect((await toolDelivery(conn.id)).status).toBe(404);
    const product = (await api("/products", { as: s })).json.items[0] as { id: string };
    const second = (await api(`/products/${product.id}/shares`, { as: s, body: { label: "Board" } })).json as { share: { id: string }; token: string };
    expect((await api(`/status/${second.token}`)).status).toBe(200);
    expect(await count("status_share")).toBe(2);
    expect((await api(`/products/${product.id}/shares/${second.share.id}`, { as: s, method: "DELETE" })).status).toBe(200);
    expect(await count("status_share")).toBe(1);
    expect((await api(`/status/${second.token}`)).status).toBe(404);
    expect((await api(`/products/${product.id}`, { as: s, method: "DELETE" })).status).toBe(204);
    expect(await count("status_share")).toBe(0);
    expect((await api(`/status/${shareToken}`)).status).toBe(404);
  });
});
