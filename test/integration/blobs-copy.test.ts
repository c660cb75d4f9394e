import { env } from "cloudflare:test";
import { workerFetch } from "../helpers/worker-fetch";
import { describe, expect, it } from "vitest";
import { copyLegacyBodiesEverywhere } from "../../worker/blobs/copy-legacy";
import { sha256Hex } from "../../worker/lib/hash";
import { gzip } from "../../worker/lib/gzip";
import { api, BASE } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { lineageTenant } from "../helpers/lineage";
import { dbtFixture } from "../helpers/lineage-fixtures";

async function gzipped(text: string): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
}

/**
 * The table uploads from before R2 kept their bytes in, as migration 0003 created it: migration 0025 drops it (once
 * the copy has emptied it), so the test database, migrated to the end, has to be given it back.
 */
const databases = [env.DB, env.SHARD_1, env.SHARD_2];

async function legacyChunksTable() {
  for (const d1 of databases)
    await d1
      .prepare(
        "CREATE TABLE IF NOT EXISTS dbt_artifact_chunks (tenant_id text NOT NULL, upload_id text NOT NULL, kind text NOT NULL, seq integer NOT NULL, data blob NOT NULL, PRIMARY KEY(tenant_id, upload_id, kind, seq))",
      )
      .run();
}

/** An upload as the Worker stored it before R2: no blob key, the gzip stream in D1 chunks of `pieceBytes`. */
async function uploadFromBeforeR2(tenantId: string, uploadId: string, text: string, pieceBytes: number) {
  const d1 = await tenantD1(tenantId);
  const row = await d1
    .prepare("SELECT manifest_blob_key AS key FROM dbt_uploads WHERE tenant_id = ? AND id = ?")
    .bind(tenantId, uploadId)
    .first<{ key: string }>();
  await env.BLOBS.delete(row!.key);
  await d1.prepare("UPDATE dbt_uploads SET manifest_blob_key = NULL WHERE tenant_id = ? AND id = ?").bind(tenantId, uploadId).run();
  const gz = await gzipped(text);
  for (let seq = 0; seq * pieceBytes < gz.length; seq++) {
    await d1
      .prepare("INSERT INTO dbt_artifact_chunks (tenant_id, upload_id, kind, seq, data) VALUES (?, ?, 'manifest', ?, ?)")
      .bind(tenantId, uploadId, seq, gz.slice(seq * pieceBytes, (seq + 1) * pieceBytes))
      .run();
  }
}

async function download(token: string, uploadId: string) {
  const res = await workerFetch(`${BASE}/api/v1/dbt/uploads/${uploadId}/artifacts/manifest`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return res.text();
}

const chunkCount = async (tenantId: string) =>
  (await (await tenantD1(tenantId)).prepare("SELECT count(*) AS n FROM dbt_artifact_chunks WHERE tenant_id = ?").bind(tenantId).first<{ n: number }>())!.n;

describe("blobs:migrate: bytes kept in D1 before R2", () => {
  it("copies each tenant's chunked artifacts to its own content address, records the key and empties the chunks; a second run copies nothing", async () => {
    await legacyChunksTable();
    const manifest = dbtFixture("duckdb-1.8/manifest.json");
    const tenants = [await lineageTenant(), await lineageTenant()];
    const uploads: string[] = [];
    for (const { token } of tenants) {
      const res = await workerFetch(`${BASE}/api/v1/dbt/artifacts`, {
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
    await (await tenantD1(tenants[0].s.tenant.id))
      .prepare("INSERT INTO dbt_artifact_chunks (tenant_id, upload_id, kind, seq, data) VALUES (?, 'dbtu_gone', 'manifest', 0, ?)")
      .bind(tenants[0].s.tenant.id, new Uint8Array([1, 2, 3]))
      .run();
    expect(await chunkCount(tenants[0].s.tenant.id)).toBeGreaterThan(2);

    const done = await copyLegacyBodiesEverywhere(env, env.BLOBS, { pageSize: 1 });
    expect(done.artifacts).toBeGreaterThanOrEqual(2);
    expect(done.droppedArtifacts).toBeGreaterThanOrEqual(1);

    const storedSha = await sha256Hex(stored);
    for (const [i, { s, token }] of tenants.entries()) {
      const key = `t/${s.tenant.id}/dbt-manifest/${storedSha}`;
      const row = await (await tenantD1(s.tenant.id))
        .prepare("SELECT manifest_blob_key AS key FROM dbt_uploads WHERE tenant_id = ? AND id = ?")
        .bind(s.tenant.id, uploads[i])
        .first();
      expect(row).toEqual({ key });
      expect(await chunkCount(s.tenant.id)).toBe(0);
      expect((await env.BLOBS.list({ prefix: `t/${s.tenant.id}/` })).objects.map((o) => o.key)).toEqual([key]);
      expect(await download(token, uploads[i])).toBe(stored);
    }
    const again = await copyLegacyBodiesEverywhere(env, env.BLOBS);
    expect(again).toMatchObject({ artifacts: 0, droppedArtifacts: 0 });
    for (const d1 of databases) await d1.prepare("DROP TABLE dbt_artifact_chunks").run();
  });

  it("copies webhook payloads and raw lineage event bodies (text and gzip) to R2, empties their D1 columns, and reads them back from R2", async () => {
    const { s } = await lineageTenant();
    const t = s.tenant.id;
    const d1 = await tenantD1(t);
    const payload = '{"eventType":"job.run.completed","data":{"runId":1}}';
    const [team] = (await api("/teams", { as: s })).json.items as Array<{ id: string }>;
    await d1
      .prepare(
        "INSERT INTO webhook_deliveries (tenant_id, id, team_id, connector, connection_id, delivery_id, event_type, received_at, payload, payload_bytes) VALUES (?, 'wh_legacy', ?, 'dbt_cloud', 'conn_legacy', 'd1', 'job.run.completed', ?, ?, ?)",
      )
      .bind(t, team.id, Date.now(), payload, payload.length)
      .run();
    const small = '{"eventType":"COMPLETE","small":true}';
    const big = JSON.stringify({ eventType: "COMPLETE", filler: "x".repeat(50_000) });
    const legacyEvent = (id: string, body: string | null, gz: Uint8Array | null, size: number) =>
      d1
        .prepare(
          "INSERT INTO lineage_events (tenant_id, id, dedupe_key, kind, event_time, producer, size_bytes, body, body_gzip, received_at) VALUES (?, ?, ?, 'run', 0, 'p', ?, ?, ?, 0)",
        )
        .bind(t, id, id, size, body, gz)
        .run();
    await legacyEvent("le_text", small, null, small.length);
    await legacyEvent("le_gzip", null, await gzip(new TextEncoder().encode(big)), big.length);

    const done = await copyLegacyBodiesEverywhere(env, env.BLOBS, { pageSize: 1 });
    expect(done).toMatchObject({ webhookPayloads: 1, lineageEvents: 2 });

    const delivery = await d1
      .prepare("SELECT payload, payload_sha256, payload_blob_key FROM webhook_deliveries WHERE tenant_id = ? AND id = 'wh_legacy'")
      .bind(t)
      .first();
    expect(delivery).toEqual({
      payload: null,
      payload_sha256: await sha256Hex(payload),
      payload_blob_key: `t/${t}/webhook-payload/${await sha256Hex(payload)}`,
    });
    const events = await d1.prepare("SELECT id, body, body_gzip, body_blob_key FROM lineage_events WHERE tenant_id = ? ORDER BY id").bind(t).all();
    expect(events.results).toEqual([
      { id: "le_gzip", body: null, body_gzip: null, body_blob_key: `t/${t}/lineage-event/${await sha256Hex(big)}` },
      { id: "le_text", body: null, body_gzip: null, body_blob_key: `t/${t}/lineage-event/${await sha256Hex(small)}` },
    ]);
    expect(await (await env.BLOBS.get(`t/${t}/lineage-event/${await sha256Hex(big)}`))!.text()).toBe(big);
    // The API now reads the payload from R2.
    const read = await api("/webhook-deliveries/wh_legacy", { as: s });
    expect(read.status, read.text).toBe(200);
    expect(read.json.payload).toEqual(JSON.parse(payload));
    expect(await copyLegacyBodiesEverywhere(env, env.BLOBS)).toEqual({ artifacts: 0, droppedArtifacts: 0, webhookPayloads: 0, lineageEvents: 0 });
  });
});
