import { airbyteClient } from "../../connectors/airbyte/client";
import { AirbyteConfig } from "../../connectors/airbyte/schema";
import { tasksOfExternalRuns } from "../../db/repo/costs/collector-links";
import { airbyteJobDrafts, jobIdOf } from "./airbyte-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS } from "./window";

/**
 * Airbyte: rows synced per job from the public API's job list, by the time a job was last updated. A job is listed
 * while it runs and again when it ends (with its final counts), so each window re-reads the day before its watermark:
 * a job that finished after the last read, or whose counts Airbyte filled in late, is priced then.
 */
const jobs: CollectorStream = {
  name: "jobs",
  trailingMs: DAY_MS,
  maxWindowMs: 7 * DAY_MS,
  async read(input, window) {
    const config = AirbyteConfig.parse(input.connection.config);
    const listed = await airbyteClient({ config, secrets: input.connection.secrets, fetch: input.fetch }).jobsUpdatedBetween(window.from, window.to);
    const ids = [...new Set(listed.map(jobIdOf).filter((id): id is string => id !== null))];
    const tasks = await tasksOfExternalRuns(input.ctx, "airbyte", input.connection.teamId, ids);
    return {
      rows: listed.length,
      drafts: airbyteJobDrafts(listed, {
        currency: input.costs.currency,
        perMillionRows: input.costs.airbytePerMillionRows,
        host: new URL(config.base_url).host,
        taskOfJob: (id) => tasks.get(id) ?? null,
      }),
    };
  },
};

export const airbyteCollector: CostCollector = {
  kind: "airbyte",
  streams: () => [jobs],
  namespace: (_config, override) => override ?? "airbyte",
};
