import { createDb, tenantCtx } from "../../worker/db/client";
import { ingestCosts } from "../../worker/db/repo/costs/ledger-ingest";
import { rebuildDaysStatements } from "../../worker/db/repo/costs/ledger-allocations";
import { explorerCells, type ExplorerDimension, type Granularity } from "../../worker/db/repo/costs/reports";
import { runBatch } from "../../worker/db/statements";
import { scorecards } from "../../worker/db/repo/products/scorecard";
import { listProducts } from "../../worker/db/repo/products/products";
import { eachDay } from "../../worker/costs/period";
import { scorecardWindows } from "../../worker/costs/windows";
import { DAYS, END_DAY, seedAllocationsSql, seedRecordsSql, seedTeamsAndProductsSql, seedUsageSql } from "./seed-sql";
import { ledgerScorecardSql, scorecardQuery } from "./queries";

/**
 * Routes for bench/cost.ts. Query routes run one repository call (or one statement) and report how long it took
 * inside the Worker, so the figure is D1's, not HTTP's.
 */
interface Env {
  DB: D1Database;
}

const BENCH_TENANT = "tnt_bench_cost";
const json = (data: unknown, status = 200) => new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const ctx = tenantCtx(createDb(env.DB), BENCH_TENANT);
    const q = (k: string) => url.searchParams.get(k);
    try {
      if (url.pathname === "/health") return json({ ok: true });

      if (url.pathname === "/seed-meta") {
        for (const text of seedTeamsAndProductsSql) await env.DB.prepare(text).bind(BENCH_TENANT).run();
        await env.DB.prepare(seedUsageSql).bind(BENCH_TENANT).run();
        return json({ ok: true });
      }

      if (url.pathname === "/seed-records") {
        const from = Number(q("from"));
        const to = Number(q("to"));
        const started = performance.now();
        await env.DB.batch([env.DB.prepare(seedRecordsSql).bind(BENCH_TENANT, from, to), env.DB.prepare(seedAllocationsSql).bind(BENCH_TENANT, from, to)]);
        return json({ ms: performance.now() - started });
      }

      if (url.pathname === "/rebuild") {
        // The rollup of every day, through the same statements a cost write runs for the days it touches.
        const first = new Date(Date.parse(`${END_DAY}T00:00:00Z`) - (DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
        const days = eachDay(first, END_DAY);
        const started = performance.now();
        for (let i = 0; i < days.length; i += 10) await runBatch(ctx, rebuildDaysStatements(ctx, days.slice(i, i + 10)));
        const rows = await env.DB.prepare("SELECT count(*) AS n FROM cost_daily WHERE tenant_id = ?").bind(BENCH_TENANT).first<{ n: number }>();
        return json({ ms: performance.now() - started, rows: rows?.n ?? 0 });
      }

      if (url.pathname === "/query") {
        const kind = q("kind")!;
        const w = scorecardWindows(END_DAY.slice(0, 7), END_DAY);
        const now = Date.parse(`${END_DAY}T12:00:00Z`);
        let size = 0;
        const started = performance.now();
        if (kind === "scorecard-full") {
          // The whole GET /scorecard read: every product's cost, usage, pipelines, members, runs, quality and ranking.
          const products = await listProducts(ctx);
          size = (await scorecards(ctx, products, w, now)).length;
        } else if (kind === "explorer") {
          const cells = await explorerCells(ctx, {
            from: q("from")!,
            to: q("to")!,
            groupBy: q("group_by") as ExplorerDimension,
            granularity: q("granularity") as Granularity,
            filter: q("team_id") ? { teamId: q("team_id")! } : {},
          });
          size = cells.length;
        } else {
          const query = kind === "ledger-scorecard" ? ledgerScorecardSql(BENCH_TENANT, w) : scorecardQuery(BENCH_TENANT, w);
          size = (await ctx.db.values(query)).length;
        }
        return json({ ms: performance.now() - started, size });
      }

      if (url.pathname === "/ingest" && request.method === "POST") {
        // The POST /costs write path after validation: dedupe lookup, attribution, records, allocations, rollups.
        // A batch holds one day's costs (a nightly export of yesterday's bill), so it rebuilds one day's rollups.
        const { offset, count } = (await request.json()) as { offset: number; count: number };
        const base = Date.parse(`${END_DAY}T00:00:00Z`);
        const drafts = Array.from({ length: count }, (_, i) => ({
          source: "aws",
          externalRef: `ingest-${offset + i}`,
          amountMicros: 1_000_000 + i,
          currency: "USD",
          quantity: null,
          unit: null,
          startedAt: base - (Math.floor(offset / count) % 30) * 86_400_000 + i * 1000,
          endedAt: null,
          description: null,
          attribution: { products: [{ name: `product_${String((offset + i) % 100).padStart(3, "0")}`, weight: 1 }] },
        }));
        const started = performance.now();
        const result = await ingestCosts(ctx, null, drafts, "team_bench_00", Date.now());
        return json({ ms: performance.now() - started, inserted: result.inserted });
      }
      return json({ error: "not found" }, 404);
    } catch (err) {
      return json({ error: String(err), stack: (err as Error).stack }, 500);
    }
  },
};
