import { sql, type SQL } from "drizzle-orm";
import { datasetOwnerTeamSql } from "../pipelines/ownership";

/**
 * The recursive SQL behind lineage graph queries, as drizzle `sql` templates so the repository (D1) and
 * bench/lineage (the same statements on raw SQLite through better-sqlite3, lowered by drizzle's SQLite dialect)
 * run exactly the same SQL. Every statement is bound to the tenant.
 *
 * Each query the API answers is one statement, so one D1 round trip: on D1 the fixed cost of a statement, not the
 * SQL, is most of a small query's time.
 *
 * Walks without a depth limit carry only the node in the recursive CTE: UNION then discards a node the second
 * time it is reached, so each node and edge is visited once (O(V + E)) however many paths lead to it.
 * Depth-limited walks carry (node, depth); UNION keeps at most one row per node per depth, bounded by the limit.
 *
 * CROSS JOIN fixes the join order: the row just taken from the walk's queue drives an index lookup of its edges.
 * Without it the planner (D1 keeps no ANALYZE statistics) may scan the tenant's edges for every node walked,
 * turning an O(V + E) walk into O(V × E): seconds instead of milliseconds on 30,000 edges.
 */

export type WalkDirection = "upstream" | "downstream";

/** One step of a walk over the CTE `walk(node…)`: the next node along the edges, in `direction`. */
const step = (tenantId: string, direction: WalkDirection, from = "walk") =>
  direction === "downstream"
    ? sql`SELECT e.to_node FROM ${sql.raw(from)} w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.from_node = w.node`
    : sql`SELECT e.from_node FROM ${sql.raw(from)} w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.to_node = w.node`;

/** A walk CTE named `name` from `root`: (node, depth) up to `depth` edges away, or (node) with no limit. */
const walkCte = (tenantId: string, name: string, root: string, direction: WalkDirection, depth: number | null): SQL => {
  const w = sql.raw(name);
  if (depth === null) return sql`${w}(node) AS (SELECT ${root} UNION ${step(tenantId, direction, name)})`;
  const next =
    direction === "downstream"
      ? sql`SELECT e.to_node, w.depth + 1 FROM ${w} w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.from_node = w.node`
      : sql`SELECT e.from_node, w.depth + 1 FROM ${w} w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.to_node = w.node`;
  return sql`${w}(node, depth) AS (SELECT ${root}, 0 UNION ${next} WHERE w.depth < ${depth})`;
};

/** Row kinds of graphSql: a node with its catalog facts, an edge, a latest quality result. */
export const GRAPH_ROW = { node: "n", edge: "e", check: "q" } as const;

/**
 * The graph around `root` in one statement: the walk(s), up to `maxNodes + 1` nodes (one more than returned, to
 * tell truncation), their catalog facts, the edges among them and their latest quality results. Every row has
 * eight columns, the first saying what it is (GRAPH_ROW):
 *   n: node, order key, namespace, name, kind, owner team id, owner team name, last write at, latest run state —
 *      only nodes with a catalog row (the root too: no `n` row for it means it is no dataset or job of the tenant);
 *   e: from, to, kind;   q: dataset id, status (latest per check and column).
 * Order key: nearest first — by depth when the walk is limited; with no limit, the order the walk reached the
 * nodes (breadth-first), the two directions interleaved. Unlimited walks carry only the node (see above) and so
 * no depth: the caller computes distances from the returned edges.
 */
export const graphSql = (tenantId: string, root: string, directions: WalkDirection[], depth: number | null, maxNodes: number, qualitySince: number): SQL => {
  const names = directions.map((d) => (d === "downstream" ? "down" : "up"));
  const ctes = directions.map((d, i) => walkCte(tenantId, names[i], root, d, depth));
  // Side breaks ties (upstream before downstream), as the walks are interleaved.
  const keyed = names.map((name, side) =>
    depth === null
      ? sql`SELECT node, (row_number() OVER ()) * 2 + ${side} AS k FROM ${sql.raw(name)}`
      : sql`SELECT node, depth * 2 + ${side} AS k FROM ${sql.raw(name)}`,
  );
  const t = tenantId;
  return sql`
WITH RECURSIVE ${sql.join(ctes, sql`, `)},
reached(node, k) AS (${sql.join(keyed, sql` UNION ALL `)}),
picked(node, k) AS MATERIALIZED (SELECT node, min(k) AS k FROM reached GROUP BY node ORDER BY 2, 1 LIMIT ${maxNodes + 1})
SELECT ${GRAPH_ROW.node}, p.node, p.k, coalesce(d.namespace, j.namespace), coalesce(d.name, j.name), coalesce(d.kind, j.kind),
  coalesce(${datasetOwnerTeamSql(t, "d")}, j.owner_team_id), tm.name, d.last_write_at, r.state
FROM picked p
LEFT JOIN datasets d ON d.tenant_id = ${t} AND d.id = p.node
LEFT JOIN jobs j ON j.tenant_id = ${t} AND j.id = p.node
LEFT JOIN teams tm ON tm.tenant_id = ${t} AND tm.id = coalesce(${datasetOwnerTeamSql(t, "d")}, j.owner_team_id)
LEFT JOIN job_runs r ON r.tenant_id = ${t} AND r.id = j.latest_run_id
WHERE d.id IS NOT NULL OR j.id IS NOT NULL
UNION ALL
SELECT DISTINCT ${GRAPH_ROW.edge}, e.from_node, e.to_node, e.kind, NULL, NULL, NULL, NULL, NULL, NULL
FROM picked p CROSS JOIN lineage_edges e ON e.tenant_id = ${t} AND e.from_node = p.node
WHERE +e.to_node IN (SELECT node FROM picked)
UNION ALL
SELECT ${GRAPH_ROW.check}, q.dataset_id, q.status, max(q.observed_at), NULL, NULL, NULL, NULL, NULL, NULL
FROM picked p CROSS JOIN quality_results q ON q.tenant_id = ${t} AND q.dataset_id = p.node AND q.observed_at >= ${qualitySince}
GROUP BY q.dataset_id, q.check_name, coalesce(q.column_name, '')`;
};

/**
 * Impact of `root`: everything downstream (any distance) with its owner team, and the root itself (first column
 * 1) so one statement also tells whether the root exists. One walk, joined to datasets, jobs and teams.
 * Columns: is_root, node, namespace, name, kind, owner_team_id, team_name; namespace is null for a node with no
 * catalog row.
 */
export const impactSql = (tenantId: string, root: string): SQL => sql`
WITH RECURSIVE walk(node) AS (
  SELECT ${root}
  UNION
  ${step(tenantId, "downstream")}
)
SELECT w.node = ${root} AS is_root, w.node AS node,
  coalesce(d.namespace, j.namespace) AS namespace,
  coalesce(d.name, j.name) AS name,
  coalesce(d.kind, j.kind) AS kind,
  coalesce(${datasetOwnerTeamSql(tenantId, "d")}, j.owner_team_id) AS owner_team_id,
  t.name AS team_name
FROM walk w
LEFT JOIN datasets d ON d.tenant_id = ${tenantId} AND d.id = w.node
LEFT JOIN jobs j ON j.tenant_id = ${tenantId} AND j.id = w.node
LEFT JOIN teams t ON t.tenant_id = ${tenantId} AND t.id = coalesce(${datasetOwnerTeamSql(tenantId, "d")}, j.owner_team_id)`;

/** Nodes on some directed path from `from` to `to`: downstream of `from` and upstream of `to`. Columns: node. */
export const pathNodesSql = (tenantId: string, from: string, to: string): SQL => sql`
WITH RECURSIVE down(node) AS (
  SELECT ${from}
  UNION
  ${step(tenantId, "downstream", "down")}
),
up(node) AS (
  SELECT ${to}
  UNION
  ${step(tenantId, "upstream", "up")}
)
SELECT node FROM down INTERSECT SELECT node FROM up`;

/** Edges between nodes of a set. Columns: from_node, to_node, kind. */
export const edgesAmongSql = (tenantId: string, ids: string[]): SQL => {
  const payload = JSON.stringify(ids);
  return sql`
SELECT DISTINCT e.from_node, e.to_node, e.kind
FROM json_each(${payload}) s
CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.from_node = s.value
WHERE e.to_node IN (SELECT value FROM json_each(${payload}))`;
};
