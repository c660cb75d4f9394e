import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/platform/audit";
import { createExport, getExport } from "../../db/repo/platform/tenant-jobs";
import { conflict } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { auditSource } from "../../lib/request";
import { exportKey } from "../../tenant-data/export";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { requireOwner } from "./owner";
import { ExportOut, exportOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/workspace/exports",
  tags: ["workspace"],
  summary: "Start an export of everything in the workspace (owners): a tar archive built in the background",
  description: "Poll `GET /workspace/exports/{id}` until `status` is `ready`, then download `download_url`. The format is in docs/operations.md.",
  security: bearerSecurity,
  responses: { 202: jsonResponse(ExportOut, "The export, running"), ...errors(401, 403, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireOwner(p);
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const id = newId("tenantExport");
    const now = c.get("clock").now();
    if (!(await createExport(ctx, { id, requestedBy: p.userId, archiveKey: exportKey(p.tenantId, id), now }))) {
      throw conflict("an export of this workspace is already running; wait for it to finish");
    }
    await c.env.TENANT_DATA.send({ kind: "export", tenantId: p.tenantId, exportId: id });
    await auditInsert(ctx, auditSource(c), { action: "workspace.export_started", targetType: "export", targetId: id });
    const created = await getExport(ctx, id);
    if (!created) throw new Error("export row vanished after insert");
    return send(c, 202, ExportOut, exportOut(created));
  });
}
