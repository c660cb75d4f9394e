import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { facetsOf, runDatasets } from "../../db/repo/lineage/catalog";
import { requireScope } from "../../lib/principal";
import { IdParam, bearerSecurity, errors, jsonResponse, send, timestamp } from "../shared";
import { JobRef, JobRunOut, jobRunOut } from "../lineage/catalog-schemas";
import { loadJobRun } from "./load";

const RunIoOut = z.object({
  dataset: z.object({ id: z.string(), namespace: z.string(), name: z.string(), kind: z.string() }),
  role: z.enum(["input", "output"]),
  at: timestamp,
  row_count: z.number().int().nullable(),
  bytes: z.number().int().nullable(),
  file_count: z.number().int().nullable(),
  facets: z.record(z.string(), z.unknown()).nullable(),
});

const JobRunDetail = JobRunOut.extend({
  job: JobRef,
  facets: z.record(z.string(), z.record(z.string(), z.unknown())).openapi({ description: "Current run facets by name" }),
  inputs: z.array(RunIoOut),
  outputs: z.array(RunIoOut),
}).openapi("JobRunDetail");

export const route = createRoute({
  method: "get",
  path: "/job-runs/{id}",
  tags: ["lineage"],
  summary: "A run with its facets and the datasets it read and wrote",
  security: bearerSecurity,
  request: { params: IdParam },
  responses: { 200: jsonResponse(JobRunDetail, "The run"), ...errors(401, 403, 404) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    requireScope(c.get("principal"), "read");
    const { ctx, run, job } = await loadJobRun(c, c.req.valid("param").id);
    const [facets, io] = await Promise.all([facetsOf(ctx, run.id), runDatasets(ctx, run.id)]);
    const ioOut = (r: (typeof io)[number]) => ({
      dataset: r.d,
      role: r.io.role,
      at: new Date(r.io.at).toISOString(),
      row_count: r.io.rowCount,
      bytes: r.io.bytes,
      file_count: r.io.fileCount,
      facets: r.io.facets ? JSON.parse(r.io.facets) : null,
    });
    return send(c, 200, JobRunDetail, {
      ...jobRunOut(run),
      job: { id: job.id, namespace: job.namespace, name: job.name },
      facets,
      inputs: io.filter((r) => r.io.role === "input").map(ioOut),
      outputs: io.filter((r) => r.io.role === "output").map(ioOut),
    });
  });
}
