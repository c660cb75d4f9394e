import { and, eq } from "drizzle-orm";
import type { TenantCtx } from "../../client";
import { connections } from "../../schema";
import { open, type Envelope, type KeyRing } from "../../../lib/envelope";
import { secretAad } from "./connections";

/** A connection with its sealed secrets: what a webhook receiver needs before it knows the tenant. */
export interface SealedConnection {
  tenantId: string;
  id: string;
  teamId: string;
  kind: string;
  secrets: Record<string, Envelope>;
}

/**
 * The connection with its sealed secrets. A webhook receiver learns the tenant from the control database's directory
 * of public ids (lib/connection-cache.ts) and reads the connection here, on that tenant's shard, by tenant and id.
 */
export async function findSealedConnection(ctx: TenantCtx, connectionId: string): Promise<SealedConnection | null> {
  const [row] = await ctx.db
    .select({ tenantId: connections.tenantId, id: connections.id, teamId: connections.teamId, kind: connections.kind, secrets: connections.secrets })
    .from(connections)
    .where(and(eq(connections.tenantId, ctx.tenantId), eq(connections.id, connectionId)))
    .limit(1);
  return row ?? null;
}

/** Decrypts one secret field of the connection (the signing secret); null when the field is not set. */
export async function openConnectionSecret(ring: KeyRing, conn: SealedConnection, field: string): Promise<string | null> {
  const envelope = conn.secrets[field];
  if (!envelope) return null;
  return open(ring, envelope, secretAad(conn.tenantId, conn.id, field));
}

/** Decrypts every secret field (for a connection test); the values go to the tool and nowhere else. */
export async function openConnectionSecrets(ring: KeyRing, conn: SealedConnection): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const field of Object.keys(conn.secrets)) out[field] = (await openConnectionSecret(ring, conn, field)) ?? "";
  return out;
}
