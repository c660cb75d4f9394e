import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { listAudit } from "../../db/repo/platform/audit";
import { actorTypes } from "../../db/schema/enums";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { invalid } from "../../lib/errors";
import { requireAdmin } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";

const Filter = z.string().min(1).max(200);
const Query = z.object({
  action: Filter.optional().openapi({ description: "Exact action, e.g. `connection.rotated`" }),
  actor_id: Filter.optional().openapi({ description: "User or token id" }),
  target_id: Filter.optional(),
  team_id: Filter.optional(),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: "Inclusive lower bound on `at`" }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: "Inclusive upper bound on `at`" }),
  ...pageQuery,
});
const Cursor = z.object({ at: z.number(), id: z.string() });

const AuditEntryOut = z
  .object({
    id: z.string(),
    at: timestamp,
    actor: z.object({ type: z.enum(actorTypes), id: z.string(), label: z.string() }),
    action: z.string().openapi({ example: "connection.rotated" }),
    target: z.object({ type: z.string(), id: z.string() }),
    team_id: z.string().nullable(),
    ip: z.string().nullable(),
    request_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");
const AuditList = z.object({ items: z.array(AuditEntryOut), next_cursor: z.string().nullable() }).openapi("AuditLog");

export const route = createRoute({
  method: "get",
  path: "/audit-log",
  tags: ["audit"],
  summary: "The tenant's audit log, newest first, filterable (tenant owners and admins)",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(AuditList, "Audit entries"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireAdmin(p);
    const q = c.req.valid("query");
    const from = q.from ? Date.parse(q.from) : undefined;
    const to = q.to ? Date.parse(q.to) : undefined;
    if (from !== undefined && to !== undefined && from > to) throw invalid("from", "must not be after `to`");
    const rows = await listAudit(tenantCtx(c.get("db"), p.tenantId, c.get("controlDb")), {
      action: q.action,
      actorId: q.actor_id,
      targetId: q.target_id,
      teamId: q.team_id,
      from,
      to,
      before: decodeCursor(q.cursor, Cursor),
      limit: q.limit,
    });
    const result = page(rows, q.limit, (r) => ({ at: r.at, id: r.id }));
    return send(c, 200, AuditList, {
      items: result.items.map((r) => ({
        id: r.id,
        at: new Date(r.at).toISOString(),
        actor: { type: r.actorType, id: r.actorId, label: r.actorLabel },
        action: r.action,
        target: { type: r.targetType, id: r.targetId },
        team_id: r.teamId,
        ip: r.ip,
        request_id: r.requestId,
        details: r.details,
      })),
      next_cursor: result.next_cursor,
    });
  });
}
