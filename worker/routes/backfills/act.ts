import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { backfillSlots, getBackfill, recordBackfillControl, type BackfillSummary } from "../../db/repo/runs/backfills";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import type { BackfillAction } from "../../engine/backfill-control";
import { ApiError, notFound } from "../../lib/errors";
import { requireTeamWrite, type Principal } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, IdParam, jsonResponse, send } from "../shared";
import { BackfillDetailOut, backfillDetailOut } from "./schemas";

const actions: Record<BackfillAction, { summary: string; audit: string }> = {
  pause: { summary: "Pause: queued slots wait (running ones finish); pausing a paused backfill changes nothing", audit: "backfill.paused" },
  resume: { summary: "Resume a paused backfill: its queued slots start again within its parallelism", audit: "backfill.resumed" },
  cancel: { summary: "Cancel: running slot runs are cancelled at their tools and no more slots start", audit: "backfill.cancelled" },
};

function routeFor(action: BackfillAction) {
  return createRoute({
    method: "post",
    path: `/backfills/{id}/${action}`,
    tags: ["runs"],
    summary: actions[action].summary,
    security: bearerSecurity,
    request: { params: IdParam },
    responses: { 200: jsonResponse(BackfillDetailOut, "The backfill after the change"), ...errors(401, 403, 404, 409) },
  });
}

export const pauseRoute = routeFor("pause");
export const resumeRoute = routeFor("resume");
export const cancelRoute = routeFor("cancel");

/** The backfill, if the principal may change it: another tenant's is not found, another team's forbidden. */
export async function writableBackfill(p: Principal, ctx: ReturnType<typeof tenantCtx>, id: string): Promise<BackfillSummary> {
  const backfill = await getBackfill(ctx, id);
  if (!backfill) throw notFound("backfill");
  requireTeamWrite(p, backfill.teamId, "runs:write");
  return backfill;
}

export function register(app: Router) {
  for (const [action, route] of [
    ["pause", pauseRoute],
    ["resume", resumeRoute],
    ["cancel", cancelRoute],
  ] as const) {
    app.openapi(route, async (c) => {
      const p = c.get("principal");
      const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
      const { id } = c.req.valid("param");
      const backfill = await writableBackfill(p, ctx, id);
      if (backfill.state === "succeeded" || backfill.state === "failed") {
        throw new ApiError("conflict", `backfill is ${backfill.state}: every slot has ended, there is nothing to ${action}`);
      }
      const result = unwrap(
        await tenantRuns(c.env, p.tenantId).controlBackfill({
          tenantId: p.tenantId,
          pipelineId: backfill.pipelineId,
          backfillId: id,
          action,
          by: p.actor.label,
        }),
      );
      // Written even when nothing changed: it repairs D1 after an earlier write that failed once the engine had changed.
      await recordBackfillControl(ctx, auditSource(c), {
        id,
        control: result.control,
        seq: result.seq,
        teamId: backfill.teamId,
        audit: result.changed ? { action: actions[action].audit, details: action === "cancel" ? { cancelled_runs: result.cancelledRuns } : {} } : null,
      });
      const [after, slots] = await Promise.all([getBackfill(ctx, id), backfillSlots(ctx, id)]);
      return send(c, 200, BackfillDetailOut, backfillDetailOut(after!, slots));
    });
  }
}
