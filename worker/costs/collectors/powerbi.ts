import { activityEvents } from "../../connectors/powerbi/client";
import { PowerBiConfig } from "../../connectors/powerbi/schema";
import { powerBiUses } from "./powerbi-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS, HOUR_MS, type CollectWindow } from "./window";

/**
 * Power BI: report and dashboard views from the admin Activity Events API. Events can take up to 24 h to appear, so
 * each window starts 26 h before the watermark; events are kept by their own id, so the ones read again count once.
 * The API takes one UTC day per request: a window is split at midnight.
 */
export function utcDays(window: CollectWindow): Array<{ from: number; to: number }> {
  const days: Array<{ from: number; to: number }> = [];
  for (let from = window.from; from < window.to; ) {
    const midnight = Math.floor(from / DAY_MS) * DAY_MS + DAY_MS;
    const end = Math.min(window.to, midnight);
    // endDateTime is inclusive: the last millisecond before the next window's (or day's) start.
    days.push({ from, to: end - 1 });
    from = end;
  }
  return days;
}

const activity: CollectorStream = {
  name: "usage",
  trailingMs: 26 * HOUR_MS,
  maxWindowMs: 2 * DAY_MS,
  async read(input, window) {
    const config = PowerBiConfig.parse(input.connection.config);
    const events = await activityEvents({ config, secrets: input.connection.secrets, fetch: input.fetch }, utcDays(window));
    return { rows: events.length, drafts: [], uses: powerBiUses(events) };
  },
};

export const powerBiCollector: CostCollector = {
  kind: "powerbi",
  streams: () => [activity],
  namespace: (_config, override) => override ?? "powerbi",
};
