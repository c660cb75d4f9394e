import { createRoute } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send } from "../shared";
import { loadUpload } from "./load";
import { DbtUploadOut, dbtUploadOut } from "./schemas";

export const route = createRoute({
  method: "get",
  path: "/dbt/uploads/{id}",
  tags: ["dbt"],
  summary: "One artifact upload: versions, invocation ids, sizes, hashes and result counts",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(DbtUploadOut, "The upload"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { upload } = await loadUpload(c, c.req.valid("param").id);
    return send(c, 200, DbtUploadOut, dbtUploadOut(upload));
  });
}
