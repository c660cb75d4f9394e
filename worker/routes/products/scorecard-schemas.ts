import { z } from "@hono/zod-openapi";
import { fromMicros } from "../../costs/money";
import type { Scorecard } from "../../db/repo/products/scorecard";
import { productTiers } from "../../db/schema/enums";
import { valueStates } from "../../costs/scorecard";
import { rangeKeys, type ScorecardWindows } from "../../costs/windows";
import { checkStates } from "../../lineage/dataset-health";
import { productHealthStatuses } from "../../products/health";
import { TeamRef, teamRefOut } from "../lineage/catalog-schemas";
import type { ProductSavings } from "../../products/unused-savings";
import { isoOrNull, timestamp } from "../shared";

const money = (micros: number) => fromMicros(micros);
const moneyOrNull = (micros: number | null) => (micros === null ? null : fromMicros(micros));
const ratioOrNull = (x: number | null) => (x === null ? null : Math.round(x * 10_000) / 10_000);

export const PeriodQuery = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "a month like 2026-07")
  .optional()
  .openapi({ description: "Month (UTC) as YYYY-MM; default the current month", example: "2026-07" });

export const RangeQuery = z.enum(rangeKeys).optional().openapi({
  description:
    "The window of the cost and usage figures: mtd (month to date, the default), or the trailing 7d, 30d or 90d UTC days ending today (or on the period's last day)",
  example: "30d",
});

export const WindowOut = z
  .object({
    range: z.enum(rangeKeys),
    from: z.string().openapi({ description: "First day (UTC) the window figures cover" }),
    to: z.string().openapi({ description: "Last day (UTC), included" }),
    days: z.number().int(),
    previous: z
      .object({ from: z.string(), to: z.string() })
      .openapi({ description: "What previous_same_days and trend compare with: for mtd the same days of the previous month, otherwise the days just before" }),
  })
  .openapi("ScorecardWindow", {
    description: "The days the cost.month_to_date and usage.month_to_date figures cover (despite their names: the selected range)",
  });

export const windowOut = (w: ScorecardWindows) => ({ range: w.range, from: w.month.from, to: w.month.to, days: w.days, previous: w.previous });

export const SavedOut = z
  .object({
    amount: z
      .number()
      .nullable()
      .openapi({ description: "Cost avoided, in `currency`; null when no pipeline acted on has a measured cost per run (unknown, not zero)" }),
    currency: z.string(),
    runs_skipped: z.number().int().openapi({ description: "Runs the old schedules would have made since the actions (until undone) minus the runs made" }),
    pipelines: z.number().int().openapi({ description: "Pipelines the policy ever slowed or paused" }),
    unknown_cost_pipelines: z
      .number()
      .int()
      .openapi({ description: "Of those, pipelines without a measured cost per run: their skipped runs add nothing to amount" }),
    basis: z.string().openapi({ description: "How the figure was reached, in words" }),
  })
  .openapi("UnusedSavings");

export function savedOut(s: ProductSavings | null) {
  if (!s) return null;
  const known = s.pipelines - s.unknownCost;
  const basis = [
    `${s.runsSkipped} run${s.runsSkipped === 1 ? "" : "s"} skipped on ${s.pipelines} pipeline${s.pipelines === 1 ? "" : "s"} slowed or paused because the product was unused`,
    known ? `× each pipeline's cost per run measured over the 30 days before` : null,
    s.unknownCost ? `${s.unknownCost} pipeline${s.unknownCost === 1 ? " has" : "s have"} no measured cost per run: unknown` : null,
  ]
    .filter(Boolean)
    .join("; ");
  return {
    amount: s.savedMicros === null ? null : fromMicros(s.savedMicros),
    currency: s.currency,
    runs_skipped: s.runsSkipped,
    pipelines: s.pipelines,
    unknown_cost_pipelines: s.unknownCost,
    basis,
  };
}

export const ScorecardOut = z
  .object({
    rank: z.number().int().openapi({ description: "1 = best value for money; zombies last" }),
    product: z.object({ id: z.string(), name: z.string(), title: z.string(), tier: z.enum(productTiers), owner_team: TeamRef }),
    cost: z.object({
      month_to_date: z.number().openapi({ description: "Cost over the window (range); month to date by default" }),
      previous_same_days: z.number().openapi({ description: "Cost over window.previous, as long as the window" }),
      trend: z.number().nullable().openapi({ description: "Relative change, 0.25 = +25 %; null without a previous figure" }),
      last_30_days: z.number(),
      per_use: z.number().nullable(),
      per_consumer: z.number().nullable(),
    }),
    usage: z.object({
      month_to_date: z.number().int().openapi({ description: "Uses over the window (range); month to date by default" }),
      previous_same_days: z.number().int(),
      trend: z.number().nullable(),
      last_30_days: z.number().int(),
      consumers: z.number().int().openapi({ description: "Distinct consumers over the window" }),
      last_used_day: z.string().nullable(),
      known: z.boolean().openapi({
        description: "The workspace reported usage of some product in the last 30 days. false: usage unknown — nobody sends usage, so no product is a zombie",
      }),
    }),
    value: z.object({
      declared_monthly: z.number().nullable(),
      ratio: z.number().nullable().openapi({ description: "Declared monthly value ÷ cost of the last 30 days" }),
      state: z.enum(valueStates).openapi({
        description: "good: ratio ≥ 3; fair: ≥ 1; poor: below 1; zombie: no use in 30 days, whatever the ratio; unknown: no declared value or no cost",
      }),
    }),
    zombie: z.boolean().openapi({ description: "Cost in the last 30 days and no usage, in a workspace that reports usage (usage.known)" }),
    reliability: z.object({
      runs_30_days: z.number().int(),
      succeeded_30_days: z.number().int(),
      success_rate: z.number().nullable().openapi({ description: "0–1, finished runs of the product's pipelines in 30 days" }),
      success_rate_target: z.number().nullable().openapi({ description: "0–1 (the product's SLA says it in percent)" }),
      freshness: z.enum(["fresh", "late", "unknown", "no_policy"]),
      updated_at: timestamp.nullable(),
      deadline: timestamp.nullable(),
    }),
    quality: z.object({
      checks: z.number().int().openapi({ description: "Checks of the product's datasets with a latest result in 30 days (skipped left out)" }),
      passing: z.number().int(),
      warning: z.number().int(),
      failing: z.number().int().openapi({ description: "Latest result fail or error" }),
      pass_rate: z.number().nullable(),
      state: z.enum(checkStates),
    }),
    health: z
      .object({
        status: z.enum(productHealthStatuses),
        label: z.string(),
        needs_attention: z.boolean().openapi({ description: "Every status but healthy and unknown: open alerts, late, below target, zombie" }),
      })
      .openapi({ description: "The product's health at a glance, as every page shows it" }),
    open_alerts: z.number().int().nullable().openapi({ description: "Unresolved alerts about or affecting the product; null when unknown" }),
    pipelines: z.number().int(),
    datasets: z.number().int(),
    saved: z
      .union([SavedOut, z.null()])
      .openapi({ description: "What the product's unused policy saved by slowing or pausing its pipelines; null when it never acted" }),
  })
  .openapi("ProductScorecard");

export function scorecardOut(s: Scorecard) {
  const p = s.product.p;
  const f = s.reliability.freshness;
  return {
    rank: s.rank,
    product: { id: p.id, name: p.name, title: p.title, tier: p.tier, owner_team: teamRefOut(p.ownerTeamId, s.product.teamName) },
    cost: {
      month_to_date: money(s.cost.monthMicros),
      previous_same_days: money(s.cost.previousMicros),
      trend: ratioOrNull(s.cost.trend),
      last_30_days: money(s.cost.last30Micros),
      per_use: moneyOrNull(s.cost.perUseMicros === null ? null : Math.round(s.cost.perUseMicros)),
      per_consumer: moneyOrNull(s.cost.perConsumerMicros === null ? null : Math.round(s.cost.perConsumerMicros)),
    },
    usage: {
      month_to_date: s.usage.month,
      previous_same_days: s.usage.previous,
      trend: ratioOrNull(s.usage.trend),
      last_30_days: s.usage.last30,
      consumers: s.usage.consumers,
      last_used_day: s.usage.lastUsedDay,
      known: s.usage.known,
    },
    value: { declared_monthly: moneyOrNull(s.value.declaredMicros), ratio: ratioOrNull(s.value.ratio), state: s.value.state },
    zombie: s.zombie,
    reliability: {
      runs_30_days: s.reliability.runs,
      succeeded_30_days: s.reliability.succeeded,
      success_rate: ratioOrNull(s.reliability.successRate),
      success_rate_target: s.reliability.target,
      freshness: f ? f.state : ("no_policy" as const),
      updated_at: isoOrNull(s.reliability.updatedAt),
      deadline: isoOrNull(f?.deadline),
    },
    quality: {
      checks: s.quality.checks,
      passing: s.quality.passing,
      warning: s.quality.warning,
      failing: s.quality.failing,
      pass_rate: ratioOrNull(s.quality.passRate),
      state: s.quality.state,
    },
    health: { status: s.health.status, label: s.health.label, needs_attention: s.health.needsAttention },
    open_alerts: s.openAlerts,
    pipelines: s.pipelines.length,
    datasets: s.datasets.length,
    saved: savedOut(s.saved),
  };
}
