import type { ResultByTime } from "../../connectors/aws/cost-explorer";
import { fixedToMicros, parseDecimal } from "../decimal";
import type { CostDraft } from "../draft";
import { dayStart, isDay } from "../period";

/**
 * Cost Explorer daily results grouped by a cost-allocation tag and the linked account → one ledger record per day,
 * account and tag value. Cost Explorer revises recent days (estimates become final, late usage and credits arrive),
 * so every pass re-reads a trailing window and each group's record is replaced by the new figure, never added to.
 * A tag value names the product it belongs to (explicit split); an untagged group (`<key>$`) is recorded without a
 * product: it counts for the connection's team as unattributed spend.
 */

export const costMetrics = ["UnblendedCost", "AmortizedCost", "NetUnblendedCost", "NetAmortizedCost"] as const;
export type CostMetric = (typeof costMetrics)[number];

const DAY_MS = 86_400_000;

export interface CostExplorerMapping {
  currency: string;
  tagKey: string;
  metric: CostMetric;
}

/** The tag value of a group key `"<tagKey>$<value>"`; "" when the resource is untagged, null when it is not a tag key. */
export function tagValueOf(key: string | undefined, tagKey: string): string | null {
  if (typeof key !== "string" || !key.startsWith(`${tagKey}$`)) return null;
  return key.slice(tagKey.length + 1);
}

/** Drafts for the window's groups; amounts in another unit than the workspace currency are counted, never converted. */
export function costExplorerDrafts(results: ResultByTime[], m: CostExplorerMapping): { drafts: CostDraft[]; groups: number; otherCurrency: number } {
  const drafts = new Map<string, CostDraft>();
  let groups = 0;
  let otherCurrency = 0;
  for (const result of results) {
    const day = result.TimePeriod?.Start;
    if (typeof day !== "string" || !isDay(day)) continue;
    for (const group of result.Groups ?? []) {
      groups++;
      const [tagKey, account] = group.Keys ?? [];
      const value = tagValueOf(tagKey, m.tagKey);
      const metric = group.Metrics?.[m.metric];
      const amount = parseDecimal(metric?.Amount);
      if (value === null || amount === null) continue;
      if (metric?.Unit !== m.currency) {
        otherCurrency++;
        continue;
      }
      const accountId = typeof account === "string" ? account : "";
      const externalRef = `ce:${day}:${accountId}:${m.tagKey}$${value}`;
      const startedAt = dayStart(day);
      drafts.set(externalRef, {
        source: "aws",
        externalRef,
        amountMicros: fixedToMicros(amount),
        currency: m.currency,
        quantity: null,
        unit: null,
        startedAt,
        endedAt: startedAt + DAY_MS,
        description: `AWS ${accountId ? `account ${accountId}` : "spend"} · ${value ? `${m.tagKey}=${value}` : `no ${m.tagKey} tag`}${result.Estimated ? " (estimated)" : ""}`,
        attribution: value ? { products: [{ name: value, weight: 1 }] } : {},
      });
    }
  }
  return { drafts: [...drafts.values()], groups, otherCurrency };
}
