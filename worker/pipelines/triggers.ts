/** The `after:` graph across a tenant's pipelines (pure; the push route checks it, docs/pipelines.md explains it). */

export interface TriggerNode {
  name: string;
  /** Names of the pipelines whose runs start this one (its `triggers[].after`, in spec order). */
  after: readonly string[];
}

export interface TriggerCycle {
  /** Index in the pushed spec's `triggers` of the edge that closes the loop. */
  triggerIndex: number;
  /** Pipelines in the order their runs would start one another, the pushed one first and last: `a → b → a`. */
  cycle: string[];
}

/**
 * The shortest loop of `after:` triggers through `pushed` once it replaces its namesake among `others`, or null.
 * Only loops through the pushed pipeline are looked for: the rest of the graph was checked when it was pushed
 * (what slips past, e.g. two pushes racing, is stopped at run time by MAX_TRIGGER_CHAIN_DEPTH).
 */
export function findTriggerCycle(pushed: TriggerNode, others: readonly TriggerNode[]): TriggerCycle | null {
  // "X after Y": a finished run of Y starts X, so the walk goes from a pipeline to those that name it.
  const starts = new Map<string, string[]>();
  for (const node of [...others.filter((n) => n.name !== pushed.name), pushed]) {
    for (const upstream of node.after) starts.set(upstream, [...(starts.get(upstream) ?? []), node.name]);
  }
  const closes = new Set(pushed.after);
  const cameFrom = new Map<string, string>([[pushed.name, ""]]);
  const queue = [pushed.name];
  for (let i = 0; i < queue.length; i++) {
    const current = queue[i];
    if (closes.has(current)) {
      const path = [current];
      for (let at = cameFrom.get(current)!; at !== ""; at = cameFrom.get(at)!) path.unshift(at);
      return { triggerIndex: pushed.after.indexOf(current), cycle: [...path, pushed.name] };
    }
    for (const next of starts.get(current) ?? []) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, current);
      queue.push(next);
    }
  }
  return null;
}
