/**
 * Prices Tutti applies to sources that report usage rather than money. The defaults are public list prices
 * (mid-2025) so a new tenant sees plausible figures; every tenant should set its negotiated rates.
 */
export interface CostSettings {
  currency: string;
  /** BigQuery on-demand analysis, per TiB billed (list price 6.25 USD). */
  bigqueryPerTib: number;
  /** Snowflake credit (Enterprise edition, AWS US: 3.00 USD). */
  snowflakePerCredit: number;
  /** Databricks Jobs Compute DBU (premium tier, AWS: 0.15 USD). */
  databricksPerDbu: number;
  /** Fivetran per million monthly active rows; the real price is tiered, so this is a blended rate. */
  fivetranPerMillionMar: number;
  /** Airbyte Cloud per million rows synced (blended; API sources are priced per row, databases per GB). */
  airbytePerMillionRows: number;
}

export const defaultCostSettings: CostSettings = {
  currency: "USD",
  bigqueryPerTib: 6.25,
  snowflakePerCredit: 3,
  databricksPerDbu: 0.15,
  fivetranPerMillionMar: 500,
  airbytePerMillionRows: 15,
};
