/**
 * The time range of the Overview and product pages, kept in the URL (`?range=30d`) so a link keeps it. The API
 * (`?range=` on /scorecard and /products/{id}/scorecard) defines the window; the page only names it.
 */
import type { ScorecardWindow } from "$lib/api/types";

export const ranges = ["mtd", "7d", "30d", "90d"] as const;
export type Range = (typeof ranges)[number];

export const rangeLabels: Record<Range, string> = { mtd: "Month to date", "7d": "7 days", "30d": "30 days", "90d": "90 days" };

/** The range a URL asks for; month to date (the API's default) when it names none or one we do not offer. */
export function rangeOf(url: URL): Range {
  const r = url.searchParams.get("range");
  return (ranges as readonly string[]).includes(r ?? "") ? (r as Range) : "mtd";
}

/** The same URL with another range; month to date leaves the parameter out. */
export function withRange(url: URL, range: Range): string {
  const next = new URL(url);
  if (range === "mtd") next.searchParams.delete("range");
  else next.searchParams.set("range", range);
  return `${next.pathname}${next.search}${next.hash}`;
}

const short = (day: string) => new Date(`${day}T00:00:00Z`).toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });

/** "1 Jul – 10 Jul" (UTC days, both included). */
export const windowDays = (w: Pick<ScorecardWindow, "from" | "to">) => (w.from === w.to ? short(w.from) : `${short(w.from)} – ${short(w.to)}`);

/** What a figure over the window is called: "this month" or "last 7 days". */
export const windowName = (w: Pick<ScorecardWindow, "range" | "days">) => (w.range === "mtd" ? "this month" : `last ${w.days} days`);

/** "MTD" or "7d": a window in a table's column heading. */
export const shortName = (w: Pick<ScorecardWindow, "range">) => (w.range === "mtd" ? "MTD" : w.range);

/** What the trend compares with. */
export const previousName = (w: Pick<ScorecardWindow, "range" | "days">) => (w.range === "mtd" ? "the same days last month" : `the ${w.days} days before`);

/** A link's query string that carries the range on to the next page ("" for month to date). */
export const rangeQuery = (range: Range) => (range === "mtd" ? "" : `?range=${range}`);
