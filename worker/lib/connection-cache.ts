import type { Db } from "../db/client";
import { findSealedConnection, openConnectionSecret, type SealedConnection } from "../db/repo/connections/secrets";
import { findPublicIdTenant } from "../db/repo/platform/public-ids";
import { tenantContext } from "../db/shards";
import type { Env } from "../env";
import type { KeyRing } from "./envelope";
import { TtlCache } from "./ttl-cache";

/**
 * Connections (rows and decrypted secrets) kept per isolate for a short time: the one place that caches them.
 * Misses are never cached as found-nothing except for webhook ids, below.
 */

/**
 * For dispatch: resolved connections (environment binding + decrypted secrets), so a chain of short tasks does not
 * read and decrypt the same connection for every call. A rotated or re-bound connection is picked up by new task
 * attempts within CONNECTION_CACHE_TTL_MS.
 */
export const CONNECTION_CACHE_TTL_MS = 10_000;
const resolved = new TtlCache<unknown>(CONNECTION_CACHE_TTL_MS, 500);

export async function cachedConnection<T>(key: string, now: number, load: () => Promise<T | null>): Promise<T | null> {
  const hit = resolved.get(key, now);
  if (hit !== undefined) return hit as T;
  const value = await load();
  // Misses are not cached: a connection created a moment ago must be found on the next try.
  if (value !== null) resolved.set(key, value, now);
  return value;
}

/**
 * For webhooks: tools send them in bursts (one per run event, retries on top), and every one needs the connection
 * and its decrypted signing secret. A rotated or removed secret takes effect within WEBHOOK_TTL_MS.
 *
 * The URL names only the connection: the control database's directory of public ids says whose it is
 * (db/repo/platform/public-ids.ts), and the connection is then read on that tenant's shard by tenant and id.
 *
 * Unknown ids are remembered too (for UNKNOWN_TTL_MS), so a flood of deliveries to ids that do not exist costs
 * one control read per id and isolate, and ids that are not connection ids at all cost none. This delays nobody: ids
 * are random and only exist once the connection does, so no one has a reason to call one before it is created.
 */
const WEBHOOK_TTL_MS = 30_000;
export const UNKNOWN_TTL_MS = 60_000;
/** Negative entries are ~30 bytes each; many more fit than positive ones, which hold a decrypted secret. */
export const MAX_UNKNOWN_ENTRIES = 10_000;

/** What newId("connection") makes: anything else is answered without a lookup. */
const connectionIdPattern = /^conn_[0-9a-z]{20}$/;

interface WebhookEntry {
  conn: SealedConnection;
  secret: string | null;
}

const known = new TtlCache<WebhookEntry>(WEBHOOK_TTL_MS, 1000);
const unknown = new TtlCache<true>(UNKNOWN_TTL_MS, MAX_UNKNOWN_ENTRIES);

export async function webhookConnection(
  env: Env,
  control: Db,
  ring: () => Promise<KeyRing>,
  connectionId: string,
  secretField: string,
  now: number,
): Promise<WebhookEntry | null> {
  if (!connectionIdPattern.test(connectionId) || unknown.get(connectionId, now)) return null;
  const key = `${connectionId}|${secretField}`;
  const hit = known.get(key, now);
  if (hit) return hit;
  const tenantId = await findPublicIdTenant(control, "connection", connectionId);
  const conn = tenantId ? await findSealedConnection(await tenantContext(env, tenantId), connectionId) : null;
  if (!conn) {
    unknown.set(connectionId, true, now);
    return null;
  }
  const entry: WebhookEntry = { conn, secret: await openConnectionSecret(await ring(), conn, secretField) };
  known.set(key, entry, now);
  return entry;
}
