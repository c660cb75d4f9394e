/**
 * The dataset and dbt project pages' model: the pure pieces they share — freshness policies in words, dbt node
 * filtering and sorting, raw event ordering, quality messages. No I/O here (api/lineage.ts and api/dbt.ts call the
 * API; the shapes come from api/types.ts).
 */
import type { DbtNode, FreshnessPolicy, LineageGraph, LineageNode, RawLineageEvent, SchemaField } from "./api/types";

/** Resource types dbt manifests define, in the order people look for them. */
export const dbtResourceTypes = ["model", "seed", "snapshot", "source", "test", "exposure", "metric", "semantic_model", "analysis", "operation"] as const;

/** The status filter's value for nodes with no result in any uploaded run_results. */
export const NOT_RUN = "not_run";

/** The catalog dataset a dbt node maps to (models, seeds, snapshots, sources), or null for tests and other jobs. */
export function datasetIdOf(node: Pick<DbtNode, "node_id">): string | null {
  return node.node_id.startsWith("ds_") ? node.node_id : null;
}

/** The statuses present among `nodes` (for the filter), most common first; "not_run" last when some never ran. */
export function nodeStatuses(nodes: DbtNode[]): string[] {
  const counts = new Map<string, number>();
  let notRun = 0;
  for (const n of nodes) {
    if (n.last_result) counts.set(n.last_result.status, (counts.get(n.last_result.status) ?? 0) + 1);
    else notRun++;
  }
  const statuses = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([s]) => s);
  return notRun ? [...statuses, NOT_RUN] : statuses;
}

export type NodeSort = "name" | "slowest" | "recent";

/** Filters by last status (`not_run` for never-run nodes, "" for all) and orders by name, execution time or completion. */
export function arrangeNodes(nodes: DbtNode[], status: string, sort: NodeSort): DbtNode[] {
  const kept = status ? nodes.filter((n) => (status === NOT_RUN ? !n.last_result : n.last_result?.status === status)) : [...nodes];
  const byName = (a: DbtNode, b: DbtNode) => a.name.localeCompare(b.name) || a.unique_id.localeCompare(b.unique_id);
  if (sort === "slowest") {
    // Nodes without a timing go last rather than counting as instant.
    const secs = (n: DbtNode) => n.last_result?.execution_seconds ?? -1;
    return kept.sort((a, b) => secs(b) - secs(a) || byName(a, b));
  }
  if (sort === "recent") {
    const at = (n: DbtNode) => n.last_result?.completed_at ?? "";
    return kept.sort((a, b) => at(b).localeCompare(at(a)) || byName(a, b));
  }
  return kept.sort(byName);
}

/** "12 success · 1 error · 2 skipped" from run_results' status counts, most common first. */
export function resultCountsText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([status, n]) => `${n} ${status}`)
    .join(" · ");
}

/** The tool's own words about a quality result: dbt's message and failure count, an API message, or assertion params. */
export function qualityMessage(details: Record<string, unknown>): string {
  const parts: string[] = [];
  if (typeof details.message === "string" && details.message.trim()) parts.push(details.message.trim());
  if (typeof details.failures === "number" && details.failures > 0) parts.push(`${details.failures} failing ${details.failures === 1 ? "row" : "rows"}`);
  if (!parts.length && details.params && typeof details.params === "object") {
    const params = Object.entries(details.params as Record<string, unknown>).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
    if (params.length) parts.push(params.join(", "));
  }
  return parts.join(" — ");
}

/** A raw event tagged with where it was found: the dataset's own events, or the events of a run that read or wrote it. */
/** Who reported a lineage run or quality result, in words. */
const lineageSources: Record<string, string> = { openlineage: "OpenLineage", dbt: "dbt", tutti: "Tutti", api: "API" };
export const lineageSourceLabel = (source: string) => lineageSources[source] ?? source;

export interface DatasetRawEvent extends RawLineageEvent {
  via: { kind: "dataset" } | { kind: "run"; runId: string; jobName: string; role: "input" | "output" };
}

/** Merges the dataset's events with its runs' events, newest first, each event once (a run can both read and write). */
export function mergeRawEvents(
  datasetEvents: RawLineageEvent[],
  runEvents: Array<{ runId: string; jobName: string; role: "input" | "output"; events: RawLineageEvent[] }>,
): DatasetRawEvent[] {
  const byId = new Map<string, DatasetRawEvent>();
  for (const e of datasetEvents) byId.set(e.id, { ...e, via: { kind: "dataset" } });
  for (const r of runEvents) {
    for (const e of r.events) if (!byId.has(e.id)) byId.set(e.id, { ...e, via: { kind: "run", runId: r.runId, jobName: r.jobName, role: r.role } });
  }
  return [...byId.values()].sort((a, b) => b.event_time.localeCompare(a.event_time) || b.id.localeCompare(a.id));
}

const DOW_NAMES = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const isNum = (s: string) => /^\d+$/.test(s);
const pad2 = (n: number) => String(n).padStart(2, "0");

/** Expands a cron list/range field ("1-5", "1,3,5", "6,0") into numbers; null for steps and other forms. */
function expandField(field: string, max: number): number[] | null {
  const out: number[] = [];
  for (const part of field.split(",")) {
    const range = /^(\d+)-(\d+)$/.exec(part);
    if (range) {
      const [from, to] = [Number(range[1]), Number(range[2])];
      if (from > to || to > max) return null;
      for (let i = from; i <= to; i++) out.push(i);
    } else if (isNum(part) && Number(part) <= max) out.push(Number(part));
    else return null;
  }
  return out;
}

function daysInWords(dow: string): string | null {
  if (dow === "*") return "every day";
  const days = expandField(dow, 7);
  if (!days) return null;
  const set = new Set(days.map((d) => d % 7));
  const key = [...set].sort().join(",");
  if (key === "1,2,3,4,5") return "on weekdays";
  if (key === "0,6") return "at weekends";
  if (set.size === 7) return "every day";
  return `on ${[...set]
    .sort((a, b) => ((a + 6) % 7) - ((b + 6) % 7))
    .map((d) => DOW_NAMES[d])
    .join(", ")}`;
}

/**
 * A five-part cron as the deadline it expresses: "by 07:00 on weekdays", "by 06:30 and 18:30 every day",
 * "by :15 past every hour". Null when the expression is beyond plain words (steps, mixed day fields).
 */
export function cronInWords(cron: string): string | null {
  const parts = cron.trim().split(/\s+/);
  if (parts.length !== 5) return null;
  const [minute, hour, dom, month, dow] = parts;
  if (!isNum(minute) || Number(minute) > 59) return null;
  let time: string;
  if (hour === "*") time = `by :${pad2(Number(minute))} past every hour`;
  else {
    const hours = expandField(hour, 23);
    if (!hours?.length) return null;
    const times = hours.map((h) => `${pad2(h)}:${pad2(Number(minute))}`);
    time = `by ${times.length > 1 ? `${times.slice(0, -1).join(", ")} and ${times[times.length - 1]}` : times[0]}`;
  }
  let days: string | null;
  if (dom === "*") days = daysInWords(dow);
  else {
    const dates = dow === "*" ? expandField(dom, 31) : null;
    days = dates ? `on day ${dates.join(", ")} of the month` : null;
  }
  if (!days) return null;
  let months = "";
  if (month !== "*") {
    const list = expandField(month, 12);
    if (!list || list.some((m) => m < 1)) return null;
    months = ` in ${list.map((m) => MONTH_NAMES[m - 1]).join(", ")}`;
  }
  // "every hour every day" says nothing the hour does not already say.
  const dayText = hour === "*" && days === "every day" ? "" : ` ${days}`;
  return `${time}${dayText}${months}`;
}

/** "24 hours", "90 minutes", "2 days": the largest whole unit, so "24h" reads as written. */
export function durationInWords(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  if (seconds >= 2 * 86400 && seconds % 86400 === 0) return unit(seconds / 86400, "day");
  if (seconds >= 3600 && seconds % 3600 === 0) return unit(seconds / 3600, "hour");
  if (seconds >= 60 && seconds % 60 === 0) return unit(seconds / 60, "minute");
  return unit(seconds, "second");
}

/** The API's max_age form ("24h", "90m", "2d", "45s") for a number of seconds, to prefill the editor. */
export function durationInput(seconds: number): string {
  if (seconds >= 86400 && seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** "Updated by 07:00 on weekdays (Europe/London), at most 24 hours old at each deadline." */
export function describeFreshnessPolicy(policy: FreshnessPolicy): string {
  const when = cronInWords(policy.cron);
  const schedule = when ? `Updated ${when}` : `Updated by each time of the schedule ${policy.cron}`;
  return `${schedule} (${policy.timezone}), at most ${durationInWords(policy.max_age_seconds)} old at each deadline.`;
}

export interface SchemaRow {
  /** Dotted path for nested (struct) fields: "address.city". */
  path: string;
  name: string;
  depth: number;
  type: string | null;
  description: string | null;
}

/** Schema fields as table rows, nested struct fields after their parent with their dotted path. */
export function flattenSchema(fields: SchemaField[], prefix = "", depth = 0): SchemaRow[] {
  const rows: SchemaRow[] = [];
  for (const f of fields) {
    const path = prefix ? `${prefix}.${f.name}` : f.name;
    rows.push({ path, name: f.name, depth, type: f.type, description: f.description });
    if (f.fields?.length) rows.push(...flattenSchema(f.fields, path, depth + 1));
  }
  return rows;
}

/** One job next to a dataset, with the datasets on its far side (what it reads from, or what it writes to). */
export interface NeighbourJob {
  job: LineageNode;
  datasets: LineageNode[];
}

/**
 * One hop each way around a dataset, from a lineage graph of depth 2 in one direction (GET /lineage/graph): the
 * jobs at distance 1 — upstream, those that write it; downstream, those that read it — each with the datasets at
 * distance 2 joined to it by an edge (their inputs, or their outputs). Jobs and datasets by name.
 */
export function neighbourJobs(graph: LineageGraph): NeighbourJob[] {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const byName = (a: LineageNode, b: LineageNode) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
  return graph.nodes
    .filter((n) => n.depth === 1 && n.type === "job")
    .sort(byName)
    .map((job) => {
      const far = graph.edges
        .map((e) => (e.to === job.id ? e.from : e.from === job.id ? e.to : null))
        .map((id) => (id ? byId.get(id) : undefined))
        .filter((n): n is LineageNode => !!n && n.depth === 2 && n.type === "dataset");
      return { job, datasets: [...new Map(far.map((n) => [n.id, n])).values()].sort(byName) };
    });
}

/** 1536 → "1.5 KB"; null → "—". */
export function formatBytes(n: number | null): string {
  if (n == null) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? v.toFixed(1) : v} ${units[i]}`;
}
