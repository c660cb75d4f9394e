import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { backfillSlots, getBackfill } from "../../db/repo/runs/backfills";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, IdParam, jsonResponse, send } from "../shared";
import { BackfillDetailOut, backfillDetailOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/backfills/{id}",
  tags: ["runs"],
  summary: "A backfill: its state, slot counts, and each slot's latest run",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(BackfillDetailOut, "The backfill"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { id } = c.req.valid("param");
    const [backfill, slots] = await Promise.all([getBackfill(ctx, id), backfillSlots(ctx, id)]);
    if (!backfill) throw notFound("backfill");
    return send(c, 200, BackfillDetailOut, backfillDetailOut(backfill, slots));
  });
}
