import type { TenantCtx } from "../db/client";
import { actionsOfProducts, runsDuringActions, type UnusedPipelineAction } from "../db/repo/products/unused";
import { actionSavings, type ActionSavings } from "./unused-rules";

/**
 * What products' unused policies saved: for each pipeline slowed or paused, the runs its old schedule would have made
 * since the action (until undone, or now) minus the runs it made, times its cost per run measured over the 30 days
 * before the action. A pipeline with no measured cost adds skipped runs but no money ("unknown", never invented).
 */

export interface ActionWithSavings extends ActionSavings {
  action: UnusedPipelineAction;
  runsMade: number;
}

export interface ProductSavings {
  /** Sum over the actions with a known cost per run, in micro-units of `currency`; null when none has one. */
  savedMicros: number | null;
  currency: string;
  runsSkipped: number;
  /** Pipelines ever slowed or paused by the policy, and how many of those have no measured cost. */
  pipelines: number;
  unknownCost: number;
  actions: ActionWithSavings[];
}

export async function savingsOfProducts(ctx: TenantCtx, productIds: string[], now: number): Promise<Map<string, ProductSavings>> {
  const actions = await actionsOfProducts(ctx, productIds);
  const out = new Map<string, ProductSavings>();
  if (!actions.length) return out;
  const made = await runsDuringActions(ctx, actions, now);
  for (const action of actions) {
    const runsMade = made.get(action.id) ?? 0;
    const s = actionSavings(action, runsMade, now);
    const entry = out.get(action.productId) ?? { savedMicros: null, currency: action.currency, runsSkipped: 0, pipelines: 0, unknownCost: 0, actions: [] };
    entry.actions.push({ action, runsMade, ...s });
    entry.runsSkipped += s.runsSkipped;
    if (s.savedMicros !== null) entry.savedMicros = (entry.savedMicros ?? 0) + s.savedMicros;
    out.set(action.productId, entry);
  }
  for (const entry of out.values()) {
    const byPipeline = new Map<string, boolean>();
    for (const a of entry.actions) byPipeline.set(a.action.pipelineId, (byPipeline.get(a.action.pipelineId) ?? false) || a.action.costPerRunMicros !== null);
    entry.pipelines = byPipeline.size;
    entry.unknownCost = [...byPipeline.values()].filter((known) => !known).length;
  }
  return out;
}
