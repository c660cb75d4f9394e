import { env, runInDurableObject } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { putRawBody } from "../../worker/blobs/raw-bodies";
import { putBlob, tenantBlobs } from "../../worker/blobs/store";
import { storeDelivery } from "../../worker/ingest/webhook-delivery";
import { createDb } from "../../worker/db/client";
import { tenantContext } from "../../worker/db/shards";
import { createExport, getDeletion, getExport } from "../../worker/db/repo/platform/tenant-jobs";
import { exportedTables, leftOutOfExport } from "../../worker/db/tenant-tables";
import { tenantRuns } from "../../worker/durable/client";
import { sha256Hex } from "../../worker/lib/hash";
import { exportKey, runExportStep } from "../../worker/tenant-data/export";
import { api, BASE, expectError, signup, type Session } from "../helpers/api";
import { addMember } from "../helpers/fixtures";
import { deleteTenant, archivedRows, columnsMentioning, countRows, readTar, seedEveryTenantTable, tenantRowCounts } from "../helpers/tenant-data";
import { drain } from "../helpers/wait";

const MiB = 1024 * 1024;

function randomBytes(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(at + 65536, size)));
  return out;
}

async function storeBlob(tenantId: string, bytes: Uint8Array) {
  const sha = await sha256Hex(bytes);
  const { key } = await putBlob(tenantBlobs(env.BLOBS, { tenantId }), "dbt-manifest", sha, bytes);
  return { key, sha };
}

async function download(owner: Session, url: string): Promise<{ status: number; headers: Headers; bytes: Uint8Array }> {
  const res = await workerFetch(`${BASE}${url}`, { headers: { cookie: owner.cookie } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}

/** Every table, every kind of R2 object and the run engine of a tenant, with data the test can recognise. */
async function populatedTenant() {
  const owner = await signup();
  await seedEveryTenantTable(owner.tenant.id, 3);
  const small = await storeBlob(owner.tenant.id, new TextEncoder().encode(`{"manifest of":"${owner.tenant.id}"}`));
  // A webhook payload and a raw lineage event, stored the way their write paths store them (bytes in R2).
  const ctx = await tenantContext(env, owner.tenant.id);
  const payload = new TextEncoder().encode(`{"webhook of":"${owner.tenant.id}"}`);
  const delivery = {
    teamId: "team_x",
    connector: "dbt_cloud",
    connectionId: "conn_x",
    eventType: "job.run.completed",
    externalId: null,
    receivedAt: Date.now(),
  };
  await storeDelivery(env.BLOBS, ctx, { ...delivery, deliveryId: "d1" }, payload);
  const event = new TextEncoder().encode(`{"event of":"${owner.tenant.id}"}`);
  const rawEvent = await putRawBody(tenantBlobs(env.BLOBS, ctx), "lineage-event", event);
  // The run engine learns its tenant and stores a timer.
  expect((await tenantRuns(env, owner.tenant.id).setWatch(owner.tenant.id, "w", Date.now() + 3_600_000, { x: 1 })).ok).toBe(true);
  return { owner, small, payload: { sha: await sha256Hex(payload), bytes: payload }, event: { sha: rawEvent.sha256, bytes: event } };
}

async function objectsUnder(prefix: string): Promise<string[]> {
  return (await env.BLOBS.list({ prefix })).objects.map((o) => o.key);
}

async function durableRows(tenantId: string): Promise<{ alarm: number | null; rows: Record<string, number> }> {
  return runInDurableObject(tenantRuns(env, tenantId), async (_instance, state) => {
    const tables = state.storage.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
      .toArray()
      .map((r) => r.name as string);
    const rows: Record<string, number> = {};
    for (const t of tables) rows[t] = (state.storage.sql.exec(`SELECT COUNT(*) AS n FROM "${t}"`).one() as { n: number }).n;
    return { alarm: await state.storage.getAlarm(), rows };
  });
}

describe("workspace export", () => {
  it("an owner's export holds every table's rows of the tenant and none of another's, plus its R2 objects, over several steps", async () => {
    const { owner, small, payload, event } = await populatedTenant();
    const other = await populatedTenant();
    // Larger than one multipart part (8 MiB), so the archive is written in several parts of equal size.
    const large = await storeBlob(owner.tenant.id, randomBytes(9 * MiB));
    const tenantId = owner.tenant.id;
    const ctx = await tenantContext(env, tenantId);
    expect(await createExport(ctx, { id: "exp_steps", requestedBy: owner.user.id, archiveKey: exportKey(tenantId, "exp_steps"), now: Date.now() })).toBe(true);
    // One export at a time per tenant.
    expect(await createExport(ctx, { id: "exp_second", requestedBy: owner.user.id, archiveKey: exportKey(tenantId, "exp_second"), now: Date.now() })).toBe(
      false,
    );

    let steps = 0;
    for (let more = true; more; steps++) {
      ({ more } = await runExportStep(ctx, env.BLOBS, "exp_steps", Date.now(), { rowsPerFile: 2, rowsPerStep: 5, blobChunk: 3 * MiB }));
      expect(steps).toBeLessThan(500);
    }
    expect(steps).toBeGreaterThan(10);
    const row = await getExport(ctx, "exp_steps");
    expect(row).toMatchObject({ status: "ready", error: null });

    const object = await env.BLOBS.get(exportKey(tenantId, "exp_steps"));
    const bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
    expect(bytes.length).toBe(row?.sizeBytes);
    const files = readTar(bytes);
    const text = new TextDecoder().decode(bytes);
    expect(text).not.toContain(other.owner.tenant.id);

    expect(JSON.parse(new TextDecoder().decode(files.get("tenant.json")))).toMatchObject({
      format: "tutti-tenant-export",
      version: 1,
      tenant: { id: tenantId, slug: owner.tenant.slug },
    });
    const manifest = JSON.parse(new TextDecoder().decode(files.get("manifest.json")));
    for (const table of exportedTables) {
      const rows = archivedRows(files, table.name);
      const n = await countRows(tenantId, table.name);
      expect(rows.length, table.name).toBe(n);
      expect(n, table.name).toBeGreaterThanOrEqual(1);
      expect(new Set(rows.map((r) => r.tenant_id)), table.name).toEqual(new Set([tenantId]));
      expect(manifest.tables[table.name].rows, table.name).toBe(n);
    }
    for (const left of Object.keys(leftOutOfExport)) expect(archivedRows(files, left), left).toEqual([]);
    // Bytes columns survive as base64 (a raw event body from before R2).
    const legacyEvent = archivedRows(files, "lineage_events").find((r) => r.body_gzip !== null) as { body_gzip: { $base64: string } };
    expect(legacyEvent.body_gzip.$base64).toMatch(/^[A-Za-z0-9+/]+=*$/);
    // Members' profiles, without password material.
    const users = archivedRows(files, "users");
    expect(users).toEqual([{ id: owner.user.id, email: owner.user.email, name: owner.user.name, created_at: expect.any(Number) }]);

    expect(files.get(`blobs/dbt-manifest/${small.sha}`)).toEqual(new TextEncoder().encode(`{"manifest of":"${tenantId}"}`));
    const largeBytes = new Uint8Array(await ((await env.BLOBS.get(large.key)) as R2ObjectBody).arrayBuffer());
    expect(files.get(`blobs/dbt-manifest/${large.sha}`)?.length).toBe(9 * MiB);
    expect(await sha256Hex(files.get(`blobs/dbt-manifest/${large.sha}`) as Uint8Array)).toBe(await sha256Hex(largeBytes));
    // Webhook payloads and raw lineage events, whose bytes live in R2 only, are in the archive.
    expect(files.get(`blobs/webhook-payload/${payload.sha}`)).toEqual(payload.bytes);
    expect(files.get(`blobs/lineage-event/${event.sha}`)).toEqual(event.bytes);
    expect(manifest.blobs).toEqual({
      count: 4,
      bytes: largeBytes.length + (files.get(`blobs/dbt-manifest/${small.sha}`)?.length ?? 0) + payload.bytes.length + event.bytes.length,
    });
    // No export of its own, and no carry left behind.
    expect([...files.keys()].filter((n) => n.includes("exports/"))).toEqual([]);
    expect((await objectsUnder(`t/${tenantId}/exports/`)).filter((k) => k.includes(".carry-"))).toEqual([]);
  }, 60_000);

  it("owners start an export through the API and download it with their session; others get 403, other tenants 404", async () => {
    const owner = await signup();
    await storeBlob(owner.tenant.id, new TextEncoder().encode("api export blob"));
    const started = await api("/workspace/exports", { as: owner, method: "POST" });
    expect(started.status, started.text).toBe(202);
    expect(started.json).toMatchObject({ status: "running", download_url: null });
    await drain();

    const status = await api(`/workspace/exports/${started.json.id}`, { as: owner });
    expect(status.json).toMatchObject({ id: started.json.id, status: "ready", download_url: `/api/v1/workspace/exports/${started.json.id}/archive` });
    const list = await api("/workspace/exports", { as: owner });
    expect(list.json.items.map((e: { id: string }) => e.id)).toEqual([started.json.id]);

    const archive = await download(owner, status.json.download_url);
    expect(archive.status).toBe(200);
    expect(archive.headers.get("content-type")).toBe("application/x-tar");
    expect(archive.headers.get("content-disposition")).toContain(`tutti-${owner.tenant.slug}-`);
    expect(archive.bytes.length).toBe(status.json.size_bytes);
    const files = readTar(archive.bytes);
    expect(archivedRows(files, "teams").length).toBe(1);
    expect(new TextDecoder().decode(files.get(`blobs/dbt-manifest/${await sha256Hex("api export blob")}`))).toBe("api export blob");
    const audit = await api("/audit-log", { as: owner });
    expect(audit.json.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(["workspace.export_started", "workspace.export_downloaded"]),
    );

    const admin = await addMember(owner, "admin");
    expectError(await api("/workspace/exports", { as: admin, method: "POST" }), 403, "forbidden");
    expectError(await api(`/workspace/exports/${started.json.id}`, { as: admin }), 403, "forbidden");
    expect((await download(admin, status.json.download_url)).status).toBe(403);

    const stranger = await signup();
    expectError(await api(`/workspace/exports/${started.json.id}`, { as: stranger }), 404, "not_found");
    expect((await download(stranger, status.json.download_url)).status).toBe(404);
  });
});

describe("workspace deletion", () => {
  it("deleting a tenant leaves no row naming it, no R2 object under its prefix and an empty run engine; another tenant is untouched", async () => {
    const { owner } = await populatedTenant();
    const other = await populatedTenant();
    const tenantId = owner.tenant.id;
    // Every kind of object is there to be deleted: dbt artifacts, webhook payloads, raw lineage events.
    const kinds = (keys: string[]) => [...new Set(keys.map((k) => k.split("/")[2]))].sort();
    expect(kinds(await objectsUnder(`t/${tenantId}/`))).toEqual(["dbt-manifest", "lineage-event", "webhook-payload"]);
    // A user of both tenants stays; the owner, in this tenant only, goes.
    const shared = await addMember(other.owner, "member");
    const invite = await api("/invitations", { as: owner, body: { email: shared.user.email, role: "member" } });
    const joined = await api("/invitations/accept", { body: { token: invite.json.token, password: "correct horse battery" } });
    expect(joined.status, joined.text).toBe(200);
    const exported = await api("/workspace/exports", { as: owner, method: "POST" });
    expect(exported.status).toBe(202);
    await drain();
    const otherBefore = await tenantRowCounts(other.owner.tenant.id);
    const otherObjects = await objectsUnder(`t/${other.owner.tenant.id}/`);

    expectError(await api("/workspace/deletion", { as: owner, body: { confirm: "not-the-slug" } }), 400, "validation_failed");
    const started = await api("/workspace/deletion", { as: owner, body: { confirm: owner.tenant.slug } });
    expect(started.status, started.text).toBe(202);
    // Locked at once: every credential of the tenant answers 404.
    expectError(await api("/me", { as: owner }), 404, "not_found");
    await drain();

    const record = await getDeletion(createDb(env.DB), tenantId);
    expect(record).toMatchObject({ status: "done", tenantSlug: owner.tenant.slug, requestedById: owner.user.id, requestedByLabel: owner.user.email });
    expect(record?.removed).toMatchObject({ tenants: 1, users: 1, teams: expect.any(Number), r2_objects: expect.any(Number) });
    expect(await columnsMentioning(tenantId, ["tenant_deletions"])).toEqual([]);
    expect(await objectsUnder(`t/${tenantId}/`)).toEqual([]);
    const engine = await durableRows(tenantId);
    expect(engine.alarm).toBeNull();
    expect(Object.entries(engine.rows).filter(([table, n]) => table !== "schema_version" && n > 0)).toEqual([]);
    // The run engine does not take the tenant up again.
    expect(await tenantRuns(env, tenantId).setWatch(tenantId, "w", Date.now() + 1000, {})).toMatchObject({ ok: false, code: "not_found" });
    expect((await durableRows(tenantId)).rows.settings).toBe(0);

    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(owner.user.id).first()).toBeNull();
    expect(await env.DB.prepare("SELECT id FROM users WHERE id = ?").bind(shared.user.id).first()).not.toBeNull();
    expect((await api("/me", { as: shared })).status).toBe(200);
    expect(await tenantRowCounts(other.owner.tenant.id)).toEqual(otherBefore);
    expect(await objectsUnder(`t/${other.owner.tenant.id}/`)).toEqual(otherObjects);
    // Asking again changes nothing (the credential is gone with the tenant).
    expect((await api("/workspace/deletion", { as: owner, body: { confirm: owner.tenant.slug } })).status).toBe(401);
  }, 60_000);

  it("a deletion larger than one step finishes over several steps", async () => {
    const owner = await signup();
    await seedEveryTenantTable(owner.tenant.id, 4);
    for (let i = 0; i < 5; i++) await storeBlob(owner.tenant.id, new TextEncoder().encode(`blob ${i}`));
    const steps = await deleteTenant(owner, { rowsPerStatement: 3, rowsPerStep: 7, objectsPerStep: 2 });
    expect(steps).toBeGreaterThan(30);
    expect(Object.values(await tenantRowCounts(owner.tenant.id)).every((n) => n === 0)).toBe(true);
    expect(await objectsUnder(`t/${owner.tenant.id}/`)).toEqual([]);
    expect((await getDeletion(createDb(env.DB), owner.tenant.id))?.status).toBe("done");
  }, 60_000);

  it("only an owner, signed in, can delete the workspace", async () => {
    const owner = await signup();
    const admin = await addMember(owner, "admin");
    expectError(await api("/workspace/deletion", { as: admin, body: { confirm: owner.tenant.slug } }), 403, "forbidden");
    expectError(await api("/workspace/deletion", { as: owner, body: {} }), 400, "validation_failed");
    expect((await api("/me", { as: owner })).status).toBe(200);
    expect(await getDeletion(createDb(env.DB), owner.tenant.id)).toBeNull();
  });
});
