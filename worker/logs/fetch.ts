import type { Redactor } from "../connectors/redact";
import type { ConnectorContext, ConnectorDefinition, TaskOutcome } from "../connectors/types";
import type { TenantCtx } from "../db/client";
import { getTaskLog } from "../db/repo/runs/task-logs";
import { errorFields, log } from "../lib/log";
import { captureAttemptLog, LOG_FOLLOW_EVERY_MS } from "./capture";

/**
 * After a trigger or poll: fetches the attempt's tool log and stores it. Always once the attempt has ended (the final
 * log); while it runs, on polls at most every LOG_FOLLOW_EVERY_MS, so a person can follow it. A log is a by-product:
 * failing to fetch or store it is logged and never changes the task's outcome.
 */
export async function fetchAttemptLog<With, Config>(
  connector: ConnectorDefinition<With, Config>,
  ctx: ConnectorContext<Config>,
  input: With,
  outcome: TaskOutcome,
  store: { tenant: TenantCtx; bucket: R2Bucket; redactor: Redactor; op: "trigger" | "poll"; now: () => number },
): Promise<void> {
  if (outcome.log === undefined && !connector.logs) return;
  const complete = outcome.status !== "running";
  const ref = { runId: ctx.run.runId, taskKey: ctx.run.taskKey, attempt: ctx.run.attempt, source: connector.kind };
  try {
    if (!complete) {
      if (store.op !== "poll" && outcome.log === undefined) return;
      const last = await getTaskLog(store.tenant, ref);
      if (last && (last.complete || store.now() - last.fetchedAt < LOG_FOLLOW_EVERY_MS)) return;
    }
    const text = outcome.log ?? (await connector.logs?.(ctx, input, outcome)) ?? null;
    if (text === null) return;
    const result = await captureAttemptLog(store.tenant, store.bucket, ref, text, { complete, redactor: store.redactor, now: store.now() });
    if (!result.stored && complete)
      log
        .with({ tenantId: ctx.run.tenantId })
        .warn("task log not stored", { run_id: ref.runId, task: ref.taskKey, attempt: ref.attempt, reason: result.reason });
  } catch (err) {
    // The message may quote the tool: without the credentials it was sent.
    const { error } = errorFields(err);
    log.with({ tenantId: ctx.run.tenantId }).warn("fetching the task log failed", {
      connector: connector.kind,
      run_id: ref.runId,
      task: ref.taskKey,
      attempt: ref.attempt,
      error: store.redactor.clean(error),
    });
  }
}
