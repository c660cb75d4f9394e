/**
 * bench/scheduler: 1,000 cron pipelines over 100 tenants, all due the same minute (a daily slot a few minutes
 * after the start, so nothing else fires before it), on `wrangler dev`.
 * Each tenant's Durable Object multiplexes its pipelines' cron slots on its one alarm; this checks that every
 * pipeline fires exactly once for the measured slot and how late each run was created after the slot's time
 * (lateness = the run's queued_at − the slot). Every task calls the fake job tool and completes at once.
 *
 *   npm run bench:scheduler [-- --tenants 100 --pipelines 10]
 */
import { parseArgs } from "node:util";
import { cookieOf, signupVerified } from "../test/e2e/helpers/mailbox";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { fmt, percentile, startDevServer } from "./lib/dev-server";

const { values } = parseArgs({ options: { tenants: { type: "string", default: "100" }, pipelines: { type: "string", default: "10" } } });
const TENANTS = Number(values.tenants);
const PIPELINES = Number(values.pipelines);
const GOAL_P99_MS = 1000;

const tool = await startHttpToolFake();
const server = await startDevServer();

interface Tenant {
  cookie: string;
  csrf: string;
}

async function call<T>(t: Tenant | null, method: string, path: string, body?: unknown): Promise<{ res: Response; data: T }> {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { ...(t ? { cookie: t.cookie, "x-csrf-token": t.csrf } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return { res, data: (text ? JSON.parse(text) : null) as T };
}

// One daily slot a few minutes ahead, so nothing fires before it and the 1,000 runs arrive together.
const SETUP_BUDGET_MS = 4 * 60_000;
const slot = Math.ceil((Date.now() + SETUP_BUDGET_MS) / 60_000) * 60_000;
const slotIso = new Date(slot).toISOString();
const cron = `${new Date(slot).getUTCMinutes()} ${new Date(slot).getUTCHours()} * * *`;

async function setUpTenant(i: number): Promise<Tenant> {
  const res = await signupVerified(server.url, {
    email: `sched-${process.pid}-${i}@example.com`,
    password: "correct horse battery staple",
    name: "Scheduler bench",
    tenant_name: `Scheduler bench ${i}`,
  });
  if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  const t = { cookie: cookieOf(res), csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
  const me = await call<{ teams: Array<{ id: string; slug: string }> }>(t, "GET", "/me");
  const team = me.data.teams[0];
  await call(t, "POST", "/connections", { team_id: team.id, name: "tool", kind: "http", config: { base_url: tool.url }, secrets: {} });
  for (let p = 0; p < PIPELINES; p++) {
    const spec = {
      name: `daily_${p}`,
      team: team.slug,
      schedule: { cron, timezone: "UTC" },
      tasks: [{ id: "ping", connector: "http", connection: "tool", with: { url: "/jobs", body: { key: `{{run_id}}` } } }],
    };
    await call(t, "POST", "/pipelines", { spec_text: JSON.stringify(spec), format: "json" });
  }
  return t;
}

try {
  const tenants: Tenant[] = [];
  for (let i = 0; i < TENANTS; i += 5) tenants.push(...(await Promise.all(Array.from({ length: Math.min(5, TENANTS - i) }, (_, j) => setUpTenant(i + j)))));
  if (Date.now() > slot - 5_000) throw new Error(`setting up took longer than ${SETUP_BUDGET_MS / 60_000} minutes; rerun with fewer tenants`);
  console.log(`${TENANTS * PIPELINES} pipelines ready; waiting for the slot ${slotIso} (cron "${cron}")`);
  await new Promise((r) => setTimeout(r, slot - Date.now() + 30_000));

  const lateness: number[] = [];
  let duplicates = 0;
  let missing = 0;
  let notSucceeded = 0;
  for (const t of tenants) {
    const runs = await call<{ items: Array<{ pipeline: { name: string }; trigger: { kind: string; ref: string | null }; queued_at: string; status: string }> }>(
      t,
      "GET",
      "/runs?trigger=cron&limit=100",
    );
    const forSlot = runs.data.items.filter((r) => r.trigger.ref === slotIso);
    const perPipeline = new Map<string, number>();
    for (const r of forSlot) {
      perPipeline.set(r.pipeline.name, (perPipeline.get(r.pipeline.name) ?? 0) + 1);
      lateness.push(Date.parse(r.queued_at) - slot);
      if (r.status !== "succeeded") notSucceeded++;
    }
    missing += PIPELINES - perPipeline.size;
    for (const n of perPipeline.values()) duplicates += n - 1;
  }

  console.log(`\nbench/scheduler: ${TENANTS} tenants × ${PIPELINES} pipelines due at ${slotIso}\n`);
  console.log(
    `fired once       ${TENANTS * PIPELINES - missing - duplicates} of ${TENANTS * PIPELINES} (missing ${missing}, duplicate runs ${duplicates}, not succeeded 30 s later ${notSucceeded})`,
  );
  console.log(
    `lateness         p50 ${fmt(percentile(lateness, 50))}, p95 ${fmt(percentile(lateness, 95))}, p99 ${fmt(percentile(lateness, 99))}, max ${fmt(Math.max(...lateness))}`,
  );
  console.log(
    `goal             all fire once, p99 lateness < ${GOAL_P99_MS} ms: ${missing === 0 && duplicates === 0 && percentile(lateness, 99) < GOAL_P99_MS ? "met" : "not met"}`,
  );
} finally {
  await server.stop();
  await tool.close();
}
