import type { Cell, FirstPartition } from "./result-set";

/** Column types whose values are numbers (`rowType[].type`: `fixed`, `real`; the others are aliases seen in clients). */
const NUMERIC_TYPES = new Set(["fixed", "real", "number", "decimal", "numeric", "int", "integer", "bigint", "float", "double"]);

/**
 * Whether one value of the SQL API's result (every value a string, CONTRACTS-2 §1) counts as true for a sensor:
 * a BOOLEAN `true`, a number other than zero, or the text `true` in any case. NULL, `false`, zero and any other text
 * are not. A column of unknown type is read as either a boolean or a number.
 */
export function cellIsTrue(cell: Cell, type: string): boolean {
  if (cell === null) return false;
  const text = cell.trim();
  if (text.toLowerCase() === "true") return true;
  if (type === "boolean" || type === "text") return false;
  if (type !== "" && !NUMERIC_TYPES.has(type)) return false;
  const n = text === "" ? Number.NaN : Number(text);
  return Number.isFinite(n) && n !== 0;
}

/**
 * A sensor's condition on its query's answer: the first column of the first row is true (cellIsTrue). No row is
 * "not yet" as well, so `select 1 from … where …` waits for a row and `select count(*) > 0 …` for a true count.
 */
export function conditionMet(result: Pick<FirstPartition, "types" | "data">): boolean {
  const first = result.data[0];
  if (!first || first.length === 0) return false;
  return cellIsTrue(first[0], result.types[0] ?? "");
}
