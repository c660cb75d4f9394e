import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deleteConnection } from "../../db/repo/connections/connections";
import { requireTeamSecretsWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { IdParam, bearerSecurity, errors } from "../shared";
import { loadConnection } from "./load";

export const route = createRoute({
  method: "delete",
  path: "/connections/{id}",
  tags: ["connections"],
  summary: "Delete a connection and its encrypted secrets",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, p, connection } = await loadConnection(c, c.req.valid("param").id);
    requireTeamSecretsWrite(p, connection.teamId);
    await deleteConnection(ctx, auditSource(c), connection);
    return c.body(null, 204);
  });
}
