import { getCostAndUsage } from "../../connectors/aws/cost-explorer";
import { AwsConfig } from "../../connectors/aws/schema";
import { addDays, dayOf } from "../period";
import { costExplorerDrafts } from "./aws-ce-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS } from "./window";

/**
 * AWS: the cloud bill from Cost Explorer GetCostAndUsage, daily, grouped by the tenant's cost-allocation tag and the
 * linked account. Cost Explorer refreshes at least daily and revises recent days (estimated → final, late usage,
 * credits), so each window re-reads the five days before its watermark and replaces each group's figure. Every page
 * is billed by AWS: a window is at most 31 days, and passes should be hours apart.
 */
const cost: CollectorStream = {
  name: "cost",
  trailingMs: 5 * DAY_MS,
  maxWindowMs: 31 * DAY_MS,
  async read(input, window) {
    const config = AwsConfig.parse(input.connection.config);
    const tagKey = input.settings.tagKey;
    if (!tagKey) throw new Error("the collector has no cost-allocation tag key (settings.tag_key)");
    const metric = input.settings.costMetric ?? "UnblendedCost";
    // Whole UTC days, the end exclusive: the day the window ends in is read (partial, estimated) and read again later.
    const { results } = await getCostAndUsage(
      { config, secrets: input.connection.secrets, fetch: input.fetch },
      {
        TimePeriod: { Start: dayOf(window.from), End: addDays(dayOf(window.to), 1) },
        Granularity: "DAILY",
        Metrics: [metric],
        GroupBy: [
          { Type: "TAG", Key: tagKey },
          { Type: "DIMENSION", Key: "LINKED_ACCOUNT" },
        ],
      },
    );
    const { drafts, groups, otherCurrency } = costExplorerDrafts(results, { currency: input.costs.currency, tagKey, metric });
    if (otherCurrency)
      throw new Error(`${otherCurrency} Cost Explorer groups are in another currency than the workspace's ${input.costs.currency}; Tutti converts nothing`);
    return { rows: groups, drafts };
  },
};

export const awsCollector: CostCollector = {
  kind: "aws",
  streams: () => [cost],
  // The bill names no tables.
  namespace: (_config, override) => override ?? "aws",
};
