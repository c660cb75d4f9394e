import { fixedToNumber, maxFixed, parseDecimal, priceMicros, type Fixed } from "./decimal";
import type { CostDraft } from "./draft";

/**
 * Snowflake cost. Tutti tags the statements it runs with `tutti:<run id>:<task key>:<attempt>` (parameters.query_tag,
 * worker/connectors/snowflake/status.ts), and
 * dbt run_results carry each model's `query_id`; QUERY_ATTRIBUTION_HISTORY gives compute credits per query. A
 * query is matched to a Tutti task by its tag, or to a dbt node (and so a dataset) by its id. Credits of idle
 * warehouse time (WAREHOUSE_METERING_HISTORY minus attributed credits) are split later by each product's share
 * of the warehouse's attributed queries in the same window.
 */

const TAG_PREFIX = "tutti:";

export interface TaskRef {
  runId: string;
  taskKey: string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const runIdPattern = /^run_[0-9a-z]{8,40}$/;

/**
 * The Tutti task behind a query tag: `tutti:<run>:<task>[:<attempt>]` (what Tutti sets), a JSON tag with
 * `tutti_run_id`/`tutti_task_key` (teams that already tag queries with JSON), or a bare run id. Null otherwise.
 */
export function parseQueryTag(tag: string | null | undefined): TaskRef | null {
  if (!tag) return null;
  const text = tag.trim();
  if (text.startsWith(TAG_PREFIX)) {
    const [runId, taskKey] = text.slice(TAG_PREFIX.length).split(/[:/]/);
    return runIdPattern.test(runId) ? { runId, taskKey: taskKey || null } : null;
  }
  if (text.startsWith("{")) {
    try {
      const json: unknown = JSON.parse(text);
      if (!isObject(json)) return null;
      const nested = isObject(json.tutti) ? json.tutti : json;
      const runId = nested.tutti_run_id ?? nested.run_id;
      const taskKey = nested.tutti_task_key ?? nested.task_key;
      if (typeof runId === "string" && runIdPattern.test(runId)) return { runId, taskKey: typeof taskKey === "string" && taskKey ? taskKey : null };
    } catch {
      return null;
    }
    return null;
  }
  return runIdPattern.test(text) ? { runId: text, taskKey: null } : null;
}

/** Reads a field whatever case the view's column came back in (QUERY_ID, query_id). */
function field(facts: Record<string, unknown>, name: string): unknown {
  if (name in facts) return facts[name];
  const upper = name.toUpperCase();
  return upper in facts ? facts[upper] : undefined;
}
const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
const time = (v: unknown): number | null => {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  if (typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? null : t;
  }
  return null;
};

/**
 * Compute credits of one query: CREDITS_ATTRIBUTED_COMPUTE plus query acceleration, exactly (the SQL API sends
 * them as decimal strings). Cloud-services credits are left out: Snowflake bills them only above 10 % of the day's
 * compute, which a single query cannot know.
 */
export function queryCredits(facts: Record<string, unknown>): Fixed | null {
  const compute = parseDecimal(field(facts, "credits_attributed_compute")) ?? parseDecimal(field(facts, "credits"));
  if (compute === null) return null;
  return compute + (parseDecimal(field(facts, "credits_used_query_acceleration")) ?? 0n);
}

export interface SnowflakeFact {
  externalRef: string;
  startedAt: number | null;
  endedAt: number | null;
  facts: Record<string, unknown>;
}

/**
 * One query's cost record from its facts, or null when the facts carry no credits (not yet in
 * ACCOUNT_USAGE: the view lags by hours). `fallback` is the task the facts were collected for.
 */
export function snowflakeQueryCost(fact: SnowflakeFact, opts: { pricePerCredit: number; currency: string; fallback?: TaskRef | null }): CostDraft | null {
  const credits = queryCredits(fact.facts);
  if (credits === null || credits < 0n) return null;
  const queryId = str(field(fact.facts, "query_id")) ?? fact.externalRef;
  const tag = str(field(fact.facts, "query_tag"));
  const task = parseQueryTag(tag) ?? opts.fallback ?? null;
  const startedAt = fact.startedAt ?? time(field(fact.facts, "start_time")) ?? fact.endedAt;
  if (startedAt === null) return null;
  return {
    source: "snowflake",
    externalRef: queryId,
    amountMicros: priceMicros(credits, opts.pricePerCredit),
    currency: opts.currency,
    quantity: fixedToNumber(credits),
    unit: "credits",
    startedAt,
    endedAt: fact.endedAt ?? time(field(fact.facts, "end_time")),
    description: null,
    attribution: {
      runId: task?.runId ?? null,
      taskKey: task?.taskKey ?? null,
      queryId,
      queryTag: tag,
      warehouse: str(field(fact.facts, "warehouse_name")) ?? str(field(fact.facts, "warehouse")),
    },
  };
}

/**
 * Idle credits of a warehouse window: what WAREHOUSE_METERING_HISTORY billed beyond the credits attributed to
 * queries in the same window. Never negative (attribution can exceed metering by rounding).
 */
export function idleCredits(meteredCompute: Fixed, attributedCompute: Fixed): Fixed {
  return maxFixed(0n, meteredCompute - attributedCompute);
}

/** A metering row's idle cost, split later by the warehouse's query shares (attribution.splitByWarehouse). */
export function snowflakeIdleCost(
  row: { warehouse: string; startedAt: number; endedAt: number; meteredCredits: number | string; attributedCredits: number | string | null },
  opts: { pricePerCredit: number; currency: string },
): CostDraft | null {
  const metered = parseDecimal(row.meteredCredits);
  if (metered === null) return null;
  const credits = idleCredits(metered, parseDecimal(row.attributedCredits) ?? 0n);
  if (credits <= 0n) return null;
  return {
    source: "snowflake",
    externalRef: `idle:${row.warehouse}:${new Date(row.startedAt).toISOString()}`,
    amountMicros: priceMicros(credits, opts.pricePerCredit),
    currency: opts.currency,
    quantity: fixedToNumber(credits),
    unit: "credits",
    startedAt: row.startedAt,
    endedAt: row.endedAt,
    description: `Idle time of warehouse ${row.warehouse}`,
    attribution: { warehouse: row.warehouse, splitByWarehouse: row.warehouse },
  };
}
