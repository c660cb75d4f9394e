import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listExports } from "../../db/repo/platform/tenant-jobs";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { requireOwner } from "./owner";
import { ExportList, exportOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/workspace/exports",
  tags: ["workspace"],
  summary: "The workspace's exports, newest first (owners; the last 20)",
  security: bearerSecurity,
  responses: { 200: jsonResponse(ExportList, "Exports"), ...errors(401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireOwner(p);
    const rows = await listExports(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), 20);
    return send(c, 200, ExportList, { items: rows.map(exportOut) });
  });
}
