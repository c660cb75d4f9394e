/**
 * The lineage explorer's model: the pure pieces the page and tests share — merging graphs as nodes are expanded,
 * team colours, node health. No I/O here (api/lineage.ts calls the API; the shapes come from api/types.ts).
 */
import type { LineageEdge, LineageNode } from "./api/types";

/** Adds an expansion's nodes and edges to what is on screen; nodes keep their first (root-relative) depth. */
export function mergeGraphs(current: { nodes: LineageNode[]; edges: LineageEdge[] }, more: { nodes: LineageNode[]; edges: LineageEdge[] }) {
  const nodes = new Map(current.nodes.map((n) => [n.id, n]));
  for (const n of more.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const edges = new Map(current.edges.map((e) => [`${e.from}>${e.to}`, e]));
  for (const e of more.edges) edges.set(`${e.from}>${e.to}`, e);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** How many owner-team colours app.css defines (--team-0 … --team-9). */
const TEAM_COLOURS = 10;

/** The colour of an owner team, as a CSS value: distinct hues, the same team always the same one (hash of its id). */
export function teamColor(teamId: string | null | undefined): string {
  if (!teamId) return "var(--team-none)";
  let h = 0;
  for (const ch of teamId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `var(--team-${h % TEAM_COLOURS})`;
}

/** Health word for a node, in the dashboard's status vocabulary: failing checks or a failed last run first. */
export function nodeHealth(n: Pick<LineageNode, "type" | "failing_checks" | "last_run_state" | "last_write_at">): "failed" | "healthy" | "running" | "unknown" {
  if (n.failing_checks > 0) return "failed";
  if (n.type === "job") {
    if (n.last_run_state === "failed") return "failed";
    if (n.last_run_state === "running") return "running";
    return n.last_run_state === "succeeded" ? "healthy" : "unknown";
  }
  return n.last_write_at ? "healthy" : "unknown";
}

/** The short name of a dataset for a node label: the last two dotted parts of long warehouse names. */
export function shortName(name: string): string {
  const parts = name.split(/[./]/).filter(Boolean);
  return parts.length > 2 ? parts.slice(-2).join(".") : name;
}
