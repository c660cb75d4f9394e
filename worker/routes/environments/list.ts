import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listEnvironments } from "../../db/repo/connections/environments";
import { PROD } from "../../environments/names";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadTeam } from "../teams/load";
import { EnvironmentList, environmentOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/teams/{id}/environments",
  tags: ["environments"],
  summary: "A team's environments and their connection bindings (`prod` is always listed)",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(EnvironmentList, "The environments, by name"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, team } = await loadTeam(c, c.req.valid("param").id);
    const rows = await listEnvironments(ctx, team.id);
    const items = rows.map(environmentOut);
    if (!rows.some((r) => r.name === PROD)) {
      items.push({ team_id: team.id, name: PROD, description: "", bindings: {}, production: true, declared: false, created_at: null, updated_at: null });
      items.sort((a, b) => a.name.localeCompare(b.name));
    }
    return send(c, 200, EnvironmentList, { items });
  });
}
