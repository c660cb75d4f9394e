/**
 * List filters kept in the page's URL, so a filtered list can be linked and survives a reload. Pure: setQuery
 * (query-navigation.ts) turns the new URL into a navigation.
 */

/**
 * The URL with `changes` applied. A value equal to the parameter's default (empty unless `defaults` says otherwise)
 * removes it; with a non-empty default, an empty value is kept (`?type=` means "all", unlike no `type` at all).
 */
export function withQuery(url: URL, changes: Record<string, string>, defaults: Record<string, string> = {}): URL {
  const next = new URL(url);
  for (const [key, value] of Object.entries(changes)) {
    if (value === (defaults[key] ?? "")) next.searchParams.delete(key);
    else next.searchParams.set(key, value);
  }
  return next;
}

/** The parameter's value when it is one of `allowed`, else undefined (a hand-edited URL never reaches the API). */
export function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | undefined {
  return allowed.find((a) => a === value);
}
