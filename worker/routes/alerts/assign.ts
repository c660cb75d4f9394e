import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getAlert, impactsOf, tenantUsersByIds } from "../../db/repo/alerting/alerts";
import { setAssignee } from "../../db/repo/alerting/alert-writes";
import { invalid } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { alertDetail } from "./detail";
import { actorOf, loadAlert, requireAlertWrite } from "./load";
import { AlertDetailOut } from "./schemas";

const AssignBody = z
  .strictObject({ user_id: z.string().min(1).max(64).nullable().openapi({ description: "A member of the tenant; null unassigns" }) })
  .openapi("AssignAlertRequest");

export const route = createRoute({
  method: "post",
  path: "/alerts/{id}/assign",
  tags: ["alerts"],
  summary: "Assign an alert to a member of the tenant (or unassign it)",
  security: bearerSecurity,
  request: { params: IdParam, ...jsonBody(AssignBody) },
  responses: { 200: jsonResponse(AlertDetailOut, "The alert"), ...errors(400, 401, 403, 404, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, alert } = await loadAlert(c, c.req.valid("param").id);
    requireAlertWrite(p, alert, await impactsOf(ctx, [alert.id]));
    const { user_id } = c.req.valid("json");
    let assignee: { id: string; name: string } | null = null;
    if (user_id !== null) {
      const [user] = await tenantUsersByIds(ctx, [user_id]);
      if (!user) throw invalid("user_id", "not a member of this tenant");
      assignee = { id: user.id, name: user.name || user.email };
    }
    await setAssignee(ctx, auditSource(c), actorOf(p), alert, assignee);
    return send(c, 200, AlertDetailOut, await alertDetail(ctx, (await getAlert(ctx, alert.id))!));
  });
}
