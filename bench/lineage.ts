/**
 * bench/lineage: lineage graph queries on 10,000 datasets / 30,000 edges in workerd's D1 (`wrangler dev`,
 * Tutti's own repository code and migrations) against the same SQL on raw SQLite (better-sqlite3) in the
 * same run, printed as ratios; and OpenLineage ingest in events/s against a bare insert of the raw events.
 *
 *   npm run bench:lineage [-- --samples 40 --reps 3 --events 2000 --batch 100]
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
import { impactSql, walkAllSql, walkLimitedSql } from "../worker/db/repo/lineage/graph-sql";
import { binOf, repoRoot, runNode } from "../test/e2e/helpers/processes";
import { generateGraph, rng, sampleEvent, type BenchGraph } from "./lineage/graph";
import { percentile, startDevServer, type DevServer } from "./lib/dev-server";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "40" },
    reps: { type: "string", default: "3" },
    events: { type: "string", default: "2000" },
    batch: { type: "string", default: "100" },
  },
});
const SAMPLES = Number(values.samples);
const REPS = Number(values.reps);
const EVENTS = Number(values.events);
const BATCH = Number(values.batch);
const TENANT = "tnt_bench_lineage";

interface QueryCase {
  label: string;
  kind: "upstream" | "downstream" | "impact";
  depth: number | null;
}

const cases: QueryCase[] = [
  { label: "upstream, depth 3", kind: "upstream", depth: 3 },
  { label: "downstream, depth 3", kind: "downstream", depth: 3 },
  { label: "upstream, unlimited", kind: "upstream", depth: null },
  { label: "downstream, unlimited", kind: "downstream", depth: null },
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
  const res = await fetchOnce(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
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
  const query =
    c.kind === "impact" ? impactSql(TENANT, node) : c.depth === null ? walkAllSql(TENANT, node, c.kind) : walkLimitedSql(TENANT, node, c.kind, c.depth);
  return dialect.sqlToQuery(query);
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
      const rows = statement.all(...q.params);
      times.push(performance.now() - started);
      sizes.push(rows.length);
    }
  }
  return { times, sizes };
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const ratio = (a: number, b: number) => `${(a / Math.max(b, 0.001)).toFixed(1)}×`;

async function benchIngest(server: DevServer) {
  const events = Array.from({ length: EVENTS }, (_, i) => sampleEvent(i));
  // Warm-up on events the measured runs do not repeat.
  await post(
    server,
    "/ingest",
    Array.from({ length: BATCH }, (_, i) => sampleEvent(EVENTS + i, 11)),
  );
  await post(server, "/bare-insert", events.slice(0, BATCH));
  let ingestMs = 0;
  let bareMs = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    const batch = events.slice(i, i + BATCH);
    const ingested = await post(server, "/ingest", batch);
    if (ingested.failed) throw new Error(`${ingested.failed} events failed to ingest`);
    ingestMs += ingested.ms;
    bareMs += (await post(server, "/bare-insert", batch)).ms;
  }
  return { ingestRate: (EVENTS / ingestMs) * 1000, bareRate: (EVENTS / bareMs) * 1000 };
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
      if (meanRows !== liteRows && c.kind !== "impact") throw new Error(`${c.label}: D1 returned ${meanRows} rows on average, SQLite ${liteRows}`);
      const [d50, d95, s50, s95] = [percentile(d1.times, 50), percentile(d1.times, 95), percentile(lite.times, 50), percentile(lite.times, 95)];
      rows.push([c.label, String(meanRows), ms(d50), ms(d95), ms(s50), ms(s95), ratio(d50, s50), ratio(d95, s95)]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));

    const ingest = await benchIngest(server);
    console.log(
      `\nOpenLineage ingest (validate, dedupe, graph, facets, runs, raw event): ${Math.round(ingest.ingestRate)} events/s; ` +
        `bare insert of the raw events: ${Math.round(ingest.bareRate)} events/s; ratio ${(ingest.ingestRate / ingest.bareRate).toFixed(2)}×`,
    );
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
