import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listPools } from "../../db/repo/pipelines/pools";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { poolUsage } from "./engine";
import { PoolList, poolOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/pools",
  tags: ["pools"],
  summary: "The tenant's pools, each with its slots in use and the task attempts waiting for one",
  security: bearerSecurity,
  responses: { 200: jsonResponse(PoolList, "Pools, by name"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const [pools, usage] = await Promise.all([listPools(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"))), poolUsage(c)]);
    return send(c, 200, PoolList, { items: pools.map((pool) => poolOut(pool, usage)) });
  });
}
