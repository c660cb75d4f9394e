import { z } from "@hono/zod-openapi";
import type { WebhookDelivery } from "../../db/repo/platform/webhook-deliveries";
import { timestamp } from "../shared";

export const WebhookDeliveryOut = z
  .object({
    id: z.string().openapi({ example: "wh_3k9q0x2m4n5b6v7c8z1a" }),
    connector: z.string(),
    connection_id: z.string(),
    team_id: z.string(),
    delivery_id: z.string().openapi({ description: "The tool's own delivery or event id (the dedupe key)" }),
    event_type: z.string(),
    external_id: z.string().nullable().openapi({ description: "The tool's run the event is about" }),
    received_at: timestamp,
    matched: z
      .object({ run_id: z.string(), task_key: z.string() })
      .nullable()
      .openapi({ description: "The task run the event was applied to on arrival; null when none was active (kept for later reference)" }),
    payload_bytes: z.number().int(),
    copies: z.number().int().openapi({ description: "How many times the tool sent this delivery; only the first was applied" }),
  })
  .openapi("WebhookDelivery");

export const WebhookDeliveryDetailOut = WebhookDeliveryOut.extend({
  payload: z.unknown().openapi({ description: "The body as received (parsed when it is JSON)" }),
}).openapi("WebhookDeliveryDetail");

export const WebhookDeliveryList = z.object({ items: z.array(WebhookDeliveryOut), next_cursor: z.string().nullable() }).openapi("WebhookDeliveryList");

export function deliveryOut(d: Omit<WebhookDelivery, "payload">): z.input<typeof WebhookDeliveryOut> {
  return {
    id: d.id,
    connector: d.connector,
    connection_id: d.connectionId,
    team_id: d.teamId,
    delivery_id: d.deliveryId,
    event_type: d.eventType,
    external_id: d.externalId,
    received_at: new Date(d.receivedAt).toISOString(),
    matched: d.matchedRunId ? { run_id: d.matchedRunId, task_key: d.matchedTaskKey ?? "" } : null,
    payload_bytes: d.payloadBytes,
    copies: d.copies,
  };
}

/** `text` is the body as received (read from R2 by the route); null when it is no longer stored. */
export function deliveryDetailOut(d: Omit<WebhookDelivery, "payload">, text: string | null): z.input<typeof WebhookDeliveryDetailOut> {
  let payload: unknown = text;
  try {
    if (text !== null) payload = JSON.parse(text);
  } catch {
    // Not JSON: shown as the text that arrived.
  }
  return { ...deliveryOut(d), payload };
}
