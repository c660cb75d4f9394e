import { querySnowflake } from "../../connectors/snowflake/query";
import { SnowflakeConfig } from "../../connectors/snowflake/schema";
import { latestPipelinesOfExternalRuns } from "../../db/repo/costs/collector-links";
import { DEFAULT_METADATA_SCHEMA, marDrafts, marMonths, marSql } from "./fivetran-map";
import { COLLECTOR_QUERY_TAG } from "./snowflake-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS } from "./window";

/**
 * Fivetran: monthly active rows. Fivetran has no REST endpoint for usage (CONTRACTS-2 §5); its Platform Connector
 * syncs them daily into the customer's warehouse (`fivetran_metadata.incremental_mar`). The collector reads them
 * through a Snowflake connection of the same team (settings.warehouse_connection), with the SQL API the Snowflake
 * connector speaks, and sums the current and the previous month again at every pass (./fivetran-map.ts).
 */
const STATEMENT_TIMEOUT_S = 120;

const mar: CollectorStream = {
  name: "mar",
  // The Platform Connector syncs once a day: a day's rows can land a day or two after it.
  trailingMs: 2 * DAY_MS,
  maxWindowMs: 31 * DAY_MS,
  async read(input, window) {
    const via = input.via;
    if (via?.kind !== "snowflake") throw new Error("the collector has no Snowflake connection to read MAR through (settings.warehouse_connection)");
    const months = marMonths(window);
    const rows = await querySnowflake(
      { config: SnowflakeConfig.parse(via.config), secrets: via.secrets, fetch: input.fetch },
      {
        statement: marSql(input.settings.metadataSchema ?? DEFAULT_METADATA_SCHEMA),
        bindings: [months.from, months.until],
        queryTag: COLLECTOR_QUERY_TAG,
        timeoutSeconds: STATEMENT_TIMEOUT_S,
      },
    );
    const ids = [...new Set(rows.map((r) => r.CONNECTION_ID).filter((id): id is string => !!id))];
    const pipelines = await latestPipelinesOfExternalRuns(input.ctx, "fivetran", input.connection.teamId, ids);
    return {
      rows: rows.length,
      drafts: marDrafts(rows, {
        currency: input.costs.currency,
        perMillionMar: input.costs.fivetranPerMillionMar,
        pipelineOf: (id) => pipelines.get(id) ?? null,
      }),
    };
  },
};

export const fivetranCollector: CostCollector = {
  kind: "fivetran",
  streams: () => [mar],
  via: (settings) => settings.warehouseConnection ?? null,
  namespace: (_config, override) => override ?? "fivetran",
};
