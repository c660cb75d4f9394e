import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { putBlob, tenantBlobs } from "../../worker/blobs/store";
import { createExport } from "../../worker/db/repo/platform/tenant-jobs";
import { getMove } from "../../worker/db/repo/platform/tenant-moves";
import { controlDb, SHARD_CACHE_MS, tenantContext } from "../../worker/db/shards";
import { sha256Hex } from "../../worker/lib/hash";
import { exportKey, runExportStep } from "../../worker/tenant-data/export";
import { importTenant } from "../../worker/tenant-data/import";
import { CACHE_MARGIN_MS, moveTenant } from "../../worker/tenant-data/move";
import { api, signup, type Session } from "../helpers/api";
import { createToken } from "../helpers/fixtures";
import { createToolConnection, pushPipeline, toolTask } from "../helpers/pipelines";
import { allDatabases } from "../helpers/tenant-db";
import { deleteTenant, bytesSource, columnsMentioning, seedEveryTenantTable, tenantRowCounts, tenantSnapshot } from "../helpers/tenant-data";

/**
 * A tenant's data with two shards (the `shards` project, docs/architecture.md#shards): export, deletion and import each
 * work table by table on its side, and tenant:move's core moves the shard-side rows between shards.
 */

const shardOf = async (tenantId: string) =>
  (await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: string }>())?.shard ?? null;

async function exportArchive(owner: Session): Promise<Uint8Array> {
  const ctx = await tenantContext(env, owner.tenant.id);
  const id = `exp_${crypto.randomUUID().slice(0, 8)}`;
  expect(await createExport(ctx, { id, requestedBy: owner.user.id, archiveKey: exportKey(owner.tenant.id, id), now: Date.now() })).toBe(true);
  for (let more = true, steps = 0; more; steps++) {
    ({ more } = await runExportStep(ctx, env.BLOBS, id, Date.now(), { rowsPerFile: 3, rowsPerStep: 9, blobChunk: 1024 * 1024 }));
    expect(steps).toBeLessThan(1000);
  }
  return new Uint8Array(await ((await env.BLOBS.get(exportKey(owner.tenant.id, id))) as R2ObjectBody).arrayBuffer());
}

describe("a tenant's data across the control database and two shards", () => {
  it("a deleted tenant leaves nothing with its id in any database or R2, and its export imports back onto a shard row for row", async () => {
    const owner = await signup();
    const tenantId = owner.tenant.id;
    await seedEveryTenantTable(tenantId, 3);
    const bytes = new TextEncoder().encode(`{"manifest of":"${tenantId}"}`);
    await putBlob(tenantBlobs(env.BLOBS, { tenantId }), "dbt-manifest", await sha256Hex(bytes), bytes);
    const before = await tenantSnapshot(tenantId);
    const archive = await exportArchive(owner);

    await deleteTenant(owner, { rowsPerStatement: 50, rowsPerStep: 200, objectsPerStep: 10 });
    // Every column of every table of DB, SHARD_1 and SHARD_2; the deletion's own record is the one row kept.
    expect(Object.keys(allDatabases())).toEqual(["DB", "SHARD_1", "SHARD_2"]);
    expect(await columnsMentioning(tenantId, ["tenant_deletions"])).toEqual([]);
    expect((await env.BLOBS.list({ prefix: `t/${tenantId}/` })).objects).toEqual([]);

    const result = await importTenant(env, bytesSource(archive), { shard: "SHARD_2", limits: { batchChars: 20_000, batchStatements: 6 } });
    expect(result).toMatchObject({ tenantId, shard: "SHARD_2", outcome: "imported" });
    expect(await shardOf(tenantId)).toBe("SHARD_2");
    const after = await tenantSnapshot(tenantId);
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
    // Shard-side rows only on SHARD_2: every row counted over both shards is there.
    const onTwo = await env.SHARD_2.prepare("SELECT COUNT(*) AS n FROM teams WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>();
    expect(onTwo?.n).toBe((before.teams ?? []).length);
    expect(await importTenant(env, bytesSource(archive))).toMatchObject({ outcome: "already_done", shard: "SHARD_2" });
  }, 120_000);

  it("tenant:move moves a tenant's shard rows to the other shard: same answers after, nothing left on the old shard, writes refused meanwhile, a second run changes nothing", async () => {
    const s = await signup();
    const tenantId = s.tenant.id;
    const team = (await api("/me", { as: s })).json.teams[0] as { id: string; slug: string };
    await createToolConnection(s, team.id);
    const { token } = await createToken(s, team.id);
    await pushPipeline(token, { name: "nightly", team: team.slug, tasks: [toolTask("load")] });
    await seedEveryTenantTable(tenantId, 2);
    // The seed writes made-up rows into every table, the move record among them: that one is the move's own.
    await env.DB.prepare("DELETE FROM tenant_moves WHERE tenant_id = ?").bind(tenantId).run();
    const from = (await shardOf(tenantId)) as string;
    const to = from === "SHARD_1" ? "SHARD_2" : "SHARD_1";
    const reads = [`/teams/${team.id}`, "/pipelines/nightly"];
    const answers = () => Promise.all(reads.map(async (path) => (await api(path, { as: token })).json));
    const answersBefore = await answers();
    const before = await tenantSnapshot(tenantId);
    const countsBefore = await tenantRowCounts(tenantId);

    const waits: number[] = [];
    let refused: { status: number; retryAfter: string | null } | null = null;
    const result = await moveTenant(env, tenantId, to, {
      limits: { rowsPerPage: 2, rowsPerDelete: 3 },
      // The wait for cached answers to expire, pinned: the test looks at the tenant then instead of sleeping.
      sleep: async (ms) => {
        waits.push(ms);
        const res = await api("/teams", { as: token, body: { slug: "during-move", name: "During the move" } });
        expect((await getMove(controlDb(env), tenantId))?.status).toBe("flipped");
        expect(res.text).toContain("unavailable");
        refused = { status: res.status, retryAfter: res.headers.get("retry-after") };
      },
    });
    expect(result).toMatchObject({ tenantId, from, to, outcome: "moved", resumed: false });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(SHARD_CACHE_MS);
    expect(waits[0]).toBeLessThanOrEqual(SHARD_CACHE_MS + CACHE_MARGIN_MS);
    expect(refused).toEqual({ status: 503, retryAfter: expect.stringMatching(/^\d+$/) });

    expect(await shardOf(tenantId)).toBe(to);
    expect(await answers()).toEqual(answersBefore);
    const after = await tenantSnapshot(tenantId);
    for (const table of Object.keys(before)) if (table !== "audit_log") expect(after[table], table).toEqual(before[table]);
    const old = (env as unknown as Record<string, D1Database>)[from] as D1Database;
    for (const table of Object.keys(countsBefore)) {
      const row = await old.prepare(`SELECT COUNT(*) AS n FROM "${table}" WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>();
      expect([table, row?.n]).toEqual([table, 0]);
    }
    // Audited on the tenant's new shard (read there directly: the seeded made-up audit rows are not ones the API lists).
    const audit = await (env as unknown as Record<string, D1Database>)[to]
      .prepare("SELECT action FROM audit_log WHERE tenant_id = ? AND action LIKE 'workspace.move%'")
      .bind(tenantId)
      .all<{ action: string }>();
    expect(audit.results.map((e) => e.action)).toEqual(expect.arrayContaining(["workspace.move_started", "workspace.moved"]));
    // Writes are accepted again.
    expect((await api("/teams", { as: s, body: { slug: "after-move", name: "After the move" } })).status).toBe(201);

    const record = await getMove(controlDb(env), tenantId);
    expect(record).toMatchObject({ status: "done", fromShard: from, toShard: to });
    expect(await moveTenant(env, tenantId, to, { sleep: async () => expect.unreachable("a second run waits for nothing") })).toMatchObject({
      outcome: "already_there",
    });
    expect(await getMove(controlDb(env), tenantId)).toEqual(record);
  }, 120_000);
});
