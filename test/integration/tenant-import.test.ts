import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { putBlob, tenantBlobs } from "../../worker/blobs/store";
import { createDb, tenantCtx } from "../../worker/db/client";
import { createExport, getDeletion, startDeletion } from "../../worker/db/repo/platform/tenant-jobs";
import { getImport } from "../../worker/db/repo/platform/tenant-imports";
import { sha256Hex } from "../../worker/lib/hash";
import { runDeletionStep } from "../../worker/tenant-data/delete";
import { exportKey, runExportStep } from "../../worker/tenant-data/export";
import { importTenant } from "../../worker/tenant-data/import";
import { signup, type Session } from "../helpers/api";
import { bytesSource, readTar, seedEveryTenantTable, tenantRowCounts, tenantSnapshot, writeTar } from "../helpers/tenant-data";

const MiB = 1024 * 1024;
const encoder = new TextEncoder();

async function storeBlob(tenantId: string, bytes: Uint8Array) {
  const sha = await sha256Hex(bytes);
  return (await putBlob(tenantBlobs(env.BLOBS, { tenantId }), "dbt-manifest", sha, bytes)).key;
}

/** Exports the tenant a few rows per step and returns the archive's bytes. */
async function exportArchive(owner: Session): Promise<Uint8Array> {
  const tenantId = owner.tenant.id;
  const ctx = tenantCtx(createDb(env.DB), tenantId);
  const id = `exp_${crypto.randomUUID().slice(0, 8)}`;
  expect(await createExport(ctx, { id, requestedBy: owner.user.id, archiveKey: exportKey(tenantId, id), now: Date.now() })).toBe(true);
  for (let more = true, steps = 0; more; steps++) {
    ({ more } = await runExportStep(ctx, env.BLOBS, id, Date.now(), { rowsPerFile: 2, rowsPerStep: 6, blobChunk: 4 * MiB }));
    expect(steps).toBeLessThan(1000);
  }
  const object = (await env.BLOBS.get(exportKey(tenantId, id))) as R2ObjectBody;
  return new Uint8Array(await object.arrayBuffer());
}

/** Deletes the tenant the way an owner's request does (deletion record, then every step). */
async function deleteTenant(owner: Session) {
  const db = createDb(env.DB);
  await startDeletion(db, {
    tenantId: owner.tenant.id,
    tenantSlug: owner.tenant.slug,
    requestedById: owner.user.id,
    requestedByLabel: owner.user.email,
    ip: null,
    requestId: null,
    now: Date.now(),
  });
  for (let more = true, steps = 0; more; steps++) {
    ({ more } = await runDeletionStep(env, owner.tenant.id, Date.now()));
    expect(steps).toBeLessThan(1000);
  }
  expect((await getDeletion(db, owner.tenant.id))?.status).toBe("done");
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
