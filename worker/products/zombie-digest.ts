import { productCatalog } from "../alerting/products";
import { zombieDigestKey } from "../alerting/intents";
import type { TenantCtx } from "../db/client";
import { findLatestWithKey } from "../db/repo/alerting/alerts";
import { getCostSettings } from "../db/repo/costs/settings";
import { lastUseDays } from "../db/repo/costs/usage";
import { downstreamOf } from "../db/repo/pipelines/ownership";
import { listProducts } from "../db/repo/products/products";
import { scorecards, type Scorecard } from "../db/repo/products/scorecard";
import type { Env } from "../env";
import { fromMicros } from "../costs/money";
import { dayOf, monthOf } from "../costs/period";
import { scorecardWindows } from "../costs/windows";
import type { ZombieDigestProduct, ZombieDigestSignal } from "../queues/notify-messages";
import { tenantContext } from "../db/shards";

/**
 * The monthly zombie digest: each owner team hears once a month which of its products cost money and were used by
 * nobody in 30 days (the scorecard's one definition, `isZombie`, so a workspace that reports no usage has none),
 * since when, and what depends on them. Run daily by the tenant's Durable Object (worker/durable/runs/zombie-digest.ts):
 * the first day of a month on which a team has zombies sends its digest; a team already told this month is skipped
 * before anything is computed for it, and the alert's `once` grouping keeps a repeated send from notifying twice.
 */
export async function sendZombieDigests(env: Env, tenantId: string, now: number): Promise<ZombieDigestSignal[]> {
  const ctx = await tenantContext(env, tenantId);
  const products = await listProducts(ctx);
  if (!products.length) return [];
  const period = monthOf(now);
  const zombies = (await scorecards(ctx, products, scorecardWindows(period, dayOf(now)), now)).filter((c) => c.zombie);
  const byTeam = new Map<string | null, Scorecard[]>();
  for (const card of zombies) {
    const team = card.product.p.ownerTeamId ?? null;
    byTeam.set(team, [...(byTeam.get(team) ?? []), card]);
  }
  const due: Array<[string | null, Scorecard[]]> = [];
  for (const [team, cards] of byTeam) if (!(await findLatestWithKey(ctx, zombieDigestKey(team, period)))) due.push([team, cards]);
  if (!due.length) return [];

  const lastUse = await lastUseDays(
    ctx,
    due.flatMap(([, cards]) => cards.map((c) => c.product.p.id)),
  );
  const { currency } = await getCostSettings(ctx);
  const signals: ZombieDigestSignal[] = [];
  for (const [teamId, cards] of due) {
    const list: ZombieDigestProduct[] = [];
    for (const card of cards.sort((a, b) => b.cost.last30Micros - a.cost.last30Micros || a.product.p.name.localeCompare(b.product.p.name)))
      list.push({
        id: card.product.p.id,
        name: card.product.p.name,
        cost30d: fromMicros(card.cost.last30Micros),
        lastUsedDay: lastUse.get(card.product.p.id) ?? null,
        createdAt: card.product.p.createdAt,
        ...(await dependentsOf(ctx, card)),
      });
    signals.push({
      type: "products.zombie_digest",
      tenantId,
      teamId,
      teamName: cards[0].product.teamName,
      period,
      currency,
      products: list,
      at: now,
    });
  }
  await env.NOTIFY.sendBatch(signals.map((body) => ({ body })));
  return signals;
}

/** What reads the product's datasets: datasets downstream in the lineage graph, and the other products claiming them. */
async function dependentsOf(ctx: TenantCtx, card: Scorecard): Promise<Pick<ZombieDigestProduct, "dependentProducts" | "downstreamDatasets">> {
  const own = card.datasets.map((d) => d.datasetId);
  const downstream = (await downstreamOf(ctx, { datasetIds: own })).filter((n) => n.type === "dataset");
  const products = await productCatalog.containingDatasets(
    ctx,
    downstream.map((d) => d.id),
  );
  return {
    dependentProducts: [...new Set(products.map((p) => p.name).filter((name) => name !== card.product.p.name))].sort(),
    downstreamDatasets: downstream.length,
  };
}
