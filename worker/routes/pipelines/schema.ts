import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { shippedSpecJsonSchema } from "../../pipelines/registry-deps";
import { jsonResponse } from "../shared";

export const route = createRoute({
  method: "get",
  path: "/pipelines/schema.json",
  tags: ["pipelines"],
  summary: "JSON Schema of the pipeline spec for editors (public: it holds no tenant data)",
  responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), "JSON Schema, draft 2020-12") },
});

export function register(app: Router) {
  app.openapi(route, (c) => {
    c.header("cache-control", "public, max-age=300");
    return c.json(shippedSpecJsonSchema(), 200);
  });
}
