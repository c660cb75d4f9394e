import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { listVersions } from "../../db/repo/pipelines/versions";
import { decodeCursor, page, pageQuery } from "../../lib/cursor";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadPipeline } from "./load";
import { NameParam, VersionList, versionSummaryOut } from "./schemas";

const Cursor = z.object({ v: z.number().int() });

export const route = createRoute({
  method: "get",
  path: "/pipelines/{name}/versions",
  tags: ["pipelines"],
  summary: "List a pipeline's versions, newest first",
  security: bearerSecurity,
  request: { params: NameParam, query: z.object(pageQuery) },
  responses: { 200: jsonResponse(VersionList, "Versions without their specs"), ...errors(400, 401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, pipeline } = await loadPipeline(c, c.req.valid("param").name);
    const q = c.req.valid("query");
    const rows = await listVersions(ctx, pipeline.id, { before: decodeCursor(q.cursor, Cursor)?.v, limit: q.limit });
    const result = page(rows, q.limit, (r) => ({ v: r.version }));
    return send(c, 200, VersionList, { items: result.items.map(versionSummaryOut), next_cursor: result.next_cursor });
  });
}
