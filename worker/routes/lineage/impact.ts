import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { impactOf, type ImpactEntry } from "../../db/repo/lineage/graph";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { notFound } from "../../lib/errors";
import { NodeId } from "./node-param";
import { teamRef } from "./out";
import { ImpactOut } from "./schemas";

const Query = z.object({ node: NodeId });

export const route = createRoute({
  method: "get",
  path: "/lineage/impact",
  tags: ["lineage"],
  summary: "Impact of a dataset or job: everything downstream (any distance) and the teams that own it",
  security: bearerSecurity,
  request: { query: Query },
  responses: { 200: jsonResponse(ImpactOut, "Downstream datasets, jobs and owner teams"), ...errors(400, 401, 403, 404) },
});

const entryOut = (e: ImpactEntry) => ({ id: e.id, namespace: e.namespace, name: e.name, kind: e.kind, owner_team: teamRef(e.ownerTeamId, e.ownerTeamName) });

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const { node } = c.req.valid("query");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    // One statement answers both whether the node exists and what is downstream of it.
    const impact = await impactOf(ctx, node);
    if (!impact) throw notFound("lineage node");
    return send(c, 200, ImpactOut, { node, datasets: impact.datasets.map(entryOut), jobs: impact.jobs.map(entryOut), teams: impact.teams });
  });
}
