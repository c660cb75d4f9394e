import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";

/**
 * Error paths (`tasks[1].depends_on[0]`) → where they are in the spec's text, so the dashboard's editor can mark the
 * right line and the API's answer names it. Pure and free of Worker APIs, like parse.ts. JSON specs go through the
 * same YAML parser (JSON is YAML 1.2 flow style), so both formats are located alike.
 */

export interface SpecPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** `tasks[1].depends_on[0]` → ["tasks", 1, "depends_on", 0]; `(root)` → []. */
export function pathSegments(path: string): Array<string | number> {
  if (path === "(root)" || path === "") return [];
  const out: Array<string | number> = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) out.push(m[1] !== undefined ? Number(m[1]) : m[2]);
  return out;
}

/**
 * A function answering where a path is in `text`: the key (or list item) of the deepest part of the path that the
 * text has, so a wrong field is reported at its own key and a missing one where its parent starts (the document's
 * start for a missing top-level field). Null only when the text cannot be read at all.
 */
export function specLocator(text: string): (path: string) => SpecPosition | null {
  const lineCounter = new LineCounter();
  let root: unknown;
  try {
    root = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false, version: "1.2" }).contents;
  } catch {
    return () => null;
  }
  const at = (offset: number): SpecPosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const start = (node: unknown) => (node && typeof node === "object" && "range" in node ? ((node as Node).range?.[0] ?? null) : null);

  return (path) => {
    const segments = pathSegments(path);
    let node: unknown = root;
    let offset = start(root) ?? 0;
    for (const segment of segments) {
      let next: unknown;
      let nextOffset: number | null = null;
      if (typeof segment === "number" && isSeq(node)) {
        next = node.items[segment];
        nextOffset = start(next);
      } else if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        next = pair?.value;
        nextOffset = pair ? start(pair.key) : null;
      }
      if (nextOffset === null) break;
      node = next;
      offset = nextOffset;
    }
    return at(offset);
  };
}
