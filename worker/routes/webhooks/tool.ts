import { Hono } from "hono";
import type { ConnectorDefinition, WebhookSupport } from "../../connectors/types";
import type { AppEnv } from "../../context";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError } from "../../lib/errors";
import { storeDelivery } from "../../ingest/webhook-delivery";
import type { WebhookMessage } from "../../queues/webhook-messages";
import { handOverDelivery } from "../../queues/webhooks";
import { webhookConnection } from "../../lib/connection-cache";
import { useTenant } from "../../lib/public-ids";
import { errorFields, log } from "../../lib/log";

type WebhookConnector = ConnectorDefinition<unknown, unknown> & { webhook: WebhookSupport };

/**
 * `POST /webhooks/<kind>/<connectionId>`: a tool's webhook. Verified with the connection's signing secret over
 * the raw bytes; unknown connection → 404; bad or missing proof → 401 and nothing stored. A verified delivery is
 * stored before it is acknowledged (body in R2, then its row: storeDelivery, which stores a burst's deliveries
 * together), once per tool delivery id (copies are counted), so what a tool was told it delivered survives a crash.
 * Its outcome then goes to the run engine through the `tutti-webhooks` queue after the answer (waitUntil; handed
 * over directly when the queue refuses). A hand-over lost to a crash or a failure is recovered by the task's polling,
 * or by the tool sending the delivery again.
 */
export function toolWebhookRouter(connector: WebhookConnector) {
  return new Hono<AppEnv>().post(`/${connector.kind}/:connectionId`, async (c) => {
    const found = await webhookConnection(
      c.env,
      c.get("controlDb"),
      () => loadKeyRing(c.env.TUTTI_MASTER_KEY),
      c.req.param("connectionId"),
      connector.webhook.secretField,
      c.get("clock").now(),
    );
    if (!found || found.conn.kind !== connector.kind) throw new ApiError("not_found", `no ${connector.kind} connection with this id`);
    const { conn, secret } = found;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const request = { headers: c.req.raw.headers, url: new URL(c.req.url), body };
    if (!secret) throw new ApiError("unauthorized", `the connection has no ${connector.webhook.secretField}; set one to receive webhooks`);
    if (!(await connector.webhook.verify(request, secret))) throw new ApiError("unauthorized", "webhook signature does not match");

    const event = await connector.webhook.parse(request);
    const stored = await storeDelivery(
      c.env.BLOBS,
      await useTenant(c, conn.tenantId),
      {
        teamId: conn.teamId,
        connector: connector.kind,
        connectionId: conn.id,
        deliveryId: event.deliveryId,
        eventType: event.type,
        externalId: event.externalId,
        receivedAt: c.get("clock").now(),
      },
      body,
      (p) => c.executionCtx.waitUntil(p),
    );
    if (event.outcome && event.externalId) {
      const message: WebhookMessage = {
        tenantId: conn.tenantId,
        teamId: conn.teamId,
        connector: connector.kind,
        connectionId: conn.id,
        deliveryId: event.deliveryId,
        eventType: event.type,
        storedId: stored.delivery.id,
        externalId: event.externalId,
        outcome: event.outcome,
      };
      // After the answer: the delivery is stored, and a hand-over lost to a crash is recovered as described above.
      c.executionCtx.waitUntil(handOver(c.env, message));
    }
    return c.json({ ok: true, delivery_id: event.deliveryId }, 200);
  });
}

/** Sends the delivery to the engine through the queue, or directly when the queue refuses it; failures are logged. */
async function handOver(env: AppEnv["Bindings"], message: WebhookMessage): Promise<void> {
  if (await enqueue(env.WEBHOOKS, message)) return;
  try {
    await handOverDelivery(env, message);
  } catch (err) {
    log.with({ tenantId: message.tenantId }).error("webhook hand-over failed; the task's polling or the tool's next copy recovers it", {
      connector: message.connector,
      ...errorFields(err),
    });
  }
}

/** False when the queue refused the message: the caller then hands the delivery over itself. */
async function enqueue(queue: Queue<WebhookMessage>, message: WebhookMessage): Promise<boolean> {
  try {
    await queue.send(message);
    return true;
  } catch (err) {
    log.with({ tenantId: message.tenantId }).error("webhook queue send failed; handing over directly", { connector: message.connector, ...errorFields(err) });
    return false;
  }
}
