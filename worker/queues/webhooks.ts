import { markDeliveriesMatched } from "../db/repo/platform/webhook-deliveries";
import { tenantRuns } from "../durable/client";
import { unwrap } from "../durable/result";
import type { Env } from "../env";
import type { WebhookMessage } from "./webhook-messages";
import { errorFields, log } from "../lib/log";
import { tenantContext } from "../db/shards";

interface Pending {
  message: WebhookMessage;
  done(): void;
  failed(err: unknown): void;
}

/**
 * Hands a tenant's stored deliveries to its engine and records the task run each was applied to. Every copy is
 * handed over, not only the first: the engine applies a delivery id once, and a copy the tool sent again then
 * recovers a hand-over that was lost (the process died between storing and handing over).
 */
async function handOverForTenant(env: Env, tenantId: string, items: Pending[]) {
  const engine = tenantRuns(env, tenantId);
  const matched: Array<{ id: string; matched: { runId: string; taskKey: string } }> = [];
  const outcomes = await Promise.allSettled(
    items.map(async ({ message: m }) => {
      const result = unwrap(
        await engine.reportWebhook({
          tenantId,
          connector: m.connector,
          connectionId: m.connectionId,
          externalId: m.externalId,
          deliveryId: `${m.connectionId}:${m.deliveryId}`,
          outcome: m.outcome,
        }),
      );
      if (result.matched) matched.push({ id: m.storedId, matched: result.matched });
    }),
  );
  await markDeliveriesMatched(await tenantContext(env, tenantId), matched);
  outcomes.forEach((o, i) => (o.status === "fulfilled" ? items[i].done() : items[i].failed(o.reason)));
}

async function handOver(env: Env, items: Pending[]) {
  const byTenant = new Map<string, Pending[]>();
  for (const item of items) byTenant.set(item.message.tenantId, [...(byTenant.get(item.message.tenantId) ?? []), item]);
  await Promise.all(
    [...byTenant].map(([tenantId, group]) =>
      handOverForTenant(env, tenantId, group).catch((err) => {
        for (const item of group) item.failed(err);
      }),
    ),
  );
}

/** Hands one stored delivery to the engine now (the receiver's path when the queue refuses); throws on failure. */
export async function handOverDelivery(env: Env, message: WebhookMessage): Promise<void> {
  let failure: unknown = null;
  await handOver(env, [{ message, done: () => {}, failed: (err) => (failure = err) }]);
  if (failure !== null) throw failure;
}

/** Queue consumer for `tutti-webhooks`: hand-overs batched per tenant; a failure retries only its messages. */
export async function handleWebhookBatch(batch: MessageBatch<WebhookMessage>, env: Env) {
  await handOver(
    env,
    batch.messages.map((message) => ({
      message: message.body,
      done: () => message.ack(),
      failed: (err) => {
        log.with({ tenantId: message.body.tenantId }).error("webhook hand-over failed", {
          connector: message.body.connector,
          delivery_id: message.body.deliveryId,
          ...errorFields(err),
        });
        message.retry();
      },
    })),
  );
}
