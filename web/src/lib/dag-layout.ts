/**
 * Positions of a pipeline's tasks for the DAG view: a layered drawing (Sugiyama's method) written for pipeline
 * DAGs rather than dagre. dagre is 69 KB of gzipped JS and made the pipeline page, whose default tab is this graph,
 * the heaviest in the dashboard (150 KB); pipelines are small DAGs whose layout needs only the steps below. The
 * lineage explorer, with larger and messier graphs, keeps dagre (lineage-layout.ts).
 *
 * 1. Layers: each task one layer after its latest dependency (longest path), so every edge points forward.
 * 2. Edges that skip layers get a placeholder in each layer they cross, so they are routed around tasks.
 * 3. Order within layers: sweeps down and up placing each node at the median of its neighbours' positions in the
 *    layer just fixed, keeping the order with the fewest crossings seen.
 * 4. Coordinates: each layer's nodes as close as they can be to the mean of their neighbours' positions, without
 *    overlapping (least squares under a minimum gap, solved exactly by pooling adjacent violators), sweeping down
 *    and up a few times so chains come out straight and forks centred.
 */

export interface DagTask {
  id: string;
  depends_on: string[];
}

export interface PlacedNode {
  id: string;
  /** Top-left corner. */
  x: number;
  y: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface DagEdge {
  id: string;
  source: string;
  target: string;
  /**
   * Where an edge that skips layers crosses each layer in between: the lane's entry and exit points in that layer
   * (two per layer crossed, in order from source to target), so it is drawn around tasks rather than through them.
   * Empty for an edge between neighbouring layers.
   */
  points: Point[];
}

export interface DagLayout {
  nodes: PlacedNode[];
  edges: DagEdge[];
  width: number;
  height: number;
}

export interface DagOptions {
  /** LR: dependencies flow left to right; TB: top to bottom. */
  direction?: "LR" | "TB";
  nodeWidth?: number;
  nodeHeight?: number;
}

const NODE_GAP = 28;
const LAYER_GAP = 64;
const MARGIN = 8;
/** Cross-axis room a placeholder of a long edge takes. */
const PLACEHOLDER_SIZE = 8;
const ORDER_SWEEPS = 8;
const POSITION_SWEEPS = 6;

interface Item {
  key: number;
  /** Cross-axis size: a task's height (LR) or width (TB); a placeholder's small gap. */
  size: number;
  up: number[];
  down: number[];
}

/** Layer of each task: one after its latest dependency. Tasks in a cycle (refused at push) go after the rest. */
function layersOf(tasks: DagTask[], deps: Map<string, string[]>): Map<string, number> {
  const layer = new Map<string, number>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const value = Math.max(-1, ...(deps.get(id) ?? []).map(visit)) + 1;
    visiting.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const t of tasks) visit(t.id);
  return layer;
}

function crossings(layers: Item[][]): number {
  let total = 0;
  for (let l = 0; l + 1 < layers.length; l++) {
    const pos = new Map(layers[l + 1].map((it, i) => [it.key, i]));
    const edges: Array<[number, number]> = [];
    layers[l].forEach((it, i) => {
      for (const d of it.down) edges.push([i, pos.get(d)!]);
    });
    for (let a = 0; a < edges.length; a++)
      for (let b = a + 1; b < edges.length; b++) if ((edges[a][0] - edges[b][0]) * (edges[a][1] - edges[b][1]) < 0) total++;
  }
  return total;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Reorders each layer by the median position of its neighbours in the layer fixed before it. */
function orderLayers(layers: Item[][]): Item[][] {
  let best = layers.map((l) => [...l]);
  let bestCrossings = crossings(best);
  const current = best.map((l) => [...l]);
  for (let sweep = 0; sweep < ORDER_SWEEPS && bestCrossings > 0; sweep++) {
    const downward = sweep % 2 === 0;
    const range = downward ? [...current.keys()].slice(1) : [...current.keys()].reverse().slice(1);
    for (const l of range) {
      const fixed = new Map(current[downward ? l - 1 : l + 1].map((it, i) => [it.key, i]));
      const keyed = current[l].map((it, i) => {
        const neighbours = (downward ? it.up : it.down).map((k) => fixed.get(k)!).filter((p) => p !== undefined);
        return { it, at: neighbours.length ? median(neighbours) : i, i };
      });
      keyed.sort((a, b) => a.at - b.at || a.i - b.i);
      current[l] = keyed.map((k) => k.it);
    }
    const c = crossings(current);
    if (c < bestCrossings) {
      bestCrossings = c;
      best = current.map((l) => [...l]);
    }
  }
  return best;
}

/**
 * Centres as close as possible to `want` (least squares), in order, each at least half their sizes plus the gap
 * apart: pool adjacent violators on positions shifted by the cumulative minimum offsets.
 */
function placeLayer(layer: Item[], want: number[]): number[] {
  const offset: number[] = [0];
  for (let i = 1; i < layer.length; i++) offset[i] = offset[i - 1] + (layer[i - 1].size + layer[i].size) / 2 + NODE_GAP;
  const blocks: Array<{ sum: number; count: number; start: number }> = [];
  want.forEach((w, i) => {
    blocks.push({ sum: w - offset[i], count: 1, start: i });
    while (blocks.length > 1) {
      const last = blocks[blocks.length - 1];
      const prev = blocks[blocks.length - 2];
      if (prev.sum / prev.count <= last.sum / last.count) break;
      prev.sum += last.sum;
      prev.count += last.count;
      blocks.pop();
    }
  });
  const out: number[] = [];
  for (const b of blocks) for (let k = 0; k < b.count; k++) out.push(b.sum / b.count + offset[b.start + k]);
  return out;
}

function positionLayers(layers: Item[][]): Map<number, number> {
  const pos = new Map<number, number>();
  for (const layer of layers) {
    let at = 0;
    for (const it of layer) {
      pos.set(it.key, at + it.size / 2);
      at += it.size + NODE_GAP;
    }
  }
  for (let sweep = 0; sweep < POSITION_SWEEPS; sweep++) {
    const downward = sweep % 2 === 0;
    const order = downward ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const l of order) {
      const layer = layers[l];
      const want = layer.map((it) => {
        const neighbours = downward ? it.up : it.down;
        return neighbours.length ? neighbours.reduce((s, k) => s + pos.get(k)!, 0) / neighbours.length : pos.get(it.key)!;
      });
      placeLayer(layer, want).forEach((p, i) => pos.set(layer[i].key, p));
    }
  }
  return pos;
}

/** Lays out tasks with an edge from each dependency to its dependent; unknown dependencies are ignored. */
export function layoutDag(tasks: DagTask[], { direction = "LR", nodeWidth = 200, nodeHeight = 60 }: DagOptions = {}): DagLayout {
  const ids = new Set(tasks.map((t) => t.id));
  const deps = new Map(tasks.map((t) => [t.id, [...new Set(t.depends_on.filter((d) => ids.has(d) && d !== t.id))]]));
  const edges: DagEdge[] = tasks.flatMap((t) => deps.get(t.id)!.map((dep) => ({ id: `${dep}->${t.id}`, source: dep, target: t.id, points: [] })));
  const layerOf = layersOf(tasks, deps);
  const crossSize = direction === "LR" ? nodeHeight : nodeWidth;
  const alongSize = direction === "LR" ? nodeWidth : nodeHeight;

  const items: Item[] = [];
  const layers: Item[][] = Array.from({ length: tasks.length ? Math.max(...layerOf.values()) + 1 : 0 }, () => []);
  const keyOf = new Map<string, number>();
  const add = (layer: number, size: number) => {
    const it: Item = { key: items.length, size, up: [], down: [] };
    items.push(it);
    layers[layer].push(it);
    return it;
  };
  for (const t of tasks) keyOf.set(t.id, add(layerOf.get(t.id)!, crossSize).key);
  /** The placeholders of each edge, with their layers, to turn into its waypoints once positioned. */
  const lanes = new Map<DagEdge, Array<{ key: number; layer: number }>>();
  for (const e of edges) {
    const to = layerOf.get(e.target)!;
    let from = items[keyOf.get(e.source)!];
    const lane: Array<{ key: number; layer: number }> = [];
    lanes.set(e, lane);
    for (let l = layerOf.get(e.source)! + 1; l <= to; l++) {
      const next = l === to ? items[keyOf.get(e.target)!] : add(l, PLACEHOLDER_SIZE);
      if (l !== to) lane.push({ key: next.key, layer: l });
      from.down.push(next.key);
      next.up.push(from.key);
      from = next;
    }
  }

  const ordered = orderLayers(layers);
  const pos = positionLayers(ordered);
  let low = Infinity;
  let high = -Infinity;
  for (const it of items) {
    low = Math.min(low, pos.get(it.key)! - it.size / 2);
    high = Math.max(high, pos.get(it.key)! + it.size / 2);
  }
  if (!items.length) [low, high] = [0, 0];
  const point = (along: number, cross: number): Point => (direction === "LR" ? { x: along, y: cross } : { x: cross, y: along });
  const layerStart = (layer: number) => MARGIN + layer * (alongSize + LAYER_GAP);
  const nodes = tasks.map((t) => {
    const { x, y } = point(layerStart(layerOf.get(t.id)!), MARGIN + pos.get(keyOf.get(t.id)!)! - low - crossSize / 2);
    return { id: t.id, x, y };
  });
  for (const [edge, lane] of lanes) {
    edge.points = lane.flatMap(({ key, layer }) => {
      const cross = MARGIN + pos.get(key)! - low;
      return [point(layerStart(layer), cross), point(layerStart(layer) + alongSize, cross)];
    });
  }
  const alongExtent = 2 * MARGIN + layers.length * alongSize + Math.max(0, layers.length - 1) * LAYER_GAP;
  const crossExtent = 2 * MARGIN + (high - low);
  return direction === "LR" ? { nodes, edges, width: alongExtent, height: crossExtent } : { nodes, edges, width: crossExtent, height: alongExtent };
}
