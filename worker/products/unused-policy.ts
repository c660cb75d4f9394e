import type { TenantCtx } from "../db/client";
import { getCostSettings } from "../db/repo/costs/settings";
import { lastUseDays } from "../db/repo/costs/usage";
import { getPipelineById } from "../db/repo/pipelines/pipelines";
import { pipelineFacts, type PipelineFacts } from "../db/repo/pipelines/ownership";
import { productsForPipeline } from "../db/repo/products/membership";
import { listProducts, type ProductRow } from "../db/repo/products/products";
import { scorecards, type Scorecard } from "../db/repo/products/scorecard";
import {
  actionsOfProducts,
  activeActions,
  applyAction,
  claimNotice,
  clearNotice,
  markUseReturned,
  runCostOfPipelines,
  type PlannedAction,
} from "../db/repo/products/unused";
import type { AuditSource } from "../db/repo/platform/audit";
import type { Env } from "../env";
import { dayOf, monthOf } from "../costs/period";
import { scorecardWindows } from "../costs/windows";
import type { UnusedProductSignal } from "../queues/notify-messages";
import { costPerRun, slowCron, unusedFor, unusedStep } from "./unused-rules";
import { tenantContext } from "../db/shards";

/**
 * "Run only what is used", once a day from the tenant's Durable Object (beside the zombie digest): for each product
 * with an unused policy (or a pending notice, or actions in effect) it decides the next step with the pure rules in
 * ./unused-rules.ts — tell the owners, act after the grace period, withdraw a notice, tell them use returned. Returns
 * the pipelines it changed now and every other pipeline with an action in effect: the object re-reads them all, so one
 * whose rescheduling failed last time is caught up by the next pass (re-reading an unchanged pipeline changes nothing).
 */

const DAY_MS = 86_400_000;
const POLICY_ACTOR: AuditSource["principal"] = { actor: { type: "system", id: "unused_policy", label: "unused-product policy" } };

export async function runUnusedPolicies(env: Env, tenantId: string, now: number): Promise<{ changed: string[]; inEffect: string[] }> {
  const ctx = await tenantContext(env, tenantId);
  const all = await listProducts(ctx);
  const active = await activeActions(ctx);
  const withActions = new Set(active.map((a) => a.productId));
  const relevant = all.filter((r) => r.p.unusedPolicy || r.p.unusedNoticeAt !== null || withActions.has(r.p.id));
  const inEffect = active.map((a) => a.pipelineId);
  if (!relevant.length) return { changed: [], inEffect };
  // The scorecard's own facts: whether the workspace reports usage at all (usage.known), and the product's pipelines.
  const cards = await scorecards(ctx, relevant, scorecardWindows(monthOf(now), dayOf(now)), now);
  const lastUse = await lastUseDays(
    ctx,
    all.map((r) => r.p.id),
  );
  const pass: PassContext = { ctx, env, now, all, lastUse, facts: null as PipelineFacts[] | null, fedCache: new Map<string, Set<string>>() };
  const changed: string[] = [];
  const signals: UnusedProductSignal[] = [];
  for (const card of cards) {
    const p = card.product.p;
    const mine = active.filter((a) => a.productId === p.id);
    const step = unusedStep(
      {
        policy: p.unusedPolicy,
        noticeAt: p.unusedNoticeAt,
        keptUntil: p.unusedKeptUntil,
        usageKnown: card.usage.known,
        lastUsedDay: lastUse.get(p.id) ?? null,
        createdAt: p.createdAt,
        active: mine.length ? { actedAt: Math.min(...mine.map((a) => a.actedAt)), useReturnTold: mine.every((a) => a.useReturnedAt !== null) } : null,
      },
      now,
    );
    switch (step.kind) {
      case "none":
        break;
      case "withdraw":
        await clearNotice(ctx, p.id);
        break;
      case "notify": {
        const plan = await planActions(pass, card);
        // Nothing to slow or pause: no notice (there is nothing to keep).
        if (plan.acts.length && (await claimNotice(ctx, p.id, now))) signals.push(signalOf(pass, card, "notice", now, step.actsAt, plan));
        break;
      }
      case "apply": {
        const plan = await planActions(pass, card);
        const source: AuditSource = { principal: POLICY_ACTOR, ip: null, requestId: null, now };
        const done: PlannedAction[] = [];
        for (const a of plan.acts) if (await applyAction(ctx, source, a)) done.push(a);
        await clearNotice(ctx, p.id);
        changed.push(...done.map((a) => a.pipelineId));
        if (done.length) signals.push(signalOf(pass, card, "applied", now, null, { acts: done, leftAlone: plan.leftAlone }));
        break;
      }
      case "use_returned":
        if (await markUseReturned(ctx, p.id, now)) {
          const acts = (await actionsOfProducts(ctx, [p.id])).filter((a) => a.undoneAt === null);
          signals.push(
            signalOf(pass, card, "use_returned", Math.min(...acts.map((a) => a.actedAt)), null, {
              acts: acts.map((a) => ({ pipelineName: a.pipelineName, previousCron: a.previousCron, newCron: a.newCron, timezone: a.timezone })),
              leftAlone: [],
            }),
          );
        }
        break;
      default: {
        const never: never = step;
        throw new Error(`unknown step ${(never as { kind: string }).kind}`);
      }
    }
  }
  if (signals.length) await env.NOTIFY.sendBatch(signals.map((body) => ({ body })));
  return { changed, inEffect };
}

interface PassContext {
  ctx: TenantCtx;
  env: Env;
  now: number;
  all: ProductRow[];
  lastUse: Map<string, string>;
  facts: PipelineFacts[] | null;
  /** Pipeline id → the products it feeds, directly or through pipelines triggered after it. */
  fedCache: Map<string, Set<string>>;
}

interface Plan {
  acts: PlannedAction[];
  leftAlone: Array<{ name: string; reason: string }>;
}

/**
 * The pipelines of the product the policy may change: live, scheduled, not paused, not already changed, owned by the
 * product's owner team, and feeding no other product that is in use. What a pipeline feeds is every product productsForPipeline finds (declared, writing
 * a dataset it claims, or downstream in lineage), also through pipelines that run `after:` it, since slowing it slows
 * them; a product is in use when it was used (or registered) within the policy's days.
 */
async function planActions(pass: PassContext, card: Scorecard): Promise<Plan> {
  const p = card.product.p;
  const policy = p.unusedPolicy!;
  const acted = new Set((await activeActions(pass.ctx)).map((a) => a.pipelineId));
  const acts: Omit<PlannedAction, "costPerRunMicros" | "costRuns" | "currency">[] = [];
  const leftAlone: Plan["leftAlone"] = [];
  const byId = new Map(pass.all.map((r) => [r.p.id, r.p]));
  for (const pipelineId of [...new Set(card.pipelines.map((x) => x.pipelineId))]) {
    const pl = await getPipelineById(pass.ctx, pipelineId);
    if (!pl || pl.archivedAt !== null || !pl.inProduction) continue;
    const cron = pl.scheduleOverride ?? pl.cron;
    if (!cron || !pl.timezone) continue;
    if (pl.paused) {
      leftAlone.push({ name: pl.name, reason: "already paused" });
      continue;
    }
    if (acted.has(pl.id)) continue;
    // The owner team's policy changes its own pipelines only; another team's pipeline is that team's call.
    if (pl.teamId !== p.ownerTeamId) {
      leftAlone.push({ name: pl.name, reason: "owned by another team" });
      continue;
    }
    const usedElsewhere = [...(await productsFedBy(pass, pl.id, pl.name))]
      .filter((id) => id !== p.id)
      .map((id) => byId.get(id))
      .filter((q) => q && !unusedFor(pass.lastUse.get(q.id) ?? null, q.createdAt, pass.now, policy.afterDays));
    if (usedElsewhere.length) {
      leftAlone.push({ name: pl.name, reason: `also feeds ${usedElsewhere.map((q) => q!.name).join(", ")}, in use` });
      continue;
    }
    const newCron = policy.action === "slow" ? slowCron(cron, pl.timezone, policy.slowTo ?? "daily") : null;
    if (policy.action === "slow" && newCron === null) {
      leftAlone.push({ name: pl.name, reason: `already runs no more often than ${policy.slowTo ?? "daily"}` });
      continue;
    }
    acts.push({
      productId: p.id,
      ownerTeamId: p.ownerTeamId,
      productName: p.name,
      pipelineId: pl.id,
      pipelineName: pl.name,
      action: policy.action,
      previousCron: cron,
      timezone: pl.timezone,
      newCron,
    });
  }
  const { currency } = await getCostSettings(pass.ctx);
  const costs = await runCostOfPipelines(
    pass.ctx,
    acts.map((a) => a.pipelineId),
    pass.now - 30 * DAY_MS,
    pass.now,
    currency,
  );
  return {
    acts: acts.map((a) => {
      const c = costs.get(a.pipelineId);
      return { ...a, costPerRunMicros: c ? costPerRun(c.totalMicros, c.runs) : null, costRuns: c?.runs ?? 0, currency };
    }),
    leftAlone,
  };
}

/** Products a pipeline feeds, and those fed by the pipelines that run after it (transitively). */
async function productsFedBy(pass: PassContext, pipelineId: string, pipelineName: string): Promise<Set<string>> {
  const cached = pass.fedCache.get(pipelineId);
  if (cached) return cached;
  pass.facts ??= await pipelineFacts(pass.ctx);
  const out = new Set<string>();
  const seen = new Set<string>([pipelineName]);
  const queue: Array<{ id: string; name: string }> = [{ id: pipelineId, name: pipelineName }];
  while (queue.length) {
    const next = queue.shift()!;
    for (const fed of await productsForPipeline(pass.ctx, next.id)) out.add(fed.id);
    for (const f of pass.facts) {
      if (seen.has(f.name) || !f.triggers.some((t) => t.after === next.name)) continue;
      seen.add(f.name);
      queue.push({ id: f.id, name: f.name });
    }
  }
  pass.fedCache.set(pipelineId, out);
  return out;
}

function signalOf(
  pass: PassContext,
  card: Scorecard,
  phase: UnusedProductSignal["phase"],
  key: number,
  actsAt: number | null,
  plan: { acts: Array<Pick<PlannedAction, "pipelineName" | "previousCron" | "newCron" | "timezone">>; leftAlone: Plan["leftAlone"] },
): UnusedProductSignal {
  const p = card.product.p;
  const policy = p.unusedPolicy;
  // What was done speaks for itself (the policy may have changed or been turned off since).
  const paused = plan.acts.length ? plan.acts.every((a) => a.newCron === null) : policy?.action === "pause";
  const base = pass.env.APP_URL?.replace(/\/+$/, "");
  return {
    type: "products.unused_policy",
    tenantId: pass.ctx.tenantId,
    phase,
    productId: p.id,
    productName: p.name,
    productTitle: p.title,
    teamId: p.ownerTeamId,
    teamName: card.product.teamName,
    action: paused ? "pause" : "slow",
    slowTo: paused ? null : policy?.action === "slow" ? (policy.slowTo ?? "daily") : null,
    afterDays: policy?.afterDays ?? 0,
    lastUsedDay: pass.lastUse.get(p.id) ?? null,
    actsAt,
    pipelines: plan.acts.map((a) => ({ name: a.pipelineName, from: a.previousCron, to: a.newCron, timezone: a.timezone })),
    leftAlone: plan.leftAlone,
    productUrl: base ? `${base}/products/${encodeURIComponent(p.name)}` : null,
    key,
    at: pass.now,
  };
}
