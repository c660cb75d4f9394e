import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

export const AirbyteConfig = z.strictObject({
  base_url: HttpUrl.default("https://api.airbyte.com/v1").meta({
    description: "Public API root: https://api.airbyte.com/v1 for Airbyte Cloud, http(s)://<host>/api/public/v1 for self-managed",
  }),
  web_url: HttpUrl.optional().meta({
    description: "Workspace page, e.g. https://cloud.airbyte.com/workspaces/<id>; task rows then link to the connection's job history",
  }),
});
export type AirbyteConfig = z.output<typeof AirbyteConfig>;

export const airbyteJobTypes = ["sync", "reset", "refresh", "clear"] as const;

export const AirbyteWith = z.strictObject({
  connection_id: z.uuid({ message: "an Airbyte connection id (UUID)" }).meta({ description: "Connection to run, from its URL in Airbyte" }),
  job_type: z.enum(airbyteJobTypes).default("sync"),
});
export type AirbyteWith = z.output<typeof AirbyteWith>;
