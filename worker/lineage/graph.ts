/** Small graph routines over edges already fetched by SQL: distances for display and one shortest path. */

export interface Edge {
  from: string;
  to: string;
}

export type Direction = "upstream" | "downstream";

/** Breadth-first distance of each node from `root`, following edges forwards (downstream) or backwards (upstream). */
export function distancesFrom(root: string, edges: Edge[], direction: Direction): Map<string, number> {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const [a, b] = direction === "downstream" ? [e.from, e.to] : [e.to, e.from];
    const list = next.get(a);
    if (list) list.push(b);
    else next.set(a, [b]);
  }
  const dist = new Map<string, number>([[root, 0]]);
  const queue = [root];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const n of next.get(node) ?? []) {
      if (!dist.has(n)) {
        dist.set(n, dist.get(node)! + 1);
        queue.push(n);
      }
    }
  }
  return dist;
}

/** One shortest directed path from `from` to `to` (node ids, both ends included), or null. */
export function shortestPath(from: string, to: string, edges: Edge[]): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.from);
    if (list) list.push(e.to);
    else next.set(e.from, [e.to]);
  }
  const prev = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (node === to) break;
    for (const n of next.get(node) ?? []) {
      if (!prev.has(n)) {
        prev.set(n, node);
        queue.push(n);
      }
    }
  }
  if (!prev.has(to)) return null;
  const path: string[] = [];
  for (let n: string | null = to; n !== null; n = prev.get(n) ?? null) path.push(n);
  return path.reverse();
}

/** Catalog node type from its id prefix (ids are `ds_…` or `job_…`). */
export const nodeTypeOf = (id: string): "dataset" | "job" => (id.startsWith("job_") ? "job" : "dataset");
