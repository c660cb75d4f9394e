import { createRoute, z } from "@hono/zod-openapi";
import { sendDbtQualitySignals } from "../../alerting/quality-signals";
import { announceDbtDatasetUpdates } from "../../lineage/dataset-updates";
import type { Context } from "hono";
import type { AppEnv, Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { getDbtProject } from "../../db/repo/lineage/dbt";
import { decodedStream, parseJsonBody } from "../../ingest/body";
import { ingestDbtArtifacts, type DbtArtifactsInput } from "../../ingest/dbt-artifacts";
import { writerOf } from "../../ingest/writer";
import type { ArtifactBody } from "../../ingest/artifact";
import { ApiError, invalid } from "../../lib/errors";
import { readStream } from "../../lib/gzip";
import { bodyLimitFor } from "../../middleware/body-limit";
import { requireScope } from "../../lib/principal";
import { auditSource } from "../../lib/request";
import { bearerSecurity, errors, jsonResponse, send } from "../shared";
import { UploadResult, dbtProjectOut, dbtUploadOut } from "./schemas";

/** The JSON form parses the whole body in memory; larger artifacts go as multipart files, which are streamed. */
export const MAX_JSON_FORM_BYTES = 16 * 1024 * 1024;

/**
 * The platform's formData() holds the whole decoded body in memory, so a gzip-encoded multipart body is limited
 * once decoded to what the route takes raw (64 MiB); larger artifacts go as gzip files inside the form, each
 * inflated as it is read (up to MAX_ARTIFACT_BYTES).
 */
const multipartLimit = (url: string) => bodyLimitFor(new URL(url).pathname);

/** A stream handed to a platform consumer (formData), remembering why it failed: the consumer reports a plain Error. */
function remembering(stream: ReadableStream<Uint8Array>) {
  const reader = stream.getReader();
  let error: unknown = null;
  const wrapped = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.read();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      } catch (err) {
        error = err;
        throw err;
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { stream: wrapped, failure: () => error };
}

const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/);
const JsonForm = z.strictObject({
  project: Name.openapi({ example: "jaffle_shop", description: "Your name for the dbt project" }),
  environment: Name.openapi({ example: "prod" }),
  namespace: z
    .string()
    .min(1)
    .max(512)
    .optional()
    .openapi({ description: "Namespace for relations, e.g. snowflake://acme-prod; match your OpenLineage producers" }),
  manifest: z.record(z.string(), z.unknown()).optional().openapi({ description: "target/manifest.json" }),
  run_results: z.record(z.string(), z.unknown()).optional().openapi({ description: "target/run_results.json" }),
});
const MultipartForm = z.object({
  project: z.string(),
  environment: z.string(),
  namespace: z.string().optional(),
  manifest: z.any().optional().openapi({ type: "string", format: "binary", description: "target/manifest.json (may be gzip-compressed)" }),
  run_results: z.any().optional().openapi({ type: "string", format: "binary", description: "target/run_results.json (may be gzip-compressed)" }),
});

export const route = createRoute({
  method: "post",
  path: "/dbt/artifacts",
  tags: ["dbt"],
  summary: "Upload dbt artifacts (manifest and/or run_results) for a project and environment",
  description:
    "Needs `metadata:write` (and membership of the project's owner team once it has one). Another team's datasets named by the artifacts keep their freshness, facets, kind, owner and test results; their lineage is stored. Multipart is streamed and takes bodies up to 64 MiB " +
    "(gzip the files for bigger projects: 256 MiB per artifact after decompression; a gzip-encoded body counts decoded); the JSON form is limited to 16 MiB. " +
    "The manifest becomes catalog nodes and parent_map edges; run_results give node statuses, timings, rows, bytes billed, query ids, test results and dataset freshness. " +
    "The same files uploaded again answer 200 with `duplicate: true`.",
  security: bearerSecurity,
  request: {
    body: {
      required: true,
      content: { "multipart/form-data": { schema: MultipartForm }, "application/json": { schema: JsonForm } },
    },
  },
  responses: {
    201: jsonResponse(UploadResult, "Stored and ingested"),
    200: jsonResponse(UploadResult, "The same files were already uploaded for this project"),
    ...errors(400, 401, 403, 413, 415),
  },
});

function formText(form: FormData, key: string): string | undefined {
  const v = form.get(key);
  return typeof v === "string" ? v.trim() : undefined;
}

function formFile(form: FormData, key: string): ArtifactBody | undefined {
  const v = form.get(key) as unknown;
  if (v === null || v === undefined) return undefined;
  if (typeof v === "string") return v.length ? v : undefined;
  const blob = v as Blob;
  return blob.size > 0 ? blob : undefined;
}

async function readInput(c: Context<AppEnv>): Promise<Omit<DbtArtifactsInput, "source" | "writer" | "blobs">> {
  const req = c.req.raw;
  const type = (req.headers.get("content-type") ?? "").toLowerCase();
  if (!req.body) throw invalid("body", "required");
  const encoding = req.headers.get("content-encoding");
  if (type.startsWith("multipart/form-data")) {
    const body = remembering(decodedStream(req.body, encoding, multipartLimit(req.url), "multipart body"));
    let form: FormData;
    try {
      form = await new Request(req.url, { method: "POST", headers: { "content-type": req.headers.get("content-type")! }, body: body.stream }).formData();
    } catch {
      const failure = body.failure();
      throw failure instanceof ApiError ? failure : invalid("body", "not a valid multipart/form-data body");
    }
    const known = new Set(["project", "environment", "namespace", "manifest", "run_results"]);
    const unknown = [...new Set(form.keys())].filter((k) => !known.has(k));
    if (unknown.length)
      throw new ApiError(
        "validation_failed",
        `${unknown[0]}: unknown field`,
        unknown.map((k) => ({ path: k, message: "unknown field" })),
      );
    return {
      project: formText(form, "project") ?? "",
      environment: formText(form, "environment") ?? "",
      namespace: formText(form, "namespace") || undefined,
      manifest: formFile(form, "manifest"),
      runResults: formFile(form, "run_results"),
    };
  }
  if (type.startsWith("application/json")) {
    const bytes = await readStream(decodedStream(req.body, encoding, MAX_JSON_FORM_BYTES, "JSON upload body (use multipart/form-data for larger artifacts)"));
    const parsed = JsonForm.safeParse(parseJsonBody(new TextDecoder().decode(bytes)));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const details = parsed.error.issues.flatMap((i) =>
        i.code === "unrecognized_keys"
          ? i.keys.map((k) => ({ path: k, message: "unknown field" }))
          : [{ path: i.path.join(".") || "(root)", message: i.message }],
      );
      throw new ApiError("validation_failed", `${details[0]?.path ?? issue.path.join(".")}: ${details[0]?.message ?? issue.message}`, details);
    }
    const b = parsed.data;
    return { project: b.project, environment: b.environment, namespace: b.namespace, manifest: b.manifest, runResults: b.run_results };
  }
  throw new ApiError("unsupported_media_type", "send multipart/form-data (files manifest, run_results) or application/json");
}

export async function handle(c: Context<AppEnv>) {
  const p = c.get("principal");
  requireScope(p, "metadata:write");
  const input = await readInput(c);
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const result = await ingestDbtArtifacts(ctx, auditSource(c), { ...input, source: { kind: "api" }, writer: writerOf(p), blobs: c.env.BLOBS });
  await sendDbtQualitySignals(c.env.NOTIFY, ctx, input.environment, result.quality);
  await announceDbtDatasetUpdates(c.env.NOTIFY, p.tenantId, input.environment, result.updates);
  const project = await getDbtProject(ctx, result.project.id);
  return send(c, result.duplicate ? 200 : 201, UploadResult, {
    duplicate: result.duplicate,
    project: dbtProjectOut(project!.p, project!.teamName),
    upload: dbtUploadOut(result.upload),
  });
}

export function register(app: Router) {
  app.openAPIRegistry.registerPath(route);
  app.post("/dbt/artifacts", handle);
}
