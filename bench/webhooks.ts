/**
 * bench/webhooks: signed webhook ingest on `wrangler dev`. Sends the same signed dbt Cloud deliveries
 * (job.run.completed, a new eventId each) to Tutti's receiver and to a bare Hono worker that only verifies
 * the signature (bench/webhooks/), in the same run, with the same concurrency. Tutti's path per delivery:
 * connection lookup, secret decryption, signature check, insert-or-ignore of the delivery, hand-over to the
 * tenant's Durable Object. Both run at once; rounds alternate between them. Prints requests/s, p50/p99
 * latency (median over rounds) and the ratio Tutti ÷ bare per round and its median.
 *
 *   npm run bench:webhooks [-- --rounds 5 --requests 500 --concurrency 16]
 */
import { createHmac } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cookieOf, signupVerified } from "../test/e2e/helpers/mailbox";
import { repoRoot } from "../test/e2e/helpers/processes";
import { fmt, percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { frozenConfig } from "./lib/frozen-worker";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "500" },
    rounds: { type: "string", default: "5" },
    concurrency: { type: "string", default: "16" },
    warmup: { type: "string", default: "200" },
  },
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const CONCURRENCY = Number(values.concurrency);
const WARMUP = Number(values.warmup);
const SECRET = "bench-webhook-secret";

/** A job.run.completed delivery shaped like dbt Cloud's (fixtures/webhooks/dbt_cloud_job_run_completed_success.json). */
function delivery(i: number, runId: number) {
  const body = JSON.stringify({
    accountId: 1,
    webhookId: "wsu_bench",
    eventId: `wev_bench_${process.pid}_${i}`,
    timestamp: new Date().toISOString(),
    eventType: "job.run.completed",
    webhookName: "bench",
    data: {
      jobId: "123",
      jobName: "Daily Job (dbt build)",
      runId: String(runId),
      environmentId: "1234",
      environmentName: "Production",
      dbtVersion: "1.8.9",
      projectName: "Example Project",
      projectId: "167194",
      runStatus: "Success",
      runStatusCode: 10,
      runStatusMessage: "None",
      runReason: "Kicked off from the UI by bench@example.com",
      runStartedAt: "2026-11-25T10:00:00Z",
      runFinishedAt: "2026-11-25T10:01:00Z",
    },
  });
  return { body, headers: { "content-type": "application/json", authorization: createHmac("sha256", SECRET).update(body).digest("hex") } };
}

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

/** A tenant with a dbt Cloud connection whose webhook secret is SECRET; returns the receiver path and API headers. */
async function prepareTutti(server: DevServer): Promise<{ path: string; headers: Record<string, string> }> {
  const signup = await signupVerified(server.url, {
    email: `bench-${Date.now()}@example.com`,
    password: "benchmark password",
    name: "Bench",
    tenant_name: `Bench ${Date.now()}`,
  });
  const session = await json<{ csrf_token: string }>(signup);
  const cookie = cookieOf(signup);
  const headers = { "content-type": "application/json", cookie, "x-csrf-token": session.csrf_token };
  const me = await json<{ teams: Array<{ id: string }> }>(await fetch(`${server.url}/api/v1/me`, { headers }));
  const conn = await json<{ id: string }>(
    await fetch(`${server.url}/api/v1/connections`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        team_id: me.teams[0].id,
        name: "dbt",
        kind: "dbt_cloud",
        config: { account_id: 1 },
        secrets: { api_token: "unused", webhook_secret: SECRET },
      }),
    }),
  );
  return { path: `/webhooks/dbt_cloud/${conn.id}`, headers };
}

/** Deliveries Tutti has stored so far (the queue consumer stores them after the 200), counted page by page. */
async function countStored(server: DevServer, headers: Record<string, string>): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const page: { items: unknown[]; next_cursor: string | null } = await json(
      await fetch(`${server.url}/api/v1/webhook-deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`, { headers }),
    );
    count += page.items.length;
    cursor = page.next_cursor;
  } while (cursor);
  return count;
}

let restarts = 0;

/** Sends `count` deliveries with `concurrency` in flight; every answer must be 200. */
async function load(url: string, start: number, count: number) {
  const latencies: number[] = [];
  let next = start;
  const end = start + count;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < end) {
        const i = next++;
        const d = delivery(i, 100_000 + i);
        const t0 = performance.now();
        let res = await fetch(url, { method: "POST", headers: d.headers, body: d.body });
        let text = await res.text();
        // wrangler dev may reload once just after start; the request is sent again and the reload counted.
        if (res.status === 503 && text.includes("restarted")) {
          restarts += 1;
          res = await fetch(url, { method: "POST", headers: d.headers, body: d.body });
          text = await res.text();
        }
        latencies.push(performance.now() - t0);
        if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  return { rps: count / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

console.log(
  `bench/webhooks: ${ROUNDS} rounds of ${REQUESTS} signed dbt Cloud deliveries per handler, ${CONCURRENCY} in flight, after ${WARMUP} warm-up each\n`,
);
// Both Workers run from a bundle built now, so edits to the tree during the run do not restart them.
const frozenBare = await frozenConfig(join(repoRoot, "bench/webhooks/wrangler.toml"));
const frozenTutti = await frozenConfig(join(repoRoot, "wrangler.toml"));
const bare = await startDevServer({ config: frozenBare.config, healthPath: "/health", migrate: false, vars: {} });
const tutti = await startDevServer({ config: frozenTutti.config }).catch(async (err) => {
  await bare.stop();
  throw err;
});
try {
  const bareUrl = `${bare.url}/webhooks/dbt_cloud/bench`;
  const prepared = await prepareTutti(tutti);
  const tuttiUrl = `${tutti.url}${prepared.path}`;
  await load(bareUrl, 0, WARMUP);
  await load(tuttiUrl, 0, WARMUP);
  // Rounds alternate between the two handlers so load from other processes on the machine hits both alike.
  const rounds: Array<{ bare: Awaited<ReturnType<typeof load>>; tutti: Awaited<ReturnType<typeof load>> }> = [];
  for (let r = 0; r < ROUNDS; r++) {
    const offset = WARMUP + r * REQUESTS;
    rounds.push({ bare: await load(bareUrl, offset, REQUESTS), tutti: await load(tuttiUrl, offset, REQUESTS) });
  }
  const med = (xs: number[]) => percentile(xs, 50);
  const summary = (pick: (x: (typeof rounds)[number]) => Awaited<ReturnType<typeof load>>) => ({
    rps: med(rounds.map((x) => pick(x).rps)),
    p50: med(rounds.map((x) => pick(x).p50)),
    p99: med(rounds.map((x) => pick(x).p99)),
  });
  const b = summary((x) => x.bare);
  const t = summary((x) => x.tutti);
  const rows = [
    ["bare Hono, verify only", b.rps.toFixed(0), fmt(b.p50), fmt(b.p99)],
    ["Tutti receiver", t.rps.toFixed(0), fmt(t.p50), fmt(t.p99)],
  ];
  const header = ["handler (median of rounds)", "requests/s", "p50", "p99"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  // Acknowledged is not stored: wait for the consumer to store every delivery sent, and say how long that took.
  const sent = WARMUP + ROUNDS * REQUESTS;
  const lastAnswer = performance.now();
  let stored = 0;
  for (;;) {
    stored = await countStored(tutti, prepared.headers);
    if (stored >= sent || performance.now() - lastAnswer >= 120_000) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const ratios = rounds.map((x) => x.tutti.rps / x.bare.rps);
  console.log(
    `\nper round, requests/s bare → Tutti (ratio): ${rounds.map((x, i) => `${x.bare.rps.toFixed(0)} → ${x.tutti.rps.toFixed(0)} (${ratios[i].toFixed(2)})`).join(", ")}`,
  );
  console.log(`median ratio: ${med(ratios).toFixed(2)}×   goal ≥ 0.5×`);
  console.log(`stored ${stored} of ${sent} deliveries; the last ${((performance.now() - lastAnswer) / 1000).toFixed(1)} s after the last answer`);
  if (restarts) console.log(`(wrangler dev reloaded during the run; ${restarts} request(s) were sent again)`);
} finally {
  await Promise.all([bare.stop(), tutti.stop()]);
  frozenBare.cleanup();
  frozenTutti.cleanup();
}
