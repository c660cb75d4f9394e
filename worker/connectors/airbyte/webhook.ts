import { constantTimeEqual } from "../../lib/hash";
import { field, str } from "../tool-http";
import type { WebhookEvent, WebhookSupport } from "../types";
import { bodyDeliveryId, confirmNow, webhookJson } from "../webhook-signature";

/**
 * Airbyte notifications (CONTRACTS §5) are unsigned: the webhook URL carries an unguessable per-connection token
 * (`?token=<webhook_secret>`), and every event only prompts a GET /jobs/{jobId} before anything changes.
 * Dedupe key: connection id + job id + success (§12). Test pings carry only `text`.
 */
export const airbyteWebhook: WebhookSupport = {
  secretField: "webhook_secret",
  setup: {
    steps: [
      "In Airbyte, open Settings → Notifications and choose a webhook (Slack-compatible) notification.",
      "Paste the webhook URL, with ?token= followed by this connection's webhook_secret.",
      "Enable it for failed syncs and successful syncs.",
    ],
    proof: "Airbyte does not sign notifications, so the secret is the URL token (compared in constant time).",
    urlToken: true,
  },
  verify: async (request, secret) => {
    const token = request.url.searchParams.get("token");
    return token !== null && secret !== "" && constantTimeEqual(token, secret);
  },
  async parse(request): Promise<WebhookEvent> {
    const json = webhookJson(request.body);
    const data = field(json, "data");
    const jobId = str(field(data, "jobId"));
    const connectionId = str(field(field(data, "connection"), "id"));
    const success = field(data, "success");
    if (!jobId) return { deliveryId: await bodyDeliveryId(request.body), externalId: null, type: "notification", outcome: null };
    return {
      deliveryId: `${connectionId ?? "-"}:${jobId}:${String(success)}`,
      externalId: jobId,
      type: success === true ? "sync.succeeded" : success === false ? "sync.failed" : "sync.notification",
      outcome: confirmNow,
    };
  },
};
