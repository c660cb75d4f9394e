import { runInlineQuery } from "../../connectors/looker/client";
import { LookerConfig } from "../../connectors/looker/schema";
import { dayOf } from "../period";
import { historyQuery, LOOKER_ROW_LIMIT, lookerUses } from "./looker-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS } from "./window";

/**
 * Looker: dashboard, Look and explore runs per user and day from System Activity's `history` explore, through one
 * inline query per pass. History rows appear as queries run, but a day's counts grow until the day ends: each window
 * starts a day before the watermark and reads whole UTC days, replacing each stored count.
 */
const history: CollectorStream = {
  name: "usage",
  trailingMs: DAY_MS,
  maxWindowMs: 3 * DAY_MS,
  async read(input, window) {
    const config = LookerConfig.parse(input.connection.config);
    const rows = await runInlineQuery({ config, secrets: input.connection.secrets, fetch: input.fetch }, historyQuery(dayOf(window.from), dayOf(window.to)));
    if (rows.length >= LOOKER_ROW_LIMIT)
      throw new Error(`Looker returned ${rows.length} rows, its row limit, for ${dayOf(window.from)}…${dayOf(window.to)}: the days were not stored truncated`);
    return { rows: rows.length, drafts: [], uses: lookerUses(rows, input.connection.id) };
  },
};

export const lookerCollector: CostCollector = {
  kind: "looker",
  streams: () => [history],
  // Usage only: nothing it reads names a catalogued table.
  namespace: (_config, override) => override ?? "looker",
};
