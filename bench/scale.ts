/**
 * bench/scale: one tenant's API latencies alone, then among 999 other tenants spread over the database shards, in one
 * run of `wrangler dev` with Tutti's own Worker, printed as ratios (issue 15's goal: within ±20 %).
 *
 *   npm run bench:scale [-- --tenants 1000 --runs 10 --samples 60]
 *
 * The measured tenant is built through the public API as a team would build it: products, pipelines of 4 tasks on a
 * fake tool run to the end, an OpenLineage graph of 5 layers, a month of cost records. The 999 others are copies of
 * it (bench/scale/worker.ts: its rows under new ids, placed round-robin on the shards), so each holds as much as the
 * measured one. The reads: the run list (`GET /runs?limit=50`), the lineage impact of a source dataset
 * (`GET /lineage/impact`), and the scorecard (`GET /scorecard`), each timed at the client, interleaved. The reads are
 * measured twice before the others arrive: the ratio of those two sets is printed as the run's noise floor.
 */
import { randomUUID } from "node:crypto";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startHttpToolFake } from "../test/fakes/http-tool/server";
import { repoRoot } from "../test/e2e/helpers/processes";
import { fmt, median, percentile, startDevServer, type DevServer } from "./lib/dev-server";
import { frozenConfig } from "./lib/frozen-worker";
import { type Headers, instantTask, json, postIdempotent, prepareTenant, pushPipeline, runToEnd } from "./lib/tutti";

const { values } = parseArgs({
  options: {
    tenants: { type: "string", default: "1000" },
    pipelines: { type: "string", default: "10" },
    runs: { type: "string", default: "10" },
    samples: { type: "string", default: "60" },
    "clone-batch": { type: "string", default: "10" },
  },
});
const TENANTS = Number(values.tenants);
const PIPELINES = Number(values.pipelines);
const RUNS = Number(values.runs);
const SAMPLES = Number(values.samples);
const CLONE_BATCH = Number(values["clone-batch"]);
const PRODUCTS = 5;
const LAYERS = 5;
const PER_LAYER = 12;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

/** Runs `work` over `items`, `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

interface Measured {
  headers: Headers;
  tenantId: string;
  impactNode: string;
}

/** The measured tenant, built through the public API. */
async function buildTenant(server: DevServer, toolUrl: string): Promise<Measured> {
  const { headers, team } = await prepareTenant(server, toolUrl);
  const me = await json<{ tenant: { id: string }; teams: Array<{ id: string }> }>(await fetch(`${server.url}/api/v1/me`, { headers }));
  const teamId = me.teams[0].id;
  const { token } = await json<{ token: string }>(
    await postIdempotent(
      `${server.url}/api/v1/tokens`,
      headers,
      JSON.stringify({ name: "bench", team_id: teamId, scopes: ["lineage:write", "metadata:write", "read"] }),
    ),
  );
  const bearer = { "content-type": "application/json", authorization: `Bearer ${token}` };
  for (let p = 0; p < PRODUCTS; p++) {
    await json(
      await postIdempotent(
        `${server.url}/api/v1/products`,
        headers,
        JSON.stringify({ name: `product_${p}`, title: `Product ${p}`, owner_team_id: teamId, tier: p === 0 ? "critical" : "medium" }),
      ),
    );
  }
  const pipelines = Array.from({ length: PIPELINES }, (_, i) => `pipe_${i}`);
  for (const [i, name] of pipelines.entries()) {
    const tasks = ["extract", "load", "transform", "publish"].map((id, k, all) => instantTask(id, k ? [all[k - 1]] : []));
    await pushPipeline(server, headers, { name, team, products: [`product_${i % PRODUCTS}`], tasks });
  }
  await inParallel(
    pipelines.flatMap((p) => Array.from({ length: RUNS }, () => p)),
    4,
    async (p) => void (await runToEnd(server, headers, p)),
  );

  // Lineage: 5 layers of 12 datasets; each job reads 2 datasets of its layer and writes one of the next.
  const events = [];
  const start = Date.parse("2026-11-01T00:00:00Z");
  for (let layer = 0; layer < LAYERS - 1; layer++) {
    for (let k = 0; k < PER_LAYER; k++) {
      const at = new Date(start + (layer * PER_LAYER + k) * 60_000).toISOString();
      events.push({
        eventType: "COMPLETE",
        eventTime: at,
        run: { runId: randomUUID() },
        job: { namespace: "bench", name: `build_l${layer + 1}_${k}` },
        inputs: [
          { namespace: "warehouse://bench", name: `layer${layer}.t${k}` },
          { namespace: "warehouse://bench", name: `layer${layer}.t${(k + 1) % PER_LAYER}` },
        ],
        outputs: [{ namespace: "warehouse://bench", name: `layer${layer + 1}.t${k}` }],
        producer: "https://github.com/tutti/bench",
        schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
      });
    }
  }
  await json(await postIdempotent(`${server.url}/api/v1/lineage/batch`, bearer, JSON.stringify(events)));
  const found = await json<{ items: Array<{ id: string; name: string }> }>(
    await fetch(`${server.url}/api/v1/datasets?name=${encodeURIComponent("layer0.t0")}`, { headers }),
  );
  const impactNode = found.items.find((d) => d.name === "layer0.t0")?.id;
  if (!impactNode) throw new Error("the lineage graph's first dataset was not found");

  // A month of cost records: two a day per pipeline, attributed to it (and through it to its product).
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  const records = [];
  for (let day = 0; day < 30; day++) {
    for (const [i, name] of pipelines.entries()) {
      for (let r = 0; r < 2; r++) {
        records.push({
          source: "snowflake",
          external_ref: `q-${day}-${i}-${r}`,
          amount: 1 + ((day * 7 + i * 3 + r) % 11),
          currency: "USD",
          quantity: 0.5,
          unit: "credits",
          started_at: new Date(today - day * 86_400_000 + (i * 2 + r) * 60_000).toISOString(),
          attribution: { pipeline: name },
        });
      }
    }
  }
  for (let i = 0; i < records.length; i += 500) {
    await json(await postIdempotent(`${server.url}/api/v1/costs`, bearer, JSON.stringify({ records: records.slice(i, i + 500) })));
  }
  return { headers, tenantId: me.tenant.id, impactNode };
}

const reads = (m: Measured): Array<[string, string]> => [
  ["run list (GET /runs?limit=50)", "/api/v1/runs?limit=50"],
  ["lineage impact (GET /lineage/impact)", `/api/v1/lineage/impact?node=${m.impactNode}`],
  ["scorecard (GET /scorecard)", "/api/v1/scorecard"],
];

/** Each read `SAMPLES` times, interleaved, after five warm-ups each; milliseconds at the client. */
async function measure(server: DevServer, m: Measured): Promise<number[][]> {
  const out = reads(m).map(() => [] as number[]);
  for (let s = -5; s < SAMPLES; s++) {
    for (const [i, [, path]] of reads(m).entries()) {
      const started = performance.now();
      const res = await fetch(`${server.url}${path}`, { headers: m.headers });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`${path}: ${res.status}`);
      if (s >= 0) out[i].push(performance.now() - started);
    }
  }
  return out;
}

/** 999 copies of the measured tenant, round-robin over the shards. */
async function addOthers(server: DevServer, m: Measured, shards: string[], sourceShard: string) {
  const others = Array.from({ length: TENANTS - 1 }, (_, i) => ({
    tenant_id: `tnt_scale_${String(i).padStart(4, "0")}`,
    prefix: `s${String(i).padStart(4, "0")}_`,
    shard: shards[i % shards.length],
  }));
  // The first copy on each other shard is made across databases; the rest of that shard copies it in place.
  const seeds = new Map<string, string>([[sourceShard, m.tenantId]]);
  let rows = 0;
  for (const shard of shards) {
    if (seeds.has(shard)) continue;
    const first = others.find((o) => o.shard === shard)!;
    const res = await json<{ rows: number }>(
      await fetch(`${server.url}/__bench/clone`, { method: "POST", body: JSON.stringify({ source: m.tenantId, source_shard: sourceShard, targets: [first] }) }),
    );
    rows += res.rows;
    seeds.set(shard, first.tenant_id);
  }
  const rest = others.filter((o) => seeds.get(o.shard) !== o.tenant_id);
  const batches: (typeof rest)[] = [];
  for (const shard of shards) {
    const onShard = rest.filter((o) => o.shard === shard);
    for (let i = 0; i < onShard.length; i += CLONE_BATCH) batches.push(onShard.slice(i, i + CLONE_BATCH));
  }
  await inParallel(batches, 2, async (batch) => {
    const shard = batch[0].shard;
    const res = await json<{ rows: number }>(
      await fetch(`${server.url}/__bench/clone`, {
        method: "POST",
        body: JSON.stringify({ source: seeds.get(shard), source_shard: shard, targets: batch }),
      }),
    );
    rows += res.rows;
  });
  return rows;
}

const tool = await startHttpToolFake();
const frozen = await frozenConfig(join(repoRoot, "wrangler.toml"), join(repoRoot, "bench/scale/worker.ts"));
// Tenants spread over the two shards of wrangler.toml (TENANT_SHARDS is empty there until every data path is split;
// every path this benchmark takes is: docs/architecture.md#shards).
const server = await startDevServer({ config: frozen.config, vars: { TENANT_SHARDS: "SHARD_1,SHARD_2" } });
try {
  console.log(`bench/scale: ${TENANTS} tenants; load average ${load()}`);
  const seededAt = performance.now();
  const m = await buildTenant(server, tool.url);
  const { shards } = await json<{ shards: string[] }>(await fetch(`${server.url}/__bench/shards`));
  const { shard: sourceShard } = await json<{ shard: string }>(await fetch(`${server.url}/__bench/tenant-shard?tenant=${m.tenantId}`));
  const before = await json<{ rows: Record<string, number>; tenants: number }>(await fetch(`${server.url}/__bench/rows`));
  console.log(`measured tenant built through the API in ${((performance.now() - seededAt) / 1000).toFixed(1)} s: ${JSON.stringify(before.rows)} rows`);

  // Measured twice alone: the second set is the one compared, the first against it shows the run's own noise.
  const aloneFirst = await measure(server, m);
  const alone = await measure(server, m);
  const clonedAt = performance.now();
  const copied = await addOthers(server, m, shards, sourceShard);
  const after = await json<{ rows: Record<string, number>; tenants: number }>(await fetch(`${server.url}/__bench/rows`));
  console.log(
    `${after.tenants - before.tenants} other tenants added in ${((performance.now() - clonedAt) / 1000).toFixed(1)} s (${copied} rows copied); rows per shard now ${JSON.stringify(after.rows)}`,
  );
  const among = await measure(server, m);

  console.log(`\n${SAMPLES} samples each, interleaved; load average ${load()}`);
  const rows = reads(m).map(([label], i) => [
    label,
    `${fmt(median(alone[i]))} / ${fmt(percentile(alone[i], 95))}`,
    `${fmt(median(among[i]))} / ${fmt(percentile(among[i], 95))}`,
    `${(median(among[i]) / median(alone[i])).toFixed(2)}×`,
    `${(percentile(among[i], 95) / percentile(alone[i], 95)).toFixed(2)}×`,
  ]);
  rows.forEach((row, i) => row.push(`${(median(alone[i]) / median(aloneFirst[i])).toFixed(2)}×`));
  const header = ["read", "alone p50 / p95", `among ${TENANTS - 1} others p50 / p95`, "p50 ratio", "p95 ratio", "noise (alone ÷ alone)"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const line of [header, ...rows]) console.log(line.map((c, i) => c.padEnd(widths[i])).join("  "));
  const worst = Math.max(...reads(m).map((_, i) => Math.abs(median(among[i]) / median(alone[i]) - 1)));
  console.log(`\nGoal: every p50 ratio within 0.80–1.20× (issue 15). Worst: ${(worst * 100).toFixed(0)} % — ${worst <= 0.2 ? "met" : "not met"}.`);
} finally {
  await server.stop();
  frozen.cleanup();
  await tool.close();
}
