import type { UnusedProductSignal } from "../queues/notify-messages";

/**
 * The alert of a product's unused policy ("run only what is used", worker/products/unused-policy.ts). Its own module
 * (intents.ts maps every signal); the raise it builds is checked against RaiseIntent where intents.ts returns it.
 */

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** One alert per product, phase and occasion (the notice's or the action's time). */
export const unusedProductKey = (productId: string, phase: UnusedProductSignal["phase"], key: number) => `unused:${productId}:${phase}:${key}`;

const changeLine = (p: UnusedProductSignal["pipelines"][number]) =>
  `• ${p.name}: ${p.to === null ? `paused (was \`${p.from}\`)` : `\`${p.from}\` → \`${p.to}\``} (${p.timezone})`;

/** The owners of a product its unused policy acts on: what will happen (or did), to which pipelines, and where to keep or undo. */
export function unusedProductIntent(s: UnusedProductSignal) {
  const key = unusedProductKey(s.productId, s.phase, s.key);
  const verb = s.action === "pause" ? "paused" : `slowed to ${s.slowTo ?? "daily"}`;
  const since = s.lastUsedDay ? `unused since ${s.lastUsedDay}` : "never used";
  const where = s.productUrl ? ` on its page: ${s.productUrl}` : " on its page in Tutti (Data products)";
  const title =
    s.phase === "notice"
      ? `${s.productTitle}: its pipelines will be ${verb} on ${utcDay(s.actsAt ?? s.at)} (no use in ${s.afterDays} days)`
      : s.phase === "applied"
        ? `${s.productTitle}: ${s.pipelines.length} pipeline${s.pipelines.length === 1 ? "" : "s"} ${verb} (no use in ${s.afterDays} days)`
        : `${s.productTitle} is used again while its pipelines are ${verb}`;
  const lead =
    s.phase === "notice"
      ? `${s.productTitle} (${s.productName}) is ${since}: nobody used it in ${s.afterDays} days. Unless you keep it, on ${utcDay(s.actsAt ?? s.at)} Tutti will change:`
      : s.phase === "applied"
        ? `${s.productTitle} (${s.productName}) is ${since}, so Tutti changed:`
        : `${s.productTitle} (${s.productName}) was used on ${s.lastUsedDay}. Its pipelines still run on the changed schedules:`;
  const after = s.phase === "notice" ? `Keep them running${where} ("Keep running").` : `Undo restores each previous schedule in one click${where} ("Undo").`;
  return {
    action: "raise" as const,
    signalKey: key,
    at: s.at,
    kind: "unused_product" as const,
    severity: "warning" as const,
    dedupeKey: key,
    title,
    summary: [
      lead,
      ...s.pipelines.map(changeLine),
      ...(s.leftAlone.length ? ["Left alone:", ...s.leftAlone.map((p) => `• ${p.name}: ${p.reason}`)] : []),
      after,
    ].join("\n"),
    // About the team, not the product: a notice must not count as an open alert of the product or change its health.
    subject: { type: "team" as const, id: s.teamId, name: s.teamName ?? s.teamId },
    owner: { teamId: s.teamId },
    pipeline: null,
    runId: null,
    details: {
      phase: s.phase,
      product: { id: s.productId, name: s.productName },
      action: s.action,
      slow_to: s.slowTo,
      after_days: s.afterDays,
      last_used_day: s.lastUsedDay,
      acts_at: s.actsAt === null ? null : new Date(s.actsAt).toISOString(),
      pipelines: s.pipelines,
      left_alone: s.leftAlone,
      product_url: s.productUrl,
    },
    impactFrom: null,
    cause: `${s.productTitle} is not used`,
  };
}
