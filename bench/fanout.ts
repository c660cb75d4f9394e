/**
 * bench/fanout: the run engine under width and concurrency, in `wrangler dev` with the fake tool, each figure beside
 * a bare baseline measured in the same run (bench/baseline: per step one SQLite write in a Durable Object, one D1
 * write and the tool call, no Tutti logic, the object calling the tool itself):
 *
 * 1. a wide DAG of 200 instant tasks (one root, 198 side by side, one sink) — baseline: 200 steps at once in one object;
 * 2. 50 runs of a 20-task chain at once in one tenant (`max_runs: 50`) — baseline: 50 chains of 20 in one object;
 * 3. 100 tenants at once, each one run of a 10-task chain — baseline: 100 objects, one chain of 10 each;
 * 4. a busy neighbour: a quiet tenant's 20-task chain alone, then while another tenant runs wide DAGs back to back.
 *
 * Throughput = tasks ÷ wall time (API call to the last run's end); gap = a task's start − the end of the last task it
 * depends on, from the runs' own records (millisecond timestamps).
 *
 *   npm run bench:fanout [-- --mode hybrid|queue|inline --repeat 3 --only wide,runs,neighbour,tenants]
 *
 * `--only` runs the named phases (and their baselines) and skips the rest; a task that waited longer than STALL_MS for
 * its dependency is listed with its run, so a stall can be found in the runtime's log (BENCH_SERVER_LOG=<file>).
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { repoRoot } from "../test/e2e/helpers/processes";
import { fmt, median, percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { frozenConfig } from "./lib/frozen-worker";
import { type Headers, instantTask, json, prepareTenant, pushPipeline, runToEnd, taskGaps } from "./lib/tutti";

const PHASES = ["wide", "runs", "neighbour", "tenants"] as const;
const { values } = parseArgs({
  options: { mode: { type: "string", default: "hybrid" }, repeat: { type: "string", default: "3" }, only: { type: "string", default: PHASES.join(",") } },
});
const MODE = values.mode;
const REPEAT = Number(values.repeat);
const ONLY = new Set(values.only.split(",").map((p) => p.trim()));
for (const p of ONLY) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--only: unknown phase ${p} (phases: ${PHASES.join(", ")})`);
const phase = (p: (typeof PHASES)[number]) => ONLY.has(p);
/** A gap longer than this is a stall worth naming (the engine's gaps are milliseconds). */
const STALL_MS = 10_000;
const WIDE = 200;
const PIPELINE_RUNS = 50;
const PIPELINE_TASKS = 20;
const TENANTS = 100;
const TENANT_TASKS = 10;
const QUIET_TASKS = 20;

const key = (i: number) => `t${String(i).padStart(3, "0")}`;
const chain = (n: number, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ ...instantTask(key(i), i ? [key(i - 1)] : []), ...extra }));
/**
 * The 100 tenants' chains retry a failed call once a second later: on a loaded machine local workerd has lost its
 * connection to the fake tool ("Network connection lost"), which failed a whole round; a retry shows as a gap of a
 * second or so, not as a stall.
 */
const RETRY_LOST_CALL = { retries: { max: 2, delay: "1s", backoff: "fixed", jitter: false } };
const wideDag = () => [
  instantTask("root"),
  ...Array.from({ length: WIDE - 2 }, (_, i) => instantTask(key(i), ["root"])),
  instantTask(
    "sink",
    Array.from({ length: WIDE - 2 }, (_, i) => key(i)),
  ),
];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

interface Figures {
  wall: number;
  tasks: number;
  gaps: number[];
  /** Tasks that waited longer than STALL_MS for their dependency: run, task, when it became ready, how long. */
  stalls?: string[];
}

/** Progress on stderr, so a long run shows where it is. */
const progress = (text: string) => console.error(`  … ${text}`);

const throughput = (f: Figures) => `${((f.tasks / f.wall) * 1000).toFixed(0)} tasks/s`;

/** Runs `once` REPEAT times and keeps the run with the median wall time (its gaps with it). */
async function medianOf(what: string, once: () => Promise<Figures>): Promise<Figures> {
  const all: Figures[] = [];
  for (let i = 0; i < REPEAT; i++) {
    all.push(await once());
    progress(`${what}: ${fmt(all[i].wall)}`);
  }
  all.sort((a, b) => a.wall - b.wall);
  return all[Math.floor((all.length - 1) / 2)];
}

async function baselineFigures(toolUrl: string) {
  const frozen = await frozenConfig(join(repoRoot, "bench/baseline/wrangler.toml"));
  const server = await startDevServer({ config: frozen.config, healthPath: "/health", vars: {} });
  const tool = encodeURIComponent(toolUrl);
  const ms = async (path: string) => (await json<{ ms: number }>(await fetch(`${server.url}${path}`))).ms;
  try {
    await ms(`/fan?steps=${WIDE}&tool=${tool}`);
    const wide = phase("wide")
      ? await medianOf("baseline wide", async () => ({ wall: await ms(`/fan?steps=${WIDE}&tool=${tool}`), tasks: WIDE, gaps: [] }))
      : null;
    const pipelines = !phase("runs")
      ? null
      : await medianOf("baseline chains", async () => ({
          wall: await ms(`/chains?count=${PIPELINE_RUNS}&steps=${PIPELINE_TASKS}&tool=${tool}`),
          tasks: PIPELINE_RUNS * PIPELINE_TASKS,
          gaps: [],
        }));
    // 100 requests at once have left one hanging in local wrangler dev: each gets a deadline, and a round that misses
    // it is reported instead of stopping the benchmark.
    if (!phase("tenants")) return { wide, pipelines, tenants: null };
    const tenants = await medianOf("baseline tenants", async () => {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: TENANTS }, async (_, i) => {
          const res = await fetch(`${server.url}/chain?steps=${TENANT_TASKS}&mode=inline&object=tenant-${i}&tool=${tool}`, {
            signal: AbortSignal.timeout(120_000),
          });
          await json(res);
        }),
      );
      return { wall: performance.now() - started, tasks: TENANTS * TENANT_TASKS, gaps: [] };
    }).catch((err: Error) => {
      progress(`baseline tenants failed: ${err.message}`);
      return null;
    });
    return { wide, pipelines, tenants };
  } finally {
    await server.stop();
    frozen.cleanup();
  }
}

/** Runs `count` runs of `pipeline` at once and waits for all; throughput over the whole, gaps of every run. */
async function runsAtOnce(server: DevServer, runs: Array<{ headers: Headers; pipeline: string }>, tasksPerRun: number): Promise<Figures> {
  // To the last run's own end, not to when the run API's long poll told its client (runToEnd says why).
  const started = Date.now();
  const done = await Promise.all(runs.map((r) => runToEnd(server, r.headers, r.pipeline)));
  const gaps = done.flatMap((d) => taskGaps(d.tasks).map((g) => ({ ...g, runId: d.runId })));
  const stalls = gaps
    .filter((g) => g.gap > STALL_MS)
    .map((g) => `run ${g.runId} task ${g.key}: ready ${new Date(g.readyAt).toISOString()}, waited ${fmt(g.gap)}`);
  for (const s of stalls) progress(`stall: ${s}`);
  return { wall: Math.max(...done.map((d) => d.finishedAt)) - started, tasks: runs.length * tasksPerRun, gaps: gaps.map((g) => g.gap), stalls };
}

async function tuttiFigures(toolUrl: string) {
  // A bundle made once: edits to the shared tree during the long run must not restart the Worker mid-request.
  const frozen = await frozenConfig(join(repoRoot, "wrangler.toml"));
  // Sign-ups hash passwords with fewer iterations (as the browser tests do): 101 full-cost sign-ups on a loaded machine
  // took longer than the sign-up mail's wait. Nothing the phases measure hashes a password.
  const server = await startDevServer({ config: frozen.config, vars: { DISPATCH_MODE: MODE, TUTTI_ENV: "e2e", TEST_PASSWORD_HASH_ITERATIONS: "1000" } });
  try {
    const busy = await prepareTenant(server, toolUrl);
    await pushPipeline(server, busy.headers, { name: "wide", team: busy.team, tasks: wideDag() });
    await pushPipeline(server, busy.headers, {
      name: "pipe",
      team: busy.team,
      concurrency: { max_runs: PIPELINE_RUNS },
      tasks: chain(PIPELINE_TASKS),
    });
    const tenants: Array<{ headers: Headers; pipeline: string }> = [];
    for (let i = 0; i < TENANTS; i += 5) {
      const batch = await Promise.all(Array.from({ length: Math.min(5, TENANTS - i) }, () => prepareTenant(server, toolUrl)));
      for (const t of batch) {
        await pushPipeline(server, t.headers, { name: "chain", team: t.team, tasks: chain(TENANT_TASKS, RETRY_LOST_CALL) });
        tenants.push({ headers: t.headers, pipeline: "chain" });
      }
    }
    progress(`${TENANTS} tenants signed up`);
    const quiet = tenants[0];
    await pushPipeline(server, quiet.headers, { name: "quiet", team: (await tenantTeam(server, quiet.headers)) ?? "", tasks: chain(QUIET_TASKS) });

    // Warm-up: one of each.
    await runToEnd(server, busy.headers, "wide");
    await runToEnd(server, busy.headers, "pipe");
    await runsAtOnce(server, [quiet], TENANT_TASKS);

    const wide = phase("wide") ? await medianOf("wide DAG", () => runsAtOnce(server, [{ headers: busy.headers, pipeline: "wide" }], WIDE)) : null;
    const pipelines = !phase("runs")
      ? null
      : await medianOf("concurrent runs", () =>
          runsAtOnce(
            server,
            Array.from({ length: PIPELINE_RUNS }, () => ({ headers: busy.headers, pipeline: "pipe" })),
            PIPELINE_TASKS,
          ),
        );
    // The quiet tenant alone, then with the busy tenant running wide DAGs back to back.
    const neighbourFigures = phase("neighbour") ? await busyNeighbour(server, busy.headers, quiet.headers) : null;

    // Last, as it has made local workerd restart mid-request: the rounds before a failure are kept and the failure printed.
    const rounds: Figures[] = [];
    let tenantsFailure: string | null = null;
    for (let i = 0; i < REPEAT && !tenantsFailure && phase("tenants"); i++) {
      try {
        rounds.push(await runsAtOnce(server, tenants, TENANT_TASKS));
        progress(`tenants: ${fmt(rounds[i].wall)}`);
      } catch (err) {
        tenantsFailure = `round ${i + 1} failed: ${(err as Error).message.slice(0, 400)}`;
      }
    }
    rounds.sort((a, b) => a.wall - b.wall);
    const manyTenants = rounds.length ? rounds[Math.floor((rounds.length - 1) / 2)] : null;
    return { wide, pipelines, manyTenants, tenantsRounds: rounds.length, tenantsFailure, neighbour: neighbourFigures };
  } finally {
    await server.stop();
    frozen.cleanup();
  }
}

/** A quiet tenant's chain alone, then while the busy tenant runs wide DAGs back to back. */
async function busyNeighbour(server: DevServer, busy: Headers, quiet: Headers) {
  const quietRun = () => runsAtOnce(server, [{ headers: quiet, pipeline: "quiet" }], QUIET_TASKS);
  const alone = await quietRuns(quietRun);
  let stop = false;
  const neighbour = (async () => {
    let n = 0;
    while (!stop) {
      await runToEnd(server, busy, "wide");
      n++;
    }
    return n;
  })();
  const withNeighbour = await quietRuns(quietRun);
  stop = true;
  return { alone, withNeighbour, neighbourRuns: await neighbour };
}

/** The quiet tenant's chain, 5 runs: per-task time of each and every gap. */
async function quietRuns(once: () => Promise<Figures>) {
  const perTask: number[] = [];
  const gaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    const f = await once();
    perTask.push(f.wall / f.tasks);
    gaps.push(...f.gaps);
  }
  return { perTask, gaps };
}

async function tenantTeam(server: DevServer, headers: Headers) {
  const me = await json<{ teams: Array<{ slug: string }> }>(await fetch(`${server.url}/api/v1/me`, { headers }));
  return me.teams[0]?.slug;
}

function table(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

const tool = await startHttpToolFake();
try {
  console.log(`bench/fanout: dispatch mode ${MODE}, phases ${[...ONLY].join(", ")}, median of ${REPEAT} after a warm-up; load average ${load()}\n`);
  const base = await baselineFigures(tool.url);
  const tutti = await tuttiFigures(tool.url);
  const row = (name: string, t: Figures, b: Figures) => [
    name,
    fmt(t.wall),
    throughput(t),
    fmt(median(t.gaps)),
    fmt(percentile(t.gaps, 95)),
    `${fmt(b.wall)}, ${throughput(b)}`,
    `${(t.tasks / t.wall / (b.tasks / b.wall)).toFixed(2)}×`,
  ];
  const rows: string[][] = [];
  if (tutti.wide && base.wide) rows.push(row(`wide DAG, ${WIDE} tasks`, tutti.wide, base.wide));
  if (tutti.pipelines && base.pipelines) rows.push(row(`${PIPELINE_RUNS} runs × ${PIPELINE_TASKS}-task chain, one tenant`, tutti.pipelines, base.pipelines));
  if (phase("tenants"))
    rows.push(
      tutti.manyTenants
        ? base.tenants
          ? row(`${TENANTS} tenants × ${TENANT_TASKS}-task chain (${tutti.tenantsRounds} rounds)`, tutti.manyTenants, base.tenants)
          : [
              ...row(`${TENANTS} tenants × ${TENANT_TASKS}-task chain (${tutti.tenantsRounds} rounds)`, tutti.manyTenants, tutti.manyTenants).slice(0, 5),
              "failed",
              "-",
            ]
        : [
            `${TENANTS} tenants × ${TENANT_TASKS}-task chain`,
            "failed",
            "-",
            "-",
            "-",
            base.tenants ? `${fmt(base.tenants.wall)}, ${throughput(base.tenants)}` : "failed",
            "-",
          ],
    );
  if (rows.length) table(["scenario", "wall", "throughput", "gap p50", "gap p95", "baseline (wall, throughput)", "throughput ÷ baseline"], rows);
  if (tutti.tenantsFailure) console.log(`${TENANTS} tenants: ${tutti.tenantsFailure}`);
  const stalls = [tutti.wide, tutti.pipelines, tutti.manyTenants].flatMap((f) => f?.stalls ?? []);
  console.log(`tasks that waited over ${STALL_MS / 1000} s for their dependency (median rounds): ${stalls.length}`);
  for (const s of stalls) console.log(`  ${s}`);
  if (tutti.neighbour) {
    const { alone, withNeighbour, neighbourRuns } = tutti.neighbour;
    console.log(`\nBusy neighbour: a quiet tenant's ${QUIET_TASKS}-task chain, 5 runs each (${neighbourRuns} wide DAG runs beside it)`);
    table(
      ["quiet tenant", "per task p50", "gap p50", "gap p95"],
      [
        ["alone", fmt(median(alone.perTask)), fmt(median(alone.gaps)), fmt(percentile(alone.gaps, 95))],
        ["with a busy neighbour", fmt(median(withNeighbour.perTask)), fmt(median(withNeighbour.gaps)), fmt(percentile(withNeighbour.gaps, 95))],
      ],
    );
    const gapRatio = Math.max(median(withNeighbour.gaps), 1) / Math.max(median(alone.gaps), 1);
    console.log(
      `ratio with ÷ without: gap p50 ${gapRatio.toFixed(2)}× (a 0 ms gap counted as 1 ms), per task ${(median(withNeighbour.perTask) / median(alone.perTask)).toFixed(2)}×`,
    );
  }
  console.log(`\nload average at the end: ${load()}`);
  console.log("Goal: figures printed; the quiet tenant's gap with a busy neighbour within 1.2× of its gap alone (docs/benchmarks.md).");
} finally {
  await tool.close();
}
