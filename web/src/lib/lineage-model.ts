/**
 * The lineage explorer's model: response types and the pure pieces the page and tests share — merging graphs
 * as nodes are expanded, team colours, node health. No I/O here (see lineage.ts for the API calls).
 */
export interface TeamRef {
  id: string;
  name: string;
}

export interface LineageNode {
  id: string;
  type: "dataset" | "job";
  namespace: string;
  name: string;
  kind: string;
  owner_team: TeamRef | null;
  depth: number;
  last_write_at: string | null;
  last_run_state: string | null;
  failing_checks: number;
}

export interface LineageEdge {
  from: string;
  to: string;
  kind: string;
}

export interface LineageGraph {
  root: string;
  direction: Direction;
  depth: number | null;
  truncated: boolean;
  nodes: LineageNode[];
  edges: LineageEdge[];
}

export type Direction = "upstream" | "downstream" | "both";

export interface DatasetSummary {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  owner_team: TeamRef | null;
  tags: string[];
  last_write_at: string | null;
  updated_at: string;
}

export interface SchemaField {
  name: string;
  type: string | null;
  description: string | null;
  fields?: SchemaField[];
}

export interface Dataset extends DatasetSummary {
  description: string | null;
  schema: SchemaField[] | null;
  facets: Record<string, Record<string, unknown>>;
  last_write_run_id: string | null;
  freshness: {
    policy: { cron: string; timezone: string; max_age_seconds: number } | null;
    state: "fresh" | "late" | "unknown" | "no_policy";
    deadline: string | null;
    next_deadline: string | null;
    last_write_at: string | null;
  };
  created_at: string;
}

export interface JobRun {
  id: string;
  job_id: string;
  source: "openlineage" | "dbt" | "tutti";
  external_id: string;
  state: string;
  started_at: string | null;
  ended_at: string | null;
  error_message: string | null;
  tutti_run_id: string | null;
  tutti_task_key: string | null;
  event_count: number;
}

export interface DatasetRun {
  role: "input" | "output";
  at: string;
  row_count: number | null;
  bytes: number | null;
  file_count: number | null;
  facets: Record<string, unknown> | null;
  job: { id: string; namespace: string; name: string };
  run: JobRun;
}

export interface QualityResult {
  id: string;
  dataset_id: string;
  source: "dbt" | "openlineage" | "api";
  check: string;
  column: string | null;
  status: string;
  observed_at: string;
  run_id: string | null;
  details: Record<string, unknown>;
}

export interface ColumnEdge {
  from: { dataset: { id: string; namespace: string; name: string }; field: string };
  to: { dataset: { id: string; namespace: string; name: string }; field: string };
  transformation?: unknown;
}

export interface Job {
  id: string;
  namespace: string;
  name: string;
  kind: string;
  integration: string | null;
  owner_team: TeamRef | null;
  latest_run_state: string | null;
  latest_run_at: string | null;
  facets: Record<string, Record<string, unknown>>;
}

export interface Impact {
  node: string;
  datasets: Array<{ id: string; namespace: string; name: string; kind: string; owner_team: TeamRef | null }>;
  jobs: Array<{ id: string; namespace: string; name: string; kind: string; owner_team: TeamRef | null }>;
  teams: Array<{ id: string; name: string; datasets: number; jobs: number }>;
}

/** Adds an expansion's nodes and edges to what is on screen; nodes keep their first (root-relative) depth. */
export function mergeGraphs(current: { nodes: LineageNode[]; edges: LineageEdge[] }, more: { nodes: LineageNode[]; edges: LineageEdge[] }) {
  const nodes = new Map(current.nodes.map((n) => [n.id, n]));
  for (const n of more.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n);
  const edges = new Map(current.edges.map((e) => [`${e.from}>${e.to}`, e]));
  for (const e of more.edges) edges.set(`${e.from}>${e.to}`, e);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Colours for owner teams: distinct hues, the same team always the same colour (hash of its id). */
const teamPalette = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#0891b2", "#db2777", "#65a30d", "#dc2626", "#4f46e5", "#0d9488"];

export function teamColor(teamId: string | null | undefined): string {
  if (!teamId) return "#a1a1aa";
  let h = 0;
  for (const ch of teamId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return teamPalette[h % teamPalette.length];
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
