import { and, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { connections } from "../../schema";
import { secretAad } from "./connections";
import { open, type KeyRing } from "../../../lib/envelope";

export interface ChannelConnection {
  id: string;
  teamId: string;
  kind: string;
  config: Record<string, unknown>;
  /** Plaintext: for the one request to Slack or the receiver, never logged, stored or returned. */
  secrets: Record<string, string>;
}

/**
 * The connection behind an alert channel, decrypted, only when it belongs to `teamId` (a channel can use only its
 * own team's connections). Records last_used_at; deliveries are too frequent for one audit entry each.
 */
export async function openChannelConnection(
  ctx: TenantCtx,
  ring: KeyRing,
  teamId: string,
  connectionId: string,
  now: number,
): Promise<ChannelConnection | null> {
  const where = and(eq(connections.tenantId, ctx.tenantId), eq(connections.id, connectionId), eq(connections.teamId, teamId));
  const [row] = await ctx.db.select().from(connections).where(where).limit(1);
  if (!row) return null;
  const secrets: Record<string, string> = {};
  for (const [field, envelope] of Object.entries(row.secrets)) {
    try {
      secrets[field] = await open(ring, envelope, secretAad(ctx.tenantId, row.id, field));
    } catch {
      throw new Error(`connection ${row.id}: secret field "${field}" could not be decrypted (master key version ${envelope.v})`);
    }
  }
  await ctx.db.update(connections).set({ lastUsedAt: now }).where(where);
  return { id: row.id, teamId: row.teamId, kind: row.kind, config: row.config, secrets };
}
