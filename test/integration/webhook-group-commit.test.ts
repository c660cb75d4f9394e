import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { storeDelivery } from "../../worker/ingest/webhook-delivery";
import { api, signup } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, deliverWebhook, fakeUrl } from "../helpers/tool-fakes";
import { drain } from "../helpers/wait";
import { sign, webhookFixture } from "../helpers/webhook-fixtures";

/**
 * Deliveries of one tenant arriving while another of its deliveries is being written are stored together: one R2
 * object holding their bodies one after another, one D1 batch for their rows (worker/ingest/webhook-delivery.ts).
 * Each is still stored before its 200, reads back as its own body, and counts once.
 */

const SECRET = "whsec-group-commit-91ab";

/** A dbt Cloud delivery with its own eventId (the tool's delivery id). */
function delivery(eventId: string): string {
  const body = JSON.parse(webhookFixture("dbt_cloud_job_run_completed_success.json"));
  body.eventId = eventId;
  return JSON.stringify(body);
}

async function rowsOf(tenantId: string) {
  return (
    await (
      await tenantD1(tenantId)
    )
      .prepare("SELECT id, delivery_id, copies, payload_blob_key, payload_offset, payload_bytes FROM webhook_deliveries WHERE tenant_id = ?")
      .bind(tenantId)
      .all<{ id: string; delivery_id: string; copies: number; payload_blob_key: string; payload_offset: number | null; payload_bytes: number }>()
  ).results;
}

describe("webhook deliveries stored together", () => {
  it("a burst of deliveries is stored before each 200, in fewer objects than deliveries, each reading back as its own body", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt-cloud-group",
      { base_url: fakeUrl("dbt_cloud"), account_id: 1 },
      { api_token: "t", webhook_secret: SECRET },
    );
    const bodies = Array.from({ length: 12 }, (_, i) => delivery(`wev_group_${i}`));
    const answers = await Promise.all(bodies.map(async (body) => deliverWebhook("dbt_cloud", conn.id, { headers: await sign.dbt_cloud(body, SECRET), body })));
    expect(answers.map((a) => a.status)).toEqual(bodies.map(() => 200));
    // Stored before the answers: no draining needed to find every row.
    const rows = await rowsOf(s.tenant.id);
    expect(rows.map((r) => r.delivery_id).sort()).toEqual(bodies.map((_, i) => `wev_group_${i}`).sort());
    expect(new Set(rows.map((r) => r.payload_blob_key)).size).toBeLessThan(rows.length);
    expect(rows.some((r) => r.payload_offset !== null && r.payload_offset > 0)).toBe(true);

    for (const row of rows) {
      const detail = await api(`/webhook-deliveries/${row.id}`, { as: s });
      expect(detail.status, detail.text).toBe(200);
      expect(detail.json.payload).toEqual(JSON.parse(bodies[Number(row.delivery_id.replace("wev_group_", ""))]));
    }
    const usage = (await api("/workspace/usage", { as: s })).json.kinds.find((k: { kind: string }) => k.kind === "webhook_payload");
    expect(usage).toMatchObject({ objects: 12, bytes: rows.reduce((n, r) => n + r.payload_bytes, 0) });
    await drain();
  });

  it("copies of one delivery arriving at the same moment make one row counting every copy", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt-cloud-copies",
      { base_url: fakeUrl("dbt_cloud"), account_id: 1 },
      { api_token: "t", webhook_secret: SECRET },
    );
    const body = delivery("wev_copies");
    const headers = await sign.dbt_cloud(body, SECRET);
    // One delivery first keeps a write in flight, so the copies gather behind it and are stored together.
    const answers = await Promise.all([
      deliverWebhook("dbt_cloud", conn.id, { headers: await sign.dbt_cloud(delivery("wev_first"), SECRET), body: delivery("wev_first") }),
      ...Array.from({ length: 6 }, () => deliverWebhook("dbt_cloud", conn.id, { headers, body })),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const rows = (await rowsOf(s.tenant.id)).filter((r) => r.delivery_id === "wev_copies");
    expect(rows).toHaveLength(1);
    expect(rows[0].copies).toBe(6);
    const usage = (await api("/workspace/usage", { as: s })).json.kinds.find((k: { kind: string }) => k.kind === "webhook_payload");
    expect(usage.objects).toBe(2);
    await drain();
  });

  it("a delivery whose row cannot be written fails alone; the others of its group are stored", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const base = { teamId: "team_x", connector: "dbt_cloud", connectionId: "conn_x", eventType: "e", externalId: null, receivedAt: Date.now() };
    const body = (i: number) => new TextEncoder().encode(`{"i":${i}}`);
    const results = await Promise.allSettled([
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "lead" }, body(0)),
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "a" }, body(1)),
      // NOT NULL column: this row's insert fails, and with it the group's batch.
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "bad", eventType: null as unknown as string }, body(2)),
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "b" }, body(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect((await rowsOf(s.tenant.id)).map((r) => r.delivery_id).sort()).toEqual(["a", "b", "lead"]);
  });
});
