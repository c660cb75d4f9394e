import type { Db } from "../../db/client";
import { findSealedConnection, openConnectionSecret, type SealedConnection } from "../../db/repo/connection-secrets";
import type { KeyRing } from "../../lib/envelope";

/**
 * Tools send webhooks in bursts (one per run event, retries on top), and every one needs the connection and its
 * decrypted signing secret. Both are kept per isolate for a short time: a rotated or removed secret takes
 * effect within TTL_MS. Unknown ids are not cached, so a new connection works at once.
 */
const TTL_MS = 30_000;
const MAX_ENTRIES = 1000;

interface Entry {
  conn: SealedConnection;
  secret: string | null;
  expiresAt: number;
}

const cache = new Map<string, Entry>();

export async function webhookConnection(db: Db, ring: () => Promise<KeyRing>, connectionId: string, secretField: string, now: number) {
  const key = `${connectionId}|${secretField}`;
  const hit = cache.get(key);
  if (hit && hit.expiresAt > now) return hit;
  const conn = await findSealedConnection(db, connectionId);
  if (!conn) return null;
  const entry: Entry = { conn, secret: await openConnectionSecret(await ring(), conn, secretField), expiresAt: now + TTL_MS };
  cache.delete(key);
  cache.set(key, entry);
  // Maps iterate in insertion order: the first key is the least recently filled.
  if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
  return entry;
}
