import { queryDatabricks } from "../../connectors/databricks/statements";
import { DatabricksConfig } from "../../connectors/databricks/schema";
import { tasksOfExternalRuns } from "../../db/repo/costs/collector-links";
import { dayOf } from "../period";
import { lineageReads, lineageReadsSql, usageDrafts, usageSql } from "./databricks-map";
import type { CollectorInput, CollectorStream, CostCollector } from "./types";
import { DAY_MS, HOUR_MS, isoUtc } from "./window";

/**
 * Databricks: DBU usage from system.billing.usage priced with system.billing.list_prices, through the SQL Statement
 * Execution API on the configured SQL warehouse. Usage records land within 12 h and corrections (RETRACTION,
 * RESTATEMENT) later, with the day they were ingested: the window runs over `ingestion_date`, two days behind the
 * watermark, so corrections of any age are read on the day they arrive. Table reads come from
 * system.access.table_lineage (the `reads` stream), for product usage by person and tool.
 */
type Parameter = { name: string; value: string; type: "DATE" | "TIMESTAMP" | "STRING" };

/**
 * One statement over the system tables on the collector's SQL warehouse: `statement` gets whether the connection
 * names a workspace (then `:workspace_id` is bound and the statement filters by it).
 */
function querySystemTables(input: CollectorInput, statement: (scoped: boolean) => string, parameters: Parameter[]) {
  const config = DatabricksConfig.parse(input.connection.config);
  if (!input.settings.warehouseId) throw new Error("the collector has no SQL warehouse id (settings.warehouse_id)");
  const workspace = config.workspace_id ? [{ name: "workspace_id", value: config.workspace_id, type: "STRING" as const }] : [];
  return queryDatabricks(
    { config, secrets: input.connection.secrets, fetch: input.fetch },
    { statement: statement(Boolean(config.workspace_id)), warehouseId: input.settings.warehouseId, parameters: [...parameters, ...workspace] },
  );
}

const usage: CollectorStream = {
  name: "usage",
  trailingMs: 2 * DAY_MS,
  maxWindowMs: 7 * DAY_MS,
  async read(input, window) {
    const rows = await querySystemTables(input, usageSql, [
      { name: "from_day", value: dayOf(window.from), type: "DATE" },
      { name: "to_day", value: dayOf(window.to), type: "DATE" },
    ]);
    const jobRuns = [...new Set(rows.map((r) => r.job_run_id).filter((id): id is string => !!id))];
    const tasks = await tasksOfExternalRuns(input.ctx, "databricks", input.connection.teamId, jobRuns);
    return {
      rows: rows.length,
      drafts: usageDrafts(rows, {
        currency: input.costs.currency,
        pricePerDbu: input.costs.databricksPerDbu,
        taskOfJobRun: (id) => tasks.get(id) ?? null,
      }),
    };
  },
};

/**
 * Who read which Unity Catalog table, from system.access.table_lineage: only reads lineage could be inferred for
 * (rows exist only then). Its latency is not documented; a day behind the watermark is read again, and the hashed
 * event id (./databricks-map.ts) makes a re-read count once.
 */
const reads: CollectorStream = {
  name: "reads",
  trailingMs: 24 * HOUR_MS,
  maxWindowMs: 7 * DAY_MS,
  async read(input, window) {
    const rows = await querySystemTables(input, lineageReadsSql, [
      { name: "from_day", value: dayOf(window.from), type: "DATE" },
      { name: "to_day", value: dayOf(window.to), type: "DATE" },
      { name: "from_time", value: isoUtc(window.from), type: "TIMESTAMP" },
      { name: "to_time", value: isoUtc(window.to), type: "TIMESTAMP" },
    ]);
    return { rows: rows.length, drafts: [], reads: await lineageReads(rows) };
  },
};

export const databricksCollector: CostCollector = {
  kind: "databricks",
  streams: (settings) => (settings.collectUsage === false ? [usage] : [usage, reads]),
  // dbt's OpenLineage integration names a workspace's tables `catalog.schema.table` in databricks://<workspace host>.
  namespace: (config, override) => {
    if (override) return override;
    try {
      return `databricks://${new URL(String(config.base_url)).host.toLowerCase()}`;
    } catch {
      return "databricks";
    }
  },
};
