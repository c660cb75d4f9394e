import { str } from "../../connectors/tool-http";
import type { BiUse } from "./bi-usage";

/**
 * Power BI admin activity events → one use per consumption event (a report or dashboard viewed, exported or
 * printed). Each event has its own `Id`, so a re-read day (events arrive up to 24 h late) adds the late ones and
 * counts the others once. Edits, shares, refreshes and admin actions are not use of the data and are left out.
 */

/** Activities that are someone consuming a report, dashboard or tile (case-insensitive; Power BI varies casing). */
const consumption = new Set(["viewreport", "viewdashboard", "viewtile", "exportreport", "exporttile", "exportartifact", "printreport", "printdashboard"]);

/** `CreationTime` comes without a zone ("2026-05-20T07:55:15") and is UTC. */
function utcTime(value: string | null): number | null {
  if (!value) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * An event's product is looked up by `report:<ReportId>` or `dashboard:<DashboardId>`, then its dataset (semantic
 * model) name, then its workspace name (both casings of WorkspaceName occur).
 */
export function powerBiUses(events: Array<Record<string, unknown>>): BiUse[] {
  const out = new Map<string, BiUse>();
  for (const e of events) {
    const id = str(e.Id);
    const activity = (str(e.Activity) ?? str(e.Operation) ?? "").toLowerCase();
    const at = utcTime(str(e.CreationTime));
    if (!id || at === null || !consumption.has(activity) || e.IsSuccess === false) continue;
    const report = str(e.ReportId);
    const dashboard = str(e.DashboardId);
    const keys = [
      report ? `report:${report}` : null,
      dashboard ? `dashboard:${dashboard}` : null,
      str(e.DatasetName),
      str(e.WorkspaceName) ?? str(e.WorkSpaceName),
    ].filter((k): k is string => Boolean(k));
    out.set(id, {
      eventId: `powerbi:${id}`,
      productKeys: keys,
      consumer: `${str(e.UserId) ?? "unknown user"} via powerbi`,
      kind: "dashboard_view",
      count: 1,
      at,
    });
  }
  return [...out.values()];
}
