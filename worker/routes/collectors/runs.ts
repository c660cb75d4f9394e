import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listCollectorRuns } from "../../db/repo/costs/collectors";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadCollectorConnection } from "./load";
import { CollectorRunOut, runOut } from "./schemas";

const Params = z.object({ connection_id: z.string().min(1).max(64) });
const Query = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) });
const Out = z.object({ items: z.array(CollectorRunOut) }).openapi("CollectorRunList");

export const route = createRoute({
  method: "get",
  path: "/collectors/{connection_id}/runs",
  tags: ["costs"],
  summary: "A connection's collector passes, newest first: windows read, rows, records written, errors (tenant admins)",
  security: bearerSecurity,
  request: { params: Params, query: Query },
  responses: { 200: jsonResponse(Out, "Passes"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const { ctx, connection } = await loadCollectorConnection(c, c.req.valid("param").connection_id);
    const runs = await listCollectorRuns(ctx, connection.id, c.req.valid("query").limit);
    return send(c, 200, Out, { items: runs.map(runOut) });
  });
}
