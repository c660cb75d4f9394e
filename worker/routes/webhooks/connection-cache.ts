import type { Db } from "../../db/client";
import { findSealedConnection, openConnectionSecret, type SealedConnection } from "../../db/repo/connections/secrets";
import type { KeyRing } from "../../lib/envelope";
import { TtlCache } from "../../lib/ttl-cache";

/**
 * Tools send webhooks in bursts (one per run event, retries on top), and every one needs the connection and its
 * decrypted signing secret. Both are kept per isolate for a short time: a rotated or removed secret takes
 * effect within TTL_MS.
 *
 * Unknown ids are remembered too (for UNKNOWN_TTL_MS), so a flood of deliveries to ids that do not exist costs
 * one D1 read per id and isolate, and ids that are not connection ids at all cost none. This delays nobody: ids
 * are random and only exist once the connection does, so no one has a reason to call one before it is created.
 */
const TTL_MS = 30_000;
export const UNKNOWN_TTL_MS = 60_000;
/** Negative entries are ~30 bytes each; many more fit than positive ones, which hold a decrypted secret. */
export const MAX_UNKNOWN_ENTRIES = 10_000;

/** What newId("connection") makes: anything else is answered without a lookup. */
const connectionIdPattern = /^conn_[0-9a-z]{20}$/;

interface Entry {
  conn: SealedConnection;
  secret: string | null;
}

const known = new TtlCache<Entry>(TTL_MS, 1000);
const unknown = new TtlCache<true>(UNKNOWN_TTL_MS, MAX_UNKNOWN_ENTRIES);

export async function webhookConnection(db: Db, ring: () => Promise<KeyRing>, connectionId: string, secretField: string, now: number): Promise<Entry | null> {
  if (!connectionIdPattern.test(connectionId) || unknown.get(connectionId, now)) return null;
  const key = `${connectionId}|${secretField}`;
  const hit = known.get(key, now);
  if (hit) return hit;
  const conn = await findSealedConnection(db, connectionId);
  if (!conn) {
    unknown.set(connectionId, true, now);
    return null;
  }
  const entry: Entry = { conn, secret: await openConnectionSecret(await ring(), conn, secretField) };
  known.set(key, entry, now);
  return entry;
}
