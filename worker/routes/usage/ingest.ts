import { createRoute, z } from "@hono/zod-openapi";
import type { Router } from "../../context";
import { tenantCtx } from "../../db/client";
import { ingestUsage, type UsageRow } from "../../db/repo/costs/usage";
import { existingDatasetIds } from "../../db/repo/lineage/catalog";
import { catalogProducts } from "../../db/repo/products/products";
import { claimsOfDatasets } from "../../db/repo/products/membership";
import { usageKinds } from "../../db/schema/enums";
import { ApiError, type ErrorDetail } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { requireScope } from "../../lib/principal";
import { bearerSecurity, errors, jsonBody, jsonResponse, send, timestamp } from "../shared";

export const MAX_USAGE_BATCH = 1000;
/** Usage is reported as it happens; far-future times are clock mistakes. */
const MAX_FUTURE_MS = 86_400_000;

const UsageEventIn = z
  .strictObject({
    id: z.string().min(1).max(128).optional().openapi({ description: "Your event id: the same id sent again counts once" }),
    product: z.string().min(1).max(64).optional().openapi({ description: "Product id or name" }),
    dataset_id: z.string().min(1).max(64).optional().openapi({ description: "Or a dataset: the event counts for every product it belongs to" }),
    consumer: z.string().trim().max(200).optional().openapi({ example: "looker:dashboard/42", description: "Who used it (dashboard, user, service)" }),
    kind: z.enum(usageKinds),
    count: z.number().int().min(1).max(1_000_000).default(1),
    at: timestamp,
  })
  .refine((e) => (e.product === undefined) !== (e.dataset_id === undefined), { message: "name exactly one of product and dataset_id", path: ["product"] })
  .openapi("UsageEvent");

const Body = z.strictObject({ events: z.array(UsageEventIn).min(1).max(MAX_USAGE_BATCH) }).openapi("IngestUsageRequest");

const Out = z
  .object({
    accepted: z.number().int().openapi({ description: "Events (per product) newly counted" }),
    duplicates: z.number().int().openapi({ description: "Already counted (same id)" }),
    unassigned: z.number().int().openapi({ description: "Dataset events no product claims: stored, counted for no product" }),
  })
  .openapi("IngestUsageResult");

export const route = createRoute({
  method: "post",
  path: "/usage",
  tags: ["products"],
  summary: `Report up to ${MAX_USAGE_BATCH} usage events (dashboard views, queries, model or API calls) of products or datasets`,
  description: "Needs `metadata:write`. Daily rollups per product are updated before the response.",
  security: bearerSecurity,
  request: jsonBody(Body),
  responses: { 200: jsonResponse(Out, "Counted"), ...errors(400, 401, 403, 413, 415) },
});

export function register(app: Router) {
  app.openapi(route, async (c) => {
    const p = c.get("principal");
    requireScope(p, "metadata:write");
    const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
    const now = c.get("clock").now();
    const events = c.req.valid("json").events;
    const problems: ErrorDetail[] = [];
    const names = [...new Set(events.flatMap((e) => (e.product ? [e.product] : [])))];
    const productId = new Map<string, string>();
    for (const { id, name } of await catalogProducts(ctx, names)) {
      productId.set(id, id);
      productId.set(name, id);
    }
    const datasetIds = [...new Set(events.flatMap((e) => (e.dataset_id ? [e.dataset_id] : [])))];
    const knownDatasets = await existingDatasetIds(ctx, datasetIds);
    events.forEach((e, i) => {
      if (e.product && !productId.has(e.product)) problems.push({ path: `events[${i}].product`, message: "no such product" });
      if (e.dataset_id && !knownDatasets.has(e.dataset_id)) problems.push({ path: `events[${i}].dataset_id`, message: "no such dataset" });
      if (Date.parse(e.at) > now + MAX_FUTURE_MS) problems.push({ path: `events[${i}].at`, message: "is in the future" });
    });
    if (problems.length) throw new ApiError("validation_failed", `${problems[0].path}: ${problems[0].message}`, problems.slice(0, 100));

    const claims = await claimsOfDatasets(ctx, datasetIds);
    const rows: UsageRow[] = [];
    let unassigned = 0;
    for (const e of events) {
      const id = e.id ? `ext:${e.id}` : newId("usageEvent");
      const targets = e.product ? [productId.get(e.product)!] : [...new Set((claims.get(e.dataset_id!) ?? []).map((x) => x.productId))];
      if (!targets.length) {
        unassigned++;
        targets.push("");
      }
      for (const target of targets)
        rows.push({ id, productId: target, datasetId: e.dataset_id ?? null, consumer: e.consumer ?? "", kind: e.kind, count: e.count, at: Date.parse(e.at) });
    }
    const stored = await ingestUsage(ctx, rows);
    return send(c, 200, Out, { accepted: stored, duplicates: rows.length - stored, unassigned });
  });
}
