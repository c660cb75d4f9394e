/**
 * Where the cursor is inside YAML flow collections (`{ … }`, `[ … ]`): a scan of the text from the outermost bracket
 * to the cursor that skips quoted scalars and comments. Pure; spec-completion.ts reads the path from it.
 */

/** An open `{` or `[` between its opening and the cursor. */
export interface FlowFrame {
  kind: "map" | "seq";
  /** Map frames: the key whose value is being written, once its `:` is typed. */
  key: string | null;
  /** Map frames: the `key: scalar` pairs written so far, for `if`s and to leave written keys out. */
  values: Map<string, string>;
  /** Offset just after the frame's bracket or its last `,`: where the entry under the cursor starts. */
  entryStart: number;
}

/**
 * The flow collections open at `offset`, outermost first, scanned from `start` (just before the outermost bracket).
 * Null when the cursor is in a quoted scalar or a comment, or when everything opened was closed again.
 */
export function flowAt(text: string, start: number, offset: number): FlowFrame[] | null {
  const stack: FlowFrame[] = [];
  let word = "";
  const endScalar = (i: number) => {
    const top = stack.at(-1);
    if (top?.kind === "map" && top.key !== null && word.trim()) top.values.set(top.key, word.trim().replace(/^["']|["']$/g, ""));
    word = "";
    return i;
  };
  for (let i = start; i < offset; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close === -1 || close >= offset) return null;
      word += text.slice(i, close + 1);
      i = close;
    } else if (c === "#" && (i === start || /\s/.test(text[i - 1]))) {
      const eol = text.indexOf("\n", i);
      if (eol === -1 || eol >= offset) return null;
      i = eol;
    } else if (c === "{" || c === "[") {
      word = "";
      stack.push({ kind: c === "{" ? "map" : "seq", key: null, values: new Map(), entryStart: i + 1 });
    } else if (c === "}" || c === "]") {
      endScalar(i);
      stack.pop();
      if (!stack.length) return null;
    } else if (c === "," && stack.length) {
      endScalar(i);
      const top = stack.at(-1)!;
      top.key = null;
      top.entryStart = i + 1;
    } else if (c === ":" && stack.at(-1)?.kind === "map" && /[\s,]/.test(text[i + 1] ?? " ") && stack.at(-1)!.key === null) {
      stack.at(-1)!.key = word.trim().replace(/^["']|["']$/g, "");
      word = "";
    } else word += c;
  }
  return stack.length ? stack : null;
}
