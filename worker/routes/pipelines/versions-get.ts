import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { getVersionByNumber } from "../../db/repo/pipelines/versions";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadPipeline } from "./load";
import { VersionOut, VersionParam, versionOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}/versions/{n}",
  tags: ["pipelines"],
  summary: "Get one version: the normalized spec and the text as pushed",
  security: bearerSecurity,
  request: { params: VersionParam },
  responses: { 200: jsonResponse(VersionOut, "The version"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { name, n } = c.req.valid("param");
    const { ctx, pipeline } = await loadPipeline(c, name);
    const version = await getVersionByNumber(ctx, pipeline.id, n);
    if (!version) throw notFound("pipeline version");
    return send(c, 200, VersionOut, versionOut(version));
  });
}
