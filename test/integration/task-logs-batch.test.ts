import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redactor } from "../../worker/connectors/redact";
import { createDb, tenantCtx, type TenantCtx } from "../../worker/db/client";
import { getTaskLog } from "../../worker/db/repo/runs/task-logs";
import { runBatch } from "../../worker/db/statements";
import { prepareAttemptLog } from "../../worker/logs/capture";
import { prepareLogWrites } from "../../worker/logs/store-batch";
import { signup } from "../helpers/api";
import { setupTenant } from "../helpers/pipelines";
import { connectionUseStatements } from "../../worker/db/repo/connections/connections";
import { newId } from "../../worker/lib/ids";

/**
 * The run engine's object stores the logs of the dispatches it performs from its outbox, several per flush, with their
 * rows in the flush's one D1 batch (worker/logs/store-batch.ts). A flush may run again after a crash.
 */

const ref = { runId: "run_batchlogs0000000001", taskKey: "load", attempt: 1, source: "http" };

async function flush(ctx: TenantCtx, logs: ReturnType<typeof prepareAttemptLog>[]) {
  const writes = await prepareLogWrites(ctx, env.BLOBS, logs);
  const results = await runBatch(ctx, writes.statements);
  await writes.settle(results);
}

const stored = async (tenantId: string) => (await env.BLOBS.list({ prefix: `t/${tenantId}/task-log/` })).objects.map((o) => o.key);
const usage = async (ctx: TenantCtx) =>
  env.DB.prepare("SELECT bytes, objects FROM storage_usage WHERE tenant_id = ? AND kind = 'task_log'")
    .bind(ctx.tenantId)
    .first<{ bytes: number; objects: number }>();

describe("task logs stored from the run engine's outbox", () => {
  it("two fetches of one attempt in one flush leave the final one: one row, one object, counted once", async () => {
    const s = await signup();
    const ctx = tenantCtx(createDb(env.DB), s.tenant.id);
    const running = prepareAttemptLog(ref, "step 1\n", { complete: false, redactor: redactor(), now: 1000 });
    const final = prepareAttemptLog(ref, "step 1\nstep 2\ndone\n", { complete: true, redactor: redactor(), now: 2000 });
    await flush(ctx, [running, final]);
    const row = await getTaskLog(ctx, ref);
    expect(row).toMatchObject({ complete: true, bytes: final.bytes, fetchedAt: 2000 });
    expect(await stored(s.tenant.id)).toEqual([expect.stringMatching(/\/2000$/)]);
    expect(await usage(ctx)).toEqual({ bytes: final.bytes, objects: 1 });
  });

  it("a flush written again (after a crash) changes nothing, and a late running fetch does not replace the final log", async () => {
    const s = await signup();
    const ctx = tenantCtx(createDb(env.DB), s.tenant.id);
    const final = prepareAttemptLog(ref, "all done\n", { complete: true, redactor: redactor(), now: 3000 });
    await flush(ctx, [final]);
    await flush(ctx, [final]);
    await flush(ctx, [prepareAttemptLog(ref, "late\n", { complete: false, redactor: redactor(), now: 4000 })]);
    expect(await getTaskLog(ctx, ref)).toMatchObject({ complete: true, bytes: final.bytes, fetchedAt: 3000 });
    expect(await stored(s.tenant.id)).toEqual([expect.stringMatching(/\/3000$/)]);
    expect(await usage(ctx)).toEqual({ bytes: final.bytes, objects: 1 });
  });
});

describe("connection uses written from the run engine's outbox", () => {
  it("a use written twice (a flush repeated after a crash) is one audit entry", async () => {
    const { s, team } = await setupTenant();
    const ctx = tenantCtx(createDb(env.DB), s.tenant.id);
    const conn = await env.DB.prepare("SELECT id, name FROM connections WHERE tenant_id = ? AND team_id = ?")
      .bind(ctx.tenantId, team.id)
      .first<{ id: string; name: string }>();
    const use = { runId: "run_batchuses0000000001", taskKey: "load", attempt: 1, now: 5000, auditId: newId("audit") };
    for (let i = 0; i < 2; i++) await runBatch(ctx, connectionUseStatements(ctx, { id: conn!.id, teamId: team.id, name: conn!.name }, use));
    const entries = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = ? AND action = 'connection.used'")
      .bind(ctx.tenantId)
      .first<{ n: number }>();
    expect(entries?.n).toBe(1);
  });
});
