import { Hono } from "hono";
import { connectors } from "../../connectors/all";
import type { AppEnv } from "../../context";
import { callbackRoutes } from "./callback";
import { pipelineWebhookRoutes } from "./pipeline";
import { toolWebhookRouter } from "./tool";

/** Public webhook receivers: each authenticates its sender itself (signature or signed URL). */
export const webhookRoutes = new Hono<AppEnv>();
webhookRoutes.route("/", callbackRoutes);
webhookRoutes.route("/", pipelineWebhookRoutes);
// One receiver per tool that can call back: /webhooks/<kind>/<connectionId>.
for (const connector of connectors) {
  if (connector.webhook) webhookRoutes.route("/", toolWebhookRouter({ ...connector, webhook: connector.webhook }));
}
