import { text, type Row } from "../../connectors/bigquery/rows";
import { fixedToMicros, parseDecimal } from "../decimal";
import type { CostDraft } from "../draft";

/**
 * The Cloud Billing standard usage cost export (`<project>.<dataset>.gcp_billing_export_v1_<BILLING_ACCOUNT_ID>`),
 * read through a BigQuery connection → one ledger record per usage day, project, service and product label. The
 * export has no row id and Google appends late rows and corrections (credits, adjustments) for days already
 * exported, so a pass re-reads whole days and sums them: each group's record is replaced by the new sum, never added
 * to. Sums are taken as NUMERIC in SQL (the export's `cost` and credit amounts are FLOAT64) and arrive as decimal text.
 */

/** Whole usage days [@from_day, @to_day], cost net of credits, grouped; the product is the value of label @label_key. */
export function billingSql(table: string): string {
  return `SELECT FORMAT_DATE('%Y-%m-%d', DATE(usage_start_time)) AS usage_day, project.id AS project_id, service.description AS service,
  (SELECT l.value FROM UNNEST(labels) AS l WHERE l.key = @label_key LIMIT 1) AS product, currency,
  CAST(SUM(CAST(cost AS NUMERIC)) + SUM(IFNULL((SELECT SUM(CAST(c.amount AS NUMERIC)) FROM UNNEST(credits) AS c), 0)) AS STRING) AS net_cost
FROM \`${table}\`
WHERE DATE(usage_start_time) BETWEEN @from_day AND @to_day
GROUP BY usage_day, project_id, service, product, currency
ORDER BY usage_day, project_id, service, product`;
}

const DAY_MS = 86_400_000;

/** One draft per group in the tenant's currency; groups billed in another currency are left out (Tutti converts nothing). */
export function billingDrafts(rows: Row[], opts: { currency: string; table: string }): { drafts: CostDraft[]; otherCurrency: number } {
  const drafts: CostDraft[] = [];
  let otherCurrency = 0;
  for (const row of rows) {
    const day = text(row, "usage_day");
    const amount = parseDecimal(text(row, "net_cost"));
    const startedAt = day ? Date.parse(`${day}T00:00:00.000Z`) : Number.NaN;
    if (!day || amount === null || Number.isNaN(startedAt)) continue;
    if (text(row, "currency") !== opts.currency) {
      otherCurrency++;
      continue;
    }
    const project = text(row, "project_id") ?? "";
    const service = text(row, "service") ?? "unknown service";
    const product = text(row, "product");
    drafts.push({
      source: "gcp",
      externalRef: `billing:${opts.table}:${day}:${project}:${service}:${product ?? ""}`,
      amountMicros: fixedToMicros(amount),
      currency: opts.currency,
      quantity: null,
      unit: null,
      startedAt,
      endedAt: startedAt + DAY_MS,
      description: `${service}${project ? ` · ${project}` : ""}${product ? ` · product ${product}` : ""}`,
      attribution: product ? { products: [{ name: product, weight: 1 }] } : {},
    });
  }
  return { drafts, otherCurrency };
}
