import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../../lib/urls";

export const FivetranConfig = z.strictObject({
  base_url: HttpUrl.default("https://api.fivetran.com").meta({ description: "REST API host (paths start with /v1)" }),
  dashboard_url: HttpUrl.default("https://fivetran.com/dashboard").meta({ description: "Where task rows link to: <dashboard_url>/connections/<id>/status" }),
});
export type FivetranConfig = z.output<typeof FivetranConfig>;

export const FivetranWith = z.strictObject({
  connection_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, "a Fivetran connection id such as decent_dropsy")
    .meta({ description: "Fivetran connection (connector) id, from the connection's Setup tab" }),
  force: z.boolean().default(false).meta({ description: "Stop a running sync and start over; by default a running sync is waited for instead" }),
  resync: z.boolean().default(false).meta({ description: "Historical re-sync instead of an incremental sync" }),
  resync_scope: z
    .record(z.string().min(1), z.array(z.string().min(1)))
    .optional()
    .meta({ description: "Only these schemas → tables are re-synced (with resync: true)" }),
});
export type FivetranWith = z.output<typeof FivetranWith>;
