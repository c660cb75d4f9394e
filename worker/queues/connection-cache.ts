/**
 * Resolved connections (environment binding + decrypted secrets) kept per isolate for a few seconds, so
 * a chain of short tasks does not read and decrypt the same connection for every call. A rotated or
 * re-bound connection is picked up by new task attempts within TTL_MS.
 */
export const CONNECTION_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 500;

const entries = new Map<string, { at: number; value: unknown }>();

export async function cachedConnection<T>(key: string, now: number, load: () => Promise<T | null>): Promise<T | null> {
  const hit = entries.get(key);
  if (hit && now - hit.at < CONNECTION_CACHE_TTL_MS) return hit.value as T;
  const value = await load();
  // Misses are not cached: a connection created a moment ago must be found on the next try.
  if (value !== null) {
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(key, { at: now, value });
  }
  return value;
}
