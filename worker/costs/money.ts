/**
 * Money is kept in integer micro-units (millionths of the currency unit): sums over a million records stay
 * exact, and a split always adds back up to the amount it split.
 */

export const MICROS = 1_000_000;
/** Largest amount one record may carry (a billion currency units: sums stay exact in a double up to 9 billion). */
export const MAX_AMOUNT = 1_000_000_000;

export const toMicros = (amount: number): number => Math.round(amount * MICROS);
export const fromMicros = (micros: number): number => micros / MICROS;

/**
 * Splits `total` micros by `weights` (non-negative, not all zero): each part is floor(total × w / Σw), and the
 * remainder goes one micro at a time to the largest fractional parts, so the parts sum exactly to `total`.
 */
export function splitMicros(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (!weights.length || !(sum > 0)) throw new Error("splitMicros needs at least one positive weight");
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map((x) => Math.floor(x));
  let rest = total - parts.reduce((a, p) => a + p, 0);
  const order = exact.map((x, i) => ({ i, frac: x - Math.floor(x) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; rest > 0; k = (k + 1) % order.length, rest--) parts[order[k].i] += 1;
  return parts;
}
