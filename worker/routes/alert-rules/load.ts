import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { channelsByIds } from "../../db/repo/alerting/channels";
import { getRule } from "../../db/repo/alerting/rules";
import { ApiError, invalid, notFound, type ErrorDetail } from "../../lib/errors";
import { canSeeTeamResources, requireScope } from "../../lib/principal";
import { parseDuration } from "../../lib/time";

export async function loadRule(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  requireScope(p, "read");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const rule = await getRule(ctx, id);
  if (!rule || !canSeeTeamResources(p, rule.teamId)) throw notFound("alert rule");
  return { p, ctx, rule };
}

const MIN_ESCALATION_MS = 60_000;
const MAX_ESCALATION_MS = 7 * 86_400_000;

/** "30m" → ms; null stays null. Between a minute and a week. */
export function escalationMs(text: string | null): number | null {
  if (text === null) return null;
  const ms = parseDuration(text);
  if (ms === undefined || ms < MIN_ESCALATION_MS || ms > MAX_ESCALATION_MS) throw invalid("escalate_after", "a duration between 1m and 7d, such as 30m or 2h");
  return ms;
}

/** A rule may only send to its own team's channels. */
export async function checkChannels(ctx: TenantCtx, teamId: string, fields: Record<string, string[] | undefined>) {
  const details: ErrorDetail[] = [];
  for (const [field, ids] of Object.entries(fields)) {
    if (!ids?.length) continue;
    const found = new Map((await channelsByIds(ctx, ids)).map((c) => [c.id, c]));
    ids.forEach((id, i) => {
      if (found.get(id)?.teamId !== teamId) details.push({ path: `${field}[${i}]`, message: "no such channel in this team" });
    });
  }
  if (details.length) throw new ApiError("validation_failed", `${details[0].path}: ${details[0].message}`, details);
}
