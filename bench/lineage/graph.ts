import { createHash } from "node:crypto";

/**
 * The benchmark's lineage graph: 10,000 datasets in 25 layers of 400, each dataset reading 3 datasets of the
 * layer before from its neighbourhood (as pipelines in one domain do), plus skip edges across 2–5 layers, up to
 * 30,000 distinct dataset → dataset edges. Ten owner teams, one per band of the layer. Deterministic per seed.
 */
export interface BenchGraph {
  teams: string[][];
  datasets: string[][];
  edges: string[][];
}

/** mulberry32: a small seeded PRNG, so every run measures the same graph and the same sample of nodes. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An id shaped like Tutti's derived ids (`ds_` + 20 base-36 characters). */
function datasetId(i: number): string {
  const digest = createHash("sha256").update(`bench-dataset-${i}`).digest();
  let out = "";
  for (let k = 0; out.length < 20; k++) out += "0123456789abcdefghijklmnopqrstuvwxyz"[digest[k] % 36];
  return `ds_${out}`;
}

export function generateGraph(datasetCount = 10_000, edgeCount = 30_000, seed = 42): BenchGraph {
  const random = rng(seed);
  const layers = 25;
  const perLayer = Math.ceil(datasetCount / layers);
  const ids = Array.from({ length: datasetCount }, (_, i) => datasetId(i));
  const teams = Array.from({ length: 10 }, (_, t) => [`team_bench_${t}`, `Team ${t}`]);
  const datasets = ids.map((id, i) => {
    const layer = Math.floor(i / perLayer);
    const pos = i % perLayer;
    return [
      id,
      "warehouse://bench",
      `layer_${String(layer).padStart(2, "0")}.table_${String(pos).padStart(4, "0")}`,
      teams[Math.floor((pos / perLayer) * teams.length)][0],
    ];
  });
  const edges = new Map<string, string[]>();
  const add = (from: number, to: number) => {
    if (from !== to && from < datasetCount && to < datasetCount) edges.set(`${from}>${to}`, [ids[from], ids[to]]);
  };
  const neighbour = (layer: number, pos: number, spread: number) => layer * perLayer + ((pos + Math.floor((random() * 2 - 1) * spread) + perLayer) % perLayer);
  for (let i = perLayer; i < datasetCount; i++) {
    const layer = Math.floor(i / perLayer);
    const pos = i % perLayer;
    for (let k = 0; k < 3; k++) add(neighbour(layer - 1, pos, 12), i);
  }
  while (edges.size < edgeCount) {
    const to = perLayer * 2 + Math.floor(random() * (datasetCount - perLayer * 2));
    const layer = Math.floor(to / perLayer);
    const back = 2 + Math.floor(random() * 4);
    add(neighbour(Math.max(0, layer - back), to % perLayer, 40), to);
  }
  return { teams, datasets, edges: [...edges.values()].slice(0, edgeCount) };
}

/** A run event like an Airflow or Spark producer sends: two inputs, one output with a schema, a parent. */
export function sampleEvent(i: number, seed = 7): Record<string, unknown> {
  const random = rng(seed + i);
  const table = (n: number) => `analytics.schema_${n % 50}.table_${n}`;
  const uuid = (n: number) => {
    const hex = createHash("sha256").update(`run-${seed}-${n}`).digest("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
  const job = Math.floor(random() * 500);
  return {
    eventType: i % 2 === 0 ? "START" : "COMPLETE",
    eventTime: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    producer: "https://github.com/OpenLineage/OpenLineage/tree/1.53.0/integration/airflow",
    schemaURL: "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
    run: {
      runId: uuid(Math.floor(i / 2)),
      facets: {
        parent: { _producer: "bench", _schemaURL: "bench", run: { runId: uuid(1_000_000 + job) }, job: { namespace: "airflow", name: `dag_${job % 40}` } },
      },
    },
    job: {
      namespace: "airflow",
      name: `dag_${job % 40}.task_${job}`,
      facets: { jobType: { _producer: "bench", _schemaURL: "bench", processingType: "BATCH", integration: "AIRFLOW", jobType: "TASK" } },
    },
    inputs: [
      { namespace: "postgres://db:5432", name: table(job * 3) },
      { namespace: "postgres://db:5432", name: table(job * 3 + 1) },
    ],
    outputs: [
      {
        namespace: "postgres://db:5432",
        name: table(job * 3 + 2),
        facets: {
          schema: {
            _producer: "bench",
            _schemaURL: "bench",
            fields: Array.from({ length: 12 }, (_, c) => ({ name: `col_${c}`, type: c % 3 ? "VARCHAR" : "INTEGER" })),
          },
        },
        outputFacets: { outputStatistics: { _producer: "bench", _schemaURL: "bench", rowCount: 1000 + i, size: 65536 } },
      },
    ],
  };
}
