import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { deletePool, pipelinesUsingPool } from "../../db/repo/pipelines/pools";
import { conflict } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors } from "../shared";
import { poolUsage, refreshEngine } from "./engine";
import { loadPoolToChange } from "./load";
import { PoolParams } from "./schemas";

export const route = createRoute({
  method: "delete",
  path: "/pools/{name}",
  tags: ["pools"],
  summary: "Delete a pool that no pipeline uses and no task holds or waits for",
  description:
    "Refused (409) while a pipeline's production version, or the version one of its environments runs, has a task in the pool, and while tasks hold or wait for its slots: push the pipelines without it first.",
  security: bearerSecurity,
  request: { params: PoolParams },
  responses: { 204: { description: "Deleted" }, ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, pool } = await loadPoolToChange(c, c.req.valid("param").name);
    const users = await pipelinesUsingPool(ctx, pool.name);
    if (users.length) throw conflict(`pool "${pool.name}" is used by pipeline${users.length > 1 ? "s" : ""} ${users.join(", ")}`);
    const use = (await poolUsage(c)).find((u) => u.name === pool.name);
    if (use && (use.inUse > 0 || use.waiting > 0))
      throw conflict(`pool "${pool.name}" has ${use.inUse} slot${use.inUse === 1 ? "" : "s"} in use and ${use.waiting} waiting; try again once they are done`);
    await deletePool(ctx, auditSource(c), pool);
    await refreshEngine(c);
    return c.body(null, 204);
  });
}
