import { tenantContext } from "../../worker/db/shards";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { setQuotaOverrides } from "../../worker/db/repo/platform/storage-usage";
import { tenantLimits } from "../../worker/durable/client";
import type { TenantLimits } from "../../worker/durable/tenant-limits";
import { api, expectError } from "../helpers/api";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";

function event(n: number): string {
  const e = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  e.run.runId = crypto.randomUUID();
  e.eventTime = new Date().toISOString();
  e.job.name = `quota-job-${n}`;
  return JSON.stringify(e);
}

/** What an operator does with `npm run quotas` (scripts/quotas.ts calls the same function). */
const setQuotas = async (tenantId: string, change: Parameters<typeof setQuotaOverrides>[2]) =>
  setQuotaOverrides((await tenantContext(env, tenantId)).db, tenantId, change, Date.now());

describe("quotas", () => {
  it("shows the defaults with the current use", async () => {
    const { s, token } = await lineageTenant();
    expect((await postEvent(token, event(0))).status).toBeLessThan(300);
    const u = (await api("/workspace/usage", { as: s })).json;
    expect(u.quotas.storage_bytes.limit).toBe(5 * 1024 ** 3);
    expect(u.quotas.objects).toEqual({ limit: 1_000_000, used: 1 });
    expect(u.quotas.storage_bytes.used).toBeGreaterThan(0);
    expect(u.quotas.set_by_operator_at).toBeNull();
  });

  it("refuses lineage past the object quota with 413 naming the quota, stores nothing, and leaves another tenant alone", async () => {
    const a = await lineageTenant();
    const b = await lineageTenant();
    await setQuotas(a.s.tenant.id, { objects: 2 });
    for (let i = 0; i < 2; i++) expect((await postEvent(a.token, event(i))).status).toBeLessThan(300);
    const before = await lineageRowCounts(a.s.tenant.id);
    const refused = await postEvent(a.token, event(9));
    expectError(refused, 413, "payload_too_large");
    expect(refused.json.error.details).toEqual([{ path: "quota.objects", message: "2 of 2 objects used" }]);
    expect(refused.json.error.message).toContain(`npm run quotas -- --remote --tenant ${a.s.tenant.id} --objects N`);
    // A batch that would cross it is refused whole.
    expectError(await api("/lineage/batch", { as: a.token, body: [JSON.parse(event(10))] }), 413, "payload_too_large");
    expect(await lineageRowCounts(a.s.tenant.id)).toEqual(before);
    for (let i = 0; i < 3; i++) expect((await postEvent(b.token, event(i))).status).toBeLessThan(300);
    expect((await api("/workspace/usage", { as: a.s })).json.quotas.objects).toEqual({ limit: 2, used: 2 });
  });

  it("refuses a dbt upload past the storage quota with 413 and stores neither rows nor blobs; raising the quota lets it in", async () => {
    const { s, token } = await lineageTenant();
    await setQuotas(s.tenant.id, { storageBytes: 1000 });
    const body = { project: "shop", environment: "prod", manifest: JSON.parse(dbtFixture("duckdb-1.8/manifest.json")) };
    const refused = await api("/dbt/artifacts", { as: token, body });
    expectError(refused, 413, "payload_too_large");
    expect(refused.json.error.details[0]).toEqual({ path: "quota.storage_bytes", message: "0 of 1000 bytes used" });
    expect(refused.json.error.message).toMatch(/storage quota reached.*--storage-bytes N/);
    const counts = await lineageRowCounts(s.tenant.id);
    expect(counts.dbt_uploads).toBe(0);
    expect(counts.blobs).toBe(0);
    await setQuotas(s.tenant.id, { storageBytes: null });
    expect((await api("/dbt/artifacts", { as: token, body })).status).toBe(201);
    const u = (await api("/workspace/usage", { as: s })).json;
    expect(u.kinds.find((k: { kind: string }) => k.kind === "dbt_upload")).toMatchObject({ objects: 1 });
    expect(u.quotas.set_by_operator_at).not.toBeNull();
  });

  it("an operator's ingest quota for one tenant replaces the deployment's rate: 429 naming the quota and how to raise it", async () => {
    const a = await lineageTenant();
    const b = await lineageTenant();
    await setQuotas(a.s.tenant.id, { ingestPerMinute: 2 });
    // 15 s into a minute, for both tenants' counters: the window cannot end between the requests.
    const pinned = Date.UTC(2030, 0, 1, 12, 0, 15);
    for (const t of [a, b])
      await runInDurableObject(tenantLimits(env, t.s.tenant.id), (instance) => {
        (instance as unknown as TenantLimits).clock = { now: () => pinned };
      });
    for (let i = 0; i < 2; i++) expect((await postEvent(a.token, event(i))).status).toBeLessThan(300);
    const refused = await postEvent(a.token, event(2));
    expectError(refused, 429, "rate_limited");
    expect(refused.headers.get("retry-after")).toBe("45");
    expect(refused.json.error.details).toEqual([{ path: "quota.ingest_requests_per_minute", message: "at most 2 ingest requests per minute per workspace" }]);
    expect(refused.json.error.message).toContain(`npm run quotas -- --remote --tenant ${a.s.tenant.id} --ingest-per-minute N`);
    for (let i = 0; i < 3; i++) expect((await postEvent(b.token, event(i))).status).toBeLessThan(300);
    expect((await api("/workspace/usage", { as: a.s })).json.quotas.ingest_requests_per_minute).toEqual({ limit: 2 });
  });
});
