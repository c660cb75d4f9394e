import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { auditInsert } from "../../db/repo/platform/audit";
import { getRun, getRunDetail } from "../../db/repo/runs/runs";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { notFound } from "../../lib/errors";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { RunDetailOut, runDetailOut } from "./schemas";

const actions = {
  cancel: "Cancel the run; active tasks are cancelled at their tools",
  retry: "Retry from failure: re-runs only failed, skipped and cancelled tasks; succeeded ones are kept",
} as const;

function routeFor(action: keyof typeof actions) {
  return createRoute({
    method: "post",
    path: `/runs/{id}/${action}`,
    tags: ["runs"],
    summary: actions[action],
    security: bearerSecurity,
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: { 200: jsonResponse(RunDetailOut, "The run after the change"), ...errors(401, 403, 404, 409) },
  });
}

export const cancelRoute = routeFor("cancel");
export const retryRoute = routeFor("retry");

export function register(app: Router) {
  for (const [action, route] of [
    ["cancel", cancelRoute],
    ["retry", retryRoute],
  ] as const) {
    app.openapi(route, async (c) => {
      const p = c.get("principal");
      const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
      const { id } = c.req.valid("param");
      const run = await getRun(ctx, id);
      if (!run) throw notFound("run");
      requireTeamWrite(p, run.teamId, "runs:write");
      const stub = tenantRuns(c.env, p.tenantId);
      unwrap(action === "cancel" ? await stub.cancelRun(p.tenantId, id, `cancelled by ${p.actor.label}`) : await stub.retryRun(p.tenantId, id));
      await auditInsert(ctx, auditSource(c), {
        action: `run.${action === "cancel" ? "cancelled" : "retried"}`,
        targetType: "run",
        targetId: id,
        teamId: run.teamId,
      });
      const detail = await getRunDetail(ctx, id);
      return send(c, 200, RunDetailOut, runDetailOut(detail!));
    });
  }
}
