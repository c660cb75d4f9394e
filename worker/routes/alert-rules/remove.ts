import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deleteRule } from "../../db/repo/alerting/rules";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors } from "../shared";
import { loadRule } from "./load";

export const route = createRoute({
  method: "delete",
  path: "/alert-rules/{id}",
  tags: ["alerting"],
  summary: "Delete a rule",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { p, ctx, rule } = await loadRule(c, c.req.valid("param").id);
    requireTeamWrite(p, rule.teamId, "metadata:write");
    await deleteRule(ctx, auditSource(c), rule);
    return c.body(null, 204);
  });
}
