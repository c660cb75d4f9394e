import { createDb, tenantCtx } from "../db/client";
import { markDeliveriesMatched, recordDeliveries } from "../db/repo/webhook-deliveries";
import { tenantRuns } from "../durable/client";
import type { Env } from "../env";
import type { WebhookMessage } from "./webhook-messages";

interface Pending {
  message: WebhookMessage;
  /** The queue is retrying it: an earlier try may have stored the row and failed before the hand-over. */
  redelivered: boolean;
  done(): void;
  failed(err: unknown): void;
}

/**
 * Stores a tenant's verified deliveries in one D1 batch (a row per tool delivery id, copies counted), hands the
 * outcome of each delivery this batch stored first to the tenant's engine, and records the task run it was
 * applied to. A retried message is handed over again even if its row exists: the first try may have failed after
 * storing it, and the engine ignores a delivery id it has already applied.
 */
async function ingestForTenant(env: Env, tenantId: string, items: Pending[]) {
  const ctx = tenantCtx(createDb(env.DB), tenantId);
  const stored = await recordDeliveries(
    ctx,
    items.map(({ message: m }) => ({
      teamId: m.teamId,
      connector: m.connector,
      connectionId: m.connectionId,
      deliveryId: m.deliveryId,
      eventType: m.eventType,
      externalId: m.externalId,
      receivedAt: m.receivedAt,
      payload: m.payload,
      payloadBytes: m.payloadBytes,
    })),
  );
  const engine = tenantRuns(env, tenantId);
  const matched: Array<{ id: string; matched: { runId: string; taskKey: string } }> = [];
  const handOvers = items.map(async (item, i) => {
    const { message: m } = item;
    if (!(stored[i].inserted || item.redelivered) || !m.outcome || !m.externalId) return;
    const result = await engine.reportWebhook({ tenantId, connector: m.connector, externalId: m.externalId, deliveryId: `${m.connectionId}:${m.deliveryId}`, outcome: m.outcome });
    if (result.matched) matched.push({ id: stored[i].delivery.id, matched: result.matched });
  });
  const outcomes = await Promise.allSettled(handOvers);
  await markDeliveriesMatched(ctx, matched);
  outcomes.forEach((o, i) => (o.status === "fulfilled" ? items[i].done() : items[i].failed(o.reason)));
}

/** Stores deliveries and hands them to the engine, batched per tenant; used by the consumer and by the receiver's fallback. */
export async function ingestDeliveries(env: Env, items: Pending[]) {
  const byTenant = new Map<string, Pending[]>();
  for (const item of items) byTenant.set(item.message.tenantId, [...(byTenant.get(item.message.tenantId) ?? []), item]);
  await Promise.all(
    [...byTenant].map(([tenantId, group]) =>
      ingestForTenant(env, tenantId, group).catch((err) => {
        for (const item of group) item.failed(err);
      }),
    ),
  );
}

/** Stores one delivery now (the receiver's path for payloads too large for a queue message); throws on failure. */
export async function ingestDelivery(env: Env, message: WebhookMessage): Promise<void> {
  let failure: unknown = null;
  await ingestDeliveries(env, [{ message, redelivered: false, done: () => {}, failed: (err) => (failure = err) }]);
  if (failure !== null) throw failure;
}

/** Queue consumer for `tutti-webhooks`: one D1 batch per tenant per message batch; a failure retries only its messages. */
export async function handleWebhookBatch(batch: MessageBatch<WebhookMessage>, env: Env) {
  await ingestDeliveries(
    env,
    batch.messages.map((message) => ({
      message: message.body,
      redelivered: message.attempts > 1,
      done: () => message.ack(),
      failed: (err) => {
        console.error(JSON.stringify({ level: "error", msg: "webhook ingest failed", connector: message.body.connector, delivery_id: message.body.deliveryId, error: String(err) }));
        message.retry();
      },
    })),
  );
}
