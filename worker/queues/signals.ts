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
