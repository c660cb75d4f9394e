import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { dbtArtifactKinds } from "../../db/schema/enums";
import { openStoredArtifact } from "../../ingest/stored-artifact";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors } from "../shared";
import { loadUpload } from "./load";

const Params = z.object({ id: z.string().min(1).max(64), kind: z.enum(dbtArtifactKinds) });

export const route = createRoute({
  method: "get",
  path: "/dbt/uploads/{id}/artifacts/{kind}",
  tags: ["dbt"],
  summary: "Download an uploaded manifest.json or run_results.json, byte for byte (for `dbt --state` / Slim CI)",
  security: bearerSecurity,
  request: { params: Params },
  responses: {
    200: { description: "The artifact as uploaded", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
    ...errors(400, 401, 403, 404),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { id, kind } = c.req.valid("param");
    const { ctx, upload } = await loadUpload(c, id);
    if (!(kind === "manifest" ? upload.manifestSha256 : upload.runResultsSha256)) throw notFound(`${kind} in this upload`);
    const body = await openStoredArtifact(ctx, c.env.BLOBS, upload, kind);
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/json",
        "content-disposition": `attachment; filename="${kind}.json"`,
        "x-content-sha256": (kind === "manifest" ? upload.manifestSha256 : upload.runResultsSha256)!,
      },
    }) as never;
  });
}
