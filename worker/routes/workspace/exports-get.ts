import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getExport } from "../../db/repo/platform/tenant-jobs";
import { notFound } from "../../lib/errors";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { requireOwner } from "./owner";
import { ExportOut, ExportParams, exportOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/workspace/exports/{id}",
  tags: ["workspace"],
  summary: "An export's status (owners)",
  security: bearerSecurity,
  request: { params: ExportParams },
  responses: { 200: jsonResponse(ExportOut, "The export"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const row = await getExport(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), c.req.valid("param").id);
    // Another tenant's id is not found before anyone's rights are weighed.
    if (!row) throw notFound("export");
    requireOwner(p);
    return send(c, 200, ExportOut, exportOut(row));
  });
}
