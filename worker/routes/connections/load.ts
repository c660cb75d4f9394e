import type { Context } from "hono";
import { connectionKind } from "../../connectors/registry";
import type { AppEnv } from "../../context";
import { tenantCtx } from "../../db/client";
import { getConnection } from "../../db/repo/connections/connections";
import { notFound } from "../../lib/errors";
import { canSeeTeamResources } from "../../lib/principal";

/** The connection at `id`: 404 for other tenants and for everyone outside the owning team (tenant admins excepted). */
export async function loadConnection(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const connection = await getConnection(ctx, id);
  if (!connection || !canSeeTeamResources(p, connection.teamId)) throw notFound("connection");
  return { ctx, p, connection, kind: connectionKind(connection.kind) };
}
