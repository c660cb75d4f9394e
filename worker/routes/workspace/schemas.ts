import { z } from "@hono/zod-openapi";
import type { TenantExport } from "../../db/repo/platform/tenant-jobs";
import { tenantExportStatuses } from "../../db/schema/tenant-exports";
import { isoOrNull, timestamp } from "../shared";

export const ExportOut = z
  .object({
    id: z.string().openapi({ example: "exp_3k9q0x2m4n5b6v7c8z1a" }),
    status: z.enum(tenantExportStatuses),
    steps: z.number().int().openapi({ description: "Bounded steps done so far" }),
    size_bytes: z.number().int().nullable().openapi({ description: "Size of the archive once ready" }),
    error: z.string().nullable(),
    created_at: timestamp,
    finished_at: timestamp.nullable(),
    download_url: z.string().nullable().openapi({
      description: "Where the ready archive is downloaded (with the owner's session); null until ready",
      example: "/api/v1/workspace/exports/exp_…/archive",
    }),
  })
  .openapi("WorkspaceExport");

export const ExportList = z.object({ items: z.array(ExportOut) }).openapi("WorkspaceExportList");

export const exportOut = (e: TenantExport): z.input<typeof ExportOut> => ({
  id: e.id,
  status: e.status,
  steps: e.steps,
  size_bytes: e.sizeBytes,
  error: e.error,
  created_at: new Date(e.createdAt).toISOString(),
  finished_at: isoOrNull(e.finishedAt),
  download_url: e.status === "ready" ? `/api/v1/workspace/exports/${e.id}/archive` : null,
});

export const ExportParams = z.object({ id: z.string().min(1).max(64) });
