import { querySnowflake } from "../../connectors/snowflake/query";
import { SnowflakeConfig } from "../../connectors/snowflake/schema";
import { tasksOfDbtInvocations } from "../../db/repo/costs/collector-links";
import { ACCESS_SQL, COLLECTOR_QUERY_TAG, IDLE_SQL, invocationOf, idleDrafts, QUERY_COST_SQL, queryCostDrafts, tableReads } from "./snowflake-map";
import type { CollectorInput, CollectorStream, CostCollector } from "./types";
import { DAY_MS, HOUR_MS, isoUtc, type CollectWindow } from "./window";

/**
 * Snowflake: per-query credits, warehouse idle time and table reads from SNOWFLAKE.ACCOUNT_USAGE through the SQL API
 * the connector already speaks (key-pair JWT or token). Latencies (CONTRACTS-2 §1): QUERY_ATTRIBUTION_HISTORY up to
 * 8 h by the docs, designed for 24 h; WAREHOUSE_METERING_HISTORY up to 6 h; ACCESS_HISTORY up to 3 h. Each stream
 * re-reads that long behind its watermark.
 */
const STATEMENT_TIMEOUT_S = 120;

async function run(input: CollectorInput, statement: string, bindings: string[]) {
  const config = SnowflakeConfig.parse(input.connection.config);
  return querySnowflake(
    { config, secrets: input.connection.secrets, fetch: input.fetch },
    {
      statement,
      bindings,
      warehouse: input.settings.warehouse,
      role: input.settings.role,
      queryTag: COLLECTOR_QUERY_TAG,
      timeoutSeconds: STATEMENT_TIMEOUT_S,
    },
  );
}

const bounds = (w: CollectWindow) => [isoUtc(w.from), isoUtc(w.to)];
const price = (input: CollectorInput) => ({ pricePerCredit: input.costs.snowflakePerCredit, currency: input.costs.currency });

const queries: CollectorStream = {
  name: "queries",
  trailingMs: 24 * HOUR_MS,
  maxWindowMs: DAY_MS,
  async read(input, window) {
    const rows = await run(input, QUERY_COST_SQL, [...bounds(window), ...bounds(window)]);
    const invocations = [...new Set(rows.map(invocationOf).filter((id): id is string => id !== null))];
    const tasks = await tasksOfDbtInvocations(input.ctx, invocations);
    return { rows: rows.length, drafts: queryCostDrafts(rows, { ...price(input), taskOfInvocation: (id) => tasks.get(id) ?? null }) };
  },
};

const idle: CollectorStream = {
  name: "idle",
  trailingMs: 12 * HOUR_MS,
  maxWindowMs: DAY_MS,
  async read(input, window) {
    const rows = await run(input, IDLE_SQL, bounds(window));
    return { rows: rows.length, drafts: idleDrafts(rows, price(input)) };
  },
};

const access: CollectorStream = {
  name: "access",
  trailingMs: 6 * HOUR_MS,
  maxWindowMs: DAY_MS,
  async read(input, window) {
    const rows = await run(input, ACCESS_SQL, [...bounds(window), ...bounds(window)]);
    return { rows: rows.length, drafts: [], reads: tableReads(rows) };
  },
};

export const snowflakeCollector: CostCollector = {
  kind: "snowflake",
  streams: (settings) => (settings.collectUsage === false ? [queries, idle] : [queries, idle, access]),
  // OpenLineage names the account's tables in snowflake://<org>-<account>.
  namespace: (config, override) => override ?? `snowflake://${String(config.account ?? "").toLowerCase()}`,
};
