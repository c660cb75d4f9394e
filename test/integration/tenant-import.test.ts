import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { putBlob, tenantBlobs } from "../../worker/blobs/store";
import { createDb, tenantCtx } from "../../worker/db/client";
import { shardDb, tenantContext } from "../../worker/db/shards";
import { createExport, getDeletion } from "../../worker/db/repo/platform/tenant-jobs";
import { getImport } from "../../worker/db/repo/platform/tenant-imports";
import { sha256Hex } from "../../worker/lib/hash";
import { exportKey, runExportStep } from "../../worker/tenant-data/export";
import { importTenant } from "../../worker/tenant-data/import";
import { tenantRuns } from "../../worker/durable/client";
import { tenantsWithEngineWork } from "../../worker/db/repo/platform/engine-tenants";
import { api, BASE, expectError, signup, type Session } from "../helpers/api";
import { budgetSignal, listAlerts, sendNotify } from "../helpers/alerting";
import { record, postCosts } from "../helpers/costs";
import { engineTimers, isTerminal, waitForRun } from "../helpers/engine";
import { addMember, createToken, firstTeamId } from "../helpers/fixtures";
import { dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";
import { postEvent } from "../helpers/lineage";
import { pushPipeline, setupTenant, toolTask } from "../helpers/pipelines";
import { drain } from "../helpers/wait";
import { deleteTenant, bytesSource, readTar, seedEveryTenantTable, tenantRowCounts, tenantSnapshot, writeTar } from "../helpers/tenant-data";

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

async function storeBlob(tenantId: string, bytes: Uint8Array) {
  const sha = await sha256Hex(bytes);
  return (await putBlob(tenantBlobs(env.BLOBS, { tenantId }), "dbt-manifest", sha, bytes)).key;
}

/** Exports the tenant a few rows per step and returns the archive's bytes. */
async function exportArchive(owner: Session): Promise<Uint8Array> {
  const tenantId = owner.tenant.id;
  const ctx = await tenantContext(env, tenantId);
  const id = `exp_${crypto.randomUUID().slice(0, 8)}`;
  expect(await createExport(ctx, { id, requestedBy: owner.user.id, archiveKey: exportKey(tenantId, id), now: Date.now() })).toBe(true);
  for (let more = true, steps = 0; more; steps++) {
    ({ more } = await runExportStep(ctx, env.BLOBS, id, Date.now(), { rowsPerFile: 2, rowsPerStep: 6, blobChunk: 4 * MiB }));
    expect(steps).toBeLessThan(1000);
  }
  const object = (await env.BLOBS.get(exportKey(tenantId, id))) as R2ObjectBody;
  return new Uint8Array(await object.arrayBuffer());
}

async function objects(tenantId: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const listing = await env.BLOBS.list({ prefix: `t/${tenantId}/` });
  for (const o of listing.objects) {
    if (o.key.includes("/exports/")) continue;
    const body = (await env.BLOBS.get(o.key)) as R2ObjectBody;
    out.set(o.key, await sha256Hex(new Uint8Array(await body.arrayBuffer())));
  }
  return out;
}

/** A tenant with rows in every exported table and blobs, one of them larger than an R2 multipart part. */
async function populated() {
  const owner = await signup();
  await seedEveryTenantTable(owner.tenant.id, 5);
  await storeBlob(owner.tenant.id, encoder.encode(`{"manifest of":"${owner.tenant.id}"}`));
  const large = new Uint8Array(9 * MiB);
  for (let at = 0; at < large.length; at += 65536) crypto.getRandomValues(large.subarray(at, at + 65536));
  await storeBlob(owner.tenant.id, large);
  return owner;
}

const nothingOf = async (tenantId: string) => ({
  rows: Object.values(await tenantRowCounts(tenantId)).reduce((n, c) => n + c, 0),
  tenant: await env.DB.prepare("SELECT id FROM tenants WHERE id = ?").bind(tenantId).first(),
  import: await getImport(tenantCtx(createDb(env.DB), tenantId)),
});

describe("tenant import", () => {
  it("an export imported after the tenant's deletion gives back every table's rows, the tenant, its members and its blobs", async () => {
    const owner = await populated();
    const tenantId = owner.tenant.id;
    const before = await tenantSnapshot(tenantId);
    const blobsBefore = await objects(tenantId);
    const archive = await exportArchive(owner);
    await deleteTenant(owner);
    expect(await nothingOf(tenantId)).toEqual({ rows: 0, tenant: null, import: null });

    const result = await importTenant(env, bytesSource(archive), { limits: { batchChars: 20_000, batchStatements: 5 } });
    expect(result).toMatchObject({ tenantId, outcome: "imported", resumed: false, liftedDeletion: { tenant_slug: owner.tenant.slug } });
    expect(result.counts).toMatchObject({ users_created: 1, users_kept: 0 });
    const after = await tenantSnapshot(tenantId);
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
    expect(await objects(tenantId)).toEqual(blobsBefore);
    // The deletion's lock is lifted; the import stays as the record of where the tenant came from.
    expect(await getDeletion(createDb(env.DB), tenantId)).toBeNull();
    // The member comes back without a password: they set one with a reset link (or sign in with SSO).
    const account = await env.DB.prepare("SELECT password_hash FROM users WHERE id = ?").bind(owner.user.id).first<{ password_hash: string }>();
    expect(account?.password_hash).toBe("");
  }, 120_000);

  it("an archive whose files were cut, changed or added is refused with nothing written", async () => {
    const owner = await populated();
    const tenantId = owner.tenant.id;
    const archive = await exportArchive(owner);
    await deleteTenant(owner);
    const files = readTar(archive);
    const page = [...files.keys()].find((k) => k.startsWith("tables/teams/")) as string;
    const rewrite = (path: string, change: (text: string) => string) =>
      writeTar(new Map([...files].map(([k, v]) => [k, k === path ? encoder.encode(change(new TextDecoder().decode(v))) : v])));
    const damaged: Array<[string, Uint8Array, RegExp]> = [
      ["another tenant's row", rewrite(page, (t) => t.replace(`"tenant_id":"${tenantId}"`, '"tenant_id":"ten_other"')), /belongs to tenant "ten_other"/],
      [
        "an unknown table",
        writeTar(new Map([...files].flatMap(([k, v]) => (k === page ? [[k, v] as const, ["tables/unheard_of/000001.jsonl", v] as const] : [[k, v] as const])))),
        /no table unheard_of/,
      ],
      ["a truncated tar", archive.subarray(0, Math.floor(archive.length / 2)), /truncated/],
      ["a manifest that disagrees", rewrite("manifest.json", (t) => t.replace(/"teams": \{\s*"rows": \d+/, '"teams": {"rows": 999')), /manifest.json: teams/],
      [
        "an unknown column",
        rewrite(page, (t) => t.replace(`"tenant_id":"${tenantId}"`, `"tenant_id":"${tenantId}","secret_column":1`)),
        /no column secret_column/,
      ],
      ["a newer format", rewrite("tenant.json", (t) => t.replace('"version": 1', '"version": 2')), /format version 2/],
    ];
    for (const [what, bytes, message] of damaged) {
      await expect(importTenant(env, bytesSource(bytes)), what).rejects.toThrow(message);
      expect(await nothingOf(tenantId), what).toEqual({ rows: 0, tenant: null, import: null });
    }
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(owner.user.id).first()).toBeNull();
    expect((await env.BLOBS.list({ prefix: `t/${tenantId}/` })).objects).toEqual([]);
  }, 120_000);

  it("an import into a database that holds the tenant is refused, and so is a second archive after one was imported", async () => {
    const owner = await signup();
    await storeBlob(owner.tenant.id, encoder.encode("a live tenant's blob"));
    const first = await exportArchive(owner);
    const before = await tenantSnapshot(owner.tenant.id);
    await expect(importTenant(env, bytesSource(first))).rejects.toThrow(new RegExp(`the tenant ${owner.tenant.id} exists; it has rows in .*teams`));
    expect(await tenantSnapshot(owner.tenant.id)).toEqual(before);

    const second = await exportArchive(owner);
    await deleteTenant(owner);
    expect((await importTenant(env, bytesSource(first))).outcome).toBe("imported");
    await expect(importTenant(env, bytesSource(second))).rejects.toThrow(/already has an import \(done\) of export exp_/);
    // The same archive again finds its import done and writes nothing.
    expect(await importTenant(env, bytesSource(first))).toMatchObject({ outcome: "already_done", resumed: true });
    expect(await tenantSnapshot(owner.tenant.id)).toEqual(before);
  }, 120_000);

  it("an import stopped after some batches finishes when run again, with every row once", async () => {
    const owner = await populated();
    const tenantId = owner.tenant.id;
    const before = await tenantSnapshot(tenantId);
    const archive = await exportArchive(owner);
    await deleteTenant(owner);
    // The second read of the archive (the writing pass) breaks off half-way, as a dropped connection would.
    let opened = 0;
    const breaking = async () => {
      opened++;
      if (opened === 1) return new Blob([archive]).stream();
      const half = archive.subarray(0, Math.floor(archive.length * 0.4));
      let pulls = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulls++ === 0) controller.enqueue(half);
          else controller.error(new Error("connection reset"));
        },
      });
    };
    const limits = { batchChars: 20_000, batchStatements: 5 };
    await expect(importTenant(env, breaking, { limits })).rejects.toThrow("connection reset");
    const stopped = await getImport(tenantCtx(createDb(env.DB), tenantId));
    expect(stopped?.status).toBe("running");
    expect(stopped?.position).toBeGreaterThan(3);
    // Half-imported: rows are there, the tenant row is not, so nothing of the tenant can be reached.
    expect(Object.values(await tenantRowCounts(tenantId)).some((n) => n > 0)).toBe(true);
    expect(await env.DB.prepare("SELECT id FROM tenants WHERE id = ?").bind(tenantId).first()).toBeNull();

    expect(await importTenant(env, bytesSource(archive), { limits })).toMatchObject({ outcome: "imported", resumed: true });
    const after = await tenantSnapshot(tenantId);
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
  }, 120_000);
});

async function uploadManifest(token: string, manifest: string) {
  const form = new FormData();
  form.append("project", "jaffle");
  form.append("environment", "prod");
  form.append("manifest", new Blob([manifest], { type: "application/json" }), "manifest.json");
  const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { upload: { id: string } }).upload.id;
}

const fetchText = async (token: string, path: string) => {
  const res = await workerFetch(`${BASE}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text() };
};

describe("tenant import run twice at once", () => {
  it("two runs of the same import at the same moment write every row once; the one that loses stops and says so", async () => {
    const owner = await signup();
    await seedEveryTenantTable(owner.tenant.id, 3);
    const before = await tenantSnapshot(owner.tenant.id);
    const archive = await exportArchive(owner);
    await deleteTenant(owner);
    const limits = { batchChars: 20_000, batchStatements: 3 };
    const runs = await Promise.allSettled([importTenant(env, bytesSource(archive), { limits }), importTenant(env, bytesSource(archive), { limits })]);
    const imported = runs.filter((r) => r.status === "fulfilled" && r.value.outcome === "imported");
    expect(imported.length, JSON.stringify(runs.map((r) => (r.status === "rejected" ? String(r.reason) : r.value.outcome)))).toBeGreaterThanOrEqual(1);
    for (const r of runs)
      if (r.status === "rejected")
        expect(String(r.reason)).toMatch(/another (run of this )?import of tenant .* (started at the same moment|moved on|finished it)/);
    const after = await tenantSnapshot(owner.tenant.id);
    for (const table of Object.keys(before)) expect(after[table], table).toEqual(before[table]);
  }, 120_000);
});

describe("restoring a deleted workspace", () => {
  it("a workspace with pipelines, runs, lineage, a dbt artifact, costs, alerts and audit answers the same after deletion and import, and its schedule is armed again", async () => {
    const { s, team } = await setupTenant();
    const tenantId = s.tenant.id;
    const { token } = await createToken(s, team.id);
    const pipeline = await pushPipeline(s, {
      name: "nightly",
      team: team.slug,
      schedule: { cron: "0 2 * * *", timezone: "UTC" },
      tasks: [toolTask("load", {}, { poll_interval: "1s" })],
    });
    const started = await api("/pipelines/nightly/runs", { as: s, body: {} });
    expect(started.status, started.text).toBe(201);
    await waitForRun(s, started.json.id, isTerminal);
    expect((await postEvent(token, openLineageFixtures["openlineage/marquez_event_simple.json"] as string)).status).toBe(201);
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const uploadId = await uploadManifest(token, manifest);
    await postCosts(s, [record({ source: "snowflake", external_ref: "q-1", amount: 1.25, quantity: 0.5, unit: "credits" })]);
    await sendNotify(budgetSignal(tenantId, team.id, 80, "2026-11", 900));
    await drain();
    expect(await listAlerts(s, "kind=budget_threshold")).toHaveLength(1);

    const reads = ["/runs", `/runs/${started.json.id}`, "/lineage/graph?node=" + "", "/alerts", "/costs"];
    const jobs = await api("/jobs?namespace=my-scheduler-namespace&name=myjob", { as: token });
    reads[2] = `/lineage/graph?node=${jobs.json.items[0].id}&direction=both&depth=1`;
    const answers = async () => Promise.all(reads.map((path) => fetchText(token, path)));
    const answersBefore = await answers();
    for (const [i, a] of answersBefore.entries()) expect(a.status, reads[i]).toBe(200);
    const before = await tenantSnapshot(tenantId);
    for (const table of [
      "pipelines",
      "pipeline_versions",
      "runs",
      "task_runs",
      "datasets",
      "lineage_edges",
      "dbt_uploads",
      "cost_records",
      "alerts",
      "audit_log",
    ])
      expect(before[table]?.length, table).toBeGreaterThan(0);

    const exported = await api("/workspace/exports", { as: s, method: "POST" });
    expect(exported.status).toBe(202);
    await drain();
    const status = await api(`/workspace/exports/${exported.json.id}`, { as: s });
    const download = await workerFetch(`${BASE}${status.json.download_url}`, { headers: { cookie: s.cookie } });
    const archive = new Uint8Array(await download.arrayBuffer());
    expect((await api("/workspace/deletion", { as: s, body: { confirm: s.tenant.slug } })).status).toBe(202);
    await drain();
    expectError(await api("/runs", { as: token }), 401, "unauthorized");

    const result = await importTenant(env, bytesSource(archive), { expectTenant: tenantId });
    expect(result.outcome).toBe("imported");
    const after = await tenantSnapshot(tenantId);
    // The audit log of the export request itself is in the archive; everything before it is compared row for row.
    for (const table of Object.keys(before)) if (table !== "audit_log") expect(after[table], table).toEqual(before[table]);
    expect(after.audit_log).toEqual(expect.arrayContaining(before.audit_log as unknown[]));
    // The tenant's API token works again and every read answers as before.
    expect(await answers()).toEqual(answersBefore);
    const artifact = await workerFetch(`${BASE}/api/v1/dbt/uploads/${uploadId}/artifacts/manifest`, { headers: { authorization: `Bearer ${token}` } });
    expect(artifact.status).toBe(200);
    expect(await artifact.text()).toBe(manifest);

    // The engine watchdog visits the tenant (a scheduled pipeline) and the run engine takes its pipelines up from D1.
    const placed = await env.DB.prepare("SELECT shard FROM tenants WHERE id = ?").bind(tenantId).first<{ shard: string }>();
    expect(await tenantsWithEngineWork(shardDb(env, placed!.shard))).toContain(tenantId);
    expect((await tenantRuns(env, tenantId).wake(tenantId)).ok).toBe(true);
    const cron = (await engineTimers(tenantId)).find((t) => t.key === `cron:${pipeline.pipeline.id}`);
    expect(cron, JSON.stringify(await engineTimers(tenantId))).toBeDefined();
    expect(new Date(cron!.due_at).toISOString()).toMatch(/T02:00:00.000Z$/);
  }, 120_000);
});

describe("members of an imported workspace", () => {
  it("an account is matched by id or e-mail and never overwritten; a member who signed up again meanwhile gets the workspace back on the new account", async () => {
    const owner = await signup();
    const tenantId = owner.tenant.id;
    const { token } = await createToken(owner, await firstTeamId(owner));
    // A member who is also in another workspace keeps their account through the deletion.
    const elsewhere = await signup();
    const shared = await addMember(elsewhere, "member");
    const invite = await api("/invitations", { as: owner, body: { email: shared.user.email, role: "admin" } });
    expect((await api("/invitations/accept", { body: { token: invite.json.token, password: "correct horse battery" } })).status).toBe(200);
    const archive = await exportArchive(owner);
    await deleteTenant(owner);
    const sharedAccount = "SELECT password_hash, password_salt, name FROM users WHERE id = ?";
    const sharedBefore = await env.DB.prepare(sharedAccount).bind(shared.user.id).first();
    // The owner, whose account went with the workspace, signs up again with the same address: a new account id.
    const again = await signup({ email: owner.user.email, name: "Ada Again" });
    expect(again.user.id).not.toBe(owner.user.id);
    const ownAccount = await env.DB.prepare(sharedAccount).bind(again.user.id).first();

    const result = await importTenant(env, bytesSource(archive));
    expect(result.counts).toMatchObject({ users_created: 0, users_kept: 1, users_matched_by_email: 1 });
    const members = await env.DB.prepare("SELECT user_id, role FROM tenant_members WHERE tenant_id = ? ORDER BY role").bind(tenantId).all();
    expect(members.results).toEqual([
      { user_id: shared.user.id, role: "admin" },
      { user_id: again.user.id, role: "owner" },
    ]);
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(owner.user.id).first()).toBeNull();
    // Neither account changed: passwords, salts and names are the ones their owners set.
    expect(await env.DB.prepare(sharedAccount).bind(shared.user.id).first()).toEqual(sharedBefore);
    expect(await env.DB.prepare(sharedAccount).bind(again.user.id).first()).toEqual(ownAccount);
    // The owner's API token names its creator by the new account, so it works again.
    expect((await api("/runs", { as: token })).status).toBe(200);
  }, 120_000);
});
