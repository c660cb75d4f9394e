import { createDb, tenantCtx } from "../../worker/db/client";
import { runBatch, stmt } from "../../worker/db/statements";
import { impactOf, lineageGraph } from "../../worker/db/repo/lineage/graph";
import { chunkRows } from "../../worker/db/bulk";
import { lineagePlanStatements } from "../../worker/db/repo/lineage/write";
import { ingestOpenLineageEvents } from "../../worker/ingest/openlineage";
import { tenantBlobs } from "../../worker/blobs/store";
import { ingestDbtArtifacts } from "../../worker/ingest/dbt-artifacts";
import { ingestWriter } from "../../worker/ingest/writer";
import { LineagePlan } from "../../worker/lineage/plan";
import { sql } from "drizzle-orm";

/**
 * Routes for bench/lineage.ts. Each query route runs one repository call and reports how long it took inside
 * the Worker, so the figure is D1's (plus the repository's few lines of mapping), not HTTP's.
 */
interface Env {
  DB: D1Database;
  BLOBS: R2Bucket;
}

const BENCH_TENANT = "tnt_bench_lineage";

const json = (data: unknown, status = 200) => new Response(JSON.stringify(data), { status, headers: { "content-type": "application/json" } });

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const ctx = tenantCtx(createDb(env.DB), BENCH_TENANT);
    try {
      if (url.pathname === "/health") return json({ ok: true });

      if (url.pathname === "/load" && request.method === "POST") {
        // { teams: [[id, name]], datasets: [[id, namespace, name, ownerTeamId]], edges: [[from, to]] }
        const body = (await request.json()) as { teams: string[][]; datasets: string[][]; edges: string[][] };
        const plan = new LineagePlan();
        for (const [id, namespace, name, owner] of body.datasets)
          plan.addDataset({ id, namespace, name, kind: "table", ownerTeamId: owner, lastWriteAt: null, lastWriteRunId: null });
        for (const [from, to] of body.edges) plan.addEdge({ from, to, kind: "derived", origin: "bench" });
        const teamStmts = chunkRows(body.teams).map((p) =>
          stmt(sql`INSERT OR IGNORE INTO teams (tenant_id, id, slug, name, description, created_at)
                   SELECT ${BENCH_TENANT}, r.value ->> '$[0]', r.value ->> '$[0]', r.value ->> '$[1]', '', 0 FROM json_each(${p}) r`),
        );
        const started = performance.now();
        await runBatch(ctx, [...teamStmts, ...lineagePlanStatements(ctx, plan, Date.now(), { actsFor: null })]);
        return json({ ms: performance.now() - started });
      }

      if (url.pathname === "/query") {
        const kind = url.searchParams.get("kind")!;
        const node = url.searchParams.get("node")!;
        const depthParam = url.searchParams.get("depth");
        const depth = depthParam === null || depthParam === "all" ? null : Number(depthParam);
        // The repository call the API route makes (GET /lineage/impact, GET /lineage/graph), node check included.
        const started = performance.now();
        let size: number;
        if (kind === "impact") {
          const impact = await impactOf(ctx, node);
          if (!impact) throw new Error(`${node}: not found`);
          size = impact.datasets.length + impact.jobs.length;
        } else {
          const graph = await lineageGraph(ctx, node, kind as "upstream" | "downstream" | "both", depth, Date.now());
          if (!graph) throw new Error(`${node}: not found`);
          size = graph.nodes.length;
        }
        return json({ ms: performance.now() - started, size });
      }

      if (url.pathname === "/ingest" && request.method === "POST") {
        // The receiver's whole path after HTTP: validate, dedupe, plan, write (graph, facets, runs, raw events).
        const events = (await request.json()) as unknown[];
        const audit = { principal: { actor: { type: "system" as const, id: "bench", label: "bench" } }, ip: null, requestId: null, now: Date.now() };
        // ?team: as a team's ingest token (ownership conditions in the writes); else as a tenant admin.
        const team = url.searchParams.get("team");
        const started = performance.now();
        const outcomes = await ingestOpenLineageEvents(
          ctx,
          tenantBlobs(env.BLOBS, ctx),
          audit,
          team ? ingestWriter(team, [team]) : ingestWriter(null, null),
          events.map((raw) => ({ raw, body: JSON.stringify(raw) })),
        );
        return json({ ms: performance.now() - started, failed: outcomes.filter((o) => !o.ok).length });
      }

      if (url.pathname === "/bare-insert" && request.method === "POST") {
        // Baseline: the same raw events stored as rows with one bulk insert per batch and nothing else.
        const events = (await request.json()) as unknown[];
        const now = Date.now();
        const rows = events.map((e, i) => [`bare_${now}_${i}_${Math.random()}`, JSON.stringify(e)]);
        const started = performance.now();
        await runBatch(
          ctx,
          chunkRows(rows).map((p) =>
            stmt(sql`INSERT INTO lineage_events (tenant_id, id, dedupe_key, kind, event_time, producer, size_bytes, body, received_at)
                     SELECT ${BENCH_TENANT}, r.value ->> '$[0]', r.value ->> '$[0]', 'run', ${now}, 'bench', length(r.value ->> '$[1]'), r.value ->> '$[1]', ${now}
                     FROM json_each(${p}) r`),
          ),
        );
        return json({ ms: performance.now() - started });
      }

      if (url.pathname === "/dbt" && request.method === "POST") {
        // A manifest upload through the dbt ingest path (stream, parse, plan, store in R2, one D1 batch), as a team's token.
        const audit = { principal: { actor: { type: "system" as const, id: "bench", label: "bench" } }, ip: null, requestId: null, now: Date.now() };
        const started = performance.now();
        const result = await ingestDbtArtifacts(ctx, audit, {
          project: url.searchParams.get("project") ?? "bench",
          environment: "prod",
          manifest: request.body,
          source: { kind: "api" },
          writer: ingestWriter("team_bench_0", ["team_bench_0"]),
          blobs: env.BLOBS,
        });
        return json({ ms: performance.now() - started, nodes: result.upload.nodeCount, edges: result.upload.edgeCount });
      }

      if (url.pathname === "/clock") {
        // Timer resolution inside workerd: two reads around a trivial D1 round trip.
        const a = performance.now();
        await env.DB.prepare("SELECT 1").first();
        return json({ ms: performance.now() - a });
      }
      return json({ error: "not found" }, 404);
    } catch (err) {
      return json({ error: String(err), stack: (err as Error).stack }, 500);
    }
  },
};
