import { eq } from "drizzle-orm";
import type { Db } from "../../client";
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
 * Resolves a connection by its id alone. Like credential lookups, this is a read across tenants:
 * the webhook URL names the connection, and the connection says which tenant it belongs to.
 * Connection ids are random and globally unique.
 */
export async function findSealedConnection(db: Db, connectionId: string): Promise<SealedConnection | null> {
  const [row] = await db
    .select({ tenantId: connections.tenantId, id: connections.id, teamId: connections.teamId, kind: connections.kind, secrets: connections.secrets })
    .from(connections)
    .where(eq(connections.id, connectionId))
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
