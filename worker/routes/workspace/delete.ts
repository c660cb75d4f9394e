import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { failRunningExports, startDeletion } from "../../db/repo/platform/tenant-jobs";
import { invalid } from "../../lib/errors";
import { clientIp } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send, timestamp } from "../shared";
import { requireOwner } from "./owner";

const DeleteBody = z
  .strictObject({
    confirm: z.string().max(200).openapi({ description: "The workspace's slug, typed by the owner to confirm", example: "acme" }),
  })
  .openapi("DeleteWorkspaceRequest");

const DeletionOut = z
  .object({
    status: z.enum(["running", "done"]),
    requested_at: timestamp,
  })
  .openapi("WorkspaceDeletion");

export const route = createRoute({
  method: "post",
  path: "/workspace/deletion",
  tags: ["workspace"],
  summary: "Delete the workspace and everything in it (owners; cannot be undone)",
  description:
    "From this request on the workspace is locked: every credential of it answers 404. Its data, stored files and run engine state are " +
    "then removed in the background; a record of the deletion (who, when, what was removed) is kept outside the workspace. " +
    "Users who belong to no other workspace are deleted too. Asking again changes nothing.",
  security: bearerSecurity,
  request: { ...jsonBody(DeleteBody) },
  responses: { 202: jsonResponse(DeletionOut, "The deletion has started"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireOwner(p);
    if (c.req.valid("json").confirm !== p.tenantSlug) throw invalid("confirm", `type the workspace's slug "${p.tenantSlug}" to confirm`);
    const control = c.get("controlDb");
    const now = c.get("clock").now();
    // The deletion's record, which is the lock, is on the control database; the exports it fails on the tenant's shard.
    const { deletion } = await startDeletion(control, {
      tenantId: p.tenantId,
      tenantSlug: p.tenantSlug,
      requestedById: p.userId,
      requestedByLabel: p.actor.label,
      ip: clientIp(c),
      requestId: c.get("requestId"),
      now,
    });
    await failRunningExports(tenantCtx(c.get("db"), p.tenantId, control), now);
    await c.env.TENANT_DATA.send({ kind: "delete", tenantId: p.tenantId });
    return send(c, 202, DeletionOut, { status: deletion.status, requested_at: new Date(deletion.requestedAt).toISOString() });
  });
}
