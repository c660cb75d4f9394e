/**
 * The recursive SQL behind lineage graph queries. Kept as plain text with numbered parameters so the
 * repository (D1) and bench/lineage (the same statements on raw SQLite through better-sqlite3) run exactly
 * the same SQL. ?1 is always the tenant id.
 *
 * Walks without a depth limit carry only the node in the recursive CTE: UNION then discards a node the second
 * time it is reached, so each node and edge is visited once (O(V + E)) however many paths lead to it.
 * Depth-limited walks carry (node, depth); UNION keeps at most one row per node per depth, bounded by the limit.
 *
 * CROSS JOIN fixes the join order: the row just taken from the walk's queue drives an index lookup of its edges.
 * Without it the planner (D1 keeps no ANALYZE statistics) may scan the tenant's edges for every node walked,
 * turning an O(V + E) walk into O(V × E): seconds instead of milliseconds on 30,000 edges.
 */

const downStep = "SELECT e.to_node FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.from_node = w.node";
const upStep = "SELECT e.from_node FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.to_node = w.node";

/** Nodes reachable from ?2 with their shortest distance, up to ?3 edges away. Columns: node, depth. */
export const walkLimitedSql = (direction: "upstream" | "downstream") => `
WITH RECURSIVE walk(node, depth) AS (
  SELECT ?2, 0
  UNION
  ${
    direction === "downstream"
      ? "SELECT e.to_node, w.depth + 1 FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.from_node = w.node"
      : "SELECT e.from_node, w.depth + 1 FROM walk w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.to_node = w.node"
  } WHERE w.depth < ?3
)
SELECT node, min(depth) AS depth FROM walk GROUP BY node`;

/** Every node reachable from ?2, any distance. Columns: node. */
export const walkAllSql = (direction: "upstream" | "downstream") => `
WITH RECURSIVE walk(node) AS (
  SELECT ?2
  UNION
  ${direction === "downstream" ? downStep : upStep}
)
SELECT node FROM walk`;

/**
 * Impact of ?2: everything downstream (any distance) with its owner team. One walk, joined to datasets, jobs
 * and teams. Columns: node, namespace, name, kind, owner_team_id, team_name.
 * Data products (a later issue) join their member datasets onto this same walk.
 */
export const impactSql = `
WITH RECURSIVE walk(node) AS (
  SELECT ?2
  UNION
  ${downStep}
)
SELECT w.node AS node,
  coalesce(d.namespace, j.namespace) AS namespace,
  coalesce(d.name, j.name) AS name,
  coalesce(d.kind, j.kind) AS kind,
  coalesce(d.owner_team_id, j.owner_team_id) AS owner_team_id,
  t.name AS team_name
FROM walk w
LEFT JOIN datasets d ON d.tenant_id = ?1 AND d.id = w.node
LEFT JOIN jobs j ON j.tenant_id = ?1 AND j.id = w.node
LEFT JOIN teams t ON t.tenant_id = ?1 AND t.id = coalesce(d.owner_team_id, j.owner_team_id)
WHERE w.node <> ?2`;

/** Nodes on some directed path from ?2 to ?3: downstream of ?2 and upstream of ?3. Columns: node. */
export const pathNodesSql = `
WITH RECURSIVE down(node) AS (
  SELECT ?2
  UNION
  SELECT e.to_node FROM down w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.from_node = w.node
),
up(node) AS (
  SELECT ?3
  UNION
  SELECT e.from_node FROM up w CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.to_node = w.node
)
SELECT node FROM down INTERSECT SELECT node FROM up`;

/** Edges between nodes of a set (?2: JSON array of ids). Columns: from_node, to_node, kind. */
export const edgesAmongSql = `
SELECT DISTINCT e.from_node, e.to_node, e.kind
FROM json_each(?2) s
CROSS JOIN lineage_edges e ON e.tenant_id = ?1 AND e.from_node = s.value
WHERE e.to_node IN (SELECT value FROM json_each(?2))`;
