import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

export const LookerConfig = z.strictObject({
  base_url: HttpUrl.meta({ description: "The Looker instance's API origin, e.g. https://acme.cloud.looker.com (API 4.0 is called under /api/4.0)" }),
});
export type LookerConfig = z.output<typeof LookerConfig>;

/** The `looker` connection kind: an API key pair (client id + secret) that may read System Activity; no tasks run through it. */
export const lookerConnectionKind = {
  kind: "looker",
  title: "Looker (System Activity usage)",
  configSchema: LookerConfig,
  secretFields: ["client_id", "client_secret"],
  optionalSecretFields: [],
  hostFields: { config: ["base_url"], secrets: [] },
  inboundSecretFields: [],
} as const;
