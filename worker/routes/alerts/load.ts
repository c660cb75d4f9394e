import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { getAlert, impactsOf, tenantUsersByIds, type Alert, type AlertImpact } from "../../db/repo/alerting/alerts";
import { listTeams } from "../../db/repo/accounts/teams";
import { ApiError, notFound } from "../../lib/errors";
import { canActForTeam, isTenantAdmin, requireScope, type Principal } from "../../lib/principal";
import type { Presentation } from "./schemas";

/** The alert at `id`, readable by every member of the tenant (alerts are shared like lineage); 404 for other tenants. */
export async function loadAlert(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  requireScope(p, "read");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const alert = await getAlert(ctx, id);
  if (!alert) throw notFound("alert");
  return { p, ctx, alert };
}

/**
 * Acknowledge, resolve, assign and notes: `runs:write` (alerts are operations, like cancelling a run) and membership
 * of a team the alert concerns, its owner or the owner of an impacted product.
 */
export function requireAlertWrite(p: Principal, alert: Alert, impacts: AlertImpact[]): void {
  requireScope(p, "runs:write");
  const teams = [alert.ownerTeamId, ...impacts.map((i) => i.ownerTeamId)].filter((t): t is string => !!t);
  // Tenant admins may act on any alert, including those without an owner team.
  if (teams.some((t) => canActForTeam(p, t)) || (p.actor.type === "user" && isTenantAdmin(p))) return;
  throw new ApiError("forbidden", "only members of the owning team or of an impacted product's team can change this alert");
}

export const actorOf = (p: Principal) => ({ type: p.actor.type, id: p.actor.id, label: p.actor.label });

/** Team names, assignees and impacts for a set of alerts, read once per response. */
export async function presentation(ctx: TenantCtx, alerts: Alert[]): Promise<Presentation> {
  const [teams, impacts, users] = await Promise.all([
    listTeams(ctx),
    impactsOf(
      ctx,
      alerts.map((a) => a.id),
    ),
    tenantUsersByIds(ctx, [...new Set(alerts.map((a) => a.assigneeUserId).filter((u): u is string => !!u))]),
  ]);
  const byAlert = new Map<string, AlertImpact[]>();
  for (const i of impacts) byAlert.set(i.alertId, [...(byAlert.get(i.alertId) ?? []), i]);
  return {
    teams: new Map(teams.map((t) => [t.id, { id: t.id, slug: t.slug, name: t.name }])),
    users: new Map(users.map((u) => [u.id, u])),
    impacts: byAlert,
  };
}
