/**
 * Units a cost record's quantity may be measured in, and the units each known source reports. A Snowflake
 * record in DBUs or a BigQuery record in credits is a mistake worth refusing: it would be priced wrongly.
 */
export const costUnits = ["credits", "dbu", "bytes", "rows", "mar", "hours", "requests", "gb_month", "units"] as const;
export type CostUnit = (typeof costUnits)[number];

/** Sources Tutti derives cost for itself; any other source name (aws, looker…) is accepted with any unit. */
export const knownSources = ["snowflake", "bigquery", "databricks", "fivetran", "airbyte"] as const;
export type KnownSource = (typeof knownSources)[number];

export const unitsBySource: Record<KnownSource, readonly CostUnit[]> = {
  snowflake: ["credits"],
  // Bytes billed (on-demand); slot-hours (editions).
  bigquery: ["bytes", "hours"],
  databricks: ["dbu"],
  fivetran: ["mar", "rows"],
  airbyte: ["rows", "bytes"],
};

/** Source names are lowercase slugs so the explorer groups `aws` and `AWS` as one. */
export const sourcePattern = /^[a-z][a-z0-9_-]{0,39}$/;

export const isKnownSource = (s: string): s is KnownSource => (knownSources as readonly string[]).includes(s);

/** Why a unit does not fit a source, or null when it does. */
export function unitProblem(source: string, unit: string | null): string | null {
  if (unit === null) return null;
  if (!(costUnits as readonly string[]).includes(unit)) return `unknown unit "${unit}"; one of ${costUnits.join(", ")}`;
  if (isKnownSource(source) && !unitsBySource[source].includes(unit as CostUnit)) {
    return `${source} costs are measured in ${unitsBySource[source].join(" or ")}, not ${unit}`;
  }
  return null;
}
