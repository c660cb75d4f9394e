/**
 * bench/cost: 1 million cost records over 100 products. The month-to-date scorecard query and the cost explorer's
 * queries in workerd's D1 (`wrangler dev`, Tutti's own repository code and migrations) against the same SQL on raw
 * SQLite (better-sqlite3) in the same run, printed as ratios; the whole scorecard read (every product's cost,
 * usage, reliability and ranking) in D1; the same month-to-date sums straight from the ledger, to show what the
 * daily rollup saves; and the rate of the cost write path.
 *
 *   npm run bench:cost [-- --records 1000000 --samples 30 --chunk 50000]
 *
 * Both databases get the same rows from the same generating SQL (bench/cost/seed-sql.ts) through the same
 * migrations, and the rollup is built by the same statements a cost write runs.
 */
import Database from "better-sqlite3";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { SQL } from "drizzle-orm";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { TenantCtx } from "../worker/db/client";
import { rebuildDaysStatements } from "../worker/db/repo/costs/ledger-allocations";
import { explorerSql } from "../worker/db/repo/costs/reports";
import { eachDay } from "../worker/costs/period";
import { scorecardWindows } from "../worker/costs/windows";
import { repoRoot } from "../test/e2e/helpers/processes";
import { ledgerScorecardSql, scorecardQuery } from "./cost/queries";
import { DAYS, END_DAY, seedAllocationsSql, seedRecordsSql, seedTeamsAndProductsSql, seedUsageSql } from "./cost/seed-sql";
import { percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { frozenConfig } from "./lib/frozen-worker";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "1000000" },
    samples: { type: "string", default: "30" },
    chunk: { type: "string", default: "50000" },
    "ingest-batches": { type: "string", default: "10" },
    "ingest-size": { type: "string", default: "500" },
  },
});
const RECORDS = Number(values.records);
const SAMPLES = Number(values.samples);
const CHUNK = Number(values.chunk);
const INGEST_BATCHES = Number(values["ingest-batches"]);
const INGEST_SIZE = Number(values["ingest-size"]);
const TENANT = "tnt_bench_cost";
const FIRST_DAY = new Date(Date.parse(`${END_DAY}T00:00:00Z`) - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
const sqliteDialect = new SQLiteSyncDialect();
const back = (days: number) => new Date(Date.parse(`${END_DAY}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

interface Case {
  label: string;
  /** Query string for the bench worker's /query route. */
  d1: Record<string, string>;
  /** The same statement for SQLite (lowered by drizzle's SQLite dialect, as for D1), or null when D1 only. */
  sqlite: SQL | null;
}

const windows = scorecardWindows(END_DAY.slice(0, 7), END_DAY);
const cases: Case[] = [
  { label: "scorecard: month-to-date cost, 100 products (rollup)", d1: { kind: "scorecard-sql" }, sqlite: scorecardQuery(TENANT, windows) },
  {
    label: "explorer: by product per day, 30 days",
    d1: { kind: "explorer", group_by: "product", granularity: "day", from: back(29), to: END_DAY },
    sqlite: explorerSql(TENANT, { groupBy: "product", granularity: "day", from: back(29), to: END_DAY, filter: {} }),
  },
  {
    label: "explorer: by source per week, 120 days",
    d1: { kind: "explorer", group_by: "source", granularity: "week", from: FIRST_DAY, to: END_DAY },
    sqlite: explorerSql(TENANT, { groupBy: "source", granularity: "week", from: FIRST_DAY, to: END_DAY, filter: {} }),
  },
  {
    label: "explorer: one team by pipeline per day, 30 days",
    d1: { kind: "explorer", group_by: "pipeline", granularity: "day", from: back(29), to: END_DAY, team_id: "team_bench_03" },
    sqlite: explorerSql(TENANT, { groupBy: "pipeline", granularity: "day", from: back(29), to: END_DAY, filter: { teamId: "team_bench_03" } }),
  },
  { label: "no rollup: month-to-date sums from the ledger", d1: { kind: "ledger-scorecard" }, sqlite: ledgerScorecardSql(TENANT, windows) },
  { label: "GET /scorecard read: all products, every figure, ranked", d1: { kind: "scorecard-full" }, sqlite: null },
];

async function fetchJson(server: DevServer, path: string, init?: RequestInit): Promise<Record<string, number> & { error?: string }> {
  let res: Response;
  try {
    res = await fetch(`${server.url}${path}`, init);
  } catch (err) {
    // The dev server closes idle keep-alive connections while SQLite works for seconds between phases.
    if ((err as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw err;
    res = await fetch(`${server.url}${path}`, init);
  }
  const text = await res.text();
  let json: Record<string, number> & { error?: string };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path}: ${res.status} ${text.slice(0, 300)}`);
  }
  if (!res.ok || json.error) throw new Error(`${path}: ${res.status} ${json.error}`);
  return json;
}

function openSqlite() {
  const dir = mkdtempSync(join(tmpdir(), "tutti-bench-cost-sqlite-"));
  const db = new Database(join(dir, "bench.sqlite"));
  db.pragma("journal_mode = WAL");
  for (const file of readdirSync(join(repoRoot, "migrations"))
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    for (const statement of readFileSync(join(repoRoot, "migrations", file), "utf8").split("--> statement-breakpoint"))
      if (statement.trim()) db.exec(statement);
  }
  return {
    db,
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** better-sqlite3 binds numbered parameters (?1, ?2…) from an object keyed by number. */
const numbered = (values: Array<string | number>) => Object.fromEntries(values.map((v, i) => [i + 1, v]));

function loadSqlite(db: Database.Database) {
  const started = performance.now();
  for (const text of seedTeamsAndProductsSql) db.prepare(text).run(numbered([TENANT]));
  db.prepare(seedUsageSql).run(numbered([TENANT]));
  const records = db.prepare(seedRecordsSql);
  const allocations = db.prepare(seedAllocationsSql);
  for (let from = 0; from < RECORDS; from += CHUNK) {
    const to = Math.min(RECORDS, from + CHUNK);
    db.transaction(() => {
      records.run(numbered([TENANT, from, to]));
      allocations.run(numbered([TENANT, from, to]));
    })();
  }
  const days = eachDay(FIRST_DAY, END_DAY);
  const ctx = { tenantId: TENANT } as TenantCtx;
  for (let i = 0; i < days.length; i += 10) {
    db.transaction(() => {
      for (const s of rebuildDaysStatements(ctx, days.slice(i, i + 10))) db.prepare(s.sql).run(...(s.params as unknown[]));
    })();
  }
  db.exec("ANALYZE");
  return performance.now() - started;
}

async function loadD1(server: DevServer) {
  const started = performance.now();
  await fetchJson(server, "/seed-meta");
  for (let from = 0; from < RECORDS; from += CHUNK) await fetchJson(server, `/seed-records?from=${from}&to=${Math.min(RECORDS, from + CHUNK)}`);
  const rebuilt = await fetchJson(server, "/rebuild");
  return { ms: performance.now() - started, dailyRows: rebuilt.rows };
}

async function timeD1(server: DevServer, c: Case, n: number) {
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const r = await fetchJson(server, `/query?${new URLSearchParams(c.d1)}`);
    times.push(r.ms);
    size = r.size;
  }
  return { times, size };
}

function timeSqlite(db: Database.Database, c: Case, n: number) {
  const query = sqliteDialect.sqlToQuery(c.sqlite!);
  const statement = db.prepare(query.sql).raw();
  const params = query.params as Array<string | number>;
  const times: number[] = [];
  let size = 0;
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    size = statement.all(...params).length;
    times.push(performance.now() - started);
  }
  return { times, size };
}

const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 1)} ms`;
const ratio = (a: number, b: number) => `${(a / Math.max(b, 0.01)).toFixed(1)}×`;

async function main() {
  console.log(`bench/cost: ${RECORDS.toLocaleString("en-US")} cost records over 100 products and ${DAYS} days; ${SAMPLES} samples per query`);
  console.log(`machine: ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)} at start\n`);
  const sqlite = openSqlite();
  const sqliteLoad = loadSqlite(sqlite.db);
  const dailyRows = (sqlite.db.prepare("SELECT count(*) AS n FROM cost_daily WHERE tenant_id = ?").get(TENANT) as { n: number }).n;
  const allocations = (sqlite.db.prepare("SELECT count(*) AS n FROM cost_allocations WHERE tenant_id = ?").get(TENANT) as { n: number }).n;
  const frozen = await frozenConfig(join(repoRoot, "bench/cost/wrangler.toml"));
  const server = await startDevServer({ config: frozen.config, healthPath: "/health", vars: {} });
  try {
    const d1 = await loadD1(server);
    if (d1.dailyRows !== dailyRows) throw new Error(`rollups differ: D1 ${d1.dailyRows} rows, SQLite ${dailyRows}`);
    console.log(
      `data: ${allocations.toLocaleString("en-US")} allocations, ${dailyRows.toLocaleString("en-US")} daily rollup rows; loaded in ${(sqliteLoad / 1000).toFixed(1)} s (SQLite) and ${(d1.ms / 1000).toFixed(1)} s (D1)\n`,
    );

    const header = ["query", "rows", "D1 p50", "D1 p95", "SQLite p50", "SQLite p95", "ratio p50", "ratio p95"];
    const rows: string[][] = [];
    for (const c of cases) {
      // Warm-up: statement compilation and page cache.
      await timeD1(server, c, 3);
      const d = await timeD1(server, c, SAMPLES);
      const [d50, d95] = [percentile(d.times, 50), percentile(d.times, 95)];
      if (!c.sqlite) {
        rows.push([c.label, String(d.size), ms(d50), ms(d95), "—", "—", "—", "—"]);
        continue;
      }
      timeSqlite(sqlite.db, c, 3);
      const s = timeSqlite(sqlite.db, c, SAMPLES);
      if (s.size !== d.size) throw new Error(`${c.label}: D1 returned ${d.size} rows, SQLite ${s.size}`);
      const [s50, s95] = [percentile(s.times, 50), percentile(s.times, 95)];
      rows.push([c.label, String(d.size), ms(d50), ms(d95), ms(s50), ms(s95), ratio(d50, s50), ratio(d95, s95)]);
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
    console.log(line(header));
    for (const r of rows) console.log(line(r));

    let ingestMs = 0;
    for (let b = 0; b < INGEST_BATCHES; b++)
      ingestMs += (
        await fetchJson(server, "/ingest", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ offset: b * INGEST_SIZE, count: INGEST_SIZE }),
        })
      ).ms;
    const rate = (INGEST_BATCHES * INGEST_SIZE) / (ingestMs / 1000);
    console.log(
      `\ncost write path (dedupe, attribution, records, allocations, rollups of the day touched), ${INGEST_BATCHES} batches of ${INGEST_SIZE} records of one day each: ${Math.round(rate)} records/s`,
    );
    console.log(`load average ${loadavg()[0].toFixed(1)} at the end`);
    console.log(
      "\nD1: workerd's local D1 under `wrangler dev`, times taken inside the Worker (millisecond resolution). SQLite: better-sqlite3, same process as this script.",
    );
  } finally {
    await server.stop();
    frozen.cleanup();
    sqlite.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
