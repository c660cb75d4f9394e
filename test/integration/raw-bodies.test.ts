import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantBlobs } from "../../worker/blobs/store";
import { setQuotaOverrides } from "../../worker/db/repo/platform/storage-usage";
import { ingestOpenLineageEvents } from "../../worker/ingest/openlineage";
import { storeDelivery } from "../../worker/ingest/webhook-delivery";
import { ingestWriter } from "../../worker/ingest/writer";
import { sha256Hex } from "../../worker/lib/hash";
import { api, expectError, signup, type Session } from "../helpers/api";
import { engineTimers, fireAlarm, setEngineTime } from "../helpers/engine";
import { lineageTenant, postEvent } from "../helpers/lineage";
import { openLineageFixtures } from "../helpers/lineage-fixtures";
import { setupTenant } from "../helpers/pipelines";
import { createConnection, deliverWebhook, fakeUrl } from "../helpers/tool-fakes";
import { drain } from "../helpers/wait";
import { sign, webhookFixture } from "../helpers/webhook-fixtures";
import { tenantD1 } from "../helpers/tenant-db";

/**
 * Raw webhook payloads and raw OpenLineage events live in R2 (worker/blobs/raw-bodies.ts): D1 keeps only their
 * size, hash and key. Real R2 in the pool.
 */

const DAY = 86_400_000;
const SECRET = "whsec-raw-bodies-5c1e";

function event(jobName: string): string {
  const e = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  e.run.runId = crypto.randomUUID();
  e.eventTime = new Date().toISOString();
  e.job.name = jobName;
  return JSON.stringify(e);
}

const objects = async (tenantId: string, kind: string) => (await env.BLOBS.list({ prefix: `t/${tenantId}/${kind}/` })).objects.map((o) => o.key);

async function count(table: string, tenantId: string) {
  return (await (await tenantD1(tenantId)).prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ?`).bind(tenantId).first<{ n: number }>())!.n;
}

async function usageOf(as: Session | string, kind: string) {
  const res = await api("/workspace/usage", { as });
  expect(res.status).toBe(200);
  return (res.json.kinds as Array<{ kind: string; bytes: number; objects: number; removed_bytes: number; removed_objects: number }>).find(
    (k) => k.kind === kind,
  );
}

/** An R2 bucket whose puts fail (an outage), reads and lists passing through. */
function failingPuts(bucket: R2Bucket): R2Bucket {
  return new Proxy(bucket, {
    get(target, prop) {
      if (prop === "put") return () => Promise.reject(new Error("R2 unavailable"));
      const value = Reflect.get(target, prop);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function sweepAt(tenantId: string, at: number) {
  await drain();
  await setEngineTime(tenantId, at);
  expect((await engineTimers(tenantId)).some((t) => t.key === "retention")).toBe(true);
  expect(await fireAlarm(tenantId)).toBe(true);
}

describe("raw webhook payloads in R2", () => {
  it("a verified delivery's body lands in R2, not D1, and the delivery's page reads it back; another tenant's id answers 404", async () => {
    const { s, team } = await setupTenant();
    const conn = await createConnection(
      s,
      team.id,
      "dbt_cloud",
      "dbt-cloud-raw",
      { base_url: fakeUrl("dbt_cloud"), account_id: 1 },
      { api_token: "t", webhook_secret: SECRET },
    );
    const body = webhookFixture("dbt_cloud_job_run_completed_success.json");
    expect((await deliverWebhook("dbt_cloud", conn.id, { headers: await sign.dbt_cloud(body, SECRET), body })).status).toBe(200);
    await drain();

    const sha = await sha256Hex(body);
    const row = await (await tenantD1(s.tenant.id))
      .prepare("SELECT id, payload, payload_bytes, payload_sha256, payload_blob_key FROM webhook_deliveries WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .first<{ id: string }>();
    expect(row).toEqual({
      id: expect.any(String),
      payload: null,
      payload_bytes: new TextEncoder().encode(body).length,
      payload_sha256: sha,
      payload_blob_key: `t/${s.tenant.id}/webhook-payload/${sha}`,
    });
    expect(await (await env.BLOBS.get(`t/${s.tenant.id}/webhook-payload/${sha}`))!.text()).toBe(body);

    const detail = await api(`/webhook-deliveries/${row!.id}`, { as: s });
    expect(detail.status, detail.text).toBe(200);
    expect(detail.json.payload).toEqual(JSON.parse(body));
    // The quota counts the payload's bytes.
    expect(await usageOf(s, "webhook_payload")).toMatchObject({ objects: 1, bytes: new TextEncoder().encode(body).length });

    const stranger = await signup();
    expectError(await api(`/webhook-deliveries/${row!.id}`, { as: stranger }), 404, "not_found");
  });

  it("identical bodies of two deliveries are one object; each delivery counts its bytes", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const body = new TextEncoder().encode('{"same":"body"}');
    const base = { teamId: "team_x", connector: "dbt_cloud", connectionId: "conn_x", eventType: "job.run.completed", externalId: null, receivedAt: Date.now() };
    const [a, b] = await Promise.all([
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "one" }, body),
      storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "two" }, body),
    ]);
    expect(a.delivery.id).not.toBe(b.delivery.id);
    expect(a.delivery.payloadBlobKey).toBe(b.delivery.payloadBlobKey);
    expect(await objects(s.tenant.id, "webhook-payload")).toEqual([a.delivery.payloadBlobKey]);
    expect(await usageOf(s, "webhook_payload")).toMatchObject({ objects: 2, bytes: 2 * body.length });
  });

  it("when the R2 put fails, no row is written and the error reaches the caller (the tool retries)", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const delivery = {
      teamId: "team_x",
      connector: "dbt_cloud",
      connectionId: "conn_x",
      deliveryId: "d",
      eventType: "e",
      externalId: null,
      receivedAt: Date.now(),
    };
    await expect(storeDelivery(failingPuts(env.BLOBS), ctx, delivery, new TextEncoder().encode("{}"))).rejects.toThrow(/R2 unavailable/);
    expect(await count("webhook_deliveries", s.tenant.id)).toBe(0);
    expect(await usageOf(s, "webhook_payload")).toMatchObject({ objects: 0, bytes: 0 });
    // Sent again once R2 is back, it is stored as a first delivery.
    const again = await storeDelivery(env.BLOBS, ctx, delivery, new TextEncoder().encode("{}"));
    expect(again.inserted).toBe(true);
  });
});

describe("raw OpenLineage events in R2", () => {
  it("an event's body lands in R2, not D1, and its run's events read it back; a retry stores nothing more", async () => {
    const { s, token } = await lineageTenant();
    const text = event("raw-bodies.job");
    expect((await postEvent(token, text)).status).toBe(201);
    expect((await postEvent(token, text)).json.status).toBe("duplicate");
    const sha = await sha256Hex(text);
    const rows = await (await tenantD1(s.tenant.id))
      .prepare("SELECT body, body_gzip, body_sha256, body_blob_key, size_bytes FROM lineage_events WHERE tenant_id = ?")
      .bind(s.tenant.id)
      .all();
    expect(rows.results).toEqual([
      {
        body: null,
        body_gzip: null,
        body_sha256: sha,
        body_blob_key: `t/${s.tenant.id}/lineage-event/${sha}`,
        size_bytes: new TextEncoder().encode(text).length,
      },
    ]);
    expect(await objects(s.tenant.id, "lineage-event")).toEqual([`t/${s.tenant.id}/lineage-event/${sha}`]);

    const job = (await api("/jobs?name=raw-bodies.job", { as: token })).json.items[0];
    const run = (await api(`/jobs/${job.id}/runs`, { as: token })).json.items[0];
    const events = await api(`/job-runs/${run.id}/events`, { as: token });
    expect(events.status).toBe(200);
    expect(events.json.items.map((e: { event: unknown }) => e.event)).toEqual([JSON.parse(text)]);
    expect(await usageOf(token, "lineage_event")).toMatchObject({ objects: 1, bytes: new TextEncoder().encode(text).length });
  });

  it("past the storage quota an event is refused with 413 and nothing lands in R2 or D1", async () => {
    const { s, token } = await lineageTenant();
    await setQuotaOverrides((await tenantContext(env, s.tenant.id)).db, s.tenant.id, { storageBytes: 100 }, Date.now());
    const res = await postEvent(token, event("raw-bodies.quota"));
    expectError(res, 413, "payload_too_large");
    expect(await count("lineage_events", s.tenant.id)).toBe(0);
    expect(await objects(s.tenant.id, "lineage-event")).toEqual([]);
  });

  it("when the R2 put fails, the event is answered retriable and nothing of it is stored; sent again it is stored", async () => {
    const { s } = await lineageTenant();
    const ctx = await tenantContext(env, s.tenant.id);
    const audit = { principal: { actor: { type: "system" as const, id: "test", label: "test" } }, ip: null, requestId: null, now: Date.now() };
    const text = event("raw-bodies.outage");
    const items = [{ raw: JSON.parse(text), body: text }];
    const [failed] = await ingestOpenLineageEvents(ctx, tenantBlobs(failingPuts(env.BLOBS), ctx), audit, ingestWriter(null, null), items);
    expect(failed).toMatchObject({ ok: false, status: 500, retriable: true });
    expect(await count("lineage_events", s.tenant.id)).toBe(0);
    expect(await count("jobs", s.tenant.id)).toBe(0);
    expect(await usageOf(s, "lineage_event")).toMatchObject({ objects: 0, bytes: 0 });
    const [stored] = await ingestOpenLineageEvents(ctx, tenantBlobs(env.BLOBS, ctx), audit, ingestWriter(null, null), items);
    expect(stored).toMatchObject({ ok: true, duplicate: false });
    expect(await count("lineage_events", s.tenant.id)).toBe(1);
  });
});

describe("the events of one request share one object", () => {
  it("a batch's bodies are one R2 object, each event reading back as its own body; retention removes the object with its last row", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const texts = [0, 1, 2].map((i) => event(`raw-bodies.pack-${i}`));
    const res = await api("/lineage/batch", { as: token, rawBody: `[${texts.join(",")}]`, headers: { "content-type": "application/json" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.summary).toMatchObject({ received: 3, successful: 3 });
    // The batch endpoint stores each event as its array element re-serialised.
    const stored = texts.map((text) => JSON.stringify(JSON.parse(text)));
    const rows = (
      await (
        await tenantD1(t)
      )
        .prepare("SELECT body_blob_key, body_offset, body_sha256, size_bytes FROM lineage_events WHERE tenant_id = ? ORDER BY body_offset")
        .bind(t)
        .all<{ body_blob_key: string; body_offset: number; body_sha256: string; size_bytes: number }>()
    ).results;
    expect(new Set(rows.map((r) => r.body_blob_key)).size).toBe(1);
    expect(await objects(t, "lineage-event")).toEqual([rows[0].body_blob_key]);
    expect(rows.map((r) => r.body_offset)).toEqual([0, rows[0].size_bytes, rows[0].size_bytes + rows[1].size_bytes]);
    expect(rows.map((r) => r.body_sha256).sort()).toEqual((await Promise.all(stored.map((x) => sha256Hex(x)))).sort());
    expect(await usageOf(token, "lineage_event")).toMatchObject({ objects: 3, bytes: rows.reduce((n, r) => n + r.size_bytes, 0) });

    for (const [i, text] of texts.entries()) {
      const job = (await api(`/jobs?name=raw-bodies.pack-${i}`, { as: token })).json.items[0];
      const run = (await api(`/jobs/${job.id}/runs`, { as: token })).json.items[0];
      const events = await api(`/job-runs/${run.id}/events`, { as: token });
      expect(events.status).toBe(200);
      expect(events.json.items.map((e: { event: unknown }) => e.event)).toEqual([JSON.parse(text)]);
    }

    await sweepAt(t, Date.now() + 31 * DAY);
    expect(await count("lineage_events", t)).toBe(0);
    expect(await objects(t, "lineage-event")).toEqual([]);
  });

  it("events sent again, alone or beside a new one, leave no object only duplicates' bodies fill; the new one's rows name theirs", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const texts = [0, 1].map((i) => event(`raw-bodies.again-${i}`));
    const batch = (list: string[]) => api("/lineage/batch", { as: token, rawBody: `[${list.join(",")}]`, headers: { "content-type": "application/json" } });
    expect((await batch(texts)).json.summary).toMatchObject({ received: 2, successful: 2 });
    const first = await objects(t, "lineage-event");
    expect(first).toHaveLength(1);

    // The bodies are put while the lookups run, so a request of duplicates puts an object of its own: it goes again.
    expect((await postEvent(token, texts[0])).json.status).toBe("duplicate");
    const again = await batch([texts[1], texts[0]]);
    expect(again.json.summary).toMatchObject({ received: 2, successful: 2 });
    expect(await objects(t, "lineage-event")).toEqual(first);

    const fresh = event("raw-bodies.again-new");
    expect((await batch([texts[0], fresh])).json.summary).toMatchObject({ received: 2, successful: 2 });
    const keys = (await (await tenantD1(t)).prepare("SELECT DISTINCT body_blob_key AS k FROM lineage_events WHERE tenant_id = ?").bind(t).all<{ k: string }>())
      .results;
    expect((await objects(t, "lineage-event")).sort()).toEqual(keys.map((r) => r.k).sort());
    expect(await count("lineage_events", t)).toBe(3);
  });
});

describe("retention of raw bodies", () => {
  it("removes expired rows and their R2 objects together, keeps an object a younger row still names, and counts what went", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const t0 = Date.now();
    const ctx = await tenantContext(env, t);
    for (let i = 0; i < 3; i++) expect((await postEvent(token, event(`raw-bodies.retention-${i}`))).status).toBe(201);
    const base = { teamId: "team_x", connector: "dbt_cloud", connectionId: "conn_x", eventType: "e", externalId: null };
    const shared = new TextEncoder().encode('{"shared":true}');
    await storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "old", receivedAt: t0 }, shared);
    await storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "old-own", receivedAt: t0 }, new TextEncoder().encode('{"own":true}'));
    // The same body again 20 days later: its object must outlive the older delivery.
    await storeDelivery(env.BLOBS, ctx, { ...base, deliveryId: "young", receivedAt: t0 + 20 * DAY }, shared);
    expect(await objects(t, "lineage-event")).toHaveLength(3);
    expect(await objects(t, "webhook-payload")).toHaveLength(2);
    const before = await usageOf(token, "lineage_event");

    await sweepAt(t, t0 + 31 * DAY);
    expect(await count("lineage_events", t)).toBe(0);
    expect(await objects(t, "lineage-event")).toEqual([]);
    expect(await count("webhook_deliveries", t)).toBe(1);
    expect(await objects(t, "webhook-payload")).toEqual([`t/${t}/webhook-payload/${await sha256Hex(shared)}`]);
    expect(await usageOf(token, "lineage_event")).toMatchObject({ objects: 0, bytes: 0, removed_objects: 3, removed_bytes: before!.bytes });
    expect(await usageOf(token, "webhook_payload")).toMatchObject({ objects: 1, removed_objects: 2 });

    await sweepAt(t, t0 + 51 * DAY);
    expect(await count("webhook_deliveries", t)).toBe(0);
    expect(await objects(t, "webhook-payload")).toEqual([]);
    expect(await usageOf(token, "webhook_payload")).toMatchObject({ objects: 0, bytes: 0, removed_objects: 3 });
  });
});
