import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getPool, updatePool } from "../../db/repo/pipelines/pools";
import { notFound } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { refreshEngine } from "./engine";
import { PoolOut, PoolParams, UpdatePoolBody, poolOut } from "./schemas";

export const route = createRoute({
  method: "patch",
  path: "/pools/{name}",
  tags: ["pools"],
  summary: "Resize a pool (or change its description)",
  description:
    "A larger pool starts waiting tasks at once, oldest first. A pool shrunk below its use lets running tasks finish and starts none until it is under the new size.",
  security: bearerSecurity,
  request: { params: PoolParams, ...jsonBody(UpdatePoolBody) },
  responses: { 200: jsonResponse(PoolOut, "Updated"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId);
    // Looked up first: a pool of another tenant is not found, whoever asks.
    const pool = await getPool(ctx, c.req.valid("param").name);
    if (!pool) throw notFound("pool");
    requireAdmin(p);
    const updated = await updatePool(ctx, auditSource(c), pool, c.req.valid("json"));
    return send(c, 200, PoolOut, poolOut(updated, await refreshEngine(c)));
  });
}
