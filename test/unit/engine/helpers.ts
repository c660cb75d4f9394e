import type { TaskOutcome } from "../../../worker/connectors/types";
import { newRunState, transition } from "../../../worker/engine/transition";
import type { Effect, EngineEvent, PlanTask, RunState } from "../../../worker/engine/types";

export function task(key: string, over: Partial<PlanTask> = {}): PlanTask {
  return {
    key,
    dependsOn: [],
    runIf: "all_success",
    retries: { max: 0, backoff: "fixed", delayMs: 1000, maxDelayMs: 3_600_000, jitter: false },
    timeoutMs: null,
    pollIntervalMs: 5000,
    skipDownstreamIfNoNewData: false,
    ...over,
  };
}

/** Drives a run through events and keeps every effect, as the Durable Object would. */
export class Harness {
  state: RunState;
  effects: Effect[] = [];
  now = 1_000_000;
  constructor(plan: PlanTask[], timeoutMs: number | null = null) {
    this.state = newRunState("run_test", plan, timeoutMs, this.now);
  }
  send(event: EngineEvent) {
    const r = transition(this.state, event, { now: this.now, random: () => 0.5 });
    this.state = r.state;
    this.effects.push(...r.effects);
    return r;
  }
  ok(key: string, extra: Partial<TaskOutcome> = {}) {
    return this.send({
      type: "task.outcome",
      key,
      attempt: this.state.tasks[key].attempt,
      source: "poll",
      outcome: { status: "succeeded", ...extra } as TaskOutcome,
    });
  }
  fail(key: string, message = "boom") {
    return this.send({
      type: "task.outcome",
      key,
      attempt: this.state.tasks[key].attempt,
      source: "poll",
      outcome: { status: "failed", error: { kind: "tool_failure", message } },
    });
  }
  status() {
    return Object.fromEntries(Object.entries(this.state.tasks).map(([k, t]) => [k, t.status]));
  }
  dispatched(op = "trigger") {
    return this.effects.filter((e): e is Extract<Effect, { type: "dispatch" }> => e.type === "dispatch" && e.op === op).map((e) => `${e.key}#${e.attempt}`);
  }
  timers() {
    return this.effects.filter((e): e is Extract<Effect, { type: "timer.set" }> => e.type === "timer.set");
  }
}
