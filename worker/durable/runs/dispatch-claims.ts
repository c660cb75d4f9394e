import { resolveTemplates } from "../../engine/templates";
import type { EngineEvent } from "../../engine/types";
import { formatPath } from "../../lib/errors";
import type { Env } from "../../env";
import type { DispatchMessage } from "../../queues/messages";
import type { DispatchClaim, OutcomeReport } from "./contract";
import type { RunsCore } from "./core";
import { cancelSettled } from "./pools";

/** Default of DISPATCH_LEASE_SECONDS: well above the connectors' own 30 s call timeouts. */
const DISPATCH_LEASE_MS = 120_000;

/** One claim per run, task, attempt, operation and poll sequence: every copy of a dispatch names the same one. */
export const claimIdOf = (msg: DispatchMessage) => `${msg.runId}:${msg.taskKey}:${msg.attempt}:${msg.op}:${msg.seq}`;

/** How long a claimed tool call may take before its dispatch is sent again (DISPATCH_LEASE_SECONDS). */
export function leaseMs(env: Env): number {
  const seconds = Number(env.DISPATCH_LEASE_SECONDS);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DISPATCH_LEASE_MS;
}

/** Puts a dispatch in the outbox and tracks it until its claim completes (an effect of a transition). */
export function sendDispatch(core: RunsCore, msg: DispatchMessage, now: number) {
  core.store.enqueue({ kind: "dispatch", payload: msg });
  core.store.trackDispatch(claimIdOf(msg), msg, now + leaseMs(core.env));
}

/** The holder of a claim that a delivery of queue message `messageId` makes. */
export const queueHolder = (messageId: string) => `queue:${messageId}`;
/** The holder of a claim this instance of the object makes to call the tool itself (runs/inline-dispatch.ts). */
export const objectHolder = (core: Pick<RunsCore, "instanceId">) => `object:${core.instanceId}`;

/**
 * Whether the holder of a live lease is gone for sure, so that `claimant` takes the claim over at once (as a
 * resubmission, since the gone holder's call may have reached the tool) instead of waiting for the lease to end:
 * - the same queue message, delivered again: a queue delivers a message again only once its earlier delivery is over
 *   (it asked for a retry, or its consumer died), so that delivery claimed and then failed to report — a lost answer
 *   from the object, a consumer restarted mid-call;
 * - an earlier instance of this object: an object runs as one instance at a time, so a call that instance was making
 *   itself went with it (an eviction, a restart of the runtime).
 * Anything else may still be calling the tool, and keeps its lease: a live call is never doubled.
 */
export function holderGone(heldBy: string | null, claimant: string | null, self: string): boolean {
  if (heldBy === null) return false;
  if (heldBy.startsWith("queue:")) return heldBy === claimant;
  return heldBy.startsWith("object:") && heldBy !== self;
}

/**
 * A dispatch message asks to act; only one delivery per (run, task, attempt, op, seq) may. `holder`: who claims
 * (queueHolder, objectHolder; null for a caller that names none).
 */
export function claimDispatch(core: RunsCore, msg: DispatchMessage, holder: string | null): DispatchClaim {
  const { store } = core;
  const claimId = claimIdOf(msg);
  const row = store.getRun(msg.runId);
  const task = row?.state.tasks[msg.taskKey];
  const valid =
    !!row &&
    !!task &&
    task.attempt === msg.attempt &&
    (msg.op === "cancel" ||
      (msg.op === "trigger" && task.status === "queued" && row.state.status === "running") ||
      (msg.op === "poll" && (task.status === "triggered" || task.status === "running") && task.pollSeq === msg.seq));
  if (!row || !task || !valid) {
    store.settleDispatch(claimId);
    return { ok: false, reason: "stale" };
  }
  const now = core.now();
  const self = objectHolder(core);
  const claim = store.claim(claimId, now, leaseMs(core.env), holder, (heldBy) => holderGone(heldBy, holder, self));
  if (claim === "done") store.settleDispatch(claimId);
  if (claim === "busy" || claim === "done") return { ok: false, reason: claim };
  // Should this holder vanish mid-call, the dispatch is sent again once its lease is over.
  store.trackDispatch(claimId, msg, now + leaseMs(core.env));
  const spec = row.meta.tasks.find((t) => t.id === msg.taskKey)!;
  // `${{ … }}` are filled from the run as it is now; the engine only queued the task once each had a value.
  const tasks = row.state.tasks;
  const resolved = resolveTemplates(spec.with, {
    outputs: (key) => tasks[key]?.outputs ?? null,
    status: (key) => tasks[key]?.status,
    params: row.meta.params,
  });
  return {
    ok: true,
    claimId,
    claimedAt: core.now(),
    context: {
      runId: row.id,
      environment: row.meta.environment,
      pipelineName: row.meta.pipelineName,
      teamId: row.meta.teamId,
      taskKey: msg.taskKey,
      attempt: msg.attempt,
      connector: spec.connector,
      connection: spec.connection,
      with: resolved.ok ? (resolved.value as Record<string, unknown>) : spec.with,
      ...(resolved.ok ? {} : { inputProblem: `${formatPath(["with", ...resolved.path])}: ${resolved.message}` }),
      params: row.meta.params,
      handle: task.handle,
      ...(msg.op === "trigger" && task.rerunOf && task.retryKind && task.retryKind !== "retrigger"
        ? { rerun: { kind: task.retryKind, of: task.rerunOf } }
        : {}),
      resubmission: msg.op === "trigger" && claim === "reclaimed",
    },
  };
}

/** The connector's answer to a claimed dispatch (or a verified callback) becomes an engine event. */
export async function reportOutcome(core: RunsCore, input: OutcomeReport) {
  if (input.claimId) core.store.completeClaim(input.claimId, core.now());
  const event: EngineEvent = {
    type: "task.outcome",
    key: input.taskKey,
    attempt: input.attempt,
    outcome: input.outcome,
    source: input.source,
    startedAt: input.startedAt,
  };
  if (core.store.getRun(input.runId)) core.apply(input.runId, input.eventId, event);
  await core.settle();
}

/** Marks a claimed dispatch that reports no outcome (cancel) as done: pool slots its attempt kept are free now. */
export function completeDispatch(core: RunsCore, claimId: string) {
  core.store.completeClaim(claimId, core.now());
  cancelSettled(core, claimId);
}

/**
 * The holder of a claim failed on our side (D1, the key ring) and gives the call up: its lease ends now, so the
 * next delivery claims it at once instead of waiting out the lease — as a resubmission, since the call may have
 * reached the tool.
 */
export function releaseDispatch(core: RunsCore, claimId: string) {
  core.store.releaseClaim(claimId);
}

/** A dispatch message that exhausted its queue retries: the attempt fails (and may retry per policy). */
export async function dispatchDeadLettered(core: RunsCore, msg: DispatchMessage) {
  core.store.settleDispatch(claimIdOf(msg));
  if (msg.op === "cancel") {
    // The cancel will not be made: keeping the slots would keep them for ever.
    cancelSettled(core, claimIdOf(msg));
    await core.settle();
    return;
  }
  if (!core.store.getRun(msg.runId)) return;
  core.apply(msg.runId, `dead:${msg.runId}:${msg.taskKey}:${msg.attempt}:${msg.op}:${msg.seq}`, {
    type: "task.dispatch_failed",
    key: msg.taskKey,
    attempt: msg.attempt,
    message: `could not ${msg.op} the task: dispatch failed after all queue retries`,
  });
  await core.settle();
}

/** Dispatches whose message or claim holder vanished (lease over, never completed) go out again; the claim keeps it to one call at a time. */
export function resendUnsettledDispatches(core: RunsCore, now: number, limit: number) {
  for (const due of core.store.dueDispatches(now, limit)) {
    core.store.enqueue({ kind: "dispatch", payload: due.payload });
    core.store.trackDispatch(due.claimId, due.payload, now + leaseMs(core.env));
  }
}
