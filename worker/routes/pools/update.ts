import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { updatePool } from "../../db/repo/pipelines/pools";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { refreshEngine } from "./engine";
import { loadPoolToChange } from "./load";
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
    const { ctx, pool } = await loadPoolToChange(c, c.req.valid("param").name);
    const updated = await updatePool(ctx, auditSource(c), pool, c.req.valid("json"));
    return send(c, 200, PoolOut, poolOut(updated, await refreshEngine(c)));
  });
}
