import { createRoute, z } from "@hono/zod-openapi";
import { allConnectionKinds } from "../../connectors/registry";
import type { Router } from "../../context";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";

const KindOut = z
  .object({
    kind: z.string(),
    title: z.string(),
    config_schema: z.record(z.string(), z.unknown()).openapi({ description: "JSON Schema of `config`" }),
    secret_fields: z.array(z.string()),
    optional_secret_fields: z.array(z.string()),
    host_fields: z.array(z.string()).openapi({
      description:
        "Config fields that say where the tool is (`base_url`, Snowflake's `account`, a webhook's `url`). A PATCH that moves one to another origin must send every set secret again in `secrets`: stored secrets never follow a connection to a new destination",
      example: ["base_url"],
    }),
    testable: z.boolean().openapi({ description: "POST /connections/{id}/test can check connections of this kind" }),
    webhook: z
      .object({
        path: z.string().openapi({ description: "Receiver path with {id} for the connection id", example: "/webhooks/dbt_cloud/{id}" }),
        secret_field: z.string(),
        url_token: z.boolean().openapi({ description: "The tool cannot sign; append ?token=<secret> to the URL" }),
        proof: z.string(),
        steps: z.array(z.string()),
      })
      .nullable()
      .openapi({ description: "How the tool reports runs back to Tutti; null when it only polls" }),
  })
  .openapi("ConnectionKind");
const KindList = z.array(KindOut).openapi("ConnectionKindList");

let cached: z.input<typeof KindList> | undefined;
/** The registry is fixed at build time, so the JSON Schemas are converted once per isolate. */
function describeKinds(): z.input<typeof KindList> {
  cached ??= allConnectionKinds().map((k) => ({
    kind: k.kind,
    title: k.title,
    config_schema: z.toJSONSchema(k.configSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>,
    secret_fields: [...k.secretFields],
    optional_secret_fields: [...k.optionalSecretFields],
    host_fields: [...k.hostFields.config],
    testable: !!k.connector,
    webhook: k.connector?.webhook
      ? {
          path: `/webhooks/${k.kind}/{id}`,
          secret_field: k.connector.webhook.secretField,
          url_token: k.connector.webhook.setup.urlToken ?? false,
          proof: k.connector.webhook.setup.proof,
          steps: [...k.connector.webhook.setup.steps],
        }
      : null,
  }));
  return cached;
}

export const route = createRoute({
  method: "get",
  path: "/connection-kinds",
  tags: ["connections"],
  summary: "Kinds of connection a team can create, with their config schema and secret fields",
  security: bearerSecurity,
  responses: { 200: jsonResponse(KindList, "Every connection kind"), ...errors(401) },
});

export function register(app: Router) {
  app.openapi(route, (c) => send(c, 200, KindList, describeKinds()));
}
