import { Hono } from "hono";
import type { ConnectorDefinition, WebhookSupport } from "../../connectors/types";
import type { AppEnv } from "../../context";
import { loadKeyRing } from "../../lib/envelope";
import { ApiError } from "../../lib/errors";
import { MAX_QUEUED_PAYLOAD_BYTES, type WebhookMessage } from "../../queues/webhook-messages";
import { ingestDelivery } from "../../queues/webhooks";
import { webhookConnection } from "./connection-cache";

type WebhookConnector = ConnectorDefinition<unknown, unknown> & { webhook: WebhookSupport };

/**
 * `POST /webhooks/<kind>/<connectionId>`: a tool's webhook. Verified with the connection's signing secret over
 * the raw bytes; unknown connection → 404; bad or missing proof → 401 and nothing stored. A verified delivery is
 * put on the `tutti-webhooks` queue and acknowledged at once (tools time out in seconds and retry, dbt Cloud
 * after 10 s); the consumer stores it once per delivery id and hands it to the run engine (queues/webhooks.ts).
 * Deliveries too large for a queue message, or arriving while the queue refuses, are stored right here instead.
 */
export function toolWebhookRouter(connector: WebhookConnector) {
  return new Hono<AppEnv>().post(`/${connector.kind}/:connectionId`, async (c) => {
    const found = await webhookConnection(c.get("db"), () => loadKeyRing(c.env.TUTTI_MASTER_KEY), c.req.param("connectionId"), connector.webhook.secretField, c.get("clock").now());
    if (!found || found.conn.kind !== connector.kind) throw new ApiError("not_found", `no ${connector.kind} connection with this id`);
    const { conn, secret } = found;
    const body = new Uint8Array(await c.req.arrayBuffer());
    const request = { headers: c.req.raw.headers, url: new URL(c.req.url), body };
    if (!secret) throw new ApiError("unauthorized", `the connection has no ${connector.webhook.secretField}; set one to receive webhooks`);
    if (!(await connector.webhook.verify(request, secret))) throw new ApiError("unauthorized", "webhook signature does not match");

    const event = await connector.webhook.parse(request);
    const message: WebhookMessage = {
      tenantId: conn.tenantId,
      teamId: conn.teamId,
      connector: connector.kind,
      connectionId: conn.id,
      deliveryId: event.deliveryId,
      eventType: event.type,
      externalId: event.externalId,
      outcome: event.outcome,
      receivedAt: c.get("clock").now(),
      payload: new TextDecoder().decode(body),
      payloadBytes: body.byteLength,
    };
    if (!(body.byteLength <= MAX_QUEUED_PAYLOAD_BYTES && (await enqueue(c.env.WEBHOOKS, message)))) await ingestDelivery(c.env, message);
    return c.json({ ok: true, delivery_id: event.deliveryId }, 200);
  });
}

/** False when the queue refused the message: the caller then stores the delivery itself rather than lose it. */
async function enqueue(queue: Queue<WebhookMessage>, message: WebhookMessage): Promise<boolean> {
  try {
    await queue.send(message);
    return true;
  } catch (err) {
    console.error(JSON.stringify({ level: "error", msg: "webhook queue send failed; storing directly", connector: message.connector, error: String(err) }));
    return false;
  }
}
