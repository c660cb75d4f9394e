import type { OnConflict } from "../pipelines/spec";

export interface QueuedOrRunning {
  id: string;
  status: "queued" | "running";
  queuedAt: number;
  /** Backfill id: backfill runs share their own parallelism cap instead of the pipeline's. */
  groupId: string | null;
  groupLimit: number | null;
}

export type Admission = { action: "start" } | { action: "queue" } | { action: "skip"; reason: string } | { action: "cancel_previous"; cancel: string[] };

/**
 * How many `after:` hops a chain of runs may take from the run that began it (cron, manual, API, backfill). The push
 * check refuses trigger loops; this stops one that slipped past it (two pushes racing, specs written before the check).
 */
export const MAX_TRIGGER_CHAIN_DEPTH = 20;

/** A run started by an upstream trigger `depth` hops down its chain: skipped (never started) past the limit. */
export function admitChain(depth: number): Admission | null {
  if (depth <= MAX_TRIGGER_CHAIN_DEPTH) return null;
  return {
    action: "skip",
    reason: `not started: it would be ${depth} after: triggers down one chain (limit ${MAX_TRIGGER_CHAIN_DEPTH}); the pipelines' triggers probably form a loop`,
  };
}

/** What a new run of a pipeline does given the runs already active, per the spec's concurrency policy. */
export function admit(policy: { max_runs: number; on_conflict: OnConflict }, active: QueuedOrRunning[], groupId: string | null): Admission {
  if (groupId) return { action: "queue" };
  const mine = active.filter((r) => r.groupId === null);
  const running = mine.filter((r) => r.status === "running");
  const waiting = mine.filter((r) => r.status === "queued");
  if (running.length < policy.max_runs && waiting.length === 0) return { action: "start" };
  switch (policy.on_conflict) {
    case "queue":
      return { action: "queue" };
    case "skip":
      return { action: "skip", reason: `skipped: ${running.length} run(s) already active (max_runs ${policy.max_runs})` };
    case "cancel_previous": {
      // Oldest first, leaving room for the new run.
      const ordered = [...running, ...waiting].sort((a, b) => a.queuedAt - b.queuedAt);
      const excess = ordered.length - policy.max_runs + 1;
      return { action: "cancel_previous", cancel: ordered.slice(0, Math.max(excess, 0)).map((r) => r.id) };
    }
  }
}

/**
 * Queued runs that may start now: FIFO within the pipeline's limit and each backfill's parallelism. The queued runs of
 * `held` backfills (paused or cancelled) stay queued; their running ones still count against the parallelism.
 */
export function promotable(maxRuns: number, active: QueuedOrRunning[], held: ReadonlySet<string> = new Set()): string[] {
  const start: string[] = [];
  const runningByGroup = new Map<string | null, number>();
  for (const r of active) if (r.status === "running") runningByGroup.set(r.groupId, (runningByGroup.get(r.groupId) ?? 0) + 1);
  const queued = active.filter((r) => r.status === "queued").sort((a, b) => a.queuedAt - b.queuedAt || a.id.localeCompare(b.id));
  for (const r of queued) {
    if (r.groupId && held.has(r.groupId)) continue;
    const limit = r.groupId ? (r.groupLimit ?? 1) : maxRuns;
    const running = runningByGroup.get(r.groupId) ?? 0;
    if (running < limit) {
      start.push(r.id);
      runningByGroup.set(r.groupId, running + 1);
    }
  }
  return start;
}
