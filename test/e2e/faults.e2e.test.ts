/**
 * Fault injection: a `wrangler dev` of its own (not the shared e2e server) with persisted state is killed outright
 * (SIGKILL of its process group: workerd, the in-memory queues, calls in flight) while it works, then started again
 * on the same state. What it had accepted (2xx) must still be there, and what it had started must finish, each tool
 * job started once. No browser.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpToolFake, type HttpToolFake } from "../fakes/http-tool/server";
import { signupOwner, type OwnerSession } from "./helpers/api";
import { artifactPath, reportArtifactsOnFailure } from "./helpers/artifacts";
import { repoRoot, waitUntil } from "./helpers/processes";
import { startWrangler, type WranglerServer } from "./helpers/wrangler";

const TOOL_TOKEN = "faults-tool-token";
const WEBHOOK_SECRET = "faults-dbt-webhook-secret";
/** A claimed tool call whose holder died is sent again after this; short so the test stays short. */
const LEASE_SECONDS = 4;
/** Work overdue this long means the engine's alarm was lost (the watchdog then sets it again); short for the same reason. */
const OVERDUE_GRACE_SECONDS = 5;
const RUNS = 20;
/** Bounds only: on an idle machine each test takes 10–30 s; a shared one can be several times slower. */
// About a minute on a quiet machine; a loaded 2-core runner has needed close to four.
const TEST_TIMEOUT_MS = 420_000;
const TASKS = ["extract", "load", "report"];

/** A task on the slow fake tool: every call takes `delay_ms`, and the job reports running once before it succeeds. */
const slowTask = (id: string, dependsOn: string[]) => ({
  id,
  connector: "http",
  connection: "tool",
  depends_on: dependsOn,
  poll_interval: "1s",
  with: {
    url: "/jobs",
    body: { key: "{{run_id}}/{{task_id}}", polls: 1, delay_ms: 600 },
    external_id_path: "$.id",
    completion: {
      mode: "poll",
      status_url: "/jobs/{{external_id}}",
      success: { path: "$.status", equals: "succeeded" },
      failure: { path: "$.status", in: ["failed", "cancelled"] },
    },
  },
});

/** dbt Cloud's job.run.completed (test/fixtures/webhooks), about a run no task waits for, signed as dbt Cloud signs. */
function dbtWebhook(eventId: string) {
  const fixture = JSON.parse(readFileSync(join(repoRoot, "test/fixtures/webhooks/dbt_cloud_job_run_completed_success.json"), "utf8"));
  const body = JSON.stringify({ ...fixture, eventId, data: { ...fixture.data, runId: String(900_000 + Number(eventId.split("_").at(-1))) } });
  return { body, headers: { "content-type": "application/json", authorization: createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex") } };
}

/** Sends `send(i)` for i = 0, 1, … from `lanes` concurrent lanes until `stop()`; returns the i that were answered 2xx. */
function keepSending(lanes: number, send: (i: number) => Promise<Response>, stop: () => boolean) {
  const accepted: number[] = [];
  const tried: number[] = [];
  let next = 0;
  const lane = async () => {
    while (!stop()) {
      const i = next++;
      tried.push(i);
      const res = await send(i).catch(() => null);
      if (res && res.status < 300) accepted.push(i);
      // A refused connection (the server is down) would spin: stop this lane.
      if (!res) return;
    }
  };
  const done = Promise.all(Array.from({ length: lanes }, lane));
  return { accepted, tried, done };
}

/** Every item of a paged list endpoint. */
async function listAll(owner: OwnerSession, path: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: any[]; next_cursor: string | null } = await owner.call(
      "GET",
      `${path}${path.includes("?") ? "&" : "?"}limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

describe("a Tutti killed mid-flight and started again on the same state", () => {
  let server: WranglerServer;
  let tool: HttpToolFake;
  let owner: OwnerSession;
  let token: string;

  beforeAll(async () => {
    tool = await startHttpToolFake({ token: TOOL_TOKEN });
    server = await startWrangler({
      logPath: artifactPath("faults-wrangler-dev", "log"),
      vars: { DISPATCH_LEASE_SECONDS: String(LEASE_SECONDS), ENGINE_OVERDUE_GRACE_SECONDS: String(OVERDUE_GRACE_SECONDS) },
    });
    owner = await signupOwner(server.baseUrl, "faults");
    token = await owner.token(["read", "lineage:write", "metadata:write"]);
    await owner.call("POST", "/connections", {
      team_id: owner.team.id,
      name: "tool",
      kind: "http",
      config: { base_url: tool.url },
      secrets: { bearer_token: TOOL_TOKEN },
    });
  });
  afterAll(async () => {
    await server?.close();
    await tool?.close();
  });
  reportArtifactsOnFailure(() => server.logPath);

  /** Kills the server, then starts it again on the same state and port. */
  async function crash() {
    await server.kill();
    await server.restart();
  }

  it(
    "finishes every run it had started, starting each tool job once, and keeps every webhook it acknowledged",
    async () => {
      const pipeline = {
        name: "slow_chain",
        team: owner.team.slug,
        concurrency: { max_runs: RUNS },
        tasks: [slowTask("extract", []), slowTask("load", ["extract"]), slowTask("report", ["extract"])],
      };
      await owner.call("POST", "/pipelines", { spec_text: JSON.stringify(pipeline), format: "json" });
      const dbt = await owner.call("POST", "/connections", {
        team_id: owner.team.id,
        name: "dbt",
        kind: "dbt_cloud",
        config: { account_id: 1 },
        secrets: { api_token: "unused", webhook_secret: WEBHOOK_SECRET },
      });

      const runIds: string[] = [];
      for (let i = 0; i < RUNS; i++) runIds.push((await owner.call("POST", "/pipelines/slow_chain/runs", {})).id);
      const prefix = `wev_faults_${Date.now()}`;
      let down = false;
      const webhooks = keepSending(
        4,
        (i) => {
          const { body, headers } = dbtWebhook(`${prefix}_${i}`);
          return fetch(`${server.baseUrl}/webhooks/dbt_cloud/${dbt.id}`, { method: "POST", headers, body });
        },
        () => down,
      );

      // Kill while tool calls are in flight: some first tasks are done, later ones are being triggered or polled.
      const triggers = () => tool.requests.filter((r) => r.method === "POST" && r.path === "/jobs").length;
      await waitUntil(async () => triggers() >= RUNS + 5 && webhooks.accepted.length >= 3, {
        timeoutMs: 60_000,
        intervalMs: 20,
        what: "the first triggers and webhooks",
      });
      down = true;
      await crash();
      await webhooks.done;

      // Every run that was accepted finishes, and succeeds: nothing hangs on a message that died with the process.
      // The minute cron runs on its own clock, as on Cloudflare: a read that is slow to answer must not hold it up. It
      // runs the engine watchdog, which sets again a Durable Object alarm lost with a killed workerd
      // (docs/engine.md#lost-alarms).
      let watching = true;
      const cron = (async () => {
        while (watching) {
          await server.minuteCron().catch(() => undefined);
          await new Promise((resolve) => setTimeout(resolve, 2_000));
        }
      })();
      let unfinished: string[] = [];
      // A read of the server restarted under load has once gone unanswered for five minutes (wrangler dev's proxy);
      // each read is bounded, and one that times out counts as not finished yet and is named if the wait fails.
      const readRun = (id: string) =>
        fetch(`${server.baseUrl}/api/v1/runs/${id}?wait=5`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) })
          .then(async (res) => (res.ok ? ((await res.json()) as { id: string; status: string; tasks?: Array<{ key: string; status: string }> }) : null))
          .catch(() => null)
          .then((run) => run ?? { id, status: "unread (no answer within 20 s)", tasks: [] });
      try {
        await waitUntil(
          async () => {
            const runs = await Promise.all(runIds.map(readRun));
            // Kept for the failure message: which runs and tasks a crash left hanging says where to look.
            unfinished = runs
              .filter((r) => r.status !== "succeeded")
              .map((r) => `${r.id} ${r.status} [${(r.tasks ?? []).map((t) => `${t.key}:${t.status}`).join(" ")}]`);
            return unfinished.length === 0;
          },
          {
            timeoutMs: 180_000,
            intervalMs: 500,
            what: () => `all ${RUNS} runs to succeed; still unfinished: ${unfinished.join("; ")} (log: ${server.logPath})`,
          },
        );
      } finally {
        watching = false;
        await cron;
      }

      // Each task of each run started exactly one job at the tool: a trigger sent again after the crash carried the
      // same Idempotency-Key, so the tool answered with the job it had already started.
      const started = [...tool.jobs.values()].map((job) => String(job.body.key)).sort();
      expect(started).toEqual(runIds.flatMap((id) => TASKS.map((task) => `${id}/${task}`)).sort());
      const keysSent = tool.requests.filter((r) => r.method === "POST" && r.path === "/jobs").map((r) => r.headers["idempotency-key"]);
      expect(new Set(keysSent).size).toBe(RUNS * TASKS.length);
      console.log(
        `faults: ${keysSent.length - RUNS * TASKS.length} trigger(s) sent again after the crash; ${webhooks.accepted.length} webhooks acknowledged before it`,
      );

      // Every webhook answered 200 before the kill is stored.
      const stored = new Set((await listAll(owner, `/webhook-deliveries?connection_id=${dbt.id}`)).map((d) => d.delivery_id));
      const missing = webhooks.accepted.map((i) => `${prefix}_${i}`).filter((id) => !stored.has(id));
      expect(missing).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    "keeps every OpenLineage and cost batch it answered, and a client sending every batch again stores each record once",
    async () => {
      const runsPerBatch = 4;
      const recordsPerBatch = 10;
      const producer = "https://github.com/OpenLineage/OpenLineage/tree/1.24.2/integration/spark";
      const lineageBatch = (b: number) => {
        const job = { namespace: "faults", name: `batch_${b}` };
        const runs = Array.from({ length: runsPerBatch }, (_, r) => `0190f4d2-0000-7000-8000-${String(b * 100 + r).padStart(12, "0")}`);
        return runs.flatMap((runId) => [
          {
            eventType: "START",
            eventTime: "2026-03-02T06:00:00.000Z",
            producer,
            run: { runId },
            job,
            inputs: [{ namespace: "faults", name: `in_${b}` }],
            outputs: [],
          },
          {
            eventType: "COMPLETE",
            eventTime: "2026-03-02T06:05:00.000Z",
            producer,
            run: { runId },
            job,
            inputs: [],
            outputs: [{ namespace: "faults", name: `out_${b}` }],
          },
        ]);
      };
      const costBatch = (b: number) => ({
        records: Array.from({ length: recordsPerBatch }, (_, r) => ({
          source: "faults",
          external_ref: `b${b}-r${r}`,
          amount: 1.25,
          currency: "USD",
          started_at: "2026-03-02T06:00:00.000Z",
        })),
      });
      const post = (path: string, body: unknown) =>
        fetch(`${server.baseUrl}/api/v1${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });

      let down = false;
      const lineage = keepSending(
        2,
        (b) => post("/lineage/batch", lineageBatch(b)),
        () => down,
      );
      const costs = keepSending(
        2,
        (b) => post("/costs", costBatch(b)),
        () => down,
      );
      await waitUntil(async () => lineage.accepted.length >= 3 && costs.accepted.length >= 3, {
        timeoutMs: 60_000,
        intervalMs: 10,
        what: "the first batches to be accepted",
      });
      down = true;
      await crash();
      await Promise.all([lineage.done, costs.done]);

      const lineageRuns = async (b: number) => {
        const [job] = (await owner.call("GET", `/jobs?namespace=faults&name=batch_${b}`)).items;
        return job ? (await listAll(owner, `/jobs/${job.id}/runs`)).length : 0;
      };
      const costRefs = async () => (await listAll(owner, "/costs?source=faults")).map((r) => r.external_ref as string);

      // Accepted means stored: every batch answered 200 is complete after the restart.
      for (const b of lineage.accepted) expect(await lineageRuns(b)).toBe(runsPerBatch);
      const refs = new Set(await costRefs());
      expect(costs.accepted.flatMap((b) => costBatch(b).records.map((r) => r.external_ref)).filter((ref) => !refs.has(ref))).toEqual([]);

      // The client cannot know about the batches cut off by the crash and sends everything again: nothing doubles.
      for (const b of lineage.tried) expect((await post("/lineage/batch", lineageBatch(b))).status).toBe(200);
      for (const b of costs.tried) expect((await post("/costs", costBatch(b))).status).toBe(200);
      for (const b of lineage.tried) expect(await lineageRuns(b)).toBe(runsPerBatch);
      const all = await costRefs();
      expect(all.length).toBe(costs.tried.length * recordsPerBatch);
      expect(new Set(all).size).toBe(all.length);
    },
    TEST_TIMEOUT_MS,
  );
});
