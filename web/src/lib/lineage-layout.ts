/**
 * Positions for the lineage explorer, laid out left (upstream) to right (downstream) by dagre. Only the graph
 * component imports this, so dagre loads with it.
 */
import dagre from "@dagrejs/dagre";
import type { LineageEdge, LineageNode } from "./api/types";

export const LINEAGE_NODE_WIDTH = 200;
export const LINEAGE_NODE_HEIGHT = 58;

export function layoutLineage(nodes: LineageNode[], edges: LineageEdge[]) {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: "LR", nodesep: 14, ranksep: 48, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) graph.setNode(n.id, { width: LINEAGE_NODE_WIDTH, height: n.type === "job" ? LINEAGE_NODE_HEIGHT - 12 : LINEAGE_NODE_HEIGHT });
  const placedEdges = edges.filter((e) => ids.has(e.from) && ids.has(e.to));
  for (const e of placedEdges) graph.setEdge(e.from, e.to);
  dagre.layout(graph);
  return {
    positions: new Map(
      nodes.map((n) => {
        const { x, y, height } = graph.node(n.id) as { x: number; y: number; height: number };
        return [n.id, { x: x - LINEAGE_NODE_WIDTH / 2, y: y - height / 2 }];
      }),
    ),
    edges: placedEdges,
  };
}
