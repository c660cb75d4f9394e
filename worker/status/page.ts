import { addDays, dayOf, dayStart, monthOf } from "../costs/period";
import { scorecardWindows } from "../costs/windows";
import type { TenantCtx } from "../db/client";
import { productIncidents, type ProductIncident } from "../db/repo/products/incidents";
import { getProduct } from "../db/repo/products/products";
import { productSlaAttainment, scorecards } from "../db/repo/products/scorecard";
import { severityRank, type AlertSeverity } from "../alerting/kinds";
import type { Attainment } from "../products/reliability";
import type { ProductHealth } from "../products/health";
import type { FreshnessStatus } from "../lineage/freshness";

/**
 * What a product's status page shows, and nothing more: its name and owner team, its health (the one definition of
 * worker/products/health.ts, through the same scorecard every other page uses), freshness against its SLA, its
 * incidents with the notes people wrote, and the last HISTORY_DAYS days. Cost, value, usage, consumers, pipelines,
 * datasets, error text and people's names stay out: the page is for people without an account.
 */

export const HISTORY_DAYS = 30;
const DAY_MS = 86_400_000;

export interface StatusPage {
  product: { name: string; title: string; description: string; ownerTeam: string | null; tier: string };
  health: ProductHealth;
  sla: { cron: string; timezone: string; maxAgeMs: number; successTarget: number | null } | null;
  freshness: FreshnessStatus | null;
  updatedAt: number | null;
  attainment: Attainment | null;
  incidents: ProductIncident[];
  days: Array<{ day: string; incidents: number; worst: AlertSeverity | null; missedDeadlines: number }>;
}

/**
 * Per day (UTC) of the window: how many incidents were open at some time that day, the worst one's severity, and
 * how many of the freshness promise's deadlines that day were missed — so a day is shown as fine only when both are
 * clear, and the bars agree with the attainment beside them.
 */
function historyDays(incidents: ProductIncident[], missedAt: readonly number[], now: number): StatusPage["days"] {
  const today = dayOf(now);
  return Array.from({ length: HISTORY_DAYS }, (_, i) => {
    const day = addDays(today, i - (HISTORY_DAYS - 1));
    const from = dayStart(day);
    const to = from + DAY_MS;
    const active = incidents.filter(({ alert }) => alert.firstSeenAt < to && (alert.resolvedAt ?? now) >= from);
    const worst = active.reduce<AlertSeverity | null>(
      (w, { alert }) => (w === null || severityRank[alert.severity] > severityRank[w] ? alert.severity : w),
      null,
    );
    return { day, incidents: active.length, worst, missedDeadlines: missedAt.filter((t) => t >= from && t < to).length };
  });
}

export async function statusPage(ctx: TenantCtx, productId: string, now: number): Promise<StatusPage | null> {
  const row = await getProduct(ctx, productId);
  if (!row) return null;
  const p = row.p;
  const since = dayStart(addDays(dayOf(now), -(HISTORY_DAYS - 1)));
  const [[card], incidents] = await Promise.all([
    scorecards(ctx, [row], scorecardWindows(monthOf(now), dayOf(now)), now),
    productIncidents(ctx, { id: p.id, name: p.name }, since),
  ]);
  // Over the same 30 days as the incident history, so each missed deadline falls on one of its days.
  const attainment = await productSlaAttainment(ctx, card, since, now);
  return {
    product: { name: p.name, title: p.title, description: p.description, ownerTeam: row.teamName, tier: p.tier },
    health: card.health,
    sla:
      p.slaCron && p.slaTimezone && p.slaMaxAgeMs != null
        ? { cron: p.slaCron, timezone: p.slaTimezone, maxAgeMs: p.slaMaxAgeMs, successTarget: p.slaSuccessTarget }
        : null,
    freshness: card.reliability.freshness,
    updatedAt: card.reliability.updatedAt,
    attainment,
    incidents,
    days: historyDays(incidents, attainment?.missedAt ?? [], now),
  };
}
