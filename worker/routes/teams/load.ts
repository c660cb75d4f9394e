import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getTeam } from "../../db/repo/accounts/teams";
import { notFound } from "../../lib/errors";
import { canSeeTeam } from "../../lib/principal";

/** The tenant context and the team at `id`, or 404 when it is not the caller's to see (other tenant, or a token of another team). */
export async function loadTeam(c: Context<AppEnv>, teamId: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const team = await getTeam(ctx, teamId);
  if (!team || !canSeeTeam(p, team.id)) throw notFound("team");
  return { ctx, team, p };
}
