import { distancesFrom, nodeTypeOf, shortestPath, type Direction, type Edge } from "../../../lineage/graph";
import { sql, type SQL } from "drizzle-orm";
import { qualitySince, summarizeChecks } from "../../../lineage/dataset-health";
import type { QualityStatus } from "../../schema/enums";
import type { TenantCtx } from "../../client";
import { datasetOwnerTeamSql } from "../pipelines/ownership";
import { edgesAmongSql, GRAPH_ROW, graphSql, impactSql, pathNodesSql } from "./graph-sql";

/**
 * Lineage graph queries, answered by recursive SQL in D1 (./graph-sql.ts). Every statement is
 * bound to the tenant; a node id from another tenant simply has no rows. Cross-team by design: any member of
 * the tenant sees the whole graph with names and owners, whatever they may edit.
 */

export interface GraphNode {
  id: string;
  type: "dataset" | "job";
  namespace: string;
  name: string;
  kind: string;
  ownerTeamId: string | null;
  ownerTeamName: string | null;
  /** Edges from the root along the query's direction(s); 0 for the root. */
  depth: number;
  lastWriteAt: number | null;
  lastRunState: string | null;
  /** Checks whose latest result within the quality window is fail or error: summarizeChecks, as the dataset page and scorecards count. */
  failingChecks: number;
}

export interface GraphEdge extends Edge {
  kind: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** True when more nodes were reachable than `maxNodes`; the nearest ones are returned. */
  truncated: boolean;
}

/** Largest graph returned by one query; explorers expand from there. */
export const MAX_GRAPH_NODES = 2000;

/** Rows as arrays (several queries select columns of the same name from different tables). */
const rawRows = (ctx: TenantCtx, query: SQL): Promise<unknown[][]> => ctx.db.values<unknown[]>(query);

export async function edgesAmong(ctx: TenantCtx, ids: string[]): Promise<GraphEdge[]> {
  if (!ids.length) return [];
  const rows = await rawRows(ctx, edgesAmongSql(ctx.tenantId, ids));
  return rows.map((r) => ({ from: r[0] as string, to: r[1] as string, kind: r[2] as string }));
}

/** Failing checks per dataset from (dataset id, latest status) rows, counted by the one definition (summarizeChecks). */
function failingByDataset(checks: Iterable<readonly [string, QualityStatus]>): Map<string, number> {
  const statuses = new Map<string, QualityStatus[]>();
  for (const [datasetId, status] of checks) statuses.set(datasetId, [...(statuses.get(datasetId) ?? []), status]);
  return new Map([...statuses].map(([id, list]) => [id, summarizeChecks(list).failing]));
}

/** Names, owners and health of catalog nodes as of `now`; ids with no catalog row are left out. */
export async function nodeDetails(ctx: TenantCtx, ids: string[], now: number): Promise<Map<string, Omit<GraphNode, "depth">>> {
  const out = new Map<string, Omit<GraphNode, "depth">>();
  if (!ids.length) return out;
  const payload = JSON.stringify(ids);
  const t = ctx.tenantId;
  const rows = await rawRows(
    ctx,
    sql`SELECT s.value, coalesce(d.namespace, j.namespace), coalesce(d.name, j.name), coalesce(d.kind, j.kind),
       coalesce(${datasetOwnerTeamSql(t, "d")}, j.owner_team_id), t.name, d.last_write_at, r.state
     FROM json_each(${payload}) s
     LEFT JOIN datasets d ON d.tenant_id = ${t} AND d.id = s.value
     LEFT JOIN jobs j ON j.tenant_id = ${t} AND j.id = s.value
     LEFT JOIN teams t ON t.tenant_id = ${t} AND t.id = coalesce(${datasetOwnerTeamSql(t, "d")}, j.owner_team_id)
     LEFT JOIN job_runs r ON r.tenant_id = ${t} AND r.id = j.latest_run_id
     WHERE d.id IS NOT NULL OR j.id IS NOT NULL`,
  );
  // Latest result per (dataset, check, column): SQLite takes the bare columns from the row holding max().
  const checks = await rawRows(
    ctx,
    sql`SELECT q.dataset_id, q.status, max(q.observed_at)
     FROM json_each(${payload}) s CROSS JOIN quality_results q ON q.tenant_id = ${t} AND q.dataset_id = s.value AND q.observed_at >= ${qualitySince(now)}
     GROUP BY q.dataset_id, q.check_name, coalesce(q.column_name, '')`,
  );
  const failing = failingByDataset(checks.map((r) => [r[0] as string, r[1] as QualityStatus] as const));
  for (const r of rows) {
    const id = r[0] as string;
    out.set(id, {
      id,
      type: nodeTypeOf(id),
      namespace: r[1] as string,
      name: r[2] as string,
      kind: r[3] as string,
      ownerTeamId: (r[4] as string | null) ?? null,
      ownerTeamName: (r[5] as string | null) ?? null,
      lastWriteAt: (r[6] as number | null) ?? null,
      lastRunState: (r[7] as string | null) ?? null,
      failingChecks: failing.get(id) ?? 0,
    });
  }
  return out;
}

/** Whether `id` is a dataset or job of this tenant. */
export async function nodeExists(ctx: TenantCtx, id: string): Promise<boolean> {
  const rows = await rawRows(
    ctx,
    sql`SELECT 1 FROM datasets WHERE tenant_id = ${ctx.tenantId} AND id = ${id} UNION ALL SELECT 1 FROM jobs WHERE tenant_id = ${ctx.tenantId} AND id = ${id}`,
  );
  return rows.length > 0;
}

/**
 * The graph around `root`: upstream, downstream or both, `depth` edges deep (null: unlimited), in one statement
 * (graphSql). Node depths are breadth-first distances from the root; past `maxNodes` the nearest nodes are kept
 * and `truncated` is set. Null when `root` is no dataset or job of the tenant.
 */
export async function lineageGraph(
  ctx: TenantCtx,
  root: string,
  direction: Direction | "both",
  depth: number | null,
  now: number,
  maxNodes = MAX_GRAPH_NODES,
): Promise<Graph | null> {
  const directions: Direction[] = direction === "both" ? ["upstream", "downstream"] : [direction];
  const rows = await rawRows(ctx, graphSql(ctx.tenantId, root, directions, depth, maxNodes, qualitySince(now)));
  const walked: Array<{ key: number; id: string; row: unknown[] }> = [];
  const allEdges: GraphEdge[] = [];
  const checks: Array<readonly [string, QualityStatus]> = [];
  for (const r of rows) {
    if (r[0] === GRAPH_ROW.node) walked.push({ key: r[2] as number, id: r[1] as string, row: r });
    else if (r[0] === GRAPH_ROW.edge) allEdges.push({ from: r[1] as string, to: r[2] as string, kind: r[3] as string });
    else checks.push([r[1] as string, r[2] as QualityStatus]);
  }
  const failing = failingByDataset(checks);
  // The root comes first (order key 0–3); namespace is null for a node without a catalog row.
  walked.sort((a, b) => a.key - b.key);
  if (walked[0]?.id !== root || walked[0].row[3] === null) return null;
  // The statement returns one node past the limit when there are more: that one, and its edges, are left out.
  const truncated = walked.length > maxNodes;
  const kept = truncated ? walked.slice(0, maxNodes) : walked;
  const keptIds = new Set(kept.map((w) => w.id));
  const edges = truncated ? allEdges.filter((e) => keptIds.has(e.from) && keptIds.has(e.to)) : allEdges;
  const dist = new Map<string, number>();
  for (const d of directions) {
    for (const [node, n] of distancesFrom(root, edges, d)) if (!dist.has(node) || n < dist.get(node)!) dist.set(node, n);
  }
  const nodes = kept.flatMap(({ id, row: r }) =>
    r[3] === null
      ? []
      : [
          {
            id,
            type: nodeTypeOf(id),
            namespace: r[3] as string,
            name: r[4] as string,
            kind: r[5] as string,
            ownerTeamId: (r[6] as string | null) ?? null,
            ownerTeamName: (r[7] as string | null) ?? null,
            lastWriteAt: (r[8] as number | null) ?? null,
            lastRunState: (r[9] as string | null) ?? null,
            failingChecks: failing.get(id) ?? 0,
            depth: dist.get(id) ?? 0,
          },
        ],
  );
  return { nodes, edges, truncated };
}

export interface PathResult {
  /** downstream: from → to along edge direction; upstream: the path runs to → from. */
  direction: Direction | null;
  /** One shortest path, root first. Empty when none. */
  path: string[];
  /** Every node and edge on some path between the two. */
  graph: Graph;
}

/** Paths between two nodes: all nodes on any directed path (recursive SQL), one shortest path (BFS on those edges). */
export async function lineagePath(ctx: TenantCtx, from: string, to: string, now: number): Promise<PathResult> {
  for (const [a, b, direction] of [
    [from, to, "downstream"],
    [to, from, "upstream"],
  ] as const) {
    const ids = (await rawRows(ctx, pathNodesSql(ctx.tenantId, a, b))).map((r) => r[0] as string);
    if (!ids.includes(a) || !ids.includes(b)) continue;
    const [edges, details] = await Promise.all([edgesAmong(ctx, ids), nodeDetails(ctx, ids, now)]);
    const path = shortestPath(a, b, edges) ?? [];
    const dist = distancesFrom(a, edges, "downstream");
    const nodes = ids.flatMap((id) => {
      const info = details.get(id);
      return info ? [{ ...info, depth: dist.get(id) ?? 0 }] : [];
    });
    return { direction, path: direction === "downstream" ? path : [...path].reverse(), graph: { nodes, edges, truncated: false } };
  }
  return { direction: null, path: [], graph: { nodes: [], edges: [], truncated: false } };
}

export interface ImpactEntry {
  id: string;
  type: "dataset" | "job";
  namespace: string;
  name: string;
  kind: string;
  ownerTeamId: string | null;
  ownerTeamName: string | null;
}

export interface Impact {
  datasets: ImpactEntry[];
  jobs: ImpactEntry[];
  /** Owner teams of everything downstream, with how many datasets each owns there. */
  teams: Array<{ id: string; name: string; datasets: number; jobs: number }>;
}

/**
 * Everything downstream of a dataset or job, any distance, with owner teams: who is affected when it breaks.
 * One recursive statement (impactSql), which also tells whether `node` exists: null when it is no dataset or job
 * of the tenant. Data products join their member datasets onto the same result.
 */
export async function impactOf(ctx: TenantCtx, node: string): Promise<Impact | null> {
  const rows = await rawRows(ctx, impactSql(ctx.tenantId, node));
  const datasets: ImpactEntry[] = [];
  const jobs: ImpactEntry[] = [];
  const teams = new Map<string, { id: string; name: string; datasets: number; jobs: number }>();
  let rootFound = false;
  for (const r of rows) {
    if (r[2] === null) continue; // an edge to a node without a catalog row
    if (r[0]) {
      rootFound = true;
      continue;
    }
    const entry: ImpactEntry = {
      id: r[1] as string,
      type: nodeTypeOf(r[1] as string),
      namespace: r[2] as string,
      name: r[3] as string,
      kind: r[4] as string,
      ownerTeamId: (r[5] as string | null) ?? null,
      ownerTeamName: (r[6] as string | null) ?? null,
    };
    (entry.type === "dataset" ? datasets : jobs).push(entry);
    if (entry.ownerTeamId) {
      const t = teams.get(entry.ownerTeamId) ?? { id: entry.ownerTeamId, name: entry.ownerTeamName ?? entry.ownerTeamId, datasets: 0, jobs: 0 };
      if (entry.type === "dataset") t.datasets++;
      else t.jobs++;
      teams.set(entry.ownerTeamId, t);
    }
  }
  if (!rootFound) return null;
  const byName = (a: ImpactEntry, b: ImpactEntry) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);
  return {
    datasets: datasets.sort(byName),
    jobs: jobs.sort(byName),
    teams: [...teams.values()].sort((a, b) => b.datasets - a.datasets || a.name.localeCompare(b.name)),
  };
}
