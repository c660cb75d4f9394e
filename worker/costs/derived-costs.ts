import type { TenantCtx } from "../db/client";
import { ingestCosts } from "../db/repo/costs/ledger-ingest";
import { getCostSettings } from "../db/repo/costs/settings";
import type { DbtResult } from "../lineage/dbt-run-results";
import type { NotifySender } from "../queues/notify-messages";
import { bigQueryCostsFromDbt } from "./bigquery";
import { evaluateBudgets } from "./budgets-service";
import { draftFromFact, type FactRow } from "./tool-facts";
import { monthOfDay } from "./period";
import type { ActsFor } from "../db/repo/pipelines/ownership";

/**
 * Turns connector cost facts into priced ledger records (Databricks DBUs, Fivetran MAR, Airbyte rows, Snowflake
 * statements once their credits are known) and evaluates budgets when a notify queue is given. Facts without
 * the usage a price applies to are counted as unpriced and leave no record. Idempotent like every ledger write.
 */
export async function recordCostsFromFacts(
  ctx: TenantCtx,
  rows: FactRow[],
  now: number,
  notify?: NotifySender,
): Promise<{ recorded: number; unpriced: number }> {
  if (!rows.length) return { recorded: 0, unpriced: 0 };
  const settings = await getCostSettings(ctx);
  const drafts = rows.flatMap((r) => {
    const d = draftFromFact(r, settings);
    return d ? [d] : [];
  });
  if (!drafts.length) return { recorded: 0, unpriced: rows.length };
  const result = await ingestCosts(ctx, null, drafts, null, now);
  if (notify && result.days.length) await evaluateBudgets(ctx, notify, [...new Set(result.days.map(monthOfDay))], now);
  return { recorded: result.inserted + result.updated, unpriced: rows.length - drafts.length };
}

export interface DbtRunCostInput {
  /** The dbt adapter (manifest metadata.adapter_type) or, failing that, the project's relation namespace. */
  adapterType: string | null;
  namespace: string;
  results: DbtResult[];
  generatedAt: number;
  /** Catalog node of each dbt unique id (datasets are `ds_…`). */
  nodeIdOf(uniqueId: string): string | null;
  /** Set when a Tutti task uploaded the artifacts itself; dbt Cloud runs are matched to their task by run id. */
  task: { runId: string; taskKey: string } | null;
  ownerTeamId: string | null;
  /** Teams whose stored records the upload may replace (see ingestCosts): the uploader's. */
  actsFor: ActsFor;
}

/**
 * Cost of a dbt invocation from its run_results, for adapters that report it: BigQuery bytes billed × the
 * tenant's price per TiB. (Snowflake run_results carry query ids but no credits; those arrive as facts or via
 * POST /costs and are matched to the same nodes by query id.) Returns the records written.
 */
export async function recordDbtRunCosts(ctx: TenantCtx, input: DbtRunCostInput, now: number): Promise<number> {
  const isBigQuery = input.adapterType === "bigquery" || (input.adapterType === null && input.namespace === "bigquery");
  if (!isBigQuery) return 0;
  const settings = await getCostSettings(ctx);
  const drafts = bigQueryCostsFromDbt(input.results, {
    pricePerTib: settings.bigqueryPerTib,
    currency: settings.currency,
    task: input.task,
    datasetOf: (id) => {
      const node = input.nodeIdOf(id);
      return node?.startsWith("ds_") ? node : null;
    },
    generatedAt: input.generatedAt,
  });
  if (!drafts.length) return 0;
  const result = await ingestCosts(ctx, null, drafts, input.ownerTeamId, now, input.actsFor);
  return result.inserted + result.updated;
}
