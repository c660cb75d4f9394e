import { goto } from "$app/navigation";
import { page } from "$app/state";
import { withQuery } from "./query-params";

/**
 * Puts filter (or tab) values into the page's URL without a history entry, a scroll or a lost focus; empty or
 * default values drop out (see withQuery). Pages derive their filter from the URL, so the list reloads from there.
 */
export function setQuery(changes: Record<string, string>, defaults: Record<string, string> = {}): void {
  void goto(withQuery(page.url, changes, defaults), { replaceState: true, keepFocus: true, noScroll: true });
}
