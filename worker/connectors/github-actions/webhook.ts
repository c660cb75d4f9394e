import { field, str } from "../tool-http";
import type { WebhookEvent, WebhookSupport } from "../types";
import { bodyDeliveryId, confirmNow, stillRunning, verifyHmacSha256Hex, webhookJson } from "../webhook-signature";

/**
 * GitHub webhooks (CONTRACTS §8): `X-Hub-Signature-256: sha256=<lowercase hex HMAC-SHA256(secret, raw body)>`,
 * the event in X-GitHub-Event. Deliveries are deduplicated by the hash of the signed body, not by the delivery GUID
 * in X-GitHub-Delivery: that header is not signed, so a replayed body under a fresh GUID would count as new. GitHub
 * redelivers the same bytes, so a redelivery still has the same key.
 * workflow_run.completed asks for a status check; requested / in_progress and workflow_job events mean running.
 */
export const gitHubWebhook: WebhookSupport = {
  secretField: "webhook_secret",
  setup: {
    steps: [
      "In the repository (or organisation) on GitHub, Settings → Webhooks → Add webhook.",
      "Payload URL: the webhook URL; content type application/json; secret: this connection's webhook_secret.",
      "Choose individual events: Workflow runs.",
    ],
    proof: "X-Hub-Signature-256: sha256= followed by lowercase hex HMAC-SHA256 of the raw body, keyed with webhook_secret.",
  },
  verify: (request, secret) => verifyHmacSha256Hex(secret, request.body, request.headers.get("x-hub-signature-256"), { prefix: "sha256=" }),
  async parse(request): Promise<WebhookEvent> {
    const json = webhookJson(request.body);
    const event = request.headers.get("x-github-event") ?? "unknown";
    const action = str(field(json, "action"));
    const type = action ? `${event}.${action}` : event;
    const deliveryId = await bodyDeliveryId(request.body);
    if (event === "workflow_run") {
      const externalId = str(field(field(json, "workflow_run"), "id"));
      const outcome = !externalId ? null : action === "completed" ? confirmNow : stillRunning;
      return { deliveryId, externalId, type, outcome };
    }
    if (event === "workflow_job") {
      const externalId = str(field(field(json, "workflow_job"), "run_id"));
      return { deliveryId, externalId, type, outcome: externalId ? stillRunning : null };
    }
    return { deliveryId, externalId: null, type, outcome: null };
  },
};
