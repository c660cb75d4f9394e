// size: one pure state machine (transition() and the Step helpers its cases share) read top to bottom; split, a case would lose its rules.
import type { TaskError, TaskOutcome } from "../connectors/types";
import { isHttpUrl } from "../lib/urls";
import { formatMs } from "../pipelines/spec";
import { retryDelayMs } from "./backoff";
import { evaluateRunIf, isRunIfKeyword, valuesRead, type RunIfTasks } from "./run-if";
import { nativeRerunFor } from "./retry-kind";
import { missingValue, refText } from "./templates";
import { isActiveTask, isFailedTask, isTerminalRun, isTerminalTask, runTransitions, taskTransitions, type RunStatus, type TaskStatus } from "./states";
import type { Effect, EngineClock, EngineEvent, LogEntry, PlanTask, RunState, TaskState, TransitionResult } from "./types";

export const timerKeys = {
  retry: (runId: string, key: string, attempt: number) => `task:${runId}:${key}:${attempt}:retry`,
  poll: (runId: string, key: string, attempt: number) => `task:${runId}:${key}:${attempt}:poll`,
  timeout: (runId: string, key: string, attempt: number) => `task:${runId}:${key}:${attempt}:timeout`,
  runTimeout: (runId: string) => `run:${runId}:timeout`,
};

export class InvalidTransition extends Error {}

/** A fresh run in `queued` with every task pending. */
export function newRunState(id: string, plan: PlanTask[], timeoutMs: number | null, now: number, params: Record<string, unknown> = {}): RunState {
  const tasks: Record<string, TaskState> = {};
  for (const t of plan) tasks[t.key] = emptyTask(t.key);
  return { id, status: "queued", attempt: 1, plan, tasks, timeoutMs, params, queuedAt: now, startedAt: null, finishedAt: null, reason: null };
}

function emptyTask(key: string): TaskState {
  return {
    key,
    status: "pending",
    attempt: 0,
    handle: null,
    error: null,
    reason: null,
    noNewData: false,
    outputs: null,
    retryKind: null,
    rerunOf: null,
    failedRun: null,
    pendingRerun: null,
    poolWait: null,
    pollSeq: 0,
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
  };
}

/** Mutable scratch space for one transition: records log entries and effects as state changes. */
class Step {
  readonly effects: Effect[] = [];
  readonly log: LogEntry[] = [];
  constructor(
    readonly state: RunState,
    readonly clock: EngineClock,
  ) {}

  /**
   * Whether the event did anything. Every change of state here comes with a log entry (a status moved) or an effect
   * (a timer, a dispatch), so a step with neither left the state as it was — test/unit/engine asserts both ways.
   */
  get changed(): boolean {
    return this.log.length > 0 || this.effects.length > 0;
  }

  plan(key: string): PlanTask {
    const p = this.state.plan.find((t) => t.key === key);
    if (!p) throw new InvalidTransition(`unknown task ${key}`);
    return p;
  }

  setRun(to: RunStatus, reason: string) {
    const from = this.state.status;
    if (from === to) return;
    if (!runTransitions[from].includes(to)) throw new InvalidTransition(`run ${from} → ${to}`);
    this.state.status = to;
    this.state.reason = reason;
    this.log.push({ taskKey: null, from, to, reason });
  }

  setTask(task: TaskState, to: TaskStatus, reason: string) {
    const from = task.status;
    if (from === to && to !== "running") return;
    if (from !== to && !taskTransitions[from].includes(to)) throw new InvalidTransition(`task ${task.key} ${from} → ${to}`);
    task.status = to;
    if (from !== to) this.log.push({ taskKey: task.key, from, to, reason });
    if (isTerminalTask(to)) task.finishedAt = this.clock.now;
    // The one place an attempt stops being active, whatever ends it (success, failure, a retry's wait, a timeout, a
    // cancel of the task or of its run): so its pool slots are given back exactly once, and never while it runs.
    if (isActiveTask(from) && !isActiveTask(to) && this.plan(task.key).pool) {
      task.poolWait = null;
      this.effects.push({ type: "pool.release", key: task.key, attempt: task.attempt });
    }
  }

  clearTaskTimers(task: TaskState) {
    const id = this.state.id;
    this.effects.push(
      { type: "timer.clear", timerKey: timerKeys.poll(id, task.key, task.attempt) },
      { type: "timer.clear", timerKey: timerKeys.timeout(id, task.key, task.attempt) },
      { type: "timer.clear", timerKey: timerKeys.retry(id, task.key, task.attempt) },
    );
  }
}

/**
 * The run state machine: `(state, event) → (state', effects)`. Pure; the caller persists the new state
 * and performs the effects. Events that no longer apply (a stale attempt, a finished run) change nothing,
 * and say so with `changed: false`.
 */
export function transition(current: RunState, event: EngineEvent, clock: EngineClock): TransitionResult {
  const step = new Step(structuredClone(current), clock);
  const s = step.state;
  switch (event.type) {
    case "run.start":
      if (s.status !== "queued") break;
      step.setRun("running", "started");
      s.startedAt = clock.now;
      if (s.timeoutMs !== null) {
        step.effects.push({ type: "timer.set", timerKey: timerKeys.runTimeout(s.id), dueAt: clock.now + s.timeoutMs, event: { type: "run.timeout" } });
      }
      advance(step);
      break;
    case "run.skip":
      if (s.status !== "queued") break;
      for (const t of Object.values(s.tasks)) step.setTask(t, "skipped", event.reason);
      step.setRun("skipped", event.reason);
      s.finishedAt = clock.now;
      step.effects.push({ type: "run.finished", status: "skipped" });
      break;
    case "run.cancel":
      stopRun(step, "cancelled", event.reason);
      break;
    case "run.timeout":
      stopRun(step, "timed_out", "run exceeded its timeout");
      break;
    case "run.retry":
      retryFromFailure(step);
      break;
    case "task.outcome":
      applyOutcome(step, event.key, event.attempt, event.outcome, event.source, event.startedAt);
      break;
    case "task.retry_due": {
      const task = s.tasks[event.key];
      if (s.status !== "running" || !task || task.status !== "up_for_retry" || task.attempt !== event.attempt) break;
      queueAttempt(step, task, "retry due");
      break;
    }
    case "task.poll_due": {
      const task = s.tasks[event.key];
      if (s.status !== "running" || !task || task.attempt !== event.attempt || !(task.status === "triggered" || task.status === "running")) break;
      task.pollSeq += 1;
      step.effects.push({ type: "dispatch", key: task.key, attempt: task.attempt, op: "poll", seq: task.pollSeq });
      break;
    }
    case "task.timeout": {
      const task = s.tasks[event.key];
      if (s.status !== "running" || !task || task.attempt !== event.attempt || !isActiveTask(task.status)) break;
      step.effects.push({ type: "dispatch", key: task.key, attempt: task.attempt, op: "cancel", seq: 0 });
      const plan = step.plan(task.key);
      if (plan.sensor && attemptTimeoutMs(plan) === plan.sensor.timeoutMs) {
        // The condition did not come true in time: waiting again from scratch would not make it, so no retry.
        const message = `sensor timed out after ${formatMs(plan.sensor.timeoutMs)}`;
        step.clearTaskTimers(task);
        task.error = { kind: "timeout", message };
        task.reason = message;
        step.setTask(task, "timed_out", message);
      } else {
        failAttempt(step, task, { kind: "timeout", message: `task exceeded its timeout of ${Math.round((plan.timeoutMs ?? 0) / 1000)}s` }, "timed_out");
      }
      advance(step);
      break;
    }
    case "task.dispatch_failed": {
      const task = s.tasks[event.key];
      if (s.status !== "running" || !task || task.attempt !== event.attempt || !isActiveTask(task.status)) break;
      failAttempt(step, task, { kind: "network", message: event.message }, "failed");
      advance(step);
      break;
    }
    case "task.pool_granted": {
      const task = waitingForPool(s, event);
      if (!task) break;
      const pool = task.poolWait!;
      task.poolWait = null;
      // Only a wait the run page showed is worth an event of its own; an attempt granted at once just starts.
      if (task.reason !== null) step.log.push({ taskKey: task.key, from: "queued", to: "queued", reason: `got its slot in pool ${pool}` });
      task.reason = null;
      startAttempt(step, task);
      break;
    }
    case "task.pool_waiting": {
      const task = waitingForPool(s, event);
      if (!task || task.reason === event.reason) break;
      task.reason = event.reason;
      step.log.push({ taskKey: task.key, from: "queued", to: "queued", reason: event.reason });
      break;
    }
    case "task.pool_refused": {
      const task = waitingForPool(s, event);
      if (!task) break;
      // Not the tool's failure and nothing was started: the same pool would be missing again, so no retry.
      task.error = { kind: "invalid_config", message: event.message };
      task.reason = event.message;
      step.clearTaskTimers(task);
      step.setTask(task, "failed", event.message);
      advance(step);
      break;
    }
    default: {
      const never: never = event;
      throw new InvalidTransition(`unknown event ${(never as { type: string }).type}`);
    }
  }
  return { state: step.state, effects: step.effects, log: step.log, changed: step.changed };
}

/** `startedAt`: when Tutti began calling the tool for this attempt (defaults to now). */
function applyOutcome(step: Step, key: string, attempt: number, outcome: TaskOutcome, source: string, startedAt?: number) {
  const s = step.state;
  const task = s.tasks[key];
  if (!task || task.attempt !== attempt) return;
  if (!isActiveTask(task.status)) {
    // The tool started work for a task we already stopped (cancel raced the trigger): stop it there too.
    if (outcome.status === "running" && (task.status === "cancelled" || task.status === "timed_out")) {
      step.effects.push({ type: "dispatch", key, attempt, op: "cancel", seq: 0 });
    }
    return;
  }
  const externalUrl = isHttpUrl(outcome.externalUrl) ? outcome.externalUrl : undefined;
  if (outcome.externalId || externalUrl || outcome.state || outcome.collectTries !== undefined || outcome.connectionId) {
    task.handle = {
      externalId: outcome.externalId ?? task.handle?.externalId,
      // Shown as a link in the dashboard: a tool or callback never gets a `javascript:` URL in there.
      externalUrl: externalUrl ?? task.handle?.externalUrl,
      state: outcome.state ?? task.handle?.state,
      collectTries: outcome.collectTries ?? task.handle?.collectTries,
      connectionId: outcome.connectionId ?? task.handle?.connectionId,
    };
  }
  const plan = step.plan(key);
  switch (outcome.status) {
    case "running": {
      // A webhook that only says "still running" leaves the next look where it is: one that asked for a look now may
      // have come first (Fivetran's sync_end before its sync_start), and this must not put that look off by a whole
      // poll interval. The task already has its poll timer from its trigger or its last poll.
      const keepNextLook = source === "webhook" && outcome.pollAfterMs === undefined && (task.status === "triggered" || task.status === "running");
      if (plan.sensor) {
        // A sensor's answer that does not meet its condition yet: not a failure, look again after the interval.
        task.reason = `waiting: condition not met (poke ${task.pollSeq + 1})`;
        step.setTask(task, "running", task.reason);
      } else step.setTask(task, source === "trigger" ? "triggered" : "running", source === "trigger" ? "accepted by the tool" : `running (${source})`);
      task.startedAt ??= startedAt ?? step.clock.now;
      if (keepNextLook) return;
      step.effects.push({
        type: "timer.set",
        timerKey: timerKeys.poll(s.id, key, attempt),
        dueAt: step.clock.now + (outcome.pollAfterMs ?? plan.pollIntervalMs),
        event: { type: "task.poll_due", key, attempt },
      });
      return;
    }
    case "succeeded":
      task.startedAt ??= startedAt ?? step.clock.now;
      task.noNewData = outcome.noNewData === true;
      task.outputs = outcome.output && Object.keys(outcome.output).length ? outcome.output : null;
      task.error = null;
      task.reason = outcome.note ?? null;
      step.clearTaskTimers(task);
      step.setTask(task, "succeeded", withNote(task.noNewData ? "succeeded, no new data" : `succeeded (${source})`, outcome.note));
      advance(step);
      return;
    case "failed":
      if (outcome.note) task.reason = outcome.note;
      // The tool ran the work and says it failed: its run is what a tool-native rerun would continue. A failed trigger
      // (or a refused token) left no such run, so its handle proves nothing.
      task.failedRun =
        source !== "trigger" && outcome.error.kind === "tool_failure" && task.handle?.externalId
          ? { externalId: task.handle.externalId, externalUrl: task.handle.externalUrl, state: task.handle.state }
          : null;
      failAttempt(step, task, outcome.error, "failed");
      advance(step);
      return;
    case "cancelled":
      // Stopped in the tool by a person (or the tool's own limits): not a failure, so no retry and no alert.
      task.startedAt ??= startedAt ?? step.clock.now;
      task.error = null;
      task.reason = outcome.reason;
      step.clearTaskTimers(task);
      step.setTask(task, "cancelled", withNote(`${outcome.reason} (${source})`, outcome.note));
      advance(step);
      return;
  }
}

const withNote = (reason: string, note: string | undefined) => (note ? `${reason}; ${note}` : reason);

/** A failed attempt retries while attempts remain, otherwise ends the task as `final`. */
function failAttempt(step: Step, task: TaskState, error: TaskError, final: "failed" | "timed_out") {
  const plan = step.plan(task.key);
  step.clearTaskTimers(task);
  task.error = error;
  const attemptsAllowed = plan.retries.max + 1;
  // Auth and config errors will fail the same way again: retrying only delays the alert.
  const retryable = error.kind !== "auth" && error.kind !== "invalid_config" && error.kind !== "not_found";
  if (retryable && task.attempt < attemptsAllowed) {
    task.finishedAt = step.clock.now;
    const delay = Math.max(retryDelayMs(plan.retries, task.attempt + 1, step.clock.random), error.retryAfterMs ?? 0);
    step.setTask(
      task,
      "up_for_retry",
      `attempt ${task.attempt} ${final === "timed_out" ? "timed out" : "failed"}: ${error.message}; retry in ${Math.round(delay / 1000)}s`,
    );
    step.effects.push({
      type: "timer.set",
      timerKey: timerKeys.retry(step.state.id, task.key, task.attempt),
      dueAt: step.clock.now + delay,
      event: { type: "task.retry_due", key: task.key, attempt: task.attempt },
    });
    return;
  }
  step.setTask(task, final, error.message);
}

function queueAttempt(step: Step, task: TaskState, reason: string) {
  const plan = step.plan(task.key);
  const rerun = task.pendingRerun;
  const how = rerun ? `; ${rerun.kind === "repair" ? "repairs" : "reruns the failed parts of"} tool run ${rerun.of.externalId} in the tool` : "";
  step.setTask(task, "queued", `${reason}${how}`);
  task.attempt += 1;
  const native = task.pendingRerun ?? null;
  task.retryKind = native ? native.kind : task.attempt > 1 ? "retrigger" : null;
  task.rerunOf = native ? native.of : null;
  task.pendingRerun = null;
  task.failedRun = null;
  task.pollSeq = 0;
  task.outputs = null;
  // Collect tries count per attempt: the next attempt's run leaves its own artifacts behind.
  if (task.handle) delete task.handle.collectTries;
  task.queuedAt = step.clock.now;
  task.startedAt = null;
  task.finishedAt = null;
  if (plan.pool) {
    // Nothing is sent to the tool, and the task's timeout does not start, until the pool has room for it.
    task.poolWait = plan.pool.name;
    step.effects.push({ type: "pool.request", key: task.key, attempt: task.attempt, pool: plan.pool.name, slots: plan.pool.slots });
    return;
  }
  startAttempt(step, task);
}

/** The queued attempt is dispatched to its tool, and its timeout starts. */
function startAttempt(step: Step, task: TaskState) {
  const plan = step.plan(task.key);
  step.effects.push({ type: "dispatch", key: task.key, attempt: task.attempt, op: "trigger", seq: 0 });
  const timeoutMs = attemptTimeoutMs(plan);
  if (timeoutMs !== null) {
    step.effects.push({
      type: "timer.set",
      timerKey: timerKeys.timeout(step.state.id, task.key, task.attempt),
      dueAt: step.clock.now + timeoutMs,
      event: { type: "task.timeout", key: task.key, attempt: task.attempt },
    });
  }
}

/** The task an event about its pool wait is for, while that attempt still waits (a repeat or a late event: none). */
function waitingForPool(s: RunState, event: { key: string; attempt: number }): TaskState | null {
  const task = s.tasks[event.key];
  if (s.status !== "running" || !task || task.status !== "queued" || task.attempt !== event.attempt || !task.poolWait) return null;
  return task;
}

/** How long one attempt may take: the task's timeout, or a sensor's own when that is sooner. */
function attemptTimeoutMs(plan: PlanTask): number | null {
  if (!plan.sensor) return plan.timeoutMs;
  return plan.timeoutMs === null ? plan.sensor.timeoutMs : Math.min(plan.timeoutMs, plan.sensor.timeoutMs);
}

/** Decides for a pending task whose dependencies are all done: run it, skip it, or fail it (and why). */
export function readiness(
  plan: PlanTask,
  tasks: Record<string, TaskState>,
  planOf: (key: string) => PlanTask,
  params: Record<string, unknown> = {},
): "wait" | "run" | { skip: string } | { fail: string } {
  const deps = plan.dependsOn.map((d) => tasks[d]);
  if (deps.some((d) => !isTerminalTask(d.status))) return "wait";
  const noData = deps.find((d) => d.status === "succeeded" && d.noNewData && planOf(d.key).skipDownstreamIfNoNewData);
  if (noData) return { skip: `no new data from ${noData.key}` };
  const decision = runIfDecision(plan, deps, tasks, planOf, params);
  if (decision !== "run") return decision;
  // Every `${{ … }}` of the task's `with` needs its value now: dispatching without it would send the tool a hole.
  const scope = { outputs: (key: string) => tasks[key]?.outputs ?? null, status: (key: string) => tasks[key]?.status, params };
  for (const ref of plan.inputs ?? []) {
    const missing = missingValue(ref, scope);
    if (missing) return { fail: `\${{ ${refText(ref)} }} has no value: ${missing}` };
  }
  return "run";
}

function runIfDecision(
  plan: PlanTask,
  deps: TaskState[],
  tasks: Record<string, TaskState>,
  planOf: (key: string) => PlanTask,
  params: Record<string, unknown>,
): "run" | { skip: string } | { fail: string } {
  const runIf = plan.runIf;
  if (!isRunIfKeyword(runIf)) {
    const visible: RunIfTasks = {};
    for (const key of upstreamOf(plan.key, planOf)) visible[key] = { status: tasks[key].status, outputs: tasks[key].outputs ?? null };
    const result = evaluateRunIf(runIf, visible, params);
    if (!result.ok) return { fail: `run_if could not be evaluated: ${result.message}` };
    if (result.value) return "run";
    const read = valuesRead(runIf, visible, params);
    return { skip: `run_if is false: ${runIf}${read ? ` (${read})` : ""}` };
  }
  switch (runIf) {
    case "all_success": {
      const bad = deps.find((d) => d.status !== "succeeded");
      return bad ? { skip: `upstream ${bad.key} ${bad.status}` } : "run";
    }
    case "all_done":
      return "run";
    case "any_failed":
      return deps.some((d) => isFailedTask(d.status)) ? "run" : { skip: "no upstream task failed" };
  }
}

/** Every task `key` depends on, directly or not: what its `run_if` may read. */
export function upstreamOf(key: string, planOf: (key: string) => PlanTask): Set<string> {
  const seen = new Set<string>();
  const stack = [...planOf(key).dependsOn];
  while (stack.length) {
    const next = stack.pop()!;
    if (seen.has(next)) continue;
    seen.add(next);
    stack.push(...planOf(next).dependsOn);
  }
  return seen;
}

/** Queues every task whose dependencies are done, skips the ones that must not run, and finishes the run when all are done. */
function advance(step: Step) {
  const s = step.state;
  if (s.status !== "running") return;
  let changed = true;
  while (changed) {
    changed = false;
    for (const plan of s.plan) {
      const task = s.tasks[plan.key];
      if (task.status !== "pending") continue;
      const decision = readiness(plan, s.tasks, (key) => step.plan(key), s.params ?? {});
      if (decision === "wait") continue;
      changed = true;
      if (decision === "run") queueAttempt(step, task, "dependencies met");
      else if ("skip" in decision) {
        step.setTask(task, "skipped", decision.skip);
        task.reason = decision.skip;
      } else {
        // Not the tool's failure and no attempt was made: the same inputs would fail again, so no retry.
        task.error = { kind: "invalid_config", message: decision.fail };
        step.setTask(task, "failed", decision.fail);
        task.reason = decision.fail;
      }
    }
  }
  const tasks = Object.values(s.tasks);
  if (tasks.every((t) => isTerminalTask(t.status))) {
    // While the run is running, a cancelled task was cancelled in its tool (a run cancel stops the run first).
    const ended = tasks.find((t) => isFailedTask(t.status)) ?? tasks.find((t) => t.status === "cancelled");
    const status = !ended ? "succeeded" : ended.status === "cancelled" ? "cancelled" : "failed";
    step.setRun(status, ended ? `task ${ended.key} ${ended.status}` : "all tasks done");
    s.finishedAt = step.clock.now;
    step.effects.push({ type: "timer.clear", timerKey: timerKeys.runTimeout(s.id) });
    step.effects.push({ type: "run.finished", status: s.status });
  }
}

function stopRun(step: Step, to: "cancelled" | "timed_out", reason: string) {
  const s = step.state;
  if (isTerminalRun(s.status)) return;
  for (const task of Object.values(s.tasks)) {
    if (isTerminalTask(task.status)) continue;
    if (task.status === "triggered" || task.status === "running" || (task.status === "queued" && !task.poolWait)) {
      // A queued task may already be triggering; the cancel is a no-op at the tool if nothing started. One still
      // waiting for its pool was never sent.
      step.effects.push({ type: "dispatch", key: task.key, attempt: task.attempt, op: "cancel", seq: 0 });
    }
    step.clearTaskTimers(task);
    step.setTask(task, to === "timed_out" && isActiveTask(task.status) ? "timed_out" : "cancelled", reason);
    task.reason = reason;
  }
  if (s.status === "queued") step.setRun("cancelled", reason);
  else step.setRun(to, reason);
  s.finishedAt = step.clock.now;
  step.effects.push({ type: "timer.clear", timerKey: timerKeys.runTimeout(s.id) });
  step.effects.push({ type: "run.finished", status: s.status });
}

function retryFromFailure(step: Step) {
  const s = step.state;
  if (!(s.status === "failed" || s.status === "cancelled" || s.status === "timed_out")) {
    throw new InvalidTransition(`only failed, cancelled or timed-out runs can be retried (run is ${s.status})`);
  }
  s.attempt += 1;
  step.setRun("running", `retry from failure (attempt ${s.attempt})`);
  s.finishedAt = null;
  for (const task of Object.values(s.tasks)) {
    if (task.status === "succeeded") continue;
    // Decided now, while the task still shows how its last attempt ended; taken when the task is queued again.
    task.pendingRerun = nativeRerunFor(step.plan(task.key), task);
    step.setTask(task, "pending", "reset by retry from failure");
    task.error = null;
    task.reason = null;
    task.noNewData = false;
    task.outputs = null;
  }
  if (s.timeoutMs !== null) {
    step.effects.push({ type: "timer.set", timerKey: timerKeys.runTimeout(s.id), dueAt: step.clock.now + s.timeoutMs, event: { type: "run.timeout" } });
  }
  advance(step);
}
