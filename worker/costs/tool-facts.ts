import { toMicros } from "./money";
import type { CostDraft } from "./draft";
import type { CostSettings } from "./settings";
import { snowflakeQueryCost, type TaskRef } from "./snowflake";

/**
 * Raw cost facts collected by connectors after a run (worker/db/schema/cost-facts.ts) → priced records.
 * Facts are what the tool reported; the price comes from the tenant's cost settings. Facts that do not carry
 * the usage a price applies to give no record (and are reported as unpriced), never a guessed amount.
 */

export interface FactRow {
  source: string;
  externalRef: string;
  runId: string | null;
  taskKey: string | null;
  teamId: string | null;
  startedAt: number | null;
  endedAt: number | null;
  facts: Record<string, unknown>;
}

const num = (v: unknown): number | null => {
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) && n >= 0 ? n : null;
};
const first = (facts: Record<string, unknown>, names: string[]) => {
  for (const name of names) {
    const v = num(facts[name] ?? facts[name.toUpperCase()]);
    if (v !== null) return v;
  }
  return null;
};

/** DBUs of a Databricks run: billed usage when known, else the cluster's DBU rate × hours the run took. */
export function databricksDbus(row: Pick<FactRow, "facts" | "startedAt" | "endedAt">): number | null {
  const billed = first(row.facts, ["dbus", "usage_quantity", "dbu"]);
  if (billed !== null) return billed;
  const rate = first(row.facts, ["dbu_per_hour", "cluster_dbu_per_hour"]);
  const ms = first(row.facts, ["run_duration", "execution_duration"]) ?? (row.startedAt !== null && row.endedAt !== null ? row.endedAt - row.startedAt : null);
  return rate !== null && ms !== null ? (rate * ms) / 3_600_000 : null;
}

function base(row: FactRow, settings: CostSettings) {
  return {
    externalRef: row.externalRef,
    currency: settings.currency,
    startedAt: row.startedAt ?? row.endedAt,
    endedAt: row.endedAt,
    description: null,
    attribution: { runId: row.runId, taskKey: row.taskKey, teamId: row.teamId },
  };
}

export function draftFromFact(row: FactRow, settings: CostSettings): CostDraft | null {
  const task: TaskRef | null = row.runId ? { runId: row.runId, taskKey: row.taskKey } : null;
  switch (row.source) {
    case "snowflake": {
      const draft = snowflakeQueryCost(row, { pricePerCredit: settings.snowflakePerCredit, currency: settings.currency, fallback: task });
      if (draft && row.teamId) draft.attribution.teamId = row.teamId;
      return draft;
    }
    case "databricks": {
      const dbus = databricksDbus(row);
      const b = base(row, settings);
      if (dbus === null || b.startedAt === null) return null;
      return { ...b, startedAt: b.startedAt, source: "databricks", amountMicros: toMicros(dbus * settings.databricksPerDbu), quantity: dbus, unit: "dbu" };
    }
    case "fivetran": {
      const mar = first(row.facts, ["mar", "monthly_active_rows"]);
      const b = base(row, settings);
      if (mar === null || b.startedAt === null) return null;
      return {
        ...b,
        startedAt: b.startedAt,
        source: "fivetran",
        amountMicros: toMicros((mar / 1e6) * settings.fivetranPerMillionMar),
        quantity: mar,
        unit: "mar",
      };
    }
    case "airbyte": {
      const rows = first(row.facts, ["rows_synced", "rowsSynced", "records_committed", "recordsCommitted"]);
      const b = base(row, settings);
      if (rows === null || b.startedAt === null) return null;
      return {
        ...b,
        startedAt: b.startedAt,
        source: "airbyte",
        amountMicros: toMicros((rows / 1e6) * settings.airbytePerMillionRows),
        quantity: rows,
        unit: "rows",
      };
    }
    default:
      return null;
  }
}
