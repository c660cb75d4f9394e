import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb, tenantCtx } from "../../worker/db/client";
import { impactOf, lineageGraph } from "../../worker/db/repo/lineage/graph";
import { distancesFrom, type Direction } from "../../worker/lineage/graph";

/**
 * The graph and impact queries (one statement each) against a plain breadth-first walk over the same edges, on a
 * graph with a cycle, diamonds, parallel edges from two origins and an edge to a node with no catalog row.
 */
const T = `tnt_graphq_${crypto.randomUUID().slice(0, 8)}`;
const ctx = () => tenantCtx(createDb(env.DB), T);
/** The moment the graph is read at: check results count within the 30-day quality window before it. */
const NOW = Date.UTC(2026, 5, 15, 12);
const DAY = 86_400_000;

const datasets = ["ds_a", "ds_b", "ds_c", "ds_d", "ds_e", "ds_f", "ds_g", "ds_h"];
const jobs = ["job_1", "job_2", "job_3", "job_4", "job_5"];
/** [from, to, origin]: a → 1 → b → 2 → c → 3 → a is a cycle; b and d both feed 4 and f (diamond); e → 5 → ghost. */
const edges: Array<[string, string, string]> = [
  ["ds_a", "job_1", "ol"],
  ["job_1", "ds_b", "ol"],
  ["job_1", "ds_b", "dbt"],
  ["ds_b", "job_2", "ol"],
  ["job_2", "ds_c", "ol"],
  ["ds_c", "job_3", "ol"],
  ["job_3", "ds_a", "ol"],
  ["ds_b", "job_4", "ol"],
  ["ds_d", "job_4", "ol"],
  ["job_4", "ds_f", "ol"],
  ["job_4", "ds_e", "ol"],
  ["ds_b", "ds_f", "dbt"],
  ["ds_e", "job_5", "ol"],
  ["job_5", "ds_ghost", "ol"],
  ["ds_f", "ds_g", "dbt"],
  ["ds_g", "ds_h", "dbt"],
];
const owner = (id: string) => (id === "ds_a" || id === "job_4" ? "team_q1" : id.startsWith("ds_") && id > "ds_e" ? "team_q2" : null);

async function seed() {
  const s = (sql: string, ...p: unknown[]) => env.DB.prepare(sql).bind(...p);
  await env.DB.batch([
    s("INSERT INTO teams (tenant_id, id, slug, name, description, created_at) VALUES (?, 'team_q1', 'q1', 'Quarry', '', 0)", T),
    s("INSERT INTO teams (tenant_id, id, slug, name, description, created_at) VALUES (?, 'team_q2', 'q2', 'Quay', '', 0)", T),
    ...datasets.map((id) =>
      s(
        "INSERT INTO datasets (tenant_id, id, namespace, name, kind, owner_team_id, tags, created_at, updated_at) VALUES (?, ?, 'wh', ?, 'table', ?, '[]', 0, 0)",
        T,
        id,
        `t_${id}`,
        owner(id),
      ),
    ),
    ...jobs.map((id) =>
      s(
        "INSERT INTO jobs (tenant_id, id, namespace, name, kind, owner_team_id, created_at, updated_at) VALUES (?, ?, 'af', ?, 'job', ?, 0, 0)",
        T,
        id,
        `j_${id}`,
        owner(id),
      ),
    ),
    ...edges.map(([from, to, origin]) =>
      s(
        "INSERT INTO lineage_edges (tenant_id, from_node, to_node, origin, kind, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
        T,
        from,
        to,
        origin,
        from.startsWith("job_") ? "output" : to.startsWith("job_") ? "input" : "derived",
      ),
    ),
    // ds_b: check x failed then passed (latest wins), check y fails: one failing check. Check z's only result, a
    // failure, is older than the quality window: it counts nowhere, as on the dataset page and scorecards.
    ...[
      ["qr_1", "x", "fail", NOW - 2 * DAY],
      ["qr_2", "x", "pass", NOW - DAY],
      ["qr_3", "y", "fail", NOW - 2 * DAY],
      ["qr_4", "z", "fail", NOW - 31 * DAY],
    ].map(([id, check, status, at]) =>
      s(
        "INSERT INTO quality_results (tenant_id, id, dataset_id, source, check_name, status, observed_at, details, dedupe_key, created_at) VALUES (?, ?, 'ds_b', 'dbt', ?, ?, ?, '{}', ?, 0)",
        T,
        id,
        check,
        status,
        at,
        id,
      ),
    ),
  ]);
}

/** Every node within `depth` edges of `root` in the direction(s), with its distance: a plain BFS. */
function reference(root: string, directions: Direction[], depth: number | null) {
  const unique = [...new Map(edges.map(([from, to]) => [`${from}>${to}`, { from, to }])).values()];
  const dist = new Map<string, number>();
  for (const d of directions) {
    for (const [node, n] of distancesFrom(root, unique, d)) if ((depth === null || n <= depth) && (!dist.has(node) || n < dist.get(node)!)) dist.set(node, n);
  }
  const edgeSet = unique.filter((e) => dist.has(e.from) && dist.has(e.to)).map((e) => `${e.from}>${e.to}`);
  const nodes = [...dist].filter(([id]) => id !== "ds_ghost");
  return { dist, nodes: new Map(nodes), edges: edgeSet.sort() };
}

describe("lineage graph and impact queries", () => {
  // Every test reads the one graph, in whatever order they run (`--sequence.shuffle` found the first test seeding it).
  beforeAll(seed);

  it("answer the nodes, edges, distances, owners and failing checks a breadth-first walk finds, for every root, direction and depth", async () => {
    const modes: Array<[Direction | "both", Direction[]]> = [
      ["upstream", ["upstream"]],
      ["downstream", ["downstream"]],
      ["both", ["upstream", "downstream"]],
    ];
    for (const root of [...datasets, ...jobs]) {
      for (const [direction, directions] of modes) {
        for (const depth of [1, 2, 3, null]) {
          const graph = await lineageGraph(ctx(), root, direction, depth, NOW);
          const want = reference(root, directions, depth);
          const label = `${root} ${direction} ${depth}`;
          expect(graph, label).not.toBeNull();
          expect(graph!.truncated, label).toBe(false);
          expect(new Map(graph!.nodes.map((n) => [n.id, n.depth])), label).toEqual(want.nodes);
          expect(graph!.edges.map((e) => `${e.from}>${e.to}`).sort(), label).toEqual(want.edges);
          for (const n of graph!.nodes) {
            expect(n.ownerTeamId, `${label} ${n.id}`).toBe(owner(n.id));
            expect(n.ownerTeamName).toBe(n.ownerTeamId === "team_q1" ? "Quarry" : n.ownerTeamId === "team_q2" ? "Quay" : null);
            expect(n.failingChecks, `${label} ${n.id}`).toBe(n.id === "ds_b" ? 1 : 0);
            expect(n.type).toBe(n.id.startsWith("job_") ? "job" : "dataset");
          }
        }
      }
    }
  });

  it("past the node limit keeps the nearest nodes, only the edges among them, and says it truncated", async () => {
    for (const [root, direction, directions, depth] of [
      ["ds_b", "downstream", ["downstream"], 3],
      ["ds_b", "both", ["upstream", "downstream"], 2],
      ["ds_b", "both", ["upstream", "downstream"], null],
      ["ds_a", "downstream", ["downstream"], null],
    ] as const) {
      const want = reference(root, [...directions], depth);
      const graph = (await lineageGraph(ctx(), root, direction, depth, NOW, 4))!;
      const label = `${root} ${direction} ${depth}`;
      expect(graph.truncated, label).toBe(true);
      const kept = new Set([...graph.nodes.map((n) => n.id), ...graph.edges.flatMap((e) => [e.from, e.to])]);
      expect(kept.size, label).toBeLessThanOrEqual(4);
      expect(kept.has(root)).toBe(true);
      for (const id of kept) expect(want.dist.has(id), label).toBe(true);
      // Unlimited walks in both directions interleave the two breadth-first orders, nearest of each side first.
      if (depth !== null || directions.length === 1) {
        const farthestKept = Math.max(...[...kept].map((id) => want.dist.get(id)!));
        const nearestDropped = Math.min(...[...want.dist].filter(([id]) => !kept.has(id)).map(([, n]) => n));
        expect(farthestKept, label).toBeLessThanOrEqual(nearestDropped);
      }
      for (const e of graph.edges) expect(want.edges, label).toContain(`${e.from}>${e.to}`);
      expect(graph.edges.length, label).toBe(want.edges.filter((e) => e.split(">").every((id) => kept.has(id))).length);
    }
  });

  it("impact lists everything downstream with owners and counts per team, for every root", async () => {
    for (const root of [...datasets, ...jobs]) {
      const impact = (await impactOf(ctx(), root))!;
      const want = [...reference(root, ["downstream"], null).nodes.keys()].filter((id) => id !== root);
      expect([...impact.datasets, ...impact.jobs].map((e) => e.id).sort(), root).toEqual(want.sort());
      for (const e of [...impact.datasets, ...impact.jobs]) expect(e.ownerTeamId, `${root} ${e.id}`).toBe(owner(e.id));
      const teams = new Map<string, { datasets: number; jobs: number }>();
      for (const id of want) {
        const t = owner(id);
        if (!t) continue;
        const c = teams.get(t) ?? { datasets: 0, jobs: 0 };
        if (id.startsWith("job_")) c.jobs++;
        else c.datasets++;
        teams.set(t, c);
      }
      expect(new Map(impact.teams.map((t) => [t.id, { datasets: t.datasets, jobs: t.jobs }])), root).toEqual(teams);
    }
  });

  it("a root with no catalog row, or another tenant's, answers null from both queries", async () => {
    const other = tenantCtx(createDb(env.DB), "tnt_graphq_other");
    for (const [c, root] of [
      [ctx(), "ds_ghost"],
      [ctx(), "ds_nothing"],
      [other, "ds_a"],
    ] as const) {
      expect(await lineageGraph(c, root, "both", 3, NOW)).toBeNull();
      expect(await lineageGraph(c, root, "downstream", null, NOW)).toBeNull();
      expect(await impactOf(c, root)).toBeNull();
    }
  });
});
