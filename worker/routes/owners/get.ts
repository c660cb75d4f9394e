import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { ownershipOf } from "./resolve";
import { OwnershipOut, ownedTypes } from "./schemas";

const Params = z.object({
  type: z.enum(ownedTypes),
  id: z.string().min(1).max(200).openapi({ description: "Pipeline id or name, dataset id, or product name" }),
});

export const route = createRoute({
  method: "get",
  path: "/owners/{type}/{id}",
  tags: ["ownership"],
  summary: "Who owns a pipeline, dataset or data product, and who depends on it (teams, pipelines, products and datasets downstream)",
  security: bearerSecurity,
  request: { params: Params },
  responses: { 200: jsonResponse(OwnershipOut, "Owner and dependents"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { type, id } = c.req.valid("param");
    const out = await ownershipOf(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), type, id);
    if (!out) throw notFound(type);
    return send(c, 200, OwnershipOut, out);
  });
}
