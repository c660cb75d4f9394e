import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { ingestCosts } from "../../db/repo/costs/ledger-ingest";
import { getCostSettings } from "../../db/repo/costs/settings";
import { canActForTeam, requireScope, teamsActedFor } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonBody, jsonResponse, send } from "../shared";
import { afterSpendChanged } from "./after-write";
import { draftsOf } from "./input";
import { IngestCostsBody, IngestCostsOut, MAX_COST_BATCH } from "./schemas";

export const route = createRoute({
  method: "post",
  path: "/costs",
  tags: ["costs"],
  summary: `Record up to ${MAX_COST_BATCH} cost records (cloud bills, tools, warehouses); each is attributed to products`,
  description:
    "Needs `metadata:write`. A record is identified by `source` + `external_ref`: posting the same batch again counts once, and a record posted again with other figures replaces the earlier one — unless it is recorded for another team: then it stays and is reported `refused` with a `reason`. Attribution follows the run → pipeline → datasets → products chain unless `attribution.products` splits it explicitly; naming another team's team, pipeline, run, product or dataset in `attribution` is refused with 403 (only that team or a tenant admin may). Budgets are evaluated before the response.",
  security: bearerSecurity,
  request: jsonBody(IngestCostsBody),
  responses: { 200: jsonResponse(IngestCostsOut, "What was stored"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "metadata:write");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const now = c.get("clock").now();
    const settings = await getCostSettings(ctx);
    const mayWriteFor = (teamId: string) => canActForTeam(p, teamId);
    const drafts = await draftsOf(ctx, c.req.valid("json").records, settings.currency, now, mayWriteFor);
    // A token belongs to one team: what nothing else attributes is that team's spend.
    const defaultTeam = p.actor.type === "token" ? (Object.keys(p.teams)[0] ?? null) : null;
    const result = await ingestCosts(ctx, auditSource(c), drafts, defaultTeam, now, teamsActedFor(p));
    await afterSpendChanged(c, ctx, result.days);
    return send(c, 200, IngestCostsOut, {
      inserted: result.inserted,
      updated: result.updated,
      unchanged: result.unchanged,
      refused: result.refused,
      records: result.results.map((r) => ({
        source: r.source,
        external_ref: r.externalRef,
        status: r.status,
        attributed_by: r.attributedBy as "explicit" | "datasets" | "pipeline" | "none" | null,
        ...(r.reason ? { reason: r.reason } : {}),
      })),
    });
  });
}
