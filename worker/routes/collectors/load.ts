import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getConnection } from "../../db/repo/connections/connections";
import { notFound } from "../../lib/errors";
import { canSeeTeamResources, requireAdmin } from "../../lib/principal";

/**
 * The connection whose collector a request reads or changes. Another tenant's (or a hidden team's) connection is not
 * found; a visible one needs a tenant admin, as for editing the collector.
 */
export async function loadCollectorConnection(c: Context<AppEnv>, connectionId: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const connection = await getConnection(ctx, connectionId);
  if (!connection || !canSeeTeamResources(p, connection.teamId)) throw notFound("connection");
  requireAdmin(p);
  return { p, ctx, connection };
}
