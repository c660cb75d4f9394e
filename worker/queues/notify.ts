import { deliver } from "../alerting/deliver";
import { recheckAll } from "../alerting/freshness";
import { intentsForEngineSignal, intentsForExternalSignal, type SignalContext } from "../alerting/intents";
import { applyIntent } from "../alerting/lifecycle";
import { ConcurrentAlert } from "../alerting/raise";
import { handleWatch } from "../alerting/watches";
import type { TenantCtx } from "../db/client";
import { pipelineFacts } from "../db/repo/pipelines/ownership";
import type { Env } from "../env";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { NotifyMessage } from "./notify-messages";
import type { EngineSignal } from "./signals";
import { errorFields, log } from "../lib/log";
import { tenantContext } from "../db/shards";

/**
 * The `notify` queue consumer: engine signals and other parts' signals become alert transitions, alert
 * deliveries are sent, and dataset updates reach the tenant's dataset triggers. Messages are handled one by one; a failure retries only that message. Deliveries schedule
 * their own retries (alerting/deliver.ts); anything else that throws is retried after a short pause.
 */

type Outcome = { retryAfterSeconds: number } | null;

async function engineContext(ctx: TenantCtx, s: EngineSignal): Promise<SignalContext> {
  if (s.type !== "engine.task_failed" || s.error?.kind !== "auth") return {};
  const pipeline = (await pipelineFacts(ctx)).find((p) => p.id === s.pipelineId);
  return { connectionName: pipeline?.connections[s.taskKey] ?? null };
}

export async function handleNotifyMessage(env: Env, ctx: TenantCtx, body: NotifyMessage): Promise<Outcome> {
  switch (body.type) {
    case "alert.deliver": {
      const result = await deliver(env, ctx, body.deliveryId, Date.now());
      return result.done ? null : { retryAfterSeconds: result.retryAfterSeconds };
    }
    case "engine.watch_due":
      await handleWatch(env, ctx, body.payload, body.at);
      return null;
    case "engine.run_finished":
    case "engine.task_failed":
    case "engine.sla_checked": {
      for (const intent of intentsForEngineSignal(body, await engineContext(ctx, body))) await applyIntent(env, ctx, intent);
      if (body.type === "engine.run_finished" && body.status === "succeeded" && body.environment === "prod") await recheckAll(env, ctx, body.at);
      return null;
    }
    case "budget.threshold_crossed":
    case "products.zombie_digest":
    case "products.unused_policy":
    case "quality.check_failed":
    case "quality.check_passed":
      for (const intent of intentsForExternalSignal(body)) await applyIntent(env, ctx, intent);
      return null;
    case "lineage.datasets_updated":
      unwrap(await tenantRuns(env, ctx.tenantId).datasetsUpdated(ctx.tenantId, body.updates));
      return null;
    default: {
      const unknown = body as { type?: unknown };
      // Acked, not retried: a message no version of this consumer understands would only reach the dead-letter queue.
      log.error("unknown notify message", { type: String(unknown.type) });
      return null;
    }
  }
}

/** Pause before retrying a message whose handling threw: short at first (a concurrent alert), longer if it persists. */
const errorRetrySeconds = (attempts: number) => Math.min(2 ** Math.max(0, attempts - 1), 300);

export async function handleNotifyBatch(batch: MessageBatch<NotifyMessage>, env: Env) {
  for (const message of batch.messages) {
    const body = message.body;
    if (!body || typeof body.tenantId !== "string") {
      log.error("notify message without tenant", { message_id: message.id });
      message.ack();
      continue;
    }
    try {
      const outcome = await handleNotifyMessage(env, await tenantContext(env, body.tenantId), body);
      if (outcome) message.retry({ delaySeconds: outcome.retryAfterSeconds });
      else message.ack();
    } catch (err) {
      if (!(err instanceof ConcurrentAlert)) {
        log.with({ tenantId: body.tenantId }).error("notify message failed", { type: body.type, ...errorFields(err) });
      }
      message.retry({ delaySeconds: err instanceof ConcurrentAlert ? 0 : errorRetrySeconds(message.attempts) });
    }
  }
}
