import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/platform/audit";
import { backfillSlots, getBackfill } from "../../db/repo/runs/backfills";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { ApiError } from "../../lib/errors";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, IdParam, jsonResponse, send } from "../shared";
import { writableBackfill } from "./act";
import { BackfillDetailOut, backfillDetailOut } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/backfills/{id}/retry",
  tags: ["runs"],
  summary: "A new run for each failed slot (failed or timed out), under the backfill's parallelism; other slots are left alone",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(BackfillDetailOut, "The backfill with its retried slots queued"), ...errors(401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { id } = c.req.valid("param");
    const backfill = await writableBackfill(p, ctx, id);
    if (backfill.state === "cancelled") throw new ApiError("conflict", "backfill is cancelled");
    const failed = (await backfillSlots(ctx, id)).filter((s) => s.status === "failed" || s.status === "timed_out");
    if (!failed.length) throw new ApiError("conflict", `backfill is ${backfill.state} and has no failed slots to retry`);
    const result = unwrap(
      await tenantRuns(c.env, p.tenantId).retryBackfill({
        tenantId: p.tenantId,
        pipelineId: backfill.pipelineId,
        backfillId: id,
        parallelism: backfill.parallelism,
        by: p.actor.label,
        slots: failed.map((s) => ({ logicalAt: s.logicalAt, params: s.params, previousRunId: s.runId })),
      }),
    );
    if (result.runIds.length) {
      await auditInsert(ctx, auditSource(c), {
        action: "backfill.retried",
        targetType: "backfill",
        targetId: id,
        teamId: backfill.teamId,
        details: { runs: result.runIds.length },
      });
    }
    const [after, slots] = await Promise.all([getBackfill(ctx, id), backfillSlots(ctx, id)]);
    return send(c, 200, BackfillDetailOut, backfillDetailOut(after!, slots));
  });
}
