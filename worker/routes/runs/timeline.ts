import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { runsInWindow } from "../../db/repo/runs/timeline";
import { requireScope } from "../../lib/principal";
import { defaultTimelineWindow, timelineRange, timelineWindows } from "../../pipelines/timeline";
import { bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { runFilterOf, runFilterQuery } from "./filter";
import { RunOut, runOut } from "./schemas";

const RunTimeline = z
  .object({
    window: z.enum(timelineWindows),
    from: timestamp.openapi({ description: "Start of the window" }),
    to: timestamp.openapi({ description: "End of the window: the server's now, where unfinished runs' bars end" }),
    items: z.array(RunOut).openapi({ description: "Runs queued or going at some point of the window, newest first" }),
    truncated: z.boolean().openapi({ description: "More runs than `limit` fell in the window; `items` holds the newest" }),
  })
  .openapi("RunTimeline");

export const route = createRoute({
  method: "get",
  path: "/runs/timeline",
  tags: ["runs"],
  summary: "Every pipeline's runs over a window ending now, for the timeline view",
  security: bearerSecurity,
  request: {
    query: z.object({
      window: z
        .enum(timelineWindows)
        .default(defaultTimelineWindow)
        .openapi({ description: `How far back from now: ${timelineWindows.join(", ")}`, example: defaultTimelineWindow }),
      ...runFilterQuery,
      limit: z.coerce.number().int().min(1).max(1000).default(500).openapi({ description: "Most runs returned (1–1000), newest first" }),
    }),
  },
  responses: { 200: jsonResponse(RunTimeline, "The window's runs"), ...errors(400, 401, 403) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const q = c.req.valid("query");
    const range = timelineRange(q.window, Date.now());
    const filter = await runFilterOf(ctx, q);
    const { items, truncated } = filter ? await runsInWindow(ctx, filter, range, q.limit) : { items: [], truncated: false };
    return send(c, 200, RunTimeline, {
      window: q.window,
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      items: items.map(runOut),
      truncated,
    });
  });
}
