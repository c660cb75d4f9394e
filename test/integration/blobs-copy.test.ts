import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { copyDbtChunksToBlobs } from "../../worker/blobs/copy-dbt-chunks";
import { createDb } from "../../worker/db/client";
import { sha256Hex } from "../../worker/lib/hash";
import { BASE } from "../helpers/api";
import { lineageTenant } from "../helpers/lineage";
import { dbtFixture } from "../helpers/lineage-fixtures";

async function gzipped(text: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

/** An upload as the Worker stored it before R2: no blob key, the gzip stream in D1 chunks of `pieceBytes`. */
async function uploadFromBeforeR2(tenantId: string, uploadId: string, text: string, pieceBytes: number) {
  const row = await env.DB.prepare("SELECT manifest_blob_key AS key FROM dbt_uploads WHERE tenant_id = ? AND id = ?")
    .bind(tenantId, uploadId)
    .first<{ key: string }>();
  await env.BLOBS.delete(row!.key);
  await env.DB.prepare("UPDATE dbt_uploads SET manifest_blob_key = NULL WHERE tenant_id = ? AND id = ?").bind(tenantId, uploadId).run();
  const gz = await gzipped(text);
  for (let seq = 0; seq * pieceBytes < gz.length; seq++) {
    await env.DB.prepare("INSERT INTO dbt_artifact_chunks (tenant_id, upload_id, kind, seq, data) VALUES (?, ?, 'manifest', ?, ?)")
      .bind(tenantId, uploadId, seq, gz.slice(seq * pieceBytes, (seq + 1) * pieceBytes))
      .run();
  }
}

async function download(token: string, uploadId: string) {
  const res = await SELF.fetch(`${BASE}/api/v1/dbt/uploads/${uploadId}/artifacts/manifest`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

const chunkCount = async (tenantId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM dbt_artifact_chunks WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())!.n;

describe("blobs:migrate: dbt artifacts from D1 chunks to R2", () => {
  it("copies each tenant's chunked artifacts to its own content address, records the key and empties the chunks; a second run copies nothing", async () => {
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const tenants = [await lineageTenant(), await lineageTenant()];
    const uploads: string[] = [];
    for (const { token } of tenants) {
      const res = await SELF.fetch(`${BASE}/api/v1/dbt/artifacts`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ project: "jaffle", environment: "prod", manifest: JSON.parse(manifest) }),
      });
      expect(res.status).toBe(201);
      uploads.push(((await res.json()) as { upload: { id: string } }).upload.id);
    }
    // The JSON form stores the manifest as JSON.stringify of the parsed body: that text is what the upload hashed.
    const stored = JSON.stringify(JSON.parse(manifest));
    for (const [i, { s }] of tenants.entries()) await uploadFromBeforeR2(s.tenant.id, uploads[i], stored, 1000);
    // An orphan piece (its upload row was never written) is dropped, not copied.
    await env.DB.prepare("INSERT INTO dbt_artifact_chunks (tenant_id, upload_id, kind, seq, data) VALUES (?, 'dbtu_gone', 'manifest', 0, ?)")
      .bind(tenants[0].s.tenant.id, new Uint8Array([1, 2, 3]))
      .run();
    // Before the copy, downloads read the chunks.
    expect(await download(tenants[0].token, uploads[0])).toBe(stored);
    expect(await chunkCount(tenants[0].s.tenant.id)).toBeGreaterThan(2);

    const done = await copyDbtChunksToBlobs(createDb(env.DB), env.BLOBS, { pageSize: 1 });
    expect(done.copied).toBeGreaterThanOrEqual(2);
    expect(done.dropped).toBeGreaterThanOrEqual(1);

    const storedSha = await sha256Hex(stored);
    for (const [i, { s, token }] of tenants.entries()) {
      const key = `t/${s.tenant.id}/dbt-manifest/${storedSha}`;
      const row = await env.DB.prepare("SELECT manifest_blob_key AS key FROM dbt_uploads WHERE tenant_id = ? AND id = ?").bind(s.tenant.id, uploads[i]).first();
      expect(row).toEqual({ key });
      expect(await chunkCount(s.tenant.id)).toBe(0);
      expect((await env.BLOBS.list({ prefix: `t/${s.tenant.id}/` })).objects.map((o) => o.key)).toEqual([key]);
      expect(await download(token, uploads[i])).toBe(stored);
    }
    const again = await copyDbtChunksToBlobs(createDb(env.DB), env.BLOBS);
    expect(again).toEqual({ copied: 0, dropped: 0 });
  });
});
