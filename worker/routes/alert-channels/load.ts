import type { Context } from "hono";
import type { AppEnv } from "../../context";
import { tenantCtx, type TenantCtx } from "../../db/client";
import { getChannel } from "../../db/repo/alerting/channels";
import { getConnection } from "../../db/repo/connections/connections";
import { invalid, notFound } from "../../lib/errors";
import { canSeeTeamResources, requireScope } from "../../lib/principal";

/** The channel at `id`, visible like the team's connections (its members, tenant admins, its tokens); 404 otherwise. */
export async function loadChannel(c: Context<AppEnv>, id: string) {
  const p = c.get("principal");
  requireScope(p, "read");
  const ctx = tenantCtx(c.get("db"), p.tenantId, c.get("controlDb"));
  const channel = await getChannel(ctx, id);
  if (!channel || !canSeeTeamResources(p, channel.teamId)) throw notFound("alert channel");
  return { p, ctx, channel };
}

/** Slack and webhook channels send through a connection of the same team and kind; e-mail channels through none. */
export async function checkConnection(ctx: TenantCtx, teamId: string, kind: string, connectionId: string | undefined) {
  if (kind === "email") {
    if (connectionId !== undefined) throw invalid("connection_id", "e-mail channels take recipients, not a connection");
    return null;
  }
  if (!connectionId) throw invalid("connection_id", `a ${kind} channel needs a ${kind} connection of its team (create one under Connections)`);
  const connection = await getConnection(ctx, connectionId);
  if (!connection || connection.teamId !== teamId) throw invalid("connection_id", "no such connection in this team");
  if (connection.kind !== kind) throw invalid("connection_id", `a ${kind} channel needs a connection of kind ${kind}, not ${connection.kind}`);
  return connection;
}

export async function connectionNames(ctx: TenantCtx, ids: Array<string | null>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of new Set(ids.filter((i): i is string => !!i))) {
    const conn = await getConnection(ctx, id);
    if (conn) out.set(id, conn.name);
  }
  return out;
}
