import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { recordBackfill } from "../../db/repo/runs/backfills";
import { getPipelineByName } from "../../db/repo/pipelines/pipelines";
import { tenantRuns } from "../../durable/client";
import { unwrap } from "../../durable/result";
import { invalid, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { requireTeamWrite } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";

const MAX_RANGE_MS = 366 * 86_400_000;

const BackfillBody = z
  .strictObject({
    from: z.iso.datetime({ offset: true }).openapi({ description: "First slot considered (inclusive)" }),
    to: z.iso.datetime({ offset: true }).openapi({ description: "Last slot considered (inclusive)" }),
    parallelism: z.number().int().min(1).max(50).default(2),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .openapi("BackfillRequest");

const BackfillOut = z
  .object({ id: z.string(), pipeline: z.string(), slots: z.array(z.string()), run_ids: z.array(z.string()), parallelism: z.number().int() })
  .openapi("Backfill");

export const route = createRoute({
  method: "post",
  path: "/pipelines/{name}/backfills",
  tags: ["runs"],
  summary: "One run per cron slot in [from, to], at most `parallelism` at a time (up to 1000 slots)",
  security: bearerSecurity,
  request: { params: z.object({ name: z.string().min(1).max(64) }), ...jsonBody(BackfillBody) },
  responses: { 201: jsonResponse(BackfillOut, "Backfill created; its runs are queued"), ...errors(400, 401, 403, 404, 409) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const pipeline = await getPipelineByName(ctx, c.req.valid("param").name);
    if (!pipeline || pipeline.archivedAt) throw notFound("pipeline");
    requireTeamWrite(p, pipeline.teamId, "runs:write");
    const body = c.req.valid("json");
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    if (to < from) throw invalid("to", "must not be before from");
    if (to - from > MAX_RANGE_MS) throw invalid("to", "a backfill covers at most 366 days");
    const id = newId("backfill");
    const result = unwrap(
      await tenantRuns(c.env, p.tenantId).createBackfill({
        tenantId: p.tenantId,
        pipelineId: pipeline.id,
        backfillId: id,
        from,
        to,
        parallelism: body.parallelism,
        by: p.actor.label,
        params: body.params,
      }),
    );
    const now = c.get("clock").now();
    await recordBackfill(
      ctx,
      auditSource(c),
      {
        id,
        pipelineId: pipeline.id,
        fromAt: from,
        toAt: to,
        parallelism: body.parallelism,
        slots: result.slots.length,
        createdBy: p.actor.id,
        createdAt: now,
      },
      pipeline.teamId,
    );
    return send(c, 201, BackfillOut, {
      id,
      pipeline: pipeline.name,
      slots: result.slots.map((s) => new Date(s).toISOString()),
      run_ids: result.runIds,
      parallelism: body.parallelism,
    });
  });
}
