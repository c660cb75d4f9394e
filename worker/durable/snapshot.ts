import type { LogEntry, RunState, TaskState } from "../engine/types";
import type { RunSnapshot } from "../db/repo/runs/runs";
import type { RunMeta } from "./run-meta";

/**
 * D1 rows for one transition: the run, the tasks that changed, their current attempts and the log.
 * Pure, so what is written through can be tested without a Durable Object.
 */
export function buildSnapshot(
  meta: RunMeta,
  before: RunState | null,
  after: RunState,
  log: LogEntry[],
  firstSeq: number,
  eventId: string,
  now: number,
): { snapshot: RunSnapshot; seq: number } {
  let seq = firstSeq;
  const events = log.map((entry) => ({
    runId: after.id,
    seq: ++seq,
    at: now,
    eventId,
    taskKey: entry.taskKey,
    fromStatus: entry.from,
    toStatus: entry.to,
    reason: entry.reason,
  }));
  if (!events.length) seq += 1;
  const changed = Object.values(after.tasks).filter((t) => !before || JSON.stringify(before.tasks[t.key]) !== JSON.stringify(t));
  const specTask = (key: string) => meta.tasks.find((t) => t.id === key)!;
  return {
    seq,
    snapshot: {
      run: {
        id: after.id,
        pipelineId: meta.pipelineId,
        pipelineName: meta.pipelineName,
        teamId: meta.teamId,
        versionId: meta.versionId,
        version: meta.version,
        status: after.status,
        attempt: after.attempt,
        triggerKind: meta.trigger.kind,
        triggeredBy: meta.trigger.by,
        triggerRef: meta.trigger.ref,
        params: meta.params,
        logicalAt: meta.logicalAt,
        backfillId: meta.backfillId,
        environment: meta.environment,
        ci: meta.ci ?? null,
        reason: after.reason,
        queuedAt: after.queuedAt,
        startedAt: after.startedAt,
        finishedAt: after.finishedAt,
        seq,
      },
      tasks: changed.map((t) => taskRow(specTask(t.key), after.id, t, seq)),
      attempts: changed.filter((t) => t.attempt > 0).map((t) => attemptRow(after.id, t)),
      events,
    },
  };
}

function taskRow(spec: RunMeta["tasks"][number], runId: string, t: TaskState, seq: number) {
  return {
    runId,
    taskKey: t.key,
    connector: spec.connector,
    connection: spec.connection,
    status: t.status,
    attempt: t.attempt,
    externalId: t.handle?.externalId ?? null,
    externalUrl: t.handle?.externalUrl ?? null,
    error: t.error ? { kind: t.error.kind, message: t.error.message } : null,
    reason: t.reason,
    noNewData: t.noNewData,
    outputs: t.outputs ?? null,
    dependsOn: spec.depends_on,
    queuedAt: t.queuedAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    seq,
  };
}

function attemptRow(runId: string, t: TaskState) {
  // An attempt waiting for its retry is over; its row keeps the failure that ended it.
  const status = t.status === "up_for_retry" ? (t.error?.kind === "timeout" ? "timed_out" : "failed") : t.status;
  return {
    runId,
    taskKey: t.key,
    attempt: t.attempt,
    status,
    externalId: t.handle?.externalId ?? null,
    externalUrl: t.handle?.externalUrl ?? null,
    error: t.error ? { kind: t.error.kind, message: t.error.message } : null,
    outputs: t.outputs ?? null,
    retryKind: t.retryKind ?? null,
    queuedAt: t.queuedAt,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
  };
}

/**
 * Merges the snapshots waiting in the outbox into one per run: the newest run row, the newest row of each task and
 * of each attempt, and every event. Writing the merged rows leaves D1 as writing each snapshot in order would (rows
 * only move forward by `seq`; attempts and events are keyed), with fewer statements: a chain of instant tasks piles up
 * several transitions of one run while one write-through is in flight. `snapshots` are in the order they were made.
 */
export function mergeSnapshots(snapshots: RunSnapshot[]): RunSnapshot[] {
  const byRun = new Map<
    string,
    {
      run: RunSnapshot["run"];
      tasks: Map<string, RunSnapshot["tasks"][number]>;
      attempts: Map<string, RunSnapshot["attempts"][number]>;
      events: RunSnapshot["events"];
    }
  >();
  for (const s of snapshots) {
    let merged = byRun.get(s.run.id);
    if (!merged) {
      merged = { run: s.run, tasks: new Map(), attempts: new Map(), events: [] };
      byRun.set(s.run.id, merged);
    }
    if (s.run.seq >= merged.run.seq) merged.run = s.run;
    for (const t of s.tasks) {
      const known = merged.tasks.get(t.taskKey);
      if (!known || t.seq >= known.seq) merged.tasks.set(t.taskKey, t);
    }
    for (const a of s.attempts) merged.attempts.set(`${a.taskKey}\u0000${a.attempt}`, a);
    merged.events.push(...s.events);
  }
  return [...byRun.values()].map((m) => ({ run: m.run, tasks: [...m.tasks.values()], attempts: [...m.attempts.values()], events: m.events }));
}
