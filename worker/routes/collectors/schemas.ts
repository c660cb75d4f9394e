import { z } from "@hono/zod-openapi";
import type { CollectorOverview, CollectorRun } from "../../db/repo/costs/collectors";
import { costMetrics } from "../../costs/collectors/aws-ce-map";
import { collectorKinds, type CollectorSettings } from "../../db/schema";
import type { CollectorPass } from "../../durable/collector-passes";
import { isoOrNull } from "../shared";

const Identifier = z.string().min(1).max(255);

export const CollectorSettingsIn = z
  .strictObject({
    lookback_days: z.number().int().min(1).max(30).default(7).openapi({ description: "How far back the first pass reads (days)" }),
    interval_minutes: z.number().int().min(15).max(1440).default(60).openapi({ description: "Minutes between passes" }),
    warehouse: Identifier.optional().openapi({ description: "Snowflake: warehouse for the collector's queries (default: the connection's)" }),
    role: Identifier.optional().openapi({ description: "Snowflake: role holding the collector's grants (default: the connection's)" }),
    collect_usage: z.boolean().optional().openapi({
      description:
        "Snowflake, BigQuery and Databricks: read who read which table (ACCESS_HISTORY, jobs' referenced tables, system.access.table_lineage) into product usage (default true)",
    }),
    dataset_namespace: z.string().min(1).max(200).optional().openapi({
      description:
        "Snowflake, BigQuery and Databricks: catalog namespace of the tables (default snowflake://<account>, bigquery, databricks://<workspace host>)",
    }),
    pricing_model: z.enum(["on_demand", "editions"]).optional().openapi({
      description:
        "BigQuery: on_demand prices each job's bytes billed at the tenant's price per TiB (cost settings); editions prices the slot time of jobs that ran in a reservation at slot_hour_price (default on_demand)",
    }),
    slot_hour_price: z.number().positive().max(100).optional().openapi({
      description:
        "BigQuery editions: price of one slot-hour in the tenant currency (pay-as-you-go US list: Standard 0.04, Enterprise 0.06, Enterprise Plus 0.10)",
    }),
    billing_export_table: z
      .string()
      .regex(
        /^(?:[a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]\.[A-Za-z0-9_]{1,1024}\.[A-Za-z0-9_]{1,1024}$/,
        "project.dataset.table, e.g. billing-proj.billing.gcp_billing_export_v1_012345_6789AB_CDEF01",
      )
      .optional()
      .openapi({
        description:
          "BigQuery: also read the Cloud Billing standard usage cost export table (in the connection's location) into the ledger, per day, project, service and product label",
      }),
    product_label: z
      .string()
      .regex(/^[a-z][a-z0-9_-]{0,62}$/, "a label key: lowercase letters, digits, _ and -")
      .optional()
      .openapi({ description: "BigQuery billing export: the resource label whose value names the product (default product)" }),
    warehouse_id: z
      .string()
      .regex(/^[A-Za-z0-9]{1,64}$/, "a SQL warehouse id such as 1234567890abcdef")
      .optional()
      .openapi({ description: "Databricks: the SQL warehouse that runs the system-table queries (required)" }),
    tag_key: z
      .string()
      .regex(/^[\p{L}\p{N} _.:/=+@-]{1,128}$/u, "an AWS tag key: letters, digits, spaces and _ . : / = + - @ (at most 128)")
      .optional()
      .openapi({
        description: "AWS: the cost-allocation tag whose value names the data product, e.g. data-product (required; activate it in the Billing console first)",
      }),
    cost_metric: z.enum(costMetrics).optional().openapi({
      description:
        "AWS: the Cost Explorer metric recorded (default UnblendedCost; AmortizedCost spreads up-front reservation and Savings Plans fees over the days they cover)",
    }),
    warehouse_connection: z.string().min(1).max(64).optional().openapi({
      description:
        "Fivetran: id of the Snowflake connection, of the Fivetran connection's team, whose warehouse holds the Fivetran Platform Connector's tables (required)",
    }),
    schema: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_$]{0,254}(\.[A-Za-z_][A-Za-z0-9_$]{0,254})?$/, "a schema name, optionally DATABASE.SCHEMA (unquoted identifiers)")
      .optional()
      .openapi({ description: "Fivetran: the schema of the Platform Connector's tables, optionally DATABASE.SCHEMA (default fivetran_metadata)" }),
    product_map: z
      .record(z.string().min(1).max(300), z.string().min(1).max(64))
      .refine((m) => Object.keys(m).length <= 500, "at most 500 entries")
      .optional()
      .openapi({
        description:
          "Looker and Power BI: names → the product id or name their use counts for. Keys: dashboard:<id>, look:<id>, explore:<model>/<view> or a LookML model (Looker); report:<id>, dashboard:<id>, a dataset or a workspace name (Power BI). Without an entry, a name that is itself a product's name counts for that product",
      }),
  })
  .openapi("CollectorSettings");

export const UpdateCollectorBody = z
  .strictObject({
    enabled: z.boolean(),
    settings: CollectorSettingsIn.optional(),
  })
  .openapi("UpdateCollectorRequest");

export const CollectorRunOut = z
  .object({
    id: z.string(),
    started_at: z.string(),
    finished_at: z.string(),
    window_from: z.string().nullable(),
    window_to: z.string().nullable(),
    rows_read: z.number().int().openapi({ description: "Rows the vendor returned" }),
    inserted: z.number().int(),
    updated: z.number().int().openapi({ description: "Records corrected (late or restated rows)" }),
    unchanged: z.number().int(),
    refused: z.number().int().openapi({ description: "Records stored for another team, left as they were" }),
    usage_events: z.number().int().openapi({ description: "Usage events newly counted" }),
    error: z.string().nullable(),
  })
  .openapi("CollectorRun");

const passStates = ["queued", "running", "finished"] as const;

export const CollectorPassOut = z
  .object({
    id: z.string().openapi({ description: "The pass; once it ends, also the id of its entry in GET /collectors/{connection_id}/runs" }),
    connection_id: z.string(),
    state: z.enum(passStates).openapi({ description: "queued: waiting for the engine; running: reading the vendor; finished: recorded in `run`" }),
    requested_at: z.string().nullable().openapi({ description: "While queued or running: when a person asked for it (null for a scheduled pass)" }),
    started_at: z.string().nullable(),
    run: z.union([CollectorRunOut, z.null()]).openapi({ description: "What the pass read and wrote, once finished" }),
  })
  .openapi("CollectorPass");

export const CollectorOut = z
  .object({
    connection_id: z.string(),
    connection_name: z.string(),
    team_id: z.string(),
    kind: z.enum(collectorKinds),
    enabled: z.boolean(),
    settings: z.union([CollectorSettingsIn, z.null()]),
    next_run_at: z.string().nullable(),
    watermarks: z.record(z.string(), z.string()).openapi({ description: "Per stream, the end of the last window read" }),
    last_run: z.union([CollectorRunOut, z.null()]),
    current_pass: z.union([CollectorPassOut, z.null()]).openapi({ description: "The pass queued or running now, if any" }),
  })
  .openapi("Collector");

export const settingsOut = (s: CollectorSettings): z.input<typeof CollectorSettingsIn> => ({
  lookback_days: s.lookbackDays,
  interval_minutes: s.intervalMinutes,
  ...(s.warehouse ? { warehouse: s.warehouse } : {}),
  ...(s.role ? { role: s.role } : {}),
  ...(s.collectUsage !== undefined ? { collect_usage: s.collectUsage } : {}),
  ...(s.datasetNamespace ? { dataset_namespace: s.datasetNamespace } : {}),
  ...(s.warehouseId ? { warehouse_id: s.warehouseId } : {}),
  ...(s.pricingModel ? { pricing_model: s.pricingModel } : {}),
  ...(s.slotHourPrice ? { slot_hour_price: s.slotHourPrice } : {}),
  ...(s.billingExportTable ? { billing_export_table: s.billingExportTable } : {}),
  ...(s.productLabel ? { product_label: s.productLabel } : {}),
  ...(s.tagKey ? { tag_key: s.tagKey } : {}),
  ...(s.costMetric ? { cost_metric: s.costMetric } : {}),
  ...(s.warehouseConnection ? { warehouse_connection: s.warehouseConnection } : {}),
  ...(s.metadataSchema ? { schema: s.metadataSchema } : {}),
  ...(s.productMap && Object.keys(s.productMap).length ? { product_map: s.productMap } : {}),
});

export const settingsIn = (s: z.output<typeof CollectorSettingsIn>): CollectorSettings => ({
  lookbackDays: s.lookback_days,
  intervalMinutes: s.interval_minutes,
  warehouse: s.warehouse ?? null,
  role: s.role ?? null,
  collectUsage: s.collect_usage,
  datasetNamespace: s.dataset_namespace ?? null,
  warehouseId: s.warehouse_id ?? null,
  ...(s.pricing_model ? { pricingModel: s.pricing_model } : {}),
  slotHourPrice: s.slot_hour_price ?? null,
  billingExportTable: s.billing_export_table ?? null,
  productLabel: s.product_label ?? null,
  tagKey: s.tag_key ?? null,
  ...(s.cost_metric ? { costMetric: s.cost_metric } : {}),
  warehouseConnection: s.warehouse_connection ?? null,
  metadataSchema: s.schema ?? null,
  productMap: s.product_map ?? null,
});

export const runOut = (r: CollectorRun): z.input<typeof CollectorRunOut> => ({
  id: r.id,
  started_at: new Date(r.startedAt).toISOString(),
  finished_at: new Date(r.finishedAt).toISOString(),
  window_from: isoOrNull(r.windowFrom),
  window_to: isoOrNull(r.windowTo),
  rows_read: r.rowsRead,
  inserted: r.inserted,
  updated: r.updated,
  unchanged: r.unchanged,
  refused: r.refused,
  usage_events: r.usageEvents,
  error: r.error,
});

/** A queued or running pass (from the engine), or a finished one (its recorded run). */
export function passOut(connectionId: string, pass: CollectorPass | null, run: CollectorRun | null): z.input<typeof CollectorPassOut> {
  if (run) return { id: run.id, connection_id: connectionId, state: "finished", requested_at: null, started_at: isoOrNull(run.startedAt), run: runOut(run) };
  if (!pass) throw new Error("a pass is either live or recorded");
  return {
    id: pass.id,
    connection_id: connectionId,
    state: pass.state,
    requested_at: isoOrNull(pass.queuedAt),
    started_at: isoOrNull(pass.startedAt),
    run: null,
  };
}

export function collectorOut(o: CollectorOverview, pass: CollectorPass | null): z.input<typeof CollectorOut> {
  const watermarks = o.watermarks ? (JSON.parse(o.watermarks) as Record<string, number>) : {};
  return {
    connection_id: o.connection_id,
    connection_name: o.connection_name,
    team_id: o.team_id,
    kind: o.kind,
    enabled: o.enabled === 1,
    settings: o.settings ? settingsOut(JSON.parse(o.settings) as CollectorSettings) : null,
    next_run_at: o.enabled === 1 ? isoOrNull(o.next_run_at) : null,
    watermarks: Object.fromEntries(Object.entries(watermarks).map(([k, v]) => [k, new Date(v).toISOString()])),
    last_run:
      o.run_id === null
        ? null
        : runOut({
            tenantId: "",
            connectionId: o.connection_id,
            id: o.run_id,
            startedAt: o.run_started_at!,
            finishedAt: o.run_finished_at!,
            windowFrom: o.run_window_from,
            windowTo: o.run_window_to,
            rowsRead: o.run_rows_read!,
            inserted: o.run_inserted!,
            updated: o.run_updated!,
            unchanged: o.run_unchanged!,
            refused: o.run_refused!,
            usageEvents: o.run_usage_events!,
            error: o.run_error,
          }),
    current_pass: pass ? passOut(o.connection_id, pass, null) : null,
  };
}
