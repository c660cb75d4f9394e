import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listDeliveries } from "../../db/repo/platform/webhook-deliveries";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope, visibleTeamIds } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { WebhookDeliveryList, deliveryOut } from "./schemas";

const Query = z.object({
  connector: z.string().max(64).optional().openapi({ description: "Only this connector kind, e.g. dbt_cloud" }),
  connection_id: z.string().max(64).optional(),
  matched: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional()
    .openapi({ description: "`false`: events that matched no task run when they arrived" }),
  ...pageQuery,
});
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/webhook-deliveries",
  tags: ["webhooks"],
  summary: "Verified webhook deliveries from tools, newest first (including events that matched no run)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(WebhookDeliveryList, "Deliveries of the connections the caller may see"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const cursor = decodeCursor(q.cursor, Cursor);
    const rows = await listDeliveries(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      teamIds: visibleTeamIds(p),
      connector: q.connector,
      connectionId: q.connection_id,
      matched: q.matched,
      before: cursor ? { receivedAt: cursor.at, id: cursor.id } : undefined,
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.receivedAt, id: r.id }));
    return send(c, 200, WebhookDeliveryList, { items: result.items.map(deliveryOut), next_cursor: result.next_cursor });
  });
}
