import { TtlCache } from "../lib/ttl-cache";

/**
 * Resolved connections (environment binding + decrypted secrets) kept per isolate for a few seconds, so
 * a chain of short tasks does not read and decrypt the same connection for every call. A rotated or
 * re-bound connection is picked up by new task attempts within TTL_MS.
 */
export const CONNECTION_CACHE_TTL_MS = 10_000;
const cache = new TtlCache<unknown>(CONNECTION_CACHE_TTL_MS, 500);

export async function cachedConnection<T>(key: string, now: number, load: () => Promise<T | null>): Promise<T | null> {
  const hit = cache.get(key, now);
  if (hit !== undefined) return hit as T;
  const value = await load();
  // Misses are not cached: a connection created a moment ago must be found on the next try.
  if (value !== null) cache.set(key, value, now);
  return value;
}
