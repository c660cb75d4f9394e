import type { AfterTriggerSpec, DatasetsTriggerSpec, NormalizedTrigger } from "./spec";

/** The trigger graph across a tenant's pipelines (pure; the push route checks it, docs/pipelines.md explains it). */

export const isAfterTrigger = (t: NormalizedTrigger): t is AfterTriggerSpec => "after" in t;
export const isDatasetsTrigger = (t: NormalizedTrigger): t is DatasetsTriggerSpec => "datasets" in t;
export const hasWebhookTrigger = (triggers: readonly NormalizedTrigger[]) => triggers.some((t) => "webhook" in t);

/** The `after:` triggers of a spec (older stored entries hold only these). */
export const afterTriggers = (triggers: readonly NormalizedTrigger[]) => triggers.filter(isAfterTrigger);

export interface TriggerNode {
  name: string;
  /** Names of the pipelines whose runs start this one (its `triggers[].after`, in spec order). */
  after: readonly string[];
  /** Ids of the datasets whose updates start this one (its `triggers[].datasets`). */
  datasets?: readonly string[];
  /** Ids of the datasets this pipeline's tasks are known to write (from lineage). */
  writes?: readonly string[];
}

/** Where in the pushed spec the edge that closes a loop is: `triggers[i].after` or `triggers[i].datasets[j]`. */
export type TriggerEdgeRef = { trigger: number; dataset?: number };

export interface TriggerCycle {
  /** Index in the pushed spec's `triggers` of the edge that closes the loop (and of the dataset, for a dataset trigger). */
  at: TriggerEdgeRef;
  /** Pipelines in the order their runs would start one another, the pushed one first and last: `a → b → a`. */
  cycle: string[];
}

/** The pushed pipeline's upstream edges, each with where it is written in its spec. */
export interface PushedTriggers {
  name: string;
  triggers: ReadonlyArray<{ after: string } | { datasetIds: readonly string[] } | null>;
  /** Datasets the pushed pipeline itself is known to write (from lineage of its earlier runs). */
  writes: readonly string[];
}

/**
 * The shortest loop of triggers through `pushed` once it replaces its namesake among `others`, or null. A pipeline
 * that writes a dataset starts every pipeline with a dataset trigger on it, so `after:` and dataset triggers make one
 * graph. Only loops through the pushed pipeline are looked for: the rest of the graph was checked when it was pushed
 * (what slips past — two pushes racing, lineage learned after the push — is stopped at run time by
 * MAX_TRIGGER_CHAIN_DEPTH).
 */
export function findTriggerCycle(pushed: PushedTriggers, others: readonly TriggerNode[]): TriggerCycle | null {
  const nodes: TriggerNode[] = [
    ...others.filter((n) => n.name !== pushed.name),
    {
      name: pushed.name,
      after: pushed.triggers.flatMap((t) => (t && "after" in t ? [t.after] : [])),
      datasets: pushed.triggers.flatMap((t) => (t && "datasetIds" in t ? t.datasetIds : [])),
      writes: pushed.writes,
    },
  ];
  const writers = new Map<string, string[]>();
  for (const node of nodes) for (const id of node.writes ?? []) writers.set(id, [...(writers.get(id) ?? []), node.name]);
  // "X after Y" or "X on a dataset Y writes": a run of Y starts X, so the walk goes from a pipeline to those it starts.
  const starts = new Map<string, Set<string>>();
  const edge = (from: string, to: string) => starts.set(from, (starts.get(from) ?? new Set()).add(to));
  for (const node of nodes) {
    for (const upstream of node.after) edge(upstream, node.name);
    for (const id of node.datasets ?? []) for (const writer of writers.get(id) ?? []) edge(writer, node.name);
  }
  // The pushed pipeline's own upstreams, each with the first place in its spec that names it.
  const closes = new Map<string, TriggerEdgeRef>();
  pushed.triggers.forEach((t, i) => {
    if (!t) return;
    if ("after" in t) {
      if (!closes.has(t.after)) closes.set(t.after, { trigger: i });
      return;
    }
    t.datasetIds.forEach((id, j) => {
      for (const writer of writers.get(id) ?? []) if (!closes.has(writer)) closes.set(writer, { trigger: i, dataset: j });
    });
  });
  const cameFrom = new Map<string, string>([[pushed.name, ""]]);
  const queue = [pushed.name];
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i];
    const closing = closes.get(current);
    if (closing) {
      const path = [current];
      for (let at = cameFrom.get(current)!; at !== ""; at = cameFrom.get(at)!) path.unshift(at);
      return { at: closing, cycle: [...path, pushed.name] };
    }
    for (const next of starts.get(current) ?? []) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, current);
      queue.push(next);
    }
  }
  return null;
}
