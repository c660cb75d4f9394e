/**
 * bench/scheduler: cron pipelines of many tenants all due the same minute, on `wrangler dev` (issue 16's goal: 10,000
 * pipelines over 1,000 tenants fire once each with p99 lateness < 1 s).
 * Each tenant's Durable Object multiplexes its pipelines' cron slots on its one alarm; this checks that every pipeline
 * fires exactly once for the measured slot and how late each run was created after the slot's time (lateness = the
 * run's queued_at − the slot). Every task calls the fake job tool and completes at once.
 *
 * Two slots two minutes apart in the same run: at the first only the first `--small` tenants' pipelines are due (the
 * 1× load, 100 × 10), at the second every tenant's (the 10× load). Beside them, in the same run, a bare baseline:
 * as many bare Durable Objects as tenants with one alarm each for the same instant (bench/baseline: the alarm records
 * how late it ran), bare and then each writing `--pipelines` rows to D1 as Tutti writes its new runs through.
 *
 *   npm run bench:scheduler [-- --tenants 1000 --pipelines 10 --small 100 --no-baseline]
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cookieOf, signupVerified } from "../test/e2e/helpers/mailbox";
import { repoRoot } from "../test/e2e/helpers/processes";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { fmt, percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { frozenConfig } from "./lib/frozen-worker";
import { postIdempotent } from "./lib/tutti";

const { values } = parseArgs({
  options: {
    tenants: { type: "string", default: "1000" },
    pipelines: { type: "string", default: "10" },
    small: { type: "string", default: "100" },
    "no-baseline": { type: "boolean", default: false },
  },
});
const TENANTS = Number(values.tenants);
const PIPELINES = Number(values.pipelines);
const SMALL = Math.min(Number(values.small), TENANTS);
const BASELINE = !values["no-baseline"];
const GOAL_P99_MS = 1000;
/** Requests the seeding makes at once (sign-ups, pushes). */
const LANES = 8;
/** After the last slot, how long the runs may take to reach D1 before the missing ones count as missing. */
const SETTLE_MS = 5 * 60_000;

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const progress = (text: string) => console.error(`  … ${new Date().toISOString().slice(11, 19)} ${text} (load ${load()})`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** Runs `each(i)` for i in 0 … count-1, `lanes` at a time. */
async function inLanes<T>(count: number, lanes: number, each: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await each(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
  return out;
}

const summary = (lateness: number[]) =>
  `p50 ${fmt(percentile(lateness, 50))}, p95 ${fmt(percentile(lateness, 95))}, p99 ${fmt(percentile(lateness, 99))}, max ${fmt(Math.max(...lateness))}`;

// ---- the bare baseline -----------------------------------------------------------------------------------------

interface BareFigures {
  objects: number;
  write: boolean;
  lateness: number[];
  missing: number;
}

/** `objects` bare objects with an alarm each for one instant: how late each alarm ran. */
async function bareAlarms(server: DevServer, objects: number, write: boolean): Promise<BareFigures> {
  // 100 objects a request: one request arming 1,000 objects on a loaded machine outlasted the client's 5-minute wait.
  const CHUNK = 100;
  const chunks = Array.from({ length: Math.ceil(objects / CHUNK) }, (_, c) => ({ first: c * CHUNK, count: Math.min(CHUNK, objects - c * CHUNK) }));
  const arm = async (at: number) => {
    for (const { first, count } of chunks) {
      const res = await fetch(`${server.url}/alarms/arm?first=${first}&objects=${count}&at=${at}&rows=${PIPELINES}&write=${write ? 1 : 0}`);
      if (!res.ok) throw new Error(`arming: ${res.status} ${await res.text()}`);
    }
  };
  // First every object is made (an alarm a day ahead, replaced below): on a loaded machine making 1,000 objects takes
  // tens of seconds, and the instant must lie after the arming. Tutti's objects exist before their slot too.
  let started = Date.now();
  await arm(started + 86_400_000);
  const warm = Date.now() - started;
  started = Date.now();
  const at = started + Math.max(15_000, 2 * warm);
  await arm(at);
  if (Date.now() > at - 2_000) throw new Error(`arming ${objects} objects took too long (${fmt(Date.now() - started)})`);
  await sleep(at - Date.now() + 10_000);
  let lateness: Array<number | null> = [];
  for (let tries = 0; tries < 12; tries++) {
    lateness = [];
    for (const { first, count } of chunks) {
      const res = await fetch(`${server.url}/alarms/lateness?first=${first}&objects=${count}&at=${at}`);
      lateness.push(...((await res.json()) as { lateness: Array<number | null> }).lateness);
    }
    if (lateness.every((l) => l !== null)) break;
    await sleep(5_000);
  }
  const ran = lateness.filter((l): l is number => l !== null);
  return { objects, write, lateness: ran, missing: objects - ran.length };
}

async function baselineFigures(): Promise<BareFigures[]> {
  const frozen = await frozenConfig(join(repoRoot, "bench/baseline/wrangler.toml"));
  const server = await startDevServer({ config: frozen.config, healthPath: "/health", vars: {} });
  try {
    const figures: BareFigures[] = [];
    const counts = SMALL > 0 && SMALL < TENANTS ? [SMALL, TENANTS] : [TENANTS];
    for (const objects of counts) {
      for (const write of [false, true]) {
        figures.push(await bareAlarms(server, objects, write));
        progress(`baseline: ${objects} bare alarms${write ? ` writing ${PIPELINES} rows to D1` : ""} measured`);
      }
    }
    return figures;
  } finally {
    await server.stop();
    frozen.cleanup();
  }
}

// ---- Tutti -----------------------------------------------------------------------------------------------------

interface Tenant {
  cookie: string;
  csrf: string;
  team: { id: string; slug: string };
}

async function call<T>(server: DevServer, t: Tenant | null, method: string, path: string, body?: unknown): Promise<T> {
  const headers = { ...(t ? { cookie: t.cookie, "x-csrf-token": t.csrf } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) };
  // A POST goes with an Idempotency-Key and again on wrangler dev's `503 Your worker restarted mid-request`, which
  // ended a 10,000-push seeding (bench/lib/tutti.ts postIdempotent).
  const res =
    method === "POST"
      ? await postIdempotent(`${server.url}/api/v1${path}`, headers, JSON.stringify(body))
      : await fetch(`${server.url}/api/v1${path}`, { method, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function signUp(server: DevServer, toolUrl: string, i: number): Promise<Tenant> {
  const res = await signupVerified(server.url, {
    email: `sched-${process.pid}-${i}@example.com`,
    password: "correct horse battery staple",
    name: "Scheduler bench",
    tenant_name: `Scheduler bench ${i}`,
  });
  if (res.status !== 201) throw new Error(`sign-up: ${res.status} ${await res.text()}`);
  const partial = { cookie: cookieOf(res), csrf: ((await res.json()) as { csrf_token: string }).csrf_token };
  const me = await call<{ teams: Array<{ id: string; slug: string }> }>(server, { ...partial, team: { id: "", slug: "" } }, "GET", "/me");
  const t = { ...partial, team: me.teams[0] };
  await call(server, t, "POST", "/connections", { team_id: t.team.id, name: "tool", kind: "http", config: { base_url: toolUrl }, secrets: {} });
  return t;
}

const pushPipeline = (server: DevServer, t: Tenant, name: string, cron: string | null) =>
  call(server, t, "POST", "/pipelines", {
    spec_text: JSON.stringify({
      name,
      team: t.team.slug,
      ...(cron ? { schedule: { cron, timezone: "UTC" } } : {}),
      tasks: [{ id: "ping", connector: "http", connection: "tool", with: { url: "/jobs", body: { key: "{{run_id}}" } } }],
    }),
    format: "json",
  });

/**
 * The two slots: the first minute at least `budgetMs` ahead, and two minutes later in the same hour (one cron
 * expression names both). Without a 1× load, only the second.
 */
function slotsAfter(budgetMs: number): { small: number | null; large: number } {
  let first = Math.ceil((Date.now() + budgetMs) / 60_000) * 60_000;
  if (new Date(first).getUTCMinutes() > 57) first = Math.ceil((first + 1) / 3_600_000) * 3_600_000;
  return SMALL > 0 && SMALL < TENANTS ? { small: first, large: first + 2 * 60_000 } : { small: null, large: first };
}

const cronOf = (slots: number[]) => `${slots.map((s) => new Date(s).getUTCMinutes()).join(",")} ${new Date(slots[0]).getUTCHours()} * * *`;

interface SlotFigures {
  slot: number;
  tenants: number;
  lateness: number[];
  missing: number;
  duplicates: number;
  notSucceeded: number;
}

type RunRow = { pipeline: { name: string }; trigger: { kind: string; ref: string | null }; queued_at: string; status: string };

/** Every tenant's cron runs, read until each due pipeline has its runs and they ended, or SETTLE_MS passed. */
async function readSlots(server: DevServer, tenants: Tenant[], slots: { small: number | null; large: number }): Promise<SlotFigures[]> {
  const due = (i: number) => [...(slots.small !== null && i < SMALL ? [slots.small] : []), slots.large];
  const deadline = Date.now() + SETTLE_MS;
  let runs: RunRow[][] = [];
  for (;;) {
    runs = await inLanes(
      tenants.length,
      LANES,
      async (i) => (await call<{ items: RunRow[] }>(server, tenants[i], "GET", "/runs?trigger=cron&limit=100")).items,
    );
    const settled = runs.every(
      (items, i) =>
        items.filter((r) => r.status === "succeeded").length >= due(i).length * PIPELINES && items.every((r) => ["succeeded", "failed"].includes(r.status)),
    );
    if (settled || Date.now() > deadline) break;
    progress("waiting for every run to reach D1 and end");
    await sleep(10_000);
  }
  const figures = (slot: number, count: number): SlotFigures => {
    const ref = new Date(slot).toISOString();
    const f: SlotFigures = { slot, tenants: count, lateness: [], missing: 0, duplicates: 0, notSucceeded: 0 };
    for (let i = 0; i < count; i++) {
      const perPipeline = new Map<string, number>();
      for (const r of runs[i].filter((r) => r.trigger.ref === ref)) {
        perPipeline.set(r.pipeline.name, (perPipeline.get(r.pipeline.name) ?? 0) + 1);
        f.lateness.push(Date.parse(r.queued_at) - slot);
        if (r.status !== "succeeded") f.notSucceeded++;
      }
      f.missing += PIPELINES - perPipeline.size;
      for (const n of perPipeline.values()) f.duplicates += n - 1;
    }
    // The first slot is due only for the first tenants: any run of it elsewhere is a run too many.
    for (let i = count; i < tenants.length; i++) f.duplicates += runs[i].filter((r) => r.trigger.ref === ref).length;
    return f;
  };
  return [...(slots.small !== null ? [figures(slots.small, SMALL)] : []), figures(slots.large, tenants.length)];
}

async function tuttiFigures(toolUrl: string): Promise<SlotFigures[]> {
  // A bundle made once: edits to the tree during the long run must not restart the Worker. Sign-ups hash passwords
  // with fewer iterations (as the browser tests do): seeding 1,000 tenants would otherwise take most of the run.
  const frozen = await frozenConfig(join(repoRoot, "wrangler.toml"));
  const server = await startDevServer({ config: frozen.config, vars: { TUTTI_ENV: "e2e", TEST_PASSWORD_HASH_ITERATIONS: "1000" } });
  try {
    let started = Date.now();
    const tenants = await inLanes(TENANTS, LANES, (i) => signUp(server, toolUrl, i));
    progress(`${TENANTS} tenants signed up in ${fmt(Date.now() - started)}`);
    // The slot must lie after the seeding: time a few pushes (an unscheduled pipeline of the first tenant, which never
    // fires) and leave half as much again on top.
    const CALIBRATION = 2 * LANES;
    started = Date.now();
    await inLanes(CALIBRATION, LANES, (i) => pushPipeline(server, tenants[0], `calibration_${i}`, null));
    const perPush = (Date.now() - started) / CALIBRATION;
    const slots = slotsAfter(perPush * TENANTS * PIPELINES * 1.5 + 60_000);
    const smallCron = slots.small !== null ? cronOf([slots.small, slots.large]) : null;
    const largeCron = cronOf([slots.large]);
    progress(
      `a push takes ${fmt(perPush)} at ${LANES} at once; slots ${[slots.small, slots.large]
        .filter((s) => s !== null)
        .map((s) => new Date(s!).toISOString())
        .join(" and ")}`,
    );
    started = Date.now();
    await inLanes(TENANTS * PIPELINES, LANES, (n) => {
      const i = Math.floor(n / PIPELINES);
      return pushPipeline(server, tenants[i], `daily_${n % PIPELINES}`, smallCron !== null && i < SMALL ? smallCron : largeCron);
    });
    const first = slots.small ?? slots.large;
    progress(`${TENANTS * PIPELINES} pipelines pushed in ${fmt(Date.now() - started)}; ${fmt(first - Date.now())} before the first slot`);
    if (Date.now() > first - 5_000) throw new Error("seeding ran past the first slot: the slots would not be measured as they are meant");
    await sleep(slots.large - Date.now() + 30_000);
    return await readSlots(server, tenants, slots);
  } finally {
    await server.stop();
    frozen.cleanup();
  }
}

// ---- the report ------------------------------------------------------------------------------------------------

const tool = await startHttpToolFake();
try {
  console.log(`bench/scheduler: ${TENANTS} tenants × ${PIPELINES} pipelines (1× load: the first ${SMALL}); load average ${load()}\n`);
  // Tutti first: its seeding decides when its slots come, and the baseline takes only minutes afterwards.
  const slots = await tuttiFigures(tool.url);
  const bare = BASELINE ? await baselineFigures() : [];
  console.log(`\nbench/scheduler, load average at the end ${load()}`);
  for (const f of slots) {
    const pipelines = f.tenants * PIPELINES;
    const bareAlone = bare.find((b) => b.objects === f.tenants && !b.write);
    const bareWriting = bare.find((b) => b.objects === f.tenants && b.write);
    const met = f.missing === 0 && f.duplicates === 0 && percentile(f.lateness, 99) < GOAL_P99_MS;
    console.log(`\n${f.tenants} tenants × ${PIPELINES} pipelines due at ${new Date(f.slot).toISOString()}`);
    console.log(
      `  fired exactly once   ${pipelines - f.missing - f.duplicates} of ${pipelines} (missing ${f.missing}, duplicate runs ${f.duplicates}, not succeeded ${f.notSucceeded})`,
    );
    console.log(`  lateness             ${summary(f.lateness)}`);
    if (bareAlone) console.log(`  bare alarms          ${summary(bareAlone.lateness)} (${bareAlone.objects} objects, ${bareAlone.missing} never ran)`);
    if (bareWriting)
      console.log(`  bare + D1 write      ${summary(bareWriting.lateness)} (each object writing ${PIPELINES} rows; ${bareWriting.missing} never ran)`);
    if (bareAlone) console.log(`  p99 ÷ bare p99       ${(percentile(f.lateness, 99) / Math.max(1, percentile(bareAlone.lateness, 99))).toFixed(2)}×`);
    console.log(`  goal                 all fire once, p99 lateness < ${GOAL_P99_MS} ms: ${met ? "met" : "not met"}`);
  }
} finally {
  await tool.close();
}
