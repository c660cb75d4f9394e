import { queryDatabricks } from "../../connectors/databricks/statements";
import { DatabricksConfig } from "../../connectors/databricks/schema";
import { tasksOfExternalRuns } from "../../db/repo/costs/collector-links";
import { dayOf } from "../period";
import { usageDrafts, usageSql } from "./databricks-map";
import type { CollectorStream, CostCollector } from "./types";
import { DAY_MS } from "./window";

/**
 * Databricks: DBU usage from system.billing.usage priced with system.billing.list_prices, through the SQL Statement
 * Execution API on the configured SQL warehouse. Usage records land within 12 h and corrections (RETRACTION,
 * RESTATEMENT) later, with the day they were ingested: the window runs over `ingestion_date`, two days behind the
 * watermark, so corrections of any age are read on the day they arrive.
 */
const usage: CollectorStream = {
  name: "usage",
  trailingMs: 2 * DAY_MS,
  maxWindowMs: 7 * DAY_MS,
  async read(input, window) {
    const config = DatabricksConfig.parse(input.connection.config);
    if (!input.settings.warehouseId) throw new Error("the collector has no SQL warehouse id (settings.warehouse_id)");
    const rows = await queryDatabricks(
      { config, secrets: input.connection.secrets, fetch: input.fetch },
      {
        statement: usageSql(Boolean(config.workspace_id)),
        warehouseId: input.settings.warehouseId,
        parameters: [
          { name: "from_day", value: dayOf(window.from), type: "DATE" },
          { name: "to_day", value: dayOf(window.to), type: "DATE" },
          ...(config.workspace_id ? [{ name: "workspace_id", value: config.workspace_id, type: "STRING" as const }] : []),
        ],
      },
    );
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

export const databricksCollector: CostCollector = {
  kind: "databricks",
  streams: () => [usage],
  // The usage stream reads no tables; Unity Catalog tables would be named in their workspace's namespace.
  namespace: (_config, override) => override ?? "databricks",
};
