import { queryBigQuery } from "../../connectors/bigquery/query";
import { BigQueryConfig } from "../../connectors/bigquery/schema";
import { tasksOfDbtInvocations } from "../../db/repo/costs/collector-links";
import { jobLocation } from "../bigquery";
import { dayOf } from "../period";
import { billingDrafts, billingSql } from "./gcp-billing-map";
import { COLLECTOR_LABEL, invocationOfLabels, jobDrafts, jobsSql, jobTableReads, labelsOf } from "./bigquery-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS, HOUR_MS } from "./window";

/**
 * BigQuery: per-job cost and table reads from INFORMATION_SCHEMA.JOBS_BY_PROJECT of the connection's project and
 * location, through jobs.query. The view shows a job from its creation and fills in bytes and slots when it ends;
 * query jobs run up to 6 h, so each window re-reads 12 h behind its watermark (by creation time) and a job that was
 * still running at the last read is priced when it has ended.
 */
const jobs: CollectorStream = {
  name: "jobs",
  trailingMs: 12 * HOUR_MS,
  maxWindowMs: DAY_MS,
  async read(input, window) {
    const config = BigQueryConfig.parse(input.connection.config);
    const location = jobLocation(config.location);
    const rows = await queryBigQuery(
      { config, secrets: input.connection.secrets, fetch: input.fetch },
      {
        query: jobsSql(config.project_id, location),
        parameters: [
          { name: "window_from", type: "TIMESTAMP", value: new Date(window.from).toISOString() },
          { name: "window_to", type: "TIMESTAMP", value: new Date(window.to).toISOString() },
        ],
        labels: COLLECTOR_LABEL,
      },
    );
    const invocations = [...new Set(rows.map((r) => invocationOfLabels(labelsOf(r))).filter((id): id is string => id !== null))];
    const tasks = await tasksOfDbtInvocations(input.ctx, invocations);
    const ctx = { project: config.project_id, location, taskOfInvocation: (id: string) => tasks.get(id) ?? null };
    const editions = input.settings.pricingModel === "editions";
    return {
      rows: rows.length,
      drafts: jobDrafts(
        rows,
        { currency: input.costs.currency, pricePerTib: input.costs.bigqueryPerTib, slotHourPrice: editions ? (input.settings.slotHourPrice ?? null) : null },
        ctx,
      ),
      reads: input.settings.collectUsage === false ? [] : jobTableReads(rows, ctx),
    };
  },
};

/** Label whose value names the product a billing export row belongs to, unless the collector names another. */
export const DEFAULT_PRODUCT_LABEL = "product";

/**
 * The Cloud Billing export table the connection can read (collector setting billing_export_table): whole usage days,
 * summed per project, service and product label. Google adds rows for past days (late usage, credits, adjustments)
 * for days after, so each window re-reads the five days before the watermark.
 */
const billing: CollectorStream = {
  name: "billing",
  trailingMs: 5 * DAY_MS,
  maxWindowMs: 7 * DAY_MS,
  async read(input, window) {
    const config = BigQueryConfig.parse(input.connection.config);
    const table = input.settings.billingExportTable!;
    const rows = await queryBigQuery(
      { config, secrets: input.connection.secrets, fetch: input.fetch },
      {
        query: billingSql(table),
        parameters: [
          { name: "from_day", type: "DATE", value: dayOf(window.from) },
          { name: "to_day", type: "DATE", value: dayOf(window.to) },
          { name: "label_key", type: "STRING", value: input.settings.productLabel ?? DEFAULT_PRODUCT_LABEL },
        ],
        labels: COLLECTOR_LABEL,
      },
    );
    const { drafts, otherCurrency } = billingDrafts(rows, { currency: input.costs.currency, table });
    if (otherCurrency)
      throw new Error(`${otherCurrency} billing export rows are in another currency than the workspace's ${input.costs.currency}; Tutti converts nothing`);
    return { rows: rows.length, drafts };
  },
};

export const bigQueryCollector: CostCollector = {
  kind: "bigquery",
  streams: (settings) => (settings.billingExportTable ? [jobs, billing] : [jobs]),
  // dbt and OpenLineage producers name BigQuery tables `project.dataset.table` in the namespace `bigquery`.
  namespace: (_config, override) => override ?? "bigquery",
};
