import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { alertDetail } from "./detail";
import { loadAlert } from "./load";
import { AlertDetailOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/alerts/{id}",
  tags: ["alerts"],
  summary: "An alert with its impact, timeline and deliveries",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(AlertDetailOut, "The alert"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, alert } = await loadAlert(c, c.req.valid("param").id);
    return send(c, 200, AlertDetailOut, await alertDetail(ctx, alert));
  });
}
