import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/platform/audit";
import { getExport } from "../../db/repo/platform/tenant-jobs";
import { conflict, notFound } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors } from "../shared";
import { requireOwner } from "./owner";
import { ExportParams } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/workspace/exports/{id}/archive",
  tags: ["workspace"],
  summary: "Download a ready export (owners): a tar archive streamed from storage",
  security: bearerSecurity,
  request: { params: ExportParams },
  responses: {
    200: {
      description: "The archive (POSIX tar), described in docs/operations.md",
      content: { "application/x-tar": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errors(400, 401, 403, 404, 409),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const row = await getExport(ctx, c.req.valid("param").id);
    // Another tenant's id is not found before anyone's rights are weighed.
    if (!row) throw notFound("export");
    requireOwner(p);
    if (row.status !== "ready") throw conflict(`the export is ${row.status}, not ready`);
    // The key comes from the tenant's own row, which only ever names an object under the tenant's prefix.
    const object = await c.env.BLOBS.get(row.archiveKey);
    if (!object) throw notFound("export archive");
    await auditInsert(ctx, auditSource(c), { action: "workspace.export_downloaded", targetType: "export", targetId: row.id });
    const day = new Date(row.createdAt).toISOString().slice(0, 10);
    return c.body(object.body, 200, {
      "content-type": "application/x-tar",
      "content-length": String(object.size),
      "content-disposition": `attachment; filename="tutti-${p.tenantSlug}-${day}-${row.id}.tar"`,
      "cache-control": "no-store",
    });
  });
}
