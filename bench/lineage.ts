/**
 * bench/lineage: lineage graph queries on 10,000 datasets / 30,000 edges in workerd's D1 (`wrangler dev`,
 * Tutti's own repository code and migrations) against the same SQL on raw SQLite (better-sqlite3) in the
 * same run, printed as ratios; and OpenLineage ingest in events/s against a bare insert of the raw events.
 *
 *   npm run bench:lineage [-- --samples 40 --reps 3 --events 2000 --batch 100] [-- --only guard|ingest]
 *
 * `--only guard` loads the graph and measures only what the ownership conditions inside the writes cost (benchGuardCost);
 * `--only ingest` loads the graph and measures only the OpenLineage ingest against the bare insert (benchIngestBoth).
 *
 * D1 times are taken inside the Worker around one repository call (no HTTP); SQLite times around the same
 * statement's `.all()`. Both databases get the same graph through the same migrations.
 */
import Database from "better-sqlite3";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { GRAPH_ROW, graphSql, impactSql } from "../worker/db/repo/lineage/graph-sql";
import { MAX_GRAPH_NODES } from "../worker/db/repo/lineage/graph";
import { qualitySince } from "../worker/lineage/dataset-health";
import { binOf, repoRoot, runNode } from "../test/e2e/helpers/processes";
import { generateGraph, rng, sampleEvent, type BenchGraph } from "./lineage/graph";
import { generateManifest } from "./lineage/manifest";
import { percentile, startDevServer, type DevServer } from "./lib/dev-server";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "40" },
    reps: { type: "string", default: "3" },
    events: { type: "string", default: "2000" },
    batch: { type: "string", default: "100" },
    only: { type: "string" },
  },
});
const SAMPLES = Number(values.samples);
const REPS = Number(values.reps);
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const TENANT = "tnt_bench_lineage";

interface QueryCase {
  label: string;
  kind: "upstream" | "downstream" | "both" | "impact";
  depth: number | null;
}

/** What GET /lineage/graph (nodes with owners, health and edges, up to 2,000) and GET /lineage/impact answer. */
const cases: QueryCase[] = [
  { label: "graph upstream, depth 3", kind: "upstream", depth: 3 },
  { label: "graph downstream, depth 3", kind: "downstream", depth: 3 },
  { label: "graph both, depth 3 (API default)", kind: "both", depth: 3 },
  { label: "graph downstream, unlimited (≤ 2,000)", kind: "downstream", depth: null },
  { label: "impact (downstream, unlimited, owners)", kind: "impact", depth: null },
];

/**
 * fetch with one retry when the pooled connection was closed under us: between phases this script runs SQLite
 * for seconds, longer than the dev server keeps an idle keep-alive connection open.
 */
async function fetchOnce(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== "UND_ERR_SOCKET" && code !== "ECONNRESET") throw err;
    return fetch(url, init);
  }
}

async function post(server: DevServer, path: string, body: unknown) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const res = await fetchOnce(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: text });
  const json = (await res.json()) as Record<string, number> & { error?: string };
  if (!res.ok) throw new Error(`${path}: ${res.status} ${json.error}`);
  return json;
}

/** Nodes to query: the same sample for both databases, spread over every layer. */
function sampleNodes(graph: BenchGraph): string[] {
  const random = rng(99);
  return Array.from({ length: SAMPLES }, () => graph.datasets[Math.floor(random() * graph.datasets.length)][0]);
}

async function loadD1(server: DevServer, graph: BenchGraph) {
  const started = performance.now();
  const step = 2500;
  await post(server, "/load", { teams: graph.teams, datasets: [], edges: [] });
  for (let i = 0; i < graph.datasets.length; i += step) await post(server, "/load", { teams: [], datasets: graph.datasets.slice(i, i + step), edges: [] });
  for (let i = 0; i < graph.edges.length; i += step * 2) await post(server, "/load", { teams: [], datasets: [], edges: graph.edges.slice(i, i + step * 2) });
  return performance.now() - started;
}

/** Raw SQLite with the same migrations, loaded with the same rows. */
function loadSqlite(graph: BenchGraph) {
  const dir = mkdtempSync(join(tmpdir(), "tutti-bench-sqlite-"));
  const db = new Database(join(dir, "bench.sqlite"));
  const migrations = readdirSync(join(repoRoot, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const file of migrations) {
    for (const statement of readFileSync(join(repoRoot, "migrations", file), "utf8").split("--> statement-breakpoint")) {
      if (statement.trim()) db.exec(statement);
    }
  }
  const now = Date.now();
  const insertTeam = db.prepare("INSERT INTO teams (tenant_id, id, slug, name, description, created_at) VALUES (?, ?, ?, ?, '', 0)");
  const insertDataset = db.prepare(
    "INSERT INTO datasets (tenant_id, id, namespace, name, kind, owner_team_id, tags, created_at, updated_at) VALUES (?, ?, ?, ?, 'table', ?, '[]', ?, ?)",
  );
  const insertEdge = db.prepare(
    "INSERT INTO lineage_edges (tenant_id, from_node, to_node, origin, kind, first_seen_at, last_seen_at) VALUES (?, ?, ?, 'bench', 'derived', ?, ?)",
  );
  db.transaction(() => {
    for (const [id, name] of graph.teams) insertTeam.run(TENANT, id, id, name);
    for (const [id, ns, name, owner] of graph.datasets) insertDataset.run(TENANT, id, ns, name, owner, now, now);
    for (const [from, to] of graph.edges) insertEdge.run(TENANT, from, to, now, now);
  })();
  return {
    db,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const dialect = new SQLiteSyncDialect();

/** The repository's statement for one case and node, lowered to text and parameters as drizzle sends it to D1. */
function sqliteQuery(c: QueryCase, node: string) {
  const directions = c.kind === "both" ? (["upstream", "downstream"] as const) : c.kind === "impact" ? [] : [c.kind];
  const query = c.kind === "impact" ? impactSql(TENANT, node) : graphSql(TENANT, node, [...directions], c.depth, MAX_GRAPH_NODES, qualitySince(Date.now()));
  return dialect.sqlToQuery(query);
}

/** Nodes the API would return from the statement's rows (catalogued nodes, at most MAX_GRAPH_NODES); impact: rows. */
function sqliteSize(c: QueryCase, rows: unknown[][]): number {
  if (c.kind === "impact") return rows.filter((r) => !r[0] && r[2] !== null).length;
  const nodes = rows.filter((r) => r[0] === GRAPH_ROW.node);
  return nodes.length > MAX_GRAPH_NODES ? -1 : nodes.filter((r) => r[3] !== null).length;
}

interface Timing {
  times: number[];
  sizes: number[];
}

async function timeD1(server: DevServer, c: QueryCase, nodes: string[]): Promise<Timing> {
  const times: number[] = [];
  const sizes: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const node of nodes) {
      const q = new URLSearchParams({ kind: c.kind, node, depth: c.depth === null ? "all" : String(c.depth) });
      const res = (await (await fetchOnce(`${server.url}/query?${q}`)).json()) as { ms: number; size: number; error?: string };
      if (res.error) throw new Error(res.error);
      times.push(res.ms);
      sizes.push(res.size);
    }
  }
  return { times, sizes };
}

function timeSqlite(db: Database.Database, c: QueryCase, nodes: string[]): Timing {
  // The text is the same for every node of a case: prepare it once, as before timing, and bind each node's parameters.
  const prepared = new Map<string, Database.Statement>();
  const times: number[] = [];
  const sizes: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    for (const node of nodes) {
      const q = sqliteQuery(c, node);
      let statement = prepared.get(q.sql);
      if (!statement) {
        statement = db.prepare(q.sql).raw();
        prepared.set(q.sql, statement);
      }
      const started = performance.now();
      const rows = statement.all(...q.params) as unknown[][];
      times.push(performance.now() - started);
      sizes.push(sqliteSize(c, rows));
    }
  }
  return { times, sizes };
}

/** D1's fixed cost per statement from the Worker: `SELECT 1`, 60 times. */
async function timeFloor(server: DevServer): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < 60; i++) out.push(((await (await fetchOnce(`${server.url}/clock`)).json()) as { ms: number }).ms);
  return out;
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const ratio = (a: number, b: number) => `${(a / Math.max(b, 0.001)).toFixed(1)}×`;

/**
 * OpenLineage ingest against a bare insert of the same raw events, batch by batch, alternating. `team`: as that
 * team's ingest token (ownership conditions inside the writes), else as a tenant admin; each pass its own events.
 */
async function benchIngest(server: DevServer, seed: number, team: string | null) {
  const events = Array.from({ length: EVENTS }, (_, i) => sampleEvent(i, seed));
  const path = team ? `/ingest?team=${team}` : "/ingest";
  // Warm-up on events the measured runs do not repeat.
  await post(
    server,
    path,
    Array.from({ length: BATCH }, (_, i) => sampleEvent(EVENTS + i, seed + 1000)),
  );
  await post(server, "/bare-insert", events.slice(0, BATCH));
  let ingestMs = 0;
  let bareMs = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const ingested = await post(server, path, batch);
    if (ingested.failed) throw new Error(`${ingested.failed} events failed to ingest`);
    ingestMs += ingested.ms;
    bareMs += (await post(server, "/bare-insert", batch)).ms;
  }
  return { ingestRate: (EVENTS / ingestMs) * 1000, bareRate: (EVENTS / bareMs) * 1000 };
}

/** OpenLineage ingest as a tenant admin and as a team's token, each against the bare insert. */
async function benchIngestBoth(server: DevServer) {
  for (const [label, seed, team] of [
    ["as a tenant admin", 7, null],
    ["as a team's token (ownership checked in the writes)", 21, "team_bench_0"],
  ] as const) {
    const ingest = await benchIngest(server, seed, team);
    console.log(
      `\nOpenLineage ingest ${label} (validate, dedupe, graph, facets, runs, raw event): ${Math.round(ingest.ingestRate)} events/s; ` +
        `bare insert of the raw events: ${Math.round(ingest.bareRate)} events/s; ratio ${(ingest.ingestRate / ingest.bareRate).toFixed(2)}×   goal ≥ 0.5×`,
    );
  }
}

/**
 * What the ownership conditions inside the writes cost: events of the same shape ingested as a team's token (every
 * statement carries othersJobsCheck's and the datasets' conditions) and as a tenant admin (acts for every team: no
 * condition, no lookup), batch by batch in the same Worker and database, alternating which side goes first. Each
 * side has its own events, so none is a duplicate; both name the same 500 jobs and their datasets.
 */
async function benchGuardCost(server: DevServer) {
  const team = "team_bench_0";
  const sides = [
    { path: `/ingest?team=${team}`, events: Array.from({ length: EVENTS }, (_, i) => sampleEvent(i, 61)), ms: 0 },
    { path: "/ingest", events: Array.from({ length: EVENTS }, (_, i) => sampleEvent(i, 67)), ms: 0 },
  ];
  // Warm-up on events the measured runs do not repeat: statements compiled, caches filled, for both paths.
  for (const [k, side] of sides.entries())
    await post(
      server,
      side.path,
      Array.from({ length: BATCH }, (_, i) => sampleEvent(EVENTS + i, 71 + k)),
    );
  for (let i = 0, n = 0; i < EVENTS; i += BATCH, n++) {
    for (const side of n % 2 ? [...sides].reverse() : sides) {
      const res = await post(server, side.path, side.events.slice(i, i + BATCH));
      if (res.failed) throw new Error(`${side.path}: ${res.failed} events failed to ingest`);
      side.ms += res.ms;
    }
  }
  return { teamMs: sides[0].ms, adminMs: sides[1].ms };
}

function printGuardCost(g: { teamMs: number; adminMs: number }) {
  console.log(
    `
Ownership conditions inside the writes (${EVENTS} events each side, alternating batches of ${BATCH}): ` +
      `as a team's token ${Math.round((EVENTS / g.teamMs) * 1000)} events/s, as a tenant admin ${Math.round((EVENTS / g.adminMs) * 1000)} events/s; ` +
      `team ÷ admin time ${(g.teamMs / g.adminMs).toFixed(2)}× (the guards' cost)`,
  );
}

/** Resident and peak resident memory (VmRSS, VmHWM) of a process, in bytes, from /proc (Linux). */
function memoryOf(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** The workerd processes serving a dev server: descendants of its wrangler process. */
function workerdPids(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      queue.push(child);
      try {
        if (readFileSync(`/proc/${child}/cmdline`, "utf8").includes("workerd")) out.push(child);
      } catch {
        // Gone meanwhile.
      }
    }
  }
  return out;
}

/**
 * A ~10 MB manifest through the dbt ingest path, twice (a new project each time, so nothing is a duplicate), timed
 * inside the Worker and over HTTP. Memory: workerd reports no per-isolate heap under `wrangler dev`, so the peak
 * resident memory of the workerd process (VmHWM, reset through /proc/<pid>/clear_refs before each upload) is
 * printed against its resident memory just before: an upper bound on what the upload needed, as the same process
 * also runs local D1 and R2.
 */
async function benchDbt(server: DevServer) {
  const manifest = generateManifest();
  const pids = server.pid ? workerdPids(server.pid) : [];
  const runs: Array<{ workerMs: number; httpMs: number; nodes: number; edges: number; before: number | null; peak: number | null }> = [];
  for (let i = 0; i < 2; i++) {
    for (const pid of pids) {
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, "5");
      } catch {
        // Not permitted here: the peak then counts from the process start.
      }
    }
    const before = pids.map(memoryOf);
    const started = performance.now();
    const res = (await post(server, `/dbt?project=bench_${i}`, manifest.text)) as { ms: number; nodes: number; edges: number };
    const httpMs = performance.now() - started;
    const after = pids.map(memoryOf);
    const sum = (xs: Array<{ rss: number; peak: number } | null>, k: "rss" | "peak") => (xs.every((x) => x) ? xs.reduce((a, x) => a + x![k], 0) : null);
    runs.push({ workerMs: res.ms, httpMs, nodes: res.nodes, edges: res.edges, before: sum(before, "rss"), peak: sum(after, "peak") });
  }
  return { bytes: Buffer.byteLength(manifest.text), models: manifest.models, tests: manifest.tests, runs, processes: pids.length };
}

/**
 * The bench worker, bundled once up front and served with `no_bundle`: `wrangler dev` would otherwise rebuild and
 * restart it mid-run whenever anyone edits a file under worker/ (the bench imports Tutti's repository code).
 */
async function bundledConfig(): Promise<{ config: string; cleanup(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "tutti-bench-lineage-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };
  await runNode(binOf("wrangler"), ["deploy", "--dry-run", "--outdir", join(dir, "dist"), "--config", join(repoRoot, "bench/lineage/wrangler.toml")], { env });
  const config = join(dir, "wrangler.toml");
  writeFileSync(
    config,
    [
      'name = "tutti-bench-lineage"',
      'main = "dist/worker.js"',
      'compatibility_date = "2026-04-01"',
      'compatibility_flags = ["nodejs_compat"]',
      "no_bundle = true",
      "[[d1_databases]]",
      'binding = "DB"',
      'database_name = "bench-lineage"',
      'database_id = "00000000-0000-4000-8000-0000000011e0"',
      `migrations_dir = ${JSON.stringify(join(repoRoot, "migrations"))}`,
      "[[r2_buckets]]",
      'binding = "BLOBS"',
      'bucket_name = "bench-lineage-blobs"',
      "",
    ].join("\n"),
  );
  return { config, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function main() {
  console.log(`bench/lineage: ${SAMPLES} sampled nodes × ${REPS} repetitions per query; ${EVENTS} OpenLineage events in batches of ${BATCH}`);
  // Absolute times move with whatever else the machine runs; the ratios are measured side by side in this run.
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at start\n`);
  const graph = generateGraph();
  const nodes = sampleNodes(graph);
  const sqlite = loadSqlite(graph);
  const bundle = await bundledConfig();
  const server = await startDevServer({ config: bundle.config, healthPath: "/health", vars: {} });
  try {
    const loadMs = await loadD1(server, graph);
    console.log(
      `graph: ${graph.datasets.length} datasets, ${graph.edges.length} edges, loaded into D1 in ${(loadMs / 1000).toFixed(1)} s through the bulk upserts\n`,
    );
    if (values.only === "ingest") {
      await benchIngestBoth(server);
      console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
      return;
    }
    if (values.only === "guard") {
      printGuardCost(await benchGuardCost(server));
      console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
      return;
    }
    // Warm both: first queries compile statements and fill page caches.
    for (const c of cases) {
      await timeD1(server, c, nodes.slice(0, 3));
      timeSqlite(sqlite.db, c, nodes.slice(0, 3));
    }
    const header = ["query", "rows (mean)", "D1 p50", "D1 p95", "SQLite p50", "SQLite p95", "ratio p50", "ratio p95"];
    const rows: string[][] = [];
    for (const c of cases) {
      const d1 = await timeD1(server, c, nodes);
      const lite = timeSqlite(sqlite.db, c, nodes);
      const meanRows = Math.round(d1.sizes.reduce((a, b) => a + b, 0) / d1.sizes.length);
      const liteRows = Math.round(lite.sizes.reduce((a, b) => a + b, 0) / lite.sizes.length);
      // Truncated graphs (-1) are not compared: the statement returns one node past the limit.
      if (!lite.sizes.includes(-1) && meanRows !== liteRows) throw new Error(`${c.label}: D1 returned ${meanRows} rows on average, SQLite ${liteRows}`);
      const [d50, d95, s50, s95] = [percentile(d1.times, 50), percentile(d1.times, 95), percentile(lite.times, 50), percentile(lite.times, 95)];
      rows.push([c.label, String(meanRows), ms(d50), ms(d95), ms(s50), ms(s95), ratio(d50, s50), ratio(d95, s95)]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));

    const floor = await timeFloor(server);
    console.log(
      `\nD1 floor: one \`SELECT 1\` from the Worker takes ${ms(percentile(floor, 50))} p50, ${ms(percentile(floor, 95))} p95 — every statement's fixed cost here.`,
    );

    await benchIngestBoth(server);
    printGuardCost(await benchGuardCost(server));

    const dbt = await benchDbt(server);
    const mb = (b: number | null) => (b === null ? "n/a" : `${(b / 1024 / 1024).toFixed(0)} MB`);
    console.log(`\ndbt manifest ingest: ${(dbt.bytes / 1024 / 1024).toFixed(1)} MiB manifest, ${dbt.models} models, ${dbt.tests} tests (goal < 2 s)`);
    for (const r of dbt.runs) {
      console.log(
        `  ${(r.workerMs / 1000).toFixed(2)} s in the Worker, ${(r.httpMs / 1000).toFixed(2)} s over HTTP; ${r.nodes} nodes, ${r.edges} edges; ` +
          `workerd resident memory ${mb(r.before)} before, peak ${mb(r.peak)} during (${dbt.processes} process(es))`,
      );
    }
    console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
    console.log(
      "\nD1: workerd's local D1 under `wrangler dev`, times taken inside the Worker (integer milliseconds). SQLite: better-sqlite3, same process as this script.",
    );
  } finally {
    await server.stop();
    bundle.cleanup();
    sqlite.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
