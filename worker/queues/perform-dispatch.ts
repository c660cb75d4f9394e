import { connectorFor } from "../connectors/registry";
import { ConnectorError, networkError } from "../connectors/http-errors";
import { watchedFetch, type Redactor } from "../connectors/redact";
import type { ConnectorContext, TaskOutcome } from "../connectors/types";
import { recordConnectionUse, resolveConnectionSecrets } from "../db/repo/connections/connections";
import { resolveBoundConnection } from "../db/repo/connections/environments";
import type { DispatchContext } from "../durable/runs/contract";
import type { Env } from "../env";
import { signCallback } from "../lib/callback-token";
import { loadKeyRing } from "../lib/envelope";
import { COLLECT_TRIES, collectAfterRun, collectRetryDelayMs, collectSink } from "./collect";
import { cachedConnection } from "../lib/connection-cache";
import type { DispatchMessage } from "./messages";
import { errorFields, log } from "../lib/log";
import { fetchAttemptLog } from "../logs/fetch";
import type { AttemptLogToStore } from "../logs/capture";
import { boundOutputs, declaredOutputs, MAX_OUTPUT_VALUE_BYTES, type OutputDecls } from "../connectors/outputs";
import { formatPath } from "../lib/errors";
import { newId } from "../lib/ids";
import { tenantContext } from "../db/shards";

/** Keeps a promise running after the task's outcome is reported (ctx.waitUntil in a Worker or a Durable Object). */
export type Background = (work: Promise<unknown>) => void;

/** A task attempt's use of a connection, as the audit log records it (recordConnectionUse). */
export interface ConnectionUse {
  connection: { id: string; teamId: string; name: string };
  runId: string;
  taskKey: string;
  attempt: number;
  now: number;
  /** The audit entry's id, chosen once: a flush repeated after a crash writes the entry once. */
  auditId: string;
}

/**
 * The D1 and R2 writes of a dispatch that the run engine's object takes over when it performs the dispatch itself: it
 * puts them in its outbox with the outcome and writes them with the run's snapshots, so they cost the next task
 * nothing (runs/outbox.ts). Without them, performDispatch writes them itself.
 */
export interface DispatchDeferrals {
  /** The attempt's tool log, fetched (up to DEFERRED_LOG_MAX_BYTES; a longer one is stored at once). */
  log(log: AttemptLogToStore): void;
  /** The `connection.used` audit entry of a trigger. */
  use(use: ConnectionUse): void;
}

/**
 * Runs one connector operation. Returns the outcome to report (trigger, poll) or null (cancel).
 * Connector failures become failed outcomes; only our own infrastructure errors throw (and the queue retries).
 * The attempt's tool log and the connection's use are written by this, unless `deferrals` take them.
 */
export async function performDispatch(
  env: Env,
  tenantId: string,
  op: DispatchMessage["op"],
  context: DispatchContext,
  background: Background,
  deferrals?: DispatchDeferrals,
): Promise<TaskOutcome | null> {
  const connector = connectorFor(context.connector);
  if (!connector) return { status: "failed", error: { kind: "invalid_config", message: `unknown connector "${context.connector}"` } };
  if (context.inputProblem && op !== "cancel") return { status: "failed", error: { kind: "invalid_config", message: context.inputProblem } };
  const ctx = await tenantContext(env, tenantId);
  // The spec names a connection; the run's environment binds that name to the team connection it uses (dbt → dbt_ci).
  const bound = context.connection
    ? await cachedConnection(`bind:${tenantId}:${context.teamId}:${context.environment}:${context.connection}`, Date.now(), () =>
        resolveBoundConnection(ctx, context.teamId, context.environment, context.connection!),
      )
    : null;
  if (context.connection && !bound)
    return { status: "failed", error: { kind: "invalid_config", message: `environment "${context.environment}" no longer exists in the pipeline's team` } };
  const connection = bound
    ? await cachedConnection(`conn:${tenantId}:${context.teamId}:${bound}`, Date.now(), async () =>
        resolveConnectionSecrets(ctx, await loadKeyRing(env.TUTTI_MASTER_KEY), context.teamId, bound),
      )
    : null;
  if (bound && !connection) {
    const via = bound === context.connection ? "" : ` (bound to "${context.connection}" in environment "${context.environment}")`;
    return { status: "failed", error: { kind: "invalid_config", message: `connection "${bound}"${via} no longer exists in the pipeline's team` } };
  }
  const parsedConfig = connector.configSchema.safeParse(connection?.config ?? {});
  const parsedWith = connector.withSchema.safeParse(context.with);
  if (!parsedConfig.success || !parsedWith.success) {
    // A `${{ … }}` value can be what no longer fits (a pattern the resolved text breaks): name the field.
    const issue = parsedWith.success ? null : parsedWith.error.issues[0];
    const where = issue ? `: ${formatPath(["with", ...issue.path])}: ${issue.message}` : "";
    return {
      status: "failed",
      error: { kind: "invalid_config", message: `the connection config or the task's \`with\` no longer matches the connector's schema${where}` },
    };
  }
  const appUrl = (env.APP_URL ?? "http://localhost:8787").replace(/\/$/, "");
  const token = await signCallback(env.TUTTI_MASTER_KEY, { tenantId, runId: context.runId, taskKey: context.taskKey, attempt: context.attempt });
  const secrets = connection?.secrets ?? {};
  // Remembers the credentials sent, so a tool echoing them in an error never puts them in the run's error.
  const watched = watchedFetch((input, init) => fetch(input, init), secrets);
  const connectorCtx: ConnectorContext<unknown> = {
    config: parsedConfig.data,
    secrets,
    fetch: watched.fetch,
    run: {
      tenantId,
      runId: context.runId,
      taskKey: context.taskKey,
      attempt: context.attempt,
      pipeline: context.pipelineName,
      params: context.params,
      resubmission: context.resubmission,
    },
    callbackUrl: `${appUrl}/webhooks/callback/${token}`,
  };
  const handle = context.handle ?? {};
  // A final outcome first collects what the run left behind (artifacts, cost facts), so they exist when the task shows done.
  const collected = async (outcome: TaskOutcome): Promise<TaskOutcome> => {
    if (outcome.status === "running" || !connector.collect) return outcome;
    const target = {
      tenantId,
      teamId: context.teamId,
      runId: context.runId,
      taskKey: context.taskKey,
      attempt: context.attempt,
      connectionId: connection?.id ?? null,
    };
    const tries = (op === "poll" ? (handle.collectTries ?? 0) : 0) + 1;
    // A cancelled run may well have left nothing: one look, no waiting.
    const lastTry = tries >= COLLECT_TRIES || outcome.status === "cancelled";
    const result = await collectAfterRun(
      connector,
      connectorCtx,
      parsedWith.data,
      outcome,
      collectSink(ctx.db, env.BLOBS, target, () => Date.now(), env.NOTIFY),
      { lastTry },
      watched.redactor,
    );
    // What the run left behind can show it changed nothing (dbt Cloud's run results): the task reports no new data.
    const found = result.noNewData && outcome.status === "succeeded" ? { ...outcome, noNewData: true } : outcome;
    if (!result.missing) return found;
    // The tool does not have it yet (dbt Cloud serves artifacts a while after the run ends): the task stays running
    // and the engine's poll timer brings this back after a backoff, bounded by COLLECT_TRIES.
    if (!lastTry)
      return {
        status: "running",
        pollAfterMs: collectRetryDelayMs(tries),
        externalId: outcome.externalId,
        externalUrl: outcome.externalUrl,
        state: outcome.state,
        collectTries: tries,
      };
    return { ...found, note: `${result.missing}${tries > 1 ? ` (after ${tries} tries)` : ""}` };
  };
  const call = async (): Promise<TaskOutcome | null> => {
    try {
      switch (op) {
        case "trigger": {
          // Recorded beside the tool call and finished in the background: the audit write never delays the task.
          if (connection) {
            const use = { runId: context.runId, taskKey: context.taskKey, attempt: context.attempt, now: Date.now() };
            if (deferrals)
              deferrals.use({ connection: { id: connection.id, teamId: connection.teamId, name: connection.name }, ...use, auditId: newId("audit") });
            else
              background(
                recordConnectionUse(ctx, connection, use).catch((err) =>
                  log.with({ tenantId }).error("recording connection use failed", { connection: connection.id, ...errorFields(err) }),
                ),
              );
          }
          // Retry from failure of work the tool ran and failed: its own partial rerun, where it has one.
          const started =
            context.rerun && connector.rerun
              ? await connector.rerun.start(connectorCtx, parsedWith.data, context.rerun.of)
              : await connector.trigger(connectorCtx, parsedWith.data);
          return await collected(started);
        }
        case "poll":
          return await collected(await connector.poll(connectorCtx, parsedWith.data, handle));
        case "cancel":
          await connector.cancel(connectorCtx, parsedWith.data, handle);
          return null;
      }
    } catch (err) {
      if (op === "cancel") return null;
      const error = err instanceof ConnectorError ? err.error : networkError(connector.title, err);
      // A poll that could not reach the tool keeps waiting: the task timeout bounds it, not one flaky request.
      if (op === "poll" && error.kind === "network") return { status: "running", ...handle };
      return { status: "failed", error, ...handle };
    }
  };
  const answered = withCleanError(await call(), watched.redactor);
  if (!answered) return null;
  if (op !== "cancel")
    await fetchAttemptLog(connector, connectorCtx, parsedWith.data, answered, {
      tenant: ctx,
      bucket: env.BLOBS,
      redactor: watched.redactor,
      op,
      now: () => Date.now(),
      defer: deferrals?.log,
    });
  // The log went to R2; the engine gets the outcome without it, and only the declared outputs, bounded and redacted.
  const { log: _log, ...reported } = answered;
  const outcome = reported.status === "succeeded" ? withBoundOutputs(reported, declaredOutputs(connector, parsedWith.data), watched.redactor) : reported;
  // The connection the work runs on: a webhook arriving on another connection never touches this task.
  return connection ? { ...outcome, connectionId: connection.id } : outcome;
}

function withBoundOutputs(outcome: Extract<TaskOutcome, { status: "succeeded" }>, declared: OutputDecls, redactor: Redactor): TaskOutcome {
  const { outputs, dropped } = boundOutputs(outcome.output, declared, (text) => redactor.clean(text));
  const note = dropped.length ? `outputs over ${MAX_OUTPUT_VALUE_BYTES} bytes not kept: ${dropped.join(", ")}` : undefined;
  const { output: _raw, ...rest } = outcome;
  return { ...rest, ...(outputs ? { output: outputs } : {}), ...(note ? { note: rest.note ? `${rest.note}; ${note}` : note } : {}) };
}

/** A failed outcome's message holds the tool's text: bounded, and without any credential the request carried. */
function withCleanError(outcome: TaskOutcome | null, redactor: Redactor): TaskOutcome | null {
  if (outcome?.status !== "failed") return outcome;
  return { ...outcome, error: { ...outcome.error, message: redactor.clean(outcome.error.message) } };
}
