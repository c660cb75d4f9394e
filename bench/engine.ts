/**
 * bench/engine: orchestration overhead of a chain of 40 instant tasks on the fake tool, in `wrangler dev`.
 * Prints per-task overhead and the gap between one task finishing and the next starting (p50/p95),
 * and the ratio to a baseline Durable Object doing the same storage writes, D1 writes, queue round
 * trips and tool calls with no Tutti logic — measured in the same run. Three dispatch modes: `hybrid` (the default:
 * the DO calls the connector itself, the queue takes what would hold it up), `queue` (everything through the dispatch
 * queue) and `inline` (the DO calls every connector itself). `hybrid` and `inline` are compared with the baseline
 * whose DO calls the tool itself, `queue` with the baseline that goes through a queue. The baseline's chains alternate
 * with each mode's (one of each in turn, both servers up), so a load that comes and goes on a shared machine weighs on
 * both sides of a ratio alike.
 *
 *   npm run bench:engine [-- --chains 5 --tasks 40 --modes hybrid,queue,inline]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { join } from "node:path";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { repoRoot } from "../test/e2e/helpers/processes";
import { fmt, median, percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { gapsOf, instantTask, json, prepareTenant, pushPipeline, runToEnd } from "./lib/tutti";

const { values } = parseArgs({
  options: { chains: { type: "string", default: "5" }, tasks: { type: "string", default: "40" }, modes: { type: "string", default: "hybrid,queue,inline" } },
});
const CHAINS = Number(values.chains);
const TASKS = Number(values.tasks);
type Mode = "hybrid" | "queue" | "inline";
const MODES = values.modes.split(",") as Mode[];
/** The baseline each mode is held to: the queue mode's has the queue hop, the others' DO calls the tool directly. */
const baselineOf = (mode: Mode) => (mode === "queue" ? "queue" : "direct");

/** Signs up and pushes a chain of TASKS instant http tasks named `chain`. */
async function prepareTutti(server: DevServer, toolUrl: string) {
  const { headers, team } = await prepareTenant(server, toolUrl);
  const tasks = Array.from({ length: TASKS }, (_, i) => instantTask(`t${String(i).padStart(2, "0")}`, i > 0 ? [`t${String(i - 1).padStart(2, "0")}`] : []));
  await pushPipeline(server, headers, { name: "chain", team, tasks });
  return headers;
}

/** One run of the chain: wall time from the API call to the run's end, and the task-to-task gaps. */
async function runChain(server: DevServer, headers: Record<string, string>) {
  const { wall, seen, tasks } = await runToEnd(server, headers, "chain");
  return { wall, seen, gaps: gapsOf(tasks) };
}

/** One chain of the bare baseline of `kind`: its time per step. */
async function baselineChain(baseline: DevServer, kind: "queue" | "direct", toolUrl: string): Promise<number> {
  const mode = kind === "queue" ? "queue" : "inline";
  const res = await fetch(`${baseline.url}/chain?steps=${TASKS}&tool=${encodeURIComponent(toolUrl)}&mode=${mode}`);
  return (await json<{ ms: number }>(res)).ms / TASKS;
}

/** CHAINS runs of the chain in `mode`, each followed by one of the mode's baseline (after a warm-up of both). */
async function measureMode(mode: Mode, baseline: DevServer, toolUrl: string) {
  const server = await startDevServer({ vars: { DISPATCH_MODE: mode } });
  try {
    const headers = await prepareTutti(server, toolUrl);
    await runChain(server, headers);
    await baselineChain(baseline, baselineOf(mode), toolUrl);
    const walls: number[] = [];
    const seen: number[] = [];
    const gaps: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < CHAINS; i++) {
      const r = await runChain(server, headers);
      walls.push(r.wall);
      seen.push(r.seen);
      gaps.push(...r.gaps);
      base.push(await baselineChain(baseline, baselineOf(mode), toolUrl));
    }
    return { perTask: walls.map((w) => w / TASKS), seen, gaps, baseline: base };
  } finally {
    await server.stop();
  }
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const tool = await startHttpToolFake();
try {
  console.log(`bench/engine: chain of ${TASKS} instant http tasks, median of ${CHAINS} chains after a warm-up; load average ${load()}\n`);
  const baselineServer = await startDevServer({ config: join(repoRoot, "bench/baseline/wrangler.toml"), healthPath: "/health", vars: {} });
  const rows: string[][] = [];
  for (const mode of MODES) {
    const tutti = await measureMode(mode, baselineServer, tool.url).catch(async (err) => {
      await baselineServer.stop();
      throw err;
    });
    const baseline = tutti.baseline;
    const ratio = median(tutti.perTask) / median(baseline);
    rows.push([
      mode === "hybrid" ? "hybrid (default)" : mode,
      fmt(median(tutti.perTask)),
      fmt(percentile(tutti.perTask, 95)),
      fmt(median(tutti.gaps)),
      fmt(percentile(tutti.gaps, 95)),
      `${fmt(median(baseline))} (${baselineOf(mode)})`,
      `${ratio.toFixed(2)}×`,
      fmt(median(tutti.seen)),
    ]);
  }
  await baselineServer.stop();
  const header = ["dispatch", "per task p50", "per task p95", "gap p50", "gap p95", "baseline per step", "Tutti ÷ baseline", "client saw the end"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  console.log(`\nload average at the end: ${load()}`);
  console.log("Goal, default mode: gap p50 under 1 ms, per task within 1.5× the direct baseline (docs/benchmarks.md).");
  console.log(
    "Per task: API call to the run's own finished_at, ÷ tasks. Client saw the end: when the run API's long poll answered (its reads are 250 ms, 750 ms, 1.75 s, … after the call).",
  );
} finally {
  await tool.close();
}
