import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getVersionByNumber } from "../../db/repo/pipelines/versions";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { diffSpecs } from "../../pipelines/diff";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadPipeline } from "./load";
import { VersionDiffOut, VersionParam } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}/versions/{n}/diff",
  tags: ["pipelines"],
  summary: "What changed from version `against` (default: the previous one) to version n",
  security: bearerSecurity,
  request: {
    params: VersionParam,
    query: z.object({ against: z.coerce.number().int().min(1).optional().openapi({ description: "Version to compare with; default n − 1" }) }),
  },
  responses: { 200: jsonResponse(VersionDiffOut, "The diff"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { name, n } = c.req.valid("param");
    const { ctx, pipeline } = await loadPipeline(c, name);
    const against = c.req.valid("query").against ?? (n > 1 ? n - 1 : null);
    const [to, from] = await Promise.all([getVersionByNumber(ctx, pipeline.id, n), against === null ? null : getVersionByNumber(ctx, pipeline.id, against)]);
    if (!to || (against !== null && !from)) throw notFound("pipeline version");
    return send(c, 200, VersionDiffOut, { from: against, to: n, diff: diffSpecs(from?.spec ?? null, to.spec) });
  });
}
