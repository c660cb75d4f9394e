import { describe, expect, it } from "vitest";
import { backoffSeconds, retryPolicy } from "../../../worker/alerting/deliver";
import { triggerClosure } from "../../../worker/alerting/impact";
import { failureCause, intentsForEngineSignal, intentsForExternalSignal } from "../../../worker/alerting/intents";
import type { PipelineFacts } from "../../../worker/db/repo/pipelines/ownership";
import type { EngineSignal } from "../../../worker/queues/signals";

const finished = (over: Partial<Extract<EngineSignal, { type: "engine.run_finished" }>> = {}): EngineSignal => ({
  type: "engine.run_finished",
  tenantId: "t",
  runId: "run_1",
  pipelineId: "pl_1",
  pipelineName: "ingest_crm",
  teamId: "A",
  status: "failed",
  reason: null,
  environment: "prod",
  triggerKind: "cron",
  failedTasks: [{ key: "load", status: "failed", attempt: 2, error: { kind: "tool_failure", message: "HTTP 500" } }],
  at: 1000,
  ...over,
});

describe("signals to alert intents", () => {
  it("a failed production run raises one alert per pipeline and kind, with the failed task in its words", () => {
    const [intent] = intentsForEngineSignal(finished());
    expect(intent).toMatchObject({
      action: "raise",
      kind: "run_failed",
      severity: "critical",
      dedupeKey: "pipeline:pl_1:run_failed",
      title: "ingest_crm failed",
      summary: "Run run_1 of ingest_crm failed: task load failed on attempt 2 — HTTP 500.",
      owner: { teamId: "A" },
      cause: "ingest_crm's task load failed",
    });
    expect(intentsForEngineSignal(finished({ status: "timed_out" }))[0]).toMatchObject({ kind: "run_timed_out", dedupeKey: "pipeline:pl_1:run_timed_out" });
  });

  it("only production runs alert; cancelled ones neither raise nor resolve", () => {
    expect(intentsForEngineSignal(finished({ environment: "staging" }))).toEqual([]);
    expect(intentsForEngineSignal(finished({ status: "cancelled" }))).toEqual([]);
  });

  it("a successful run resolves the pipeline's failure alerts", () => {
    expect(intentsForEngineSignal(finished({ status: "succeeded", failedTasks: [] }))[0]).toMatchObject({
      action: "resolve",
      match: { pipelineId: "pl_1", kinds: expect.arrayContaining(["run_failed", "run_timed_out", "retries_exhausted", "sla_missed"]) },
    });
  });

  it("a task out of retries and a rejected credential each raise their own alert", () => {
    const intents = intentsForEngineSignal(
      {
        type: "engine.task_failed",
        tenantId: "t",
        runId: "run_1",
        pipelineId: "pl_1",
        pipelineName: "ingest_crm",
        teamId: "A",
        taskKey: "load",
        status: "failed",
        attempt: 4,
        retriesExhausted: true,
        error: { kind: "auth", message: "401" },
        environment: "prod",
        at: 5,
      },
      { connectionName: "crm-prod" },
    );
    expect(intents.map((i) => (i.action === "raise" ? `${i.kind} ${i.dedupeKey}` : i.action))).toEqual([
      "connection_failing connection:A:crm-prod",
      "retries_exhausted pipeline:pl_1:retries_exhausted:load",
    ]);
  });

  it("a missed SLA raises, a met one resolves", () => {
    const base = {
      type: "engine.sla_checked" as const,
      tenantId: "t",
      pipelineId: "pl_1",
      pipelineName: "ingest_crm",
      teamId: "A",
      deadlineAt: 10,
      finishBy: "08:00",
      timezone: "Europe/London",
      lastSuccessAt: null,
      at: 10,
    };
    expect(intentsForEngineSignal({ ...base, met: false })[0]).toMatchObject({ action: "raise", kind: "sla_missed", title: "ingest_crm missed its 08:00 SLA" });
    expect(intentsForEngineSignal({ ...base, met: true })[0]).toMatchObject({ action: "resolve", match: { dedupeKeys: ["pipeline:pl_1:sla_missed"] } });
  });

  it("a budget crossing keys on budget, period and threshold (a re-sent one is the same signal); 100 % is critical", () => {
    const signal = {
      type: "budget.threshold_crossed" as const,
      tenantId: "t",
      budgetId: "bud_1",
      scope: "team" as const,
      scopeId: "A",
      scopeName: "Platform",
      ownerTeamId: "A",
      threshold: 100 as const,
      period: "2026-11",
      amount: 1200,
      currency: "EUR",
      limit: 1000,
      at: 1,
    };
    const [intent] = intentsForExternalSignal(signal);
    expect(intentsForExternalSignal({ ...signal, at: 2 })[0].signalKey).toBe(intent.signalKey);
    expect(intent).toMatchObject({
      kind: "budget_threshold",
      severity: "critical",
      dedupeKey: "budget:bud_1:2026-11:100",
      title: "Team Platform reached 100% of its 2026-11 budget",
      summary: "Team Platform has spent 1,200 EUR of its 1,000 EUR budget for 2026-11 (120%).",
      owner: { teamId: "A" },
    });
  });

  it("names causes the way people say them", () => {
    expect(failureCause("p", [], "failed")).toBe("p failed");
    expect(failureCause("p", [{ key: "a", status: "timed_out", attempt: 1, error: null }], "failed")).toBe("p's task a timed out");
    expect(
      failureCause(
        "p",
        [
          { key: "a", status: "failed", attempt: 1, error: null },
          { key: "b", status: "failed", attempt: 1, error: null },
        ],
        "failed",
      ),
    ).toBe("p failed (tasks a, b)");
  });
});

describe("downstream pipelines", () => {
  const facts = (name: string, after: string[]): PipelineFacts => ({
    id: name,
    name,
    teamId: "A",
    products: [],
    triggers: after.map((a) => ({ after: a, on: "success" })),
    sla: null,
    alerts: null,
    connections: {},
  });

  it("follows after: triggers transitively, nearest first, through cycles", () => {
    const all = [facts("a", []), facts("b", ["a"]), facts("c", ["b"]), facts("d", ["a", "c"]), facts("e", ["e"])];
    expect(triggerClosure(["a"], all)).toEqual(["b", "d", "c"]);
    expect(triggerClosure(["e"], all)).toEqual([]);
  });
});

describe("delivery retry policy", () => {
  it("doubles from the base, honours Retry-After, and caps the attempts at the queue's limit", () => {
    const policy = retryPolicy({ ALERT_RETRY_BASE_SECONDS: "30" });
    expect([1, 2, 3, 4, 5].map((a) => backoffSeconds(policy, a))).toEqual([30, 60, 120, 240, 480]);
    expect(backoffSeconds(policy, 1, 90_500)).toBe(91);
    expect(backoffSeconds(policy, 30)).toBe(12 * 3600);
    expect(retryPolicy({}).maxAttempts).toBe(6);
    expect(retryPolicy({ ALERT_DELIVERY_MAX_ATTEMPTS: "50" }).maxAttempts).toBe(8);
    expect(retryPolicy({ ALERT_RETRY_BASE_SECONDS: "0" }).baseSeconds).toBe(0);
  });
});

describe("product SLA in words", () => {
  it("reads a daily cron as a time of day, and nothing else", async () => {
    const { slaText } = await import("../../../worker/alerting/products");
    expect(slaText("30 9 * * *", "America/New_York")).toBe("09:30 America/New_York");
    expect(slaText("0 8 * * *", "UTC")).toBe("08:00");
    expect(slaText("0 8 * * 1-5", "UTC")).toBeNull();
    expect(slaText(null, null)).toBeNull();
  });
});
