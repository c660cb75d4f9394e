import type { UsageKind } from "../../db/schema/enums";
import { num, str } from "../../connectors/tool-http";
import type { InlineQuery } from "../../connectors/looker/client";
import { addDays, dayStart, isDay } from "../period";
import type { BiUse } from "./bi-usage";

/**
 * Looker System Activity (the `system__activity` model's `history` explore) → daily uses per user and dashboard,
 * Look or explore. The counts are `history.query_run_count` per day: a day keeps growing until it ends, so every
 * pass re-reads the days before its watermark and each (day, item, user) count replaces the one stored before.
 */

/** Rows one query may return; a window that reaches it fails rather than store a truncated day. */
export const LOOKER_ROW_LIMIT = 50_000;

/** The inline query for whole UTC days `fromDay` … `toDay` (Looker's "A to B" excludes B, so it names the day after). */
export function historyQuery(fromDay: string, toDay: string): InlineQuery {
  const slash = (day: string) => day.replaceAll("-", "/");
  return {
    model: "system__activity",
    view: "history",
    fields: [
      "history.created_date",
      "history.source",
      "user.id",
      "user.email",
      "dashboard.id",
      "look.id",
      "query.model",
      "query.view",
      "history.query_run_count",
    ],
    filters: { "history.created_date": `${slash(fromDay)} to ${slash(addDays(toDay, 1))}` },
    sorts: ["history.created_date"],
    limit: String(LOOKER_ROW_LIMIT),
    query_timezone: "UTC",
  };
}

function itemOf(row: Record<string, unknown>): { key: string; kind: UsageKind } | null {
  const dashboard = str(row["dashboard.id"]);
  if (dashboard) return { key: `dashboard:${dashboard}`, kind: "dashboard_view" };
  const look = str(row["look.id"]);
  if (look) return { key: `look:${look}`, kind: "dashboard_view" };
  const model = str(row["query.model"]);
  if (!model) return null;
  const source = (str(row["history.source"]) ?? "").toLowerCase();
  return { key: `explore:${model}/${str(row["query.view"]) ?? ""}`, kind: source === "api" || source.startsWith("api ") ? "api_call" : "query" };
}

/**
 * One use per (day, item, user) with the day's run count (rows of several sources for one item add up). An item's
 * product is looked up by `dashboard:<id>`, `look:<id>` or `explore:<model>/<view>`, then by its LookML model name.
 * `instance` (the connection id) keeps two Looker instances' dashboard ids apart.
 */
export function lookerUses(rows: Array<Record<string, unknown>>, instance: string): BiUse[] {
  const uses = new Map<string, BiUse>();
  for (const row of rows) {
    const day = str(row["history.created_date"]);
    const count = num(row["history.query_run_count"]);
    const item = itemOf(row);
    if (!day || !isDay(day) || count === null || count <= 0 || !Number.isInteger(count) || !item) continue;
    const email = str(row["user.email"]);
    const user = str(row["user.id"]) ?? email ?? "";
    // Explore runs through the API are another kind of use of the same explore: counted apart.
    const eventId = `looker:${instance}:${day}:${item.kind === "api_call" ? "api:" : ""}${item.key}:${user}`;
    const seen = uses.get(eventId);
    if (seen) {
      seen.count += count;
      continue;
    }
    const model = str(row["query.model"]);
    uses.set(eventId, {
      eventId,
      productKeys: model ? [item.key, model] : [item.key],
      consumer: `${email ?? (user ? `looker user ${user}` : "unknown user")} via looker`,
      kind: item.kind,
      count,
      at: dayStart(day),
    });
  }
  return [...uses.values()];
}
