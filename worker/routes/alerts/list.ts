import { createRoute, z } from "@hono/zod-openapi";
import { alertKinds, alertSeverities, alertStatuses } from "../../alerting/kinds";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listAlerts } from "../../db/repo/alerting/alerts";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { presentation } from "./load";
import { AlertList, alertOut } from "./schemas";

const Query = z.object({
  status: z
    .string()
    .regex(new RegExp(`^(${alertStatuses.join("|")})(,(${alertStatuses.join("|")}))*$`), `comma-separated: ${alertStatuses.join(", ")}`)
    .optional()
    .openapi({ description: "One or more statuses, comma-separated, e.g. `open,acknowledged`", example: "open,acknowledged" }),
  team_id: z.string().max(64).optional().openapi({ description: "Alerts the team owns or whose impact reaches one of its products" }),
  kind: z.enum(alertKinds).optional(),
  severity: z.enum(alertSeverities).optional(),
  pipeline: z.string().max(64).optional().openapi({ description: "Pipeline name" }),
  product: z.string().max(64).optional().openapi({ description: "Product name: the product's alert history" }),
  assignee_id: z.string().max(64).optional(),
  ...pageQuery,
});
const Cursor = z.object({ at: z.number(), id: z.string() });

export const route = createRoute({
  method: "get",
  path: "/alerts",
  tags: ["alerts"],
  summary: "Alerts of the tenant, most recent activity first, filterable by status, team, kind, severity, pipeline or product",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(AlertList, "Alerts"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const q = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const rows = await listAlerts(ctx, {
      statuses: q.status ? (q.status.split(",") as Array<(typeof alertStatuses)[number]>) : undefined,
      teamId: q.team_id,
      kind: q.kind,
      severity: q.severity,
      pipeline: q.pipeline,
      product: q.product,
      assigneeUserId: q.assignee_id,
      before: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (a) => ({ at: a.lastSeenAt, id: a.id }));
    const view = await presentation(ctx, result.items);
    return send(c, 200, AlertList, { items: result.items.map((a) => alertOut(a, view)), next_cursor: result.next_cursor });
  });
}
