import type { WebhookEvent, WebhookSupport } from "../types";
import { field, num, str } from "../tool-http";
import { bodyDeliveryId, confirmNow, stillRunning, verifyHmacSha256Hex, webhookJson } from "../webhook-signature";

/**
 * dbt Cloud webhooks (CONTRACTS §3): `Authorization` holds the lowercase hex HMAC-SHA256 of the raw body,
 * no prefix, no timestamp. `job.run.errored` and `job.run.completed` both arrive for a failed run; each
 * only asks for a status check, so the pair changes the task once.
 */
export const dbtCloudWebhook: WebhookSupport = {
  secretField: "webhook_secret",
  setup: {
    steps: [
      "In dbt Cloud, Account settings → Webhooks → Create webhook.",
      "Events: Run started, Run completed, Run errored; jobs: the ones Tutti triggers (or all).",
      "Endpoint: the webhook URL. Save, then copy the secret dbt Cloud shows into this connection's webhook_secret.",
    ],
    proof: "Authorization header: lowercase hex HMAC-SHA256 of the raw body, keyed with webhook_secret.",
  },
  verify: (request, secret) => verifyHmacSha256Hex(secret, request.body, request.headers.get("authorization")),
  async parse(request): Promise<WebhookEvent> {
    const json = webhookJson(request.body);
    const data = field(json, "data");
    const type = str(field(json, "eventType")) ?? "unknown";
    const deliveryId = str(field(json, "eventId")) ?? (await bodyDeliveryId(request.body));
    const externalId = str(field(data, "runId"));
    // "Test Endpoint" deliveries carry no run status: stored, never applied.
    const hasStatus = num(field(data, "runStatusCode")) !== null;
    let outcome: WebhookEvent["outcome"] = null;
    if (externalId && hasStatus) {
      if (type === "job.run.started") outcome = stillRunning;
      else if (type === "job.run.completed" || type === "job.run.errored") outcome = confirmNow;
    }
    return { deliveryId, externalId, type, outcome };
  },
};
