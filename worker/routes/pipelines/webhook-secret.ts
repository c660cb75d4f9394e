import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { productionVersion } from "../../db/repo/pipelines/environments";
import { newWebhookSecret, replaceWebhookSecret } from "../../db/repo/pipelines/webhook-secrets";
import { loadKeyRing } from "../../lib/envelope";
import { conflict } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { hasWebhookTrigger } from "../../pipelines/triggers";
import { pipelineWebhookPath } from "../webhooks/pipeline";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { loadPipeline } from "./load";
import { NameParam } from "./schemas";

const WebhookSecretOut = z
  .object({
    url: z.string().openapi({ description: "Where to POST deliveries", example: "https://tutti.example.com/webhooks/pipelines/pl_0123456789abcdefghij" }),
    secret: z.string().openapi({ description: "The signing secret (`whsec_…`). Shown only in this response: store it in the sender now", example: "whsec_…" }),
    created_at: timestamp,
    rotated: z.boolean().openapi({ description: "An earlier secret was replaced and no longer verifies deliveries" }),
  })
  .openapi("PipelineWebhookSecret");

export const route = createRoute({
  method: "post",
  path: "/pipelines/{name}/webhook-secret",
  tags: ["pipelines"],
  summary: "Create or rotate the signing secret of the pipeline's webhook trigger; the secret is returned once, never again",
  description:
    "The production spec must declare `triggers: [{webhook: {}}]` (409 otherwise). Rotating replaces the secret at once: deliveries signed with the old one get 401.",
  security: bearerSecurity,
  request: { params: NameParam },
  responses: { 201: jsonResponse(WebhookSecretOut, "The new secret, shown this once"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, pipeline } = await loadPipeline(c, c.req.valid("param").name);
    requireTeamWrite(p, pipeline.teamId, "pipelines:write");
    if (pipeline.archivedAt !== null) throw conflict("the pipeline is archived; push its spec again to restore it");
    const version = await productionVersion(ctx, pipeline);
    if (!version || !hasWebhookTrigger(version.spec.triggers)) {
      throw conflict("the pipeline's production spec has no webhook trigger; add `triggers: [{webhook: {}}]` and push it first");
    }
    const secret = newWebhookSecret();
    const made = await replaceWebhookSecret(ctx, auditSource(c), await loadKeyRing(c.env.TUTTI_MASTER_KEY), pipeline, secret);
    return send(c, 201, WebhookSecretOut, {
      url: new URL(pipelineWebhookPath(pipeline.id), c.req.url).toString(),
      secret,
      created_at: new Date(made.createdAt).toISOString(),
      rotated: made.rotated,
    });
  });
}
