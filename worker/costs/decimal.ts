import { MICROS } from "./money";

/**
 * Decimal figures as vendors send them (strings such as "0.000412" or "12.500000000000000000"), held as fixed-point
 * integers with 18 decimals, so usage × price is computed exactly and rounded once, to micros. Vendors' numbers are
 * never put through a float before they are priced (CONTRACTS-2: "Never use Number() on money").
 */
export type Fixed = bigint;

const DECIMALS = 18;
const ONE = 10n ** BigInt(DECIMALS);
const pattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** A decimal text or a finite number → fixed-point; null for anything else (empty, NaN, words). */
export function parseDecimal(value: unknown): Fixed | null {
  const text = typeof value === "number" ? (Number.isFinite(value) ? String(value) : "") : typeof value === "string" ? value.trim() : "";
  const m = pattern.exec(text);
  if (!m || (m[2] === "" && (m[3] ?? "") === "")) return null;
  const [, sign, whole, frac = "", exp = "0"] = m;
  const shift = Number(exp);
  if (!Number.isSafeInteger(shift) || Math.abs(shift) > 60) return null;
  // digits × 10^(shift − len(frac)), scaled by 10^18.
  const digits = BigInt(`${whole || "0"}${frac}`);
  const power = DECIMALS + shift - frac.length;
  const scaled = power >= 0 ? digits * 10n ** BigInt(power) : roundDiv(digits, 10n ** BigInt(-power));
  return sign === "-" ? -scaled : scaled;
}

/** a / b rounded half away from zero (b > 0). */
function roundDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (2n * (r < 0n ? -r : r) >= b) return a < 0n ? q - 1n : q + 1n;
  return q;
}

/** quantity × price per unit, in micros of the currency (the price is a setting in currency units, e.g. 3 or 0.15). */
export function priceMicros(quantity: Fixed, pricePerUnit: number): number {
  const priceMicrosPerUnit = BigInt(Math.round(pricePerUnit * MICROS));
  return Number(roundDiv(quantity * priceMicrosPerUnit, ONE));
}

/** An amount in currency units → micros. */
export const fixedToMicros = (amount: Fixed): number => Number(roundDiv(amount * BigInt(MICROS), ONE));

/** For quantities shown and stored beside the amount (credits, DBUs): a float is precise enough there. */
export const fixedToNumber = (value: Fixed): number => Number(value) / Number(ONE);

export const maxFixed = (a: Fixed, b: Fixed): Fixed => (a > b ? a : b);
