import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { controlTables } from "../../worker/db/sides";
import { api, signup, type Session } from "../helpers/api";
import { createToken } from "../helpers/fixtures";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";

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
