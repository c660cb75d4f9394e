/**
 * List filters kept in the page's URL, so a filtered list can be linked and survives a reload. Pure: the
 * FilterBar component turns the new URL into a navigation (components/FilterBar.svelte, `setQuery`).
 */

/** The URL with `changes` applied: an empty value, or one equal to its default, removes the parameter. */
export function withQuery(url: URL, changes: Record<string, string>, defaults: Record<string, string> = {}): URL {
  const next = new URL(url);
  for (const [key, value] of Object.entries(changes)) {
    if (value && value !== (defaults[key] ?? "")) next.searchParams.set(key, value);
    else next.searchParams.delete(key);
  }
  return next;
}

/** The parameter's value when it is one of `allowed`, else undefined (a hand-edited URL never reaches the API). */
export function oneOf<T extends string>(allowed: readonly T[], value: string | null): T | undefined {
  return allowed.find((a) => a === value);
}
