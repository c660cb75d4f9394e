import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { findDbtProject, getDbtUpload } from "../../db/repo/lineage/dbt";
import { openStoredArtifact } from "../../ingest/stored-artifact";
import { notFound } from "../../lib/errors";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors } from "../shared";

const Params = z.object({ project: z.string().min(1).max(200).openapi({ example: "jaffle_shop" }) });
const Query = z.object({
  env: z.string().min(1).max(64).default("prod").openapi({ description: "The environment whose latest manifest to serve (default prod)" }),
});

/** True when If-None-Match names `etag` (weak comparison, as RFC 9110 asks for this header) or is `*`. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, "");
  return header.split(",").some((t) => t.trim() === "*" || bare(t) === bare(etag));
}

export const route = createRoute({
  method: "get",
  path: "/dbt/projects/{project}/manifest",
  tags: ["dbt"],
  summary: "The latest manifest.json of a dbt project in an environment, byte for byte: the state for `dbt build --select state:modified+ --defer --state`",
  description:
    "The strong ETag is the manifest's SHA-256; send it back in If-None-Match and an unchanged manifest answers 304 with no body, so CI jobs can cache the state.",
  security: bearerSecurity,
  request: { params: Params, query: Query },
  responses: {
    200: { description: "The manifest as uploaded", content: { "application/json": { schema: z.record(z.string(), z.unknown()) } } },
    304: { description: "Not modified: the manifest still has the ETag sent in If-None-Match" },
    ...errors(400, 401, 403, 404),
  },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "read");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const { project } = c.req.valid("param");
    const { env } = c.req.valid("query");
    const row = await findDbtProject(ctx, project, env);
    const upload = row?.latestManifestUploadId ? await getDbtUpload(ctx, row.latestManifestUploadId) : null;
    if (!upload?.manifestSha256) throw notFound(`manifest of dbt project "${project}" in environment "${env}"`);
    const etag = `"${upload.manifestSha256}"`;
    const headers = { etag, "cache-control": "private, no-cache", "x-tutti-upload-id": upload.id };
    if (matchesIfNoneMatch(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers }) as never;
    const body = await openStoredArtifact(ctx, c.env.BLOBS, upload, "manifest");
    return new Response(body, {
      status: 200,
      headers: {
        ...headers,
        "content-type": "application/json",
        "content-disposition": 'attachment; filename="manifest.json"',
        "x-content-sha256": upload.manifestSha256,
      },
    }) as never;
  });
}
