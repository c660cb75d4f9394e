import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadConnection } from "./load";
import { ConnectionOut, connectionOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/connections/{id}",
  tags: ["connections"],
  summary: "Get a connection (never its secret values)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(ConnectionOut, "The connection"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { connection, kind } = await loadConnection(c, c.req.valid("param").id);
    return send(c, 200, ConnectionOut, connectionOut(connection, kind));
  });
}
