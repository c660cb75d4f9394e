import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { json, ms, tenantId } from "./columns";

/**
 * Tools whose connections can collect cost and/or usage (Looker and Power BI: usage only) on a schedule:
 * worker/costs/collectors/. A Fivetran collector reads through a warehouse connection of the same team.
 */
export const collectorKinds = ["snowflake", "databricks", "bigquery", "aws", "airbyte", "fivetran", "looker", "powerbi"] as const;
export type CollectorKind = (typeof collectorKinds)[number];
/** Ledger sources each kind of collector writes (a BigQuery collector also reads the Cloud Billing export: `gcp`). */
export const collectorSources: Record<CollectorKind, readonly string[]> = {
  snowflake: ["snowflake"],
  databricks: ["databricks"],
  bigquery: ["bigquery", "gcp"],
  aws: ["aws"],
  airbyte: ["airbyte"],
  fivetran: ["fivetran"],
  looker: [],
  powerbi: [],
};

/** What a tenant admin set for one connection's collector (worker/costs/collectors/settings.ts). */
export interface CollectorSettings {
  /** How far back the first pass reads. */
  lookbackDays: number;
  /** Minutes between passes. */
  intervalMinutes: number;
  /** Snowflake: warehouse and role the collector's statements run with (default: the connection's). */
  warehouse?: string | null;
  role?: string | null;
  /** Snowflake and BigQuery: also read table reads (ACCESS_HISTORY, referenced tables) into product usage. */
  collectUsage?: boolean;
  /** Snowflake and BigQuery: the namespace their tables have in the catalog (default snowflake://<account>, bigquery). */
  datasetNamespace?: string | null;
  /** BigQuery: how the project is billed (default on_demand: bytes billed × the tenant's price per TiB). */
  pricingModel?: "on_demand" | "editions";
  /** BigQuery editions: price of one slot-hour (the edition's pay-as-you-go or commitment rate). */
  slotHourPrice?: number | null;
  /** BigQuery: the Cloud Billing export table (project.dataset.gcp_billing_export_v1_…) to read project cost from. */
  billingExportTable?: string | null;
  /** BigQuery billing export: the label whose value names the product (default `product`). */
  productLabel?: string | null;
  /** Databricks: the SQL warehouse that runs the system-table queries. */
  warehouseId?: string | null;
  /** AWS: the cost-allocation tag whose value names the product (e.g. `data-product`). */
  tagKey?: string | null;
  /** AWS: the Cost Explorer metric recorded (default UnblendedCost). */
  costMetric?: "UnblendedCost" | "AmortizedCost" | "NetUnblendedCost" | "NetAmortizedCost";
  /** Fivetran: the Snowflake connection (same team) whose warehouse holds the Fivetran Platform Connector's tables. */
  warehouseConnection?: string | null;
  /** Fivetran: the schema of those tables, optionally `DATABASE.SCHEMA` (default fivetran_metadata). */
  metadataSchema?: string | null;
  /** Looker and Power BI: a BI item, model, dataset or workspace name → the product id or name its use counts for. */
  productMap?: Record<string, string> | null;
}

/**
 * One row per connection whose collector was ever enabled. `watermarks` holds, per stream the collector reads
 * (queries, idle, access, usage), the end of the last window read: each pass reads from a trailing margin before it,
 * so rows the vendor publishes late are read again and corrected in place (ledger dedupe on source + external_ref).
 */
export const costCollectors = sqliteTable(
  "cost_collectors",
  {
    tenantId: tenantId(),
    connectionId: text("connection_id").notNull(),
    kind: text("kind", { enum: collectorKinds }).notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    settings: json<CollectorSettings>("settings").notNull(),
    watermarks: json<Record<string, number>>("watermarks").notNull(),
    nextRunAt: ms("next_run_at"),
    updatedAt: ms("updated_at").notNull(),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.connectionId] })],
);

/** One pass of a collector: when, what it read and wrote, and the error that stopped it. */
export const collectorRuns = sqliteTable(
  "collector_runs",
  {
    tenantId: tenantId(),
    id: text("id").notNull(),
    connectionId: text("connection_id").notNull(),
    startedAt: ms("started_at").notNull(),
    finishedAt: ms("finished_at").notNull(),
    /** Earliest and latest time the pass's windows covered. */
    windowFrom: ms("window_from"),
    windowTo: ms("window_to"),
    rowsRead: integer("rows_read").notNull(),
    inserted: integer("inserted").notNull(),
    updated: integer("updated").notNull(),
    unchanged: integer("unchanged").notNull(),
    refused: integer("refused").notNull(),
    usageEvents: integer("usage_events").notNull(),
    error: text("error"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] }), index("collector_runs_connection").on(t.tenantId, t.connectionId, t.startedAt)],
);
