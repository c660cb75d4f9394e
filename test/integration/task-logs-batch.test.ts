import { tenantContext } from "../../worker/db/shards";
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { redactor } from "../../worker/connectors/redact";
import type { TenantCtx } from "../../worker/db/client";
import { getTaskLog } from "../../worker/db/repo/runs/task-logs";
import { runBatch } from "../../worker/db/statements";
import { prepareAttemptLog, TASK_LOG_INLINE_MAX_BYTES } from "../../worker/logs/capture";
import { readAttemptLog } from "../../worker/logs/read";
import { prepareLogWrites } from "../../worker/logs/store-batch";
import { signup } from "../helpers/api";
import { setupTenant } from "../helpers/pipelines";
import { connectionUseStatements } from "../../worker/db/repo/connections/connections";
import { newId } from "../../worker/lib/ids";
import { tenantD1 } from "../helpers/tenant-db";

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

/** R2 objects of the tenant's task logs. */
const objects = async (tenantId: string) => (await env.BLOBS.list({ prefix: `t/${tenantId}/task-log/` })).objects.map((o) => o.key);
/** The attempt's row: the version it names, and the log when the row holds it. */
const rowOf = async (ctx: TenantCtx) =>
  (await tenantD1(ctx.tenantId))
    .prepare("SELECT blob_key, content FROM task_logs WHERE tenant_id = ? AND run_id = ? AND task_key = ? AND attempt = ?")
    .bind(ctx.tenantId, ref.runId, ref.taskKey, ref.attempt)
    .first<{ blob_key: string; content: string | null }>();
/** A log of `lines` numbered lines. */
const longLog = (lines: number, word: string) => Array.from({ length: lines }, (_, i) => `${word} line ${i} ${"x".repeat(60)}\n`).join("");
const usage = async (ctx: TenantCtx) =>
  (await tenantD1(ctx.tenantId))
    .prepare("SELECT bytes, objects FROM storage_usage WHERE tenant_id = ? AND kind = 'task_log'")
    .bind(ctx.tenantId)
    .first<{ bytes: number; objects: number }>();

describe("task logs stored from the run engine's outbox", () => {
  it("two fetches of one attempt in one flush leave the final one: one row, one object, counted once", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const running = prepareAttemptLog(ref, "step 1\n", { complete: false, redactor: redactor(), now: 1000 });
    const final = prepareAttemptLog(ref, "step 1\nstep 2\ndone\n", { complete: true, redactor: redactor(), now: 2000 });
    await flush(ctx, [running, final]);
    const row = await getTaskLog(ctx, ref);
    expect(row).toMatchObject({ complete: true, bytes: final.bytes, fetchedAt: 2000, content: final.text });
    expect(row?.blobKey).toMatch(/\/2000$/);
    // Short: the row holds it, R2 nothing.
    expect(await objects(s.tenant.id)).toEqual([]);
    expect(await usage(ctx)).toEqual({ bytes: final.bytes, objects: 1 });
  });

  it("a flush written again (after a crash) changes nothing, and a late running fetch does not replace the final log", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const final = prepareAttemptLog(ref, "all done\n", { complete: true, redactor: redactor(), now: 3000 });
    await flush(ctx, [final]);
    await flush(ctx, [final]);
    await flush(ctx, [prepareAttemptLog(ref, "late\n", { complete: false, redactor: redactor(), now: 4000 })]);
    expect(await getTaskLog(ctx, ref)).toMatchObject({ complete: true, bytes: final.bytes, fetchedAt: 3000, content: "all done\n" });
    expect(await objects(s.tenant.id)).toEqual([]);
    expect(await usage(ctx)).toEqual({ bytes: final.bytes, objects: 1 });
  });

  it("a short log lives in its row, a long one in R2; a version replacing the other leaves no object behind", async () => {
    const s = await signup();
    const ctx = await tenantContext(env, s.tenant.id);
    const long = prepareAttemptLog(ref, longLog(100, "running"), { complete: false, redactor: redactor(), now: 1000 });
    expect(long.bytes).toBeGreaterThan(TASK_LOG_INLINE_MAX_BYTES);
    await flush(ctx, [long]);
    expect(await rowOf(ctx)).toEqual({ blob_key: expect.stringMatching(/\/1000$/), content: null });
    expect(await objects(s.tenant.id)).toEqual([expect.stringMatching(/\/1000$/)]);

    // The final version is short: its row holds it and the long version's object goes.
    const short = prepareAttemptLog(ref, "done\n", { complete: true, redactor: redactor(), now: 2000 });
    await flush(ctx, [short]);
    expect(await rowOf(ctx)).toEqual({ blob_key: expect.stringMatching(/\/2000$/), content: "done\n" });
    expect(await objects(s.tenant.id)).toEqual([]);
    expect(await usage(ctx)).toEqual({ bytes: short.bytes, objects: 1 });
    const read = await readAttemptLog(ctx, env.BLOBS, (await getTaskLog(ctx, ref))!, 2, 100);
    expect(read).toEqual({ content: "ne\n", offset: 2, nextAfter: 5, size: 5 });

    // Another attempt: short while running, long at the end, in one flush.
    const second = { ...ref, attempt: 2 };
    await flush(ctx, [
      prepareAttemptLog(second, "starting\n", { complete: false, redactor: redactor(), now: 3000 }),
      prepareAttemptLog(second, longLog(100, "final"), { complete: true, redactor: redactor(), now: 4000 }),
    ]);
    expect(await objects(s.tenant.id)).toEqual([expect.stringMatching(/\/2\/4000$/)]);
    const stored = (await getTaskLog(ctx, second))!;
    expect(stored.content).toBeNull();
    expect((await readAttemptLog(ctx, env.BLOBS, stored, 0, 20)).content).toBe("final line 0 xxxxxxx");
  });
});

describe("connection uses written from the run engine's outbox", () => {
  it("a use written twice (a flush repeated after a crash) is one audit entry", async () => {
    const { s, team } = await setupTenant();
    const ctx = await tenantContext(env, s.tenant.id);
    const conn = await (await tenantD1(ctx.tenantId))
      .prepare("SELECT id, name FROM connections WHERE tenant_id = ? AND team_id = ?")
      .bind(ctx.tenantId, team.id)
      .first<{ id: string; name: string }>();
    const use = { runId: "run_batchuses0000000001", taskKey: "load", attempt: 1, now: 5000, auditId: newId("audit") };
    for (let i = 0; i < 2; i++) await runBatch(ctx, connectionUseStatements(ctx, { id: conn!.id, teamId: team.id, name: conn!.name }, use));
    const entries = await (await tenantD1(ctx.tenantId))
      .prepare("SELECT COUNT(*) AS n FROM audit_log WHERE tenant_id = ? AND action = 'connection.used'")
      .bind(ctx.tenantId)
      .first<{ n: number }>();
    expect(entries?.n).toBe(1);
  });
});
