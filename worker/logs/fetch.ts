import type { Redactor } from "../connectors/redact";
import type { ConnectorContext, ConnectorDefinition, TaskOutcome } from "../connectors/types";
import type { TenantCtx } from "../db/client";
import { getTaskLog } from "../db/repo/runs/task-logs";
import { errorFields, log } from "../lib/log";
import { LOG_FOLLOW_EVERY_MS, prepareAttemptLog, storeAttemptLog, type AttemptLogToStore } from "./capture";

/**
 * Largest log handed to `defer`: a longer one is stored at once, so the outbox rows the engine reads in one batch stay
 * small (a hundred rows of a 1 MiB log each would be most of a Durable Object's memory). Short tasks, whose next task
 * waits, have short logs.
 */
export const DEFERRED_LOG_MAX_BYTES = 64 * 1024;

/**
 * After a trigger or poll: fetches the attempt's tool log and stores it. Always once the attempt has ended (the final
 * log); while it runs, on polls at most every LOG_FOLLOW_EVERY_MS, so a person can follow it. A log is a by-product:
 * failing to fetch or store it is logged and never changes the task's outcome. With `defer`, a fetched log of up to
 * DEFERRED_LOG_MAX_BYTES is handed to it instead of stored here: the run engine's object puts it in its outbox with the outcome, so storing it
 * (a quota read, an R2 write, D1 rows) is not in front of the next task (store-batch.ts).
 */
export async function fetchAttemptLog<With, Config>(
  connector: ConnectorDefinition<With, Config>,
  ctx: ConnectorContext<Config>,
  input: With,
  outcome: TaskOutcome,
  store: {
    tenant: TenantCtx;
    bucket: R2Bucket;
    redactor: Redactor;
    op: "trigger" | "poll";
    now: () => number;
    defer?: (log: AttemptLogToStore) => void;
  },
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
    const prepared = prepareAttemptLog(ref, text, { complete, redactor: store.redactor, now: store.now() });
    if (store.defer && prepared.bytes <= DEFERRED_LOG_MAX_BYTES) store.defer(prepared);
    else warnIfNotStored(ctx.run.tenantId, prepared, await storeAttemptLog(store.tenant, store.bucket, prepared));
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

function warnIfNotStored(tenantId: string, { ref, complete }: AttemptLogToStore, result: { stored: boolean; reason?: string }) {
  if (!result.stored && complete)
    log.with({ tenantId }).warn("task log not stored", { run_id: ref.runId, task: ref.taskKey, attempt: ref.attempt, reason: result.reason });
}
