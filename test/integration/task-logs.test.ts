import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fakeCredentials } from "../fakes/credentials";
import { api, expectError, signup, type Session } from "../helpers/api";
import { engineTimers, fireAlarm, setEngineTime, waitForRun } from "../helpers/engine";
import { pushPipeline, setupTenant } from "../helpers/pipelines";
import { createConnection, fakePlan, fakeUrl, pollToEnd, startRun, uniqueNumber } from "../helpers/tool-fakes";
import { drain, eventually } from "../helpers/wait";
import { tenantD1 } from "../helpers/tenant-db";

const DAY = 86_400_000;
const dbt = fakeCredentials.dbt_cloud;

interface LogChunk {
  task: string;
  attempt: number;
  source: string;
  size: number;
  dropped_bytes: number;
  truncated: boolean;
  complete: boolean;
  offset: number;
  content: string;
  next_after: number;
}

const logPath = (runId: string, task: string, attempt = 1) => `/runs/${runId}/tasks/${task}/attempts/${attempt}/log`;

async function readLog(s: Session | string, runId: string, task: string, query = ""): Promise<LogChunk> {
  const res = await api(`${logPath(runId, task)}${query}`, { as: s });
  expect(res.status, res.text).toBe(200);
  return res.json as LogChunk;
}

async function dbtPipeline(s: Session, teamSlug: string, name: string, jobId: number) {
  await pushPipeline(s, {
    name,
    team: teamSlug,
    tasks: [{ id: "build", connector: "dbt_cloud", connection: "dbt", with: { job_id: jobId, steps_override: ["dbt build"] }, poll_interval: "1s" }],
  });
}

async function dbtTenant() {
  const { s, team } = await setupTenant();
  await createConnection(s, team.id, "dbt_cloud", "dbt", { base_url: fakeUrl("dbt_cloud"), account_id: dbt.accountId }, { api_token: dbt.api_token });
  return { s, team };
}

const usageOf = async (s: Session, kind: string) => {
  const res = await api("/workspace/usage", { as: s });
  return (res.json.kinds as Array<{ kind: string; bytes: number; objects: number; removed_objects: number }>).find((k) => k.kind === kind)!;
};

/** The tenant's stored task logs: R2 objects, and the D1 rows that hold a short log themselves (TASK_LOG_INLINE_MAX_BYTES). */
const storedLogs = async (tenantId: string): Promise<Array<{ key: string; text: string }>> => {
  const objects = (await env.BLOBS.list({ prefix: `t/${tenantId}/task-log/` })).objects;
  const inR2 = await Promise.all(objects.map(async (o) => ({ key: o.key, text: await (await env.BLOBS.get(o.key))!.text() })));
  const rows = await (await tenantD1(tenantId))
    .prepare("SELECT blob_key, content FROM task_logs WHERE tenant_id = ? AND content IS NOT NULL")
    .bind(tenantId)
    .all<{ blob_key: string; content: string }>();
  return [...inR2, ...rows.results.map((r) => ({ key: r.blob_key, text: r.content }))];
};

describe("task logs: dbt Cloud", () => {
  it("stores the run's step logs when the attempt ends, readable by offset and as a download", async () => {
    const { s, team } = await dbtTenant();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 2, outcome: "error" });
    await dbtPipeline(s, team.slug, "dbt_logs", job);
    const run = await startRun(s, "dbt_logs");
    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("failed");

    const list = await api(`/runs/${run.id}/logs`, { as: s });
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([expect.objectContaining({ task: "build", attempt: 1, source: "dbt_cloud", complete: true, truncated: false })]);

    const log = await readLog(s, run.id, "build");
    expect(log.content).toContain("===== Step 1: Clone git repository (Success) =====");
    expect(log.content).toContain("===== Step 3: Invoke dbt with `dbt build` (Error) =====");
    expect(log.content).toContain('relation "raw_orders" does not exist');
    expect(log).toMatchObject({ offset: 0, next_after: log.size, complete: true });

    // Reading on from an offset returns the rest, byte for byte.
    const at = log.content.indexOf("===== Step 3");
    const rest = await readLog(s, run.id, "build", `?after=${new TextEncoder().encode(log.content.slice(0, at)).length}&limit=40`);
    expect(rest.content).toBe(log.content.slice(at, at + 40));
    const end = await readLog(s, run.id, "build", `?after=${log.size}`);
    expect(end).toMatchObject({ content: "", next_after: log.size });

    const download = await api(`${logPath(run.id, "build")}/download`, { as: s });
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(download.headers.get("content-disposition")).toBe(`attachment; filename="${run.id}-build-attempt1.log"`);
    expect(download.text).toBe(log.content);

    // Counted in the workspace's storage like other stored objects.
    const usage = await usageOf(s, "task_log");
    expect(usage).toMatchObject({ objects: 1, bytes: log.size });
  });

  it("follows the log while the attempt runs: a partial log first, the final one replaces it", async () => {
    const { s, team } = await dbtTenant();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 3, outcome: "success" });
    await dbtPipeline(s, team.slug, "dbt_follow", job);
    const run = await startRun(s, "dbt_follow");
    await waitForRun(s, run.id, (r) => r.tasks[0].status === "running");
    const partial = await eventually(async () => {
      const res = await api(logPath(run.id, "build"), { as: s });
      expect(res.status, res.text).toBe(200);
      return res.json as LogChunk;
    });
    expect(partial.complete).toBe(false);
    expect(partial.content).toContain("===== Step 3: Invoke dbt with `dbt build` (Running) =====");
    expect(partial.content).not.toContain("Completed successfully");

    const done = await pollToEnd(s, run.id);
    expect(done.status).toBe("succeeded");
    const final = await readLog(s, run.id, "build");
    expect(final.complete).toBe(true);
    expect(final.content).toContain("Completed successfully");
    // One object per attempt: the partial version is gone from R2 and from the usage.
    expect(await storedLogs(s.tenant.id)).toHaveLength(1);
    expect(await usageOf(s, "task_log")).toMatchObject({ objects: 1, bytes: final.size });
  });

  it("keeps the tail of a log over the 1 MiB cap and says how much of the head is gone", async () => {
    const { s, team } = await dbtTenant();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "error", log_bytes: 1_500_000 });
    await dbtPipeline(s, team.slug, "dbt_long_log", job);
    const run = await startRun(s, "dbt_long_log");
    await pollToEnd(s, run.id);
    const head = await readLog(s, run.id, "build", "?limit=100000");
    expect(head.truncated).toBe(true);
    expect(head.dropped_bytes).toBeGreaterThan(400_000);
    expect(head.size - head.dropped_bytes).toBeLessThanOrEqual(1024 * 1024);
    // A read from before the kept tail starts where the tail starts, at a whole line.
    expect(head.offset).toBe(head.dropped_bytes);
    expect(head.content).toMatch(/^\S+ model line \d+ x+\n/);
    const tail = await readLog(s, run.id, "build", `?after=${head.size - 200}`);
    expect(tail.content).toContain('relation "raw_orders" does not exist');
    expect(await usageOf(s, "task_log")).toMatchObject({ bytes: head.size - head.dropped_bytes });

    const download = await api(`${logPath(run.id, "build")}/download`, { as: s });
    const [first, second] = download.text.split("\n", 2);
    expect(first).toBe(
      `[Tutti keeps the last part of long logs: the first ${head.dropped_bytes} bytes of this log are not stored; the tool's own page has all of it]`,
    );
    expect(second).toMatch(/ model line \d+ x+$/);
  });

  it("never stores the connection's secret when the tool echoes it in its log", async () => {
    const { s, team } = await dbtTenant();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success", echo_token: true });
    await dbtPipeline(s, team.slug, "dbt_echo", job);
    const run = await startRun(s, "dbt_echo");
    await pollToEnd(s, run.id);
    const log = await readLog(s, run.id, "build");
    expect(log.content).toContain("request headers: Authorization: [redacted]");
    expect(log.content).not.toContain(dbt.api_token);
    const [stored] = await storedLogs(s.tenant.id);
    expect(stored.text).toContain("[redacted]");
    expect(stored.text).not.toContain(dbt.api_token);
  });

  it("another workspace's run logs answer 404, as do a task or attempt without a log", async () => {
    const { s, team } = await dbtTenant();
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success" });
    await dbtPipeline(s, team.slug, "dbt_private", job);
    const run = await startRun(s, "dbt_private");
    await pollToEnd(s, run.id);
    await readLog(s, run.id, "build");

    const other = await signup();
    for (const path of [`/runs/${run.id}/logs`, logPath(run.id, "build"), `${logPath(run.id, "build")}/download`]) {
      const res = await api(path, { as: other });
      expectError(res, 404, "not_found");
      expect(res.text).not.toContain("Clone git repository");
    }
    expectError(await api(logPath(run.id, "nope"), { as: s }), 404, "not_found");
    expectError(await api(logPath(run.id, "build", 2), { as: s }), 404, "not_found");
    expectError(await api(`${logPath(run.id, "build")}?after=-1`, { as: s }), 400, "validation_failed");
  });

  it("retention removes the logs of a finished run with its history, keeping the pipeline's latest run's", async () => {
    const { s, team } = await dbtTenant();
    const t = s.tenant.id;
    const job = uniqueNumber();
    await fakePlan("dbt_cloud", job, { polls: 0, outcome: "success" });
    await dbtPipeline(s, team.slug, "dbt_retained", job);
    const older = await startRun(s, "dbt_retained");
    await pollToEnd(s, older.id);
    const newer = await startRun(s, "dbt_retained");
    await pollToEnd(s, newer.id);
    const olderLog = await readLog(s, older.id, "build");
    const newerLog = await readLog(s, newer.id, "build");
    expect(await storedLogs(t)).toHaveLength(2);

    await drain();
    const t0 = Date.now();
    await setEngineTime(t, t0 + 91 * DAY);
    expect((await engineTimers(t)).some((x) => x.key === "retention")).toBe(true);
    expect(await fireAlarm(t)).toBe(true);

    expectError(await api(logPath(older.id, "build"), { as: s }), 404, "not_found");
    expect((await readLog(s, newer.id, "build")).content).toBe(newerLog.content);
    expect(await storedLogs(t)).toHaveLength(1);
    expect(await usageOf(s, "task_log")).toMatchObject({ objects: 1, bytes: newerLog.size, removed_objects: 1 });
    expect(olderLog.size).toBeGreaterThan(0);
  });
});
