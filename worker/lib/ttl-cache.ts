/**
 * A per-isolate map whose entries expire `ttlMs` after they were set and which holds at most `maxEntries`
 * (the oldest set goes first). For short-lived copies of rows many requests read; time is passed in so tests
 * and callers with an injected clock decide it.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The live entry for `key`, or undefined (also when it expired). */
  get(key: string, now: number): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expiresAt > now) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, now: number) {
    // Re-inserting moves the key to the end: Maps iterate in insertion order, so the first key is the oldest set.
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
