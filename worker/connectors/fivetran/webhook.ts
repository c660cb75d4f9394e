import type { WebhookEvent, WebhookSupport } from "../types";
import { field, str } from "../tool-http";
import { bodyDeliveryId, confirmNow, stillRunning, verifyHmacSha256Hex, webhookJson } from "../webhook-signature";

/**
 * Fivetran webhooks (CONTRACTS §4): `X-Fivetran-Signature-256` holds the UPPERCASE hex HMAC-SHA256 of the raw body.
 * There is no delivery id, so the dedupe key is event + sync_id + connection + created (§12). Newer payloads
 * say `connection_id`, older ones `connector_id`; both are read.
 */
export const fivetranWebhook: WebhookSupport = {
  secretField: "webhook_secret",
  setup: {
    steps: [
      "Create an account or group webhook with the Fivetran REST API: POST /v1/webhooks/account.",
      'Body: {"url": "<webhook URL>", "events": ["sync_start", "sync_end"], "active": true, "secret": "<webhook_secret>"}.',
      "Fivetran sends a test delivery at once; it appears under unmatched deliveries.",
    ],
    proof: "X-Fivetran-Signature-256: uppercase hex HMAC-SHA256 of the raw body, keyed with webhook_secret.",
  },
  verify: (request, secret) => verifyHmacSha256Hex(secret, request.body, request.headers.get("x-fivetran-signature-256"), { upper: true }),
  async parse(request): Promise<WebhookEvent> {
    const json = webhookJson(request.body);
    const type = str(field(json, "event")) ?? "unknown";
    const externalId = str(field(json, "connection_id")) ?? str(field(json, "connector_id"));
    const created = str(field(json, "created"));
    const deliveryId = json && created ? [type, str(field(json, "sync_id")) ?? "-", externalId ?? "-", created].join(":") : await bodyDeliveryId(request.body);
    let outcome: WebhookEvent["outcome"] = null;
    if (externalId && type === "sync_start") outcome = stillRunning;
    // sync_end says a sync ended, not that it was ours or how it went: the connection's timestamps decide.
    else if (externalId && type === "sync_end") outcome = confirmNow;
    return { deliveryId, externalId, type, outcome };
  },
};
