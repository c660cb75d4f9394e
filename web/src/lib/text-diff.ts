/**
 * A line diff of two spec texts for display, with long unchanged stretches folded. The Spec view
 * imports this module on demand, so jsdiff loads only when someone looks at changes.
 */
import { diffLines } from "diff";

export type DiffRow = { kind: "add" | "del" | "same"; text: string; oldLine: number | null; newLine: number | null } | { kind: "fold"; count: number };

/** Unchanged lines kept around each change. */
const CONTEXT = 3;

function splitLines(value: string): string[] {
  const lines = value.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function lineDiff(before: string, after: string): DiffRow[] {
  const rows: Exclude<DiffRow, { kind: "fold" }>[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const part of diffLines(before, after)) {
    for (const text of splitLines(part.value)) {
      if (part.added) rows.push({ kind: "add", text, oldLine: null, newLine: newLine++ });
      else if (part.removed) rows.push({ kind: "del", text, oldLine: oldLine++, newLine: null });
      else rows.push({ kind: "same", text, oldLine: oldLine++, newLine: newLine++ });
    }
  }
  return fold(rows);
}

/** Keeps CONTEXT unchanged lines next to each change and folds the rest into one row. */
function fold(rows: Exclude<DiffRow, { kind: "fold" }>[]): DiffRow[] {
  const changed = rows.map((r) => r.kind !== "same");
  const keep = rows.map((_, i) => {
    for (let d = -CONTEXT; d <= CONTEXT; d++) if (changed[i + d]) return true;
    return false;
  });
  const out: DiffRow[] = [];
  let folded = 0;
  rows.forEach((row, i) => {
    if (keep[i]) {
      if (folded) out.push({ kind: "fold", count: folded });
      folded = 0;
      out.push(row);
    } else folded++;
  });
  if (folded) out.push({ kind: "fold", count: folded });
  return out;
}
