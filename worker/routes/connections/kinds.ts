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
