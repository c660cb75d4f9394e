/**
 * What the run engine tells the rest of Tutti through the `notify` queue. Alerting turns these into
 * alerts; they carry enough context that consumers need not read the Durable Object.
 */
export type EngineSignal =
  | {
      type: "engine.run_finished";
      tenantId: string;
      runId: string;
      pipelineId: string;
      pipelineName: string;
      teamId: string;
      status: string;
      reason: string | null;
      environment: string;
      triggerKind: string;
      failedTasks: Array<{ key: string; status: string; attempt: number; error: { kind: string; message: string } | null }>;
      at: number;
    }
  | {
      type: "engine.task_failed";
      tenantId: string;
      runId: string;
      pipelineId: string;
      pipelineName: string;
      teamId: string;
      taskKey: string;
      status: string;
      attempt: number;
      retriesExhausted: boolean;
      error: { kind: string; message: string } | null;
      environment: string;
      at: number;
    }
  | {
      type: "engine.sla_checked";
      tenantId: string;
      pipelineId: string;
      pipelineName: string;
      teamId: string;
      deadlineAt: number;
      finishBy: string;
      timezone: string;
      met: boolean;
      lastSuccessAt: number | null;
      at: number;
    }
  | {
      type: "engine.watch_due";
      tenantId: string;
      key: string;
      dueAt: number;
      payload: Record<string, unknown>;
      at: number;
    };

/**
 * Sent by worker/costs/budgets-service.ts when a budget's spend in a month reaches 80 % or 100 % of its limit; once
 * per (budget, period, threshold), guarded by a D1 primary key (a lost send may be repeated: dedupe on those three).
 * Amounts are in currency units; `scopeName` and `ownerTeamId` save consumers a lookup.
 */
export interface BudgetThresholdCrossedSignal {
  type: "budget.threshold_crossed";
  tenantId: string;
  budgetId: string;
  scope: "team" | "product";
  /** Team id, or product id (`dp_…`). */
  scopeId: string;
  threshold: 80 | 100;
  /** "YYYY-MM", UTC. */
  period: string;
  amount: number;
  currency: string;
  limit: number;
  at: number;
  scopeName: string;
  /** The team to alert: the team itself, or the product's owner team. */
  ownerTeamId: string | null;
}
