import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../../context";
import type { TenantCtx } from "../../../db/client";
import type { Product } from "../../../db/repo/products/products";
import { slowTargets, unusedActions } from "../../../db/schema/enums";
import { fromMicros } from "../../../costs/money";
import { getCostSettings } from "../../../db/repo/costs/settings";
import { savingsOfProducts } from "../../../products/unused-savings";
import { UNUSED_AFTER_DAYS_MAX, UNUSED_AFTER_DAYS_MIN, UNUSED_GRACE_DAYS, UNUSED_GRACE_MS } from "../../../products/unused-rules";
import { isoOrNull, timestamp } from "../../shared";
import { SavedOut, savedOut } from "../scorecard-schemas";

export const UnusedPolicyIn = z
  .object({
    after_days: z
      .number()
      .int()
      .min(UNUSED_AFTER_DAYS_MIN)
      .max(UNUSED_AFTER_DAYS_MAX)
      .openapi({ description: `Days without any use before the policy acts (${UNUSED_AFTER_DAYS_MIN}–${UNUSED_AFTER_DAYS_MAX})`, example: 30 }),
    action: z.enum(unusedActions).openapi({ description: "slow: run the pipelines once a day or week instead; pause: stop their schedules" }),
    slow_to: z.enum(slowTargets).optional().openapi({ description: "For slow: how coarse the schedule becomes (default daily)" }),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.action === "pause" && p.slow_to !== undefined) ctx.addIssue({ code: "custom", path: ["slow_to"], message: "only with action slow" });
  });

export const PutUnusedPolicyBody = z
  // Not a named schema: a nullable use of a named one would give the name two shapes; an inline one keeps field paths.
  .object({ policy: UnusedPolicyIn.nullable().openapi({ description: "The policy, or null to turn it off (the default)" }) })
  .strict()
  .openapi("PutUnusedPolicy");

const UnusedPolicyOut = z.object({ after_days: z.number().int(), action: z.enum(unusedActions), slow_to: z.enum(slowTargets).nullable() });

export const UnusedActionOut = z
  .object({
    id: z.string(),
    pipeline: z.object({ id: z.string(), name: z.string() }),
    action: z.enum(unusedActions),
    previous_schedule: z.object({ cron: z.string(), timezone: z.string() }).openapi({ description: "What undo restores" }),
    new_cron: z.string().nullable().openapi({ description: "The slowed schedule; null for a pause" }),
    acted_at: timestamp,
    undone_at: timestamp.nullable(),
    undone_by: z.string().nullable(),
    cost_per_run: z.number().nullable().openapi({ description: "Measured over the 30 days before the action; null: unknown" }),
    runs_skipped: z.number().int(),
    saved: z.number().nullable(),
  })
  .openapi("UnusedPipelineAction");

export const UnusedStateOut = z
  .object({
    product: z.object({ id: z.string(), name: z.string() }),
    policy: UnusedPolicyOut.nullable(),
    grace_days: z.number().int().openapi({ description: "Days between telling the owners and acting" }),
    notice: z
      .object({ given_at: timestamp, acts_at: timestamp })
      .nullable()
      .openapi({ description: "The owners were told; the pipelines change at acts_at unless kept" }),
    kept_until: timestamp.nullable().openapi({ description: "Kept (or undone): the policy does not act before this" }),
    in_effect: z.number().int().openapi({ description: "Pipelines slowed or paused now" }),
    actions: z.array(UnusedActionOut).openapi({ description: "Every action, newest first" }),
    saved: z.union([SavedOut, z.null()]),
    currency: z.string(),
  })
  .openapi("ProductUnusedPolicy");

/** The product's policy, notice, actions and savings, as GET, PUT, keep and undo answer. */
export async function unusedStateOut(c: Context<AppEnv>, ctx: TenantCtx, product: Product) {
  const now = c.get("clock").now();
  const [savings, { currency }] = await Promise.all([savingsOfProducts(ctx, [product.id], now), getCostSettings(ctx)]);
  const s = savings.get(product.id) ?? null;
  const policy = product.unusedPolicy;
  return {
    product: { id: product.id, name: product.name },
    policy: policy ? { after_days: policy.afterDays, action: policy.action, slow_to: policy.slowTo } : null,
    grace_days: UNUSED_GRACE_DAYS,
    notice:
      product.unusedNoticeAt === null
        ? null
        : { given_at: new Date(product.unusedNoticeAt).toISOString(), acts_at: new Date(product.unusedNoticeAt + UNUSED_GRACE_MS).toISOString() },
    kept_until: product.unusedKeptUntil !== null && product.unusedKeptUntil > now ? isoOrNull(product.unusedKeptUntil) : null,
    in_effect: s ? s.actions.filter((a) => a.action.undoneAt === null).length : 0,
    actions: (s?.actions ?? []).map((a) => ({
      id: a.action.id,
      pipeline: { id: a.action.pipelineId, name: a.action.pipelineName },
      action: a.action.action,
      previous_schedule: { cron: a.action.previousCron, timezone: a.action.timezone },
      new_cron: a.action.newCron,
      acted_at: new Date(a.action.actedAt).toISOString(),
      undone_at: isoOrNull(a.action.undoneAt),
      undone_by: a.action.undoneBy,
      cost_per_run: a.action.costPerRunMicros === null ? null : fromMicros(a.action.costPerRunMicros),
      runs_skipped: a.runsSkipped,
      saved: a.savedMicros === null ? null : fromMicros(a.savedMicros),
    })),
    saved: savedOut(s),
    currency,
  };
}
