import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadProject } from "./load";
import { DbtProjectOut, dbtProjectOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/dbt/projects/{id}",
  tags: ["dbt"],
  summary: "A dbt project in one environment",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(DbtProjectOut, "The project"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { project, teamName } = await loadProject(c, c.req.valid("param").id);
    return send(c, 200, DbtProjectOut, dbtProjectOut(project, teamName));
  });
}
