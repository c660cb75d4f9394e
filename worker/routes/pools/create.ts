import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { createPool } from "../../db/repo/pipelines/pools";
import { isUniqueViolation } from "../../db/unique";
import { conflict } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { refreshEngine } from "./engine";
import { CreatePoolBody, PoolOut, poolOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/pools",
  tags: ["pools"],
  summary: "Create a pool: at most `slots` task slots held at once across every run and pipeline of the tenant",
  description: "Pools are the tenant's, shared by every team: tenant owners and admins manage them (signed in, not with a token).",
  security: bearerSecurity,
  request: jsonBody(CreatePoolBody),
  responses: { 201: jsonResponse(PoolOut, "Created"), ...errors(400, 401, 403, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const body = c.req.valid("json");
    const pool = await createPool(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), auditSource(c), {
      name: body.name,
      slots: body.slots,
      description: body.description ?? "",
    }).catch((err) => {
      if (isUniqueViolation(err)) throw conflict(`a pool named "${body.name}" exists`, [{ path: "name", message: "is taken" }]);
      throw err;
    });
    return send(c, 201, PoolOut, poolOut(pool, await refreshEngine(c)));
  });
}
