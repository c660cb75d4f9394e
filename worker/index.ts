import { buildApp } from "./app";
import type { Env } from "./env";
import { runEngineWatchdog } from "./engine-watchdog";
import { runHousekeeping } from "./housekeeping";
import { handleDeadLetters } from "./queues/dead-letters";
import { handleDispatchBatch } from "./queues/dispatch";
import type { DispatchMessage } from "./queues/messages";
import { handleNotifyBatch } from "./queues/notify";
import type { NotifyMessage } from "./queues/notify-messages";
import type { WebhookMessage } from "./queues/webhook-messages";
import { handleTenantDataBatch, type TenantDataMessage } from "./queues/tenant-data";
import { handleWebhookBatch } from "./queues/webhooks";
import { log } from "./lib/log";

export { TenantLimits } from "./durable/tenant-limits";
export { TenantRuns } from "./durable/tenant-runs";

const app = buildApp();
/** Must match the first of wrangler.toml's `crons`. */
const ENGINE_WATCHDOG_CRON = "* * * * *";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    // wrangler.toml [triggers]: the minute cron watches the run engines, the hourly one sweeps ended credentials.
    if (controller.cron === ENGINE_WATCHDOG_CRON) await runEngineWatchdog(env, controller.scheduledTime);
    else await runHousekeeping(env, controller.scheduledTime);
  },
  async queue(batch, env, ctx) {
    switch (batch.queue) {
      case "tutti-dispatch":
        return handleDispatchBatch(batch as MessageBatch<DispatchMessage>, env, (p) => ctx.waitUntil(p));
      case "tutti-notify":
        return handleNotifyBatch(batch as MessageBatch<NotifyMessage>, env);
      case "tutti-webhooks":
        return handleWebhookBatch(batch as MessageBatch<WebhookMessage>, env);
      case "tutti-tenant-data":
        return handleTenantDataBatch(batch as MessageBatch<TenantDataMessage>, env);
      case "tutti-dispatch-dlq":
        return handleDeadLetters(batch, env, "dispatch");
      case "tutti-notify-dlq":
        return handleDeadLetters(batch, env, "notify");
      case "tutti-webhooks-dlq":
        return handleDeadLetters(batch, env, "webhooks");
      default:
        // Unknown queues are retried, never silently dropped: a consumer was wired without a handler.
        log.error("no handler for queue", { queue: batch.queue });
        batch.retryAll();
    }
  },
} satisfies ExportedHandler<Env, unknown>;
