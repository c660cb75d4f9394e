/**
 * Positions of a pipeline's tasks, laid out by dagre (layered graph drawing), for the DAG view.
 * Only the graph component imports this, so dagre loads with it and never on pages without a graph.
 */
import dagre from "@dagrejs/dagre";

export interface DagTask {
  id: string;
  depends_on: string[];
}

export interface PlacedNode {
  id: string;
  /** Top-left corner, as Svelte Flow positions nodes. */
  x: number;
  y: number;
}

export interface DagEdge {
  id: string;
  source: string;
  target: string;
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

/** Lays out tasks with an edge from each dependency to its dependent; unknown dependencies are ignored. */
export function layoutDag(tasks: DagTask[], { direction = "LR", nodeWidth = 200, nodeHeight = 60 }: DagOptions = {}): DagLayout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: direction, nodesep: 28, ranksep: 64, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(tasks.map((t) => t.id));
  for (const task of tasks) graph.setNode(task.id, { width: nodeWidth, height: nodeHeight });
  const edges: DagEdge[] = [];
  for (const task of tasks) {
    for (const dep of task.depends_on) {
      if (!ids.has(dep)) continue;
      graph.setEdge(dep, task.id);
      edges.push({ id: `${dep}->${task.id}`, source: dep, target: task.id });
    }
  }
  dagre.layout(graph);
  // dagre gives centres; Svelte Flow wants top-left corners.
  const nodes = tasks.map((task) => {
    const { x, y } = graph.node(task.id);
    return { id: task.id, x: x - nodeWidth / 2, y: y - nodeHeight / 2 };
  });
  const { width = 0, height = 0 } = graph.graph();
  return { nodes, edges, width, height };
}
