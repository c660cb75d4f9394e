import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { tenantRuns } from "../../worker/durable/client";
import type { TenantRuns } from "../../worker/durable/tenant-runs";
import { api, expectError, type Session } from "../helpers/api";
import { tenantD1 } from "../helpers/tenant-db";
import { addMember } from "../helpers/fixtures";
import { engineTimers, fireAlarm, setEngineTime } from "../helpers/engine";
import { lineageRowCounts, lineageTenant, postEvent } from "../helpers/lineage";
import { dbtFixture, openLineageFixtures } from "../helpers/lineage-fixtures";
import { drain } from "../helpers/wait";

const DAY = 86_400_000;

/** A distinct OpenLineage event (its own run), so each one is stored rather than recognised as a retry. */
function event(n: number): string {
  const e = JSON.parse(openLineageFixtures["openlineage/marquez_event_simple.json"]);
  e.run.runId = crypto.randomUUID();
  e.eventTime = new Date().toISOString();
  e.job.name = `retention-job-${n}`;
  return JSON.stringify(e);
}

/**
 * Runs the tenant's retention as its alarm would at `at` (business time). Waits first for what ingest queued (the
 * dataset signals of the events): one arriving after the clock moved would find the retention timer overdue, arm the
 * real alarm for now, and race this sweep.
 */
async function sweepAt(tenantId: string, at: number) {
  await drain();
  await setEngineTime(tenantId, at);
  const timer = (await engineTimers(tenantId)).find((t) => t.key === "retention");
  expect(timer, "the tenant has a retention timer").toBeDefined();
  expect(await fireAlarm(tenantId)).toBe(true);
}

async function count(table: string, tenantId: string, where = "1 = 1", ...binds: unknown[]) {
  const row = await (await tenantD1(tenantId))
    .prepare(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = ? AND ${where}`)
    .bind(tenantId, ...binds)
    .first<{ n: number }>();
  return row!.n;
}

const usage = async (as: Session | string) => {
  const res = await api("/workspace/usage", { as });
  expect(res.status).toBe(200);
  return res.json as {
    quotas: Record<string, { limit: number; used?: number }>;
    kinds: Array<{ kind: string; bytes: number; objects: number; removed_objects: number; removed_bytes: number }>;
  };
};
const kind = (u: Awaited<ReturnType<typeof usage>>, k: string) => u.kinds.find((x) => x.kind === k)!;

/** Two finished runs of one pipeline and an unfinished one of another, with transition events, all at `at`. */
async function seedRuns(tenantId: string, at: number) {
  const runs = [
    { id: `run_old_${tenantId}`, pipeline: "pl_a", queued: at, finished: at + 1 },
    { id: `run_latest_${tenantId}`, pipeline: "pl_a", queued: at + 10, finished: at + 11 },
    { id: `run_active_${tenantId}`, pipeline: "pl_b", queued: at, finished: null },
  ];
  for (const r of runs) {
    await (await tenantD1(tenantId))
      .prepare(
        "INSERT INTO runs (tenant_id, id, pipeline_id, pipeline_name, team_id, version_id, version, status, attempt, trigger_kind, params, queued_at, finished_at, seq) VALUES (?, ?, ?, ?, 'tm', 'pv', 1, ?, 1, 'manual', '{}', ?, ?, 1)",
      )
      .bind(tenantId, r.id, r.pipeline, r.pipeline, r.finished ? "succeeded" : "running", r.queued, r.finished)
      .run();
    for (const seq of [1, 2])
      await (await tenantD1(tenantId))
        .prepare(
          "INSERT INTO run_events (tenant_id, run_id, seq, at, event_id, from_status, to_status, reason) VALUES (?, ?, ?, ?, ?, 'queued', 'running', 'test')",
        )
        .bind(tenantId, r.id, seq, at, `ev_${r.id}_${seq}`)
        .run();
  }
  return runs;
}

describe("retention", () => {
  it("removes raw events, run events and audit entries once past their age, and keeps the latest run's and unfinished runs' events", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) expect((await postEvent(token, event(i))).status).toBeLessThan(300);
    const [oldRun, latestRun, activeRun] = await seedRuns(t, t0);
    const stored = await usage(token);
    expect(kind(stored, "lineage_event").objects).toBe(3);
    expect(kind(stored, "lineage_event").bytes).toBeGreaterThan(0);
    expect(stored.quotas.storage_bytes.used).toBe(kind(stored, "lineage_event").bytes);

    // Day 29: within every default; nothing goes.
    await sweepAt(t, t0 + 29 * DAY);
    expect(await count("lineage_events", t)).toBe(3);

    // Day 31: raw events are past 30 days; run events (90) and the audit log (365) are not.
    await sweepAt(t, t0 + 31 * DAY);
    expect(await count("lineage_events", t)).toBe(0);
    expect(await count("run_events", t)).toBe(6);
    const after = await usage(token);
    expect(kind(after, "lineage_event")).toMatchObject({ objects: 0, bytes: 0, removed_objects: 3, removed_bytes: kind(stored, "lineage_event").bytes });
    expect(after.quotas.storage_bytes.used).toBe(0);
    // The lineage the events described stays: only the raw bodies go.
    expect((await lineageRowCounts(t)).jobs).toBeGreaterThan(0);

    // Day 91: the older finished run's events go; the pipeline's latest run and the unfinished run keep theirs.
    await sweepAt(t, t0 + 91 * DAY);
    expect(await count("run_events", t, "run_id = ?", oldRun.id)).toBe(0);
    expect(await count("run_events", t, "run_id = ?", latestRun.id)).toBe(2);
    expect(await count("run_events", t, "run_id = ?", activeRun.id)).toBe(2);
    expect(kind(await usage(token), "run_event").removed_objects).toBe(2);

    const audit = await count("audit_log", t);
    expect(audit).toBeGreaterThan(0);
    await sweepAt(t, t0 + 366 * DAY);
    expect(await count("audit_log", t, "at < ?", t0 + DAY)).toBe(0);
    expect(kind(await usage(token), "audit_entry").removed_objects).toBe(audit);
  });

  it("finishes a backlog larger than one batch over several alarms, coming back soon while work remains", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const t0 = Date.now();
    const batch = Array.from({ length: 7 }, (_, i) => JSON.parse(event(i)));
    expect((await api("/lineage/batch", { as: token, body: batch })).json.summary.successful).toBe(7);
    await runInDurableObject(tenantRuns(env, t), (instance) => {
      (instance as unknown as TenantRuns).retentionBatch = 3;
    });
    const at = t0 + 31 * DAY;
    await sweepAt(t, at);
    expect(await count("lineage_events", t)).toBe(4);
    // More remains: the next pass is seconds away, not a day.
    const next = (await engineTimers(t)).find((x) => x.key === "retention")!;
    // (The engine clock set by setEngineTime keeps running: allow the second the pass took.)
    expect(next.due_at - at).toBeGreaterThanOrEqual(5_000);
    expect(next.due_at - at).toBeLessThan(6_000);
    await sweepAt(t, next.due_at);
    expect(await count("lineage_events", t)).toBe(1);
    const third = (await engineTimers(t)).find((x) => x.key === "retention")!;
    await sweepAt(t, third.due_at);
    expect(await count("lineage_events", t)).toBe(0);
    // Done: back to once a day.
    const daily = (await engineTimers(t)).find((x) => x.key === "retention")!;
    expect(daily.due_at - third.due_at).toBeGreaterThanOrEqual(DAY);
    expect(daily.due_at - third.due_at).toBeLessThan(DAY + 1_000);
    expect(kind(await usage(token), "lineage_event").removed_objects).toBe(7);
  });

  it("keeps the newest dbt uploads per project and environment and every project's latest manifest, and deletes a blob only when no upload names it", async () => {
    const { s, token } = await lineageTenant();
    const t = s.tenant.id;
    const base = JSON.parse(dbtFixture("duckdb-1.8/manifest.json"));
    const manifest = (n: number) => ({ ...base, metadata: { ...base.metadata, invocation_id: `00000000-0000-4000-8000-00000000000${n}` } });
    const up = async (environment: string, n: number) => {
      const res = await api("/dbt/artifacts", { as: token, body: { project: "shop", environment, manifest: manifest(n) } });
      expect(res.status).toBe(201);
      return res.json.upload as { id: string };
    };
    const ci1 = await up("ci", 1);
    const ci2 = await up("ci", 2);
    const prod1 = await up("prod", 1); // the same manifest as ci1: one blob for both
    expect((await api("/workspace/retention", { as: s, method: "PATCH", body: { dbt_uploads_kept: 1 } })).status).toBe(200);
    const blobs = async () => (await env.BLOBS.list({ prefix: `t/${t}/` })).objects.map((o) => o.key).sort();
    const before = await blobs();
    expect(before).toHaveLength(2);

    // The PATCH brought the next pass within a minute.
    await sweepAt(t, Date.now() + 61_000);
    const ids = async () =>
      (await (await tenantD1(t)).prepare("SELECT id FROM dbt_uploads WHERE tenant_id = ?").bind(t).all<{ id: string }>()).results.map((r) => r.id).sort();
    expect(await ids()).toEqual([ci2.id, prod1.id].sort());
    expectError(await api(`/dbt/uploads/${ci1.id}`, { as: token }), 404, "not_found");
    // ci1's manifest is prod1's too: its blob stays, and the production state still downloads.
    expect(await blobs()).toEqual(before);
    // The production state Slim CI defers to still downloads, and so does ci's latest.
    expect((await api("/dbt/projects/shop/manifest?env=prod", { as: token })).status).toBe(200);
    expect((await api("/dbt/projects/shop/manifest?env=ci", { as: token })).status).toBe(200);

    // A newer ci upload leaves ci2 unreferenced; its manifest, named by no other upload, leaves R2.
    const keyOf = async (id: string) =>
      (await (await tenantD1(t)).prepare("SELECT manifest_blob_key AS k FROM dbt_uploads WHERE tenant_id = ? AND id = ?").bind(t, id).first<{ k: string }>())!
        .k;
    const [ci2Key, prodKey] = [await keyOf(ci2.id), await keyOf(prod1.id)];
    const ci3 = await up("ci", 3);
    await sweepAt(t, Date.now() + 2 * DAY);
    expect(await ids()).toEqual([ci3.id, prod1.id].sort());
    const after = await blobs();
    expect(after).toEqual([prodKey, await keyOf(ci3.id)].sort());
    expect(after).not.toContain(ci2Key);
    expect(kind(await usage(token), "dbt_upload")).toMatchObject({ objects: 2, removed_objects: 2 });
  });
});

describe("retention settings", () => {
  it("shows the defaults, lets owners and admins change them (audited) and refuses members and bad values naming the field", async () => {
    const { s } = await lineageTenant();
    const got = await api("/workspace/retention", { as: s });
    expect(got.json).toEqual({
      lineage_event_days: 30,
      webhook_payload_days: 30,
      run_event_days: 90,
      audit_log_days: 365,
      dbt_uploads_kept: 30,
      updated_at: null,
    });
    const changed = await api("/workspace/retention", { as: s, method: "PATCH", body: { lineage_event_days: 7 } });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({ lineage_event_days: 7, run_event_days: 90 });
    const audit = await api("/audit-log?action=retention.update", { as: s });
    expect(audit.json.items[0]).toMatchObject({ action: "retention.update", details: { lineageEventDays: 7 } });

    const bad = await api("/workspace/retention", { as: s, method: "PATCH", body: { webhook_payload_days: 2 } });
    expectError(bad, 400, "validation_failed");
    expect(bad.json.error.details[0].path).toBe("webhook_payload_days");
    const unknown = await api("/workspace/retention", { as: s, method: "PATCH", body: { forever: true } });
    expectError(unknown, 400, "validation_failed");
    expect(unknown.json.error.details[0].path).toBe("forever");
    expectError(await api("/workspace/retention", { as: s, method: "PATCH", body: {} }), 400, "validation_failed");

    const member = await addMember(s, "member");
    expectError(await api("/workspace/retention", { as: member, method: "PATCH", body: { audit_log_days: 400 } }), 403, "forbidden");
    expect((await api("/workspace/retention", { as: member })).status).toBe(200);
  });
});
