/**
 * The product scorecard's derived figures, from sums the repository reads: value ÷ cost, trends, cost per use,
 * zombie detection and the ranking. Pure, so each rule is tested on its own.
 */

export interface ProductFigures {
  productId: string;
  /** Month to date. */
  costMicros: number;
  /** Previous month, same number of days, for the trend. */
  previousCostMicros: number;
  /** Trailing 30 days: what value is compared with and what makes a zombie. */
  cost30dMicros: number;
  uses: number;
  previousUses: number;
  uses30d: number;
  consumers: number;
  valueMicros: number | null;
}

/** Relative change (0.25 = +25 %); null when there is nothing to compare with. */
export function trend(current: number, previous: number): number | null {
  if (previous <= 0) return null;
  return (current - previous) / previous;
}

/** Declared value per month ÷ cost over the trailing 30 days; null without a declared value or without cost. */
export function valueRatio(valueMicros: number | null, cost30dMicros: number): number | null {
  if (valueMicros === null || cost30dMicros <= 0) return null;
  return valueMicros / cost30dMicros;
}

/**
 * A zombie costs money and nobody used it in 30 days — in a workspace that reports usage. When no usage of any product
 * (nor any unassigned use) arrived in those 30 days, nobody is measuring use: every product's usage is unknown, not
 * zero, and none is a zombie. The one definition the scorecard, product health and the monthly digest share.
 */
export const isZombie = (f: Pick<ProductFigures, "cost30dMicros" | "uses30d">, usageReported: boolean) =>
  usageReported && f.cost30dMicros > 0 && f.uses30d === 0;

export const perUnit = (costMicros: number, n: number): number | null => (n > 0 ? costMicros / n : null);

export interface Ranked {
  productId: string;
  ratio: number | null;
  zombie: boolean;
  cost30dMicros: number;
}

/**
 * Best value first: by value ÷ cost descending; products without a ratio follow (those with cost first, the
 * costliest first, since they most need a declared value); zombies sink to the bottom whatever their ratio.
 */
export function rank<T extends Ranked>(rows: T[]): T[] {
  return [...rows].sort((a, b) => {
    if (a.zombie !== b.zombie) return a.zombie ? 1 : -1;
    if ((a.ratio === null) !== (b.ratio === null)) return a.ratio === null ? 1 : -1;
    if (a.ratio !== null && b.ratio !== null && a.ratio !== b.ratio) return b.ratio - a.ratio;
    return b.cost30dMicros - a.cost30dMicros || a.productId.localeCompare(b.productId);
  });
}

export const valueStates = ["good", "fair", "poor", "zombie", "unknown"] as const;
export type ValueState = (typeof valueStates)[number];

/**
 * What value for money says, the one reading every page colours by: good from 3× the cost, fair from 1×, poor
 * below; a zombie is never good or fair whatever value was once declared, as nobody used it in 30 days; unknown
 * without a declared value or without cost.
 */
export function valueState(ratio: number | null, zombie: boolean): ValueState {
  if (zombie) return "zombie";
  if (ratio === null) return "unknown";
  if (ratio >= 3) return "good";
  if (ratio >= 1) return "fair";
  return "poor";
}
