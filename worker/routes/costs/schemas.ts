import { z } from "@hono/zod-openapi";
import { MAX_AMOUNT, fromMicros } from "../../costs/money";
import { costUnits, sourcePattern } from "../../costs/units";
import type { StoredCost } from "../../db/repo/costs/ledger-list";
import { isoOrNull, timestamp } from "../shared";

export const MAX_COST_BATCH = 1000;

const Attribution = z
  .strictObject({
    run_id: z.string().max(64).optional().openapi({ description: "The Tutti run that incurred the cost" }),
    task_key: z.string().max(64).optional(),
    pipeline: z.string().max(64).optional().openapi({ description: "Pipeline name, when there is no run" }),
    team_id: z.string().max(64).optional().openapi({ description: "The paying team (default: the run's pipeline team, else the posting token's team)" }),
    products: z
      .array(z.strictObject({ name: z.string().min(1).max(64), weight: z.number().positive().max(1000).default(1) }))
      .min(1)
      .max(50)
      .optional()
      .openapi({ description: "Explicit split across products (proportional to weights); overrides lineage" }),
    dataset_ids: z.array(z.string().min(1).max(64)).max(100).optional().openapi({ description: "Datasets the cost produced" }),
    query_id: z.string().max(200).optional().openapi({ description: "Warehouse query/job id, matched to dbt run_results" }),
    query_tag: z.string().max(2000).optional().openapi({ description: "Snowflake QUERY_TAG; `tutti:<run>:<task>` names the task" }),
    warehouse: z.string().max(255).optional(),
    split_by_warehouse: z
      .string()
      .max(255)
      .optional()
      .openapi({ description: "Split like this warehouse's attributed queries in [started_at, ended_at): idle time" }),
  })
  .openapi("CostAttribution");

export const CostRecordIn = z
  .strictObject({
    source: z.string().regex(sourcePattern, "a lowercase name like snowflake, bigquery or aws").openapi({ example: "snowflake" }),
    external_ref: z
      .string()
      .min(1)
      .max(300)
      .openapi({ description: "Unique within the source (query id, invoice line…): the dedupe key", example: "01b2c3d4-0000-1111-0000-000000000001" }),
    amount: z.number().min(0).max(MAX_AMOUNT).openapi({ example: 12.5, description: "In `currency` units" }),
    currency: z.string().openapi({ example: "USD", description: "ISO 4217; must be the tenant's cost currency" }),
    quantity: z.number().min(0).max(1e18).optional().openapi({ example: 4.166, description: "Usage behind the amount, in `unit`" }),
    unit: z
      .string()
      .optional()
      .openapi({ description: `One of ${costUnits.join(", ")}; Snowflake credits, BigQuery bytes, Databricks dbu` }),
    started_at: timestamp,
    ended_at: timestamp.optional(),
    description: z.string().max(500).optional(),
    attribution: Attribution.optional(),
  })
  .openapi("CostRecordInput");

export const IngestCostsBody = z.strictObject({ records: z.array(CostRecordIn).min(1).max(MAX_COST_BATCH) }).openapi("IngestCostsRequest");

export const IngestCostsOut = z
  .object({
    inserted: z.number().int(),
    updated: z.number().int().openapi({ description: "Same source + external_ref with other figures: replaced" }),
    unchanged: z.number().int().openapi({ description: "Already recorded exactly so: counted once" }),
    refused: z.number().int().openapi({ description: "Recorded for another team with other figures: left as they were" }),
    records: z.array(
      z.object({
        source: z.string(),
        external_ref: z.string(),
        status: z.enum(["inserted", "updated", "unchanged", "refused"]),
        attributed_by: z.enum(["explicit", "datasets", "pipeline", "none"]).nullable().openapi({ description: "How the product split was decided" }),
        reason: z.string().optional().openapi({ description: "Why a record was refused" }),
      }),
    ),
  })
  .openapi("IngestCostsResult");

export const CostRecordOut = z
  .object({
    id: z.string(),
    source: z.string(),
    external_ref: z.string(),
    amount: z.number(),
    currency: z.string(),
    quantity: z.number().nullable(),
    unit: z.string().nullable(),
    started_at: timestamp,
    ended_at: timestamp.nullable(),
    description: z.string().nullable(),
    attribution: z.record(z.string(), z.unknown()).openapi({ description: "As sent or derived (run, task, query id, tag, warehouse…)" }),
    team_id: z.string().nullable(),
    pipeline_id: z.string().nullable(),
    run_id: z.string().nullable(),
    task_key: z.string().nullable(),
    attributed_by: z.string(),
    allocations: z.array(z.object({ product_id: z.string().nullable(), amount: z.number(), share: z.number() })),
  })
  .openapi("CostRecord");

export const CostRecordList = z.object({ items: z.array(CostRecordOut), next_cursor: z.string().nullable() }).openapi("CostRecordList");

export const costRecordOut = (r: StoredCost) => ({
  id: r.id,
  source: r.source,
  external_ref: r.externalRef,
  amount: fromMicros(r.amountMicros),
  currency: r.currency,
  quantity: r.quantity,
  unit: r.unit,
  started_at: new Date(r.startedAt).toISOString(),
  ended_at: isoOrNull(r.endedAt),
  description: r.description,
  attribution: r.attribution as Record<string, unknown>,
  team_id: r.teamId,
  pipeline_id: r.pipelineId,
  run_id: r.runId,
  task_key: r.taskKey,
  attributed_by: r.attributedBy,
  allocations: r.allocations.map((a) => ({ product_id: a.productId || null, amount: fromMicros(a.amountMicros), share: Math.round(a.share * 1e6) / 1e6 })),
});
