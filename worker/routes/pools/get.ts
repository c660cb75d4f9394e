import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPool } from "../../db/repo/pipelines/pools";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { poolLine } from "./engine";
import { PoolDetailOut, PoolParams, poolDetailOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/pools/{name}",
  tags: ["pools"],
  summary: "One pool: its size, slots in use, and the task attempts holding slots or waiting for one, in the order they will start",
  description: "Readable by whoever may list the pools (every credential of the tenant with the `read` scope).",
  security: bearerSecurity,
  request: { params: PoolParams },
  responses: { 200: jsonResponse(PoolDetailOut, "The pool"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { name } = c.req.valid("param");
    const pool = await getPool(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), name);
    if (!pool) throw notFound("pool");
    return send(c, 200, PoolDetailOut, poolDetailOut(pool, await poolLine(c, pool.name)));
  });
}
