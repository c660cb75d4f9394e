import { fromBase64 } from "../../lib/encoding";
import { constantTimeEqual } from "../../lib/hash";
import { field, str } from "../tool-http";
import type { WebhookEvent, WebhookSupport } from "../types";
import { bodyDeliveryId, confirmNow, stillRunning, webhookJson } from "../webhook-signature";

/** Username Tutti's Databricks notification destination is configured with; the password is the webhook secret. */
export const DATABRICKS_WEBHOOK_USER = "tutti";

function basicPassword(header: string | null): { user: string; password: string } | null {
  if (!header?.startsWith("Basic ")) return null;
  try {
    const decoded = new TextDecoder().decode(fromBase64(header.slice(6).trim()));
    const colon = decoded.indexOf(":");
    return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  } catch {
    return null;
  }
}

/**
 * Databricks job notifications to a generic webhook destination (CONTRACTS §7, §10) carry no HMAC: the
 * destination authenticates with basic auth (user `tutti`, password = webhook_secret), and every event only
 * prompts a jobs/runs/get, which is the source of truth. Payload (unverified): `{event_type: "jobs.on_start" |
 * "jobs.on_success" | "jobs.on_failure" | …, workspace_id, run: {run_id}, job: {job_id, name}}`.
 * Dedupe key: run id + notification type (§12).
 */
export const databricksWebhook: WebhookSupport = {
  secretField: "webhook_secret",
  setup: {
    steps: [
      "In Databricks, Settings → Notifications → Manage destinations → Add a destination of type Webhook.",
      "URL: the webhook URL; username: tutti; password: this connection's webhook_secret.",
      "Add the destination to each job's webhook notifications for Start, Success and Failure.",
    ],
    proof: "Databricks sends HTTP Basic credentials; the password must equal webhook_secret.",
  },
  verify: async (request, secret) => {
    const creds = basicPassword(request.headers.get("authorization"));
    // Both compared in full, always: the time taken says nothing about which part was wrong.
    const userOk = constantTimeEqual(creds?.user ?? "", DATABRICKS_WEBHOOK_USER);
    const passwordOk = constantTimeEqual(creds?.password ?? "", secret);
    return creds !== null && secret !== "" && userOk && passwordOk;
  },
  async parse(request): Promise<WebhookEvent> {
    const json = webhookJson(request.body);
    const type = str(field(json, "event_type")) ?? "unknown";
    const run = field(json, "run");
    const runId = str(field(run, "parent_run_id")) ?? str(field(run, "run_id"));
    if (!runId) return { deliveryId: await bodyDeliveryId(request.body), externalId: null, type, outcome: null };
    let outcome: WebhookEvent["outcome"] = null;
    if (type === "jobs.on_start") outcome = stillRunning;
    else if (type === "jobs.on_success" || type === "jobs.on_failure") outcome = confirmNow;
    return { deliveryId: `${runId}:${type}`, externalId: runId, type, outcome };
  },
};
