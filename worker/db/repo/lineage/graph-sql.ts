import { sql, type SQL } from "drizzle-orm";

/**
 * The recursive SQL behind lineage graph queries, as drizzle `sql` templates so the repository (D1) and
 * bench/lineage (the same statements on raw SQLite through better-sqlite3, lowered by drizzle's SQLite dialect)
 * run exactly the same SQL. Every statement is bound to the tenant.
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

/** Nodes reachable from `root` with their shortest distance, up to `depth` edges away. Columns: node, depth. */
export const walkLimitedSql = (tenantId: string, root: string, direction: WalkDirection, depth: number): SQL => sql`
WITH RECURSIVE walk(node, depth) AS (
  SELECT ${root}, 0
  UNION
  ${
    direction === "downstream"
      ? sql`SELECT e.to_node, w.depth + 1 FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.from_node = w.node`
      : sql`SELECT e.from_node, w.depth + 1 FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ${tenantId} AND e.to_node = w.node`
  } WHERE w.depth < ${depth}
)
SELECT node, min(depth) AS depth FROM walk GROUP BY node`;

/** Every node reachable from `root`, any distance. Columns: node. */
export const walkAllSql = (tenantId: string, root: string, direction: WalkDirection): SQL => sql`
WITH RECURSIVE walk(node) AS (
  SELECT ${root}
  UNION
  ${step(tenantId, direction)}
)
SELECT node FROM walk`;

/**
 * Impact of `root`: everything downstream (any distance) with its owner team. One walk, joined to datasets, jobs
 * and teams. Columns: node, namespace, name, kind, owner_team_id, team_name.
 */
export const impactSql = (tenantId: string, root: string): SQL => sql`
WITH RECURSIVE walk(node) AS (
  SELECT ${root}
  UNION
  ${step(tenantId, "downstream")}
)
SELECT w.node AS node,
  coalesce(d.namespace, j.namespace) AS namespace,
  coalesce(d.name, j.name) AS name,
  coalesce(d.kind, j.kind) AS kind,
  coalesce(d.owner_team_id, j.owner_team_id) AS owner_team_id,
  t.name AS team_name
FROM walk w
LEFT JOIN datasets d ON d.tenant_id = ${tenantId} AND d.id = w.node
LEFT JOIN jobs j ON j.tenant_id = ${tenantId} AND j.id = w.node
LEFT JOIN teams t ON t.tenant_id = ${tenantId} AND t.id = coalesce(d.owner_team_id, j.owner_team_id)
WHERE w.node <> ${root}`;

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
